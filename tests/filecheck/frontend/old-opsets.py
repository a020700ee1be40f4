# RUN: %python %s %t.onnx && deeploy-opt %t.onnx | filecheck %s
# Opset 10 keeps Pad's pads and ReduceMean's axes as attributes, and Softmax flattens to
# 2-D before normalising; the importer turns each into the newest form.
import sys

import onnx
from onnx import TensorProto, helper

graph = helper.make_graph(
    [
        helper.make_node("Pad", ["x"], ["p"], name="pad", pads=[0, 0, 1, 1, 0, 0, 1, 1], value=0.0),
        helper.make_node("ReduceMean", ["p"], ["m"], name="mean", axes=[3], keepdims=1),
        helper.make_node("Softmax", ["m"], ["y"], name="sm", axis=1),
        helper.make_node("Identity", ["y"], ["z"], name="id"),
    ],
    "g",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 3, 3])],
    [helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, 2, 5, 1])],
)
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 10)]), sys.argv[1])

# CHECK:      %[[PADS:.*]] = graph.constant dense<[0, 0, 1, 1, 0, 0, 1, 1]> : tensor<8xi64>
# CHECK:      %p = graph.pad %x, %[[PADS]], %{{.*}} {name = "pad"} : (tensor<1x2x3x3xf32>, tensor<8xi64>, tensor<f32>) -> tensor<1x2x5x5xf32>
# CHECK:      %[[AXES:.*]] = graph.constant dense<3> : tensor<1xi64>
# CHECK:      %m = graph.reduce_mean %p, %[[AXES]] {keepdims = 1 : i64, name = "mean"}
# CHECK:      graph.reshape %m, %{{.*}} : (tensor<1x2x5x1xf32>, tensor<2xi64>) -> tensor<1x10xf32>
# CHECK-NEXT: graph.softmax %{{.*}} {axis = -1 : i64, name = "sm"} : (tensor<1x10xf32>) -> tensor<1x10xf32>
# CHECK:      %y = graph.reshape {{.*}} -> tensor<1x2x5x1xf32>
# CHECK-NOT:  graph.identity
# CHECK:      func.return %y
