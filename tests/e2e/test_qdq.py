"""ONNX linear quantisation on the generic target, against onnxruntime: every quantised
operator alone (QuantizeLinear, DequantizeLinear, QLinearConv, QLinearMatMul, ConvInteger,
MatMulInteger, onnxruntime's QGemm/QLinearAdd/QLinearMul/QLinear*Pool, and MaxPool on int8,
what a QDQ MaxPool becomes), untiled and tiled; QDQ activations (lookup tables); and a float
CNN quantised by onnxruntime's quantize_static (QDQ) that lower-qdq turns into integer
kernels, untiled and tiled. Builds are -Werror with AddressSanitizer and UBSan.

Requantising kernels round a fixed-point product where onnxruntime rounds a float one:
results may differ by one unit of the output's scale (1 LSB); integer products
(ConvInteger, MatMulInteger), max pooling and dequantisation must match exactly.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from tests.conftest import compile_build_run
from tests.networks import reference

pytest.importorskip("onnxruntime")

R = np.random.default_rng(2024)  # reseeded per case (`_case`): data independent of selection
_TYPES = {
    np.dtype(np.float32): TensorProto.FLOAT,
    np.dtype(np.int32): TensorProto.INT32,
    np.dtype(np.int16): TensorProto.INT16,
    np.dtype(np.uint16): TensorProto.UINT16,
    np.dtype(np.int8): TensorProto.INT8,
    np.dtype(np.uint8): TensorProto.UINT8,
}
MS = "com.microsoft"


@dataclass
class Case:
    model: onnx.ModelProto
    inputs: list[np.ndarray]
    tolerance: int = 1  # in units of the output's last place
    # onnx's reference evaluator where onnxruntime lacks the case (per-channel ConvInteger)
    onnx_reference: bool = False


def _ints(dtype, *shape: int) -> np.ndarray:
    info = np.iinfo(dtype)
    return R.integers(info.min, int(info.max) + 1, shape).astype(dtype)


def _model(
    op_type: str,
    inputs: dict[str, np.ndarray],
    inits: dict[str, np.ndarray],
    order: Sequence[str],
    out: tuple[np.dtype, Sequence[int]],
    domain: str = "",
    opset: int = 21,
    **attrs: object,
) -> onnx.ModelProto:
    """One node reading `order` (graph inputs and initializers, '' for an absent one)."""
    node = helper.make_node(op_type, list(order), ["y"], name="node", domain=domain, **attrs)
    graph = helper.make_graph(
        [node],
        f"{op_type}_test",
        [
            helper.make_tensor_value_info(k, _TYPES[v.dtype], list(v.shape))
            for k, v in inputs.items()
        ],
        [helper.make_tensor_value_info("y", _TYPES[np.dtype(out[0])], list(out[1]))],
        [numpy_helper.from_array(np.asarray(v), k) for k, v in inits.items()],
    )
    opsets = [helper.make_opsetid("", opset)]
    if domain:
        opsets.append(helper.make_opsetid(domain, 1))
    model = helper.make_model(graph, opset_imports=opsets)
    model.ir_version = 9
    return model


def _f(value: float) -> np.ndarray:
    return np.array(value, np.float32)


def _zp(value: int, dtype) -> np.ndarray:
    return np.array(value, dtype)


# -- QuantizeLinear / DequantizeLinear ---------------------------------------------------------


def _quantize(dtype, per_axis: bool) -> Case:
    x = (R.standard_normal((2, 3, 4, 5)) * 2).astype(np.float32)
    x.reshape(-1)[:6] = [0.25, -0.75, 1e6, -1e6, 0.5, 0.0]  # ties and saturation
    if per_axis:
        scale = np.array([0.02, 0.05, 0.5], np.float32)
        zp = np.array([-3, 0, 7], dtype) if dtype == np.int8 else np.array([3, 128, 250], dtype)
    else:
        scale, zp = _f(0.05), _zp(-5 if dtype == np.int8 else 120, dtype)
    model = _model(
        "QuantizeLinear",
        {"x": x},
        {"s": scale, "z": zp},
        ["x", "s", "z"],
        (dtype, x.shape),
        axis=1,
    )
    return Case(model, [x])


def _dequantize(dtype, per_axis: bool) -> Case:
    x = (
        _ints(dtype, 2, 3, 4, 5)
        if dtype != np.int32
        else R.integers(-(2**20), 2**20, (2, 3, 4, 5)).astype(np.int32)
    )
    if per_axis:
        scale = np.array([0.02, 0.05, 0.5], np.float32)
        zp = np.array([-3, 0, 7] if dtype != np.uint8 else [3, 128, 250], dtype)
    else:
        scale, zp = _f(0.0375), _zp(0 if dtype == np.int32 else 17, dtype)
    model = _model(
        "DequantizeLinear",
        {"x": x},
        {"s": scale, "z": zp},
        ["x", "s", "z"],
        (np.float32, x.shape),
        axis=1,
    )
    return Case(model, [x], tolerance=0)


# -- products ---------------------------------------------------------------------------------


def _qlinear_conv(xt, wt, per_channel: bool, bias: bool, **attrs) -> Case:
    group = int(attrs.get("group", 1))
    x = _ints(xt, 1, 4, 9, 8)
    w = _ints(wt, 6, 4 // group, 3, 3)
    f = w.shape[0]
    w_scale = (R.uniform(0.002, 0.01, f) if per_channel else np.array(0.005)).astype(np.float32)
    w_zp = np.full(f if per_channel else (), 0 if wt == np.int8 else 131, wt)
    inits = {
        "xs": _f(0.02),
        "xz": _zp(-7 if xt == np.int8 else 121, xt),
        "w": w,
        "ws": w_scale,
        "wz": w_zp,
        "ys": _f(0.3),
        "yz": _zp(5 if xt == np.int8 else 100, xt),
    }
    order = ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz"]
    if bias:
        inits["b"] = R.integers(-2000, 2000, f).astype(np.int32)
        order.append("b")
    shape = [1, f]
    for i, size in enumerate(x.shape[2:]):
        pads = attrs.get("pads", [0, 0, 0, 0])
        span = size + pads[i] + pads[i + 2] - (3 - 1) * attrs.get("dilations", [1, 1])[i] - 1
        shape.append(span // attrs.get("strides", [1, 1])[i] + 1)
    # onnx's reference evaluator: onnxruntime's u8 x s8 kernels saturate on x86 CPUs
    # without AVX-VNNI (see tests/qdq_model.py), the reference evaluator computes exactly
    model = _model("QLinearConv", {"x": x}, inits, order, (xt, shape), **attrs)
    return Case(model, [x], onnx_reference=True)


def _conv_integer(xt, wt, w_zp_per_channel: bool) -> Case:
    x = _ints(xt, 1, 3, 7, 7)
    w = _ints(wt, 4, 3, 3, 3)
    w_zp = np.array([0, 3, 250, 17], wt) if w_zp_per_channel else _zp(7, wt)
    inits = {"w": w, "xz": _zp(100, xt), "wz": w_zp}
    model = _model(
        "ConvInteger",
        {"x": x},
        inits,
        ["x", "w", "xz", "wz"],
        (np.int32, [1, 4, 3, 3]),
        opset=10,
        pads=[1, 1, 0, 0],
        strides=[2, 2],
    )
    return Case(model, [x], tolerance=0, onnx_reference=w_zp_per_channel)


def _qlinear_matmul(at, bt, a_shape, b_shape, out_shape, per_column: bool = False) -> Case:
    a = _ints(at, *a_shape)
    b = _ints(bt, *b_shape)
    n = b_shape[-1]
    inits = {
        "as": _f(0.03),
        "az": _zp(-3 if at == np.int8 else 128, at),
        "b": b,
        "bs": (R.uniform(0.002, 0.01, n) if per_column else np.array(0.004)).astype(np.float32),
        "bz": np.full(n if per_column else (), 0 if bt == np.int8 else 120, bt),
        "ys": _f(0.6),
        "yz": _zp(2 if at == np.int8 else 130, at),
    }
    model = _model(
        "QLinearMatMul",
        {"a": a},
        inits,
        ["a", "as", "az", "b", "bs", "bz", "ys", "yz"],
        (at, out_shape),
    )
    return Case(model, [a], onnx_reference=True)  # exact, as for QLinearConv


def _matmul_integer(at, bt, a_shape, b_shape, out_shape) -> Case:
    a = _ints(at, *a_shape)
    b = _ints(bt, *b_shape)
    # onnxruntime takes per-column zero points of 2-D B only
    bz = np.full(b_shape[-1], 5, bt) if len(b_shape) == 2 else _zp(5, bt)
    inits = {"az": _zp(11, at), "bz": bz}
    model = _model(
        "MatMulInteger",
        {"a": a, "b": b},
        inits,
        ["a", "b", "az", "bz"],
        (np.int32, out_shape),
        opset=10,
    )
    return Case(model, [a, b], tolerance=0)


def _qgemm(at, bt, trans_b: int, c_shape, alpha: float = 1.0, trans_a: int = 0) -> Case:
    m, k, n = 5, 12, 7
    a = _ints(at, *((k, m) if trans_a else (m, k)))
    b = _ints(bt, *((n, k) if trans_b else (k, n)))
    inits = {
        "as": _f(0.02),
        "az": _zp(-4 if at == np.int8 else 125, at),
        "b": b,
        "bs": _f(0.003),
        "bz": _zp(0 if bt == np.int8 else 128, bt),
        "c": R.integers(-3000, 3000, c_shape).astype(np.int32),
        "ys": _f(0.25),
        "yz": _zp(3 if at == np.int8 else 128, at),
    }
    model = _model(
        "QGemm",
        {"a": a},
        inits,
        ["a", "as", "az", "b", "bs", "bz", "c", "ys", "yz"],
        (at, (m, n)),
        domain=MS,
        transA=trans_a,
        transB=trans_b,
        alpha=alpha,
    )
    return Case(model, [a])


def _qlinear_binary(op_type: str, t, a_shape, b_shape, out_shape) -> Case:
    a, b = _ints(t, *a_shape), _ints(t, *b_shape)
    signed = t == np.int8
    inits = {
        "as": _f(0.05),
        "az": _zp(-10 if signed else 118, t),
        "bs": _f(0.02),
        "bz": _zp(4 if signed else 140, t),
        "cs": _f(0.07 if op_type == "QLinearAdd" else 0.4),
        "cz": _zp(1 if signed else 127, t),
    }
    model = _model(
        op_type,
        {"a": a, "b": b},
        inits,
        ["a", "as", "az", "b", "bs", "bz", "cs", "cz"],
        (t, out_shape),
        domain=MS,
    )
    return Case(model, [a, b])


def _qlinear_avgpool(t, out_shape, **attrs) -> Case:
    x = _ints(t, 1, 3, 8, 7)
    inits = {
        "xs": _f(0.1),
        "xz": _zp(-5 if t == np.int8 else 128, t),
        "ys": _f(0.07),
        "yz": _zp(2 if t == np.int8 else 120, t),
    }
    model = _model(
        "QLinearAveragePool",
        {"x": x},
        inits,
        ["x", "xs", "xz", "ys", "yz"],
        (t, out_shape),
        domain=MS,
        **attrs,
    )
    return Case(model, [x])


def _qlinear_global_avgpool(t) -> Case:
    x = _ints(t, 2, 5, 6, 6)
    inits = {
        "xs": _f(0.1),
        "xz": _zp(-5 if t == np.int8 else 128, t),
        "ys": _f(0.02),
        "yz": _zp(2 if t == np.int8 else 120, t),
    }
    model = _model(
        "QLinearGlobalAveragePool",
        {"x": x},
        inits,
        ["x", "xs", "xz", "ys", "yz"],
        (t, (2, 5, 1, 1)),
        domain=MS,
    )
    return Case(model, [x])


def _maxpool(t) -> Case:
    x = _ints(t, 1, 4, 9, 9)
    model = _model(
        "MaxPool",
        {"x": x},
        {},
        ["x"],
        (t, (1, 4, 5, 5)),
        opset=18,
        kernel_shape=[3, 3],
        strides=[2, 2],
        pads=[1, 1, 1, 1],
    )
    return Case(model, [x], tolerance=0)


def _qlinear_softmax(t, shape, opset: int, **attrs) -> Case:
    """onnxruntime's QLinearSoftmax: bit-exact (the kernel makes onnxruntime's roundings)."""
    x = _ints(t, *shape)
    signed = t == np.int8
    inits = {
        "xs": _f(0.09),
        "xz": _zp(3 if signed else 130, t),
        # 1/255: floor(1 / y_scale) is 255 or 254, never past the type's last value
        "ys": _f(1 / 255),
        "yz": _zp(-128 if signed else 0, t),
    }
    model = _model(
        "QLinearSoftmax",
        {"x": x},
        inits,
        ["x", "xs", "xz", "ys", "yz"],
        (t, shape),
        domain=MS,
        **attrs,
    )
    model.graph.node[0].attribute.append(helper.make_attribute("opset", opset))
    return Case(model, [x], tolerance=0)


CASES = {
    "quantize_u8": lambda: _quantize(np.uint8, False),
    "quantize_i8_axis": lambda: _quantize(np.int8, True),
    "quantize_u8_axis": lambda: _quantize(np.uint8, True),
    "quantize_i16": lambda: _quantize(np.int16, False),
    "dequantize_u8": lambda: _dequantize(np.uint8, False),
    "dequantize_i8_axis": lambda: _dequantize(np.int8, True),
    "dequantize_i32": lambda: _dequantize(np.int32, False),
    "qlinear_conv_u8_i8": lambda: _qlinear_conv(np.uint8, np.int8, False, True, pads=[1, 1, 1, 1]),
    "qlinear_conv_i8_per_channel": lambda: _qlinear_conv(
        np.int8, np.int8, True, True, strides=[2, 1], pads=[0, 1, 2, 1]
    ),
    "qlinear_conv_u8_u8_grouped": lambda: _qlinear_conv(
        np.uint8, np.uint8, False, False, group=2, dilations=[2, 1]
    ),
    "conv_integer_u8_u8": lambda: _conv_integer(np.uint8, np.uint8, False),
    "conv_integer_u8_per_channel": lambda: _conv_integer(np.uint8, np.uint8, True),
    "qlinear_matmul_u8_i8": lambda: _qlinear_matmul(np.uint8, np.int8, (6, 16), (16, 5), (6, 5)),
    "qlinear_matmul_i8_batched": lambda: _qlinear_matmul(
        np.int8, np.int8, (2, 3, 8), (8, 4), (2, 3, 4)
    ),
    "qlinear_matmul_u8_per_column": lambda: _qlinear_matmul(
        np.uint8, np.int8, (4, 9), (9, 6), (4, 6), per_column=True
    ),
    "matmul_integer_u8_i8": lambda: _matmul_integer(np.uint8, np.int8, (5, 11), (11, 3), (5, 3)),
    "matmul_integer_batched": lambda: _matmul_integer(
        np.uint8, np.uint8, (2, 4, 6), (2, 6, 3), (2, 4, 3)
    ),
    "qgemm_u8_i8_transb": lambda: _qgemm(np.uint8, np.int8, 1, (7,)),
    "qgemm_i8_alpha_transa": lambda: _qgemm(np.int8, np.int8, 0, (5, 7), alpha=0.5, trans_a=1),
    "qlinear_add_u8_broadcast": lambda: _qlinear_binary(
        "QLinearAdd", np.uint8, (2, 3, 4), (3, 1), (2, 3, 4)
    ),
    "qlinear_add_i8": lambda: _qlinear_binary("QLinearAdd", np.int8, (3, 5), (3, 5), (3, 5)),
    "qlinear_mul_i8_broadcast": lambda: _qlinear_binary(
        "QLinearMul", np.int8, (4, 1, 5), (3, 5), (4, 3, 5)
    ),
    "qlinear_avgpool_u8": lambda: _qlinear_avgpool(
        np.uint8, (1, 3, 4, 4), kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]
    ),
    "qlinear_avgpool_i8_include_pad": lambda: _qlinear_avgpool(
        np.int8,
        (1, 3, 4, 4),
        kernel_shape=[3, 2],
        strides=[2, 2],
        pads=[1, 1, 1, 1],
        count_include_pad=1,
    ),
    "qlinear_global_avgpool_u8": lambda: _qlinear_global_avgpool(np.uint8),
    "maxpool_i8": lambda: _maxpool(np.int8),
    "qlinear_softmax_i8": lambda: _qlinear_softmax(np.int8, (3, 4, 20), 13, axis=-1),
    "qlinear_softmax_u8_axis1": lambda: _qlinear_softmax(np.uint8, (2, 9, 5), 17, axis=1),
    # before opset 13: softmax over the axes from `axis` on, flattened
    "qlinear_softmax_u8_opset12": lambda: _qlinear_softmax(np.uint8, (6, 3, 7), 12, axis=1),
    "qlinear_softmax_i8_default_axis": lambda: _qlinear_softmax(np.int8, (4, 6), 12),
    "maxpool_u8": lambda: _maxpool(np.uint8),
}


def _case(name: str) -> Case:
    global R
    R = np.random.default_rng(zlib.crc32(name.encode()))
    return CASES[name]()


def _expected(case: Case) -> np.ndarray:
    if case.onnx_reference:
        from onnx.reference import ReferenceEvaluator

        names = [i.name for i in case.model.graph.input]
        return ReferenceEvaluator(case.model).run(None, dict(zip(names, case.inputs)))[0]
    return reference(case.model, case.inputs)[0]


def _max_difference(actual: np.ndarray, expected: np.ndarray) -> float:
    assert actual.shape == expected.shape or actual.size == expected.size
    a = actual.reshape(-1).astype(np.float64)
    e = expected.reshape(-1).astype(np.float64)
    return float(np.max(np.abs(a - e))) if a.size else 0.0


@pytest.mark.parametrize("name", sorted(CASES))
def test_quantized_operator(name: str, tmp_path: Path) -> None:
    case = _case(name)
    expected = _expected(case)
    _, outcome = compile_build_run(case.model, case.inputs, tmp_path, name=name)
    actual = outcome.outputs[0]
    assert actual.dtype == expected.dtype
    if expected.dtype.kind == "f":
        np.testing.assert_allclose(actual, expected, rtol=1e-6, atol=1e-6)
    else:
        assert _max_difference(actual, expected) <= case.tolerance


TILED = (
    "quantize_i8_axis",
    "dequantize_i8_axis",
    "qlinear_conv_i8_per_channel",
    "conv_integer_u8_per_channel",
    "qgemm_u8_i8_transb",
    "matmul_integer_batched",
    "qlinear_avgpool_u8",
    "qlinear_global_avgpool_u8",
    "qlinear_softmax_i8",
    "qlinear_softmax_u8_opset12",
)


@pytest.mark.parametrize("name", TILED)
def test_quantized_operator_tiled(name: str, tmp_path: Path) -> None:
    """In 128 bytes of L1: per-axis scales keep their axis whole, per-channel
    requantisation and zero points are sliced per tile of output channels."""
    import deeploy
    from deeploy.harness.runner import build_and_run
    from deeploy.targets.base import MemoryConfig
    from tests.conftest import CHECK_CFLAGS

    case = _case(name)
    result = deeploy.compile(case.model, memory=MemoryConfig(l1=128), keep_stages=True)
    tiles = [int(t) for t in re.findall(r"tiles = (\d+)", result.stages["tile-layers"])]
    assert max(tiles) > 1
    outcome = build_and_run(result, case.inputs, tmp_path, extra_cflags=CHECK_CFLAGS)
    assert outcome.dma == {
        "transfers": result.report["tiling"]["dma_transfers"],
        "bytes": result.report["tiling"]["dma_bytes"],
    }
    expected = _expected(case)
    if expected.dtype.kind == "f":
        np.testing.assert_allclose(outcome.outputs[0], expected, rtol=1e-6, atol=1e-6)
    else:
        assert _max_difference(outcome.outputs[0], expected) <= case.tolerance


# -- QDQ activations: lookup tables --------------------------------------------------------


def _qdq_activations(t) -> onnx.ModelProto:
    """x -> Q -> DQ -> Sigmoid -> Q -> DQ -> LeakyRelu -> Q -> DQ -> HardSwish -> Q -> DQ ->
    Clip -> Q -> DQ -> y, each activation between its own scales."""
    signed = t == np.int8
    grids = [
        (0.05, -3 if signed else 125),
        (0.004, -128 if signed else 0),
        (0.003, 5 if signed else 20),
    ]
    grids += [(0.0025, -100 if signed else 10), (0.002, 0 if signed else 128)]
    inits: dict[str, np.ndarray] = {}
    for i, (scale, zp) in enumerate(grids):
        inits[f"s{i}"], inits[f"z{i}"] = _f(scale), _zp(zp, t)
    inits["lo"], inits["hi"] = _f(-0.1), _f(0.15)
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "s0", "z0"], ["q0"]),
        helper.make_node("DequantizeLinear", ["q0", "s0", "z0"], ["d0"]),
    ]
    stages = [
        ("Sigmoid", [], {}),
        ("LeakyRelu", [], {"alpha": 0.3}),
        ("HardSwish", [], {}),
        ("Clip", ["lo", "hi"], {}),
    ]
    for i, (op_type, extra, attrs) in enumerate(stages, start=1):
        nodes += [
            helper.make_node(op_type, [f"d{i - 1}", *extra], [f"a{i}"], **attrs),
            helper.make_node("QuantizeLinear", [f"a{i}", f"s{i}", f"z{i}"], [f"q{i}"]),
            helper.make_node(
                "DequantizeLinear", [f"q{i}", f"s{i}", f"z{i}"], ["y" if i == 4 else f"d{i}"]
            ),
        ]
    graph = helper.make_graph(
        nodes,
        "qdq_activations",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 40])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3, 40])],
        [numpy_helper.from_array(v, k) for k, v in inits.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)])
    model.ir_version = 9
    return model


@pytest.mark.parametrize("dtype", ["int8", "uint8"])
def test_qdq_activations_become_lookup_tables(dtype: str, tmp_path: Path) -> None:
    model = _qdq_activations(np.dtype(dtype).type)
    x = (np.random.default_rng(3).standard_normal((2, 3, 40)) * 3).astype(np.float32)
    result, outcome = compile_build_run(model, [x], tmp_path)
    assert result.report["kernels"] == {
        "quantize_linear": 1,
        "qlinear_lookup": 4,
        "dequantize_linear": 1,
    }
    lsb = np.abs(outcome.outputs[0] - reference(model, [x])[0]) / 0.002
    assert lsb.max() <= 1.0 + 1e-3


# -- a network quantised by onnxruntime (QDQ) ------------------------------------------------


def _output_scale(model: onnx.ModelProto) -> float:
    """The scale of the DequantizeLinear that produces the graph's output."""
    out = model.graph.output[0].name
    node = next(n for n in model.graph.node if out in n.output)
    assert node.op_type == "DequantizeLinear"
    init = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    return float(init[node.input[1]])


