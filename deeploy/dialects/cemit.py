"""`cemit`: C source as IR, printed to text by `deeploy.backend.c_printer`.

A module holds `cemit.file` ops, one per generated file. Inside: includes, macros,
comments, global arrays (weights, arenas) and functions. Function bodies are statements
(`cemit.call`, `cemit.comment`, `cemit.switch`, `cemit.local_array`, `cemit.return`)
whose operands are expressions (`cemit.literal`, `cemit.symbol`, `cemit.offset`,
`cemit.cast`, `cemit.element`, `cemit.address`, ...) that the printer inlines at their
use. Global structs (`cemit.struct`) hold constant descriptors such as a tiled layer's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import ClassVar

from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    FloatAttr,
    FunctionType,
    IntAttr,
    IntegerAttr,
    StringAttr,
    SymbolRefAttr,
    UnitAttr,
    i64,
)
from xdsl.ir import (
    Attribute,
    Block,
    Dialect,
    Operation,
    ParametrizedAttribute,
    Region,
    SSAValue,
    TypeAttribute,
)
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    VarConstraint,
    base,
    irdl_attr_definition,
    irdl_op_definition,
    lazy_traits_def,
    operand_def,
    opt_prop_def,
    opt_result_def,
    prop_def,
    region_def,
    result_def,
    traits_def,
    var_operand_def,
    var_region_def,
)
from xdsl.parser import AttrParser, Parser
from xdsl.printer import Printer
from xdsl.traits import (
    HasParent,
    IsolatedFromAbove,
    IsTerminator,
    NoTerminator,
    Pure,
    SingleBlockImplicitTerminator,
    SymbolOpInterface,
    ensure_terminator,
)
from xdsl.utils.exceptions import VerifyException

from deeploy.backend.c_text import comment_problem, is_c_identifier


@irdl_attr_definition
class PointerType(ParametrizedAttribute, TypeAttribute):
    """`!cemit.ptr<f32>`, `!cemit.ptr<f32, const>`, `!cemit.ptr<i8, const restrict>`."""

    name = "cemit.ptr"
    pointee: Attribute
    is_const: IntAttr
    is_restrict: IntAttr

    def __init__(self, pointee: Attribute, const: bool = False, restrict: bool = False) -> None:
        super().__init__(pointee, IntAttr(int(const)), IntAttr(int(restrict)))

    @property
    def const(self) -> bool:
        return bool(self.is_const.data)

    @property
    def restrict(self) -> bool:
        return bool(self.is_restrict.data)

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        with parser.in_angle_brackets():
            pointee = parser.parse_type()
            const = restrict = False
            if parser.parse_optional_punctuation(","):
                while True:
                    word = parser.parse_optional_keyword_in(("const", "restrict"))
                    if word is None:
                        break
                    const |= word == "const"
                    restrict |= word == "restrict"
        return (pointee, IntAttr(int(const)), IntAttr(int(restrict)))

    def print_parameters(self, printer: Printer) -> None:
        with printer.in_angle_brackets():
            printer.print_attribute(self.pointee)
            quals = [q for q, on in (("const", self.const), ("restrict", self.restrict)) if on]
            if quals:
                printer.print_string(", " + " ".join(quals))


@irdl_attr_definition
class OpaqueType(ParametrizedAttribute, TypeAttribute):
    """A C type spelled verbatim: `!cemit.opaque<"size_t">`."""

    name = "cemit.opaque"
    spelling: StringAttr

    def __init__(self, spelling: str) -> None:
        super().__init__(StringAttr(spelling))


@irdl_op_definition
class FileOp(IRDLOperation):
    """One output file: `cemit.file "net.c" { ... }`."""

    name = "cemit.file"
    file_name = prop_def(StringAttr)
    body = region_def("single_block")
    traits = traits_def(NoTerminator(), IsolatedFromAbove())

    def __init__(self, file_name: str, ops: Sequence[Operation] = ()) -> None:
        super().__init__(
            properties={"file_name": StringAttr(file_name)}, regions=[Region(Block(ops))]
        )

    @property
    def path(self) -> str:
        return self.file_name.data

    def verify_(self) -> None:
        name = self.file_name.data
        if not is_c_identifier(name.rpartition(".")[0]) or name.rpartition(".")[2] not in (
            "c",
            "h",
        ):
            raise VerifyException(f"cemit.file: {name!r} is not a plain C file name (name.c/h)")

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_string_literal(self.file_name.data)
        printer.print_op_attributes(self.attributes, print_keyword=True)
        printer.print_string(" ")
        printer.print_region(self.body, print_entry_block_args=False, print_empty_block=False)

    @classmethod
    def parse(cls, parser: Parser) -> FileOp:
        name = parser.parse_str_literal()
        parsed = parser.parse_optional_attr_dict_with_keyword()
        attrs = dict(parsed.data) if parsed is not None else {}
        region = parser.parse_region()
        if not region.blocks:
            region.add_block(Block())
        op = cls.build(
            properties={"file_name": StringAttr(name)}, regions=[region], attributes=attrs
        )
        return op


_SECTION = re.compile(r"\.?[A-Za-z_][A-Za-z0-9_.]*")


def _check_symbol(op: Operation, name: str) -> None:
    if not is_c_identifier(name):
        raise VerifyException(f"{op.name}: {name!r} is not a C identifier")


def _in_file():
    return lazy_traits_def(lambda: (HasParent(FileOp),))


@irdl_op_definition
class IncludeOp(IRDLOperation):
    """`#include <stdint.h>` (system) or `#include "net.h"`."""

    name = "cemit.include"
    header = prop_def(StringAttr)
    system = opt_prop_def(UnitAttr)
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$header attr-dict"
    traits = _in_file()

    def __init__(self, header: str, system: bool = False) -> None:
        props: dict[str, Attribute] = {"header": StringAttr(header)}
        if system:
            props["system"] = UnitAttr()
        super().__init__(properties=props)


@irdl_op_definition
class DefineOp(IRDLOperation):
    """`#define NAME value` for an integer value."""

    name = "cemit.define"
    macro = prop_def(StringAttr)
    value = prop_def(IntegerAttr)
    assembly_format = "$macro $value attr-dict"
    traits = _in_file()

    def __init__(self, macro: str, value: int) -> None:
        super().__init__(properties={"macro": StringAttr(macro), "value": IntegerAttr(value, i64)})

    def verify_(self) -> None:
        if not is_c_identifier(self.macro.data):
            raise VerifyException(f"cemit.define: '{self.macro.data}' is not a C identifier")


@irdl_op_definition
class CommentOp(IRDLOperation):
    """A `/* ... */` comment, at file level or as a statement."""

    name = "cemit.comment"
    text = prop_def(StringAttr)
    assembly_format = "$text attr-dict"

    def __init__(self, text: str) -> None:
        super().__init__(properties={"text": StringAttr(text)})

    def verify_(self) -> None:
        # model text reaches comments only through c_text.quote, which passes this check
        problem = comment_problem(self.text.data)
        if problem is not None:
            raise VerifyException(f"cemit.comment: {problem}")


@irdl_op_definition
class GlobalOp(IRDLOperation):
    """A global array: `cemit.global @w : f32[16] {const, static, alignment = 16} = dense<...>`.

    Without an initial value the array is zero-initialised (.bss): how arenas are made.
    """

    name = "cemit.global"
    sym_name = prop_def(StringAttr)
    element_type = prop_def(TypeAttribute)
    count = prop_def(IntegerAttr)
    initial_value = opt_prop_def(DenseIntOrFPElementsAttr)
    is_const = opt_prop_def(UnitAttr, prop_name="const")
    is_static = opt_prop_def(UnitAttr, prop_name="static")
    alignment = opt_prop_def(IntegerAttr)
    section = opt_prop_def(StringAttr)
    traits = traits_def(SymbolOpInterface(), HasParent(FileOp))

    FLAGS: ClassVar[tuple[str, ...]] = ("const", "static", "alignment", "section")

    def __init__(
        self,
        sym_name: str,
        element_type: Attribute,
        count: int,
        initial_value: DenseIntOrFPElementsAttr | None = None,
        *,
        const: bool = False,
        static: bool = False,
        alignment: int | None = None,
        section: str | None = None,
    ) -> None:
        props: dict[str, Attribute] = {
            "sym_name": StringAttr(sym_name),
            "element_type": element_type,
            "count": IntegerAttr(count, i64),
        }
        if initial_value is not None:
            props["initial_value"] = initial_value
        if const:
            props["const"] = UnitAttr()
        if static:
            props["static"] = UnitAttr()
        if alignment is not None:
            props["alignment"] = IntegerAttr(alignment, i64)
        if section is not None:
            props["section"] = StringAttr(section)
        super().__init__(properties=props)

    def verify_(self) -> None:
        _check_symbol(self, self.sym_name.data)
        if self.section is not None and not _SECTION.fullmatch(self.section.data):
            raise VerifyException(f"cemit.global: section {self.section.data!r} is not plain")
        if self.count.value.data <= 0:
            raise VerifyException("cemit.global: count must be positive")
        if self.initial_value is not None:
            if len(self.initial_value) not in (1, self.count.value.data):
                raise VerifyException("cemit.global: initial value size differs from count")
            if self.initial_value.get_element_type() != self.element_type:
                raise VerifyException("cemit.global: initial value element type differs")

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_symbol_name(self.sym_name.data)
        flags = {k: v for k, v in self.properties.items() if k in self.FLAGS}
        printer.print_op_attributes(flags | dict(self.attributes))
        printer.print_string(" : ")
        printer.print_attribute(self.element_type)
        printer.print_string(f"[{self.count.value.data}]")
        if self.initial_value is not None:
            printer.print_string(" = ")
            printer.print_attribute(self.initial_value)

    @classmethod
    def parse(cls, parser: Parser) -> GlobalOp:
        sym = parser.parse_symbol_name()
        attrs = parser.parse_optional_attr_dict()
        parser.parse_punctuation(":")
        element_type = parser.parse_type()
        parser.parse_punctuation("[")
        count = parser.parse_integer()
        parser.parse_punctuation("]")
        props: dict[str, Attribute] = {
            "sym_name": sym,
            "element_type": element_type,
            "count": IntegerAttr(count, i64),
        }
        if parser.parse_optional_punctuation("="):
            props["initial_value"] = parser.parse_attribute()
        for key in cls.FLAGS:
            if key in attrs:
                props[key] = attrs.pop(key)
        return cls.build(properties=props, attributes=attrs)


@irdl_op_definition
class DiscardOp(IRDLOperation):
    """`(void)value;`: marks a parameter as deliberately unused (a graph input no output
    depends on), which -Wunused-parameter would otherwise flag."""

    name = "cemit.discard"
    value = operand_def()
    traits = lazy_traits_def(lambda: (HasParent(FuncOp),))
    assembly_format = "$value attr-dict `:` type($value)"

    def __init__(self, value: SSAValue) -> None:
        super().__init__(operands=[value])


@irdl_op_definition
class ReturnOp(IRDLOperation):
    name = "cemit.return"
    traits = lazy_traits_def(lambda: (IsTerminator(), HasParent(FuncOp)))
    assembly_format = "attr-dict"

    def __init__(self) -> None:
        super().__init__()


@irdl_op_definition
class FuncOp(IRDLOperation):
    """A C function returning void; without a body it is a prototype.

    cemit.func @net_run(%x: !cemit.ptr<f32, const>) {arg_names = ["x"]} { ... }
    """

    name = "cemit.func"
    sym_name = prop_def(StringAttr)
    function_type = prop_def(FunctionType)
    arg_names = prop_def(ArrayAttr[StringAttr])
    is_static = opt_prop_def(UnitAttr, prop_name="static")
    body = region_def()
    traits = traits_def(
        SymbolOpInterface(), IsolatedFromAbove(), SingleBlockImplicitTerminator(ReturnOp)
    )

    def __init__(
        self,
        sym_name: str,
        arg_types: Sequence[Attribute],
        arg_names: Sequence[str],
        *,
        declaration: bool = False,
        static: bool = False,
    ) -> None:
        props: dict[str, Attribute] = {
            "sym_name": StringAttr(sym_name),
            "function_type": FunctionType.from_lists(list(arg_types), []),
            "arg_names": ArrayAttr([StringAttr(n) for n in arg_names]),
        }
        if static:
            props["static"] = UnitAttr()
        region = Region() if declaration else Region(Block(arg_types=list(arg_types)))
        super().__init__(properties=props, regions=[region])
        if not declaration:
            for trait in self.get_traits_of_type(SingleBlockImplicitTerminator):
                ensure_terminator(self, trait)

    @property
    def is_declaration(self) -> bool:
        return not self.body.blocks

    @property
    def terminator(self) -> Operation:
        """The implicit return that ends a definition's body: code goes before it."""
        last = self.body.block.last_op
        assert last is not None, f"cemit.func {self.sym_name.data} has no body"
        return last

    @property
    def names(self) -> list[str]:
        return [n.data for n in self.arg_names.data]

    def verify_(self) -> None:
        _check_symbol(self, self.sym_name.data)
        n_args = len(self.function_type.inputs.data)
        if len(self.arg_names.data) != n_args:
            raise VerifyException("cemit.func: one argument name per argument")
        if self.function_type.outputs.data:
            raise VerifyException("cemit.func: only void functions are supported")
        if len(set(self.names)) != n_args or not all(is_c_identifier(n) for n in self.names):
            raise VerifyException("cemit.func: argument names must be distinct C identifiers")
        if self.body.blocks:
            block = self.body.block
            if [a.type for a in block.args] != list(self.function_type.inputs.data):
                raise VerifyException("cemit.func: block arguments differ from the function type")

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_symbol_name(self.sym_name.data)
        if self.body.blocks:
            printer.print_string("(")
            printer.print_list(self.body.block.args, printer.print_block_argument)
            printer.print_string(")")
        else:
            printer.print_string("(")
            printer.print_list(self.function_type.inputs.data, printer.print_attribute)
            printer.print_string(")")
        props: dict[str, Attribute] = {"arg_names": self.arg_names}
        if self.is_static is not None:
            props["static"] = self.is_static
        printer.print_op_attributes(props | dict(self.attributes))
        if self.body.blocks:
            printer.print_string(" ")
            printer.print_region(
                self.body, print_entry_block_args=False, print_block_terminators=False
            )

    @classmethod
    def parse(cls, parser: Parser) -> FuncOp:
        sym = parser.parse_symbol_name()
        parser.parse_punctuation("(")
        args: list = []
        types: list[Attribute] = []
        if not parser.parse_optional_punctuation(")"):
            while True:
                arg = parser.parse_optional_argument()
                if arg is not None:
                    args.append(arg)
                    types.append(arg.type)
                else:
                    types.append(parser.parse_type())
                if not parser.parse_optional_punctuation(","):
                    break
            parser.parse_punctuation(")")
        attrs = parser.parse_optional_attr_dict()
        props: dict[str, Attribute] = {
            "sym_name": sym,
            "function_type": FunctionType.from_lists(types, []),
            "arg_names": attrs.pop("arg_names", ArrayAttr([])),
        }
        if "static" in attrs:
            props["static"] = attrs.pop("static")
        region = parser.parse_optional_region(args) if len(args) == len(types) else None
        op = cls.build(properties=props, regions=[region or Region()], attributes=attrs)
        if region is not None:
            for trait in op.get_traits_of_type(SingleBlockImplicitTerminator):
                ensure_terminator(op, trait)
        return op


