// RUN: deeploy-opt %s --split-input-file -p 'fuse-requant' | filecheck %s

// Conv + per-channel RequantShift: one requantised conv; mul and add become one value per
// output channel (axis 1), the int32 intermediate is gone.
func.func @conv(%x: tensor<1x1x4x4xi8>) -> tensor<1x2x4x4xi8> {
  %w = graph.constant dense<1> : tensor<2x1x1x1xi8>
  %c = graph.conv %x, %w {name = "conv"} : (tensor<1x1x4x4xi8>, tensor<2x1x1x1xi8>) -> tensor<1x2x4x4xi32>
  %m = graph.constant dense<[[[3]], [[5]]]> : tensor<2x1x1xi32>
  %a = graph.constant dense<7> : tensor<i32>
  %y = graph.requant_shift %c, %m, %a {div = 16 : i64, n_levels = 256 : i64, signed = 1 : i64, name = "rq"} : (tensor<1x2x4x4xi32>, tensor<2x1x1xi32>, tensor<i32>) -> tensor<1x2x4x4xi8>
  func.return %y : tensor<1x2x4x4xi8>
}
// CHECK-LABEL: func.func @conv
// CHECK:         %mul = graph.constant dense<[3, 5]> : tensor<2xi32> {name = "rq_mul"}
// CHECK-NEXT:    %add = graph.constant dense<7> : tensor<2xi32> {name = "rq_add"}
// CHECK-NEXT:    %y = graph.requantized_conv %x, %w, none, %mul, %add {div = 16 : i64, n_levels = 256 : i64, signed = 1 : i64, rq_axis = 1 : i64, name = "conv", fused = "rq"} : {{.*}} -> tensor<1x2x4x4xi8>
// CHECK-NOT:     graph.requant_shift

// -----

// Gemm with a per-column requantisation: rq_axis 1, one value per column.
func.func @gemm(%a: tensor<2x3xi8>, %b: tensor<3x4xi8>) -> tensor<2x4xui8> {
  %g = graph.gemm %a, %b {name = "gemm"} : (tensor<2x3xi8>, tensor<3x4xi8>) -> tensor<2x4xi32>
  %m = graph.constant dense<[[1, 2, 3, 4]]> : tensor<1x4xi32>
  %c = graph.constant dense<[[0, 0, 0, 1]]> : tensor<1x4xi32>
  %y = graph.requant_shift %g, %m, %c {div = 2 : i64, n_levels = 256 : i64, signed = 0 : i64, name = "rq"} : (tensor<2x4xi32>, tensor<1x4xi32>, tensor<1x4xi32>) -> tensor<2x4xui8>
  func.return %y : tensor<2x4xui8>
}
// CHECK-LABEL: func.func @gemm
// CHECK:         graph.requantized_gemm %a, %b, none, %mul, %add {{{.*}}rq_axis = 1 : i64{{.*}}} : {{.*}} -> tensor<2x4xui8>

// -----

// A producer whose int32 result has another user keeps its RequantShift apart.
func.func @two_users(%a: tensor<2x3xi8>, %b: tensor<3x4xi8>) -> (tensor<2x4xi8>, tensor<2x4xi32>) {
  %g = graph.gemm %a, %b {name = "gemm"} : (tensor<2x3xi8>, tensor<3x4xi8>) -> tensor<2x4xi32>
  %m = graph.constant dense<1> : tensor<i32>
  %y = graph.requant_shift %g, %m, %m {div = 2 : i64, n_levels = 256 : i64, name = "rq"} : (tensor<2x4xi32>, tensor<i32>, tensor<i32>) -> tensor<2x4xi8>
  func.return %y, %g : tensor<2x4xi8>, tensor<2x4xi32>
}
// CHECK-LABEL: func.func @two_users
// CHECK:         graph.gemm
// CHECK:         graph.requant_shift

// -----

// mul varying along two axes cannot be one value per channel: no fusion.
func.func @two_axes(%a: tensor<2x3xi8>, %b: tensor<3x4xi8>) -> tensor<2x4xi8> {
  %g = graph.gemm %a, %b {name = "gemm"} : (tensor<2x3xi8>, tensor<3x4xi8>) -> tensor<2x4xi32>
  %m = graph.constant dense<1> : tensor<2x4xi32>
  %c = graph.constant dense<1> : tensor<i32>
  %y = graph.requant_shift %g, %m, %c {div = 2 : i64, n_levels = 256 : i64, name = "rq"} : (tensor<2x4xi32>, tensor<2x4xi32>, tensor<i32>) -> tensor<2x4xi8>
  func.return %y : tensor<2x4xi8>
}
// CHECK-LABEL: func.func @two_axes
// CHECK:         graph.requant_shift
