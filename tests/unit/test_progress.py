"""Progress bars of long steps: shown only when enabled (the CLI on a terminal)."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import numpy as np

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


def test_a_step_of_unknown_length_shows_its_label_and_time() -> None:
    stream = io.StringIO()
    with progress.enabled(stream), progress.waiting("running net.elf", refresh=0.02):
        time.sleep(0.2)
    shown = stream.getvalue()
    assert "running net.elf: 00:00" in shown
    assert shown.count("running net.elf") >= 3  # refreshed while the caller blocked
    assert shown.endswith("\r")  # cleared when the step ends


def test_building_shows_a_bar_per_runtime_file(tmp_path: Path) -> None:
    from deeploy.harness import runner
    from deeploy.targets import get_target

    result = deeploy.compile(EXAMPLE)
    harness = get_target("generic").harness_sources
    files = len(result.runtime_sources) + len(set(harness) - set(result.runtime_sources))
    stream = io.StringIO()
    with progress.enabled(stream):
        runner.build(result, [np.zeros((1, 1, 16, 16), np.float32)], tmp_path)
    shown = stream.getvalue()
    assert f"building the runtime:   0%|          | 0/{files}" in shown
    assert "building network.elf: " in shown


def test_the_cli_shows_build_and_run_steps_on_a_terminal(tmp_path: Path) -> None:
    """On a terminal (a pseudo-terminal here), `deeploy run` shows its build and run
    steps; piped, it shows none (the other tests read its stderr piped)."""
    import fcntl
    import pty
    import struct
    import subprocess
    import sys
    import termios
    import threading

    leader, follower = pty.openpty()
    # a terminal of 100 columns: tqdm draws nothing on one without a size
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
    chunks: list[bytes] = []

    def read_terminal() -> None:  # while the program runs: a closed pty drops unread data
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the other end is closed
                return
            if not chunk:
                return
            chunks.append(chunk)

    reader = threading.Thread(target=read_terminal)
    reader.start()
    proc = subprocess.run(
        [sys.executable, "-m", "deeploy.tools.cli", "run", str(EXAMPLE.parent)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=follower,
        timeout=300,
    )
    os.close(follower)
    reader.join(timeout=10)
    os.close(leader)
    terminal = b"".join(chunks).decode(errors="replace")
    assert proc.returncode == 0, terminal
    assert "building the runtime" in terminal or "building network.elf" in terminal
    assert "running network.elf" in terminal
    piped = subprocess.run(
        [sys.executable, "-m", "deeploy.tools.cli", "run", str(EXAMPLE.parent)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert piped.returncode == 0 and "running network.elf" not in piped.stderr
