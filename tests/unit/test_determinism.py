"""The same input and options give byte-identical output, across processes too."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "tiny_cnn" / "network.onnx"


def _compile_in_fresh_process(out: Path, seed: str) -> dict[str, bytes]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    subprocess.run(
        [sys.executable, "-m", "deeploy.tools.cli", "compile", str(EXAMPLE), "-o", str(out)],
        check=True,
        capture_output=True,
        env=env,
    )
    return {
        p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
    }


def test_byte_identical_across_processes(tmp_path: Path) -> None:
    first = _compile_in_fresh_process(tmp_path / "a", "1")
    second = _compile_in_fresh_process(tmp_path / "b", "12345")
    assert first.keys() == second.keys()
    for name in first:
        assert first[name] == second[name], f"{name} differs between runs"
