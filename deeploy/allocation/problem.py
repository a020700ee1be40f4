"""The allocation problem: requests, results, and the normalised instance the solvers share.

Solvers work in alignment units (sizes rounded up to the alignment, then divided by it) on
buffers numbered in a canonical order, so the result does not depend on the order in which
requests were given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Request:
    """One buffer to place: `size` bytes, live from time step `start` to `end` inclusive."""

    name: str
    size: int
    start: int
    end: int


@dataclass(frozen=True)
class Allocation:
    """Byte offsets of every request and how good they are.

    `peak` is the arena size (max offset + aligned size); `lower_bound` is the largest sum of
    aligned sizes live at one time step, which no placement can beat. `optimal` is true only
    when the peak is proven minimal: it equals the lower bound, or an exact method exhausted
    its search space. `exhausted` means the budget (or the time-limit safety net) ran out
    before optimality was proven.
    """

    offsets: dict[str, int]
    peak: int
    lower_bound: int
    method: str
    optimal: bool
    exhausted: bool


class AllocationError(ValueError):
    """The best placement found does not fit the requested capacity."""


@dataclass(frozen=True)
class Instance:
    """Requests in canonical order; sizes in alignment units."""

    names: tuple[str, ...]
    units: tuple[int, ...]
    start: tuple[int, ...]
    end: tuple[int, ...]

    def __len__(self) -> int:
        return len(self.units)

    def overlaps(self, i: int, j: int) -> bool:
        return self.start[i] <= self.end[j] and self.start[j] <= self.end[i]


def validate(requests: Sequence[Request], alignment: int) -> None:
    """Reject inputs that are programming errors rather than hard problems."""
    if alignment <= 0:
        raise ValueError(f"alignment must be positive, got {alignment}")
    seen: set[str] = set()
    for r in requests:
        if r.name in seen:
            raise ValueError(f"duplicate request name {r.name!r}")
        seen.add(r.name)
        if r.size <= 0:
            raise ValueError(f"request {r.name!r}: size must be positive, got {r.size}")
        if r.end < r.start:
            raise ValueError(f"request {r.name!r}: end {r.end} is before start {r.start}")


def normalise(requests: Sequence[Request], alignment: int) -> Instance:
    """Canonical order: by start, then end, then larger first, then name."""
    ordered = sorted(requests, key=lambda r: (r.start, r.end, -r.size, r.name))
    return Instance(
        names=tuple(r.name for r in ordered),
        units=tuple(-(-r.size // alignment) for r in ordered),
        start=tuple(r.start for r in ordered),
        end=tuple(r.end for r in ordered),
    )


def live_bound(inst: Instance, members: Sequence[int]) -> int:
    """Largest total of units live at one time step among `members`."""
    deltas: dict[int, int] = {}
    for i in members:
        deltas[inst.start[i]] = deltas.get(inst.start[i], 0) + inst.units[i]
        deltas[inst.end[i] + 1] = deltas.get(inst.end[i] + 1, 0) - inst.units[i]
    live = best = 0
    for t in sorted(deltas):
        live += deltas[t]
        best = max(best, live)
    return best


def components(inst: Instance) -> list[list[int]]:
    """Groups of buffers whose lifetimes chain together; groups never share a time step.

    Buffers are in start order, so a sweep that tracks the latest end seen splits them.
    """
    groups: list[list[int]] = []
    reach = None
    for i in range(len(inst)):
        if reach is None or inst.start[i] > reach:
            groups.append([])
            reach = inst.end[i]
        groups[-1].append(i)
        reach = max(reach, inst.end[i])
    return groups


def neighbours(inst: Instance, members: Sequence[int]) -> dict[int, list[int]]:
    """For each member, the members whose lifetimes overlap it (sweep over start order)."""
    result: dict[int, list[int]] = {i: [] for i in members}
    active: list[int] = []
    for i in sorted(members, key=lambda k: (inst.start[k], k)):
        active = [j for j in active if inst.end[j] >= inst.start[i]]
        for j in active:
            result[i].append(j)
            result[j].append(i)
        active.append(i)
    return result
