// RUN: deeploy-opt %s -p 'lower-to-c{network=net}' -t 'c{file="net.c"}' | filecheck %s

// An input no output depends on stays in the run function's signature (the API follows
// the ONNX graph) and is cast to void, so -Wextra does not flag an unused parameter.
buffer.arena L2 size 0 align 16 lower_bound 0
func.func @net(%x: memref<4xf32, #buffer.level<L2>> {graph.name = "x", buffer.io = "input"}, %unused: memref<3xf32, #buffer.level<L2>> {graph.name = "unused", buffer.io = "input"}, %y: memref<4xf32, #buffer.level<L2>> {graph.name = "y", buffer.io = "output"}) {
  buffer.kernel "relu_f32" ins(%x : memref<4xf32, #buffer.level<L2>>) outs(%y : memref<4xf32, #buffer.level<L2>>) {params = {}, name = "r"}
  func.return
}

// CHECK:      void net_run(const float *restrict input_0, const float *restrict input_1, float *restrict output_0) {
// CHECK-NEXT:     (void)input_1;
// CHECK-NEXT:     /* 'r' -> relu_f32 */
