"""Output shapes of custom operators, which ONNX shape inference does not know.

Deeploy's integer operators (RequantShift, iSoftmax, IntegerDiv, ...) and onnxruntime's
quantised com.microsoft operators (QLinearAdd/Mul, QLinearAveragePool,
QLinearGlobalAveragePool, QGemm, QLinearSoftmax: what its QOperator quantiser writes). Each quantised
operator is shaped like its float counterpart on the quantised tensors; the pooling ops
are given to ONNX's AveragePool / GlobalAveragePool inference, with the channels-last
layout moved to channels-first and back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from deeploy.dialects.op_signature import ints_value
from deeploy.errors import ModelError
from deeploy.frontend.onnx_normalize import Node, TensorInfo


def _same_as_first(node: Node, types: list[TensorInfo | None]) -> list[TensorInfo]:
    assert types[0] is not None
    return [TensorInfo(types[0].dtype, types[0].shape)]


def _integer_mean(node: Node, types: list[TensorInfo | None]) -> list[TensorInfo]:
    assert types[0] is not None
    rank = len(types[0].shape)
    axes = {a % rank for a in ints_value(node.attrs.get("axes", ()))}
    keep = bool(node.attrs.get("keepdims", 1))
    shape = tuple(
        1 if i in axes else d for i, d in enumerate(types[0].shape) if keep or i not in axes
    )
    return [TensorInfo(types[0].dtype, shape)]


def _input(node: Node, types: list[TensorInfo | None], index: int) -> TensorInfo:
    info = types[index] if index < len(types) else None
    if info is None:
        raise ModelError(f"node {node.describe()}: input {index} has no shape")
    return info


def _broadcast_of(node: Node, operands: list[TensorInfo]) -> list[TensorInfo]:
    """The numpy broadcast of `operands`, in the first one's type."""
    shapes = [t.shape for t in operands]
    try:
        shape = np.broadcast_shapes(*shapes)
    except ValueError:
        listed = " and ".join(str(list(s)) for s in shapes)
        raise ModelError(f"node {node.describe()}: shapes {listed} do not broadcast") from None
    return [TensorInfo(operands[0].dtype, tuple(shape))]


def _broadcast(node: Node, types: list[TensorInfo | None]) -> list[TensorInfo]:
    """IntegerDiv: every input broadcasts."""
    return _broadcast_of(node, [_input(node, types, i) for i in range(len(types))])


def _broadcast_first_two(node: Node, types: list[TensorInfo | None]) -> list[TensorInfo]:
    """A and B broadcast; RQIntegerDiv's one-element requantisation constants, whatever
    their rank, do not shape the result."""
    return _broadcast_of(node, [_input(node, types, 0), _input(node, types, 1)])


def qlinear_binary(node: Node, types: list[TensorInfo | None]) -> list[TensorInfo]:
    """QLinearAdd / QLinearMul (A, A_scale, A_zp, B, B_scale, B_zp, C_scale, C_zp)."""
    return _broadcast_of(node, [_input(node, types, 0), _input(node, types, 3)])


def qgemm(node: Node, types: list[TensorInfo | None]) -> list[TensorInfo]:
    """QGemm: (M, N) of op(A) @ op(B); quantised like y_zero_point, float without y_scale."""
    a, b = _input(node, types, 0), _input(node, types, 3)
    if len(a.shape) != 2 or len(b.shape) != 2:
        raise ModelError(f"node {node.describe()}: A and B must be matrices")
    m = a.shape[1] if node.attrs.get("transA", 0) else a.shape[0]
    n = b.shape[0] if node.attrs.get("transB", 0) else b.shape[1]
    has_scale = len(node.inputs) > 7 and bool(node.inputs[7])
    if not has_scale:
        return [TensorInfo(np.dtype(np.float32), (m, n))]
    zp = types[8] if len(types) > 8 else None
    return [TensorInfo(zp.dtype if zp is not None else a.dtype, (m, n))]


def _channels_first(shape: tuple[int, ...]) -> tuple[int, ...]:
    return (shape[0], shape[-1], *shape[1:-1])


def _channels_last(shape: tuple[int, ...]) -> tuple[int, ...]:
    return (shape[0], *shape[2:], shape[1])


def _float_pool(op_type: str, node: Node, shape: tuple[int, ...]) -> tuple[int, ...]:
    import onnx
    from onnx import TensorProto, helper

    # make_node takes any attribute value as **kwargs
    attrs: dict[str, Any] = {k: v for k, v in node.attrs.items() if k != "channels_last"}
    proto = helper.make_node(op_type, ["x"], ["y"], **attrs)
    schema = onnx.defs.get_schema(op_type, 19)
    x = helper.make_tensor_type_proto(TensorProto.FLOAT, shape)
    try:
        out = onnx.shape_inference.infer_node_outputs(schema, proto, {"x": x})
    except Exception as err:  # onnx reports bad attributes as various exception types
        raise ModelError(f"node {node.describe()}: {err}") from None
    dims = out["y"].tensor_type.shape.dim
    return tuple(int(d.dim_value) for d in dims)


def _pool(op_type: str):
    def rule(node: Node, types: list[TensorInfo | None]) -> list[TensorInfo]:
        x = _input(node, types, 0)
        last = bool(node.attrs.get("channels_last", 0))
        shape = _channels_first(x.shape) if last else x.shape
        out = _float_pool(op_type, node, shape)
        return [TensorInfo(x.dtype, _channels_last(out) if last else out)]

    return rule


CUSTOM_SHAPES: dict[str, Callable[[Node, list[TensorInfo | None]], list[TensorInfo]]] = {
    **dict.fromkeys(
        (
            "RequantShift",
            "iSoftmax",
            "ITAMax",
            "ITAPartialMax",
            "iGELU",
            "iHardswish",
            "iLayerNorm",
            "iRMSNorm",
            "iNoNorm",
            "TrueIntegerDiv",
            "RMSNorm",
            "SoftmaxGrad",
            "SoftmaxCrossEntropyLossGrad",
            "Gelu",
        ),
        _same_as_first,
    ),
    "IntegerMean": _integer_mean,
    "IntegerDiv": _broadcast,
    "RQIntegerDiv": _broadcast_first_two,
    "QLinearSoftmax": _same_as_first,
    "QLinearAdd": qlinear_binary,
    "QLinearMul": qlinear_binary,
    "QGemm": qgemm,
    "QLinearAveragePool": _pool("AveragePool"),
    "QLinearGlobalAveragePool": _pool("GlobalAveragePool"),
}
