"""Choosing tile sizes: a Z3 problem per layer.

Unknowns: the number of tiles n_d along every dimension d (its tile size follows, ragged
last tile allowed). Each dimension's choices are enumerated up front (the distinct tile
counts; multiples where the kernel needs them), and every per-dimension quantity the
model uses - the largest box an operand axis needs, the sum of the boxes over a
dimension's tiles - is tabulated exactly for each choice, so the model is exact.

Constraints: the L1 buffers of the layer (each operand's largest box, aligned, twice
when double buffered and it moves more than once) fit the L1 budget.

Objective, lexicographic: (1) least DMA traffic - the bytes loaded and stored, where an
operand moves again only when its box changes (loop order as given, last dimension
innermost); (2) fewest DMA transfers; (3) fewest tiles along outer dimensions first,
which makes the choice deterministic. Each objective is minimised by tightening a bound
until Z3 proves no better solution exists; every check runs under a deterministic
resource limit (Z3's rlimit), so the same problem always gets the same answer. When a
check exhausts it, the best solution found so far is kept and reported as such.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil, prod

import z3

from deeploy.tiling.problem import Axis, TileProblem
from deeploy.tiling.schedule import tile_ranges

DEFAULT_RLIMIT = 20_000_000  # per Z3 check; about a second of work on this kind of machine


class TilingInfeasible(Exception):
    """No tile sizes fit the budget; `minimum` is the smallest L1 size that would do."""

    def __init__(self, minimum: int | None) -> None:
        super().__init__(minimum)
        self.minimum = minimum


@dataclass(frozen=True)
class Choice:
    sizes: tuple[int, ...]  # tile size per dimension
    counts: tuple[int, ...]  # tiles per dimension
    traffic: int  # model bytes
    transfers: int
    l1_bytes: int  # the layer's L1 footprint
    optimal: bool  # False when a resource limit cut the search short


@dataclass(frozen=True)
class _Candidate:
    count: int
    size: int


def candidates(extent: int, kind: str, multiple: int) -> list[_Candidate]:
    """The distinct (tile count, tile size) choices of one dimension, fewest tiles first."""
    if kind == "whole":
        return [_Candidate(1, extent)]
    seen: dict[int, int] = {}
    for size in range(extent, 0, -1):
        if size != extent and size % multiple:
            continue
        count = ceil(extent / size)
        seen.setdefault(count, size)  # the largest size giving this count
    return [_Candidate(c, s) for c, s in sorted(seen.items())]


@dataclass(frozen=True)
class Spans:
    """An operand axis over the tiles of its dimension (see `axis_spans`)."""

    widest: int
    total: int
    runs: int
    run_total: int


def axis_spans(axis: Axis, extent: int, size: int) -> Spans:
    """The largest box of an axis over its dimension's tiles, the sum of all boxes, the
    number of runs of equal consecutive boxes and the sum of one box per run."""
    spans = [axis.needed(lo, hi)[:2] for lo, hi in tile_ranges(extent, size)]
    widths = [hi - lo for lo, hi in spans]
    firsts = [w for i, w in enumerate(widths) if i == 0 or spans[i] != spans[i - 1]]
    return Spans(max(widths), sum(widths), len(firsts), sum(firsts))


class AxisSpans:
    """Z3 variables standing for the `Spans` of one operand axis."""

    def __init__(
        self, widest: z3.ArithRef, total: z3.ArithRef, runs: z3.ArithRef, run_total: z3.ArithRef
    ) -> None:
        self.widest, self.total, self.runs, self.run_total = widest, total, runs, run_total

    @staticmethod
    def variables(tag: str) -> AxisSpans:
        return AxisSpans(*(z3.Int(f"{name}{tag}") for name in ("w", "s", "r", "q")))

    def equal(self, spans: Spans) -> list[z3.BoolRef]:
        return [
            self.widest == spans.widest,
            self.total == spans.total,
            self.runs == spans.runs,
            self.run_total == spans.run_total,
        ]


def _align(value: int, alignment: int) -> int:
    return -(-value // alignment) * alignment


class _Model:
    def __init__(
        self, problem: TileProblem, budget: int | None, alignment: int, double_buffer: bool
    ) -> None:
        self.problem = problem
        self.solver = z3.Solver()
        dims = problem.dims
        operands = problem.operands
        self.options = [candidates(d.extent, d.kind, d.multiple) for d in dims]
        self.n = [z3.Int(f"n{i}") for i in range(len(dims))]
        # per operand axis: the largest box, and over the tiles of its dimension the sum
        # of all boxes, the number of runs of equal boxes and the sum over runs
        table: dict[tuple[int, int], AxisSpans] = {}
        driver: dict[tuple[int, int], int] = {}  # (operand, dimension) -> its axis
        for d, options in enumerate(self.options):
            axes = [
                (k, a, axis)
                for k, op in enumerate(operands)
                for a, axis in enumerate(op.axes)
                if axis.dim == d
            ]
            for k, a, _ in axes:
                table[k, a] = AxisSpans.variables(f"{k}_{a}")
                driver[k, d] = a
            cases = []
            for option in options:
                terms = [self.n[d] == option.count]
                for k, a, axis in axes:
                    terms += table[k, a].equal(axis_spans(axis, dims[d].extent, option.size))
                cases.append(z3.And(terms))
            self.solver.add(z3.Or(cases))

        def active(k: int, j: int) -> z3.BoolRef:
            """Operand k's box changes inside loop position j: each step of j is followed
            by new loads or stores of it."""
            inner = [table[k, driver[k, d]].runs > 1 for d in operands[k].dims if d >= j]
            return z3.Or(inner) if inner else z3.BoolVal(False)

        footprint, moved, transfers = [], [], []
        for k, op in enumerate(operands):
            box = (
                prod(
                    (table[k, a].widest if axis.dim is not None else axis.extent)
                    for a, axis in enumerate(op.axes)
                )
                * op.element_bytes
            )
            units = z3.Int(f"u{k}")  # the box rounded up to the alignment, in units
            self.solver.add(units * alignment >= box, units * alignment < box + alignment)
            copies = z3.If(active(k, 0), 2, 1) if double_buffer else 1
            footprint.append(units * alignment * copies)
            spans: list[z3.ArithRef | int] = []
            steps: list[z3.ArithRef | int] = []
            for j in range(len(dims)):
                if j not in op.dims:  # a dimension the box ignores repeats it
                    spans.append(z3.If(active(k, j), self.n[j], 1))
                    steps.append(z3.If(active(k, j), self.n[j], 1))
                    continue
                t = table[k, driver[k, j]]
                # with the box still changing further in, every tile of j comes back
                # to it; innermost, equal neighbours share one move; else one box
                inner = active(k, j + 1)
                spans.append(z3.If(inner, t.total, z3.If(t.runs > 1, t.run_total, t.widest)))
                steps.append(z3.If(inner, self.n[j], t.runs))
            whole = prod(axis.extent for axis in op.axes if axis.dim is None)
            moved.append(prod(spans) * whole * op.element_bytes)
            transfers.append(prod(steps))
        self.l1 = z3.Sum(footprint) if footprint else z3.IntVal(0)
        self.traffic = z3.Sum(moved) if moved else z3.IntVal(0)
        self.transfers = z3.Sum(transfers) if transfers else z3.IntVal(0)
        if budget is not None:
            self.solver.add(self.l1 <= budget)

    def minimise(self, term: z3.ArithRef, rlimit: int) -> tuple[z3.ModelRef | None, bool]:
        """The model with the least `term` (None if unsatisfiable), and whether the
        minimum is proven (False when the resource limit cut the search)."""
        best = None
        while True:
            self.solver.set("rlimit", rlimit)
            result = self.solver.check()
            if result == z3.unsat:
                return best, True
            if result == z3.unknown:
                return best, False
            best = self.solver.model()
            value = best.eval(term, model_completion=True).as_long()
            self.solver.add(term < value)

    def fix(self, model: z3.ModelRef, term: z3.ArithRef) -> None:
        value = model.eval(term, model_completion=True)
        self.solver.add(term == value)


def solve(
    problem: TileProblem,
    budget: int,
    alignment: int = 4,
    double_buffer: bool = False,
    rlimit: int = DEFAULT_RLIMIT,
) -> Choice:
    """The best tile sizes for `problem` within `budget` bytes of L1 (see module doc)."""
    model = _Model(problem, budget, alignment, double_buffer)
    proven = True
    found = None
    for term in (model.traffic, model.transfers, *model.n):
        model.solver.push()
        best, exact = model.minimise(term, rlimit)
        model.solver.pop()
        if best is None:
            if found is None:
                raise TilingInfeasible(minimum_l1(problem, alignment, double_buffer, rlimit))
            break
        found = best
        proven = proven and exact
        model.fix(found, term)
    assert found is not None
    counts = tuple(found.eval(n, model_completion=True).as_long() for n in model.n)
    sizes = tuple(
        next(o.size for o in options if o.count == c) for options, c in zip(model.options, counts)
    )
    return Choice(
        sizes=sizes,
        counts=counts,
        traffic=found.eval(model.traffic, model_completion=True).as_long(),
        transfers=found.eval(model.transfers, model_completion=True).as_long(),
        l1_bytes=found.eval(model.l1, model_completion=True).as_long(),
        optimal=proven,
    )


def minimum_l1(
    problem: TileProblem, alignment: int, double_buffer: bool, rlimit: int = DEFAULT_RLIMIT
) -> int | None:
    """The smallest L1 budget any tiling of `problem` fits in."""
    model = _Model(problem, None, alignment, double_buffer)
    best, _ = model.minimise(model.l1, rlimit)
    return None if best is None else best.eval(model.l1, model_completion=True).as_long()


def l1_footprint(
    problem: TileProblem, sizes: tuple[int, ...], alignment: int, buffers: list[int]
) -> int:
    """The L1 bytes of a concrete tiling (largest boxes, aligned, times buffer counts)."""
    total = 0
    for k, op in enumerate(problem.operands):
        box = op.element_bytes
        for axis in op.axes:
            if axis.dim is None:
                box *= axis.extent
            else:
                box *= axis_spans(axis, problem.dims[axis.dim].extent, sizes[axis.dim]).widest
        total += _align(box, alignment) * buffers[k]
    return total
