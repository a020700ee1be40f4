"""Print `cemit` IR as formatted C99 text.

Statements print one per line; expression ops (`cemit.literal`, `cemit.symbol`,
`cemit.offset`, `cemit.cast`) print inline where they are used. Headers get include
guards and `extern "C"` blocks. Weight arrays print nine significant digits per float,
which round-trips float32 exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
from xdsl.dialects.builtin import (
    DenseIntOrFPElementsAttr,
    FloatAttr,
    IndexType,
    IntegerAttr,
    IntegerType,
    ModuleOp,
    SymbolRefAttr,
)
from xdsl.ir import Attribute, Operation, SSAValue

from deeploy.backend.c_text import c_identifier, comment_problem, is_c_identifier, string_literal
from deeploy.dialects import cemit
from deeploy.dtypes import c_type, numpy_dtype

INDENT = "    "
LINE_WIDTH = 100


def spell_type(t: Attribute) -> str:
    """C spelling of a cemit/builtin type, without a declarator name."""
    if isinstance(t, cemit.PointerType):
        const = "const " if t.const else ""
        restrict = "restrict" if t.restrict else ""
        inner = spell_type(t.pointee)
        return f"{const}{inner}{'' if inner.endswith('*') else ' '}*{restrict}"
    if isinstance(t, cemit.OpaqueType):
        return t.spelling.data
    if isinstance(t, IndexType):
        return "size_t"
    return c_type(t)


def identifier(name: str) -> str:
    """`name`, checked to be a plain C identifier (the lowering derives every name it
    emits with c_text.c_identifier; anything else is a compiler bug, not something to
    print)."""
    if not is_c_identifier(name):
        raise ValueError(f"not a C identifier: {name!r}")
    return name


_FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


def file_name(path: str, folders: bool = False) -> str:
    """`path`, checked to be a plain relative file name (with `folders`, `a/b.h`): what a
    `#include` or an output file may be called."""
    parts = path.split("/") if folders else [path]
    if not all(_FILE_NAME.fullmatch(p) and ".." not in p for p in parts):
        raise ValueError(f"not a plain file name: {path!r}")
    return path


def _declare_param(t: Attribute, name: str) -> str:
    spelled = spell_type(t)
    if spelled.endswith("*"):
        return f"{spelled}{name}"
    return f"{spelled} {name}"


_FIX_INTEGRAL = re.compile(r"(?<![\w.+-])(-?\d+)f")


def format_floats(values: np.ndarray) -> list[str]:
    """float literals with an `f` suffix, exact for float32 (nine significant digits)."""
    flat = values.astype(np.float64).ravel()
    if np.isfinite(flat).all():
        text = ("%.9gf\n" * flat.size) % tuple(flat.tolist())
        text = _FIX_INTEGRAL.sub(r"\1.0f", text)
        return text.split("\n")[:-1]
    out = []
    for v in flat.tolist():
        if v != v:
            out.append("NAN")
        elif v in (float("inf"), float("-inf")):
            out.append("INFINITY" if v > 0 else "-INFINITY")
        else:
            out.append(_FIX_INTEGRAL.sub(r"\1.0f", f"{v:.9g}f"))
    return out


def format_ints(values: np.ndarray, bits: int, unsigned: bool) -> list[str]:
    flat = values.ravel().tolist()
    if bits == 64:
        suffix = "ULL" if unsigned else "LL"
        return ["(-9223372036854775807LL - 1)" if v == -(2**63) else f"{v}{suffix}" for v in flat]
    if bits == 32:
        if unsigned:
            return [f"{v}u" for v in flat]
        return ["(-2147483647 - 1)" if v == -(2**31) else str(v) for v in flat]
    return [str(int(v)) for v in flat]


def format_elements(attr: DenseIntOrFPElementsAttr) -> list[str]:
    from deeploy.dtypes import numpy_from_dense

    element_type = attr.get_element_type()
    array = numpy_from_dense(attr)
    if numpy_dtype(element_type).kind == "f":
        return format_floats(array)
    if isinstance(element_type, IntegerType):
        width = element_type.width.data
        return format_ints(
            array.astype(np.int64) if width < 64 else array, max(width, 8), array.dtype.kind == "u"
        )
    raise ValueError(f"cannot print elements of type {element_type}")


def wrap(items: list[str], indent: str, width: int = LINE_WIDTH) -> list[str]:
    """Comma-separated items packed into lines no longer than width."""
    lines: list[str] = []
    current = indent
    for i, item in enumerate(items):
        piece = item + ("," if i + 1 < len(items) else "")
        if current.strip() and len(current) + 1 + len(piece) > width:
            lines.append(current.rstrip())
            current = indent
        current += piece + " "
    if current.strip():
        lines.append(current.rstrip())
    return lines


_INDEXED = re.compile(r"[A-Za-z_]\w*\[\d+\]")


def _atom(expr: str) -> str:
    """expr, parenthesised unless it already is one token or one parenthesised group."""
    if expr.isidentifier() or _INDEXED.fullmatch(expr):
        return expr
    if expr.startswith("("):
        depth = 0
        for i, ch in enumerate(expr):
            depth += {"(": 1, ")": -1}.get(ch, 0)
            if depth == 0:
                if i == len(expr) - 1:
                    return expr
                break
    return f"({expr})"


class CPrinter:
    """Turns one `cemit.file` into text."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.names: dict[SSAValue, str] = {}

    # -- expressions ------------------------------------------------------------------
    def expr(self, value: SSAValue) -> str:
        if value in self.names:
            return self.names[value]
        op = value.owner
        if isinstance(op, cemit.LiteralOp):
            return self.literal(op.value)
        if isinstance(op, cemit.SymbolOp):
            return identifier(op.symbol.root_reference.data)
        if isinstance(op, cemit.NullOp):
            return "NULL"
        if isinstance(op, cemit.OffsetOp):
            offset = op.offset.value.data
            base = self.expr(op.base_ptr)
            return base if offset == 0 else f"({base} + {offset})"
        if isinstance(op, cemit.CastOp):
            return f"({spell_type(op.result.type)}){_atom(self.expr(op.value))}"
        if isinstance(op, cemit.ElementOp):
            return f"{_atom(self.expr(op.base_ptr))}[{op.index.value.data}]"
        if isinstance(op, cemit.AddressOp):
            return f"&{identifier(op.symbol.root_reference.data)}"
        if isinstance(op, cemit.StringOp):
            return string_literal(op.value.data)
        if isinstance(op, cemit.LocalArrayOp):
            return identifier(op.var_name.data)
        raise ValueError(f"no C expression for {op.name if isinstance(op, Operation) else value}")

    @staticmethod
    def literal(attr: IntegerAttr | FloatAttr) -> str:
        if isinstance(attr, FloatAttr):
            return format_floats(np.array([attr.value.data]))[0]
        t = attr.type
        if isinstance(t, IntegerType):
            width = t.width.data
            return format_ints(np.array([attr.value.data]), max(width, 8), False)[0]
        return str(attr.value.data)

    # -- statements -------------------------------------------------------------------
    def statement(self, op: Operation, indent: str) -> None:
        if isinstance(op, cemit.CallOp):
            args = [self.expr(a) for a in op.args]
            head = f"{indent}{identifier(op.callee.root_reference.data)}("
            one_line = head + ", ".join(args) + ");"
            if len(one_line) <= LINE_WIDTH:
                self.lines.append(one_line)
            else:
                self.lines.append(head)
                self.lines.extend(wrap(args, indent + INDENT * 2))
                self.lines[-1] += ");"
        elif isinstance(op, cemit.CommentOp):
            self.comment(op.text.data, indent)
        elif isinstance(op, cemit.DiscardOp):
            self.lines.append(f"{indent}(void){self.expr(op.value)};")
        elif isinstance(op, cemit.ReturnOp):
            pass  # void functions end without an explicit return
        elif isinstance(op, cemit.SwitchOp):
            self.lines.append(f"{indent}switch ({self.expr(op.selector)}) {{")
            for label, body in zip(op.labels, op.bodies):
                self.lines.append(f"{indent}case {label}:")
                for inner in body.block.ops:
                    self.statement(inner, indent + INDENT)
                self.lines.append(f"{indent}{INDENT}break;")
            self.lines.append(f"{indent}}}")
        elif isinstance(op, cemit.LocalArrayOp):
            t = op.result.type
            assert isinstance(t, cemit.PointerType)
            items = [self.expr(e) for e in op.elements]
            spelled = spell_type(t.pointee)
            gap = "" if spelled.endswith("*") else " "
            head = f"{indent}{spelled}{gap}{identifier(op.var_name.data)}[{len(items)}] = {{"
            one_line = head + ", ".join(items) + "};"
            if len(one_line) <= LINE_WIDTH:
                self.lines.append(one_line)
            else:
                self.lines.append(head)
                self.lines.extend(wrap(items, indent + INDENT * 2))
                self.lines.append(f"{indent}}};")
        elif isinstance(
            op,
            cemit.LiteralOp
            | cemit.SymbolOp
            | cemit.NullOp
            | cemit.OffsetOp
            | cemit.CastOp
            | cemit.ElementOp
            | cemit.StringOp
            | cemit.AddressOp,
        ):
            pass  # printed inline at their uses
        else:
            raise ValueError(f"no C statement for {op.name}")

    def comment(self, text: str, indent: str) -> None:
        problem = comment_problem(text)
        if problem is not None:
            raise ValueError(f"unsafe comment text ({problem}): {text!r}")
        lines = text.split("\n")
        if len(lines) == 1:
            self.lines.append(f"{indent}/* {lines[0]} */")
        else:
            self.lines.append(f"{indent}/*")
            self.lines.extend(f"{indent} * {line}".rstrip() for line in lines)
            self.lines.append(f"{indent} */")

    # -- top level --------------------------------------------------------------------
    def function(self, op: cemit.FuncOp) -> None:
        params = [
            _declare_param(t, identifier(n)) for t, n in zip(op.function_type.inputs.data, op.names)
        ]
        static = "static " if op.is_static is not None else ""
        head = f"{static}void {identifier(op.sym_name.data)}("
        signature = head + (", ".join(params) or "void") + ")"
        if len(signature) > LINE_WIDTH:
            signature = head + "\n" + ",\n".join(INDENT + p for p in params) + ")"
        if op.is_declaration:
            self.lines.append(signature + ";")
            return
        self.lines.append(signature + " {")
        for arg, name in zip(op.body.block.args, op.names):
            self.names[arg] = name
        for inner in op.body.block.ops:
            self.statement(inner, INDENT)
        self.lines.append("}")

    def global_array(self, op: cemit.GlobalOp) -> None:
        parts = []
        if op.is_static is not None:
            parts.append("static")
        if op.is_const is not None:
            parts.append("const")
        name = identifier(op.sym_name.data)
        parts.append(f"{spell_type(op.element_type)} {name}[{op.count.value.data}]")
        if op.alignment is not None:
            parts.append(f"__attribute__((aligned({op.alignment.value.data})))")
        if op.section is not None:
            parts.append(f"__attribute__((section({string_literal(op.section.data)})))")
        decl = " ".join(parts)
        if op.initial_value is None:
            self.lines.append(decl + ";")
            return
        self.lines.append(decl + " = {")
        self.lines.extend(wrap(format_elements(op.initial_value), INDENT))
        self.lines.append("};")

    def struct(self, op: cemit.StructOp) -> None:
        parts = []
        if op.is_static is not None:
            parts.append("static")
        if op.is_const is not None:
            parts.append("const")
        parts.append(f"{identifier(op.type_name.data)} {identifier(op.sym_name.data)} = {{")
        fields = [
            identifier(f.root_reference.data) if isinstance(f, SymbolRefAttr) else str(f.value.data)
            for f in op.fields.data
        ]
        self.lines.append(" ".join(parts))
        self.lines.extend(wrap(fields, INDENT))
        self.lines.append("};")

    def file(self, op: cemit.FileOp) -> str:
        is_header = file_name(op.path).endswith(".h")
        guard = c_identifier(op.path.upper()) + "_"
        if is_header:
            self.lines += [f"#ifndef {guard}", f"#define {guard}", ""]
        previous: str | None = None
        opened_extern_c = False
        for inner in op.body.block.ops:
            kind = inner.name
            if (
                is_header
                and not opened_extern_c
                and isinstance(inner, cemit.FuncOp | cemit.GlobalOp)
            ):
                self._blank()
                self.lines += ["#ifdef __cplusplus", 'extern "C" {', "#endif"]
                opened_extern_c = True
            if previous is not None and (kind != previous or kind in ("cemit.func",)):
                self._blank()
            if isinstance(inner, cemit.IncludeOp):
                h = file_name(inner.header.data, folders=True)
                self.lines.append(
                    f"#include <{h}>" if inner.system is not None else f'#include "{h}"'
                )
            elif isinstance(inner, cemit.DefineOp):
                self.lines.append(
                    f"#define {identifier(inner.macro.data)} {inner.value.value.data}"
                )
            elif isinstance(inner, cemit.CommentOp):
                self.comment(inner.text.data, "")
            elif isinstance(inner, cemit.GlobalOp):
                self.global_array(inner)
            elif isinstance(inner, cemit.FuncOp):
                self.function(inner)
            elif isinstance(inner, cemit.StructOp):
                self.struct(inner)
            else:
                raise ValueError(f"{inner.name} cannot appear at file level")
            previous = kind
        if opened_extern_c:
            self._blank()
            self.lines += ["#ifdef __cplusplus", "}", "#endif"]
        if is_header:
            self._blank()
            self.lines.append(f"#endif /* {guard} */")
        return "\n".join(self.lines) + "\n"

    def _blank(self) -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")


def c_files(module: ModuleOp) -> dict[str, str]:
    """All files of a module lowered to cemit, by file name, in IR order."""
    files: dict[str, str] = {}
    for op in module.ops:
        if isinstance(op, cemit.FileOp):
            files[op.path] = CPrinter().file(op)
    return files


def emit_all(files: dict[str, str]) -> Iterable[str]:
    for name, text in files.items():
        yield f"/* ===== {name} ===== */\n"
        yield text
