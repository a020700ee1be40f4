"""Deeploy's integer normalisations: iLayerNorm, iRMSNorm and iNoNorm
(runtime/kernels/norm_int.c).

The data input is int8/uint8/int16/uint16, read as its true values (Deeploy's
`input_offset` for inputs it stores signed is already undone in our buffers). The result
holds signed n_levels values (int8 for 256) and every output is clamped to
[-n_levels/2, n_levels/2 - 1], as the quantisation flow's reference does. log2D is
floor(log2(D)). "/" truncates toward zero, ">>" floors:

- iLayerNorm(x, weight, bias; D, n_levels), over the last axis of length N:
  mean = sum(x) / N, std = isqrt(sum((x - mean)^2) / N + 1),
  y = (((x - mean) * weight) / std + bias) >> log2D;
- iRMSNorm(x, weight; D, n_levels): std = isqrt(sum(x^2) / N + 1), y = ((x * weight) / std)
  >> log2D;
- iNoNorm(x, weights, bias; D, mul, n_levels), elementwise with weights and bias
  broadcast to x: y = ((x * weights + bias) * mul) >> log2D.

isqrt is floor(sqrt). weight/bias of the two row norms are int32 vectors of N elements;
iNoNorm's weights are int8/int16/int32, its bias int32. Everything is computed exactly in
64 bits (iNoNorm checks its worst case fits).
"""

from __future__ import annotations

from deeploy.dialects.buffer import KernelOp
from deeploy.dialects.graph import GraphOp, element_type, shape_of
from deeploy.dtypes import short_name
from deeploy.integer_types import integer_range
from deeploy.kernels.base import Binding, Emitter, Kernel, params_of
from deeploy.kernels.layout import broadcast_layout, numel
from deeploy.kernels.shapes import buffer_shape
from deeploy.tiling.rules import ELEMENTWISE, NORMALISED_TAIL

SOURCE = "kernels/norm_int.c"
# the types of DEEPLOY_INT_NORM_PAIRS / DEEPLOY_INONORM_TRIPLES in runtime/kernels/norm_int.c
INPUT_TYPES = ("i8", "u8", "i16", "u16")
OUTPUT_TYPES = ("i8", "i16", "i32")
WEIGHT_TYPES = ("i8", "i16", "i32")
MAX_RANK = 8
_ROW_SUFFIXES = tuple(f"{x}_{y}" for x in INPUT_TYPES for y in OUTPUT_TYPES)
_INONORM_SUFFIXES = tuple(
    f"{x}_{w}_{y}" for x in INPUT_TYPES for w in WEIGHT_TYPES for y in OUTPUT_TYPES
)


def _short(op: GraphOp, index: int) -> str:
    return short_name(element_type(op.operands[index]))


