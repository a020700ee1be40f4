"""Tiling with Deeploy's names: `Tiler` holds the choices, `TilerDeployerWrapper` runs
our `tile-layers` and `plan-memory` passes between binding and code transformation.

Deeploy's tiler solves one constraint model for the whole network and its multi-buffer
strategy may differ per tensor and hop. Ours (deeploy/tiling) solves each layer for the
fewest bytes moved, and buffers every operand alike: once, or twice when tile loads
overlap computation. So a tiler here is its `multiBufferCoefficient` (1 or 2), which
becomes `MemoryConfig.double_buffer`; Deeploy's search and allocation knobs
(`searchStrategy`, `memoryAllocStrategy`, `visualizeMemoryAlloc`) are kept as
attributes and not used.

As Deeploy's, `tile()` decides every level: the tile sizes, each layer's L1 buffers, with
an L3 home the L2 staging buffers, and the home level's arena. `tiler.tilingSolution`,
`tiler.memoryMap`, `tiler.patternMemoryConstraints` and `worstCaseBufferSize` are
readable from then on.

`tile(tilingSolution, memoryMap)` takes our formats or Deeploy's (deeploy_shapes.py
converts them):

    tilingSolution = {layer name: [tile size per dimension of the kernel's iteration
                      space]}                        # as `tiler.tilingSolution` reads
    memoryMap      = {level: {buffer name: byte offset}}
                                                     # as `tiler.memoryMap` reads

A tilingSolution that differs from tile-layers' is imposed: each named layer gets those
tile sizes if its kernel's rule allows them and they fit L1 (else an `OptionError` or
`BudgetError` naming the layer), and its L1 layout and DMA schedule follow from them.
A memoryMap that differs from the plan is imposed when the code is transformed: it must
name every buffer of the home level (else an `OptionError`), may move tiled layers'
L1 buffers (`<layer>/<tensor>`), not their L2 staging buffers, and verify-memory-plan
checks it - live buffers disjoint, offsets aligned, inside the level - raising
`AssertionError` naming the buffers at fault, as Deeploy's MiniMalloc checks do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from deeploy.errors import OptionError
from deeploy.facade import deeploy_shapes, ir_readers
from deeploy.facade.buffers import MemoryBlock, PatternMemoryConstraints
from deeploy.facade.deployer import NetworkDeployer, NetworkDeployerWrapper, _merged
from deeploy.facade.errors import (
    BOTH_OR_NEITHER,
    NOT_BOUND_FOR_TILING,
    DeeployAssertionError,
    StageOrderError,
)
from deeploy.facade.memory import MemoryHierarchy, memory_config, require_memory_platform

if TYPE_CHECKING:
    from deeploy.facade.session import Session
    from deeploy.targets.base import MemoryConfig


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

    # Results, readable once the wrapper has tiled (Deeploy's tiler fills them in tile()).

    @property
    def tilingSolution(self) -> dict[str, list[int]]:
        s = self._session
        return dict(s.tiling_solution or {}) if s is not None else {}

    @property
    def memoryMap(self) -> dict[str, dict[str, int]]:
        """Every level's buffers: the home arena's by name, each tiled layer's L1 (and,
        with an L3 home, L2 staging) buffers as `<layer>/<tensor>`."""
        s = self._session
        return _merged(s.memory_map or {}, s.tile_map) if s is not None else {}

    @property
    def memoryBlocks(self) -> dict[str, list[MemoryBlock]]:
        s = self._session
        return _merged(s.memory_blocks, s.tile_blocks) if s is not None else {}

    @property
    def patternMemoryConstraints(self) -> dict[str, PatternMemoryConstraints]:
        """Per layer, what each operand occupies: its home level, with an L3 home its L2
        staging buffer, and its L1 buffers."""
        return dict(self._session.patterns) if self._session is not None else {}

    @property
    def worstCaseBufferSize(self) -> dict[str, int]:
        return self._session.worst_case_sizes() if self._session is not None else {}


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
        existing = self._session.tiler
        if existing is not None:
            # one tiling per network: an outer tiler would silently replace the inner's
            # buffering, which the inner wrapper's caller chose
            raise DeeployAssertionError(
                f"the deployer is already wrapped in TilerDeployerWrapper (tiler "
                f"{type(existing).__name__}, multiBufferCoefficient "
                f"{getattr(existing, 'multiBufferCoefficient', '?')}); wrap it once, with "
                "the tiler you want"
            )
        if self._session.bound:
            raise StageOrderError(
                "Wrap the deployer in TilerDeployerWrapper before binding: binding already "
                "placed the tensors for an untiled network"
            )
        self.tiler = tilerCls(platform.memoryHierarchy, testName=testName, workDir=workDir)
        self.tiler._session = self._session
        memory = memory_config(platform, self.tiler.double_buffer)
        _check_target(self._session, memory)
        self._session.memory, self._session.tiler = memory, self.tiler

    def bind(self) -> bool:
        if not self._innerObject.bind():
            return False
        self.tile()
        return True

    @property
    def worstCaseBufferSize(self) -> dict[str, int]:
        return self.tiler.worstCaseBufferSize

    def tile(self, tilingSolution: Any = None, memoryMap: Any = None) -> None:
        """Tile and allocate (tile-layers, plan-memory; once). With both overrides, in
        our formats or Deeploy's, impose them (see the module docstring); the memory map
        is imposed and checked when the code is transformed."""
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
            s.refresh_target_spec()
            s.run(s.tiling_passes())
            s.tiled = True
        if tilingSolution is None or memoryMap is None:
            return
        if s.transformed:
            raise StageOrderError(
                "tile(): a tilingSolution and memoryMap can be given only before codeTransform()"
            )
        assert s.module is not None and s.memory is not None
        layers = ir_readers.tiled_layers(s.module)
        self._check_solution(deeploy_shapes.tiling_solution(tilingSolution, layers, s.target))
        names = [name for name, _ in layers]
        s.requested_memory_map = deeploy_shapes.memory_map(memoryMap, names, s.memory.home)

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
        from deeploy.targets import get_target
        from deeploy.tiling.layers import impose_tiling

        s = self._session
        assert s.module is not None and s.memory is not None
        library = get_target(s.target).kernels()
        layers = dict(ir_readers.tiled_layers(s.module))
        for name, chosen in sizes.items():
            impose_tiling(layers[name], chosen, library, s.memory.l1, s.memory.double_buffer)
        s.observe_ir(s.module)
        s.read_tiles()


def _check_target(session: Session, memory: MemoryConfig) -> None:
    """What `deeploy.compile` checks of a target given a memory hierarchy (an L1 to tile
    into, a main memory the board has), worded for the facade's caller."""
    from deeploy.api import check_target_options
    from deeploy.errors import DeeployError
    from deeploy.targets import get_target

    try:
        check_target_options(get_target(session.target), memory, None, False)
    except DeeployError as err:
        raise session.python_error(err) from None
