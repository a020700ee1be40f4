"""Integer division and mean of quantised networks (runtime/kernels/div_int.c), with
Deeploy's arithmetic (TargetLibraries/Generic Div_s32.c, RQDiv_s8.c, its ReduceMean
template and its TrueIntegerDiv lowering):

- TrueIntegerDiv(x; Delta, eps, eta, y) = x * floor(Delta * eta / (y * eta + eps)), int32.
  Deeploy has no kernel for it: MergeTrueIntegerDivRequantShiftPass folds that factor into
  the RequantShift after it, which is the same arithmetic as this kernel followed by
  that RequantShift.
- IntegerDiv(A, B; Delta, eps, eta): with nom = Delta * eta * A and den = eta * B + eps,
  (nom + sgn(nom) * (den >> 1)) / den in C (toward zero, sgn(0) = +1): nom / den rounded
  half away from zero for den > 0. int32. A and B broadcast as numpy does.
- RQIntegerDiv(A, B, mul, add, shift; Delta, eps, eta, div, n_levels, signed): that
  quotient q requantised, clamp((q * mul + add + 2^(shift-1)) >> shift) to the range
  n_levels and signed give; mul, add and shift are one-element constants (Deeploy reads
  only their first element).
- IntegerMean(x; axes, keepdims): acc = the sum over the axes (count elements); with
  keepdims = 0 and count a power of two, (acc + count / 2) >> log2(count) (half up), else
  (acc + sgn(acc) * (count >> 1)) / count (half away from zero). x's type.

Every operand may be int8, uint8, int16, uint16 or int32 (read through a run-time type
code); all arithmetic is int64, so nothing the binders accept overflows.
"""

from __future__ import annotations

from math import prod

from xdsl.dialects.builtin import IntegerType
from xdsl.ir import SSAValue

from deeploy.dialects.buffer import KernelOp
from deeploy.dialects.graph import GraphOp, constant_value, element_type, shape_of
from deeploy.dtypes import short_name, value_element_type
from deeploy.integer_types import integer_range
from deeploy.kernels.base import Binding, Emitter, Kernel, params_of
from deeploy.kernels.layout import broadcast_layout, contiguous_strides, reduce_layout
from deeploy.kernels.shapes import buffer_shape
from deeploy.tiling.rules import ELEMENTWISE, REDUCTION

SOURCE = "kernels/div_int.c"
# run-time type codes of runtime/include/deeploy/div_int.h
TYPE_CODES = {"i8": 0, "u8": 1, "i16": 2, "u16": 3, "i32": 4}
MAX_RANK = 8
_INT32 = (-(2**31), 2**31 - 1)


def _short(value: SSAValue) -> str:
    t = value_element_type(value)
    return short_name(t) if isinstance(t, IntegerType) else str(t)


def _code(value: SSAValue) -> int:
    return TYPE_CODES[_short(value)]


def _integer_reason(values: list[SSAValue]) -> str | None:
    for value in values:
        if _short(value) not in TYPE_CODES:
            return f"needs int8/uint8/int16/uint16/int32 tensors, got {element_type(value)}"
    return None


def _int_attrs(op: GraphOp, names: tuple[str, ...]) -> dict[str, int] | str:
    values = {}
    for name in names:
        value = op.attr_int(name, None)
        if value is None:
            return f"attribute {name} is missing"
        if not _INT32[0] <= value <= _INT32[1]:
            return f"{name} = {value} does not fit int32"
        values[name] = value
    return values


def _broadcast_reason(op: GraphOp, operands: tuple[int, ...]) -> str | None:
    out = shape_of(op.results[0])
    for i in operands:
        shape, _ = broadcast_layout(out, [shape_of(op.operands[i])])
        if len(shape) > MAX_RANK:
            return f"broadcast pattern needs {len(shape)} axes, more than {MAX_RANK}"
    return None


# -- TrueIntegerDiv ---------------------------------------------------------------------


