"""Running one fuzz case and judging it.

`run_case` forks a worker per case (the parent, warmed up once, forks in milliseconds)
and enforces the time and memory limits from outside it: a worker that overruns is
killed with its process group (the C compiler, the program) and the case is a `hang` or
`memory` failure. The worker (`evaluate`):

1. runs `deeploy compile` in-process (`deeploy.tools.cli.main`, output captured): exit
   code 3, a traceback, or a rejection that is not one `deeploy: error:` line is a failure;
2. for an accepted model, audits the C the CLI wrote for model text outside sanitised
   comments (tests/c_audit.py, against every string in the model);
3. compiles it again with separate buffers, builds it with -Werror and ASan/UBSan
   (tests.conftest.CHECK_CFLAGS), runs it on random inputs: a build failure or a sanitizer
   report is a failure;
4. runs onnxruntime on the same inputs; where onnxruntime runs the model, the outputs
   must match (floats within 1e-4 + 4 ulp, integers exactly).

Verdicts: `accepted`, `rejected` (exit 2), `too_big` (accepted, not run: more than
MAX_RUN_BYTES of data), and the failures in FAILURES.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import select
import shlex
import shutil
import signal
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import onnx

from tests.fuzz.strategies import Case

FAILURES = (
    "traceback",  # an exception that is not a DeeployError, or exit code 3
    "not_one_line",  # a rejection that is not one `deeploy: error:` line
    "hang",  # over the time limit
    "memory",  # over the memory limit
    "crash",  # the worker died (a signal in the compiler or a library it calls)
    "build",  # the generated C does not build under -Werror, or the program fails
    "sanitizer",  # an AddressSanitizer/UBSan report
    "injected",  # model text outside sanitised comments
    "mismatch",  # outputs differ from onnxruntime's
    "inconsistent",  # the CLI accepted what deeploy.compile rejected, or the other way round
)
TIME_LIMIT = float(os.environ.get("DEEPLOY_FUZZ_TIMEOUT", "60"))
MAX_RSS = int(float(os.environ.get("DEEPLOY_FUZZ_MAX_RSS_GB", "4")) * 2**30)
MAX_RUN_BYTES = 32 * 2**20  # inputs, outputs and arena of a network worth building and running
RUN_TIMEOUT = 30.0  # for the program itself (build_and_run's own limit)


@dataclass
class Outcome:
    verdict: str
    detail: str = ""
    message: str = ""  # the rejection's line
    ort: str = "n/a"  # "runs", "rejects", "crash", "n/a"
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return self.verdict in FAILURES


# -- inside the worker ---------------------------------------------------------------------


def model_strings(message: Any) -> list[str]:
    from deeploy.frontend.model_checks import _is_repeated

    """Every string in a protobuf message, recursively (attribute byte strings decoded)."""
    found: list[str] = []
    for fd, value in message.ListFields():
        values = list(value) if _is_repeated(fd) else [value]
        if fd.type == fd.TYPE_STRING:
            found += values
        elif fd.type == fd.TYPE_BYTES and fd.name in ("s", "strings"):
            found += [v.decode("utf-8", "replace") for v in values]
        elif fd.type == fd.TYPE_MESSAGE:
            for v in values:
                found += model_strings(v)
    return found


def _cli(argv: list[str]) -> tuple[int, str, str]:
    from deeploy.tools import cli

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(argv)
        except SystemExit as exit_:  # argparse's errors
            code = exit_.code if isinstance(exit_.code, int) else 2
    return code, out.getvalue(), err.getvalue()


def _rejection_problem(stderr: str) -> str | None:
    """A rejection is one `deeploy: error:` line (notes may come before it)."""
    lines = stderr.rstrip("\n").split("\n")
    errors = [x for x in lines if x.startswith("deeploy: error: ")]
    others = [x for x in lines if not x.startswith(("deeploy: error: ", "note: "))]
    if len(errors) != 1 or others or lines[-1] != errors[0] or not errors[0][16:].strip():
        return f"the rejection is not one line:\n{stderr[-3000:]}"
    return None


def _written_texts(folder: Path) -> dict[str, str]:
    return {
        p.name: p.read_text(errors="replace")
        for p in sorted(folder.iterdir())
        if p.is_file() and p.suffix in (".c", ".h", ".ld", "")
    }


def _compile_args(model_path: Path, options: tuple[str, ...]) -> dict[str, Any]:
    """deeploy.compile's arguments for the options, as `deeploy compile` derives them."""
    from deeploy.frontend.onnx_import import parse_input_shapes
    from deeploy.integer_types import parse_input_types
    from deeploy.tools import cli

    args = cli.build_parser().parse_args(["compile", str(model_path), *options])
    return {
        "target": args.target,
        "name": args.name if args.name is not None else model_path.stem,
        "input_shapes": parse_input_shapes(args.input_shape),
        "input_types": parse_input_types(args.input_type) or None,
        **cli.target_options(args),
    }