_T = VarConstraint("T", base(PointerType))


@irdl_op_definition
class CallOp(IRDLOperation):
    """A call statement: `cemit.call @f(%a, %b) : (!cemit.ptr<f32>, i32) -> ()`."""

    name = "cemit.call"
    callee = prop_def(SymbolRefAttr)
    args = var_operand_def()
    result = opt_result_def()
    assembly_format = "$callee `(` $args `)` attr-dict `:` functional-type($args, results)"

    def __init__(self, callee: str, args: Sequence[SSAValue]) -> None:
        super().__init__(
            operands=[list(args)], properties={"callee": SymbolRefAttr(callee)}, result_types=[[]]
        )


@irdl_op_definition
class LiteralOp(IRDLOperation):
    """An integer or floating-point constant, printed inline: `cemit.literal 3 : i32`."""

    name = "cemit.literal"
    value = prop_def(base(IntegerAttr) | base(FloatAttr))
    result = result_def()
    traits = traits_def(Pure())

    def __init__(self, value: IntegerAttr | FloatAttr) -> None:
        super().__init__(properties={"value": value}, result_types=[value.type])

    def verify_(self) -> None:
        if self.value.type != self.result.type:
            raise VerifyException("cemit.literal: result type differs from the value's type")

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_attribute(self.value)
        printer.print_op_attributes(self.attributes)

    @classmethod
    def parse(cls, parser: Parser) -> LiteralOp:
        value = parser.parse_attribute()
        if not isinstance(value, IntegerAttr | FloatAttr):
            parser.raise_error("cemit.literal expects an integer or float")
        op = cls(value)
        op.attributes |= parser.parse_optional_attr_dict()
        return op


