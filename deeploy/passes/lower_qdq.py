"""lower-qdq: QDQ-quantised operators become integer operators.

onnxruntime's `quantize_static` (QuantFormat.QDQ) leaves a float graph in which every
quantised tensor passes through QuantizeLinear -> DequantizeLinear and weights are int8
constants behind a DequantizeLinear. Each pattern here matches a QuantizeLinear whose
input an operator computes from DequantizeLinear'd integers, and replaces the three
stages by one integer operator reading the integers directly:

    Q(Conv(DQ(x), W, B))           -> QLinearConv(x, W_q, B_q)
    Q(MatMul(DQ(a), DQ(b) | W))    -> QLinearMatMul
    Q(Gemm(DQ(a), W, C))           -> QGemm (com.microsoft)
    Q(Add|Mul(DQ(a), DQ(b) | K))   -> QLinearAdd | QLinearMul (com.microsoft)
    Q(AveragePool(DQ(x)))          -> QLinearAveragePool (com.microsoft)
    Q(GlobalAveragePool(DQ(x)))    -> QLinearGlobalAveragePool (com.microsoft)
    Q(MaxPool|Reshape|Transpose|Slice|Gather|Concat(DQ(x)...)) with the same scale and
        zero point in and out      -> the same operator on the integers
    Q(Relu|Sigmoid|Clip|...(DQ(x)))  -> QLinearLookup(x, 256-entry table)
    Q(DQ(x)) with the same scale and zero point -> x

(scales, zero points and weights are constants; activations per tensor, weights per
tensor or per output channel). What remains of the float graph is the QuantizeLinear of
the network's float input and the DequantizeLinear of its output; the DequantizeLinears
nothing reads any more are left to dce. The integer operators' kernels (kernels/qlinear.py)
turn the float scale ratios (x_scale * w_scale / y_scale) into fixed-point multipliers
and accumulate in int32.

Bias: Conv's B and Gemm's C become int32 with scale x_scale * w_scale (per channel), the
quantisation onnxruntime gives them (Gemm's beta folded in, alpha kept as QGemm's).

Weights folded to float: the importer and fold-constants evaluate DequantizeLinear of a
constant, so most weights arrive as float constants. Such a weight is lowered only when it
lies exactly on a quantisation grid: per tensor, else per output channel, its values must
be integer multiples k * s (|k| <= 255) of s = max|w| / n for some n <= 255, to float32
precision. That recovers the integers and (up to float32 rounding) the scale of the
folded DequantizeLinear; weights that are not on a grid keep the float graph.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, StringAttr
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
)

from deeploy.dialects.graph import (
    ConstantOp,
    GraphOp,
    constant_value,
    element_type,
    op_class,
    shape_of,
)
from deeploy.dialects.graph_op import is_op
from deeploy.dtypes import element_type_of, short_name
from deeploy.frontend.onnx_import import value_name

PRODUCT_TYPES = ("i8", "u8")  # activations and weights of the integer kernels
_NUMPY = {"i8": np.int8, "u8": np.uint8}
# to float32 precision: |w / s - k| <= GRID_TOLERANCE * max(1, |k|)
GRID_TOLERANCE = 1e-5
PASS_THROUGH = ("MaxPool", "Reshape", "Transpose", "Slice", "Gather", "Concat")
# elementwise functions of one tensor (further operands: constant scalars)
ACTIVATIONS = (
    "Relu",
    "LeakyRelu",
    "PRelu",
    "Clip",
    "Sigmoid",
    "HardSigmoid",
    "HardSwish",
    "Tanh",
    "Gelu",
    "Elu",
    "Selu",
    "Celu",
    "Softplus",
    "Softsign",
    "Mish",
    "ThresholdedRelu",
    "Abs",
    "Neg",
    "Erf",
    "Exp",
)


def _scalar(value: SSAValue | None) -> float | None:
    array = constant_value(value)
    if array is None or array.size != 1:
        return None
    return array.reshape(-1)[0].item()


class QParams(NamedTuple):
    """A per-tensor quantised tensor: its integers (or the Q result), scale, zero point."""

    value: SSAValue
    scale: SSAValue
    zero_point: SSAValue | None  # None: absent (0)
    s: float
    z: int
    short: str  # element type of the integers

    def same_grid(self, other: QParams) -> bool:
        return (self.s, self.z, self.short) == (other.s, other.z, other.short)


def _qparams(value: SSAValue, scale: SSAValue, zp: SSAValue | None) -> QParams | None:
    s = _scalar(scale)
    z = 0 if zp is None else _scalar(zp)
    if s is None or z is None or not s > 0:
        return None
    return QParams(value, scale, zp, float(s), int(z), short_name(element_type(value)))


def dequantized(value: SSAValue, types: tuple[str, ...] = PRODUCT_TYPES) -> QParams | None:
    """The integers a per-tensor DequantizeLinear of type in `types` reads, else None."""
    dq = value.owner
    if not is_op(dq, "DequantizeLinear") or dq.attr_int("block_size", 0):
        return None
    q = _qparams(dq.operands[0], dq.operands[1], dq.operand_at(2))
    return q if q is not None and q.short in types else None


def quantized(q_op: GraphOp, types: tuple[str, ...] = PRODUCT_TYPES) -> QParams | None:
    """A per-tensor QuantizeLinear's output grid (value: its result)."""
    if q_op.attr_int("block_size", 0):
        return None
    q = _qparams(q_op.results[0], q_op.operands[1], q_op.operand_at(2))
    return q if q is not None and q.short in types else None


