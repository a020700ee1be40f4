"""fuse-activation: a Relu or Clip after a Conv/Gemm runs inside the producer's kernel.

Kernels that clamp their outputs (`act_min`/`act_max` parameters, e.g. conv2d_f32 and
gemm_f32) absorb a following bound Relu ([0, inf)) or Clip ([min, max]) when the producer's
result has no other user: one pass over the output instead of two, and no intermediate
buffer. Chains (Conv -> Relu -> Clip) fuse step by step, intersecting the ranges.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import DictionaryAttr, FloatAttr, ModuleOp, StringAttr, f64
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
)

from deeploy.dialects.graph import GraphOp
from deeploy.kernels.params import Params

# Kernels whose C function takes act_min/act_max and clamps every output element.
CLAMPING_KERNELS = ("conv2d_f32", "conv2d_packed_f32", "gemm_f32")


def _range_of(op: GraphOp) -> tuple[float, float] | None:
    """The output range an activation clamps to, from its bound kernel parameters."""
    kernel = op.attributes.get("kernel")
    params = op.attributes.get("kernel_params")
    if not isinstance(kernel, StringAttr) or not isinstance(params, DictionaryAttr):
        return None
    if kernel.data == "relu_f32":
        return 0.0, math.inf
    if kernel.data == "clip_f32":
        bounds = Params(params)
        return bounds.float("min"), bounds.float("max")
    return None


@dataclass
class FuseClampIntoProducer(RewritePattern):
    def match_and_rewrite(self, op, rewriter: PatternRewriter) -> None:
        if not isinstance(op, GraphOp) or (bounds := _range_of(op)) is None:
            return
        producer = op.operands[0].owner
        if not isinstance(producer, GraphOp) or len(producer.results) != 1:
            return
        kernel = producer.attributes.get("kernel")
        if not isinstance(kernel, StringAttr) or kernel.data not in CLAMPING_KERNELS:
            return
        if not producer.results[0].has_one_use():
            return
        attr = producer.attributes["kernel_params"]
        assert isinstance(attr, DictionaryAttr), attr  # bind-kernels wrote it
        current = Params(attr)
        params = dict(attr.data)
        lo = max(bounds[0], current.float("act_min") if "act_min" in current else -math.inf)
        hi = min(bounds[1], current.float("act_max") if "act_max" in current else math.inf)
        params["act_min"] = FloatAttr(lo, f64)
        params["act_max"] = FloatAttr(hi, f64)
        producer.attributes["kernel_params"] = DictionaryAttr(params)
        fused = producer.attributes.get("fused", None)
        names = [fused.data] if isinstance(fused, StringAttr) else []
        producer.attributes["fused"] = StringAttr(", ".join([*names, op.node_name]))
        producer.results[0].name_hint = op.results[0].name_hint
        rewriter.replace(op, [], [producer.results[0]])


@dataclass(frozen=True)
class FuseActivationPass(ModulePass):
    """Runs after bind-kernels: it reads and edits the chosen kernels' parameters."""

    name = "fuse-activation"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(
            GreedyRewritePatternApplier([FuseClampIntoProducer()], dce_enabled=False),
        ).rewrite_module(op)
