"""Build a compiled network with its target's toolchain and run it.

Used by `deeploy run` and the end-to-end tests. Inputs are embedded in a generated
`test_main.c`; the program prints its outputs as hex words, which are parsed back here,
so the comparison (`compare.py`) sees the same arrays on every target. The test data
the inputs come from is read and matched in `test_data.py`.
"""

from __future__ import annotations

import math
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from deeploy import progress
from deeploy.errors import DeeployError
from deeploy.harness.compare import Comparison, compare
from deeploy.harness.test_data import data_input_types, expected_outputs, input_data, read_npz

if TYPE_CHECKING:
    from deeploy.api import CompileResult

# `deeploy run` on the host: warnings in generated code and undefined behaviour or
# out-of-bounds accesses at run time are compiler bugs, caught where they happen
HOST_CHECK_CFLAGS = ("-Werror", "-g", "-fno-omit-frame-pointer")
SANITIZER_CFLAGS = ("-fsanitize=address,undefined", "-fno-sanitize-recover=all")


class BuildError(Exception):
    """The generated C did not compile or the program failed: a compiler bug, not a user error."""


@dataclass
class RunOutcome:
    outputs: list[np.ndarray]
    binary: Path
    build_seconds: float
    run_seconds: float
    stdout: str
    dma: dict[str, int] | None = None  # transfers and bytes of one inference (tiled networks)
    instructions: int | None = None  # of one inference, where the target counts them itself


def parse_instructions(stdout: str) -> int | None:
    for line in stdout.splitlines():
        if line.startswith("DEEPLOY_INSTRUCTIONS "):
            return int(line.split()[1])
    return None


def parse_layers(stdout: str) -> list[dict[str, Any]]:
    """Per-layer instruction counts printed by a profiling build (DEEPLOY_LAYER lines);
    `instructions` is None on a line without a count (a build whose counting tool did not
    run: see deeploy/counter.h). Names are C identifiers, so a last field of digits is
    the count."""
    layers = []
    for line in stdout.splitlines():
        if line.startswith("DEEPLOY_LAYER "):
            _, index, *rest = line.split()
            count = int(rest.pop()) if len(rest) > 1 and rest[-1].isdigit() else None
            layers.append({"index": int(index), "name": " ".join(rest), "instructions": count})
    return layers


def parse_dma(stdout: str) -> dict[str, int] | None:
    for line in stdout.splitlines():
        if line.startswith("DEEPLOY_DMA "):
            _, transfers, moved = line.split()
            return {"transfers": int(transfers), "bytes": int(moved)}
    return None


MAX_RUN_DATA_BYTES = 32 * 2**20


def check_run_data(result: CompileResult) -> None:
    """A user error unless the network's inputs and its outputs each take at most
    MAX_RUN_DATA_BYTES (what a test program built by `build` can carry)."""
    for kind in ("inputs", "outputs"):
        size = sum(
            math.prod(s["shape"]) * np.dtype(s["dtype"]).itemsize for s in result.report[kind]
        )
        if size > MAX_RUN_DATA_BYTES:
            raise DeeployError(
                f"the network's {kind} take {size:,} bytes, more than the "
                f"{MAX_RUN_DATA_BYTES:,} a test program carries (its inputs are compiled in, its "
                "outputs printed): fix smaller input shapes with --input-shape"
            )


def test_program(result: CompileResult, inputs: Sequence[np.ndarray]) -> str:
    """The source of a program that runs one inference on `inputs` and prints the outputs
    (and the target's counts) as `parse_outputs` reads them: the harness's test_main.c,
    and the exported project's main.c."""
    from deeploy.harness.build_files import test_main
    from deeploy.targets import get_target

    check_run_data(result)
    outputs = [
        (np.dtype(o["dtype"]), max(1, int(np.prod(o["shape"], dtype=np.int64))))
        for o in result.report["outputs"]
    ]
    target = get_target(result.target)
    counter = "" if target.counter == "callgrind" else target.counter
    tiled = "tiling" in result.report
    return test_main(result.network, list(inputs), outputs, tiled=tiled, counter=counter)


