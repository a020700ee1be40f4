"""plan-memory: give every `buffer.alloc` a static offset in its level's arena.

Lifetimes come from program order: a buffer is live from the op that allocates it to
the last op that reads it or a view of it. Buffers whose lifetimes overlap never overlap
in memory. Placement is greedy by size (largest first, each at the lowest offset that
fits, ties broken by program order so output is deterministic); the pass records the
arena size and the live-set lower bound (the largest total of simultaneously live
buffers, which no placement can beat) in one `buffer.arena` per level.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, i64
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass

from deeploy.dialects import buffer


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


def live_set_bound(blocks: list[Block]) -> dict[str, int]:
    """Per level, the largest total size of buffers live at one op."""
    events: dict[str, dict[int, int]] = {}
    for b in blocks:
        level = events.setdefault(b.level, {})
        level[b.start] = level.get(b.start, 0) + b.size
        level[b.end + 1] = level.get(b.end + 1, 0) - b.size
    bounds = {}
    for level, deltas in events.items():
        live = peak = 0
        for t in sorted(deltas):
            live += deltas[t]
            peak = max(peak, live)
        bounds[level] = peak
    return bounds


def place_greedy(blocks: list[Block], alignment: int) -> None:
    """Largest first, each at the lowest aligned offset free during its lifetime."""
    placed: list[Block] = []
    for b in sorted(blocks, key=lambda b: (-b.size, b.start, b.order)):
        conflicts = sorted(
            (p for p in placed if p.level == b.level and p.overlaps_in_time(b)),
            key=lambda p: p.offset,
        )
        offset = 0
        for p in conflicts:
            if offset + b.size <= p.offset:
                break
            offset = max(offset, align_up(p.offset + p.size, alignment))
        b.offset = offset
        placed.append(b)


@dataclass(frozen=True)
class PlanMemoryPass(ModulePass):
    name = "plan-memory"
    alignment: int = 16

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for existing in [o for o in op.ops if isinstance(o, buffer.ArenaOp)]:
            existing.detach()
            existing.erase()
        arenas: dict[str, tuple[int, int]] = {}
        for fn in op.ops:
            if not isinstance(fn, func.FuncOp) or fn.is_declaration:
                continue
            for arg in fn.body.block.args:
                arenas.setdefault(buffer.level_of(arg), (0, 0))
            blocks = lifetimes(fn, self.alignment)
            place_greedy(blocks, self.alignment)
            bounds = live_set_bound(blocks)
            for b in blocks:
                b.alloc.offset = IntegerAttr(b.offset, i64)
                size, bound = arenas.get(b.level, (0, 0))
                arenas[b.level] = (max(size, b.offset + b.size), max(bound, bounds[b.level]))
        first = next(iter(op.ops), None)
        for level in sorted(arenas):
            size, bound = arenas[level]
            arena = buffer.ArenaOp(level, size, self.alignment, bound)
            if first is None:
                op.body.block.add_op(arena)
            else:
                op.body.block.insert_op_before(arena, first)
