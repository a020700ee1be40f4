"""The tiles of a layer for chosen tile sizes, in execution order, and what moves when.

Tiles follow the problem's loop order (last dimension innermost). An input is loaded
before a tile when its box differs from the one in L1 (a tile that needs the same
weights or the same input rows as its predecessor reuses them) and is not empty; an
output is stored after a tile when the next tile writes a different box (an output tile
accumulated over reduction tiles is stored once, complete). With double buffering, each
operand that moves more than once alternates between two L1 buffers.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from math import prod

from deeploy.tiling.problem import Axis, Operand, TileProblem


@dataclass(frozen=True)
class Box:
    """The elements of one operand a tile needs: [lo, hi) per axis, and the padding the
    kernel supplies where the needed range was clipped to the operand."""

    lo: tuple[int, ...]
    hi: tuple[int, ...]
    clip_lo: tuple[int, ...]
    clip_hi: tuple[int, ...]

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(h - lo for lo, h in zip(self.lo, self.hi))

    @property
    def elements(self) -> int:
        return prod(self.shape)

    @property
    def region(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The elements alone (two tiles needing the same ones share a move)."""
        return self.lo, self.hi


@dataclass(frozen=True)
class Tile:
    ranges: tuple[tuple[int, int], ...]  # per dimension, [start, stop)
    boxes: tuple[Box, ...]  # per operand
    moves: tuple[bool, ...]  # per operand: load before (inputs) / store after (outputs)
    buffer: tuple[int, ...]  # per operand: which of its L1 buffers the tile uses
    first_reduction: bool  # the first tile of its output box (initialise, add bias)
    last_reduction: bool  # the last one (apply the epilogue, store)


def tile_ranges(extent: int, size: int) -> list[tuple[int, int]]:
    return [(s, min(s + size, extent)) for s in range(0, extent, size)]


def box_of(operand: Operand, ranges: tuple[tuple[int, int], ...]) -> Box:
    parts = [_axis_range(axis, ranges) for axis in operand.axes]
    return Box(
        tuple(p[0] for p in parts),
        tuple(p[1] for p in parts),
        tuple(p[2] for p in parts),
        tuple(p[3] for p in parts),
    )


def _axis_range(axis: Axis, ranges: tuple[tuple[int, int], ...]) -> tuple[int, int, int, int]:
    if axis.dim is None:
        return axis.needed(0, 1)
    return axis.needed(*ranges[axis.dim])


def schedule(problem: TileProblem, sizes: tuple[int, ...], double_buffer: bool) -> list[Tile]:
    if len(sizes) != len(problem.dims):
        raise ValueError("one tile size per dimension")
    per_dim = [tile_ranges(d.extent, s) for d, s in zip(problem.dims, sizes)]
    reduction = [i for i, d in enumerate(problem.dims) if d.kind == "reduction"]
    grid = list(product(*per_dim))
    boxes = [tuple(box_of(o, ranges) for o in problem.operands) for ranges in grid]
    tiles: list[Tile] = []
    current = [0] * len(problem.operands)
    loaded: list[object] = [None] * len(problem.operands)  # per input, the box in L1
    for t, ranges in enumerate(grid):
        moves = []
        for k, operand in enumerate(problem.operands):
            box = boxes[t][k]
            if operand.local:
                moves.append(False)
            elif operand.is_output:
                moves.append(t + 1 == len(grid) or boxes[t + 1][k].region != box.region)
            else:
                # a box wholly in the padding (a 1x1 window over a padded border) needs
                # nothing from the input
                moves.append(box.elements > 0 and box.region != loaded[k])
                if moves[k]:
                    loaded[k] = box.region
        buffers = []
        for k, operand in enumerate(problem.operands):
            # an input switches buffer when a new box arrives; an output after it left
            if double_buffer and not operand.is_output and moves[k] and t > 0:
                current[k] ^= 1
            buffers.append(current[k])
            if double_buffer and operand.is_output and moves[k]:
                current[k] ^= 1
        first = all(ranges[d][0] == 0 for d in reduction)
        last = all(ranges[d][1] == problem.dims[d].extent for d in reduction)
        tiles.append(Tile(ranges, boxes[t], tuple(moves), tuple(buffers), first, last))
    return tiles


@dataclass(frozen=True)
class Traffic:
    bytes: int  # moved between the home level and L1, loads and stores
    transfers: int  # DMA transfers (one per operand box moved)


def traffic(problem: TileProblem, tiles: list[Tile]) -> Traffic:
    moved = transfers = 0
    for tile in tiles:
        for operand, box, move in zip(problem.operands, tile.boxes, tile.moves):
            if move:
                moved += box.elements * operand.element_bytes
                transfers += 1
    return Traffic(moved, transfers)


def buffer_counts(problem: TileProblem, tiles: list[Tile], double_buffer: bool) -> list[int]:
    """L1 buffers per operand: two when double buffering an operand that moves twice."""
    counts = []
    for k in range(len(problem.operands)):
        moves = sum(tile.moves[k] for tile in tiles)
        counts.append(2 if double_buffer and moves > 1 else 1)
    return counts


def max_box_shapes(problem: TileProblem, tiles: list[Tile]) -> list[tuple[int, ...]]:
    """Per operand, the largest extent per axis over all tiles (its L1 buffer shape)."""
    shapes = []
    for k, operand in enumerate(problem.operands):
        shapes.append(
            tuple(max(t.boxes[k].shape[a] for t in tiles) for a in range(len(operand.axes)))
        )
    return shapes
