"""plan-memory: give every `buffer.alloc` a static offset in its level's arena.

Lifetimes come from program order: a buffer is live from the op that allocates it to
the last op that reads it or a view of it. Buffers whose lifetimes overlap never overlap
in memory. Offsets come from `deeploy.allocation` (greedy orders, then an exact search
within a deterministic budget); the pass records the arena size, the live-set lower bound
(the largest total of simultaneously live buffers, which no placement can beat) and
whether the arena is proven minimal in one `buffer.arena` per level.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, i64
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass

from deeploy.allocation import DEFAULT_BUDGET, Allocation, Request, allocate
from deeploy.dialects import buffer
from deeploy.passes import options


def align_up(value: int, alignment: int) -> int:
    return (value + alignment - 1) // alignment * alignment


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
            size = align_up(buffer.size_in_bytes(op.result.type), alignment)  # type: ignore[arg-type]
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
        result = allocate(requests, alignment, budget=budget)
        for b in members:
            b.offset = result.offsets[str(b.order)]
        results[level] = result
    return results


@dataclass(frozen=True)
class PlanMemoryPass(ModulePass):
    name = "plan-memory"
    alignment: int = 16
    # search steps after greedy placement (0: greedy only); deterministic, unlike a timeout
    budget: int = DEFAULT_BUDGET

    def __post_init__(self) -> None:
        options.alignment(self.name, "alignment", self.alignment)
        options.non_negative(self.name, "budget", self.budget)

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for existing in [o for o in op.ops if isinstance(o, buffer.ArenaOp)]:
            existing.detach()
            existing.erase()
        arenas: dict[str, tuple[int, int, bool]] = {}
        for fn in op.ops:
            if not isinstance(fn, func.FuncOp) or fn.is_declaration:
                continue
            for arg in fn.body.block.args:
                arenas.setdefault(buffer.level_of(arg), (0, 0, True))
            blocks = lifetimes(fn, self.alignment)
            for level, result in place(blocks, self.alignment, self.budget).items():
                size, bound, optimal = arenas.get(level, (0, 0, True))
                arenas[level] = (
                    max(size, result.peak),
                    max(bound, result.lower_bound),
                    optimal and result.optimal,
                )
            for b in blocks:
                b.alloc.offset = IntegerAttr(b.offset, i64)
        first = next(iter(op.ops), None)
        for level in sorted(arenas):
            size, bound, optimal = arenas[level]
            arena = buffer.ArenaOp(level, size, self.alignment, bound, optimal)
            if first is None:
                op.body.block.add_op(arena)
            else:
                op.body.block.insert_op_before(arena, first)
