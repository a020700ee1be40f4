"""The `deeploy` command: outputs, JSON report, and one-line errors with exit code 2."""

from __future__ import annotations

import json
import os
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
    for name in ("cnn.c", "cnn.h", "Makefile", "runtime/include/deeploy/conv_f32.h"):
        assert (out / name).exists(), name
    make = subprocess.run(
        ["make", "-s", "-C", str(out)], capture_output=True, text=True, check=False
    )
    assert make.returncode == 0, make.stderr
    members = subprocess.run(
        ["ar", "t", str(out / "libcnn.a")], capture_output=True, text=True, check=True
    ).stdout.split()
    assert "cnn.o" in members and "conv_f32.o" in members  # the network and its kernels


def test_dump_ir_replays_the_pipeline_that_ran(tmp_path: Path) -> None:
    """--dump-ir lists the passes that really ran (here with the integer-type pass an
    --input-type adds, and tiling), and replaying a stage with them gives the same C:
    the hardware (--l1) is in the IR, not in the passes' options."""
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
    assert ",tile-layers,fuse-tiled-layers," in stages["import"]
    assert '#target.spec<"generic", levels = [L1 128,' in (ir / "00-import.mlir").read_text()
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


# -- untrusted options and files: exit code 2 and one line, never a traceback ------------

MODEL = str(EXAMPLE / "network.onnx")


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """`deeploy` in-process: exit code, stdout, stderr."""
    from deeploy.tools.cli import main

    try:
        code = main(list(argv))
    except SystemExit as done:  # argparse's errors
        code = int(done.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line(code: int, err: str, *fragments: str) -> str:
    assert code == 2, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("deeploy: error: "), err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def _strict_json(line: str) -> dict:
    """JSON as the standard has it: no NaN or Infinity."""

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} is not JSON")

    return json.loads(line, parse_constant=refuse)


@pytest.mark.parametrize(
    ("argv", "fragments"),
    [
        (["compile", MODEL, "--l1", "99999999999999999999999"], ["--l1", "1 TiB"]),
        (["compile", MODEL, "--l2", "2000000000000"], ["--l2", "1 TiB"]),
        (["compile", MODEL, "--l1", "\u00b2\u00b3"], ["--l1", "not a byte count"]),
        (["compile", MODEL, "--l1", "\u0661\u0662"], ["--l1", "not a byte count"]),
        (["run", MODEL, "--seed", "-1"], ["--seed", "'-1'"]),
        (["run", MODEL, "--seed", "1" * 50], ["--seed"]),
        (["run", MODEL, "--atol", "nan"], ["--atol", "finite"]),
        (["run", MODEL, "--rtol", "inf"], ["--rtol", "finite"]),
        (["run", MODEL, "--atol", "-0.5"], ["--atol"]),
        (["run", MODEL, "--rtol", "1e999"], ["--rtol"]),
        (["compile", MODEL, "-o", ""], ["-o/--output", "the path is empty"]),
        (["compile", ""], ["model", "the path is empty"]),
        (["run", ""], ["path", "the path is empty"]),
        (["run", MODEL, "--work-dir", ""], ["--work-dir", "empty"]),
        (["compile", MODEL, "--dump-ir", ""], ["--dump-ir", "empty"]),
        (["compile", MODEL, "--memory-map", ""], ["--memory-map", "empty"]),
        (["compile", MODEL, "--memory-plot", ""], ["--memory-plot", "empty"]),
        (["compile", MODEL, "--frobnicate"], ["unrecognized arguments: --frobnicate"]),
        (["compile", MODEL, "--home", "L9\u202e"], ["--home", "\\u202e"]),
    ],
)
def test_bad_option_values(
    capsys: pytest.CaptureFixture[str], argv: list[str], fragments: list[str]
) -> None:
    assert_one_line(*cli(capsys, *argv)[::2], *fragments)


