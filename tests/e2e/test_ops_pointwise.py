"""Pointwise kernels - unary math, activations, Cast, comparisons, boolean logic and Where -
compiled, built (-Werror, sanitizers), run and compared with onnxruntime."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import helper, numpy_helper

from tests.conftest import compile_build_run
from tests.networks import reference, single_op

pytest.importorskip("onnxruntime")

R = np.random.default_rng(11)
F32 = np.float32
INT_TYPES = (np.int8, np.uint8, np.int16, np.uint16, np.int32, np.int64)

Case = tuple[onnx.ModelProto, list[np.ndarray]]


def _model(
    nodes: list[onnx.NodeProto],
    inputs: Sequence[tuple[str, type, Sequence[int]]],
    outputs: Sequence[tuple[str, type]],
    weights: dict[str, np.ndarray] | None = None,
    opset: int = 17,
) -> onnx.ModelProto:
    """A graph with typed inputs (name, numpy type, shape) and outputs (name, numpy type)."""

    def info(name: str, dtype: type, shape: Sequence[int] | None) -> onnx.ValueInfoProto:
        elem = helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
        return helper.make_tensor_value_info(name, elem, None if shape is None else list(shape))

    graph = helper.make_graph(
        nodes,
        "pointwise",
        [info(n, t, s) for n, t, s in inputs],
        [info(n, t, None) for n, t in outputs],
        [numpy_helper.from_array(v, k) for k, v in (weights or {}).items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return onnx.shape_inference.infer_shapes(model)


def _normal(*shape: int, scale: float = 1.0) -> np.ndarray:
    return (R.standard_normal(shape) * scale).astype(F32)


def _ints(dtype: type, *shape: int) -> np.ndarray:
    """Random values spanning dtype, with its extremes and some zeros."""
    info = np.iinfo(dtype)
    values = R.integers(info.min, int(info.max) + 1, shape, dtype=dtype).reshape(-1)
    values[:3] = (info.min, info.max, 0)
    values[3::7] = 0
    return values.reshape(shape)


def _bools(*shape: int) -> np.ndarray:
    return R.integers(0, 2, shape).astype(np.bool_)


def _halves(*shape: int) -> np.ndarray:
    """Multiples of 0.5 in [-2, 2]: comparisons see many equal pairs."""
    return (R.integers(-4, 5, shape) * 0.5).astype(F32)


def _unary(op_type: str, x: np.ndarray, opset: int = 17, **attrs: object) -> Case:
    return single_op(op_type, [("x", x.shape)], opset=opset, **attrs), [x]


# -- unary math and activations (float32) ------------------------------------------------

TIES = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, -3.5, 0.49999997, -1.7, 2.2, 8388607.5], F32)
EXTREMES = np.array([-100, -30, -20.5, -5, -0.3, 0, 0.3, 5, 19.9, 20, 20.1, 30, 1000], F32)
WITH_ZEROS = np.where(R.random((4, 9)) < 0.25, 0.0, _normal(4, 9, scale=3.0)).astype(F32)
POSITIVE = np.abs(_normal(3, 17, scale=2.0)) + F32(0.05)
AWAY_FROM_ZERO = np.where(R.random((3, 17)) < 0.5, -1, 1) * (POSITIVE + 0.5)

UNARY_CASES: dict[str, Case] = {
    "sqrt": _unary("Sqrt", POSITIVE),
    "exp": _unary("Exp", _normal(3, 17)),
    "log": _unary("Log", POSITIVE),
    "erf": _unary("Erf", _normal(3, 17, scale=2.0)),
    "tanh": _unary("Tanh", _normal(3, 17, scale=3.0)),
    "ceil": _unary("Ceil", _normal(3, 17, scale=3.0)),
    "floor": _unary("Floor", _normal(3, 17, scale=3.0)),
    "ceil_ties": _unary("Ceil", TIES),
    "floor_ties": _unary("Floor", TIES),
    "round_ties_to_even": _unary("Round", TIES),
    "round_random": _unary("Round", _normal(2, 3, 7, scale=4.0)),
    "abs": _unary("Abs", WITH_ZEROS),
    "neg": _unary("Neg", WITH_ZEROS),
    "reciprocal": _unary("Reciprocal", AWAY_FROM_ZERO.astype(F32)),
    "sign": _unary("Sign", WITH_ZEROS),
    "sin": _unary("Sin", _normal(3, 17, scale=3.0)),
    "cos": _unary("Cos", _normal(3, 17, scale=3.0)),
    "softplus": _unary("Softplus", _normal(3, 17, scale=4.0)),
    "softplus_extremes": _unary("Softplus", EXTREMES),
    "softsign": _unary("Softsign", _normal(3, 17, scale=4.0)),
    "leaky_relu_default": _unary("LeakyRelu", _normal(3, 17, scale=3.0)),
    "leaky_relu_alpha": _unary("LeakyRelu", _normal(3, 17, scale=3.0), alpha=0.3),
    "hard_sigmoid_default": _unary("HardSigmoid", _normal(3, 17, scale=4.0)),
    "hard_sigmoid_attrs": _unary("HardSigmoid", _normal(3, 17, scale=4.0), alpha=0.5, beta=0.25),
    "hard_swish_opset14": _unary("HardSwish", _normal(3, 17, scale=4.0), opset=14),
    "hard_swish_opset22": _unary("HardSwish", _normal(4, 5, 6, scale=4.0), opset=22),
    "swish_default": _unary("Swish", _normal(3, 17, scale=4.0), opset=24),
    "swish_alpha": _unary("Swish", _normal(3, 17, scale=4.0), opset=24, alpha=1.1),
    "swish_extremes": _unary("Swish", EXTREMES, opset=24, alpha=0.5),
    "elu_default": _unary("Elu", _normal(3, 17, scale=3.0)),
    "elu_alpha": _unary("Elu", _normal(3, 17, scale=3.0), alpha=0.4),
    "selu_default": _unary("Selu", _normal(3, 17, scale=3.0)),
    "selu_attrs": _unary("Selu", _normal(3, 17, scale=3.0), alpha=2.0, gamma=1.5),
    "celu_default": _unary("Celu", _normal(3, 17, scale=3.0), opset=12),
    "celu_alpha": _unary("Celu", _normal(3, 17, scale=3.0), opset=12, alpha=2.5),
    "thresholded_relu_default": _unary("ThresholdedRelu", _normal(3, 17, scale=3.0)),
    "thresholded_relu_alpha": _unary("ThresholdedRelu", _normal(3, 17, scale=3.0), alpha=-0.5),
    "mish": _unary("Mish", _normal(3, 17, scale=4.0), opset=18),
    "mish_extremes": _unary("Mish", EXTREMES, opset=18),
}


def _prelu(x_shape: tuple[int, ...], slope: np.ndarray, runtime_slope: bool) -> Case:
    x = _normal(*x_shape, scale=2.0)
    if runtime_slope:
        model = single_op("PRelu", [("x", x_shape), ("slope", slope.shape)])
        return model, [x, slope]
    return single_op("PRelu", [("x", x_shape)], weights={"slope": slope}), [x]


PRELU_CASES: dict[str, Case] = {
    "prelu_channel_constant": _prelu((2, 3, 4, 5), _normal(3, 1, 1), runtime_slope=False),
    "prelu_scalar_constant": _prelu((3, 7), np.array([0.2], F32), runtime_slope=False),
    "prelu_last_axis_runtime": _prelu((2, 3, 7), _normal(7), runtime_slope=True),
    "prelu_full_runtime": _prelu((2, 3, 4), _normal(2, 3, 4), runtime_slope=True),
    "prelu_middle_runtime": _prelu((2, 3, 4), _normal(1, 3, 1), runtime_slope=True),
}

# -- Cast -----------------------------------------------------------------------------------


def _cast(x: np.ndarray, to: type) -> Case:
    elem = helper.np_dtype_to_tensor_dtype(np.dtype(to))
    node = helper.make_node("Cast", ["x"], ["y"], to=elem)
    return _model([node], [("x", x.dtype.type, x.shape)], [("y", to)]), [x]


def _floats_for(dtype: type, *shape: int) -> np.ndarray:
    """Floats with fractions whose truncation toward zero fits dtype."""
    info = np.iinfo(dtype)
    lo, hi = max(float(info.min), -1e6), min(float(info.max), 1e6)
    values = R.uniform(lo, hi, shape).astype(F32).reshape(-1)
    values[:6] = (-2.7, 2.7, -0.5, 0.5, 0.0, 1.0) if info.min < 0 else (2.7, 0.5, 0, 1, 3.9, 9.99)
    return np.clip(values, info.min, info.max).reshape(shape)


CAST_CASES: dict[str, Case] = {}
for _t in INT_TYPES:
    _name = np.dtype(_t).name
    CAST_CASES[f"cast_float_to_{_name}"] = _cast(_floats_for(_t, 4, 9), _t)
    CAST_CASES[f"cast_{_name}_to_float"] = _cast(_ints(_t, 4, 9), F32)
    CAST_CASES[f"cast_{_name}_to_bool"] = _cast(_ints(_t, 4, 9), np.bool_)
    CAST_CASES[f"cast_bool_to_{_name}"] = _cast(_bools(4, 9), _t)
CAST_CASES.update(
    {
        "cast_float_to_float": _cast(_normal(3, 5), F32),
        "cast_float_to_bool": _cast(np.array([0.0, -0.0, 0.5, -3.0, 1e-30, 7.0], F32), np.bool_),
        "cast_bool_to_float": _cast(_bools(3, 5), F32),
        "cast_bool_to_bool": _cast(_bools(3, 5), np.bool_),
        "cast_int32_to_int32": _cast(_ints(np.int32, 3, 5), np.int32),
        "cast_int64_to_int8_in_range": _cast(R.integers(-128, 128, (3, 5)), np.int8),
        "cast_uint8_to_int32": _cast(_ints(np.uint8, 3, 5), np.int32),
        "cast_int16_to_uint16_in_range": _cast(R.integers(0, 2**15, (3, 5), np.int16), np.uint16),
        "cast_int8_to_int64": _cast(_ints(np.int8, 3, 5), np.int64),
        "cast_uint16_to_int8_in_range": _cast(R.integers(0, 128, (3, 5), np.uint16), np.int8),
        # to an unsigned type, C and ONNX both keep the low bits
        "cast_int32_to_uint8_wraps": _cast(np.array([300, -1, -200, 255, 256], np.int32), np.uint8),
    }
)

# -- comparisons, logic, Where --------------------------------------------------------------

COMPARE_OPS = ("Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual")


def _binary(op_type: str, a: np.ndarray, b: np.ndarray, out: type = np.bool_) -> Case:
    node = helper.make_node(op_type, ["a", "b"], ["y"])
    model = _model(
        [node], [("a", a.dtype.type, a.shape), ("b", b.dtype.type, b.shape)], [("y", out)]
    )
    return model, [a, b]


def _small_ints(dtype: type, *shape: int) -> np.ndarray:
    return R.integers(-3, 4, shape).astype(dtype)


COMPARE_CASES: dict[str, Case] = {}
for _op in COMPARE_OPS:
    _key = _op.lower()
    COMPARE_CASES[f"{_key}_f32_row"] = _binary(_op, _halves(2, 3, 4), _halves(4))
    COMPARE_CASES[f"{_key}_f32_both_sides"] = _binary(_op, _halves(2, 1, 4), _halves(3, 1))
    COMPARE_CASES[f"{_key}_f32_scalar_first"] = _binary(_op, _halves(1), _halves(3, 5))
    COMPARE_CASES[f"{_key}_i32"] = _binary(
        _op, _small_ints(np.int32, 3, 5), _small_ints(np.int32, 5)
    )
    COMPARE_CASES[f"{_key}_i64"] = _binary(
        _op, _small_ints(np.int64, 2, 1, 5), _small_ints(np.int64, 3, 1)
    )
COMPARE_CASES.update(
    {
        "equal_bool": _binary("Equal", _bools(2, 3, 4), _bools(3, 1)),
        "and_same": _binary("And", _bools(3, 7), _bools(3, 7)),
        "and_broadcast": _binary("And", _bools(2, 3, 4), _bools(3, 1)),
        "or_broadcast": _binary("Or", _bools(4), _bools(2, 3, 4)),
        "xor_broadcast": _binary("Xor", _bools(2, 1, 4), _bools(3, 1)),
    }
)


def _not(x: np.ndarray) -> Case:
    node = helper.make_node("Not", ["x"], ["y"])
    return _model([node], [("x", np.bool_, x.shape)], [("y", np.bool_)]), [x]


def _where(cond: np.ndarray, x: np.ndarray, y: np.ndarray, constant_y: bool = False) -> Case:
    node = helper.make_node("Where", ["c", "x", "y"], ["out"])
    inputs = [("c", np.bool_, cond.shape), ("x", x.dtype.type, x.shape)]
    if constant_y:
        model = _model([node], inputs, [("out", x.dtype.type)], weights={"y": y})
        return model, [cond, x]
    inputs.append(("y", y.dtype.type, y.shape))
    return _model([node], inputs, [("out", x.dtype.type)]), [cond, x, y]


LOGIC_CASES: dict[str, Case] = {
    "not": _not(_bools(3, 5)),
    "where_same_shape": _where(_bools(2, 3, 4), _normal(2, 3, 4), _normal(2, 3, 4)),
    "where_three_way_broadcast": _where(_bools(3, 1), _normal(1, 4), _normal(2, 1, 1)),
    "where_cond_broadcast": _where(_bools(4), _normal(2, 3, 4), _normal(3, 4)),
    "where_attention_mask": _where(
        _bools(1, 1, 4, 4),
        _normal(2, 3, 4, 4),
        np.array(-np.inf, F32),
        constant_y=True,
    ),
    "where_scalar_x": _where(_bools(3, 5), _normal(1), _normal(3, 5)),
    "where_i32": _where(_bools(2, 3), _small_ints(np.int32, 2, 3), _small_ints(np.int32, 3)),
    "where_i64_scalar": _where(
        _bools(2, 3), _small_ints(np.int64, 2, 3), np.array(-7, np.int64), constant_y=True
    ),
}


def _chains() -> dict[str, Case]:
    x, t = _normal(2, 3, 4), _normal(3, 1)
    select = _model(
        [
            helper.make_node("Greater", ["x", "t"], ["g"]),
            helper.make_node("Not", ["g"], ["ng"]),
            helper.make_node("Where", ["ng", "x", "t"], ["y"]),
            helper.make_node("Cast", ["g"], ["gf"], to=onnx.TensorProto.FLOAT),
            helper.make_node("Mul", ["gf", "y"], ["z"]),
        ],
        [("x", F32, x.shape), ("t", F32, t.shape)],
        [("z", F32), ("g", np.bool_)],
    )
    q = _normal(4, 6, scale=20.0)
    # fake quantisation as in Transformer_DeepQuant: round, clip, cast through int8 and back
    quantise = _model(
        [
            helper.make_node("Round", ["q"], ["r"]),
            helper.make_node("Clip", ["r", "lo", "hi"], ["c"]),
            helper.make_node("Cast", ["c"], ["i"], to=onnx.TensorProto.INT8),
            helper.make_node("Cast", ["i"], ["y"], to=onnx.TensorProto.FLOAT),
            helper.make_node("Sqrt", ["y"], ["s"]),
            helper.make_node("Exp", ["s"], ["e"]),
        ],
        [("q", F32, q.shape)],
        [("e", F32), ("i", np.int8)],
        weights={"lo": np.array(0, F32), "hi": np.array(12, F32)},
    )
    a = _normal(5, 7, scale=4.0)
    # intermediate buffers die at the next node: the kernels run in place
    in_place = _model(
        [
            helper.make_node("Abs", ["a"], ["t0"]),
            helper.make_node("Neg", ["t0"], ["t1"]),
            helper.make_node("HardSwish", ["t1"], ["t2"]),
            helper.make_node("LeakyRelu", ["t2"], ["t3"], alpha=0.2),
            helper.make_node("PRelu", ["t3", "slope"], ["t4"]),
            helper.make_node("HardSigmoid", ["t4"], ["t5"]),
            helper.make_node("Relu", ["t5"], ["t6"]),
            helper.make_node("Sqrt", ["t6"], ["y"]),
        ],
        [("a", F32, a.shape)],
        [("y", F32)],
        weights={"slope": _normal(7)},
    )
    return {
        "chain_compare_select": (select, [x, t]),
        "chain_quantise": (quantise, [q]),
        "chain_in_place": (in_place, [a]),
    }


CASES: dict[str, Case] = {
    **UNARY_CASES,
    **PRELU_CASES,
    **CAST_CASES,
    **COMPARE_CASES,
    **LOGIC_CASES,
    **_chains(),
}


# compare() subtracts -inf from -inf where the mask applies (and counts it as equal)
INF_OUTPUTS = ("where_attention_mask",)


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.filterwarnings("ignore:invalid value encountered"))
        if n in INF_OUTPUTS
        else n
        for n in CASES
    ],
)
def test_pointwise_against_onnxruntime(name: str, tmp_path: Path) -> None:
    from deeploy.harness.compare import compare

    model, inputs = CASES[name]
    _, outcome = compile_build_run(model, inputs, tmp_path, name="net")
    expected = reference(model, inputs)
    for actual, wanted in zip(outcome.outputs, expected):
        assert actual.dtype == wanted.dtype, (actual.dtype, wanted.dtype)
    comparison = compare(outcome.outputs, expected)
    assert comparison.passed, (
        f"{comparison.errors}/{comparison.total} differ, max {comparison.max_abs_error}"
    )


# -- what the target rejects, and why -------------------------------------------------------

REJECTED: dict[str, tuple[onnx.ModelProto, str]] = {
    "cast_from_float64": (
        _cast(np.zeros(4, np.float64), F32)[0],
        "Cast (cannot cast from f64: the supported types are",
    ),
    "cast_to_uint32": (_cast(_normal(4), np.uint32)[0], "Cast (cannot cast to ui32:"),
    "celu_alpha_zero": (
        single_op("Celu", [("x", (4,))], opset=12, alpha=0.0),
        "Celu (alpha must not be 0)",
    ),
    "less_float64": (
        _binary("Less", np.zeros(3, np.float64), np.zeros(3, np.float64))[0],
        "Less (needs f32/i32/i64 inputs, got f64)",
    ),
    "where_float64": (
        _where(_bools(3), np.zeros(3, np.float64), np.zeros(3, np.float64))[0],
        "Where (needs f32/i32/i64 inputs, got f64)",
    ),
    "sqrt_float64": (
        _model(
            [helper.make_node("Sqrt", ["x"], ["y"])], [("x", np.float64, (3,))], [("y", np.float64)]
        ),
        "Sqrt (needs float32 tensors, got f64)",
    ),
}


@pytest.mark.parametrize("name", list(REJECTED))
def test_pointwise_rejections(name: str) -> None:
    import deeploy
    from deeploy.errors import UnsupportedError

    model, reason = REJECTED[name]
    with pytest.raises(UnsupportedError) as info:
        deeploy.compile(model)
    assert reason in str(info.value)
