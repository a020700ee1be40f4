"""Build examples/int8_cnn: an integer network as Deeploy's quantisation flow writes it.

    python examples/make_int8_cnn.py

Integers are stored in float tensors and every layer is followed by Deeploy's
RequantShift, as in Deeploy's own test networks (Models/miniMobileNet): a 3x3 convolution,
a strided 3x3 depthwise convolution, a 1x1 (pointwise) convolution and a fully connected
layer on a 1x3x12x12 uint8 image. The reference outputs are computed here with numpy in
int64 (Deeploy's requantisation: clamp(floor((x * mul + add + div / 2) / div))), not by
the compiler; `deeploy run examples/int8_cnn` must match them bit for bit.

Layout as in Deeploy's test folders: network.onnx, inputs.npz, outputs.npz.
"""

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = Path(__file__).resolve().parent / "int8_cnn"
INPUT_SHAPE = (1, 3, 12, 12)


def conv(x: np.ndarray, w: np.ndarray, stride: int, pad: int, group: int) -> np.ndarray:
    """ONNX Conv on int64 (N = 1, square kernel, symmetric padding, no dilation)."""
    _, _, h, width = x.shape
    f, cg, k, _ = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = (h + 2 * pad - k) // stride + 1, (width + 2 * pad - k) // stride + 1
    out = np.zeros((1, f, oh, ow), np.int64)
    per_group = f // group
    for o in range(f):
        g = o // per_group
        for i in range(oh):
            for j in range(ow):
                window = xp[0, g * cg : (g + 1) * cg, i * stride : i * stride + k]
                window = window[:, :, j * stride : j * stride + k]
                out[0, o, i, j] = int(np.sum(window * w[o]))
    return out


def requant(
    acc: np.ndarray, mul: np.ndarray, add: np.ndarray, div: int, signed: bool
) -> np.ndarray:
    lo, hi = (-128, 127) if signed else (0, 255)
    return np.clip(np.floor_divide(acc * mul + add + div // 2, div), lo, hi)


def build() -> tuple[onnx.ModelProto, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(2026)
    image = rng.integers(0, 256, size=INPUT_SHAPE).astype(np.int64)
    nodes: list[onnx.NodeProto] = []
    inits: list[onnx.TensorProto] = []

    def requant_layer(x: str, acc: np.ndarray, y: str, signed: bool) -> np.ndarray:
        channels = (1, acc.shape[1], 1, 1) if acc.ndim == 4 else (1, acc.shape[1])
        mul = rng.integers(1, 128, size=channels).astype(np.int64)
        add = rng.integers(-2000, 2000, size=channels).astype(np.int64)
        # a power of two that maps the accumulators' spread onto the 8-bit range
        div = int(2 ** max(0, round(np.log2(max(1.0, float(np.std(acc * mul)) / 40)))))
        nodes.append(
            helper.make_node(
                "RequantShift",
                [x, f"{y}.mul", f"{y}.add"],
                [y],
                name=f"{y}.requant",
                div=numpy_helper.from_array(np.array(div, np.float32)),
                n_levels_out=numpy_helper.from_array(np.array([256.0], np.float32)),
                signed=numpy_helper.from_array(np.array([1.0 if signed else 0.0], np.float32)),
            )
        )
        inits.append(numpy_helper.from_array(mul.astype(np.float32), f"{y}.mul"))
        inits.append(numpy_helper.from_array(add.astype(np.float32), f"{y}.add"))
        return requant(acc, mul, add, div, signed)

    def conv_layer(
        x: str, value: np.ndarray, name: str, shape: tuple[int, ...], **attrs: int
    ) -> np.ndarray:
        w = rng.integers(-128, 128, size=shape).astype(np.int64)
        k, stride, pad, group = shape[-1], attrs["stride"], attrs["pad"], attrs["group"]
        nodes.append(
            helper.make_node(
                "Conv",
                [x, f"{name}.weight"],
                [f"{name}.acc"],
                name=name,
                kernel_shape=[k, k],
                strides=[stride, stride],
                pads=[pad] * 4,
                group=group,
            )
        )
        inits.append(numpy_helper.from_array(w.astype(np.float32), f"{name}.weight"))
        return conv(value, w, stride, pad, group)

    a = conv_layer("image", image, "conv", (8, 3, 3, 3), stride=1, pad=1, group=1)
    a = requant_layer("conv.acc", a, "conv.out", signed=True)
    a = conv_layer("conv.out", a, "depthwise", (8, 1, 3, 3), stride=2, pad=1, group=8)
    a = requant_layer("depthwise.acc", a, "depthwise.out", signed=False)
    a = conv_layer("depthwise.out", a, "pointwise", (16, 8, 1, 1), stride=1, pad=0, group=1)
    a = requant_layer("pointwise.acc", a, "pointwise.out", signed=True)
    nodes.append(helper.make_node("Flatten", ["pointwise.out"], ["flat"], name="flatten"))
    flat = a.reshape(1, -1)
    w = rng.integers(-128, 128, size=(10, flat.shape[1])).astype(np.int64)
    b = rng.integers(-5000, 5000, size=(10,)).astype(np.int64)
    nodes.append(
        helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["fc.acc"], name="fc", transB=1)
    )
    inits += [
        numpy_helper.from_array(w.astype(np.float32), "fc.weight"),
        numpy_helper.from_array(b.astype(np.float32), "fc.bias"),
    ]
    logits = requant_layer("fc.acc", flat @ w.T + b, "logits", signed=True)

    graph = helper.make_graph(
        nodes,
        "int8_cnn",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, list(INPUT_SHAPE))],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 10])],
        inits,
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="deeploy-xdsl examples"
    )
    model.ir_version = 8
    return model, image, logits


def main() -> None:
    model, image, logits = build()
    HERE.mkdir(exist_ok=True)
    onnx.save(model, HERE / "network.onnx")
    # integers, as Deeploy's test folders hold them: the input types are inferred from them
    np.savez(HERE / "inputs.npz", image=image)
    np.savez(HERE / "outputs.npz", logits=logits)
    print(f"wrote {HERE}: logits {logits.ravel().tolist()}")


if __name__ == "__main__":
    main()
