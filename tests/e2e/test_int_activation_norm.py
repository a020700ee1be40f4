"""Deeploy's integer activations and normalisations (iGELU, iHardswish, iLayerNorm,
iRMSNorm, iNoNorm): compiled, built (-Werror, sanitizers), run and compared bit-exactly.

Two sources of truth: Deeploy's own test networks (../shared/deeploy-tests, outputs from the
quantisation flow), untiled and tiled; and small one-node networks with random integer
inputs, checked against the numpy transcription of the integer arithmetic below (the only
check of iGELU and iLayerNorm apart from the ICCT model).
"""

from __future__ import annotations

import math
import zlib
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from tests.conftest import CHECK_CFLAGS, SANITIZE, SHARED, requires_shared

SHARED_TESTS = (
    "Kernels/Integer/Hardswish/Regular",
    "Kernels/Integer/Hardswish/Regular_RQ",
    "Kernels/Integer/RMSNorm",
    "Kernels/Integer/iNoNorm",
    "Models/CCT/Int/ICCT",
)
TILED_SHARED = (
    ("Kernels/Integer/Hardswish/Regular", 750, False),
    ("Kernels/Integer/Hardswish/Regular_RQ", 800, True),
    ("Kernels/Integer/RMSNorm", 512, False),
    ("Kernels/Integer/RMSNorm", 1024, True),
    ("Kernels/Integer/iNoNorm", 4000, False),
    ("Kernels/Integer/iNoNorm", 4000, True),
    ("Models/CCT/Int/ICCT", 64000, True),
)


def _memory(l1: int | None, double_buffer: bool = False):
    from deeploy.targets.base import MemoryConfig

    return None if l1 is None else MemoryConfig(l1=l1, double_buffer=double_buffer)


def _compile_run(model, inputs: dict[str, np.ndarray], types: dict[str, str], work: Path, memory):
    import deeploy
    from deeploy.harness.runner import build_and_run
    from deeploy.harness.test_data import fit_inputs

    result = deeploy.compile(
        model, input_types=types, memory=memory, separate_buffers=SANITIZE and memory is None
    )
    arrays = fit_inputs(list(inputs.values()), result.report["inputs"], "test inputs")
    outcome = build_and_run(result, arrays, work, extra_cflags=CHECK_CFLAGS)
    if memory is not None:
        assert result.report["tiles"] > 1, "the network should run in several tiles"
        assert result.report["tiling"]["l1_peak"] <= memory.l1
    return outcome.outputs


def _assert_exact(actual: list[np.ndarray], expected: list[np.ndarray]) -> None:
    from deeploy.harness.compare import compare

    assert len(actual) == len(expected)
    for a in actual:
        assert a.dtype.kind in "iu", f"integer output expected, got {a.dtype}"
    comparison = compare(actual, expected)
    assert comparison.passed, (
        f"{comparison.errors} of {comparison.total} elements differ (max {comparison.max_abs_error})"
    )


# -- Deeploy's test networks ------------------------------------------------------------


def _shared_case(test: str) -> tuple[Path, dict[str, np.ndarray], dict[str, str], list[np.ndarray]]:
    from deeploy.harness.test_data import load_npz
    from deeploy.integer_types import infer_input_types

    folder = SHARED / test
    model = onnx.load(folder / "network.onnx")
    constants = {i.name for i in model.graph.initializer}
    names = [i.name for i in model.graph.input if i.name not in constants]
    arrays = load_npz(folder / "inputs.npz")[: len(names)]
    types = infer_input_types(names, arrays)
    assert types is not None, "the test inputs hold integers"
    expected = load_npz(folder / "outputs.npz")[: len(model.graph.output)]
    return folder / "network.onnx", dict(zip(names, arrays)), types, expected


@pytest.mark.slow  # the same data runs in test_shared_integer.py and test_tiled.py
@requires_shared
@pytest.mark.shared
@pytest.mark.parametrize("test", SHARED_TESTS)
def test_shared_network(test: str, tmp_path: Path) -> None:
    model, inputs, types, expected = _shared_case(test)
    _assert_exact(_compile_run(model, inputs, types, tmp_path, None), expected)


