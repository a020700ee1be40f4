"""Every stage of every shared network (and the example) round-trips through its text
(issue 21): the printed IR parses back to IR that prints identically (the printer is
exact, so equal text means equal values), and each pass applied to the parsed stage
gives exactly the next stage, the last one exactly the C of `deeploy compile`. The passes
are made from their names alone, without options (issue 14): the hardware, the integer
input types and every other setting come from the IR. Replaying from any stage
therefore gives the same C; tests/unit/test_replay.py does the whole replay with
deeploy-opt itself on the example.

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
from deeploy.pipeline import Pipeline
from tests.conftest import PROJECT, SHARED, shared_tests

EXAMPLE = PROJECT / "examples" / "tiny_cnn"


def _smallest_budgets() -> dict[str, int]:
    path = SHARED / "tiled-budgets.json"
    if not path.exists():
        return {}
    budgets = json.loads(path.read_text()).get("L2_SINGLEBUFFER_MODELS", {})
    return {test: min(values) for test, values in budgets.items()}


BUDGETS = _smallest_budgets()
# the example also through the other hierarchies: L3 home (staging, double buffering)
# and a microcontroller with per-layer profiling (all of it in the target spec)
CASES = [
    pytest.param(EXAMPLE, None, {}, id="examples/tiny_cnn"),
    pytest.param(EXAMPLE, 4000, {"home": "L3", "double_buffer": True}, id="tiny_cnn@L3-double"),
    pytest.param(EXAMPLE, 4000, {"target": "rv32", "profile_layers": True}, id="tiny_cnn@rv32"),
]
for _test in shared_tests():
    CASES.append(pytest.param(SHARED / _test, None, {}, id=_test))
    if _test in BUDGETS:
        _id = f"{_test}@{BUDGETS[_test]}"
        CASES.append(pytest.param(SHARED / _test, BUDGETS[_test], {}, id=_id))


def _compile(folder: Path, l1: int | None, options: dict) -> deeploy.CompileResult:
    from deeploy.targets.base import MemoryConfig

    options = dict(options)
    target = options.pop("target", "generic")
    profile = options.pop("profile_layers", False)
    model = folder / "network.onnx"
    arrays = test_data.load_npz(folder / "inputs.npz")
    types = test_data.data_input_types(model, arrays)
    memory = MemoryConfig(l1=l1, **options) if l1 else None
    return runner.compile_typed(
        model,
        types,
        bool(types),
        memory=memory,
        keep_stages=True,
        target=target,
        profile_layers=profile,
    )


@pytest.mark.parametrize(("folder", "l1", "options"), CASES)
def test_every_stage_round_trips_and_replays(folder: Path, l1: int | None, options: dict) -> None:
    try:
        result = _compile(folder, l1, options)
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
        bare = Pipeline.parse(step.name).passes[0]
        bare.apply(ctx, module)
        following = result.stages[step.name]
        assert print_module(module) == following, f"{step.name} replayed from {stage} differs"
