"""Greedy placement: several deterministic orders, each with first-fit and best-fit gaps.

Each buffer goes into a gap left by the already placed buffers that overlap it in time:
the lowest gap that fits (first fit) or the tightest one (best fit, lowest on ties), else
on top of them all. No single order wins on every instance, so every order is tried with
both rules and the lowest peak is kept (the first one listed wins ties).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from itertools import accumulate

from deeploy.allocation.problem import Instance

Key = Callable[[int], tuple[int, ...]]


def _orders(inst: Instance, members: Sequence[int], nbrs: dict[int, list[int]]) -> list[Key]:
    u, s, e = inst.units, inst.start, inst.end
    pressure = _pressure(inst, members)
    crowd = {i: sum(u[j] for j in nbrs[i]) for i in members}
    return [
        lambda i: (-u[i], s[i], i),  # greedy by size, the classic
        lambda i: (-pressure[i], -u[i], i),  # buffers at the busiest time step first
        lambda i: (-(u[i] * (e[i] - s[i] + 1)), i),  # by area
        lambda i: (-(e[i] - s[i]), -u[i], i),  # longest lived first
        lambda i: (-(crowd[i] + u[i]), -u[i], i),  # most contended first
        lambda i: (s[i], -u[i], i),  # program order
    ]


def _pressure(inst: Instance, members: Sequence[int]) -> dict[int, int]:
    """For each buffer, the largest live total at any time step of its lifetime."""
    # live totals change only where a buffer starts, so the starts are the time steps to check
    times = sorted({inst.start[i] for i in members})
    index = {t: k for k, t in enumerate(times)}
    span = {i: (index[inst.start[i]], bisect_right(times, inst.end[i])) for i in members}
    delta = [0] * (len(times) + 1)
    for i in members:
        delta[span[i][0]] += inst.units[i]
        delta[span[i][1]] -= inst.units[i]
    live = list(accumulate(delta))
    return {i: max(live[span[i][0] : span[i][1]]) for i in members}


def fit(
    inst: Instance, i: int, nbrs: Sequence[int], offsets: dict[int, int], best_fit: bool
) -> int:
    """The offset for buffer i among its already placed time neighbours."""
    size = inst.units[i]
    busy = sorted((offsets[j], offsets[j] + inst.units[j]) for j in nbrs if j in offsets)
    chosen = -1
    chosen_slack = 0
    cursor = 0
    for lo, hi in busy:
        if lo - cursor >= size:
            slack = lo - cursor - size
            if not best_fit:
                return cursor
            if chosen < 0 or slack < chosen_slack:
                chosen, chosen_slack = cursor, slack
        cursor = max(cursor, hi)
    return cursor if chosen < 0 else chosen


def place(
    inst: Instance, order: Sequence[int], nbrs: dict[int, list[int]], best_fit: bool
) -> tuple[dict[int, int], int]:
    """Offsets (in units) for `order`, placed one by one, and the resulting peak."""
    offsets: dict[int, int] = {}
    peak = 0
    for i in order:
        offsets[i] = fit(inst, i, nbrs[i], offsets, best_fit)
        peak = max(peak, offsets[i] + inst.units[i])
    return offsets, peak


def best_greedy(
    inst: Instance, members: Sequence[int], nbrs: dict[int, list[int]], target: int
) -> tuple[dict[int, int], int]:
    """The lowest-peak greedy placement of `members`; stops early once `target` is reached."""
    best: tuple[dict[int, int], int] | None = None
    for key in _orders(inst, members, nbrs):
        order = sorted(members, key=key)
        for best_fit in (False, True):
            offsets, peak = place(inst, order, nbrs, best_fit)
            if best is None or peak < best[1]:
                best = (offsets, peak)
            if best[1] <= target:
                return best
    assert best is not None
    return best