def _check_cnn(model: onnx.ModelProto, tmp_path: Path, memory=None, seeds=(0, 1, 2)):
    import deeploy
    from deeploy.harness.runner import build_and_run
    from deeploy.kernels.library import generic_library
    from tests.conftest import CHECK_CFLAGS, SANITIZE
    from tests.qdq_model import INPUT_SHAPE

    result = deeploy.compile(
        model,
        separate_buffers=SANITIZE and memory is None,
        memory=memory,
        keep_stages=memory is not None,
    )
    # integer kernels only, float at the edges: the first Quantize, the last Dequantize
    kernels = result.report["kernels"]
    assert kernels.get("quantize_linear") == 1 and kernels.get("dequantize_linear") == 1
    library = generic_library()
    floats = {k for k in kernels if library.get(k).source.endswith("_f32.c")}
    assert not floats, f"float kernels left: {floats}"
    scale = _output_scale(model)
    for seed in seeds:
        x = np.random.default_rng(100 + seed).standard_normal(INPUT_SHAPE).astype(np.float32)
        outcome = build_and_run(result, [x], tmp_path / f"run{seed}", extra_cflags=CHECK_CFLAGS)
        expected = reference(model, [x])[0]
        lsb = np.abs(outcome.outputs[0].astype(np.float64) - expected) / scale
        assert lsb.max() <= 1.0 + 1e-3, f"seed {seed}: {lsb.max():.3f} LSB off"
        if memory is not None:  # what the DMA layer counted is what the tiler planned
            tiling = result.report["tiling"]
            assert outcome.dma == {
                "transfers": tiling["dma_transfers"],
                "bytes": tiling["dma_bytes"],
            }
    return result


