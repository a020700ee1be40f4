"""A target is data (issue 14): a hierarchy of four levels named unlike L1/L2/L3,
defined only in tests/targets/four_levels.py, compiles and runs tiled networks on the
host with no pass changed, and every level name in the C comes from the target."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import deeploy
from deeploy.errors import OptionError
from deeploy.harness.compare import compare
from deeploy.harness.runner import build_and_run
from deeploy.harness.test_data import data_input_types, fit_inputs, load_npz
from deeploy.targets import get_target, register
from deeploy.targets.base import MemoryConfig
from tests.conftest import CHECK_CFLAGS, PROJECT, SHARED
from tests.targets.four_levels import TARGET

TINY = PROJECT / "examples" / "tiny_cnn"
if TARGET.name not in deeploy.targets.target_names():
    register(TARGET)


def _run(folder: Path, memory: MemoryConfig, work: Path) -> deeploy.CompileResult:
    model = folder / "network.onnx"
    types = data_input_types(model, load_npz(folder / "inputs.npz")) or None
    result = deeploy.compile(model, target=TARGET.name, memory=memory, input_types=types)
    inputs = fit_inputs(load_npz(folder / "inputs.npz"), result.report["inputs"], "inputs")
    outcome = build_and_run(result, inputs, work, extra_cflags=CHECK_CFLAGS)
    expected = load_npz(folder / "outputs.npz")[: len(outcome.outputs)]
    comparison = compare(outcome.outputs, expected)
    assert comparison.passed, comparison.summary()
    return result


@pytest.mark.parametrize(
    ("home", "double_buffer", "chain"),
    [
        ("ClusterMem", False, ["TCDM", "ClusterMem"]),
        ("SoCRAM", False, ["TCDM", "ClusterMem", "SoCRAM"]),  # staged through ClusterMem
        ("SoCRAM", True, ["TCDM", "ClusterMem", "SoCRAM"]),
    ],
)
def test_tiny_cnn_on_four_named_levels(
    home: str, double_buffer: bool, chain: list[str], tmp_path: Path
) -> None:
    memory = MemoryConfig(l1=3000, home=home, double_buffer=double_buffer)
    result = _run(TINY, memory, tmp_path)
    assert list(result.report["levels"]) == chain
    assert result.report["levels"]["TCDM"] == 3000
    assert result.report["tiling"]["layers"] > 0
    source = result.files[result.source]
    for level in chain:  # each level is an array named after it, registered by name
        assert re.search(rf"\b{result.network}_{level}\[", source), level
        assert f'"{level}"' in source, level
    assert not re.search(r"\b\w+_L[123]\b|\"L[123]\"", source), "a built-in level name leaked"


def test_level_sizes_come_from_the_target_unless_given(tmp_path: Path) -> None:
    """--l2/--l3 size the second and third levels whatever their names; the fourth keeps
    its size from the definition."""
    result = deeploy.compile(
        TINY / "network.onnx",
        target=TARGET.name,
        memory=MemoryConfig(l1=3000, l2=100_000, home="SoCRAM"),
        keep_stages=True,
    )
    spec = result.stages["import"].splitlines()[0]
    sizes = [TARGET.levels[2].size, TARGET.levels[3].size]
    assert (
        f"levels = [TCDM 3000, ClusterMem 100000, SoCRAM {sizes[0]}, HyperRAM {sizes[1]}]" in spec
    )
    assert "compute = TCDM, home = SoCRAM" in spec


def test_a_home_beyond_one_staging_level_is_refused_by_name() -> None:
    with pytest.raises(OptionError, match=r"HyperRAM.*one level"):
        deeploy.compile(
            TINY / "network.onnx",
            target=TARGET.name,
            memory=MemoryConfig(l1=3000, home="HyperRAM"),
        )
    with pytest.raises(OptionError, match="'L9': target four-levels has the levels TCDM, "):
        deeploy.compile(
            TINY / "network.onnx", target=TARGET.name, memory=MemoryConfig(l1=3000, home="L9")
        )


@pytest.mark.skipif(not (SHARED / "Models/miniMobileNet").exists(), reason="no shared networks")
def test_a_shared_model_on_four_named_levels(tmp_path: Path) -> None:
    folder = SHARED / "Models/miniMobileNet"
    _run(folder, MemoryConfig(l1=2000, home="SoCRAM", double_buffer=True), tmp_path)


def test_registered_target_is_found_by_name() -> None:
    assert get_target(TARGET.name) is TARGET
    with pytest.raises(OptionError, match="built in"):
        register(get_target("generic"))
