// RUN: deeploy-opt %s --split-input-file -p 'bind-kernels{target=generic}' --verify-diagnostics | filecheck %s

// Attributes the model leaves out get ONNX's defaults (as float32 values): LeakyRelu
// alpha 0.01, HardSigmoid beta 0.5, Selu's alpha and gamma, Swish alpha 1.
func.func @defaults(%x: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) {
  %a = graph.leaky_relu %x : (tensor<8xf32>) -> tensor<8xf32>
  %b = graph.hard_sigmoid %x {alpha = 2.500000e-01 : f32} : (tensor<8xf32>) -> tensor<8xf32>
  %c = graph.selu %x : (tensor<8xf32>) -> tensor<8xf32>
  %d = graph.swish %x : (tensor<8xf32>) -> tensor<8xf32>
  func.return %a, %b, %c, %d : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
}
// CHECK-LABEL: func.func @defaults
// CHECK:         graph.leaky_relu {{.*}}kernel = "leaky_relu_f32", kernel_params = {alpha = 0.0099999997764825{{[0-9]*}} : f64}, kernel_inputs = array<i64: 0>, kernel_inplace = array<i64: 0, 0>
// CHECK:         graph.hard_sigmoid {{.*}}kernel = "hard_sigmoid_f32", kernel_params = {alpha = 2.500000e-01 : f64, beta = 5.000000e-01 : f64}
// CHECK:         graph.selu {{.*}}kernel = "selu_f32", kernel_params = {alpha = 1.673263192176818{{[0-9]*}} : f64, gamma = 1.050701022148132{{[0-9]*}} : f64}
// CHECK:         graph.swish {{.*}}kernel = "swish_f32", kernel_params = {alpha = 1.000000e+00 : f64}

// -----

// A cast keeping the element size may run in place; one changing it may not.
func.func @casts(%x: tensor<8xf32>) -> (tensor<8xi32>, tensor<8xi8>, tensor<8xf32>) {
  %a = graph.cast %x {to = 6 : i64} : (tensor<8xf32>) -> tensor<8xi32>
  %b = graph.cast %x {to = 3 : i64} : (tensor<8xf32>) -> tensor<8xi8>
  %c = graph.cast %x {to = 1 : i64} : (tensor<8xf32>) -> tensor<8xf32>
  func.return %a, %b, %c : tensor<8xi32>, tensor<8xi8>, tensor<8xf32>
}
// CHECK-LABEL: func.func @casts
// CHECK:         graph.cast {{.*}}kernel = "cast", kernel_params = {}, kernel_inputs = array<i64: 0>, kernel_inplace = array<i64: 0, 0>}
// CHECK:         graph.cast {{.*}}kernel = "cast_resize", kernel_params = {}, kernel_inputs = array<i64: 0>}
// CHECK:         graph.cast {{.*}}kernel = "cast", kernel_params = {}, kernel_inputs = array<i64: 0>, kernel_inplace = array<i64: 0, 0>}

// -----

// Comparisons read both operands as buffers and never share them with their boolean
// result; Where may write over x or y; PRelu's slope stays a buffer even when constant.
func.func @select(%x: tensor<2x4xf32>, %t: tensor<4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>) {
  %l = graph.less_or_equal %x, %t : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xi1>
  %n = graph.not %l : (tensor<2x4xi1>) -> tensor<2x4xi1>
  %w = graph.where %n, %x, %t : (tensor<2x4xi1>, tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %s = graph.constant dense<[0.1, 0.2, 0.3, 0.4]> : tensor<4xf32>
  %p = graph.prelu %x, %s : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  func.return %w, %p : tensor<2x4xf32>, tensor<2x4xf32>
}
// CHECK-LABEL: func.func @select
// CHECK:         graph.less_or_equal {{.*}}kernel = "less_equal", kernel_params = {}, kernel_inputs = array<i64: 0, 1>}
// CHECK:         graph.not {{.*}}kernel = "not", kernel_params = {}, kernel_inputs = array<i64: 0>, kernel_inplace = array<i64: 0, 0>}
// CHECK:         graph.where {{.*}}kernel = "where", kernel_params = {}, kernel_inputs = array<i64: 0, 1, 2>, kernel_inplace = array<i64: 1, 0, 2, 0>}
// CHECK:         graph.prelu {{.*}}kernel = "prelu_f32", kernel_params = {}, kernel_inputs = array<i64: 0, 1>, kernel_inplace = array<i64: 0, 0>}

// -----

// Unsupported element types and attribute values are reported with the reason.
func.func @unsupported(%x: tensor<4xf32>, %d: tensor<4xf64>) -> (tensor<4xf16>, tensor<4xf32>, tensor<4xi1>) {
  %h = graph.cast %x {to = 10 : i64, name = "to_half"} : (tensor<4xf32>) -> tensor<4xf16>
  %c = graph.celu %x {alpha = 0.000000e+00 : f32, name = "flat_celu"} : (tensor<4xf32>) -> tensor<4xf32>
  %l = graph.less %d, %d {name = "double_less"} : (tensor<4xf64>, tensor<4xf64>) -> tensor<4xi1>
  func.return %h, %c, %l : tensor<4xf16>, tensor<4xf32>, tensor<4xi1>
}
// CHECK: 3 node(s) cannot run on target 'generic': Cast (cannot cast to f16: the supported types are f32, i8, u8, i16, u16, i32, i64, bool): 'to_half'; Celu (alpha must not be 0): 'flat_celu'; Less (needs f32/i32/i64 inputs, got f64): 'double_less'
