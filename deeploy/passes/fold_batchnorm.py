"""fold-batchnorm: an inference BatchNormalization after a Conv or Gemm disappears into it.

BN(y) = y * s + t per channel, with s = scale / sqrt(var + eps) and t = B - mean * s. When
the producer's weights and bias are constants and BN is its only user, scaling the weights
of output channel c by s[c] and replacing the bias by b[c] * s[c] + t[c] computes the same
thing with one kernel and no intermediate tensor. Folding happens in float64.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
)

from deeploy.dialects.graph import ConstantOp, GraphOp, constant_value, shape_of
from deeploy.dialects.graph_op import is_op
from deeploy.dtypes import value_element_type


def _bn_affine(bn: GraphOp) -> tuple[np.ndarray, np.ndarray] | None:
    """(s, t) of an inference BatchNormalization with constant parameters, else None."""
    if len(bn.results) != 1 or bn.attr_int("training_mode", 0):
        return None
    params = [p for v in bn.operands[1:5] if (p := constant_value(v)) is not None]
    if len(params) != 4:
        return None
    scale, bias, mean, var = (p.astype(np.float64).reshape(-1) for p in params)
    eps = bn.attr_float("epsilon", 1e-5)
    s = scale / np.sqrt(var + eps)
    return s, bias - mean * s


def _const(array: np.ndarray, like: SSAValue, name: str) -> ConstantOp:
    op = ConstantOp.from_numpy(array.astype(np.float32), name, value_element_type(like))
    op.result.name_hint = like.name_hint
    return op


class FoldBatchNormIntoConv(RewritePattern):
    def match_and_rewrite(self, op, rewriter: PatternRewriter) -> None:
        if not is_op(op, "BatchNormalization") or not is_op(op.operands[0].owner, "Conv"):
            return
        conv: GraphOp = op.operands[0].owner
        if not conv.results[0].has_one_use():
            return
        affine = _bn_affine(op)
        weight = constant_value(conv.operands[1])
        bias_in = conv.operands[2] if len(conv.operands) > 2 else None
        bias = (
            constant_value(bias_in)
            if bias_in is not None
            else np.zeros(shape_of(conv.operands[1])[0])
        )
        if affine is None or weight is None or bias is None:
            return
        s, t = affine
        new_w = _const(
            weight.astype(np.float64) * s.reshape(-1, *([1] * (weight.ndim - 1))),
            conv.operands[1],
            f"{conv.node_name}_w_bn",
        )
        new_b = _const(bias.astype(np.float64) * s + t, conv.operands[1], f"{conv.node_name}_b_bn")
        new_b.result.name_hint = "bias"
        folded = type(conv).build(
            operands=[conv.operands[0], new_w.result, [new_b.result]],
            result_types=[op.results[0].type],
            properties=dict(conv.properties),
            attributes=dict(conv.attributes),
        )
        folded.results[0].name_hint = op.results[0].name_hint
        rewriter.replace(op, [new_w, new_b, folded], folded.results)
        rewriter.erase(conv)


class FoldBatchNormIntoGemm(RewritePattern):
    """Gemm's output channels are its columns (BN's axis 1 of an (M, N) tensor)."""

    def match_and_rewrite(self, op, rewriter: PatternRewriter) -> None:
        if not is_op(op, "BatchNormalization") or not is_op(op.operands[0].owner, "Gemm"):
            return
        gemm: GraphOp = op.operands[0].owner
        if not gemm.results[0].has_one_use() or len(shape_of(op.operands[0])) != 2:
            return
        affine = _bn_affine(op)
        b = constant_value(gemm.operands[1])
        c_in = gemm.operands[2] if len(gemm.operands) > 2 else None
        c = constant_value(c_in) if c_in is not None else np.zeros(1)
        if affine is None or b is None or c is None:
            return
        s, t = affine
        m, n = shape_of(op.operands[0])
        alpha = gemm.attr_float("alpha", 1.0)
        beta = gemm.attr_float("beta", 1.0) if c_in is not None else 0.0
        # y = alpha * A op(B) + beta * C  ->  (y * s + t) = A op(alpha * B * s) + (beta * C * s + t)
        b64 = b.astype(np.float64) * alpha
        new_b = b64 * (s.reshape(-1, 1) if gemm.attr_int("transB", 0) else s.reshape(1, -1))
        new_c = np.broadcast_to(c.astype(np.float64) * beta, (m, n)) * s + t
        if np.all(new_c == new_c[:1]):
            new_c = new_c[0]  # one bias row, broadcast over M
        b_op = _const(new_b, gemm.operands[1], f"{gemm.node_name}_b_bn")
        c_op = _const(new_c, gemm.operands[1], f"{gemm.node_name}_c_bn")
        c_op.result.name_hint = "bias"
        props = {k: v for k, v in gemm.properties.items() if k not in ("alpha", "beta")}
        folded = type(gemm).build(
            operands=[gemm.operands[0], b_op.result, [c_op.result]],
            result_types=[op.results[0].type],
            properties=props,
            attributes=dict(gemm.attributes),
        )
        folded.results[0].name_hint = op.results[0].name_hint
        rewriter.replace(op, [b_op, c_op, folded], folded.results)
        rewriter.erase(gemm)


@dataclass(frozen=True)
class FoldBatchNormPass(ModulePass):
    name = "fold-batchnorm"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(
            GreedyRewritePatternApplier(
                [FoldBatchNormIntoConv(), FoldBatchNormIntoGemm()], dce_enabled=False
            ),
        ).rewrite_module(op)