def test_output_paths_are_checked_before_compiling(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    out = str(tmp_path / "out")
    cases = [
        (["compile", MODEL, "-o", str(a_file)], "-o/--output"),
        (["compile", MODEL, "-o", out, "--dump-ir", str(a_file)], "--dump-ir"),
        (["compile", MODEL, "-o", out, "--memory-map", str(tmp_path)], "--memory-map"),
        (["compile", MODEL, "-o", out, "--memory-plot", str(tmp_path / "map.xyz")], ".png"),
        (["compile", MODEL, "-o", out, "--memory-plot", str(tmp_path / "map")], "--memory-plot"),
        (["run", str(EXAMPLE), "--work-dir", str(a_file)], "--work-dir"),
    ]
    for argv, fragment in cases:
        code, stdout, err = cli(capsys, *argv)
        assert_one_line(code, err, fragment)
        assert "compiling" not in stdout and not (tmp_path / "out").exists()
    assert a_file.read_text() == ""


def test_model_that_is_no_regular_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_one_line(*cli(capsys, "compile", str(tmp_path))[::2], str(tmp_path), "not a test folder")
    if Path("/dev/zero").exists():  # a model that never ends
        assert_one_line(*cli(capsys, "run", "/dev/zero")[::2], "/dev/zero", "character device")
    big = tmp_path / "big.onnx"
    big.write_bytes(Path(MODEL).read_bytes())
    monkeypatch.setenv("DEEPLOY_MAX_INPUT_BYTES", "1000")
    assert_one_line(
        *cli(capsys, "compile", str(big))[::2], "big.onnx", "1,000 bytes", "DEEPLOY_MAX"
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_fifos_do_not_block(tmp_path: Path) -> None:
    """A FIFO blocks a reader until someone writes: refused, in a real process."""
    fifo = tmp_path / "net.onnx"
    os.mkfifo(fifo)
    folder = tmp_path / "t"
    folder.mkdir()
    _save(single_op("Relu", [("x", (4,))]), folder / "network.onnx")
    np.savez(folder / "outputs.npz", np.zeros(4, np.float32))
    os.mkfifo(folder / "inputs.npz")
    for argv in (["compile", str(fifo)], ["run", str(fifo)], ["run", str(folder)]):
        proc = subprocess.run(
            [sys.executable, "-m", "deeploy.tools.cli", *argv],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert_rejected(proc, "FIFO")


def _test_folder(tmp_path: Path, inputs: dict, outputs: dict, name: str = "t") -> Path:
    """A test folder around Sub(a, b): the order of its inputs matters."""
    folder = tmp_path / name
    folder.mkdir()
    graph = helper.make_graph(
        [helper.make_node("Sub", ["a", "b"], ["y"], name="sub")],
        "g",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, [4]) for n in ("a", "b")],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    _save(model, folder / "network.onnx")
    np.savez(folder / "inputs.npz", **inputs)
    np.savez(folder / "outputs.npz", **outputs)
    return folder


A, B = np.float32([5, 6, 7, 8]), np.float32([1, 2, 3, 4])


def test_run_matches_arrays_by_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    named = _test_folder(tmp_path, {"b": B, "a": A}, {"y": A - B}, "named")
    code, out, err = cli(capsys, "run", str(named), "--json")
    assert code == 0, err
    assert _strict_json(out.splitlines()[-1])["passed"] is True
    positional = _test_folder(tmp_path, {"arr_0": A, "arr_1": B}, {"arr_0": A - B}, "pos")
    assert cli(capsys, "run", str(positional))[0] == 0


def test_run_notes_arrays_beyond_the_inputs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Deeploy's test suite stores parameters after the inputs: used as before, with a note."""
    folder = _test_folder(tmp_path, {"arr_0": A, "arr_1": B, "arr_2": np.ones(9)}, {"arr_0": A - B})
    code, _, err = cli(capsys, "run", str(folder))
    assert code == 0, err
    assert "inputs.npz: 1 array(s) beyond the network's 2 input(s) not used" in err


@pytest.mark.parametrize(
    ("inputs", "outputs", "fragments"),
    [
        ({"a": A, "b": B}, {"y": A - B, "z": A}, ["outputs.npz holds 1 arrays more", "'z'"]),
        ({"a": A, "c": B}, {"y": A - B}, ["inputs.npz", "none for input 'b'"]),
        ({"a": A}, {"y": A - B}, ["inputs.npz", "none for input 'b'"]),
        ({"arr_0": A}, {"y": A - B}, ["inputs.npz holds 1 arrays", "2 inputs"]),
        ({"a": A, "b": np.ones(5)}, {"y": A - B}, ["array 'b' for input 'b' has shape [5]"]),
        ({"a": A, "b": B}, {"y": np.ones(3)}, ["outputs.npz", "array 'y' for output 'y'"]),
        ({"a": A, "b": B.astype(np.complex64)}, {"y": A - B}, ["array 'b'", "complex"]),
        ({"a": A, "b": np.array(["1", "2", "3", "4"])}, {"y": A}, ["array 'b'", "<U1"]),
    ],
)
def test_run_test_data_errors(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    inputs: dict,
    outputs: dict,
    fragments: list[str],
) -> None:
    folder = _test_folder(tmp_path, inputs, outputs)
    assert_one_line(*cli(capsys, "run", str(folder))[::2], *fragments)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"garbage", "inputs.npz is not an .npz file"),
        (None, "array 'arr_0' holds Python objects (a pickle"),
    ],
)
def test_run_malformed_npz(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None, fragment: str
) -> None:
    folder = _test_folder(tmp_path, {"a": A, "b": B}, {"y": A - B})
    if content is None:
        np.savez(folder / "inputs.npz", np.array([{"a": 1}], dtype=object))
    else:
        (folder / "inputs.npz").write_bytes(content)
    code, out, err = cli(capsys, "run", str(folder))
    assert_one_line(code, err, fragment)
    assert "compiling" not in out  # the data is read before the model is compiled