def build(
    result: CompileResult,
    inputs: Sequence[np.ndarray],
    work_dir: Path,
    extra_cflags: Sequence[str] = (),
) -> Path:
    from deeploy.backend.build_files import runtime_dir
    from deeploy.targets import get_target

    work_dir.mkdir(parents=True, exist_ok=True)
    result.write(work_dir, runtime=False)
    target = get_target(result.target)
    (work_dir / "test_main.c").write_text(test_program(result, inputs))
    from deeploy.harness.object_cache import cached_object

    rt = runtime_dir()
    runtime_sources = [
        *(rt / s for s in result.runtime_sources),
        *(rt / s for s in target.harness_sources if s not in result.runtime_sources),
    ]
    binary = work_dir / f"{result.network}.elf"
    from deeploy.targets.qemu import require

    tc = target.toolchain
    require(tc.cc)  # a missing cross compiler is the user's to install
    flags = list(extra_cflags)
    objects: list[Path] = []
    with progress.step("building the runtime", len(runtime_sources), unit="file") as advance:
        for source in runtime_sources:
            built = cached_object(tc.cc, [*tc.cflags, *flags], source, rt / "include")
            if not isinstance(built, Path):
                raise BuildError(f"building {source.name} failed:\n{built.stderr.strip()}")
            objects.append(built)
            advance()
    if target.mcu is not None:
        from deeploy.backend.build_files import linker_script

        script = work_dir / f"{result.network}.ld"
        levels = result.report["levels"]
        script.write_text(
            linker_script(result.network, target.name, target.mcu, target.home_level, levels)
        )
        flags.append(f"-T{script}")
    sources = [work_dir / result.source, work_dir / "test_main.c", *objects]
    with progress.waiting(f"building {binary.name}"):
        proc = tc.compile_and_link(sources, [work_dir, rt / "include"], binary, flags)
    if proc.returncode != 0:
        overflow = linker_overflow(proc.stderr, result)
        if overflow is not None:
            raise overflow
        raise BuildError(f"building {result.network} failed:\n{proc.stderr.strip()}")
    return binary


_REGIONS = {
    "ram": ("RAM (the L2 level: arena, I/O buffers, stack)", "--l2"),
    "flash": ("flash (code, weights, the test inputs)", None),
    "l1": ("L1", "--l1"),
    "l3": ("L3", "--l3"),
}


def linker_overflow(stderr: str, result: CompileResult) -> DeeployError | None:
    """A user-facing error for a program the linker found too large for a memory."""
    import re

    from deeploy.errors import BudgetError

    found = re.findall(r"region `(\w+)' overflowed by (\d+) bytes", stderr)
    if not found:
        return None
    parts = []
    levels = result.report.get("levels", {})
    for region, short in dict(found).items():
        what, option = _REGIONS.get(region, (region, None))
        size = levels.get(region.upper()) if region != "ram" else levels.get("L2")
        has = f" of {size:,} B" if size else ""
        more = f"; give more with {option}" if option else ""
        parts.append(f"{what}{has} is short by {int(short):,} bytes{more}")
    return BudgetError(f"{result.network} does not fit {result.target}: " + "; ".join(parts))


def parse_outputs(stdout: str, specs: list[dict[str, Any]]) -> list[np.ndarray]:
    outputs: dict[int, np.ndarray] = {}
    lines = stdout.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("DEEPLOY_OUTPUT "):
            _, index, count, size = line.split()
            words: list[str] = []
            i += 1
            while len(words) < int(count) and i < len(lines):
                words.extend(lines[i].split())
                i += 1
            raw = b"".join(int(w, 16).to_bytes(int(size), "little") for w in words)
            spec = specs[int(index)]
            dtype = np.dtype(spec["dtype"])
            outputs[int(index)] = np.frombuffer(raw, dtype=dtype).reshape(spec["shape"])
            continue
        i += 1
    if "DEEPLOY_DONE" not in stdout or len(outputs) != len(specs):
        raise BuildError(f"the program did not print all outputs:\n{stdout[-2000:]}")
    return [outputs[k] for k in range(len(specs))]


_SANITIZER_LINE = re.compile(
    r"(ERROR: \w+Sanitizer: .*|\S+:\d+:\d+: runtime error: .*|\w+Sanitizer: .*|"
    r"[^\n]*Sanitizer has encountered a fatal error.*)"
)


def sanitizer_report(stderr: str) -> str | None:
    """The first line of an AddressSanitizer, UBSan or LeakSanitizer report in a
    program's stderr (without the `==pid==` prefix), or None."""
    for line in stderr.splitlines():
        found = _SANITIZER_LINE.search(line)
        if found is not None:
            return found.group(1).strip()
    return None


