"""`buffer`: memref-level ops after bufferisation.

Every tensor becomes a builtin `memref` whose memory space names the memory level it
lives in (`#buffer.level<L2>`). Kernels read and write buffers (`buffer.kernel`),
reshape-like ops become zero-copy views (`buffer.view`), and intermediates are
`buffer.alloc`s that the memory planner gives a static offset inside their level's
arena (`buffer.arena`, one per level, at module level).
"""

from __future__ import annotations

from collections.abc import Sequence
from math import prod

from xdsl.dialects.builtin import (
    DenseIntOrFPElementsAttr,
    DictionaryAttr,
    IntegerAttr,
    MemRefType,
    StringAttr,
    UnitAttr,
    i64,
)
from xdsl.ir import Attribute, Dialect, ParametrizedAttribute, SSAValue
from xdsl.irdl import (
    AttrSizedOperandSegments,
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_attr_definition,
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.parser import AttrParser, Parser
from xdsl.printer import Printer
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from deeploy.dtypes import byte_size


@irdl_attr_definition
class MemoryLevelAttr(ParametrizedAttribute):
    """The memory level a buffer lives in: `#buffer.level<L2>`."""

    name = "buffer.level"
    level: StringAttr

    def __init__(self, level: str | StringAttr) -> None:
        super().__init__(StringAttr(level) if isinstance(level, str) else level)

    @property
    def data(self) -> str:
        return self.level.data

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        with parser.in_angle_brackets():
            return (StringAttr(parser.parse_identifier()),)

    def print_parameters(self, printer: Printer) -> None:
        with printer.in_angle_brackets():
            printer.print_string(self.level.data)


def buffer_type(shape: Sequence[int], element_type: Attribute, level: str) -> MemRefType:
    return MemRefType(element_type, list(shape), memory_space=MemoryLevelAttr(level))


def level_of(value: SSAValue | MemRefType) -> str:
    t = value if isinstance(value, MemRefType) else value.type
    if not isinstance(t, MemRefType) or not isinstance(t.memory_space, MemoryLevelAttr):
        raise ValueError(f"{t} is not a buffer in a memory level")
    return t.memory_space.data


def memref_type(value: SSAValue) -> MemRefType:
    """The type of a value known to be a buffer (an operand IRDL constrains to memrefs,
    which xDSL still types as Attribute)."""
    assert isinstance(value.type, MemRefType), value.type
    return value.type


def size_in_bytes(t: MemRefType) -> int:
    return prod(t.get_shape()) * byte_size(t.get_element_type())


def _check_buffer(op: IRDLOperation, t: Attribute, what: str) -> MemRefType:
    if not isinstance(t, MemRefType):
        raise VerifyException(f"{op.name}: {what} must be a memref")
    if not isinstance(t.memory_space, MemoryLevelAttr):
        raise VerifyException(f"{op.name}: {what} must name its memory level (#buffer.level<...>)")
    if any(d < 0 for d in t.get_shape()):
        raise VerifyException(f"{op.name}: {what} must have a static shape")
    return t


@irdl_op_definition
class AllocOp(IRDLOperation):
    """A buffer in a memory level; `offset` (bytes into the level's arena) is set by planning."""

    name = "buffer.alloc"
    result = result_def(MemRefType)
    offset = opt_prop_def(IntegerAttr)
    assembly_format = "attr-dict `:` type($result)"
    irdl_options = (ParsePropInAttrDict(),)

    def __init__(self, t: MemRefType, name: str | None = None) -> None:
        super().__init__(result_types=[t], attributes={"name": StringAttr(name)} if name else {})

    @property
    def offset_value(self) -> int | None:
        return None if self.offset is None else self.offset.value.data

    def verify_(self) -> None:
        _check_buffer(self, self.result.type, "result")
        if self.offset is not None and self.offset.value.data < 0:
            raise VerifyException("buffer.alloc: offset must be non-negative")


@irdl_op_definition
class ViewOp(IRDLOperation):
    """A zero-copy reinterpretation of a buffer with another shape (Reshape and friends)."""

    name = "buffer.view"
    source = operand_def(MemRefType)
    result = result_def(MemRefType)
    traits = traits_def(Pure())
    assembly_format = "$source attr-dict `:` type($source) `to` type($result)"

    def __init__(self, source: SSAValue, t: MemRefType) -> None:
        super().__init__(operands=[source], result_types=[t])

    def verify_(self) -> None:
        src = _check_buffer(self, self.source.type, "source")
        dst = _check_buffer(self, self.result.type, "result")
        if src.get_element_type() != dst.get_element_type():
            raise VerifyException("buffer.view: element types differ")
        if prod(src.get_shape()) != prod(dst.get_shape()):
            raise VerifyException("buffer.view: element counts differ")
        if src.memory_space != dst.memory_space:
            raise VerifyException("buffer.view: memory levels differ")


def print_operand_group(printer: Printer, keyword: str, values: Sequence[SSAValue]) -> None:
    """` keyword(%a, %b : type_a, type_b)`, the operand syntax of kernel-calling ops."""
    printer.print_string(f" {keyword}(")
    if values:
        printer.print_list(values, printer.print_ssa_value)
        printer.print_string(" : ")
        printer.print_list([v.type for v in values], printer.print_attribute)
    printer.print_string(")")


def parse_operand_group(parser: Parser, what: str) -> list[SSAValue]:
    """The `(%a, %b : type_a, type_b)` after a keyword; `what` names it in errors."""
    parser.parse_punctuation("(")
    if parser.parse_optional_punctuation(")"):
        return []
    names = parser.parse_comma_separated_list(
        parser.Delimiter.NONE, parser.parse_unresolved_operand
    )
    parser.parse_punctuation(":")
    types = parser.parse_comma_separated_list(parser.Delimiter.NONE, parser.parse_type)
    if len(types) != len(names):
        parser.raise_error(f"{what} has {len(names)} values but {len(types)} types")
    parser.parse_punctuation(")")
    return [parser.resolve_operand(n, t) for n, t in zip(names, types)]


@irdl_op_definition
class KernelOp(IRDLOperation):
    """One runtime kernel invocation on buffers.

        buffer.kernel "conv2d_f32" ins(%x, %w : memref<...>, memref<...>)
                      outs(%y : memref<...>) {params = {...}, name = "conv1"}

    `kernel` names an entry of the target's kernel library; `params` are the normalised
    parameters the kernel binder computed (every ONNX default resolved).
    """

    name = "buffer.kernel"
    kernel = prop_def(StringAttr)
    params = prop_def(DictionaryAttr)
    ins = var_operand_def(MemRefType)
    outs = var_operand_def(MemRefType)
    irdl_options = (AttrSizedOperandSegments(as_property=True),)

    def __init__(
        self,
        kernel: str,
        ins: Sequence[SSAValue],
        outs: Sequence[SSAValue],
        params: DictionaryAttr | dict[str, Attribute],
        attributes: dict[str, Attribute] | None = None,
    ) -> None:
        if isinstance(params, dict):
            params = DictionaryAttr(params)
        super().__init__(
            operands=[list(ins), list(outs)],
            properties={"kernel": StringAttr(kernel), "params": params},
            attributes=attributes or {},
        )

    @property
    def kernel_name(self) -> str:
        return self.kernel.data

    @property
    def node_name(self) -> str:
        name = self.attributes.get("name")
        return name.data if isinstance(name, StringAttr) else self.kernel.data

    def verify_(self) -> None:
        if not self.outs:
            raise VerifyException("buffer.kernel: needs at least one output buffer")
        for v in (*self.ins, *self.outs):
            _check_buffer(self, v.type, "operand")

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_string_literal(self.kernel.data)
        print_operand_group(printer, "ins", self.ins)
        print_operand_group(printer, "outs", self.outs)
        printer.print_op_attributes({"params": self.params, **self.attributes})

    @classmethod
    def parse(cls, parser: Parser) -> KernelOp:
        kernel = parser.parse_str_literal()
        groups: list[list[SSAValue]] = []
        for keyword in ("ins", "outs"):
            parser.parse_keyword(keyword)
            groups.append(parse_operand_group(parser, f"buffer.kernel: {keyword}"))
        attrs = parser.parse_optional_attr_dict()
        params = attrs.pop("params", DictionaryAttr({}))
        if not isinstance(params, DictionaryAttr):
            parser.raise_error("buffer.kernel: params must be a dictionary")
        return cls(kernel, groups[0], groups[1], params, attrs)


@irdl_op_definition
class ConstantOp(IRDLOperation):
    """A read-only buffer with compile-time contents (weights):

    %w = buffer.constant dense<...> : tensor<4xf32> {name = "fc.weight"} : memref<4xf32, #buffer.level<L2>>
    """

    name = "buffer.constant"
    value = prop_def(DenseIntOrFPElementsAttr)
    result = result_def(MemRefType)
    traits = traits_def(Pure())

    def __init__(
        self, value: DenseIntOrFPElementsAttr, level: str, name: str | None = None
    ) -> None:
        t = buffer_type(value.get_shape(), value.get_element_type(), level)
        super().__init__(
            properties={"value": value},
            result_types=[t],
            attributes={"name": StringAttr(name)} if name else {},
        )

    @property
    def const_name(self) -> str | None:
        name = self.attributes.get("name")
        return name.data if isinstance(name, StringAttr) else None

    def verify_(self) -> None:
        t = _check_buffer(self, self.result.type, "result")
        if (
            tuple(t.get_shape()) != tuple(self.value.get_shape())
            or t.get_element_type() != self.value.get_element_type()
        ):
            raise VerifyException("buffer.constant: value and buffer types differ")

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_attribute(self.value)
        printer.print_op_attributes(self.attributes)
        printer.print_string(" : ")
        printer.print_attribute(self.result.type)

    @classmethod
    def parse(cls, parser: Parser) -> ConstantOp:
        value = parser.parse_attribute()
        if not isinstance(value, DenseIntOrFPElementsAttr):
            parser.raise_error("buffer.constant expects dense elements")
        attrs = parser.parse_optional_attr_dict()
        parser.parse_punctuation(":")
        t = parser.parse_type()
        return cls.build(properties={"value": value}, result_types=[t], attributes=attrs)


@irdl_op_definition
class CopyOp(IRDLOperation):
    """Copy one buffer into another of the same shape (e.g. a graph output that aliases an input)."""

    name = "buffer.copy"
    source = operand_def(MemRefType)
    target = operand_def(MemRefType)
    assembly_format = "$source `,` $target attr-dict `:` type($source) `,` type($target)"

    def __init__(self, source: SSAValue, target: SSAValue) -> None:
        super().__init__(operands=[source, target])

    def verify_(self) -> None:
        src = _check_buffer(self, self.source.type, "source")
        dst = _check_buffer(self, self.target.type, "target")
        if src.get_element_type() != dst.get_element_type() or prod(src.get_shape()) != prod(
            dst.get_shape()
        ):
            raise VerifyException("buffer.copy: source and target differ in type or size")


@irdl_op_definition
class ArenaOp(IRDLOperation):
    """The static arena of one memory level: `buffer.arena L2 size 4096 align 16`.

    `lower_bound` records the live-set lower bound the planner computed, for reports;
    `optimal` says the planner proved no placement needs less.
    """

    name = "buffer.arena"
    level = prop_def(MemoryLevelAttr)
    size = prop_def(IntegerAttr)
    alignment = prop_def(IntegerAttr)
    lower_bound = opt_prop_def(IntegerAttr)
    optimal = opt_prop_def(UnitAttr)

    def __init__(
        self,
        level: str,
        size: int,
        alignment: int,
        lower_bound: int | None = None,
        optimal: bool = False,
    ) -> None:
        props: dict[str, Attribute] = {
            "level": MemoryLevelAttr(level),
            "size": IntegerAttr(size, i64),
            "alignment": IntegerAttr(alignment, i64),
        }
        if lower_bound is not None:
            props["lower_bound"] = IntegerAttr(lower_bound, i64)
        if optimal:
            props["optimal"] = UnitAttr()
        super().__init__(properties=props)

    @property
    def level_name(self) -> str:
        return self.level.data

    @property
    def size_bytes(self) -> int:
        return self.size.value.data

    def verify_(self) -> None:
        if self.size.value.data < 0:
            raise VerifyException("buffer.arena: size must be non-negative")
        align = self.alignment.value.data
        if align <= 0 or align & (align - 1):
            raise VerifyException("buffer.arena: alignment must be a power of two")

    def print(self, printer: Printer) -> None:
        printer.print_string(
            f" {self.level.data} size {self.size.value.data} align {self.alignment.value.data}"
        )
        if self.lower_bound is not None:
            printer.print_string(f" lower_bound {self.lower_bound.value.data}")
        if self.optimal is not None:
            printer.print_string(" optimal")
        printer.print_op_attributes(self.attributes)

    @classmethod
    def parse(cls, parser: Parser) -> ArenaOp:
        level = parser.parse_identifier()
        parser.parse_keyword("size")
        size = parser.parse_integer()
        parser.parse_keyword("align")
        align = parser.parse_integer()
        lower = parser.parse_integer() if parser.parse_optional_keyword("lower_bound") else None
        optimal = parser.parse_optional_keyword("optimal") is not None
        op = cls(level, size, align, lower, optimal)
        op.attributes |= parser.parse_optional_attr_dict()
        return op


Buffer = Dialect(
    "buffer", [AllocOp, ConstantOp, ViewOp, KernelOp, CopyOp, ArenaOp], [MemoryLevelAttr]
)
