"""Every generic float32 kernel, on attribute combinations Deeploy's tests do not reach,
compiled, built (-Werror, sanitizers), run and compared with onnxruntime."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from onnx import helper

from tests.conftest import compile_build_run
from tests.networks import chain, random_inputs, reference, single_op, weight

pytest.importorskip("onnxruntime")

R = np.random.default_rng(42)


def _conv(x, w_shape, bias=True, **attrs):
    weights = {"w": weight(R, *w_shape)}
    if bias:
        weights["b"] = weight(R, w_shape[0])
    return single_op("Conv", [("x", x)], weights=weights, **attrs)


CASES = {
    "conv2d_basic": _conv((1, 3, 8, 8), (4, 3, 3, 3)),
    "conv2d_stride_pad": _conv((1, 3, 9, 7), (5, 3, 3, 2), strides=[2, 3], pads=[1, 0, 2, 1]),
    "conv2d_dilated": _conv((2, 2, 10, 10), (3, 2, 3, 3), dilations=[2, 3], pads=[2, 2, 2, 2]),
    "conv2d_grouped": _conv((1, 4, 6, 6), (6, 2, 3, 3), group=2, pads=[1, 1, 1, 1]),
    "conv2d_depthwise_nobias": _conv(
        (1, 4, 6, 6), (4, 1, 3, 3), bias=False, group=4, strides=[2, 2]
    ),
    "conv2d_same_upper": _conv((1, 2, 7, 7), (2, 2, 4, 4), auto_pad="SAME_UPPER", strides=[2, 2]),
    "conv1d": _conv((1, 3, 20), (4, 3, 5), strides=[2], pads=[2, 1]),
    # stride == kernel: the patch-upsampling kernel with packed weights (2-D, and 1-D with
    # a partial column block)
    "conv_transpose_patch_2d": single_op(
        "ConvTranspose",
        [("x", (1, 3, 3, 5))],
        weights={"w": weight(R, 3, 8, 2, 2), "b": weight(R, 8)},
        strides=[2, 2],
    ),
    "conv_transpose_patch_1d": single_op(
        "ConvTranspose", [("x", (2, 5, 6))], weights={"w": weight(R, 5, 4, 3)}, strides=[3]
    ),
    "gemm_plain": single_op("Gemm", [("a", (5, 7))], weights={"b": weight(R, 7, 3)}),
    "gemm_trans_alpha_beta": single_op(
        "Gemm",
        [("a", (7, 5))],
        weights={"b": weight(R, 3, 7), "c": weight(R, 3)},
        transA=1,
        transB=1,
        alpha=0.5,
        beta=2.0,
    ),
    "gemm_bias_column": single_op(
        "Gemm", [("a", (4, 6))], weights={"b": weight(R, 6, 5), "c": weight(R, 4, 1)}
    ),
    "gemm_bias_scalar": single_op(
        "Gemm", [("a", (4, 6))], weights={"b": weight(R, 6, 5), "c": weight(R, 1)}
    ),
    "matmul_batched": single_op("MatMul", [("a", (2, 3, 4, 5)), ("b", (2, 3, 5, 6))]),
    "matmul_broadcast_b": single_op("MatMul", [("a", (3, 4, 5))], weights={"b": weight(R, 5, 2)}),
    "matmul_broadcast_both": single_op("MatMul", [("a", (2, 1, 4, 5)), ("b", (1, 3, 5, 6))]),
    "matmul_deep_broadcast": single_op("MatMul", [("a", (2, 1, 3, 2, 5)), ("b", (1, 2, 1, 5, 4))]),
    "matmul_vector": single_op("MatMul", [("a", (5,)), ("b", (2, 5, 3))]),
    "add_same": single_op("Add", [("a", (2, 3, 4)), ("b", (2, 3, 4))]),
    "add_row_broadcast": single_op("Add", [("a", (2, 3, 4)), ("b", (4,))]),
    "sub_column_broadcast": single_op("Sub", [("a", (2, 3, 1)), ("b", (3, 5))]),
    "mul_scalar_first": single_op("Mul", [("a", (1,)), ("b", (3, 4))]),
    "div_middle_broadcast": single_op(
        "Div", [("a", (2, 3, 4))], weights={"b": weight(R, 1, 3, 1) + 2.0}
    ),
    "relu": single_op("Relu", [("x", (3, 17))]),
    "clip_both": single_op(
        "Clip",
        [("x", (4, 9))],
        weights={"lo": np.array(-0.2, np.float32), "hi": np.array(0.3, np.float32)},
    ),
    "clip_max_only": single_op(
        "Clip", [("x", (4, 9))], weights={"hi": np.array(0.3, np.float32)}, order=["x", "", "hi"]
    ),
    "sigmoid": single_op("Sigmoid", [("x", (2, 50))]),
    "gelu_erf": single_op("Gelu", [("x", (2, 50))], opset=20),
    "gelu_tanh": single_op("Gelu", [("x", (2, 50))], opset=20, approximate="tanh"),
    "softmax_last": single_op("Softmax", [("x", (3, 4, 7))]),
    "softmax_middle": single_op("Softmax", [("x", (3, 4, 7))], axis=1),
    "softmax_opset11_2d": single_op("Softmax", [("x", (2, 3, 4))], opset=11, axis=1),
    "maxpool2d_pads_ceil": single_op(
        "MaxPool",
        [("x", (1, 2, 9, 9))],
        kernel_shape=[3, 3],
        strides=[2, 2],
        pads=[1, 1, 1, 1],
        ceil_mode=1,
    ),
    "maxpool2d_dilated": single_op(
        "MaxPool", [("x", (1, 2, 9, 9))], kernel_shape=[2, 2], dilations=[2, 2]
    ),
    "maxpool1d": single_op(
        "MaxPool", [("x", (1, 3, 17))], kernel_shape=[3], strides=[2], pads=[1, 1]
    ),
    "avgpool2d_exclude_pad": single_op(
        "AveragePool", [("x", (1, 2, 8, 8))], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]
    ),
    "avgpool2d_include_pad": single_op(
        "AveragePool",
        [("x", (1, 2, 8, 8))],
        kernel_shape=[3, 3],
        strides=[2, 2],
        pads=[1, 1, 1, 1],
        count_include_pad=1,
    ),
    "avgpool2d_ceil": single_op(
        "AveragePool", [("x", (1, 1, 7, 7))], kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1
    ),
    "avgpool1d": single_op("AveragePool", [("x", (2, 3, 11))], kernel_shape=[4], strides=[3]),
    "global_avgpool": single_op("GlobalAveragePool", [("x", (2, 3, 5, 4))]),
    "transpose_2d": single_op("Transpose", [("x", (5, 7))]),
    "transpose_4d": single_op("Transpose", [("x", (2, 3, 4, 5))], perm=[0, 2, 3, 1]),
    "transpose_6d": single_op("Transpose", [("x", (2, 2, 3, 2, 3, 2))], perm=[5, 3, 1, 4, 2, 0]),
    "concat_axis1": single_op("Concat", [("a", (2, 3, 4)), ("b", (2, 5, 4))], axis=1),
    "concat_last_with_weight": single_op(
        "Concat", [("a", (2, 3))], weights={"b": weight(R, 2, 2)}, axis=-1
    ),
    "layernorm_last": single_op(
        "LayerNormalization", [("x", (2, 5, 8))], weights={"s": weight(R, 8), "b": weight(R, 8)}
    ),
    "layernorm_two_axes_nobias": single_op(
        "LayerNormalization",
        [("x", (2, 3, 4))],
        weights={"s": weight(R, 3, 4)},
        axis=1,
        epsilon=1e-3,
    ),
    "reduce_mean_middle": single_op(
        "ReduceMean", [("x", (2, 3, 4))], weights={"axes": np.array([1], np.int64)}, opset=18
    ),
    "reduce_mean_two_axes": single_op(
        "ReduceMean",
        [("x", (2, 3, 4, 5))],
        weights={"axes": np.array([1, 3], np.int64)},
        opset=18,
        keepdims=0,
    ),
    "reduce_sum_all": single_op("ReduceSum", [("x", (3, 4))], opset=13, keepdims=0),
    "reduce_sum_last": single_op(
        "ReduceSum", [("x", (3, 4, 5))], weights={"axes": np.array([-1], np.int64)}
    ),
}

CHAINS = {
    # a residual block: conv -> relu -> conv, added to the input; exercises buffer reuse
    "residual": chain(
        [
            helper.make_node("Conv", ["x", "w1"], ["c1"], pads=[1, 1, 1, 1]),
            helper.make_node("Relu", ["c1"], ["r1"]),
            helper.make_node("Conv", ["r1", "w2"], ["c2"], pads=[1, 1, 1, 1]),
            helper.make_node("Add", ["c2", "x"], ["y"]),
        ],
        [("x", (1, 4, 6, 6))],
        [("y", (1, 4, 6, 6))],
        {"w1": weight(R, 4, 4, 3, 3), "w2": weight(R, 4, 4, 3, 3)},
    ),
    # flatten -> gemm -> softmax, with the output read through a reshape view
    "classifier": chain(
        [
            helper.make_node("Flatten", ["x"], ["f"]),
            helper.make_node("Gemm", ["f", "w", "b"], ["g"], transB=1),
            helper.make_node("Softmax", ["g"], ["s"]),
            helper.make_node("Reshape", ["s", "shape"], ["y"]),
        ],
        [("x", (2, 3, 2, 2))],
        [("y", (2, 5, 1))],
        {"w": weight(R, 5, 12), "b": weight(R, 5), "shape": np.array([2, 5, 1], np.int64)},
    ),
    # ceil_mode pooling whose last window would start in the end padding (ONNX drops it;
    # onnx's shape inference keeps it) read by another node: the shape ONNX specifies
    # must reach the Relu
    "ceil_pool_window_in_end_padding": chain(
        [
            helper.make_node(
                "MaxPool",
                ["x"],
                ["p"],
                kernel_shape=[2, 2],
                strides=[2, 2],
                pads=[0, 0, 1, 1],
                ceil_mode=1,
            ),
            helper.make_node("Relu", ["p"], ["y"]),
        ],
        [("x", (1, 2, 4, 4))],
        [("y", (1, 2, 2, 2))],
        {},
    ),
}


@pytest.mark.parametrize("name", list(CASES) + list(CHAINS))
def test_operator_against_onnxruntime(name: str, tmp_path: Path) -> None:
    from deeploy.harness.compare import compare

    model = CASES.get(name) or CHAINS[name]
    inputs = random_inputs(model, seed=1)
    _, outcome = compile_build_run(model, inputs, tmp_path, name=name)
    comparison = compare(outcome.outputs, reference(model, inputs))
    assert comparison.passed, (
        f"{comparison.errors}/{comparison.total} differ, max {comparison.max_abs_error}"
    )
