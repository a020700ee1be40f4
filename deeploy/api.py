"""The Python API: compile an ONNX model to C.

import deeploy
result = deeploy.compile("model.onnx", target="generic", name="net")
result.files["net.c"]          # generated sources, by file name
result.report                  # nodes, MACs, memory per level, ...
result.write("out/")           # sources + runtime files + Makefile
"""

from __future__ import annotations

import gc
import os
import shutil
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from xdsl.dialects import func
from xdsl.dialects.builtin import ArrayAttr, ModuleOp, StringAttr
from xdsl.passes import ModulePass

from deeploy.dialects import make_context
from deeploy.dialects.printer import print_module
from deeploy.pipeline import Pipeline, default_pipeline, verify_after

if TYPE_CHECKING:
    import onnx

    from deeploy.targets.base import MemoryConfig, Target

RUNTIME_DIR = Path(__file__).resolve().parent / "runtime"  # a link to the top-level runtime/


def runtime_dir() -> Path:
    """Where the C runtime lives (the package's `runtime/`, or DEEPLOY_RUNTIME)."""
    override = os.environ.get("DEEPLOY_RUNTIME")
    return Path(override) if override else RUNTIME_DIR


@dataclass
class CompileResult:
    network: str
    target: str
    files: dict[str, str]
    runtime_files: list[str]  # relative to runtime/: headers and C sources the network needs
    report: dict[str, Any]
    stages: dict[str, str] = field(default_factory=dict)  # pass name -> IR text (when kept)
    memory_map: dict[str, Any] | None = None  # see deeploy.memory_map (when asked for)
    pipeline: Pipeline | None = None  # the passes that ran

    @property
    def runtime_sources(self) -> list[str]:
        """The C files among runtime_files (what a build compiles)."""
        return [f for f in self.runtime_files if f.endswith(".c")]

    @property
    def header(self) -> str:
        return f"{self.network}.h"

    @property
    def source(self) -> str:
        return f"{self.network}.c"

    def write(self, out_dir: str | os.PathLike, runtime: bool = True) -> list[Path]:
        """Write the sources, a copy of the runtime files they need, and a Makefile."""
        from deeploy.backend.c_printer import file_name
        from deeploy.harness.build_files import makefile

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name, text in self.files.items():
            path = out / file_name(name)
            path.write_text(text)
            written.append(path)
        if runtime:
            rt = runtime_dir()
            for rel in self.runtime_files:
                dst = out / "runtime" / file_name(rel, folders=True)
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(rt / rel, dst)
                written.append(dst)
            path = out / "Makefile"
            path.write_text(makefile(self))
            written.append(path)
            written += self._write_linker_script(out)
        return written

    def _write_linker_script(self, out: Path) -> list[Path]:
        """On a microcontroller, the memory layout the build assumes (sizes, the .l1/.l3
        regions): a starting point for the user's own linker script."""
        from deeploy.harness.build_files import linker_script
        from deeploy.targets import get_target

        target = get_target(self.target)
        if target.mcu is None or "levels" not in self.report:
            return []
        path = out / f"{self.network}.ld"
        path.write_text(linker_script(self.network, target.name, target.mcu, self.report["levels"]))
        return [path]


