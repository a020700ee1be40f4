"""Hypothesis strategies of the fuzzer: a seed model, mutated structurally and as bytes,
with option strings.

    case = cases().example()     # Case(seed, model bytes, options, mutations)

Structural mutators change a parsed `ModelProto` in place and return a label
(`rename:tensor`, `init:raw_data`, ...) that the summary counts: names from the whole of
Unicode (no surrogates, which protobuf cannot encode) mixed with control, bidirectional
and C-comment tokens; shapes and element types; attributes (values, wrong types, deleted,
added, repeated); nodes dropped, duplicated, reordered, retyped; inputs and outputs
rewired; initializers corrupted (dims, raw_data length, data_type, values, external
data, Constant nodes); opset, domain and IR versions. Byte mutators then flip, truncate,
splice or repeat bytes of the serialized model. Options are the CLI's memory, shape,
type and name options, valid and not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import onnx
from hypothesis import strategies as st
from onnx import AttributeProto, TensorProto, helper, numpy_helper

from tests.fuzz.seeds import Seed, seeds

Draw = Callable[[st.SearchStrategy[Any]], Any]


@dataclass(frozen=True)
class Case:
    seed: str
    model: bytes
    options: tuple[str, ...]
    mutations: tuple[str, ...]  # labels of the mutators applied, in order

    @property
    def digest(self) -> str:
        import hashlib

        key = self.model + "\0".join(self.options).encode("utf-8", "surrogatepass")
        return hashlib.sha256(key).hexdigest()[:12]

    @property
    def categories(self) -> list[str]:
        """What the summary counts: each mutator's family (`rename`, `init`, ...)."""
        families = {m.split(":")[0] for m in self.mutations}
        if self.options:
            families.add("options")
        return sorted(families) or ["none"]


# -- names ---------------------------------------------------------------------------------

# Pieces that mean something to C, to a terminal or to a reader: comment delimiters,
# trigraphs, line splices, quotes, preprocessor lines, controls, bidirectional overrides
# and isolates, zero-width and line-separator characters, a NUL.
TOKENS = (
    "*/",
    "/*",
    "//",
    "??/",
    "??=",
    "\\",
    "\n",
    "\r",
    "\t",
    "\x00",
    "\x1b[2J",
    '"',
    "'",
    "#define x",
    "#include <stdio.h>",
    "\u202e",
    "\u202c",
    "\u2066",
    "\u2069",
    "\u200b",
    "\u2028",
    "\u2029",
    "\ufeff",
    "%s%n",
    "{",
    "}",
    ";",
    " ",
    "0",
    "int",
    "return",
    "output_0",
    "\U0001f600",
    "é",
)
PAYLOADS = (
    "*/ if (1) { output_0[0] = 1337.0f; return; } /*",
    "*/ #define deeploy_add_f32(...) ((void)0) /*",
    "??/ ??= trigraphs ??)",
    "safe\u202e/* evil */\u202c",
    "line\n#include <stdlib.h>\nline \\",
    '"); system("rm -rf /"); ("',
    "/*/ */*/ /* *//",
)

UNICODE = st.characters(codec="utf-8")  # every code point but the surrogates


def names() -> st.SearchStrategy[str]:
    pieces = st.one_of(st.text(UNICODE, min_size=1, max_size=6), st.sampled_from(TOKENS))
    return st.one_of(
        st.lists(pieces, max_size=6).map("".join),
        st.sampled_from(PAYLOADS),
        st.text(UNICODE, min_size=100, max_size=300),
        st.just(""),
    )


def option_names() -> st.SearchStrategy[str]:
    """Names on a command line may also hold lone surrogates: Python's spelling of bytes
    of argv that are not UTF-8 (`--name $'\\xff'`)."""
    return st.one_of(names(), names().map(lambda s: f"{s}\udcff"))


# -- helpers -------------------------------------------------------------------------------


def _chance(draw: Draw, percent: int) -> bool:
    return draw(st.integers(0, 99)) < percent


def _pick(draw: Draw, items: list[Any]) -> Any:
    return items[draw(st.integers(0, len(items) - 1))]


def _tensor_names(model: onnx.ModelProto) -> list[str]:
    g = model.graph
    found = [v.name for v in (*g.input, *g.output, *g.value_info)]
    found += [t.name for t in g.initializer]
    found += [x for n in g.node for x in (*n.input, *n.output)]
    return sorted(set(found))


