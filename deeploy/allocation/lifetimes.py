"""Buffers of a bufferized function as allocation blocks: their sizes and live ranges in
program order (a buffer is live from the op that allocates it to the last op that reads
it or a view of it), and their placement level by level (plan-memory, the memory map,
the facade)."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.dialects import func
from xdsl.ir import Operation, SSAValue

from deeploy import progress
from deeploy.alignment import align_up
from deeploy.allocation.allocator import allocate
from deeploy.allocation.problem import Allocation, Request
from deeploy.dialects import buffer


@dataclass
class Block:
    """One allocation to place: [start, end] in op indices, size in bytes."""

    alloc: buffer.AllocOp
    level: str
    size: int
    start: int
    end: int
    order: int
    offset: int = -1

    def overlaps_in_time(self, other: Block) -> bool:
        return self.start <= other.end and other.start <= self.end


def lifetimes(fn: func.FuncOp, alignment: int) -> list[Block]:
    """The allocation blocks of fn with their live ranges."""
    ops: list[Operation] = list(fn.body.block.ops)
    index = {op: i for i, op in enumerate(ops)}
    root_of: dict[SSAValue, buffer.AllocOp] = {}
    blocks: dict[buffer.AllocOp, Block] = {}
    for i, op in enumerate(ops):
        if isinstance(op, buffer.AllocOp):
            size = align_up(buffer.size_in_bytes(op.result.type), alignment)
            blocks[op] = Block(op, buffer.level_of(op.result), size, i, i, len(blocks))
            root_of[op.result] = op
        elif isinstance(op, buffer.ViewOp) and op.source in root_of:
            root_of[op.result] = root_of[op.source]
        for operand in op.operands:
            alloc = root_of.get(operand)
            if alloc is not None:
                blocks[alloc].end = max(blocks[alloc].end, index[op])
    return list(blocks.values())


def place(blocks: list[Block], alignment: int, budget: int) -> dict[str, Allocation]:
    """Offsets for every block, level by level; the allocations say how good they are."""
    results = {}
    for level in sorted({b.level for b in blocks}):
        members = [b for b in blocks if b.level == level]
        requests = [Request(str(b.order), b.size, b.start, b.end) for b in members]
        with progress.waiting(f"allocating {len(members)} buffers in {level}"):
            result = allocate(requests, alignment, budget=budget)
        for b in members:
            b.offset = result.offsets[str(b.order)]
        results[level] = result
    return results
