"""The Z3 tile-size solver against brute force on random small layers.

For random iteration spaces and operands (identity, strided/windowed/padded and whole
axes), budgets and buffering: the solver's answer fits the budget, its traffic and
transfer figures are those of the actual schedule, and no tiling found by trying every
combination of tile counts moves fewer bytes (or, with as few bytes, fewer transfers).
"""

from __future__ import annotations

from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deeploy.tiling.problem import Axis, Dim, Operand, TileProblem
from deeploy.tiling.schedule import buffer_counts, schedule, traffic
from deeploy.tiling.solver import TilingInfeasible, l1_footprint, solve

ALIGN = 4


@st.composite
def problems(draw: st.DrawFn) -> TileProblem:
    n_parallel = draw(st.integers(1, 3))
    n_reduction = draw(st.integers(0, 1))
    dims = [Dim(f"p{i}", draw(st.integers(1, 9))) for i in range(n_parallel)]
    dims += [Dim(f"r{i}", draw(st.integers(1, 7)), "reduction") for i in range(n_reduction)]
    operands = []
    for k in range(draw(st.integers(1, 3))):
        axes = []
        used: set[int] = set()
        for _ in range(draw(st.integers(1, 3))):
            d = draw(st.integers(0, len(dims) - 1))
            if d in used or (draw(st.booleans()) and draw(st.booleans())):
                axes.append(Axis(draw(st.integers(1, 5))))  # a whole axis
                continue
            used.add(d)
            stride, window = draw(st.integers(1, 2)), draw(st.integers(1, 3))
            pad = draw(st.integers(0, window - 1))
            extent = (dims[d].extent - 1) * stride + window - pad - draw(st.integers(0, pad))
            axes.append(Axis(max(1, extent), d, stride, window, -pad))
        operands.append(Operand(f"in{k}", tuple(axes), draw(st.sampled_from([1, 4]))))
    parallel = [i for i, d in enumerate(dims) if d.kind == "parallel"]
    out_dims = draw(st.lists(st.sampled_from(parallel), min_size=1, unique=True))
    operands.append(
        Operand("out", tuple(Axis(dims[d].extent, d) for d in out_dims), 4, is_output=True)
    )
    return TileProblem(tuple(dims), tuple(operands))


def brute_force(problem: TileProblem, budget: int, double: bool) -> tuple[int, int] | None:
    best = None
    # every tile size, not only the solver's candidates (which must lose nothing)
    options = [range(1, d.extent + 1) if d.kind != "whole" else [d.extent] for d in problem.dims]
    for sizes in product(*options):
        tiles = schedule(problem, sizes, double)
        counts = buffer_counts(problem, tiles, double)
        if l1_footprint(problem, sizes, ALIGN, counts) > budget:
            continue
        moved = traffic(problem, tiles)
        key = (moved.bytes, moved.transfers)
        best = key if best is None or key < best else best
    return best


# derandomized so CI is reproducible; counterexamples found by random runs are kept below
@settings(max_examples=150, deadline=None, derandomize=True)
@given(problems(), st.integers(16, 600), st.booleans())
def test_solver_matches_brute_force(problem: TileProblem, budget: int, double: bool) -> None:
    check_against_brute_force(problem, budget, double)


def test_padded_window_counterexample() -> None:
    """Found by a random run: with a padded window, tiles of 4 (4, 4, 1) move less than
    tiles of 3 (3, 3, 3), the same count - where the borders fall decides how much the
    halos overlap - so the solver must consider more than the smallest size per count."""
    x = Operand("in0", (Axis(7, 0, 1, 3, -2), Axis(2, None, 1, 1, 0), Axis(11, 2, 2, 3, 0)), 1)
    w = Operand("in1", (Axis(9, 0, 1, 1, 0),), 1)
    y = Operand(
        "out", (Axis(9, 0, 1, 1, 0), Axis(4, 1, 1, 1, 0), Axis(5, 2, 1, 1, 0)), 4, is_output=True
    )
    dims = (Dim("p0", 9), Dim("p1", 4), Dim("p2", 5), Dim("r0", 7, "reduction"))
    check_against_brute_force(TileProblem(dims, (x, w, y)), 227, True)


def check_against_brute_force(problem: TileProblem, budget: int, double: bool) -> None:
    expected = brute_force(problem, budget, double)
    if expected is None:
        with pytest.raises(TilingInfeasible) as err:
            solve(problem, budget, ALIGN, double)
        assert err.value.minimum is not None and err.value.minimum > budget
        return
    choice = solve(problem, budget, ALIGN, double)
    assert choice.optimal
    tiles = schedule(problem, choice.sizes, double)
    counts = buffer_counts(problem, tiles, double)
    assert l1_footprint(problem, choice.sizes, ALIGN, counts) == choice.l1_bytes <= budget
    moved = traffic(problem, tiles)
    assert (moved.bytes, moved.transfers) == (choice.traffic, choice.transfers)
    assert (choice.traffic, choice.transfers) == expected


def test_infeasible_budget_reports_the_minimum() -> None:
    # a 3-tap window over 8 elements: the smallest tiling keeps one output (4 B), three
    # inputs (12 B) and all three taps (12 B) in L1
    dims = (Dim("o", 6),)
    x = Operand("x", (Axis(8, 0, 1, 3),), 4)
    w = Operand("w", (Axis(3),), 4)
    y = Operand("y", (Axis(6, 0),), 4, is_output=True)
    problem = TileProblem(dims, (x, w, y))
    with pytest.raises(TilingInfeasible) as err:
        solve(problem, 27, ALIGN)
    assert err.value.minimum == 28
    assert solve(problem, 28, ALIGN).sizes == (1,)