def _common(op: GraphOp, int32_operands: tuple[int, ...]) -> dict[str, int] | str:
    """log2d and the clamp bounds, or why the op cannot run: checks the data input, the
    result and the int32 parameter operands."""
    if _short(op, 0) not in INPUT_TYPES:
        return f"needs an int8/uint8/int16/uint16 input, got {element_type(op.operands[0])}"
    result = element_type(op.results[0])
    if short_name(result) not in OUTPUT_TYPES:
        return f"needs an int8/int16/int32 result, got {result}"
    for i in int32_operands:
        if _short(op, i) != "i32":
            return f"needs an int32 input {i}, got {element_type(op.operands[i])}"
    d = op.attr_int("D")
    levels = op.attr_int("n_levels")
    if d < 1:
        return f"D={d} is not a positive integer"
    if levels < 2:
        return f"n_levels={levels} is not an integer of at least 2"
    log2d = d.bit_length() - 1
    if log2d > 62:
        return f"D={d} is too large (log2(D) > 62)"
    lo, hi = integer_range(result)
    return {"log2d": log2d, "lo": max(lo, -levels // 2), "hi": min(hi, levels // 2 - 1)}


def _row_params(op: GraphOp, vectors: tuple[int, ...]) -> dict[str, int] | str:
    params = _common(op, vectors)
    if isinstance(params, str):
        return params
    x = shape_of(op.operands[0])
    if not x or numel(x) == 0:
        return "needs a non-empty input with at least one axis"
    for i in vectors:
        if numel(shape_of(op.operands[i])) != x[-1]:
            name = ("weight", "bias")[i - 1]
            return (
                f"{name} must have {x[-1]} elements (the last axis), got {shape_of(op.operands[i])}"
            )
    return {**params, "axis": len(x) - 1}


def bind_ilayernorm(op: GraphOp) -> Binding | str:
    params = _row_params(op, (1, 2))
    if isinstance(params, str):
        return params
    return Binding("ilayernorm", dict(params), (0, 1, 2))


def bind_irmsnorm(op: GraphOp) -> Binding | str:
    params = _row_params(op, (1,))
    if isinstance(params, str):
        return params
    return Binding("irmsnorm", dict(params), (0, 1))


def _rows(e: Emitter, op: KernelOp) -> list:
    p = params_of(op)
    shape = buffer_shape(op.ins[0])
    return [
        e.i32(numel(shape[:-1])),
        e.i32(shape[-1]),
        e.i32(p.int("log2d")),
        e.i32(p.int("lo")),
        e.i32(p.int("hi")),
    ]


def _suffix(*values) -> str:
    return "_".join(short_name(v.type.get_element_type()) for v in values)


def emit_ilayernorm(e: Emitter, op: KernelOp) -> None:
    x, weight, bias = op.ins
    y = op.outs[0]
    e.call(
        f"deeploy_ilayernorm_{_suffix(x, y)}",
        [
            e.ptr(x, const=True),
            e.ptr(weight, const=True),
            e.ptr(bias, const=True),
            e.ptr(y),
            *_rows(e, op),
        ],
    )


def emit_irmsnorm(e: Emitter, op: KernelOp) -> None:
    x, weight = op.ins
    y = op.outs[0]
    e.call(
        f"deeploy_irmsnorm_{_suffix(x, y)}",
        [e.ptr(x, const=True), e.ptr(weight, const=True), e.ptr(y), *_rows(e, op)],
    )


# -- iNoNorm: elementwise, weights and bias broadcast ---------------------------------


def bind_inonorm(op: GraphOp) -> Binding | str:
    params = _common(op, (2,))
    if isinstance(params, str):
        return params
    if _short(op, 1) not in WEIGHT_TYPES:
        return f"needs int8/int16/int32 weights, got {element_type(op.operands[1])}"
    mul = op.attr_int("mul")
    if not -(2**31) <= mul < 2**31:
        return f"mul={mul} is not an int32 integer"
    x = shape_of(op.operands[0])
    if shape_of(op.results[0]) != x:
        return "weights and bias must broadcast to the shape of the input"
    shape, _ = broadcast_layout(x, [shape_of(op.operands[1]), shape_of(op.operands[2])])
    if len(shape) > MAX_RANK:
        return f"broadcast pattern needs {len(shape)} axes, more than {MAX_RANK}"
    # the kernel computes (x * w + bias) * mul in 64 bits: the worst case must fit
    magnitude = [max(-lo, hi) for lo, hi in (integer_range(element_type(v)) for v in op.operands)]
    if (magnitude[0] * magnitude[1] + magnitude[2]) * abs(mul) >= 2**63:
        return f"(x * weights + bias) * mul may overflow 64 bits for mul={mul} and these types"
    return Binding("inonorm", {**params, "mul": mul}, (0, 1, 2))


def emit_inonorm(e: Emitter, op: KernelOp) -> None:
    p = params_of(op)
    x, w, bias = op.ins
    y = op.outs[0]
    shape, (w_strides, bias_strides) = broadcast_layout(
        buffer_shape(y), [buffer_shape(w), buffer_shape(bias)]
    )
    e.call(
        f"deeploy_inonorm_{_suffix(x, w, y)}",
        [
            e.ptr(x, const=True),
            e.ptr(w, const=True),
            e.ptr(bias, const=True),
            e.ptr(y),
            e.i32(len(shape)),
            e.i32_array(shape),
            e.i32_array(w_strides),
            e.i32_array(bias_strides),
            e.i32(p.int("mul")),
            e.i32(p.int("log2d")),
            e.i32(p.int("lo")),
            e.i32(p.int("hi")),
        ],
    )


KERNELS = [
    Kernel(
        "ilayernorm",
        ("iLayerNorm",),
        SOURCE,
        bind_ilayernorm,
        emit_ilayernorm,
        tiling=NORMALISED_TAIL,
        symbols=tuple(f"deeploy_ilayernorm_{s}" for s in _ROW_SUFFIXES),
    ),
    Kernel(
        "irmsnorm",
        ("iRMSNorm",),
        SOURCE,
        bind_irmsnorm,
        emit_irmsnorm,
        tiling=NORMALISED_TAIL,
        symbols=tuple(f"deeploy_irmsnorm_{s}" for s in _ROW_SUFFIXES),
    ),
    Kernel(
        "inonorm",
        ("iNoNorm",),
        SOURCE,
        bind_inonorm,
        emit_inonorm,
        tiling=ELEMENTWISE,
        symbols=tuple(f"deeploy_inonorm_{s}" for s in _INONORM_SUFFIXES),
    ),
]
