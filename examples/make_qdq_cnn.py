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
from make_tiny_cnn import build as tiny_cnn  # beside this script
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, quantize_static

HERE = Path(__file__).resolve().parent / "qdq_cnn"
INPUT_SHAPE = (4, 3, 16, 16)  # four images: four positions for the argmax agreement
CLASSES = 10


def build() -> onnx.ModelProto:
    """examples/tiny_cnn's network on 3-channel images, without its Softmax."""
    return tiny_cnn(INPUT_SHAPE, CLASSES, softmax=False, seed=2027, name="qdq_cnn")


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
