"""The fuzzer (issue 13): mutated models and options against the compiler's invariants.

Each example is a seed model (tests/fuzz/seeds.py) mutated structurally and as bytes,
with option strings (tests/fuzz/strategies.py), judged in a forked worker under a time
limit (tests/fuzz/harness.py): exit code 0, 1 or 2, never 3 or a traceback or a hang;
an accepted model builds under -Werror + ASan/UBSan without a report, holds no model text
outside sanitised comments, and matches onnxruntime where onnxruntime runs it.

    python -m pytest tests/fuzz                              # CI: a short, fixed budget
    DEEPLOY_FUZZ_EXAMPLES=10000 python -m pytest tests/fuzz  # more

Each example runs in a forked worker, DEEPLOY_FUZZ_JOBS (default: one per core) at once;
DEEPLOY_FUZZ_SHARDS (default 1) splits the examples into tests xdist may run in parallel,
DEEPLOY_FUZZ_SEED (default 0) picks other examples, DEEPLOY_FUZZ_OUT is where failing
cases are saved with their reproduction command, DEEPLOY_FUZZ_DETAILS=1 prints the
rejections by kind. The summary line counts examples, verdicts and mutation categories.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import seed as hypothesis_seed

from tests.fuzz.harness import Outcome, Pool, Stats, clean, out_dir, run_case, save_failure
from tests.fuzz.seeds import seeds
from tests.fuzz.strategies import Case, cases

pytest.importorskip("onnxruntime")

EXAMPLES = int(os.environ.get("DEEPLOY_FUZZ_EXAMPLES", "300"))
SHARDS = max(1, int(os.environ.get("DEEPLOY_FUZZ_SHARDS", "1")))
# workers at once in each shard (forked processes: the parent only generates and judges)
JOBS = int(os.environ.get("DEEPLOY_FUZZ_JOBS", "0")) or os.cpu_count() or 1
BASE_SEED = int(os.environ.get("DEEPLOY_FUZZ_SEED", "0"))


def _warm_up() -> None:
    """Import every module and compile once in the parent: every forked worker starts
    warm, and runs the code as it was when the run began (a module first imported in a
    worker would be read from disk, maybe halfway through someone's edit)."""
    import importlib
    import pkgutil

    import onnxruntime  # noqa: F401 (imported, no session: the workers make their own)

    import deeploy
    import tests.c_audit  # noqa: F401

    for module in pkgutil.walk_packages(deeploy.__path__, "deeploy."):
        try:
            importlib.import_module(module.name)
        except Exception:  # an optional dependency (matplotlib, ...) or a tool's module
            continue
    seed = seeds()[0]
    deeploy.compile(seed.model)


@pytest.mark.parametrize("shard", range(SHARDS))
def test_fuzz(shard: int) -> None:
    count = EXAMPLES // SHARDS + (shard < EXAMPLES % SHARDS)
    if count == 0:
        pytest.skip("no examples for this shard")
    _warm_up()
    stats = Stats()
    failures = out_dir()
    scratch = Path(tempfile.mkdtemp(prefix=f"deeploy-fuzz-{shard}-"))
    seen: set[str] = set()

    def done(case: Case, outcome: Outcome, work: Path) -> None:
        saved = save_failure(case, outcome, failures) if outcome.failed else None
        stats.add(case, outcome, saved)
        clean(work)

    pool = Pool(JOBS, done)

    # a fixed seed per shard: deterministic, and the shards draw different examples
    @hypothesis_seed(BASE_SEED * 1000 + shard)
    @settings(
        max_examples=count,
        phases=[Phase.generate],  # failures are collected, not shrunk: every one is saved
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=False,
    )
    @given(cases())
    def explore(case: Case) -> None:
        # Hypothesis draws some cases more than once: a repeat is not an example (assume
        # makes it an invalid draw, which max_examples does not count)
        assume(case.digest not in seen)
        seen.add(case.digest)
        pool.submit(case, scratch / f"case-{len(seen)}")

    explore()
    pool.drain()
    clean(scratch)
    run = os.environ.get("DEEPLOY_FUZZ_RUN")
    if run:
        (Path(run) / f"shard-{shard}.json").write_text(json.dumps(stats.to_json()))
    print(stats.summary())
    assert not stats.failures, f"{stats.summary()}\n{stats.details()}"


@pytest.mark.parametrize("index", range(len(seeds())), ids=[s.name for s in seeds()])
def test_seed_passes_unmutated(index: int, tmp_path: Path) -> None:
    """Each seed compiles, builds clean and matches onnxruntime as it is: the mutations
    start from valid models."""
    seed = seeds()[index]
    outcome = run_case(Case(seed.name, seed.model, seed.options, ()), tmp_path)
    assert outcome.verdict == "accepted", outcome.detail
    if not seed.name.startswith("shared:"):  # float networks of standard operators
        assert outcome.ort == "runs"


def test_a_hang_is_a_failure_with_its_model_saved(tmp_path: Path) -> None:
    """The time limit is enforced from outside the worker: one that overruns is killed
    (with the compiler and program it started) and reported, its case saved to replay."""
    seed = seeds()[0]
    case = Case(seed.name, seed.model, ("--name", "slow"), ("none",))
    outcome = run_case(case, tmp_path / "work", time_limit=0.01)
    assert outcome.verdict == "hang" and outcome.failed
    saved = save_failure(case, outcome, tmp_path / "failures")
    assert (saved / "model.onnx").read_bytes() == seed.model
    assert "python -m tests.fuzz.replay" in (saved / "reproduce.sh").read_text()
    assert json.loads((saved / "case.json").read_text())["options"] == ["--name", "slow"]
