"""`deeploy run --float-model`: the deviation figures, the checks that the float model has
the quantised network's inputs and outputs, and its one-line errors (exit code 2)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from deeploy.errors import DeeployError, OptionError
from deeploy.harness import float_model

pytest.importorskip("onnxruntime")


def _relu(input_name: str = "x", shape=(2, 3), output_name: str = "y") -> onnx.ModelProto:
    graph = helper.make_graph(
        [helper.make_node("Relu", [input_name], [output_name])],
        "relu",
        [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, list(shape))],
        [helper.make_tensor_value_info(output_name, TensorProto.FLOAT, list(shape))],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


def _loaded(model: onnx.ModelProto, tmp_path: Path) -> float_model.FloatModel:
    path = tmp_path / "float.onnx"
    onnx.save(model, path)
    return float_model.load(str(path))


def _specs(name: str, shape) -> list[dict]:
    return [{"name": name, "shape": list(shape), "dtype": "float32"}]


def test_deviation_figures() -> None:
    quantised = np.array([[1, 2, 3], [3, 2, 1]], np.float32)
    floats = np.array([[1, 2, 4], [1, 2, 3]], np.float32)
    # |differences| 0 0 1 / 2 0 2; argmax 2 vs 2 (agrees), 0 vs 2 (does not)
    (entry,) = float_model.deviation([quantised], [floats], ["y"])
    assert entry == {
        "name": "y",
        "max_abs_error": 2.0,
        "mean_abs_error": pytest.approx(5 / 6),
        "argmax_agreement": 0.5,
        "argmax_positions": 2,
    }
    assert float_model.format_line(entry) == (
        "float model: output 'y': max abs error 2, mean abs error 0.8333, "
        "argmax agreement 1/2 (50.0 %)"
    )


def test_deviation_without_an_argmax_and_with_nonfinite_values() -> None:
    column = float_model.deviation([np.zeros((4, 1))], [np.ones((4, 1))], ["c"])[0]
    assert column["argmax_agreement"] is None and column["argmax_positions"] == 0
    assert column["max_abs_error"] == 1.0 and column["mean_abs_error"] == 1.0
    assert "argmax agreement n/a" in float_model.format_line(column)
    # NaN on both sides is no error; NaN on one side is an unbounded one
    both = float_model.deviation([np.array([np.nan, 1.0])], [np.array([np.nan, 1.5])], ["b"])
    assert both[0]["max_abs_error"] == 0.5
    one = float_model.deviation([np.array([np.nan, 1.0])], [np.array([0.0, 1.0])], ["o"])
    assert math.isinf(one[0]["max_abs_error"]) and math.isinf(one[0]["mean_abs_error"])
    report = float_model.report(
        float_model.FloatModel(Path("f.onnx"), _relu()),
        [np.array([np.nan, 1.0])],
        [np.array([0.0, 1.0])],
        {"outputs": _specs("o", [2])},
    )
    assert report["outputs"][0]["max_abs_error"] is None  # JSON has no infinity
    assert "unbounded" in float_model.format_line(report["outputs"][0])


def test_checks_names_and_shapes(tmp_path: Path) -> None:
    inputs, outputs = _specs("x", (2, 3)), _specs("y", (2, 3))
    float_model.check(_loaded(_relu(), tmp_path), inputs, outputs)
    # a symbolic dimension matches any size
    float_model.check(_loaded(_relu(shape=("batch", 3)), tmp_path), inputs, outputs)
    with pytest.raises(OptionError, match=r"float.onnx has no input 'x' \(its inputs: 'image'\)"):
        float_model.check(_loaded(_relu(input_name="image"), tmp_path), inputs, outputs)
    with pytest.raises(OptionError, match=r"has no output 'y' \(its outputs: 'z'\)"):
        float_model.check(_loaded(_relu(output_name="z"), tmp_path), inputs, outputs)
    two = _relu()
    two.graph.node.append(helper.make_node("Neg", ["y"], ["z"]))
    two.graph.output.append(helper.make_tensor_value_info("z", TensorProto.FLOAT, [2, 3]))
    with pytest.raises(OptionError, match=r"has output 'z', which the quantised network"):
        float_model.check(_loaded(two, tmp_path), inputs, outputs)
    with pytest.raises(
        OptionError, match=r"input 'x' has shape \[2, 4\], the quantised .* \[2, 3\]"
    ):
        float_model.check(_loaded(_relu(shape=(2, 4)), tmp_path), inputs, outputs)


def test_outputs_run_the_float_model(tmp_path: Path) -> None:
    model = _loaded(_relu(), tmp_path)
    x = np.array([[-1, 2, -3], [4, -5, 6]], np.float32)
    report = {"inputs": _specs("x", (2, 3)), "outputs": _specs("y", (2, 3))}
    (y,) = float_model.outputs(model, [x], report)
    np.testing.assert_array_equal(y, np.maximum(x, 0))
    # an integer network's data: the same numbers, in the float model's type
    (y,) = float_model.outputs(model, [x.astype(np.int8)], report)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, np.maximum(x, 0))


def test_load_errors_name_the_option(tmp_path: Path) -> None:
    with pytest.raises(DeeployError, match=r"--float-model .*missing.onnx: no such file"):
        float_model.load(str(tmp_path / "missing.onnx"))
    garbage = tmp_path / "garbage.onnx"
    garbage.write_bytes(b"\xff\x00 not a protobuf")
    with pytest.raises(OptionError, match=r"--float-model .*garbage.onnx is not a valid ONNX"):
        float_model.load(str(garbage))


# -- the command line ------------------------------------------------------------------------


def _deeploy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "deeploy.tools.cli", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def _rejected(proc: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], proc.stderr


def test_cli_reports_the_deviation(tmp_path: Path) -> None:
    """The 'quantised' network is a Relu, the float one an identity: the deviation is
    |min(x, 0)| on deeploy run's inputs, read back from the test folder's inputs.npz."""
    folder = tmp_path / "net"
    folder.mkdir()
    onnx.save(_relu(), folder / "network.onnx")
    x = np.array([[-1.5, 2, -0.5], [4, 5, 6]], np.float32)
    np.savez(folder / "inputs.npz", x=x)
    np.savez(folder / "outputs.npz", y=np.maximum(x, 0))
    identity = _relu()
    identity.graph.node[0].op_type = "Identity"
    onnx.save(identity, tmp_path / "float.onnx")
    proc = _deeploy("run", str(folder), "--float-model", str(tmp_path / "float.onnx"), "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (
        "float model: output 'y': max abs error 1.5, mean abs error 0.3333, argmax agreement "
        "2/2 (100.0 %)" in proc.stdout
    )
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["passed"] is True  # the usual check is unchanged
    assert report["float_model"] == {
        "path": str(tmp_path / "float.onnx"),
        "outputs": [
            {
                "name": "y",
                "max_abs_error": 1.5,
                "mean_abs_error": pytest.approx(2 / 6),
                "argmax_agreement": 1.0,
                "argmax_positions": 2,
            }
        ],
    }


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    quantised = tmp_path / "q.onnx"
    onnx.save(_relu(), quantised)
    _rejected(
        _deeploy("run", str(quantised), "--float-model", str(tmp_path / "nope.onnx")),
        "nope.onnx: no such file",
    )
    other = tmp_path / "other.onnx"
    onnx.save(_relu(input_name="image"), other)
    _rejected(_deeploy("run", str(quantised), "--float-model", str(other)), "has no input 'x'")
    onnx.save(_relu(shape=(2, 4)), other)
    _rejected(
        _deeploy("run", str(quantised), "--float-model", str(other)),
        "input 'x' has shape [2, 4], the quantised network's has [2, 3]",
    )
    # declared shapes that fit, but the output onnxruntime computes does not
    doubled = _relu(output_name="r")
    doubled.graph.node.append(helper.make_node("Concat", ["r", "r"], ["y"], axis=0))
    doubled.graph.output[0].CopyFrom(
        helper.make_tensor_value_info("y", TensorProto.FLOAT, ["m", 3])
    )
    onnx.save(doubled, other)
    _rejected(
        _deeploy("run", str(quantised), "--float-model", str(other)),
        "output 'y' comes out with shape [4, 3], the quantised network's has [2, 3]",
    )


def test_external_data_outside_the_float_models_folder_is_refused(tmp_path: Path) -> None:
    """The float model's external data is checked as the compiled model's: onnxruntime is
    never handed a path that reads a file outside the model's folder."""
    from onnx import numpy_helper

    secret = tmp_path / "secret.bin"
    secret.write_bytes(np.ones(4, np.float32).tobytes())
    folder = tmp_path / "model"
    folder.mkdir()
    w = numpy_helper.from_array(np.zeros(4, np.float32), "w")
    w.ClearField("raw_data")
    w.data_location = TensorProto.EXTERNAL
    for key, value in (("location", "../secret.bin"), ("length", "16")):
        entry = w.external_data.add()
        entry.key, entry.value = key, value
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "w"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])],
        [w],
    )
    path = folder / "float.onnx"
    path.write_bytes(helper.make_model(graph).SerializeToString())
    with pytest.raises(OptionError, match=r"--float-model .*float\.onnx: .*'\.\./secret\.bin'"):
        float_model.load(str(path))
