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
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from xdsl.dialects import func
from xdsl.dialects.builtin import ArrayAttr, MemRefType, ModuleOp, StringAttr, TensorType
from xdsl.passes import ModulePass

from deeploy.dialects import make_context
from deeploy.dialects.printer import print_module
from deeploy.dialects.target import TARGET_KEY
from deeploy.pipeline import Pipeline, default_pipeline, verify_after
from deeploy.report import ReportObserver

if TYPE_CHECKING:
    import onnx

    from deeploy.dialects.target import TargetSpecAttr
    from deeploy.targets.base import MemoryConfig, Target


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

    def write(
        self,
        out_dir: str | os.PathLike,
        runtime: bool = True,
        main: str | None = None,
        cflags: Sequence[str] = (),
    ) -> list[Path]:
        """Write the sources, a copy of the runtime files they need, and a Makefile that
        builds the library. With `main` (the source of a program running the network:
        deeploy.harness.runner.test_program), also `main.c` and `make run`; `cflags` go
        into the Makefile after the target's."""
        from deeploy.backend.build_files import makefile, runtime_dir
        from deeploy.backend.c_printer import file_name
        from deeploy.targets import get_target

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name, text in self.files.items():
            path = out / file_name(name)
            path.write_text(text)
            written.append(path)
        if not runtime:
            return written
        target = get_target(self.target)
        copied = list(self.runtime_files)
        if main is not None:
            path = out / "main.c"
            path.write_text(main)
            written.append(path)
            copied += [s for s in target.harness_sources if s not in copied]
            copied += [h for h in ("include/deeploy/counter.h",) if h not in copied]
        rt = runtime_dir()
        for rel in copied:
            dst = out / "runtime" / file_name(rel, folders=True)
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(rt / rel, dst)
            written.append(dst)
        scripts = self._write_linker_script(out)
        path = out / "Makefile"
        script = scripts[0].name if scripts else None
        path.write_text(
            makefile(self.network, target, self.runtime_sources, main is not None, script, cflags)
        )
        return [*written, path, *scripts]

    def _write_linker_script(self, out: Path) -> list[Path]:
        """On a microcontroller, the memory layout the build assumes (sizes, a region per
        level beside RAM): a starting point for the user's own linker script."""
        from deeploy.backend.build_files import linker_script
        from deeploy.targets import get_target

        target = get_target(self.target)
        if target.mcu is None or "levels" not in self.report:
            return []
        path = out / f"{self.network}.ld"
        levels = self.report["levels"]
        path.write_text(
            linker_script(self.network, target.name, target.mcu, target.home_level, levels)
        )
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
    on_pass: Callable[[str, float], None] | None = None,
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
    `profile_layers` makes the run function bracket each layer with the counter's
    markers and print a line per layer (deeploy/counter.h): the count itself where the
    program reads a counter (rv32), else from the tool that runs it (QEMU's plugin on
    cortex-m4, callgrind on the host; `deeploy run` merges them). `on_pass` is called
    with each pass's name and seconds as it finishes; the report's `pass_seconds` lists
    them all.
    """
    from deeploy.frontend.onnx_import import import_onnx
    from deeploy.targets import get_target

    start = time.perf_counter()
    with no_cyclic_gc():
        tgt = get_target(target)
        spec = check_target_options(tgt, memory, l2, profile_layers)
        module = import_onnx(model, input_shapes=input_shapes, name=name)
        module.attributes[TARGET_KEY] = spec
        if input_types:
            from deeploy.integer_types import TYPE_NAMES
            from deeploy.passes.assign_integer_types import record_input_types

            record_input_types(
                module, [f"{k}={TYPE_NAMES.get(v, v)}" for k, v in sorted(input_types.items())]
            )
        check_tensors_fit(module, tgt, spec)
        passes = (
            Pipeline(tuple(pipeline))
            if pipeline is not None
            else default_pipeline(
                tgt.name, memory=memory, input_types=input_types, profile_layers=profile_layers
            )
        )
        if separate_buffers:
            from dataclasses import replace

            from deeploy.passes.lower_to_c import LowerToCPass

            lower = passes.passes[passes.index("lower-to-c")]
            assert isinstance(lower, LowerToCPass), lower
            passes = passes.replace("lower-to-c", replace(lower, separate_buffers=True))
        report = initial_report(module, tgt.name)
        stages: dict[str, str] = {}
        planned: dict[str, Any] | None = None
        if keep_stages:
            stages["import"] = print_module(module)

        reader = ReportObserver(report)

        def observe(p: ModulePass, mod: ModuleOp) -> None:
            nonlocal planned
            reader.observe(mod)
            if p.name == "verify-memory-plan" and memory_map:
                from deeploy.memory_map import memory_map as map_of

                planned = map_of(mod, tgt.name)
            if keep_stages:
                stages[p.name] = print_module(mod)

        verify_each = os.environ.get("DEEPLOY_VERIFY_EACH_PASS", "") not in ("", "0")
        timings: list[tuple[str, float]] = []

        def after_pass(p: ModulePass, mod: ModuleOp) -> None:
            observe(p, mod)
            if on_pass is not None:
                on_pass(*timings[-1])

        passes.apply(make_context(), module, after_pass, verify_each, timings)
        report["pass_seconds"] = [[name, round(seconds, 4)] for name, seconds in timings]
        verify_after("the pipeline" if not passes.passes else passes.passes[-1].name, module)
        finish_report(report, spec)
        if tgt.mcu is not None:
            check_fits_mcu(report, tgt, spec)
        result = result_of(module, tgt.name, report, stages, planned)
        result.pipeline = passes
    result.report["compile_seconds"] = round(time.perf_counter() - start, 4)
    return result


def check_target_options(
    target: Target, memory: MemoryConfig | None, l2: int | None, profile_layers: bool
) -> TargetSpecAttr:
    """The target spec the options describe, after rejecting options the target cannot
    honour."""
    from deeploy.errors import OptionError
    from deeploy.targets.spec import target_spec

    if memory is not None and not target.has_l1:
        raise OptionError(
            f"--l1: target {target.name} has no L1 scratchpad to tile into "
            "(targets with one: generic, rv32)"
        )
    if profile_layers and not target.harness_sources:
        raise OptionError(
            f"--profile-layers: target {target.name} has no layer counter (its "
            "harness_sources name none; generic, cortex-m4 and rv32 have one)"
        )
    if target.mcu is None:
        if l2 is not None:
            raise OptionError(
                "--l2: only for a memory hierarchy (--l1) or a microcontroller target"
            )
        return target_spec(target, memory, None, profile_layers)
    if memory is not None and l2 is not None and l2 != memory.l2:
        raise OptionError(f"l2={l2} disagrees with the memory hierarchy's l2={memory.l2}")
    ram = None if memory is not None else (l2 or target.mcu.ram_default)
    spec = target_spec(target, memory, ram, profile_layers)
    size = spec.size(target.home_level)
    if size > target.mcu.ram_limit:
        raise OptionError(
            f"--l2 {size:,}: the emulated {target.name} board has {target.mcu.ram_limit:,} B of RAM"
        )
    return spec


def check_tensors_fit(module: ModuleOp, target: Target, spec: TargetSpecAttr) -> None:
    """Every tensor must fit the memory level it lives in, checked before any pass
    allocates (constant folding materialises tensors)."""
    from deeploy.dtypes import numpy_dtype
    from deeploy.errors import BudgetError
    from deeploy.targets.spec import size_option

    home = spec.home_level
    size = spec.size(home)
    if size == 0:
        return  # the host: the importer's int32 limits apply
    if spec.tiled:
        level = f"{home} ({size_option(spec, home)})"
    else:
        level = f"the RAM of {target.name} (--l2)"
    fn = network_function(module)
    assert fn is not None
    values = [*fn.body.block.args, *(r for op in fn.body.walk() for r in op.results)]
    for value in values:
        t = value.type
        if not isinstance(t, TensorType | MemRefType):
            continue  # (a graph-level function's values are all tensors)
        count = 1
        for d in t.get_shape():
            count *= d
        need = count * numpy_dtype(t.get_element_type()).itemsize
        if need > size:
            raise BudgetError(
                f"tensor '{value.name_hint or 'unnamed'}' takes {need:,} bytes, more than the "
                f"{size:,} of {level}"
            )


def check_fits_mcu(report: dict[str, Any], target: Target, spec: TargetSpecAttr) -> None:
    """An untiled network's arena, I/O buffers and stack must fit the RAM; the linker
    checks again, with the code and data of the whole program."""
    from deeploy.errors import BudgetError

    assert target.mcu is not None
    ram = spec.size(target.home_level)
    report.setdefault("levels", {target.home_level: ram})
    if "tiling" in report:
        return  # lower-to-c has placed the RAM level's arena and weights against its size
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


def finish_report(report: dict[str, Any], spec: TargetSpecAttr) -> None:
    """The level sizes and scratchpad use of a tiled network, from its target spec."""
    if not spec.tiled or "tiling" not in report:
        return
    report["levels"] = {level: spec.size(level) for level in spec.chain}
    report["memory"] = {spec.compute_level: report["tiling"]["l1_peak"], **report["memory"]}
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
