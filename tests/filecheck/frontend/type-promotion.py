# RUN: %python %s %t.onnx && deeploy-opt %t.onnx | filecheck %s
# float16/bfloat16 tensors and weights import as f32 (computed in float32); a Cast to a
# half type keeps its `to`, so it still rounds. A constant integer exponent of Pow on a
# float base becomes a float constant.
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

graph = helper.make_graph(
    [
        helper.make_node("Mul", ["x", "w"], ["m"], name="scale"),
        helper.make_node("Cast", ["m"], ["c"], name="to_half", to=TensorProto.FLOAT16),
        helper.make_node("Pow", ["c", "two"], ["y"], name="square"),
    ],
    "g",
    [helper.make_tensor_value_info("x", TensorProto.BFLOAT16, [4])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT16, [4])],
    [
        numpy_helper.from_array(np.array([0.5, 1, 2, 4], np.float32), "w_f32"),
        numpy_helper.from_array(np.array(2, np.int64), "two"),
    ],
)
w = helper.make_tensor("w", TensorProto.BFLOAT16, [4], [0.5, 1.0, 2.0, 4.0])
graph.initializer.pop(0)
graph.initializer.append(w)
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), sys.argv[1])

# CHECK:      builtin.module attributes {deeploy.promoted_to_f32 = ["x", "y"]}
# CHECK:      func.func @network(%x: tensor<4xf32> {graph.name = "x"}) -> (tensor<4xf32> {graph.name = "y"})
# CHECK:      %w = graph.constant dense<[5.000000e-01, 1.000000e+00, 2.000000e+00, 4.000000e+00]> : tensor<4xf32>
# CHECK:      %m = graph.mul %x, %w {name = "scale"} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
# CHECK-NEXT: %c = graph.cast %m {to = 10 : i64, name = "to_half"} : (tensor<4xf32>) -> tensor<4xf32>
# CHECK:      graph.constant dense<2.000000e+00> : tensor<f32>
# CHECK:      %y = graph.pow %c, %{{.*}} {name = "square"} : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
