"""Normalisation (Batch, Instance, Group, RMS), LogSoftmax, Pad and ConvTranspose kernels,
compiled, built (-Werror, sanitizers), run and compared with onnxruntime, or with a numpy
transcription of the ONNX formula where onnxruntime has no such operator."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from tests.conftest import compile_build_run
from tests.networks import chain, random_inputs, reference, single_op, weight

pytest.importorskip("onnxruntime")

R = np.random.default_rng(7)


def _positive(*shape: int) -> np.ndarray:
    return (R.random(shape) + 0.5).astype(np.float32)


def _batchnorm(x: tuple[int, ...], opset: int = 17, **attrs: object) -> onnx.ModelProto:
    c = x[1]
    weights = {"s": weight(R, c), "b": weight(R, c), "m": weight(R, c), "v": _positive(c)}
    return single_op("BatchNormalization", [("x", x)], x, weights=weights, opset=opset, **attrs)


def _norm(
    op_type: str, x: tuple[int, ...], params: int, opset: int = 17, **attrs: object
) -> onnx.ModelProto:
    weights = {"s": weight(R, params), "b": weight(R, params)}
    return single_op(op_type, [("x", x)], x, weights=weights, opset=opset, **attrs)


def _rms(x: tuple[int, ...], scale: tuple[int, ...], **attrs: object) -> onnx.ModelProto:
    return single_op(
        "RMSNormalization", [("x", x)], x, weights={"s": weight(R, *scale)}, opset=23, **attrs
    )


def _pad(
    x: tuple[int, ...],
    pads: list[int],
    opset: int = 19,
    value: float | None = None,
    axes: list[int] | None = None,
    **attrs: object,
) -> onnx.ModelProto:
    weights = {"pads": np.array(pads, np.int64)}
    order = ["x", "pads"]
    if value is not None:
        weights["value"] = np.array(value, np.float32)
    order.append("value" if value is not None else "")
    if axes is not None:
        weights["axes"] = np.array(axes, np.int64)
        order.append("axes")
    return single_op("Pad", [("x", x)], weights=weights, opset=opset, order=order, **attrs)


def _model(
    op_type: str,
    inputs: list[tuple[str, int, tuple[int, ...]]],
    weights: dict[str, np.ndarray],
    opset: int = 17,
    **attrs: object,
) -> onnx.ModelProto:
    """One node with typed inputs (name, TensorProto type, shape) and attributes spelled out
    (single_op reserves `output_shape` for the graph output)."""
    node = helper.make_node(op_type, [n for n, _, _ in inputs] + list(weights), ["y"], **attrs)
    graph = helper.make_graph(
        [node],
        op_type,
        [helper.make_tensor_value_info(n, t, list(s)) for n, t, s in inputs],
        [helper.make_tensor_value_info("y", inputs[0][1], None)],
        [numpy_helper.from_array(v, k) for k, v in weights.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return onnx.shape_inference.infer_shapes(model)


def _deconv(
    x: tuple[int, ...], w_shape: tuple[int, ...], bias: bool = True, **attrs: object
) -> onnx.ModelProto:
    weights = {"w": weight(R, *w_shape)}
    if bias:
        weights["b"] = weight(R, w_shape[1] * int(attrs.get("group", 1)))  # type: ignore[call-overload]
    return _model("ConvTranspose", [("x", TensorProto.FLOAT, x)], weights, **attrs)


CASES = {
    # BatchNormalization (inference): folded into a per-channel multiplier and offset
    "batchnorm_4d": _batchnorm((2, 3, 4, 5)),
    "batchnorm_rank2_eps": _batchnorm((4, 6), epsilon=1e-2),
    "batchnorm_1d_training_mode_0": _batchnorm((1, 4, 7), opset=15, training_mode=0),
    "batchnorm_opset9": _batchnorm((2, 3, 5), opset=9),
    # InstanceNormalization
    "instancenorm_2d": _norm("InstanceNormalization", (2, 3, 4, 5), 3),
    "instancenorm_1d_eps": _norm("InstanceNormalization", (1, 4, 9), 4, epsilon=1e-2),
    "instancenorm_3d": _norm("InstanceNormalization", (1, 2, 3, 4, 2), 2),
    # GroupNormalization: per-channel scale (opset 21) and per-group scale (opset 18)
    "groupnorm_per_channel": _norm("GroupNormalization", (2, 6, 3, 3), 6, opset=21, num_groups=3),
    "groupnorm_per_group": _norm("GroupNormalization", (2, 6, 3, 3), 2, opset=18, num_groups=2),
    "groupnorm_one_group": _norm("GroupNormalization", (1, 4, 5), 4, opset=21, num_groups=1),
    "groupnorm_group_per_channel_eps": _norm(
        "GroupNormalization", (1, 4, 2, 3), 4, opset=21, num_groups=4, epsilon=1e-3
    ),
    # RMSNormalization (opset 23): axis and scale broadcasting
    "rmsnorm_last_axis": _rms((2, 5, 8), (8,)),
    "rmsnorm_two_axes_full_scale": _rms((2, 6, 4), (6, 4), axis=1),
    "rmsnorm_scale_per_row": _rms((2, 6, 4), (6, 1), axis=-2, epsilon=1e-3),
    "rmsnorm_scalar_scale": _rms((3, 7), (1,)),
    "rmsnorm_scale_leading_ones": _rms((2, 3, 4), (1, 1, 4)),
    "rmsnorm_all_axes": _rms((3, 4), (4,), axis=0),
    # LogSoftmax
    "log_softmax_last": single_op("LogSoftmax", [("x", (3, 4, 7))]),
    "log_softmax_middle": single_op("LogSoftmax", [("x", (3, 4, 7))], axis=1),
    "log_softmax_first": single_op("LogSoftmax", [("x", (5, 6))], axis=0),
    "log_softmax_two_classes_strided": single_op("LogSoftmax", [("x", (3, 2, 5))], axis=1),
    "log_softmax_single_class": single_op("LogSoftmax", [("x", (3, 1, 4))], axis=-2),
    "log_softmax_opset11_flatten": single_op("LogSoftmax", [("x", (2, 3, 4))], opset=11, axis=1),
    # Pad (opset 18+ inputs; older opsets are rewritten by the importer)
    "pad_constant_zero_hw": _pad((1, 2, 4, 5), [0, 0, 1, 2, 0, 0, 2, 1], opset=18),
    "pad_constant_value_axes": _pad((2, 3, 4), [1, 2, 0, 3], value=2.5, axes=[-1, 1], opset=18),
    "pad_constant_crop": _pad((2, 6, 5), [0, -1, 2, 1, 2, -2], value=-1.0),
    "pad_constant_neg_inf": _pad((1, 3, 4, 4), [0, 0, 1, 1, 0, 0, 1, 1], value=-np.inf),
    "pad_edge": _pad((2, 3, 4), [1, 2, 0, 0, 1, 3], mode="edge"),
    "pad_edge_outer_only": _pad((3, 4, 5), [2, 0, 0, 1, 0, 0], mode="edge"),
    "pad_reflect": _pad((2, 4, 5), [0, 3, 4, 1, 2, 2], mode="reflect"),
    "pad_reflect_axes": _pad((2, 4, 5), [2, 3], axes=[2], mode="reflect"),
    "pad_wrap": _pad((2, 3, 4), [1, 4, 2, 0, 5, 3], mode="wrap"),
    "pad_opset11_no_value": single_op(
        "Pad", [("x", (3, 5))], weights={"pads": np.array([1, 0, 0, 2], np.int64)}, opset=11
    ),
    "pad_opset10_attribute_form": single_op(
        "Pad", [("x", (2, 3, 4))], opset=10, pads=[0, 1, 1, 0, 1, 2], mode="reflect"
    ),
    "pad_opset9_value": single_op("Pad", [("x", (3, 4))], opset=9, pads=[1, 1, 0, 2], value=0.5),
    # ConvTranspose, 1-D and 2-D
    "deconv1d_autoencoder": _deconv((1, 8, 6), (8, 4, 2), strides=[2]),
    "deconv1d_pads_dilation_output_padding": _deconv(
        (2, 3, 7), (3, 2, 3), strides=[3], pads=[2, 1], dilations=[2], output_padding=[1]
    ),
    "deconv2d_nobias": _deconv((1, 2, 4, 5), (2, 3, 3, 3), bias=False),
    "deconv2d_strided_padded": _deconv(
        (1, 3, 4, 3), (3, 2, 3, 2), strides=[2, 3], pads=[1, 0, 0, 1], output_padding=[1, 2]
    ),
    "deconv2d_dilated": _deconv((1, 2, 4, 4), (2, 2, 2, 3), dilations=[2, 3], strides=[2, 1]),
    "deconv2d_grouped": _deconv((2, 4, 3, 3), (4, 3, 3, 3), group=2, strides=[2, 2]),
    "deconv2d_depthwise": _deconv((1, 3, 4, 4), (3, 1, 2, 2), group=3, strides=[2, 2]),
    "deconv2d_same_upper": _deconv(
        (1, 2, 3, 4), (2, 2, 3, 3), auto_pad="SAME_UPPER", strides=[2, 2]
    ),
    "deconv2d_same_lower": _deconv(
        (1, 2, 3, 4), (2, 2, 3, 3), auto_pad="SAME_LOWER", strides=[2, 3]
    ),
    "deconv1d_valid": _deconv((1, 2, 5), (2, 3, 3), auto_pad="VALID", strides=[2]),
    "deconv1d_output_shape": _deconv((1, 2, 5), (2, 3, 3), strides=[2], output_shape=[8]),
    "deconv1d_output_shape_overrides_pads": _deconv(
        (1, 2, 5), (2, 3, 3), strides=[2], pads=[2, 0], output_shape=[10]
    ),
    "deconv1d_output_shape_longer": _deconv((1, 2, 5), (2, 3, 3), strides=[2], output_shape=[12]),
    "deconv2d_output_shape_same_upper": _deconv(
        (1, 2, 3, 3), (2, 2, 3, 3), strides=[2, 2], output_shape=[5, 6], auto_pad="SAME_UPPER"
    ),
    "deconv2d_output_shape_same_lower": _deconv(
        (1, 2, 3, 3), (2, 2, 3, 3), strides=[2, 2], output_shape=[5, 6], auto_pad="SAME_LOWER"
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_against_onnxruntime(name: str, tmp_path: Path) -> None:
    from deeploy.harness.compare import compare

    model = CASES[name]
    inputs = random_inputs(model, seed=1)
    _, outcome = compile_build_run(model, inputs, tmp_path, name=name)
    comparison = compare(outcome.outputs, reference(model, inputs))
    assert comparison.passed, (
        f"{comparison.errors}/{comparison.total} differ, max {comparison.max_abs_error}"
    )


def test_batchnorm_in_place(tmp_path: Path) -> None:
    """Relu's output dies at BatchNormalization, which then writes over it (its own output
    is an intermediate buffer too, read by Sigmoid)."""
    from deeploy.harness.compare import compare

    c = 3
    model = chain(
        [
            helper.make_node("Relu", ["x"], ["r"]),
            helper.make_node("BatchNormalization", ["r", "s", "b", "m", "v"], ["n"]),
            helper.make_node("Sigmoid", ["n"], ["y"]),
        ],
        [("x", (2, c, 5))],
        [("y", (2, c, 5))],
        {"s": weight(R, c), "b": weight(R, c), "m": weight(R, c), "v": _positive(c)},
    )
    inputs = random_inputs(model, seed=2)
    result, outcome = compile_build_run(model, inputs, tmp_path, name="bn_inplace")
    call = result.files["bn_inplace.c"].split("deeploy_batchnorm_f32(")[1].split(")")[0]
    args = [a.strip() for a in call.split(",")]
    assert args[0] == args[3], args
    assert compare(outcome.outputs, reference(model, inputs)).passed


def test_log_softmax_is_stable(tmp_path: Path) -> None:
    """Inputs far beyond expf's range: the max is subtracted before exponentiating."""
    from deeploy.harness.compare import compare

    model = single_op("LogSoftmax", [("x", (4, 6))])
    inputs = [np.linspace(-500.0, 500.0, 24, dtype=np.float32).reshape(4, 6)]
    _, outcome = compile_build_run(model, inputs, tmp_path, name="stable")
    assert np.isfinite(outcome.outputs[0]).all()
    assert compare(outcome.outputs, reference(model, inputs)).passed


