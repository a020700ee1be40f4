"""lower-to-c: a bufferised, memory-planned network -> `cemit` files.

The pass lowers the body op by op (kernel calls by each kernel's emitter, tiled layers by
deeploy/backend/tiled_layers.py, copies) and assembles the files
(deeploy/backend/network_files.py); a tiled network's levels are
deeploy/backend/memory_levels.py's.

Produces `<network>.h` (sizes as macros, the init/run prototypes) and `<network>.c`
(weights as const arrays, one static arena per memory level, and the run function
calling one runtime kernel per layer). Every buffer becomes a pointer expression:
function arguments for inputs/outputs, `(T *)(arena + offset)` for intermediates, the
weight array for constants; views reuse their source's pointer.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.builder import Builder
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    IntegerAttr,
    MemRefType,
    ModuleOp,
    StringAttr,
    i32,
)
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint
from xdsl.utils.exceptions import PassFailedException

from deeploy.backend.c_text import c_identifier, quote
from deeploy.backend.call_emitter import U8, CallEmitter
from deeploy.backend.memory_levels import MemoryLevels
from deeploy.backend.network_files import (
    NetworkInterface,
    SourceParts,
    header_file,
    record_layer_functions,
    record_runtime_files,
    runtime_files,
    source_file,
)
from deeploy.backend.tiled_layers import TiledLayerEmitter, layer_stats
from deeploy.dialects import buffer, cemit, tiled
from deeploy.dialects.target import TargetSpecAttr
from deeploy.passes import options
from deeploy.targets.base import Target


@dataclass(frozen=True)
class LowerToCPass(ModulePass):
    name = "lower-to-c"
    network: str = ""  # prefix of every C symbol; default: the network function's name
    # Debugging aid: one static array per intermediate instead of the planned arena, so
    # AddressSanitizer sees every buffer's bounds (the plan is still verified, not used).
    separate_buffers: bool = False
    # The hardware comes from the module's target spec; these override it as set-target's
    # options do (l1/l2/l3 size the first three levels, l1=0: untiled).
    target: str | None = None
    l1: int | None = None
    l2: int | None = None
    l3: int | None = None
    home: str | None = None
    # Print each layer's instruction count (deeploy/counter.h; targets with a counter).
    profile_layers: bool | None = None

    def __post_init__(self) -> None:
        for option in ("l1", "l2", "l3"):
            if getattr(self, option) is not None:
                options.non_negative(self.name, option, getattr(self, option))
        if self.home is not None:
            options.level_name(self.name, "home", self.home)

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        from deeploy.passes.set_target import SetTargetPass
        from deeploy.targets import get_target
        from deeploy.targets.spec import module_spec

        overrides = {
            key: getattr(self, key)
            for key in ("target", "l1", "l2", "l3", "home", "profile_layers")
            if getattr(self, key) is not None
        }
        if overrides:
            SetTargetPass(**overrides).retarget(op, self.name)
        spec = module_spec(op)
        target = get_target(spec.target_name)
        fns = [f for f in op.ops if isinstance(f, func.FuncOp) and not f.is_declaration]
        if len(fns) != 1:
            raise PassFailedException(
                f"lower-to-c: expected one network function, found {len(fns)}"
            )
        fn = fns[0]
        prefix = c_identifier(self.network or fn.sym_name.data)
        arenas = {a.level_name: a.size_bytes for a in op.ops if isinstance(a, buffer.ArenaOp)}
        lowering = _Lowering(prefix, target, spec, self.separate_buffers)
        files = lowering.run(fn, arenas)
        for inner in list(op.ops):
            inner.detach()
            inner.erase(safe_erase=False)
        for f in files:
            op.body.block.add_op(f)


class _Lowering:
    """One network function to C: its body op by op into the run function, then the
    files (deeploy/backend/network_files.py)."""

    def __init__(
        self, prefix: str, target: Target, spec: TargetSpecAttr, separate_buffers: bool
    ) -> None:
        self.target = target
        self.library = target.kernels()
        self.profile_layers = spec.profile_layers
        self.prefix = prefix
        self.alignment = spec.alignment.data
        self.target_name = spec.target_name
        # the levels tiles move through when the spec tiles (None: untiled)
        self.levels = MemoryLevels(spec, target, prefix) if spec.tiled else None
        self.separate_buffers = separate_buffers and self.levels is None
        self.tiled_layers: TiledLayerEmitter | None = None
        self.kernel_sources: list[str] = []
        self.kernel_headers: list[str] = []
        self.layer_index = 0  # of profiled layers
        self.layer_functions: list[list[str]] = []  # the kernel functions each layer calls

    def run(self, fn: func.FuncOp, arenas: dict[str, int]) -> list[cemit.FileOp]:
        io = NetworkInterface.of(fn)
        run_fn = cemit.FuncOp(f"{self.prefix}_run", io.param_types, io.param_names)
        params: dict[SSAValue, SSAValue] = {
            io.args[i]: run_fn.body.block.args[pos] for pos, i in enumerate(io.order)
        }
        builder = Builder(InsertPoint.before(run_fn.terminator))
        emitter = CallEmitter(
            self.prefix,
            builder,
            params,
            alignment=self.alignment,
            separate_buffers=self.separate_buffers,
        )
        values: list[SSAValue] = [io.args[i] for i in io.order]
        if self.levels is not None:
            self.levels.check_region_count(len(self.levels.spec.chain) + len(io.order))
            self.tiled_layers = self.levels.prepare(emitter, arenas, self.library)
            self.levels.io_regions(emitter, values, "add")
        for inner in fn.body.block.ops:
            self._lower_op(emitter, inner)
        if self.levels is not None:
            self.levels.io_regions(emitter, values, "remove")
        _discard_unused_params(run_fn)
        if self.levels is not None:
            assert self.tiled_layers is not None
            self.levels.size(emitter, arenas, self.tiled_layers.staging_bytes)
        init_fn = self._init_function(emitter)
        layers = self.tiled_layers
        parts = SourceParts(
            kernel_headers=self.kernel_headers,
            kernel_sources=self.kernel_sources,
            storage=[
                *emitter.weight_ops,
                *emitter.buffer_ops,
                *self._arrays(emitter, arenas),
                *emitter.globals_,
                *(layers.structs if layers else ()),
            ],
            functions=[*(layers.functions if layers else ()), init_fn, run_fn],
            tiled=self.levels is not None,
            profiled=self.profile_layers,
            uses_math=emitter.uses_math,
            uses_string=emitter.uses_string,
        )
        header = header_file(self.prefix, self.target_name, io, arenas)
        source = source_file(self.prefix, self.target_name, parts)
        record_runtime_files(source, runtime_files(parts, self.target.harness_sources))
        record_layer_functions(source, self.layer_functions)
        return [header, source]

    # -- the body, op by op ---------------------------------------------------------------
    def _lower_op(self, emitter: CallEmitter, op: Operation) -> None:
        layer = isinstance(op, buffer.KernelOp | tiled.LayerOp)
        profiled = self.profile_layers and layer
        if profiled:
            emitter.call("deeploy_profile_begin", [])
        first_call = len(emitter.called)
        if isinstance(op, buffer.KernelOp):
            self._kernel(emitter, op)
        elif isinstance(op, tiled.LayerOp):
            self._tiled_layer(emitter, op)
        elif isinstance(op, buffer.CopyOp):
            self._copy(emitter, op)
        if layer:
            assert isinstance(op, buffer.KernelOp | tiled.LayerOp)
            self.layer_functions.append(self._kernel_calls(op, emitter.called[first_call:]))
        if profiled:
            assert isinstance(op, buffer.KernelOp | tiled.LayerOp)
            emitter.call(
                "deeploy_profile_end",
                [
                    emitter.i32(self.layer_index),
                    emitter.insert(cemit.StringOp(c_identifier(op.node_name, 60))),
                ],
            )
            self.layer_index += 1

    def _kernel_calls(self, op: buffer.KernelOp | tiled.LayerOp, called: list[str]) -> list[str]:
        """The C functions of the layer's kernels among `called`, once each, in order (a
        tiled layer calls them once per tile class; DMA and executor calls are not the
        kernel's)."""
        steps = op.step_list() if isinstance(op, tiled.LayerOp) else [(op.kernel_name,)]
        symbols = {s for step in steps for s in self.library.get(step[0]).symbols}
        return list(dict.fromkeys(s for s in called if s in symbols))

    def _use(self, kernel_name: str) -> None:
        kernel = self.library.get(kernel_name)
        if kernel.source not in self.kernel_sources:
            self.kernel_sources.append(kernel.source)
        if kernel.header not in self.kernel_headers:
            self.kernel_headers.append(kernel.header)

    def _check_kernel(self, name: str) -> None:
        if not self.library.has(name):
            raise PassFailedException(
                f"lower-to-c: kernel '{name}' is not in target '{self.target_name}'"
            )

    def _kernel(self, emitter: CallEmitter, op: buffer.KernelOp) -> None:
        self._check_kernel(op.kernel_name)
        kernel = self.library.get(op.kernel_name)
        op_name = op.attributes.get("op")
        label = f"{c_identifier(op_name.data)} " if isinstance(op_name, StringAttr) else ""
        emitter.builder.insert(cemit.CommentOp(f"{label}{quote(op.node_name)} -> {kernel.name}"))
        kernel.emit(emitter, op)
        self._use(kernel.name)

    def _tiled_layer(self, emitter: CallEmitter, op: tiled.LayerOp) -> None:
        if self.tiled_layers is None:
            raise PassFailedException(
                "lower-to-c: a tiled.layer needs a target spec that tiles "
                "(set-target{l1=BYTES} or option l1)"
            )
        kernels = [step[0] for step in op.step_list()]
        for name in kernels:
            self._check_kernel(name)
        stats = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in layer_stats(op).items())
        emitter.builder.insert(
            cemit.CommentOp(f"{quote(op.node_name)} -> {' + '.join(kernels)}, tiled: {stats}")
        )
        self.tiled_layers.emit(op)
        for name in kernels:
            self._use(name)

    def _copy(self, emitter: CallEmitter, op: buffer.CopyOp) -> None:
        t = op.source.type
        assert isinstance(t, MemRefType)
        size = emitter.insert(cemit.LiteralOp(IntegerAttr(buffer.size_in_bytes(t), i32)))
        emitter.builder.insert(cemit.CommentOp("copy to output"))
        if self.levels is not None:
            self.levels.copy(emitter, op, size)
            return
        emitter.uses_string = True
        emitter.call("memcpy", [emitter.ptr(op.target), emitter.ptr(op.source), size])

    # -- storage and init -----------------------------------------------------------------
    def _arrays(self, emitter: CallEmitter, arenas: dict[str, int]) -> list[Operation]:
        """The level arrays of a tiled network, else one static arena per level."""
        if self.levels is not None:
            return list(self.levels.arrays(emitter))
        if self.separate_buffers:
            return []
        return [
            cemit.GlobalOp(
                emitter.arena_symbol(level),
                U8,
                arenas[level],
                static=True,
                alignment=self.alignment,
            )
            for level in sorted(arenas)
            if arenas[level] > 0
        ]

    def _init_function(self, emitter: CallEmitter) -> cemit.FuncOp:
        init_fn = cemit.FuncOp(f"{self.prefix}_init", [], [])
        block = init_fn.body.block
        if self.levels is None:
            block.insert_op_before(
                cemit.CommentOp(
                    "nothing to prepare on this target: weights are const, the arena is static"
                ),
                init_fn.terminator,  # the body's only op yet
            )
            return init_fn
        self.levels.init(emitter, Builder(InsertPoint.before(init_fn.terminator)))
        return init_fn


def _discard_unused_params(run_fn: cemit.FuncOp) -> None:
    """An input no output depends on stays in the API, deliberately unused."""
    first = run_fn.body.block.first_op
    for param in run_fn.body.block.args:
        if param.first_use is None and first is not None:
            run_fn.body.block.insert_op_before(cemit.DiscardOp(param), first)
