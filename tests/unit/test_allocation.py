"""The static allocator against an exhaustive reference on small instances.

Reference: every placement can be pushed down, buffer by buffer in order of offset, until
each one sits at 0 or on top of a time neighbour placed before it, without raising the peak.
So the optimum is the best, over all orders, of "stack each buffer on its placed neighbours"
— a search that shares no code with the allocator.
"""

from __future__ import annotations

from itertools import permutations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deeploy.allocation import Allocation, AllocationError, Request, allocate


def _overlap_in_time(a: Request, b: Request) -> bool:
    return a.start <= b.end and b.start <= a.end


def _aligned(size: int, alignment: int) -> int:
    return -(-size // alignment) * alignment


def _optimum(requests: list[Request], alignment: int) -> int:
    best = None
    for order in permutations(requests):
        offsets: dict[str, int] = {}
        for r in order:
            offsets[r.name] = max(
                (
                    offsets[p.name] + _aligned(p.size, alignment)
                    for p in order
                    if p.name in offsets and _overlap_in_time(p, r)
                ),
                default=0,
            )
        peak = max(offsets[r.name] + _aligned(r.size, alignment) for r in requests)
        best = peak if best is None else min(best, peak)
    assert best is not None
    return best


def _check_valid(requests: list[Request], result: Allocation, alignment: int) -> None:
    assert set(result.offsets) == {r.name for r in requests}
    for r in requests:
        assert result.offsets[r.name] % alignment == 0
        assert result.offsets[r.name] + r.size <= result.peak
    for i, a in enumerate(requests):
        for b in requests[i + 1 :]:
            if _overlap_in_time(a, b):
                a_lo, b_lo = result.offsets[a.name], result.offsets[b.name]
                assert a_lo + a.size <= b_lo or b_lo + b.size <= a_lo, (a, b, result.offsets)
    assert result.lower_bound <= result.peak


@st.composite
def _instances(draw: st.DrawFn, max_buffers: int) -> list[Request]:
    n = draw(st.integers(1, max_buffers))
    requests = []
    for k in range(n):
        start = draw(st.integers(0, 8))
        requests.append(
            Request(
                f"b{k}",
                draw(st.integers(1, 100)),
                start,
                start + draw(st.integers(0, 5)),
            )
        )
    return requests


@settings(max_examples=150, deadline=None)
@given(_instances(max_buffers=6), st.sampled_from([1, 4, 16]))
def test_small_instances_are_solved_optimally(requests: list[Request], alignment: int) -> None:
    result = allocate(requests, alignment)
    _check_valid(requests, result, alignment)
    assert result.peak == _optimum(requests, alignment)
    assert result.optimal


@settings(max_examples=60, deadline=None)
@given(_instances(max_buffers=40), st.sampled_from([1, 16]))
def test_larger_instances_are_valid_and_claims_hold(
    requests: list[Request], alignment: int
) -> None:
    result = allocate(requests, alignment, budget=2000)
    _check_valid(requests, result, alignment)
    if result.peak == result.lower_bound:
        assert result.optimal


@settings(max_examples=40, deadline=None)
@given(_instances(max_buffers=12), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_request_order(requests: list[Request], rng) -> None:
    shuffled = list(requests)
    rng.shuffle(shuffled)
    assert allocate(requests, 16) == allocate(shuffled, 16)


def test_greedy_by_size_is_beaten() -> None:
    """An instance where placing the largest buffer first wastes memory."""
    requests = [
        Request("a", 2, 0, 1),
        Request("b", 2, 1, 2),
        Request("c", 3, 2, 3),
        Request("d", 1, 0, 0),
        Request("e", 1, 3, 3),
    ]
    result = allocate(requests, 1)
    _check_valid(requests, result, 1)
    assert result.peak == _optimum(requests, 1)


def test_capacity_error_states_peak_bound_and_why() -> None:
    requests = [Request("a", 64, 0, 1), Request("b", 64, 1, 2)]
    with pytest.raises(AllocationError, match=r"128-byte arena but the capacity is 100 bytes"):
        allocate(requests, 16, capacity=100)


def test_bad_requests_are_rejected() -> None:
    with pytest.raises(ValueError, match="duplicate request name 'a'"):
        allocate([Request("a", 1, 0, 0), Request("a", 1, 0, 0)])
    with pytest.raises(ValueError, match="end 0 is before start 1"):
        allocate([Request("a", 1, 1, 0)])


def test_hundreds_of_buffers_stay_within_budget() -> None:
    """A long chain of layers like a deep network: the search budget bounds the work."""
    requests = [Request(f"t{k}", 64 * (1 + (k * 7919) % 13), k, k + 1 + k % 3) for k in range(400)]
    result = allocate(requests, 16)
    _check_valid(requests, result, 16)
    assert result.peak <= 1.25 * result.lower_bound
