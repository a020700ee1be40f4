"""The files of a lowered network: `<network>.h` (sizes as macros, the init and run
prototypes), `<network>.c` (includes, weights, buffers, arenas or level arrays, tiled
layers' tables, the init and run functions) and the runtime files they need."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from xdsl.dialects import func
from xdsl.dialects.builtin import ArrayAttr, MemRefType, StringAttr
from xdsl.ir import Attribute, BlockArgument, Operation

from deeploy.backend.c_text import c_identifier, quote
from deeploy.dialects import buffer, cemit
from deeploy.kernels.layout import numel

# headers every kernel includes: common definitions, vectors, vector math, integer types
SHARED_HEADERS = ("common", "simd", "vmath", "common_int", "requant")


@dataclass
class NetworkInterface:
    """The run function's parameters: inputs, then outputs, each a restrict pointer."""

    args: list[BlockArgument]
    inputs: list[int]  # indices into args
    outputs: list[int]
    onnx_names: list[str]  # per arg
    param_types: list[Attribute] = field(default_factory=list)
    param_names: list[str] = field(default_factory=list)

    @staticmethod
    def of(fn: func.FuncOp) -> NetworkInterface:
        inputs: list[int] = []
        outputs: list[int] = []
        names: list[str] = []
        attrs = fn.arg_attrs.data if fn.arg_attrs else []
        args = list(fn.body.block.args)
        for i, arg in enumerate(args):
            data = attrs[i].data if i < len(attrs) else {}
            io = data.get("buffer.io")
            name = data.get("graph.name")
            names.append(
                name.data if isinstance(name, StringAttr) else (arg.name_hint or f"arg{i}")
            )
            (outputs if isinstance(io, StringAttr) and io.data == "output" else inputs).append(i)
        interface = NetworkInterface(args, inputs, outputs, names)
        for kind, indices in (("input", inputs), ("output", outputs)):
            for k, i in enumerate(indices):
                t = args[i].type
                assert isinstance(t, MemRefType)
                interface.param_types.append(
                    cemit.PointerType(t.get_element_type(), const=kind == "input", restrict=True)
                )
                interface.param_names.append(f"{kind}_{k}")
        return interface

    @property
    def order(self) -> list[int]:
        """Arg indices in parameter order."""
        return [*self.inputs, *self.outputs]


def _describe_buffer(t: Attribute) -> str:
    from deeploy.dtypes import numpy_dtype

    assert isinstance(t, MemRefType)
    dims = "x".join(str(d) for d in t.get_shape()) or "scalar"
    return f"{numpy_dtype(t.get_element_type()).name}[{dims}]"


def header_file(
    prefix: str, target_name: str, io: NetworkInterface, arenas: dict[str, int]
) -> cemit.FileOp:
    upper = prefix.upper()
    lines = [f"Network '{prefix}' (deeploy-xdsl, target '{target_name}').", ""]
    lines.append(f"Call {prefix}_init() once, then {prefix}_run() per inference.")
    lines.append("Inputs and outputs must not overlap each other. No dynamic memory is used.")
    lines.append("")
    for kind, indices in (("input", io.inputs), ("output", io.outputs)):
        for k, i in enumerate(indices):
            described = _describe_buffer(io.args[i].type)
            lines.append(f"{kind}_{k}: {quote(io.onnx_names[i])} {described}")
    ops: list[Operation] = [
        cemit.CommentOp("\n".join(lines)),
        cemit.IncludeOp("stddef.h", system=True),
        cemit.IncludeOp("stdint.h", system=True),
    ]
    total = sum(arenas.values())
    ops.append(cemit.DefineOp(f"{upper}_ARENA_BYTES", total))
    for level in sorted(arenas):
        ops.append(
            cemit.DefineOp(f"{upper}_ARENA_{c_identifier(level).upper()}_BYTES", arenas[level])
        )
    ops.append(cemit.DefineOp(f"{upper}_NUM_INPUTS", len(io.inputs)))
    ops.append(cemit.DefineOp(f"{upper}_NUM_OUTPUTS", len(io.outputs)))
    for kind, indices in (("INPUT", io.inputs), ("OUTPUT", io.outputs)):
        for k, i in enumerate(indices):
            t = io.args[i].type
            assert isinstance(t, MemRefType)
            ops.append(cemit.DefineOp(f"{upper}_{kind}_{k}_ELEMS", numel(tuple(t.get_shape()))))
            ops.append(cemit.DefineOp(f"{upper}_{kind}_{k}_BYTES", buffer.size_in_bytes(t)))
    ops.append(cemit.FuncOp(f"{prefix}_init", [], [], declaration=True))
    ops.append(cemit.FuncOp(f"{prefix}_run", io.param_types, io.param_names, declaration=True))
    return cemit.FileOp(f"{prefix}.h", ops)


