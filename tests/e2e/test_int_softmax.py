"""Integer softmax operators of Deeploy's quantised networks (iSoftmax, ITAMax,
ITAPartialMax) on the generic target, bit-exact.

Deeploy's own Softmax tests (../shared) run untiled and tiled. Small self-built networks
check each operator against a numpy transcription of its arithmetic written here, on
random int8 and uint8 inputs, with other coefficients than the shared tests use.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from tests.conftest import CHECK_CFLAGS, SANITIZE, SHARED, requires_shared

SOFTMAX_TESTS = SHARED / "Kernels" / "Integer" / "Softmax"
U32 = (1 << 32) - 1


# -- numpy transcriptions of the arithmetic ---------------------------------------------


def ref_isoftmax(x, coeff_a, coeff_b, coeff_c, log2, n_levels):
    """Along the last axis: z = trunc(-d / log2) clipped to [0, 31] with d = x - max,
    p = d + z * log2, e = (a (p + b)^2 + c as uint64) >> z as uint32, and
    out = (e (n_levels - 1) mod 2^32) // (sum e mod 2^32), 0 where that sum is 0."""
    d = x.astype(np.int64) - x.max(axis=-1, keepdims=True).astype(np.int64)
    z = np.clip((-d) // log2, 0, 31)  # -d >= 0, so floor = truncation
    p = d + z * log2
    t = coeff_a * (p + coeff_b) ** 2 + coeff_c
    e = [(int(v) % 2**64) >> int(s) & U32 for v, s in zip(t.reshape(-1), z.reshape(-1))]
    e = np.array(e, dtype=np.uint64).reshape(x.shape)
    total = e.sum(axis=-1, keepdims=True) & U32
    # a row whose terms sum to 0 (mod 2^32) gives 0 (Deeploy's kernel divides by zero)
    return np.where(total == 0, 0, ((e * (n_levels - 1)) & U32) // np.maximum(total, 1))


def _ita_shift(diff):
    return (diff + 16) >> 5


def ref_ita_max(x, n_levels):
    """Along the last axis: shift = (max - x + 16) >> 5, out = ((n_levels - 1) * 256 //
    sum(256 >> shift)) >> shift."""
    x = x.astype(np.int64)
    shift = _ita_shift(x.max(axis=-1, keepdims=True) - x)
    total = (256 >> shift).sum(axis=-1, keepdims=True)
    return ((n_levels - 1) * 256 // total) >> shift


def ref_ita_partial_max(x, group_width, n_levels):
    """ITAMax whose sum runs over groups of group_width columns against the running
    maximum (the sum so far shifted right by the rise of the maximum), scaled to
    n_levels / 2 - 1."""
    x = x.astype(np.int64)
    groups = x.reshape(*x.shape[:-1], x.shape[-1] // group_width, group_width)
    running = np.maximum.accumulate(groups.max(axis=-1), axis=-1)
    total = np.zeros(x.shape[:-1], dtype=np.int64)
    for g in range(groups.shape[-2]):
        m = running[..., g]
        if g:
            prev = running[..., g - 1]
            total = total >> np.where(m > prev, _ita_shift(m - prev), 0)
        total += (256 >> _ita_shift(m[..., None] - groups[..., g, :])).sum(axis=-1)
    inv = (n_levels // 2 - 1) * 256 // total
    return inv[..., None] >> _ita_shift(running[..., -1:] - x)


# -- compile, build, run ------------------------------------------------------------------


def _run(model, inputs: list[np.ndarray], types: dict[str, str], work: Path, memory=None):
    import deeploy
    from deeploy.harness.runner import build_and_run
    from deeploy.harness.test_data import fit_inputs

    result = deeploy.compile(
        model, input_types=types, separate_buffers=SANITIZE and memory is None, memory=memory
    )
    fitted = fit_inputs(inputs, result.report["inputs"], "inputs")
    outcome = build_and_run(result, fitted, work, extra_cflags=CHECK_CFLAGS)
    return result, outcome


def _memory(l1: int, double_buffer: bool = False):
    from deeploy.targets.base import MemoryConfig

    return MemoryConfig(l1=l1, double_buffer=double_buffer)


def _assert_exact(actual: np.ndarray, expected: np.ndarray) -> None:
    from deeploy.harness.compare import compare

    comparison = compare([actual], [expected])
    assert comparison.passed, (
        f"{comparison.errors} of {comparison.total} elements differ "
        f"(max {comparison.max_abs_error})"
    )


# -- Deeploy's Softmax tests ----------------------------------------------------------------


@pytest.mark.slow  # the same data runs in test_shared_integer.py and test_tiled.py
@requires_shared
@pytest.mark.shared
@pytest.mark.parametrize(
    ("test", "l1", "double_buffer"),
    [
        ("Regular", None, False),
        ("Large", None, False),
        # Deeploy's tiled budgets for Regular (tiled-budgets.json), and smaller ones
        *[("Regular", l1, False) for l1 in (800, 500, 300, 64)],
        *[("Regular", l1, True) for l1 in (1600, 1000, 600, 64)],
        ("Large", 2000, False),
        ("Large", 600, True),
    ],
)
def test_shared_softmax(test: str, l1: int | None, double_buffer: bool, tmp_path: Path) -> None:
    from deeploy.harness.test_data import load_npz
    from deeploy.integer_types import infer_input_types

    folder = SOFTMAX_TESTS / test
    model = onnx.load(folder / "network.onnx")
    inputs = load_npz(folder / "inputs.npz")
    expected = load_npz(folder / "outputs.npz")
    names = [i.name for i in model.graph.input]
    types = infer_input_types(names, inputs)
    assert types == dict.fromkeys(names, "i8")
    memory = _memory(l1, double_buffer) if l1 else None
    result, outcome = _run(model, inputs, types, tmp_path, memory)
    assert outcome.outputs[0].dtype == np.uint8
    _assert_exact(outcome.outputs[0], expected[0])
    if memory is not None:
        tiling = result.report["tiling"]
        assert tiling["l1_peak"] <= l1
        assert outcome.dma == {"transfers": tiling["dma_transfers"], "bytes": tiling["dma_bytes"]}


# -- self-built networks --------------------------------------------------------------------


def _tensor_attr(value: int) -> onnx.TensorProto:
    # Deeploy's exports store scalar attributes as one-element float tensors
    return helper.make_tensor("value", TensorProto.FLOAT, [1], [float(value)])


def _network(op_type: str, shape: tuple[int, ...], attrs: dict[str, int], tensor_attrs: bool):
    node = helper.make_node(
        op_type,
        ["x"],
        ["y"],
        name=f"{op_type}_0",
        **{k: _tensor_attr(v) if tensor_attrs else v for k, v in attrs.items()},
    )
    graph = helper.make_graph(
        [node],
        "int_softmax",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, list(shape))],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def _random(shape: tuple[int, ...], dtype: str, seed: int) -> np.ndarray:
    info = np.iinfo(dtype)
    rng = np.random.default_rng(seed)
    return rng.integers(info.min, info.max, size=shape, endpoint=True).astype(dtype)


ISOFTMAX_CASES = [
    # (coeffA, coeffB, coeffC, log2, n_levels): Deeploy's test coefficients, a larger a,
    # log2 small enough that z saturates at 31 (p then > 0), the same with a = 2^30
    # and b = c = 0 (the maximum's term is 0, those of d = -255 alone count, rows of equal
    # values sum to 0), fewer levels
    (1, 345, 62395, 255, 256),
    (3, 180, 9000, 128, 256),
    (1, 10, 100, 6, 256),
    (2**30, 0, 0, 6, 256),
    (2, 200, 40000, 200, 16),
]


@pytest.mark.parametrize("coeffs", ISOFTMAX_CASES)
@pytest.mark.parametrize("dtype", ["int8", "uint8"])
def test_isoftmax(coeffs: tuple[int, ...], dtype: str, tmp_path: Path) -> None:
    a, b, c, log2, n_levels = coeffs
    shape = (2, 5, 24)
    x = _random(shape, dtype, seed=sum(coeffs))
    info = np.iinfo(dtype)
    x[0, 0] = x[0, 0].max()  # a row of equal values
    x[1, 0] = info.min  # a row of the extremes: d = -255
    x[1, 0, 5] = info.max
    attrs = {"coeffA": a, "coeffB": b, "coeffC": c, "log2": log2, "n_levels": n_levels}
    model = _network("iSoftmax", shape, attrs, tensor_attrs=dtype == "int8")
    _, outcome = _run(model, [x], {"x": dtype}, tmp_path)
    assert outcome.outputs[0].dtype == np.uint8
    _assert_exact(outcome.outputs[0], ref_isoftmax(x, a, b, c, log2, n_levels))


@pytest.mark.parametrize("n_levels", [256, 128])
@pytest.mark.parametrize("dtype", ["int8", "uint8"])
def test_ita_max(n_levels: int, dtype: str, tmp_path: Path) -> None:
    shape = (1, 3, 16, 40)
    x = _random(shape, dtype, seed=n_levels)
    x[0, 0, 0] = 7  # a row of equal values
    model = _network("ITAMax", shape, {"n_levels": n_levels}, tensor_attrs=n_levels == 256)
    _, outcome = _run(model, [x], {"x": dtype}, tmp_path)
    assert outcome.outputs[0].dtype == np.uint8
    expected = ref_ita_max(x, n_levels)
    assert expected.max() > 0
    _assert_exact(outcome.outputs[0], expected)


@pytest.mark.parametrize("group_width", [1, 8, 16, 64])
@pytest.mark.parametrize("dtype", ["int8", "uint8"])
def test_ita_partial_max(group_width: int, dtype: str, tmp_path: Path) -> None:
    shape = (2, 12, 64)
    x = _random(shape, dtype, seed=group_width)
    # rows whose maximum rises group by group, so the running sum gets shifted
    x[0, :4] = np.sort(x[0, :4], axis=-1)
    model = _network("ITAPartialMax", shape, {"group_width": group_width, "n_levels": 256}, True)
    _, outcome = _run(model, [x], {"x": dtype}, tmp_path)
    assert outcome.outputs[0].dtype == np.uint8
    _assert_exact(outcome.outputs[0], ref_ita_partial_max(x, group_width, 256))


@pytest.mark.parametrize(
    ("op_type", "attrs"),
    [
        ("iSoftmax", {"coeffA": 1, "coeffB": 345, "coeffC": 62395, "log2": 255, "n_levels": 256}),
        ("ITAMax", {"n_levels": 256}),
        ("ITAPartialMax", {"group_width": 16, "n_levels": 256}),
    ],
)
@pytest.mark.parametrize("double_buffer", [False, True])
def test_tiled(op_type: str, attrs: dict[str, int], double_buffer: bool, tmp_path: Path) -> None:
    """Rows of 64 int8 in an L1 of 400 bytes: tiles of a few whole rows."""
    shape = (3, 10, 64)
    x = _random(shape, "int8", seed=len(op_type))
    model = _network(op_type, shape, attrs, tensor_attrs=False)
    result, outcome = _run(model, [x], {"x": "int8"}, tmp_path, _memory(400, double_buffer))
    tiling = result.report["tiling"]
    assert tiling["l1_peak"] <= 400
    assert outcome.dma == {"transfers": tiling["dma_transfers"], "bytes": tiling["dma_bytes"]}
    assert tiling["dma_transfers"] > 2  # really split
    if op_type == "iSoftmax":
        expected = ref_isoftmax(x, *attrs.values())
    elif op_type == "ITAMax":
        expected = ref_ita_max(x, 256)
    else:
        expected = ref_ita_partial_max(x, 16, 256)
    _assert_exact(outcome.outputs[0], expected)


@pytest.mark.parametrize(
    ("op_type", "attrs", "types", "reason"),
    [
        ("ITAMax", {"n_levels": 256}, {"x": "int16"}, "needs an int8 or uint8 input"),
        ("ITAMax", {"n_levels": 1024}, {"x": "int8"}, "needs a uint8 output"),
        ("ITAPartialMax", {"group_width": 5, "n_levels": 256}, {"x": "int8"}, "group_width 5"),
        (
            "iSoftmax",
            {"coeffA": 1, "coeffB": 1, "coeffC": 1, "log2": 0, "n_levels": 256},
            {"x": "int8"},
            "log2 must be positive",
        ),
    ],
)
def test_unsupported(op_type: str, attrs: dict, types: dict, reason: str) -> None:
    import deeploy
    from deeploy.errors import UnsupportedError

    model = _network(op_type, (2, 8), attrs, tensor_attrs=False)
    with pytest.raises(UnsupportedError, match=reason):
        deeploy.compile(model, input_types=types)
