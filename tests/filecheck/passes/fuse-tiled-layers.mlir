// RUN: deeploy-opt %s --split-input-file -p 'tile-layers{target=generic l1=256},fuse-tiled-layers{target=generic l1=256}' | filecheck %s
// RUN: deeploy-opt %s --split-input-file -p 'tile-layers{target=generic l1=64},fuse-tiled-layers{target=generic l1=64}' | filecheck %s --check-prefix=SMALL

// Gemm 2x8 by 8x4, then Relu. Apart: the Gemm moves A (64 B), B (128) and T (32), the
// Relu T and Y (32 each): 288 bytes in 5 transfers. Fused, T stays in L1 (a local
// buffer; nothing else reads it, so its L2 buffer goes): 224 bytes in 3 transfers, and
// one tile holds A, B, T and Y in 256 bytes.
// With 64 bytes the Gemm must split K, which a fused layer cannot (the Relu needs
// complete sums): no fused tiling fits, and the layers stay apart.
func.func @chain(%a: memref<2x8xf32, #buffer.level<L2>>, %b: memref<8x4xf32, #buffer.level<L2>>, %y: memref<2x4xf32, #buffer.level<L2>>) {
  %t = buffer.alloc {name = "t"} : memref<2x4xf32, #buffer.level<L2>>
  buffer.kernel "gemm_f32" ins(%a, %b : memref<2x8xf32, #buffer.level<L2>>, memref<8x4xf32, #buffer.level<L2>>) outs(%t : memref<2x4xf32, #buffer.level<L2>>) {params = {transA = 0 : i64, transB = 0 : i64, alpha = 1.000000e+00 : f64, beta = 1.000000e+00 : f64}, name = "fc"}
  buffer.kernel "relu_f32" ins(%t : memref<2x4xf32, #buffer.level<L2>>) outs(%y : memref<2x4xf32, #buffer.level<L2>>) {params = {}, name = "act"}
  func.return
}
// CHECK-LABEL: func.func @chain
// CHECK-NOT:     buffer.alloc
// CHECK:         tiled.layer "gemm_f32" ins(%a, %b : {{.*}}) outs(%y : memref<2x4xf32, #buffer.level<L2>>) tile [2, 4, 8] l1 [0, -1, 64, -1, 192, -1, 224, -1]
// CHECK-SAME:      steps = [{kernel = "gemm_f32", {{.*}}, ins = array<i64: 0, 1>, outs = array<i64: 2>}, {kernel = "relu_f32", params = {}, ins = array<i64: 2>, outs = array<i64: 3>}]
// CHECK-SAME:      local = [memref<2x4xf32, #buffer.level<L1>>], name = "fc+act", tiles = 1 : i64, dma_bytes = 224 : i64, dma_transfers = 3 : i64, l1_bytes = 256 : i64
// CHECK-NOT:     tiled.layer
// SMALL-LABEL: func.func @chain
// SMALL:         buffer.alloc
// SMALL:         tiled.layer "gemm_f32" {{.*}} name = "fc"
// SMALL:         tiled.layer "relu_f32" {{.*}} name = "act"

// -----

// T is also read after the Relu (by the Softmax, which is no pointwise kernel), so the
// fused layer stores it besides Y: it saves only the Relu's load of T.
func.func @stored(%a: memref<2x8xf32, #buffer.level<L2>>, %b: memref<8x4xf32, #buffer.level<L2>>, %y: memref<2x4xf32, #buffer.level<L2>>, %z: memref<2x4xf32, #buffer.level<L2>>) {
  %t = buffer.alloc {name = "t"} : memref<2x4xf32, #buffer.level<L2>>
  buffer.kernel "gemm_f32" ins(%a, %b : memref<2x8xf32, #buffer.level<L2>>, memref<8x4xf32, #buffer.level<L2>>) outs(%t : memref<2x4xf32, #buffer.level<L2>>) {params = {transA = 0 : i64, transB = 0 : i64, alpha = 1.000000e+00 : f64, beta = 1.000000e+00 : f64}, name = "fc"}
  buffer.kernel "relu_f32" ins(%t : memref<2x4xf32, #buffer.level<L2>>) outs(%y : memref<2x4xf32, #buffer.level<L2>>) {params = {}, name = "act"}
  buffer.kernel "softmax_f32" ins(%t : memref<2x4xf32, #buffer.level<L2>>) outs(%z : memref<2x4xf32, #buffer.level<L2>>) {params = {axis = 1 : i64}, name = "sm"}
  func.return
}
// CHECK-LABEL: func.func @stored
// CHECK:         %t = buffer.alloc
// CHECK:         tiled.layer "gemm_f32" ins(%a, %b : {{.*}}) outs(%t, %y : {{.*}})
// CHECK-SAME:      {kernel = "relu_f32", params = {}, ins = array<i64: 2>, outs = array<i64: 3>}]
// CHECK-SAME:      name = "fc+act", tiles = 1 : i64, dma_bytes = 256 : i64, dma_transfers = 4 : i64
// CHECK-NOT:       local =
// CHECK:         tiled.layer "softmax_f32" ins(%t

// -----

// The Add reads U, which the Mul computes after the Gemm: the Add cannot run with the
// Gemm's tiles. It runs with the Mul's instead (T exists by then), and the Relu joins
// that chain: Mul -> Add -> Relu, two local buffers.
func.func @later(%a: memref<2x8xf32, #buffer.level<L2>>, %b: memref<8x4xf32, #buffer.level<L2>>, %x: memref<2x4xf32, #buffer.level<L2>>, %y: memref<2x4xf32, #buffer.level<L2>>) {
  %t = buffer.alloc {name = "t"} : memref<2x4xf32, #buffer.level<L2>>
  %u = buffer.alloc {name = "u"} : memref<2x4xf32, #buffer.level<L2>>
  %v = buffer.alloc {name = "v"} : memref<2x4xf32, #buffer.level<L2>>
  buffer.kernel "gemm_f32" ins(%a, %b : memref<2x8xf32, #buffer.level<L2>>, memref<8x4xf32, #buffer.level<L2>>) outs(%t : memref<2x4xf32, #buffer.level<L2>>) {params = {transA = 0 : i64, transB = 0 : i64, alpha = 1.000000e+00 : f64, beta = 1.000000e+00 : f64}, name = "fc"}
  buffer.kernel "mul_f32" ins(%x, %x : memref<2x4xf32, #buffer.level<L2>>, memref<2x4xf32, #buffer.level<L2>>) outs(%u : memref<2x4xf32, #buffer.level<L2>>) {params = {}, name = "sq"}
  buffer.kernel "add_f32" ins(%t, %u : memref<2x4xf32, #buffer.level<L2>>, memref<2x4xf32, #buffer.level<L2>>) outs(%v : memref<2x4xf32, #buffer.level<L2>>) {params = {}, name = "sum"}
  buffer.kernel "relu_f32" ins(%v : memref<2x4xf32, #buffer.level<L2>>) outs(%y : memref<2x4xf32, #buffer.level<L2>>) {params = {}, name = "act"}
  func.return
}
// CHECK-LABEL: func.func @later
// CHECK:         %t = buffer.alloc
// CHECK-NOT:     buffer.alloc
// CHECK:         tiled.layer "gemm_f32" {{.*}} outs(%t : {{.*}} name = "fc"
// CHECK:         tiled.layer "mul_f32" ins(%x, %x, %t : {{.*}}) outs(%y : {{.*}})
// CHECK-SAME:      {kernel = "mul_f32", params = {}, ins = array<i64: 0, 1>, outs = array<i64: 3>}, {kernel = "add_f32", params = {}, ins = array<i64: 2, 3>, outs = array<i64: 4>}, {kernel = "relu_f32", params = {}, ins = array<i64: 4>, outs = array<i64: 5>}]
// CHECK-SAME:      local = [memref<2x4xf32, #buffer.level<L1>>, memref<2x4xf32, #buffer.level<L1>>], name = "sq+sum+act"

// -----

// The Relu's output buffer Y is allocated after the Gemm: the fused layer runs where the
// Gemm ran and writes Y there, so Y's alloc moves above it.
func.func @late_output(%a: memref<2x8xf32, #buffer.level<L2>>, %b: memref<8x4xf32, #buffer.level<L2>>, %z: memref<2x4xf32, #buffer.level<L2>>) {
  %t = buffer.alloc {name = "t"} : memref<2x4xf32, #buffer.level<L2>>
  buffer.kernel "gemm_f32" ins(%a, %b : memref<2x8xf32, #buffer.level<L2>>, memref<8x4xf32, #buffer.level<L2>>) outs(%t : memref<2x4xf32, #buffer.level<L2>>) {params = {transA = 0 : i64, transB = 0 : i64, alpha = 1.000000e+00 : f64, beta = 1.000000e+00 : f64}, name = "fc"}
  %y = buffer.alloc {name = "y"} : memref<2x4xf32, #buffer.level<L2>>
  buffer.kernel "relu_f32" ins(%t : memref<2x4xf32, #buffer.level<L2>>) outs(%y : memref<2x4xf32, #buffer.level<L2>>) {params = {}, name = "act"}
  buffer.kernel "softmax_f32" ins(%y : memref<2x4xf32, #buffer.level<L2>>) outs(%z : memref<2x4xf32, #buffer.level<L2>>) {params = {axis = 1 : i64}, name = "sm"}
  func.return
}
// CHECK-LABEL: func.func @late_output
// CHECK-NEXT:    %y = buffer.alloc {name = "y"}
// CHECK-NEXT:    tiled.layer "gemm_f32" ins(%a, %b : {{.*}}) outs(%y : {{.*}} name = "fc+act"
// CHECK-NEXT:    tiled.layer "softmax_f32" ins(%y

// -----

// The Mul writes its product over T in place, after the Relu and before the Tanh: the
// Tanh reads the product, not the Relu's T, so it cannot run with the Relu's tiles. It
// joins the Sigmoid+Mul chain instead.
func.func @tail_rewritten(%a: memref<2x4xf32, #buffer.level<L2>>, %b: memref<2x4xf32, #buffer.level<L2>>, %y: memref<2x4xf32, #buffer.level<L2>>) {
  %t = buffer.alloc {name = "t"} : memref<2x4xf32, #buffer.level<L2>>
  %u = buffer.alloc {name = "u"} : memref<2x4xf32, #buffer.level<L2>>
  buffer.kernel "relu_f32" ins(%a : memref<2x4xf32, #buffer.level<L2>>) outs(%t : memref<2x4xf32, #buffer.level<L2>>) {params = {}, name = "act"}
  buffer.kernel "sigmoid_f32" ins(%b : memref<2x4xf32, #buffer.level<L2>>) outs(%u : memref<2x4xf32, #buffer.level<L2>>) {params = {}, name = "sg"}
  buffer.kernel "mul_f32" ins(%t, %u : memref<2x4xf32, #buffer.level<L2>>, memref<2x4xf32, #buffer.level<L2>>) outs(%t : memref<2x4xf32, #buffer.level<L2>>) {params = {}, name = "mul"}
  buffer.kernel "tanh_f32" ins(%t : memref<2x4xf32, #buffer.level<L2>>) outs(%y : memref<2x4xf32, #buffer.level<L2>>) {params = {}, name = "last"}
  func.return
}
// CHECK-LABEL: func.func @tail_rewritten
// CHECK:         tiled.layer "relu_f32" ins(%a : {{.*}}) outs(%t : {{.*}} name = "act"
// CHECK:         tiled.layer "sigmoid_f32" {{.*}} name = "sg+mul+last"
// CHECK-NOT:     tiled.layer

// -----

// The Sigmoid writes O through a view made after the Relu (a Reshape): a view moves no
// data, so it does not stand in the way; it moves up with O's alloc.
func.func @view_out(%a: memref<2x4xf32, #buffer.level<L2>>, %y: memref<8xf32, #buffer.level<L2>>) {
  %t = buffer.alloc {name = "t"} : memref<2x4xf32, #buffer.level<L2>>
  buffer.kernel "relu_f32" ins(%a : memref<2x4xf32, #buffer.level<L2>>) outs(%t : memref<2x4xf32, #buffer.level<L2>>) {params = {}, name = "p"}
  %o = buffer.alloc {name = "o"} : memref<8xf32, #buffer.level<L2>>
  %v = buffer.view %o : memref<8xf32, #buffer.level<L2>> to memref<2x4xf32, #buffer.level<L2>>
  buffer.kernel "sigmoid_f32" ins(%t : memref<2x4xf32, #buffer.level<L2>>) outs(%v : memref<2x4xf32, #buffer.level<L2>>) {params = {}, name = "c"}
  buffer.kernel "tanh_f32" ins(%o : memref<8xf32, #buffer.level<L2>>) outs(%y : memref<8xf32, #buffer.level<L2>>) {params = {}, name = "after"}
  func.return
}
// CHECK-LABEL: func.func @view_out
// CHECK-NEXT:    %o = buffer.alloc {name = "o"}
// CHECK-NEXT:    %v = buffer.view %o
// CHECK-NEXT:    tiled.layer "relu_f32" ins(%a : {{.*}}) outs(%v : {{.*}} name = "p+c"
// CHECK-NEXT:    tiled.layer "tanh_f32" ins(%o

// -----

// The Sigmoid writes over T in place, but T is an argument (a graph output), so it
// must be stored: tail and result would be two outputs in one buffer. Not fused.
func.func @in_place_over_argument(%a: memref<2x4xf32, #buffer.level<L2>>, %t: memref<2x4xf32, #buffer.level<L2>>) {
  buffer.kernel "relu_f32" ins(%a : memref<2x4xf32, #buffer.level<L2>>) outs(%t : memref<2x4xf32, #buffer.level<L2>>) {params = {}, name = "p"}
  buffer.kernel "sigmoid_f32" ins(%t : memref<2x4xf32, #buffer.level<L2>>) outs(%t : memref<2x4xf32, #buffer.level<L2>>) {params = {}, name = "c"}
  func.return
}
// CHECK-LABEL: func.func @in_place_over_argument
// CHECK-NEXT:    tiled.layer "relu_f32" {{.*}} name = "p"
// CHECK-NEXT:    tiled.layer "sigmoid_f32" {{.*}} name = "c"
