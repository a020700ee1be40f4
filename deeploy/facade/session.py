"""The state one deployer and all its wrappers share: the IR, the stages it went through,
and what each stage reported.

Deeploy's wrappers forward attribute access to the object they wrap so that every layer
sees one network context. Here that shared object is explicit: a `Session` holds the
module and the options, and knows which slice of our pass pipeline each of Deeploy's
stages runs. The report is filled as in `deeploy.compile` (same functions, same passes),
so the facade's `CompileResult` is the one `deeploy.compile` would return.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException

from deeploy.api import finish_report, initial_report, no_cyclic_gc, result_of, update_report
from deeploy.facade.buffers import MemoryBlock, PatternMemoryConstraints

if TYPE_CHECKING:
    from deeploy.api import CompileResult
    from deeploy.pipeline import Pipeline
    from deeploy.targets.base import MemoryConfig

# The stage boundaries, by pass name: lowering ends with dce, binding runs up to the
# first memory decision, tiling is tile-layers (and fuse-tiled-layers, which tiles fused
# layers afresh), code transformation starts with planning.
LOWERING_END = "dce"
TILING = "tile-layers"
TILING_PASSES = (TILING, "fuse-tiled-layers")
TRANSFORM_START = "plan-memory"


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
    tiling_solution: dict[str, list[int]] | None = None
    patterns: dict[str, PatternMemoryConstraints] = field(default_factory=dict)
    memory_map: dict[str, dict[str, int]] | None = None
    memory_blocks: dict[str, list[MemoryBlock]] = field(default_factory=dict)
    requested_memory_map: dict[str, dict[str, int]] | None = None
    imposed_memory_map: bool = False
    seconds: float = 0.0
    cached_result: CompileResult | None = None

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
            for name, dtype in self.input_types.items()
            if dtype.startswith(("int", "uint")) and declared.get(name) == "float32"
        }

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
        return tuple(p for p in self.pipeline() if p.name in TILING_PASSES)

    def transform_passes(self) -> tuple[ModulePass, ...]:
        pipe = self.pipeline()
        return pipe.passes[pipe.index(TRANSFORM_START) :]

    def home_level(self) -> str:
        from deeploy.targets import get_target

        return self.memory.home if self.memory is not None else get_target(self.target).home_level

    # -- running ---------------------------------------------------------------------------

    def import_model(self) -> None:
        """The ONNX graph as a graph-dialect module, and the report's first figures."""
        from deeploy.frontend.onnx_import import import_onnx

        start = time.perf_counter()
        with no_cyclic_gc():
            module = import_onnx(self.source, name=self.name)
        report = initial_report(module, self.target)
        self.module, self.report = module, report
        self.seconds += time.perf_counter() - start
        self._check_input_types()

    def _check_input_types(self) -> None:
        from deeploy.errors import OptionError

        declared = {spec["name"]: spec["dtype"] for spec in self.report["inputs"]}
        for name, dtype in self.input_types.items():
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
                try:
                    p.apply(ctx, target)
                except PassFailedException as err:
                    if p.name == "verify-memory-plan" and self.imposed_memory_map:
                        from deeploy.facade.errors import DeeployAssertionError

                        raise DeeployAssertionError(f"the given memoryMap: {err}") from None
                    raise
                if target is self.module:
                    self._observe(p, target)
        self.seconds += time.perf_counter() - start

    def _observe(self, p: ModulePass, module: ModuleOp) -> None:
        """Record what a pass decided, before later passes lower the ops that carry it."""
        from deeploy.facade import ir_readers

        update_report(self.report, p, module)
        if p.name == "bind-kernels":
            self.layer_ops = ir_readers.layer_ops(module)
        elif p.name in TILING_PASSES:
            self.tiling_solution = ir_readers.tiling_solution(module)
            self.patterns = ir_readers.pattern_constraints(module, self.target)
        elif p.name == TRANSFORM_START:
            alignment = getattr(p, "alignment", 1)
            self.memory_map, self.memory_blocks = ir_readers.memory_plan(module, alignment)
            requested = self.requested_memory_map
            if requested is not None and requested != self.memory_map:
                # the caller's placement instead of plan-memory's; verify-memory-plan,
                # the next pass, checks it
                ir_readers.impose_memory_map(module, requested, alignment)
                self.imposed_memory_map = True
                update_report(self.report, p, module)
                self.memory_map, self.memory_blocks = ir_readers.memory_plan(module, alignment)

    def finish_report(self) -> None:
        finish_report(self.report, self.memory)

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
