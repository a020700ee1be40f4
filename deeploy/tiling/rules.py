"""Tiling rules: how each kernel's call becomes a `TileProblem`, and what changes in its
parameters from tile to tile.

A kernel declares its rule (`Kernel.tiling`); kernels without one run as a single tile
holding every operand whole (`whole`). A rule sees the call as a `Layer` (operand shapes,
element sizes, the bound parameters) and returns candidate problems - the same iteration
space in different loop orders; the tiler keeps the one that moves the fewest bytes.
`params` gives the parameters of one tile where they differ from the layer's: the
padding a border tile supplies itself, the groups a tile of a grouped convolution holds,
and for reduction tiles whether to accumulate and whether to apply the epilogue.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from deeploy.kernels.params import Params, ParamValue
from deeploy.tiling.problem import Axis, Dim, Operand, TileProblem
from deeploy.tiling.schedule import Tile


@dataclass(frozen=True)
class Layer:
    """What a tiling rule sees of one kernel call."""

    ins: tuple[tuple[int, ...], ...]
    outs: tuple[tuple[int, ...], ...]
    element_bytes: tuple[int, ...]  # per operand, inputs then outputs
    params: Params

    def bytes_of(self, k: int) -> int:
        return self.element_bytes[k]


ProblemsFn = Callable[[Layer], list[TileProblem]]
TileParamsFn = Callable[[Layer, TileProblem, Tile], dict[str, ParamValue]]


@dataclass(frozen=True)
class TileRule:
    problems: ProblemsFn
    params: TileParamsFn | None = None

    def tile_params(self, layer: Layer, problem: TileProblem, tile: Tile) -> dict[str, ParamValue]:
        return self.params(layer, problem, tile) if self.params is not None else {}


def _operands(
    layer: Layer, axes: Sequence[tuple[Axis, ...]], merges: Sequence[tuple[int, ...]] = ()
) -> tuple[Operand, ...]:
    n_in = len(layer.ins)
    return tuple(
        Operand(
            f"in{k}" if k < n_in else f"out{k - n_in}",
            tuple(a),
            layer.bytes_of(k),
            is_output=k >= n_in,
            merge=merges[k] if merges else (),
        )
        for k, a in enumerate(axes)
    )


# -- one tile ------------------------------------------------------------------------------


def whole_problem(layer: Layer) -> list[TileProblem]:
    axes = [tuple(Axis(e) for e in shape) for shape in (*layer.ins, *layer.outs)]
    return [TileProblem((), _operands(layer, axes))]


WHOLE = TileRule(whole_problem)


# -- elementwise with broadcasting -----------------------------------------------------------


def elementwise_problem(layer: Layer) -> list[TileProblem]:
    """The output's axes, adjacent ones merged while every operand either spans or
    broadcasts them alike; inputs broadcast along the merged axes they lack."""
    out = layer.outs[0]
    rank = len(out)
    padded = [(1,) * (rank - len(s)) + s for s in (*layer.ins, *layer.outs)]
    groups: list[list[int]] = []
    last: tuple[bool, ...] | None = None
    for i, extent in enumerate(out):
        pattern = tuple(s[i] == extent for s in padded)
        if extent == 1 and groups:
            groups[-1].append(i)  # size 1 axes join any group
            continue
        if pattern == last:
            groups[-1].append(i)
        else:
            groups.append([i])
            last = pattern
    dims = tuple(Dim(f"d{g}", _product(out[i] for i in group)) for g, group in enumerate(groups))
    axes = []
    for shape in padded:
        axes.append(
            tuple(
                Axis(dims[g].extent, g) if shape[group[0]] == out[group[0]] else Axis(1)
                for g, group in enumerate(groups)
            )
        )
    return [TileProblem(dims, _operands(layer, axes))]


ELEMENTWISE = TileRule(elementwise_problem)


def _product(values) -> int:
    result = 1
    for v in values:
        result *= v
    return result


# -- axes a kernel needs whole (softmax, normalisation, reductions) -----------------------------


def _axis_problem(layer: Layer, whole_axes: set[int]) -> TileProblem:
    """Dimensions = the first input's axes; `whole_axes` unsplit. Every operand of the
    same rank follows them one to one (size 1 axes whole); others stay whole."""
    x = layer.ins[0]
    dims = tuple(
        Dim(f"a{i}", e, "whole" if i in whole_axes else "parallel") for i, e in enumerate(x)
    )
    axes = []
    for shape in (*layer.ins, *layer.outs):
        if len(shape) == len(x):
            axes.append(
                tuple(
                    Axis(e, i) if e == x[i] and i not in whole_axes else Axis(e)
                    for i, e in enumerate(shape)
                )
            )
        else:
            axes.append(tuple(Axis(e) for e in shape))
    return TileProblem(dims, _operands(layer, axes))


def along_axis_problem(layer: Layer) -> list[TileProblem]:
    """Softmax-like: the `axis` parameter's axis whole, every other one split freely."""
    axis = layer.params.int("axis") % max(1, len(layer.ins[0]))
    return [_axis_problem(layer, {axis})]