def bind_true_integer_div(op: GraphOp) -> Binding | str:
    if reason := _integer_reason([op.operands[0]]):
        return reason
    if _short(op.results[0]) != "i32":
        return f"produces int32, not {element_type(op.results[0])}"
    attrs = _int_attrs(op, ("Delta", "eps", "eta", "y"))
    if isinstance(attrs, str):
        return attrs
    den = attrs["y"] * attrs["eta"] + attrs["eps"]
    if den == 0:
        return "y * eta + eps is 0"
    coeff = (attrs["Delta"] * attrs["eta"]) // den  # floor, as Deeploy's np.floor
    if not _INT32[0] <= coeff <= _INT32[1]:
        return f"the factor floor(Delta * eta / (y * eta + eps)) = {coeff} does not fit int32"
    return Binding("true_integer_div", {"coeff": coeff}, (0,))


def emit_true_integer_div(e: Emitter, op: KernelOp) -> None:
    x, y = op.ins[0], op.outs[0]
    e.call(
        "deeploy_true_integer_div",
        [
            e.ptr(x, const=True),
            e.i32(_code(x)),
            e.ptr(y),
            e.i32(prod(buffer_shape(y))),
            e.i32(params_of(op).int("coeff")),
        ],
    )


# -- IntegerDiv and RQIntegerDiv ----------------------------------------------------------


def _division_params(op: GraphOp) -> dict[str, int] | str:
    if reason := _integer_reason([op.operands[0], op.operands[1], op.results[0]]):
        return reason
    attrs = _int_attrs(op, ("Delta", "eps", "eta"))
    if isinstance(attrs, str):
        return attrs
    # nom = Delta * eta * A and nom +- den / 2 stay within int64 (Deeploy computes
    # Delta * eta in int32, so its networks stay far inside this)
    lo, hi = integer_range(element_type(op.operands[0]))
    if abs(attrs["Delta"] * attrs["eta"]) * max(-lo, hi) > 2**62:
        return "Delta * eta * A could overflow int64"
    if reason := _broadcast_reason(op, (0, 1)):
        return reason
    return {"delta": attrs["Delta"], "eps": attrs["eps"], "eta": attrs["eta"]}


def bind_integer_div(op: GraphOp) -> Binding | str:
    params = _division_params(op)
    if isinstance(params, str):
        return params
    if _short(op.results[0]) != "i32":
        return f"produces int32, not {element_type(op.results[0])}"
    return Binding("integer_div", params, (0, 1))


def _scalar_constant(op: GraphOp, index: int, name: str) -> int | str:
    array = constant_value(op.operand_at(index))
    if array is None:
        return f"{name} must be a constant"
    if array.size != 1:
        return f"{name} must hold one value (a per-tensor requantisation), got {array.size}"
    value = float(array.reshape(-1)[0])
    if value != int(value) or not _INT32[0] <= value <= _INT32[1]:
        return f"{name} = {value:g} is not an int32 value"
    return int(value)