def network_function(module: ModuleOp) -> func.FuncOp | None:
    for op in module.ops:
        if isinstance(op, func.FuncOp) and not op.is_declaration:
            return op
    return None


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Compiling builds many short-lived IR objects and no reference cycles worth
    collecting mid-way: the cyclic garbage collector only costs time (about a quarter)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def compile(
    model: str | os.PathLike | bytes | IO[bytes] | onnx.ModelProto,
    target: str = "generic",
    name: str | None = None,
    input_shapes: Mapping[str, Sequence[int]] | None = None,
    pipeline: Pipeline | Sequence[ModulePass] | None = None,
    keep_stages: bool = False,
    separate_buffers: bool = False,
    memory: MemoryConfig | None = None,
    memory_map: bool = False,
    input_types: Mapping[str, str] | None = None,
    l2: int | None = None,
    profile_layers: bool = False,
) -> CompileResult:
    """Compile an ONNX model (path, bytes, stream or ModelProto) to C for `target`.

    With `memory` (a `MemoryConfig`: L1 size, L2/L3 sizes, home level, double buffering),
    every layer is tiled into L1 and tiles move by DMA between the levels.

    `pipeline` replaces the default pass pipeline (see `default_pipeline`). With
    `keep_stages`, the IR after the import and after every pass is kept as text in
    `result.stages`, ready to be replayed with deeploy-opt. `separate_buffers` gives every
    intermediate its own array instead of the arena (for AddressSanitizer runs). With
    `memory_map`, `result.memory_map` holds every buffer's level, offset and lifetime.

    `input_types` ({"input_0": "int8", ...}) makes a network that stores integers in float
    tensors (Deeploy's convention) an integer network: see `assign-integer-types`.

    `l2` is the main memory of a microcontroller target (cortex-m4 SRAM, rv32 L2) when the
    network is not tiled (with `memory`, its `l2` says it); the network must fit in it.
    `profile_layers` makes the run function print each layer's instruction count, on
    targets whose programs can read an instruction counter (rv32).
    """
    from deeploy.frontend.onnx_import import import_onnx
    from deeploy.targets import get_target

    start = time.perf_counter()
    with no_cyclic_gc():
        tgt = get_target(target)
        main_memory = check_target_options(tgt, memory, l2, profile_layers)
        module = import_onnx(model, input_shapes=input_shapes, name=name)
        check_tensors_fit(module, tgt, memory, main_memory)
        passes = (
            Pipeline(tuple(pipeline))
            if pipeline is not None
            else default_pipeline(
                tgt.name, memory=memory, input_types=input_types, profile_layers=profile_layers
            )
        )
        if separate_buffers:
            from dataclasses import replace

            lower = passes.passes[passes.index("lower-to-c")]
            passes = passes.replace("lower-to-c", replace(lower, separate_buffers=True))
        report = initial_report(module, tgt.name)
        stages: dict[str, str] = {}
        planned: dict[str, Any] | None = None
        if keep_stages:
            stages["import"] = print_module(module)

        def observe(p: ModulePass, mod: ModuleOp) -> None:
            nonlocal planned
            update_report(report, p, mod)
            if p.name == "verify-memory-plan" and memory_map:
                from deeploy.memory_map import memory_map as map_of

                planned = map_of(mod, tgt.name)
            if keep_stages:
                stages[p.name] = print_module(mod)

        verify_each = os.environ.get("DEEPLOY_VERIFY_EACH_PASS", "") not in ("", "0")
        passes.apply(make_context(), module, observe, verify_each=verify_each)
        verify_after("the pipeline" if not passes.passes else passes.passes[-1].name, module)
        finish_report(report, memory)
        if tgt.mcu is not None:
            check_fits_mcu(report, tgt, main_memory)
        result = result_of(module, tgt.name, report, stages, planned)
        result.pipeline = passes
    result.report["compile_seconds"] = round(time.perf_counter() - start, 4)
    return result


def check_target_options(
    target: Target, memory: MemoryConfig | None, l2: int | None, profile_layers: bool
) -> int | None:
    """The main memory size of a microcontroller target (None on the host), after
    rejecting options the target cannot honour."""
    from deeploy.errors import OptionError

    if memory is not None and not target.has_l1:
        raise OptionError(
            f"--l1: target {target.name} has no L1 scratchpad to tile into "
            "(targets with one: generic, rv32)"
        )
    if profile_layers and target.counter != "program":
        raise OptionError(
            f"--profile-layers: target {target.name} has no instruction counter its programs "
            "can read (use rv32)"
        )
    if target.mcu is None:
        if l2 is not None:
            raise OptionError(
                "--l2: only for a memory hierarchy (--l1) or a microcontroller target"
            )
        return None
    if memory is not None and l2 is not None and l2 != memory.l2:
        raise OptionError(f"l2={l2} disagrees with the memory hierarchy's l2={memory.l2}")
    size = memory.l2 if memory is not None else (l2 or target.mcu.ram_default)
    if size <= 0:
        raise OptionError(f"--l2 must be a positive number of bytes, got {size}")
    if size > target.mcu.ram_limit:
        raise OptionError(
            f"--l2 {size:,}: the emulated {target.name} board has {target.mcu.ram_limit:,} B of RAM"
        )
    return size


