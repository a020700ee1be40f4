"""fuse-requant: an integer Conv, Gemm, MatMul or Add followed by a RequantShift becomes
one requantised op (RequantizedConv, ...): the kernel requantises its int32 accumulators
as it stores them, so the int32 intermediate never reaches memory.

The fusion applies when the producer's result has no other user and the RequantShift's
mul and add are constants that vary along at most one axis of the result (`rq_axis`;
-1 when both are scalars): they become 1-D constants of one value per channel (Conv, Gemm,
MatMul) or keep the result's rank (Add, whose kernel broadcasts them like operands).
MatMul fuses only along its matrix axes (each batch call restarts its channel count).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, StringAttr
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
)
from xdsl.rewriter import InsertPoint

from deeploy.dialects.graph import ConstantOp, GraphOp, constant_value, op_class, shape_of
from deeploy.dialects.graph_op import is_op
from deeploy.dtypes import value_element_type
from deeploy.integer_types import I32, is_integer
from deeploy.kernels.requant import rq_param_shape

FUSABLE = ("Conv", "Gemm", "MatMul", "Add")


def _varying_axis(shape: tuple[int, ...], out: tuple[int, ...]) -> int | None:
    """The one axis of out along which a tensor of `shape` varies (-1: none), else None."""
    padded = (1,) * (len(out) - len(shape)) + shape
    axes = [i for i, (d, o) in enumerate(zip(padded, out)) if d > 1 and d == o]
    if len(axes) > 1:
        return None
    return axes[0] if axes else -1


def _allowed(op_type: str, axis: int, rank: int) -> bool:
    if axis == -1:
        return True
    if op_type == "Conv":
        return axis == 1
    if op_type == "MatMul":
        return axis >= rank - 2
    return True  # Gemm: rows or columns; Add: any axis


def _constant(values: np.ndarray, like: GraphOp, suffix: str) -> ConstantOp:
    const = ConstantOp.from_numpy(values.astype(np.int32), f"{like.node_name}_{suffix}", I32)
    const.result.name_hint = suffix
    return const


class FuseRequantShift(RewritePattern):
    def match_and_rewrite(self, op, rewriter: PatternRewriter) -> None:
        if not is_op(op, "RequantShift"):
            return
        producer = op.operands[0].owner
        if not is_op(producer, *FUSABLE):
            return
        if len(producer.results) != 1 or not producer.results[0].has_one_use():
            return
        if not is_integer(value_element_type(op.operands[0])):
            return
        mul, add = constant_value(op.operands[1]), constant_value(op.operands[2])
        if mul is None or add is None:
            return
        out = shape_of(op.results[0])
        mul_shape, add_shape = rq_param_shape(mul.shape, out), rq_param_shape(add.shape, out)
        if mul_shape is None or add_shape is None:
            return
        mul, add = mul.reshape(mul_shape), add.reshape(add_shape)
        axis = _varying_axis(np.broadcast_shapes(mul.shape, add.shape), out)
        if axis is None or not _allowed(producer.SIGNATURE.op_type, axis, len(out)):
            return
        op_type = producer.SIGNATURE.op_type
        if op_type == "Add":
            shape = tuple(out[i] if i == axis else 1 for i in range(len(out)))
        else:
            shape = (out[axis],) if axis >= 0 else (1,)
        full = tuple(out[i] if i == axis else 1 for i in range(len(out)))
        mul_c, add_c = (
            _constant(
                np.broadcast_to(v.reshape((1,) * (len(out) - v.ndim) + v.shape), full).reshape(
                    shape
                ),
                op,
                suffix,
            )
            for v, suffix in ((mul, "mul"), (add, "add"))
        )
        fused_cls = op_class(f"Requantized{op_type}")
        fused = fused_cls.create(
            operands=[*producer.operands, mul_c.result, add_c.result],
            result_types=[op.results[0].type],
            properties=dict(producer.properties),
            attributes={
                "name": StringAttr(producer.node_name),
                "fused": StringAttr(op.node_name),
            },
        )
        for name in ("div", "n_levels", "signed"):
            value = op.attr_value(name)
            if value is not None:
                fused.set_attr_value(name, value)
        levels_out = op.attr_value("n_levels_out")
        if levels_out is not None:
            fused.set_attr_value("n_levels", levels_out)
        fused.set_attr_value("rq_axis", axis)
        fused.results[0].name_hint = op.results[0].name_hint
        # the fused op sits where the RequantShift was: every operand is defined by then
        rewriter.insert([mul_c, add_c], InsertPoint.before(op))
        rewriter.replace(op, [fused], [fused.results[0]])
        rewriter.erase(producer)


@dataclass(frozen=True)
class FuseRequantPass(ModulePass):
    name = "fuse-requant"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(
            GreedyRewritePatternApplier([FuseRequantShift()]),
        ).rewrite_module(op)
