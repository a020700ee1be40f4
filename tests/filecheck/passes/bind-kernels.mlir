// RUN: deeploy-opt %s --split-input-file -p 'bind-kernels{target=generic}' --verify-diagnostics | filecheck %s

// Defaults are resolved: 1-D convolutions are lifted to 2-D, pads split into begin/end.
func.func @conv1d(%x: tensor<1x2x16xf32>, %w: tensor<4x2x3xf32>) -> tensor<1x4x8xf32> {
  %y = graph.conv %x, %w {strides = array<i64: 2>, pads = array<i64: 1, 1>, name = "c1"} : (tensor<1x2x16xf32>, tensor<4x2x3xf32>) -> tensor<1x4x8xf32>
  func.return %y : tensor<1x4x8xf32>
}
// CHECK-LABEL: func.func @conv1d
// CHECK:         graph.conv %x, %w {{{.*}}kernel = "conv2d_f32", kernel_params = {kernel = array<i64: 1, 3>, strides = array<i64: 1, 2>, dilations = array<i64: 1, 1>, pads_begin = array<i64: 0, 1>, pads_end = array<i64: 0, 1>, group = 1 : i64}, kernel_inputs = array<i64: 0, 1>}

// -----

// Constant inputs become parameters and are not read as buffers (Clip's max, ReduceMean's axes).
func.func @params(%x: tensor<2x8xf32>) -> tensor<2x1xf32> {
  %hi = graph.constant dense<6.0> : tensor<f32>
  %c = graph.clip %x, none, %hi : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %axes = graph.constant dense<[1]> : tensor<1xi64>
  %m = graph.reduce_mean %c, %axes : (tensor<2x8xf32>, tensor<1xi64>) -> tensor<2x1xf32>
  func.return %m : tensor<2x1xf32>
}
// CHECK-LABEL: func.func @params
// CHECK:         graph.clip {{.*}}kernel = "clip_f32", kernel_params = {min = 0xfff0000000000000 : f64, max = 6.000000e+00 : f64}, kernel_inputs = array<i64: 0>
// CHECK:         graph.reduce_mean {{.*}}kernel = "reduce_mean_f32", kernel_params = {axes = array<i64: 1>}, kernel_inputs = array<i64: 0>

// -----

// Every node that cannot run is listed, with the reason, in one error.
func.func @unsupported(%x: tensor<4xf32>, %d: tensor<4xf64>) -> (tensor<4xf32>, tensor<4xf64>) {
  %t = graph.tan %x {name = "my_tan"} : (tensor<4xf32>) -> tensor<4xf32>
  %r = graph.relu %d {name = "double_relu"} : (tensor<4xf64>) -> tensor<4xf64>
  func.return %t, %r : tensor<4xf32>, tensor<4xf64>
}
// CHECK: 2 node(s) cannot run on target 'generic': Tan (no kernel implements this operator on the target): 'my_tan'; Relu (needs float32 tensors, got f64 / needs int8/uint8/int16/uint16/int32 tensors, got f64): 'double_relu'