@irdl_op_definition
class SymbolOp(IRDLOperation):
    """The address of a global array: `cemit.symbol @arena : !cemit.ptr<ui8>`."""

    name = "cemit.symbol"
    symbol = prop_def(SymbolRefAttr)
    result = result_def(PointerType)
    traits = traits_def(Pure())
    assembly_format = "$symbol attr-dict `:` type($result)"

    def __init__(self, symbol: str, t: PointerType) -> None:
        super().__init__(properties={"symbol": SymbolRefAttr(symbol)}, result_types=[t])


@irdl_op_definition
class NullOp(IRDLOperation):
    """The null pointer: `cemit.null : !cemit.ptr<f32, const>` is `NULL`."""

    name = "cemit.null"
    result = result_def(PointerType)
    traits = traits_def(Pure())
    assembly_format = "attr-dict `:` type($result)"

    def __init__(self, t: PointerType) -> None:
        super().__init__(result_types=[t])


@irdl_op_definition
class OffsetOp(IRDLOperation):
    """Pointer arithmetic in elements: `cemit.offset %p[128] : !cemit.ptr<ui8>` is `(p + 128)`."""

    name = "cemit.offset"
    T: ClassVar = _T
    base_ptr = operand_def(T)
    offset = prop_def(IntegerAttr)
    result = result_def(T)
    traits = traits_def(Pure())
    assembly_format = "$base_ptr `[` $offset `]` attr-dict `:` type($base_ptr)"

    def __init__(self, base_ptr: SSAValue, offset: int) -> None:
        super().__init__(
            operands=[base_ptr],
            properties={"offset": IntegerAttr(offset, i64)},
            result_types=[base_ptr.type],
        )


