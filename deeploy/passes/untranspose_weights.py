"""untranspose-weights: Gemm weights stored transposed are transposed once, at compile time.

PyTorch exports `Linear` as `Gemm(x, W, b, transB=1)` with W of shape (out, in). The float
Gemm kernel's fast path reads B row-major as (K, N), so a constant float B used only by
this Gemm is replaced by its transpose and `transB` is dropped: same result, no strided
dot products at run time, same weight bytes. Integer weights stay as they are: the
integer kernels take each output's weights as one contiguous row (SMLAD on Cortex-M4,
pmaddwd dot products on x86).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import AnyFloat, ModuleOp
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
)

from deeploy.dialects.graph import ConstantOp, GraphOp
from deeploy.dialects.graph_op import is_op
from deeploy.dtypes import value_element_type


class UntransposeGemmWeights(RewritePattern):
    def match_and_rewrite(self, op, rewriter: PatternRewriter) -> None:
        if not isinstance(op, GraphOp) or not is_op(op, "Gemm") or not op.attr_int("transB", 0):
            return
        weight = op.operands[1]
        if not isinstance(weight.owner, ConstantOp) or not weight.has_one_use():
            return
        if not isinstance(value_element_type(weight), AnyFloat):
            return  # integer kernels read transposed weights as they are (dot products)
        const = ConstantOp.from_numpy(
            np.ascontiguousarray(weight.owner.numpy().T),
            weight.owner.const_name,
            value_element_type(weight),
        )
        const.result.name_hint = weight.name_hint
        rewriter.replace(weight.owner, [const], [const.result])
        del op.properties["transB"]
        rewriter.notify_op_modified(op)


@dataclass(frozen=True)
class UntransposeWeightsPass(ModulePass):
    name = "untranspose-weights"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(
            GreedyRewritePatternApplier([UntransposeGemmWeights()], dce_enabled=False)
        ).rewrite_module(op)
