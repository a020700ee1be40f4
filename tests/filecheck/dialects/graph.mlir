// RUN: deeploy-opt %s | filecheck %s
// RUN: DEEPLOY_ROUNDTRIP

func.func @net(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x3x3xf32> {
  %y = graph.conv %x, %w, %b {strides = array<i64: 2, 2>, name = "conv1"} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x3x3xf32>
  %hi = graph.constant dense<6.0> : tensor<f32> {name = "six"}
  %z = graph.clip %y, none, %hi : (tensor<1x4x3x3xf32>, tensor<f32>) -> tensor<1x4x3x3xf32>
  func.return %z : tensor<1x4x3x3xf32>
}

// CHECK-LABEL: func.func @net
// CHECK:         %y = graph.conv %x, %w, %b {strides = array<i64: 2, 2>, name = "conv1"} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x3x3xf32>
// CHECK-NEXT:    %hi = graph.constant dense<6.000000e+00> : tensor<f32> {name = "six"}
// CHECK-NEXT:    %z = graph.clip %y, none, %hi : (tensor<1x4x3x3xf32>, tensor<f32>) -> tensor<1x4x3x3xf32>

// -----

// Variadic inputs, several results, and a large constant printed as one hex blob.
func.func @multi(%a: tensor<2x3xf32>, %b: tensor<2x5xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>) {
  %c = graph.concat %a, %b {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x5xf32>) -> tensor<2x8xf32>
  %s = graph.constant dense<4> : tensor<2xi64>
  %p, %q = graph.split %c, %s {axis = 1 : i64} : (tensor<2x8xf32>, tensor<2xi64>) -> (tensor<2x4xf32>, tensor<2x4xf32>)
  func.return %p, %q : tensor<2x4xf32>, tensor<2x4xf32>
}

// CHECK-LABEL: func.func @multi
// CHECK:         %c = graph.concat %a, %b {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x5xf32>) -> tensor<2x8xf32>
// CHECK:         %p, %q = graph.split %c, %s {axis = 1 : i64} : (tensor<2x8xf32>, tensor<2xi64>) -> (tensor<2x4xf32>, tensor<2x4xf32>)
