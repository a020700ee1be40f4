"""Structural checks of graph ops beyond what their signature enforces.

Each check raises VerifyException with a message naming the node; shapes must agree with
ONNX semantics so that later passes can trust result types.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn

import numpy as np
from xdsl.dialects.builtin import IntegerType, TensorType
from xdsl.ir import Attribute
from xdsl.utils.exceptions import VerifyException

from deeploy.dialects.graph_op import GraphOp, constant_value, shape_of

Check = Callable[[GraphOp], None]


class NodeError(VerifyException):
    """A graph op failed its check: the message is one statement about the node, even
    when the node's name (the model's text) holds newlines."""


def _fail(op: GraphOp, message: str) -> NoReturn:
    raise NodeError(f"node {op.describe()}: {message}")


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
    axis = op.attr_int(name, 0)
    if not -rank <= axis < max(rank, 1):
        _fail(op, f"{name} {axis} is out of range for rank {rank}")
    return axis % max(rank, 1)


def _check_window_lengths(op: GraphOp, rank: int) -> None:
    """Window attributes, where given, have one entry per spatial axis (pads two): the
    geometry reads an absent one as its default, so a given but empty or short list must
    not reach it (onnxruntime rejects those too)."""
    for name, length in (("kernel_shape", rank), ("strides", rank), ("dilations", rank)):
        value = op.attr_ints(name, None)
        if value is not None and len(value) != length:
            _fail(op, f"{name} has {len(value)} entries but the input has {rank} spatial axes")
    pads = op.attr_ints("pads", None)
    if pads is not None and len(pads) != 2 * rank:
        _fail(op, f"pads has {len(pads)} entries, expected {2 * rank}")


def _check_conv(op: GraphOp) -> None:
    from deeploy.dialects.graph_geometry import conv_geometry

    x, w = shape_of(op.operands[0]), shape_of(op.operands[1])
    if len(x) < 3 or len(w) != len(x):
        _fail(op, f"expects N x C x spatial input and matching weight, got {x} and {w}")
    group = op.attr_int("group", 1)
    if group < 1 or x[1] != w[1] * group or w[0] % group:
        _fail(op, f"channels {x[1]} do not match weight {w} with group {group}")
    bias = op.operands[2] if len(op.operands) > 2 else None
    if bias is not None and shape_of(bias) != (w[0],):
        _fail(op, f"bias shape {shape_of(bias)} must be ({w[0]},)")
    _check_window_lengths(op, len(x) - 2)
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
    _check_window_lengths(op, len(x) - 2)
    try:
        geom = window_geometry(op)
    except ValueError as err:
        _fail(op, str(err))
    expected = (x[0], x[1], *geom.output_shape(x[2:]))
    if shape_of(op.results[0]) != expected:
        _fail(op, f"result shape {shape_of(op.results[0])} != expected {expected}")


def _check_batch_norm(op: GraphOp) -> None:
    """Scale, bias, mean and variance hold one value per channel (folding them into a
    Conv broadcast them against each other)."""
    x = shape_of(op.operands[0])
    if len(x) < 2:
        _fail(op, f"expects N x C x ... input, got {x}")
    for index, name in enumerate(("scale", "bias", "mean", "var"), start=1):
        if index < len(op.operands) and shape_of(op.operands[index]) != (x[1],):
            _fail(op, f"{name} shape {shape_of(op.operands[index])} must be ({x[1]},)")
    if shape_of(op.results[0]) != x:
        _fail(op, f"result shape {shape_of(op.results[0])} must equal the input shape {x}")


def _check_requant_shift(op: GraphOp) -> None:
    """The number of output levels, which sets the result's type and its clamp, and a
    divisor the kernel can divide by."""
    levels = op.attr_int("n_levels_out", None) or op.attr_int("n_levels", None)
    if levels is None:
        _fail(op, "needs attribute n_levels or n_levels_out")
    if not 2 <= levels <= 2**32:
        _fail(op, f"n_levels {levels} must be from 2 to 2**32")
    div = op.attr_int("div")
    if div < 1:
        _fail(op, f"div {div} must be at least 1")


REDUCE = (
    "ReduceSum",
    "ReduceMean",
    "ReduceMax",
    "ReduceMin",
    "ReduceProd",
    "ReduceSumSquare",
    "ReduceL1",
    "ReduceL2",
    "ReduceLogSum",
    "ReduceLogSumExp",
)


def _check_reduce(op: GraphOp) -> None:
    """Integer axes, each once and in range, and the result shape they give: the kernel
    reduces the set of axes, so a result shaped otherwise (repeated axes, float axes
    read as zeros) was written past its end."""
    x = shape_of(op.operands[0])
    rank = len(x)
    axes_value = op.operand_at(1)
    if axes_value is not None:
        t = axes_value.type
        if not isinstance(t, TensorType) or not isinstance(t.element_type, IntegerType):
            _fail(op, f"axes must be an integer tensor, got {t}")
        array = constant_value(axes_value)
        if array is None:
            return  # computed axes: the kernel binding names what it needs
        axes: list[int] | None = [int(a) for a in array.reshape(-1)]
    else:
        given = op.attr_ints("axes", None)
        axes = list(given) if given is not None else None
    if not axes:
        if op.attr_int("noop_with_empty_axes", 0):
            expected = x
            if shape_of(op.results[0]) != expected:
                _fail(op, f"result shape {shape_of(op.results[0])} != expected {expected}")
            return
        axes = list(range(rank))
    if any(not -rank <= a < rank for a in axes):
        _fail(op, f"axes {axes} are out of range for rank {rank}")
    reduced = {a % rank for a in axes}
    if len(reduced) != len(axes):
        _fail(op, f"axes {axes} repeat an axis")
    if op.attr_int("keepdims", 1):
        expected = tuple(1 if i in reduced else d for i, d in enumerate(x))
    else:
        expected = tuple(d for i, d in enumerate(x) if i not in reduced)
    if shape_of(op.results[0]) != expected:
        _fail(op, f"result shape {shape_of(op.results[0])} != expected {expected}")


def _check_slice(op: GraphOp) -> None:
    """Integer starts, ends, axes and steps (float ones were truncated: a step of 0.5
    became 0), and constant steps that are not zero (ONNX forbids it)."""
    for index, name in enumerate(("starts", "ends", "axes", "steps"), start=1):
        value = op.operand_at(index)
        t = value.type if value is not None else None
        if isinstance(t, TensorType) and not isinstance(t.element_type, IntegerType):
            _fail(op, f"{name} must be an integer tensor, got {t}")
    steps = constant_value(op.operand_at(4))
    if steps is not None and (steps == 0).any():
        _fail(op, f"steps {steps.reshape(-1).tolist()} must not be 0")


def _check_global_pool(op: GraphOp) -> None:
    x = shape_of(op.operands[0])
    if len(x) < 3 or shape_of(op.results[0]) != (x[0], x[1]) + (1,) * (len(x) - 2):
        _fail(op, f"result shape {shape_of(op.results[0])} does not match input {x}")


def _check_gemm(op: GraphOp) -> None:
    a, b = shape_of(op.operands[0]), shape_of(op.operands[1])
    if len(a) != 2 or len(b) != 2:
        _fail(op, f"expects 2-D operands, got {a} and {b}")
    m, k = (a[1], a[0]) if op.attr_int("transA", 0) else a
    k2, n = (b[1], b[0]) if op.attr_int("transB", 0) else b
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
    perm = op.attr_ints("perm", ()) or tuple(reversed(range(len(x))))
    if sorted(perm) != list(range(len(x))):
        _fail(op, f"perm {perm} is not a permutation of {len(x)} axes")
    if shape_of(op.results[0]) != tuple(x[p] for p in perm):
        _fail(op, f"result shape {shape_of(op.results[0])} does not match perm {perm}")


def _check_concat(op: GraphOp) -> None:
    shapes = [shape_of(v) for v in op.operands]
    if not shapes:  # every input name empty: there is nothing to concatenate
        _fail(op, "needs at least one input")
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
    before, after = shape_of(op.operands[0]), shape_of(op.results[0])
    if int(np.prod(before)) != int(np.prod(after)):
        _fail(
            op,
            f"reshaping must keep the number of elements: {list(before)} has "
            f"{int(np.prod(before))}, {list(after)} has {int(np.prod(after))}",
        )


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


# Operators that move or select elements without converting them: their kernels copy
# elements of the input's size, so a result of another element type (a declared type
# the file gives) would be written past its end. onnxruntime rejects such models too.
MOVEMENT = (
    "Pad",
    "Transpose",
    "Concat",
    "Slice",
    "Reshape",
    "Flatten",
    "Squeeze",
    "Unsqueeze",
    "Identity",
    "Gather",
    "Split",
    "Expand",
    "Tile",
    "MaxPool",
    "GlobalMaxPool",
)


def _element_type(value: object) -> Attribute | None:
    t = getattr(value, "type", None)
    return t.element_type if isinstance(t, TensorType) else None


def _check_element_type(op: GraphOp) -> None:
    op_type = op.SIGNATURE.op_type
    # the data operands (the others are indices, shapes, pads) and data results (not
    # MaxPool's int64 Indices)
    data = op.operands[: len(op.operands) if op_type == "Concat" else 1]
    results = op.results if op_type == "Split" else op.results[:1]
    if op_type != "Concat":
        # the other inputs are indices, shapes, pads, axes, sizes: integers (a float
        # shape holding NaN reached the lowering); Pad's input 2 is its fill value
        for index in range(1, len(op.OPERAND_FIELDS)):
            value = op.operand_at(index)
            element = _element_type(value)
            fill = op_type == "Pad" and index == 2
            # (an absent optional input, None, has no element type either)
            integer = isinstance(element, IntegerType)
            if value is not None and element is not None and not fill and not integer:
                _fail(op, f"input {index} must be an integer tensor, got {value.type}")
    expected = _element_type(data[0]) if data else None
    for value in (*data, *results):
        found = _element_type(value)
        if expected is not None and found is not None and found != expected:
            _fail(op, f"element type {found} differs from the input's {expected}")


def _with_element_type(check: Check | None) -> Check:
    def both(op: GraphOp) -> None:
        if check is not None:  # first: it names the operator's own inputs
            check(op)
        _check_element_type(op)

    return both


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
        BatchNormalization=_check_batch_norm,
        RequantShift=_check_requant_shift,
        Slice=_check_slice,
    )
    for op_type in REDUCE:
        table[op_type] = _check_reduce
    for op_type in MOVEMENT:
        table[op_type] = _with_element_type(table.get(op_type))
