"""Measure the compiler on Deeploy's test networks, one row per network.

Per network: compile time (wall time of a fresh `deeploy compile` process, best of N,
as Deeploy's "codegen s" was taken), instructions of one inference with callgrind at the
default flags (-O2) and at -O3, memory per level against the live-set lower bound, and
Deeploy's figures beside ours. A network that cannot be compiled or run gets a row with
the reason; the suite always goes on with the next one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bench.bars import DeeployFigures

PROJECT = Path(__file__).resolve().parent.parent
DEFAULT_BARS = PROJECT.parent / "shared" / "notes" / "bars-to-beat.md"
# --tests overrides; DEEPLOY_TESTS names the folder for every tool and the test suite
DEFAULT_TESTS = Path(os.environ.get("DEEPLOY_TESTS") or PROJECT.parent / "shared" / "deeploy-tests")

# The networks of the Deeploy Generic table, used as rows when the notes file is absent.
DEEPLOY_GENERIC_TESTS = (
    "Kernels/FP32/Conv/Regular_2D_Bias",
    "Kernels/FP32/GEMM/Regular",
    "Kernels/FP32/MatMul",
    "Kernels/FP32/Softmax/Regular",
    "Kernels/FP32/LayerNorm",
    "Kernels/Integer/Conv/Regular_2D",
    "Kernels/Integer/MatMul/Regular",
    "Models/CNN_Linear1",
    "Models/CNN_Linear2",
    "Models/miniMobileNet",
    "Models/miniMobileNetv2",
    "Models/Autoencoder1D",
    "Models/CCT/FP32/CCT_1_16_16_8",
    "Models/TinyViT/Demo",
    "Models/CCT/Int/ICCT",
)

# Goals of the project, against Deeploy and against the live-set lower bound.
INSTRUCTIONS_GOAL = 0.5  # ours / Deeploy "Ir inference"
COMPILE_GOAL = 0.5  # ours / Deeploy "codegen s"
ARENA_SLACK = 0.05  # arena at most 5% above the live-set bound, on every level


@dataclass
class Row:
    """One network's measurements; None means not measured (see `error` / `instructions_note`)."""

    network: str
    deeploy: DeeployFigures | None = None
    extra: bool = False  # not a network of Deeploy's table (an extra float32 network)
    error: str | None = None  # why the network was not compiled or not run
    passed: bool | None = None  # outputs match the reference, at every optimisation level run
    compile_seconds: float | None = None  # best wall time of a fresh `deeploy compile`
    compile_seconds_in_process: float | None = None  # the compiler's own report
    instructions_o2: int | None = None
    instructions_o3: int | None = None
    instructions_note: str | None = None  # why instructions are missing
    macs: int | None = None
    memory: dict[str, int] = field(default_factory=dict)  # arena bytes per level
    live_set_bound: dict[str, int] = field(default_factory=dict)
    weights_bytes: int | None = None
    io_bytes: int | None = None
    ram_bytes: int | None = None  # arena + I/O

    @property
    def compiled(self) -> bool:
        return self.error is None

    @property
    def arena_bytes(self) -> int:
        return sum(self.memory.values())

    @property
    def bound_bytes(self) -> int:
        return sum(self.live_set_bound.values())

    @property
    def instructions_per_mac(self) -> float | None:
        if self.instructions_o2 is None or not self.macs:
            return None
        return self.instructions_o2 / self.macs

    @property
    def arena_over_bound(self) -> float | None:
        """Arena / live-set bound over all levels (None when both are 0: nothing to plan)."""
        if not self.compiled or self.bound_bytes == 0:
            return None
        return self.arena_bytes / self.bound_bytes

    @property
    def deeploy_ram_bytes(self) -> int | None:
        """Deeploy's dynamic bytes plus the network's input + output bytes (ours and theirs)."""
        if self.deeploy is None or self.io_bytes is None:
            return None
        return self.deeploy.memory_dynamic + self.io_bytes

    def ratio_instructions(self, level: str = "o2") -> float | None:
        ours = self.instructions_o2 if level == "o2" else self.instructions_o3
        if ours is None or self.deeploy is None:
            return None
        return ours / self.deeploy.instructions

    @property
    def ratio_compile(self) -> float | None:
        if self.compile_seconds is None or self.deeploy is None:
            return None
        return self.compile_seconds / self.deeploy.codegen_seconds

    @property
    def ratio_memory(self) -> float | None:
        theirs = self.deeploy_ram_bytes
        if self.ram_bytes is None or not theirs:
            return None
        return self.ram_bytes / theirs

    def goals(self) -> dict[str, bool | None]:
        """Each goal: met, missed, or None when it cannot be judged for this network."""
        ok = self.passed is not False

        def judged(value: float | None, limit: float) -> bool | None:
            return None if value is None else (ok and value <= limit)

        arena = None
        if self.compiled:
            arena = ok and all(
                size <= self.live_set_bound.get(level, 0) * (1 + ARENA_SLACK)
                for level, size in self.memory.items()
            )
        return {
            "instructions": judged(self.ratio_instructions(), INSTRUCTIONS_GOAL),
            "arena": arena,
            "memory": judged(self.ratio_memory, 1.0),
            "compile": judged(self.ratio_compile, COMPILE_GOAL),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "network": self.network,
            "extra": self.extra,
            "compiled": self.compiled,
            "error": self.error,
            "passed": self.passed,
            "compile_seconds": self.compile_seconds,
            "compile_seconds_in_process": self.compile_seconds_in_process,
            "instructions_o2": self.instructions_o2,
            "instructions_o3": self.instructions_o3,
            "instructions_note": self.instructions_note,
            "macs": self.macs,
            "instructions_per_mac": self.instructions_per_mac,
            "memory": self.memory,
            "live_set_bound": self.live_set_bound,
            "arena_over_bound": self.arena_over_bound,
            "weights_bytes": self.weights_bytes,
            "io_bytes": self.io_bytes,
            "ram_bytes": self.ram_bytes,
            "deeploy": self.deeploy.to_dict() if self.deeploy else None,
            "deeploy_ram_bytes": self.deeploy_ram_bytes,
            "ratio_instructions_o2": self.ratio_instructions("o2"),
            "ratio_instructions_o3": self.ratio_instructions("o3"),
            "ratio_compile": self.ratio_compile,
            "ratio_memory": self.ratio_memory,
            "goals": self.goals(),
        }