def bind_rq_integer_div(op: GraphOp) -> Binding | str:
    params = _division_params(op)
    if isinstance(params, str):
        return params
    rq = {}
    for index, name in ((2, "mul"), (3, "add"), (4, "shift")):
        value = _scalar_constant(op, index, f"requant {name}")
        if isinstance(value, str):
            return value
        rq[name] = value
    if not 0 <= rq["shift"] <= 62:
        return f"requant shift = {rq['shift']} is outside [0, 62]"
    lo, hi = integer_range(element_type(op.results[0]))
    levels = op.attr_int("n_levels_out", None) or op.attr_int("n_levels", None)
    if levels is not None:
        n = levels
        lo, hi = (-(n // 2), n // 2 - 1) if op.attr_int("signed", 1) else (0, n - 1)
        out_lo, out_hi = integer_range(element_type(op.results[0]))
        if lo < out_lo or hi > out_hi:
            return f"n_levels = {n} does not fit {element_type(op.results[0])}"
    return Binding("rq_integer_div", {**params, **rq, "lo": lo, "hi": hi}, (0, 1))


def _division_args(e: Emitter, op: KernelOp) -> tuple[list[SSAValue], list[SSAValue]]:
    a, b = op.ins
    y = op.outs[0]
    shape, (a_strides, b_strides) = broadcast_layout(
        buffer_shape(y), [buffer_shape(a), buffer_shape(b)]
    )
    operands = [e.ptr(a, const=True), e.i32(_code(a)), e.ptr(b, const=True), e.i32(_code(b))]
    layout = [e.i32(len(shape)), e.i32_array(shape), e.i32_array(a_strides)]
    layout.append(e.i32_array(b_strides))
    p = params_of(op)
    layout += [e.i32(p.int(k)) for k in ("delta", "eps", "eta")]
    return operands, layout


def emit_integer_div(e: Emitter, op: KernelOp) -> None:
    operands, layout = _division_args(e, op)
    e.call("deeploy_integer_div", [*operands, e.ptr(op.outs[0]), *layout])


def emit_rq_integer_div(e: Emitter, op: KernelOp) -> None:
    operands, layout = _division_args(e, op)
    y = op.outs[0]
    p = params_of(op)
    e.call(
        "deeploy_rq_integer_div",
        [
            *operands,
            e.ptr(y),
            e.i32(_code(y)),
            *layout,
            *(e.i32(p.int(k)) for k in ("mul", "add", "shift", "lo", "hi")),
        ],
    )


# -- IntegerMean ------------------------------------------------------------------------


def bind_integer_mean(op: GraphOp) -> Binding | str:
    if reason := _integer_reason([op.operands[0], op.results[0]]):
        return reason
    if element_type(op.results[0]) != element_type(op.operands[0]):
        return "produces its input's type"
    rank = len(shape_of(op.operands[0]))
    raw = op.attr_ints("axes", None)
    axes = tuple(sorted({a % rank for a in raw})) if raw and rank else ()
    if rank > MAX_RANK:
        return f"rank {rank} is more than {MAX_RANK}"
    keepdims = op.attr_int("keepdims", 1)
    return Binding("integer_mean", {"axes": axes, "keepdims": keepdims}, (0,))


def _groups(sizes: tuple[int, ...], flags: tuple[bool, ...], want: bool) -> list[tuple[int, int]]:
    strides = contiguous_strides(sizes)
    chosen = [(s, st) for s, st, f in zip(sizes, strides, flags) if f == want]
    return chosen or [(1, 0)]


def emit_integer_mean(e: Emitter, op: KernelOp) -> None:
    p = params_of(op)
    x, y = op.ins[0], op.outs[0]
    shape = buffer_shape(x)
    axes = set(p.ints("axes"))
    count = prod(shape[a] for a in axes)
    # Deeploy's template: a shift when keepdims is 0 and count a power of two
    power_of_two = count > 0 and count & (count - 1) == 0
    shift = count.bit_length() - 1 if power_of_two and not p.int("keepdims") else -1
    sizes, reduced = reduce_layout(shape, axes)
    kept = _groups(sizes, reduced, False)
    red = _groups(sizes, reduced, True)
    e.call(
        "deeploy_integer_mean",
        [
            e.ptr(x, const=True),
            e.i32(_code(x)),
            e.ptr(y),
            e.i32(len(kept)),
            e.i32_array([s for s, _ in kept]),
            e.i32_array([st for _, st in kept]),
            e.i32(len(red)),
            e.i32_array([s for s, _ in red]),
            e.i32_array([st for _, st in red]),
            e.i32(count),
            e.i32(shift),
        ],
    )


KERNELS = [
    Kernel(
        "true_integer_div",
        ("TrueIntegerDiv",),
        SOURCE,
        bind_true_integer_div,
        emit_true_integer_div,
        tiling=ELEMENTWISE,
    ),
    Kernel(
        "integer_div",
        ("IntegerDiv",),
        SOURCE,
        bind_integer_div,
        emit_integer_div,
        tiling=ELEMENTWISE,
    ),
    Kernel(
        "rq_integer_div",
        ("RQIntegerDiv",),
        SOURCE,
        bind_rq_integer_div,
        emit_rq_integer_div,
        tiling=ELEMENTWISE,
    ),
    Kernel(
        "integer_mean",
        ("IntegerMean",),
        SOURCE,
        bind_integer_mean,
        emit_integer_mean,
        tiling=REDUCTION,
    ),
]
