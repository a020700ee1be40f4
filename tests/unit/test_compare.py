"""Output comparison: absolute tolerance for float32, one unit in the last place of a
half-precision reference, exact integers."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

from deeploy.errors import ModelError, OptionError
from deeploy.harness.compare import compare


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


def test_nan_where_the_reference_is_finite_is_an_unbounded_error() -> None:
    reference = np.array([1.0, 2.0, 3.0], np.float32)
    result = compare([np.array([1.0, np.nan, 3.0], np.float32)], [reference])
    assert (result.errors, result.nonfinite_errors) == (1, 1)
    assert result.max_abs_error == np.inf  # not 0: the NaN is the error
    assert result.per_output[0]["nonfinite_errors"] == 1
    both = compare([np.array([np.nan], np.float32)], [np.array([5.0], np.float32)])
    assert not both.passed and both.max_abs_error == np.inf


def test_infinities_match_only_themselves() -> None:
    inf = np.float32(np.inf)
    # an infinite reference once scaled the tolerance to infinity: any value passed
    assert not compare([np.float32([1.0])], [np.float32([inf])]).passed
    assert not compare([np.float32([-inf])], [np.float32([inf])]).passed
    assert not compare([np.float32([inf])], [np.float32([1.0])]).passed
    same = compare([np.float32([inf, -inf, 1.0])], [np.float32([inf, -inf, 1.0])])
    assert same.passed and same.max_abs_error == 0.0


@pytest.mark.parametrize("tolerance", [float("nan"), float("inf"), -1.0])
def test_tolerances_must_be_finite_and_non_negative(tolerance: float) -> None:
    values = [np.float32([1.0])]
    with pytest.raises(OptionError, match="--atol must be a finite number >= 0"):
        compare(values, [np.float32([9.0])], atol=tolerance)
    with pytest.raises(OptionError, match="--rtol"):
        compare(values, [np.float32([9.0])], rtol=tolerance)


def test_output_count_and_wide_integers() -> None:
    with pytest.raises(ModelError, match="1 reference outputs for the network's 2 outputs"):
        compare([np.int8([1]), np.int8([2])], [np.int8([1])])
    # uint64 beyond int64 would wrap to -1 in an int64 difference
    assert not compare([np.int32([-1])], [np.array([2**64 - 1], np.uint64)]).passed
    assert compare([np.array([2**64 - 1], np.uint64)], [np.array([2**64 - 1], np.uint64)]).passed


def test_dequantized_outputs_get_one_step_of_tolerance(tmp_path) -> None:
    """An output a DequantizeLinear produces is compared within one of its steps (the
    scale), other outputs within --atol; `deeploy run` says so on stderr."""
    import onnx
    from onnx import TensorProto, helper

    from deeploy.harness.compare import dequantized_steps

    graph = helper.make_graph(
        [
            helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"]),
            helper.make_node("DequantizeLinear", ["q", "s", "z"], ["y"]),
            helper.make_node("Relu", ["x"], ["r"]),
        ],
        "qdq",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8])],
        [
            helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8]),
            helper.make_tensor_value_info("r", TensorProto.FLOAT, [1, 8]),
        ],
        [
            helper.make_tensor("s", TensorProto.FLOAT, [], [0.05]),
            helper.make_tensor("z", TensorProto.UINT8, [], [128]),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    steps = dequantized_steps(model)
    assert steps[1] is None and steps[0] == pytest.approx(0.05)
    one_step_off = [np.full(8, 0.05, np.float32), np.zeros(8, np.float32)]
    zeros = [np.zeros(8, np.float32), np.zeros(8, np.float32)]
    assert not compare(one_step_off, zeros).passed
    assert compare(one_step_off, zeros, output_atol=steps).passed
    relu_off = [np.zeros(8, np.float32), np.full(8, 0.05, np.float32)]
    assert not compare(relu_off, zeros, output_atol=steps).passed  # not dequantized

    path = tmp_path / "qdq.onnx"
    onnx.save(model, path)
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "deeploy.tools.cli", "run", str(path), "--quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert (
        "output 'y' comes out of a DequantizeLinear: compared within one step, 0.05" in proc.stderr
    )
    assert "'r'" not in proc.stderr
