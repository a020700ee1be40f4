"""Build examples/mobilenetv2: a MobileNetV2-style float32 network on a 96x96 image.

    python examples/make_mobilenetv2.py      # needs onnxruntime for the reference outputs

MobileNetV2 (Sandler et al., 2018) at width 0.35 on a 1x3x96x96 input, as used for
person detection on microcontrollers: a strided 3x3 stem, then inverted residual blocks
(1x1 expansion by 6, 3x3 depthwise, 1x1 linear projection, ReLU6 as Clip 0..6 after the
first two, a residual Add where the block keeps its shape), a 1x1 head, global average
pooling and a fully connected classifier. Batch normalisation is folded into the weights,
as exporters do for inference. Weights are random (He-scaled, fixed seed): the network
is for measuring speed and memory, not for classifying.

Layout as in Deeploy's test folders: network.onnx, inputs.npz, outputs.npz.
"""

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

HERE = Path(__file__).resolve().parent / "mobilenetv2"
INPUT_SHAPE = (1, 3, 96, 96)
CLASSES = 10
# (expansion, output channels, repeats, first stride) at width 0.35, channels rounded to 8
BLOCKS = [
    (1, 8, 1, 1),
    (6, 8, 2, 2),
    (6, 16, 3, 2),
    (6, 24, 4, 2),
    (6, 32, 3, 1),
    (6, 56, 3, 2),
    (6, 112, 1, 1),
]
STEM, HEAD = 16, 1280


class Builder:
    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self.count = 0

    def name(self, kind: str) -> str:
        self.count += 1
        return f"{kind}{self.count}"

    def const(self, name: str, value: np.ndarray) -> str:
        self.inits.append(numpy_helper.from_array(value.astype(np.float32), name))
        return name

    def conv(self, x: str, cin: int, cout: int, k: int, stride: int, group: int = 1) -> str:
        name = self.name("conv")
        fan_in = cin // group * k * k
        w = self.rng.standard_normal((cout, cin // group, k, k)) * np.sqrt(2.0 / fan_in)
        b = self.rng.standard_normal(cout) * 0.05
        self.nodes.append(
            helper.make_node(
                "Conv",
                [x, self.const(f"{name}.w", w), self.const(f"{name}.b", b)],
                [name],
                name=name,
                kernel_shape=[k, k],
                strides=[stride, stride],
                pads=[k // 2] * 4,
                group=group,
            )
        )
        return name

    def relu6(self, x: str) -> str:
        name = self.name("relu6_")
        if not any(i.name == "six" for i in self.inits):
            self.const("zero", np.array(0.0))
            self.const("six", np.array(6.0))
        self.nodes.append(helper.make_node("Clip", [x, "zero", "six"], [name], name=name))
        return name

    def block(self, x: str, cin: int, expansion: int, cout: int, stride: int) -> str:
        hidden = cin * expansion
        y = x if expansion == 1 else self.relu6(self.conv(x, cin, hidden, 1, 1))
        y = self.relu6(self.conv(y, hidden, hidden, 3, stride, group=hidden))
        y = self.conv(y, hidden, cout, 1, 1)
        if stride == 1 and cin == cout:
            name = self.name("add")
            self.nodes.append(helper.make_node("Add", [x, y], [name], name=name))
            y = name
        return y


def build() -> onnx.ModelProto:
    b = Builder(seed=2026)
    x = b.relu6(b.conv("image", 3, STEM, 3, 2))
    channels = STEM
    for expansion, cout, repeats, stride in BLOCKS:
        for i in range(repeats):
            x = b.block(x, channels, expansion, cout, stride if i == 0 else 1)
            channels = cout
    x = b.relu6(b.conv(x, channels, HEAD, 1, 1))
    b.nodes.append(helper.make_node("GlobalAveragePool", [x], ["pooled"], name="pool"))
    b.nodes.append(helper.make_node("Flatten", ["pooled"], ["features"], name="flatten"))
    w = b.rng.standard_normal((CLASSES, HEAD)) * np.sqrt(1.0 / HEAD)
    b.nodes.append(
        helper.make_node(
            "Gemm",
            ["features", b.const("fc.w", w), b.const("fc.b", np.zeros(CLASSES))],
            ["logits"],
            name="fc",
            transB=1,
        )
    )
    graph = helper.make_graph(
        b.nodes,
        "mobilenetv2",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, list(INPUT_SHAPE))],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, CLASSES])],
        b.inits,
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="deeploy-xdsl examples"
    )
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def main() -> None:
    model = build()
    HERE.mkdir(exist_ok=True)
    onnx.save(model, HERE / "network.onnx")
    image = np.random.default_rng(7).random(INPUT_SHAPE).astype(np.float32)
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(model.SerializeToString(), options)
    (logits,) = session.run(None, {"image": image})
    np.savez(HERE / "inputs.npz", image=image)
    np.savez(HERE / "outputs.npz", logits=logits)
    macs = sum(_macs(n, model) for n in model.graph.node)
    print(f"wrote {HERE}: {len(model.graph.node)} nodes, {macs:,} MACs")


def _macs(node: onnx.NodeProto, model: onnx.ModelProto) -> int:
    """Multiply-accumulates of a Conv or Gemm (for the summary line)."""
    inferred = onnx.shape_inference.infer_shapes(model)
    shapes = {
        v.name: [d.dim_value for d in v.type.tensor_type.shape.dim]
        for v in [*inferred.graph.value_info, *inferred.graph.output]
    }
    weights = {t.name: list(t.dims) for t in model.graph.initializer}
    if node.op_type == "Conv":
        out = shapes[node.output[0]]
        w = weights[node.input[1]]
        return int(np.prod(out)) * int(np.prod(w[1:]))
    if node.op_type == "Gemm":
        return int(np.prod(weights[node.input[1]]))
    return 0


if __name__ == "__main__":
    main()
