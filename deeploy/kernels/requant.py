"""RequantShift, and what every integer kernel shares: run-time type codes and the
requantisation arguments (runtime/include/deeploy/requant.h).

RequantShift(x, mul, add; div, n_levels, signed) is Deeploy's requantisation:
y = clamp(floor((x * mul + add + div / 2) / div), range of n_levels), div a power of two.
"""

from __future__ import annotations

from xdsl.dialects.builtin import IntegerType
from xdsl.ir import Attribute, SSAValue

from deeploy.dialects.buffer import KernelOp
from deeploy.dialects.graph import GraphOp, element_type, shape_of
from deeploy.dtypes import short_name, value_element_type
from deeploy.integer_types import I32, integer_range
from deeploy.kernels.base import Binding, Emitter, Kernel, params_of
from deeploy.kernels.layout import broadcast_layout
from deeploy.kernels.shapes import buffer_shape
from deeploy.tiling.rules import ELEMENTWISE

# DEEPLOY_I8, ... of runtime/include/deeploy/requant.h
TYPE_CODES = {"i8": 0, "u8": 1, "i16": 2, "u16": 3, "i32": 4}
MAX_RANK = 8


def int_short(value: SSAValue) -> str:
    return short_name(value_element_type(value))


def is_int(t: Attribute) -> bool:
    return isinstance(t, IntegerType) and short_name(t) in TYPE_CODES


def type_code(value: SSAValue) -> int:
    return TYPE_CODES[int_short(value)]


def integer_reason(op: GraphOp, operands: tuple[int, ...] | None = None) -> str | None:
    """A reason string unless the given operands (default all) and the results are
    integers of a supported type (int8, uint8, int16, uint16, int32)."""
    values = [*(op.operands if operands is None else (op.operands[i] for i in operands))]
    for value in (*values, *op.results):
        t = element_type(value)
        if not is_int(t):
            return f"needs int8/uint8/int16/uint16/int32 tensors, got {t}"
    return None


def no_rq_args(e: Emitter) -> list[SSAValue]:
    """The requantisation arguments of a kernel that does not requantise."""
    return [e.null(I32), e.null(I32), e.i32(1), e.i32(1), e.i32(0), e.i32(0), e.i32(0)]


def rq_args(e: Emitter, op: KernelOp, mul: SSAValue, add: SSAValue) -> list[SSAValue]:
    """The requantisation arguments of a kernel with a fused RequantShift: mul/add hold
    one value per index of the output's axis `rq_axis` (one value for rq_axis = -1), so
    the channel of output element i is (i / inner) % channels."""
    p = params_of(op)
    y = buffer_shape(op.outs[0])
    channels = 1
    for d in buffer_shape(mul):
        channels *= d
    axis = p.int("rq_axis")
    inner = 1
    for d in y[axis + 1 :] if axis >= 0 else ():
        inner *= d
    if channels == 1:
        inner = 1
    return [
        e.ptr(mul, const=True),
        e.ptr(add, const=True),
        e.i32(channels),
        e.i32(inner),
        e.i32(p.int("rq_shift")),
        e.i32(p.int("rq_lo")),
        e.i32(p.int("rq_hi")),
    ]


def fused_rq_params(op: GraphOp) -> dict[str, int] | str | None:
    """The requantisation parameters of a Requantized* op (None for a plain op)."""
    if not op.SIGNATURE.op_type.startswith("Requantized"):
        return None
    params = rq_params(op)
    if isinstance(params, str):
        return params
    return {**params, "rq_axis": op.attr_int("rq_axis", -1)}


def rq_params(rq: GraphOp) -> dict[str, int] | str:
    """shift, lo, hi of a RequantShift, or why it cannot run (div not a power of two)."""
    div = rq.attr_int("div")
    if div <= 0 or div & (div - 1):
        return f"div = {div} is not a power of two"
    lo, hi = integer_range(element_type(rq.results[0]))
    levels = rq.attr_int("n_levels_out", None) or rq.attr_int("n_levels", None)
    if levels is not None:
        signed = bool(rq.attr_int("signed", 1))
        n = levels
        lo, hi = (-(n // 2), n // 2 - 1) if signed else (0, n - 1)
    return {"rq_shift": div.bit_length() - 1, "rq_lo": lo, "rq_hi": hi}


def rq_param_shape(shape: tuple[int, ...], out: tuple[int, ...]) -> tuple[int, ...] | None:
    """How a RequantShift's mul or add of `shape` lines up with its output: as numpy
    broadcasting says when it does; otherwise as Deeploy's kernels read it, one value
    per channel of axis 1 (e.g. a (C, 1, 1) mul of a 1-D convolution's (N, C, L) output).
    None when neither applies."""
    padded = (1,) * (len(out) - len(shape)) + tuple(shape)
    if len(padded) == len(out) and all(d in (1, o) for d, o in zip(padded, out)):
        return padded
    size = 1
    for d in shape:
        size *= d
    if len(out) >= 2 and size == out[1]:
        return tuple(out[1] if i == 1 else 1 for i in range(len(out)))
    return None


def bind_requant_shift(op: GraphOp) -> Binding | str:
    if reason := integer_reason(op):
        return reason
    if element_type(op.operands[1]) != I32 or element_type(op.operands[2]) != I32:
        return "needs int32 mul and add"
    params = rq_params(op)
    if isinstance(params, str):
        return params
    out = shape_of(op.results[0])
    for v in op.operands:
        aligned = rq_param_shape(shape_of(v), out)
        if aligned is None:
            return f"operand shape {list(shape_of(v))} does not line up with the output {list(out)}"
        shape, _ = broadcast_layout(out, [aligned])
        if len(shape) > MAX_RANK:
            return f"broadcast pattern needs {len(shape)} axes, more than {MAX_RANK}"
    return Binding("requant_shift", params, (0, 1, 2))


def emit_requant_shift(e: Emitter, op: KernelOp) -> None:
    p = params_of(op)
    x, mul, add = op.ins
    y = op.outs[0]
    out = buffer_shape(y)
    aligned = [rq_param_shape(buffer_shape(v), out) or buffer_shape(v) for v in (x, mul, add)]
    shape, (xs, ms, as_) = broadcast_layout(out, aligned)
    e.call(
        "deeploy_requant_shift",
        [
            e.ptr(x, const=True),
            e.i32(type_code(x)),
            e.ptr(mul, const=True),
            e.ptr(add, const=True),
            e.ptr(y),
            e.i32(type_code(y)),
            *map(e.i32, (p.int("rq_shift"), p.int("rq_lo"), p.int("rq_hi"), len(shape))),
            e.i32_array(shape),
            e.i32_array(xs),
            e.i32_array(ms),
            e.i32_array(as_),
        ],
    )


KERNELS = [
    Kernel(
        "requant_shift",
        ("RequantShift",),
        "kernels/elementwise_int.c",
        bind_requant_shift,
        emit_requant_shift,
        tiling=ELEMENTWISE,
    ),
]