def _run_bytes(report: dict[str, Any]) -> int:
    import numpy as np

    io_bytes = sum(
        int(np.prod(s["shape"], dtype=object)) * np.dtype(s["dtype"]).itemsize
        for s in (*report["inputs"], *report["outputs"])
    )
    return io_bytes + sum(report.get("memory", {}).values())


def _ort_inputs(session: Any, inputs: list[Any]) -> dict[str, Any]:
    """Our inputs in the types onnxruntime's model declares (integer inputs of an
    integer network are float in the model; half types are computed as float32)."""
    import numpy as np

    types = {
        "tensor(float)": np.float32,
        "tensor(double)": np.float64,
        "tensor(float16)": np.float16,
        "tensor(int8)": np.int8,
        "tensor(uint8)": np.uint8,
        "tensor(int16)": np.int16,
        "tensor(uint16)": np.uint16,
        "tensor(int32)": np.int32,
        "tensor(int64)": np.int64,
        "tensor(bool)": np.bool_,
    }
    feeds = {}
    for spec, array in zip(session.get_inputs(), inputs):
        dtype = types.get(spec.type)
        feeds[spec.name] = array.astype(dtype) if dtype is not None else array
    return feeds


def _ort_session(data: bytes) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 4
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])


EXTREME = 1e30


def _extreme_constants(model: onnx.ModelProto) -> bool:
    """Whether a float constant is NaN, infinite or near float32's range: then results
    that overflow depend on the order of the sums, which no two implementations share."""
    import numpy as np
    from onnx import numpy_helper

    tensors = list(model.graph.initializer)
    tensors += [a.t for n in model.graph.node for a in n.attribute if a.HasField("t")]
    for t in tensors:
        try:
            array = numpy_helper.to_array(t)
        except Exception:
            continue
        if array.dtype.kind == "f" and not (np.abs(array.astype(np.float64)) < EXTREME).all():
            return True
    return False


def _comparable(ours: list[Any], expected: list[Any]) -> tuple[list[Any], list[Any]]:
    """The elements whose values are finite and far from overflow in both results."""
    import numpy as np

    kept_ours, kept_expected = [], []
    for a, e in zip(ours, expected):
        a, e = np.asarray(a).reshape(-1), np.asarray(e).reshape(-1)
        if a.size != e.size or a.dtype.kind != "f":
            kept_ours.append(a)
            kept_expected.append(e)
            continue
        with np.errstate(invalid="ignore"):
            keep = (np.abs(a.astype(np.float64)) < EXTREME) & (
                np.abs(e.astype(np.float64)) < EXTREME
            )
        kept_ours.append(a[keep])
        kept_expected.append(e[keep])
    return kept_ours, kept_expected


