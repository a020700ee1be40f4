"""Shared test helpers: where the shared Deeploy test networks are, and how to run one."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

# Every compile in the tests verifies the IR after each pass, naming a pass that leaves
# invalid IR (deeploy.compile alone verifies only the end result).
os.environ.setdefault("DEEPLOY_VERIFY_EACH_PASS", "1")

PROJECT = Path(__file__).resolve().parent.parent
# Deeploy's test networks: ../shared/deeploy-tests beside the project, or any folder of
# test folders (Deeploy's DeeployTest/Tests) named by DEEPLOY_TESTS
SHARED = Path(os.environ.get("DEEPLOY_TESTS") or PROJECT.parent / "shared" / "deeploy-tests")

# Every e2e build is warning-free (-Werror) and runs under AddressSanitizer and UBSan,
# unless DEEPLOY_TEST_SANITIZE=0 (e.g. to time runs).
SANITIZE = os.environ.get("DEEPLOY_TEST_SANITIZE", "1") != "0"
CHECK_CFLAGS = ["-Werror", "-g", "-fno-omit-frame-pointer"] + (
    ["-fsanitize=address,undefined", "-fno-sanitize-recover=all"] if SANITIZE else []
)


def shared_tests(prefix: str = "") -> list[str]:
    """Test folders listed in SHARED/TESTS.txt; without that list, every folder below
    SHARED holding a network.onnx (empty if SHARED is absent)."""
    listing = SHARED / "TESTS.txt"
    if listing.exists():
        names = [line.strip() for line in listing.read_text().splitlines() if line.strip()]
    else:
        found = SHARED.rglob("network.onnx") if SHARED.is_dir() else []
        names = sorted(p.parent.relative_to(SHARED).as_posix() for p in found)
    return [n for n in names if n.startswith(prefix) and (SHARED / n / "network.onnx").exists()]


requires_shared = pytest.mark.skipif(
    not SHARED.exists(), reason=f"shared Deeploy test networks not found at {SHARED}"
)


def compile_build_run(model, inputs: list[np.ndarray], work_dir: Path, **compile_args):
    """Compile with sanitizer-friendly separate buffers, build with CHECK_CFLAGS, run."""
    import deeploy
    from deeploy.harness.runner import build_and_run

    result = deeploy.compile(model, separate_buffers=SANITIZE, **compile_args)
    outcome = build_and_run(result, inputs, work_dir, extra_cflags=CHECK_CFLAGS)
    return result, outcome


# -- the fuzzer's summary (tests/fuzz): here, where the xdist controller sees the hooks
# whatever paths pytest was given; each shard leaves its statistics in one folder

FUZZ_RUN_ENV = "DEEPLOY_FUZZ_RUN"


def pytest_configure(config: pytest.Config) -> None:
    # the controller (or a run without xdist) makes the folder; the workers inherit it
    if not hasattr(config, "workerinput") and FUZZ_RUN_ENV not in os.environ:
        import tempfile

        os.environ[FUZZ_RUN_ENV] = tempfile.mkdtemp(prefix="deeploy-fuzz-run-")


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    import json

    folder = Path(os.environ.get(FUZZ_RUN_ENV, ""))
    parts = sorted(folder.glob("shard-*.json")) if folder.is_dir() else []
    if not parts:
        return
    from tests.fuzz.harness import Stats

    stats = Stats.merge([json.loads(p.read_text()) for p in parts])
    terminalreporter.write_line(stats.summary())
    if os.environ.get("DEEPLOY_FUZZ_DETAILS", "") not in ("", "0") or stats.failures:
        terminalreporter.write_line(stats.details())