ALONG_AXIS = TileRule(along_axis_problem)


def normalised_tail_problem(layer: Layer) -> list[TileProblem]:
    """LayerNormalization-like: the axes from `axis` on whole."""
    rank = len(layer.ins[0])
    axis = layer.params.int("axis") % rank
    return [_axis_problem(layer, set(range(axis, rank)))]


NORMALISED_TAIL = TileRule(normalised_tail_problem)


def reduction_problem(layer: Layer) -> list[TileProblem]:
    """Reduce*: reduced axes whole; the output follows the kept axes (with or without
    keepdims)."""
    x, y = layer.ins[0], layer.outs[0]
    reduced = set(layer.params.ints("axes"))
    dims = tuple(Dim(f"a{i}", e, "whole" if i in reduced else "parallel") for i, e in enumerate(x))
    x_axes = tuple(Axis(e) if i in reduced else Axis(e, i) for i, e in enumerate(x))
    if len(y) == len(x):
        y_axes = tuple(Axis(1) if i in reduced else Axis(e, i) for i, e in enumerate(y))
    else:
        kept = [i for i in range(len(x)) if i not in reduced]
        if len(kept) == len(y):
            y_axes = tuple(Axis(e, kept[j]) for j, e in enumerate(y))
        else:  # a scalar result stored with a placeholder axis
            y_axes = tuple(Axis(e) for e in y)
    return [TileProblem(dims, _operands(layer, [x_axes, y_axes]))]


REDUCTION = TileRule(reduction_problem)


# -- data movement ---------------------------------------------------------------------------


def transpose_problem(layer: Layer) -> list[TileProblem]:
    x, y = layer.ins[0], layer.outs[0]
    perm = layer.params.ints("perm")
    dims = tuple(Dim(f"a{i}", e) for i, e in enumerate(y))
    source_axis = {p: i for i, p in enumerate(perm)}
    x_axes = tuple(Axis(e, source_axis[a]) for a, e in enumerate(x))
    y_axes = tuple(Axis(e, i) for i, e in enumerate(y))
    return [TileProblem(dims, _operands(layer, [x_axes, y_axes]))]


TRANSPOSE = TileRule(transpose_problem)


def concat_problem(layer: Layer) -> list[TileProblem]:
    """Every axis but the concatenation axis splits; each input keeps its part whole."""
    axis = layer.params.int("axis")
    return [_axis_problem_with(layer, layer.outs[0], {axis})]


def _axis_problem_with(layer: Layer, space: tuple[int, ...], whole_axes: set[int]) -> TileProblem:
    dims = tuple(
        Dim(f"a{i}", e, "whole" if i in whole_axes else "parallel") for i, e in enumerate(space)
    )
    axes = [
        tuple(Axis(e) if i in whole_axes else Axis(e, i) for i, e in enumerate(shape))
        for shape in (*layer.ins, *layer.outs)
    ]
    return TileProblem(dims, _operands(layer, axes))


