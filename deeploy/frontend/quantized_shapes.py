"""Output shapes of onnxruntime's quantised operators (com.microsoft QLinear*, QGemm).

ONNX shape inference does not know them, yet onnxruntime's QOperator quantiser writes
them. Each is shaped like its float counterpart on the quantised tensors: the pooling
ops are given to ONNX's AveragePool / GlobalAveragePool inference, with the
channels-last layout moved to channels-first and back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from deeploy.errors import ModelError

if TYPE_CHECKING:
    from deeploy.frontend.onnx_normalize import Node, TensorInfo


def _info(dtype: np.dtype, shape: tuple[int, ...]) -> TensorInfo:
    from deeploy.frontend.onnx_normalize import TensorInfo

    return TensorInfo(dtype, tuple(int(d) for d in shape))


def _input(node: Node, types: list[TensorInfo | None], index: int) -> TensorInfo:
    info = types[index] if index < len(types) else None
    if info is None:
        raise ModelError(f"node {node.describe()}: input {index} has no shape")
    return info


def qlinear_binary(node: Node, types: list[TensorInfo | None]) -> list[TensorInfo]:
    """QLinearAdd / QLinearMul (A, A_scale, A_zp, B, B_scale, B_zp, C_scale, C_zp)."""
    a, b = _input(node, types, 0), _input(node, types, 3)
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ModelError(
            f"node {node.describe()}: shapes {list(a.shape)} and {list(b.shape)} do not broadcast"
        ) from None
    return [_info(a.dtype, shape)]


def qgemm(node: Node, types: list[TensorInfo | None]) -> list[TensorInfo]:
    """QGemm: (M, N) of op(A) @ op(B); quantised like y_zero_point, float without y_scale."""
    a, b = _input(node, types, 0), _input(node, types, 3)
    if len(a.shape) != 2 or len(b.shape) != 2:
        raise ModelError(f"node {node.describe()}: A and B must be matrices")
    m = a.shape[1] if node.attrs.get("transA", 0) else a.shape[0]
    n = b.shape[0] if node.attrs.get("transB", 0) else b.shape[1]
    has_scale = len(node.inputs) > 7 and bool(node.inputs[7])
    if not has_scale:
        return [_info(np.dtype(np.float32), (m, n))]
    zp = types[8] if len(types) > 8 else None
    return [_info(zp.dtype if zp is not None else a.dtype, (m, n))]


def _channels_first(shape: tuple[int, ...]) -> tuple[int, ...]:
    return (shape[0], shape[-1], *shape[1:-1])


def _channels_last(shape: tuple[int, ...]) -> tuple[int, ...]:
    return (shape[0], *shape[2:], shape[1])


def _float_pool(op_type: str, node: Node, shape: tuple[int, ...]) -> tuple[int, ...]:
    import onnx
    from onnx import TensorProto, helper

    attrs = {k: v for k, v in node.attrs.items() if k != "channels_last"}
    proto = helper.make_node(op_type, ["x"], ["y"], **attrs)
    schema = onnx.defs.get_schema(op_type, 19)
    x = helper.make_tensor_type_proto(TensorProto.FLOAT, shape)
    try:
        out = onnx.shape_inference.infer_node_outputs(schema, proto, {"x": x})
    except Exception as err:  # onnx reports bad attributes as various exception types
        raise ModelError(f"node {node.describe()}: {err}") from None
    dims = out["y"].tensor_type.shape.dim
    return tuple(d.dim_value for d in dims)


def _pool(op_type: str):
    def rule(node: Node, types: list[TensorInfo | None]) -> list[TensorInfo]:
        x = _input(node, types, 0)
        last = bool(node.attrs.get("channels_last", 0))
        shape = _channels_first(x.shape) if last else x.shape
        out = _float_pool(op_type, node, shape)
        return [_info(x.dtype, _channels_last(out) if last else out)]

    return rule


QUANTIZED_SHAPES = {
    "QLinearAdd": qlinear_binary,
    "QLinearMul": qlinear_binary,
    "QGemm": qgemm,
    "QLinearAveragePool": _pool("AveragePool"),
    "QLinearGlobalAveragePool": _pool("GlobalAveragePool"),
}
