"""Integer division and mean of quantised networks: TrueIntegerDiv, IntegerDiv,
RQIntegerDiv and IntegerMean, compiled, built (-Werror, sanitizers), run, and compared
bit-exactly with Deeploy's reference data, and with a numpy/Python transcription of
Deeploy's arithmetic written here:

- TrueIntegerDiv: x * floor(Delta * eta / (y * eta + eps)) (Deeploy folds this factor
  into the RequantShift that follows);
- IntegerDiv: Delta * eta * A / (eta * B + eps) rounded half away from zero (Div_s32.c);
- RQIntegerDiv: that quotient q, then clamp(floor((q * mul + add) / 2^shift + 1/2)) to the
  n_levels range (RQDiv_s8.c);
- IntegerMean: the mean over the axes rounded half up when keepdims = 0 and the count is a
  power of two (a shift), else half away from zero (Deeploy's ReduceMean template).

Networks are built the way Deeploy's quantisation flow writes them: float tensors holding
integers, custom operators in the default domain, integer types given at compile time.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from tests.conftest import CHECK_CFLAGS, SANITIZE, SHARED, requires_shared

R = np.random.default_rng(2024)
NP_TYPES = {"i8": np.int8, "u8": np.uint8, "i16": np.int16, "u16": np.uint16, "i32": np.int32}


# -- building and running -------------------------------------------------------------


def _model(
    op_type: str,
    inputs: list[tuple[str, tuple[int, ...]]],
    out_shape: tuple[int, ...],
    constants: dict[str, np.ndarray] | None = None,
    **attrs: object,
) -> onnx.ModelProto:
    constants = constants or {}
    node = helper.make_node(
        op_type, [n for n, _ in inputs] + list(constants), ["out"], name=op_type, **attrs
    )
    graph = helper.make_graph(
        [node],
        f"{op_type}_test",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in inputs],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, out_shape)],
        [numpy_helper.from_array(v.astype(np.float32), n) for n, v in constants.items()],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _run(
    model: onnx.ModelProto | Path,
    arrays: list[np.ndarray],
    work: Path,
    input_types: dict[str, str],
    l1: int | None = None,
) -> tuple[list[np.ndarray], dict]:
    import deeploy
    from deeploy.harness.runner import build_and_run
    from deeploy.harness.test_data import fit_inputs
    from deeploy.targets.base import MemoryConfig

    memory = MemoryConfig(l1=l1) if l1 is not None else None
    result = deeploy.compile(
        model,
        input_types=input_types,
        memory=memory,
        separate_buffers=SANITIZE and memory is None,
    )
    inputs = fit_inputs(arrays, result.report["inputs"], "test inputs")
    outcome = build_and_run(result, inputs, work, extra_cflags=CHECK_CFLAGS)
    if l1 is not None:
        assert result.report["tiling"]["l1_peak"] <= l1
    return outcome.outputs, result.report


def _check(actual: np.ndarray, expected: np.ndarray, dtype: type) -> None:
    from deeploy.harness.compare import compare

    assert actual.dtype == np.dtype(dtype), f"output is {actual.dtype}, expected {dtype}"
    assert actual.shape == expected.shape or actual.size == expected.size
    comparison = compare([actual], [expected])
    assert comparison.passed, (
        f"{comparison.errors} of {comparison.total} elements differ "
        f"(max {comparison.max_abs_error})"
    )


def _ints(short: str, shape: tuple[int, ...], lo: int | None = None, hi: int | None = None):
    info = np.iinfo(NP_TYPES[short])
    lo = info.min if lo is None else lo
    hi = info.max if hi is None else hi
    return R.integers(lo, hi + 1, shape).astype(np.int64)


# -- the arithmetic, transcribed ---------------------------------------------------------


def _half_away(value: Fraction) -> int:
    """value rounded to the nearest integer, halves away from zero."""
    magnitude = int(abs(value) + Fraction(1, 2))  # floor, as abs(...) >= 0
    return magnitude if value >= 0 else -magnitude


def _half_up(value: Fraction) -> int:
    """value rounded to the nearest integer, halves up (toward +infinity)."""
    import math

    return math.floor(value + Fraction(1, 2))


def ref_true_integer_div(x: np.ndarray, delta: int, eps: int, eta: int, y: int) -> np.ndarray:
    factor = (delta * eta) // (y * eta + eps)
    return (x.astype(np.int64) * factor).astype(np.int32)


def ref_integer_div(a: np.ndarray, b: np.ndarray, delta: int, eps: int, eta: int) -> np.ndarray:
    a, b = np.broadcast_arrays(a, b)
    out = [
        _half_away(Fraction(delta * eta * int(ai), eta * int(bi) + eps))
        for ai, bi in zip(a.reshape(-1), b.reshape(-1))
    ]
    return np.array(out, np.int64).reshape(a.shape).astype(np.int32)


def ref_rq(q: np.ndarray, mul: int, add: int, shift: int, lo: int, hi: int) -> np.ndarray:
    out = [_half_up(Fraction(int(v) * mul + add, 2**shift)) for v in q.reshape(-1)]
    return np.clip(np.array(out, np.int64), lo, hi).reshape(q.shape)


def ref_integer_mean(x: np.ndarray, axes: list[int], keepdims: int) -> np.ndarray:
    rank = x.ndim
    axes_t = tuple(sorted({a % rank for a in axes}))
    sums = x.astype(np.int64).sum(axis=axes_t, keepdims=bool(keepdims))
    count = int(np.prod([x.shape[a] for a in axes_t]))
    shift_path = keepdims == 0 and count & (count - 1) == 0
    rounding = _half_up if shift_path else _half_away
    out = [rounding(Fraction(int(s), count)) for s in sums.reshape(-1)]
    return np.array(out, np.int64).reshape(sums.shape)


def test_references_round_as_deeploy() -> None:
    # the transcriptions themselves, on hand-checked values
    assert _half_away(Fraction(-5, 2)) == -3 and _half_away(Fraction(5, 2)) == 3
    assert _half_up(Fraction(-5, 2)) == -2 and _half_up(Fraction(5, 2)) == 3
    # 16384 * 200000 / 400001 = 8191.97...: the factor is floored
    assert ref_true_integer_div(np.array([1, -3]), 16384, 1, 200000, 2).tolist() == [
        8191,
        -24573,
    ]
    # 7 / 2 = 3.5 -> 4 and -7 / 2 -> -4; 5 / 3 = 1.67 -> 2
    assert ref_integer_div(np.array([7, -7, 5]), np.array([2, 2, 3]), 1, 0, 1).tolist() == [
        4,
        -4,
        2,
    ]
    # a mean of -0.5: the shift rounds it up to 0, the division away from zero to -1
    x = np.array([[-1, 0]])
    assert ref_integer_mean(x, [1], 0).tolist() == [0]
    assert ref_integer_mean(x, [1], 1).tolist() == [[-1]]
    # (3 * 5 - 2 + 4) >> 3 = 17 / 8 -> 2; clamped to [-2, 1]
    assert ref_rq(np.array([3, 100]), 5, -2, 3, -2, 1).tolist() == [1, 1]
    assert ref_rq(np.array([3]), 5, -2, 3, -8, 7).tolist() == [2]


# -- Deeploy's reference network ---------------------------------------------------------


@pytest.mark.slow  # the same data runs in test_shared_integer.py and test_tiled.py
@requires_shared
@pytest.mark.shared
@pytest.mark.parametrize("l1", [None, 4000])
def test_shared_true_integer_div(l1: int | None, tmp_path: Path) -> None:
    """RequantShift -> TrueIntegerDiv -> RequantShift, against Deeploy's outputs."""
    from deeploy.harness.test_data import load_npz
    from deeploy.integer_types import infer_input_types

    folder = SHARED / "Kernels" / "Integer" / "TrueIntegerDiv"
    arrays = load_npz(folder / "inputs.npz")
    expected = load_npz(folder / "outputs.npz")[0]
    graph = onnx.load(str(folder / "network.onnx")).graph
    initializers = {t.name for t in graph.initializer}
    names = [v.name for v in graph.input if v.name not in initializers]
    types = infer_input_types(names, arrays[: len(names)])
    assert types is not None
    outputs, _ = _run(folder / "network.onnx", arrays, tmp_path, types, l1)
    _check(outputs[0], expected.reshape(outputs[0].shape), np.int8)


