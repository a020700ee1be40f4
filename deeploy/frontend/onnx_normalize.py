"""Bring ONNX nodes of any opset into the one form the `graph` dialect defines.

The dialect follows the newest schema of each operator. Older opsets kept some inputs as
attributes (Reduce* axes, Squeeze/Unsqueeze axes, Split sizes, Pad pads, Clip bounds,
Slice bounds) or had other semantics (Softmax before opset 13 flattened to 2-D); each
rewrite below turns such a node into its newest form. Identity and Dropout disappear,
`com.microsoft` Gelu becomes ONNX Gelu.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from deeploy.dialects.op_signature import float_value, int_value
from deeploy.errors import ModelError, UnsupportedError


@dataclass
class Node:
    op_type: str
    domain: str
    name: str
    inputs: list[str]
    outputs: list[str]
    attrs: dict[str, object] = field(default_factory=dict)

    def describe(self) -> str:
        return f"'{self.name}' ({self.op_type})"


@dataclass
class TensorInfo:
    dtype: np.dtype
    shape: tuple[int, ...]


class NormalizeContext:
    """What a rewrite may look at and add: tensor types, constants, opsets."""

    def __init__(
        self,
        types: dict[str, TensorInfo],
        constants: dict[str, np.ndarray],
        opsets: dict[str, int],
    ) -> None:
        self.types = types
        self.constants = constants
        self.opsets = opsets
        self.aliases: dict[str, str] = {}
        self._fresh = 0

    def fresh(self, hint: str) -> str:
        while True:
            self._fresh += 1
            name = f"{hint}__{self._fresh}"
            if name not in self.types and name not in self.constants:
                return name

    def add_constant(self, array: np.ndarray, hint: str) -> str:
        name = self.fresh(hint)
        self.constants[name] = array
        self.types[name] = TensorInfo(array.dtype, tuple(array.shape))
        return name

    def opset(self, domain: str = "") -> int:
        return self.opsets.get(domain, self.opsets.get("ai.onnx", 0))


Rewrite = Callable[[Node, NormalizeContext], list[Node]]


def _attr_to_input(attr: str, position: int, dtype: type = np.int64) -> Rewrite:
    """Move attribute `attr` to input `position` as an int64 constant."""

    def rewrite(node: Node, ctx: NormalizeContext) -> list[Node]:
        if attr not in node.attrs:
            return [node]
        value: np.ndarray = np.asarray(node.attrs.pop(attr), dtype=dtype)
        inputs = list(node.inputs) + [""] * max(0, position - len(node.inputs))
        inputs.insert(position, ctx.add_constant(value, f"{node.name}_{attr}"))
        node.inputs = inputs
        return [node]

    return rewrite


def _pad_v2(node: Node, ctx: NormalizeContext) -> list[Node]:
    dtype = ctx.types[node.inputs[0]].dtype
    pads = np.asarray(node.attrs.pop("pads"), dtype=np.int64)
    fill = float_value(node.attrs.pop("value", 0.0))
    if dtype.kind in "iub" and not (np.isfinite(fill) and fill == int(fill)):
        # an integer tensor padded with a float that no integer equals
        raise ModelError(f"node {node.describe()}: pad value {fill} does not fit {dtype}")
    if dtype.kind in "iu" and not np.iinfo(dtype).min <= fill <= np.iinfo(dtype).max:
        raise ModelError(f"node {node.describe()}: pad value {fill} does not fit {dtype}")
    value = np.asarray(fill, dtype=dtype)
    node.inputs = [
        node.inputs[0],
        ctx.add_constant(pads, f"{node.name}_pads"),
        ctx.add_constant(value, f"{node.name}_value"),
    ]
    return [node]


def _clip_v6(node: Node, ctx: NormalizeContext) -> list[Node]:
    dtype = ctx.types[node.inputs[0]].dtype
    lo = node.attrs.pop("min", None)
    hi = node.attrs.pop("max", None)
    inputs = [node.inputs[0]]
    inputs.append(
        "" if lo is None else ctx.add_constant(np.asarray(lo, dtype=dtype), f"{node.name}_min")
    )
    inputs.append(
        "" if hi is None else ctx.add_constant(np.asarray(hi, dtype=dtype), f"{node.name}_max")
    )
    node.inputs = inputs
    return [node]


def _slice_v1(node: Node, ctx: NormalizeContext) -> list[Node]:
    inputs = [node.inputs[0]]
    for attr in ("starts", "ends", "axes"):
        if attr in node.attrs:
            inputs.append(
                ctx.add_constant(
                    np.asarray(node.attrs.pop(attr), dtype=np.int64), f"{node.name}_{attr}"
                )
            )
    node.inputs = inputs
    return [node]


def _softmax_v1(node: Node, ctx: NormalizeContext) -> list[Node]:
    """Before opset 13, Softmax normalised over all axes from `axis` on (flattened to 2-D)."""
    info = ctx.types[node.inputs[0]]
    rank = len(info.shape)
    axis = int_value(node.attrs.get("axis", 1)) % max(rank, 1)
    if axis == rank - 1:
        node.attrs["axis"] = -1
        return [node]
    outer = int(np.prod(info.shape[:axis], dtype=np.int64))
    inner = int(np.prod(info.shape[axis:], dtype=np.int64))
    flat_shape = ctx.add_constant(np.array([outer, inner], dtype=np.int64), f"{node.name}_flat")
    back_shape = ctx.add_constant(np.array(info.shape, dtype=np.int64), f"{node.name}_shape")
    flat_in, flat_out = ctx.fresh(f"{node.name}_in2d"), ctx.fresh(f"{node.name}_out2d")
    ctx.types[flat_in] = ctx.types[flat_out] = TensorInfo(info.dtype, (outer, inner))
    return [
        Node("Reshape", "", f"{node.name}_flatten", [node.inputs[0], flat_shape], [flat_in]),
        Node(node.op_type, "", node.name, [flat_in], [flat_out], {"axis": -1}),
        Node("Reshape", "", f"{node.name}_unflatten", [flat_out, back_shape], list(node.outputs)),
    ]


def _cast_like(node: Node, ctx: NormalizeContext) -> list[Node]:
    """CastLike(x, like) is Cast(x, to=like's element type), which is static here."""
    from onnx import helper

    like = ctx.types.get(node.inputs[1])
    if like is None:
        return [node]
    to = helper.np_dtype_to_tensor_dtype(like.dtype)
    attrs = {k: v for k, v in node.attrs.items() if k == "saturate"}
    return [Node("Cast", "", node.name, [node.inputs[0]], node.outputs, {**attrs, "to": to})]


def _pow_float_exponent(node: Node, ctx: NormalizeContext) -> list[Node]:
    """A float base with a constant integer exponent (as in `x ** 2` exports) gets a float
    exponent: the kernels are float-only, and the result type is the base's anyway."""
    base = ctx.types.get(node.inputs[0])
    exponent = ctx.constants.get(node.inputs[1]) if len(node.inputs) > 1 else None
    if (
        base is None
        or base.dtype.kind != "f"
        or exponent is None
        or exponent.dtype.kind not in "iu"
    ):
        return [node]
    as_float = ctx.add_constant(exponent.astype(base.dtype), f"{node.inputs[1]}_float")
    return [
        Node("Pow", node.domain, node.name, [node.inputs[0], as_float], node.outputs, node.attrs)
    ]


def _ms_gelu(node: Node, ctx: NormalizeContext) -> list[Node]:
    return [Node("Gelu", "", node.name, node.inputs, node.outputs, {"approximate": "none"})]


def _drop(node: Node, ctx: NormalizeContext) -> list[Node]:
    """Identity, and Dropout at inference: the output is the input."""
    extra = [o for o in node.outputs[1:] if o]
    if extra:
        raise UnsupportedError(
            f"node {node.describe()}: its mask output '{extra[0]}' is not supported"
        )
    if node.op_type == "Dropout" and len(node.inputs) > 2 and node.inputs[2]:
        training = ctx.constants.get(node.inputs[2])
        if training is None or bool(np.asarray(training).reshape(-1)[0]):
            raise UnsupportedError(
                f"node {node.describe()}: Dropout in training mode is not supported "
                "(training_mode must be absent or a constant false)"
            )
    ctx.aliases[node.outputs[0]] = ctx.aliases.get(node.inputs[0], node.inputs[0])
    return []


# (op_type, domain group) -> [(first opset version that no longer needs it, rewrite)]
_REDUCE_AXES_INPUT_SINCE = {"ReduceSum": 13}
_VERSIONED: dict[str, list[tuple[int, Rewrite]]] = {
    "Pad": [(11, _pad_v2)],
    "Clip": [(11, _clip_v6)],
    "Slice": [(10, _slice_v1)],
    "Squeeze": [(13, _attr_to_input("axes", 1))],
    "Unsqueeze": [(13, _attr_to_input("axes", 1))],
    "Split": [(13, _attr_to_input("split", 1))],
    "TopK": [(10, _attr_to_input("k", 1))],
    "Softmax": [(13, _softmax_v1)],
    "LogSoftmax": [(13, _softmax_v1)],
    "Hardmax": [(13, _softmax_v1)],
}
for _reduce in (
    "ReduceMean",
    "ReduceMax",
    "ReduceMin",
    "ReduceProd",
    "ReduceL1",
    "ReduceL2",
    "ReduceLogSum",
    "ReduceLogSumExp",
    "ReduceSumSquare",
    "ReduceSum",
):
    _VERSIONED[_reduce] = [(_REDUCE_AXES_INPUT_SINCE.get(_reduce, 18), _attr_to_input("axes", 1))]

_ALWAYS: dict[tuple[str, str], Rewrite] = {
    ("Identity", ""): _drop,
    ("Dropout", ""): _drop,
    ("CastLike", ""): _cast_like,
    ("Pow", ""): _pow_float_exponent,
    ("Gelu", "com.microsoft"): _ms_gelu,
}

STANDARD_DOMAINS = ("", "ai.onnx")


def normalize(node: Node, ctx: NormalizeContext) -> list[Node]:
    node.inputs = [ctx.aliases.get(i, i) for i in node.inputs]
    domain = "" if node.domain in STANDARD_DOMAINS else node.domain
    rewrite = _ALWAYS.get((node.op_type, domain))
    if rewrite is not None:
        return rewrite(node, ctx)
    if domain == "":
        for since, step in _VERSIONED.get(node.op_type, []):
            if ctx.opset() < since:
                return step(node, ctx)
    return [node]
