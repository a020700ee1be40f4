"""Small checks kernel binders share."""

from __future__ import annotations

from xdsl.dialects.builtin import Float32Type
from xdsl.ir import Attribute, SSAValue

from deeploy.dialects.graph import GraphOp, shape_of
from deeploy.dtypes import value_element_type


def is_f32(t: Attribute) -> bool:
    return isinstance(t, Float32Type)


def f32_only(op: GraphOp, data_inputs: tuple[int, ...] | None = None) -> str | None:
    """Reason string unless the data inputs (default: all operands) and results are float32."""
    values: list[SSAValue] = list(op.results)
    if data_inputs is None:
        values += list(op.operands)
    else:
        values += [v for i in data_inputs if (v := op.operand_at(i)) is not None]
    for value in values:
        element = value_element_type(value)
        if not is_f32(element):
            return f"needs float32 tensors, got {element}"
    return None


def rank(op: GraphOp, index: int = 0) -> int:
    return len(shape_of(op.operands[index]))
