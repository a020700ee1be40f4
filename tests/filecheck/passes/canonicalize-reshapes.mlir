// RUN: deeploy-opt %s -p canonicalize-reshapes,dce | filecheck %s

// Flatten, Squeeze and Unsqueeze all become one reshape to the static result shape.
func.func @flatten(%x: tensor<1x2x3x4xf32>) -> tensor<1x24xf32> {
  %y = graph.flatten %x {axis = 1 : i64} : (tensor<1x2x3x4xf32>) -> tensor<1x24xf32>
  func.return %y : tensor<1x24xf32>
}
// CHECK-LABEL: func.func @flatten
// CHECK:         %[[S:.*]] = graph.constant dense<[1, 24]> : tensor<2xi64>
// CHECK-NEXT:    %y = graph.reshape %x, %[[S]] : (tensor<1x2x3x4xf32>, tensor<2xi64>) -> tensor<1x24xf32>

// A chain of reshape-likes collapses into one reshape of the original tensor.
func.func @chain(%x: tensor<1x6xf32>) -> tensor<2x3x1xf32> {
  %a = graph.constant dense<[0]> : tensor<1xi64>
  %s = graph.squeeze %x, %a : (tensor<1x6xf32>, tensor<1xi64>) -> tensor<6xf32>
  %shape = graph.constant dense<[2, 3]> : tensor<2xi64>
  %r = graph.reshape %s, %shape : (tensor<6xf32>, tensor<2xi64>) -> tensor<2x3xf32>
  %b = graph.constant dense<[2]> : tensor<1xi64>
  %u = graph.unsqueeze %r, %b : (tensor<2x3xf32>, tensor<1xi64>) -> tensor<2x3x1xf32>
  func.return %u : tensor<2x3x1xf32>
}
// CHECK-LABEL: func.func @chain
// CHECK:         %[[S:.*]] = graph.constant dense<[2, 3, 1]> : tensor<3xi64>
// CHECK-NEXT:    %u = graph.reshape %x, %[[S]] : (tensor<1x6xf32>, tensor<3xi64>) -> tensor<2x3x1xf32>
// CHECK-NEXT:    func.return %u

// Reshapes to the same shape and Identity disappear.
func.func @noop(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %shape = graph.constant dense<[2, 3]> : tensor<2xi64>
  %r = graph.reshape %x, %shape : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<2x3xf32>
  %i = graph.identity %r : (tensor<2x3xf32>) -> tensor<2x3xf32>
  func.return %i : tensor<2x3xf32>
}
// CHECK-LABEL: func.func @noop
// CHECK-NEXT:    func.return %x