CONCAT = TileRule(concat_problem)


# -- sliding windows: convolution and pooling ---------------------------------------------------


def _spatial_axes(layer: Layer, dims_at: int, inner: tuple[int, ...]) -> tuple[Axis, ...]:
    """The input's spatial axes (1 or 2) as windows of the output's, which are dimensions
    dims_at, dims_at + 1 (one per spatial axis; a 1-D layer has only the last)."""
    p = layer.params
    kernel, strides, dilations = p.ints("kernel"), p.ints("strides"), p.ints("dilations")
    pads = p.ints("pads_begin")
    lifted = 2 - len(inner)  # 1-D layers carry lifted (H = 1) parameters
    return tuple(
        Axis(
            extent,
            dims_at + i,
            strides[lifted + i],
            (kernel[lifted + i] - 1) * dilations[lifted + i] + 1,
            -pads[lifted + i],
        )
        for i, extent in enumerate(inner)
    )


def conv_problem(layer: Layer, split_channels: bool = True) -> list[TileProblem]:
    """Dimensions n, g (groups), f (output channels of a group), the output's spatial
    axes, then c (input channels of a group, accumulated) - in two orders: channels
    outside the spatial axes (weights stay, inputs return per channel tile) or inside
    them (the other way round)."""
    x, w, y = layer.ins[0], layer.ins[1], layer.outs[0]
    groups = layer.params.int("group")
    # a requantising kernel stores final values: it cannot add partial sums up later
    split_channels = split_channels and "rq_shift" not in layer.params
    n, c, spatial_in = x[0], x[1], x[2:]
    f, spatial_out = y[1], y[2:]
    cg, fg = c // groups, f // groups
    rank = len(spatial_out)
    problems = []
    for channels_first in (True, False):
        names = ["n", "g", "f", *(f"o{i}" for i in range(rank))]
        if not channels_first:
            names = ["n", *(f"o{i}" for i in range(rank)), "g", "f"]
        extents = {"n": n, "g": groups, "f": fg, **{f"o{i}": e for i, e in enumerate(spatial_out)}}
        dims = [Dim(name, extents[name]) for name in names]
        dims.append(Dim("c", cg, "reduction" if split_channels else "whole"))
        at = {d.name: i for i, d in enumerate(dims)}
        x_axes = (
            Axis(n, at["n"]),
            Axis(groups, at["g"]),
            Axis(cg, at["c"]),
            *_spatial_axes(layer, at["o0"], spatial_in),
        )
        w_axes: tuple[Axis, ...] = (Axis(groups, at["g"]), Axis(fg, at["f"]), Axis(cg, at["c"]))
        w_axes += tuple(Axis(k) for k in w[2:])
        y_axes = (
            Axis(n, at["n"]),
            Axis(groups, at["g"]),
            Axis(fg, at["f"]),
            *(Axis(e, at[f"o{i}"]) for i, e in enumerate(spatial_out)),
        )
        axes = [x_axes, w_axes]
        merges = [(0, 1, 1, *range(2, 2 + rank)), (0, 0, 1, *range(2, 2 + len(w) - 2))]
        for extra in layer.ins[2:]:  # bias and requantisation: per output channel or scalar
            if _product(extra) == 1:
                axes.append(tuple(Axis(1) for _ in extra))
                merges.append(())
            else:
                axes.append((Axis(groups, at["g"]), Axis(fg, at["f"])))
                merges.append((0, 0))
        axes.append(y_axes)
        merges.append((0, 1, 1, *range(2, 2 + rank)))
        problems.append(TileProblem(tuple(dims), _operands(layer, axes, merges)))
    return problems


def _epilogue(tile: Tile, layer: Layer) -> dict[str, ParamValue]:
    """Split reductions: accumulate after the first part (no bias then), clamp on the
    last only."""
    out: dict[str, ParamValue] = {}
    if not tile.first_reduction:
        out["accumulate"] = 1
    if not tile.last_reduction:
        if "act_min" in layer.params:
            out["act_min"] = float("-inf")
        if "act_max" in layer.params:
            out["act_max"] = float("inf")
    return out


