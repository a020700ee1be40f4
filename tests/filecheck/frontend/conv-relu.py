# RUN: %python %s %t.onnx && deeploy-opt %t.onnx --network tiny | filecheck %s
# A Conv + Relu network: initializers become graph.constant, attributes become properties,
# ONNX names become node names and argument names.
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

w = numpy_helper.from_array(
    np.arange(2 * 3 * 5 * 5, dtype=np.float32).reshape(2, 3, 5, 5) / 10, "w"
)
b = numpy_helper.from_array(np.array([0.5, -0.5], dtype=np.float32), "b")
graph = helper.make_graph(
    [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", pads=[2, 2, 2, 2]),
        helper.make_node("Relu", ["c"], ["y"], name="act"),
    ],
    "g",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 4])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 4, 4])],
    [w, b],
)
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), sys.argv[1])

# CHECK:      func.func @tiny(%x: tensor<1x3x4x4xf32> {graph.name = "x"}) -> (tensor<1x2x4x4xf32> {graph.name = "y"}) {
# CHECK-NEXT:   %w = graph.constant dense<"0x{{[0-9A-F]+}}"> : tensor<2x3x5x5xf32> {name = "w"}
# CHECK-NEXT:   %b = graph.constant dense<[5.000000e-01, -5.000000e-01]> : tensor<2xf32> {name = "b"}
# CHECK-NEXT:   %c = graph.conv %x, %w, %b {pads = array<i64: 2, 2, 2, 2>, name = "conv"} : (tensor<1x3x4x4xf32>, tensor<2x3x5x5xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
# CHECK-NEXT:   %y = graph.relu %c {name = "act"} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
# CHECK-NEXT:   func.return %y : tensor<1x2x4x4xf32>
