"""`--profile-layers` on every target: each layer's instructions, counted by the program
(rv32: minstret), by QEMU's plugin (cortex-m4) or by callgrind (generic).

The layers' counts are checked against the whole inference counted without profiling
(the same network built without the markers): their sum may differ from it only by the
instructions the markers add or take around each layer (a call, a return, arguments,
registers the compiler keeps across the calls), at most MARKER_OVERHEAD per layer. Every
layer runs a kernel, so each count is positive. Each test skips, naming what is missing,
when its tools are not installed (.ci/run installs them).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from deeploy.targets.base import MemoryConfig
from tests.conftest import PROJECT
from tests.e2e.test_mcu_targets import needs
from tests.unit.test_cli import assert_one_line, cli

TINY = PROJECT / "examples" / "tiny_cnn"
MARKER_OVERHEAD = 32  # instructions per layer, either way


def _needs_valgrind() -> None:
    if shutil.which("valgrind") is None:
        pytest.skip("valgrind not installed (apt-get install valgrind)")


def _needs_plugin() -> None:
    from deeploy.targets.qemu import plugin_header

    needs("cortex-m4")
    if plugin_header() is None:
        pytest.skip(
            "QEMU's plugin header is missing (runtime/platform/qemu/fetch-plugin-header.sh)"
        )


def _profile(target: str, work: Path, memory: MemoryConfig | None = None) -> tuple:
    """(layers as the harness reads them, the profiled run's total, the unprofiled
    run's total, the compile result)."""
    from deeploy.harness.runner import parse_layers, run_test_folder

    result, outcome, comparison = run_test_folder(
        TINY, work / "profiled", target=target, memory=memory, profile_layers=True
    )
    assert comparison.passed
    _, plain, plain_comparison = run_test_folder(TINY, work / "plain", target=target, memory=memory)
    assert plain_comparison.passed
    if target == "generic":
        from deeploy.harness.callgrind import instructions_of, layer_profile
        from deeploy.layer_report import add_layer_counts

        total, counts = layer_profile(outcome.binary, f"{result.network}_run")
        layers = parse_layers(add_layer_counts(outcome.stdout, counts))
        plain_total = instructions_of(plain.binary, f"{result.network}_run")
    else:
        layers, total, plain_total = (
            parse_layers(outcome.stdout),
            outcome.instructions,
            plain.instructions,
        )
    return layers, total, plain_total, result


def _check(layers: list[dict], total: int, plain_total: int, result) -> None:
    rows = result.report["layer_report"]
    assert [layer["index"] for layer in layers] == [r["index"] for r in rows]
    counts = [layer["instructions"] for layer in layers]
    assert all(isinstance(c, int) and c > 0 for c in counts), counts
    # the printing after each layer is in the profiled run's total, in no layer
    assert sum(counts) < total
    assert abs(sum(counts) - plain_total) <= MARKER_OVERHEAD * len(layers), (
        sum(counts),
        plain_total,
    )


def test_generic_layers_by_callgrind(tmp_path: Path) -> None:
    _needs_valgrind()
    _check(*_profile("generic", tmp_path))


def test_generic_tiled_layers_by_callgrind(tmp_path: Path) -> None:
    """A tiled layer's count holds its DMA transfers and tile loop."""
    _needs_valgrind()
    layers, total, plain_total, result = _profile("generic", tmp_path, MemoryConfig(l1=1500))
    _check(layers, total, plain_total, result)
    assert layers[0]["name"].startswith("conv1")  # named in C (conv1_relu1 when fused)


def test_rv32_layers_by_minstret(tmp_path: Path) -> None:
    needs("rv32")
    _check(*_profile("rv32", tmp_path))


def test_cortex_m4_layers_by_the_plugin(tmp_path: Path) -> None:
    _needs_plugin()
    layers, total, plain_total, result = _profile("cortex-m4", tmp_path)
    _check(layers, total, plain_total, result)


def test_cortex_m4_layer_windows_leave_the_total_alone(tmp_path: Path) -> None:
    """The same profiled binary counted by the plugin with and without its layer windows:
    the whole-inference count is the same (the windows only add counters)."""
    _needs_plugin()
    from deeploy.harness.runner import parse_instructions, run_test_folder
    from deeploy.targets.qemu import (
        CORTEX_M4_EMULATOR,
        insn_window_plugin,
        run_cortex_m4,
        symbol_table,
    )

    _, outcome, _ = run_test_folder(TINY, tmp_path, target="cortex-m4", profile_layers=True)
    with_layers = parse_instructions(run_cortex_m4(outcome.binary, 120).stdout)
    table = symbol_table(outcome.binary)
    out = tmp_path / "total.txt"
    plugin = (
        f"{insn_window_plugin()},start={table['deeploy_count_start']:#x},"
        f"stop={table['deeploy_count_stop']:#x},out={out}"
    )
    proc = subprocess.run(
        [*CORTEX_M4_EMULATOR[:1], "-plugin", plugin, *CORTEX_M4_EMULATOR[1:], str(outcome.binary)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert with_layers is not None and int(out.read_text()) == with_layers


@pytest.mark.parametrize("target", ["generic", "cortex-m4", "rv32"])
def test_cli_table_and_json(
    target: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if target == "generic":
        _needs_valgrind()
    elif target == "cortex-m4":
        _needs_plugin()
    else:
        needs(target)
    code, out, _ = cli(
        capsys, "run", str(TINY), "--target", target, "--profile-layers", "--json", "--quiet"
    )
    assert code == 0
    payload = json.loads(out.strip().splitlines()[-1])
    rows = payload["layer_report"]
    assert len(rows) >= 6 and payload["instructions"] > 0
    for row in rows:
        assert row["instructions"] > 0
        per_mac = row["instructions_per_mac"]
        assert per_mac == (round(row["instructions"] / row["macs"], 4) if row["macs"] else None)
    # the field users read since rv32 had it: the same entries, the same keys
    assert payload["layer_instructions"] == [
        {"index": r["index"], "name": r["name"], "instructions": r["instructions"]} for r in rows
    ]
    table = [line for line in out.splitlines() if line.startswith(("#  layer", "0  conv1"))]
    assert len(table) == 2, out


def test_generic_without_valgrind_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import deeploy.harness.callgrind as callgrind

    real = shutil.which
    monkeypatch.setattr(
        callgrind.shutil, "which", lambda name, *a, **k: None if name == "valgrind" else real(name)
    )
    code, _, err = cli(capsys, "run", str(TINY), "--profile-layers")
    assert_one_line(code, err, "--profile-layers on generic needs valgrind")
