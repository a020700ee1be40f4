"""Tiling with Deeploy's names: `Tiler` holds the choices, `TilerDeployerWrapper` runs
our `tile-layers` pass between binding and code transformation.

Deeploy's tiler solves one constraint model for the whole network and its multi-buffer
strategy may differ per tensor and hop. Ours (deeploy/tiling) solves each layer for the
fewest bytes moved, and buffers every operand alike: once, or twice when tile loads
overlap computation. So a tiler here is its `multiBufferCoefficient` (1 or 2), which
becomes `MemoryConfig.double_buffer`; Deeploy's search and allocation knobs
(`searchStrategy`, `memoryAllocStrategy`, `visualizeMemoryAlloc`) are kept as
attributes and not used.

`tile(tilingSolution, memoryMap)` takes our formats:

    tilingSolution = {layer name: [tile size per dimension of the kernel's iteration
                      space]}                        # as `tiler.tilingSolution` reads
    memoryMap      = {level: {buffer name: byte offset in the level's arena}}
                                                     # as `tiler.memoryMap` reads

A tilingSolution that differs from tile-layers' is imposed: each named layer gets those
tile sizes if its kernel's rule allows them and they fit L1 (else an `OptionError` or
`BudgetError` naming the layer), and its L1 layout and DMA schedule follow from them.
A memoryMap that differs from plan-memory's plan is imposed too: it must name every
planned buffer (else an `OptionError`), and verify-memory-plan checks it - live buffers
disjoint, offsets aligned, inside the level - raising `AssertionError` naming the
buffers at fault, as Deeploy's MiniMalloc checks do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from deeploy.errors import OptionError
from deeploy.facade.buffers import MemoryBlock, PatternMemoryConstraints
from deeploy.facade.deployer import NetworkDeployer, NetworkDeployerWrapper
from deeploy.facade.errors import (
    BOTH_OR_NEITHER,
    NOT_BOUND_FOR_TILING,
    DeeployAssertionError,
    StageOrderError,
)
from deeploy.facade.memory import MemoryHierarchy, memory_config, require_memory_platform

if TYPE_CHECKING:
    from deeploy.facade.session import Session


class Tiler:
    """Tiling choices for a memory hierarchy. `multiBufferCoefficient` 2 (Deeploy's
    default) double-buffers every tile in L1; 1 single-buffers. `testName` and `workDir`
    name Deeploy's MiniMalloc files; they are kept and not used."""

    multiBufferCoefficient: int = 2

    def __init__(
        self,
        memoryHierarchy: MemoryHierarchy,
        testName: str | None = None,
        workDir: str | None = None,
        multiBufferCoefficient: int | None = None,
    ) -> None:
        self.memoryHierarchy = memoryHierarchy
        self.testName = testName
        self.workDir = workDir
        if multiBufferCoefficient is not None:
            self.multiBufferCoefficient = multiBufferCoefficient
        self.searchStrategy = "max"
        self.memoryAllocStrategy = "plan-memory"
        self.visualizeMemoryAlloc = False
        self._session: Session | None = None

    def multiBufferStrategy(self, *args: Any, **kwargs: Any) -> int:
        """The buffers per tile in L1, the same for every tensor and hop."""
        return self.multiBufferCoefficient

    @property
    def double_buffer(self) -> bool:
        if type(self).multiBufferStrategy is not Tiler.multiBufferStrategy:
            raise OptionError(
                f"{type(self).__name__} overrides multiBufferStrategy: our tiler buffers every "
                "operand alike; set multiBufferCoefficient = 1 or 2 instead"
            )
        if self.multiBufferCoefficient not in (1, 2):
            raise OptionError(
                f"multiBufferCoefficient must be 1 (single) or 2 (double buffering), got "
                f"{self.multiBufferCoefficient!r}"
            )
        return self.multiBufferCoefficient == 2

    # Results, readable once the wrapper has run the corresponding stage.

    @property
    def tilingSolution(self) -> dict[str, list[int]]:
        s = self._session
        return dict(s.tiling_solution or {}) if s is not None else {}

    @property
    def memoryMap(self) -> dict[str, dict[str, int]]:
        s = self._session
        return dict(s.memory_map or {}) if s is not None else {}

    @property
    def memoryBlocks(self) -> dict[str, list[MemoryBlock]]:
        return dict(self._session.memory_blocks) if self._session is not None else {}

    @property
    def patternMemoryConstraints(self) -> dict[str, PatternMemoryConstraints]:
        """Per layer, what each operand occupies in its home level and in L1."""
        return dict(self._session.patterns) if self._session is not None else {}


class SBTiler(Tiler):
    """Single buffering: one L1 buffer per operand."""

    multiBufferCoefficient = 1


class DBTiler(Tiler):
    """Double buffering: two L1 buffers per moving operand, loads overlap computation."""

    multiBufferCoefficient = 2