def _value_infos(model: onnx.ModelProto) -> list[onnx.ValueInfoProto]:
    g = model.graph
    initializers = {t.name for t in g.initializer}
    return [v for v in g.input if v.name not in initializers] + [*g.output, *g.value_info]


INTERESTING_INTS = (0, -1, 1, 2, 3, 4, 7, 16, 255, 2**31 - 1, 2**31, 2**40, 2**63 - 1, -(2**63))
DIMS = st.one_of(st.integers(-2, 12), st.sampled_from(INTERESTING_INTS))
ELEM_TYPES = st.one_of(st.integers(0, 25), st.sampled_from([1, 2, 3, 6, 7, 10, 11, 16]))


# -- structural mutators: each changes `model` in place and says what it did ---------------


def rename(draw: Draw, model: onnx.ModelProto) -> str:
    g = model.graph
    new = draw(names())
    kind = draw(st.sampled_from(["tensor", "tensor_once", "node", "graph", "doc", "attr_string"]))
    if kind == "tensor":  # everywhere: the model stays valid
        old = _pick(draw, _tensor_names(model))
        for v in (*g.input, *g.output, *g.value_info, *g.initializer):
            if v.name == old:
                v.name = new
        for n in g.node:
            for field in (n.input, n.output):
                for i, x in enumerate(field):
                    if x == old:
                        field[i] = new
    elif kind == "tensor_once" and g.node:  # one use or definition only: a dangling name
        node = _pick(draw, list(g.node))
        field = node.input if node.input and draw(st.booleans()) else node.output
        if field:
            field[draw(st.integers(0, len(field) - 1))] = new
    elif kind == "node" and g.node:
        _pick(draw, list(g.node)).name = new
    elif kind == "graph":
        g.name = new
    elif kind == "doc":
        target = _pick(draw, [model, g, *g.node])
        target.doc_string = new
    elif kind == "attr_string":
        node = _pick(draw, list(g.node)) if g.node else None
        if node is not None:
            key = draw(st.sampled_from(["auto_pad", "mode", "approximate", "name", "direction"]))
            _set_attribute(node, helper.make_attribute(key, new))
    return f"rename:{kind}"


def shape(draw: Draw, model: onnx.ModelProto) -> str:
    infos = _value_infos(model)
    if not infos:
        return "shape:none"
    v = _pick(draw, infos)
    tt = v.type.tensor_type
    kind = draw(
        st.sampled_from(["dim", "param", "unknown", "add_dim", "drop_dim", "no_shape", "elem"])
    )
    dims = tt.shape.dim
    if kind == "dim" and dims:
        dims[draw(st.integers(0, len(dims) - 1))].dim_value = draw(DIMS)
    elif kind == "param" and dims:
        dims[draw(st.integers(0, len(dims) - 1))].dim_param = draw(names())
    elif kind == "unknown" and dims:
        dims[draw(st.integers(0, len(dims) - 1))].Clear()
    elif kind == "add_dim":
        tt.shape.dim.add().dim_value = draw(DIMS)
    elif kind == "drop_dim" and dims:
        del dims[draw(st.integers(0, len(dims) - 1))]
    elif kind == "no_shape":
        tt.ClearField("shape")
    elif kind == "elem":
        tt.elem_type = draw(ELEM_TYPES)
    return f"shape:{kind}"


ATTRIBUTE_NAMES = (
    "axis",
    "axes",
    "perm",
    "pads",
    "strides",
    "kernel_shape",
    "dilations",
    "group",
    "alpha",
    "beta",
    "transA",
    "transB",
    "keepdims",
    "ceil_mode",
    "auto_pad",
    "epsilon",
    "count_include_pad",
    "mode",
    "to",
    "value",
    "min",
    "max",
    "split",
    "noop_with_empty_axes",
    "storage_order",
    "stash_type",
    "output_padding",
    "approximate",
    "gamma",
)


def _attribute_value(draw: Draw, kind: int) -> Any:
    if kind == AttributeProto.INT:
        return draw(st.one_of(st.integers(-3, 8), st.sampled_from(INTERESTING_INTS)))
    if kind == AttributeProto.FLOAT:
        return draw(st.floats(width=32))
    if kind == AttributeProto.STRING:
        return draw(st.one_of(names(), st.sampled_from(["SAME_UPPER", "VALID", "NOTSET"])))
    if kind == AttributeProto.INTS:
        return draw(st.lists(DIMS, max_size=8))
    if kind == AttributeProto.FLOATS:
        return draw(st.lists(st.floats(width=32), min_size=1, max_size=4))
    if kind == AttributeProto.STRINGS:
        return draw(st.lists(names(), min_size=1, max_size=3))
    if kind == AttributeProto.TENSOR:
        return numpy_helper.from_array(
            np.array(draw(st.lists(st.floats(width=32), min_size=1, max_size=4)), np.float32)
        )
    # a subgraph, as If/Loop/Scan bodies have
    body = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"])],
        draw(names()),
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
    )
    return body


