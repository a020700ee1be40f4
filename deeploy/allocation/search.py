"""Exact branch and bound over canonical placements (after MiniMalloc, Moffitt 2023).

Canonical solutions: every buffer sits at offset 0 or on the top of a buffer that overlaps
it in time (any placement can be pushed down to one of these without raising the peak),
and buffers are placed in nondecreasing offset order, ties in index order. Placing in that
order, a buffer's offset is fixed by what is already placed: the highest floor (top of the
placed buffers) over its lifetime, and never below the previous offset. So a node only
chooses which buffer comes next, and every optimal placement is reachable.

Cuts, each keeping at least one optimal placement reachable:
- bound: no later buffer goes below the last offset, so every floor is effectively raised
  to it; per time section, raised floor + units still to place there is a lower bound;
- dominance: a buffer is not placed at offset o while another one fits entirely below o
  (placing that one first gives a canonical placement with a lower offset sum);
- memo: a state already seen (same buffers placed, same raised floors, same tie position)
  with no higher peak so far is not expanded again.

The search first asks for a placement at the target itself, where the bound cuts hardest,
then descends from the incumbent. The budget counts nodes, so the search is deterministic.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from deeploy.allocation.problem import Instance


@dataclass
class Outcome:
    offsets: dict[int, int]  # member -> offset in units
    peak: int
    proven: bool  # no placement of these members has a lower peak
    nodes: int
    timed_out: bool


class _Stop(Exception):
    """Unwinds the search: target reached, budget spent or time limit hit."""


class _Tree:
    """The canonical search tree of one group of buffers (local indices 0..m-1)."""

    def __init__(self, inst: Instance, members: Sequence[int], deadline: float) -> None:
        points = sorted({inst.start[i] for i in members} | {inst.end[i] + 1 for i in members})
        section = {t: k for k, t in enumerate(points)}
        self.m = len(members)
        self.n_sec = len(points) - 1
        self.size = [inst.units[i] for i in members]
        self.lo = [section[inst.start[i]] for i in members]
        self.hi = [section[inst.end[i] + 1] - 1 for i in members]
        self.deadline = deadline
        self.nodes = 0
        self.timed_out = False

    def run(self, cap: int, target: int, budget: int) -> tuple[list[int] | None, bool]:
        """DFS for placements with peak <= cap; each one found lowers cap below its peak.

        Returns the last (lowest) placement found, or None, and whether the tree was
        exhausted (so no placement beats it, or none fits cap). Stops early at `target`.
        """
        m, n_sec, size, lo, hi = self.m, self.n_sec, self.size, self.lo, self.hi
        floor = [0] * n_sec
        rem = [0] * n_sec
        for k in range(m):
            for s in range(lo[k], hi[k] + 1):
                rem[s] += size[k]
        offset = [-1] * m
        limit = [cap + 1]  # placements must stay strictly below this
        found: list[list[int]] = []
        seen: dict[tuple, int] = {}
        stop_at = self.nodes + budget

        def visit(level: int, last: int, top: int, placed: int, count: int) -> None:
            self.nodes += 1
            if self.nodes > stop_at:
                raise _Stop
            if self.nodes & 255 == 0 and time.monotonic() > self.deadline:
                self.timed_out = True
                raise _Stop
            if count == m:
                found.append(offset[:])
                limit[0] = top
                if top <= target:
                    raise _Stop
                return
            # floor + remaining units per section, split so each child's bound costs O(1)
            total = [f + r if r else 0 for f, r in zip(floor, rem)]
            prefix = total[:]
            for s in range(1, n_sec):
                prefix[s] = max(prefix[s], prefix[s - 1])
            suffix = total[:]
            for s in range(n_sec - 2, -1, -1):
                suffix[s] = max(suffix[s], suffix[s + 1])
            most = max(rem)
            lowest = {}
            blocked = []
            first_top = second_top = limit[0] + 1
            for k in range(m):
                if offset[k] < 0:
                    o = max(level, max(floor[lo[k] : hi[k] + 1]))
                    if o == level and k < last:
                        blocked.append(k)  # placing it here now would break the tie order
                        continue
                    lowest[k] = o
                    t = o + size[k]
                    if t < first_top:
                        first_top, second_top = t, first_top
                    elif t < second_top:
                        second_top = t
            children = []
            for k, o in lowest.items():
                # dominance: if another buffer fits entirely below o, it goes first
                if o >= (second_top if o + size[k] == first_top else first_top):
                    continue
                outside = max(
                    prefix[lo[k] - 1] if lo[k] > 0 else 0,
                    suffix[hi[k] + 1] if hi[k] + 1 < n_sec else 0,
                )
                if max(top, o + size[k], o + most, outside) < limit[0]:
                    children.append((o, -size[k], k))
            # everything below depends on these (and on top): floors only matter raised
            key = (
                placed,
                level,
                tuple(blocked),
                tuple(max(f, level) if r else -1 for f, r in zip(floor, rem)),
            )
            if seen.get(key, top + 1) <= top:
                return
            seen[key] = top
            children.sort()
            for o, _, k in children:
                if max(top, o + size[k], o + most) >= limit[0]:
                    continue  # a sibling's placement lowered the limit meanwhile
                offset[k] = o
                saved = floor[lo[k] : hi[k] + 1]
                for s in range(lo[k], hi[k] + 1):
                    floor[s] = o + size[k]
                    rem[s] -= size[k]
                visit(o, k, max(top, o + size[k]), placed | (1 << k), count + 1)
                floor[lo[k] : hi[k] + 1] = saved
                for s in range(lo[k], hi[k] + 1):
                    rem[s] += size[k]
                offset[k] = -1

        try:
            visit(0, -1, 0, 0, 0)
            exhausted = True
        except _Stop:
            exhausted = False
        return (found[-1] if found else None), exhausted


def branch_and_bound(
    inst: Instance,
    members: Sequence[int],
    incumbent: dict[int, int],
    incumbent_peak: int,
    target: int,
    budget: int,
    deadline: float,
) -> Outcome:
    """Improve on the incumbent placement of `members` until its peak is at most `target`."""
    tree = _Tree(inst, members, deadline)
    size = tree.size
    best = [incumbent[i] for i in members]
    peak = incumbent_peak
    floor = target  # no placement below this is wanted; raised when proven infeasible
    proven = False

    def take(placement: list[int] | None) -> None:
        nonlocal best, peak
        if placement is not None:
            best = placement
            peak = max(o + s for o, s in zip(placement, size))

    if target < peak:
        placement, exhausted = tree.run(target, target, budget // 2)
        take(placement)
        if placement is None and exhausted:
            floor = target + 1
    if peak > floor and not tree.timed_out:
        placement, exhausted = tree.run(peak - 1, floor, budget - tree.nodes)
        take(placement)
        proven = exhausted or peak == floor > target
    elif peak == floor > target:
        proven = True
    return Outcome(
        offsets=dict(zip(members, best)),
        peak=peak,
        proven=proven,
        nodes=min(tree.nodes, budget),
        timed_out=tree.timed_out,
    )
