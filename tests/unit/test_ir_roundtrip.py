"""Printed IR parses back to the same values, bit for bit (issue 21).

xDSL 0.74 prints some f32 values as bit patterns that its parser reads back as integers
(1162668.0 became 1234038144.0 on replay); deeploy.dialects.printer.ExactPrinter is what
every IR text of the compiler goes through. Random constants of every magnitude,
subnormals, signed zeros, infinities and NaNs with payloads, through graph.constant,
buffer.constant, cemit.global and every float attribute kind.
"""

from __future__ import annotations

import struct

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from xdsl.dialects.builtin import FloatAttr, ModuleOp, f32, f64

from deeploy.dialects import make_context
from deeploy.dialects.graph import ConstantOp, op_class
from deeploy.dialects.parser import parse_module
from deeploy.dialects.printer import exact_decimal, print_module
from deeploy.dtypes import dense_from_numpy, numpy_from_dense

_bits32 = st.integers(0, 2**32 - 1)
_f32 = _bits32.map(lambda b: np.frombuffer(struct.pack("<I", b), np.float32)[0])
_f64 = st.integers(0, 2**64 - 1).map(lambda b: np.frombuffer(struct.pack("<Q", b), np.float64)[0])
_finite = st.floats(allow_nan=False, allow_infinity=False, width=32)


def _reparse(module: ModuleOp) -> tuple[str, ModuleOp]:
    text = print_module(module)
    parsed = parse_module(make_context(), text)
    assert print_module(parsed) == text
    return text, parsed


def _bits(array: np.ndarray) -> bytes:
    return np.ascontiguousarray(array).tobytes()


@settings(max_examples=300, deadline=None)
@given(st.lists(_f32, min_size=1, max_size=12))
def test_f32_constants_survive_print_and_parse(values: list[np.float32]) -> None:
    array = np.array(values, dtype=np.float32)
    _, parsed = _reparse(ModuleOp([ConstantOp.from_numpy(array, "c")]))
    op = next(iter(parsed.ops))
    assert isinstance(op, ConstantOp)
    assert _bits(op.numpy()) == _bits(array)


@settings(max_examples=100, deadline=None)
@given(st.lists(_f64, min_size=1, max_size=6), st.sampled_from([np.float64, np.float16]))
def test_other_float_widths_survive(values: list[np.float64], dtype: type) -> None:
    with np.errstate(over="ignore", invalid="ignore"):
        array = np.array(values, dtype=np.float64).astype(dtype)
    _, parsed = _reparse(ModuleOp([ConstantOp.from_numpy(array)]))
    op = next(iter(parsed.ops))
    assert _bits(op.numpy()) == _bits(array)


@pytest.mark.parametrize(
    "value",
    [1162668.0, float("nan"), float("inf"), -float("inf"), -0.0, 1e-45, 3.4028235e38, 0.1],
)
def test_documented_values_survive(value: float) -> None:
    array = np.array([value, 2.0], dtype=np.float32)
    text, parsed = _reparse(ModuleOp([ConstantOp.from_numpy(array)]))
    assert _bits(next(iter(parsed.ops)).numpy()) == _bits(array)  # type: ignore[attr-defined]
    assert "0x498DED60," not in text


@settings(max_examples=200, deadline=None)
@given(_f32, st.sampled_from(["LeakyRelu", "Elu", "Celu", "ThresholdedRelu", "HardSigmoid"]))
@example(np.frombuffer(b"\x01\x00\x80\x7f", np.float32)[0], "LeakyRelu")  # signalling NaN
def test_float_attributes_survive(value: np.float32, op_type: str) -> None:
    from xdsl.dialects.builtin import TensorType

    cls = op_class(op_type)
    x = ConstantOp.from_numpy(np.zeros((2,), np.float32))
    op = cls.build(
        operands=[x.result],
        result_types=[TensorType(f32, [2])],
        properties={"alpha": FloatAttr(float(value), f32)},
    )
    printed = op.properties["alpha"]
    assert isinstance(printed, FloatAttr)
    _, parsed = _reparse(ModuleOp([x, op]))
    back = list(parsed.ops)[1].properties["alpha"]
    assert isinstance(back, FloatAttr)
    # the attribute's own value, bit for bit: a signalling NaN is already quiet in it, as
    # float() made it a double before the IR ever held it
    assert _bits(np.float64(back.value.data)) == _bits(np.float64(printed.value.data))
    signalling = np.isnan(value) and not np.float32(value).view(np.uint32) & 0x00400000
    if not signalling:  # every other float32, NaN payloads included, comes back exactly
        assert _bits(np.float32(back.value.data)) == _bits(np.float32(value))


