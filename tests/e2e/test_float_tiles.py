"""The float32 register tiles (runtime/kernels/gemm_f32.c, conv_f32.c) against a float64
numpy reference, on every ISA: x86 (SSE vectors), the host without vectors
(-DDEEPLOY_NO_SIMD), cortex-m4 and rv32 (the scalar tiles, with fused multiply-adds).

Random convolutions with constant weights (the packed kernel when each group's output
channels are a multiple of 4, the direct one otherwise): odd sizes, column strides 1 to 5
(the literal-stride tiles and the general one), dilations, pads, groups, a last tile of
fewer than 4 columns, with and without bias, followed by Relu or Clip (fused into the
store where the compiler does); depthwise ones (the per-plane kernel, 3 x 3 blocks with
unit or double column stride, edges and short rows) and pointwise ones (a product over
the plane's pixels, with every remainder of 8). Random Gemm (bias none, per column or full; transposed
weights) and MatMul with odd M, N, K.

Tolerance per element: float32 sums of `terms` products, each rounded once or twice,
differ from the exact sum by at most about terms x 2^-23 x sum|products|; the test
allows 4x that plus 1e-6.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from onnx import TensorProto, helper, numpy_helper

from tests.e2e.test_mcu_targets import every_isa, kernel_examples
from tests.networks import OPSET, conv_reference

EXAMPLES = 12


@dataclass(frozen=True)
class Layer:
    model: onnx.ModelProto
    inputs: list[np.ndarray]
    expected: np.ndarray  # float64
    bound: np.ndarray  # allowed absolute error per element


def _model(nodes, inputs, output, out_shape, inits) -> onnx.ModelProto:
    graph = helper.make_graph(
        nodes,
        "float_tile",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, list(s)) for n, s in inputs],
        [helper.make_tensor_value_info(output, TensorProto.FLOAT, list(out_shape))],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    return model


def _activation(draw, x: str, y: str, value: np.ndarray, bound: np.ndarray):
    """None, Relu or Clip after the layer: (nodes, output name, reference, bound)."""
    kind = draw(st.sampled_from(["none", "relu", "clip6", "clip_narrow"]))
    if kind == "none":
        return [], x, value, bound
    if kind == "relu":
        return [helper.make_node("Relu", [x], [y])], y, np.maximum(value, 0.0), bound
    lo, hi = (0.0, 6.0) if kind == "clip6" else (-0.5, 0.5)
    inits = [
        numpy_helper.from_array(np.array(v, np.float32), f"{y}_{n}")
        for n, v in (("lo", lo), ("hi", hi))
    ]
    node = helper.make_node("Clip", [x, f"{y}_lo", f"{y}_hi"], [y])
    return [node, *inits], y, np.clip(value, lo, hi), bound


def _split(nodes_and_inits):
    nodes = [n for n in nodes_and_inits if isinstance(n, onnx.NodeProto)]
    inits = [n for n in nodes_and_inits if isinstance(n, onnx.TensorProto)]
    return nodes, inits


def _bound(terms: int, magnitude: np.ndarray) -> np.ndarray:
    return 4.0 * terms * 2.0**-23 * magnitude + 1e-6


@st.composite
def conv_layers(draw) -> Layer:
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    kind = draw(st.sampled_from(["general", "depthwise", "pointwise"]))
    group = draw(st.sampled_from([1, 1, 2, 3]))
    cg = draw(st.integers(1, 5))
    # per group: a multiple of 4 (the packed kernel) most of the time
    fg = draw(st.sampled_from([4, 8, 4, 12, 3, 5]))
    kh, kw = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    sh, sw = draw(st.integers(1, 3)), draw(st.sampled_from([1, 2, 3, 4, 5]))
    dh, dw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    pads = [draw(st.integers(0, 2)) for _ in range(4)]
    if kind == "depthwise":  # one channel per group; 3 x 3 unit-dilation kernels mostly
        group, cg, fg = draw(st.integers(1, 6)), 1, 1
        if draw(st.integers(0, 3)) > 0:
            kh, kw, dh, dw, sw = 3, 3, 1, 1, draw(st.sampled_from([1, 2]))
    elif kind == "pointwise":  # a matrix product over the plane's pixels
        group, kh, kw, sh, sw, dh, dw, pads = 1, 1, 1, 1, 1, 1, 1, [0, 0, 0, 0]
        fg = draw(st.sampled_from([4, 8, 12]))
    c, f = group * cg, group * fg
    h = draw(st.integers(max(1, (kh - 1) * dh + 1 - pads[0] - pads[2]), 11))
    w = draw(st.integers(max(1, (kw - 1) * dw + 1 - pads[1] - pads[3]), 23))
    x = rng.standard_normal((1, c, h, w)).astype(np.float32)
    weight = (rng.standard_normal((f, cg, kh, kw)) / np.sqrt(cg * kh * kw)).astype(np.float32)
    conv = helper.make_node(
        "Conv",
        ["x", "w"],
        ["y0"],
        group=group,
        kernel_shape=[kh, kw],
        strides=[sh, sw],
        dilations=[dh, dw],
        pads=pads,
    )
    inits = [numpy_helper.from_array(weight, "w")]
    geometry = (group, (sh, sw), (dh, dw), pads)
    value = conv_reference(x.astype(np.float64), weight.astype(np.float64), *geometry)
    magnitude = conv_reference(
        np.abs(x).astype(np.float64), np.abs(weight).astype(np.float64), *geometry
    )
    if draw(st.booleans()):
        bias = rng.standard_normal(f).astype(np.float32)
        conv.input.append("b")
        inits.append(numpy_helper.from_array(bias, "b"))
        value = value + bias.reshape(1, f, 1, 1)
        magnitude = magnitude + np.abs(bias).reshape(1, f, 1, 1)
    more, out, value, bound = _activation(
        draw, "y0", "y", value, _bound(cg * kh * kw + 1, magnitude)
    )
    nodes, extra = _split(more)
    model = _model([conv, *nodes], [("x", x.shape)], out, value.shape, inits + extra)
    return Layer(model, [x], value, bound)


@st.composite
def gemm_layers(draw) -> Layer:
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    m, n, k = draw(st.integers(1, 11)), draw(st.integers(1, 13)), draw(st.integers(1, 37))
    a = rng.standard_normal((m, k)).astype(np.float32)
    if draw(st.booleans()):  # MatMul of two activations
        b = rng.standard_normal((k, n)).astype(np.float32)
        node = helper.make_node("MatMul", ["a", "b"], ["y0"])
        value = a.astype(np.float64) @ b.astype(np.float64)
        magnitude = np.abs(a).astype(np.float64) @ np.abs(b).astype(np.float64)
        names, inputs, inits = [("a", a.shape), ("b", b.shape)], [a, b], []
    else:
        trans_b = draw(st.booleans())
        weight = rng.standard_normal((n, k) if trans_b else (k, n)).astype(np.float32)
        b_kn = (weight.T if trans_b else weight).astype(np.float64)
        value = a.astype(np.float64) @ b_kn
        magnitude = np.abs(a).astype(np.float64) @ np.abs(b_kn)
        operands, inits = ["a", "w"], [numpy_helper.from_array(weight, "w")]
        bias_shape = draw(st.sampled_from([None, (n,), (m, n)]))
        if bias_shape is not None:
            bias = rng.standard_normal(bias_shape).astype(np.float32)
            operands.append("c")
            inits.append(numpy_helper.from_array(bias, "c"))
            value, magnitude = value + bias, magnitude + np.abs(bias)
        node = helper.make_node("Gemm", operands, ["y0"], transB=int(trans_b))
        names, inputs = [("a", a.shape)], [a]
    more, out, value, bound = _activation(draw, "y0", "y", value, _bound(k + 1, magnitude))
    nodes, extra = _split(more)
    model = _model([node, *nodes], names, out, value.shape, inits + extra)
    return Layer(model, inputs, value, bound)


def _check(layer: Layer) -> None:
    import deeploy
    from deeploy.harness.runner import build_and_run

    with tempfile.TemporaryDirectory() as tmp:
        for i, (target, cflags) in enumerate(every_isa()):
            result = deeploy.compile(layer.model, target=target)
            outcome = build_and_run(
                result,
                layer.inputs,
                Path(tmp) / f"{target}{i}",
                extra_cflags=("-Werror", *cflags),
                timeout=300,
            )
            got = np.asarray(outcome.outputs[0], np.float64).reshape(layer.expected.shape)
            error = np.abs(got - layer.expected)
            worst = np.unravel_index(np.argmax(error - layer.bound), error.shape)
            assert np.all(error <= layer.bound), (
                f"{target} {' '.join(cflags)}: error {error[worst]:.3g} at {worst} "
                f"above the bound {layer.bound[worst]:.3g}"
            )


SETTINGS = kernel_examples(EXAMPLES)


@SETTINGS
@given(conv_layers())
def test_convolution_on_every_isa(layer: Layer) -> None:
    _check(layer)


@SETTINGS
@given(gemm_layers())
def test_gemm_and_matmul_on_every_isa(layer: Layer) -> None:
    _check(layer)


def _depthwise_3x3(height: int, width: int, stride: int, relu6: bool) -> Layer:
    """A 3 x 3 depthwise convolution with one column and row of padding on each side:
    planes small enough for the zero-bordered copy (height 5), or larger ones (height 40)
    with the rows' end blocks (zero lanes shuffled in), the interior blocks and the
    columns done one at a time, depending on the width."""
    rng = np.random.default_rng(width * 10 + stride)
    c, h = 3, height
    x = rng.standard_normal((1, c, h, width)).astype(np.float32)
    weight = rng.standard_normal((c, 1, 3, 3)).astype(np.float32)
    bias = rng.standard_normal(c).astype(np.float32)
    conv = helper.make_node(
        "Conv", ["x", "w", "b"], ["y0"], group=c, kernel_shape=[3, 3],
        strides=[stride, stride], pads=[1, 1, 1, 1],
    )  # fmt: skip
    inits = [numpy_helper.from_array(weight, "w"), numpy_helper.from_array(bias, "b")]
    geometry = (c, (stride, stride), (1, 1), [1, 1, 1, 1])
    value = conv_reference(x.astype(np.float64), weight.astype(np.float64), *geometry)
    value = value + bias.reshape(1, c, 1, 1)
    magnitude = conv_reference(
        np.abs(x).astype(np.float64), np.abs(weight).astype(np.float64), *geometry
    )
    bound = _bound(10, magnitude + np.abs(bias).reshape(1, c, 1, 1))
    nodes: list = [conv]
    out = "y0"
    if relu6:
        nodes.append(helper.make_node("Clip", ["y0", "lo", "hi"], ["y"]))
        inits += [
            numpy_helper.from_array(np.array(v, np.float32), n)
            for n, v in (("lo", 0.0), ("hi", 6.0))
        ]
        out, value = "y", np.clip(value, 0.0, 6.0)
    model = _model(nodes, [("x", x.shape)], out, value.shape, inits)
    return Layer(model, [x], value, bound)


@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("width", [3, 5, 8, 9, 13])
@pytest.mark.parametrize("height", [5, 40])
def test_depthwise_3x3_row_ends_on_every_isa(height: int, width: int, stride: int) -> None:
    _check(_depthwise_3x3(height, width, stride, relu6=width % 2 == 1))
