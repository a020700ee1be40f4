"""Index arithmetic of the kernel binders, checked against numpy."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from deeploy.kernels.layout import broadcast_layout, reduce_layout, transpose_layout

shapes = st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple)


def _gather(x: np.ndarray, shape: tuple[int, ...], strides: tuple[int, ...]) -> np.ndarray:
    """Read x (flat) as a strided view of `shape`, as the C kernels do."""
    return np.lib.stride_tricks.as_strided(
        x.reshape(-1), shape=shape, strides=tuple(s * x.itemsize for s in strides)
    ).reshape(-1)


@settings(max_examples=200, deadline=None)
@given(shapes, st.data())
def test_broadcast_layout_matches_numpy(full_shape, data) -> None:
    a_shape = tuple(
        data.draw(st.sampled_from([1, d]))
        for d in full_shape[data.draw(st.integers(0, len(full_shape))) :]
    )
    b_shape = tuple(data.draw(st.sampled_from([1, d])) for d in full_shape)
    out_shape = tuple(np.broadcast_shapes(a_shape, b_shape))
    a = np.arange(int(np.prod(a_shape)), dtype=np.float64).reshape(a_shape)
    b = np.arange(int(np.prod(b_shape)), dtype=np.float64).reshape(b_shape) * 1000
    shape, (a_s, b_s) = broadcast_layout(out_shape, [a_shape, b_shape])
    got = _gather(a, shape, a_s) + _gather(b, shape, b_s)
    np.testing.assert_array_equal(got, (a + b).reshape(-1))


@settings(max_examples=200, deadline=None)
@given(shapes, st.data())
def test_transpose_layout_matches_numpy(shape, data) -> None:
    perm = tuple(data.draw(st.permutations(range(len(shape)))))
    x = np.arange(int(np.prod(shape))).reshape(shape)
    out_shape, strides = transpose_layout(shape, perm)
    np.testing.assert_array_equal(_gather(x, out_shape, strides), np.transpose(x, perm).reshape(-1))


@settings(max_examples=200, deadline=None)
@given(shapes, st.data())
def test_reduce_layout_keeps_element_count_and_groups(shape, data) -> None:
    axes = set(data.draw(st.sets(st.integers(0, len(shape) - 1))))
    sizes, reduced = reduce_layout(shape, axes)
    assert int(np.prod(sizes)) == int(np.prod(shape))
    assert all(a != b for a, b in itertools.pairwise(reduced))  # groups alternate
    kept = int(np.prod([s for s, r in zip(sizes, reduced) if not r]))
    assert kept == int(np.prod([d for i, d in enumerate(shape) if i not in axes]))
