"""Build a compiled network with its target's toolchain, run it, compare its outputs.

Used by `deeploy run` and the end-to-end tests. Inputs are embedded in a generated
`test_main.c`; the program prints its outputs as hex words, which are parsed back here,
so the comparison (integers exactly, floats within an absolute tolerance) happens in one
place for every target.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from deeploy.errors import DeeployError, ModelError

if TYPE_CHECKING:
    from deeploy.api import CompileResult

FLOAT_TOLERANCE = 1e-4  # absolute, as Deeploy's tests
# ... plus a few units in the last place: float32 results of two libms (expf, powf) or of
# numpy differ in the last bits, which 1e-4 cannot absorb for large magnitudes
FLOAT32_RTOL = 4 * 2.0**-23
# A reference in a half type carries its own rounding, which float32 computation does not
# share: such outputs may also differ by one unit in the reference's last place.
_HALF_RTOL = {"float16": 2.0**-10, "bfloat16": 2.0**-7}


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
    """Per-layer instruction counts printed by a profiling build (DEEPLOY_LAYER lines)."""
    layers = []
    for line in stdout.splitlines():
        if line.startswith("DEEPLOY_LAYER "):
            _, index, rest = line.split(maxsplit=2)
            name, count = rest.rsplit(maxsplit=1)
            layers.append({"index": int(index), "name": name, "instructions": int(count)})
    return layers


def parse_dma(stdout: str) -> dict[str, int] | None:
    for line in stdout.splitlines():
        if line.startswith("DEEPLOY_DMA "):
            _, transfers, moved = line.split()
            return {"transfers": int(transfers), "bytes": int(moved)}
    return None


@dataclass
class Comparison:
    errors: int
    total: int
    max_abs_error: float
    per_output: list[dict[str, Any]]

    @property
    def passed(self) -> bool:
        return self.errors == 0


def io_specs(result: CompileResult, kind: str) -> list[dict[str, Any]]:
    return result.report[kind]


def build(
    result: CompileResult,
    inputs: Sequence[np.ndarray],
    work_dir: Path,
    extra_cflags: Sequence[str] = (),
) -> Path:
    from deeploy.api import runtime_dir
    from deeploy.harness.build_files import test_main
    from deeploy.targets import get_target

    work_dir.mkdir(parents=True, exist_ok=True)
    result.write(work_dir, runtime=False)
    outputs = [
        (np.dtype(o["dtype"]), max(1, int(np.prod(o["shape"], dtype=np.int64))))
        for o in result.report["outputs"]
    ]
    tiled = "tiling" in result.report
    target = get_target(result.target)
    counter = "" if target.counter == "callgrind" else target.counter
    (work_dir / "test_main.c").write_text(
        test_main(result.network, list(inputs), outputs, tiled=tiled, counter=counter)
    )
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
    for source in runtime_sources:
        built = cached_object(tc.cc, [*tc.cflags, *flags], source, rt / "include")
        if not isinstance(built, Path):
            raise BuildError(f"building {source.name} failed:\n{built.stderr.strip()}")
        objects.append(built)
    if target.mcu is not None:
        from deeploy.harness.build_files import linker_script

        script = work_dir / f"{result.network}.ld"
        script.write_text(
            linker_script(result.network, target.name, target.mcu, result.report["levels"])
        )
        flags.append(f"-T{script}")
    sources = [work_dir / result.source, work_dir / "test_main.c", *objects]
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
    run = get_target(result.target).run(binary, timeout)
    t2 = time.perf_counter()
    if run.timed_out:
        raise BuildError(f"{binary.name} did not finish within {timeout:.0f} s")
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


def compare(
    actual: Sequence[np.ndarray],
    expected: Sequence[np.ndarray],
    atol: float = FLOAT_TOLERANCE,
    rtol: float = FLOAT32_RTOL,
) -> Comparison:
    """Elementwise: integers exactly, floats within atol + rtol * |expected| (NaN = NaN)."""
    errors = total = 0
    max_err = 0.0
    per_output = []
    for index, (a, e) in enumerate(zip(actual, expected)):
        e = np.asarray(e)
        if a.size != e.size:
            raise ModelError(
                f"reference output {index} has {e.size} elements, the network produces {a.size}"
            )
        a_flat = a.reshape(-1)
        e_flat = e.reshape(-1)
        if a.dtype.kind == "f" or e.dtype.kind == "f":
            e64 = e_flat.astype(np.float64)
            relative = max(rtol, _HALF_RTOL.get(e.dtype.name, 0.0))
            with np.errstate(invalid="ignore"):  # inf - inf: NaN, judged below
                diff = np.abs(a_flat.astype(np.float64) - e64)
                nan_mismatch = np.isnan(a_flat.astype(np.float64)) != np.isnan(e64)
                bad = (diff > atol + relative * np.abs(e64)) | nan_mismatch
            finite = diff[np.isfinite(diff)]
            err = float(finite.max()) if finite.size else 0.0
        else:
            diff = np.abs(a_flat.astype(np.int64) - e_flat.astype(np.int64))
            bad = diff != 0
            err = float(diff.max()) if diff.size else 0.0
        n_bad = int(bad.sum())
        errors += n_bad
        total += a.size
        max_err = max(max_err, err)
        per_output.append(
            {"index": index, "errors": n_bad, "total": int(a.size), "max_abs_error": err}
        )
    return Comparison(errors, total, max_err, per_output)


# -- inputs and references -------------------------------------------------------------


def data_input_types(model: Path | str, arrays: Sequence[np.ndarray]) -> dict[str, str]:
    """Deeploy's convention for test folders: integer input data in float inputs makes the
    network an integer one, each input the narrowest type holding its values."""
    import onnx

    from deeploy.integer_types import infer_input_types

    graph = onnx.load(str(model), load_external_data=False).graph
    initializers = {t.name for t in graph.initializer}
    inputs = [v for v in graph.input if v.name not in initializers]
    if any(v.type.tensor_type.elem_type != onnx.TensorProto.FLOAT for v in inputs):
        return {}
    return infer_input_types([v.name for v in inputs], arrays[: len(inputs)]) or {}


def compile_typed(model: Path, input_types: dict[str, str], inferred: bool, **options: Any) -> Any:
    """Compile with the given input types; types inferred from data are dropped (with a
    note) when the network turns out to have no integer form: a float network fed
    integer-valued data. Types the user gave are never dropped."""
    import deeploy
    from deeploy.errors import NotIntegerError

    try:
        return deeploy.compile(model, input_types=input_types or None, **options)
    except NotIntegerError as err:
        if not inferred:
            raise
        print(f"note: inputs.npz holds integers, but {err}: compiled as float", file=sys.stderr)
        return deeploy.compile(model, **options)


def load_npz(path: Path) -> list[np.ndarray]:
    try:
        with np.load(path) as data:
            return [data[k] for k in data.files]
    except (OSError, ValueError) as err:
        raise ModelError(f"{path}: cannot read ({err})") from None


def fit_inputs(
    arrays: Sequence[np.ndarray], specs: list[dict[str, Any]], where: str
) -> list[np.ndarray]:
    """The first len(specs) arrays, checked against and cast to the network's inputs."""
    if len(arrays) < len(specs):
        raise ModelError(f"{where} holds {len(arrays)} arrays; the network has {len(specs)} inputs")
    fitted = []
    for array, spec in zip(arrays, specs):
        shape = tuple(spec["shape"])
        if int(np.prod(array.shape, dtype=np.int64)) != int(np.prod(shape, dtype=np.int64)):
            raise ModelError(
                f"{where}: input '{spec['name']}' has shape {list(array.shape)}, the network expects {list(shape)}"
            )
        fitted.append(np.asarray(array).astype(np.dtype(spec["dtype"])).reshape(shape))
    return fitted


