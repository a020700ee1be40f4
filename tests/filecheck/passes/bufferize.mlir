// RUN: deeploy-opt %s --split-input-file -p bufferize | filecheck %s

// Outputs become arguments; the kernel producing an output writes straight into it,
// intermediates get a buffer.alloc, reshapes become views, weights buffer.constants.
func.func @net(%x: tensor<1x8xf32> {graph.name = "x"}) -> (tensor<2x4xf32> {graph.name = "y"}) {
  %w = graph.constant dense<1.0> : tensor<8xf32> {name = "w"}
  %a = graph.add %x, %w {name = "add", kernel = "add_f32", kernel_params = {}, kernel_inputs = array<i64: 0, 1>} : (tensor<1x8xf32>, tensor<8xf32>) -> tensor<1x8xf32>
  %r = graph.relu %a {name = "relu", kernel = "relu_f32", kernel_params = {}, kernel_inputs = array<i64: 0>} : (tensor<1x8xf32>) -> tensor<1x8xf32>
  %s = graph.constant dense<[2, 4]> : tensor<2xi64>
  %y = graph.reshape %r, %s : (tensor<1x8xf32>, tensor<2xi64>) -> tensor<2x4xf32>
  func.return %y : tensor<2x4xf32>
}
// CHECK-LABEL: func.func @net(
// CHECK-SAME:      %x: memref<1x8xf32, #buffer.level<L2>> {graph.name = "x", buffer.io = "input"}
// CHECK-SAME:      %[[OUT:.*]]: memref<2x4xf32, #buffer.level<L2>> {graph.name = "y", buffer.io = "output"})
// CHECK:         %w = buffer.constant dense<1.000000e+00> : tensor<8xf32> {name = "w"} : memref<8xf32, #buffer.level<L2>>
// CHECK-NEXT:    %a = buffer.alloc {name = "a"} : memref<1x8xf32, #buffer.level<L2>>
// CHECK-NEXT:    buffer.kernel "add_f32" ins(%x, %w : {{.*}}) outs(%a : memref<1x8xf32, #buffer.level<L2>>) {params = {}, name = "add", op = "Add"}
// CHECK-NEXT:    %[[V:.*]] = buffer.view %[[OUT]] : memref<2x4xf32, #buffer.level<L2>> to memref<1x8xf32, #buffer.level<L2>>
// CHECK-NEXT:    buffer.kernel "relu_f32" ins(%a : {{.*}}) outs(%[[V]] : memref<1x8xf32, #buffer.level<L2>>)
// CHECK-NOT:     buffer.copy
// CHECK-NOT:     buffer.constant dense<[2, 4]>
// CHECK:         func.return

// -----

// An output that is an input, or a value returned twice, is copied to its argument.
func.func @copies(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %r = graph.relu %x {kernel = "relu_f32", kernel_params = {}, kernel_inputs = array<i64: 0>} : (tensor<4xf32>) -> tensor<4xf32>
  func.return %r, %r, %x : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}
// CHECK:       func.func @copies(%x: memref<4xf32, #buffer.level<L2>> {buffer.io = "input"}, %[[O0:.*]]: memref<4xf32, #buffer.level<L2>> {buffer.io = "output"}, %[[O1:.*]]: memref<4xf32, #buffer.level<L2>> {buffer.io = "output"}, %[[O2:.*]]: memref<4xf32, #buffer.level<L2>> {buffer.io = "output"})
// CHECK-NEXT:    buffer.kernel "relu_f32" ins(%x : memref<4xf32, #buffer.level<L2>>) outs(%[[O0]] : memref<4xf32, #buffer.level<L2>>)
// CHECK-NEXT:    buffer.copy %[[O0]], %[[O1]]
// CHECK-NEXT:    buffer.copy %x, %[[O2]]
// CHECK-NEXT:    func.return