@dataclass
class SourceParts:
    """What the body lowering produced, in the order the source file declares it."""

    kernel_headers: list[str]  # deeploy/<family>.h, as kernels name them
    kernel_sources: list[str]  # runtime-relative .c files
    storage: list[Operation]  # weights, separate buffers, arenas or level arrays, tables
    functions: list[Operation]  # tiled layers' compute functions, init, run
    tiled: bool
    profiled: bool
    uses_math: bool
    uses_string: bool


def source_file(prefix: str, target_name: str, parts: SourceParts) -> cemit.FileOp:
    ops: list[Operation] = [
        cemit.CommentOp(
            f"Network '{prefix}', generated by deeploy-xdsl for target '{target_name}'."
        ),
        cemit.IncludeOp(f"{prefix}.h"),
        *(cemit.IncludeOp(h) for h in sorted(parts.kernel_headers)),
    ]
    if parts.tiled:
        ops += [cemit.IncludeOp("deeploy/dma.h"), cemit.IncludeOp("deeploy/tiled.h")]
    if parts.profiled:
        ops.append(cemit.IncludeOp("deeploy/counter.h"))
    if parts.uses_math:
        ops.append(cemit.IncludeOp("math.h", system=True))
    if parts.uses_string:
        ops.append(cemit.IncludeOp("string.h", system=True))
    return cemit.FileOp(f"{prefix}.c", [*ops, *parts.storage, *parts.functions])


def runtime_files(parts: SourceParts, harness_sources: Sequence[str]) -> list[str]:
    """The runtime headers and sources a build of the network needs, runtime-relative."""
    shared = [f"include/deeploy/{h}.h" for h in SHARED_HEADERS]
    sources = list(parts.kernel_sources)
    if parts.tiled:
        shared += ["include/deeploy/dma.h", "include/deeploy/tiled.h"]
        sources += ["platform/dma.c", "platform/tiled.c"]
    if parts.profiled:
        shared.append("include/deeploy/counter.h")
        sources += list(harness_sources)
    files = [*shared, *(f"include/{h}" for h in sorted(parts.kernel_headers)), *sources]
    return files + [h for h in included_headers(files) if h not in files]


_QUOTED_INCLUDE = re.compile(r'^\s*#\s*include\s+"(deeploy/[A-Za-z0-9_]+\.h)"', re.MULTILINE)


def included_headers(files: Sequence[str]) -> list[str]:
    """The runtime headers `files` include, directly or through other headers, sorted
    (a kernel source may include helpers beyond its own header, even only on some ISAs)."""
    from deeploy.backend.build_files import runtime_dir

    root = runtime_dir()
    seen: set[str] = set()
    todo = list(files)
    while todo:
        text = (root / todo.pop()).read_text()
        for name in _QUOTED_INCLUDE.findall(text):
            header = f"include/{name}"
            if header not in seen:
                seen.add(header)
                todo.append(header)
    return sorted(seen)


def record_runtime_files(source: cemit.FileOp, files: Sequence[str]) -> None:
    source.attributes["runtime_files"] = ArrayAttr([StringAttr(s) for s in files])


LAYER_FUNCTIONS = "layer_functions"


def record_layer_functions(source: cemit.FileOp, layers: Sequence[Sequence[str]]) -> None:
    """Per layer of the run function, in order, the kernel functions it calls: which C
    function a kernel's emit chose is known here only, and the layer report reads it from
    the lowered module (deeploy/layer_report.py)."""
    source.attributes[LAYER_FUNCTIONS] = ArrayAttr(
        [ArrayAttr([StringAttr(s) for s in functions]) for functions in layers]
    )