class DBOnlyL3Tiler(Tiler):
    """Deeploy double-buffers the L3 -> L2 hop only; our L2 staging buffers are single, so
    this is single buffering in L1, as Deeploy's is."""

    multiBufferCoefficient = 1


def _solution(given: Any) -> dict[str, list[int]]:
    try:
        return {str(k): [int(x) for x in v] for k, v in dict(given).items()}
    except (TypeError, ValueError):
        raise OptionError(
            "tilingSolution must map layer names to lists of tile sizes (as tiler.tilingSolution)"
        ) from None


def _memory_map(given: Any) -> dict[str, dict[str, int]]:
    try:
        return {
            str(level): {str(b): int(o) for b, o in dict(buffers).items()}
            for level, buffers in dict(given).items()
        }
    except (TypeError, ValueError):
        raise OptionError(
            "memoryMap must map levels to {buffer name: offset} (as tiler.memoryMap)"
        ) from None


class TilerDeployerWrapper(NetworkDeployerWrapper):
    """Tiles every layer into the platform's target level (L1) after binding."""

    def __init__(
        self,
        deployer: NetworkDeployer,
        tilerCls: type[Tiler] = Tiler,
        testName: str | None = None,
        workDir: str | None = None,
    ) -> None:
        super().__init__(deployer)
        platform = require_memory_platform(self.Platform)
        if self._session.bound:
            raise StageOrderError(
                "Wrap the deployer in TilerDeployerWrapper before binding: binding already "
                "placed the tensors for an untiled network"
            )
        self.tiler = tilerCls(platform.memoryHierarchy, testName=testName, workDir=workDir)
        self.tiler._session = self._session
        self._session.memory = memory_config(platform, self.tiler.double_buffer)

    def bind(self) -> bool:
        if not self._innerObject.bind():
            return False
        self.tile()
        return True

    def tile(
        self,
        tilingSolution: dict[str, list[int]] | None = None,
        memoryMap: dict[str, dict[str, int]] | None = None,
    ) -> None:
        """Run tile-layers (once). With both overrides, check they are what our passes
        decide (see the module docstring); the memory map is checked when plan-memory
        has run."""
        if (tilingSolution is None) != (memoryMap is None):
            raise DeeployAssertionError(BOTH_OR_NEITHER)
        s = self._session
        if not s.bound:
            raise StageOrderError(NOT_BOUND_FOR_TILING)
        if not s.tiled:
            refreshed = memory_config(
                require_memory_platform(self.Platform), self.tiler.double_buffer
            )
            if s.memory is not None and refreshed.home != s.memory.home:
                raise StageOrderError(
                    "the hierarchy's default level changed after binding; build a new deployer"
                )
            s.memory = refreshed
            s.run(s.tiling_passes())
            s.tiled = True
        if tilingSolution is None or memoryMap is None:
            return
        self._check_solution(_solution(tilingSolution))
        if s.transformed:
            raise StageOrderError("tile(): a memoryMap can be given only before codeTransform()")
        s.requested_memory_map = _memory_map(memoryMap)

    def _check_solution(self, given: dict[str, list[int]]) -> None:
        solved = self._session.tiling_solution or {}
        unknown = sorted(set(given) - set(solved))
        missing = sorted(set(solved) - set(given))
        if unknown or missing:
            raise OptionError(
                "tilingSolution must name every tiled layer once: "
                + "; ".join(
                    part
                    for part in (
                        f"unknown {', '.join(unknown)}" if unknown else "",
                        f"missing {', '.join(missing)}" if missing else "",
                    )
                    if part
                )
            )
        differing = {k: given[k] for k, v in solved.items() if given[k] != v}
        if differing:
            self._impose(differing)

    def _impose(self, sizes: dict[str, list[int]]) -> None:
        """Tile the named layers as given (checked against their kernels' rules and the
        L1 budget); their L1 layouts and DMA schedules follow from the sizes."""
        from deeploy.api import update_report
        from deeploy.facade import ir_readers
        from deeploy.passes.tile_layers import impose_tiling
        from deeploy.targets import get_target

        s = self._session
        if s.transformed:
            raise StageOrderError(
                "tile(): a tilingSolution can be imposed only before codeTransform()"
            )
        assert s.module is not None and s.memory is not None
        library = get_target(s.target).kernels()
        layers = dict(ir_readers.tiled_layers(s.module))
        for name, chosen in sizes.items():
            impose_tiling(layers[name], chosen, library, s.memory.l1, s.memory.double_buffer)  # type: ignore[arg-type]
        tiling = next(p for p in s.tiling_passes() if p.name == "tile-layers")
        update_report(s.report, tiling, s.module)
        s.tiling_solution = ir_readers.tiling_solution(s.module)
        s.patterns = ir_readers.pattern_constraints(s.module, s.target)