# -- constants -------------------------------------------------------------------------------


class Weight(NamedTuple):
    q: np.ndarray  # int8 or uint8
    scale: np.ndarray  # float32, () or (channels,)
    zero_point: np.ndarray  # like q's type, () or (channels,)
    integers: SSAValue | None = None  # the constant holding q, if there is one already


def _as_weight(k: np.ndarray, scale: np.ndarray, axis: int | None) -> Weight | None:
    """Integers k (per channel along axis, or per tensor) as int8, else as uint8 with a zero
    point; None if their range exceeds 255."""
    groups = (
        np.moveaxis(k, axis, 0).reshape(k.shape[axis], -1) if axis is not None else k.reshape(1, -1)
    )
    lo, hi = groups.min(axis=1), groups.max(axis=1)
    if lo.min() >= -128 and hi.max() <= 127:
        zp = np.zeros(lo.shape, np.int8)
        q = k.astype(np.int8)
    elif np.all(hi - lo <= 255):
        zp = np.maximum(-lo, 0)  # shifts each channel into [0, 255]
        shape = [1] * k.ndim
        if axis is not None:
            shape[axis] = -1
        q = (k + zp.reshape(shape)).astype(np.uint8)
        zp = zp.astype(np.uint8)
    else:
        return None
    if axis is None:
        return Weight(q, scale.reshape(()), zp.reshape(()))
    return Weight(q, scale.reshape(-1), zp.reshape(-1))


def _on_grid(flat: np.ndarray, s: np.float32) -> np.ndarray | None:
    r = flat / np.float64(s)
    k = np.rint(r)
    if np.all(np.abs(r - k) <= GRID_TOLERANCE * np.maximum(1.0, np.abs(k))):
        return k
    return None


def _grid(values: np.ndarray) -> tuple[np.float32, np.ndarray] | None:
    """(s, k) with values == k * s to float32 precision, |k| <= 255, else None (s = 0:
    all values are 0)."""
    flat = values.astype(np.float64).reshape(-1)
    top = float(np.abs(flat).max()) if flat.size else 0.0
    if top == 0.0:
        return np.float32(0.0), np.zeros(values.shape, np.int64)
    sample = flat[:64]  # rules out most candidates cheaply
    for n in (127, *range(1, 256)):  # onnxruntime's symmetric int8 weights: n = 127
        s = np.float32(top / n)
        if _on_grid(sample, s) is None:
            continue
        k = _on_grid(flat, s)
        if k is not None:
            return s, k.astype(np.int64).reshape(values.shape)
    return None