def _window_pads(layer: Layer, tile: Tile, spatial: int) -> dict[str, ParamValue]:
    """The padding a tile supplies itself: what its input box was clipped by (at the
    end, no more than the layer declares, which is what pooling counts)."""
    box = tile.boxes[0]
    rank = len(box.lo)
    begin = box.clip_lo[rank - spatial :]
    declared_end = layer.params.ints("pads_end")[-spatial:]
    end = tuple(min(c, d) for c, d in zip(box.clip_hi[rank - spatial :], declared_end))
    lift = (0,) * (2 - spatial)
    return {"pads_begin": lift + begin, "pads_end": lift + end}


def conv_params(layer: Layer, problem: TileProblem, tile: Tile) -> dict[str, ParamValue]:
    g = next(i for i, d in enumerate(problem.dims) if d.name == "g")
    start, stop = tile.ranges[g]
    params = _window_pads(layer, tile, len(layer.outs[0]) - 2)
    params["group"] = stop - start
    params.update(_epilogue(tile, layer))
    return params


CONV = TileRule(conv_problem, conv_params)


def pool_problem(layer: Layer) -> list[TileProblem]:
    x, y = layer.ins[0], layer.outs[0]
    dims = (
        Dim("n", x[0]),
        Dim("c", x[1]),
        *(Dim(f"o{i}", e) for i, e in enumerate(y[2:])),
    )
    x_axes = (Axis(x[0], 0), Axis(x[1], 1), *_spatial_axes(layer, 2, x[2:]))
    y_axes = tuple(Axis(e, i) for i, e in enumerate(y))
    return [TileProblem(dims, _operands(layer, [x_axes, y_axes]))]


def pool_params(layer: Layer, problem: TileProblem, tile: Tile) -> dict[str, ParamValue]:
    del problem
    return _window_pads(layer, tile, len(layer.outs[0]) - 2)


POOL = TileRule(pool_problem, pool_params)


def global_pool_problem(layer: Layer) -> list[TileProblem]:
    x, y = layer.ins[0], layer.outs[0]
    dims = (Dim("n", x[0]), Dim("c", x[1]))
    x_axes = (Axis(x[0], 0), Axis(x[1], 1), *(Axis(e) for e in x[2:]))
    y_axes = (Axis(y[0], 0), Axis(y[1], 1), *(Axis(e) for e in y[2:]))
    return [TileProblem(dims, _operands(layer, [x_axes, y_axes]))]


GLOBAL_POOL = TileRule(global_pool_problem)


# -- matrix products ---------------------------------------------------------------------------


def _orders(names: list[str]) -> list[list[str]]:
    """The parallel dimensions' orders worth comparing: as given, and the last two
    swapped (which operand stays in L1 while the other streams)."""
    if len(names) < 2:
        return [names]
    swapped = [*names[:-2], names[-1], names[-2]]
    return [names, swapped]


