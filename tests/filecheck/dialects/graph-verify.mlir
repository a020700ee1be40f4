// RUN: deeploy-opt %s --split-input-file --verify-diagnostics | filecheck %s

func.func @bad_conv(%x: tensor<1x3x8x8xf32>, %w: tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32> {
  %y = graph.conv %x, %w {name = "c"} : (tensor<1x3x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32>
  func.return %y : tensor<1x4x6x6xf32>
}
// CHECK: node 'c' (Conv): channels 3 do not match weight (4, 2, 3, 3) with group 1

// -----

func.func @bad_conv_shape(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32> {
  %y = graph.conv %x, %w : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  func.return %y : tensor<1x4x8x8xf32>
}
// CHECK: result shape (1, 4, 8, 8) != expected (1, 4, 6, 6)

// -----

func.func @bad_add(%a: tensor<2x3xf32>, %b: tensor<4xf32>) -> tensor<2x3xf32> {
  %y = graph.add %a, %b : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  func.return %y : tensor<2x3xf32>
}
// CHECK: operand shapes [(2, 3), (4,)] do not broadcast

// -----

func.func @missing_attr(%a: tensor<2x3xi8>) -> tensor<2x3xi8> {
  %m = graph.constant dense<1> : tensor<i32>
  %y = graph.requant_shift %a, %m, %m : (tensor<2x3xi8>, tensor<i32>, tensor<i32>) -> tensor<2x3xi8>
  func.return %y : tensor<2x3xi8>
}
// CHECK: property 'div' expected in operation 'graph.requant_shift'

// -----

func.func @dynamic(%a: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %y = graph.relu %a : (tensor<?x3xf32>) -> tensor<?x3xf32>
  func.return %y : tensor<?x3xf32>
}
// CHECK: graph.relu: tensor shapes must be static

// -----

func.func @bad_matmul(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) -> tensor<2x5xf32> {
  %y = graph.matmul %a, %b : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  func.return %y : tensor<2x5xf32>
}
// CHECK: operand shapes (2, 3) and (4, 5) do not multiply

// -----

func.func @bad_transpose(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %y = graph.transpose %a {perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  func.return %y : tensor<2x3xf32>
}
// CHECK: result shape (2, 3) does not match perm (1, 0)

// -----

func.func @bad_constant() -> tensor<3xf32> {
  %c = "graph.constant"() <{value = dense<1.0> : tensor<2xf32>}> : () -> tensor<3xf32>
  func.return %c : tensor<3xf32>
}
// CHECK: graph.constant: value type tensor<2xf32> differs from result type tensor<3xf32>
