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

from collections.abc import Callable, Sequence
from typing import ClassVar

import numpy as np
from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    Float32Type,
    FloatAttr,
    IntegerAttr,
    StringAttr,
    TensorType,
    f32,
    i64,
)
from xdsl.ir import Attribute, Dialect, Operation, SSAValue
from xdsl.irdl import (
    AttrSizedOperandSegments,
    AttrSizedResultSegments,
    IRDLOperation,
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
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.traits import ConstantLike, Pure
from xdsl.utils.exceptions import VerifyException

from deeploy.dialects.custom_signatures import CUSTOM_SIGNATURES
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
from deeploy.dtypes import dense_from_numpy, numpy_from_dense

__all__ = ["ONNX_OPSET", "ConstantOp", "GraphOp", "graph_dialect", "op_class", "op_class_for"]

_KIND_CONSTRAINTS: dict[str, type[Attribute]] = {
    INT: IntegerAttr,
    FLOAT: FloatAttr,
    STRING: StringAttr,
    INTS: DenseArrayBase,
    FLOATS: DenseArrayBase,
    STRINGS: ArrayAttr,
    TENSOR: DenseIntOrFPElementsAttr,
}


def to_attr(kind: str, value: object) -> Attribute:
    """Python value -> property attribute of the given ONNX attribute kind."""
    if kind == INT:
        return IntegerAttr(int(value), i64)  # type: ignore[arg-type]
    if kind == FLOAT:
        return FloatAttr(float(value), f32)  # type: ignore[arg-type]
    if kind == STRING:
        return StringAttr(str(value))
    if kind == INTS:
        return DenseArrayBase.from_list(i64, [int(v) for v in value])  # type: ignore[union-attr]
    if kind == FLOATS:
        return DenseArrayBase.from_list(f32, [float(v) for v in value])  # type: ignore[union-attr]
    if kind == STRINGS:
        return ArrayAttr([StringAttr(str(v)) for v in value])  # type: ignore[union-attr]
    if kind == TENSOR:
        return dense_from_numpy(np.asarray(value))
    raise ValueError(f"unknown attribute kind {kind}")


def from_attr(attr: Attribute) -> object:
    """Property attribute -> plain Python value (tuples for lists, ndarray for tensors)."""
    if isinstance(attr, IntegerAttr):
        return attr.value.data
    if isinstance(attr, FloatAttr):
        return attr.value.data
    if isinstance(attr, StringAttr):
        return attr.data
    if isinstance(attr, DenseArrayBase):
        return tuple(attr.get_values())
    if isinstance(attr, ArrayAttr):
        return tuple(from_attr(a) for a in attr.data)
    if isinstance(attr, DenseIntOrFPElementsAttr):
        return numpy_from_dense(attr)
    raise ValueError(f"cannot convert {attr} to a Python value")


class GraphOp(IRDLOperation):
    """Base of all generated tensor-level ops."""

    SIGNATURE: ClassVar[OpSignature]
    OPERAND_FIELDS: ClassVar[list[tuple[str, str]]]
    RESULT_FIELDS: ClassVar[list[tuple[str, str]]]

    # -- attribute access -------------------------------------------------------------
    def attr_value(self, name: str, default: object = None) -> object:
        """The ONNX attribute's value, or the schema default, or `default`."""
        attr = self.properties.get(name)
        if attr is not None:
            return from_attr(attr)
        sig = self.SIGNATURE.attr(name)
        if sig is not None and sig.default is not None:
            return sig.default
        return default

    def set_attr_value(self, name: str, value: object) -> None:
        sig = self.SIGNATURE.attr(name)
        if sig is None:
            raise KeyError(f"{self.name} has no attribute {name}")
        self.properties[name] = to_attr(sig.kind, value)

    def operand_at(self, index: int) -> SSAValue | None:
        """The value of the index-th ONNX input, or None when that optional input is absent."""
        if index >= len(self.OPERAND_FIELDS):
            return None
        field, arity = self.OPERAND_FIELDS[index]
        value = getattr(self, field)
        if arity == "*":
            raise ValueError(f"{self.name}: input {index} is variadic")
        return value

    @property
    def node_name(self) -> str:
        """The ONNX node name (for messages), or the op type when the node had none."""
        name = self.attributes.get("name")
        return name.data if isinstance(name, StringAttr) else self.SIGNATURE.op_type

    def describe(self) -> str:
        """`'conv1' (Conv)`: how user-facing messages name this node."""
        return f"'{self.node_name}' ({self.SIGNATURE.op_type})"

    # -- verification -----------------------------------------------------------------
    def verify_(self) -> None:
        # Required attributes are enforced by IRDL (they are `prop_def`s).
        for value in (*self.operands, *self.results):
            if not isinstance(value.type, TensorType):
                raise VerifyException(f"{self.name}: operands and results must be tensors")
            if any(d < 0 for d in value.type.get_shape()):
                raise VerifyException(f"{self.name}: tensor shapes must be static")
        check = OP_VERIFIERS.get(self.SIGNATURE.op_type)
        if check is not None:
            check(self)

    # -- custom syntax ----------------------------------------------------------------
    def print(self, printer: Printer) -> None:
        items: list[SSAValue | None] = []
        for field, arity in _operand_layout(type(self)):
            value = getattr(self, field)
            if arity in (SINGLE, OPTIONAL):
                items.append(value)
            else:
                items.extend(value)
        while items and items[-1] is None:
            items.pop()
        if items:
            printer.print_string(" ")
            printer.print_list(
                items,
                lambda v: printer.print_string("none") if v is None else printer.print_ssa_value(v),
            )
        props = {k: v for k, v in self.properties.items() if not k.endswith("SegmentSizes")}
        printer.print_op_attributes(props | dict(self.attributes))
        printer.print_string(" : ")
        printer.print_function_type(self.operand_types, self.result_types)

    @classmethod
    def parse(cls, parser: Parser) -> GraphOp:
        names: list[object | None] = []
        first = parser.parse_optional_unresolved_operand()
        if first is not None or parser.parse_optional_keyword("none"):
            names.append(first)
            while parser.parse_optional_punctuation(","):
                if parser.parse_optional_keyword("none"):
                    names.append(None)
                else:
                    names.append(parser.parse_unresolved_operand())
        attrs = parser.parse_optional_attr_dict()
        parser.parse_punctuation(":")
        fn_type = parser.parse_function_type()
        present = [n for n in names if n is not None]
        if len(present) != len(fn_type.inputs.data):
            parser.raise_error(
                f"{cls.name}: {len(present)} operands but {len(fn_type.inputs.data)} operand types"
            )
        resolved = iter(
            parser.resolve_operand(n, t)
            for n, t in zip(present, fn_type.inputs.data)  # type: ignore[arg-type]
        )
        slots = [None if n is None else next(resolved) for n in names]
        operands = _distribute(cls, slots, parser)
        results = _distribute_results(cls, list(fn_type.outputs.data))
        prop_names = {sig.name for sig in cls.SIGNATURE.attrs}
        properties = {k: v for k, v in attrs.items() if k in prop_names}
        attributes = {k: v for k, v in attrs.items() if k not in prop_names}
        return cls.build(
            operands=operands, result_types=results, properties=properties, attributes=attributes
        )


def _operand_layout(cls: type[GraphOp]) -> list[tuple[str, str]]:
    return cls.OPERAND_FIELDS


def _distribute(cls: type[GraphOp], slots: list[SSAValue | None], parser: Parser) -> list:
    operands: list = []
    layout = _operand_layout(cls)
    pos = 0
    for _, arity in layout:
        if arity == SINGLE:
            if pos >= len(slots) or slots[pos] is None:
                parser.raise_error(f"{cls.name}: missing a required operand")
            operands.append(slots[pos])
            pos += 1
        elif arity == OPTIONAL:
            value = slots[pos] if pos < len(slots) else None
            operands.append([] if value is None else [value])
            pos += 1
        else:
            rest = [s for s in slots[pos:] if s is not None]
            operands.append(rest)
            pos = len(slots)
    if pos < len(slots):
        parser.raise_error(f"{cls.name}: too many operands")
    return operands


def _distribute_results(cls: type[GraphOp], types: list[Attribute]) -> list:
    out: list = []
    pos = 0
    for _, arity in cls.RESULT_FIELDS:
        if arity == SINGLE:
            out.append(types[pos] if pos < len(types) else None)
            pos += 1
        elif arity == OPTIONAL:
            out.append([types[pos]] if pos < len(types) else [])
            pos += 1
        else:
            out.append(types[pos:])
            pos = len(types)
    return out


# Per-op structural checks beyond the signature, filled in by graph_verifiers.
OP_VERIFIERS: dict[str, Callable[[GraphOp], None]] = {}

_RESERVED = set(dir(GraphOp))


def _field_name(name: str, taken: set[str]) -> str:
    field = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    if field[0].isdigit():
        field = "_" + field
    while field in _RESERVED or field in taken:
        field += "_"
    taken.add(field)
    return field


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
        make = {SINGLE: operand_def, OPTIONAL: opt_operand_def}.get(param.arity, var_operand_def)
        namespace[field] = make(TensorType)
        operand_fields.append((field, param.arity))
    result_fields: list[tuple[str, str]] = []
    for param in sig.outputs:
        field = _field_name(param.name, taken)
        make = {SINGLE: result_def, OPTIONAL: opt_result_def}.get(param.arity, var_result_def)
        namespace[field] = make(TensorType)
        result_fields.append((field, param.arity))
    for attr in sig.attrs:
        field = _field_name(attr.name, taken)
        constraint = _KIND_CONSTRAINTS[attr.kind]
        namespace[field] = (prop_def if attr.required else opt_prop_def)(
            constraint, prop_name=attr.name
        )
    options = []
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


@irdl_op_definition
class ConstantOp(IRDLOperation):
    """A weight or other compile-time tensor: `%w = graph.constant dense<...> : tensor<...>`."""

    name = "graph.constant"
    value = prop_def(DenseIntOrFPElementsAttr)
    result = result_def(TensorType)
    traits = traits_def(Pure(), ConstantLike())

    def __init__(self, value: DenseIntOrFPElementsAttr, name: str | None = None) -> None:
        attributes = {"name": StringAttr(name)} if name else {}
        super().__init__(
            properties={"value": value}, result_types=[value.type], attributes=attributes
        )

    @staticmethod
    def from_numpy(
        array: np.ndarray, name: str | None = None, element_type: Attribute | None = None
    ) -> ConstantOp:
        return ConstantOp(dense_from_numpy(array, element_type), name)

    def numpy(self) -> np.ndarray:
        return numpy_from_dense(self.value)

    @property
    def const_name(self) -> str | None:
        name = self.attributes.get("name")
        return name.data if isinstance(name, StringAttr) else None

    def verify_(self) -> None:
        if self.value.type != self.result.type:
            raise VerifyException(
                f"graph.constant: value type {self.value.type} differs from result type {self.result.type}"
            )

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_attribute(self.value)
        printer.print_op_attributes(self.attributes)

    @classmethod
    def parse(cls, parser: Parser) -> ConstantOp:
        value = parser.parse_attribute()
        if not isinstance(value, DenseIntOrFPElementsAttr):
            parser.raise_error("graph.constant expects dense elements")
        attrs = parser.parse_optional_attr_dict()
        op = cls(value)
        op.attributes |= attrs
        return op


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


def is_float_tensor(value: SSAValue | Operation) -> bool:
    t = value.type if isinstance(value, SSAValue) else value.results[0].type
    return isinstance(t, TensorType) and isinstance(t.get_element_type(), Float32Type)


def shape_of(value: SSAValue) -> tuple[int, ...]:
    assert isinstance(value.type, TensorType)
    return tuple(value.type.get_shape())


def element_type(value: SSAValue) -> Attribute:
    assert isinstance(value.type, TensorType)
    return value.type.get_element_type()


def constant_value(value: SSAValue | None) -> np.ndarray | None:
    """The numpy value of a tensor defined by graph.constant, else None."""
    if value is None:
        return None
    owner = value.owner
    if isinstance(owner, ConstantOp):
        return owner.numpy()
    return None


def ints(values: Sequence[int]) -> DenseArrayBase:
    return DenseArrayBase.from_list(i64, list(values))


def graph_dialect() -> Dialect:
    """The dialect with every op class (what parsing textual IR needs)."""
    return Dialect("graph", [ConstantOp, *all_ops()], [])


# Register the per-op verifiers (kept in their own module so this one stays declarative).
from deeploy.dialects import graph_verifiers as _graph_verifiers  # noqa: E402

_graph_verifiers.register(OP_VERIFIERS)
