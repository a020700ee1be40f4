// RUN: deeploy-opt %s --split-input-file -p 'bind-kernels{target=generic}' --verify-diagnostics | filecheck %s

// Inference BatchNormalization folds its constants into one multiplier and offset per
// channel: mul = scale / sqrt(var + eps) = [3/2, -2/1], add = B - mean * mul = [1 - 1.5, 0.5 + 4].
func.func @batchnorm(%x: tensor<2x2x3xf32>) -> tensor<2x2x3xf32> {
  %s = graph.constant dense<[3.0, -2.0]> : tensor<2xf32>
  %b = graph.constant dense<[1.0, 0.5]> : tensor<2xf32>
  %m = graph.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %v = graph.constant dense<[3.0, 0.0]> : tensor<2xf32>
  %y = graph.batch_normalization %x, %s, %b, %m, %v {epsilon = 1.0 : f32} : (tensor<2x2x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<2x2x3xf32>
  func.return %y : tensor<2x2x3xf32>
}
// CHECK-LABEL: func.func @batchnorm
// CHECK:         graph.batch_normalization {{.*}}kernel = "batchnorm_f32", kernel_params = {mul = [1.500000e+00 : f64, -2.000000e+00 : f64], add = [-5.000000e-01 : f64, 4.500000e+00 : f64]}, kernel_inputs = array<i64: 0>, kernel_inplace = array<i64: 0, 0>}

// -----

// GroupNormalization: scale/bias per channel (opset 21) or per group (opset 18), told
// apart by their size.
func.func @groupnorm(%x: tensor<1x4x2xf32>, %c: tensor<4xf32>, %g: tensor<2xf32>) -> (tensor<1x4x2xf32>, tensor<1x4x2xf32>) {
  %a = graph.group_normalization %x, %c, %c {num_groups = 2 : i64} : (tensor<1x4x2xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x2xf32>
  %b = graph.group_normalization %x, %g, %g {num_groups = 2 : i64, epsilon = 0.5 : f32} : (tensor<1x4x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x4x2xf32>
  func.return %a, %b : tensor<1x4x2xf32>, tensor<1x4x2xf32>
}
// CHECK-LABEL: func.func @groupnorm
// CHECK:         kernel = "groupnorm_f32", kernel_params = {num_groups = 2 : i64, per_channel = 1 : i64, epsilon = 9.9999997473787516e-06 : f64}, kernel_inputs = array<i64: 0, 1, 2>
// CHECK:         kernel = "groupnorm_f32", kernel_params = {num_groups = 2 : i64, per_channel = 0 : i64, epsilon = 5.000000e-01 : f64}, kernel_inputs = array<i64: 0, 1, 2>

// -----

// Pad: pads and axes become begin/end pads of every axis; the constant stays a buffer
// (any element type) and is read only in constant mode.
func.func @pad(%x: tensor<2x3x4xf32>) -> (tensor<2x3x5xf32>, tensor<2x5x4xf32>) {
  %pads = graph.constant dense<[2, -1]> : tensor<2xi64>
  %axes = graph.constant dense<[-1]> : tensor<1xi64>
  %v = graph.constant dense<1.5> : tensor<f32>
  %a = graph.pad %x, %pads, %v, %axes : (tensor<2x3x4xf32>, tensor<2xi64>, tensor<f32>, tensor<1xi64>) -> tensor<2x3x5xf32>
  %pads2 = graph.constant dense<[0, 1, 0, 0, 1, 0]> : tensor<6xi64>
  %b = graph.pad %x, %pads2, %v, none {mode = "reflect"} : (tensor<2x3x4xf32>, tensor<6xi64>, tensor<f32>) -> tensor<2x5x4xf32>
  func.return %a, %b : tensor<2x3x5xf32>, tensor<2x5x4xf32>
}
// CHECK-LABEL: func.func @pad
// CHECK:         kernel = "pad", kernel_params = {pads_begin = array<i64: 0, 0, 2>, pads_end = array<i64: 0, 0, -1>, mode = "constant"}, kernel_inputs = array<i64: 0, 2>
// CHECK:         kernel = "pad", kernel_params = {pads_begin = array<i64: 0, 1, 0>, pads_end = array<i64: 0, 1, 0>, mode = "reflect"}, kernel_inputs = array<i64: 0>

// -----

// ConvTranspose: 1-D lifts to 2-D; the begin pads come from the total padding
// 2*(5-1) + 3 - out: out = 10 (SAME) gives 1, SAME_LOWER puts it first; output_shape 8
// gives 3, the larger half first.
func.func @conv_transpose(%x: tensor<1x2x5xf32>, %w: tensor<2x3x3xf32>) -> (tensor<1x3x10xf32>, tensor<1x3x10xf32>, tensor<1x3x8xf32>) {
  %a = graph.conv_transpose %x, %w, none {strides = array<i64: 2>, auto_pad = "SAME_UPPER"} : (tensor<1x2x5xf32>, tensor<2x3x3xf32>) -> tensor<1x3x10xf32>
  %b = graph.conv_transpose %x, %w, none {strides = array<i64: 2>, auto_pad = "SAME_LOWER"} : (tensor<1x2x5xf32>, tensor<2x3x3xf32>) -> tensor<1x3x10xf32>
  %c = graph.conv_transpose %x, %w, none {strides = array<i64: 2>, output_shape = array<i64: 8>} : (tensor<1x2x5xf32>, tensor<2x3x3xf32>) -> tensor<1x3x8xf32>
  func.return %a, %b, %c : tensor<1x3x10xf32>, tensor<1x3x10xf32>, tensor<1x3x8xf32>
}
// CHECK-LABEL: func.func @conv_transpose
// CHECK:         kernel = "conv_transpose2d_f32", kernel_params = {kernel = array<i64: 1, 3>, strides = array<i64: 1, 2>, dilations = array<i64: 1, 1>, pads_begin = array<i64: 0, 0>, group = 1 : i64}, kernel_inputs = array<i64: 0, 1>
// CHECK:         kernel = "conv_transpose2d_f32", kernel_params = {{{.*}}pads_begin = array<i64: 0, 1>{{.*}}}
// CHECK:         kernel = "conv_transpose2d_f32", kernel_params = {{{.*}}pads_begin = array<i64: 0, 2>{{.*}}}

// -----

// Every node the kernels decline, with the reason.
func.func @declined(%x: tensor<2x3x4xf32>, %s: tensor<2x1x4xf32>, %d: tensor<1x2x3x3x3xf32>, %w: tensor<2x2x2x2x2xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x8xf32>, tensor<1x2x4x4x4xf32>) {
  %r = graph.rms_normalization %x, %s {axis = 0 : i64, name = "rms"} : (tensor<2x3x4xf32>, tensor<2x1x4xf32>) -> tensor<2x3x4xf32>
  %pads = graph.constant dense<[0, 0, 0, 0, 0, 4]> : tensor<6xi64>
  %p = graph.pad %x, %pads, none, none {mode = "reflect", name = "wide"} : (tensor<2x3x4xf32>, tensor<6xi64>) -> tensor<2x3x8xf32>
  %c = graph.conv_transpose %d, %w, none {name = "deconv3d"} : (tensor<1x2x3x3x3xf32>, tensor<2x2x2x2x2xf32>) -> tensor<1x2x4x4x4xf32>
  func.return %r, %p, %c : tensor<2x3x4xf32>, tensor<2x3x8xf32>, tensor<1x2x4x4x4xf32>
}
// CHECK: 3 node(s) cannot run on target 'generic': RMSNormalization (scale (2, 1, 4) broadcasts to (2, 3, 4) along more than two groups of axes): 'rms'; Pad (reflect pads 0, 4 of axis 2 must be smaller than its size 4): 'wide'; ConvTranspose (only 1-D and 2-D transposed convolutions are supported (input rank 5)): 'deconv3d'

// -----

// LayerNormalization: the variant that also writes Mean and InvStdDev when they are used.
func.func @layernorm(%x: tensor<2x8xf32>, %s: tensor<8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x1xf32>) {
  %a = graph.layer_normalization %x, %s, none : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  %b, %mean = graph.layer_normalization %x, %s, none {epsilon = 0.5 : f32} : (tensor<2x8xf32>, tensor<8xf32>) -> (tensor<2x8xf32>, tensor<2x1xf32>)
  func.return %a, %b, %mean : tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x1xf32>
}
// CHECK-LABEL: func.func @layernorm
// CHECK:         kernel = "layernorm_f32", kernel_params = {axis = 1 : i64, epsilon = 9.9999997473787516e-06 : f64}, kernel_inputs = array<i64: 0, 1>
// CHECK:         kernel = "layernorm_stats_f32", kernel_params = {axis = 1 : i64, epsilon = 5.000000e-01 : f64}, kernel_inputs = array<i64: 0, 1>