_KINDS = (
    AttributeProto.INT,
    AttributeProto.FLOAT,
    AttributeProto.STRING,
    AttributeProto.INTS,
    AttributeProto.FLOATS,
    AttributeProto.STRINGS,
    AttributeProto.TENSOR,
    AttributeProto.GRAPH,
)


def _set_attribute(node: onnx.NodeProto, attr: onnx.AttributeProto) -> None:
    kept = [a for a in node.attribute if a.name != attr.name]
    del node.attribute[:]
    node.attribute.extend([*kept, attr])


def _make_attribute(name: str, value: Any, kind: int) -> onnx.AttributeProto:
    if kind in (AttributeProto.INTS, AttributeProto.FLOATS) and not value:
        attr = AttributeProto(name=name, type=kind)  # an empty list of that type
        return attr
    return helper.make_attribute(name, value)


def attribute(draw: Draw, model: onnx.ModelProto) -> str:
    g = model.graph
    if not g.node:
        return "attr:none"
    node = _pick(draw, list(g.node))
    kind = draw(st.sampled_from(["value", "retype", "delete", "add", "repeat"]))
    attrs = list(node.attribute)
    if kind in ("value", "retype", "delete", "repeat") and not attrs:
        kind = "add"
    if kind == "value":
        a = _pick(draw, attrs)
        if a.type in _KINDS:
            _set_attribute(node, _make_attribute(a.name, _attribute_value(draw, a.type), a.type))
    elif kind == "retype":
        a = _pick(draw, attrs)
        new_kind = draw(st.sampled_from(_KINDS))
        _set_attribute(node, _make_attribute(a.name, _attribute_value(draw, new_kind), new_kind))
    elif kind == "delete":
        a = _pick(draw, attrs)
        node.attribute.remove(a)
    elif kind == "add":
        name = draw(st.one_of(st.sampled_from(ATTRIBUTE_NAMES), names()))
        new_kind = draw(st.sampled_from(_KINDS))
        attr = _make_attribute(name, _attribute_value(draw, new_kind), new_kind)
        _set_attribute(node, attr)
    elif kind == "repeat":  # the same attribute twice, with another value
        a = _pick(draw, attrs)
        if a.type in _KINDS:
            node.attribute.append(_make_attribute(a.name, _attribute_value(draw, a.type), a.type))
    return f"attr:{kind}"


OP_TYPES = (
    "Relu",
    "Conv",
    "Gemm",
    "MatMul",
    "Add",
    "Softmax",
    "Transpose",
    "Reshape",
    "Concat",
    "MaxPool",
    "AveragePool",
    "Identity",
    "Flatten",
    "Squeeze",
    "Unsqueeze",
    "Slice",
    "Pad",
    "Cast",
    "Gather",
    "Split",
    "Expand",
    "Tile",
    "ConstantOfShape",
    "Shape",
    "Where",
    "If",
    "Loop",
    "RequantShift",
    "iSoftmax",
    "IntegerDiv",
    "Constant",
    "NoSuchOp",
)
DOMAINS = ("", "ai.onnx", "com.microsoft", "PACTOps", "ai.onnx.contrib", "ai.onnx.ml", "evil.org")