def random_inputs(specs: list[dict[str, Any]], seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    arrays = []
    for spec in specs:
        dtype = np.dtype(spec["dtype"])
        shape = tuple(spec["shape"])
        if dtype.kind == "f":
            arrays.append(rng.standard_normal(shape).astype(dtype))
        elif dtype.kind == "b":
            arrays.append(rng.integers(0, 2, shape).astype(dtype))
        else:
            info = np.iinfo(dtype)
            arrays.append(
                rng.integers(max(info.min, -128), min(info.max, 127) + 1, shape).astype(dtype)
            )
    return arrays


def onnxruntime_reference(
    model_path: Path,
    inputs: Sequence[np.ndarray],
    input_names: Sequence[str],
    input_shapes: dict[str, tuple[int, ...]] | None = None,
) -> list[np.ndarray]:
    try:
        import onnxruntime as ort
    except ImportError:
        raise DeeployError(
            f"cannot compute reference outputs for {model_path}: onnxruntime is not installed "
            "(pip install onnxruntime), or pass a test folder with inputs.npz and outputs.npz"
        ) from None
    options = ort.SessionOptions()
    options.log_severity_level = 3
    try:
        session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
        return session.run(None, dict(zip(input_names, inputs)))
    except Exception as err:  # onnxruntime raises its own exception hierarchy
        raise DeeployError(
            f"onnxruntime cannot run {model_path} for a reference: {str(err).splitlines()[0]}"
        ) from None


def run_test_folder(
    folder: Path, work_dir: Path, timeout: float = 600.0, **options: Any
) -> tuple[CompileResult, RunOutcome, Comparison]:
    """A test folder (network.onnx, inputs.npz, outputs.npz) end to end: compiled with
    `options` (input types inferred from the data, as `deeploy run` does), built, run and
    compared with its outputs."""
    model = folder / "network.onnx"
    arrays = load_npz(folder / "inputs.npz")
    types = data_input_types(model, arrays)
    result = compile_typed(model, types, bool(types), **options)
    inputs = fit_inputs(arrays, result.report["inputs"], str(folder / "inputs.npz"))
    outcome = build_and_run(result, inputs, work_dir, timeout=timeout)
    expected = load_npz(folder / "outputs.npz")[: len(outcome.outputs)]
    return result, outcome, compare(outcome.outputs, expected)
