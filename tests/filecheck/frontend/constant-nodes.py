# RUN: %python %s %t.onnx && deeploy-opt %t.onnx -p fold-constants,canonicalize-reshapes,dce | filecheck %s
# Constant nodes become graph.constant, and a Shape -> Gather -> Concat -> Reshape chain
# (as PyTorch exports Flatten) folds to one reshape to the explicit static shape.
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

graph = helper.make_graph(
    [
        helper.make_node("Shape", ["x"], ["s"], name="shape"),
        helper.make_node(
            "Constant",
            [],
            ["zero"],
            name="c0",
            value=numpy_helper.from_array(np.array(0, dtype=np.int64)),
        ),
        helper.make_node("Gather", ["s", "zero"], ["n"], name="gather", axis=0),
        helper.make_node("Unsqueeze", ["n", "ax"], ["n1"], name="unsq"),
        helper.make_node("Constant", [], ["minus1"], name="c1", value_ints=[-1]),
        helper.make_node("Concat", ["n1", "minus1"], ["shape2"], name="cat", axis=0),
        helper.make_node("Reshape", ["x", "shape2"], ["y"], name="flatten"),
    ],
    "g",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 4])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 12])],
    [numpy_helper.from_array(np.array([0], dtype=np.int64), "ax")],
)
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), sys.argv[1])

# CHECK:      func.func @network(%x: tensor<2x3x4xf32> {graph.name = "x"}) -> (tensor<2x12xf32> {graph.name = "y"}) {
# CHECK-NEXT:   %{{.*}} = graph.constant dense<[2, 12]> : tensor<2xi64>
# CHECK-NEXT:   %y = graph.reshape %x, %{{.*}} : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<2x12xf32>
# CHECK-NEXT:   func.return %y