def nodes(draw: Draw, model: onnx.ModelProto) -> str:
    g = model.graph
    if not g.node:
        return "node:none"
    kind = draw(
        st.sampled_from(["drop", "duplicate", "duplicate_renamed", "reorder", "op_type", "domain"])
    )
    index = draw(st.integers(0, len(g.node) - 1))
    if kind == "drop":
        del g.node[index]
    elif kind in ("duplicate", "duplicate_renamed"):
        copy = onnx.NodeProto()
        copy.CopyFrom(g.node[index])
        if kind == "duplicate_renamed":  # same inputs, fresh outputs nothing reads
            for i in range(len(copy.output)):
                copy.output[i] = f"{copy.output[i]}_dup{i}"
        g.node.insert(draw(st.integers(0, len(g.node))), copy)
    elif kind == "reorder":
        order = draw(st.permutations(range(len(g.node))))
        shuffled = [g.node[i] for i in order]
        copies = []
        for n in shuffled:
            c = onnx.NodeProto()
            c.CopyFrom(n)
            copies.append(c)
        del g.node[:]
        g.node.extend(copies)
    elif kind == "op_type":
        g.node[index].op_type = draw(st.one_of(st.sampled_from(OP_TYPES), names()))
    elif kind == "domain":
        domain = draw(st.one_of(st.sampled_from(DOMAINS), names()))
        g.node[index].domain = domain
        if draw(st.booleans()):
            model.opset_import.append(helper.make_opsetid(domain, draw(st.integers(0, 3))))
    return f"node:{kind}"


def rewire(draw: Draw, model: onnx.ModelProto) -> str:
    g = model.graph
    if not g.node:
        return "wire:none"
    everything = _tensor_names(model)
    node = _pick(draw, list(g.node))
    kind = draw(
        st.sampled_from(
            [
                "input",
                "input_empty",
                "add_input",
                "drop_input",
                "output",
                "graph_output",
                "add_graph_output",
                "drop_graph_output",
                "initializer_as_input",
                "drop_graph_input",
            ]
        )
    )
    if kind == "input" and node.input:
        node.input[draw(st.integers(0, len(node.input) - 1))] = _pick(draw, everything)
    elif kind == "input_empty" and node.input:
        node.input[draw(st.integers(0, len(node.input) - 1))] = ""
    elif kind == "add_input":
        node.input.append(draw(st.one_of(st.sampled_from(everything), st.just(""))))
    elif kind == "drop_input" and node.input:
        del node.input[draw(st.integers(0, len(node.input) - 1))]
    elif kind == "output" and node.output:
        node.output[draw(st.integers(0, len(node.output) - 1))] = _pick(draw, everything)
    elif kind == "graph_output" and g.output:
        _pick(draw, list(g.output)).name = _pick(draw, everything)
    elif kind == "add_graph_output":
        name = _pick(draw, everything)
        elem = draw(st.sampled_from([0, 1, 1, 7]))
        g.output.append(helper.make_tensor_value_info(name, elem, None))
    elif kind == "drop_graph_output" and g.output:
        del g.output[draw(st.integers(0, len(g.output) - 1))]
    elif kind == "initializer_as_input" and g.initializer:
        t = _pick(draw, list(g.initializer))
        g.input.append(helper.make_tensor_value_info(t.name, t.data_type, list(t.dims)))
    elif kind == "drop_graph_input" and g.input:
        del g.input[draw(st.integers(0, len(g.input) - 1))]
    return f"wire:{kind}"


def _values_for(draw: Draw, t: onnx.TensorProto) -> np.ndarray:
    """New values of the tensor's own type and size: special floats, extreme integers."""
    count = int(np.prod(t.dims)) if t.dims else 1
    if t.data_type in (TensorProto.INT64, TensorProto.INT32):
        dtype = np.int64 if t.data_type == TensorProto.INT64 else np.int32
        info = np.iinfo(dtype)
        values = draw(
            st.lists(
                st.one_of(
                    st.integers(-4, 12),
                    st.sampled_from([int(info.min), int(info.max), 2**31 - 1, -(2**31)]),
                ).map(lambda v, i=info: max(int(i.min), min(int(i.max), v))),
                min_size=count,
                max_size=count,
            )
        )
        return np.array(values, dtype).reshape(tuple(t.dims))
    floats = st.one_of(
        st.floats(-4, 4, width=32),
        st.sampled_from([0.0, -0.0, float("nan"), float("inf"), -float("inf"), 3.4e38, 1e-45]),
    )
    return np.array(draw(st.lists(floats, min_size=count, max_size=count)), np.float32).reshape(
        tuple(t.dims)
    )