@irdl_op_definition
class CastOp(IRDLOperation):
    """A C cast: `cemit.cast %p : !cemit.ptr<ui8> to !cemit.ptr<f32>` is `(float *)(p)`."""

    name = "cemit.cast"
    value = operand_def()
    result = result_def()
    traits = traits_def(Pure())
    assembly_format = "$value attr-dict `:` type($value) `to` type($result)"

    def __init__(self, value: SSAValue, t: Attribute) -> None:
        super().__init__(operands=[value], result_types=[t])


@irdl_op_definition
class ElementOp(IRDLOperation):
    """An element of an array by a constant index: `cemit.element %p[2] : T -> U` is `p[2]`."""

    name = "cemit.element"
    base_ptr = operand_def(PointerType)
    index = prop_def(IntegerAttr)
    result = result_def()
    traits = traits_def(Pure())
    assembly_format = "$base_ptr `[` $index `]` attr-dict `:` type($base_ptr) `->` type($result)"

    def __init__(self, base_ptr: SSAValue, index: int) -> None:
        t = base_ptr.type
        assert isinstance(t, PointerType)
        super().__init__(
            operands=[base_ptr],
            properties={"index": IntegerAttr(index, i64)},
            result_types=[t.pointee],
        )

    def verify_(self) -> None:
        t = self.base_ptr.type
        assert isinstance(t, PointerType)
        if self.result.type != t.pointee:
            raise VerifyException("cemit.element: the result type is the pointee type")


