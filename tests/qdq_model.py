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
