"""The static planner on random lifetimes: never overlaps live buffers, never beats the bound."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from deeploy.allocation.lifetimes import Block, place

intervals = st.lists(
    st.tuples(
        st.integers(0, 30), st.integers(0, 10), st.integers(1, 40), st.sampled_from(["L1", "L2"])
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=300, deadline=None)
@given(intervals)
def test_plan_is_valid_per_level(spec) -> None:
    blocks = [
        Block(alloc=None, level=level, size=size * 16, start=start, end=start + length, order=i)  # type: ignore[arg-type]
        for i, (start, length, size, level) in enumerate(spec)
    ]
    results = place(blocks, 16, budget=500)
    for i, a in enumerate(blocks):
        assert a.offset >= 0 and a.offset % 16 == 0
        for b in blocks[i + 1 :]:
            if a.level == b.level and a.overlaps_in_time(b):
                assert a.offset + a.size <= b.offset or b.offset + b.size <= a.offset
    for level, result in results.items():
        assert result.peak == max(b.offset + b.size for b in blocks if b.level == level)
        assert result.peak >= result.lower_bound
