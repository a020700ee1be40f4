"""A small float CNN, quantised at test time with onnxruntime's `quantize_static` (QDQ,
or QOperator: QLinearConv, com.microsoft QLinearAdd/QLinearAveragePool/QGemm, ...).

    model = qdq_cnn(tmp_path)                 # onnx.ModelProto, int8 weights, uint8 activations
    model = qdq_cnn(tmp_path, activations="int8", per_channel=True)
    model = qdq_cnn(tmp_path, quant_format="QOperator")

The float network (fixed random weights) is Conv+Relu -> MaxPool -> Conv+Relu ->
AveragePool -> Add (a residual of the pooled branch with a 1x1 Conv of it) -> Reshape ->
Gemm -> Relu -> MatMul, on a 1x3x12x12 input. Calibration runs a few fixed random inputs.
Nothing binary is kept in the repository: the models are written to a temporary folder.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

INPUT_SHAPE = (1, 3, 12, 12)
OPSET = 17


def float_cnn(seed: int = 7) -> onnx.ModelProto:
    rng = np.random.default_rng(seed)

    def w(*shape: int, scale: float = 0.4) -> np.ndarray:
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    weights = {
        "w1": w(8, 3, 3, 3),
        "b1": w(8, scale=0.1),
        "w2": w(8, 8, 3, 3, scale=0.2),
        "b2": w(8, scale=0.1),
        "w3": w(8, 8, 1, 1, scale=0.3),
        "fc1_w": w(10, 32, scale=0.2),  # Gemm with transB = 1: (N, K)
        "fc1_b": w(10, scale=0.1),
        "fc2_w": w(10, 4, scale=0.3),  # MatMul: (K, N)
        "shape": np.array([1, 32], dtype=np.int64),
    }
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node(
            "MaxPool", ["r1"], ["p1"], name="pool1", kernel_shape=[2, 2], strides=[2, 2]
        ),
        helper.make_node("Conv", ["p1", "w2", "b2"], ["c2"], name="conv2", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c2"], ["r2"], name="relu2"),
        helper.make_node(
            "AveragePool", ["r2"], ["p2"], name="pool2", kernel_shape=[3, 3], strides=[3, 3]
        ),
        helper.make_node("Conv", ["p2", "w3"], ["c3"], name="conv3"),
        helper.make_node("Add", ["p2", "c3"], ["s"], name="add"),
        helper.make_node("Reshape", ["s", "shape"], ["f"], name="flatten"),
        helper.make_node("Gemm", ["f", "fc1_w", "fc1_b"], ["g"], name="fc1", transB=1),
        helper.make_node("Relu", ["g"], ["gr"], name="relu3"),
        helper.make_node("MatMul", ["gr", "fc2_w"], ["y"], name="fc2"),
    ]
    graph = helper.make_graph(
        nodes,
        "qdq_cnn",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(INPUT_SHAPE))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
        [numpy_helper.from_array(v, k) for k, v in weights.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def calibration_inputs(count: int = 8, seed: int = 11) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(INPUT_SHAPE).astype(np.float32) for _ in range(count)]


def qdq_cnn(
    work_dir: Path,
    activations: str = "uint8",
    per_channel: bool = False,
    seed: int = 7,
    weights: str = "int8",
    extra_options: dict | None = None,
    quant_format: str = "QDQ",
) -> onnx.ModelProto:
    """`float_cnn` quantised by onnxruntime.quantization.quantize_static in `quant_format`
    ("QDQ" or "QOperator"; activations and weights "int8" or "uint8"; extra_options as
    quantize_static's)."""
    from onnxruntime.quantization import (
        CalibrationDataReader,
        QuantFormat,
        QuantType,
        quantize_static,
    )

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.data = iter([{"x": x} for x in calibration_inputs()])

        def get_next(self):  # type: ignore[override]
            return next(self.data, None)

    work_dir.mkdir(parents=True, exist_ok=True)
    src = work_dir / "float_cnn.onnx"
    dst = (
        work_dir / f"{quant_format}_cnn_{activations}_{weights}{'_pc' if per_channel else ''}.onnx"
    )
    onnx.save(float_cnn(seed), src)
    quantize_static(
        str(src),
        str(dst),
        Reader(),
        quant_format=QuantFormat.QDQ if quant_format == "QDQ" else QuantFormat.QOperator,
        activation_type=QuantType.QUInt8 if activations == "uint8" else QuantType.QInt8,
        weight_type=QuantType.QUInt8 if weights == "uint8" else QuantType.QInt8,
        per_channel=per_channel,
        # 7-bit weights: onnxruntime's x86 kernels without AVX-VNNI multiply u8 by s8 in
        # saturating 16-bit pairs (vpmaddubsw), so with full-range weights its reference
        # is off by tens of steps on such CPUs (seen on an AVX2 EPYC); reduce_range is
        # onnxruntime's own advice for them and keeps the reference exact everywhere
        reduce_range=True,
        extra_options=extra_options or {},
    )
    return onnx.load(str(dst))


# -- a transformer block ---------------------------------------------------------------------

SEQUENCE, WIDTH, HEADS, HIDDEN = 16, 64, 4, 128
TRANSFORMER_INPUT_SHAPE = (1, SEQUENCE, WIDTH)
TRANSFORMER_OPSET = 20  # Gelu


def float_transformer(seed: int = 5) -> onnx.ModelProto:
    """A pre-norm transformer encoder block on a 1x16x64 input, as exporters write it:
    LayerNormalization -> Q/K/V projections (MatMul + Add) -> 4 heads (Reshape,
    Transpose) -> Q K^T scaled -> Softmax -> x V -> heads merged -> output projection ->
    residual Add -> LayerNormalization -> MLP (MatMul + Add, Gelu, MatMul + Add) ->
    residual Add. Fixed random weights (1/sqrt(fan-in) scale)."""
    rng = np.random.default_rng(seed)
    head = WIDTH // HEADS

    def w(*shape: int) -> np.ndarray:
        return (rng.standard_normal(shape) / np.sqrt(shape[0])).astype(np.float32)

    def b(size: int) -> np.ndarray:
        return (rng.standard_normal(size) * 0.1).astype(np.float32)

    def gamma() -> np.ndarray:
        return (1 + 0.1 * rng.standard_normal(WIDTH)).astype(np.float32)

    weights = {
        "ln1_g": gamma(),
        "ln1_b": b(WIDTH),
        "wq": w(WIDTH, WIDTH),
        "bq": b(WIDTH),
        "wk": w(WIDTH, WIDTH),
        "bk": b(WIDTH),
        "wv": w(WIDTH, WIDTH),
        "bv": b(WIDTH),
        "wo": w(WIDTH, WIDTH),
        "bo": b(WIDTH),
        "ln2_g": gamma(),
        "ln2_b": b(WIDTH),
        "w1": w(WIDTH, HIDDEN),
        "b1": b(HIDDEN),
        "w2": w(HIDDEN, WIDTH),
        "b2": b(WIDTH),
        "split": np.array([1, SEQUENCE, HEADS, head], np.int64),
        "merged": np.array([1, SEQUENCE, WIDTH], np.int64),
        "scale": np.array(1 / np.sqrt(head), np.float32),
    }
    n = helper.make_node
    nodes = [
        n("LayerNormalization", ["x", "ln1_g", "ln1_b"], ["h1"], name="ln1", epsilon=1e-5),
    ]
    for p in "qkv":
        # keys transposed for Q K^T: (batch, head, dim, position)
        perm = [0, 2, 3, 1] if p == "k" else [0, 2, 1, 3]
        nodes += [
            n("MatMul", ["h1", f"w{p}"], [f"{p}0"], name=f"{p}_proj"),
            n("Add", [f"{p}0", f"b{p}"], [f"{p}1"], name=f"{p}_bias"),
            n("Reshape", [f"{p}1", "split"], [f"{p}2"], name=f"{p}_heads"),
            n("Transpose", [f"{p}2"], [f"{p}3"], name=f"{p}_transpose", perm=perm),
        ]
    nodes += [
        n("MatMul", ["q3", "k3"], ["s0"], name="scores"),
        n("Mul", ["s0", "scale"], ["s1"], name="scaled"),
        n("Softmax", ["s1"], ["attn"], name="softmax", axis=-1),
        n("MatMul", ["attn", "v3"], ["c0"], name="context"),
        n("Transpose", ["c0"], ["c1"], name="merge_transpose", perm=[0, 2, 1, 3]),
        n("Reshape", ["c1", "merged"], ["c2"], name="merge_heads"),
        n("MatMul", ["c2", "wo"], ["o0"], name="out_proj"),
        n("Add", ["o0", "bo"], ["o1"], name="out_bias"),
        n("Add", ["x", "o1"], ["r1"], name="residual1"),
        n("LayerNormalization", ["r1", "ln2_g", "ln2_b"], ["h2"], name="ln2", epsilon=1e-5),
        n("MatMul", ["h2", "w1"], ["m0"], name="fc1"),
        n("Add", ["m0", "b1"], ["m1"], name="fc1_bias"),
        n("Gelu", ["m1"], ["m2"], name="gelu"),
        n("MatMul", ["m2", "w2"], ["m3"], name="fc2"),
        n("Add", ["m3", "b2"], ["m4"], name="fc2_bias"),
        n("Add", ["r1", "m4"], ["y"], name="residual2"),
    ]
    graph = helper.make_graph(
        nodes,
        "transformer_block",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(TRANSFORMER_INPUT_SHAPE))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, list(TRANSFORMER_INPUT_SHAPE))],
        [numpy_helper.from_array(v, k) for k, v in weights.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", TRANSFORMER_OPSET)])
    model.ir_version = 9
    onnx.checker.check_model(model, full_check=True)
    return model


def quantize_default(
    model: onnx.ModelProto,
    calibration: list[np.ndarray],
    work_dir: Path,
    quant_format: str = "QDQ",
) -> onnx.ModelProto:
    """`model` (one input) quantised by quantize_static with onnxruntime's default
    settings, as a user would call it, but for the format: "QDQ" or "QOperator"."""
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, quantize_static

    name = model.graph.input[0].name

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.data = iter([{name: x} for x in calibration])

        def get_next(self):  # type: ignore[override]
            return next(self.data, None)

    work_dir.mkdir(parents=True, exist_ok=True)
    src = work_dir / f"{model.graph.name}_float.onnx"
    dst = work_dir / f"{model.graph.name}_{quant_format}.onnx"
    onnx.save(model, src)
    quantize_static(
        str(src),
        str(dst),
        Reader(),
        quant_format=QuantFormat.QDQ if quant_format == "QDQ" else QuantFormat.QOperator,
    )
    return onnx.load(str(dst))


def transformer_calibration_inputs(count: int = 8, seed: int = 13) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(TRANSFORMER_INPUT_SHAPE).astype(np.float32) for _ in range(count)]