@pytest.mark.parametrize("outputs", [["y", "mean"], ["y", "mean", "inv_std"]])
def test_layernorm_statistics_outputs(outputs: list[str], tmp_path: Path) -> None:
    from deeploy.harness.compare import compare

    stats_shape = (2, 3, 1, 1)
    model = chain(
        [helper.make_node("LayerNormalization", ["x", "s", "b"], outputs, axis=2)],
        [("x", (2, 3, 4, 5))],
        [("y", (2, 3, 4, 5))] + [(o, stats_shape) for o in outputs[1:]],
        {"s": weight(R, 4, 5), "b": weight(R, 4, 5)},
    )
    inputs = random_inputs(model, seed=4)
    result, outcome = compile_build_run(model, inputs, tmp_path, name="ln_stats")
    assert result.report["kernels"] == {"layernorm_stats_f32": 1}
    assert compare(outcome.outputs, reference(model, inputs)).passed


# -- Pad on other element types: the kernel moves elements by size ---------------------

TYPED_PADS = {
    "uint8_constant": (TensorProto.UINT8, np.uint8, "constant", 7),
    "int32_edge": (TensorProto.INT32, np.int32, "edge", None),
    "int64_reflect": (TensorProto.INT64, np.int64, "reflect", None),
    "int64_constant_crop": (TensorProto.INT64, np.int64, "constant", -3),
}


