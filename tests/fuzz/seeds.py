"""Seed models of the fuzzer: small valid networks the mutators start from.

Built with onnx.helper (Conv, Gemm/MatMul, pooling, broadcasting elementwise operators,
Reshape/Transpose/Concat, Softmax, normalisation, reductions, Pad, Slice, activations),
plus a few of Deeploy's shared test networks when ../shared/deeploy-tests exists.
Every seed compiles and matches onnxruntime unmutated (tests/fuzz/test_fuzz.py checks).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from tests.conftest import SHARED


@dataclass(frozen=True)
class Seed:
    name: str
    model: bytes  # serialized ModelProto
    options: tuple[str, ...] = field(default=())  # CLI options it needs (integer input types)


def _model(
    nodes: list[onnx.NodeProto],
    inputs: list[tuple[str, list[int]]],
    outputs: list[str],
    weights: dict[str, np.ndarray] | None = None,
    opset: int = 17,
) -> onnx.ModelProto:
    graph = helper.make_graph(
        nodes,
        "seed",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in inputs],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in outputs],
        [numpy_helper.from_array(v, k) for k, v in (weights or {}).items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    # declared output shapes, as exporters write them (the mutators change them)
    return onnx.shape_inference.infer_shapes(model)


def _w(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return (rng.standard_normal(shape) * 0.5).astype(np.float32)


def _ints(*values: int) -> np.ndarray:
    return np.array(values, np.int64)


def _cnn(rng: np.random.Generator) -> onnx.ModelProto:
    n = helper.make_node
    return _model(
        [
            n("Conv", ["x", "w1", "b1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
            n("Relu", ["c1"], ["r1"], name="relu1"),
            n("MaxPool", ["r1"], ["p1"], name="pool1", kernel_shape=[2, 2], strides=[2, 2]),
            n("Conv", ["p1", "w2"], ["c2"], name="dw", group=4, pads=[1, 1, 1, 1]),
            n("Flatten", ["c2"], ["f"], name="flatten"),
            n("Gemm", ["f", "g", "gb"], ["y"], name="fc", transB=1),
        ],
        [("x", [1, 2, 6, 6])],
        ["y"],
        {
            "w1": _w(rng, 4, 2, 3, 3),
            "b1": _w(rng, 4),
            "w2": _w(rng, 4, 1, 3, 3),
            "g": _w(rng, 5, 36),
            "gb": _w(rng, 5),
        },
    )


def _matmul(rng: np.random.Generator) -> onnx.ModelProto:
    n = helper.make_node
    return _model(
        [
            n("MatMul", ["a", "b"], ["m"], name="matmul"),
            n("Add", ["m", "bias"], ["s"], name="bias_add"),
            n("Sigmoid", ["s"], ["y"], name="sigmoid"),
        ],
        [("a", [2, 3, 4]), ("b", [4, 5])],
        ["y"],
        {"bias": _w(rng, 5)},
    )


def _broadcast(rng: np.random.Generator) -> onnx.ModelProto:
    n = helper.make_node
    return _model(
        [
            n("Mul", ["x", "s"], ["m"], name="scale"),
            n("Sub", ["m", "z"], ["d"], name="sub"),
            n("Max", ["d", "x"], ["mx"], name="max"),
            n("Div", ["mx", "k"], ["q"], name="div"),
            n("Clip", ["q", "lo", "hi"], ["y"], name="clip"),
        ],
        [("x", [2, 3, 4]), ("z", [3, 1])],
        ["y"],
        {
            "s": _w(rng, 1, 4),
            "k": np.full((1,), 1.5, np.float32),
            "lo": np.array(-0.5, np.float32),
            "hi": np.array(0.75, np.float32),
        },
    )


def _views(rng: np.random.Generator) -> onnx.ModelProto:
    n = helper.make_node
    return _model(
        [
            n("Reshape", ["x", "shape"], ["r"], name="reshape"),
            n("Transpose", ["r"], ["t"], name="transpose", perm=[0, 2, 1]),
            n("Concat", ["t", "c"], ["cat"], name="concat", axis=1),
            n("Unsqueeze", ["cat", "ax"], ["u"], name="unsqueeze"),
            n("Squeeze", ["u", "ax"], ["sq"], name="squeeze"),
            n("Relu", ["sq"], ["y"], name="relu"),
        ],
        [("x", [1, 6, 4])],
        ["y"],
        {"shape": _ints(1, 3, 8), "c": _w(rng, 1, 2, 3), "ax": _ints(0)},
    )


def _softmax(rng: np.random.Generator) -> onnx.ModelProto:
    n = helper.make_node
    return _model(
        [
            n("Softmax", ["x"], ["s"], name="softmax", axis=-1),
            n("LayerNormalization", ["s", "gamma", "beta"], ["ln"], name="ln", axis=-1),
            n("ReduceMean", ["ln"], ["rm"], name="mean", axes=[1], keepdims=1),
            n("Elu", ["rm"], ["g"], name="elu", alpha=0.7),
            n("ReduceSum", ["g", "axes"], ["y"], name="sum", keepdims=0),
        ],
        [("x", [2, 3, 5])],
        ["y"],
        {"gamma": _w(rng, 5), "beta": _w(rng, 5), "axes": _ints(2)},
    )


def _pools(rng: np.random.Generator) -> onnx.ModelProto:
    n = helper.make_node
    return _model(
        [
            n(
                "AveragePool",
                ["x"],
                ["a"],
                name="avg",
                kernel_shape=[3, 3],
                strides=[2, 2],
                pads=[1, 1, 1, 1],
                ceil_mode=1,
                count_include_pad=0,
            ),
            n("MaxPool", ["x"], ["m"], name="max", kernel_shape=[2, 2], dilations=[2, 2]),
            n("GlobalAveragePool", ["a"], ["ga"], name="gap"),
            n("GlobalMaxPool", ["m"], ["gm"], name="gmp"),
            n("Add", ["ga", "gm"], ["y"], name="add"),
        ],
        [("x", [1, 3, 7, 7])],
        ["y"],
    )


def _misc(rng: np.random.Generator) -> onnx.ModelProto:
    n = helper.make_node
    return _model(
        [
            n("Pad", ["x", "pads"], ["p"], name="pad", mode="constant"),
            n("Slice", ["p", "starts", "ends", "axes"], ["s"], name="slice"),
            n("Pow", ["s", "two"], ["q"], name="pow"),
            n("LeakyRelu", ["q"], ["l"], name="leaky", alpha=0.2),
            n("Tanh", ["l"], ["t"], name="tanh"),
            n("Neg", ["t"], ["y"], name="neg"),
        ],
        [("x", [1, 2, 5])],
        ["y"],
        {
            "pads": _ints(0, 0, 1, 0, 0, 2),
            "starts": _ints(1),
            "ends": _ints(6),
            "axes": _ints(2),
            "two": np.array(2.0, np.float32),
        },
    )


def _conv1d(rng: np.random.Generator) -> onnx.ModelProto:
    n = helper.make_node
    return _model(
        [
            n("Conv", ["x", "w"], ["c"], name="conv", strides=[2], dilations=[2], pads=[2, 1]),
            n("BatchNormalization", ["c", "sc", "bi", "mu", "var"], ["b"], name="bn"),
            n("HardSigmoid", ["b"], ["h"], name="hsig"),
            n("Mul", ["b", "h"], ["y"], name="swish"),
        ],
        [("x", [1, 3, 11])],
        ["y"],
        {
            "w": _w(rng, 4, 3, 3),
            "sc": _w(rng, 4),
            "bi": _w(rng, 4),
            "mu": _w(rng, 4),
            "var": np.abs(_w(rng, 4)) + 0.5,
        },
        opset=11,
    )


BUILT: dict[str, Callable[[np.random.Generator], onnx.ModelProto]] = {
    "cnn": _cnn,
    "matmul": _matmul,
    "broadcast": _broadcast,
    "views": _views,
    "softmax": _softmax,
    "pools": _pools,
    "misc": _misc,
    "conv1d": _conv1d,
}

# Small shared networks (a float and an integer one of each kind): < 3 kB, quick to build.
SHARED_SEEDS = (
    "Kernels/FP32/Pad",
    "Kernels/FP32/Softmax/Regular",
    "Kernels/FP32/LayerNorm",
    "Kernels/FP32/Conv/DW_2D_Bias",
    "Kernels/FP32/Reshape/SkipConnection",
    "Kernels/FP32/MaxPool/Regular_1D",
    "Kernels/Integer/Conv/DW_1D",
    "Kernels/Integer/Concat",
    "Kernels/Integer/Slice",
    "Models/miniMobileNet",
)


def _shared_seed(name: str) -> Seed | None:
    from deeploy.harness import test_data

    folder = SHARED / name
    path = folder / "network.onnx"
    if not path.exists():
        return None
    options: list[str] = []
    inputs = folder / "inputs.npz"
    if inputs.exists():
        types = test_data.data_input_types(path, test_data.read_npz(inputs))
        long = {"i8": "int8", "u8": "uint8", "i16": "int16", "u16": "uint16", "i32": "int32"}
        for key, short in types.items():
            options += ["--input-type", f"{key}={long.get(short, short)}"]
    return Seed(f"shared:{name}", path.read_bytes(), tuple(options))


@cache
def seeds() -> tuple[Seed, ...]:
    """Every seed: the built ones, then the shared ones that exist (none without them)."""
    built = [
        Seed(name, make(np.random.default_rng(index)).SerializeToString())
        for index, (name, make) in enumerate(BUILT.items())
    ]
    shared = [s for s in map(_shared_seed, SHARED_SEEDS) if s is not None]
    return tuple(built + shared)
