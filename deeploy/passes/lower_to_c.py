"""lower-to-c: a bufferised, memory-planned network -> `cemit` files.

Produces `<network>.h` (sizes as macros, the init/run prototypes) and `<network>.c`
(weights as const arrays, one static arena per memory level, and the run function
calling one runtime kernel per layer). Every buffer becomes a pointer expression:
function arguments for inputs/outputs, `(T *)(arena + offset)` for intermediates, the
weight array for constants; views reuse their source's pointer.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
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

from deeploy.backend.c_text import c_identifier, quote
from deeploy.dialects import buffer, cemit, tiled
from deeploy.dtypes import dense_from_numpy, numpy_from_dense
from deeploy.kernels.base import KernelLibrary
from deeploy.kernels.layout import numel
from deeploy.passes import options
from deeploy.passes.lower_to_c_tiled import (
    DMA_MAX_REGIONS,
    LEVEL_INDEX,
    TiledLayerEmitter,
    layer_stats,
)

U8 = IntegerType(8, Signedness.UNSIGNED)


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
    # With a memory hierarchy, weights live in their level's array after the arena, copied
    # there by the init function: (initial-value symbol, byte offset, bytes) per weight.
    weights_in_level: bool = False
    weight_offset: int = 0
    weight_copies: list[tuple[str, int, int]] = field(default_factory=list)
    _weight_offsets: dict[buffer.ConstantOp, int] = field(default_factory=dict)

    @contextmanager
    def redirected(self, builder: Builder, params: dict[SSAValue, SSAValue]) -> Iterator[None]:
        """Emit into another function body, whose buffers are `params`, for a while."""
        saved = (self.builder, self.params, self._pointers)
        self.builder, self.params, self._pointers = builder, params, {}
        try:
            yield
        finally:
            self.builder, self.params, self._pointers = saved

    def insert(self, op: Operation) -> SSAValue:
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
            self._arena_syms[level] = self.unique_symbol(
                f"{self.prefix}_arena_{c_identifier(level)}"
            )
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
        elif isinstance(owner, buffer.ConstantOp) and self.weights_in_level:
            level = self.insert(
                cemit.SymbolOp(self.arena_symbol(buffer.level_of(buf)), cemit.PointerType(U8))
            )
            shifted = self.insert(cemit.OffsetOp(level, self._weight_in_level(owner)))
            value = self.insert(cemit.CastOp(shifted, cemit.PointerType(element)))
        elif isinstance(owner, buffer.ConstantOp):
            value = self.insert(
                cemit.SymbolOp(self._weight(owner), cemit.PointerType(element, const=True))
            )
        elif isinstance(owner, buffer.AllocOp):
            if owner.offset_value is None:
                raise PassFailedException(
                    "lower-to-c: a buffer.alloc has no offset; run plan-memory first"
                )
            if self.separate_buffers:
                own = self.unique_symbol(
                    f"{self.prefix}_buf_{c_identifier(buf.name_hint or 'tmp')}"
                )
                self.buffer_ops.append(
                    cemit.GlobalOp(
                        own,
                        element,
                        max(1, numel(tuple(t.get_shape()))),
                        static=True,
                        alignment=self.alignment,
                    )
                )
                value = self.insert(cemit.SymbolOp(own, cemit.PointerType(element)))
                self._pointers[buf] = value
                return value
            arena = self.insert(
                cemit.SymbolOp(self.arena_symbol(buffer.level_of(buf)), cemit.PointerType(U8))
            )
            shifted = self.insert(cemit.OffsetOp(arena, owner.offset_value))
            value = self.insert(cemit.CastOp(shifted, cemit.PointerType(element)))
        else:
            raise PassFailedException(f"lower-to-c: no pointer for a buffer defined by {owner}")
        self._pointers[buf] = value
        return value

    def ptr_at(self, buf: SSAValue, element_offset: int, const: bool = False) -> SSAValue:
        base = self.ptr(buf, const)
        return base if element_offset == 0 else self.insert(cemit.OffsetOp(base, element_offset))

    def null(self, element_type: Attribute, const: bool = True) -> SSAValue:
        return self.insert(cemit.NullOp(cemit.PointerType(element_type, const=const)))

    def i32(self, value: int) -> SSAValue:
        if not -(2**31) <= value < 2**31:
            raise PassFailedException(
                f"lower-to-c: {value} does not fit a kernel's int32_t argument"
            )
        return self.insert(cemit.LiteralOp(IntegerAttr(value, i32)))

    def f32(self, value: float) -> SSAValue:
        if not math.isfinite(value):
            self.uses_math = True
        return self.insert(cemit.LiteralOp(FloatAttr(value, f32)))

    def i32_array(self, values: Sequence[int]) -> SSAValue:
        import numpy as np

        return self.const_array(np.array([int(v) for v in values], dtype=np.int32), "dims")

    def f32_array(self, values: Sequence[float]) -> SSAValue:
        import numpy as np

        return self.const_array(np.array([float(v) for v in values], dtype=np.float32), "params")

    def const_array(self, array, stem: str) -> SSAValue:
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
        return self.insert(
            cemit.SymbolOp(name, cemit.PointerType(dense.get_element_type(), const=True))
        )

    def call(self, symbol: str, args: Sequence[SSAValue]) -> None:
        self.builder.insert(cemit.CallOp(symbol, args))

    # -- weights -------------------------------------------------------------------------
    def _weight_in_level(self, op: buffer.ConstantOp) -> int:
        offset = self._weight_offsets.get(op)
        if offset is None:
            size = buffer.size_in_bytes(op.result.type)  # type: ignore[arg-type]
            offset = self._weight_offsets[op] = self.weight_offset
            self.weight_offset += -(-size // self.alignment) * self.alignment
            self.weight_copies.append((self._weight(op), offset, size))
        return offset

    def _weight(self, op: buffer.ConstantOp) -> str:
        import numpy as np

        name = self.unique_symbol(f"{self.prefix}_{c_identifier(op.const_name or 'const')}")
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
class Hierarchy:
    """The memory levels of a tiled network: each an array of exactly its size, the home
    level holding the arena and then the weights."""

    l1: int
    l2: int
    l3: int
    home: str

    def size(self, level: str) -> int:
        return {"L1": self.l1, "L2": self.l2, "L3": self.l3}[level]

    @property
    def levels(self) -> tuple[str, ...]:
        return ("L1", "L2", "L3") if self.home == "L3" else ("L1", "L2")


@dataclass(frozen=True)
class LowerToCPass(ModulePass):
    name = "lower-to-c"
    target: str = "generic"
    network: str = ""  # prefix of every C symbol; default: the network function's name
    # Debugging aid: one static array per intermediate instead of the planned arena, so
    # AddressSanitizer sees every buffer's bounds (the plan is still verified, not used).
    separate_buffers: bool = False
    # A memory hierarchy (after tile-layers): level sizes in bytes; l1 = 0 means none.
    l1: int = 0
    l2: int = 0
    l3: int = 0
    home: str = "L2"
    # Print each layer's instruction count (deeploy/counter.h; targets with a counter).
    profile_layers: bool = False

    def __post_init__(self) -> None:
        for option in ("l1", "l2", "l3"):
            options.non_negative(self.name, option, getattr(self, option))
        options.level(self.name, "home", self.home, ("L2", "L3"))

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        from deeploy.targets import get_target

        target = get_target(self.target)
        fns = [f for f in op.ops if isinstance(f, func.FuncOp) and not f.is_declaration]
        if len(fns) != 1:
            raise PassFailedException(
                f"lower-to-c: expected one network function, found {len(fns)}"
            )
        fn = fns[0]
        prefix = c_identifier(self.network or fn.sym_name.data)
        arenas = {a.level_name: a.size_bytes for a in op.ops if isinstance(a, buffer.ArenaOp)}
        hierarchy = Hierarchy(self.l1, self.l2, self.l3, self.home) if self.l1 > 0 else None
        lowering = _Lowering(
            prefix,
            target.kernels(),
            target.alignment,
            self.target,
            self.separate_buffers,
            hierarchy,
            self.profile_layers,
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
        hierarchy: Hierarchy | None = None,
        profile_layers: bool = False,
    ) -> None:
        self.profile_layers = profile_layers
        self.separate_buffers = separate_buffers and hierarchy is None
        self.prefix = prefix
        self.library = library
        self.alignment = alignment
        self.target_name = target_name
        self.hierarchy = hierarchy
        self.level_bytes: dict[str, int] = {}

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
        tiled_layers = None
        h = self.hierarchy
        if h is not None:
            self._check_region_count(len(h.levels) + len(order))
            tiled_layers = self._prepare_hierarchy(emitter, arenas)
            self._io_regions(emitter, [args[i] for i in order], "add")
        sources: list[str] = []
        headers: list[str] = []

        def use(kernel_name: str) -> None:
            kernel = self.library.get(kernel_name)
            if kernel.source not in sources:
                sources.append(kernel.source)
            if kernel.header not in headers:
                headers.append(kernel.header)

        layer_index = 0
        for inner in fn.body.block.ops:
            profiled = self.profile_layers and isinstance(inner, buffer.KernelOp | tiled.LayerOp)
            if profiled:
                emitter.call("deeploy_profile_begin", [])
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
                label = f"{c_identifier(op_name.data)} " if isinstance(op_name, StringAttr) else ""
                builder.insert(cemit.CommentOp(f"{label}{quote(inner.node_name)} -> {kernel.name}"))
                kernel.emit(emitter, inner)
                use(kernel.name)
            elif isinstance(inner, tiled.LayerOp):
                if tiled_layers is None:
                    raise PassFailedException(
                        "lower-to-c: a tiled.layer needs the memory hierarchy (option l1)"
                    )
                kernels = [step[0] for step in inner.step_list()]
                for name in kernels:
                    if not self.library.has(name):
                        raise PassFailedException(
                            f"lower-to-c: kernel '{name}' is not in target '{self.target_name}'"
                        )
                stats = ", ".join(
                    f"{v} {k.replace('_', ' ')}" for k, v in layer_stats(inner).items()
                )
                builder.insert(
                    cemit.CommentOp(
                        f"{quote(inner.node_name)} -> {' + '.join(kernels)}, tiled: {stats}"
                    )
                )
                tiled_layers.emit(inner)
                for name in kernels:
                    use(name)
            elif isinstance(inner, buffer.CopyOp):
                self._copy(emitter, inner)
            if profiled:
                assert isinstance(inner, buffer.KernelOp | tiled.LayerOp)
                emitter.call(
                    "deeploy_profile_end",
                    [
                        emitter.i32(layer_index),
                        emitter.insert(cemit.StringOp(c_identifier(inner.node_name, 60))),
                    ],
                )
                layer_index += 1

        if h is not None:
            self._io_regions(emitter, [args[i] for i in order], "remove")
        # an input no output depends on stays in the API, deliberately unused
        first = run_fn.body.block.first_op
        for param in run_fn.body.block.args:
            if param.first_use is None and first is not None:
                run_fn.body.block.insert_op_before(cemit.DiscardOp(param), first)
        if h is not None:
            assert tiled_layers is not None
            self.level_bytes = self._level_sizes(emitter, arenas, tiled_layers.staging_bytes)
        init_fn = self._init_function(emitter)

        header = self._header(args, inputs, outputs, onnx_names, arenas, param_types, param_names)
        source_ops: list[Operation] = [
            cemit.CommentOp(
                f"Network '{self.prefix}', generated by deeploy-xdsl for target '{self.target_name}'."
            ),
            cemit.IncludeOp(f"{self.prefix}.h"),
            *(cemit.IncludeOp(h) for h in sorted(headers)),
        ]
        if h is not None:
            source_ops += [cemit.IncludeOp("deeploy/dma.h"), cemit.IncludeOp("deeploy/tiled.h")]
        if self.profile_layers:
            source_ops.append(cemit.IncludeOp("deeploy/counter.h"))
        if emitter.uses_math:
            source_ops.append(cemit.IncludeOp("math.h", system=True))
        if emitter.uses_string:
            source_ops.append(cemit.IncludeOp("string.h", system=True))
        source_ops.extend(emitter.weight_ops)
        source_ops.extend(emitter.buffer_ops)
        if h is not None:
            source_ops.extend(self._level_arrays(emitter))
        else:
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
        if tiled_layers is not None:
            source_ops.extend(tiled_layers.structs)
            source_ops.extend(tiled_layers.functions)
        source_ops.extend([init_fn, run_fn])
        source = cemit.FileOp(f"{self.prefix}.c", source_ops)
        # kernels include the shared headers (common definitions, vectors, vector math)
        shared = [
            f"include/deeploy/{h}.h" for h in ("common", "simd", "vmath", "int_types", "requant")
        ]
        if h is not None:
            shared += ["include/deeploy/dma.h", "include/deeploy/tiled.h"]
            sources += ["platform/dma.c", "platform/tiled.c"]
        if self.profile_layers:
            from deeploy.targets import get_target

            shared.append("include/deeploy/counter.h")
            sources += list(get_target(self.target_name).harness_sources)
        runtime_files = [*shared, *(f"include/{h}" for h in sorted(headers)), *sources]
        source.attributes["runtime_files"] = ArrayAttr([StringAttr(s) for s in runtime_files])
        return [header, source]

    # -- the memory hierarchy -------------------------------------------------------------
    def _prepare_hierarchy(self, emitter: CallEmitter, arenas: dict[str, int]):
        h = self.hierarchy
        assert h is not None
        for level in h.levels:
            emitter._arena_syms[level] = emitter.unique_symbol(f"{self.prefix}_{level}")
        emitter.weights_in_level = True
        home_arena = arenas.get(h.home, 0)
        emitter.weight_offset = -(-home_arena // self.alignment) * self.alignment
        staging = emitter.arena_symbol("L2") if h.home == "L3" else None
        return TiledLayerEmitter(emitter, self.library, emitter.arena_symbol("L1"), staging)

    def _level_sizes(
        self, emitter: CallEmitter, arenas: dict[str, int], staging_bytes: int
    ) -> dict[str, int]:
        """The bytes of each level's array: exactly the level's size, emulating it, or on a
        microcontroller, whose linker bounds RAM, what L2 needs. The home level must hold
        the arena and the weights, L2 the staging buffers when the home is L3."""
        from deeploy.errors import BudgetError
        from deeploy.targets import get_target

        h = self.hierarchy
        assert h is not None
        need = {level: 0 for level in h.levels}
        need[h.home] = emitter.weight_offset
        if h.home == "L3":
            need["L2"] = max(need["L2"], staging_bytes)
        for level in h.levels:
            if level != "L1" and need[level] > h.size(level):
                detail = (
                    f"the arena takes {arenas.get(level, 0)} and the weights "
                    f"{emitter.weight_offset - -(-arenas.get(level, 0) // self.alignment) * self.alignment}"
                    if level == h.home
                    else f"staging buffers take {staging_bytes}"
                )
                raise BudgetError(
                    f"{level} holds {h.size(level)} bytes but the network needs {need[level]} "
                    f"there ({detail}); give more with --{level.lower()}"
                )
        sizes = {level: h.size(level) for level in h.levels}
        if get_target(self.target_name).mcu is not None:
            sizes["L2"] = max(16, -(-need["L2"] // 16) * 16)
        return sizes

    def _level_arrays(self, emitter: CallEmitter) -> list[cemit.GlobalOp]:
        """One array per level; on a microcontroller L1 and L3 go to their own linker
        sections (.l1, .l3), whose regions have exactly the levels' sizes."""
        from deeploy.targets import get_target

        h = self.hierarchy
        assert h is not None
        mcu = get_target(self.target_name).mcu is not None
        return [
            cemit.GlobalOp(
                emitter.arena_symbol(level),
                U8,
                self.level_bytes[level],
                static=True,
                alignment=16,
                section=f".{level.lower()}" if mcu and level != "L2" else None,
            )
            for level in h.levels
        ]

    @staticmethod
    def _check_region_count(regions: int) -> None:
        # the DMA layer's region table is static (it runs on MCUs without a heap): a
        # network that needs more would otherwise abort only when it first runs
        if regions > DMA_MAX_REGIONS:
            from deeploy.errors import UnsupportedError

            raise UnsupportedError(
                f"a tiled network registers each memory level and each input and output "
                f"with the runtime's DMA layer: this one needs {regions} regions, the "
                f"runtime has {DMA_MAX_REGIONS} (DEEPLOY_MAX_REGIONS in deeploy/dma.h); "
                f"merge inputs or outputs, or compile without --l1"
            )

    def _io_regions(self, emitter: CallEmitter, values: list[SSAValue], action: str) -> None:
        """Inputs and outputs live in the home level for the duration of a run."""
        h = self.hierarchy
        assert h is not None
        for value in values:
            t = value.type
            assert isinstance(t, MemRefType)
            pointer = emitter.ptr(value)
            if action == "add":
                emitter.call(
                    "deeploy_mem_add_region",
                    [
                        emitter.i32(LEVEL_INDEX[h.home]),
                        emitter.insert(cemit.StringOp(h.home)),
                        pointer,
                        emitter.insert(cemit.LiteralOp(IntegerAttr(buffer.size_in_bytes(t), i32))),
                    ],
                )
            else:
                emitter.call("deeploy_mem_remove_region", [pointer])

    def _init_function(self, emitter: CallEmitter) -> cemit.FuncOp:
        init_fn = cemit.FuncOp(f"{self.prefix}_init", [], [])
        block = init_fn.body.block
        h = self.hierarchy
        if h is None:
            block.insert_op_before(
                cemit.CommentOp(
                    "nothing to prepare on this target: weights are const, the arena is static"
                ),
                block.first_op,  # type: ignore[arg-type]
            )
            return init_fn
        init = Builder(InsertPoint.before(block.last_op))  # type: ignore[arg-type]
        with emitter.redirected(init, {}):
            init.insert(
                cemit.CommentOp("each memory level is one array; the DMA layer checks them")
            )
            for level in h.levels:
                emitter.call(
                    "deeploy_mem_add_region",
                    [
                        emitter.i32(LEVEL_INDEX[level]),
                        emitter.insert(cemit.StringOp(level)),
                        emitter.insert(
                            cemit.SymbolOp(emitter.arena_symbol(level), cemit.PointerType(U8))
                        ),
                        emitter.insert(cemit.LiteralOp(IntegerAttr(self.level_bytes[level], i32))),
                    ],
                )
            if emitter.weight_copies:
                init.insert(cemit.CommentOp(f"the weights, into {h.home} after the arena"))
                emitter.uses_string = True
            for symbol, offset, size in emitter.weight_copies:
                level = emitter.insert(
                    cemit.SymbolOp(emitter.arena_symbol(h.home), cemit.PointerType(U8))
                )
                emitter.call(
                    "memcpy",
                    [
                        emitter.insert(cemit.OffsetOp(level, offset)),
                        emitter.insert(cemit.SymbolOp(symbol, cemit.PointerType(U8, const=True))),
                        emitter.insert(cemit.LiteralOp(IntegerAttr(size, i32))),
                    ],
                )
        return init_fn

    def _copy(self, emitter: CallEmitter, op: buffer.CopyOp) -> None:
        t = op.source.type
        assert isinstance(t, MemRefType)
        size = emitter.insert(cemit.LiteralOp(IntegerAttr(buffer.size_in_bytes(t), i32)))
        emitter.builder.insert(cemit.CommentOp("copy to output"))
        if self.hierarchy is None:
            emitter.uses_string = True
            emitter.call("memcpy", [emitter.ptr(op.target), emitter.ptr(op.source), size])
            return
        dst, src = buffer.level_of(op.target), buffer.level_of(op.source)
        emitter.call(
            "deeploy_dma_copy",
            [
                emitter.i32(LEVEL_INDEX[dst]),
                emitter.ptr(op.target),
                emitter.i32(LEVEL_INDEX[src]),
                emitter.ptr(op.source),
                size,
            ],
        )

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
                lines.append(f"{kind}_{k}: {quote(onnx_names[i])} {_describe_buffer(args[i].type)}")
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
