"""ONNX linear quantisation (runtime/kernels/qlinear.c).

- QuantizeLinear / DequantizeLinear (per tensor or per axis), the float edges of a
  quantised network;
- QLinearConv, QLinearMatMul and onnxruntime's QGemm, QLinearAdd, QLinearMul,
  QLinearAveragePool, QLinearGlobalAveragePool: integer kernels that requantise their
  int32 accumulators with a fixed-point multiplier computed here, at compile time, from
  the (constant) float scales;
- ConvInteger / MatMulInteger: the same products with the int32 accumulator as result;
- QLinearLookup (lower-qdq's form of a QDQ activation): a 256-entry table lookup;
- onnxruntime's QLinearSoftmax: float exponentials from a 256-entry table, as onnxruntime
  computes them (the operator has no other definition than its implementation).

(MaxPool on int8/uint8, what a QDQ MaxPool becomes, is pool_int.py's.)

Requantisation: a float ratio r (e.g. x_scale * w_scale / y_scale) becomes
mul * 2^-shift with mul in [2^30, 2^31) and 1 <= shift <= 62 (`fixed_point`), and the
kernel computes y = clamp(y_zp + round(acc * mul * 2^-shift)), rounding half to even.
Per-channel parameters (weight zero points and multipliers per output channel) are
kernel parameters; when a layer is tiled, each tile gets the slice of its channels.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from xdsl.dialects.builtin import IntegerType
from xdsl.ir import SSAValue

from deeploy.dialects.buffer import KernelOp
from deeploy.dialects.graph import GraphOp, constant_value, element_type, shape_of
from deeploy.dialects.graph_geometry import window_geometry
from deeploy.dialects.graph_op import is_op
from deeploy.dtypes import short_name, value_element_type
from deeploy.kernels.base import Binding, Emitter, Kernel, params_of
from deeploy.kernels.conv import conv_geometry_args, window_2d
from deeploy.kernels.conv import conv_params as conv_window_params
from deeploy.kernels.gemm import matmul_calls
from deeploy.kernels.layout import broadcast_layout, broadcast_strides, numel
from deeploy.kernels.params import ParamValue
from deeploy.kernels.pool import window_args
from deeploy.kernels.shapes import buffer_shape
from deeploy.tiling.problem import Axis, Operand, TileProblem
from deeploy.tiling.rules import (
    ALONG_AXIS,
    ELEMENTWISE,
    GLOBAL_POOL,
    NORMALISED_TAIL,
    POOL,
    Layer,
    TileRule,
    conv_params,
    conv_problem,
    elementwise_problem,
    gemm_problem,
    matmul_problem,
)
from deeploy.tiling.schedule import Tile

SOURCE = "kernels/qlinear.c"
I32 = IntegerType(32)
# DEEPLOY_QTYPE_* of runtime/include/deeploy/qlinear.h
TYPE_CODES = {"i8": 0, "u8": 1, "i16": 2, "u16": 3, "i32": 4}
PRODUCT_TYPES = ("i8", "u8")  # inputs and weights of the integer products
QUANTIZED_TYPES = ("i8", "u8", "i16", "u16")  # what QuantizeLinear produces
DEQUANTIZED_TYPES = (*QUANTIZED_TYPES, "i32")  # what DequantizeLinear reads
MAX_RANK = 8
# the C functions of each kind, one per type (pair)
QUANTIZE_SYMBOLS = tuple(f"deeploy_quantize_f32_{y}" for y in QUANTIZED_TYPES)
DEQUANTIZE_SYMBOLS = tuple(f"deeploy_dequantize_{x}_f32" for x in DEQUANTIZED_TYPES)
_PAIRS = tuple(f"{a}_{b}" for a in PRODUCT_TYPES for b in PRODUCT_TYPES)


def _symbols(stem: str, suffixes: tuple[str, ...] = PRODUCT_TYPES) -> tuple[str, ...]:
    return tuple(f"deeploy_{stem}_{s}" for s in suffixes)


# -- fixed-point requantisation ------------------------------------------------------------


def fixed_point(ratio: float) -> tuple[int, int] | None:
    """(mul, shift) with mul * 2^-shift == ratio to 31 significant bits, mul < 2^31 and
    1 <= shift <= 62; None if ratio is negative, not finite or 2^30 or more."""
    if not math.isfinite(ratio) or ratio < 0:
        return None
    if ratio == 0:
        return 0, 1
    mantissa, exponent = math.frexp(ratio)  # ratio = mantissa * 2^exponent, 0.5 <= m < 1
    mul = round(mantissa * 2**31)
    if mul == 2**31:
        mul //= 2
        exponent += 1
    shift = 31 - exponent
    if shift < 1:
        return None
    if shift > 62:  # tiny ratios: fewer significant bits (the result is y_zp or near it)
        mul = round(ratio * 2.0**62)
        shift = 62
    return mul, shift


def _range(short: str) -> tuple[int, int]:
    info = np.iinfo(("uint" if short[0] == "u" else "int") + short[1:])
    return int(info.min), int(info.max)


def _short(value: SSAValue) -> str:
    return short_name(element_type(value))


def _bshort(buf: SSAValue) -> str:
    return short_name(value_element_type(buf))


def _code(buf: SSAValue) -> int:
    return TYPE_CODES[_bshort(buf)]


def _collapse(values: np.ndarray) -> tuple[int, ...]:
    """One value when all agree (per-tensor), else one per channel."""
    flat = values.reshape(-1)
    if flat.size and np.all(flat == flat[0]):
        flat = flat[:1]
    return tuple(v.item() for v in flat)


def requant_params(ratio: np.ndarray, y_zp: int, y_short: str) -> dict[str, ParamValue] | str:
    """Kernel parameters that requantise with `ratio` (one value, or one per channel)."""
    muls, shifts = [], []
    for r in np.asarray(ratio, dtype=np.float64).reshape(-1):
        fp = fixed_point(float(r))
        if fp is None:
            return f"the requantisation scale ratio {float(r)!r} is not representable"
        muls.append(fp[0])
        shifts.append(fp[1])
    pairs = list(zip(muls, shifts))
    if pairs and all(p == pairs[0] for p in pairs):
        muls, shifts = muls[:1], shifts[:1]
    lo, hi = _range(y_short)
    return {"q_mul": tuple(muls), "q_shift": tuple(shifts), "y_zp": y_zp, "lo": lo, "hi": hi}


def _rq_args(e: Emitter, op: KernelOp) -> list[SSAValue]:
    p = params_of(op)
    if "q_mul" not in p:
        return [e.null(I32), e.null(I32), e.i32(0), e.i32(0), e.i32(0), e.i32(0)]
    mul = p.ints("q_mul")
    return [
        e.i32_array(mul),
        e.i32_array(p.ints("q_shift")),
        e.i32(len(mul)),
        e.i32(p.int("y_zp")),
        e.i32(p.int("lo")),
        e.i32(p.int("hi")),
    ]


# -- reading quantisation parameters -----------------------------------------------------


def _const(op: GraphOp, index: int) -> np.ndarray | None:
    return constant_value(op.operand_at(index))


def _scalar(array: np.ndarray | None) -> float | None:
    if array is None or array.size != 1:
        return None
    return array.reshape(-1)[0].item()


def _zero_point(op: GraphOp, index: int) -> int | None:
    """An optional zero point input: 0 when absent, None when not a constant scalar."""
    if op.operand_at(index) is None:
        return 0
    value = _scalar(_const(op, index))
    return None if value is None else int(value)


def _per_channel(array: np.ndarray | None, channels: int) -> np.ndarray | None:
    """A scalar or a 1-D array of `channels` values, as `channels` values; else None."""
    if array is None:
        return None
    flat = array.reshape(-1)
    if flat.size == 1:
        return np.repeat(flat, channels)
    if array.ndim == 1 and flat.size == channels:
        return flat
    return None


def _types(op: GraphOp, indices: tuple[int, ...], allowed: tuple[str, ...]) -> str | None:
    for i in indices:
        t = _short(op.operands[i])
        if t not in allowed:
            return f"needs {'/'.join(allowed)} operand {i}, got {element_type(op.operands[i])}"
    return None


def _output(op: GraphOp, allowed: tuple[str, ...]) -> str | None:
    t = _short(op.results[0])
    return None if t in allowed else f"needs a {'/'.join(allowed)} result, got {t}"


# -- tiling: the reduction stays whole (the output holds requantised values) ----------------


def _whole_reductions(problems: list[TileProblem]) -> list[TileProblem]:
    return [
        TileProblem(
            tuple(replace(d, kind="whole") if d.kind == "reduction" else d for d in p.dims),
            p.operands,
        )
        for p in problems
    ]


def _slice(layer: Layer, channels: list[int]) -> dict[str, ParamValue]:
    """The per-channel parameters of a tile holding output `channels`."""
    out: dict[str, ParamValue] = {}
    for key in ("w_zp", "q_mul", "q_shift"):
        if key in layer.params:
            values = layer.params.ints(key)
            if len(values) > 1:
                out[key] = tuple(values[c] for c in channels)
    return out


def _dim(problem: TileProblem, tile: Tile, name: str) -> tuple[int, int]:
    return tile.ranges[next(i for i, d in enumerate(problem.dims) if d.name == name)]


def qconv_problem(layer: Layer) -> list[TileProblem]:
    return conv_problem(layer, split_channels=False)


def qconv_params(layer: Layer, problem: TileProblem, tile: Tile) -> dict[str, ParamValue]:
    params = conv_params(layer, problem, tile)
    fg = layer.outs[0][1] // layer.params.int("group")
    g0, g1 = _dim(problem, tile, "g")
    f0, f1 = _dim(problem, tile, "f")
    params.update(_slice(layer, [g * fg + f for g in range(g0, g1) for f in range(f0, f1)]))
    return params


def _columns_params(layer: Layer, problem: TileProblem, tile: Tile) -> dict[str, ParamValue]:
    if not any(d.name == "n" for d in problem.dims):
        return {}  # one tile (vector operands)
    n0, n1 = _dim(problem, tile, "n")
    return _slice(layer, list(range(n0, n1)))


QCONV = TileRule(qconv_problem, qconv_params)
QGEMM = TileRule(lambda layer: _whole_reductions(gemm_problem(layer)), _columns_params)
QMATMUL = TileRule(lambda layer: _whole_reductions(matmul_problem(layer)), _columns_params)


# -- QuantizeLinear / DequantizeLinear ----------------------------------------------------


def _qdq_params(op: GraphOp, what: str) -> dict[str, ParamValue] | str:
    if op.attr_int("block_size", 0):
        return "blocked quantisation (block_size) is not supported"
    scale, zp = _const(op, 1), _const(op, 2) if op.operand_at(2) is not None else None
    if scale is None or (op.operand_at(2) is not None and zp is None):
        return f"the {what} scale and zero point must be constants"
    shape = shape_of(op.operands[0])
    if zp is None:
        zp = np.zeros(scale.shape, np.int64)
    if scale.size == 1 and zp.size == 1:
        return {"scale": (float(scale.reshape(-1)[0]),), "zp": (int(zp.reshape(-1)[0]),)}
    if scale.ndim != 1 or scale.shape != zp.shape:
        return "the scale and zero point must be scalars or 1-D (per axis)"
    axis = op.attr_int("axis", 1) % max(1, len(shape))
    if shape[axis] != scale.size:
        return f"{scale.size} scales for axis {axis} of size {shape[axis]}"
    return {
        "scale": tuple(float(s) for s in scale),
        "zp": tuple(int(z) for z in zp),
        "axis": axis,
    }


def bind_quantize(op: GraphOp) -> Binding | str:
    if (
        element_type(op.operands[0]) != element_type(op.operands[1])
        or _short(op.operands[0]) != "f32"
    ):
        return "needs a float32 input and scale"
    if reason := _output(op, QUANTIZED_TYPES):
        return reason
    params = _qdq_params(op, "output")
    if isinstance(params, str):
        return params
    return Binding("quantize_linear_axis" if "axis" in params else "quantize_linear", params, (0,))


def bind_dequantize(op: GraphOp) -> Binding | str:
    if reason := _types(op, (0,), DEQUANTIZED_TYPES):
        return reason
    if _short(op.results[0]) != "f32":
        return f"needs a float32 result, got {element_type(op.results[0])}"
    params = _qdq_params(op, "input")
    if isinstance(params, str):
        return params
    name = "dequantize_linear_axis" if "axis" in params else "dequantize_linear"
    return Binding(name, params, (0,))


def _emit_qdq(symbol: str):
    def emit(e: Emitter, op: KernelOp) -> None:
        p = params_of(op)
        x, y = op.ins[0], op.outs[0]
        shape = buffer_shape(x)
        if "axis" in p:
            axis = p.int("axis")
            outer, channels, inner = numel(shape[:axis]), shape[axis], numel(shape[axis + 1 :])
        else:
            outer, channels, inner = 1, 1, numel(shape)
        e.call(
            symbol.format(x=_bshort(x), y=_bshort(y)),
            [
                e.ptr(x, const=True),
                e.ptr(y),
                e.i32(outer),
                e.i32(channels),
                e.i32(inner),
                e.f32_array(p.floats("scale")),
                e.i32_array(p.ints("zp")),
            ],
        )

    return emit


# -- convolution -------------------------------------------------------------------------


def bind_qlinear_conv(op: GraphOp) -> Binding | str:
    if reason := _types(op, (0, 3), PRODUCT_TYPES) or _output(op, PRODUCT_TYPES):
        return reason
    bias = op.operand_at(8)
    if bias is not None and element_type(bias) != I32:
        return f"needs an int32 bias, got {element_type(bias)}"
    f = shape_of(op.operands[3])[0]
    x_scale, y_scale = _scalar(_const(op, 1)), _scalar(_const(op, 6))
    x_zp, y_zp = _zero_point(op, 2), _zero_point(op, 7)
    w_scale, w_zp = _per_channel(_const(op, 4), f), _per_channel(_const(op, 5), f)
    if (
        x_scale is None
        or y_scale is None
        or x_zp is None
        or y_zp is None
        or w_scale is None
        or w_zp is None
    ):
        return "scales and zero points must be constants (x, y per tensor; w per tensor or per output channel)"
    params = conv_window_params(op, weights=3)
    if isinstance(params, str):
        return params
    ratio = x_scale * w_scale.astype(np.float64) / y_scale
    rq = requant_params(ratio, y_zp, _short(op.results[0]))
    if isinstance(rq, str):
        return rq
    params.update(x_zp=x_zp, w_zp=_collapse(w_zp.astype(np.int64)), **rq)
    return Binding("qlinear_conv", params, (0, 3) if bias is None else (0, 3, 8))


def bind_conv_integer(op: GraphOp) -> Binding | str:
    if reason := _types(op, (0, 1), PRODUCT_TYPES) or _output(op, ("i32",)):
        return reason
    f = shape_of(op.operands[1])[0]
    x_zp = _zero_point(op, 2)
    w_zp = np.zeros(f, np.int64) if op.operand_at(3) is None else _per_channel(_const(op, 3), f)
    if x_zp is None or w_zp is None:
        return "zero points must be constants (x per tensor, w per tensor or per output channel)"
    params = conv_window_params(op)
    if isinstance(params, str):
        return params
    params.update(x_zp=x_zp, w_zp=_collapse(w_zp.astype(np.int64)))
    return Binding("conv_integer", params, (0, 1))


def emit_qconv(e: Emitter, op: KernelOp) -> None:
    p = params_of(op)
    x, w = op.ins[0], op.ins[1]
    bias = op.ins[2] if len(op.ins) > 2 else None
    y = op.outs[0]
    w_zp = p.ints("w_zp")
    e.call(
        f"deeploy_qconv2d_{_bshort(x)}_{_bshort(w)}",
        [
            e.ptr(x, const=True),
            e.ptr(w, const=True),
            e.ptr(bias, const=True) if bias is not None else e.null(I32),
            e.ptr(y),
            e.i32(_code(y)),
            *map(e.i32, (*conv_geometry_args(p, x, y), p.int("x_zp"))),
            e.i32_array(w_zp),
            e.i32(len(w_zp)),
            *_rq_args(e, op),
        ],
    )


# -- matrix products -----------------------------------------------------------------------


def _matmul_columns(op: GraphOp, b_index: int) -> int:
    b = shape_of(op.operands[b_index])
    return 1 if len(b) == 1 else b[-1]


def bind_qlinear_matmul(op: GraphOp) -> Binding | str:
    if reason := _types(op, (0, 3), PRODUCT_TYPES) or _output(op, PRODUCT_TYPES):
        return reason
    n = _matmul_columns(op, 3)
    a_scale, y_scale = _scalar(_const(op, 1)), _scalar(_const(op, 6))
    a_zp, y_zp = _zero_point(op, 2), _zero_point(op, 7)
    b_scale, b_zp = _per_channel(_const(op, 4), n), _per_channel(_const(op, 5), n)
    if (
        a_scale is None
        or y_scale is None
        or a_zp is None
        or y_zp is None
        or b_scale is None
        or b_zp is None
    ):
        return (
            "scales and zero points must be constants (a, y per tensor; b per tensor or per column)"
        )
    ratio = a_scale * b_scale.astype(np.float64) / y_scale
    rq = requant_params(ratio, y_zp, _short(op.results[0]))
    if isinstance(rq, str):
        return rq
    params = {"a_zp": a_zp, "w_zp": _collapse(b_zp.astype(np.int64)), **rq}
    return Binding("qlinear_matmul", params, (0, 3))


def bind_matmul_integer(op: GraphOp) -> Binding | str:
    if reason := _types(op, (0, 1), PRODUCT_TYPES) or _output(op, ("i32",)):
        return reason
    n = _matmul_columns(op, 1)
    a_zp = _const(op, 2) if op.operand_at(2) is not None else np.zeros(1, np.int64)
    b_zp = np.zeros(n, np.int64) if op.operand_at(3) is None else _per_channel(_const(op, 3), n)
    if a_zp is None or b_zp is None or len(set(a_zp.reshape(-1).tolist())) != 1:
        return "zero points must be constants (a per tensor, b per tensor or per column)"
    params: dict[str, ParamValue] = {
        "a_zp": int(a_zp.reshape(-1)[0]),
        "w_zp": _collapse(b_zp.astype(np.int64)),
    }
    return Binding("matmul_integer", params, (0, 1))


def emit_qmatmul(e: Emitter, op: KernelOp) -> None:
    p = params_of(op)
    a, b = op.ins
    y = op.outs[0]
    w_zp = p.ints("w_zp")
    for call in matmul_calls(buffer_shape(a), buffer_shape(b)):
        e.call(
            f"deeploy_qmatmul_{_bshort(a)}_{_bshort(b)}",
            [
                e.ptr_at(a, call.a, const=True),
                e.ptr_at(b, call.b, const=True),
                e.ptr_at(y, call.y),
                e.i32(_code(y)),
                *map(e.i32, call.sizes),
                e.i32(p.int("a_zp")),
                e.i32_array(w_zp),
                e.i32(len(w_zp)),
                *_rq_args(e, op),
            ],
        )


def bind_qgemm(op: GraphOp) -> Binding | str:
    if reason := _types(op, (0, 3), PRODUCT_TYPES) or _output(op, PRODUCT_TYPES):
        return reason
    if op.operand_at(7) is None:
        return "a float result (no y_scale) is not supported"
    c = op.operand_at(6)
    if c is not None and element_type(c) != I32:
        return f"needs an int32 C, got {element_type(c)}"
    trans_b = op.attr_int("transB", 0)
    n = shape_of(op.operands[3])[0 if trans_b else 1]
    a_scale, y_scale = _scalar(_const(op, 1)), _scalar(_const(op, 7))
    a_zp, y_zp = _zero_point(op, 2), _zero_point(op, 8)
    b_scale, b_zp = _per_channel(_const(op, 4), n), _per_channel(_const(op, 5), n)
    if (
        a_scale is None
        or y_scale is None
        or a_zp is None
        or y_zp is None
        or b_scale is None
        or b_zp is None
    ):
        return (
            "scales and zero points must be constants (a, y per tensor; b per tensor or per column)"
        )
    alpha = op.attr_float("alpha", 1.0)
    ratio = alpha * a_scale * b_scale.astype(np.float64) / y_scale
    rq = requant_params(ratio, y_zp, _short(op.results[0]))
    if isinstance(rq, str):
        return rq
    params: dict[str, ParamValue] = {
        "transA": op.attr_int("transA", 0),
        "transB": trans_b,
        "alpha": 1.0,  # folded into the requantisation
        "a_zp": a_zp,
        "w_zp": _collapse(b_zp.astype(np.int64)),
        **rq,
    }
    return Binding("qgemm", params, (0, 3) if c is None else (0, 3, 6))


def emit_qgemm(e: Emitter, op: KernelOp) -> None:
    p = params_of(op)
    a, b = op.ins[0], op.ins[1]
    c = op.ins[2] if len(op.ins) > 2 else None
    y = op.outs[0]
    m, n = buffer_shape(y)
    a_shape = buffer_shape(a)
    k = a_shape[0] if p.int("transA") else a_shape[1]
    c_rs, c_cs = broadcast_strides(buffer_shape(c), (m, n)) if c is not None else (0, 0)
    w_zp = p.ints("w_zp")
    e.call(
        f"deeploy_qgemm_{_bshort(a)}_{_bshort(b)}",
        [
            e.ptr(a, const=True),
            e.ptr(b, const=True),
            e.ptr(c, const=True) if c is not None else e.null(I32),
            e.ptr(y),
            e.i32(_code(y)),
            *map(e.i32, (m, n, k, p.int("transA"), p.int("transB"), c_rs, c_cs, p.int("a_zp"))),
            e.i32_array(w_zp),
            e.i32(len(w_zp)),
            *_rq_args(e, op),
        ],
    )


# -- QLinearAdd / QLinearMul -----------------------------------------------------------------


def bind_qlinear_binary(op: GraphOp) -> Binding | str:
    t = _short(op.operands[0])
    if t not in PRODUCT_TYPES or _short(op.operands[3]) != t or _short(op.results[0]) != t:
        return "needs int8 or uint8 A, B and C of one type"
    scales = [s for i in (1, 4, 6) if (s := _scalar(_const(op, i))) is not None]
    zps = [z for i in (2, 5, 7) if (z := _zero_point(op, i)) is not None]
    if len(scales) != 3 or len(zps) != 3:
        return "scales and zero points must be constant scalars"
    sa, sb, sc = (float(s) for s in scales)
    out = shape_of(op.results[0])
    shape, _ = broadcast_layout(out, [shape_of(op.operands[0]), shape_of(op.operands[3])])
    if len(shape) > MAX_RANK:
        return f"broadcast pattern needs {len(shape)} axes, more than {MAX_RANK}"
    lo, hi = _range(t)
    params: dict[str, ParamValue] = {
        "a_zp": zps[0],
        "b_zp": zps[1],
        "y_zp": zps[2],
        "lo": lo,
        "hi": hi,
    }
    if is_op(op, "QLinearMul"):
        fp = fixed_point(sa * sb / sc)
        if fp is None:
            return "the requantisation scale ratio is not representable"
        params.update(a_mul=fp[0], b_mul=0, shift=fp[1])
        return Binding("qlinear_mul", params, (0, 3))
    ra, rb = sa / sc, sb / sc
    if not (math.isfinite(ra) and math.isfinite(rb)) or min(ra, rb) < 0:
        return "the requantisation scale ratios are not representable"
    shift = min(62, 31 - math.frexp(max(ra, rb))[1])  # both multipliers below 2^31
    if shift < 1:
        return "the requantisation scale ratios are not representable"
    params.update(a_mul=round(ra * 2.0**shift), b_mul=round(rb * 2.0**shift), shift=shift)
    return Binding("qlinear_add", params, (0, 3))


def _emit_qbinary(stem: str):
    def emit(e: Emitter, op: KernelOp) -> None:
        p = params_of(op)
        a, b = op.ins
        y = op.outs[0]
        shape, (a_s, b_s) = broadcast_layout(buffer_shape(y), [buffer_shape(a), buffer_shape(b)])
        e.call(
            f"deeploy_{stem}_{_bshort(y)}",
            [
                e.ptr(a, const=True),
                e.ptr(b, const=True),
                e.ptr(y),
                e.i32(len(shape)),
                e.i32_array(shape),
                e.i32_array(a_s),
                e.i32_array(b_s),
                *map(
                    e.i32,
                    (
                        p.int("a_zp"),
                        p.int("b_zp"),
                        p.int("a_mul"),
                        p.int("b_mul"),
                        p.int("shift"),
                        p.int("y_zp"),
                        p.int("lo"),
                        p.int("hi"),
                    ),
                ),
            ],
        )

    return emit


# -- pooling ---------------------------------------------------------------------------------


def _window_params(op: GraphOp) -> dict[str, ParamValue] | str:
    x = shape_of(op.operands[0])
    if len(x) not in (3, 4):
        return f"only 1-D and 2-D pooling is supported (input rank {len(x)})"
    if op.attr_int("channels_last", 0):
        return "channels_last is not supported"
    return window_2d(window_geometry(op), len(x))


def _pool_scales(op: GraphOp) -> tuple[float, int, float, int] | str:
    t = _short(op.operands[0])
    if t not in PRODUCT_TYPES or _short(op.results[0]) != t:
        return "needs int8 or uint8 X and Y of one type"
    sx, sy = _scalar(_const(op, 1)), _scalar(_const(op, 3))
    zx, zy = _zero_point(op, 2), _zero_point(op, 4)
    if sx is None or sy is None or zx is None or zy is None:
        return "scales and zero points must be constant scalars"
    return float(sx), int(zx), float(sy), int(zy)


def bind_qlinear_avgpool(op: GraphOp) -> Binding | str:
    scales = _pool_scales(op)
    if isinstance(scales, str):
        return scales
    sx, zx, sy, zy = scales
    params = _window_params(op)
    if isinstance(params, str):
        return params
    window = numel(window_geometry(op).kernel)
    muls, shifts = [0], [1]  # indexed by the window's element count
    for count in range(1, window + 1):
        fp = fixed_point(sx / (sy * count))
        if fp is None:
            return "the requantisation scale ratio is not representable"
        muls.append(fp[0])
        shifts.append(fp[1])
    lo, hi = _range(_short(op.results[0]))
    params.update(
        count_include_pad=op.attr_int("count_include_pad", 0),
        x_zp=zx,
        y_zp=zy,
        lo=lo,
        hi=hi,
        count_mul=tuple(muls),
        count_shift=tuple(shifts),
    )
    return Binding("qlinear_avgpool2d", params, (0,))


def bind_qlinear_global_avgpool(op: GraphOp) -> Binding | str:
    scales = _pool_scales(op)
    if isinstance(scales, str):
        return scales
    if op.attr_int("channels_last", 0):
        return "channels_last is not supported"
    sx, zx, sy, zy = scales
    fp = fixed_point(sx / (sy * numel(shape_of(op.operands[0])[2:])))
    if fp is None:
        return "the requantisation scale ratio is not representable"
    lo, hi = _range(_short(op.results[0]))
    params = {"x_zp": zx, "y_zp": zy, "lo": lo, "hi": hi, "mul": fp[0], "shift": fp[1]}
    return Binding("qlinear_global_avgpool", params, (0,))


def emit_qlinear_avgpool(e: Emitter, op: KernelOp) -> None:
    p = params_of(op)
    e.call(
        f"deeploy_qavgpool2d_{_bshort(op.ins[0])}",
        [
            *window_args(e, op),
            *map(e.i32, p.ints("pads_end")),
            e.i32(p.int("count_include_pad")),
            e.i32(p.int("x_zp")),
            e.i32_array(p.ints("count_mul")),
            e.i32_array(p.ints("count_shift")),
            *map(e.i32, (p.int("y_zp"), p.int("lo"), p.int("hi"))),
        ],
    )


def emit_qlinear_global_avgpool(e: Emitter, op: KernelOp) -> None:
    p = params_of(op)
    x, y = op.ins[0], op.outs[0]
    xs = buffer_shape(x)
    e.call(
        f"deeploy_qglobal_avgpool_{_bshort(x)}",
        [
            e.ptr(x, const=True),
            e.ptr(y),
            *map(
                e.i32,
                (
                    xs[0] * xs[1],
                    numel(xs[2:]),
                    p.int("x_zp"),
                    p.int("mul"),
                    p.int("shift"),
                    p.int("y_zp"),
                    p.int("lo"),
                    p.int("hi"),
                ),
            ),
        ],
    )


# -- QLinearLookup ------------------------------------------------------------------------------


def bind_qlinear_lookup(op: GraphOp) -> Binding | str:
    if reason := _types(op, (0, 1), PRODUCT_TYPES) or _output(op, PRODUCT_TYPES):
        return reason
    if shape_of(op.operands[1]) != (256,) or element_type(op.operands[1]) != element_type(
        op.results[0]
    ):
        return "the table must hold 256 values of the result's type"
    return Binding("qlinear_lookup", {}, (0, 1))


def lookup_problem(layer: Layer) -> list[TileProblem]:
    """Elementwise over x and y; every tile reads the whole table."""
    data = Layer(
        layer.ins[:1], layer.outs, (layer.element_bytes[0], layer.element_bytes[-1]), layer.params
    )
    x, y = elementwise_problem(data)[0].operands
    table = Operand("in1", (Axis(256),), 1)
    return [TileProblem(elementwise_problem(data)[0].dims, (x, table, y))]


def emit_qlinear_lookup(e: Emitter, op: KernelOp) -> None:
    x, table = op.ins
    y = op.outs[0]
    e.call(
        f"deeploy_qlookup_{_bshort(x)}",
        [e.ptr(x, const=True), e.ptr(table, const=True), e.ptr(y), e.i32(numel(buffer_shape(y)))],
    )


# -- QLinearSoftmax (com.microsoft) ------------------------------------------------------------

FLOAT32_MAX = float(np.finfo(np.float32).max)


def qsoftmax_table(x_scale: float, reduce_len: int) -> np.ndarray:
    """exp(x_scale * (x - max)) for max - x = 0..255, in float32, scaled by the largest
    power of e that keeps a row's sum of `reduce_len` terms well inside float32 (e^5 to
    spare): onnxruntime's table, so that sums and quotients round as its do."""
    limit = float(np.float32(FLOAT32_MAX) / np.float32(reduce_len))
    shift = max(0.0, math.log(limit) - 5.0) / x_scale
    d = np.arange(256, dtype=np.float64)
    return np.exp((shift - d) * x_scale).astype(np.float32)


