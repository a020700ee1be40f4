"""canonicalize-reshapes: every reshape-like op becomes one `graph.reshape` to a constant shape.

Flatten, Squeeze, Unsqueeze and Reshape only relabel a tensor's shape, so after this pass
they are all `graph.reshape %x, %shape` with `%shape` the (already static) result shape;
chains of reshapes collapse into one, reshapes to the same shape and Identity vanish.
Bufferisation then turns each remaining reshape into a zero-copy view.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
)

from deeploy.dialects.graph import ConstantOp, GraphOp, constant_value, op_class, shape_of
from deeploy.dialects.graph_op import is_op

RESHAPE_LIKE = ("Reshape", "Flatten", "Squeeze", "Unsqueeze")


def _reshape_to(op: GraphOp, source, rewriter: PatternRewriter) -> None:
    shape = ConstantOp.from_numpy(
        np.array(shape_of(op.results[0]), dtype=np.int64), f"{op.node_name}_shape"
    )
    shape.result.name_hint = "shape"
    reshape = op_class("Reshape").build(
        operands=[source, shape.result],
        result_types=[op.results[0].type],
        attributes=dict(op.attributes),
    )
    reshape.results[0].name_hint = op.results[0].name_hint
    rewriter.replace(op, [shape, reshape], reshape.results)


class RemoveIdentity(RewritePattern):
    def match_and_rewrite(self, op, rewriter: PatternRewriter) -> None:
        if is_op(op, "Identity") or (
            is_op(op, *RESHAPE_LIKE) and shape_of(op.operands[0]) == shape_of(op.results[0])
        ):
            rewriter.replace(op, [], [op.operands[0]])


class CollapseReshapeChain(RewritePattern):
    """reshape(reshape-like(x)) -> reshape(x)."""

    def match_and_rewrite(self, op, rewriter: PatternRewriter) -> None:
        if is_op(op, *RESHAPE_LIKE) and is_op(op.operands[0].owner, *RESHAPE_LIKE):
            _reshape_to(op, op.operands[0].owner.operands[0], rewriter)


class ReshapeLikeToReshape(RewritePattern):
    """Flatten/Squeeze/Unsqueeze, and Reshape with a computed shape, -> reshape to the static shape."""

    def match_and_rewrite(self, op, rewriter: PatternRewriter) -> None:
        if is_op(op, "Flatten", "Squeeze", "Unsqueeze"):
            _reshape_to(op, op.operands[0], rewriter)
            return
        if is_op(op, "Reshape"):
            target = constant_value(op.operands[1])
            explicit = target is not None and tuple(int(d) for d in target.reshape(-1)) == shape_of(
                op.results[0]
            )
            if not explicit or "allowzero" in op.properties:
                _reshape_to(op, op.operands[0], rewriter)


@dataclass(frozen=True)
class CanonicalizeReshapesPass(ModulePass):
    name = "canonicalize-reshapes"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(
            GreedyRewritePatternApplier(
                [RemoveIdentity(), CollapseReshapeChain(), ReshapeLikeToReshape()],
                dce_enabled=False,
            ),
        ).rewrite_module(op)
