"""Differential test: random small ONNX graphs (tests/graphgen.py) compiled for the generic
target, built with -Werror under AddressSanitizer/UBSan, run, and compared with onnxruntime
(floats within 1e-4 absolute).

Every case is run twice: with one array per buffer (what the sanitizers can check) and with
the planned arena (where buffers share memory and kernels may run in place).

CI runs DEFAULT_EXAMPLES derandomized examples (the same graphs every run). More, random
ones on demand:

    DEEPLOY_DIFF_EXAMPLES=500 python -m pytest tests/e2e/test_differential.py -q

Constructs that hit a known compiler bug are listed in KNOWN_BUGS and left out of every
run; DEEPLOY_DIFF_KNOWN_BUGS=1 puts them back (to check a fix). A failing case prints the
graph (operators, attributes, shapes, value seed) and is saved as a Deeploy test folder
(network.onnx, inputs.npz, outputs.npz, graph.txt) that `deeploy run DIR` replays.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings

from tests.conftest import CHECK_CFLAGS, SANITIZE, compile_build_run
from tests.graphgen import GraphCase, graph_cases, run_reference

pytest.importorskip("onnxruntime")

DEFAULT_EXAMPLES = 25
_REQUESTED = os.environ.get("DEEPLOY_DIFF_EXAMPLES")
INCLUDE_KNOWN_BUGS = os.environ.get("DEEPLOY_DIFF_KNOWN_BUGS", "0") == "1"
# Outputs larger than this carry float32 rounding comparable to the absolute tolerance.
MAX_MAGNITUDE = 64.0
FAILURES = Path(tempfile.gettempdir()) / "deeploy-differential"


@dataclass(frozen=True)
class KnownBug:
    summary: str
    matches: Callable[[GraphCase], bool]


# Each entry names a bug; remove it once the bug is fixed (DEEPLOY_DIFF_KNOWN_BUGS=1 checks).
KNOWN_BUGS: tuple[KnownBug, ...] = ()


def known_bug(case: GraphCase) -> str | None:
    for bug in KNOWN_BUGS:
        if bug.matches(case):
            return bug.summary
    return None


def _save(case: GraphCase, expected: list[np.ndarray]) -> Path:
    digest = hashlib.sha1(case.model.SerializeToString()).hexdigest()[:12]
    return case.save(FAILURES / digest, expected)


def _run(case: GraphCase, work_dir: Path, separate_buffers: bool) -> list[np.ndarray]:
    import deeploy
    from deeploy.harness.runner import build_and_run

    if separate_buffers:
        _, outcome = compile_build_run(case.model, case.inputs, work_dir, name="diff")
    else:
        result = deeploy.compile(case.model, name="diff")
        outcome = build_and_run(result, case.inputs, work_dir, extra_cflags=CHECK_CFLAGS)
    return outcome.outputs


def _mismatch(actual: list[np.ndarray], expected: list[np.ndarray]) -> str | None:
    from deeploy.harness.compare import compare

    if len(actual) != len(expected):
        return f"{len(actual)} outputs, expected {len(expected)}"
    for index, (a, e) in enumerate(zip(actual, expected)):
        if a.shape != e.shape:
            return f"output {index} has shape {a.shape}, expected {e.shape}"
    comparison = compare(actual, expected)
    if comparison.passed:
        return None
    details = "; ".join(
        f"output {o['index']}: {o['errors']}/{o['total']} differ, max {o['max_abs_error']:.3g}"
        for o in comparison.per_output
        if o["errors"]
    )
    return f"{details} (first values: got {_head(actual)}, expected {_head(expected)})"


def _head(arrays: list[np.ndarray]) -> str:
    return "; ".join(np.array2string(a.reshape(-1)[:6], precision=4) for a in arrays)


def _check(case: GraphCase, expected: list[np.ndarray], work_dir: Path, separate: bool) -> None:
    variant = "separate buffers" if separate else "planned arena"
    try:
        problem = _mismatch(_run(case, work_dir, separate), expected)
    except Exception as err:  # a rejected model or a failed build is as much a bug here
        problem = f"{type(err).__name__}: {err}"
    if problem is not None:
        saved = _save(case, expected)
        raise AssertionError(
            f"{variant}: {problem}\n{case.description}\nsaved to {saved} (deeploy run {saved})"
        )


@settings(
    max_examples=int(_REQUESTED or DEFAULT_EXAMPLES),
    derandomize=_REQUESTED is None,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
@given(case=graph_cases())
def test_random_graph_matches_onnxruntime(case: GraphCase) -> None:
    bug = known_bug(case)
    if not INCLUDE_KNOWN_BUGS:
        assume(bug is None)
    try:
        expected = run_reference(case)
    except Exception:
        # some known-bug constructs also trip onnxruntime's own (onnx) shape inference
        assume(bug is None)
        raise
    assume(
        all(np.isfinite(e).all() and np.abs(e).max(initial=0.0) <= MAX_MAGNITUDE for e in expected)
    )
    with tempfile.TemporaryDirectory(prefix="deeploy-diff-") as tmp:
        for separate in (True, False) if SANITIZE else (False,):
            _check(case, expected, Path(tmp) / ("separate" if separate else "arena"), separate)
