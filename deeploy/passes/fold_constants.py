"""fold-constants: evaluate graph ops whose inputs are all known at compile time.

Shape arithmetic (Shape -> Gather -> Concat -> Reshape chains), weight preprocessing
(Transpose/Cast of a weight) and any other all-constant subgraph collapse into
`graph.constant`s. Evaluation uses onnx's reference implementation, so every standard
operator folds with ONNX's exact semantics. `Shape` and `Size` of statically shaped tensors
fold even when the tensor itself is not constant.

Folding never grows the weights much: a result is folded only when it has at most
`max-elements` elements or no more elements than the op's constant inputs together.
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

from deeploy.dialects.graph import ConstantOp, GraphOp, element_type, from_attr, shape_of
from deeploy.dialects.graph_op import is_op
from deeploy.dialects.op_signature import NONDETERMINISTIC_OPS, OPTIONAL, SINGLE
from deeploy.dtypes import element_type_of
from deeploy.passes import options


def _replace_with_constants(
    op: GraphOp, arrays: list[np.ndarray], rewriter: PatternRewriter
) -> None:
    new_ops = []
    for result, array in zip(op.results, arrays):
        const = ConstantOp.from_numpy(np.asarray(array), op.node_name, element_type(result))
        const.result.name_hint = result.name_hint
        new_ops.append(const)
    rewriter.replace(op, new_ops, [c.result for c in new_ops])


class FoldStaticShape(RewritePattern):
    """Shape/Size of a statically shaped tensor is a constant."""

    def match_and_rewrite(self, op, rewriter: PatternRewriter) -> None:
        if not is_op(op, "Shape", "Size"):
            return
        shape = shape_of(op.operands[0])
        if is_op(op, "Size"):
            value = np.array(int(np.prod(shape, dtype=np.int64)), dtype=np.int64)
        else:
            rank = len(shape)
            start = op.attr_int("start", 0)
            end = op.attr_int("end", None)
            start = max(0, start + rank if start < 0 else start)
            stop = rank if end is None else end
            stop = min(rank, stop + rank if stop < 0 else stop)
            value = np.array(shape[start:stop], dtype=np.int64)
        _replace_with_constants(op, [value], rewriter)


@dataclass
class FoldConstantOperands(RewritePattern):
    """An op whose operands are all graph.constant becomes the constants of its results."""

    max_elements: int

    def match_and_rewrite(self, op, rewriter: PatternRewriter) -> None:
        if not isinstance(op, GraphOp) or op.SIGNATURE.domain != "":
            return
        if op.SIGNATURE.op_type in NONDETERMINISTIC_OPS or not op.operands:
            return
        owners = [o for v in op.operands if isinstance(o := v.owner, ConstantOp)]
        if len(owners) != len(op.operands):
            return
        in_elements = sum(int(np.prod(shape_of(v), dtype=np.int64)) for v in op.operands)
        out_elements = sum(int(np.prod(shape_of(r), dtype=np.int64)) for r in op.results)
        if out_elements > max(self.max_elements, in_elements):
            return
        arrays = evaluate(op, [o.numpy() for o in owners])
        if arrays is None:
            return
        for result, array in zip(op.results, arrays):
            if tuple(np.shape(array)) != shape_of(result):
                return  # evaluation disagrees with the IR's types: leave the op alone
            try:
                element_type_of(np.asarray(array).dtype)
            except ValueError:
                return
        _replace_with_constants(op, arrays, rewriter)


def evaluate(op: GraphOp, inputs: list[np.ndarray]) -> list[np.ndarray] | None:
    """Run op on numpy inputs with onnx's reference evaluator (None if it cannot)."""
    from onnx import helper, numpy_helper
    from onnx.reference import ReferenceEvaluator

    from deeploy.dialects.graph import ONNX_OPSET

    names: list[str] = []
    feeds: dict[str, np.ndarray] = {}
    values = iter(inputs)
    for index, (field, arity) in enumerate(type(op).OPERAND_FIELDS):
        value = getattr(op, field)
        if arity == SINGLE or (arity == OPTIONAL and value is not None):
            names.append(f"in{index}")
            feeds[f"in{index}"] = next(values)
        elif arity == OPTIONAL:
            names.append("")
        else:
            for k, _ in enumerate(value):
                names.append(f"in{index}_{k}")
                feeds[f"in{index}_{k}"] = next(values)
    while names and not names[-1]:
        names.pop()
    attrs = {}
    for key, attr in op.properties.items():
        if key.endswith("SegmentSizes"):
            continue
        value = from_attr(attr)
        if isinstance(value, np.ndarray):
            value = numpy_helper.from_array(value)
        elif isinstance(value, tuple):
            value = list(value)
        attrs[key] = value
    outputs = [f"out{i}" for i in range(len(op.results))]
    node = helper.make_node(op.SIGNATURE.op_type, names, outputs, **attrs)
    try:
        result = ReferenceEvaluator(node, opsets={"": ONNX_OPSET}).run(None, feeds)
    except Exception:  # the reference evaluator raises many kinds of errors; do not fold then
        return None
    return [np.asarray(r) for r in result]


@dataclass(frozen=True)
class FoldConstantsPass(ModulePass):
    """Replace compile-time computable graph ops by constants."""

    name = "fold-constants"
    max_elements: int = 65536

    def __post_init__(self) -> None:
        options.non_negative(self.name, "max_elements", self.max_elements)

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(
            GreedyRewritePatternApplier(
                [FoldStaticShape(), FoldConstantOperands(self.max_elements)], dce_enabled=False
            ),
        ).rewrite_module(op)
