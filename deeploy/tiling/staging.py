"""Staging buffers: where a tiled layer's boxes wait in the level between home and the
scratchpad (lower-to-c lays them out, the facade reports them)."""

from __future__ import annotations

from math import prod

from deeploy.alignment import align_up
from deeploy.tiling.problem import TileProblem
from deeploy.tiling.schedule import Tile, max_box_shapes


def staging_layout(
    problem: TileProblem, tiles: list[Tile], alignment: int
) -> tuple[list[int], int]:
    """Where a layer's staging buffers go when the home level is beyond the next (L3
    home, L2 staging): per operand the
    byte offset of one buffer holding its largest box (aligned; a local operand never
    moves and takes no room), and the bytes all of them take. lower-to-c lays L2 out this
    way; the facade reports the same figures before lower-to-c runs."""
    offsets, at = [], 0
    for operand, shape in zip(problem.operands, max_box_shapes(problem, tiles)):
        offsets.append(at)
        if operand.local:  # never moves: needs no staging
            continue
        at += align_up(prod(shape) * operand.element_bytes, alignment)
    return offsets, at
