"""fuse-matmul-add: MatMul followed by a bias Add becomes one Gemm.

`Add(MatMul(A, B), bias)` with a 2-D B and a bias that only varies along the last axis is
`Gemm(A, B, bias)`; batched A (..., M, K) is viewed as (batch*M, K) and the result viewed
back, both zero-copy reshapes. The bias then costs nothing extra: Gemm adds it while
writing its output, instead of a second pass over the tensor.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import IntegerType, ModuleOp, TensorType, i32
from xdsl.ir import SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
)

from deeploy.dialects.graph import ConstantOp, constant_value, op_class, shape_of
from deeploy.dialects.graph_op import is_op
from deeploy.dtypes import value_element_type


def _reshape(value: SSAValue, shape: tuple[int, ...], name: str) -> list:
    const = ConstantOp.from_numpy(np.array(shape, dtype=np.int64), f"{name}_shape")
    const.result.name_hint = "shape"
    t = TensorType(value_element_type(value), shape)
    reshape = op_class("Reshape").build(
        operands=[value, const.result], result_types=[t], attributes={}
    )
    return [const, reshape]


class MatMulAddToGemm(RewritePattern):
    def match_and_rewrite(self, op, rewriter: PatternRewriter) -> None:
        if not is_op(op, "Add"):
            return
        for mm_index in (0, 1):
            matmul = op.operands[mm_index].owner
            bias = op.operands[1 - mm_index]
            if is_op(matmul, "MatMul") and matmul.results[0].has_one_use():
                break
        else:
            return
        a_shape, b_shape = shape_of(matmul.operands[0]), shape_of(matmul.operands[1])
        out_shape = shape_of(op.results[0])
        if len(a_shape) < 2 or len(b_shape) != 2 or shape_of(matmul.results[0]) != out_shape:
            return
        n = b_shape[1]
        bias_shape = shape_of(bias)
        if any(d != 1 for d in bias_shape[:-1]) or bias_shape[-1:] not in ((1,), (n,), ()):
            return  # the bias must vary along the last axis only
        name = matmul.node_name
        new_ops: list = []
        bias_type = value_element_type(bias)
        if isinstance(bias_type, IntegerType) and bias_type != i32:
            # integer Gemm kernels read C as int32: widen a constant, keep an Add otherwise
            values = constant_value(bias)
            if values is None:
                return
            widened = ConstantOp.from_numpy(values.astype(np.int32), f"{name}_bias32")
            widened.result.name_hint = bias.name_hint
            new_ops.append(widened)
            bias = widened.result
        a = matmul.operands[0]
        rows = prod(a_shape[:-1])
        if len(a_shape) != 2:
            new_ops += _reshape(a, (rows, a_shape[-1]), f"{name}_rows")
            a = new_ops[-1].results[0]
            a.name_hint = "rows"
        c = bias
        if bias_shape not in ((n,), (1,)):
            new_ops += _reshape(bias, (prod(bias_shape),), f"{name}_bias")
            c = new_ops[-1].results[0]
        gemm_type = TensorType(value_element_type(op.results[0]), (rows, n))
        gemm = op_class("Gemm").build(
            operands=[a, matmul.operands[1], [c]],
            result_types=[gemm_type],
            attributes={"name": matmul.attributes["name"]} if "name" in matmul.attributes else {},
        )
        new_ops.append(gemm)
        result = gemm.results[0]
        result.name_hint = "gemm"
        if len(out_shape) != 2:
            new_ops += _reshape(result, out_shape, f"{name}_out")
            result = new_ops[-1].results[0]
        if op.results[0].name_hint:  # an empty hint is not a valid name to set
            result.name_hint = op.results[0].name_hint
        rewriter.replace(op, new_ops, [result])
        rewriter.erase(matmul)


@dataclass(frozen=True)
class FuseMatMulAddPass(ModulePass):
    name = "fuse-matmul-add"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(
            GreedyRewritePatternApplier([MatMulAddToGemm()], dce_enabled=False),
        ).rewrite_module(op)
