"""`NetworkDeployer`: Deeploy's staged deployment API, driving our pass pipeline.

Deeploy compiles in stages a caller can run one by one, inspect, save and resume:

    frontEnd()     import the ONNX graph, lower() it, parse() it
    midEnd()       bind() every layer to a kernel (and, with a tiler, tile())
    backEnd()      codeTransform(): allocate memory and write the code
    prepare()      the three above;  generateFunction(): prepare() + the inference code

Here each stage runs a slice of `deeploy.default_pipeline(target, memory=...)`: the
compiler is the same one `deeploy.compile` runs, with the same passes and the same C.

    lower(graph)       fold-constants, canonicalize-reshapes, fold-batchnorm, lower-qdq,
                       fuse-matmul-add, untranspose-weights, fuse-requant, dce
    parse()            verify the lowered module (our import already resolved every
                       shape and type, which Deeploy's parser does here)
    bind()             bind-kernels, fuse-activation, bufferize, reuse-input-buffers
    tile()             tile-layers, plan-memory (TilerDeployerWrapper only: as Deeploy's
                       tile(), it decides every level's buffers)
    codeTransform()    (plan-memory, untiled), verify-memory-plan, lower-to-c

Calls made out of order raise `RuntimeError` with Deeploy's messages (as `StageOrderError`,
also a `DeeployError`), except parse(), which runs the import and lowering it needs first
(Deeploy parses whatever graph it holds; ours binds only lowered modules). Errors of the
compiler itself (ModelError, UnsupportedError, BudgetError, OptionError) pass through, with
any command-line option the message suggests (`--l2`) replaced by the MemoryLevel or
argument a Python caller changes. Repeating a stage that already ran does nothing, so a
caller may run stages by hand and still finish with `prepare()`; each stage's snapshot in
`deeployStateDir` is written once, with the state that stage left.

Arguments of Deeploy's that have no counterpart are accepted and documented where they
are ignored: `scheduler` (layers run in the ONNX graph's order), the profiling options of
`CodeGenVerbosity`. Arguments whose effect we cannot honour are rejected instead of
ignored: channels-last layouts, non-zero `inputOffsets`, input types that differ from
the model's.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from deeploy.errors import OptionError, UnsupportedError
from deeploy.facade import ctext
from deeploy.facade.buffers import MemoryBlock, VariableBuffer
from deeploy.facade.errors import (
    NOT_BOUND_FOR_CODE,
    NOT_BOUND_FOR_OPS,
    NOT_BOUND_FOR_TRANSFORM,
    NOT_IMPORTED,
    NOT_PARSED_FOR_BINDING,
    NOT_TILED_FOR_TRANSFORM,
    NOT_TRANSFORMED_FOR_CODE,
    StageOrderError,
)
from deeploy.facade.memory import DeploymentPlatform, target_name
from deeploy.facade.session import Session
from deeploy.facade.verbosity import NO_VERBOSITY, CodeGenVerbosity
from deeploy.targets import get_target

if TYPE_CHECKING:
    from xdsl.dialects.builtin import ModuleOp
    from xdsl.passes import ModulePass

    from deeploy.api import CompileResult

log = logging.getLogger("deeploy.facade")

# Deeploy's snapshot names, written to deeployStateDir as each stage ends.
PRE_LOWERING = "middleware_pre_lowering"
POST_LOWERING = "middleware_post_lowering"
POST_PARSING = "backend_post_parsing"
POST_BINDING = "backend_post_binding"


def _model_source(graph: Any) -> Any:
    """What `import_onnx` reads: a GraphProto becomes a model at onnx's current opset, an
    onnx_graphsurgeon Graph (what Deeploy's deployers take) is exported to ONNX."""
    import onnx

    if _is_graphsurgeon(graph):
        import onnx_graphsurgeon

        return onnx_graphsurgeon.export_onnx(graph)
    if isinstance(graph, onnx.GraphProto):
        return onnx.helper.make_model(graph)
    if isinstance(graph, onnx.ModelProto | str | os.PathLike | bytes):
        return graph
    raise OptionError(
        f"graph must be an ONNX GraphProto or ModelProto, an onnx_graphsurgeon Graph, a "
        f"file path or bytes, got {type(graph).__name__}"
    )


def _is_graphsurgeon(graph: Any) -> bool:
    # by module, so that onnx_graphsurgeon (not a dependency) is imported only when used
    return type(graph).__module__.split(".")[0] == "onnx_graphsurgeon"


def _lowering(optimizer: Any) -> tuple[ModulePass, ...] | None:
    """Deeploy's loweringOptimizer is a list of graph rewrites; ours is a list of passes
    (a `Pipeline`, a sequence of xDSL `ModulePass`, or a deeploy-opt pipeline string) that
    replaces fold-constants ... dce."""
    from xdsl.passes import ModulePass

    from deeploy.pipeline import Pipeline

    if optimizer is None:
        return None
    if isinstance(optimizer, str):
        return Pipeline.parse(optimizer).passes
    passes = tuple(optimizer) if isinstance(optimizer, Pipeline | Sequence) else None
    if passes is None or not all(isinstance(p, ModulePass) for p in passes):
        raise OptionError(
            "loweringOptimizer must be a Pipeline, a sequence of xDSL ModulePass, or a pass "
            f"pipeline string, got {type(optimizer).__name__}"
        )
    return passes


def _input_types(types: Mapping[str, Any] | None) -> dict[str, str]:
    """Input name -> numpy dtype name. Deeploy takes its pointer classes here (e.g.
    `PointerClass(int8_t)`); we take those, numpy dtypes or their names, and this
    project's short names (`u8`, `i16`: what `data_input_types` gives), and check them
    against the model."""
    return {name: _dtype_name(name, dtype) for name, dtype in (types or {}).items()}


def _dtype_name(name: str, dtype: Any) -> str:
    from deeploy.integer_types import TYPE_NAMES, numpy_of

    referenced = getattr(dtype, "referencedType", None)  # a Deeploy pointer class
    spelled = getattr(referenced, "typeName", dtype)
    if isinstance(spelled, str):
        spelled = spelled.removesuffix("_t")  # Deeploy's C names: int8_t, float32_t
        if spelled in TYPE_NAMES:  # before numpy, for which "u8" means uint64
            return numpy_of(TYPE_NAMES[spelled]).name
    try:
        return np.dtype(spelled).name
    except TypeError:
        raise OptionError(
            f"inputTypes['{name}'] must be a numpy dtype or its name, got {dtype!r}"
        ) from None


def _channels_first(default_channels_first: bool) -> None:
    if not default_channels_first:
        raise UnsupportedError(
            "default_channels_first=False: the kernels of this compiler use channels-first "
            "(NCHW) layouts only"
        )


class NetworkDeployer:
    """Deploy one ONNX network on a platform, stage by stage (see the module docstring).

    `graph`: an ONNX GraphProto, ModelProto, path or bytes. `deploymentPlatform`: a
    target name ("generic") or a facade platform (memory-aware ones come into play with
    `TilerDeployerWrapper`). `inputTypes`: input name -> numpy dtype, checked against
    the model. `loweringOptimizer`: passes replacing fold-constants ... dce. `name`:
    prefix of the generated C (files `<name>.h/.c`, functions `<name>_init/_run`).
    `deeployStateDir`: where stage snapshots are written (None: none are written).
    `scheduler` is ignored (layers run in graph order); `inputOffsets` must be zero.
    """

    _session: Session

    def __init__(
        self,
        graph: Any,
        deploymentPlatform: DeploymentPlatform | str,
        inputTypes: Mapping[str, Any] | None = None,
        loweringOptimizer: Any = None,
        scheduler: Callable[..., Any] | None = None,
        name: str = "DeeployNetwork",
        default_channels_first: bool = True,
        deeployStateDir: str | None = "DeeployState",
        inputOffsets: Mapping[str, int] | None = None,
    ) -> None:
        from deeploy.targets import get_target

        target = get_target(target_name(deploymentPlatform)).name
        _channels_first(default_channels_first)
        offsets = {k: v for k, v in (inputOffsets or {}).items() if v != 0}
        if offsets:
            raise UnsupportedError(
                f"inputOffsets {offsets}: inputs are read as the ONNX model types them; "
                "shift the data before calling the network instead"
            )
        self._session = Session(
            source=_model_source(graph),
            target=target,
            name=name,
            platform=deploymentPlatform,
            input_types=_input_types(inputTypes),
            lowering=_lowering(loweringOptimizer),
            state_dir=deeployStateDir,
            options={"scheduler": scheduler},
        )

    def __repr__(self) -> str:
        stages = [s for s in ("parsed", "bound", "transformed", "prepared") if getattr(self, s)]
        return (
            f"{type(self).__name__}(name={self.name!r}, target={self._session.target!r}, "
            f"stages={stages})"
        )

    # -- state shared with wrappers ------------------------------------------------------

    @property
    def Platform(self) -> object:
        return self._session.platform

    @Platform.setter
    def Platform(self, platform: DeploymentPlatform | str) -> None:
        """Deeploy's scripts make the platform memory-aware after building the deployer
        (`deployer.Platform = setupMemoryPlatform(deployer.Platform, ...)`)."""
        s = self._session
        if s.bound or s.tiler is not None:
            raise StageOrderError(
                "Set Platform before binding and before wrapping in TilerDeployerWrapper: "
                "both use its memory hierarchy"
            )
        target = get_target(target_name(platform)).name
        if s.module is not None and target != s.target:
            raise StageOrderError(
                f"Platform: the network was imported for target {s.target}; set a platform of "
                f"target {target} before frontEnd()"
            )
        s.target, s.platform = target, platform

    @property
    def name(self) -> str:
        return self._session.name

    @property
    def deeployStateDir(self) -> str | None:
        return self._session.state_dir

    @deeployStateDir.setter
    def deeployStateDir(self, value: str | None) -> None:
        self._session.state_dir = value

    @property
    def default_channels_first(self) -> bool:
        return True

    @property
    def module(self) -> ModuleOp | None:
        """The IR as it stands (graph, buffer, then cemit dialect); None before frontEnd."""
        return self._session.module

    @property
    def parsed(self) -> bool:
        return self._session.parsed

    @property
    def bound(self) -> bool:
        return self._session.bound

    @property
    def transformed(self) -> bool:
        return self._session.transformed

    @property
    def prepared(self) -> bool:
        return self._session.prepared

    # -- stages --------------------------------------------------------------------------

    def frontEnd(self) -> None:
        """Import the ONNX graph, lower it, parse it (each once)."""
        self._import_and_lower()
        self.parse(True)

    def _import_and_lower(self) -> None:
        s = self._session
        if s.module is None:
            s.import_model()
            self._snapshot(PRE_LOWERING)
        if not s.lowered:
            assert s.module is not None
            self.lower(s.module)
            self._snapshot(POST_LOWERING)

    def lower(self, graph: Any) -> ModuleOp:
        """Run the lowering passes (fold-constants ... dce, or loweringOptimizer) and
        return the lowered graph-dialect module. `graph` is what Deeploy passes, the
        network's graph: an ONNX GraphProto or ModelProto, an onnx_graphsurgeon Graph, a
        path; it is imported and lowered into a new module, leaving the deployer as it is
        (as Deeploy's lower() returns the graph for its caller to keep). The deployer's
        own `module` is lowered in place, once."""
        from xdsl.dialects.builtin import ModuleOp

        s = self._session
        if graph is None:
            raise OptionError(
                "lower(graph): graph is None; pass an ONNX GraphProto or ModelProto, an "
                "onnx_graphsurgeon Graph, or deployer.module"
            )
        if s.module is not None and graph is s.module:  # (graph is not None here)
            if s.bound:
                raise StageOrderError(
                    "lower(): the network is already bound; lowering works on the graph"
                )
            if not s.lowered:
                s.run(s.lowering_passes(), graph)
                s.lowered = True
            return graph
        if not isinstance(graph, ModuleOp):
            graph = self._imported(graph)
        s.run(s.lowering_passes(), graph)
        return graph

    def _imported(self, graph: Any) -> ModuleOp:
        from deeploy.api import no_cyclic_gc
        from deeploy.frontend.onnx_import import import_onnx

        with no_cyclic_gc():
            return import_onnx(_model_source(graph), name=self._session.name)

    def parse(self, default_channels_first: bool = True) -> bool:
        """Check the lowered module is well-formed and mark the network parsed. (Our
        import infers every shape and type; Deeploy's parser does that work here.)
        Deeploy parses whatever graph it holds; ours binds lowered modules only, so a
        parse() before frontEnd() first imports and lowers, as frontEnd() would."""
        _channels_first(default_channels_first)
        s = self._session
        self._import_and_lower()
        if not s.parsed:
            assert s.module is not None
            s.module.verify()
            s.parsed = True
        return True

    def bind(self) -> bool:
        """Bind every layer to a kernel of the target and bufferize (bind-kernels ...
        reuse-input-buffers)."""
        s = self._session
        if not s.parsed:
            raise StageOrderError(NOT_PARSED_FOR_BINDING)
        if not s.bound:
            s.run(s.binding_passes())
            s.bound = True
        return True

    def midEnd(self) -> None:
        self.bind()
        self._snapshot(POST_PARSING)

    def codeTransform(self, verbose: CodeGenVerbosity = NO_VERBOSITY) -> None:
        """Place every buffer and write the C (plan-memory, verify-memory-plan,
        lower-to-c). `verbose`'s untiled/tiling profiling make the C print each layer's
        instruction count on targets that can count (rv32); elsewhere a warning says so."""
        from deeploy.passes.lower_to_c import LowerToCPass

        s = self._session
        if not s.bound:
            raise StageOrderError(NOT_BOUND_FOR_TRANSFORM)
        if s.transformed:
            return
        if s.memory is not None and not s.tiled:
            raise StageOrderError(NOT_TILED_FOR_TRANSFORM)
        s.impose_requested_map()
        passes = s.transform_passes()
        honoured: tuple[str, ...] = ()
        if verbose.profiles_layers() and get_target(s.target).counter == "program":
            honoured = ("untiledProfiling", "tilingProfiling")
            passes = tuple(
                replace(p, profile_layers=True) if isinstance(p, LowerToCPass) else p
                for p in passes
            )
        verbose.warn_unused(s.target, honoured)
        s.run(passes)
        s.finish_report()
        s.transformed = True

    def backEnd(self, verbose: CodeGenVerbosity = NO_VERBOSITY) -> None:
        self.codeTransform(verbose)
        self._snapshot(POST_BINDING)

    def prepare(self, verbose: CodeGenVerbosity = NO_VERBOSITY) -> None:
        self.frontEnd()
        self.midEnd()
        self.backEnd(verbose)
        self._session.prepared = True

    def generateFunction(self, verbose: CodeGenVerbosity = NO_VERBOSITY) -> str:
        """Prepare (if not yet done), log a summary, and return the inference code."""
        if not self.prepared:
            self.prepare(verbose)
        for buf in self.inputs() + self.outputs():
            kind = "Input" if buf.is_input else "Output"
            log.info("%s '%s': %s%s", kind, buf.name, buf.typeName, list(buf.shape))
        log.info("Number of Ops.: %d", self.numberOfOps(verbose=False))
        for level, size in self.worstCaseBufferSize.items():
            log.info("Memory %s: %d bytes (arena and I/O)", level, size)
        return self.generateInferenceCode()

    # -- results -------------------------------------------------------------------------

    @property
    def result(self) -> CompileResult:
        """What `deeploy.compile` returns for the same network and options: sources,
        runtime files, report; ready for `CompileResult.write` or the test harness."""
        self._require_code()
        return self._session.result()

    def inputs(self) -> list[VariableBuffer]:
        return self._io("inputs")

    def outputs(self) -> list[VariableBuffer]:
        return self._io("outputs")

    def _io(self, kind: str) -> list[VariableBuffer]:
        s = self._session
        if s.module is None:
            return []
        level = s.home_level()
        return [
            VariableBuffer(
                spec["name"],
                tuple(spec["shape"]),
                spec["dtype"],
                level,
                is_input=kind == "inputs",
                is_output=kind == "outputs",
            )
            for spec in s.report[kind]
        ]

    def numberOfOps(self, verbose: bool = False) -> int:
        """Operations of one inference, 1 MAC = 2 ops (as Deeploy counts them)."""
        s = self._session
        if not s.parsed or not s.bound:
            raise StageOrderError(NOT_BOUND_FOR_OPS)
        if verbose:
            for layer, ops in s.layer_ops:
                log.info("Layer '%s': %d operations", layer, ops)
        return int(s.report["ops"])

    @property
    def worstCaseBufferSize(self) -> dict[str, int]:
        """Bytes per memory level: what its buffers span at their fullest (the L1 tiles,
        with an L3 home the L2 staging buffers, the home level's arena) plus, in the home
        level, the inputs and outputs; weights are not counted (they are static, as in
        Deeploy). Filled by tile() (as Deeploy's) or, untiled, by codeTransform; {}
        before."""
        return self._session.worst_case_sizes()

    @property
    def memoryBlocks(self) -> dict[str, list[MemoryBlock]]:
        """Per level, every placed buffer with its lifetime (layer steps) and byte range:
        the home arena's buffers once memory is planned, and each tiled layer's L1 (and
        L2 staging) buffers, named `<layer>/<tensor>`, once tiled. Inputs and outputs are
        the caller's arrays, not blocks."""
        return _merged(self._session.memory_blocks, self._session.tile_blocks)

    @property
    def memoryMap(self) -> dict[str, dict[str, int]]:
        """Per level, buffer name -> byte offset (the names of `memoryBlocks`)."""
        return _merged(self._session.memory_map or {}, self._session.tile_map)

    # -- code fragments (see deeploy.facade.ctext for what each is in our C) -------------

    def _require_code(self) -> ModuleOp:
        s = self._session
        if not s.parsed or not s.bound:
            raise StageOrderError(NOT_BOUND_FOR_CODE)
        if not s.transformed:
            raise StageOrderError(NOT_TRANSFORMED_FOR_CODE)
        assert s.module is not None
        return s.module

    def generateInferenceCode(self) -> str:
        """The body of `<name>_run`: one call (or tiled run) per layer."""
        return ctext.function_body(self._require_code(), self._network(), "_run")

    def generateInferenceInitializationCode(self) -> str:
        """The arena arrays, one per memory level: every intermediate buffer lives in them
        at a static offset, so there are no per-buffer declarations."""
        return ctext.arena_arrays(self._require_code())

    def generateGlobalDefinitionCode(self) -> str:
        """File-scope structs and static functions: tile descriptors and the per-layer
        compute functions of tiled layers."""
        return ctext.global_definitions(self._require_code())

    def generateBufferInitializationCode(self) -> str:
        """The constant arrays with their values: weights and tiling tables."""
        return ctext.constant_arrays(self._require_code())

    def generateIOBufferInitializationCode(self) -> str:
        """The I/O macros of the header and the prototype of `<name>_run`; the I/O arrays
        themselves belong to the caller."""
        return ctext.io_declarations(self._require_code(), self._network())

    def generateBufferAllocationCode(self) -> str:
        """Empty: nothing is allocated at run time (all memory is static)."""
        self._require_code()
        return ""

    def generateBufferDeAllocationCode(self) -> str:
        """Empty: nothing is allocated, so nothing is freed."""
        self._require_code()
        return ""

    def generateIncludeString(self) -> str:
        """The `#include` lines of the generated source."""
        return ctext.includes(self._require_code())

    def generateEngineInitializationCode(self) -> str:
        """The body of `<name>_init` (memory regions and weight copies of a tiled network;
        nothing to do for an untiled one)."""
        return ctext.function_body(self._require_code(), self._network(), "_init")

    def _network(self) -> str:
        return str(self._session.report["network"])

    # -- state -----------------------------------------------------------------------------

    def exportDeeployState(self, folderPath: str | os.PathLike[str], fileName: str) -> None:
        """Write the IR (`fileName.mlir`) and the stage and options (`fileName.json`)."""
        from deeploy.facade.state import export_state

        if self._session.module is None:
            raise StageOrderError(NOT_IMPORTED)
        export_state(self._session, folderPath, fileName)

    def importDeeployState(self, folderPath: str | os.PathLike[str], fileName: str) -> None:
        """Resume from a state written by `exportDeeployState` of a deployer built alike."""
        from deeploy.facade.state import import_state

        import_state(self._session, folderPath, fileName)

    def _snapshot(self, file_name: str) -> None:
        """Write Deeploy's stage snapshot once, with the state the stage left: a stage
        repeated (prepare() after stages run by hand) or passed already keeps the first."""
        s = self._session
        if s.state_dir is None or file_name in s.snapshots or not _at_stage(s, file_name):
            return
        self.exportDeeployState(s.state_dir, file_name)
        s.snapshots.add(file_name)


def _at_stage(s: Session, file_name: str) -> bool:
    """Whether the session is in the state a snapshot of that name holds."""
    return {
        PRE_LOWERING: s.module is not None and not s.lowered,
        POST_LOWERING: s.lowered and not s.bound,
        POST_PARSING: s.bound and not s.transformed,
        POST_BINDING: s.transformed,
    }[file_name]


def _merged(*maps: Mapping[str, Any]) -> dict[str, Any]:
    """Level-keyed maps joined (their levels or, within a level, their names differ)."""
    out: dict[str, Any] = {}
    for m in maps:
        for level, entries in m.items():
            if isinstance(entries, dict):
                out[level] = {**out.get(level, {}), **entries}
            else:
                out[level] = [*out.get(level, []), *entries]
    return dict(sorted(out.items()))


class NetworkDeployerWrapper(NetworkDeployer):
    """Adds behaviour to a deployer while sharing its state: stages that the wrapped
    deployer augments (`bind`, `lower`, `codeTransform`) go through it."""

    def __init__(self, deployer: NetworkDeployer) -> None:
        self._innerObject = deployer
        self._session = deployer._session

    def __getattr__(self, name: str) -> Any:
        if name in ("_innerObject", "_session"):
            raise AttributeError(name)
        return getattr(self._innerObject, name)

    def bind(self) -> bool:
        return self._innerObject.bind()

    def lower(self, graph: Any) -> ModuleOp:
        return self._innerObject.lower(graph)

    def codeTransform(self, verbose: CodeGenVerbosity = NO_VERBOSITY) -> None:
        self._innerObject.codeTransform(verbose)
