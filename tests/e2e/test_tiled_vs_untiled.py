"""Tiled and untiled code agree, for random shapes and random L1 budgets.

Each example draws a small network (a convolution or pooling layer, a convolution
followed by pointwise layers, a Gemm, a batched MatMul, a softmax or an elementwise chain) with random shapes and attributes, asks the
tiler for the smallest L1 it can run in, draws a budget between that and a little more
than the whole network, and compares the outputs of the tiled program (bounds-checked
DMA, sanitizers) with those of the untiled one: tiling may reorder a float reduction
(split K, split input channels), so they agree within the float tolerance.

CI runs 8 derandomized examples; `DEEPLOY_TILED_EXAMPLES=200` runs that many random ones.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import numpy as np
import onnx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from onnx import TensorProto, helper, numpy_helper

from tests.conftest import CHECK_CFLAGS

F32 = TensorProto.FLOAT


def _model(nodes, inputs, output, weights) -> onnx.ModelProto:
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info(n, F32, s) for n, s in inputs],
        [helper.make_tensor_value_info(output, F32, None)],
        [numpy_helper.from_array(w, n) for n, w in weights.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


@st.composite
def networks(draw: st.DrawFn) -> tuple[onnx.ModelProto, list[tuple[int, ...]]]:
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))

    def w(*shape: int) -> np.ndarray:
        return (rng.standard_normal(shape) / np.sqrt(max(1, shape[-1]))).astype(np.float32)

    kinds = ["conv", "conv_chain", "branch", "pool", "gemm", "matmul", "softmax", "eltwise"]
    kind = draw(st.sampled_from(kinds))
    if kind == "branch":  # the convolution's output is read twice: fused or stored
        c, m = draw(st.integers(1, 4)), draw(st.integers(1, 6))
        h, k = draw(st.integers(3, 9)), draw(st.integers(1, 3))
        out = h - k + 1
        nodes = [
            helper.make_node("Conv", ["x", "w"], ["c"], kernel_shape=[k, k]),
            helper.make_node("Relu", ["c"], ["r"]),
            helper.make_node("Sigmoid", ["c"], ["g"]),
            helper.make_node("Mul", ["r", "g"], ["p"]),
            helper.make_node("Add", ["p", "c"], ["y"]),
        ]
        shapes = [(1, c, h, h)]
        return _model(nodes, [("x", shapes[0])], "y", {"w": w(m, c, k, k)}), shapes
    if kind == "conv_chain":  # a convolution and pointwise layers: fused when it pays
        c, m = draw(st.integers(1, 4)), draw(st.integers(1, 6))
        h, k = draw(st.integers(3, 9)), draw(st.integers(1, 3))
        stride, pad = draw(st.integers(1, 2)), draw(st.integers(0, 1))
        out = (h + 2 * pad - k) // stride + 1
        nodes = [
            helper.make_node(
                "Conv", ["x", "w"], ["c"], kernel_shape=[k, k], strides=[stride] * 2, pads=[pad] * 4
            ),
            helper.make_node("Add", ["c", "r"], ["s"]),
            helper.make_node("Tanh", ["s"], ["y"]),
        ]
        shapes = [(1, c, h, h), (1, m, out, out)]
        model = _model(nodes, list(zip(["x", "r"], shapes)), "y", {"w": w(m, c, k, k)})
        return model, shapes
    if kind == "conv":
        c, m = draw(st.integers(1, 4)), draw(st.integers(1, 6))
        h, wd = draw(st.integers(3, 9)), draw(st.integers(3, 9))
        k = draw(st.integers(1, 3))
        group = draw(st.sampled_from([1, c])) if c == m else 1
        stride, pad = draw(st.integers(1, 2)), draw(st.integers(0, 1))
        nodes = [
            helper.make_node(
                "Conv",
                ["x", "w", "b"],
                ["c"],
                kernel_shape=[k, k],
                strides=[stride, stride],
                pads=[pad] * 4,
                group=group,
            ),
            helper.make_node("Relu", ["c"], ["y"]),
        ]
        weights = {"w": w(m, c // group, k, k), "b": w(m)}
        return _model(nodes, [("x", (1, c, h, wd))], "y", weights), [(1, c, h, wd)]
    if kind == "pool":
        c, h = draw(st.integers(1, 4)), draw(st.integers(2, 9))
        k = draw(st.integers(1, min(3, h)))
        op = draw(st.sampled_from(["MaxPool", "AveragePool"]))
        node = helper.make_node(
            op, ["x"], ["y"], kernel_shape=[k, k], strides=[draw(st.integers(1, 2))] * 2
        )
        return _model([node], [("x", (1, c, h, h))], "y", {}), [(1, c, h, h)]
    if kind == "gemm":
        m_, k_, n_ = (draw(st.integers(1, 24)) for _ in range(3))
        node = helper.make_node("Gemm", ["a", "b", "c"], ["y"], transB=draw(st.integers(0, 1)))
        b = w(n_, k_) if node.attribute[0].i else w(k_, n_)
        return _model([node], [("a", (m_, k_))], "y", {"b": b, "c": w(n_)}), [(m_, k_)]
    if kind == "matmul":
        batch, m_, k_, n_ = draw(st.integers(1, 3)), *(draw(st.integers(1, 16)) for _ in range(3))
        node = helper.make_node("MatMul", ["a", "b"], ["y"])
        shapes = [(batch, m_, k_), (batch, k_, n_)]
        return _model([node], list(zip(["a", "b"], shapes)), "y", {}), shapes
    if kind == "softmax":
        shape = (draw(st.integers(1, 6)), draw(st.integers(2, 40)))
        node = helper.make_node("Softmax", ["x"], ["y"], axis=-1)
        return _model([node], [("x", shape)], "y", {}), [shape]
    shape = tuple(draw(st.lists(st.integers(1, 12), min_size=1, max_size=3)))
    nodes = [
        helper.make_node("Mul", ["x", "s"], ["m"]),
        helper.make_node("Add", ["m", "x"], ["a"]),
        helper.make_node("Sigmoid", ["a"], ["y"]),
    ]
    return _model(nodes, [("x", shape)], "y", {"s": w(*shape[-1:])}), [shape]


def _smallest_l1(model: onnx.ModelProto, double: bool, home: str) -> int:
    import deeploy
    from deeploy.errors import BudgetError
    from deeploy.targets.base import MemoryConfig

    try:
        deeploy.compile(model, memory=MemoryConfig(l1=1, double_buffer=double, home=home))
    except BudgetError as err:
        return max(int(n) for n in re.findall(r"needs at least (\d+) bytes", str(err)))
    return 1


@settings(
    max_examples=int(os.environ.get("DEEPLOY_TILED_EXAMPLES", "8")),
    derandomize="DEEPLOY_TILED_EXAMPLES" not in os.environ,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    case=networks(),
    fraction=st.floats(0.0, 1.0),
    double=st.booleans(),
    home=st.sampled_from(["L2", "L3"]),
)
def test_tiled_equals_untiled(
    case: tuple[onnx.ModelProto, list[tuple[int, ...]]], fraction: float, double: bool, home: str
) -> None:
    from deeploy.targets.base import MemoryConfig

    model, shapes = case
    least = _smallest_l1(model, double, home)
    whole = sum(4 * int(np.prod(s)) for s in shapes) * 3 + 4096
    l1 = least + int(fraction * max(0, whole - least))
    _check(model, shapes, MemoryConfig(l1=l1, double_buffer=double, home=home))


def test_border_tiles_wholly_in_padding() -> None:
    """A 1x1 convolution with padding 1: the border output tiles read only padding, so
    their input boxes are empty and nothing may be loaded for them (it once loaded one
    element past the input)."""
    from deeploy.targets.base import MemoryConfig

    rng = np.random.default_rng(0)
    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["y"], kernel_shape=[1, 1], pads=[1, 1, 1, 1])
    ]
    weights = {
        "w": rng.standard_normal((2, 1, 1, 1)).astype(np.float32),
        "b": np.ones(2, np.float32),
    }
    model = _model(nodes, [("x", (1, 1, 3, 3))], "y", weights)
    _check(model, [(1, 1, 3, 3)], MemoryConfig(l1=_smallest_l1(model, False, "L2")))


def _check(model: onnx.ModelProto, shapes: list[tuple[int, ...]], memory) -> None:
    import deeploy
    from deeploy.harness.compare import compare
    from deeploy.harness.runner import build_and_run

    rng = np.random.default_rng(1)
    inputs = [rng.uniform(-2, 2, s).astype(np.float32) for s in shapes]
    untiled = deeploy.compile(model, name="plain")
    tiled = deeploy.compile(model, name="tiled", memory=memory)
    with tempfile.TemporaryDirectory(prefix="deeploy-tiled-") as tmp:
        work = Path(tmp)
        plain_out = build_and_run(untiled, inputs, work / "plain", extra_cflags=CHECK_CFLAGS)
        tiled_out = build_and_run(tiled, inputs, work / "tiled", extra_cflags=CHECK_CFLAGS)
    comparison = compare(tiled_out.outputs, plain_out.outputs)
    assert comparison.passed, (memory, comparison)
    report = tiled.report["tiling"]
    assert report["l1_peak"] <= memory.l1
    assert tiled_out.dma == {"transfers": report["dma_transfers"], "bytes": report["dma_bytes"]}
