// RUN: deeploy-opt %s --split-input-file --verify-diagnostics | filecheck %s

// A fused layer: a Gemm whose result stays in L1 (local buffer 2) for a Relu.
func.func @fused(%a: memref<2x8xf32, #buffer.level<L2>>, %b: memref<8x4xf32, #buffer.level<L2>>, %y: memref<2x4xf32, #buffer.level<L2>>) {
  tiled.layer "gemm_f32" ins(%a, %b : memref<2x8xf32, #buffer.level<L2>>, memref<8x4xf32, #buffer.level<L2>>) outs(%y : memref<2x4xf32, #buffer.level<L2>>) tile [2, 4, 8] l1 [0, -1, 64, -1, 192, -1, 224, -1] {params = {}, steps = [{kernel = "gemm_f32", params = {}, ins = array<i64: 0, 1>, outs = array<i64: 2>}, {kernel = "relu_f32", params = {}, ins = array<i64: 2>, outs = array<i64: 3>}], local = [memref<2x4xf32, #buffer.level<L1>>]}
  func.return
}
// CHECK-LABEL: func.func @fused
// CHECK: steps = [{kernel = "gemm_f32", params = {}, ins = array<i64: 0, 1>, outs = array<i64: 2>}, {kernel = "relu_f32", params = {}, ins = array<i64: 2>, outs = array<i64: 3>}], local = [memref<2x4xf32, #buffer.level<L1>>]

// -----

func.func @local_in_l2(%a: memref<2x8xf32, #buffer.level<L2>>, %b: memref<8x4xf32, #buffer.level<L2>>, %y: memref<2x4xf32, #buffer.level<L2>>) {
  tiled.layer "gemm_f32" ins(%a, %b : memref<2x8xf32, #buffer.level<L2>>, memref<8x4xf32, #buffer.level<L2>>) outs(%y : memref<2x4xf32, #buffer.level<L2>>) tile [2, 4, 8] l1 [0, -1, 64, -1, 192, -1, 224, -1] {params = {}, steps = [{kernel = "gemm_f32", params = {}, ins = array<i64: 0, 1>, outs = array<i64: 2>}, {kernel = "relu_f32", params = {}, ins = array<i64: 2>, outs = array<i64: 3>}], local = [memref<2x4xf32, #buffer.level<L2>>]}
  func.return
}
// CHECK: tiled.layer: local buffers live beside the tiles, not home

// -----

// with a target spec, locals live in its compute level, whatever it is called
builtin.module attributes {deeploy.target = #target.spec<"generic", levels = [SPM 256, RAM 4096, L3 0], compute = SPM, home = RAM, alignment = 16, tile_alignment = 4, double_buffer = false, fuse_layers = true, profile_layers = false>} {
  func.func @local_not_in_the_scratchpad(%a: memref<2x8xf32, #buffer.level<RAM>>, %b: memref<8x4xf32, #buffer.level<RAM>>, %y: memref<2x4xf32, #buffer.level<RAM>>) {
    tiled.layer "gemm_f32" ins(%a, %b : memref<2x8xf32, #buffer.level<RAM>>, memref<8x4xf32, #buffer.level<RAM>>) outs(%y : memref<2x4xf32, #buffer.level<RAM>>) tile [2, 4, 8] l1 [0, -1, 64, -1, 192, -1, 224, -1] {params = {}, steps = [{kernel = "gemm_f32", params = {}, ins = array<i64: 0, 1>, outs = array<i64: 2>}, {kernel = "relu_f32", params = {}, ins = array<i64: 2>, outs = array<i64: 3>}], local = [memref<2x4xf32, #buffer.level<L1>>]}
    func.return
  }
}
// CHECK: tiled.layer: local buffers live in the scratchpad (SPM)

// -----

func.func @unwritten_output(%a: memref<2x8xf32, #buffer.level<L2>>, %b: memref<8x4xf32, #buffer.level<L2>>, %y: memref<2x4xf32, #buffer.level<L2>>) {
  tiled.layer "gemm_f32" ins(%a, %b : memref<2x8xf32, #buffer.level<L2>>, memref<8x4xf32, #buffer.level<L2>>) outs(%y : memref<2x4xf32, #buffer.level<L2>>) tile [2, 4, 8] l1 [0, -1, 64, -1, 192, -1, 224, -1] {params = {}, steps = [{kernel = "gemm_f32", params = {}, ins = array<i64: 0, 1>, outs = array<i64: 2>}, {kernel = "relu_f32", params = {}, ins = array<i64: 2>, outs = array<i64: 2>}], local = [memref<2x4xf32, #buffer.level<L1>>]}
  func.return
}
// CHECK: tiled.layer: steps write every local buffer and output, and no input

// -----

func.func @unknown_operand(%a: memref<2x8xf32, #buffer.level<L2>>, %b: memref<8x4xf32, #buffer.level<L2>>, %y: memref<2x4xf32, #buffer.level<L2>>) {
  tiled.layer "gemm_f32" ins(%a, %b : memref<2x8xf32, #buffer.level<L2>>, memref<8x4xf32, #buffer.level<L2>>) outs(%y : memref<2x4xf32, #buffer.level<L2>>) tile [2, 4, 8] l1 [0, -1, 64, -1, 192, -1] {params = {}, steps = [{kernel = "gemm_f32", params = {}, ins = array<i64: 0, 1>, outs = array<i64: 7>}]}
  func.return
}
// CHECK: tiled.layer: step 'gemm_f32' names an unknown operand

// -----

// Tiling reads the layer's params, execution the steps': they must agree.
func.func @params_differ(%a: memref<2x8xf32, #buffer.level<L2>>, %b: memref<8x4xf32, #buffer.level<L2>>, %y: memref<2x4xf32, #buffer.level<L2>>) {
  tiled.layer "gemm_f32" ins(%a, %b : memref<2x8xf32, #buffer.level<L2>>, memref<8x4xf32, #buffer.level<L2>>) outs(%y : memref<2x4xf32, #buffer.level<L2>>) tile [2, 4, 8] l1 [0, -1, 64, -1, 192, -1, 224, -1] {params = {transB = 0 : i64}, steps = [{kernel = "gemm_f32", params = {transB = 1 : i64}, ins = array<i64: 0, 1>, outs = array<i64: 2>}, {kernel = "relu_f32", params = {}, ins = array<i64: 2>, outs = array<i64: 3>}], local = [memref<2x4xf32, #buffer.level<L1>>]}
  func.return
}
// CHECK: tiled.layer: the first step is the layer's kernel and params