def evaluate(case: Case, work: Path, send: Any) -> None:
    """Judge `case` (see the module's docstring); `send(dict)` reports each stage: the
    compiler's verdict first, then onnxruntime's (which may crash on a bad model without
    that being our failure)."""
    from deeploy.errors import DeeployError
    from deeploy.harness.compare import compare
    from deeploy.harness.runner import BuildError, build_and_run, sanitizer_report
    from deeploy.harness.test_data import random_inputs
    from tests.c_audit import audit
    from tests.conftest import CHECK_CFLAGS

    model_path = work / "model.onnx"
    model_path.write_bytes(case.model)
    out = work / "out"
    code, _, stderr = _cli(["compile", str(model_path), "-o", str(out), *case.options])
    if code == 3 or "Traceback (most recent call last)" in stderr:
        send({"verdict": "traceback", "detail": f"exit code {code}\n{stderr[-6000:]}"})
        return
    if code == 2:
        problem = _rejection_problem(stderr)
        if problem is not None:
            send({"verdict": "not_one_line", "detail": problem})
            return
        send({"verdict": "rejected", "message": stderr.rstrip("\n").split("\n")[-1][16:]})
        try:  # does onnxruntime load the model we rejected? (counted, not a failure)
            if case.options:
                raise ValueError("an option may be what was rejected")
            _ort_session(case.model)
            send({"ort": "runs"})
        except Exception:
            send({"ort": "rejects"})
        return
    if code != 0:
        send({"verdict": "traceback", "detail": f"unexpected exit code {code}\n{stderr}"})
        return

    # the CLI parsed the model, so this does too
    strings = [*model_strings(onnx.load_from_string(case.model)), *case.options]
    problems = audit(_written_texts(out), strings)

    import deeploy

    try:  # separate buffers so that AddressSanitizer sees each one (tests/conftest.py)
        args = _compile_args(model_path, case.options)
        separate = deeploy.compile(str(model_path), separate_buffers=True, **args)
    except DeeployError as err:
        send({"verdict": "inconsistent", "detail": f"the CLI accepted; deeploy.compile: {err}"})
        return
    except Exception:
        send({"verdict": "traceback", "detail": traceback.format_exc()[-6000:]})
        return
    problems += audit(separate.files, strings)
    if problems:
        send({"verdict": "injected", "detail": "\n".join(problems)})
        return
    if _run_bytes(separate.report) > MAX_RUN_BYTES:
        send({"verdict": "too_big"})
        return
    inputs = random_inputs(separate.report["inputs"], seed=0)
    try:
        outcome = build_and_run(
            separate, inputs, work / "build", extra_cflags=CHECK_CFLAGS, timeout=RUN_TIMEOUT
        )
    except BuildError as err:
        verdict = "sanitizer" if sanitizer_report(str(err)) else "build"
        send({"verdict": verdict, "detail": str(err)[-6000:]})
        return
    send({"verdict": "accepted"})
    if args["input_types"]:  # Deeploy's integer arithmetic (rounding, requantisation), not ORT's
        send({"ort": "n/a"})
        return
    try:
        session = _ort_session(case.model)
        expected = session.run(None, _ort_inputs(session, inputs))
    except Exception:
        send({"ort": "rejects"})
        return
    send({"ort": "runs"})
    ours = outcome.outputs
    if _extreme_constants(onnx.load_from_string(case.model)):
        ours, expected = _comparable(ours, expected)
    try:
        comparison = compare(ours, expected)
        bad = None if comparison.passed else f"{comparison.errors} of {comparison.total} differ"
    except DeeployError as err:
        bad = str(err)
    if bad is not None:
        shapes = [list(e.shape) for e in expected]
        send(
            {
                "verdict": "mismatch",
                "detail": f"{bad}; ours {[o['shape'] for o in separate.report['outputs']]}, "
                f"onnxruntime {shapes}\nours {outcome.outputs}\nonnxruntime {expected}"[:6000],
            }
        )


# -- in the parent -------------------------------------------------------------------------


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _kill_group(pid: int) -> None:
    for kill in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            kill()


def _child(case: Case, work: Path, write_fd: int) -> None:
    """The worker: its own process group (so a hang is killed with its compiler and
    program), its output in a log file, and it never returns."""
    import faulthandler
    import sys

    try:
        os.setpgid(0, 0)
        log = open(work / "worker.log", "w")  # noqa: SIM115 (lives until os._exit)
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        sys.stdout = sys.stderr = log
        faulthandler.enable(log)

        def send(message: dict[str, Any]) -> None:
            os.write(write_fd, (json.dumps(message) + "\n").encode())

        try:
            evaluate(case, work, send)
        except BaseException:
            send({"verdict": "traceback", "detail": traceback.format_exc()[-6000:]})
        log.flush()
    finally:
        os._exit(0)


