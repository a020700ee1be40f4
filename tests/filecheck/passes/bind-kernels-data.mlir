// RUN: deeploy-opt %s --split-input-file -p 'bind-kernels{target=generic}' --verify-diagnostics | filecheck %s

// Slice bounds are clamped ONNX-style and become the first index and step of every axis:
// rows 100:1:-2 of 6 are 5, 3; columns 3:-100:-1 of 5 are 3, 2, 1, 0.
func.func @slice(%x: tensor<6x5xf32>) -> tensor<2x4xf32> {
  %s = graph.constant dense<[100, 3]> : tensor<2xi64>
  %e = graph.constant dense<[1, -100]> : tensor<2xi64>
  %a = graph.constant dense<[0, -1]> : tensor<2xi64>
  %st = graph.constant dense<[-2, -1]> : tensor<2xi64>
  %y = graph.slice %x, %s, %e, %a, %st : (tensor<6x5xf32>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) -> tensor<2x4xf32>
  func.return %y : tensor<2x4xf32>
}
// CHECK-LABEL: func.func @slice
// CHECK: kernel = "slice", kernel_params = {starts = array<i64: 5, 3>, steps = array<i64: -2, -1>}, kernel_inputs = array<i64: 0>

// -----

// Constant Gather indices wrap and become a parameter; runtime ones stay a buffer.
func.func @gather(%x: tensor<3x4xf32>, %i: tensor<2xi32>) -> (tensor<3x3xf32>, tensor<3x2xf32>) {
  %c = graph.constant dense<[-1, 0, 2]> : tensor<3xi64>
  %y = graph.gather %x, %c {axis = -1 : i64} : (tensor<3x4xf32>, tensor<3xi64>) -> tensor<3x3xf32>
  %z = graph.gather %x, %i {axis = 1 : i64} : (tensor<3x4xf32>, tensor<2xi32>) -> tensor<3x2xf32>
  func.return %y, %z : tensor<3x3xf32>, tensor<3x2xf32>
}
// CHECK-LABEL: func.func @gather
// CHECK: kernel = "gather_constant", kernel_params = {axis = 1 : i64, indices = array<i64: 3, 0, 2>}, kernel_inputs = array<i64: 0>
// CHECK: kernel = "gather", kernel_params = {axis = 1 : i64}, kernel_inputs = array<i64: 0, 1>

// -----

// ConstantOfShape carries its value's bit pattern (1.5f = 0x3fc00000) as two 32-bit words.
func.func @fill() -> tensor<2x3xf32> {
  %s = graph.constant dense<[2, 3]> : tensor<2xi64>
  %y = graph.constant_of_shape %s {value = dense<1.5> : tensor<1xf32>} : (tensor<2xi64>) -> tensor<2x3xf32>
  func.return %y : tensor<2x3xf32>
}
// CHECK-LABEL: func.func @fill
// CHECK: kernel = "constant_of_shape", kernel_params = {bits = array<i64: 1069547520, 0>}, kernel_inputs = array<i64>

// -----

// Deeploy's SoftmaxCrossEntropyLoss: one output shaped like the scores is the log-probs.
func.func @sce(%x: tensor<4x10xf32>, %t: tensor<4xi64>) -> tensor<4x10xf32> {
  %y = graph.softmax_cross_entropy_loss %x, %t {reduction = "mean"} : (tensor<4x10xf32>, tensor<4xi64>) -> tensor<4x10xf32>
  func.return %y : tensor<4x10xf32>
}
// CHECK-LABEL: func.func @sce
// CHECK: kernel = "softmax_cross_entropy_f32", kernel_params = {reduction = 2 : i64, ignore_index = -1 : i64, loss = 0 : i64}, kernel_inputs = array<i64: 0, 1>

// -----

// Reasons: runtime Slice bounds, an out-of-range constant index.
func.func @rejected(%x: tensor<4x4xf32>, %s: tensor<1xi64>) -> (tensor<2x4xf32>, tensor<1x4xf32>) {
  %e = graph.constant dense<[3]> : tensor<1xi64>
  %y = graph.slice %x, %s, %e {name = "dyn"} : (tensor<4x4xf32>, tensor<1xi64>, tensor<1xi64>) -> tensor<2x4xf32>
  %c = graph.constant dense<[4]> : tensor<1xi64>
  %z = graph.gather %x, %c {name = "oob"} : (tensor<4x4xf32>, tensor<1xi64>) -> tensor<1x4xf32>
  func.return %y, %z : tensor<2x4xf32>, tensor<1x4xf32>
}
// CHECK: 2 node(s) cannot run on target 'generic': Slice (starts, ends, axes and steps must be constants): 'dyn'; Gather (index 4 is out of range for axis 0 of size 4): 'oob'
