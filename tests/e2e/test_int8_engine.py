"""The 8-bit matrix engine (runtime/include/deeploy/gemm8.h, conv8.h, dw8.h) against the
portable integer kernels, on every ISA: random convolutions (odd sizes, strides, pads,
dilations, groups, depthwise), Gemm (both weight layouts, with and without C) and MatMul with 8-bit
operands, requantised per channel or left in int32, signed and unsigned inputs.

Each case is a Deeploy-style integer network (float tensors holding integers, a
RequantShift after the layer) built here with onnx.helper. The reference is the host
build with the engine compiled out (-DDEEPLOY_NO_SIMD -DDEEPLOY_NO_GEMM8: the portable
loops alone), itself checked against a numpy transcription of the arithmetic; the
engine runs on the host as plain C (-DDEEPLOY_NO_SIMD), on cortex-m4 (SMLAD blocks) and
on rv32 (4 x 4 register blocks), and x86's own SSE2 kernels run too. All must agree
bit for bit.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from hypothesis import given
from hypothesis import strategies as st
from onnx import TensorProto, helper, numpy_helper

from tests.e2e.test_mcu_targets import every_isa, kernel_examples
from tests.networks import conv_reference

EXAMPLES = 10
PORTABLE = ("-DDEEPLOY_NO_SIMD", "-DDEEPLOY_NO_GEMM8")


@dataclass(frozen=True)
class Layer:
    """One integer layer: its ONNX node(s), constant operands and the input shapes."""

    model: onnx.ModelProto
    inputs: list[np.ndarray]
    input_types: dict[str, str]
    expected: np.ndarray  # numpy's result


def _requant(acc: np.ndarray, mul: np.ndarray, add: np.ndarray, shift: int, signed: bool):
    lo, hi = (-128, 127) if signed else (0, 255)
    v = (acc.astype(np.int64) * mul + add + (1 << (shift - 1))) >> shift
    return np.clip(v, lo, hi)


def _rq_node(
    x: str,
    y: str,
    channels_shape: tuple[int, ...],
    shift: int,
    signed: bool,
    rng,
    halves: int | None = None,
):
    """A RequantShift with random parameters; with `halves` = t, mul = 2^(shift - t) and
    add in {-1, 0}: y = (acc + add / 2^(shift - t)) / 2^t, so every 2^t-th sum lands on a
    rounding boundary (half way, or one below it)."""
    if halves is None:
        mul = rng.integers(1, 200, size=channels_shape).astype(np.float32)
        add = rng.integers(-5000, 5000, size=channels_shape).astype(np.float32)
    else:
        mul = np.full(channels_shape, 2.0 ** (shift - halves), np.float32)
        add = rng.integers(-1, 1, size=channels_shape, endpoint=True).astype(np.float32)
    node = helper.make_node(
        "RequantShift",
        [x, f"{y}_mul", f"{y}_add"],
        [y],
        div=numpy_helper.from_array(np.array(2.0**shift, np.float32)),
        n_levels_out=numpy_helper.from_array(np.array([256.0], np.float32)),
        signed=numpy_helper.from_array(np.array([1.0 if signed else 0.0], np.float32)),
    )
    inits = [
        numpy_helper.from_array(mul, f"{y}_mul"),
        numpy_helper.from_array(add, f"{y}_add"),
    ]
    return node, inits, mul.astype(np.int64), add.astype(np.int64)


def _data(shape, unsigned: bool, rng) -> np.ndarray:
    lo, hi = (0, 256) if unsigned else (-128, 128)
    return rng.integers(lo, hi, size=shape).astype(np.float32)


def _model(nodes, inputs, output, out_shape, inits) -> onnx.ModelProto:
    graph = helper.make_graph(
        nodes,
        "engine",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in inputs],
        [helper.make_tensor_value_info(output, TensorProto.FLOAT, out_shape)],
        inits,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


@st.composite
def conv_layers(draw, rounding: bool = False) -> Layer:
    """A random convolution; `rounding`: always requantised, with ternary weights and
    parameters that put many sums exactly on rounding boundaries (_rq_node's `halves`)."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    depthwise = draw(st.booleans())
    # depthwise: enough channels for several blocks of the pixel-wise kernel
    c = draw(st.integers(1, 24 if depthwise else 6))
    group = c if depthwise else draw(st.sampled_from([g for g in (1, 2, 3) if c % g == 0]))
    f = c if depthwise else group * draw(st.integers(1, 5))
    # 3 x 3 (unrolled kernels) half of the time
    kh, kw = draw(st.one_of(st.just((3, 3)), st.tuples(st.integers(1, 4), st.integers(1, 4))))
    dh, dw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    if rounding and depthwise:  # the specialised depthwise kernels: 3 x 3, rows contiguous
        kh, kw, dw = 3, 3, 1
    pads = [draw(st.integers(0, 2)) for _ in range(4)]
    h = draw(st.integers(max(1, (kh - 1) * dh + 1 - pads[0] - pads[2]), 9))
    w = draw(st.integers(max(1, (kw - 1) * dw + 1 - pads[1] - pads[3]), 9))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    unsigned, signed_out = draw(st.booleans()), draw(st.booleans())
    requantised = rounding or draw(st.booleans())
    x = _data((1, c, h, w), unsigned, rng)
    w_lo, w_hi = (-1, 2) if rounding else (-128, 128)  # ternary: sums stay in the output range
    weight = rng.integers(w_lo, w_hi, size=(f, c // group, kh, kw)).astype(np.float32)
    conv = helper.make_node(
        "Conv",
        ["x", "w"],
        ["acc"],
        group=group,
        kernel_shape=[kh, kw],
        strides=[sh, sw],
        dilations=[dh, dw],
        pads=pads,
    )
    acc = conv_reference(
        x.astype(np.int64), weight.astype(np.int64), group, (sh, sw), (dh, dw), pads
    )
    nodes, inits = [conv], [numpy_helper.from_array(weight, "w")]
    if draw(st.booleans()):  # a bias
        b = 64 if rounding else 4096  # rounding: sums stay in the output range
        bias = rng.integers(-b, b, size=(f,)).astype(np.float32)
        conv.input.append("b")
        inits.append(numpy_helper.from_array(bias, "b"))
        acc = acc + bias.astype(np.int64)[None, :, None, None]
    out, expected = "acc", acc
    if requantised:
        halves = draw(st.integers(1, 4)) if rounding else None
        # rounding: small multipliers (2^1..2^4), so the 32-bit requantisation paths run
        shift = halves + draw(st.integers(1, 4)) if halves else draw(st.integers(4, 14))
        per_channel = (rounding and depthwise) or draw(st.booleans())
        rq_shape = (f, 1, 1) if per_channel else (1, 1, 1)
        node, more, mul, add = _rq_node("acc", "y", rq_shape, shift, signed_out, rng, halves)
        nodes.append(node)
        inits += more
        out, expected = "y", _requant(acc, mul, add, shift, signed_out)
    model = _model(nodes, [("x", x.shape)], out, expected.shape, inits)
    return Layer(model, [x], {"x": "uint8" if unsigned else "int8"}, expected)


@st.composite
def gemm_layers(draw) -> Layer:
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    m, n, k = draw(st.integers(1, 7)), draw(st.integers(1, 9)), draw(st.integers(1, 40))
    unsigned, signed_out = draw(st.booleans()), draw(st.booleans())
    requantised = draw(st.booleans())
    matmul = draw(st.booleans())
    a = _data((m, k), unsigned, rng)
    if matmul:  # both operands are activations
        b = _data((k, n), False, rng)
        node = helper.make_node("MatMul", ["a", "b"], ["acc"])
        acc = a.astype(np.int64) @ b.astype(np.int64)
        inputs, inits, types = [a, b], [], {"a": "uint8" if unsigned else "int8", "b": "int8"}
        names = [("a", a.shape), ("b", b.shape)]
    else:
        trans_b = draw(st.booleans())
        weight = rng.integers(-128, 128, size=(n, k) if trans_b else (k, n)).astype(np.float32)
        b_kn = weight.T if trans_b else weight
        acc = a.astype(np.int64) @ b_kn.astype(np.int64)
        operands, inits = ["a", "w"], [numpy_helper.from_array(weight, "w")]
        if draw(st.booleans()):
            c = rng.integers(-3000, 3000, size=(n,)).astype(np.float32)
            inits.append(numpy_helper.from_array(c, "c"))
            operands.append("c")
            acc = acc + c.astype(np.int64)
        node = helper.make_node("Gemm", operands, ["acc"], transB=int(trans_b))
        inputs, types = [a], {"a": "uint8" if unsigned else "int8"}
        names = [("a", a.shape)]
    nodes, out, expected = [node], "acc", acc
    if requantised:
        shift = draw(st.integers(4, 14))
        rq, more, mul, add = _rq_node("acc", "y", (n,), shift, signed_out, rng)
        nodes.append(rq)
        inits += more
        out, expected = "y", _requant(acc, mul, add, shift, signed_out)
    return Layer(_model(nodes, names, out, expected.shape, inits), inputs, types, expected)


def _outputs(layer: Layer, target: str, cflags: tuple[str, ...], work: Path) -> np.ndarray:
    import deeploy
    from deeploy.harness.runner import build_and_run

    result = deeploy.compile(layer.model, target=target, input_types=layer.input_types)
    inputs = [
        x.astype(layer.input_types[name])
        for x, name in zip(layer.inputs, (v.name for v in layer.model.graph.input))
    ]
    outcome = build_and_run(result, inputs, work, extra_cflags=cflags, timeout=300)
    return np.asarray(outcome.outputs[0]).astype(np.int64)


def _check(layer: Layer) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        portable = _outputs(layer, "generic", PORTABLE, work / "portable")
        np.testing.assert_array_equal(portable.reshape(layer.expected.shape), layer.expected)
        for i, (target, cflags) in enumerate(every_isa()):
            got = _outputs(layer, target, cflags, work / f"{target}{i}")
            np.testing.assert_array_equal(
                got, portable, err_msg=f"{target} {' '.join(cflags)} differs from the portable C"
            )


SETTINGS = kernel_examples(EXAMPLES)


@SETTINGS
@given(conv_layers())
def test_convolution_on_every_isa(layer: Layer) -> None:
    _check(layer)


@SETTINGS
@given(conv_layers(rounding=True))
def test_convolution_rounds_like_the_portable_c_at_every_boundary(layer: Layer) -> None:
    _check(layer)


@SETTINGS
@given(gemm_layers())
def test_gemm_and_matmul_on_every_isa(layer: Layer) -> None:
    _check(layer)