@irdl_op_definition
class StringOp(IRDLOperation):
    """A string literal: `cemit.string "L2"` is `"L2"` (a const char pointer)."""

    name = "cemit.string"
    value = prop_def(StringAttr)
    result = result_def(PointerType)
    traits = traits_def(Pure())
    assembly_format = "$value attr-dict `:` type($result)"

    def __init__(self, value: str) -> None:
        super().__init__(
            properties={"value": StringAttr(value)},
            result_types=[PointerType(OpaqueType("char"), const=True)],
        )

    def verify_(self) -> None:
        text = self.value.data
        if comment_problem(text) is not None or any(c in text for c in '"\\\n'):
            raise VerifyException(
                "cemit.string: only printable ASCII without quotes, backslashes or '??'"
            )


@irdl_op_definition
class AddressOp(IRDLOperation):
    """The address of a global object: `cemit.address @layer : T` is `&layer`."""

    name = "cemit.address"
    symbol = prop_def(SymbolRefAttr)
    result = result_def(PointerType)
    traits = traits_def(Pure())
    assembly_format = "$symbol attr-dict `:` type($result)"

    def __init__(self, symbol: str, t: PointerType) -> None:
        super().__init__(properties={"symbol": SymbolRefAttr(symbol)}, result_types=[t])


