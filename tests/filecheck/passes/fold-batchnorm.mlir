// RUN: deeploy-opt %s --split-input-file -p fold-batchnorm,dce | filecheck %s

// s = scale / sqrt(var + eps) = [2, 4] / sqrt([3, 3] + 1) = [1, 2]; t = B - mean * s = [0.5 - 1, 0] = [-0.5, 0].
// Folded weights w * s = [1, 2] per output channel; folded bias b * s + t = [1 - 0.5, 4 + 0] = [0.5, 4].
func.func @conv_bn(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = graph.constant dense<1.0> : tensor<2x1x1x1xf32>
  %b = graph.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %c = graph.conv %x, %w, %b {name = "conv"} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %scale = graph.constant dense<[2.0, 4.0]> : tensor<2xf32>
  %bias = graph.constant dense<[0.5, 0.0]> : tensor<2xf32>
  %mean = graph.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %var = graph.constant dense<[3.0, 3.0]> : tensor<2xf32>
  %y = graph.batch_normalization %c, %scale, %bias, %mean, %var {epsilon = 1.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  func.return %y : tensor<1x2x4x4xf32>
}
// CHECK-LABEL: func.func @conv_bn
// CHECK:         %[[W:.*]] = graph.constant dense<{{\[\[\[\[}}1.000000e+00]]], {{\[\[\[}}2.000000e+00]]]]> : tensor<2x1x1x1xf32>
// CHECK-NEXT:    %[[B:.*]] = graph.constant dense<[5.000000e-01, 4.000000e+00]> : tensor<2xf32>
// CHECK-NEXT:    %y = graph.conv %x, %[[W]], %[[B]] {name = "conv"}
// CHECK-NOT:     graph.batch_normalization
// CHECK:         func.return %y

// -----

// Gemm: the channels are B's columns. B * s = [[1, 4], [3, 8], [5, 12]]; C * s + t = [0.5, 2].
func.func @gemm_bn(%a: tensor<2x3xf32>) -> tensor<2x2xf32> {
  %b = graph.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]> : tensor<3x2xf32>
  %c = graph.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %g = graph.gemm %a, %b, %c : (tensor<2x3xf32>, tensor<3x2xf32>, tensor<2xf32>) -> tensor<2x2xf32>
  %scale = graph.constant dense<[2.0, 4.0]> : tensor<2xf32>
  %bias = graph.constant dense<[0.5, 0.0]> : tensor<2xf32>
  %mean = graph.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %var = graph.constant dense<[3.0, 3.0]> : tensor<2xf32>
  %y = graph.batch_normalization %g, %scale, %bias, %mean, %var {epsilon = 1.0 : f32} : (tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<2x2xf32>
  func.return %y : tensor<2x2xf32>
}
// CHECK-LABEL: func.func @gemm_bn
// CHECK:         %[[B2:.*]] = graph.constant dense<{{\[\[}}1.000000e+00, 4.000000e+00], [3.000000e+00, 8.000000e+00], [5.000000e+00, 1.200000e+01]]> : tensor<3x2xf32>
// CHECK-NEXT:    %[[C2:.*]] = graph.constant dense<[5.000000e-01, 2.000000e+00]> : tensor<2xf32>
// CHECK-NEXT:    %y = graph.gemm %a, %[[B2]], %[[C2]] : (tensor<2x3xf32>, tensor<3x2xf32>, tensor<2xf32>) -> tensor<2x2xf32>
// CHECK-NOT:     graph.batch_normalization

// -----

// A conv result with another user keeps its BatchNormalization.
func.func @shared(%x: tensor<1x1x2x2xf32>) -> (tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>) {
  %w = graph.constant dense<1.0> : tensor<1x1x1x1xf32>
  %c = graph.conv %x, %w : (tensor<1x1x2x2xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x2x2xf32>
  %p = graph.constant dense<1.0> : tensor<1xf32>
  %y = graph.batch_normalization %c, %p, %p, %p, %p : (tensor<1x1x2x2xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x2x2xf32>
  func.return %y, %c : tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>
}
// CHECK-LABEL: func.func @shared
// CHECK:         graph.batch_normalization