def recover_weight(values: np.ndarray, axis: int) -> Weight | None:
    """The integers and scale(s) of a float weight on a quantisation grid: per tensor,
    else per channel along `axis`; None when it is on neither. An all-zero channel gets
    the largest scale of the others (any scale represents it; this one keeps its bias
    precise and its requantisation ratio ordinary)."""
    whole = _grid(values)
    if whole is not None:
        weight = _as_weight(whole[1], np.array(whole[0] or 1.0, np.float32), None)
        if weight is not None:
            return weight
    channels = np.moveaxis(values, axis, 0)
    scales, ks = [], []
    for channel in channels:
        found = _grid(channel)
        if found is None:
            return None
        scales.append(found[0])
        ks.append(found[1])
    k = np.moveaxis(np.stack(ks), 0, axis)
    scale = np.array(scales, np.float32)
    scale[scale == 0] = scale.max() or 1.0
    return _as_weight(k, scale, axis)


def quantized_weight(value: SSAValue, axis: int) -> Weight | None:
    """A constant weight as integers: read from DequantizeLinear(constant) (per tensor, or
    per channel along `axis`), or recovered from a float constant."""
    dq = value.owner
    if is_op(dq, "DequantizeLinear"):
        q = constant_value(dq.operands[0])
        scale = constant_value(dq.operand_at(1))
        zp_value = dq.operand_at(2)
        zp = (
            np.zeros((), q.dtype)
            if q is not None and zp_value is None
            else constant_value(zp_value)
        )
        if q is None or scale is None or zp is None or dq.attr_int("block_size", 0):
            return None
        if short_name(element_type_of(q.dtype)) not in PRODUCT_TYPES:
            return None
        if scale.size == 1:
            return Weight(
                q,
                scale.reshape(()).astype(np.float32),
                zp.reshape(()).astype(q.dtype),
                dq.operands[0],
            )
        dq_axis = dq.attr_int("axis", 1) % q.ndim
        if dq_axis != axis % q.ndim or scale.ndim != 1:
            return None
        return Weight(
            q,
            scale.astype(np.float32),
            np.broadcast_to(zp.reshape(-1), scale.shape).astype(q.dtype),
            dq.operands[0],
        )
    values = constant_value(value)
    if values is None or values.dtype.kind != "f" or values.ndim == 0:
        return None
    return recover_weight(values, axis % values.ndim)


def quantized_bias(value: SSAValue, scale: np.ndarray, beta: float = 1.0) -> np.ndarray | None:
    """A bias as int32 at `scale` (x_scale * w_scale, broadcast against the bias): exactly
    the integers of DequantizeLinear(int32 constant) at that scale, else the float
    constant divided by the scale and rounded."""
    dq = value.owner
    if is_op(dq, "DequantizeLinear") and beta == 1.0:
        q = constant_value(dq.operands[0])
        s = constant_value(dq.operand_at(1))
        zp = constant_value(dq.operand_at(2)) if dq.operand_at(2) is not None else 0
        if (
            q is not None
            and q.dtype == np.int32
            and s is not None
            and np.all(np.asarray(zp) == 0)
            and np.allclose(
                np.broadcast_to(s, np.broadcast_shapes(s.shape, scale.shape)),
                scale,
                rtol=1e-6,
                atol=0,
            )
        ):
            return q
    values = constant_value(value)
    if values is None or values.dtype.kind != "f":
        return None
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.rint(values.astype(np.float64) * beta / scale)
    if not np.all(np.isfinite(q)) or np.abs(q).max(initial=0) >= 2**31:
        return None
    return q.astype(np.int32)


# -- building --------------------------------------------------------------------------------


