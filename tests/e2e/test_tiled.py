"""Tiled networks end to end: every layer runs tile by tile in an L1 array of exactly the
budget, tiles move through the bounds-checked DMA layer (which aborts on any transfer
outside its levels or racing another), and the outputs match the reference.

Deeploy's tiled test list (../shared/deeploy-tests/tiled-budgets.json) runs at every
listed L1 budget, single and double buffered, with L2 and L3 home levels, as Deeploy's
CI does; the project's own small CNN sweeps budgets down to the smallest that fits. The
DMA traffic the program measures must be the traffic the tiler planned.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import CHECK_CFLAGS, PROJECT, SHARED, requires_shared

TINY = PROJECT / "examples" / "tiny_cnn"


def _budgets() -> list:
    """Every (config, test, L1) of Deeploy's lists. For a quick run (make test-quick),
    some repeats are `slow`: the double-buffered and L3 repeats of the integer networks
    and of the float kernels, and the integer networks' single-buffered budgets but the
    smallest. The quick run keeps every float network at every budget single-buffered,
    the float models double-buffered and from L3, and each integer network at its
    tightest budget; `make test` runs them all."""
    from tests.e2e.test_shared_networks import FLOAT_TESTS

    path = SHARED / "tiled-budgets.json"
    if not path.exists():
        return []
    cases = []
    for config, tests in json.loads(path.read_text()).items():
        repeat = "DOUBLE" in config or config.startswith("L3")
        for test, budgets in tests.items():
            integer = test not in FLOAT_TESTS
            for l1 in budgets:
                slow = (repeat and (integer or config.endswith("KERNELS"))) or (
                    integer and l1 != min(budgets)
                )
                marks = [pytest.mark.slow] if slow else []
                cases.append(pytest.param(config, test, l1, marks=marks))
    return cases


def _memory(config: str, l1: int):
    from deeploy.targets.base import MemoryConfig

    return MemoryConfig(
        l1=l1, home="L3" if config.startswith("L3") else "L2", double_buffer="DOUBLE" in config
    )


def _run(
    model: Path,
    inputs_npz: Path,
    outputs_npz: Path,
    memory,
    work: Path,
    input_types: dict[str, str] | None = None,
) -> None:
    import deeploy
    from deeploy.harness.compare import compare
    from deeploy.harness.runner import build_and_run
    from deeploy.harness.test_data import fit_inputs, load_npz

    result = deeploy.compile(model, memory=memory, input_types=input_types or None)
    inputs = fit_inputs(load_npz(inputs_npz), result.report["inputs"], str(inputs_npz))
    outcome = build_and_run(result, inputs, work, extra_cflags=CHECK_CFLAGS)
    expected = load_npz(outputs_npz)[: len(outcome.outputs)]
    comparison = compare(outcome.outputs, expected)
    assert comparison.passed, (
        f"{comparison.errors} of {comparison.total} elements differ (max {comparison.max_abs_error})"
    )
    tiling = result.report["tiling"]
    assert tiling["l1_peak"] <= memory.l1
    # what the DMA layer counted is what the schedules planned
    assert outcome.dma == {"transfers": tiling["dma_transfers"], "bytes": tiling["dma_bytes"]}


@requires_shared
@pytest.mark.shared
@pytest.mark.parametrize(("config", "test", "l1"), _budgets())
def test_deeploy_tiled_budgets(config: str, test: str, l1: int, tmp_path: Path) -> None:
    import deeploy
    from deeploy.errors import UnsupportedError
    from deeploy.harness.test_data import data_input_types, load_npz
    from deeploy.kernels.library import generic_library

    folder = SHARED / test
    types = data_input_types(folder / "network.onnx", load_npz(folder / "inputs.npz"))
    try:
        deeploy.compile(folder / "network.onnx", input_types=types or None)
    except UnsupportedError as err:
        missing = sorted({op for _, op, _ in err.nodes if op not in generic_library().op_types()})
        if err.nodes and missing:
            pytest.xfail(f"not compiled untiled either: no kernel yet for {', '.join(missing)}")
        raise
    _run(
        folder / "network.onnx",
        folder / "inputs.npz",
        folder / "outputs.npz",
        _memory(config, l1),
        tmp_path,
        types,
    )


@pytest.mark.parametrize("home", ["L2", "L3"])
@pytest.mark.parametrize("double_buffer", [False, True], ids=["single", "double"])
@pytest.mark.parametrize("l1", [600, 1500, 8000])
def test_tiny_cnn_at_budgets(l1: int, double_buffer: bool, home: str, tmp_path: Path) -> None:
    from deeploy.targets.base import MemoryConfig

    memory = MemoryConfig(l1=l1, home=home, double_buffer=double_buffer)
    _run(TINY / "network.onnx", TINY / "inputs.npz", TINY / "outputs.npz", memory, tmp_path)


def test_budget_too_small_names_the_layer_and_what_it_needs() -> None:
    import deeploy
    from deeploy.errors import BudgetError
    from deeploy.targets.base import MemoryConfig

    with pytest.raises(
        BudgetError, match=r"'gap' \(global_avgpool_f32\) needs at least (\d+) bytes"
    ):
        deeploy.compile(TINY / "network.onnx", memory=MemoryConfig(l1=100))


def test_the_smallest_budget_reported_is_enough(tmp_path: Path) -> None:
    """The minimum an error states compiles and runs."""
    import re

    import deeploy
    from deeploy.errors import BudgetError
    from deeploy.targets.base import MemoryConfig

    with pytest.raises(BudgetError) as err:
        deeploy.compile(TINY / "network.onnx", memory=MemoryConfig(l1=100))
    needed = max(int(n) for n in re.findall(r"needs at least (\d+) bytes", str(err.value)))
    memory = MemoryConfig(l1=needed)
    _run(TINY / "network.onnx", TINY / "inputs.npz", TINY / "outputs.npz", memory, tmp_path)


def test_l2_too_small_is_a_clear_error() -> None:
    import deeploy
    from deeploy.errors import BudgetError
    from deeploy.targets.base import MemoryConfig

    with pytest.raises(BudgetError, match=r"L2 holds 8192 bytes but the network needs \d+"):
        deeploy.compile(TINY / "network.onnx", memory=MemoryConfig(l1=4000, l2=8192))


def test_tensor_larger_than_its_level_is_refused_before_the_passes() -> None:
    import deeploy
    from deeploy.errors import BudgetError
    from deeploy.targets.base import MemoryConfig

    with pytest.raises(BudgetError, match=r"tensor 'c1' takes 8,192 bytes, more than the 4,096"):
        deeploy.compile(TINY / "network.onnx", memory=MemoryConfig(l1=4000, l2=4096))
