"""Choosing tile sizes: a Z3 problem per layer.

Unknowns: the number of tiles n_d and the tile size along every dimension d (ragged last
tile allowed). Each dimension's choices are enumerated up front (the distinct tile counts,
each with its smallest size, or with every size that helps when a window reads the
dimension; multiples where the kernel needs them), and every per-dimension quantity the
model uses - the largest box an operand axis needs, the sum of the boxes over a
dimension's tiles - is tabulated exactly for each choice, so the model is exact.

Constraints: the L1 buffers of the layer (each operand's largest box, aligned, twice
when double buffered and it moves more than once; local buffers of a fused layer once)
fit the L1 budget.

Objective, lexicographic: (1) least DMA traffic - the bytes loaded and stored, where an
operand moves again only when its box changes (loop order as given, last dimension
innermost); (2) fewest DMA transfers; (3) fewest tiles along outer dimensions first;
(4) smallest tile sizes along outer dimensions first, which makes the choice
deterministic. Each objective is minimised by tightening a bound until Z3 proves no
better solution exists; every check runs under a deterministic resource limit (Z3's
rlimit), so the same problem always gets the same answer. When a check exhausts it, the best solution found so far is kept and reported as such.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from math import ceil, prod

import z3

from deeploy.alignment import align_up
from deeploy.tiling.problem import Axis, TileProblem
from deeploy.tiling.schedule import tile_ranges

_LINEAR_STEPS = 4  # tightening steps before bisecting what is left of the range
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


def candidates(
    extent: int, kind: str, multiple: int, windows: tuple[Axis, ...] = ()
) -> list[_Candidate]:
    """The (tile count, tile size) choices of one dimension, fewest tiles first.

    Among the sizes giving the same count, the smallest moves as much as any and needs the
    least L1 - unless an operand reads the dimension through a window (`windows`: its
    strided, dilated or padded axes). Then where the tile borders fall changes how much
    the halos overlap and how much padding clips off, so every size of the count whose
    boxes no other size beats on all of (widest, total, runs, total over runs) stays."""
    if kind == "whole":
        return [_Candidate(1, extent)]
    by_count: dict[int, list[int]] = {}
    for size in range(1, extent + 1):
        if size != extent and size % multiple:
            continue
        by_count.setdefault(ceil(extent / size), []).append(size)
    chosen = []
    for count, sizes in sorted(by_count.items()):
        if not windows:
            chosen.append(_Candidate(count, sizes[0]))
            continue
        keys = {size: _window_key(windows, extent, size) for size in sizes}
        chosen += [
            _Candidate(count, size)
            for size in sizes
            if not any(_dominates(keys[other], keys[size]) for other in sizes if other < size)
        ]
    return chosen


def _window_key(windows: tuple[Axis, ...], extent: int, size: int) -> tuple[int, ...]:
    key = [size]
    for axis in windows:
        spans = axis_spans(axis, extent, size)
        key += [spans.widest, spans.total, spans.runs, spans.run_total]
    return tuple(key)


def _dominates(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    """Every figure of `a` at most `b`'s: a smaller size with such boxes loses nothing."""
    return all(x <= y for x, y in zip(a, b))


@dataclass(frozen=True)
class Spans:
    """An operand axis over the tiles of its dimension (see `axis_spans`)."""

    widest: int
    total: int
    runs: int
    run_total: int


def _is_identity(axis: Axis, extent: int) -> bool:
    return axis.stride == axis.window == 1 and axis.offset == 0 and axis.extent == extent


