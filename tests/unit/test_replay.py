"""Every stage of the default pipeline, printed as text, replays to the same C with deeploy-opt."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import deeploy
from deeploy.pipeline import default_pipeline

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "tiny_cnn" / "network.onnx"


@pytest.fixture(scope="module")
def compiled() -> deeploy.CompileResult:
    return deeploy.compile(EXAMPLE, name="cnn", keep_stages=True)


def test_every_pass_kept_a_stage(compiled) -> None:
    assert list(compiled.stages) == ["import", *default_pipeline().names()]


@pytest.mark.parametrize("stage", ["import", *default_pipeline().names()[:-1]])
def test_replay_from_stage_gives_same_c(compiled, stage: str, tmp_path: Path) -> None:
    pipeline = default_pipeline() if stage == "import" else default_pipeline().after(stage)
    source = tmp_path / f"{stage}.mlir"
    source.write_text(compiled.stages[stage])
    for file_name, text in compiled.files.items():
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "deeploy.tools.deeploy_opt",
                str(source),
                "-p",
                str(pipeline),
                "-t",
                f'c{{file="{file_name}"}}',
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == text, f"{file_name} differs when replayed from {stage}"


def test_deeploy_opt_reads_onnx_directly(compiled, tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "deeploy.tools.deeploy_opt",
            str(EXAMPLE),
            "--network",
            "cnn",
            "-p",
            str(default_pipeline()),
            "-t",
            'c{file="cnn.c"}',
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == compiled.files["cnn.c"]
