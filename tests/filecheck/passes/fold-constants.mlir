// RUN: deeploy-opt %s -p fold-constants | filecheck %s
// RUN: deeploy-opt %s -p 'fold-constants{max-elements=2}' | filecheck %s --check-prefix=SMALL

// Shape arithmetic on a statically shaped input folds away entirely.
func.func @shape_chain(%x: tensor<2x3x4xf32>) -> tensor<6x4xf32> {
  %s = graph.shape %x : (tensor<2x3x4xf32>) -> tensor<3xi64>
  %i = graph.constant dense<2> : tensor<1xi64>
  %last = graph.gather %s, %i {axis = 0 : i64} : (tensor<3xi64>, tensor<1xi64>) -> tensor<1xi64>
  %m = graph.constant dense<-1> : tensor<1xi64>
  %shape = graph.concat %m, %last {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %y = graph.reshape %x, %shape : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<6x4xf32>
  func.return %y : tensor<6x4xf32>
}
// CHECK-LABEL: func.func @shape_chain
// CHECK:         %shape = graph.constant dense<[-1, 4]> : tensor<2xi64>
// CHECK-NEXT:    %y = graph.reshape %x, %shape
// CHECK-NOT:     graph.shape
// CHECK-NOT:     graph.gather
// CHECK-NOT:     graph.concat

// Weight preprocessing: a transposed constant becomes the transposed constant.
func.func @weights() -> tensor<3x2xf32> {
  %w = graph.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %t = graph.transpose %w {perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  func.return %t : tensor<3x2xf32>
}
// CHECK-LABEL: func.func @weights
// CHECK:         %t = graph.constant dense<{{\[\[}}1.000000e+00, 4.000000e+00], [2.000000e+00, 5.000000e+00], [3.000000e+00, 6.000000e+00]]> : tensor<3x2xf32>

// Results larger than both the limit and the inputs stay computed at run time.
func.func @expand() -> tensor<4x3xf32> {
  %v = graph.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %s = graph.constant dense<[4, 3]> : tensor<2xi64>
  %e = graph.expand %v, %s : (tensor<3xf32>, tensor<2xi64>) -> tensor<4x3xf32>
  func.return %e : tensor<4x3xf32>
}
// CHECK-LABEL: func.func @expand
// CHECK:         graph.constant dense<{{\[\[}}1.000000e+00, 2.000000e+00, 3.000000e+00]
// SMALL-LABEL:   func.func @expand
// SMALL:         graph.expand

// Ops on run-time values are left alone.
func.func @runtime(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = graph.relu %x : (tensor<4xf32>) -> tensor<4xf32>
  func.return %y : tensor<4xf32>
}
// CHECK-LABEL: func.func @runtime
// CHECK:         graph.relu %x