# quantize_static settings: activation type, per-channel weights, and more
CNN_CONFIGS: dict[str, dict] = {
    "u8_per_tensor": {"activations": "uint8"},
    "i8_per_channel": {"activations": "int8", "per_channel": True},
    # uint8 weights with zero points
    "u8_u8_weights_per_channel": {"activations": "uint8", "weights": "uint8", "per_channel": True},
    # symmetric activations keep the Relus (no range to fold them into): lookup tables
    "i8_symmetric": {"activations": "int8", "extra_options": {"ActivationSymmetric": True}},
}
TILED_CNN_CONFIGS = ("u8_per_tensor", "i8_per_channel")


@pytest.mark.parametrize("config", sorted(CNN_CONFIGS))
def test_quantize_static_cnn(config: str, tmp_path: Path) -> None:
    from tests.qdq_model import qdq_cnn

    model = qdq_cnn(tmp_path / "model", **CNN_CONFIGS[config])
    result = _check_cnn(model, tmp_path)
    if config == "i8_symmetric":
        assert result.report["kernels"]["qlinear_lookup"] == 3


@pytest.mark.parametrize("config", TILED_CNN_CONFIGS)
def test_quantize_static_cnn_tiled(config: str, tmp_path: Path) -> None:
    from deeploy.targets.base import MemoryConfig
    from tests.qdq_model import qdq_cnn

    model = qdq_cnn(tmp_path / "model", **CNN_CONFIGS[config])
    # 300 bytes of L1: the convolutions run in 16 to 24 tiles (one or two output channels
    # each, so per-channel requantisation is sliced per tile), QGemm in two
    memory = MemoryConfig(l1=300)
    result = _check_cnn(model, tmp_path, memory=memory, seeds=(0, 1))
    assert result.report["tiling"]["l1_peak"] <= 300
    tiles: dict[str, int] = {}  # the most tiles of a layer, per kernel
    for kernel, count in re.findall(
        r'tiled.layer "(\w+)".*?tiles = (\d+)', result.stages["tile-layers"]
    ):
        tiles[kernel] = max(tiles.get(kernel, 0), int(count))
    assert tiles["qlinear_conv"] >= 16 and tiles["qgemm"] >= 2, tiles


