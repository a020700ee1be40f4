"""Shape arithmetic evaluated during import.

Exported models often compute a Reshape's target shape in the graph (Shape -> Gather ->
Concat -> Reshape, Range for axes). onnx's shape inference loses track of such values in
many cases, which would leave later tensors without a static shape. The importer therefore
evaluates, node by node, the Shape/Size of statically shaped tensors and every node whose
inputs are all small constants, so that the nodes after them see constant inputs and get
static shapes. Larger constant subgraphs (weight preprocessing) are left to the
fold-constants pass, where they stay visible in the IR.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deeploy.dialects.op_signature import NONDETERMINISTIC_OPS
from deeploy.frontend.onnx_normalize import STANDARD_DOMAINS, Node, TensorInfo

# Inputs at most this big count as shape arithmetic (shapes, axes, scalars, small tables).
MAX_INPUT_ELEMENTS = 256
# Results may grow up to this (ConstantOfShape, Range, Expand of a small constant).
MAX_OUTPUT_ELEMENTS = 65536


def static_value(
    node: Node,
    types: dict[str, TensorInfo],
    constants: dict[str, np.ndarray],
    opsets: dict[str, int],
) -> list[np.ndarray] | None:
    """The node's outputs, when they can be computed now (else None)."""
    if node.domain not in STANDARD_DOMAINS or node.op_type in NONDETERMINISTIC_OPS:
        return None
    if node.op_type in ("Shape", "Size") and node.inputs and node.inputs[0] in types:
        shape = types[node.inputs[0]].shape
        if any(d < 0 for d in shape):
            return None
        if node.op_type == "Size":
            return [np.array(int(np.prod(shape, dtype=np.int64)), dtype=np.int64)]
        start, end = node.attrs.get("start", 0), node.attrs.get("end")
        # ONNX clamps negative/out-of-range start and end exactly like a Python slice
        return [np.array(shape, dtype=np.int64)[start:end]]
    present = [i for i in node.inputs if i]
    if not present or not all(
        i in constants and constants[i].size <= MAX_INPUT_ELEMENTS for i in present
    ):
        return None
    return _evaluate(node, constants, opsets)


def _evaluate(
    node: Node, constants: dict[str, np.ndarray], opsets: dict[str, int]
) -> list[np.ndarray] | None:
    from onnx import helper
    from onnx.reference import ReferenceEvaluator

    outputs = [o or f"out{k}" for k, o in enumerate(node.outputs)]
    attrs: dict[str, Any] = node.attrs  # make_node takes any attribute value as **kwargs
    proto = helper.make_node(node.op_type, node.inputs, outputs, **attrs)
    opset = opsets.get("", opsets.get("ai.onnx", 0))
    feeds = {i: constants[i] for i in node.inputs if i}
    try:
        results = ReferenceEvaluator(proto, opsets={"": opset}).run(None, feeds)
    except Exception:  # the reference evaluator raises many kinds of errors: leave the node
        return None
    arrays = [np.asarray(r) for r in results]
    if sum(a.size for a in arrays) > MAX_OUTPUT_ELEMENTS or any(a.dtype == object for a in arrays):
        return None
    return arrays