@pytest.mark.slow  # the same data runs in test_shared_integer.py and test_tiled.py
@requires_shared
@pytest.mark.shared
@pytest.mark.parametrize(("test", "l1", "double_buffer"), TILED_SHARED)
def test_shared_network_tiled(test: str, l1: int, double_buffer: bool, tmp_path: Path) -> None:
    model, inputs, types, expected = _shared_case(test)
    outputs = _compile_run(model, inputs, types, tmp_path, _memory(l1, double_buffer))
    _assert_exact(outputs, expected)


# -- numpy transcription of the integer arithmetic ----------------------------------------
# Everything in int64; "tdiv" is C's division (truncation toward zero), ">>" on numpy's
# signed integers floors, isqrt is floor(sqrt).


def tdiv(a: np.ndarray, b: np.ndarray | int) -> np.ndarray:
    q = np.abs(a) // np.abs(b)
    return np.where((np.asarray(a) < 0) != (np.asarray(b) < 0), -q, q)


def isqrt(a: np.ndarray) -> np.ndarray:
    return np.array([math.isqrt(int(v)) for v in a.reshape(-1)], np.int64).reshape(a.shape)


def levels_clip(v: np.ndarray, n_levels: int) -> np.ndarray:
    return np.clip(v, -n_levels // 2, n_levels // 2 - 1)


def ref_igelu(x: np.ndarray, b: int, one: int) -> np.ndarray:
    x = x.astype(np.int64)
    q = np.minimum(np.abs(x), -b)
    poly = np.sign(x) * (one - (q + b) ** 2)
    return x * ((one + poly) >> 1)


def ref_ihardswish(x: np.ndarray, one_over_six: int, six: int, three: int) -> np.ndarray:
    x = x.astype(np.int64)
    return x * (np.clip(x + three, 0, six) * one_over_six)


def ref_ilayernorm(x, weight, bias, log2d: int, n_levels: int) -> np.ndarray:
    x = x.astype(np.int64)
    n = x.shape[-1]
    centred = x - tdiv(x.sum(-1, keepdims=True), n)
    std = isqrt((centred**2).sum(-1, keepdims=True) // n + 1)
    y = (tdiv(centred * weight.astype(np.int64), std) + bias.astype(np.int64)) >> log2d
    return levels_clip(y, n_levels)


def ref_irmsnorm(x, weight, log2d: int, n_levels: int) -> np.ndarray:
    x = x.astype(np.int64)
    n = x.shape[-1]
    std = isqrt((x**2).sum(-1, keepdims=True) // n + 1)
    return levels_clip(tdiv(x * weight.astype(np.int64), std) >> log2d, n_levels)


def ref_inonorm(x, weights, bias, mul: int, log2d: int, n_levels: int) -> np.ndarray:
    x = x.astype(np.int64)
    y = ((x * weights.astype(np.int64) + bias.astype(np.int64)) * mul) >> log2d
    return levels_clip(y, n_levels)


# -- one-node networks --------------------------------------------------------------------

_INPUT_TYPES = {"int8": np.int8, "uint8": np.uint8, "int16": np.int16, "uint16": np.uint16}


def _rng(case: tuple) -> np.random.Generator:
    """A generator seeded by the case, so each case draws the same values in any run."""
    return np.random.default_rng(zlib.crc32(repr(case).encode()))


def _random_input(
    rng: np.random.Generator, shape: tuple[int, ...], type_name: str, lo=None, hi=None
) -> np.ndarray:
    info = np.iinfo(_INPUT_TYPES[type_name])
    lo = info.min if lo is None else lo
    hi = info.max if hi is None else hi
    return rng.integers(lo, hi + 1, shape).astype(np.float32)


def _model(op_type: str, x_shape, weights: dict[str, np.ndarray], **attrs) -> onnx.ModelProto:
    """One custom node (default domain) reading graph input x, integer values stored as float
    (Deeploy's convention)."""
    node = helper.make_node(op_type, ["x", *weights], ["y"], name=f"{op_type}_node", **attrs)
    graph = helper.make_graph(
        [node],
        f"{op_type}_test",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x_shape))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, list(x_shape))],
        [numpy_helper.from_array(v.astype(np.float32), k) for k, v in weights.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


def _tensor_attr(value: float) -> onnx.TensorProto:
    """A one-element float tensor attribute, as the quantisation flow writes D and n_levels."""
    return numpy_helper.from_array(np.array([value], np.float32))


def _run_case(
    model, x: np.ndarray, type_name: str, expected: np.ndarray, out_dtype, work, tiled, params=()
):
    """Compile, run and compare; tiled: in an L1 that holds the (whole) parameters but only
    two thirds of the input and output, so the call runs in several tiles."""
    memory = None
    if tiled:
        data = x.size * np.dtype(_INPUT_TYPES[type_name]).itemsize
        data += expected.size * np.dtype(out_dtype).itemsize
        memory = _memory(sum(_int_bytes(p) for p in params) + data * 2 // 3 + 64)
    (y,) = _compile_run(model, {"x": x}, {"x": type_name}, work, memory)
    assert y.dtype == np.dtype(out_dtype), f"result type {y.dtype}, expected {out_dtype}"
    info = np.iinfo(out_dtype)
    assert info.min <= expected.min() and expected.max() <= info.max
    _assert_exact([y], [expected.astype(out_dtype)])


def _int_bytes(values: np.ndarray) -> int:
    """Bytes of a constant once it is an integer: the narrowest of int8/int16/int32."""
    for dtype in (np.int8, np.int16, np.int32):
        info = np.iinfo(dtype)
        if info.min <= values.min() and values.max() <= info.max:
            return values.size * np.dtype(dtype).itemsize
    raise ValueError("not an int32 constant")


def _saturates(expected: np.ndarray, n_levels: int) -> None:
    """The case exercises the clamp (some values at a bound) and is no constant."""
    at_bound = (expected == -n_levels // 2) | (expected == n_levels // 2 - 1)
    assert at_bound.any() and not at_bound.all()


# (x type, x range, b, one)
GELU_CASES = [
    ("int8", None, -40, 1743),  # ICCT's parameters
    ("uint8", None, -90, 9000),
    ("int16", (-2000, 2000), -500, 300_000),
]
TILED = [False, True]


@pytest.mark.parametrize("case", GELU_CASES, ids=lambda c: f"{c[0]}_b{c[2]}")
@pytest.mark.parametrize("tiled", TILED, ids=("untiled", "tiled"))
def test_igelu(case, tiled, tmp_path: Path) -> None:
    type_name, bounds, b, one = case
    shape = (2, 3, 40)
    x = _random_input(_rng(case), shape, type_name, *(bounds or (None, None)))
    expected = ref_igelu(x, b, one)
    assert np.abs(expected).max() < 2**31
    model = _model("iGELU", shape, {}, b=b, one=one)
    _run_case(model, x, type_name, expected, np.int32, tmp_path, tiled)


# (x type, x range, one_over_six, six, three)
HARDSWISH_CASES = [
    ("int8", None, 33, 1530, 765),  # Deeploy's test parameters (the clamp never acts)
    ("int8", None, 11, 128, 64),  # x + three below 0 and above six
    ("uint8", None, 7, 300, 100),
    ("int16", (-3000, 3000), 5, 4000, 2000),
]


@pytest.mark.parametrize("case", HARDSWISH_CASES, ids=lambda c: f"{c[0]}_{c[3]}")
@pytest.mark.parametrize("tiled", TILED, ids=("untiled", "tiled"))
def test_ihardswish(case, tiled, tmp_path: Path) -> None:
    type_name, bounds, one_over_six, six, three = case
    shape = (1, 5, 7, 9)
    x = _random_input(_rng(case), shape, type_name, *(bounds or (None, None)))
    expected = ref_ihardswish(x, one_over_six, six, three)
    assert np.abs(expected).max() < 2**31
    model = _model("iHardswish", shape, {}, one_over_six=one_over_six, six=six, three=three)
    _run_case(model, x, type_name, expected, np.int32, tmp_path, tiled)


# (x type, x shape, n_levels, D, weight scale, output type)
LAYERNORM_CASES = [
    ("int8", (1, 6, 32), 256, 2**14, 2**14 * 90, np.int8),
    ("uint8", (3, 4, 20), 256, 2**12, 2**12 * 90, np.int8),
    ("int16", (2, 5, 24), 65536, 2**6, 2**6 * 22000, np.int16),
]


@pytest.mark.parametrize("case", LAYERNORM_CASES, ids=lambda c: f"{c[0]}_{c[2]}")
@pytest.mark.parametrize("tiled", TILED, ids=("untiled", "tiled"))
def test_ilayernorm(case, tiled, tmp_path: Path) -> None:
    type_name, shape, n_levels, d, scale, out_dtype = case
    n = shape[-1]
    rng = _rng(case)
    x = _random_input(rng, shape, type_name)
    weight = rng.integers(scale // 2, scale, n)
    bias = rng.integers(-scale // 2, scale // 2, n)
    expected = ref_ilayernorm(x, weight, bias, int(math.log2(d)), n_levels)
    _saturates(expected, n_levels)
    model = _model(
        "iLayerNorm",
        shape,
        {"weight": weight, "bias": bias},
        D=_tensor_attr(d),
        n_levels=_tensor_attr(n_levels),
    )
    _run_case(model, x, type_name, expected, out_dtype, tmp_path, tiled, (weight, bias))


# (x type, x shape, n_levels, D, weight scale, output type)
RMSNORM_CASES = [
    ("int8", (1, 16, 64), 256, 2**16, 6_000_000, np.int8),  # near Deeploy's test
    ("uint16", (2, 3, 30), 65536, 2**8, 2**8 * 30000, np.int16),
]


@pytest.mark.parametrize("case", RMSNORM_CASES, ids=lambda c: f"{c[0]}_{c[2]}")
@pytest.mark.parametrize("tiled", TILED, ids=("untiled", "tiled"))
def test_irmsnorm(case, tiled, tmp_path: Path) -> None:
    type_name, shape, n_levels, d, scale, out_dtype = case
    rng = _rng(case)
    x = _random_input(rng, shape, type_name)
    weight = rng.integers(scale // 3, scale, shape[-1])
    expected = ref_irmsnorm(x, weight, int(math.log2(d)), n_levels)
    _saturates(expected, n_levels)
    model = _model("iRMSNorm", shape, {"weight": weight}, D=d, n_levels=n_levels)
    _run_case(model, x, type_name, expected, out_dtype, tmp_path, tiled, (weight,))


# (x type, x shape, weights shape, weight range, bias shape, mul, D)
NONORM_CASES = [
    ("int8", (1, 12, 16), (12, 16), 127, (16,), 600, 2**16),  # shaped as Deeploy's test
    ("uint8", (2, 6, 10), (6, 1), 2000, (1, 6, 10), 97, 2**17),  # int16 weights, broadcast
    ("int16", (3, 40), (40,), 127, (3, 1), 4, 2**16),
    ("int8", (8, 40), (8, 40), 70000, (40,), 3, 2**16),  # int32 weights
]


@pytest.mark.parametrize("case", NONORM_CASES, ids=lambda c: f"{c[0]}_w{c[3]}")
@pytest.mark.parametrize("tiled", TILED, ids=("untiled", "tiled"))
def test_inonorm(case, tiled, tmp_path: Path) -> None:
    type_name, shape, w_shape, w_range, b_shape, mul, d = case
    n_levels = 256
    rng = _rng(case)
    x = _random_input(rng, shape, type_name)
    weights = rng.integers(-w_range, w_range + 1, w_shape)
    bias = rng.integers(-6000, 6000, b_shape)
    expected = ref_inonorm(x, weights, bias, mul, int(math.log2(d)), n_levels)
    _saturates(expected, n_levels)
    model = _model(
        "iNoNorm",
        shape,
        {"weights": weights, "bias": bias},
        D=_tensor_attr(d),
        mul=_tensor_attr(mul),
        n_levels=_tensor_attr(n_levels),
    )
    _run_case(model, x, type_name, expected, np.int8, tmp_path, tiled, (weights, bias))


# -- what the kernels decline -----------------------------------------------------------


def test_float_input_is_declined() -> None:
    """Without integer input types the integer operators have no kernel: a clear error."""
    import deeploy
    from deeploy.errors import UnsupportedError

    model = _model("iGELU", (1, 8), {}, b=-40, one=1743)
    with pytest.raises(UnsupportedError, match="iGELU"):
        deeploy.compile(model)


def test_overflowing_inonorm_is_declined() -> None:
    """iNoNorm declines a mul for which (x * w + bias) * mul might leave 64 bits."""
    import deeploy
    from deeploy.errors import UnsupportedError

    shape = (1, 4, 8)
    weights = {"weights": np.full(shape[1:], 2**20), "bias": np.zeros(8)}
    model = _model("iNoNorm", shape, weights, D=2**16, mul=2**30, n_levels=256)
    with pytest.raises(UnsupportedError, match="overflow"):
        deeploy.compile(model, input_types={"x": "int16"})