@pytest.mark.parametrize("tiled", [False, True], ids=["untiled", "tiled"])
@pytest.mark.parametrize("config", TILED_CNN_CONFIGS)
def test_quantize_static_qoperator_cnn(config: str, tiled: bool, tmp_path: Path) -> None:
    """onnxruntime's QOperator format: quantised operators instead of Q/DQ pairs, several
    of them com.microsoft ones that ONNX shape inference does not know."""
    from deeploy.targets.base import MemoryConfig
    from tests.qdq_model import qdq_cnn

    model = qdq_cnn(tmp_path / "model", quant_format="QOperator", **CNN_CONFIGS[config])
    ops = {(n.domain, n.op_type) for n in model.graph.node}
    assert {("com.microsoft", "QLinearAveragePool"), ("", "QLinearConv")} <= ops, ops
    result = _check_cnn(model, tmp_path, memory=MemoryConfig(l1=300) if tiled else None)
    assert result.report["kernels"]["qlinear_conv"] == 3


@pytest.mark.parametrize("quant_format", ["QDQ", "QOperator"])
def test_quantised_network_reports_the_float_networks_macs(
    quant_format: str, tmp_path: Path
) -> None:
    """Quantising changes no multiply-accumulate: every QLinearConv, QGemm, QLinearMatMul
    (and the QDQ patterns lowered to them) counts as the float layer it replaces."""
    import deeploy
    from tests.qdq_model import float_cnn, qdq_cnn

    quantised = deeploy.compile(qdq_cnn(tmp_path, quant_format=quant_format))
    original = deeploy.compile(float_cnn())
    assert quantised.report["macs"] == original.report["macs"] > 0
