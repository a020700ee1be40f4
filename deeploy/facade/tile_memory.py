"""What tiled layers occupy outside their tensors' home level: L1 tiles, and the L2 staging
buffers of a network whose home level is L3.

Deeploy's tiler decides every level's buffers in `tile()`, so its `worstCaseBufferSize`,
`PatternMemoryConstraints` and memory map cover L1, L2 and L3 from then on. Ours decides
L1 in tile-layers (the `l1` offsets of each `tiled.layer`), and lower-to-c lays out the L2
staging buffers when it writes the C. This module reads both right after tiling, with the
functions the passes themselves use (`schedule`, `max_box_shapes`, `staging_layout`), so
the figures are the ones the generated code has.

Buffers are named `<layer>/<tensor>`: a tensor has one L1 (or staging) buffer per layer
that tiles it, and within a layer a tensor read and written in place appears twice, as
`<tensor>_0` and `<tensor>_1` (Deeploy's way of making node names unique).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import prod
from typing import TYPE_CHECKING

from xdsl.dialects.builtin import MemRefType, ModuleOp

from deeploy.alignment import align_up
from deeploy.facade.buffers import (
    MemoryBlock,
    MemoryConstraint,
    NodeMemoryConstraint,
    PatternMemoryConstraints,
    TensorMemoryConstraint,
    TensorRole,
)
from deeploy.facade.ir_readers import MemoryMap, tiled_layers, unique_names

if TYPE_CHECKING:
    from deeploy.dialects.tiled import LayerOp
    from deeploy.tiling.problem import TileProblem
    from deeploy.tiling.schedule import Tile

STAGING_LEVEL = "L2"  # where tiles of L3-resident tensors pass on their way to L1


@dataclass
class TiledMemory:
    """Per tiled layer its memory constraints, and the L1 (and L2 staging) buffers of all
    layers as a memory map and as blocks (lifetime: the layer's step)."""

    patterns: dict[str, PatternMemoryConstraints] = field(default_factory=dict)
    memory_map: MemoryMap = field(default_factory=dict)
    blocks: dict[str, list[MemoryBlock]] = field(default_factory=dict)
    peaks: dict[str, int] = field(default_factory=dict)  # level -> most bytes any layer uses

    def add(self, layer_blocks: dict[str, list[MemoryBlock]]) -> None:
        """One layer's blocks, by level."""
        for level, blocks in layer_blocks.items():
            self.blocks.setdefault(level, []).extend(blocks)
            level_map = self.memory_map.setdefault(level, {})
            for block in blocks:
                assert block.addrSpace is not None
                level_map[block.name] = block.addrSpace[0]
            end = max((b.addrSpace[1] for b in blocks if b.addrSpace), default=0)
            self.peaks[level] = max(self.peaks.get(level, 0), end)


@dataclass(frozen=True)
class _Operand:
    """One operand of a tiled layer as the reader sees it."""

    index: int
    name: str
    role: TensorRole  # "intermediate": a fused layer's L1-only buffer
    home: str | None  # its home level (None: lives in L1 only)
    home_bytes: int
    home_shape: tuple[int, ...]
    box_shape: tuple[int, ...]  # its largest tile, in the kernel's view of the tensor
    box_bytes: int


def operand_names(op: LayerOp) -> list[str]:
    """A tiled layer's operands (ins, local buffers, outs), named uniquely."""
    names = []
    for k, value in enumerate(op.tile_operands):
        names.append((value.name_hint or f"operand{k}") if value is not None else f"local{k}")
    return unique_names(names)


def _operands(op: LayerOp, problem: TileProblem, tiles: list[Tile]) -> list[_Operand]:
    from deeploy.dialects.buffer import level_of, size_in_bytes
    from deeploy.tiling.schedule import max_box_shapes

    shapes = max_box_shapes(problem, tiles)
    out = []
    for k, (name, value, t, operand, shape) in enumerate(
        zip(operand_names(op), op.tile_operands, op.tile_operand_types, problem.operands, shapes)
    ):
        assert isinstance(t, MemRefType)
        role: TensorRole = (
            "input" if k < len(op.ins) else "output" if value is not None else "intermediate"
        )
        home = level_of(value) if value is not None else None
        box_bytes = prod(shape) * operand.element_bytes
        out.append(
            _Operand(k, name, role, home, size_in_bytes(t), tuple(t.get_shape()), shape, box_bytes)
        )
    return out


def _steps(module: ModuleOp) -> dict[object, int]:
    """The step (index among kernel calls and tiled layers) of every tiled layer, as
    `ir_readers.memory_plan` counts lifetimes."""
    from deeploy.api import network_function
    from deeploy.dialects import buffer, tiled

    fn = network_function(module)
    if fn is None:
        return {}
    steps = [op for op in fn.body.block.ops if isinstance(op, buffer.KernelOp | tiled.LayerOp)]
    return {op: i for i, op in enumerate(steps)}


def tiled_memory(
    module: ModuleOp, target: str, l1_alignment: int, staging_alignment: int | None
) -> TiledMemory:
    """Read every tiled layer's buffers; `staging_alignment` None: no staging (home L2)."""
    from deeploy.targets import get_target
    from deeploy.tiling.layers import problem_of
    from deeploy.tiling.schedule import schedule
    from deeploy.tiling.staging import staging_layout

    library = get_target(target).kernels()
    steps = _steps(module)
    result = TiledMemory()
    for name, op in tiled_layers(module):
        problem = problem_of(op, library)
        tiles = schedule(problem, op.tile_sizes, op.double_buffer is not None)
        operands = _operands(op, problem, tiles)
        staging = None
        if staging_alignment is not None:
            staging = staging_layout(problem, tiles, staging_alignment)[0]
        layer = _Layer(name, steps.get(op, 0), l1_alignment, staging_alignment)
        result.patterns[name] = layer.pattern(operands, list(op.l1_offsets), staging)
        result.add(layer.blocks)
    return result


@dataclass
class _Layer:
    """Builds one layer's constraints and blocks."""

    name: str
    step: int
    l1_alignment: int
    staging_alignment: int | None
    blocks: dict[str, list[MemoryBlock]] = field(default_factory=dict)

    def pattern(
        self, operands: list[_Operand], l1: list[int], staging: list[int] | None
    ) -> PatternMemoryConstraints:
        node = NodeMemoryConstraint()
        for o in operands:
            tensor = TensorMemoryConstraint(o.name)
            if o.home is not None:
                tensor.addMemoryConstraint(MemoryConstraint(o.home, o.home_bytes, 1, o.home_shape))
            if staging is not None and o.home is not None:
                tensor.addMemoryConstraint(self._staging(o, staging[o.index]))
            tensor.addMemoryConstraint(self._l1(o, l1[2 * o.index], l1[2 * o.index + 1]))
            node.addTensorConstraint(tensor, o.role)
        return PatternMemoryConstraints([node])

    def _l1(self, o: _Operand, first: int, second: int) -> MemoryConstraint:
        """Its L1 buffers, one per tile in flight: Deeploy's address space spans them all."""
        count = 2 if second >= 0 else 1
        end = max(first, second) + align_up(o.box_bytes, self.l1_alignment)
        return self._constraint("L1", o, count, (first, end))

    def _staging(self, o: _Operand, offset: int) -> MemoryConstraint:
        assert self.staging_alignment is not None
        space = (offset, offset + align_up(o.box_bytes, self.staging_alignment))
        return self._constraint(STAGING_LEVEL, o, 1, space)

    def _constraint(
        self, level: str, o: _Operand, count: int, space: tuple[int, int]
    ) -> MemoryConstraint:
        block = MemoryBlock(f"{self.name}/{o.name}", level, (self.step, self.step), space)
        self.blocks.setdefault(level, []).append(block)
        return MemoryConstraint(level, o.box_bytes, count, o.box_shape, space)


def impose_l1_offsets(module: ModuleOp, offsets: dict[str, int]) -> None:
    """Move tiled layers' L1 buffers to the given offsets (`<layer>/<tensor>` -> offset of
    its first buffer; a second buffer keeps its distance to the first). Whether they stay
    aligned, inside L1 and disjoint is for verify-memory-plan to check."""
    from deeploy.dialects import tiled

    for name, op in tiled_layers(module):
        l1 = list(op.l1_offsets)
        for k, operand in enumerate(operand_names(op)):
            given = offsets.get(f"{name}/{operand}")
            if given is None:
                continue
            if l1[2 * k + 1] >= 0:
                l1[2 * k + 1] += given - l1[2 * k]
            l1[2 * k] = given
        op.properties["l1"] = tiled.ints_attr(l1)
