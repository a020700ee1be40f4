"""lower-to-c: a bufferised, memory-planned network -> `cemit` files.

Produces `<network>.h` (sizes as macros, the init/run prototypes) and `<network>.c`
(weights as const arrays, one static arena per memory level, and the run function
calling one runtime kernel per layer). Every buffer becomes a pointer expression:
function arguments for inputs/outputs, `(T *)(arena + offset)` for intermediates, the
weight array for constants; views reuse their source's pointer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from xdsl.builder import Builder
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    FloatAttr,
    IntegerAttr,
    IntegerType,
    MemRefType,
    ModuleOp,
    Signedness,
    StringAttr,
    f32,
    i32,
)
from xdsl.ir import Attribute, BlockArgument, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint
from xdsl.utils.exceptions import PassFailedException

from deeploy.dialects import buffer, cemit
from deeploy.dtypes import dense_from_numpy, numpy_from_dense
from deeploy.kernels.base import KernelLibrary
from deeploy.kernels.layout import numel

U8 = IntegerType(8, Signedness.UNSIGNED)
_C_KEYWORDS = {
    "auto",
    "break",
    "case",
    "char",
    "const",
    "continue",
    "default",
    "do",
    "double",
    "else",
    "enum",
    "extern",
    "float",
    "for",
    "goto",
    "if",
    "inline",
    "int",
    "long",
    "register",
    "restrict",
    "return",
    "short",
    "signed",
    "sizeof",
    "static",
    "struct",
    "switch",
    "typedef",
    "union",
    "unsigned",
    "void",
    "volatile",
    "while",
}


def c_name(text: str, limit: int = 40) -> str:
    name = re.sub(r"\W+", "_", text).strip("_")[:limit] or "t"
    if name[0].isdigit():
        name = f"t{name}"
    return name


@dataclass
class CallEmitter:
    """Implements `kernels.base.Emitter` on top of a cemit function body."""

    prefix: str
    builder: Builder
    params: dict[SSAValue, SSAValue]
    globals_: list[cemit.GlobalOp] = field(default_factory=list)
    uses_math: bool = False
    uses_string: bool = False
    _pointers: dict[SSAValue, SSAValue] = field(default_factory=dict)
    _arrays: dict[tuple[str, bytes], str] = field(default_factory=dict)
    _symbols: set[str] = field(default_factory=set)
    _arena_syms: dict[str, str] = field(default_factory=dict)
    weight_ops: list[cemit.GlobalOp] = field(default_factory=list)
    buffer_ops: list[cemit.GlobalOp] = field(default_factory=list)
    alignment: int = 16
    separate_buffers: bool = False

    def _insert(self, op: Operation) -> SSAValue:
        self.builder.insert(op)
        return op.results[0]

    def unique_symbol(self, base: str) -> str:
        name = base
        k = 1
        while name in self._symbols:
            name = f"{base}_{k}"
            k += 1
        self._symbols.add(name)
        return name

    def arena_symbol(self, level: str) -> str:
        if level not in self._arena_syms:
            self._arena_syms[level] = self.unique_symbol(f"{self.prefix}_arena_{c_name(level)}")
        return self._arena_syms[level]

    # -- Emitter interface --------------------------------------------------------------
    def ptr(self, buf: SSAValue, const: bool = False) -> SSAValue:
        del const  # T * converts to const T * implicitly
        if buf in self._pointers:
            return self._pointers[buf]
        t = buf.type
        assert isinstance(t, MemRefType)
        element = t.get_element_type()
        owner = buf.owner
        if isinstance(buf, BlockArgument):
            value = self.params[buf]
        elif isinstance(owner, buffer.ViewOp):
            value = self.ptr(owner.source)
        elif isinstance(owner, buffer.ConstantOp):
            value = self._insert(
                cemit.SymbolOp(self._weight(owner), cemit.PointerType(element, const=True))
            )
        elif isinstance(owner, buffer.AllocOp):
            if owner.offset_value is None:
                raise PassFailedException(
                    "lower-to-c: a buffer.alloc has no offset; run plan-memory first"
                )
            if self.separate_buffers:
                own = self.unique_symbol(f"{self.prefix}_buf_{c_name(buf.name_hint or 'tmp')}")
                self.buffer_ops.append(
                    cemit.GlobalOp(
                        own,
                        element,
                        max(1, numel(tuple(t.get_shape()))),
                        static=True,
                        alignment=self.alignment,
                    )
                )
                value = self._insert(cemit.SymbolOp(own, cemit.PointerType(element)))
                self._pointers[buf] = value
                return value
            arena = self._insert(
                cemit.SymbolOp(self.arena_symbol(buffer.level_of(buf)), cemit.PointerType(U8))
            )
            shifted = self._insert(cemit.OffsetOp(arena, owner.offset_value))
            value = self._insert(cemit.CastOp(shifted, cemit.PointerType(element)))
        else:
            raise PassFailedException(f"lower-to-c: no pointer for a buffer defined by {owner}")
        self._pointers[buf] = value
        return value

    def ptr_at(self, buf: SSAValue, element_offset: int, const: bool = False) -> SSAValue:
        base = self.ptr(buf, const)
        return base if element_offset == 0 else self._insert(cemit.OffsetOp(base, element_offset))

    def null(self, element_type: Attribute, const: bool = True) -> SSAValue:
        return self._insert(cemit.NullOp(cemit.PointerType(element_type, const=const)))

    def i32(self, value: int) -> SSAValue:
        if not -(2**31) <= value < 2**31:
            raise PassFailedException(
                f"lower-to-c: {value} does not fit a kernel's int32_t argument"
            )
        return self._insert(cemit.LiteralOp(IntegerAttr(value, i32)))

    def f32(self, value: float) -> SSAValue:
        if not math.isfinite(value):
            self.uses_math = True
        return self._insert(cemit.LiteralOp(FloatAttr(value, f32)))

    def i32_array(self, values: Sequence[int]) -> SSAValue:
        import numpy as np

        return self._const_array(np.array([int(v) for v in values], dtype=np.int32), "dims")

    def f32_array(self, values: Sequence[float]) -> SSAValue:
        import numpy as np

        return self._const_array(np.array([float(v) for v in values], dtype=np.float32), "params")

    def _const_array(self, array, stem: str) -> SSAValue:
        """A static const array with these values (shared between identical uses)."""
        key = (array.dtype.str, array.tobytes())
        name = self._arrays.get(key)
        dense = dense_from_numpy(array)
        if name is None:
            name = self.unique_symbol(f"{self.prefix}_{stem}{len(self._arrays)}")
            self._arrays[key] = name
            self.globals_.append(
                cemit.GlobalOp(
                    name,
                    dense.get_element_type(),
                    max(1, array.size),
                    dense,
                    const=True,
                    static=True,
                )
            )
        return self._insert(
            cemit.SymbolOp(name, cemit.PointerType(dense.get_element_type(), const=True))
        )

    def call(self, symbol: str, args: Sequence[SSAValue]) -> None:
        self.builder.insert(cemit.CallOp(symbol, args))

    # -- weights -------------------------------------------------------------------------
    def _weight(self, op: buffer.ConstantOp) -> str:
        import numpy as np

        name = self.unique_symbol(f"{self.prefix}_{c_name(op.const_name or 'const')}")
        array = numpy_from_dense(op.value)
        if array.dtype.kind == "f" and not bool(np.isfinite(array).all()):
            self.uses_math = True
        self.weight_ops.append(
            cemit.GlobalOp(
                name,
                op.value.get_element_type(),
                max(1, array.size),
                op.value,
                const=True,
                static=True,
                alignment=self.alignment,
            )
        )
        return name


def _io_names(fn: func.FuncOp) -> tuple[list[int], list[int], list[str]]:
    inputs, outputs, names = [], [], []
    attrs = fn.arg_attrs.data if fn.arg_attrs else []
    for i, arg in enumerate(fn.body.block.args):
        data = attrs[i].data if i < len(attrs) else {}
        io = data.get("buffer.io")
        name = data.get("graph.name")
        names.append(name.data if isinstance(name, StringAttr) else (arg.name_hint or f"arg{i}"))
        (outputs if isinstance(io, StringAttr) and io.data == "output" else inputs).append(i)
    return inputs, outputs, names


def _describe_buffer(t: MemRefType) -> str:
    from deeploy.dtypes import numpy_dtype

    dims = "x".join(str(d) for d in t.get_shape()) or "scalar"
    return f"{numpy_dtype(t.get_element_type()).name}[{dims}]"


@dataclass(frozen=True)
class LowerToCPass(ModulePass):
    name = "lower-to-c"
    target: str = "generic"
    network: str = ""  # prefix of every C symbol; default: the network function's name
    # Debugging aid: one static array per intermediate instead of the planned arena, so
    # AddressSanitizer sees every buffer's bounds (the plan is still verified, not used).
    separate_buffers: bool = False

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        from deeploy.targets import get_target

        target = get_target(self.target)
        fns = [f for f in op.ops if isinstance(f, func.FuncOp) and not f.is_declaration]
        if len(fns) != 1:
            raise PassFailedException(
                f"lower-to-c: expected one network function, found {len(fns)}"
            )
        fn = fns[0]
        prefix = c_name(self.network or fn.sym_name.data)
        arenas = {a.level_name: a.size_bytes for a in op.ops if isinstance(a, buffer.ArenaOp)}
        lowering = _Lowering(
            prefix, target.kernels(), target.alignment, self.target, self.separate_buffers
        )
        files = lowering.run(fn, arenas)
        for inner in list(op.ops):
            inner.detach()
            inner.erase(safe_erase=False)
        for f in files:
            op.body.block.add_op(f)


class _Lowering:
    def __init__(
        self,
        prefix: str,
        library: KernelLibrary,
        alignment: int,
        target_name: str,
        separate_buffers: bool,
    ) -> None:
        self.separate_buffers = separate_buffers
        self.prefix = prefix
        self.library = library
        self.alignment = alignment
        self.target_name = target_name

    def run(self, fn: func.FuncOp, arenas: dict[str, int]) -> list[cemit.FileOp]:
        inputs, outputs, onnx_names = _io_names(fn)
        args = list(fn.body.block.args)
        param_types: list[Attribute] = []
        param_names: list[str] = []
        for kind, indices in (("input", inputs), ("output", outputs)):
            for k, i in enumerate(indices):
                t = args[i].type
                assert isinstance(t, MemRefType)
                param_types.append(
                    cemit.PointerType(t.get_element_type(), const=kind == "input", restrict=True)
                )
                param_names.append(f"{kind}_{k}")
        order = [*inputs, *outputs]

        run_fn = cemit.FuncOp(f"{self.prefix}_run", param_types, param_names)
        params = {args[i]: run_fn.body.block.args[pos] for pos, i in enumerate(order)}
        builder = Builder(InsertPoint.before(run_fn.body.block.last_op))  # type: ignore[arg-type]
        emitter = CallEmitter(
            self.prefix,
            builder,
            params,
            alignment=self.alignment,
            separate_buffers=self.separate_buffers,
        )
        sources: list[str] = []
        headers: list[str] = []
        for inner in fn.body.block.ops:
            if isinstance(inner, buffer.KernelOp):
                kernel = (
                    self.library.get(inner.kernel_name)
                    if self.library.has(inner.kernel_name)
                    else None
                )
                if kernel is None:
                    raise PassFailedException(
                        f"lower-to-c: kernel '{inner.kernel_name}' is not in target '{self.target_name}'"
                    )
                op_name = inner.attributes.get("op")
                label = f"{op_name.data} " if isinstance(op_name, StringAttr) else ""
                builder.insert(cemit.CommentOp(f"{label}'{inner.node_name}' -> {kernel.name}"))
                kernel.emit(emitter, inner)
                if kernel.source not in sources:
                    sources.append(kernel.source)
                if kernel.header not in headers:
                    headers.append(kernel.header)
            elif isinstance(inner, buffer.CopyOp):
                t = inner.source.type
                assert isinstance(t, MemRefType)
                builder.insert(cemit.CommentOp("copy to output"))
                emitter.uses_string = True
                emitter.call(
                    "memcpy",
                    [
                        emitter.ptr(inner.target),
                        emitter.ptr(inner.source),
                        emitter._insert(cemit.LiteralOp(IntegerAttr(buffer.size_in_bytes(t), i32))),
                    ],
                )

        init_fn = cemit.FuncOp(f"{self.prefix}_init", [], [])
        init_fn.body.block.insert_op_before(
            cemit.CommentOp(
                "nothing to prepare on this target: weights are const, the arena is static"
            ),
            init_fn.body.block.first_op,  # type: ignore[arg-type]
        )

        header = self._header(args, inputs, outputs, onnx_names, arenas, param_types, param_names)
        source_ops: list[Operation] = [
            cemit.CommentOp(
                f"Network '{self.prefix}', generated by deeploy-xdsl for target '{self.target_name}'."
            ),
            cemit.IncludeOp(f"{self.prefix}.h"),
            *(cemit.IncludeOp(h) for h in sorted(headers)),
        ]
        if emitter.uses_math:
            source_ops.append(cemit.IncludeOp("math.h", system=True))
        if emitter.uses_string:
            source_ops.append(cemit.IncludeOp("string.h", system=True))
        source_ops.extend(emitter.weight_ops)
        source_ops.extend(emitter.buffer_ops)
        for level in sorted(arenas):
            if arenas[level] > 0 and not self.separate_buffers:
                source_ops.append(
                    cemit.GlobalOp(
                        emitter.arena_symbol(level),
                        U8,
                        arenas[level],
                        static=True,
                        alignment=self.alignment,
                    )
                )
        source_ops.extend(emitter.globals_)
        source_ops.extend([init_fn, run_fn])
        source = cemit.FileOp(f"{self.prefix}.c", source_ops)
        # kernels include the shared headers (common definitions, vectors, vector math)
        shared = [f"include/deeploy/{h}.h" for h in ("common", "simd", "vmath")]
        runtime_files = [*shared, *(f"include/{h}" for h in sorted(headers)), *sources]
        source.attributes["runtime_files"] = ArrayAttr([StringAttr(s) for s in runtime_files])
        return [header, source]

    def _header(
        self, args, inputs, outputs, onnx_names, arenas, param_types, param_names
    ) -> cemit.FileOp:
        upper = self.prefix.upper()
        lines = [f"Network '{self.prefix}' (deeploy-xdsl, target '{self.target_name}').", ""]
        lines.append(f"Call {self.prefix}_init() once, then {self.prefix}_run() per inference.")
        lines.append("Inputs and outputs must not overlap each other. No dynamic memory is used.")
        lines.append("")
        for kind, indices in (("input", inputs), ("output", outputs)):
            for k, i in enumerate(indices):
                lines.append(f"{kind}_{k}: '{onnx_names[i]}' {_describe_buffer(args[i].type)}")
        ops: list[Operation] = [
            cemit.CommentOp("\n".join(lines)),
            cemit.IncludeOp("stddef.h", system=True),
            cemit.IncludeOp("stdint.h", system=True),
        ]
        total = sum(arenas.values())
        ops.append(cemit.DefineOp(f"{upper}_ARENA_BYTES", total))
        for level in sorted(arenas):
            ops.append(
                cemit.DefineOp(f"{upper}_ARENA_{c_name(level).upper()}_BYTES", arenas[level])
            )
        ops.append(cemit.DefineOp(f"{upper}_NUM_INPUTS", len(inputs)))
        ops.append(cemit.DefineOp(f"{upper}_NUM_OUTPUTS", len(outputs)))
        for kind, indices in (("INPUT", inputs), ("OUTPUT", outputs)):
            for k, i in enumerate(indices):
                t = args[i].type
                ops.append(cemit.DefineOp(f"{upper}_{kind}_{k}_ELEMS", numel(tuple(t.get_shape()))))
                ops.append(cemit.DefineOp(f"{upper}_{kind}_{k}_BYTES", buffer.size_in_bytes(t)))
        ops.append(cemit.FuncOp(f"{self.prefix}_init", [], [], declaration=True))
        ops.append(cemit.FuncOp(f"{self.prefix}_run", param_types, param_names, declaration=True))
        return cemit.FileOp(f"{self.prefix}.h", ops)
