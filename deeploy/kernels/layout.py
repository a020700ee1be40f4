"""Index arithmetic shared by kernel binders: broadcasting, reductions, permutations.

Every function collapses adjacent axes that move together, so kernels see the smallest
rank that describes the access pattern (a same-shape Add becomes one flat loop).
"""

from __future__ import annotations

from math import prod


def contiguous_strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    strides = []
    acc = 1
    for d in reversed(shape):
        strides.append(acc)
        acc *= d
    return tuple(reversed(strides))


def broadcast_strides(in_shape: tuple[int, ...], out_shape: tuple[int, ...]) -> tuple[int, ...]:
    """Element strides of in_shape read as out_shape under numpy broadcasting (0 = repeated)."""
    padded = (1,) * (len(out_shape) - len(in_shape)) + tuple(in_shape)
    strides = contiguous_strides(padded)
    return tuple(0 if d == 1 and o != 1 else s for d, o, s in zip(padded, out_shape, strides))


def collapse(
    shape: tuple[int, ...], strides: list[tuple[int, ...]]
) -> tuple[tuple[int, ...], list[tuple[int, ...]]]:
    """Drop unit axes and merge neighbours i, i+1 whenever every operand's stride allows it."""
    dims = [(d, [s[i] for s in strides]) for i, d in enumerate(shape) if d != 1]
    if not dims:
        return (1,), [(0,) * 1 for _ in strides] if strides else []
    merged = [dims[0]]
    for d, ss in dims[1:]:
        pd, pss = merged[-1]
        if all(ps == s * d for ps, s in zip(pss, ss)):
            merged[-1] = (pd * d, ss)
        else:
            merged.append((d, ss))
    out_shape = tuple(d for d, _ in merged)
    out_strides = [tuple(ss[k] for _, ss in merged) for k in range(len(strides))]
    return out_shape, out_strides


def broadcast_layout(
    out_shape: tuple[int, ...], in_shapes: list[tuple[int, ...]]
) -> tuple[tuple[int, ...], list[tuple[int, ...]]]:
    """(collapsed iteration shape, per-input strides) for an elementwise op writing out_shape
    contiguously. The output's strides are the contiguous strides of the returned shape."""
    strides = [broadcast_strides(s, out_shape) for s in in_shapes]
    strides.append(contiguous_strides(out_shape))
    shape, collapsed = collapse(tuple(out_shape), strides)
    return shape, collapsed[:-1]


def reduce_layout(
    shape: tuple[int, ...], axes: set[int]
) -> tuple[tuple[int, ...], tuple[bool, ...]]:
    """Collapse a reduction over `axes` into alternating groups: (sizes, reduced? per group)."""
    groups: list[list] = []
    for i, d in enumerate(shape):
        if d == 1:
            continue
        red = i in axes
        if groups and groups[-1][1] == red:
            groups[-1][0] *= d
        else:
            groups.append([d, red])
    if not groups:
        return (1,), (False,)
    return tuple(g[0] for g in groups), tuple(g[1] for g in groups)


def transpose_layout(
    shape: tuple[int, ...], perm: tuple[int, ...]
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(output shape, input strides per output axis) after merging axes that stay adjacent."""
    in_strides = contiguous_strides(shape)
    out_shape = tuple(shape[p] for p in perm)
    strides = tuple(in_strides[p] for p in perm)
    collapsed_shape, (collapsed_strides, _) = collapse(
        out_shape, [strides, contiguous_strides(out_shape)]
    )
    return collapsed_shape, collapsed_strides


def numel(shape: tuple[int, ...]) -> int:
    return prod(shape)
