"""Ruin and recreate: local search that lowers the peak of a large group of buffers.

A move picks a buffer at the peak, frees every buffer that reaches above a height H and
lives within a time window around it, and places the freed buffers again, greedily, into
the gaps the fixed buffers leave (random order among the greedy orders, a few random
swaps, first or best fit). The move is kept unless it makes the peak higher or puts more
buffers at the peak, so the search drifts sideways across plateaus. The random numbers come
from a fixed-seed generator and the budget counts re-placed buffers, so it is deterministic.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from deeploy.allocation.greedy import fit
from deeploy.allocation.problem import Instance

_BANDS = (0.2, 0.4, 0.6, 1.0)  # fraction of the peak, measured down from it, that is freed
_WIDEST = 40
PATIENCE = 20


@dataclass
class LocalOutcome:
    offsets: dict[int, int]
    peak: int
    steps: int
    timed_out: bool


class _Rng:
    """splitmix64: the same stream on every platform and Python version."""

    def __init__(self, seed: int) -> None:
        self.state = seed

    def below(self, n: int) -> int:
        self.state = (self.state + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
        return (z ^ (z >> 31)) % n


def ruin_and_recreate(
    inst: Instance,
    members: Sequence[int],
    nbrs: dict[int, list[int]],
    incumbent: dict[int, int],
    target: int,
    budget: int,
    deadline: float,
) -> LocalOutcome:
    """Lower the peak of `members` towards `target`, re-placing at most `budget` buffers."""
    u, s, e = inst.units, inst.start, inst.end
    points = sorted({s[i] for i in members} | {e[i] for i in members})
    rank = {t: k for k, t in enumerate(points)}
    first = {i: rank[s[i]] for i in members}
    last = {i: rank[e[i]] for i in members}
    keys = (
        lambda i: (-u[i], i),
        lambda i: (first[i] - last[i], -u[i], i),
        lambda i: (first[i], -u[i], i),
        lambda i: (-u[i] * (last[i] - first[i] + 1), i),
    )
    rng = _Rng(len(members))
    offsets = dict(incumbent)
    score = _score(inst, members, offsets)
    best, best_score, stale = offsets, score, 0
    steps = 0
    timed_out = False
    while best_score[0] > target and steps < budget:
        if time.monotonic() > deadline:
            timed_out = True
            break
        peak = score[0]
        critical = [i for i in members if offsets[i] + u[i] == peak]
        c = critical[rng.below(len(critical))]
        width = rng.below(_WIDEST + 1)
        lo, hi = first[c] - width, last[c] + width
        height = peak - int(peak * _BANDS[rng.below(len(_BANDS))])
        freed = [
            i for i in members if first[i] <= hi and lo <= last[i] and offsets[i] + u[i] > height
        ]
        order = sorted(freed, key=keys[rng.below(len(keys))])
        for _ in range(rng.below(4)):
            a, b = rng.below(len(order)), rng.below(len(order))
            order[a], order[b] = order[b], order[a]
        gone = set(freed)
        trial = {i: o for i, o in offsets.items() if i not in gone}
        best_fit = rng.below(2) == 1
        for i in order:
            trial[i] = fit(inst, i, nbrs[i], trial, best_fit)
        steps += len(freed)
        new = _score(inst, members, trial)
        stale += 1
        if new <= score or stale > PATIENCE:
            offsets, score = trial, new
            if new < best_score:
                best, best_score, stale = trial, new, 0
            elif stale > PATIENCE:
                stale = 0
    return LocalOutcome(best, best_score[0], min(steps, budget), timed_out)


def _score(inst: Instance, members: Sequence[int], offsets: dict[int, int]) -> tuple[int, int]:
    """The peak, then how many buffers reach it (fewer is closer to a lower peak)."""
    tops = [offsets[i] + inst.units[i] for i in members]
    peak = max(tops)
    return peak, tops.count(peak)