def check_tensors_fit(
    module: ModuleOp, target: Target, memory: MemoryConfig | None, main_memory: int | None
) -> None:
    """Every tensor must fit the memory level it lives in, checked before any pass
    allocates (constant folding materialises tensors)."""
    from deeploy.dtypes import numpy_dtype
    from deeploy.errors import BudgetError

    if memory is not None:
        size = memory.l3 if memory.home == "L3" else memory.l2
        level = f"{memory.home} (--{memory.home.lower()})"
    elif main_memory is not None:
        level, size = f"the RAM of {target.name} (--l2)", main_memory
    else:
        return  # the host: the importer's int32 limits apply
    fn = network_function(module)
    assert fn is not None
    values = [*fn.body.block.args, *(r for op in fn.body.walk() for r in op.results)]
    for value in values:
        t = value.type
        if not hasattr(t, "get_shape"):
            continue
        count = 1
        for d in t.get_shape():
            count *= d
        need = count * numpy_dtype(t.get_element_type()).itemsize
        if need > size:
            raise BudgetError(
                f"tensor '{value.name_hint or 'unnamed'}' takes {need:,} bytes, more than the "
                f"{size:,} of {level}"
            )


def check_fits_mcu(report: dict[str, Any], target: Target, ram: int | None) -> None:
    """An untiled network's arena, I/O buffers and stack must fit the RAM; the linker
    checks again, with the code and data of the whole program."""
    from deeploy.errors import BudgetError

    assert target.mcu is not None and ram is not None
    report.setdefault("levels", {"L2": ram})
    if "tiling" in report:
        return  # lower-to-c has placed L2's arena and weights against --l2
    arena = sum(report["memory"].values())
    need = arena + report["io_bytes"] + target.mcu.stack_bytes
    if need > ram:
        raise BudgetError(
            f"{report['network']} does not fit {target.name}: RAM needs {need:,} B "
            f"(arena {arena:,}, I/O buffers {report['io_bytes']:,}, stack "
            f"{target.mcu.stack_bytes:,}) but has {ram:,} B, short by {need - ram:,}; "
            "give more with --l2"
        )


def initial_report(module: ModuleOp, target: str) -> dict[str, Any]:
    """What the imported network is: name, target, I/O, nodes and MACs as in the model."""
    from deeploy.report import graph_summary, io_summary

    fn = network_function(module)
    assert fn is not None
    report: dict[str, Any] = {"network": fn.sym_name.data, "target": target}
    report.update(io_summary(fn))
    report.update(graph_summary(module))  # before any pass, for node counts as in the model
    promoted = module.attributes.get("deeploy.promoted_to_f32")
    if isinstance(promoted, ArrayAttr):
        report["promoted_to_float32"] = [s.data for s in promoted.data if isinstance(s, StringAttr)]
    notes = module.attributes.get("deeploy.import_notes")
    if isinstance(notes, ArrayAttr):
        report["notes"] = [s.data for s in notes.data if isinstance(s, StringAttr)]
    return report


def update_report(report: dict[str, Any], p: ModulePass, module: ModuleOp) -> None:
    """Record what pass `p` decided, before later passes lower the ops that carry it."""
    from deeploy.report import graph_summary, memory_summary, tiling_summary

    if p.name == "assign-integer-types":
        from deeploy.report import io_summary

        fn = network_function(module)
        assert fn is not None
        report.update(io_summary(fn))
    if p.name == "bind-kernels":
        report.update(graph_summary(module, bound=True))
    if p.name == "plan-memory":
        report.update(memory_summary(module))
    if p.name in ("tile-layers", "fuse-tiled-layers"):
        report.update(tiling_summary(module))


def finish_report(report: dict[str, Any], memory: MemoryConfig | None) -> None:
    """The level sizes and L1 use of a tiled network."""
    if memory is None or "tiling" not in report:
        return
    report["levels"] = {"L1": memory.l1, "L2": memory.l2}
    if memory.home == "L3":
        report["levels"]["L3"] = memory.l3
    report["memory"] = {"L1": report["tiling"]["l1_peak"], **report["memory"]}
    report["ram_bytes"] = sum(report["memory"].values()) + report["io_bytes"]


def result_of(
    module: ModuleOp,
    target: str,
    report: dict[str, Any],
    stages: dict[str, str] | None = None,
    memory_map: dict[str, Any] | None = None,
) -> CompileResult:
    """The result of a module lowered to the C dialect."""
    from deeploy.backend.c_printer import c_files

    runtime_files: list[str] = []
    for op in module.ops:
        attr = op.attributes.get("runtime_files")
        if isinstance(attr, ArrayAttr):
            runtime_files.extend(s.data for s in attr.data if isinstance(s, StringAttr))
    return CompileResult(
        report["network"], target, c_files(module), runtime_files, report, stages or {}, memory_map
    )
