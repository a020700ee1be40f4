// RUN: deeploy-opt %s --split-input-file -p untranspose-weights | filecheck %s

// W (out=2, in=3) with transB=1 becomes W^T (3, 2) without transB.
func.func @linear(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %w = graph.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %y = graph.gemm %x, %w {transB = 1 : i64} : (tensor<4x3xf32>, tensor<2x3xf32>) -> tensor<4x2xf32>
  func.return %y : tensor<4x2xf32>
}
// CHECK-LABEL: func.func @linear
// CHECK:         %w = graph.constant dense<{{\[\[}}1.000000e+00, 4.000000e+00], [2.000000e+00, 5.000000e+00], [3.000000e+00, 6.000000e+00]]> : tensor<3x2xf32>
// CHECK-NEXT:    %y = graph.gemm %x, %w : (tensor<4x3xf32>, tensor<3x2xf32>) -> tensor<4x2xf32>

// -----

// A weight shared with another user, or computed at run time, stays as it is.
func.func @shared(%x: tensor<4x3xf32>, %v: tensor<2x3xf32>) -> (tensor<4x2xf32>, tensor<2x3xf32>, tensor<4x2xf32>) {
  %w = graph.constant dense<1.0> : tensor<2x3xf32>
  %y = graph.gemm %x, %w {transB = 1 : i64} : (tensor<4x3xf32>, tensor<2x3xf32>) -> tensor<4x2xf32>
  %z = graph.gemm %x, %v {transB = 1 : i64} : (tensor<4x3xf32>, tensor<2x3xf32>) -> tensor<4x2xf32>
  func.return %y, %w, %z : tensor<4x2xf32>, tensor<2x3xf32>, tensor<4x2xf32>
}
// CHECK-LABEL: func.func @shared
// CHECK:         graph.gemm %x, %w {transB = 1 : i64}
// CHECK:         graph.gemm %x, %v {transB = 1 : i64}

// -----

// Integer weights stay transposed: the integer kernels read each output's weights as a row.
func.func @integer(%x: tensor<4x3xi8>) -> tensor<4x2xi32> {
  %w = graph.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi8>
  %y = graph.gemm %x, %w {transB = 1 : i64} : (tensor<4x3xi8>, tensor<2x3xi8>) -> tensor<4x2xi32>
  func.return %y : tensor<4x2xi32>
}
// CHECK-LABEL: func.func @integer
// CHECK:         %w = graph.constant dense<{{\[\[}}1, 2, 3], [4, 5, 6]]> : tensor<2x3xi8>
// CHECK-NEXT:    %y = graph.gemm %x, %w {transB = 1 : i64}