class _Builder:
    """New constants and the op that replaces a QuantizeLinear."""

    def __init__(self, q_op: GraphOp, node: GraphOp) -> None:
        self.q_op = q_op
        self.node = node
        self.ops: list[Operation] = []

    def const(self, array: np.ndarray, suffix: str) -> SSAValue:
        name = f"{self.node.node_name}_{suffix}"
        op = ConstantOp.from_numpy(np.asarray(array), name)
        op.result.name_hint = value_name(name)
        self.ops.append(op)
        return op.result

    def weight(self, w: Weight, stem: str) -> list[SSAValue]:
        """Integers, scale and zero point of a weight (its existing integer constant reused)."""
        q = w.integers if w.integers is not None else self.const(w.q, f"{stem}_quantized")
        return [
            q,
            self.const(w.scale, f"{stem}_scale"),
            self.const(w.zero_point, f"{stem}_zero_point"),
        ]

    def zero_point(self, q: QParams) -> SSAValue:
        if q.zero_point is not None:
            return q.zero_point
        return self.const(np.zeros((), _NUMPY.get(q.short, np.uint8)), "zero_point")

    def replace(
        self,
        rewriter: PatternRewriter,
        op_type: str,
        operands: list,
        properties: dict | None = None,
    ) -> None:
        new = op_class(op_type).build(
            operands=operands,
            result_types=[self.q_op.results[0].type],
            properties=properties or {},
            attributes={"name": StringAttr(self.node.node_name)},
        )
        new.results[0].name_hint = self.q_op.results[0].name_hint
        rewriter.replace(self.q_op, [*self.ops, new], new.results)
        rewriter.erase(self.node)


def _producer(q_op: object, *op_types: str) -> GraphOp | None:
    """The op of one of op_types that computes q_op's (a QuantizeLinear) input and nothing else."""
    if not is_op(q_op, "QuantizeLinear"):
        return None
    node = q_op.operands[0].owner
    if not is_op(node, *op_types) or len(node.results) != 1 or not node.results[0].has_one_use():
        return None
    return node


def _props(node: GraphOp, *names: str) -> dict:
    return {k: v for k, v in node.properties.items() if k in names}


# -- patterns --------------------------------------------------------------------------------


class LowerQDQConv(RewritePattern):
    """Q(Conv(DQ(x), W, B)) -> QLinearConv."""

    def match_and_rewrite(self, op, rewriter: PatternRewriter) -> None:
        conv = _producer(op, "Conv")
        if conv is None or len(shape_of(conv.operands[0])) not in (3, 4):
            return
        x, y = dequantized(conv.operands[0]), quantized(op)
        w = quantized_weight(conv.operands[1], 0)
        if x is None or y is None or w is None:
            return
        f = shape_of(conv.operands[1])[0]
        bias_in = conv.operand_at(2)
        bias = None
        if bias_in is not None:
            bias = quantized_bias(bias_in, np.broadcast_to(x.s * w.scale.astype(np.float64), (f,)))
            if bias is None:
                return
        b = _Builder(op, conv)
        operands = [
            x.value,
            x.scale,
            b.zero_point(x),
            *b.weight(w, "w"),
            y.scale,
            b.zero_point(y),
            [] if bias is None else [b.const(bias, "b_quantized")],
        ]
        names = ("auto_pad", "dilations", "group", "kernel_shape", "pads", "strides")
        b.replace(rewriter, "QLinearConv", operands, _props(conv, *names))


class LowerQDQMatMul(RewritePattern):
    """Q(MatMul(DQ(a), DQ(b) or W)) -> QLinearMatMul (W per tensor, or per column if 2-D)."""

    def match_and_rewrite(self, op, rewriter: PatternRewriter) -> None:
        mm = _producer(op, "MatMul")
        if mm is None:
            return
        a, y = dequantized(mm.operands[0]), quantized(op)
        if a is None or y is None:
            return
        b = _Builder(op, mm)
        b_in = dequantized(mm.operands[1])
        if b_in is not None:
            b_ops = [b_in.value, b_in.scale, b.zero_point(b_in)]
        else:
            w = quantized_weight(mm.operands[1], -1)
            if w is None or (w.scale.ndim and len(shape_of(mm.operands[1])) != 2):
                return
            b_ops = b.weight(w, "b")
        operands = [a.value, a.scale, b.zero_point(a), *b_ops, y.scale, b.zero_point(y)]
        b.replace(rewriter, "QLinearMatMul", operands)


