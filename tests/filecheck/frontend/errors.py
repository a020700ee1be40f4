# RUN: %python %s %t
# RUN: not deeploy-opt %t/dynamic.onnx 2>&1 | filecheck %s --check-prefix=DYN
# RUN: deeploy-opt %t/dynamic.onnx --input-shape x=4x3 | filecheck %s --check-prefix=FIXED
# RUN: not deeploy-opt %t/unknown.onnx 2>&1 | filecheck %s --check-prefix=UNKNOWN
# RUN: not deeploy-opt %t/unknown_ms.onnx 2>&1 | filecheck %s --check-prefix=UNKNOWN-MS
# Importer errors name the input or the nodes at fault and how to fix them.
import os
import sys

import onnx
from onnx import TensorProto, helper

os.makedirs(sys.argv[1], exist_ok=True)
dyn = helper.make_graph(
    [helper.make_node("Relu", ["x"], ["y"])],
    "g",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3])],
)
onnx.save(
    helper.make_model(dyn, opset_imports=[helper.make_opsetid("", 13)]),
    f"{sys.argv[1]}/dynamic.onnx",
)
unknown = helper.make_graph(
    [
        helper.make_node("FancyOp", ["x"], ["a"], name="f1", domain="my.domain"),
        helper.make_node("Relu", ["a"], ["b"], name="r"),
        helper.make_node("OtherOp", ["b"], ["y"], name="f2", domain="my.domain"),
    ],
    "g",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])],
)
model = helper.make_model(
    unknown, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("my.domain", 1)]
)
onnx.save(model, f"{sys.argv[1]}/unknown.onnx")
# a com.microsoft operator that onnx's shape inference does not type either: the error
# names it, not the tensor the Relu cannot read
unknown_ms = helper.make_graph(
    [
        helper.make_node("FancyOp", ["x"], ["a"], name="f1", domain="com.microsoft"),
        helper.make_node("Relu", ["a"], ["y"], name="r"),
    ],
    "g",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])],
)
model = helper.make_model(
    unknown_ms, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("com.microsoft", 1)]
)
onnx.save(model, f"{sys.argv[1]}/unknown_ms.onnx")

# DYN: deeploy-opt: error: input 'x' has dynamic shape [batchx3] (unknown: batch); fix it with --input-shape x=1x3x32x32 (your sizes)
# FIXED: func.func @network(%x: tensor<4x3xf32>
# UNKNOWN: deeploy-opt: error: 2 unsupported node(s): 'f1' (FancyOp) from domain my.domain; 'f2' (OtherOp) from domain my.domain
# UNKNOWN-MS: deeploy-opt: error: 1 unsupported node(s): 'f1' (FancyOp) from domain com.microsoft
