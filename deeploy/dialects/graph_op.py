"""The machinery every `graph` op shares: the `GraphOp` base class (custom syntax,
signature checks, attribute defaults), `graph.constant`, and reading tensors' shapes and
constant values. `graph.py` derives one op class per ONNX signature from it; the per-op
verifiers (graph_verifiers.py) register into `OP_VERIFIERS`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum, auto
from functools import lru_cache
from typing import ClassVar, TypeGuard, TypeVar, overload

import numpy as np
from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    FloatAttr,
    IntegerAttr,
    StringAttr,
    TensorType,
    f32,
    i64,
)
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    prop_def,
    result_def,
    traits_def,
)
from xdsl.parser import Parser, UnresolvedOperand
from xdsl.printer import Printer
from xdsl.traits import ConstantLike, Pure
from xdsl.utils.exceptions import VerifyException

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
    float_value,
    int_value,
    list_value,
)
from deeploy.dtypes import dense_from_numpy, numpy_from_dense


def to_attr(kind: str, value: object) -> Attribute:
    """Python value -> property attribute of the given ONNX attribute kind."""
    if kind == INT:
        return IntegerAttr(int_value(value), i64)
    if kind == FLOAT:
        return FloatAttr(float_value(value), f32)
    if kind == STRING:
        return StringAttr(str(value))
    if kind == INTS:
        return DenseArrayBase.from_list(i64, [int_value(v) for v in list_value(value)])
    if kind == FLOATS:
        return DenseArrayBase.from_list(f32, [float_value(v) for v in list_value(value)])
    if kind == STRINGS:
        return ArrayAttr([StringAttr(str(v)) for v in list_value(value)])
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


class _Required(Enum):
    """The default of the typed attribute accessors: the attribute must be there."""

    REQUIRED = auto()


_REQUIRED = _Required.REQUIRED
_T = TypeVar("_T")


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

    # Typed reads of `attr_value`. A stored attribute (or schema default) must be of the
    # kind asked for, else a TypeError naming the op: a wrong kind is a bug to report, not
    # a value to convert. When the attribute is absent and has no schema default, the
    # caller's `default` is the value; without one, that is an error; `None` reads None.
    @overload
    def attr_int(self, name: str, default: int = ...) -> int: ...
    @overload
    def attr_int(self, name: str, default: None) -> int | None: ...
    def attr_int(self, name: str, default: int | _Required | None = _REQUIRED) -> int | None:
        """An INT attribute."""
        value = self.attr_value(name)
        if value is None:
            return self._absent(name, default)
        if isinstance(value, int):
            return value
        raise self._kind_error(name, value, "an integer")

    @overload
    def attr_float(self, name: str, default: float = ...) -> float: ...
    @overload
    def attr_float(self, name: str, default: None) -> float | None: ...
    def attr_float(self, name: str, default: float | _Required | None = _REQUIRED) -> float | None:
        """A FLOAT attribute; an integer reads as its float value, as float() read it."""
        value = self.attr_value(name)
        if value is None:
            absent = self._absent(name, default)
            return None if absent is None else float(absent)
        if isinstance(value, int | float):
            return float(value)
        raise self._kind_error(name, value, "a number")

    @overload
    def attr_str(self, name: str, default: str = ...) -> str: ...
    @overload
    def attr_str(self, name: str, default: None) -> str | None: ...
    def attr_str(self, name: str, default: str | _Required | None = _REQUIRED) -> str | None:
        """A STRING attribute."""
        value = self.attr_value(name)
        if value is None:
            return self._absent(name, default)
        if isinstance(value, str):
            return value
        raise self._kind_error(name, value, "a string")

    @overload
    def attr_ints(self, name: str, default: Sequence[int] = ...) -> tuple[int, ...]: ...
    @overload
    def attr_ints(self, name: str, default: None) -> tuple[int, ...] | None: ...
    def attr_ints(
        self, name: str, default: Sequence[int] | _Required | None = _REQUIRED
    ) -> tuple[int, ...] | None:
        """An INTS attribute, as a tuple."""
        value = self.attr_value(name)
        if value is None:
            absent = self._absent(name, default)
            return None if absent is None else tuple(absent)
        if isinstance(value, tuple) and all(isinstance(v, int) for v in value):
            return value
        raise self._kind_error(name, value, "a list of integers")

    def _absent(self, name: str, default: _T | _Required) -> _T:
        """The caller's default for an attribute that is absent and has no schema default."""
        if isinstance(default, _Required):
            raise ValueError(f"{self.describe()} has no attribute '{name}' and it has no default")
        return default

    def _kind_error(self, name: str, value: object, kind: str) -> TypeError:
        return TypeError(f"{self.describe()}: attribute '{name}' is {value!r}, not {kind}")

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
        names: list[UnresolvedOperand | None] = []
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
        resolved = iter(parser.resolve_operand(n, t) for n, t in zip(present, fn_type.inputs.data))
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


@lru_cache(maxsize=1)
def known_op_types() -> frozenset[str]:
    """Every op type a graph op can have (ONNX, Deeploy's, the requantized ones)."""
    from deeploy.dialects.custom_signatures import CUSTOM_SIGNATURES
    from deeploy.dialects.onnx_signatures import SIGNATURES
    from deeploy.dialects.requantized_signatures import REQUANTIZED_SIGNATURES

    return frozenset(s.op_type for s in (*SIGNATURES, *CUSTOM_SIGNATURES, *REQUANTIZED_SIGNATURES))


def is_op(value: object, *op_types: str) -> TypeGuard[GraphOp]:
    """Whether `value` is a graph op of one of `op_types`. The names are checked: one no
    signature has (a typo) is a KeyError, never a silent mismatch."""
    unknown = [t for t in op_types if t not in known_op_types()]
    if unknown:
        raise KeyError(f"no graph op type {', '.join(unknown)}")
    return isinstance(value, GraphOp) and value.SIGNATURE.op_type in op_types
