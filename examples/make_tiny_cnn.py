"""Build examples/tiny_cnn: a small float32 CNN with its inputs and reference outputs.

    python examples/make_tiny_cnn.py      # needs onnxruntime for the reference outputs

Layout as in Deeploy's test folders: network.onnx, inputs.npz, outputs.npz.
"""

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

HERE = Path(__file__).resolve().parent / "tiny_cnn"


def build(
    input_shape: tuple[int, ...] = (1, 1, 16, 16),
    classes: int = 10,
    softmax: bool = True,
    seed: int = 2026,
    name: str = "tiny_cnn",
) -> onnx.ModelProto:
    """The network; make_qdq_cnn.py quantises it with other sizes, without the Softmax."""
    rng = np.random.default_rng(seed)

    def w(*shape: int) -> np.ndarray:
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else shape[0]
        return (rng.standard_normal(shape) / np.sqrt(fan_in)).astype(np.float32)

    weights = {
        "conv1.w": w(8, input_shape[1], 3, 3),
        "conv1.b": w(8),
        "conv2.w": w(16, 8, 3, 3),
        "conv2.b": w(16),
        "fc.w": w(classes, 16),
        "fc.b": w(classes),
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
    if softmax:
        nodes.append(helper.make_node("Softmax", ["logits"], ["probs"], name="softmax", axis=-1))
    graph = helper.make_graph(
        nodes,
        name,
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, list(input_shape))],
        [
            helper.make_tensor_value_info(
                "probs" if softmax else "logits", TensorProto.FLOAT, [input_shape[0], classes]
            )
        ],
        [numpy_helper.from_array(v, k) for k, v in weights.items()],
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="deeploy-xdsl examples"
    )
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def main() -> None:
    HERE.mkdir(exist_ok=True)
    model = build()
    onnx.save(model, HERE / "network.onnx")
    image = np.random.default_rng(7).standard_normal((1, 1, 16, 16)).astype(np.float32)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    (probs,) = session.run(None, {"image": image})
    np.savez(HERE / "inputs.npz", image=image)
    np.savez(HERE / "outputs.npz", probs=probs)
    print(f"wrote {HERE}")


if __name__ == "__main__":
    main()
