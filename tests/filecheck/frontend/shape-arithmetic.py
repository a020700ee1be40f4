# RUN: %python %s %t.onnx && deeploy-opt %t.onnx | filecheck %s
# A Reshape whose target shape the graph computes (Shape -> Slice -> ReduceProd -> Concat,
# which onnx's own data propagation does not follow through ReduceProd) gets a constant
# shape at import, so its output has a static type.
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

graph = helper.make_graph(
    [
        helper.make_node("Shape", ["x"], ["s"], name="shape"),
        helper.make_node("Slice", ["s", "one", "four"], ["tail"], name="tail"),
        helper.make_node("ReduceProd", ["tail"], ["n"], name="prod", keepdims=1),
        helper.make_node("Concat", ["batch", "n"], ["target"], name="target", axis=0),
        helper.make_node("Reshape", ["x", "target"], ["y"], name="flatten"),
    ],
    "g",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 4, 5])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    [
        numpy_helper.from_array(np.array([1], np.int64), "one"),
        numpy_helper.from_array(np.array([4], np.int64), "four"),
        numpy_helper.from_array(np.array([2], np.int64), "batch"),
    ],
)
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), sys.argv[1])

# CHECK:      func.func @network(%x: tensor<2x3x4x5xf32> {{.*}}) -> (tensor<2x60xf32> {{.*}})
# CHECK-NOT:  graph.shape
# CHECK-NOT:  graph.reduce_prod
# CHECK:      %target = graph.constant dense<[2, 60]> : tensor<2xi64>
# CHECK-NEXT: %y = graph.reshape %x, %target {name = "flatten"} : (tensor<2x3x4x5xf32>, tensor<2xi64>) -> tensor<2x60xf32>