def test_nan_output_is_reported_not_hidden(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An element NaN on one side only: an error of unbounded size, and valid JSON."""
    folder = _test_folder(tmp_path, {"a": A, "b": B}, {"y": np.float32([4, 4, np.nan, 4])})
    code, out, _ = cli(capsys, "run", str(folder), "--json")
    assert code == 1
    assert "max abs error unbounded: 1 elements are NaN or infinite" in out
    report = _strict_json(out.splitlines()[-1])
    assert report["errors"] == 1 and report["max_abs_error"] is None
    assert report["outputs"][0]["max_abs_error"] is None
    assert report["outputs"][0]["nonfinite_errors"] == 1


def test_error_lines_escape_strings_from_the_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A node name with a newline, an ANSI escape and a right-to-left override cannot
    forge a second line or hide text in the error."""
    name = "evil\ndeeploy: error: forged\x1b[2K\u202eexe.txt"
    graph = helper.make_graph(
        [helper.make_node("Tan", ["x"], ["y"], name=name)],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])],
    )
    model = _save(
        helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), tmp_path / "m.onnx"
    )
    line = assert_one_line(*cli(capsys, "compile", str(model))[::2], "Tan")
    assert "evil\\ndeeploy: error: forged\\x1b[2K\\u202eexe.txt" in line
    assert "\x1b" not in line and "\u202e" not in line


def test_run_data_too_large_for_a_test_program(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = _save(single_op("Relu", [("x", ("N", 8))], ("N", 8)), tmp_path / "m.onnx")
    code, _, err = cli(capsys, "run", str(model), "--input-shape", "x=10000000x8")
    assert_one_line(code, err, "inputs take 320,000,000 bytes", "--input-shape")


# -- the host build: -Werror and sanitizers by default -----------------------------------


def test_host_flags() -> None:
    from deeploy.tools.cli import _host_cflags, build_parser

    def flags(*argv: str) -> list[str]:
        args = build_parser().parse_args(["run", MODEL, *argv])
        return _host_cflags(args, args.target)

    assert flags() == [
        "-Werror", "-g", "-fno-omit-frame-pointer",
        "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
    ]  # fmt: skip
    assert flags("--no-sanitize") == []
    assert flags("--count-instructions") == ["-Werror"]  # callgrind cannot run ASan
    assert flags("--profile-layers") == ["-Werror"]  # counted by callgrind too
    assert flags("--target", "rv32") == flags("--target", "cortex-m4") == []


def _deeploy_with(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "deeploy.tools.cli", *args],
        capture_output=True, text=True, check=False, timeout=600,
        env={**os.environ, "DEEPLOY_OBJECT_CACHE": "off", **env},
    )  # fmt: skip