@dataclass(frozen=True)
class Options:
    tests_dir: Path = DEFAULT_TESTS
    repeat: int = 3  # compile timings per network; the best is kept
    count_instructions: bool = True
    o3: bool = True


# -- which networks -----------------------------------------------------------------------


def is_float_network(folder: Path) -> bool:
    """Deeploy's rule: an input whose data is all integral is an integer tensor.

    Integer networks store their values in float tensors, so the ONNX types do not tell;
    the first input's data (the network input proper) does.
    """
    if "FP32" in folder.parts:
        return True
    inputs = folder / "inputs.npz"
    if not inputs.exists():
        return False
    with np.load(inputs) as data:
        if not data.files:
            return False
        first = data[data.files[0]]
    return first.dtype.kind == "f" and not np.all(np.mod(first, 1) == 0)


def extra_float_networks(tests_dir: Path, exclude: Sequence[str]) -> list[str]:
    """Float32 networks under Models/ that are not rows of the Deeploy table."""
    models = tests_dir / "Models"
    if not models.is_dir():
        return []
    found = sorted(p.parent.relative_to(tests_dir).as_posix() for p in models.rglob("network.onnx"))
    return [t for t in found if t not in exclude and is_float_network(tests_dir / t)]


def select(names: Sequence[str], patterns: Sequence[str] | None) -> list[str]:
    if not patterns:
        return list(names)
    return [n for n in names if any(p in n for p in patterns)]


# -- measuring one network ----------------------------------------------------------------


