// RUN: deeploy-opt %s --split-input-file -p 'bind-kernels{target=generic},fuse-activation' | filecheck %s

// Conv -> Relu -> Clip(max 6): the conv clamps to [0, 6] itself; both activations go.
func.func @conv_relu6(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = graph.constant dense<1.0> : tensor<2x1x1x1xf32>
  %c = graph.conv %x, %w {name = "conv"} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %r = graph.relu %c {name = "relu"} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %lo = graph.constant dense<-1.0> : tensor<f32>
  %hi = graph.constant dense<6.0> : tensor<f32>
  %y = graph.clip %r, %lo, %hi {name = "clip"} : (tensor<1x2x4x4xf32>, tensor<f32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  func.return %y : tensor<1x2x4x4xf32>
}
// CHECK-LABEL: func.func @conv_relu6
// CHECK:         %y = graph.conv %x, %w {{{.*}}kernel_params = {{{.*}}act_min = 0.000000e+00 : f64, act_max = 6.000000e+00 : f64}{{.*}}fused = "relu, clip"}
// CHECK-NOT:     graph.relu
// CHECK-NOT:     graph.clip
// CHECK:         func.return %y

// -----

// A producer with a second user keeps its separate activation.
func.func @two_users(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>) {
  %g = graph.gemm %a, %b : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  %r = graph.relu %g : (tensor<2x4xf32>) -> tensor<2x4xf32>
  func.return %r, %g : tensor<2x4xf32>, tensor<2x4xf32>
}
// CHECK-LABEL: func.func @two_users
// CHECK:         graph.relu

// -----

// Constant weights with 4 output channels per group take the packed kernel, which clamps
// its stores as the direct one does.
func.func @packed_conv_relu(%x: tensor<1x1x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %w = graph.constant dense<1.0> : tensor<4x1x1x1xf32>
  %c = graph.conv %x, %w {name = "conv"} : (tensor<1x1x4x4xf32>, tensor<4x1x1x1xf32>) -> tensor<1x4x4x4xf32>
  %y = graph.relu %c {name = "relu"} : (tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  func.return %y : tensor<1x4x4x4xf32>
}
// CHECK-LABEL: func.func @packed_conv_relu
// CHECK:         %y = graph.conv %x, %w {{{.*}}kernel = "conv2d_packed_f32", kernel_params = {{{.*}}act_min = 0.000000e+00 : f64, act_max = 0x7ff0000000000000 : f64}{{.*}}fused = "relu"}
// CHECK-NOT:     graph.relu
// CHECK:         func.return %y
