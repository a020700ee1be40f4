"""What a user takes away (issue 17): `deeploy compile MODEL --target T -o DIR` writes a
project whose own Makefile builds it with the target's toolchain, and `make -C DIR run`
runs one inference (natively, or under QEMU) printing outputs equal to those of the
program `deeploy run` builds and runs, and to the test folder's reference outputs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import deeploy
from deeploy.harness import runner, test_data
from deeploy.harness.compare import compare
from deeploy.targets import get_target
from deeploy.targets.base import MemoryConfig
from deeploy.targets.qemu import missing_tools
from tests.conftest import PROJECT

TINY = PROJECT / "examples" / "tiny_cnn"


def _tools(target: str) -> list[str]:
    t = get_target(target)
    return ["make", t.toolchain.cc, t.toolchain.ar, *t.emulator[:1]]


def _deeploy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "deeploy.tools.cli", *args],
        capture_output=True,
        text=True,
        check=False,
    )


CASES = [
    pytest.param("generic", [], id="generic"),
    pytest.param("generic", ["--l1", "3000", "--home", "L3"], id="generic-tiled-L3"),
    pytest.param("cortex-m4", [], id="cortex-m4"),
    pytest.param("rv32", [], id="rv32"),
    pytest.param("rv32", ["--l1", "3000", "--double-buffer"], id="rv32-tiled"),
]


@pytest.mark.parametrize(("target", "options"), CASES)
def test_exported_folder_builds_and_runs(target: str, options: list[str], tmp_path: Path) -> None:
    missing = missing_tools(_tools(target))
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed")
    out = tmp_path / "out"
    proc = _deeploy("compile", str(TINY), "--target", target, *options, "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert f"make -C {out} run" in proc.stdout
    make = subprocess.run(
        ["make", "-C", str(out), "run"], capture_output=True, text=True, check=False, timeout=600
    )
    assert make.returncode == 0, make.stderr[-3000:]

    # what deeploy run builds and runs: the same network through the test harness
    memory = None
    if options:
        memory = MemoryConfig(
            l1=3000,
            home="L3" if "L3" in options else "L2",
            double_buffer="--double-buffer" in options,
        )
    result = deeploy.compile(TINY / "network.onnx", target=target, memory=memory)
    inputs = test_data.fit_inputs(
        test_data.load_npz(TINY / "inputs.npz"), result.report["inputs"], "inputs.npz"
    )
    harness = runner.build_and_run(result, inputs, tmp_path / "harness")
    exported = runner.parse_outputs(make.stdout, result.report["outputs"])
    assert len(exported) == len(harness.outputs)
    for mine, theirs in zip(exported, harness.outputs):
        assert mine.dtype == theirs.dtype and mine.tobytes() == theirs.tobytes()
    assert compare(exported, test_data.load_npz(TINY / "outputs.npz")).passed
    if get_target(target).counter == "program":  # the exported program counts too
        counted = runner.parse_instructions(make.stdout)
        assert counted is not None and harness.instructions is not None
        # the same code, linked from an archive rather than objects: a few call
        # sequences may differ (linker relaxation), not the count's size
        assert abs(counted - harness.instructions) <= harness.instructions // 1000


def test_a_bare_model_gets_the_random_inputs_deeploy_run_uses(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = _deeploy("compile", str(TINY / "network.onnx"), "--seed", "7", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    make = subprocess.run(["make", "-C", str(out), "run"], capture_output=True, text=True)
    assert make.returncode == 0, make.stderr[-3000:]
    result = deeploy.compile(TINY / "network.onnx")
    inputs = test_data.random_inputs(result.report["inputs"], 7)
    expected = test_data.onnxruntime_reference(
        TINY / "network.onnx", inputs, [s["name"] for s in result.report["inputs"]], {}
    )
    exported = runner.parse_outputs(make.stdout, result.report["outputs"])
    assert compare(exported, expected).passed
    assert not np.array_equal(exported[0], test_data.load_npz(TINY / "outputs.npz")[0])


def test_the_library_alone_still_builds_when_outputs_are_too_large_to_print(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A network whose I/O a test program cannot carry still exports its library."""
    monkeypatch.setattr(runner, "MAX_RUN_DATA_BYTES", 16)
    result = deeploy.compile(TINY / "network.onnx")
    with pytest.raises(deeploy.DeeployError):
        runner.check_run_data(result)
    written = result.write(tmp_path / "lib")
    assert not (tmp_path / "lib" / "main.c").exists() and tmp_path / "lib" / "Makefile" in written
    make = subprocess.run(["make", "-C", str(tmp_path / "lib")], capture_output=True, text=True)
    assert make.returncode == 0, make.stderr
    assert "run:" not in (tmp_path / "lib" / "Makefile").read_text()


def test_march_builds_the_exported_project_for_this_cpu(tmp_path: Path) -> None:
    """--march native: the exported Makefile builds for this machine's CPU with fused
    multiply-adds, and its outputs stay within the reference's tolerance."""
    out = tmp_path / "out"
    proc = _deeploy("compile", str(TINY), "--march", "native", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    cflags = next(
        line for line in (out / "Makefile").read_text().splitlines() if line.startswith("CFLAGS")
    )
    assert "-march=native" in cflags.split() and "-ffp-contract=fast" in cflags.split()
    make = subprocess.run(
        ["make", "-C", str(out), "run"], capture_output=True, text=True, check=False, timeout=600
    )
    assert make.returncode == 0, make.stderr[-3000:]
    result = deeploy.compile(TINY / "network.onnx")
    exported = runner.parse_outputs(make.stdout, result.report["outputs"])
    assert compare(exported, test_data.load_npz(TINY / "outputs.npz")).passed
    run = _deeploy("run", str(TINY), "--march", "native")
    assert run.returncode == 0, run.stdout + run.stderr