def initializer(draw: Draw, model: onnx.ModelProto) -> str:
    g = model.graph
    if not g.initializer:
        return "init:none"
    t = _pick(draw, list(g.initializer))
    kind = draw(
        st.sampled_from(
            [
                "dims",
                "add_dim",
                "drop_dim",
                "raw_data",
                "data_type",
                "typed_field",
                "values",
                "values",
                "external",
                "constant_node",
            ]
        )
    )
    if kind == "dims" and t.dims:
        t.dims[draw(st.integers(0, len(t.dims) - 1))] = draw(DIMS)
    elif kind == "add_dim":
        t.dims.append(draw(DIMS))
    elif kind == "drop_dim" and t.dims:
        del t.dims[draw(st.integers(0, len(t.dims) - 1))]
    elif kind == "raw_data":
        raw = t.raw_data
        cut = draw(st.integers(-8, 8))
        t.raw_data = raw[:cut] if cut < 0 else raw + bytes(cut)
    elif kind == "data_type":
        t.data_type = draw(ELEM_TYPES)
    elif kind == "typed_field":  # the values in a typed field (float_data, ...), maybe both
        try:
            array = numpy_helper.to_array(t)
        except Exception:
            return "init:typed_field"
        keep_raw = draw(st.booleans())
        fresh = helper.make_tensor(t.name, t.data_type, list(t.dims), array.reshape(-1).tolist())
        raw = t.raw_data
        t.CopyFrom(fresh)
        if keep_raw:
            t.raw_data = raw
    elif kind == "values":
        count = int(np.prod([int(d) for d in t.dims], dtype=object)) if t.dims else 1
        # new values of the tensor's own size (not after an earlier mutation made its
        # dims huge or negative: no list that long can be drawn)
        if 0 <= count <= 4096 and t.data_type in (
            TensorProto.FLOAT,
            TensorProto.INT64,
            TensorProto.INT32,
        ):
            t.CopyFrom(numpy_helper.from_array(_values_for(draw, t), t.name))
    elif kind == "external":
        t.data_location = TensorProto.EXTERNAL
        entry = t.external_data.add()
        entry.key, entry.value = (
            "location",
            draw(st.one_of(st.sampled_from(["w.bin", "../w.bin", "/etc/passwd", ""]), names())),
        )
        t.ClearField("raw_data")
    elif kind == "constant_node":  # the tensor as a Constant node's value instead
        value = onnx.TensorProto()
        value.CopyFrom(t)
        value.name = ""
        g.initializer.remove(t)
        g.node.insert(0, helper.make_node("Constant", [], [t.name], value=value))
    return f"init:{kind}"


def versions(draw: Draw, model: onnx.ModelProto) -> str:
    kind = draw(st.sampled_from(["opset", "ir_version", "no_opset", "extra_domain"]))
    if kind == "opset":
        version = draw(st.one_of(st.integers(1, 25), st.sampled_from([-1, 2**40])))
        for o in model.opset_import:
            if o.domain in ("", "ai.onnx"):
                o.version = version
    elif kind == "ir_version":
        model.ir_version = draw(st.one_of(st.integers(0, 12), st.sampled_from([-1, 2**40])))
    elif kind == "no_opset":
        del model.opset_import[:]
    elif kind == "extra_domain":
        domain = draw(st.one_of(st.sampled_from(DOMAINS), names()))
        model.opset_import.append(helper.make_opsetid(domain, draw(st.integers(-1, 30))))
    return f"version:{kind}"


STRUCTURAL = (rename, shape, attribute, nodes, rewire, initializer, versions)


# -- byte mutators -------------------------------------------------------------------------


def mutate_bytes(draw: Draw, data: bytes, other: bytes) -> tuple[bytes, str]:
    if not data:
        return data, "bytes:empty"
    kind = draw(st.sampled_from(["flip", "set", "truncate", "splice", "repeat", "insert"]))
    buf = bytearray(data)
    at = draw(st.integers(0, len(buf) - 1))
    if kind == "flip":
        for _ in range(draw(st.integers(1, 8))):
            i = draw(st.integers(0, len(buf) - 1))
            buf[i] ^= 1 << draw(st.integers(0, 7))
    elif kind == "set":
        buf[at] = draw(st.sampled_from([0, 1, 0x7F, 0x80, 0xFF, 0x0A, 0x2A, 0x2F]))
    elif kind == "truncate":
        del buf[at:]
    elif kind == "splice":  # a piece of another seed in place of a piece of this one
        start = draw(st.integers(0, max(len(other) - 1, 0)))
        piece = other[start : start + draw(st.integers(1, 64))]
        buf[at : at + draw(st.integers(0, 64))] = piece
    elif kind == "repeat":
        buf[at:at] = buf[at : at + draw(st.integers(1, 32))] * draw(st.integers(1, 4))
    elif kind == "insert":
        buf[at:at] = draw(st.binary(min_size=1, max_size=16))
    return bytes(buf), f"bytes:{kind}"