# -- single operators against the transcription ------------------------------------------


@pytest.mark.parametrize(
    ("x_type", "attrs", "l1"),
    [
        ("i16", {"Delta": 16384, "eps": 1, "eta": 200000, "y": 3}, None),
        ("i8", {"Delta": 1024, "eps": 3, "eta": 7, "y": 5}, None),
        ("u8", {"Delta": 4096, "eps": 1, "eta": 1000, "y": 7}, 1500),
    ],
)
def test_true_integer_div(x_type: str, attrs: dict[str, int], l1: int | None, tmp_path: Path):
    shape = (2, 9, 40)
    x = _ints(x_type, shape)
    model = _model("TrueIntegerDiv", [("x", shape)], shape, **attrs)
    outputs, _ = _run(model, [x], tmp_path, {"x": x_type}, l1)
    expected = ref_true_integer_div(x, attrs["Delta"], attrs["eps"], attrs["eta"], attrs["y"])
    _check(outputs[0], expected, np.int32)


# (A shape, B shape, A type, B type, B range, Delta, eps, eta, L1 budget)
DIV_CASES = [
    # softmax-like: a row sum B per row of A, as Deeploy's kernels assume
    ((2, 6, 20), (2, 6, 1), "i32", "i32", (0, 5000), 4096, 3, 1000, None),
    # halves everywhere: A / B with B even and Delta = eta = 1, eps = 0, negative A
    ((3, 64), (3, 64), "i8", "u8", (1, 8), 1, 0, 1, None),
    ((4, 5, 33), (1, 33), "i16", "i32", (0, 100000), 128, 17, 9, None),
    # both operands broadcast
    ((1, 5, 1, 7), (3, 1, 4, 1), "i32", "u16", (0, 65535), 256, 1, 300, None),
    ((2, 16, 48), (2, 16, 1), "i32", "i32", (0, 5000), 4096, 3, 1000, 1200),
]


