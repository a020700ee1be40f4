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
from xdsl.passes import ModulePass

from deeploy.allocation import DEFAULT_BUDGET
from deeploy.allocation.lifetimes import lifetimes, place
from deeploy.dialects import buffer
from deeploy.passes import options


@dataclass(frozen=True)
class PlanMemoryPass(ModulePass):
    name = "plan-memory"
    alignment: int | None = None  # of every buffer offset (default: the target's)
    # search steps after greedy placement (0: greedy only); deterministic, unlike a timeout
    budget: int = DEFAULT_BUDGET

    def __post_init__(self) -> None:
        if self.alignment is not None:
            options.alignment(self.name, "alignment", self.alignment)
        options.non_negative(self.name, "budget", self.budget)

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        from deeploy.targets.spec import module_spec

        alignment = self.alignment or module_spec(op).alignment.data
        for existing in [o for o in op.ops if isinstance(o, buffer.ArenaOp)]:
            existing.detach()
            existing.erase()
        arenas: dict[str, tuple[int, int, bool]] = {}
        for fn in op.ops:
            if not isinstance(fn, func.FuncOp) or fn.is_declaration:
                continue
            for arg in fn.body.block.args:
                arenas.setdefault(buffer.level_of(arg), (0, 0, True))
            blocks = lifetimes(fn, alignment)
            for level, result in place(blocks, alignment, self.budget).items():
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
            arena = buffer.ArenaOp(level, size, alignment, bound, optimal)
            if first is None:
                op.body.block.add_op(arena)
            else:
                op.body.block.insert_op_before(arena, first)