@lru_cache(maxsize=65536)
def axis_spans(axis: Axis, extent: int, size: int) -> Spans:
    """The largest box of an axis over its dimension's tiles, the sum of all boxes, the
    number of runs of equal consecutive boxes and the sum of one box per run."""
    if _is_identity(axis, extent):
        count = -(-extent // size)  # its boxes are the tiles
        return Spans(min(size, extent), extent, count, extent)
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


def _sum(terms: list) -> z3.ArithRef:
    return z3.Sum([z3.IntVal(t) if isinstance(t, int) else t for t in terms] or [z3.IntVal(0)])


def _prune(
    problem: TileProblem, options: list[list[_Candidate]], budget: int, alignment: int
) -> list[list[_Candidate]]:
    """Drop the choices that cannot fit even with every other dimension at its smallest
    tile and single buffers (footprints only grow with tile sizes)."""
    smallest = [min(o, key=lambda c: c.size) for o in options]

    def footprint(d: int, option: _Candidate) -> int:
        total = 0
        for op in problem.operands:
            box = op.element_bytes
            for axis in op.axes:
                if axis.dim is None:
                    box *= axis.extent
                    continue
                pick = option if axis.dim == d else smallest[axis.dim]
                box *= axis_spans(axis, problem.dims[axis.dim].extent, pick.size).widest
            total += align_up(box, alignment)
        return total

    return [
        [c for c in dim_options if footprint(d, c) <= budget] or dim_options[-1:]
        for d, dim_options in enumerate(options)
    ]


class _Model:
    def __init__(
        self, problem: TileProblem, budget: int | None, alignment: int, double_buffer: bool
    ) -> None:
        self.problem = problem
        self.solver = z3.Solver()
        dims = problem.dims
        operands = problem.operands
        self.options = [
            candidates(
                d.extent,
                d.kind,
                d.multiple,
                tuple(
                    axis
                    for op in operands
                    for axis in op.axes
                    if axis.dim == i and not _is_identity(axis, d.extent)
                ),
            )
            for i, d in enumerate(dims)
        ]
        if budget is not None:
            self.options = _prune(problem, self.options, budget, alignment)
        self.n = [z3.Int(f"n{i}") for i in range(len(dims))]
        self.size = [z3.Int(f"t{i}") for i in range(len(dims))]
        # per operand axis: the largest box, and over the tiles of its dimension the sum
        # of all boxes, the number of runs of equal boxes and the sum over runs
        table: dict[tuple[int, int], AxisSpans] = {}
        driver: dict[tuple[int, int], int] = {}  # (operand, dimension) -> its axis
        for d, options in enumerate(self.options):
            extent = dims[d].extent
            axes = []
            for k, op in enumerate(operands):
                for a, axis in enumerate(op.axes):
                    if axis.dim != d:
                        continue
                    driver[k, d] = a
                    if _is_identity(axis, extent):  # its boxes are the tiles themselves
                        total = z3.IntVal(extent)
                        table[k, a] = AxisSpans(self.size[d], total, self.n[d], total)
                    else:
                        table[k, a] = AxisSpans.variables(f"{k}_{a}")
                        axes.append((k, a, axis))
            cases = []
            for option in options:
                terms = [self.n[d] == option.count, self.size[d] == option.size]
                for k, a, axis in axes:
                    terms += table[k, a].equal(axis_spans(axis, extent, option.size))
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
            if op.local:  # written and read in L1 within each tile: one buffer, no moves
                footprint.append(units * alignment)
                continue
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
        self.l1 = _sum(footprint)
        self.traffic = _sum(moved)
        self.transfers = _sum(transfers)
        # the tie-break: fewest tiles along outer dimensions first, as one weighted sum
        weight, terms = 1, []
        for d in reversed(range(len(dims))):
            terms.append(self.n[d] * weight)
            weight *= max(o.count for o in self.options[d]) + 1
        self.tiles_outer_first = _sum(terms)
        # ... and where sizes with one count remain (windows), the smallest sizes
        weight, terms = 1, []
        for d in reversed(range(len(dims))):
            terms.append(self.size[d] * weight)
            weight *= dims[d].extent + 1
        self.sizes_outer_first = _sum(terms)
        if budget is not None:
            self.solver.add(self.l1 <= budget)

    def minimise(self, term: z3.ArithRef, rlimit: int) -> tuple[z3.ModelRef | None, bool]:
        """The model with the least `term` (None if unsatisfiable), and whether the
        minimum is proven (False when the resource limit cut the search): each solution
        bounds the next check, and after a few steps that still improve, the rest of the
        range is bisected."""
        best = None
        low, high = 0, None
        steps = 0
        while high is None or low < high:
            bound = None
            if high is not None:
                bound = high - 1 if steps < _LINEAR_STEPS else (low + high) // 2
            self.solver.push()
            if bound is not None:
                self.solver.add(term <= bound)
            self.solver.set("rlimit", rlimit)
            result = self.solver.check()
            model = self.solver.model() if result == z3.sat else None
            self.solver.pop()
            if result == z3.unknown:
                return best, False
            if model is None:
                if bound is None:
                    return None, True
                low = bound + 1
            else:
                best = model
                high = model.eval(term, model_completion=True).as_long()
            steps += 1
        return best, True

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
    for term in (model.traffic, model.transfers, model.tiles_outer_first, model.sizes_outer_first):
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
    sizes = tuple(found.eval(t, model_completion=True).as_long() for t in model.size)
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
        total += align_up(box, alignment) * buffers[k]
    return total
