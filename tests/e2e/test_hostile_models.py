"""Models written by an attacker or by a broken exporter (issue 13).

- Names that are C code stay inert: the C holds them only inside sanitised comments
  (checked by tests/c_audit.py, which asks the C compiler where comments are), builds
  under -Werror with AddressSanitizer/UBSan, and computes what onnxruntime computes.
- Models that would have compiled to out-of-bounds or wrong C are corrected (a declared
  shape the nodes do not produce, with a note) or rejected with exit code 2 and one line
  naming the node, tensor or option at fault; none ends in a traceback or hangs.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from tests.c_audit import audit
from tests.conftest import compile_build_run
from tests.networks import reference

pytest.importorskip("onnxruntime")

PAYLOADS = {
    "comment_escape": "*/ if (1) { output_0[0] = 1337.0f; return; } /*",
    "define": "*/ #define deeploy_add_f32(...) ((void)0) /*",
    "trigraph": "??/ ??= ??( trigraphs ??)",
    "bidi": "safe\u202e/* evil */\u202c",
    "newline": "line one\n#include <stdlib.h>\nline two \\",
    "quotes": '"); system("rm -rf /"); ("',
    "nested": "/*/ */*/ /* *//",
}


def _named_network(p: str) -> onnx.ModelProto:
    """Conv -> Add(bias) -> Relu where every node, tensor, initializer and the graph take
    a variant of the payload `p` as their name."""
    rng = np.random.default_rng(3)
    nodes = [
        helper.make_node("Conv", [f"{p}in", f"{p}w"], [f"{p}mid"], name=f"{p}conv", pads=[1] * 4),
        helper.make_node("Add", [f"{p}mid", f"{p}b"], [f"{p}sum"], name=f"{p}add"),
        helper.make_node("Relu", [f"{p}sum"], [f"{p}out"], name=p),
    ]
    graph = helper.make_graph(
        nodes,
        f"{p}graph",
        [helper.make_tensor_value_info(f"{p}in", TensorProto.FLOAT, [1, 2, 5, 5])],
        [helper.make_tensor_value_info(f"{p}out", TensorProto.FLOAT, [1, 3, 5, 5])],
        [
            numpy_helper.from_array(rng.standard_normal((3, 2, 3, 3)).astype(np.float32), f"{p}w"),
            numpy_helper.from_array(rng.standard_normal((1, 3, 1, 1)).astype(np.float32), f"{p}b"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


def _model_strings(model: onnx.ModelProto) -> list[str]:
    g = model.graph
    names = [g.name, *(n.name for n in g.node), *(t.name for t in g.initializer)]
    names += [x for n in g.node for x in (*n.input, *n.output)]
    return names


@pytest.mark.parametrize("kind", sorted(PAYLOADS))
def test_names_that_are_code_stay_in_comments(kind: str, tmp_path: Path) -> None:
    model = _named_network(PAYLOADS[kind])
    inputs = [np.random.default_rng(0).standard_normal((1, 2, 5, 5)).astype(np.float32)]
    result, outcome = compile_build_run(model, inputs, tmp_path)
    assert audit(result.files, _model_strings(model)) == []
    np.testing.assert_allclose(outcome.outputs[0], reference(model, inputs)[0], atol=1e-5)


@pytest.mark.parametrize("kind", ["comment_escape", "bidi"])
def test_names_stay_in_comments_when_tiled_and_profiled(kind: str, tmp_path: Path) -> None:
    """The tiled lowering, the per-layer profiling strings, the Makefile and the linker
    script see the same names (compiled for rv32, which profiles, without running)."""
    import deeploy
    from deeploy.targets.base import MemoryConfig

    model = _named_network(PAYLOADS[kind])
    result = deeploy.compile(model, target="rv32", memory=MemoryConfig(l1=600), profile_layers=True)
    written = result.write(tmp_path)
    texts = {p.name: p.read_text() for p in written if p.parent == tmp_path}
    assert set(texts) == {f"{result.network}.{x}" for x in ("c", "h", "ld")} | {"Makefile"}
    assert audit(texts, _model_strings(model)) == []


def test_user_given_network_name_is_an_identifier(tmp_path: Path) -> None:
    import deeploy

    result = deeploy.compile(_named_network("n"), name=PAYLOADS["comment_escape"])
    assert result.network == "if_1_output_0_0_1337_0f_return"
    written = result.write(tmp_path)
    assert {p.name for p in written if p.parent == tmp_path} >= {
        f"{result.network}.c",
        f"{result.network}.h",
        "Makefile",
    }


@pytest.mark.parametrize("name", ["0" * 100, "n" * 41 + "_x", "a" * 39 + "_b", "x" * 64])
def test_long_network_names_build(name: str, tmp_path: Path) -> None:
    """--name of more than 40 characters: the files, the #include and the symbols use
    one identifier (they were derived with two lengths, and the build failed)."""
    model = _named_network("n")
    inputs = [np.zeros((1, 2, 5, 5), np.float32)]
    result, _ = compile_build_run(model, inputs, tmp_path, name=name)
    assert set(result.files) == {f"{result.network}.c", f"{result.network}.h"}


def test_declared_output_shape_yields_to_the_computed_one(tmp_path: Path) -> None:
    """A Relu on [1, 4] declared [3, 7] compiled a 21-element loop over a 4-element input.
    onnxruntime runs the model with the computed shape; so do we, with a note."""
    node = helper.make_node("Relu", ["x"], ["y"], name="relu")
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3, 7])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    inputs = [np.arange(-2, 2, dtype=np.float32).reshape(1, 4)]
    result, outcome = compile_build_run(model, inputs, tmp_path)
    assert result.report["outputs"][0]["shape"] == [1, 4]
    assert any("declared [3, 7]" in n and "[1, 4]" in n for n in result.report["notes"])
    np.testing.assert_array_equal(outcome.outputs[0], reference(model, inputs)[0])


def test_the_note_reaches_the_user(tmp_path: Path) -> None:
    node = helper.make_node("Relu", ["x"], ["y"], name="relu")
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3, 7])],
    )
    onnx.save(
        helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), tmp_path / "m.onnx"
    )
    proc = _deeploy("run", str(tmp_path / "m.onnx"), "--json")
    assert proc.returncode == 0, proc.stderr
    assert (
        "note: tensor 'y' is declared [3, 7] but node 'relu' (Relu) computes [1, 4]" in proc.stderr
    )
    assert "declared [3, 7]" in json.loads(proc.stdout.splitlines()[-1])["notes"][0]


# -- rejected models: exit code 2, one line naming the culprit ------------------------------

X = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
Y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])
X4 = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])
Y4 = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)


def _model(nodes, inputs=(X,), outputs=(Y,), inits=(), opset=17, domains=()):
    graph = helper.make_graph(nodes, "g", list(inputs), list(outputs), list(inits))
    opsets = [helper.make_opsetid("", opset), *(helper.make_opsetid(d, 1) for d in domains)]
    model = helper.make_model(graph, opset_imports=opsets)
    model.ir_version = 8
    return model


def _with(model: onnx.ModelProto, **fields: object) -> onnx.ModelProto:
    for key, value in fields.items():
        setattr(model, key, value)
    return model


def _w(shape=(4, 3, 3, 3)) -> onnx.TensorProto:
    return numpy_helper.from_array(np.ones(shape, np.float32), "w")


def _conv(**attrs) -> onnx.ModelProto:
    return _model(
        [helper.make_node("Conv", ["x", "w"], ["y"], name="c", **attrs)], [X4], [Y4], [_w()]
    )


# a subgraph (the body of an If or Loop): onnx's node checker does not see those
_BODY = helper.make_graph(
    [helper.make_node("Identity", ["i"], ["o"])],
    "body",
    [helper.make_tensor_value_info("i", TensorProto.FLOAT, [1])],
    [helper.make_tensor_value_info("o", TensorProto.FLOAT, [1])],
)


def _conv_declared(**attrs) -> onnx.ModelProto:
    """A Conv whose output shape is declared, as exporters write it: onnx's shape
    inference does not get the last word on the geometry."""
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="c")
    for key, value in attrs.items():
        node.attribute.append(
            helper.make_attribute(key, value)
            if value
            else onnx.AttributeProto(name=key, type=onnx.AttributeProto.INTS)
        )
    out = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 6, 6])
    return _model([node], [X4], [out], [_w()])


def _bias(mutate) -> onnx.ModelProto:
    t = numpy_helper.from_array(np.ones(4, np.float32), "b")
    mutate(t)
    return _model([helper.make_node("Add", ["x", "b"], ["y"], name="add")], inits=[t])


def _attr(node: onnx.NodeProto, name: str, value: object) -> onnx.NodeProto:
    node.attribute.append(helper.make_attribute(name, value))
    return node


def _external(location: str, length: int | None = None) -> onnx.ModelProto:
    t = helper.make_tensor("b", TensorProto.FLOAT, [4], [1.0] * 4)
    del t.float_data[:]
    t.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("length", length)):
        if value is not None:
            entry = t.external_data.add()
            entry.key, entry.value = key, str(value)
    return _model([helper.make_node("Add", ["x", "b"], ["y"], name="add")], inits=[t])


REJECTED = {
    "reshape_count": (
        _model(
            [helper.make_node("Reshape", ["x", "s"], ["y"], name="r")],
            outputs=[helper.make_tensor_value_info("y", TensorProto.FLOAT, [3, 3])],
            inits=[numpy_helper.from_array(np.array([3, 3], np.int64), "s")],
        ),
        "node 'r' (Reshape): reshaping must keep the number of elements",
    ),
    "conv_channels": (
        _model(
            [helper.make_node("Conv", ["x", "w"], ["y"], name="c")], [X4], [Y4], [_w((4, 2, 3, 3))]
        ),
        "node 'c' (Conv): channels 3 do not match weight",
    ),
    "stride_0": (_conv(strides=[0, 0]), "node 'c' (Conv): attribute 'strides' must be at least 1"),
    "negative_pads": (
        _conv(pads=[-1] * 4),
        "node 'c' (Conv): attribute 'pads' must not be negative",
    ),
    "strides_short": (  # the declared output shape kept the geometry from onnx: IndexError
        _conv_declared(strides=[1]),
        "node 'c' (Conv): strides has 1 entries but the input has 2 spatial axes",
    ),
    "dilations_empty": (  # read as absent (all ones); onnxruntime rejects it
        _conv_declared(dilations=[]),
        "node 'c' (Conv): dilations has 0 entries but the input has 2 spatial axes",
    ),
    "pad_reads_nothing": (  # the Pad-2 rewrite looked its input's type up: KeyError
        _model([helper.make_node("Pad", ["ghost"], ["y"], name="p", pads=[0, 0, 0, 0])], opset=10),
        "node 'p' (Pad) reads tensor 'ghost', which nothing produces",
    ),
    "group_0": (_conv(group=0), "node 'c' (Conv): attribute 'group' must be at least 1"),
    "two_writers": (
        _model(
            [
                helper.make_node("Relu", ["x"], ["y"], name="a"),
                helper.make_node("Sigmoid", ["x"], ["y"], name="b"),
            ]
        ),
        "tensor 'y' is written by two nodes: node 'a' (Relu) and node 'b' (Sigmoid)",
    ),
    "output_is_input": (
        _model([helper.make_node("Relu", ["x"], ["z"], name="a")], outputs=[X]),
        "graph output 'x' is also a graph input",
    ),
    "unknown_domain": (
        _model(
            [helper.make_node("Relu", ["x"], ["y"], name="a", domain="evil.org")],
            domains=["evil.org"],
        ),
        "'a' (Relu) from domain evil.org",
    ),
    "opset_99": (
        _model([helper.make_node("Relu", ["x"], ["y"], name="a")], opset=99),
        "the model uses ONNX opset 99",
    ),
    "ir_version_huge": (
        _with(_model([helper.make_node("Relu", ["x"], ["y"], name="a")]), ir_version=2**40),
        "the model's IR version 1099511627776 is not one from 0 to",
    ),
    "ir_version_negative": (
        _with(_model([helper.make_node("Relu", ["x"], ["y"], name="a")]), ir_version=-1),
        "the model's IR version -1 is not one from 0 to",
    ),
    "no_outputs": (
        _model([helper.make_node("Relu", ["x"], ["y"], name="a")], outputs=[]),
        "no outputs",
    ),
    "cycle": (
        _model(
            [
                helper.make_node("Add", ["x", "q"], ["p"], name="a"),
                helper.make_node("Relu", ["p"], ["q"], name="b"),
                helper.make_node("Relu", ["p"], ["y"], name="c"),
            ]
        ),
        "the graph has a cycle through node 'a' (Add)",
    ),
    "init_empty_name": (  # read as Add's absent input by us, as the initializer by ORT
        _bias(lambda t: setattr(t, "name", "")),
        "an initializer has an empty name",
    ),
    "init_dims": (_bias(lambda t: t.dims.__setitem__(0, 8)), "initializer 'b' is malformed"),
    "init_ragged": (
        _bias(lambda t: setattr(t, "raw_data", t.raw_data[:7])),
        "initializer 'b' is malformed",
    ),
    "init_undefined_type": (
        _bias(lambda t: setattr(t, "data_type", 0)),
        "initializer 'b' has undefined data type",
    ),
    "init_huge_dims": (
        _bias(lambda t: t.dims.extend([100000, 100000])),
        "initializer 'b' has 40,000,000,000 elements",
    ),
    "string_for_float": (
        _model([_attr(helper.make_node("LeakyRelu", ["x"], ["y"], name="l"), "alpha", "high")]),
        "node 'l' (LeakyRelu) is malformed: Mismatched attribute type",
    ),
    "attribute_not_utf8": (  # onnx's checker raised UnicodeDecodeError on its message
        _model([_attr(helper.make_node("Relu", ["x"], ["y"], name="r"), "mode", b"\x80\xff")]),
        "node 'r' (Relu): attribute 'mode' is not UTF-8 text",
    ),
    "name_not_utf8": (  # protobuf returned the attribute's name as bytes: a traceback
        onnx.ModelProto.FromString(
            _model([_attr(helper.make_node("Relu", ["x"], ["y"], name="r"), "m0de", 1.0)])
            .SerializeToString()
            .replace(b"m0de", b"m\x80de")
        ),
        "the model holds text that is not UTF-8 at model.graph.node[0].attribute[0].name",
    ),
    "perm_out_of_range": (
        _model([helper.make_node("Transpose", ["x"], ["y"], name="t", perm=[0, 5])], outputs=[Y4]),
        "node 't' (Transpose): attribute 'perm' [0, 5] is not a permutation",
    ),
    "external_traversal": (_external("../../../../etc/passwd"), "must be a relative path"),
    "external_absolute": (_external("/etc/passwd"), "must be a relative path"),
    "external_nul": (_external("w\0.bin"), "external data location 'w\\x00.bin' holds a NUL"),
    "pad_to_uint8": (  # the declared uint8 output made a float Pad write past its buffer
        _model(
            [helper.make_node("Pad", ["x", "p"], ["y"], name="pad")],
            outputs=[helper.make_tensor_value_info("y", TensorProto.UINT8, [1, 6])],
            inits=[numpy_helper.from_array(np.array([0, 1, 0, 1], np.int64), "p")],
        ),
        "node 'pad' (Pad): element type ui8 differs from the input's f32",
    ),
    "batchnorm_scale_shape": (  # folded into nothing: numpy broadcast ValueError
        _model(
            [helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], name="bn")],
            inits=[
                numpy_helper.from_array(np.ones(shape, np.float32), name)
                for name, shape in (("s", (4, 2)), ("b", (4,)), ("m", (4,)), ("v", (4,)))
            ],
            outputs=[helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
        ),
        "node 'bn' (BatchNormalization): scale shape (4, 2) must be (4,)",
    ),
    "requant_no_levels": (  # the integer typing read int(None): a traceback
        _model(
            [helper.make_node("RequantShift", ["x", "m", "a"], ["y"], name="rq", div=2)],
            inits=[numpy_helper.from_array(np.ones(1, np.float32), n) for n in ("m", "a")],
        ),
        "node 'rq' (RequantShift): needs attribute n_levels or n_levels_out",
    ),
    "requant_div_0": (  # a division by zero in the generated code
        _model(
            [
                helper.make_node(
                    "RequantShift", ["x", "m", "a"], ["y"], name="rq", div=0, n_levels=256
                )
            ],
            inits=[numpy_helper.from_array(np.ones(1, np.float32), n) for n in ("m", "a")],
        ),
        "node 'rq' (RequantShift): div 0 must be at least 1",
    ),
    "pad_negative_size_of_intermediate": (  # the same abort, caught in a child process
        _model(
            [
                helper.make_node("Relu", ["x"], ["r"], name="relu"),
                helper.make_node("Pad", ["r", "p"], ["q"], name="pad"),
                helper.make_node("Slice", ["q", "s", "e", "a"], ["y"], name="slice"),
            ],
            outputs=[Y4],
            inits=[
                numpy_helper.from_array(np.array(v, np.int64), n)
                for n, v in (("p", [0, -5, 0, 0]), ("s", [1]), ("e", [3]), ("a", [1]))
            ],
        ),
        "onnx's shape inference crashed on the model (SIGABRT)",
    ),
    "pad_negative_size": (  # onnx's shape inference then aborted the process in Slice
        _model(
            [
                helper.make_node("Pad", ["x", "p"], ["q"], name="pad"),
                helper.make_node("Slice", ["q", "s", "e", "a"], ["y"], name="slice"),
            ],
            outputs=[Y4],
            inits=[
                numpy_helper.from_array(np.array(v, np.int64), n)
                for n, v in (("p", [0, -5, 0, 0]), ("s", [1]), ("e", [3]), ("a", [1]))
            ],
        ),
        "node 'pad' (Pad): pads [0, -5, 0, 0] leave axis 1 of 'x' (size 4) a negative size",
    ),
    "pad_value_beyond_type": (  # an OverflowError converting the Pad-2 value
        _model(
            [
                helper.make_node(
                    "Pad", ["x"], ["y"], name="pad", pads=[0, 1, 0, 1], value=float("inf")
                )
            ],
            [helper.make_tensor_value_info("x", TensorProto.INT8, [1, 4])],
            [Y4],
            opset=10,
        ),
        "node 'pad' (Pad): pad value inf does not fit int8",
    ),
    "constant_value_not_tensor": (  # an AttributeError reading a graph as a tensor (and a
        # Pad-2 `value` holding a graph: a TypeError); onnx's node checker skips subgraphs
        _model(
            [
                _attr(helper.make_node("Constant", [], ["c"], name="k"), "value", _BODY),
                helper.make_node("Add", ["x", "c"], ["y"], name="add"),
            ]
        ),
        "node 'k' (Constant): attribute 'value' is a subgraph, which Constant does not take",
    ),
    "reduce_float_axes": (  # read as axis 0 five times: the kernel wrote past its output
        _model(
            [helper.make_node("ReduceSum", ["x", "a"], ["y"], name="sum", keepdims=0)],
            outputs=[helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])],
            inits=[numpy_helper.from_array(np.full(5, 0.25, np.float32), "a")],
        ),
        "node 'sum' (ReduceSum): axes must be an integer tensor",
    ),
    "reduce_repeated_axes": (
        _model(
            [helper.make_node("ReduceSum", ["x", "a"], ["y"], name="sum", keepdims=0)],
            outputs=[Y4],
            inits=[numpy_helper.from_array(np.array([1, -1], np.int64), "a")],
        ),
        "node 'sum' (ReduceSum): axes [1, -1] repeat an axis",
    ),
    "concat_no_inputs": (  # an IndexError; and a name with a newline cut the message short
        _model(
            [helper.make_node("Concat", ["", ""], ["y"], name="a\nb", axis=0)],
            outputs=[helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
        ),
        "node 'a\\nb' (Concat): needs at least one input",
    ),
    "requant_no_data": (  # the custom shape rule asserted its first input had a type
        _model(
            [
                helper.make_node(
                    "RequantShift", ["", "m", "a"], ["y"], name="rq", div=2, n_levels=256
                )
            ],
            inits=[numpy_helper.from_array(np.ones(1, np.float32), n) for n in ("m", "a")],
        ),
        "node 'rq' (RequantShift) lacks its required input data_in",
    ),
    "slice_float_steps": (  # a step of 0.5 became 0: ValueError in the kernel's binding
        _model(
            [helper.make_node("Slice", ["x", "s", "e", "a", "t"], ["y"], name="sl")],
            outputs=[helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
            inits=[
                numpy_helper.from_array(np.array([v], dtype), n)
                for n, v, dtype in (
                    ("s", 0, np.int64),
                    ("e", 4, np.int64),
                    ("a", 1, np.int64),
                    ("t", 0.5, np.float64),
                )
            ],
        ),
        "node 'sl' (Slice): steps must be an integer tensor",
    ),
    "reshape_float_shape": (  # a NaN in it reached canonicalize-reshapes: ValueError
        _model(
            [helper.make_node("Reshape", ["x", "s"], ["y"], name="r")],
            outputs=[helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 1])],
            inits=[numpy_helper.from_array(np.array([4, np.nan], np.float32), "s")],
        ),
        "node 'r' (Reshape): input 1 must be an integer tensor",
    ),
    "int_attribute_beyond_int64": (  # a float for an integer attribute of a custom operator
        _model(
            [
                helper.make_node(
                    "RequantShift", ["x", "m", "a"], ["y"], name="rq", div=4.6e31, n_levels=256
                )
            ],
            inits=[numpy_helper.from_array(np.ones(1, np.float32), n) for n in ("m", "a")],
        ),
        "node 'rq' (RequantShift): attribute 'div' has a value the operator cannot take",
    ),
    "external_missing": (
        _external("missing.bin"),
        "external data file 'missing.bin' does not exist",
    ),
    "huge_tensor": (
        _model(
            [helper.make_node("Relu", ["x"], ["y"], name="a")],
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 100000, 100000])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, 100000, 100000])],
        ),
        "input 'x' has 10,000,000,000 elements [1x1x100000x100000]",
    ),
}


def _deeploy(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """A real process, so that a hang or an unbounded allocation fails the test."""
    return subprocess.run(
        [sys.executable, "-m", "deeploy.tools.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.parametrize("case", sorted(REJECTED))
def test_invalid_model_is_rejected_naming_the_culprit(case: str, tmp_path: Path) -> None:
    model, message = REJECTED[case]
    path = tmp_path / "model.onnx"
    onnx.save(model, path)
    proc = _deeploy("compile", str(path), "-o", str(tmp_path / "out"))
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert message in lines[0]
    assert not (tmp_path / "out").exists()


def test_external_data_of_the_wrong_length_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "w.bin").write_bytes(np.ones(3, np.float32).tobytes())
    onnx.save(_external("w.bin"), tmp_path / "model.onnx")
    proc = _deeploy("compile", str(tmp_path / "model.onnx"), "-o", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert "holds 12 bytes at offset 0 with length 12; the tensor needs 16" in proc.stderr


def test_external_data_in_the_model_folder_is_read(tmp_path: Path) -> None:
    (tmp_path / "w.bin").write_bytes(np.arange(4, dtype=np.float32).tobytes())
    onnx.save(_external("w.bin", 16), tmp_path / "model.onnx")
    proc = _deeploy("run", str(tmp_path / "model.onnx"))
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize(
    ("shape", "message"),
    [
        ("x=1x5", "--input-shape x=1x5 contradicts the model's shape [1x4] of 'x'"),
        ("x=4", "--input-shape x=4: the model declares 'x' with rank 2 [1x4]"),
    ],
)
def test_input_shape_may_not_contradict_the_model(shape: str, message: str, tmp_path: Path) -> None:
    onnx.save(_model([helper.make_node("Relu", ["x"], ["y"], name="a")]), tmp_path / "m.onnx")
    proc = _deeploy(
        "compile", str(tmp_path / "m.onnx"), "--input-shape", shape, "-o", str(tmp_path)
    )
    assert proc.returncode == 2
    assert message in proc.stderr


def test_nodes_in_any_order_compile(tmp_path: Path) -> None:
    """Exporters do not always sort nodes; the graph is sorted before import."""
    nodes = [
        helper.make_node("Relu", ["m"], ["y"], name="second"),
        helper.make_node("Neg", ["x"], ["m"], name="first"),
    ]
    model = _model(nodes)
    inputs = [np.array([[-1, 2, -3, 4]], np.float32)]
    _, outcome = compile_build_run(model, inputs, tmp_path)
    np.testing.assert_array_equal(outcome.outputs[0], [[1, 0, 3, 0]])


def test_integer_accumulator_overflow_is_rejected(tmp_path: Path) -> None:
    """Weights beyond what quantisation gives (a float tensor retyped int32 by a corrupted
    model): the int32 accumulator would overflow, undefined behaviour UBSan reported in
    the generated Conv. Rejected, naming the node and the bound."""
    weights = numpy_helper.from_array(np.full((4, 3, 3, 3), 2**30, np.float32), "w")
    model = _model([helper.make_node("Conv", ["x", "w"], ["y"], name="c")], [X4], [Y4], [weights])
    onnx.save(model, tmp_path / "m.onnx")
    proc = _deeploy(
        "compile", str(tmp_path / "m.onnx"), "--input-type", "x=uint8", "-o", str(tmp_path / "o")
    )
    assert proc.returncode == 2, proc.stderr
    assert "node 'c' (Conv): its int32 accumulator can overflow: 27 products" in proc.stderr


def test_integer_gemm_alpha_beyond_int32_is_rejected(tmp_path: Path) -> None:
    """An integer Gemm's alpha of -4.4e16 reached lower-to-c as an int32 argument: an
    internal error. Its products overflow the accumulator: rejected, naming the node."""
    weights = numpy_helper.from_array(np.ones((4, 2), np.float32), "w")
    node = helper.make_node("Gemm", ["x", "w"], ["y"], name="g", alpha=-4.4e16)
    model = _model([node], outputs=[Y4], inits=[weights])
    onnx.save(model, tmp_path / "m.onnx")
    proc = _deeploy(
        "compile", str(tmp_path / "m.onnx"), "--input-type", "x=int8", "-o", str(tmp_path / "o")
    )
    assert proc.returncode == 2, proc.stderr
    assert "node 'g' (Gemm): its int32 accumulator can overflow" in proc.stderr


def test_a_name_without_letters_compiles(tmp_path: Path) -> None:
    """A tensor named '\\u20690' gave the SSA name hint `_0`, which xDSL reduces to an
    empty name when fuse-matmul-add copies it: an internal error."""
    nodes = [
        helper.make_node("MatMul", ["x", "w"], ["\u20690"], name="mm"),
        helper.make_node("Add", ["\u20690", "b"], ["y"], name="add"),
    ]
    inits = [
        numpy_helper.from_array(np.ones((4, 4), np.float32), "w"),
        numpy_helper.from_array(np.ones(4, np.float32), "b"),
    ]
    model = _model(nodes, inits=inits)
    inputs = [np.arange(4, dtype=np.float32).reshape(1, 4)]
    _, outcome = compile_build_run(model, inputs, tmp_path)
    np.testing.assert_allclose(outcome.outputs[0], reference(model, inputs)[0], atol=1e-5)
