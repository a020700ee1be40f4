"""Deeploy's code fragments, carved out of our generated network files.

Deeploy assembles its network source from fragments (globals, the inference function's
body, initialisation code...) that callers paste into their own templates. Our compiler
writes whole files (`<name>.h`, `<name>.c`) from a `cemit` module instead; each function
here prints the part of that module which plays the fragment's role, with the same C
printer, so every fragment is text that appears verbatim in the generated files.

| Deeploy fragment                | here                                                   |
|---------------------------------|--------------------------------------------------------|
| IncludeString                   | the `#include` lines of `<name>.c`                     |
| GlobalDefinitionCode            | file-scope structs and static functions of `<name>.c`  |
|                                 | (tile descriptors, per-layer compute closures)         |
| BufferInitializationCode        | the constant arrays of `<name>.c` (weights, tile tables)|
| InferenceInitializationCode     | the arena arrays, where every intermediate lives       |
| InferenceCode                   | the body of `<name>_run`                               |
| EngineInitializationCode        | the body of `<name>_init`                              |
| IOBufferInitializationCode      | the I/O macros of `<name>.h` and `<name>_run`'s        |
|                                 | prototype (inputs/outputs are the caller's arrays)     |
| BufferAllocationCode            | "" (no memory is allocated at run time)                |
| BufferDeAllocationCode          | "" (nothing to free)                                   |
"""

from __future__ import annotations

from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation


def _file(module: ModuleOp, suffix: str):
    from deeploy.dialects import cemit

    for op in module.ops:
        if isinstance(op, cemit.FileOp) and op.path.endswith(suffix):
            return op
    raise ValueError(f"the module has no generated {suffix} file")


def _print_ops(ops: list[Operation]) -> str:
    from deeploy.backend.c_printer import CPrinter
    from deeploy.dialects import cemit

    chunks = []
    for op in ops:
        printer = CPrinter()
        if isinstance(op, cemit.GlobalOp):
            printer.global_array(op)
        elif isinstance(op, cemit.StructOp):
            printer.struct(op)
        elif isinstance(op, cemit.FuncOp):
            printer.function(op)
        chunks.append("\n".join(printer.lines))
    return "\n".join(chunks) + ("\n" if chunks else "")


def _function(module: ModuleOp, suffix: str, network: str):
    from deeploy.dialects import cemit

    for op in _file(module, ".c").body.block.ops:
        if isinstance(op, cemit.FuncOp) and op.sym_name.data == f"{network}{suffix}":
            return op
    raise ValueError(f"the generated source has no function {network}{suffix}")


def function_body(module: ModuleOp, network: str, suffix: str) -> str:
    """The statements of `<network><suffix>` as printed in the source (indented)."""
    from deeploy.backend.c_printer import INDENT, CPrinter

    fn = _function(module, suffix, network)
    printer = CPrinter()
    for arg, name in zip(fn.body.block.args, fn.names):
        printer.names[arg] = name
    for op in fn.body.block.ops:
        printer.statement(op, INDENT)
    return "\n".join(printer.lines) + ("\n" if printer.lines else "")


def includes(module: ModuleOp) -> str:
    from deeploy.dialects import cemit

    lines = [
        f"#include <{op.header.data}>" if op.system is not None else f'#include "{op.header.data}"'
        for op in _file(module, ".c").body.block.ops
        if isinstance(op, cemit.IncludeOp)
    ]
    return "\n".join(lines)


def constant_arrays(module: ModuleOp) -> str:
    from deeploy.dialects import cemit

    ops = _file(module, ".c").body.block.ops
    return _print_ops(
        [op for op in ops if isinstance(op, cemit.GlobalOp) and op.is_const is not None]
    )


def arena_arrays(module: ModuleOp) -> str:
    from deeploy.dialects import cemit

    ops = _file(module, ".c").body.block.ops
    return _print_ops([op for op in ops if isinstance(op, cemit.GlobalOp) and op.is_const is None])


def global_definitions(module: ModuleOp) -> str:
    from deeploy.dialects import cemit

    ops = _file(module, ".c").body.block.ops
    return _print_ops(
        [
            op
            for op in ops
            if isinstance(op, cemit.StructOp)
            or (isinstance(op, cemit.FuncOp) and op.is_static is not None)
        ]
    )


def io_declarations(module: ModuleOp, network: str) -> str:
    """The header's I/O macros (counts, elements and bytes of every input and output) and
    the prototype of `<network>_run`, which takes the I/O arrays."""
    from deeploy.backend.c_printer import CPrinter
    from deeploy.dialects import cemit

    prefix = network.upper()
    io_macros = (f"{prefix}_NUM_", f"{prefix}_INPUT_", f"{prefix}_OUTPUT_")
    lines = []
    for op in _file(module, ".h").body.block.ops:
        if isinstance(op, cemit.DefineOp) and op.macro.data.startswith(io_macros):
            lines.append(f"#define {op.macro.data} {op.value.value.data}")
        elif isinstance(op, cemit.FuncOp) and op.sym_name.data == f"{network}_run":
            printer = CPrinter()
            printer.function(op)
            lines.extend(printer.lines)
    return "\n".join(lines)