@pytest.mark.parametrize("name", list(TYPED_PADS))
def test_pad_element_types(name: str, tmp_path: Path) -> None:
    from deeploy.harness.compare import compare

    proto, dtype, mode, value = TYPED_PADS[name]
    pads = [1, 0, -1, 2, 2, 1] if value is not None and value < 0 else [1, 2, 0, 2, 1, 3]
    weights = {"pads": np.array(pads, np.int64)}
    if value is not None:
        weights["value"] = np.array(value, dtype)
    model = _model("Pad", [("x", proto, (3, 4, 5))], weights, opset=18, mode=mode)
    inputs = [R.integers(0, 100, (3, 4, 5)).astype(dtype)]
    _, outcome = compile_build_run(model, inputs, tmp_path, name=name)
    assert outcome.outputs[0].dtype == dtype
    assert compare(outcome.outputs, reference(model, inputs)).passed


# -- Deeploy's RMSNorm: no onnxruntime kernel, so the formula in numpy -------------------


def _rmsnorm_numpy(x: np.ndarray, w: np.ndarray, eps: float) -> np.ndarray:
    x64 = x.astype(np.float64)
    return (x64 / np.sqrt((x64 * x64).mean(-1, keepdims=True) + eps) * w).astype(np.float32)


@pytest.mark.parametrize(("shape", "eps"), [((4, 16), 1e-5), ((2, 3, 8), 1e-3)])
def test_deeploy_rmsnorm(shape: tuple[int, ...], eps: float, tmp_path: Path) -> None:
    from deeploy.harness.compare import compare

    w = weight(R, shape[-1])
    model = single_op("RMSNorm", [("x", shape)], output_shape=shape, weights={"w": w}, eps=eps)
    inputs = random_inputs(model, seed=3)
    _, outcome = compile_build_run(model, inputs, tmp_path, name="rmsnorm")
    assert compare(outcome.outputs, [_rmsnorm_numpy(inputs[0], w, eps)]).passed