def gemm_problem(layer: Layer) -> list[TileProblem]:
    p = layer.params
    a = layer.ins[0]
    m, n = layer.outs[0]
    trans_a, trans_b = p.int("transA"), p.int("transB")
    k = a[0] if trans_a else a[1]
    # split K only where the kernel accumulates in registers (plain layout, alpha = 1) and
    # stores partial sums (not requantised values)
    splittable = not trans_a and not trans_b and p.float("alpha") == 1.0 and "rq_shift" not in p
    rq_axis = p.int("rq_axis") if "rq_shift" in p else None
    problems = []
    for order in _orders(["m", "n"]):
        dims = [Dim(name, {"m": m, "n": n}[name]) for name in order]
        dims.append(Dim("k", k, "reduction" if splittable else "whole"))
        at = {d.name: i for i, d in enumerate(dims)}
        a_axes = (
            (Axis(k, at["k"]), Axis(m, at["m"]))
            if trans_a
            else (Axis(m, at["m"]), Axis(k, at["k"]))
        )
        b_axes = (
            (Axis(n, at["n"]), Axis(k, at["k"]))
            if trans_b
            else (Axis(k, at["k"]), Axis(n, at["n"]))
        )
        axes: list[tuple[Axis, ...]] = [a_axes, b_axes]
        merges: list[tuple[int, ...]] = [(), ()]
        c_count = len(layer.ins) - 2 - (2 if rq_axis is not None else 0)
        for c in layer.ins[2 : 2 + c_count]:
            padded = (1,) * (2 - len(c)) + c
            axes.append(
                (
                    Axis(padded[0], at["m"]) if padded[0] == m and m > 1 else Axis(padded[0]),
                    Axis(padded[1], at["n"]) if padded[1] == n and n > 1 else Axis(padded[1]),
                )
            )
            merges.append((0, 0) if len(c) == 1 else (0, 1) if len(c) == 2 else ())
        for r in layer.ins[2 + c_count :]:  # requantisation: one value per row or column
            along = None if rq_axis is None else {0: "m", 1: "n"}.get(rq_axis)
            axes.append((Axis(r[0], at[along]),) if along and r[0] > 1 else (Axis(r[0]),))
            merges.append(())
        axes.append((Axis(m, at["m"]), Axis(n, at["n"])))
        merges.append(())
        problems.append(TileProblem(tuple(dims), _operands(layer, axes, merges)))
    return problems


def gemm_params(layer: Layer, problem: TileProblem, tile: Tile) -> dict[str, ParamValue]:
    del problem
    return _epilogue(tile, layer)


GEMM = TileRule(gemm_problem, gemm_params)


def matmul_problem(layer: Layer) -> list[TileProblem]:
    a, b = layer.ins[:2]
    y = layer.outs[0]
    if len(a) < 2 or len(b) < 2:
        return whole_problem(layer)  # vector operands: a single tile
    requantised = "rq_shift" in layer.params
    batch = y[:-2]
    m, n, k = a[-2], b[-1], a[-1]
    problems = []
    for order in _orders(["m", "n"]):
        names = [f"b{i}" for i in range(len(batch))] + order
        extents = {**{f"b{i}": e for i, e in enumerate(batch)}, "m": m, "n": n}
        dims = [Dim(name, extents[name]) for name in names]
        dims.append(Dim("k", k, "whole" if requantised else "reduction"))
        at = {d.name: i for i, d in enumerate(dims)}
        operand_axes = []
        merges = []
        for shape, last_two in ((a, ("m", "k")), (b, ("k", "n"))):
            lead = len(batch) - (len(shape) - 2)
            padded = (1,) * lead + shape[:-2]
            axes = tuple(
                Axis(e, at[f"b{i}"]) if e == batch[i] and e > 1 else Axis(e)
                for i, e in enumerate(padded)
            )
            axes += (Axis(shape[-2], at[last_two[0]]), Axis(shape[-1], at[last_two[1]]))
            operand_axes.append(axes)
            merges.append((0,) * (lead + 1) + tuple(range(1, len(shape))) if lead else ())
        if requantised:  # one value per index of a batch, row or column axis
            axis = layer.params.int("rq_axis")
            names_by_axis = [*(f"b{i}" for i in range(len(batch))), "m", "n"]
            for r in layer.ins[2:]:
                along = names_by_axis[axis] if axis >= 0 and r[0] > 1 else None
                operand_axes.append((Axis(r[0], at[along]),) if along else (Axis(r[0]),))
                merges.append(())
        y_axes = tuple(Axis(e, at[f"b{i}"]) for i, e in enumerate(batch))
        y_axes += (Axis(m, at["m"]), Axis(n, at["n"]))
        operand_axes.append(y_axes)
        merges.append(())
        problems.append(TileProblem(tuple(dims), _operands(layer, operand_axes, merges)))
    return problems


def matmul_params(layer: Layer, problem: TileProblem, tile: Tile) -> dict[str, ParamValue]:
    del layer, problem
    return {} if tile.first_reduction else {"accumulate": 1}


MATMUL = TileRule(matmul_problem, matmul_params)
