"""Progress bars of long steps: shown only when enabled (the CLI on a terminal)."""

from __future__ import annotations

import io
from pathlib import Path

import deeploy
from deeploy import progress
from deeploy.targets.base import MemoryConfig

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "tiny_cnn" / "network.onnx"


def test_tiling_shows_a_bar_per_layer_when_enabled() -> None:
    stream = io.StringIO()
    with progress.enabled(stream):
        result = deeploy.compile(EXAMPLE, memory=MemoryConfig(l1=4000, fuse_layers=False))
    layers = result.report["tiling"]["layers"]
    shown = stream.getvalue()
    assert f"tiling:   0%|          | 0/{layers}" in shown  # one unit per layer
    assert shown.endswith("\r")  # the bar is cleared when tiling ends


def test_nothing_is_shown_unless_enabled(capsys) -> None:
    deeploy.compile(EXAMPLE, memory=MemoryConfig(l1=4000))
    captured = capsys.readouterr()
    assert "tiling" not in captured.err and "tiling" not in captured.out
