"""float16/bfloat16 networks are computed in float32, as on Deeploy's generic platform.

The reference is the same network with every half-precision tensor made float32 and each
Cast to a half type followed by a Cast back to float32, run under onnxruntime: promotion
must give that network's results, including the rounding of the Cast.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from tests.conftest import compile_build_run
from tests.networks import reference

pytest.importorskip("onnxruntime")


def _network(half: int) -> onnx.ModelProto:
    """x(half) -> Conv(half weights) -> Relu -> Cast(to=half) -> Add(x') -> y(half)."""
    rng = np.random.default_rng(7)
    np_half = helper.tensor_dtype_to_np_dtype(half)
    w = (rng.standard_normal((4, 3, 3, 3)) * 0.5).astype(np_half)
    b = (rng.standard_normal(4) * 0.5).astype(np_half)
    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"], name="relu"),
        helper.make_node("Cast", ["r"], ["r16"], name="cast", to=half),
        helper.make_node("Add", ["r16", "r16"], ["y"], name="add"),
    ]
    graph = helper.make_graph(
        nodes,
        "half",
        [helper.make_tensor_value_info("x", half, [1, 3, 6, 6])],
        [helper.make_tensor_value_info("y", half, [1, 4, 6, 6])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


def _as_float32(model: onnx.ModelProto) -> onnx.ModelProto:
    twin = onnx.ModelProto()
    twin.CopyFrom(model)
    for value in [*twin.graph.input, *twin.graph.output]:
        value.type.tensor_type.elem_type = TensorProto.FLOAT
    for i, init in enumerate(twin.graph.initializer):
        array = numpy_helper.to_array(init).astype(np.float32)
        twin.graph.initializer[i].CopyFrom(numpy_helper.from_array(array, init.name))
    nodes = []
    for node in twin.graph.node:
        nodes.append(node)
        if node.op_type == "Cast":  # keep the rounding: Cast to half, then back to float
            rounded = node.output[0]
            node.output[0] = f"{rounded}_half"
            nodes.append(
                helper.make_node("Cast", [node.output[0]], [rounded], to=TensorProto.FLOAT)
            )
    del twin.graph.node[:]
    twin.graph.node.extend(nodes)
    return twin


@pytest.mark.parametrize("half", [TensorProto.FLOAT16, TensorProto.BFLOAT16])
def test_half_network_runs_in_float32(half: int, tmp_path: Path) -> None:
    model = _network(half)
    x = np.random.default_rng(3).standard_normal((1, 3, 6, 6)).astype(np.float32)
    result, outcome = compile_build_run(model, [x], tmp_path)
    assert result.report["promoted_to_float32"] == ["x", "y"]
    assert [s["dtype"] for s in result.report["inputs"]] == ["float32"]
    expected = reference(_as_float32(model), [x])
    np.testing.assert_allclose(outcome.outputs[0], expected[0], rtol=1e-5, atol=1e-5)
