"""Random small ONNX graphs for differential testing (a hypothesis strategy).

`graph_cases()` draws a chain or small DAG of 1-6 operator steps. The graph grows one step
at a time from a graph input while the generator tracks every tensor's shape, so each
node's attributes are drawn to be valid for the shape it reads. Second operands are
constants (initializers, Constant nodes, or small constant subgraphs the compiler folds;
weights are sometimes shared), fresh graph inputs, or earlier tensors (residual
connections, so buffers get overlapping lifetimes); sometimes the graph branches from an
earlier tensor, tensors nothing reads become graph outputs, and so do a few others.

Each operator is one `OpEntry` in `OPS`: a predicate on the shape of the tensor it reads, a
builder that draws the attributes, adds the node(s) to a `GraphBuilder` and returns the
float tensor the graph continues from, and the first opset that has it. Adding an operator
means adding one entry. The opset is drawn too, and builders write the form that opset
defines (Reduce axes and Squeeze axes as attributes or inputs, ...).

Structure (operators, attributes, shapes) comes from hypothesis draws, so failures shrink;
tensor values come from a numpy generator seeded by one drawn integer. Values stay modest
(inputs in [-2, 2], weights scaled by 1/sqrt(fan-in), divisors in +-[0.5, 2], Sqrt/Log/
Reciprocal read |x| + c, reductions bounded in length) so that float32 rounding stays well
inside the differential test's 1e-4 tolerance. `run_reference` computes onnxruntime's
outputs and checks every generated shape against them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import onnx
from hypothesis import assume
from hypothesis import strategies as st
from onnx import TensorProto, helper, numpy_helper

T = TypeVar("T")
Shape = tuple[int, ...]
Draw = Callable[[st.SearchStrategy[T]], T]

MAX_ELEMS = 4096  # per tensor: a case must compile and run in about a second
MAX_RANK = 6
# Reduce ops: (first opset taking axes as an input, most terms one output may combine):
# longer sums of O(1) values round beyond the tolerance, longer products overflow it.
REDUCE_OPS: dict[str, tuple[int, int]] = {
    "ReduceSum": (13, 32),
    "ReduceMean": (18, 512),
    "ReduceMax": (18, MAX_ELEMS),
    "ReduceMin": (18, MAX_ELEMS),
    "ReduceProd": (18, 6),
    "ReduceSumSquare": (18, 16),
    "ReduceL1": (18, 32),
    "ReduceL2": (18, 64),
    "ReduceLogSumExp": (18, 64),
}
OPSETS = (11, 13, 17, 18, 20, 22, 24)
INPUT_RANGE = 2.0


def numel(shape: Shape) -> int:
    return math.prod(shape)


def broadcast(a: Shape, b: Shape) -> Shape | None:
    """numpy's broadcast of two shapes, or None if they are incompatible."""
    rank = max(len(a), len(b))
    pa = (1,) * (rank - len(a)) + a
    pb = (1,) * (rank - len(b)) + b
    out = []
    for x, y in zip(pa, pb):
        if x != y and 1 not in (x, y):
            return None
        out.append(max(x, y))
    return tuple(out)


@dataclass(frozen=True)
class Tensor:
    name: str
    shape: Shape
    dtype: int = TensorProto.FLOAT  # an onnx.TensorProto element type


@dataclass(frozen=True)
class NodeInfo:
    """One generated node as the test's exclusion predicates and descriptions see it."""

    op_type: str
    inputs: tuple[str, ...]  # '' for an absent optional input
    input_shapes: tuple[Shape | None, ...]
    attrs: dict[str, object]
    outputs: tuple[Tensor, ...]

    @property
    def output(self) -> Tensor:
        return self.outputs[0]


@dataclass
class GraphCase:
    model: onnx.ModelProto
    inputs: list[np.ndarray]
    nodes: list[NodeInfo]
    outputs: list[Tensor]
    description: str

    def save(self, directory: Path, expected: Sequence[np.ndarray] | None = None) -> Path:
        """Write a Deeploy test folder (`deeploy run DIR` replays it) and a description."""
        directory.mkdir(parents=True, exist_ok=True)
        onnx.save(self.model, directory / "network.onnx")
        np.savez(directory / "inputs.npz", *self.inputs)
        if expected is not None:
            np.savez(directory / "outputs.npz", *expected)
        (directory / "graph.txt").write_text(self.description + "\n")
        return directory


def _format_value(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, bytes):
        return repr(value.decode())
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_format_value(v) for v in value) + "]"
    return repr(value) if isinstance(value, str) else str(value)


def _format_shape(shape: Shape | None) -> str:
    return "[" + ",".join(map(str, shape)) + "]" if shape is not None else "?"