class Worker:
    """One case in a forked worker: `poll()` reads what it reported, enforces the time
    and memory limits, and gives the outcome once it has ended (None before)."""

    def __init__(self, case: Case, work: Path, time_limit: float = TIME_LIMIT) -> None:
        self.case, self.work, self.time_limit = case, work, time_limit
        work.mkdir(parents=True, exist_ok=True)
        self.fd, write_fd = os.pipe()
        self.start = time.monotonic()
        self.pid = os.fork()
        if self.pid == 0:
            os.close(self.fd)
            _child(case, work, write_fd)
        os.close(write_fd)
        self.buffer = b""
        self.stop: tuple[str, str] | None = None

    def poll(self) -> Outcome | None:
        ready, _, _ = select.select([self.fd], [], [], 0)
        if ready:
            chunk = os.read(self.fd, 65536)
            if chunk:
                self.buffer += chunk
                return None
            return self._finish()  # the worker closed its end: it has ended
        if time.monotonic() - self.start > self.time_limit:
            self.stop = ("hang", f"over the time limit of {self.time_limit:.0f} s")
        elif _rss(self.pid) > MAX_RSS:
            self.stop = ("memory", f"the compiler used more than {MAX_RSS / 2**30:.1f} GiB")
        if self.stop is not None:
            _kill_group(self.pid)
            return self._finish()
        return None

    def _finish(self) -> Outcome:
        os.close(self.fd)
        _, status = os.waitpid(self.pid, 0)
        seconds = time.monotonic() - self.start
        state: dict[str, Any] = {}
        for line in self.buffer.decode().splitlines():
            if line.strip():
                state.update(json.loads(line))
        verdict = state.get("verdict")
        if verdict is None:  # no verdict from the compiler's part
            if self.stop is not None:
                return Outcome(self.stop[0], self.stop[1], seconds=seconds)
            log = (self.work / "worker.log").read_text(errors="replace")[-4000:]
            detail = f"the worker ended with status {status}\n{log}"
            return Outcome("crash", detail, seconds=seconds)
        ort = state.get("ort", "n/a")
        if "ort" not in state and verdict in ("accepted", "rejected") and (self.stop or status):
            ort = "crash"  # onnxruntime died or hung on it: not ours to fix
        return Outcome(
            verdict, state.get("detail", ""), state.get("message", ""), ort, seconds=seconds
        )


def run_case(case: Case, work: Path, time_limit: float = TIME_LIMIT) -> Outcome:
    """Evaluate `case` in a forked worker under the time and memory limits."""
    worker = Worker(case, work, time_limit)
    while (outcome := worker.poll()) is None:
        select.select([worker.fd], [], [], 0.05)
    return outcome


class Pool:
    """Up to `jobs` workers at once; `done(case, outcome, work)` is called in this process
    as each ends (while submitting, or in `drain`)."""

    def __init__(self, jobs: int, done: Any) -> None:
        self.jobs, self.done = max(1, jobs), done
        self.running: list[Worker] = []

    def submit(self, case: Case, work: Path) -> None:
        while len(self.running) >= self.jobs:
            self._reap()
        self.running.append(Worker(case, work))

    def drain(self) -> None:
        while self.running:
            self._reap()

    def _reap(self) -> None:
        select.select([w.fd for w in self.running], [], [], 0.05)
        for worker in list(self.running):
            outcome = worker.poll()
            if outcome is not None:
                self.running.remove(worker)
                self.done(worker.case, outcome, worker.work)


# -- failures and the summary --------------------------------------------------------------


def out_dir() -> Path:
    configured = os.environ.get("DEEPLOY_FUZZ_OUT")
    if configured:
        return Path(configured)
    return Path(tempfile.gettempdir()) / "deeploy-fuzz"


def save_failure(case: Case, outcome: Outcome, folder: Path) -> Path:
    """The case's model, options and report, and how to reproduce it."""
    where = folder / outcome.verdict / case.digest
    where.mkdir(parents=True, exist_ok=True)
    (where / "model.onnx").write_bytes(case.model)
    (where / "case.json").write_text(
        json.dumps(
            {
                "seed": case.seed,
                "options": list(case.options),
                "mutations": list(case.mutations),
                "verdict": outcome.verdict,
                "seconds": round(outcome.seconds, 2),
            },
            indent=1,
        )
    )
    (where / "report.txt").write_text(outcome.detail, errors="backslashreplace")
    options = " ".join(shlex.quote(o) for o in case.options)
    (where / "reproduce.sh").write_text(
        "# the fuzzer's own judgement (compile, audit, build with sanitizers, onnxruntime):\n"
        f"python -m tests.fuzz.replay {shlex.quote(str(where))}\n"
        "# the CLI alone:\n"
        f"deeploy compile {shlex.quote(str(where / 'model.onnx'))} -o /tmp/fuzz-out {options}\n",
        errors="surrogateescape",  # an option's undecodable argv bytes, as they were
    )
    return where


