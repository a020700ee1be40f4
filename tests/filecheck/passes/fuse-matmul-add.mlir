// RUN: deeploy-opt %s --split-input-file -p fuse-matmul-add,dce | filecheck %s

// A batched activation (1x4x3) times a weight (3x2) plus a bias (2): one Gemm on the
// (4x3) view of A, its (4x2) result viewed back as 1x4x2.
func.func @linear(%a: tensor<1x4x3xf32>) -> tensor<1x4x2xf32> {
  %w = graph.constant dense<1.0> : tensor<3x2xf32>
  %m = graph.matmul %a, %w {name = "fc"} : (tensor<1x4x3xf32>, tensor<3x2xf32>) -> tensor<1x4x2xf32>
  %b = graph.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %y = graph.add %b, %m : (tensor<2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  func.return %y : tensor<1x4x2xf32>
}
// CHECK-LABEL: func.func @linear
// CHECK:         %[[S1:.*]] = graph.constant dense<[4, 3]> : tensor<2xi64>
// CHECK-NEXT:    %rows = graph.reshape %a, %[[S1]] : (tensor<1x4x3xf32>, tensor<2xi64>) -> tensor<4x3xf32>
// CHECK-NEXT:    %gemm = graph.gemm %rows, %w, %b {name = "fc"} : (tensor<4x3xf32>, tensor<3x2xf32>, tensor<2xf32>) -> tensor<4x2xf32>
// CHECK-NEXT:    %[[S2:.*]] = graph.constant dense<[1, 4, 2]> : tensor<3xi64>
// CHECK-NEXT:    %y = graph.reshape %gemm, %[[S2]] : (tensor<4x2xf32>, tensor<3xi64>) -> tensor<1x4x2xf32>
// CHECK-NOT:     graph.matmul
// CHECK-NOT:     graph.add

// -----

// A bias that varies along rows is not a Gemm bias: nothing changes.
func.func @row_bias(%a: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %w = graph.constant dense<1.0> : tensor<3x2xf32>
  %m = graph.matmul %a, %w : (tensor<4x3xf32>, tensor<3x2xf32>) -> tensor<4x2xf32>
  %b = graph.constant dense<1.0> : tensor<4x1xf32>
  %y = graph.add %m, %b : (tensor<4x2xf32>, tensor<4x1xf32>) -> tensor<4x2xf32>
  func.return %y : tensor<4x2xf32>
}
// CHECK-LABEL: func.func @row_bias
// CHECK:         graph.matmul
// CHECK:         graph.add