class GraphBuilder:
    """Accumulates nodes, inputs and constants; every tensor's shape is known."""

    def __init__(self, draw: Draw, seed: int, opset: int) -> None:
        self.draw = draw
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.opset = opset
        self.nodes: list[onnx.NodeProto] = []
        self.infos: list[NodeInfo] = []
        self.graph_inputs: list[tuple[Tensor, np.ndarray, str]] = []
        self.initializers: dict[str, np.ndarray] = {}
        self.constants: dict[str, np.ndarray] = {}  # initializers and Constant nodes
        self.const_kinds: dict[str, str] = {}  # const, Constant or folded (Neg of a const)
        self.weights: dict[tuple[Shape, int], list[str]] = {}  # by shape and fan-in
        self.shapes: dict[str, Shape] = {}
        self.activations: list[Tensor] = []  # graph inputs and node outputs, in order
        self.consumed: set[str] = set()
        self._count = 0

    # -- drawing ------------------------------------------------------------------------

    def int(self, lo: int, hi: int) -> int:
        return self.draw(st.integers(lo, max(lo, hi)))

    def pick(self, options: Sequence[T]) -> T:
        """One of `options`; shrinks towards the first, so list the simplest first."""
        return self.draw(st.sampled_from(list(options)))

    def rarely(self, one_in: int = 4) -> bool:
        """True about once in `one_in` draws; shrinks to False."""
        return self.draw(st.integers(0, one_in - 1)) == one_in - 1

    def coin(self) -> bool:
        return self.draw(st.booleans())

    # -- tensors ------------------------------------------------------------------------

    def fresh(self, prefix: str) -> str:
        self._count += 1
        return f"{prefix}{self._count}"

    def input(self, shape: Shape, away_from_zero: bool = False) -> Tensor:
        """A new graph input; divisors get values in +-[0.5, 2]."""
        if away_from_zero:
            values = self._away_from_zero(shape)
            note = "+-U(0.5,2)"
        else:
            values = np.asarray(self.rng.uniform(-INPUT_RANGE, INPUT_RANGE, shape), np.float32)
            note = f"U(-{INPUT_RANGE:g},{INPUT_RANGE:g})"
        tensor = Tensor(self.fresh("in"), shape)
        self.graph_inputs.append((tensor, values, note))
        self.shapes[tensor.name] = shape
        self.activations.append(tensor)
        return tensor

    def _away_from_zero(self, shape: Shape) -> np.ndarray:
        magnitude = self.rng.uniform(0.5, 2.0, shape)
        sign = np.where(self.rng.random(shape) < 0.5, -1.0, 1.0)
        return np.asarray(magnitude * sign, np.float32)

    def const(self, array: np.ndarray, prefix: str = "w") -> str:
        """A constant: an initializer, a Constant node, or Neg of a negated initializer (a
        constant subgraph); the compiler folds all three."""
        name = self.fresh(prefix)
        self.constants[name] = array
        self.shapes[name] = tuple(array.shape)
        kind = self.pick(["const", "Constant", "folded"]) if self.rarely(4) else "const"
        self.const_kinds[name] = kind
        if kind == "Constant":
            value = numpy_helper.from_array(array)
            self.nodes.append(
                helper.make_node("Constant", [], [name], name=f"n_{name}", value=value)
            )
        elif kind == "folded":
            negated = f"{name}_neg"
            self.initializers[negated] = np.negative(array)
            self.nodes.append(helper.make_node("Neg", [negated], [name], name=f"n_{name}"))
        else:
            self.initializers[name] = array
        return name

    def weight(self, shape: Shape, fan_in: int = 1) -> str:
        """Uniform values with variance 1/fan_in, so products keep O(1) magnitudes; sometimes
        an earlier weight of the same shape and fan-in (shared weights)."""
        shared = self.weights.get((shape, fan_in), [])
        if shared and self.rarely(5):
            return self.pick(shared)
        scale = math.sqrt(3.0 / max(fan_in, 1))
        name = self.const(np.asarray(self.rng.uniform(-scale, scale, shape), np.float32))
        self.weights.setdefault((shape, fan_in), []).append(name)
        return name

    def ints(self, values: Sequence[int]) -> str:
        return self.const(np.array(list(values), dtype=np.int64), prefix="k")

    def scalar(self, value: float) -> str:
        return self.const(np.array(value, dtype=np.float32), prefix="s")

    def operand(self, shape: Shape, fan_in: int = 1, away_from_zero: bool = False) -> str:
        """A second operand of `shape`: mostly a constant, sometimes a fresh graph input."""
        if self.rarely(3):
            return self.input(shape, away_from_zero).name
        if away_from_zero:
            return self.const(self._away_from_zero(shape))
        return self.weight(shape, fan_in)

    def floats(self) -> list[Tensor]:
        """The float activations: what later float operators may read."""
        return [t for t in self.activations if t.dtype == TensorProto.FLOAT]

    def earlier(self, fits: Callable[[Shape], bool]) -> Tensor | None:
        """Sometimes an earlier activation whose shape `fits` (a residual connection)."""
        candidates = [t for t in self.floats() if fits(t.shape)]
        if not candidates or not self.rarely(3):
            return None
        return self.pick(candidates)

    def node(
        self,
        op_type: str,
        inputs: Sequence[str],
        out_shape: Shape,
        dtype: int = TensorProto.FLOAT,
        **attrs: object,
    ) -> Tensor:
        return self.multi_node(op_type, inputs, [out_shape], dtype, **attrs)[0]

    def multi_node(
        self,
        op_type: str,
        inputs: Sequence[str],
        out_shapes: Sequence[Shape],
        dtype: int = TensorProto.FLOAT,
        **attrs: object,
    ) -> list[Tensor]:
        """A node with one output of `dtype` per shape; attributes set to None are left out."""
        outs = [Tensor(self.fresh("t"), tuple(shape), dtype) for shape in out_shapes]
        attrs = {k: v for k, v in attrs.items() if v is not None}
        name = f"n{len(self.infos)}_{op_type}"
        self.nodes.append(
            helper.make_node(op_type, list(inputs), [o.name for o in outs], name=name, **attrs)
        )
        input_shapes = tuple(self.shapes.get(i) for i in inputs)
        self.infos.append(NodeInfo(op_type, tuple(inputs), input_shapes, attrs, tuple(outs)))
        self.consumed.update(inputs)
        for out in outs:
            self.shapes[out.name] = out.shape
            self.activations.append(out)
        return outs

    # -- the model ----------------------------------------------------------------------

    def finish(self, last: Tensor) -> GraphCase:
        """Outputs: the last tensor, every node output nothing reads (but now and then one is
        left dead, for dead-code elimination), and a few more."""
        outputs = [last]
        for t in (out for info in self.infos for out in info.outputs):
            if t == last:
                continue
            leaf = t.name not in self.consumed
            if (leaf and not self.rarely(8)) or (not leaf and self.rarely(6)):
                outputs.append(t)
        return GraphCase(
            self._model(outputs),
            [values for _, values, _ in self.graph_inputs],
            list(self.infos),
            outputs,
            self.describe(outputs),
        )

    def _model(self, outputs: list[Tensor]) -> onnx.ModelProto:
        def info(t: Tensor) -> onnx.ValueInfoProto:
            return helper.make_tensor_value_info(t.name, t.dtype, list(t.shape))

        graph = helper.make_graph(
            self.nodes,
            "differential",
            [info(t) for t, _, _ in self.graph_inputs],
            [info(t) for t in outputs],
            [numpy_helper.from_array(v, k) for k, v in self.initializers.items()],
        )
        opsets = [helper.make_opsetid("", self.opset)]
        model = helper.make_model(graph, opset_imports=opsets)
        model.ir_version = helper.find_min_ir_version_for(opsets)
        return model

    def describe(self, outputs: list[Tensor]) -> str:
        lines = [f"opset {self.opset}, value seed {self.seed}"]
        for t, _, note in self.graph_inputs:
            lines.append(f"  input {t.name}{_format_shape(t.shape)} ~ {note}")
        for info in self.infos:
            args = ", ".join(self._describe_operand(name) for name in info.inputs)
            attrs = " ".join(f"{k}={_format_value(v)}" for k, v in info.attrs.items())
            outs = ", ".join(f"{o.name}{_format_shape(o.shape)}" for o in info.outputs)
            lines.append(f"  {outs} = {info.op_type}({args}) {attrs}".rstrip())
        lines.append("  outputs: " + ", ".join(t.name for t in outputs))
        return "\n".join(lines)

    def _describe_operand(self, name: str) -> str:
        if not name:
            return "<none>"
        shape = _format_shape(self.shapes.get(name))
        if name not in self.constants:
            return f"{name}{shape}"
        array = self.constants[name]
        kind = self.const_kinds[name]
        if array.dtype == np.int64 or array.size <= 4:
            return f"{name}:{kind}{shape}={_format_value(array.reshape(-1).tolist())}"
        return f"{name}:{kind}{shape}"