@irdl_op_definition
class LocalArrayOp(IRDLOperation):
    """A local array initialised from expressions, usable by name afterwards:
    `%h = cemit.local_array "home" (%a, %b) : (T, T) -> !cemit.ptr<T>` is
    `T home[2] = {a, b};`."""

    name = "cemit.local_array"
    var_name = prop_def(StringAttr)
    elements = var_operand_def()
    result = result_def(PointerType)
    assembly_format = (
        "$var_name `(` $elements `)` attr-dict `:` functional-type($elements, $result)"
    )

    def __init__(
        self, var_name: str, elements: Sequence[SSAValue], element_type: Attribute
    ) -> None:
        super().__init__(
            operands=[list(elements)],
            properties={"var_name": StringAttr(var_name)},
            result_types=[PointerType(element_type)],
        )

    def verify_(self) -> None:
        if not is_c_identifier(self.var_name.data):
            raise VerifyException("cemit.local_array: the name must be a C identifier")
        if not self.elements:
            raise VerifyException("cemit.local_array: needs at least one element")


@irdl_op_definition
class SwitchOp(IRDLOperation):
    """`switch (selector) { case k: ... break; }`, one region per case label."""

    name = "cemit.switch"
    selector = operand_def()
    cases = prop_def(DenseArrayBase)
    bodies = var_region_def("single_block")
    traits = traits_def(NoTerminator())

    def __init__(self, selector: SSAValue, cases: Sequence[int]) -> None:
        super().__init__(
            operands=[selector],
            properties={"cases": DenseArrayBase.from_list(i64, list(cases))},
            regions=[[Region(Block()) for _ in cases]],
        )

    @property
    def labels(self) -> list[int]:
        return [int(v) for v in self.cases.get_values()]

    def verify_(self) -> None:
        labels = self.labels
        if len(labels) != len(self.bodies):
            raise VerifyException("cemit.switch: one region per case label")
        if len(set(labels)) != len(labels):
            raise VerifyException("cemit.switch: case labels must be distinct")

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_ssa_value(self.selector)
        printer.print_string(" : ")
        printer.print_attribute(self.selector.type)
        for label, body in zip(self.labels, self.bodies):
            printer.print_string(f" case {label} ")
            printer.print_region(body, print_entry_block_args=False, print_empty_block=True)
        printer.print_op_attributes(self.attributes)

    @classmethod
    def parse(cls, parser: Parser) -> SwitchOp:
        name = parser.parse_unresolved_operand()
        parser.parse_punctuation(":")
        selector = parser.resolve_operand(name, parser.parse_type())
        labels: list[int] = []
        regions: list[Region] = []
        while parser.parse_optional_keyword("case"):
            labels.append(parser.parse_integer())
            region = parser.parse_region()
            if not region.blocks:
                region.add_block(Block())
            regions.append(region)
        op = cls.build(
            operands=[selector],
            properties={"cases": DenseArrayBase.from_list(i64, labels)},
            regions=[regions],
        )
        op.attributes |= parser.parse_optional_attr_dict()
        return op