class LowerQDQGemm(RewritePattern):
    """Q(Gemm(DQ(a), W, C)) -> QGemm, C as int32 at alpha * a_scale * w_scale."""

    def match_and_rewrite(self, op, rewriter: PatternRewriter) -> None:
        gemm = _producer(op, "Gemm")
        if gemm is None:
            return
        trans_b = gemm.attr_int("transB", 0)
        a, y = dequantized(gemm.operands[0]), quantized(op)
        w = quantized_weight(gemm.operands[1], 0 if trans_b else 1)
        if a is None or y is None or w is None:
            return
        m, n = shape_of(gemm.results[0])
        alpha = gemm.attr_float("alpha", 1.0)
        beta = gemm.attr_float("beta", 1.0)
        c_in = gemm.operand_at(2)
        c = None
        if c_in is not None and beta != 0.0:
            bias_scale = np.broadcast_to(alpha * a.s * w.scale.astype(np.float64), (n,))
            c_shape = shape_of(c_in)
            if len(c_shape) == 2 and c_shape[0] != 1:
                bias_scale = np.broadcast_to(bias_scale, (m, n))
            elif len(c_shape) < 2 and (not c_shape or c_shape[-1] == 1):
                bias_scale = bias_scale.reshape(1, n)  # scalar or (1,) C: one value per column
            c = quantized_bias(c_in, bias_scale, beta)
            if c is None:
                return
        b = _Builder(op, gemm)
        operands = [
            a.value,
            a.scale,
            b.zero_point(a),
            *b.weight(w, "b"),
            [] if c is None else [b.const(c, "c_quantized")],
            [y.scale],
            [b.zero_point(y)],
        ]
        b.replace(rewriter, "QGemm", operands, _props(gemm, "alpha", "transA", "transB"))


class LowerQDQBinary(RewritePattern):
    """Q(Add(DQ(a), DQ(b))) -> QLinearAdd, and Mul -> QLinearMul; a constant operand is
    recovered on a per-tensor grid of the output's integer type."""

    def match_and_rewrite(self, op, rewriter: PatternRewriter) -> None:
        node = _producer(op, "Add", "Mul")
        if node is None:
            return
        y = quantized(op)
        if y is None:
            return
        b = _Builder(op, node)
        operands: list = []
        for index, value in enumerate(node.operands):
            q = dequantized(value, (y.short,))
            if q is not None:
                operands += [q.value, q.scale, [b.zero_point(q)]]
                continue
            w = quantized_weight(value, 0)
            if w is None or w.scale.ndim or short_name(element_type_of(w.q.dtype)) != y.short:
                return  # (a constant on another type's grid keeps the float graph)
            q_value, scale, zero_point = b.weight(w, "ab"[index])
            operands += [q_value, scale, [zero_point]]
        operands += [y.scale, [b.zero_point(y)]]
        op_type = "QLinearAdd" if is_op(node, "Add") else "QLinearMul"
        b.replace(rewriter, op_type, operands)


class LowerQDQAveragePool(RewritePattern):
    """Q(AveragePool(DQ(x))) -> QLinearAveragePool (no dilations)."""

    def match_and_rewrite(self, op, rewriter: PatternRewriter) -> None:
        pool = _producer(op, "AveragePool")
        if pool is None or any(d != 1 for d in pool.attr_ints("dilations", ())):
            return
        x, y = dequantized(pool.operands[0]), quantized(op)
        if x is None or y is None or x.short != y.short or len(shape_of(x.value)) not in (3, 4):
            return
        b = _Builder(op, pool)
        operands = [x.value, x.scale, [b.zero_point(x)], y.scale, [b.zero_point(y)]]
        names = ("auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides")
        b.replace(rewriter, "QLinearAveragePool", operands, _props(pool, *names))


class LowerQDQGlobalAveragePool(RewritePattern):
    """Q(GlobalAveragePool(DQ(x))) -> QLinearGlobalAveragePool."""

    def match_and_rewrite(self, op, rewriter: PatternRewriter) -> None:
        pool = _producer(op, "GlobalAveragePool")
        if pool is None:
            return
        x, y = dequantized(pool.operands[0]), quantized(op)
        if x is None or y is None or x.short != y.short:
            return
        b = _Builder(op, pool)
        operands = [x.value, x.scale, b.zero_point(x), y.scale, b.zero_point(y)]
        b.replace(rewriter, "QLinearGlobalAveragePool", operands)


