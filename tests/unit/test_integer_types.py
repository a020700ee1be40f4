"""Integer input types: parsing --input-type, Deeploy's inference from data, and the
errors a user sees when a network is not an integer one."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from deeploy.errors import NotIntegerError, OptionError
from deeploy.integer_types import infer_input_types, parse_input_types, smallest_integer_type


def test_parse_input_types_accepts_c_and_short_names() -> None:
    assert parse_input_types(["x=int8", "y=u16", "z=UINT8"]) == {"x": "i8", "y": "u16", "z": "u8"}


@pytest.mark.parametrize("spec", ["x", "x=float", "=int8", "x=int4"])
def test_parse_input_types_names_the_bad_entry(spec: str) -> None:
    with pytest.raises(OptionError, match=f"--input-type '{spec}'"):
        parse_input_types([spec])


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([0, 255], "u8"),  # unsigned first
        ([-1, 127], "i8"),
        ([0, 256], "u16"),
        ([-129, 5], "i16"),
        ([0, 70000], "u32"),
        ([-40000, 0], "i32"),
        ([0.5, 1.0], None),  # not integers: a float input
        ([np.inf], None),
    ],
)
def test_smallest_integer_type_as_deeploy_infers_it(
    values: list[float], expected: str | None
) -> None:
    assert smallest_integer_type(np.array(values, np.float32)) == expected


def test_one_float_input_keeps_the_network_float() -> None:
    ints, floats = np.array([1.0, 2.0]), np.array([0.25])
    assert infer_input_types(["a", "b"], [ints, ints]) == {"a": "u8", "b": "u8"}
    assert infer_input_types(["a", "b"], [ints, floats]) is None


def _scaled_model() -> bytes:
    node = helper.make_node("Mul", ["x", "s"], ["y"], name="scale")
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])],
        [numpy_helper.from_array(np.array([0.5], np.float32), "s")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    return model.SerializeToString()


def test_a_non_integer_constant_is_named() -> None:
    import deeploy

    with pytest.raises(NotIntegerError, match=r"'scale' \(Mul\): constant input 1"):
        deeploy.compile(_scaled_model(), input_types={"x": "int8"})


def test_an_unknown_input_name_is_an_option_error() -> None:
    import deeploy

    with pytest.raises(OptionError, match="--input-type names nope"):
        deeploy.compile(_scaled_model(), input_types={"nope": "int8"})


def test_inferred_types_fall_back_to_float_with_a_note(capsys: pytest.CaptureFixture[str]) -> None:
    from deeploy.harness.runner import compile_typed

    result = compile_typed(_scaled_model(), {"x": "u8"}, True)
    assert result.report["inputs"][0]["dtype"] == "float32"
    assert "compiled as float" in capsys.readouterr().err
    with pytest.raises(NotIntegerError):  # types the user gave are never dropped
        compile_typed(_scaled_model(), {"x": "u8"}, False)
