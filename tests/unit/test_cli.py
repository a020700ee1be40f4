"""The `deeploy` command: outputs, JSON report, and one-line errors with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from tests.conftest import PROJECT
from tests.networks import single_op

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "tiny_cnn"


def deeploy(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "deeploy.tools.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def assert_rejected(proc: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def _save(model: onnx.ModelProto, path: Path) -> Path:
    onnx.save(model, path)
    return path


def test_run_test_folder_json(tmp_path: Path) -> None:
    proc = deeploy(
        "run", str(EXAMPLE), "--target", "generic", "--json", "--work-dir", str(tmp_path / "w")
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["passed"] is True and report["errors"] == 0
    assert report["total"] == 10  # the example's one output has 1x10 elements
    for key in (
        "network",
        "target",
        "max_abs_error",
        "compile_seconds",
        "memory",
        "ram_bytes",
        "weights_bytes",
    ):
        assert key in report
    assert set(report["memory"]) == {"L2"}
    assert report["ram_bytes"] == report["memory"]["L2"] + report["io_bytes"]
    assert (tmp_path / "w" / "network.c").exists()  # named after network.onnx


def test_run_bare_onnx_uses_onnxruntime(tmp_path: Path) -> None:
    pytest.importorskip("onnxruntime")
    model = _save(single_op("Relu", [("x", (2, 8))]), tmp_path / "relu.onnx")
    proc = deeploy("run", str(model), "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.splitlines()[-1])["total"] == 16


def test_run_reports_mismatch_with_exit_1(tmp_path: Path) -> None:
    folder = tmp_path / "t"
    folder.mkdir()
    _save(single_op("Relu", [("x", (4,))]), folder / "network.onnx")
    x = np.array([-1, 0, 1, 2], np.float32)
    np.savez(folder / "inputs.npz", x)
    np.savez(folder / "outputs.npz", np.array([0, 0, 1, 3], np.float32))  # last element is wrong
    proc = deeploy("run", str(folder), "--json")
    assert proc.returncode == 1
    report = json.loads(proc.stdout.splitlines()[-1])
    assert report["passed"] is False and report["errors"] == 1 and report["total"] == 4


def test_compile_writes_sources_and_makefile(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = deeploy("compile", str(EXAMPLE / "network.onnx"), "-o", str(out), "--name", "cnn")
    assert proc.returncode == 0, proc.stderr
    assert "MACs" in proc.stdout and "L2" in proc.stdout
    for name in ("cnn.c", "cnn.h", "Makefile", "runtime/include/deeploy/conv.h"):
        assert (out / name).exists(), name
    make = subprocess.run(
        ["make", "-s", "-C", str(out)], capture_output=True, text=True, check=False
    )
    assert make.returncode == 0, make.stderr
    assert (out / "libcnn.a").exists()


def test_dump_ir_replays_the_pipeline_that_ran(tmp_path: Path) -> None:
    """--dump-ir lists the passes that really ran (here with the integer-type pass an
    --input-type adds, and tiling), and replaying a stage with them gives the same C."""
    model = _save(single_op("Relu", [("x", [1, 4, 8, 8])], [1, 4, 8, 8]), tmp_path / "relu.onnx")
    out, ir = tmp_path / "out", tmp_path / "ir"
    proc = deeploy(
        "compile", str(model), "-o", str(out), "--name", "relu", "--input-type", "x=int8",
        "--l1", "128", "--dump-ir", str(ir),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    stages = dict(
        line.split(": ", 1) for line in (ir / "pipeline.txt").read_text().splitlines()[1:]
    )
    assert stages["import"].startswith('assign-integer-types{inputs="x=i8"},')
    assert "tile-layers{" in stages["import"]
    stage = next(p for p in sorted(ir.glob("*-bind-kernels.mlir")))
    replay = subprocess.run(
        [
            sys.executable, "-m", "deeploy.tools.deeploy_opt", str(stage),
            "-p", stages["bind-kernels"], "-t", 'c{file="relu.c"}',
        ],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert replay.returncode == 0, replay.stderr
    assert replay.stdout == (out / "relu.c").read_text()


def test_missing_file() -> None:
    assert_rejected(
        deeploy("compile", "does/not/exist.onnx"), "does/not/exist.onnx", "no such file"
    )


def test_not_onnx(tmp_path: Path) -> None:
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"this is not a protobuf")
    assert_rejected(deeploy("compile", str(bad)), "bad.onnx", "not a valid ONNX model")


def test_dynamic_shape_names_input_and_fix(tmp_path: Path) -> None:
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 8])],
    )
    model = _save(
        helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), tmp_path / "dyn.onnx"
    )
    assert_rejected(
        deeploy("compile", str(model), "-o", str(tmp_path / "o")), "input 'x'", "--input-shape x="
    )
    fixed = deeploy("compile", str(model), "-o", str(tmp_path / "o"), "--input-shape", "x=2x8")
    assert fixed.returncode == 0, fixed.stderr
    assert "#define DYN_INPUT_0_ELEMS 16" in (tmp_path / "o" / "dyn.h").read_text()


def test_bad_input_shape_option(tmp_path: Path) -> None:
    model = _save(single_op("Relu", [("x", (2,))]), tmp_path / "m.onnx")
    assert_rejected(
        deeploy("compile", str(model), "--input-shape", "x=2xbanana"), "--input-shape 'x=2xbanana'"
    )
    assert_rejected(
        deeploy("compile", str(model), "--input-shape", "nope=2"), "'nope'", "inputs are: x"
    )


def test_unsupported_ops_are_all_listed(tmp_path: Path) -> None:
    nodes = [
        helper.make_node("Relu", ["x"], ["a"], name="ok"),
        helper.make_node("Tan", ["a"], ["b"], name="first_bad"),
        helper.make_node("Acos", ["b"], ["y"], name="second_bad"),
    ]
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])],
    )
    model = _save(
        helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), tmp_path / "m.onnx"
    )
    assert_rejected(
        deeploy("compile", str(model)),
        "2 node(s)",
        "Tan (",
        "'first_bad'",
        "Acos (",
        "'second_bad'",
    )


def test_unsupported_dtype(tmp_path: Path) -> None:
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"], name="r")],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.DOUBLE, [4])],
        [helper.make_tensor_value_info("y", TensorProto.DOUBLE, [4])],
    )
    model = _save(
        helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), tmp_path / "m.onnx"
    )
    assert_rejected(
        deeploy("compile", str(model)),
        "Relu (needs float32 tensors, got f64 / needs int8/uint8/int16/uint16/int32 tensors, got f64): 'r'",
    )


def test_unknown_target(tmp_path: Path) -> None:
    model = _save(single_op("Relu", [("x", (2,))]), tmp_path / "m.onnx")
    assert_rejected(
        deeploy("compile", str(model), "--target", "pdp11"), "unknown target 'pdp11'", "generic"
    )


def test_unknown_option() -> None:
    proc = deeploy("compile", "x.onnx", "--frobnicate")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "unrecognized arguments: --frobnicate" in proc.stderr


def test_invalid_pipeline_for_deeploy_opt() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "deeploy.tools.deeploy_opt", "-p", "bufferize{level=}"],
        input="",
        capture_output=True,
        text=True,
        check=False,
    )
    assert_rejected(proc, "deeploy-opt: error:")
    proc = subprocess.run(
        [sys.executable, "-m", "deeploy.tools.deeploy_opt", "-p", "fold-constants,no-such-pass"],
        input="",
        capture_output=True,
        text=True,
        check=False,
    )
    assert_rejected(proc, "no-such-pass")


def test_unwritable_outputs_name_the_option(tmp_path: Path) -> None:
    model = str(PROJECT / "examples" / "tiny_cnn" / "network.onnx")
    blocker = tmp_path / "a-file"
    blocker.write_text("")  # a file where a folder is expected
    assert_rejected(
        deeploy("compile", model, "-o", str(blocker / "out")), "-o/--output", "cannot write"
    )
    assert_rejected(
        deeploy(
            "compile", model, "-o", str(tmp_path / "out"), "--memory-map", str(blocker / "m.json")
        ),
        "--memory-map",
        "cannot write",
    )


def test_too_many_inputs_and_outputs_for_the_dma_layer(tmp_path: Path) -> None:
    # 1 input and 63 outputs, plus the L1 and L2 regions: 66 > the runtime's 64
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], [f"y{i}"], name=f"r{i}") for i in range(63)],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
        [helper.make_tensor_value_info(f"y{i}", TensorProto.FLOAT, [4]) for i in range(63)],
    )
    model = _save(
        helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), tmp_path / "m.onnx"
    )
    assert_rejected(
        deeploy("compile", str(model), "--l1", "1024", "-o", str(tmp_path / "out")),
        "needs 66 regions",
        "DEEPLOY_MAX_REGIONS",
    )
    assert deeploy("compile", str(model), "-o", str(tmp_path / "untiled")).returncode == 0