class LowerQDQPassThrough(RewritePattern):
    """Q(X(DQ(x), ...)) with X moving or selecting values (MaxPool, Reshape, Transpose,
    Slice, Gather, Concat) and the same grid in and out -> X on the integers."""

    def match_and_rewrite(self, op, rewriter: PatternRewriter) -> None:
        node = _producer(op, *PASS_THROUGH)
        if node is None:
            return
        y = quantized(op)
        if y is None:
            return
        data = range(len(node.operands)) if is_op(node, "Concat") else (0,)
        operands = list(node.operands)
        for index in data:
            q = dequantized(node.operands[index], (y.short,))
            if q is None or not q.same_grid(y):
                return
            operands[index] = q.value
        new = type(node).build(
            operands=_regroup(node, operands),
            # the one result (optional ones, such as MaxPool's Indices, are absent)
            result_types=[op.results[0].type, *([] for _ in type(node).RESULT_FIELDS[1:])],
            properties=dict(node.properties),
            attributes=dict(node.attributes),
        )
        new.results[0].name_hint = op.results[0].name_hint
        rewriter.replace(op, [new], new.results)
        rewriter.erase(node)


def _regroup(node: GraphOp, flat: list[SSAValue]) -> list:
    """Flat operands back into the per-field groups `build` expects."""
    out: list = []
    values = iter(flat)
    for field, arity in type(node).OPERAND_FIELDS:
        current = getattr(node, field)
        if arity == "1":
            out.append(next(values))
        elif arity == "?":
            out.append([] if current is None else [next(values)])
        else:
            out.append([next(values) for _ in current])
    return out


class LowerQDQActivation(RewritePattern):
    """Q(f(DQ(x))) with f elementwise (Relu, Sigmoid, Clip, ...; other operands constant)
    -> QLinearLookup(x, table): f evaluated at compile time on all 256 inputs, like
    onnxruntime's lookup tables for QLinearSigmoid/QLinearLeakyRelu."""

    def match_and_rewrite(self, op, rewriter: PatternRewriter) -> None:
        from deeploy.passes.fold_constants import evaluate

        node = _producer(op, *ACTIVATIONS)
        if node is None:
            return
        x, y = dequantized(node.operands[0]), quantized(op)
        constants = [constant_value(v) for v in node.operands[1:]]
        others = [c for c in constants if c is not None]
        if x is None or y is None or len(others) != len(constants):
            return
        if any(c.size != 1 for c in others):
            return  # (a per-channel PRelu slope: one table per channel)
        info = np.iinfo(_NUMPY[x.short])
        codes = np.arange(info.min, int(info.max) + 1)
        real = (codes - x.z).astype(np.float32) * np.float32(x.s)  # DequantizeLinear
        results = evaluate(node, [real, *others])
        if results is None or results[0].shape != real.shape:
            return
        out = np.iinfo(_NUMPY[y.short])
        with np.errstate(invalid="ignore"):
            table = np.rint(results[0].astype(np.float32) / np.float32(y.s)) + np.float32(y.z)
        table = np.nan_to_num(table, nan=y.z).clip(out.min, out.max).astype(_NUMPY[y.short])
        b = _Builder(op, node)
        b.replace(rewriter, "QLinearLookup", [x.value, b.const(table, "table")])


class FoldQDQPair(RewritePattern):
    """Q(DQ(x)) on the same grid is x."""

    def match_and_rewrite(self, op, rewriter: PatternRewriter) -> None:
        if not is_op(op, "QuantizeLinear"):
            return
        y = quantized(op, ("i8", "u8", "i16", "u16"))
        x = dequantized(op.operands[0], ("i8", "u8", "i16", "u16"))
        if x is None or y is None or not x.same_grid(y):
            return
        rewriter.replace(op, [], [x.value])


@dataclass(frozen=True)
class LowerQDQPass(ModulePass):
    name = "lower-qdq"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(
            GreedyRewritePatternApplier(
                [
                    LowerQDQConv(),
                    LowerQDQMatMul(),
                    LowerQDQGemm(),
                    LowerQDQBinary(),
                    LowerQDQAveragePool(),
                    LowerQDQGlobalAveragePool(),
                    LowerQDQPassThrough(),
                    LowerQDQActivation(),
                    FoldQDQPair(),
                ],
                dce_enabled=False,
            ),
        ).rewrite_module(op)
