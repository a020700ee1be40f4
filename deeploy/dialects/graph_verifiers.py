"""Structural checks of graph ops beyond what their signature enforces.

Each check raises VerifyException with a message naming the node; shapes must agree with
ONNX semantics so that later passes can trust result types.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from xdsl.utils.exceptions import VerifyException

from deeploy.dialects.graph import GraphOp, shape_of

Check = Callable[[GraphOp], None]


def _fail(op: GraphOp, message: str) -> None:
    named = f" '{op.attributes['name'].data}'" if "name" in op.attributes else ""  # type: ignore[attr-defined]
    raise VerifyException(f"{op.name}{named}: {message}")


def broadcast_shapes(*shapes: tuple[int, ...]) -> tuple[int, ...] | None:
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        return None


def _check_broadcast(op: GraphOp) -> None:
    shapes = [shape_of(v) for v in op.operands]
    expected = broadcast_shapes(*shapes)
    if expected is None:
        _fail(op, f"operand shapes {shapes} do not broadcast")
    if shape_of(op.results[0]) != expected:
        _fail(op, f"result shape {shape_of(op.results[0])} != broadcast shape {expected}")


def _check_same_shape(op: GraphOp) -> None:
    if shape_of(op.results[0]) != shape_of(op.operands[0]):
        _fail(op, "result shape must equal the input shape")


def _check_axis(op: GraphOp, rank: int, name: str = "axis") -> int:
    axis = int(op.attr_value(name, 0))  # type: ignore[arg-type]
    if not -rank <= axis < max(rank, 1):
        _fail(op, f"{name} {axis} is out of range for rank {rank}")
    return axis % max(rank, 1)


def _check_conv(op: GraphOp) -> None:
    from deeploy.dialects.graph_geometry import conv_geometry

    x, w = shape_of(op.operands[0]), shape_of(op.operands[1])
    if len(x) < 3 or len(w) != len(x):
        _fail(op, f"expects N x C x spatial input and matching weight, got {x} and {w}")
    group = int(op.attr_value("group", 1))  # type: ignore[arg-type]
    if group < 1 or x[1] != w[1] * group or w[0] % group:
        _fail(op, f"channels {x[1]} do not match weight {w} with group {group}")
    bias = op.operands[2] if len(op.operands) > 2 else None
    if bias is not None and shape_of(bias) != (w[0],):
        _fail(op, f"bias shape {shape_of(bias)} must be ({w[0]},)")
    try:
        geom = conv_geometry(op)
    except ValueError as err:
        _fail(op, str(err))
    expected = (x[0], w[0], *geom.output_shape(x[2:]))
    if shape_of(op.results[0]) != expected:
        _fail(op, f"result shape {shape_of(op.results[0])} != expected {expected}")


def _check_pool(op: GraphOp) -> None:
    from deeploy.dialects.graph_geometry import window_geometry

    x = shape_of(op.operands[0])
    if len(x) < 3:
        _fail(op, f"expects N x C x spatial input, got {x}")
    try:
        geom = window_geometry(op)
    except ValueError as err:
        _fail(op, str(err))
    expected = (x[0], x[1], *geom.output_shape(x[2:]))
    if shape_of(op.results[0]) != expected:
        _fail(op, f"result shape {shape_of(op.results[0])} != expected {expected}")


def _check_global_pool(op: GraphOp) -> None:
    x = shape_of(op.operands[0])
    if len(x) < 3 or shape_of(op.results[0]) != (x[0], x[1]) + (1,) * (len(x) - 2):
        _fail(op, f"result shape {shape_of(op.results[0])} does not match input {x}")


def _check_gemm(op: GraphOp) -> None:
    a, b = shape_of(op.operands[0]), shape_of(op.operands[1])
    if len(a) != 2 or len(b) != 2:
        _fail(op, f"expects 2-D operands, got {a} and {b}")
    m, k = (a[1], a[0]) if op.attr_value("transA", 0) else a
    k2, n = (b[1], b[0]) if op.attr_value("transB", 0) else b
    if k != k2:
        _fail(op, f"inner dimensions differ: {k} vs {k2}")
    if len(op.operands) > 2 and broadcast_shapes(shape_of(op.operands[2]), (m, n)) != (m, n):
        _fail(op, f"C shape {shape_of(op.operands[2])} does not broadcast to {(m, n)}")
    if shape_of(op.results[0]) != (m, n):
        _fail(op, f"result shape {shape_of(op.results[0])} != {(m, n)}")


def matmul_shape(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...] | None:
    """numpy.matmul's result shape, or None when the shapes do not fit."""
    if not a or not b:
        return None
    a2 = (1, *a) if len(a) == 1 else a
    b2 = (*b, 1) if len(b) == 1 else b
    if a2[-1] != b2[-2]:
        return None
    batch = broadcast_shapes(a2[:-2], b2[:-2])
    if batch is None:
        return None
    out = (*batch, a2[-2], b2[-1])
    if len(a) == 1:
        out = out[:-2] + out[-1:]
    if len(b) == 1:
        out = out[:-1]
    return out