def failure_reason(err: BaseException) -> str:
    """The first part of an error, in a few words: the operators at fault and why."""
    from deeploy.errors import UnsupportedError

    if isinstance(err, UnsupportedError) and err.nodes:
        by_reason: dict[str, list[str]] = {}
        for _, op_type, why in err.nodes:
            ops = by_reason.setdefault(why, [])
            if op_type not in ops:
                ops.append(op_type)
        return "; ".join(f"{', '.join(ops)}: {why}" for why, ops in by_reason.items())
    first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return first.split(": '")[0]


def deeploy_command() -> list[str]:
    """The `deeploy` console script of this interpreter (what a user runs)."""
    script = Path(sys.executable).parent / "deeploy"
    if script.exists():
        return [str(script)]
    found = shutil.which("deeploy")
    return [found] if found else [sys.executable, "-m", "deeploy.tools.cli"]


def time_compile(model: Path, repeat: int, input_types: dict[str, str] | None = None) -> float:
    """Best wall time of `deeploy compile MODEL -o DIR` in a fresh process."""
    best = float("inf")
    with tempfile.TemporaryDirectory(prefix="deeploy-bench-compile-") as out:
        for _ in range(max(1, repeat)):
            start = time.perf_counter()
            proc = subprocess.run(
                [
                    *deeploy_command(),
                    "compile",
                    str(model),
                    "-o",
                    out,
                    *(f"--input-type={k}={v}" for k, v in (input_types or {}).items()),
                ],
                capture_output=True,
                text=True,
                check=False,
                stdin=subprocess.DEVNULL,
            )
            elapsed = time.perf_counter() - start
            if proc.returncode != 0:
                raise RuntimeError(f"deeploy compile failed: {proc.stderr.strip()[:300]}")
            best = min(best, elapsed)
    return best


def _run_at(
    result: Any, inputs: list[np.ndarray], expected: list[np.ndarray], cflags: list[str], work: Path
) -> tuple[bool, Path]:
    from deeploy.harness import runner
    from deeploy.harness.compare import compare

    outcome = runner.build_and_run(result, inputs, work, extra_cflags=cflags)
    return compare(outcome.outputs, expected).passed, outcome.binary


def _fill_report(row: Row, report: dict[str, Any]) -> None:
    row.compile_seconds_in_process = report.get("compile_seconds")
    row.macs = report["macs"]
    row.memory = dict(report["memory"])
    row.live_set_bound = dict(report["live_set_bound"])
    row.weights_bytes = report["weights_bytes"]
    row.io_bytes = report["io_bytes"]
    row.ram_bytes = report["ram_bytes"]


def measure(folder: Path, row: Row, options: Options) -> None:
    """Compile, time, build, run and count one network's instructions, into `row`."""
    from deeploy.errors import DeeployError
    from deeploy.harness import runner, test_data

    model = folder / "network.onnx"
    # integer networks stored as float: input types from the data, as `deeploy run` does
    inputs_npz = folder / "inputs.npz"
    arrays = test_data.load_npz(inputs_npz) if inputs_npz.exists() else []
    types = test_data.data_input_types(model, arrays) if arrays else {}
    try:
        result = runner.compile_typed(model, types, True)
    except DeeployError as err:
        row.error = f"not compiled: {failure_reason(err)}"
        return
    if not any(s["dtype"].startswith(("int", "uint")) for s in result.report["inputs"]):
        types = {}  # compiled as float after all
    _fill_report(row, result.report)
    row.compile_seconds = time_compile(model, options.repeat, types)

    inputs = test_data.fit_inputs(
        test_data.load_npz(folder / "inputs.npz"), result.report["inputs"], "inputs.npz"
    )
    expected = test_data.load_npz(folder / "outputs.npz")[: len(result.report["outputs"])]
    levels: dict[str, list[str]] = {"o2": [], "o3": ["-O3"]} if options.o3 else {"o2": []}
    counter = instruction_counter() if options.count_instructions else None
    if not options.count_instructions:
        row.instructions_note = "not counted (disabled)"
    elif counter is None:
        row.instructions_note = "unavailable: valgrind not found"
    passed = True
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="deeploy-bench-") as tmp:
        for level, cflags in levels.items():
            ok, binary = _run_at(result, inputs, expected, cflags, Path(tmp) / level)
            passed = passed and ok
            if counter is not None:
                counts[level] = counter(binary, f"{result.network}_run")
    row.passed = passed
    row.instructions_o2 = counts.get("o2")
    row.instructions_o3 = counts.get("o3")