# -- What the kernels decline, with the reason -------------------------------------------


def _with_input(model: onnx.ModelProto, name: str) -> onnx.ModelProto:
    """The initializer `name` turned into a graph input (a value known only at run time)."""
    init = next(t for t in model.graph.initializer if t.name == name)
    model.graph.initializer.remove(init)
    model.graph.input.append(helper.make_tensor_value_info(name, init.data_type, list(init.dims)))
    return model


REJECTED: dict[str, tuple[Callable[[], onnx.ModelProto], str]] = {
    "batchnorm_runtime_mean": (
        lambda: _with_input(_batchnorm((1, 3, 4)), "m"),
        "scale, B, input_mean and input_var must be constants",
    ),
    "batchnorm_training": (
        lambda: _batchnorm((2, 3, 4), opset=15, training_mode=1),
        "training_mode=1 is not supported",
    ),
    "groupnorm_bad_scale": (
        lambda: _norm("GroupNormalization", (1, 6, 4), 4, opset=21, num_groups=2),
        "scale and bias must both have 6 (channels) or 2 (groups) elements",
    ),
    "rmsnorm_three_groups": (
        lambda: _rms((2, 3, 4), (2, 1, 4), axis=0),
        "broadcasts to (2, 3, 4) along more than two groups of axes",
    ),
    "pad_runtime_pads": (
        lambda: _with_input(_pad((2, 3), [1, 1, 1, 1]), "pads"),
        "pads must be a constant",
    ),
    "pad_reflect_too_wide": (
        lambda: _pad((2, 3), [0, 3, 0, 0], mode="reflect"),
        "reflect pads 3, 0 of axis 1 must be smaller than its size 3",
    ),
    "pad_edge_crop": (
        lambda: _pad((2, 5), [0, -1, 0, 1], mode="edge"),
        "negative pads (cropping) are only supported in constant mode",
    ),
    "deconv3d": (
        lambda: _deconv((1, 2, 3, 3, 3), (2, 2, 2, 2, 2)),
        "only 1-D and 2-D transposed convolutions are supported",
    ),
}


@pytest.mark.parametrize("name", list(REJECTED))
def test_rejected_with_reason(name: str) -> None:
    import deeploy
    from deeploy.errors import UnsupportedError

    build, reason = REJECTED[name]
    with pytest.raises(UnsupportedError, match="cannot run") as err:
        deeploy.compile(build())
    assert any(reason in why for _, _, why in err.value.nodes), err.value.nodes