def test_sanitizer_report_is_a_compiler_bug(tmp_path: Path) -> None:
    """Out-of-bounds reads in the program end as exit code 3 with the sanitizer's line,
    not as outputs that differ; --no-sanitize builds without the checks."""
    header = tmp_path / "oob.h"
    header.write_text(
        "extern volatile int deeploy_test_sink;\n"
        "__attribute__((constructor)) static void deeploy_test_oob(void) {\n"
        "    int a[2] = {1, 2};\n"
        "    volatile int i = 2;\n"
        "    deeploy_test_sink = a[i];\n"
        "}\n"
        "__attribute__((weak)) volatile int deeploy_test_sink;\n"
    )
    model = _save(single_op("Relu", [("x", (4,))]), tmp_path / "relu.onnx")
    flags = f"--cflags=-include {header}"
    proc = _deeploy_with({}, "run", str(model), flags, "--json")
    assert proc.returncode == 3, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines[0].startswith("deeploy: internal error: relu.elf: ")
    assert "runtime error: index 2 out of bounds" in lines[0]
    assert lines[-1] == "(this is a compiler bug; please report it with the model)"
    assert "runtime error" in json.loads(proc.stdout.splitlines()[-1])["error"]
    assert _deeploy_with({}, "run", str(model), flags, "--no-sanitize").returncode == 0


def test_no_sanitize_also_drops_werror(tmp_path: Path) -> None:
    header = tmp_path / "warn.h"
    header.write_text("static int deeploy_test_unused(void) { return 0; }\n")
    model = _save(single_op("Relu", [("x", (4,))]), tmp_path / "relu.onnx")
    flags = f"--cflags=-include {header}"
    failed = _deeploy_with({}, "run", str(model), flags)
    assert failed.returncode == 3 and "-Werror" in failed.stderr
    assert _deeploy_with({}, "run", str(model), flags, "--no-sanitize").returncode == 0


def test_host_without_sanitizers_is_told_about_no_sanitize(tmp_path: Path) -> None:
    compiler = tmp_path / "cc-without-sanitizers"
    compiler.write_text(
        "#!/bin/sh\n"
        'case "$*" in *-fsanitize*) '
        "echo \"cc: error: unrecognized command-line option '-fsanitize=address,undefined'\" >&2;"
        " exit 1;; esac\n"
        'exec cc "$@"\n'
    )
    compiler.chmod(0o755)
    model = _save(single_op("Relu", [("x", (4,))]), tmp_path / "relu.onnx")
    proc = _deeploy_with({"CC": str(compiler)}, "run", str(model))
    assert_rejected(proc, "cannot build or run with AddressSanitizer/UBSan", "--no-sanitize")
    assert _deeploy_with({"CC": str(compiler)}, "run", str(model), "--no-sanitize").returncode == 0


def test_targets_lists_each_targets_levels() -> None:
    proc = deeploy("targets")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    rv32 = lines.index(next(line for line in lines if line.startswith("rv32 ")))
    assert lines[rv32 + 1].split() == [
        "levels:", "L1", "(scratchpad,", "--l1),", "L2", "(home,", "1,024,000", "B),",
        "L3", "(8,388,608", "B)",
    ]  # fmt: skip


def test_verbose_timings_and_quiet(tmp_path: Path) -> None:
    """--verbose names each pass as it finishes, --timings ranks them, the JSON report
    keeps them in order (pass_seconds), --quiet drops the progress lines."""
    from deeploy.pipeline import default_pipeline

    proc = deeploy(
        "run", str(EXAMPLE), "--verbose", "--timings", "--quiet", "--json",
        "--work-dir", str(tmp_path / "w"),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    names = default_pipeline().names()
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert [name for name, _ in report["pass_seconds"]] == names
    assert all(seconds >= 0 for _, seconds in report["pass_seconds"])
    lines = proc.stderr.splitlines()
    ranked_from = lines.index(next(line for line in lines if line.startswith("time per pass")))
    assert [line.split()[0] for line in lines[:ranked_from]] == names  # as they finished
    ranked = [float(line.split()[1]) for line in lines[ranked_from + 1 :]]
    assert len(ranked) == len(names) and ranked == sorted(ranked, reverse=True)
    assert "compiling" not in proc.stdout and "building and running" not in proc.stdout


def test_march_takes_a_cpu_name_on_the_generic_target_only(tmp_path: Path) -> None:
    # nothing a shell or make would read reaches the Makefile
    assert_rejected(
        deeploy("compile", str(EXAMPLE), "--march", "x86-64 $(rm)", "-o", str(tmp_path)), "--march"
    )
    assert_rejected(
        deeploy("run", str(EXAMPLE), "--march", "native", "--target", "rv32"),
        "--march applies to the generic target",
    )