def run_reference(case: GraphCase) -> list[np.ndarray]:
    """onnxruntime's outputs of `case`, after checking every tensor's shape against the
    generator's (onnxruntime is the reference; onnx's own shape inference disagrees with it
    on some pooling ceil_mode windows)."""
    import onnxruntime as ort

    probe = onnx.ModelProto()
    probe.CopyFrom(case.model)
    declared = {o.name for o in probe.graph.output}
    for out in (out for info in case.nodes for out in info.outputs):
        if out.name not in declared:
            probe.graph.output.append(helper.make_tensor_value_info(out.name, out.dtype, None))
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(
        probe.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    names = [i.name for i in session.get_inputs()]
    results = session.run(None, dict(zip(names, case.inputs)))
    shapes = {out.name: out.shape for info in case.nodes for out in info.outputs}
    for value, result in zip(probe.graph.output, results):
        if tuple(result.shape) != shapes[value.name]:
            raise AssertionError(
                f"graphgen: onnxruntime gives {value.name} the shape {tuple(result.shape)}, "
                f"the generator {shapes[value.name]}\n{case.description}"
            )
    return results[: len(case.outputs)]


# -- shape helpers used by several operators ----------------------------------------------


def _axis(b: GraphBuilder, rank: int) -> tuple[int, int]:
    """(normalised axis, axis as written: sometimes negative)."""
    axis = b.int(0, rank - 1)
    return axis, axis - rank if b.coin() else axis


def _broadcast_partner(b: GraphBuilder, shape: Shape) -> Shape:
    """A random shape that broadcasts with `shape` (may drop, add, shrink to 1 or expand axes)."""
    rank = b.int(0, min(len(shape) + 1, MAX_RANK))
    partner: list[int] = []
    for i in range(1, rank + 1):
        if i <= len(shape):
            dim = shape[-i]
            partner.append(b.pick([dim, 1]) if dim != 1 else b.pick([1, b.int(1, 4)]))
        else:
            partner.append(b.int(1, 3))
    result = tuple(reversed(partner))
    out = broadcast(shape, result)
    if out is None or numel(out) > MAX_ELEMS:
        return shape
    return result


def _factor(b: GraphBuilder, n: int, rank: int) -> Shape:
    """A random shape of `rank` axes with `n` elements."""
    dims = [1] * rank
    p = 2
    rest = n
    while rest > 1:
        while rest % p == 0:
            dims[b.int(0, rank - 1)] *= p
            rest //= p
        p += 1
    return tuple(dims)


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


# -- operators ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OpEntry:
    op_type: str
    applies: Callable[[Shape], bool]
    build: Callable[[GraphBuilder, Tensor], Tensor]
    min_opset: int = 1
    weight: int = 1  # relative frequency among the entries that apply


def _any_rank(shape: Shape) -> bool:
    return True


def _ranked(shape: Shape) -> bool:
    return len(shape) >= 1


def _spatial(shape: Shape) -> bool:
    return len(shape) in (3, 4)


def _global_poolable(shape: Shape) -> bool:
    return 3 <= len(shape) <= 5


def build_unary(op_type: str) -> Callable[[GraphBuilder, Tensor], Tensor]:
    def build(b: GraphBuilder, x: Tensor) -> Tensor:
        return b.node(op_type, [x.name], x.shape)

    return build


def build_gelu(b: GraphBuilder, x: Tensor) -> Tensor:
    approximate = b.pick([None, "none", "tanh"])
    return b.node("Gelu", [x.name], x.shape, approximate=approximate)


def build_clip(b: GraphBuilder, x: Tensor) -> Tensor:
    lo = round(-b.int(0, 6) * 0.25, 2) if b.coin() else None
    hi = round(b.int(0, 6) * 0.25, 2) if b.coin() else None
    inputs = [
        x.name,
        b.scalar(lo) if lo is not None else "",
        b.scalar(hi) if hi is not None else "",
    ]
    while inputs[-1] == "":
        inputs.pop()
    return b.node("Clip", inputs, x.shape)


def build_binary(op_type: str) -> Callable[[GraphBuilder, Tensor], Tensor]:
    """Broadcasting binary op; the other operand is a constant, an input or an earlier tensor."""

    def build(b: GraphBuilder, x: Tensor) -> Tensor:
        if op_type == "Div":
            return _div(b, x)
        if op_type == "Pow":
            return _pow(b, x)
        other = b.earlier(
            lambda s: (o := broadcast(x.shape, s)) is not None and numel(o) <= MAX_ELEMS
        )
        if other is not None:
            name, shape = other.name, other.shape
        else:
            shape = _broadcast_partner(b, x.shape)
            name = b.operand(shape)
        out = broadcast(x.shape, shape)
        assert out is not None
        operands = [x.name, name] if not b.coin() else [name, x.name]
        return b.node(op_type, operands, out)

    return build


def _div(b: GraphBuilder, x: Tensor) -> Tensor:
    """x / d with d bounded away from zero (a constant or an input, never a computed tensor)."""
    shape = _broadcast_partner(b, x.shape)
    divisor = b.operand(shape, away_from_zero=True)
    out = broadcast(x.shape, shape)
    assert out is not None
    return b.node("Div", [x.name, divisor], out)


def _pow(b: GraphBuilder, x: Tensor) -> Tensor:
    """x ** e with small integer exponents, so negative bases stay defined."""
    shape = _broadcast_partner(b, x.shape)
    exponent = np.asarray(b.rng.integers(1, 4, shape), np.float32)
    out = broadcast(x.shape, shape)
    assert out is not None
    return b.node("Pow", [x.name, b.const(exponent, prefix="e")], out)


def _window_axis(
    b: GraphBuilder, size: int, dilate: bool, pad_below_kernel: bool
) -> tuple[int, int, int, int, int]:
    """(kernel, stride, dilation, pad_begin, pad_end) valid for one spatial axis."""
    k = b.int(1, 4)
    stride = b.int(1, 3)
    dilation = b.int(1, 3) if dilate else 1
    pad_cap = k - 1 if pad_below_kernel else 2
    p0, p1 = b.int(0, min(pad_cap, 2)), b.int(0, min(pad_cap, 2))
    if (k - 1) * dilation + 1 > size + p0 + p1:
        dilation = 1
        k = min(k, size + p0 + p1)
        if pad_below_kernel:
            # a smaller kernel must still exceed the pads (onnxruntime requires it)
            k = min(k, size)
            p0, p1 = min(p0, k - 1), min(p1, k - 1)
    return k, stride, dilation, p0, p1


def window_out(
    size: int, k: int, s: int, d: int, p0: int, p1: int, ceil: bool, last_rule: bool = True
) -> int:
    """Output length of a window op along one axis (as onnxruntime computes it)."""
    span = size + p0 + p1 - ((k - 1) * d + 1)
    if not ceil:
        return span // s + 1
    out = -(-span // s) + 1
    # the last window must start inside the input or its begin padding
    return out - 1 if last_rule and (out - 1) * s >= size + p0 else out


def _auto_pad(b: GraphBuilder) -> str:
    return b.pick(["NOTSET", "NOTSET", "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"])


def _same_out(size: int, stride: int) -> int:
    return -(-size // stride)


def _same_fits(spatial: Shape, kernel: Shape, strides: list[int], dilations: list[int]) -> bool:
    """SAME padding needs windows that reach the input's end (onnxruntime rejects negative
    padding)."""
    return all(
        (_same_out(s, st_) - 1) * st_ + (k - 1) * d + 1 >= s
        for s, k, st_, d in zip(spatial, kernel, strides, dilations)
    )


def _window_attrs(
    b: GraphBuilder, spatial: Shape, dilate: bool, pool: bool
) -> tuple[dict[str, object], Shape, Shape]:
    """Attributes for Conv/pooling windows, the output spatial shape, the kernel shape."""
    axes = [_window_axis(b, size, dilate, pad_below_kernel=pool) for size in spatial]
    kernel = tuple(a[0] for a in axes)
    strides = [a[1] for a in axes]
    dilations = [a[2] for a in axes]
    pads = [a[3] for a in axes] + [a[4] for a in axes]
    auto_pad = _auto_pad(b)
    ceil = pool and auto_pad == "NOTSET" and b.coin()
    if auto_pad in ("SAME_UPPER", "SAME_LOWER") and (
        # onnxruntime supports SAME padding only without dilation
        any(d != 1 for d in dilations) or not _same_fits(spatial, kernel, strides, dilations)
    ):
        auto_pad = "NOTSET"
    if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        out = tuple(_same_out(s, st_) for s, st_ in zip(spatial, strides))
    elif auto_pad == "VALID":
        # VALID drops the pads, which the kernel size was chosen against
        kernel = tuple(
            min(k, s) if (k - 1) * d + 1 > s else k for k, s, d in zip(kernel, spatial, dilations)
        )
        dilations = [
            d if (k - 1) * d + 1 <= s else 1 for k, s, d in zip(kernel, spatial, dilations)
        ]
        out = tuple(
            window_out(s, k, st_, d, 0, 0, ceil)
            for s, k, st_, d in zip(spatial, kernel, strides, dilations)
        )
    else:
        out = tuple(
            window_out(s, k, st_, d, p0, p1, ceil)
            for s, k, st_, d, p0, p1 in zip(
                spatial, kernel, strides, dilations, pads[: len(spatial)], pads[len(spatial) :]
            )
        )
    rank = len(spatial)
    attrs: dict[str, object] = {
        "strides": strides if any(s != 1 for s in strides) or b.coin() else None,
        "dilations": dilations if dilate and (any(d != 1 for d in dilations) or b.coin()) else None,
    }
    if auto_pad == "NOTSET":
        attrs["pads"] = pads if any(pads) or b.coin() else None
    else:
        attrs["auto_pad"] = auto_pad
    if ceil:
        attrs["ceil_mode"] = 1
    assert len(kernel) == rank
    return attrs, out, kernel


def build_conv(b: GraphBuilder, x: Tensor) -> Tensor:
    n, c, *spatial = x.shape
    attrs, out_spatial, kernel = _window_attrs(b, tuple(spatial), dilate=True, pool=False)
    per_channel = n * numel(out_spatial)
    room = max(1, MAX_ELEMS // per_channel)
    group = b.pick([g for g in _divisors(c) if g <= room] or [1])
    per_group = b.int(1, max(1, min(8 if group == 1 else 3, room // group)))
    m = group * per_group
    fan_in = (c // group) * numel(kernel)
    inputs = [x.name, b.weight((m, c // group, *kernel), fan_in)]
    if b.coin():
        inputs.append(b.weight((m,)))
    if b.coin():
        attrs["kernel_shape"] = list(kernel)
    attrs["group"] = group if group != 1 or b.rarely() else None
    return b.node("Conv", inputs, (n, m, *out_spatial), **attrs)


def build_pool(op_type: str) -> Callable[[GraphBuilder, Tensor], Tensor]:
    def build(b: GraphBuilder, x: Tensor) -> Tensor:
        n, c, *spatial = x.shape
        # AveragePool has dilations only from opset 19
        dilate = op_type == "MaxPool" or b.opset >= 19
        attrs, out_spatial, kernel = _window_attrs(b, tuple(spatial), dilate, pool=True)
        attrs["kernel_shape"] = list(kernel)
        if op_type == "AveragePool" and b.coin():
            attrs["count_include_pad"] = b.pick([0, 1])
        return b.node(op_type, [x.name], (n, c, *out_spatial), **attrs)

    return build


def build_global_pool(op_type: str) -> Callable[[GraphBuilder, Tensor], Tensor]:
    def build(b: GraphBuilder, x: Tensor) -> Tensor:
        return b.node(op_type, [x.name], (*x.shape[:2], *(1,) * (len(x.shape) - 2)))

    return build


def _gemm_bias(b: GraphBuilder, m: int, n: int) -> str | None:
    shape = b.pick([None, (n,), (1, n), (m, n), (m, 1), (1,), (), (1, 1)])
    return b.operand(shape) if shape is not None else None


def build_gemm(b: GraphBuilder, x: Tensor) -> Tensor:
    """x is A (M x K), or B (K x N) with a constant A; each side optionally transposed."""
    trans_a, trans_b = b.coin(), b.coin()
    if not b.rarely():
        m, k = x.shape[::-1] if trans_a else x.shape
        n = b.int(1, max(1, min(16, MAX_ELEMS // m)))
        other = b.operand((n, k) if trans_b else (k, n), fan_in=k)
        inputs = [x.name, other]
    else:
        k, n = x.shape[::-1] if trans_b else x.shape
        m = b.int(1, max(1, min(8, MAX_ELEMS // n)))
        other = b.operand((k, m) if trans_a else (m, k), fan_in=k)
        inputs = [other, x.name]
    bias = _gemm_bias(b, m, n)
    if bias is not None:
        inputs.append(bias)
    alpha = b.pick([None, 1.0, 0.5, -1.0, 2.0])
    beta = b.pick([None, 1.0, 0.5, -2.0]) if bias is not None else None
    return b.node(
        "Gemm",
        inputs,
        (m, n),
        transA=int(trans_a) if trans_a or b.rarely() else None,
        transB=int(trans_b) if trans_b or b.rarely() else None,
        alpha=alpha,
        beta=beta,
    )


def _batch_partner(b: GraphBuilder, batch: Shape) -> Shape:
    """Batch dims that broadcast with `batch` (fewer, unit, or extra leading axes)."""
    rank = b.int(0, min(len(batch) + 1, 3))
    dims: list[int] = []
    for i in range(1, rank + 1):
        if i <= len(batch):
            dim = batch[-i]
            dims.append(b.pick([dim, 1]) if dim != 1 else b.pick([1, b.int(1, 3)]))
        else:
            dims.append(b.int(1, 3))
    return tuple(reversed(dims))


def build_matmul(b: GraphBuilder, x: Tensor) -> Tensor:
    """x on either side; the other operand may be 1-D or carry broadcasting batch dims."""
    if len(x.shape) == 1 or not b.rarely():
        return _matmul_x_left(b, x)
    return _matmul_x_right(b, x)


def _matmul_x_left(b: GraphBuilder, x: Tensor) -> Tensor:
    k = x.shape[-1]
    rows: Shape = x.shape[-2:-1]  # () when x is 1-D
    batch = x.shape[:-2]
    if b.rarely(5):
        other_shape: Shape = (k,)
        out = (*batch, *rows)
    else:
        other_batch = _batch_partner(b, batch)
        out_batch = broadcast(batch, other_batch)
        assert out_batch is not None
        room = MAX_ELEMS // max(1, numel(out_batch) * numel(rows))
        n = b.int(1, max(1, min(12, room)))
        other_shape = (*other_batch, k, n)
        out = (*out_batch, *rows, n)
    if numel(out) > MAX_ELEMS:
        other_shape, out = (k,), (*batch, *rows)
    other = _matmul_operand(b, other_shape, k)
    return b.node("MatMul", [x.name, other], out)


def _matmul_x_right(b: GraphBuilder, x: Tensor) -> Tensor:
    k, n = x.shape[-2:]
    batch = x.shape[:-2]
    if b.rarely(5):
        other_shape: Shape = (k,)
        out = (*batch, n)
    else:
        other_batch = _batch_partner(b, batch)
        out_batch = broadcast(batch, other_batch)
        assert out_batch is not None
        room = MAX_ELEMS // max(1, numel(out_batch) * n)
        m = b.int(1, max(1, min(8, room)))
        other_shape = (*other_batch, m, k)
        out = (*out_batch, m, n)
    if numel(out) > MAX_ELEMS:
        other_shape, out = (k,), (*batch, n)
    other = _matmul_operand(b, other_shape, k)
    return b.node("MatMul", [other, x.name], out)


def _matmul_operand(b: GraphBuilder, shape: Shape, k: int) -> str:
    earlier = b.earlier(lambda s: s == shape)
    return earlier.name if earlier is not None else b.operand(shape, fan_in=k)


def build_softmax(b: GraphBuilder, x: Tensor) -> Tensor:
    rank = len(x.shape)
    axis: int | None
    if b.opset < 13 and rank < 2:
        axis = _axis(b, rank)[1]  # the old default axis=1 does not exist
    else:
        axis = _axis(b, rank)[1] if b.coin() else None
    return b.node("Softmax", [x.name], x.shape, axis=axis)


def build_layernorm(b: GraphBuilder, x: Tensor) -> Tensor:
    rank = len(x.shape)
    axis, written = _axis(b, rank)
    normalised = x.shape[axis:]
    inputs = [x.name, b.weight(normalised)]
    if b.coin():
        inputs.append(b.weight(normalised))
    return b.node(
        "LayerNormalization",
        inputs,
        x.shape,
        axis=written if axis != rank - 1 or b.coin() else None,
        epsilon=b.pick([None, 1e-3, 1e-2]),
    )


def build_reduce(op_type: str) -> Callable[[GraphBuilder, Tensor], Tensor]:
    """Random axes, all axes, or a no-op; keepdims; axes as input or attribute by opset."""
    axes_input_opset, limit = REDUCE_OPS[op_type]

    def build(b: GraphBuilder, x: Tensor) -> Tensor:
        rank = len(x.shape)
        modes = ["axes"]
        if numel(x.shape) <= limit:
            modes.append("all")
        if b.opset >= axes_input_opset:
            modes.append("noop")
        mode = b.pick(modes)
        chosen: list[int] = []
        if mode == "axes":
            chosen = sorted(set(b.draw(st.lists(st.integers(0, rank - 1), max_size=rank))))
            while chosen and numel(tuple(x.shape[a] for a in chosen)) > limit:
                chosen.pop(b.int(0, len(chosen) - 1))
            if not chosen:
                chosen = [int(np.argmin(x.shape))]
        reduced = set(range(rank)) if mode == "all" else set(chosen)
        keepdims = b.pick([None, 1, 0])
        out = tuple(
            1 if i in reduced else d
            for i, d in enumerate(x.shape)
            if keepdims != 0 or i not in reduced
        )
        attrs: dict[str, object] = {"keepdims": keepdims}
        inputs = [x.name]
        if mode == "noop":
            attrs["noop_with_empty_axes"] = 1
        written = [a - rank if b.coin() else a for a in chosen]
        if written and b.opset >= axes_input_opset:
            inputs.append(b.ints(written))
        elif written:
            attrs["axes"] = written
        return b.node(op_type, inputs, out, **attrs)

    return build


def _reducible(op_type: str) -> Callable[[Shape], bool]:
    return lambda s: len(s) >= 1 and min(s) <= REDUCE_OPS[op_type][1]


def build_transpose(b: GraphBuilder, x: Tensor) -> Tensor:
    rank = len(x.shape)
    if b.rarely():
        return b.node("Transpose", [x.name], x.shape[::-1])
    perm = b.draw(st.permutations(range(rank)))
    return b.node("Transpose", [x.name], tuple(x.shape[p] for p in perm), perm=list(perm))


def build_concat(b: GraphBuilder, x: Tensor) -> Tensor:
    rank = len(x.shape)
    axis, written = _axis(b, rank)
    operands = [x]
    for _ in range(b.int(1, 2)):

        def fits(s: Shape) -> bool:
            return len(s) == rank and all(s[i] == x.shape[i] for i in range(rank) if i != axis)

        other = b.earlier(fits)
        if other is None:
            size = b.int(1, 4)
            shape = (*x.shape[:axis], size, *x.shape[axis + 1 :])
            other = Tensor(b.operand(shape), shape)
        operands.append(other)
    if b.coin():
        operands.reverse()
    total = sum(o.shape[axis] for o in operands)
    out = (*x.shape[:axis], total, *x.shape[axis + 1 :])
    if numel(out) > MAX_ELEMS:
        operands = operands[:1] if operands[0] is x else operands[-1:]
        out = x.shape
    return b.node("Concat", [o.name for o in operands], out, axis=written)


def build_reshape(b: GraphBuilder, x: Tensor) -> Tensor:
    """A random factorisation of the element count; sometimes with -1 or 0 (copy) entries."""
    rank = b.int(0 if numel(x.shape) == 1 else 1, 4)
    out = _factor(b, numel(x.shape), rank)
    written = list(out)
    if rank and b.coin():
        written[b.int(0, rank - 1)] = -1
    for i in range(min(rank, len(x.shape))):
        if written[i] == x.shape[i] and b.rarely():
            written[i] = 0  # allowzero=0: copy the input's dimension
    return b.node("Reshape", [x.name, b.ints(written)], out)


def build_flatten(b: GraphBuilder, x: Tensor) -> Tensor:
    rank = len(x.shape)
    axis = b.int(0, rank)
    written = axis - rank if b.coin() and axis < rank else axis
    out = (numel(x.shape[:axis]), numel(x.shape[axis:]))
    return b.node("Flatten", [x.name], out, axis=written if written != 1 or b.coin() else None)


def build_squeeze(b: GraphBuilder, x: Tensor) -> Tensor:
    rank = len(x.shape)
    units = [i for i, d in enumerate(x.shape) if d == 1]
    chosen = (
        sorted(set(b.draw(st.lists(st.sampled_from(units), max_size=len(units))))) if units else []
    )
    removed = set(chosen) if chosen else set(units)
    out = tuple(d for i, d in enumerate(x.shape) if i not in removed)
    written = [a - rank if b.coin() else a for a in chosen]
    return _axes_node(b, "Squeeze", x, written, out)


def build_unsqueeze(b: GraphBuilder, x: Tensor) -> Tensor:
    count = b.int(1, min(2, MAX_RANK - len(x.shape)))
    rank = len(x.shape) + count
    chosen = sorted(
        b.draw(st.lists(st.integers(0, rank - 1), min_size=count, max_size=count, unique=True))
    )
    dims = iter(x.shape)
    out = tuple(1 if i in chosen else next(dims) for i in range(rank))
    written = [a - rank if b.coin() else a for a in chosen]
    return _axes_node(b, "Unsqueeze", x, written, out)


def _axes_node(b: GraphBuilder, op_type: str, x: Tensor, axes: list[int], out: Shape) -> Tensor:
    """Squeeze/Unsqueeze: axes are an input from opset 13, an attribute before."""
    if not axes:
        return b.node(op_type, [x.name], out)
    if b.opset >= 13:
        return b.node(op_type, [x.name, b.ints(axes)], out)
    return b.node(op_type, [x.name], out, axes=axes)


def build_identity(b: GraphBuilder, x: Tensor) -> Tensor:
    return b.node("Identity", [x.name], x.shape)


# -- operators added after the first set -------------------------------------------------

# Pointwise math without domain limits; values that grow too large are filtered by the test.
UNARY_MATH = ("Abs", "Neg", "Tanh", "Erf", "Sin", "Cos", "Exp", "Softplus", "Softsign")
# Discontinuous ones: inputs at exact integers and halves come from Clip bounds and Relu.
UNARY_MATH += ("Floor", "Ceil", "Round", "Sign")
PLAIN_ACTIVATIONS = {"HardSwish": 14, "Mish": 18}
ACTIVATION_OPSETS = {"Celu": 12, "Swish": 24}

# Attribute choices of parametrised activations (None: the ONNX default).
ACTIVATION_ATTRS: dict[str, dict[str, list[float | None]]] = {
    "LeakyRelu": {"alpha": [None, 0.2, -0.5]},
    "Elu": {"alpha": [None, 0.5, 2.0]},
    "Celu": {"alpha": [None, 0.5, 2.0]},
    "Selu": {"alpha": [None, 1.5], "gamma": [None, 0.8]},
    "HardSigmoid": {"alpha": [None, 0.5], "beta": [None, 0.25]},
    "ThresholdedRelu": {"alpha": [None, 0.5, 0.0]},
    "Swish": {"alpha": [None, 0.5, 2.0]},
}


def build_activation(op_type: str) -> Callable[[GraphBuilder, Tensor], Tensor]:
    def build(b: GraphBuilder, x: Tensor) -> Tensor:
        attrs = {name: b.pick(choices) for name, choices in ACTIVATION_ATTRS[op_type].items()}
        return b.node(op_type, [x.name], x.shape, **attrs)

    return build


def build_positive_unary(op_type: str) -> Callable[[GraphBuilder, Tensor], Tensor]:
    """Sqrt/Log/Reciprocal of |x| + c (c >= 0.5): inside their domain, modest results."""

    def build(b: GraphBuilder, x: Tensor) -> Tensor:
        magnitude = b.node("Abs", [x.name], x.shape)
        shifted = b.node("Add", [magnitude.name, b.scalar(b.pick([0.5, 1.0]))], x.shape)
        return b.node(op_type, [shifted.name], x.shape)

    return build


def _unidirectional_partner(b: GraphBuilder, shape: Shape) -> Shape:
    """A shape that broadcasts to `shape` without growing it (trailing-aligned, 1s allowed)."""
    rank = b.int(0, len(shape))
    dims = [b.pick([d, 1]) for d in shape[len(shape) - rank :]]
    return tuple(dims)


def build_prelu(b: GraphBuilder, x: Tensor) -> Tensor:
    slope = b.operand(_unidirectional_partner(b, x.shape))
    return b.node("PRelu", [x.name, slope], x.shape)


def build_rmsnorm(b: GraphBuilder, x: Tensor) -> Tensor:
    """Scale over the normalised axes: full, a suffix, or a prefix with trailing 1s."""
    rank = len(x.shape)
    axis, written = _axis(b, rank)
    norm = x.shape[axis:]
    cut = b.int(0, len(norm))
    scale = b.pick([norm, norm[cut:], (*norm[:cut], *(1,) * (len(norm) - cut))])
    return b.node(
        "RMSNormalization",
        [x.name, b.weight(scale)],
        x.shape,
        axis=written if axis != rank - 1 or b.coin() else None,
        epsilon=b.pick([None, 1e-3]),
    )


def build_batchnorm(b: GraphBuilder, x: Tensor) -> Tensor:
    channels = x.shape[1]
    variance = np.asarray(b.rng.uniform(0.5, 2.0, (channels,)), np.float32)
    inputs = [x.name, b.weight((channels,)), b.weight((channels,)), b.weight((channels,))]
    inputs.append(b.const(variance, prefix="var"))
    return b.node("BatchNormalization", inputs, x.shape, epsilon=b.pick([None, 1e-3]))


def build_instancenorm(b: GraphBuilder, x: Tensor) -> Tensor:
    channels = x.shape[1]
    inputs = [x.name, b.weight((channels,)), b.weight((channels,))]
    return b.node("InstanceNormalization", inputs, x.shape, epsilon=b.pick([None, 1e-3]))


def build_groupnorm(b: GraphBuilder, x: Tensor) -> Tensor:
    """Opset 21 form: scale and bias per channel."""
    channels = x.shape[1]
    groups = b.pick(_divisors(channels))
    inputs = [x.name, b.weight((channels,)), b.weight((channels,))]
    return b.node(
        "GroupNormalization", inputs, x.shape, num_groups=groups, epsilon=b.pick([None, 1e-3])
    )


def build_pad(b: GraphBuilder, x: Tensor) -> Tensor:
    """Constant (cropping allowed), edge, reflect or wrap padding of some or all axes."""
    rank = len(x.shape)
    modes = ["constant", "edge", "reflect"] + (["wrap"] if b.opset >= 19 else [])
    mode = b.pick(modes)
    axes = list(range(rank))
    if b.opset >= 18 and b.rarely():
        axes = sorted(set(b.draw(st.lists(st.integers(0, rank - 1), min_size=1, max_size=rank))))
    begin, end = [], []
    for a in axes:
        size = x.shape[a]
        # cropping only in constant mode; reflect and wrap pads stay below the axis size
        low = max(-(size - 1), -2) if mode == "constant" else 0
        high = min(2, size - 1) if mode in ("reflect", "wrap") else 2
        pb = b.int(low, high)
        pe = b.int(max(low, 1 - size - pb), high)
        begin.append(pb)
        end.append(pe)
    out = list(x.shape)
    for a, pb, pe in zip(axes, begin, end):
        out[a] += pb + pe
    if numel(tuple(out)) > MAX_ELEMS:
        begin, end, out = [0] * len(axes), [0] * len(axes), list(x.shape)
    inputs = [x.name, b.ints(begin + end)]
    if mode == "constant" and b.coin():
        inputs.append(b.scalar(b.pick([0.5, -1.0])))
    if axes != list(range(rank)):
        inputs += [""] * (3 - len(inputs)) + [b.ints(axes)]
    return b.node("Pad", inputs, tuple(out), mode=mode if mode != "constant" or b.coin() else None)


def _slice_axis(b: GraphBuilder, size: int) -> tuple[int, int, int, int]:
    """(start, end, step, resulting length >= 1) with out-of-range bounds sometimes."""
    step = b.pick([1, 2, -1, 3, -2])
    start = b.int(-size - 2, size + 2)
    end = b.pick([b.int(-size - 2, size + 2), 2**62, -(2**62)])
    length = len(range(*slice(start, end, step).indices(size)))
    if length == 0:
        start, end, step = 0, size, 1
        length = size
    return start, end, step, length


def build_slice(b: GraphBuilder, x: Tensor) -> Tensor:
    rank = len(x.shape)
    axes = sorted(set(b.draw(st.lists(st.integers(0, rank - 1), min_size=1, max_size=rank))))
    out = list(x.shape)
    starts, ends, steps = [], [], []
    for a in axes:
        start, end, step, length = _slice_axis(b, x.shape[a])
        starts.append(start)
        ends.append(end)
        steps.append(step)
        out[a] = length
    inputs = [x.name, b.ints(starts), b.ints(ends)]
    written_axes = [a - rank if b.coin() else a for a in axes]
    if axes != list(range(rank)) or any(s != 1 for s in steps) or b.coin():
        inputs.append(b.ints(written_axes))
        if any(s != 1 for s in steps) or b.coin():
            inputs.append(b.ints(steps))
    return b.node("Slice", inputs, tuple(out))


def build_gather(b: GraphBuilder, x: Tensor) -> Tensor:
    rank = len(x.shape)
    axis, written = _axis(b, rank)
    size = x.shape[axis]
    index_shape = b.pick([(), (b.int(1, 4),), (b.int(1, 3), b.int(1, 3))])
    rest = numel(x.shape) // size
    if numel(index_shape) * rest > MAX_ELEMS:
        index_shape = ()
    indices = b.rng.integers(-size, size, index_shape)
    if b.coin():  # evenly spaced indices take a strided-copy path
        start = b.int(0, size - 1)
        indices = np.array([start + i for i in range(min(size - start, 3))])
        index_shape = indices.shape
    out = (*x.shape[:axis], *index_shape, *x.shape[axis + 1 :])
    name = b.const(np.asarray(indices, np.int64), prefix="idx")
    return b.node("Gather", [x.name, name], out, axis=written if axis or b.coin() else None)


def build_tile(b: GraphBuilder, x: Tensor) -> Tensor:
    repeats = [b.int(1, 3) for _ in x.shape]
    while numel(x.shape) * math.prod(repeats) > MAX_ELEMS:
        repeats[repeats.index(max(repeats))] -= 1
    out = tuple(d * r for d, r in zip(x.shape, repeats))
    return b.node("Tile", [x.name, b.ints(repeats)], out)


def build_expand(b: GraphBuilder, x: Tensor) -> Tensor:
    shape = _broadcast_partner(b, x.shape)
    out = broadcast(x.shape, shape)
    assert out is not None
    return b.node("Expand", [x.name, b.ints(shape)], out)


def build_split(b: GraphBuilder, x: Tensor) -> Tensor:
    """Two or three parts: explicit sizes (input or attribute by opset), equal parts, or
    num_outputs (opset 18); continues from one part, the others become outputs."""
    rank = len(x.shape)
    axis = b.pick([a for a in range(rank) if x.shape[a] >= 2])
    written = axis - rank if b.coin() else axis
    size = x.shape[axis]
    parts = b.int(2, min(3, size))
    # from opset 18, parts without sizes need num_outputs
    style = b.pick(["sizes", "num_outputs"] if b.opset >= 18 else ["sizes", "equal"])
    if style == "equal" and size % parts:
        style = "sizes"
    if style == "sizes":
        cuts = sorted(
            b.draw(
                st.lists(
                    st.integers(1, size - 1), min_size=parts - 1, max_size=parts - 1, unique=True
                )
            )
        )
        sizes = [hi - lo for lo, hi in zip([0, *cuts], [*cuts, size])]
    else:
        chunk = -(-size // parts)
        sizes = [min(chunk, size - i * chunk) for i in range(parts)]
        sizes = [s for s in sizes if s > 0]
    shapes = [(*x.shape[:axis], s, *x.shape[axis + 1 :]) for s in sizes]
    inputs, attrs = [x.name], {"axis": written if axis or b.coin() else None}
    if style == "sizes" and b.opset >= 13:
        inputs.append(b.ints(sizes))
    elif style == "sizes":
        attrs["split"] = sizes
    elif style == "num_outputs":
        attrs["num_outputs"] = len(sizes)
    outs = b.multi_node("Split", inputs, shapes, **attrs)
    return b.pick(outs)


def build_conv_transpose(b: GraphBuilder, x: Tensor) -> Tensor:
    n, c, *spatial = x.shape
    group = b.pick(_divisors(c))
    per_group = b.int(1, 4 if group == 1 else 2)
    kernel, strides, dilations, begin, end, out_pad, out = [], [], [], [], [], [], []
    for size in spatial:
        k, s, d = b.int(1, 4), b.int(1, 3), b.int(1, 2)
        eff = (k - 1) * d + 1
        full = s * (size - 1) + eff
        op_ = b.int(0, s - 1)  # onnxruntime wants output_padding below the stride
        pb = b.int(0, min(2, k - 1))
        pe = b.int(0, min(2, k - 1))
        if full + op_ - pb - pe < 1:
            pb = pe = 0
        kernel.append(k)
        strides.append(s)
        dilations.append(d)
        begin.append(pb)
        end.append(pe)
        out_pad.append(op_)
        out.append(full + op_ - pb - pe)
    m = group * per_group
    while m > group and n * m * numel(tuple(out)) > MAX_ELEMS:
        m -= group
    if n * m * numel(tuple(out)) > MAX_ELEMS:
        # a 1x1 window keeps the input's size, which fits
        rank = len(spatial)
        kernel, strides, dilations = [1] * rank, [1] * rank, [1] * rank
        begin, end, out_pad, out = [0] * rank, [0] * rank, [0] * rank, list(spatial)
    inputs = [x.name, b.weight((c, m // group, *kernel), c // group * numel(tuple(kernel)))]
    if b.coin():
        inputs.append(b.weight((m,)))
    return b.node(
        "ConvTranspose",
        inputs,
        (n, m, *out),
        strides=strides if any(s != 1 for s in strides) or b.coin() else None,
        dilations=dilations if any(d != 1 for d in dilations) else None,
        pads=begin + end if any(begin + end) or b.coin() else None,
        output_padding=out_pad if any(out_pad) else None,
        group=group if group != 1 else None,
        kernel_shape=kernel if b.coin() else None,
    )


COMPARISONS = ("Greater", "Less", "GreaterOrEqual", "LessOrEqual", "Equal")


def build_where(b: GraphBuilder, x: Tensor) -> Tensor:
    """Where(cond, x, other) with cond from comparisons of x, combined by Not/And/Or/Xor."""
    cond = _comparison(b, x)
    combine = b.pick([None, "Not", "And", "Or", "Xor"])
    if combine == "Not":
        cond = b.node("Not", [cond.name], x.shape, TensorProto.BOOL)
    elif combine is not None:
        cond = b.node(combine, [cond.name, _comparison(b, x).name], x.shape, TensorProto.BOOL)
    shape = _broadcast_partner(b, x.shape)
    other = b.operand(shape)
    out = broadcast(x.shape, shape)
    assert out is not None
    operands = [x.name, other] if not b.coin() else [other, x.name]
    return b.node("Where", [cond.name, *operands], out)


def _comparison(b: GraphBuilder, x: Tensor) -> Tensor:
    op = b.pick(COMPARISONS if b.opset >= 12 else COMPARISONS[:2] + COMPARISONS[-1:])
    threshold = b.scalar(0.0 if op == "Equal" else b.pick([0.0, 0.5, -0.25]))
    return b.node(op, [x.name, threshold], x.shape, TensorProto.BOOL)


CAST_TARGETS = (TensorProto.INT32, TensorProto.INT64, TensorProto.INT8, TensorProto.INT16)


def build_cast(b: GraphBuilder, x: Tensor) -> Tensor:
    """float -> integer (truncation) -> float, of values clipped so every type holds them."""
    clipped = b.node("Clip", [x.name, b.scalar(-4.0), b.scalar(4.0)], x.shape)
    scaled = b.node("Mul", [clipped.name, b.scalar(b.pick([1.0, 4.0]))], x.shape)
    target = b.pick(CAST_TARGETS)
    as_int = b.node("Cast", [scaled.name], x.shape, target, to=target)
    return b.node("Cast", [as_int.name], x.shape, to=TensorProto.FLOAT)


def build_log_softmax(b: GraphBuilder, x: Tensor) -> Tensor:
    axis = _axis(b, len(x.shape))[1] if b.coin() or (b.opset < 13 and len(x.shape) < 2) else None
    return b.node("LogSoftmax", [x.name], x.shape, axis=axis)


# Simple operators first: hypothesis shrinks choices towards the start of the table.
OPS: tuple[OpEntry, ...] = (
    OpEntry("Relu", _any_rank, build_unary("Relu")),
    OpEntry("Sigmoid", _any_rank, build_unary("Sigmoid")),
    OpEntry("Clip", _any_rank, build_clip, min_opset=11),
    OpEntry("Gelu", _any_rank, build_gelu, min_opset=20),
    *(OpEntry(op, _any_rank, build_binary(op)) for op in ("Add", "Sub", "Mul", "Div")),
    *(OpEntry(op, _any_rank, build_binary(op)) for op in ("Max", "Min", "Pow")),
    OpEntry("Identity", _any_rank, build_identity),
    OpEntry("Reshape", _any_rank, build_reshape),
    OpEntry("Flatten", _ranked, build_flatten),
    OpEntry("Squeeze", _ranked, build_squeeze),
    OpEntry("Unsqueeze", lambda s: len(s) < MAX_RANK, build_unsqueeze),
    OpEntry("Transpose", lambda s: len(s) >= 2, build_transpose, weight=2),
    OpEntry("Concat", _ranked, build_concat, weight=2),
    OpEntry("Softmax", _ranked, build_softmax, weight=2),
    OpEntry("LayerNormalization", _ranked, build_layernorm, min_opset=17, weight=2),
    *(OpEntry(op, _reducible(op), build_reduce(op)) for op in REDUCE_OPS),
    OpEntry("Gemm", lambda s: len(s) == 2, build_gemm, weight=4),
    OpEntry("MatMul", _ranked, build_matmul, weight=3),
    OpEntry("Conv", _spatial, build_conv, weight=6),
    OpEntry("MaxPool", _spatial, build_pool("MaxPool"), weight=3),
    OpEntry("AveragePool", _spatial, build_pool("AveragePool"), weight=3),
    # onnxruntime's global pooling takes 1 to 3 spatial axes
    OpEntry("GlobalAveragePool", _global_poolable, build_global_pool("GlobalAveragePool")),
    OpEntry("GlobalMaxPool", _global_poolable, build_global_pool("GlobalMaxPool")),
    # later additions to the generic library
    *(OpEntry(op, _any_rank, build_unary(op)) for op in UNARY_MATH),
    *(OpEntry(op, _any_rank, build_unary(op), min_opset=v) for op, v in PLAIN_ACTIVATIONS.items()),
    *(
        OpEntry(op, _any_rank, build_activation(op), min_opset=ACTIVATION_OPSETS.get(op, 1))
        for op in ACTIVATION_ATTRS
    ),
    *(OpEntry(op, _any_rank, build_positive_unary(op)) for op in ("Sqrt", "Log", "Reciprocal")),
    OpEntry("PRelu", _any_rank, build_prelu),
    OpEntry("LogSoftmax", _ranked, build_log_softmax),
    OpEntry("RMSNormalization", _ranked, build_rmsnorm, min_opset=23),
    OpEntry("BatchNormalization", lambda s: len(s) >= 2, build_batchnorm),
    OpEntry("InstanceNormalization", lambda s: len(s) >= 3, build_instancenorm),
    OpEntry("GroupNormalization", lambda s: len(s) >= 3, build_groupnorm, min_opset=21),
    OpEntry("Pad", _ranked, build_pad),
    OpEntry("Slice", _ranked, build_slice, weight=2),
    OpEntry("Gather", _ranked, build_gather),
    OpEntry("Tile", _ranked, build_tile),
    OpEntry("Expand", _any_rank, build_expand),
    OpEntry("Split", lambda s: len(s) >= 1 and max(s) >= 2, build_split),
    OpEntry("ConvTranspose", _spatial, build_conv_transpose, weight=3),
    OpEntry("Where", _any_rank, build_where),
    OpEntry("Cast", _any_rank, build_cast),
)


def input_shapes() -> st.SearchStrategy[Shape]:
    """A first input: image-like (N, C, H, W), sequence-like (N, C, L), a matrix or a vector."""
    return st.one_of(
        st.tuples(st.integers(1, 2), st.integers(1, 6), st.integers(1, 10), st.integers(1, 10)),
        st.tuples(st.integers(1, 2), st.integers(1, 6), st.integers(1, 16)),
        st.tuples(st.integers(1, 16), st.integers(1, 16)),
        st.tuples(st.integers(1, 32)),
        st.tuples(*(st.integers(1, 4) for _ in range(5))),
    )


@st.composite
def graph_cases(
    draw: Draw,
    ops: Sequence[OpEntry] = OPS,
    max_nodes: int = 6,
    opsets: Sequence[int] = OPSETS,
) -> GraphCase:
    """A random valid graph of 1..max_nodes operator steps drawn from `ops`, in one of
    `opsets` (the newest first, so failures shrink towards it)."""
    opset = draw(st.sampled_from(sorted(opsets, reverse=True)))
    b = GraphBuilder(draw, draw(st.integers(0, 2**32 - 1)), opset)
    current = b.input(draw(input_shapes()))
    for _ in range(draw(st.integers(1, max_nodes))):
        if len(b.floats()) > 2 and b.rarely(5):
            current = b.pick(b.floats()[:-1])  # branch off an earlier tensor
        usable = [e for e in ops if opset >= e.min_opset and e.applies(current.shape)]
        if not usable:  # only with a restricted `ops`
            assume(bool(b.infos))
            break
        current = b.pick([e for e in usable for _ in range(e.weight)]).build(b, current)
    return b.finish(current)
