"""`allocate`: lower bound, greedy, then exact search and local search where greedy falls short."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from deeploy.allocation.greedy import best_greedy
from deeploy.allocation.local import ruin_and_recreate
from deeploy.allocation.problem import (
    Allocation,
    AllocationError,
    Instance,
    Request,
    components,
    live_bound,
    neighbours,
    normalise,
    validate,
)
from deeploy.allocation.search import branch_and_bound
from deeploy.allocation.smt import solve_smt

DEFAULT_BUDGET = 20_000
DEFAULT_TIME_LIMIT = 10.0
EXACT_LIMIT = 64  # groups larger than this skip the exact search: it cannot finish in Python
Z3_LIMIT = 24  # groups up to this size get a Z3 attempt if the search could not prove them
Z3_RLIMIT_PER_STEP = 500  # Z3 resource units per budget step (about the same wall time)


@dataclass
class _Plan:
    """The placement of one group of buffers that never shares a time step with the rest."""

    members: list[int]
    nbrs: dict[int, list[int]]
    bound: int
    offsets: dict[int, int]
    peak: int
    method: str
    proven: bool  # peak is minimal for these members


def allocate(
    requests: Sequence[Request],
    alignment: int = 16,
    *,
    capacity: int | None = None,
    budget: int = DEFAULT_BUDGET,
    time_limit: float = DEFAULT_TIME_LIMIT,
) -> Allocation:
    """Aligned offsets for `requests` so buffers live at the same time never overlap.

    Minimises the peak. `budget` bounds the work after the greedy stage in deterministic
    steps (a search node, or a buffer re-placed by the local search; 0: greedy only), so the
    same input always gives the same offsets. `time_limit` (seconds) is only a safety net:
    if it fires the result is still valid but `exhausted` is set and a rerun may differ.
    Raises AllocationError when the peak found exceeds `capacity`.
    """
    validate(requests, alignment)
    if budget < 0:
        raise ValueError(f"budget must be non-negative, got {budget}")
    inst = normalise(requests, alignment)
    deadline = time.monotonic() + time_limit
    plans = [_greedy_plan(inst, group) for group in components(inst)]
    lower = max((p.bound for p in plans), default=0)
    hopeless = capacity is not None and lower * alignment > capacity
    ran_out, timed_out = _improve(inst, plans, lower, 0 if hopeless else budget, deadline)
    peak = max((p.peak for p in plans), default=0)
    optimal = peak == lower or any(p.proven and p.peak == peak for p in plans)
    result = Allocation(
        offsets={inst.names[i]: o * alignment for p in plans for i, o in p.offsets.items()},
        peak=peak * alignment,
        lower_bound=lower * alignment,
        method=_strongest(p.method for p in plans),
        optimal=optimal,
        exhausted=timed_out or (ran_out and not optimal),
    )
    if capacity is not None and result.peak > capacity:
        raise AllocationError(_capacity_message(result, capacity))
    return result


def _greedy_plan(inst: Instance, group: list[int]) -> _Plan:
    bound = live_bound(inst, group)
    nbrs = neighbours(inst, group)
    offsets, peak = best_greedy(inst, group, nbrs, bound)
    return _Plan(group, nbrs, bound, offsets, peak, "greedy", peak == bound)


def _improve(
    inst: Instance, plans: list[_Plan], lower: int, budget: int, deadline: float
) -> tuple[bool, bool]:
    """Work on the groups that set the peak, worst first; returns (ran out, timed out).

    A group never needs to go below the lower bound or below the peak another group has
    already settled on, so that is its target.
    """
    settled = lower
    left = budget
    for plan in sorted(plans, key=lambda p: (-p.peak, p.members[0])):
        if plan.peak <= settled:
            break
        left, timed_out = _improve_group(inst, plan, settled, left, deadline)
        if timed_out:
            return True, True
        if plan.peak > settled and not plan.proven:
            return True, False
        settled = max(settled, plan.peak)
    return False, False


def _improve_group(
    inst: Instance, plan: _Plan, target: int, budget: int, deadline: float
) -> tuple[int, bool]:
    """Bring one group down to `target` or prove it cannot go lower.

    Small groups get a short exact search (enough to settle most of them), then local
    search (quick to find good placements), then the rest of the budget in the exact
    search again, which can also prove optimality; large groups get local search only.
    Groups up to Z3_LIMIT buffers that are still open get a Z3 attempt. Returns the budget
    left and whether the time limit fired.
    """
    small = len(plan.members) <= EXACT_LIMIT
    stages = ((_search, 0.05), (_local, 0.35), (_search, 1.0)) if small else ((_local, 1.0),)
    left = budget
    for stage, share in stages:
        quota = min(left, max(1, int(budget * share)))
        if plan.peak <= target or plan.proven or quota <= 0:
            break
        used, timed_out = stage(inst, plan, target, quota, deadline)
        left -= used
        if timed_out:
            return left, True
    open_ = plan.peak > target and not plan.proven
    if open_ and len(plan.members) <= Z3_LIMIT and budget > 0:
        smt = solve_smt(
            inst,
            plan.members,
            plan.offsets,
            plan.peak,
            target,
            budget * Z3_RLIMIT_PER_STEP,
            deadline,
        )
        _adopt(plan, smt.offsets, smt.peak, "z3")
        plan.proven = smt.proven
        if smt.timed_out:
            return left, True
    return left, False


def _search(
    inst: Instance, plan: _Plan, target: int, quota: int, deadline: float
) -> tuple[int, bool]:
    out = branch_and_bound(inst, plan.members, plan.offsets, plan.peak, target, quota, deadline)
    _adopt(plan, out.offsets, out.peak, "search")
    plan.proven = out.proven or plan.peak == plan.bound
    return out.nodes, out.timed_out


def _local(
    inst: Instance, plan: _Plan, target: int, quota: int, deadline: float
) -> tuple[int, bool]:
    out = ruin_and_recreate(inst, plan.members, plan.nbrs, plan.offsets, target, quota, deadline)
    _adopt(plan, out.offsets, out.peak, "local")
    plan.proven = plan.peak == plan.bound
    return out.steps, out.timed_out


def _adopt(plan: _Plan, offsets: dict[int, int], peak: int, method: str) -> None:
    if peak < plan.peak:
        plan.offsets, plan.peak, plan.method = offsets, peak, method


def _strongest(methods: Iterable[str]) -> str:
    """The most elaborate method any group's placement came from."""
    ranked = ("greedy", "local", "search", "z3")
    return max(methods, key=ranked.index, default="greedy")


def _capacity_message(result: Allocation, capacity: int) -> str:
    if result.lower_bound > capacity:
        why = "no placement can fit: buffers live at the same time already exceed it"
    elif result.optimal:
        why = "the placement is optimal, so no placement fits"
    else:
        why = "a better placement may exist; a larger search budget may find it"
    return (
        f"buffers need a {result.peak}-byte arena but the capacity is {capacity} bytes "
        f"(lower bound {result.lower_bound} bytes; {why})"
    )