@settings(max_examples=200, deadline=None)
@given(_finite)
def test_float_lists_survive(value: float) -> None:
    """array<f32: ...> (the `floats` attributes) has no spelling for NaN/Inf, which the
    importer rejects; every finite value comes back exactly, including those xDSL 0.74
    prints as bit patterns it cannot read back."""
    from deeploy.dialects.graph import to_attr
    from deeploy.dialects.op_signature import FLOATS

    attr = to_attr(FLOATS, [value, 1162668.0])
    module = ModuleOp([])
    module.attributes["floats"] = attr
    _, parsed = _reparse(module)
    back = parsed.attributes["floats"]
    assert back.get_values() == attr.get_values()  # type: ignore[attr-defined]


@settings(max_examples=100, deadline=None)
@given(st.lists(_f32, min_size=1, max_size=8))
def test_buffer_and_c_constants_survive(values: list[np.float32]) -> None:
    from xdsl.dialects.builtin import MemRefType

    from deeploy.dialects import buffer, cemit

    array = np.array(values, dtype=np.float32)
    dense = dense_from_numpy(array)
    const = buffer.ConstantOp(dense, "L2", "w")
    assert isinstance(const.results[0].type, MemRefType)
    glob = cemit.GlobalOp("net_w", f32, len(values), initial_value=dense, const=True)
    module = ModuleOp([const, cemit.FileOp("net.c", [glob])])
    _, parsed = _reparse(module)
    ops = list(parsed.ops)
    assert _bits(numpy_from_dense(ops[0].value)) == _bits(array)  # type: ignore[attr-defined]
    inner = next(iter(ops[1].body.block.ops))  # type: ignore[attr-defined]
    assert _bits(numpy_from_dense(inner.initial_value)) == _bits(array)


@settings(max_examples=300, deadline=None)
@given(st.one_of(_f64, _f32.map(float)))
def test_exact_decimal_reads_back(value: float) -> None:
    if not np.isfinite(value):
        return
    text = exact_decimal(float(value))
    assert "." in text.partition("e")[0]
    assert float(text) == float(value) and str(float(text)) == str(float(value))


def test_f64_float_attribute_nan_payload() -> None:
    payload = struct.unpack("<d", struct.pack("<Q", 0x7FF0000000000123))[0]
    x = ConstantOp.from_numpy(np.zeros((2,), np.float64))
    op = op_class("LeakyRelu").build(
        operands=[x.result],
        result_types=[x.result.type],
        properties={"alpha": FloatAttr(payload, f64)},
    )
    _, parsed = _reparse(ModuleOp([x, op]))
    back = list(parsed.ops)[1].properties["alpha"].value.data  # type: ignore[attr-defined]
    assert struct.pack("<d", back) == struct.pack("<d", payload)


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=40))
def test_any_name_survives(name: str) -> None:
    """Node and tensor names from any exporter (xDSL 0.74 alone reads non-ASCII names back
    as bytes, which no longer verify)."""
    _, parsed = _reparse(ModuleOp([ConstantOp.from_numpy(np.zeros(1, np.float32), name)]))
    parsed.verify()
    op = next(iter(parsed.ops))
    assert isinstance(op, ConstantOp) and op.attributes["name"].data == name  # type: ignore[attr-defined]
