"""The state one deployer and all its wrappers share: the IR, the stages it went through,
and what each stage reported.

Deeploy's wrappers forward attribute access to the object they wrap so that every layer
sees one network context. Here that shared object is explicit: a `Session` holds the
module and the options, and knows which slice of our pass pipeline each of Deeploy's
stages runs. The report is filled as in `deeploy.compile` (same functions, same passes),
so the facade's `CompileResult` is the one `deeploy.compile` would return.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException

from deeploy.api import finish_report, initial_report, no_cyclic_gc, result_of
from deeploy.dialects.target import TARGET_KEY, TargetSpecAttr
from deeploy.errors import DeeployError, OptionError
from deeploy.facade.buffers import MemoryBlock, PatternMemoryConstraints
from deeploy.facade.errors import for_python
from deeploy.targets.spec import module_spec

if TYPE_CHECKING:
    from deeploy.api import CompileResult
    from deeploy.pipeline import Pipeline
    from deeploy.targets.base import MemoryConfig

# The stage boundaries, by pass name: lowering ends with dce, binding runs up to the
# first memory decision, tiling is tile-layers (and fuse-tiled-layers, which tiles fused
# layers afresh) and, as Deeploy's tile() allocates memory too, plan-memory; code
# transformation starts with planning when nothing is tiled, after it otherwise.
LOWERING_END = "dce"
TILING = "tile-layers"
TILING_PASSES = (TILING, "fuse-tiled-layers")
TRANSFORM_START = "plan-memory"
# Deeploy renames the graph's inputs input_0, input_1, ... and its scripts key
# inputTypes by those names
DEEPLOY_INPUT_NAME = re.compile(r"input_(\d+)")


@dataclass
class Session:
    source: Any  # the model: path, bytes or ModelProto
    target: str
    name: str
    platform: object
    input_types: dict[str, str]  # input name -> numpy dtype name the caller expects
    lowering: tuple[ModulePass, ...] | None  # replaces fold-constants ... dce when given
    state_dir: str | None
    options: dict[str, Any] = field(default_factory=dict)  # accepted, ignored (scheduler...)
    memory: MemoryConfig | None = None  # set by TilerDeployerWrapper
    annotation: tuple[ModulePass, ...] = ()  # memoryLevelAnnotationPasses
    module: ModuleOp | None = None
    report: dict[str, Any] = field(default_factory=dict)
    layer_ops: list[tuple[str, int]] = field(default_factory=list)
    lowered: bool = False
    parsed: bool = False
    bound: bool = False
    annotated: bool = False
    tiled: bool = False
    transformed: bool = False
    prepared: bool = False
    tiler: object | None = None  # the Tiler of the TilerDeployerWrapper, if any
    tiling_solution: dict[str, list[int]] | None = None
    patterns: dict[str, PatternMemoryConstraints] = field(default_factory=dict)
    # what tiled layers occupy outside the home level (L1, L2 staging): see tile_memory.py
    tile_map: dict[str, dict[str, int]] = field(default_factory=dict)
    tile_blocks: dict[str, list[MemoryBlock]] = field(default_factory=dict)
    tile_peaks: dict[str, int] = field(default_factory=dict)
    memory_map: dict[str, dict[str, int]] | None = None  # the home level's, by plan-memory
    memory_blocks: dict[str, list[MemoryBlock]] = field(default_factory=dict)
    requested_memory_map: dict[str, dict[str, int]] | None = None
    imposed_memory_map: bool = False
    seconds: float = 0.0
    cached_result: CompileResult | None = None
    snapshots: set[str] = field(default_factory=set)  # stage snapshots written, never again
    _reader: Any = None  # the ReportObserver of `report`

    # -- the pipeline, cut into Deeploy's stages ----------------------------------------

    def pipeline(self) -> Pipeline:
        from deeploy.pipeline import default_pipeline

        return default_pipeline(self.target, memory=self.memory, input_types=self.integer_inputs())

    def integer_inputs(self) -> dict[str, str]:
        """Integer inputTypes of inputs the model declares float: Deeploy's integer
        networks store integers in float tensors, and the caller's types say which."""
        declared = {spec["name"]: spec["dtype"] for spec in self.report.get("inputs", [])}
        return {
            name: dtype
            for name, dtype in self.resolved_input_types().items()
            if dtype.startswith(("int", "uint")) and declared.get(name) == "float32"
        }

    def resolved_input_types(self) -> dict[str, str]:
        """inputTypes by the model's input names: a Deeploy name `input_<i>` that is not
        an input of the model names its i-th input; past the last input it names none
        and is ignored, as Deeploy ignores types of inputs the graph does not have (its
        scripts type every array of inputs.npz, which may hold parameters too)."""
        declared = [spec["name"] for spec in self.report.get("inputs", [])]
        resolved = {}
        for name, dtype in self.input_types.items():
            match = DEEPLOY_INPUT_NAME.fullmatch(name)
            if name not in declared and match:
                if int(match[1]) >= len(declared):
                    continue
                name = declared[int(match[1])]
            resolved[name] = dtype
        return resolved

    def lowering_passes(self) -> tuple[ModulePass, ...]:
        if self.lowering is not None:
            return self.lowering
        pipe = self.pipeline()
        return pipe.passes[: pipe.index(LOWERING_END) + 1]

    def binding_passes(self) -> tuple[ModulePass, ...]:
        pipe = self.pipeline()
        names = pipe.names()
        end = names.index(TILING) if TILING in names else pipe.index(TRANSFORM_START)
        return pipe.passes[pipe.index(LOWERING_END) + 1 : end]

    def tiling_passes(self) -> tuple[ModulePass, ...]:
        """tile-layers (fuse-tiled-layers) and plan-memory: every level decided."""
        pipe = self.pipeline()
        return pipe.passes[pipe.index(TILING) : pipe.index(TRANSFORM_START) + 1]

    def transform_passes(self) -> tuple[ModulePass, ...]:
        pipe = self.pipeline()
        planned = 1 if self.memory is not None else 0  # by tile()
        return pipe.passes[pipe.index(TRANSFORM_START) + planned :]

    def home_level(self) -> str:
        return self.target_spec().home_level

    def target_spec(self) -> TargetSpecAttr:
        """The module's `#target.spec`: the platform's target with the tiler's hierarchy."""
        from deeploy.targets import get_target
        from deeploy.targets.spec import target_spec

        return target_spec(get_target(self.target), self.memory)

    def refresh_target_spec(self) -> None:
        """After the tiler's hierarchy changed (a TilerDeployerWrapper wraps a deployer)."""
        if self.module is not None and TARGET_KEY in self.module.attributes:
            self.module.attributes[TARGET_KEY] = self.target_spec()

    # -- running ---------------------------------------------------------------------------

    def import_model(self) -> None:
        """The ONNX graph as a graph-dialect module, and the report's first figures."""
        from deeploy.frontend.onnx_import import import_onnx

        start = time.perf_counter()
        with no_cyclic_gc():
            module = import_onnx(self.source, name=self.name)
        module.attributes[TARGET_KEY] = self.target_spec()
        report = initial_report(module, self.target)
        self.module, self.report = module, report
        self.seconds += time.perf_counter() - start
        self._check_input_types()

    def _check_input_types(self) -> None:
        declared = {spec["name"]: spec["dtype"] for spec in self.report["inputs"]}
        for name, dtype in self.resolved_input_types().items():
            if name not in declared:
                raise OptionError(
                    f"inputTypes names '{name}', which is not an input of the network "
                    f"(inputs: {', '.join(declared)})"
                )
            if declared[name] != dtype and not (
                declared[name] == "float32" and dtype.startswith(("int", "uint"))
            ):
                raise OptionError(
                    f"inputTypes gives '{name}' as {dtype}, but the ONNX model declares "
                    f"{declared[name]}: the compiler uses the model's types"
                )

    def run(self, passes: Sequence[ModulePass], module: ModuleOp | None = None) -> None:
        from deeploy.dialects import make_context

        target = self.module if module is None else module
        assert target is not None
        ctx = make_context()
        start = time.perf_counter()
        with no_cyclic_gc():
            for p in passes:
                started = time.perf_counter()
                try:
                    p.apply(ctx, target)
                except PassFailedException as err:
                    if p.name == "verify-memory-plan" and self.imposed_memory_map:
                        from deeploy.facade.errors import DeeployAssertionError

                        raise DeeployAssertionError(f"the given memoryMap: {err}") from None
                    raise
                except DeeployError as err:
                    reworded = self.python_error(err)
                    if reworded is err:
                        raise
                    raise reworded from None
                if target is self.module:
                    seconds = round(time.perf_counter() - started, 4)
                    self.report.setdefault("pass_seconds", []).append([p.name, seconds])
                    self._observe(p, target)
        self.seconds += time.perf_counter() - start

    def python_error(self, err: DeeployError) -> DeeployError:
        """`err`, naming MemoryLevels and arguments where the compiler names CLI options."""
        compute = getattr(self.platform, "defaultTargetMemoryLevel", None)
        levels = {"l1": getattr(compute, "name", "L1"), "l2": "L2", "l3": "L3"}
        reworded = for_python(err, levels)
        if reworded is None:
            return err
        return reworded.with_traceback(err.__traceback__)

    def _observe(self, p: ModulePass, module: ModuleOp) -> None:
        """Record what a pass decided, before later passes lower the ops that carry it."""
        from deeploy.facade import ir_readers

        self.observe_ir(module)
        if p.name == "bind-kernels":
            self.layer_ops = ir_readers.layer_ops(module)
        elif p.name in TILING_PASSES:
            self.read_tiles()
        elif p.name == TRANSFORM_START:
            alignment = module_spec(module).alignment.data
            self.memory_map, self.memory_blocks = ir_readers.memory_plan(module, alignment)

    def observe_ir(self, module: ModuleOp) -> None:
        """The report's figures from the IR, as deeploy.compile reads them."""
        from deeploy.report import ReportObserver

        if self._reader is None or self._reader.report is not self.report:
            self._reader = ReportObserver(self.report)
        self._reader.observe(module)

    def read_tiles(self) -> None:
        """The tiling solution and what the tiled layers occupy in L1 and, with an L3
        home, in their L2 staging buffers (laid out as lower-to-c will lay them out)."""
        from deeploy.facade import ir_readers
        from deeploy.facade.tile_memory import tiled_memory

        assert self.module is not None and self.memory is not None
        spec = module_spec(self.module)
        staging = spec.alignment.data if spec.staging_levels else None
        l1_alignment = spec.tile_alignment.data
        tiles = tiled_memory(self.module, self.target, l1_alignment, staging)
        self.tiling_solution = ir_readers.tiling_solution(self.module)
        self.patterns = tiles.patterns
        self.tile_map, self.tile_blocks, self.tile_peaks = (
            tiles.memory_map,
            tiles.blocks,
            tiles.peaks,
        )

    def impose_requested_map(self) -> None:
        """tile(memoryMap=...)'s placement instead of the planned one, before
        verify-memory-plan checks it: home-level buffers and L1 tiles move; L2 staging
        buffers follow from the tiles and cannot."""
        from deeploy.facade import ir_readers

        requested, self.requested_memory_map = self.requested_memory_map, None
        if requested is None:
            return
        for level in self.tile_map:
            self._impose_tile_offsets(level, requested.get(level, {}))
        home = {level: m for level, m in requested.items() if level not in self.tile_map and m}
        if home == {level: m for level, m in (self.memory_map or {}).items() if m}:
            return
        assert self.module is not None
        alignment = module_spec(self.module).alignment.data
        ir_readers.impose_memory_map(self.module, home, alignment)
        self.imposed_memory_map = True
        self.observe_ir(self.module)
        self.memory_map, self.memory_blocks = ir_readers.memory_plan(self.module, alignment)

    def _impose_tile_offsets(self, level: str, offsets: dict[str, int]) -> None:
        """Move the L1 buffers the map places elsewhere (verify-memory-plan checks them)."""
        from deeploy.facade.tile_memory import STAGING_LEVEL, impose_l1_offsets

        known = self.tile_map[level]
        _check_names(level, offsets, known)
        moved = {name: at for name, at in offsets.items() if known[name] != at}
        if not moved:
            return
        if level == STAGING_LEVEL:
            name = next(iter(moved))
            raise OptionError(
                f"memoryMap puts {level} staging buffer '{name}' at {moved[name]}: not "
                f"supported, staging buffers are laid out from each layer's largest tiles "
                f"(here at {known[name]}); give the offsets tiler.memoryMap reads"
            )
        assert self.module is not None
        impose_l1_offsets(self.module, moved)
        self.imposed_memory_map = True
        self.read_tiles()

    def worst_case_sizes(self) -> dict[str, int]:
        """Deeploy's worstCaseBufferSize: per level, the bytes its buffers span at their
        fullest (L1 tiles, L2 staging buffers, the home arena) plus, in the home level,
        the inputs and outputs. Known once memory is allocated: after tile() with a
        tiler (as Deeploy's tile()), after codeTransform without one; {} before."""
        memory = self.report.get("memory")
        ready = self.tiled if self.memory is not None else self.transformed
        if not ready or memory is None:
            return {}
        sizes = {level: int(size) for level, size in memory.items() if level not in self.tile_peaks}
        sizes.update(self.tile_peaks)
        home = self.home_level()
        sizes[home] = sizes.get(home, 0) + int(self.report["io_bytes"])
        return dict(sorted(sizes.items()))

    def finish_report(self) -> None:
        finish_report(self.report, self.target_spec())

    def annotate(self) -> None:
        """Run the memory-level annotation passes once, after binding."""
        if self.annotation and not self.annotated:
            self.run(self.annotation)
        self.annotated = True

    def result(self) -> CompileResult:
        if self.cached_result is None:
            assert self.module is not None
            report = dict(self.report)
            report["compile_seconds"] = round(self.seconds, 4)
            self.cached_result = result_of(self.module, self.target, report)
        return self.cached_result


def _check_names(level: str, offsets: dict[str, int], known: dict[str, int]) -> None:
    """A memoryMap names every tiled layer's buffer of the level, and nothing else."""
    missing = [name for name in known if name not in offsets]
    if missing:
        raise OptionError(f"memoryMap gives no offset for {level} buffer '{missing[0]}'")
    unknown = sorted(set(offsets) - set(known))
    if unknown:
        raise OptionError(
            f"memoryMap names {level} buffers that do not exist: {', '.join(unknown[:10])} "
            "(tiled layers' buffers are named <layer>/<tensor>, as in tiler.memoryMap)"
        )