def bind_qlinear_softmax(op: GraphOp) -> Binding | str:
    if reason := _types(op, (0,), PRODUCT_TYPES) or _output(op, (_short(op.operands[0]),)):
        return reason
    sx, sy = _scalar(_const(op, 1)), _scalar(_const(op, 3))
    zy = _zero_point(op, 4)
    if sx is None or sy is None or zy is None:
        return "scales and the output zero point must be constant scalars"
    sx, sy = float(np.float32(sx)), float(np.float32(sy))
    if not (math.isfinite(sx) and sx > 0 and math.isfinite(sy) and sy > 0):
        return "the scales must be finite and positive"
    shape = shape_of(op.operands[0])
    rank = max(1, len(shape))
    opset = op.attr_int("opset", 13)
    # before opset 13, the axes from `axis` on are one (flattened) softmax axis
    flatten = opset < 13
    axis = op.attr_int("axis", -1)  # onnxruntime's schema default, whatever the opset
    if not -rank <= axis < rank:
        return f"axis {axis} is out of range for rank {len(shape)}"
    axis %= rank
    reduce_len = numel(shape[axis:]) if flatten else (shape[axis] if shape else 1)
    # onnxruntime multiplies by floor(1 / y_scale), in float32, rather than dividing by
    # y_scale: the same here, or results would differ by a step where the two round apart
    y_inv = float(np.floor(np.float32(1.0) / np.float32(sy)))
    lo, hi = _range(_short(op.results[0]))
    params: dict[str, ParamValue] = {
        "axis": axis,
        "flatten": int(flatten),
        "table": tuple(float(v) for v in qsoftmax_table(sx, reduce_len)),
        "y_inv": y_inv,
        "y_zp": zy,
        "lo": lo,
        "hi": hi,
    }
    return Binding("qlinear_softmax_tail" if flatten else "qlinear_softmax", params, (0,))


