"""Small checks kernel binders share."""

from __future__ import annotations

from xdsl.dialects.builtin import Float32Type
from xdsl.ir import Attribute

from deeploy.dialects.graph import GraphOp, shape_of


def is_f32(t: Attribute) -> bool:
    return isinstance(t, Float32Type)


def f32_only(op: GraphOp, data_inputs: tuple[int, ...] | None = None) -> str | None:
    """Reason string unless the data inputs (default: all operands) and results are float32."""
    values = list(op.results)
    if data_inputs is None:
        values += list(op.operands)
    else:
        values += [v for i in data_inputs if (v := op.operand_at(i)) is not None]
    for value in values:
        element = value.type.get_element_type()  # type: ignore[attr-defined]
        if not is_f32(element):
            return f"needs float32 tensors, got {element}"
    return None


def operand_count(op: GraphOp) -> int:
    return len(op.operands)


def rank(op: GraphOp, index: int = 0) -> int:
    return len(shape_of(op.operands[index]))
