"""Output comparison: absolute tolerance for float32, one unit in the last place of a
half-precision reference, exact integers."""

from __future__ import annotations

import ml_dtypes
import numpy as np

from deeploy.harness.runner import compare


def test_float32_within_absolute_tolerance() -> None:
    expected = np.array([1.0, 2.0, 1000.0], np.float32)
    assert compare([expected + 5e-5], [expected]).passed
    result = compare([expected + np.float32([0, 2e-4, 0])], [expected])
    assert (result.errors, result.total) == (1, 3)


def test_relative_tolerance_scales_with_magnitude() -> None:
    expected = np.array([1536.0], np.float32)
    actual = np.nextafter(expected, np.float32(np.inf))  # one float32 ulp = 1.2e-4
    assert not compare([actual], [expected], rtol=0.0).passed
    assert compare([actual], [expected], rtol=4 * 2.0**-23).passed
    assert compare([actual], [expected]).passed, "a few float32 ulps are the default"
    assert not compare([actual * np.float32(1 + 2.0**-19)], [expected]).passed


def test_half_reference_allows_one_of_its_ulps() -> None:
    exact = np.array([3.0, 100.0, -0.7], np.float32)
    for half, ulp_at_one in ((ml_dtypes.bfloat16, 2.0**-7), (np.float16, 2.0**-10)):
        reference = exact.astype(half)
        one_ulp = reference.astype(np.float32) * np.float32(1 + ulp_at_one)
        three_ulps = reference.astype(np.float32) * np.float32(1 + 3 * ulp_at_one)
        assert compare([one_ulp], [reference]).passed
        assert compare([three_ulps], [reference]).errors == 3


def test_integers_exact_and_nan_matches_nan() -> None:
    assert compare([np.array([1, 2], np.int8)], [np.array([1, 2], np.int8)]).passed
    assert not compare([np.array([1, 3], np.int8)], [np.array([1, 2], np.int8)]).passed
    nan = np.array([np.nan, 1.0], np.float32)
    assert compare([nan], [nan.copy()]).passed
    assert not compare([np.array([0.0, 1.0], np.float32)], [nan]).passed