# -- options -------------------------------------------------------------------------------

VALID_BYTES = st.one_of(
    st.integers(1, 200_000).map(str),
    st.sampled_from(["600", "2000", "8000", "64k", "8KiB", "1M", "1,000,000", "1_000"]),
)
BYTE_COUNTS = st.one_of(
    VALID_BYTES,
    VALID_BYTES,
    VALID_BYTES,
    st.sampled_from(
        [
            "0",
            "-5",
            "64k",
            "8KiB",
            "1M",
            "1e3",
            "",
            " ",
            "nan",
            "\uff11\uff12",
            "99999999999999999999",
            "2**40",
            "1,000",
            "1_000",
            "64 k",
        ]
    ),
    option_names(),
)
INPUT_TYPES = ("int8", "uint8", "int16", "uint16", "int32", "float", "", "int4", "INT8", "u8")


def _input_names(model: onnx.ModelProto) -> list[str]:
    initializers = {t.name for t in model.graph.initializer}
    return [v.name for v in model.graph.input if v.name not in initializers]


def _input_dims(model: onnx.ModelProto, name: str) -> str:
    """The declared shape of input `name`, its unknown dimensions 1."""
    for v in model.graph.input:
        if v.name == name:
            dims = v.type.tensor_type.shape.dim
            return "x".join(str(d.dim_value if d.HasField("dim_value") else 1) for d in dims)
    return "1"


def _dims_text(draw: Draw, model: onnx.ModelProto, name: str) -> str:
    return draw(
        st.one_of(
            st.just(_input_dims(model, name)),
            st.just(_input_dims(model, name)),
            st.lists(st.integers(1, 9), min_size=1, max_size=5).map(
                lambda ds: "x".join(map(str, ds))
            ),
            st.lists(DIMS, max_size=5).map(lambda ds: "x".join(map(str, ds))),
            st.sampled_from(["", "x", "1xx2", "axb", "1X3", " 1x3", "\u0661x3"]),
            option_names(),
        )
    )


@st.composite
def options(draw: Draw, model: onnx.ModelProto) -> list[str]:
    """CLI options: each present now and then, with a valid or an invalid value."""
    opts: list[str] = []
    inputs = _input_names(model)
    if _chance(draw, 8):
        opts += ["--l1", draw(BYTE_COUNTS)]
        if _chance(draw, 40):
            opts += ["--l2", draw(BYTE_COUNTS)]
        if _chance(draw, 20):
            opts += ["--l3", draw(BYTE_COUNTS)]
        if _chance(draw, 30):
            opts += ["--home", draw(st.sampled_from(["L2", "L3", "l2", "L4", ""]))]
        if _chance(draw, 30):
            opts.append("--double-buffer")
    elif _chance(draw, 2):  # hierarchy options without --l1
        opts += [draw(st.sampled_from(["--l2", "--l3", "--home"])), draw(BYTE_COUNTS)]
    if _chance(draw, 6):
        name = draw(
            st.one_of(
                st.sampled_from(inputs or [""]), st.sampled_from(inputs or [""]), option_names()
            )
        )
        opts += ["--input-shape", f"{name}={_dims_text(draw, model, name)}"]
    if _chance(draw, 4):
        name = draw(st.one_of(st.sampled_from(inputs or [""]), option_names()))
        opts += ["--input-type", f"{name}={draw(st.sampled_from(INPUT_TYPES))}"]
    if _chance(draw, 8):
        opts += ["--name", draw(option_names())]
    return opts


# -- cases ---------------------------------------------------------------------------------


@st.composite
def cases(draw: Draw, pool: tuple[Seed, ...] | None = None) -> Case:
    pool = pool or seeds()
    seed = draw(st.sampled_from(pool))
    model = onnx.ModelProto.FromString(seed.model)
    applied: list[str] = []
    for _ in range(draw(st.sampled_from([1, 1, 1, 2, 2, 3, 0]))):
        mutator = draw(st.sampled_from(STRUCTURAL))
        applied.append(mutator(draw, model))
    data = model.SerializeToString()
    if _chance(draw, 8):
        other = draw(st.sampled_from(pool)).model
        for _ in range(draw(st.integers(1, 3))):
            data, label = mutate_bytes(draw, data, other)
            applied.append(label)
    opts = [*seed.options, *draw(options(model))]
    return Case(seed.name, data, tuple(opts), tuple(applied))