def emit_qlinear_softmax(e: Emitter, op: KernelOp) -> None:
    p = params_of(op)
    x, y = op.ins[0], op.outs[0]
    shape = buffer_shape(x) or (1,)
    axis = p.int("axis")
    if p.int("flatten"):
        length, inner = numel(shape[axis:]), 1
    else:
        length, inner = shape[axis], numel(shape[axis + 1 :])
    e.call(
        f"deeploy_qsoftmax_{_bshort(x)}",
        [
            e.ptr(x, const=True),
            e.ptr(y),
            e.i32(numel(shape[:axis])),
            e.i32(length),
            e.i32(inner),
            e.f32_array(p.floats("table")),
            e.f32(p.float("y_inv")),
            *map(e.i32, (p.int("y_zp"), p.int("lo"), p.int("hi"))),
        ],
    )


KERNELS = [
    Kernel(
        "quantize_linear",
        ("QuantizeLinear",),
        SOURCE,
        bind_quantize,
        _emit_qdq("deeploy_quantize_f32_{y}"),
        tiling=ELEMENTWISE,
        symbols=QUANTIZE_SYMBOLS,
    ),
    # bound through the binders above for per-axis scales: the axis stays whole in a tile
    Kernel(
        "quantize_linear_axis",
        (),
        SOURCE,
        bind_quantize,
        _emit_qdq("deeploy_quantize_f32_{y}"),
        tiling=ALONG_AXIS,
        symbols=QUANTIZE_SYMBOLS,
    ),
    Kernel(
        "dequantize_linear",
        ("DequantizeLinear",),
        SOURCE,
        bind_dequantize,
        _emit_qdq("deeploy_dequantize_{x}_f32"),
        tiling=ELEMENTWISE,
        symbols=DEQUANTIZE_SYMBOLS,
    ),
    Kernel(
        "dequantize_linear_axis",
        (),
        SOURCE,
        bind_dequantize,
        _emit_qdq("deeploy_dequantize_{x}_f32"),
        tiling=ALONG_AXIS,
        symbols=DEQUANTIZE_SYMBOLS,
    ),
    Kernel(
        "qlinear_conv",
        ("QLinearConv",),
        SOURCE,
        bind_qlinear_conv,
        emit_qconv,
        tiling=QCONV,
        symbols=_symbols("qconv2d", _PAIRS),
    ),
    Kernel(
        "conv_integer",
        ("ConvInteger",),
        SOURCE,
        bind_conv_integer,
        emit_qconv,
        tiling=QCONV,
        symbols=_symbols("qconv2d", _PAIRS),
    ),
    Kernel(
        "qlinear_matmul",
        ("QLinearMatMul",),
        SOURCE,
        bind_qlinear_matmul,
        emit_qmatmul,
        tiling=QMATMUL,
        symbols=_symbols("qmatmul", _PAIRS),
    ),
    Kernel(
        "matmul_integer",
        ("MatMulInteger",),
        SOURCE,
        bind_matmul_integer,
        emit_qmatmul,
        tiling=QMATMUL,
        symbols=_symbols("qmatmul", _PAIRS),
    ),
    Kernel(
        "qgemm",
        ("QGemm",),
        SOURCE,
        bind_qgemm,
        emit_qgemm,
        tiling=QGEMM,
        symbols=_symbols("qgemm", _PAIRS),
    ),
    Kernel(
        "qlinear_add",
        ("QLinearAdd",),
        SOURCE,
        bind_qlinear_binary,
        _emit_qbinary("qadd"),
        tiling=ELEMENTWISE,
        symbols=_symbols("qadd"),
    ),
    Kernel(
        "qlinear_mul",
        ("QLinearMul",),
        SOURCE,
        bind_qlinear_binary,
        _emit_qbinary("qmul"),
        tiling=ELEMENTWISE,
        symbols=_symbols("qmul"),
    ),
    Kernel(
        "qlinear_avgpool2d",
        ("QLinearAveragePool",),
        SOURCE,
        bind_qlinear_avgpool,
        emit_qlinear_avgpool,
        tiling=POOL,
        symbols=_symbols("qavgpool2d"),
    ),
    Kernel(
        "qlinear_lookup",
        ("QLinearLookup",),
        SOURCE,
        bind_qlinear_lookup,
        emit_qlinear_lookup,
        tiling=TileRule(lookup_problem),
        symbols=_symbols("qlookup"),
    ),
    Kernel(
        "qlinear_softmax",
        ("QLinearSoftmax",),
        SOURCE,
        bind_qlinear_softmax,
        emit_qlinear_softmax,
        tiling=ALONG_AXIS,
        symbols=_symbols("qsoftmax"),
    ),
    # bound through bind_qlinear_softmax below opset 13: the axes from `axis` on are whole
    Kernel(
        "qlinear_softmax_tail",
        (),
        SOURCE,
        bind_qlinear_softmax,
        emit_qlinear_softmax,
        tiling=NORMALISED_TAIL,
        symbols=_symbols("qsoftmax"),
    ),
    Kernel(
        "qlinear_global_avgpool",
        ("QLinearGlobalAveragePool",),
        SOURCE,
        bind_qlinear_global_avgpool,
        emit_qlinear_global_avgpool,
        tiling=GLOBAL_POOL,
        symbols=_symbols("qglobal_avgpool"),
    ),
]
