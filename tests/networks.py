"""Small ONNX networks built with onnx's helper API, for tests that need no shared data.

`single_op(...)` makes a one-node model with random float weights; `reference(...)` runs a
model under onnxruntime.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


def single_op(
    op_type: str,
    inputs: Sequence[tuple[str, Sequence[int]]],
    output_shape: Sequence[int] | None = None,
    weights: dict[str, np.ndarray] | None = None,
    opset: int = OPSET,
    domain: str = "",
    **attrs: object,
) -> onnx.ModelProto:
    """One node reading graph inputs `inputs` (name, shape) and initializers `weights`.

    Inputs and weights are wired in the order: graph inputs, then weights, unless a weight
    name appears in `attrs['order']` (a list of input names, '' for an absent optional).
    """
    weights = weights or {}
    order = attrs.pop("order", None)
    names = list(order) if order is not None else [n for n, _ in inputs] + list(weights)
    node = helper.make_node(
        op_type, names, ["y"], name=f"{op_type.lower()}_node", domain=domain, **attrs
    )
    graph = helper.make_graph(
        [node],
        f"{op_type}_test",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, list(s)) for n, s in inputs],
        [
            helper.make_tensor_value_info(
                "y", TensorProto.FLOAT, list(output_shape) if output_shape else None
            )
        ],
        [numpy_helper.from_array(v, k) for k, v in weights.items()],
    )
    opsets = [helper.make_opsetid("", opset)]
    if domain:
        opsets.append(helper.make_opsetid(domain, 1))
    model = helper.make_model(graph, opset_imports=opsets)
    model.ir_version = 8
    return onnx.shape_inference.infer_shapes(model)


def chain(
    nodes: list[onnx.NodeProto], inputs, outputs, weights=None, opset: int = OPSET
) -> onnx.ModelProto:
    graph = helper.make_graph(
        nodes,
        "chain",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, list(s)) for n, s in inputs],
        [
            helper.make_tensor_value_info(n, TensorProto.FLOAT, list(s) if s else None)
            for n, s in outputs
        ],
        [numpy_helper.from_array(v, k) for k, v in (weights or {}).items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


def random_inputs(model: onnx.ModelProto, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    init = {t.name for t in model.graph.initializer}
    arrays = []
    for value in model.graph.input:
        if value.name in init:
            continue
        shape = [d.dim_value for d in value.type.tensor_type.shape.dim]
        arrays.append(rng.standard_normal(shape).astype(np.float32))
    return arrays


def reference(model: onnx.ModelProto, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(
        model.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    names = [i.name for i in session.get_inputs()]
    return session.run(None, dict(zip(names, inputs)))


def weight(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return (rng.standard_normal(shape) * 0.5).astype(np.float32)


def conv_reference(
    x: np.ndarray,
    weight: np.ndarray,
    group: int,
    strides: Sequence[int],
    dilations: Sequence[int],
    pads: Sequence[int],
) -> np.ndarray:
    """ONNX Conv (2-D, NCHW, pads top, left, bottom, right) in the arrays' own type: int64
    for exact integer sums, float64 for a float reference."""
    dtype = np.result_type(x, weight)
    n, c, h, w = x.shape
    f, cg, kh, kw = weight.shape
    xp = np.zeros((n, c, h + pads[0] + pads[2], w + pads[1] + pads[3]), dtype)
    xp[:, :, pads[0] : pads[0] + h, pads[1] : pads[1] + w] = x
    oh = (xp.shape[2] - (kh - 1) * dilations[0] - 1) // strides[0] + 1
    ow = (xp.shape[3] - (kw - 1) * dilations[1] - 1) // strides[1] + 1
    y = np.zeros((n, f, oh, ow), dtype)
    fg = f // group
    for o in range(f):
        g = o // fg
        for ky in range(kh):
            for kx in range(kw):
                rows = xp[
                    :,
                    g * cg : (g + 1) * cg,
                    ky * dilations[0] : ky * dilations[0] + (oh - 1) * strides[0] + 1 : strides[0],
                    kx * dilations[1] : kx * dilations[1] + (ow - 1) * strides[1] + 1 : strides[1],
                ]
                y[:, o] += np.einsum("nchw,c->nhw", rows, weight[o, :, ky, kx].astype(dtype))
    return y
