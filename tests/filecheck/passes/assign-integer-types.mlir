// RUN: deeploy-opt %s --split-input-file -p 'assign-integer-types{inputs="x=i8"}' | filecheck %s

// Deeploy's convention: integers in float tensors. The int8 input makes the conv
// accumulate in int32 (weights become int8, the bias int32), the RequantShift produce its
// n_levels type (signed = 0, 256 levels: uint8), and the pooling keep its input's type.
func.func @conv_rq_pool(%x: tensor<1x1x4x4xf32> {graph.name = "x"}) -> (tensor<1x2x2x2xf32> {graph.name = "y"}) {
  %w = graph.constant dense<[[[[-3.0]]], [[[5.0]]]]> : tensor<2x1x1x1xf32>
  %b = graph.constant dense<[100.0, -7.0]> : tensor<2xf32>
  %c = graph.conv %x, %w, %b {name = "conv"} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %m = graph.constant dense<3.0> : tensor<f32>
  %a = graph.constant dense<1.0> : tensor<f32>
  %r = graph.requant_shift %c, %m, %a {div = 4 : i64, n_levels = 256 : i64, signed = 0 : i64, name = "rq"} : (tensor<1x2x4x4xf32>, tensor<f32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %y = graph.max_pool %r {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, name = "pool"} : (tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32>
  func.return %y : tensor<1x2x2x2xf32>
}
// CHECK-LABEL: func.func @conv_rq_pool(%x: tensor<1x1x4x4xi8> {graph.name = "x"}) -> (tensor<1x2x2x2xui8> {graph.name = "y"})
// CHECK:         graph.constant dense<{{\[\[\[\[}}-3]]], {{\[\[\[}}5]]]]> : tensor<2x1x1x1xi8>
// CHECK:         graph.constant dense<[100, -7]> : tensor<2xi32>
// CHECK:         graph.conv {{.*}} -> tensor<1x2x4x4xi32>
// CHECK:         graph.constant dense<3> : tensor<i32>
// CHECK:         graph.constant dense<1> : tensor<i32>
// CHECK:         graph.requant_shift {{.*}} -> tensor<1x2x4x4xui8>
// CHECK:         graph.max_pool {{.*}} -> tensor<1x2x2x2xui8>

// -----

// Concat of inputs of different types: the narrower input is cast to the common type.
func.func @concat(%x: tensor<2xf32> {graph.name = "x"}) -> (tensor<4xf32> {graph.name = "y"}) {
  %s = graph.constant dense<[300.0, -300.0]> : tensor<2xf32>
  %k = graph.add %x, %s {name = "add"} : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %y = graph.concat %x, %k {axis = 0 : i64, name = "cat"} : (tensor<2xf32>, tensor<2xf32>) -> tensor<4xf32>
  func.return %y : tensor<4xf32>
}
// CHECK-LABEL: func.func @concat
// CHECK:         graph.constant dense<[300, -300]> : tensor<2xi16>
// CHECK:         graph.add {{.*}} -> tensor<2xi32>
// CHECK:         %{{.*}} = graph.cast %x {to = 6 : i64, name = "cat_cast0"} : (tensor<2xi8>) -> tensor<2xi32>
// CHECK:         graph.concat {{.*}} -> tensor<4xi32>
