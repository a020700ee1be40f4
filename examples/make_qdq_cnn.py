"""Build examples/qdq_cnn: a small float32 CNN quantised by onnxruntime's quantize_static
(QDQ format, its default settings: int8 activations and weights), with test data.

    python examples/make_qdq_cnn.py      # needs onnxruntime

Writes, as in Deeploy's test folders, network.onnx (the quantised network as
quantize_static writes it), inputs.npz and outputs.npz (onnxruntime's outputs of the
quantised graph as written, without graph optimisations, as `deeploy run` computes its
references), and float.onnx, the float network it was quantised from:

    deeploy run examples/qdq_cnn --float-model examples/qdq_cnn/float.onnx --json
"""

import tempfile
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, quantize_static

HERE = Path(__file__).resolve().parent / "qdq_cnn"
INPUT_SHAPE = (4, 3, 16, 16)  # four images: four positions for the argmax agreement
CLASSES = 10


def build() -> onnx.ModelProto:
    rng = np.random.default_rng(2027)

    def w(*shape: int) -> np.ndarray:
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else shape[0]
        return (rng.standard_normal(shape) / np.sqrt(fan_in)).astype(np.float32)

    weights = {
        "conv1.w": w(8, 3, 3, 3),
        "conv1.b": w(8),
        "conv2.w": w(16, 8, 3, 3),
        "conv2.b": w(16),
        "fc.w": w(CLASSES, 16),
        "fc.b": w(CLASSES),
    }
    nodes = [
        helper.make_node(
            "Conv", ["image", "conv1.w", "conv1.b"], ["c1"], name="conv1", pads=[1, 1, 1, 1]
        ),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node(
            "MaxPool", ["r1"], ["p1"], name="pool1", kernel_shape=[2, 2], strides=[2, 2]
        ),
        helper.make_node(
            "Conv", ["p1", "conv2.w", "conv2.b"], ["c2"], name="conv2", pads=[1, 1, 1, 1]
        ),
        helper.make_node("Relu", ["c2"], ["r2"], name="relu2"),
        helper.make_node("GlobalAveragePool", ["r2"], ["g"], name="gap"),
        helper.make_node("Flatten", ["g"], ["f"], name="flatten"),
        helper.make_node("Gemm", ["f", "fc.w", "fc.b"], ["logits"], name="fc", transB=1),
    ]
    graph = helper.make_graph(
        nodes,
        "qdq_cnn",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, list(INPUT_SHAPE))],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [INPUT_SHAPE[0], CLASSES])],
        [numpy_helper.from_array(v, k) for k, v in weights.items()],
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="deeploy-xdsl examples"
    )
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


class Calibration(CalibrationDataReader):
    """Eight fixed batches of random images."""

    def __init__(self) -> None:
        rng = np.random.default_rng(11)
        batches = [rng.standard_normal(INPUT_SHAPE).astype(np.float32) for _ in range(8)]
        self.data = iter([{"image": x} for x in batches])

    def get_next(self):  # type: ignore[override]
        return next(self.data, None)


def main() -> None:
    HERE.mkdir(exist_ok=True)
    model = build()
    onnx.save(model, HERE / "float.onnx")
    with tempfile.TemporaryDirectory() as tmp:
        quantized = Path(tmp) / "network.onnx"
        quantize_static(str(HERE / "float.onnx"), str(quantized), Calibration(), QuantFormat.QDQ)
        (HERE / "network.onnx").write_bytes(quantized.read_bytes())
    image = np.random.default_rng(7).standard_normal(INPUT_SHAPE).astype(np.float32)
    options = ort.SessionOptions()
    # the graph as written: onnxruntime's fused quantised kernels round differently
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(
        str(HERE / "network.onnx"), options, providers=["CPUExecutionProvider"]
    )
    (logits,) = session.run(None, {"image": image})
    np.savez(HERE / "inputs.npz", image=image)
    np.savez(HERE / "outputs.npz", logits=logits)
    print(f"wrote {HERE}")


if __name__ == "__main__":
    main()