@irdl_op_definition
class StructOp(IRDLOperation):
    """A global struct with a constant initialiser of integers and symbol addresses:
    `cemit.struct @layer : "deeploy_tiled_layer_t" = [4, @table] {const, static}` is
    `static const deeploy_tiled_layer_t layer = {4, table};`."""

    name = "cemit.struct"
    sym_name = prop_def(StringAttr)
    type_name = prop_def(StringAttr)
    fields = prop_def(ArrayAttr)
    is_const = opt_prop_def(UnitAttr, prop_name="const")
    is_static = opt_prop_def(UnitAttr, prop_name="static")
    traits = traits_def(SymbolOpInterface())

    def __init__(
        self,
        sym_name: str,
        type_name: str,
        fields: Sequence[int | str],
        *,
        const: bool = True,
        static: bool = True,
    ) -> None:
        values: list[Attribute] = [
            IntegerAttr(f, i64) if isinstance(f, int) else SymbolRefAttr(f) for f in fields
        ]
        props: dict[str, Attribute] = {
            "sym_name": StringAttr(sym_name),
            "type_name": StringAttr(type_name),
            "fields": ArrayAttr(values),
        }
        if const:
            props["const"] = UnitAttr()
        if static:
            props["static"] = UnitAttr()
        super().__init__(properties=props)

    def verify_(self) -> None:
        _check_symbol(self, self.sym_name.data)
        _check_symbol(self, self.type_name.data)
        for f in self.fields.data:
            if not isinstance(f, IntegerAttr | SymbolRefAttr):
                raise VerifyException("cemit.struct: fields are integers or symbols")

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_symbol_name(self.sym_name.data)
        printer.print_string(" : ")
        printer.print_string_literal(self.type_name.data)
        printer.print_string(" = ")
        printer.print_attribute(self.fields)
        flags = {k: v for k, v in self.properties.items() if k in ("const", "static")}
        printer.print_op_attributes(flags | dict(self.attributes))

    @classmethod
    def parse(cls, parser: Parser) -> StructOp:
        sym = parser.parse_symbol_name()
        parser.parse_punctuation(":")
        type_name = parser.parse_str_literal()
        parser.parse_punctuation("=")
        fields = parser.parse_attribute()
        attrs = parser.parse_optional_attr_dict()
        props: dict[str, Attribute] = {
            "sym_name": sym,
            "type_name": StringAttr(type_name),
            "fields": fields,
        }
        for key in ("const", "static"):
            if key in attrs:
                props[key] = attrs.pop(key)
        return cls.build(properties=props, attributes=attrs)


CEmit = Dialect(
    "cemit",
    [
        FileOp,
        IncludeOp,
        DefineOp,
        CommentOp,
        GlobalOp,
        FuncOp,
        DiscardOp,
        ReturnOp,
        CallOp,
        LiteralOp,
        SymbolOp,
        NullOp,
        OffsetOp,
        CastOp,
        ElementOp,
        StringOp,
        AddressOp,
        LocalArrayOp,
        SwitchOp,
        StructOp,
    ],
    [PointerType, OpaqueType],
)
