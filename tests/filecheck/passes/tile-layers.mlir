// RUN: deeploy-opt %s --split-input-file -p 'tile-layers{target=generic l1=64}' --verify-diagnostics | filecheck %s
// RUN: deeploy-opt %s --split-input-file -p 'tile-layers{target=generic l1=64 double-buffer=true}' --verify-diagnostics | filecheck %s --check-prefix=DOUBLE

// Relu over 16 floats: x and y tiles of t floats take 8t bytes, so the largest tile
// within 64 bytes is 8 (two tiles; every element moves once: 64 + 64 bytes in 4
// transfers). Double buffered, each operand needs two buffers: 16t <= 64, t = 4.
func.func @relu(%x: memref<16xf32, #buffer.level<L2>>, %y: memref<16xf32, #buffer.level<L2>>) {
  buffer.kernel "relu_f32" ins(%x : memref<16xf32, #buffer.level<L2>>) outs(%y : memref<16xf32, #buffer.level<L2>>) {params = {}, name = "r"}
  func.return
}
// CHECK-LABEL: func.func @relu
// CHECK:         tiled.layer "relu_f32" ins(%x : memref<16xf32, #buffer.level<L2>>) outs(%y : memref<16xf32, #buffer.level<L2>>) tile [8] l1 [0, -1, 32, -1] {params = {}, name = "r", tiles = 2 : i64, dma_bytes = 128 : i64, dma_transfers = 4 : i64, l1_bytes = 64 : i64, order = "d0", optimal = true}
// DOUBLE-LABEL: func.func @relu
// DOUBLE:         tile [4] l1 [0, 16, 32, 48] {params = {}, double_buffer, name = "r", tiles = 4 : i64, dma_bytes = 128 : i64, dma_transfers = 8 : i64, l1_bytes = 64 : i64

// -----

// Gemm 2x64 by 64x2: A alone is 512 bytes, so K splits (the kernel accumulates). A's
// and B's k-slices take 8k bytes each, Y 16: 16k + 16 <= 64 gives k <= 3. Every byte of
// A and B moves once whatever k is (K is innermost), so the fewest transfers win: 22
// slices of at most 3 (A, B: 22 each; Y once).
func.func @gemm(%a: memref<2x64xf32, #buffer.level<L2>>, %b: memref<64x2xf32, #buffer.level<L2>>, %y: memref<2x2xf32, #buffer.level<L2>>) {
  buffer.kernel "gemm_f32" ins(%a, %b : memref<2x64xf32, #buffer.level<L2>>, memref<64x2xf32, #buffer.level<L2>>) outs(%y : memref<2x2xf32, #buffer.level<L2>>) {params = {transA = 0 : i64, transB = 0 : i64, alpha = 1.000000e+00 : f64, beta = 1.000000e+00 : f64}, name = "fc"}
  func.return
}
// CHECK-LABEL: func.func @gemm
// CHECK:         tile [2, 2, 3] l1 [0, -1, 24, -1, 48, -1] {{.*}}tiles = 22 : i64, dma_bytes = 1040 : i64, dma_transfers = 45 : i64, l1_bytes = 64 : i64, order = "m,n,k", optimal = true}

// -----

// Softmax needs its axis whole: 2 x 32 floats in and out take 256 bytes, which no
// tiling of the other axis can shrink below 2 x 128.
func.func @softmax(%x: memref<2x32xf32, #buffer.level<L2>>, %y: memref<2x32xf32, #buffer.level<L2>>) {
  // expected-error @+1 {{1 layer(s) do not fit in 64 bytes of L1: 'sm' (softmax_f32) needs at least 256 bytes}}
  buffer.kernel "softmax_f32" ins(%x : memref<2x32xf32, #buffer.level<L2>>) outs(%y : memref<2x32xf32, #buffer.level<L2>>) {params = {axis = 1 : i64}, name = "sm"}
  func.return
}
