"""Exact placement with Z3: one integer offset per buffer, no-overlap disjunctions.

Only pairs that overlap in time get a disjunction. The solver is asked for a placement
strictly below the incumbent peak, again and again, until it answers unsat (the incumbent
is optimal) or its resource limit runs out. Z3's `rlimit` counts internal work, so the
outcome is deterministic for a given Z3 version, unlike a timeout (which is set too, but
only as the caller's safety net). Each call gets a private Z3 context, so earlier calls
cannot change its search.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from deeploy.allocation.problem import Instance

if TYPE_CHECKING:
    import z3


@dataclass
class SmtOutcome:
    offsets: dict[int, int]
    peak: int
    proven: bool
    timed_out: bool


def solve_smt(
    inst: Instance,
    members: Sequence[int],
    incumbent: dict[int, int],
    incumbent_peak: int,
    target: int,
    rlimit: int,
    deadline: float,
) -> SmtOutcome:
    """Improve on the incumbent placement of `members` down to `target` within `rlimit`."""
    import z3

    ctx = z3.Context()
    solver = z3.Solver(ctx=ctx)
    x = {i: z3.Int(f"x{i}", ctx) for i in members}
    peak = z3.Int("peak", ctx)
    for i in members:
        solver.add(x[i] >= 0, x[i] + inst.units[i] <= peak)
    ordered = list(members)
    for a, i in enumerate(ordered):
        for j in ordered[a + 1 :]:
            if inst.overlaps(i, j):
                solver.add(z3.Or(x[i] + inst.units[i] <= x[j], x[j] + inst.units[j] <= x[i]))
    best, best_peak = dict(incumbent), incumbent_peak
    while best_peak > target:
        # rlimit applies per check; spend what is left of the total
        left = rlimit - _spent(solver)
        if left <= 0:
            break
        seconds = deadline - time.monotonic()
        if seconds <= 0:
            return SmtOutcome(best, best_peak, False, True)
        solver.set("rlimit", left)
        solver.set("timeout", max(1, int(seconds * 1000)))
        answer = solver.check(peak <= best_peak - 1)
        if answer == z3.unsat:
            return SmtOutcome(best, best_peak, True, False)
        if answer != z3.sat:
            # Z3 reports both limits as "canceled"; the clock tells them apart
            return SmtOutcome(best, best_peak, False, time.monotonic() >= deadline)
        model = solver.model()
        best = {i: model.eval(x[i]).as_long() for i in members}
        best_peak = max(best[i] + inst.units[i] for i in members)
    return SmtOutcome(best, best_peak, False, False)


def _spent(solver: z3.Solver) -> int:
    """Z3's resource counter so far (cumulative over the solver's checks)."""
    stats = solver.statistics()
    names = stats.keys()
    return int(stats.get_key_value("rlimit count")) if "rlimit count" in names else 0