# what a compiler, linker or sanitizer runtime says when the host cannot use the
# sanitizers at all: the user's toolchain or system, not the generated code
_SANITIZER_UNUSABLE = re.compile(
    r".*(?:unrecognized command[- ]line option \W?-fsanitize|unsupported option \W?-fsanitize"
    r"|unsupported argument '[^']*' to option '-fsanitize|cannot find -l(?:asan|ubsan)"
    r"|cannot find \S*(?:libasan|libubsan)|ASan runtime does not come first"
    r"|Shadow memory range interleaves|ASan cannot proceed|LeakSanitizer has encountered a fatal"
    r"|AddressSanitizer failed to allocate|ReserveShadowMemoryRange failed).*"
)


def sanitizer_unusable(report: str) -> str | None:
    """The line of a build or run failure saying the sanitizers cannot work here, or None."""
    found = _SANITIZER_UNUSABLE.search(report)
    return found.group(0).strip() if found is not None else None


def build_and_run(
    result: CompileResult,
    inputs: Sequence[np.ndarray],
    work_dir: Path,
    extra_cflags: Sequence[str] = (),
    timeout: float = 120.0,
) -> RunOutcome:
    from deeploy.targets import get_target

    t0 = time.perf_counter()
    binary = build(result, inputs, work_dir, extra_cflags)
    t1 = time.perf_counter()
    target = get_target(result.target)
    where = f" under {target.emulator[0]}" if target.emulator else ""
    with progress.waiting(f"running {binary.name}{where}"):
        run = target.run(binary, timeout)
    t2 = time.perf_counter()
    if run.timed_out:
        raise BuildError(f"{binary.name} did not finish within {timeout:.0f} s")
    report = sanitizer_report(run.stderr)
    if report is not None:  # even at exit code 0: a report is never a pass
        raise BuildError(f"{binary.name}: {report}\n{run.stderr[-4000:]}")
    if run.returncode != 0:
        raise BuildError(
            f"{binary.name} exited with code {run.returncode}:\n{(run.stderr or run.stdout)[-2000:]}"
        )
    outputs = parse_outputs(run.stdout, result.report["outputs"])
    return RunOutcome(
        outputs,
        binary,
        t1 - t0,
        t2 - t1,
        run.stdout,
        parse_dma(run.stdout),
        parse_instructions(run.stdout),
    )


# -- inputs and references -------------------------------------------------------------


def compile_typed(model: Any, input_types: dict[str, str], inferred: bool, **options: Any) -> Any:
    """Compile with the given input types; types inferred from data are dropped (with a
    note) when the network turns out to have no integer form: a float network fed
    integer-valued data. Types the user gave are never dropped. `model` as
    `deeploy.compile` takes it (which copies a ModelProto before editing it)."""
    import deeploy
    from deeploy.errors import NotIntegerError

    try:
        return deeploy.compile(model, input_types=input_types or None, **options)
    except NotIntegerError as err:
        if not inferred:
            raise
        from deeploy.tools.messages import one_line

        note = one_line(f"note: inputs.npz holds integers, but {err}: compiled as float")
        print(note, file=sys.stderr)
        return deeploy.compile(model, **options)


def run_test_folder(
    folder: Path, work_dir: Path, timeout: float = 600.0, **options: Any
) -> tuple[CompileResult, RunOutcome, Comparison]:
    """A test folder (network.onnx, inputs.npz, outputs.npz) end to end: compiled with
    `options` (input types inferred from the data, as `deeploy run` does), built, run and
    compared with its outputs (arrays matched as `deeploy run` matches them)."""
    model = folder / "network.onnx"
    arrays = read_npz(folder / "inputs.npz")
    references = read_npz(folder / "outputs.npz")
    types = data_input_types(model, arrays)
    result = compile_typed(model, types, bool(types), **options)
    inputs, _ = input_data(arrays, result.report["inputs"], str(folder / "inputs.npz"))
    expected = expected_outputs(references, result.report["outputs"], str(folder / "outputs.npz"))
    outcome = build_and_run(result, inputs, work_dir, timeout=timeout)
    return result, outcome, compare(outcome.outputs, expected)
