"""`graph`: tensor-level operators with ONNX semantics.

Every ONNX operator becomes one op class, derived from its signature
(`onnx_signatures.py`, generated from onnx's schemas, and `custom_signatures.py`):
inputs become operands (optional inputs are optional operands, variadic ones variadic),
attributes become properties, and the ONNX defaults stay implicit (`attr_value` fills
them in). Weights are `graph.constant` ops holding dense elements, which print as one hex
blob, so large weights print and parse in time linear in their size.

Custom syntax, shared by all generated ops:

    %y = graph.conv %x, %w, %b {strides = array<i64: 2, 2>, name = "conv1"}
           : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x3x3xf32>

Absent optional operands in the middle print as `none`. Keys in the braces that name a
property of the op are properties; the rest (`name`, the ONNX node name, and annotations
such as `kernel`) are discardable attributes.
"""

from __future__ import annotations

from typing import ClassVar

from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    FloatAttr,
    IntegerAttr,
    StringAttr,
    TensorType,
)
from xdsl.ir import Attribute, Dialect
from xdsl.irdl import (
    AttrSizedOperandSegments,
    AttrSizedResultSegments,
    IRDLOption,
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    opt_prop_def,
    opt_result_def,
    prop_def,
    result_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.traits import Pure

from deeploy.dialects import graph_verifiers
from deeploy.dialects.custom_signatures import CUSTOM_SIGNATURES
from deeploy.dialects.graph_op import (
    OP_VERIFIERS,
    ConstantOp,
    GraphOp,
    constant_value,
    element_type,
    from_attr,
    ints,
    is_op,
    shape_of,
    to_attr,
)
from deeploy.dialects.onnx_signatures import ONNX_OPSET, SIGNATURES
from deeploy.dialects.op_signature import (
    FLOAT,
    FLOATS,
    INT,
    INTS,
    OPTIONAL,
    SINGLE,
    STRING,
    STRINGS,
    TENSOR,
    OpSignature,
)

__all__ = [
    "ONNX_OPSET",
    "ConstantOp",
    "GraphOp",
    "all_ops",
    "constant_value",
    "element_type",
    "from_attr",
    "graph_dialect",
    "ints",
    "is_op",
    "op_class",
    "op_class_for",
    "shape_of",
    "to_attr",
]

_KIND_CONSTRAINTS: dict[str, type[Attribute]] = {
    INT: IntegerAttr,
    FLOAT: FloatAttr,
    STRING: StringAttr,
    INTS: DenseArrayBase,
    FLOATS: DenseArrayBase,
    STRINGS: ArrayAttr,
    TENSOR: DenseIntOrFPElementsAttr,
}


_RESERVED = set(dir(GraphOp))


def _field_name(name: str, taken: set[str]) -> str:
    field = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    if field[0].isdigit():
        field = "_" + field
    while field in _RESERVED or field in taken:
        field += "_"
    taken.add(field)
    return field


def _operand_field(arity: str) -> object:
    """The IRDL field of a tensor operand of this arity."""
    if arity == SINGLE:
        return operand_def(TensorType)
    if arity == OPTIONAL:
        return opt_operand_def(TensorType)
    return var_operand_def(TensorType)


def _result_field(arity: str) -> object:
    """The IRDL field of a tensor result of this arity."""
    if arity == SINGLE:
        return result_def(TensorType)
    if arity == OPTIONAL:
        return opt_result_def(TensorType)
    return var_result_def(TensorType)


def _define(sig: OpSignature) -> type[GraphOp]:
    taken: set[str] = set()
    namespace: dict[str, object] = {
        "name": f"graph.{sig.mnemonic}",
        "SIGNATURE": sig,
        "traits": traits_def(Pure()),
        "__doc__": f"ONNX {sig.op_type} (schema since opset {sig.since}).",
        "__annotations__": {
            "SIGNATURE": ClassVar[OpSignature],
            "OPERAND_FIELDS": ClassVar[list[tuple[str, str]]],
            "RESULT_FIELDS": ClassVar[list[tuple[str, str]]],
        },
    }
    operand_fields: list[tuple[str, str]] = []
    for param in sig.inputs:
        field = _field_name(param.name, taken)
        namespace[field] = _operand_field(param.arity)
        operand_fields.append((field, param.arity))
    result_fields: list[tuple[str, str]] = []
    for param in sig.outputs:
        field = _field_name(param.name, taken)
        namespace[field] = _result_field(param.arity)
        result_fields.append((field, param.arity))
    for attr in sig.attrs:
        field = _field_name(attr.name, taken)
        constraint = _KIND_CONSTRAINTS[attr.kind]
        namespace[field] = (prop_def if attr.required else opt_prop_def)(
            constraint, prop_name=attr.name
        )
    options: list[IRDLOption] = []
    if sum(arity != SINGLE for _, arity in operand_fields) > 1:
        options.append(AttrSizedOperandSegments(as_property=True))
    if sum(arity != SINGLE for _, arity in result_fields) > 1:
        options.append(AttrSizedResultSegments(as_property=True))
    if options:
        namespace["irdl_options"] = tuple(options)
    namespace["OPERAND_FIELDS"] = operand_fields
    namespace["RESULT_FIELDS"] = result_fields
    cls_name = "".join(p.capitalize() for p in sig.mnemonic.split("_")) + "Op"
    return irdl_op_definition(type(cls_name, (GraphOp,), namespace))


def _all_signatures() -> tuple[OpSignature, ...]:
    from deeploy.dialects.requantized_signatures import REQUANTIZED_SIGNATURES

    return SIGNATURES + CUSTOM_SIGNATURES + REQUANTIZED_SIGNATURES


# Op classes are defined on first use: building all ~200 costs a noticeable part of a
# compile's start-up, and a network uses a handful. Parsing loads them all (`all_ops`).
_SIGNATURE_BY_OP_TYPE: dict[str, OpSignature] = {sig.op_type: sig for sig in _all_signatures()}
_CLASS_BY_OP_TYPE: dict[str, type[GraphOp]] = {}


def op_class_for(op_type: str) -> type[GraphOp] | None:
    """The graph op class for an ONNX op type (standard or custom), if any."""
    cls = _CLASS_BY_OP_TYPE.get(op_type)
    if cls is None:
        sig = _SIGNATURE_BY_OP_TYPE.get(op_type)
        if sig is None:
            return None
        cls = _CLASS_BY_OP_TYPE[op_type] = _define(sig)
    return cls


def op_class(op_type: str) -> type[GraphOp]:
    cls = op_class_for(op_type)
    if cls is None:
        raise KeyError(op_type)
    return cls


def all_ops() -> list[type[GraphOp]]:
    return [op_class(op_type) for op_type in _SIGNATURE_BY_OP_TYPE]


def graph_dialect() -> Dialect:
    """The dialect with every op class (what parsing textual IR needs)."""
    return Dialect("graph", [ConstantOp, *all_ops()], [])


# The per-op checks, kept in their own module so this one stays declarative.
graph_verifiers.register(OP_VERIFIERS)
