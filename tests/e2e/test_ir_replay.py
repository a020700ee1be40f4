"""Every stage of every shared network (and the example) round-trips through its text
(issue 21): the printed IR parses back to IR that prints identically (the printer is
exact, so equal text means equal values), and each pass applied to the parsed stage
gives exactly the next stage, the last one exactly the C of `deeploy compile`. Replaying
from any stage therefore gives the same C; tests/unit/test_replay.py does the whole
replay with deeploy-opt itself on the example.

The models of Deeploy's tiled lists are also compiled tiled (single-buffered from L2 at
their smallest listed budget), which puts `tiled` ops and their parameters in the text.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import deeploy
from deeploy.backend.c_printer import c_files
from deeploy.dialects import make_context
from deeploy.dialects.parser import parse_module
from deeploy.dialects.printer import print_module
from deeploy.harness import runner, test_data
from tests.conftest import PROJECT, SHARED, shared_tests

EXAMPLE = PROJECT / "examples" / "tiny_cnn"


def _smallest_budgets() -> dict[str, int]:
    path = SHARED / "tiled-budgets.json"
    if not path.exists():
        return {}
    budgets = json.loads(path.read_text()).get("L2_SINGLEBUFFER_MODELS", {})
    return {test: min(values) for test, values in budgets.items()}


BUDGETS = _smallest_budgets()
CASES = [pytest.param(EXAMPLE, None, id="examples/tiny_cnn")]
for _test in shared_tests():
    CASES.append(pytest.param(SHARED / _test, None, id=_test))
    if _test in BUDGETS:
        CASES.append(pytest.param(SHARED / _test, BUDGETS[_test], id=f"{_test}@{BUDGETS[_test]}"))


def _compile(folder: Path, l1: int | None) -> deeploy.CompileResult:
    from deeploy.targets.base import MemoryConfig

    model = folder / "network.onnx"
    arrays = test_data.load_npz(folder / "inputs.npz")
    types = test_data.data_input_types(model, arrays)
    memory = MemoryConfig(l1=l1) if l1 else None
    return runner.compile_typed(model, types, bool(types), memory=memory, keep_stages=True)


@pytest.mark.parametrize(("folder", "l1"), CASES)
def test_every_stage_round_trips_and_replays(folder: Path, l1: int | None) -> None:
    try:
        result = _compile(folder, l1)
    except deeploy.DeeployError as err:
        pytest.skip(f"not compiled: {err}")
    assert result.pipeline is not None
    stages = list(result.stages.items())
    assert [name for name, _ in stages] == ["import", *result.pipeline.names()]
    ctx = make_context()
    for (stage, text), step in zip(stages, [*result.pipeline, None]):
        module = parse_module(ctx, text, stage)
        assert print_module(module) == text, f"{stage}: the text does not read back the same"
        if step is None:
            assert c_files(module) == result.files, "the C printed from the last stage differs"
            continue
        step.apply(ctx, module)
        following = result.stages[step.name]
        assert print_module(module) == following, f"{step.name} replayed from {stage} differs"