def _message_kind(message: str) -> str:
    """A rejection message without what it quotes: what kind of problem it names."""
    import re

    text = re.sub(r"'[^']*'", "'…'", message)
    text = re.sub(r"\[[^\]]*\]", "[…]", text)
    text = re.sub(r"\d[\d,]*", "N", text)
    return text[:90]


@dataclass
class Stats:
    examples: int = 0
    distinct: list[str] = field(default_factory=list)  # digests of the distinct cases
    verdicts: Counter[str] = field(default_factory=Counter)
    ort: Counter[str] = field(default_factory=Counter)
    categories: dict[str, Counter[str]] = field(default_factory=dict)
    seeds: dict[str, Counter[str]] = field(default_factory=dict)
    rejections: Counter[str] = field(default_factory=Counter)
    rejected_ort_runs: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)  # saved folders
    seconds: float = 0.0

    def add(self, case: Case, outcome: Outcome, saved: Path | None) -> None:
        self.examples += 1
        self.distinct.append(case.digest)
        self.seconds += outcome.seconds
        self.verdicts[outcome.verdict] += 1
        if outcome.verdict in ("accepted", "rejected"):
            self.ort[f"{outcome.verdict}/{outcome.ort}"] += 1
        for c in case.categories:
            self.categories.setdefault(c, Counter())[self._bucket(outcome)] += 1
        self.seeds.setdefault(case.seed, Counter())[self._bucket(outcome)] += 1
        if outcome.verdict == "rejected":
            kind = _message_kind(outcome.message)
            self.rejections[kind] += 1
            if outcome.ort == "runs":
                self.rejected_ort_runs[kind] += 1
        if saved is not None:
            self.failures.append(str(saved))

    @staticmethod
    def _bucket(outcome: Outcome) -> str:
        return "failed" if outcome.failed else outcome.verdict

    def to_json(self) -> dict[str, Any]:
        # not dataclasses.asdict: it rebuilds a Counter from its (key, count) pairs
        return {
            f.name: (
                {k: dict(v) for k, v in value.items()}
                if f.name in ("categories", "seeds")
                else dict(value)
                if isinstance(value, Counter)
                else value
            )
            for f in fields(self)
            for value in [getattr(self, f.name)]
        }

    @classmethod
    def merge(cls, parts: list[dict[str, Any]]) -> Stats:
        total = cls()
        for p in parts:
            total.examples += p["examples"]
            total.distinct = sorted(set(total.distinct) | set(p["distinct"]))
            total.seconds += p["seconds"]
            total.verdicts.update(p["verdicts"])
            total.ort.update(p["ort"])
            total.rejections.update(p["rejections"])
            total.rejected_ort_runs.update(p["rejected_ort_runs"])
            for key in ("categories", "seeds"):
                mine = getattr(total, key)
                for name, counts in p[key].items():
                    mine.setdefault(name, Counter()).update(counts)
            total.failures += p["failures"]
        return total

    def summary(self) -> str:
        failures = sum(self.verdicts[f] for f in FAILURES)
        per = ", ".join(f"{k} {self.verdicts[k]}" for k in FAILURES)
        categories = "; ".join(
            f"{name} {sum(c.values())} (acc {c['accepted']}, rej {c['rejected']}, "
            f"fail {c['failed']})"
            for name, c in sorted(self.categories.items())
        )
        return (
            f"fuzz: {self.examples} examples ({len(set(self.distinct))} distinct), "
            f"{self.verdicts['accepted']} accepted "
            f"({self.ort['accepted/runs']} compared with onnxruntime), "
            f"{self.verdicts['rejected']} rejected, {self.verdicts['too_big']} too big to run, "
            f"{failures} failures ({per}) | by category: {categories}"
        )

    def details(self, top: int = 25) -> str:
        lines = ["rejections (kind: count):"]
        lines += [f"  {n:6d}  {k}" for k, n in self.rejections.most_common(top)]
        lines.append("rejected though onnxruntime loads the model:")
        lines += [f"  {n:6d}  {k}" for k, n in self.rejected_ort_runs.most_common(top)]
        lines.append("by seed: " + "; ".join(f"{s} {dict(c)}" for s, c in self.seeds.items()))
        if self.failures:
            lines.append("failures saved in:")
            lines += [f"  {f}" for f in self.failures]
        return "\n".join(lines)


def clean(work: Path) -> None:
    shutil.rmtree(work, ignore_errors=True)