def instruction_counter() -> Callable[[Path, str], int] | None:
    """callgrind's count of one function's instructions, or None without valgrind."""
    if shutil.which("valgrind") is None:
        return None
    from deeploy.harness.callgrind import instructions_of

    return instructions_of


def measure_network(
    tests_dir: Path, name: str, deeploy: DeeployFigures | None, options: Options, extra: bool
) -> Row:
    """One row; any failure becomes the row's reason instead of stopping the suite."""
    row = Row(network=name, deeploy=deeploy, extra=extra)
    folder = tests_dir / name
    if not (folder / "network.onnx").exists():
        row.error = f"test folder not found: {folder}"
        return row
    try:
        measure(folder, row, options)
    except Exception as err:  # a compiler bug or a broken build: report it, keep going
        row.error = f"failed: {type(err).__name__}: {failure_reason(err)}"
    return row


# -- the whole suite ----------------------------------------------------------------------


@dataclass
class SuiteResult:
    rows: list[Row]  # Deeploy's networks, then the extra float32 networks that compiled
    skipped_extras: dict[str, str]  # extra float32 networks that did not compile: reason
    seconds: float
    load_average: float  # the highest 1-minute load seen: wall times are noisy above the cores


def load_average() -> float:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0


def run_suite(
    bars: dict[str, DeeployFigures] | None,
    options: Options,
    patterns: Sequence[str] | None = None,
    progress: Callable[[str], None] = lambda line: None,
) -> SuiteResult:
    start = time.perf_counter()
    load = load_average()
    table = list(bars) if bars is not None else list(DEEPLOY_GENERIC_TESTS)
    main = select(table, patterns)
    extras = select(extra_float_networks(options.tests_dir, table), patterns)
    total = len(main) + len(extras)
    rows: list[Row] = []
    skipped: dict[str, str] = {}
    for index, name in enumerate([*main, *extras], start=1):
        figures = bars.get(name) if bars is not None else None
        row = measure_network(options.tests_dir, name, figures, options, name in extras)
        if row.extra and not row.compiled:
            skipped[name] = row.error or ""
        else:
            rows.append(row)
        load = max(load, load_average())
        progress(f"[{index}/{total}] {progress_line(row)} ({time.perf_counter() - start:.0f} s)")
    return SuiteResult(rows, skipped, time.perf_counter() - start, load)


def progress_line(row: Row) -> str:
    if not row.compiled:
        return f"{row.network}: {row.error}"
    parts = [f"compile {row.compile_seconds:.2f} s"]
    if row.instructions_o2 is not None:
        parts.append(f"{row.instructions_o2:,} instructions (-O2)")
    if row.instructions_o3 is not None:
        parts.append(f"{row.instructions_o3:,} (-O3)")
    parts.append(f"RAM {row.ram_bytes:,} B")
    if row.passed is False:
        parts.append("OUTPUTS DIFFER")
    return f"{row.network}: " + ", ".join(parts)


def summary(rows: Sequence[Row]) -> dict[str, dict[str, int]]:
    """Per goal: how many networks met it, out of those where it can be judged."""
    counts: dict[str, dict[str, int]] = {}
    for goal in ("instructions", "arena", "memory", "compile"):
        judged = [r.goals()[goal] for r in rows if r.goals()[goal] is not None]
        counts[goal] = {"met": sum(bool(j) for j in judged), "of": len(judged)}
    return counts