def _check_matmul(op: GraphOp) -> None:
    a, b = shape_of(op.operands[0]), shape_of(op.operands[1])
    expected = matmul_shape(a, b)
    if expected is None:
        _fail(op, f"operand shapes {a} and {b} do not multiply")
    if shape_of(op.results[0]) != expected:
        _fail(op, f"result shape {shape_of(op.results[0])} != {expected}")


def _check_transpose(op: GraphOp) -> None:
    x = shape_of(op.operands[0])
    perm = tuple(op.attr_value("perm") or reversed(range(len(x))))
    if sorted(perm) != list(range(len(x))):
        _fail(op, f"perm {perm} is not a permutation of {len(x)} axes")
    if shape_of(op.results[0]) != tuple(x[p] for p in perm):
        _fail(op, f"result shape {shape_of(op.results[0])} does not match perm {perm}")


def _check_concat(op: GraphOp) -> None:
    shapes = [shape_of(v) for v in op.operands]
    rank = len(shapes[0])
    axis = _check_axis(op, rank)
    for s in shapes:
        if len(s) != rank or any(s[i] != shapes[0][i] for i in range(rank) if i != axis):
            _fail(op, f"operand shapes {shapes} differ outside axis {axis}")
    expected = list(shapes[0])
    expected[axis] = sum(s[axis] for s in shapes)
    if shape_of(op.results[0]) != tuple(expected):
        _fail(op, f"result shape {shape_of(op.results[0])} != {tuple(expected)}")


def _check_softmax(op: GraphOp) -> None:
    _check_axis(op, len(shape_of(op.operands[0])))
    _check_same_shape(op)


def _check_same_count(op: GraphOp) -> None:
    if int(np.prod(shape_of(op.operands[0]))) != int(np.prod(shape_of(op.results[0]))):
        _fail(op, "reshaping must keep the number of elements")


def _check_layer_norm(op: GraphOp) -> None:
    x = shape_of(op.operands[0])
    axis = _check_axis(op, len(x))
    norm = x[axis:]
    for v in op.operands[1:]:
        if broadcast_shapes(shape_of(v), norm) != norm:
            _fail(op, f"scale/bias shape {shape_of(v)} does not broadcast to {norm}")
    _check_same_shape(op)


UNARY = (
    "Relu",
    "Sigmoid",
    "Tanh",
    "Exp",
    "Log",
    "Sqrt",
    "Erf",
    "Abs",
    "Neg",
    "Ceil",
    "Floor",
    "Round",
    "Gelu",
    "LeakyRelu",
    "HardSigmoid",
    "HardSwish",
    "Elu",
    "Swish",
    "Clip",
    "Softplus",
    "Reciprocal",
    "Sign",
    "Sin",
    "Cos",
    "Not",
    "Cast",
    "Selu",
    "Celu",
    "Mish",
)
BINARY = (
    "Add",
    "Sub",
    "Mul",
    "Div",
    "Pow",
    "Equal",
    "Less",
    "Greater",
    "LessOrEqual",
    "GreaterOrEqual",
    "And",
    "Or",
    "Xor",
    "Mod",
    "PRelu",
    "Where",
    "Max",
    "Min",
    "Sum",
    "Mean",
)


def register(table: dict[str, Check]) -> None:
    for op_type in UNARY:
        table[op_type] = _check_same_shape
    for op_type in BINARY:
        table[op_type] = _check_broadcast
    table.update(
        Conv=_check_conv,
        MaxPool=_check_pool,
        AveragePool=_check_pool,
        GlobalAveragePool=_check_global_pool,
        GlobalMaxPool=_check_global_pool,
        Gemm=_check_gemm,
        MatMul=_check_matmul,
        Transpose=_check_transpose,
        Concat=_check_concat,
        Softmax=_check_softmax,
        LogSoftmax=_check_softmax,
        Reshape=_check_same_count,
        Flatten=_check_same_count,
        Squeeze=_check_same_count,
        Unsqueeze=_check_same_count,
        Identity=_check_same_shape,
        LayerNormalization=_check_layer_norm,
    )