@pytest.mark.parametrize(("a_shape", "b_shape", "a_type", "b_type", "b_range", "delta", "eps", "eta", "l1"), DIV_CASES)  # fmt: skip
def test_integer_div(
    a_shape, b_shape, a_type, b_type, b_range, delta, eps, eta, l1, tmp_path: Path
) -> None:
    out_shape = tuple(np.broadcast_shapes(a_shape, b_shape))
    a = _ints(a_type, a_shape, *((-(2**24), 2**24) if a_type == "i32" else (None, None)))
    b = _ints(b_type, b_shape, *b_range)
    model = _model(
        "IntegerDiv", [("A", a_shape), ("B", b_shape)], out_shape, Delta=delta, eps=eps, eta=eta
    )
    outputs, _ = _run(model, [a, b], tmp_path, {"A": a_type, "B": b_type}, l1)
    _check(outputs[0], ref_integer_div(a, b, delta, eps, eta), np.int32)


@pytest.mark.parametrize(
    ("signed", "n_levels", "mul", "add", "shift", "out_type", "l1"),
    [
        (1, 256, 37, -1000, 10, np.int8, None),
        (0, 256, 5, 300, 6, np.uint8, None),
        (1, 65536, 3, 7, 0, np.int16, None),
        (1, 256, 37, -1000, 10, np.int8, 1500),
    ],
)
def test_rq_integer_div(signed, n_levels, mul, add, shift, out_type, l1, tmp_path: Path):
    a_shape, b_shape = (2, 8, 24), (2, 8, 1)
    delta, eps, eta = 512, 2, 100
    a = _ints("i32", a_shape, -(2**16), 2**16)
    b = _ints("i32", b_shape, 0, 2000)
    constants = {
        "mul": np.array([mul]),
        "add": np.array([add]),
        "shift": np.array([shift]),
    }
    attrs = {"Delta": delta, "eps": eps, "eta": eta, "signed": signed, "n_levels": n_levels}
    model = _model(
        "RQIntegerDiv",
        [("A", a_shape), ("B", b_shape)],
        a_shape,
        constants,
        div=2**shift,
        **attrs,
    )
    outputs, _ = _run(model, [a, b], tmp_path, {"A": "i32", "B": "i32"}, l1)
    lo, hi = (-(n_levels // 2), n_levels // 2 - 1) if signed else (0, n_levels - 1)
    q = ref_integer_div(a, b, delta, eps, eta)
    _check(outputs[0], ref_rq(q, mul, add, shift, lo, hi), out_type)


def _with_halves(x: np.ndarray, axis: int) -> np.ndarray:
    """x with its first slices along the kept axes set to sums of +-count/2: means of
    -0.5 and +0.5, where the two roundings differ."""
    x = x.copy()
    moved = np.moveaxis(x, axis, -1).reshape(-1, x.shape[axis])
    count = x.shape[axis]
    if count % 2 == 0 and moved.shape[0] >= 2:
        moved[0] = 0
        moved[0, : count // 2] = -1
        moved[1] = 0
        moved[1, : count // 2] = 1
    return np.moveaxis(moved.reshape(np.moveaxis(x, axis, -1).shape), -1, axis)


MEAN_CASES = [
    # (shape, axes, keepdims, type, L1 budget): ICCT's pattern, a shift
    ((2, 64, 12), [1], 0, "i8", None),
    # the same count with keepdims: a division
    ((2, 64, 12), [1], 1, "i8", None),
    ((2, 6, 10), [-1], 1, "i16", None),
    # non-adjacent axes, count 12: a division
    ((3, 5, 4, 6), [0, 2], 0, "i16", None),
    ((4, 8, 2), [2], 0, "u8", None),
    ((2, 3, 5), [0, 1, 2], 1, "i32", None),
    ((3, 7, 96), [2], 0, "u16", None),
    ((4, 64, 20), [1], 0, "i8", 2000),
    ((6, 10, 30), [0, 2], 1, "i16", 2500),
]


@pytest.mark.parametrize(("shape", "axes", "keepdims", "x_type", "l1"), MEAN_CASES)
def test_integer_mean(shape, axes, keepdims, x_type, l1, tmp_path: Path) -> None:
    x = _ints(x_type, shape)
    if x_type[0] == "i" and len(axes) == 1:
        x = _with_halves(x, axes[0] % len(shape))
    expected = ref_integer_mean(x, axes, keepdims)
    model = _model("IntegerMean", [("x", shape)], expected.shape, axes=axes, keepdims=keepdims)
    outputs, _ = _run(model, [x], tmp_path, {"x": x_type}, l1)
    _check(outputs[0], expected.reshape(outputs[0].shape), NP_TYPES[x_type])


def test_mean_halves_really_differ() -> None:
    # the crafted slices do hit the case where the two roundings disagree
    x = _with_halves(_ints("i8", (2, 64, 3)), 1)
    assert not np.array_equal(ref_integer_mean(x, [1], 0), ref_integer_mean(x, [1], 1)[:, 0])


def test_binding_rejects_what_it_cannot_run() -> None:
    import deeploy
    from deeploy.errors import UnsupportedError

    # float tensors: no integer division kernel
    model = _model("IntegerDiv", [("A", (4,)), ("B", (4,))], (4,), Delta=2, eps=1, eta=1)
    with pytest.raises(UnsupportedError):
        deeploy.compile(model)
    # a per-channel requantisation: Deeploy's RQIntegerDiv reads one mul/add
    constants = {"mul": np.array([1, 2]), "add": np.array([0]), "shift": np.array([1])}
    model = _model(
        "RQIntegerDiv",
        [("A", (2, 3)), ("B", (2, 1))],
        (2, 3),
        constants,
        Delta=2,
        eps=1,
        eta=1,
        div=2,
        n_levels=256,
        signed=1,
    )
    with pytest.raises(UnsupportedError, match="one value"):
        deeploy.compile(model, input_types={"A": "i32", "B": "i32"})


def test_rq_integer_div_inside_a_network(tmp_path: Path) -> None:
    """An RQIntegerDiv whose result feeds another node: its shape is inferred (A and B
    broadcast; the one-element requantisation constants do not change it)."""
    a_shape, b_shape = (2, 4, 6), (2, 4, 1)
    a = _ints("i32", a_shape, -(2**12), 2**12)
    b = _ints("i32", b_shape, 0, 500)
    constants = {"mul": np.array([[[3]]]), "add": np.array([[[5]]]), "shift": np.array([[[2]]])}
    nodes = [
        helper.make_node(
            "RQIntegerDiv",
            ["A", "B", *constants],
            ["q"],
            name="div",
            Delta=64,
            eps=1,
            eta=10,
            div=4,
            n_levels=256,
            signed=1,
        ),
        helper.make_node("Flatten", ["q"], ["out"], name="flat", axis=1),
    ]
    graph = helper.make_graph(
        nodes,
        "rq_div_net",
        [
            helper.make_tensor_value_info(n, TensorProto.FLOAT, s)
            for n, s in (("A", a_shape), ("B", b_shape))
        ],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, (2, 24))],
        [numpy_helper.from_array(v.astype(np.float32), n) for n, v in constants.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    outputs, _ = _run(model, [a, b], tmp_path, {"A": "i32", "B": "i32"})
    q = ref_integer_div(a, b, 64, 1, 10)
    _check(outputs[0], ref_rq(q, 3, 5, 2, -128, 127).reshape(2, 24), np.int8)
