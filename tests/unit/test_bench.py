"""The benchmark suite: the parser of the notes file, and one quick run end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.__main__ import main
from bench.bars import load_bars, load_cmsis, parse_bars, parse_cmsis, parse_memory
from bench.suite import DEFAULT_BARS, DEFAULT_TESTS, Options, run_suite

requires_notes = pytest.mark.skipif(
    not DEFAULT_BARS.is_file(), reason=f"notes file not found at {DEFAULT_BARS}"
)
requires_tests = pytest.mark.skipif(
    not DEFAULT_TESTS.is_dir(), reason=f"shared Deeploy test networks not found at {DEFAULT_TESTS}"
)

SMALL = "Kernels/FP32/Softmax/Regular"


def test_memory_cell_with_and_without_split() -> None:
    assert parse_memory("39,760 (21,808 + 17,952)") == (39760, 21808, 17952)
    # one number: Deeploy reported static memory only, no intermediates
    assert parse_memory("16,384") == (16384, 16384, 0)
    with pytest.raises(ValueError):
        parse_memory("about 4 kB")


def test_parser_finds_columns_by_name_and_ignores_other_sections() -> None:
    text = """# Figures
## Deeploy, Generic platform (host C)
| test | codegen s | Ir inference | mem bytes (static + dynamic) |
|---|---:|---:|---|
| A/B | 1.50 | 1,000 | 300 (100 + 200) |
## Another section
| test | Ir inference | codegen s | mem bytes |
|---|---:|---:|---|
| C/D | 5 | 9.9 | 7 |
"""
    bars = parse_bars(text)
    assert list(bars) == ["A/B"]
    row = bars["A/B"]
    assert (row.instructions, row.codegen_seconds) == (1000, 1.5)
    assert (row.memory_total, row.memory_static, row.memory_dynamic) == (300, 100, 200)
    assert row.ops is None


def test_cmsis_parser_reads_whole_networks_not_layers() -> None:
    text = """## CMSIS-NN on cortex-m4 (measured)
| layer / network | MACs | ours | CMSIS-NN | ratio |
|---|---:|---:|---:|---:|
| Kernels/A/B (`arm_convolve_s8`) | 10 | 50 | 1,234 | 0.1 |
| Models/N, whole | 20 | 60 | 5,678 | 0.2 |
| - conv 3x3 | 5 | 7 | 99 | 0.3 |
## Other
| layer / network | CMSIS-NN |
|---|---:|
| Models/X | 1 |
"""
    assert parse_cmsis(text) == {"Kernels/A/B": 1234, "Models/N": 5678}
    assert parse_cmsis("# nothing here") == {}
    with pytest.raises(ValueError):
        parse_cmsis("## CMSIS-NN on cortex-m4\n| network | ours |\n|---|---|\n| Models/N | 1 |\n")


@requires_notes
def test_cmsis_figures_of_the_real_notes() -> None:
    figures = load_cmsis(DEFAULT_BARS)
    assert figures["Models/miniMobileNet"] == 214_731  # the figure issue 15's goal is 0.8x of


def test_absent_notes_file_gives_none(tmp_path: Path) -> None:
    assert load_bars(tmp_path / "missing.md") is None


@requires_notes
def test_parser_on_the_real_notes() -> None:
    bars = load_bars(DEFAULT_BARS)
    assert bars is not None
    assert len(bars) == 15  # the rows of the Generic table
    gemm = bars["Kernels/FP32/GEMM/Regular"]
    assert gemm.instructions == 68_657
    assert gemm.codegen_seconds == pytest.approx(1.31)
    assert (gemm.memory_total, gemm.memory_dynamic) == (16_384, 0)
    conv = bars["Kernels/FP32/Conv/Regular_2D_Bias"]
    assert (conv.memory_static, conv.memory_dynamic) == (21_808, 17_952)
    assert bars["Models/CCT/Int/ICCT"].ops == 36_035_644
    # the tiled table (another section) must not leak in
    assert all(b.instructions > 10_000 for b in bars.values())


def test_failures_become_reasons_and_the_suite_goes_on(tmp_path: Path) -> None:
    broken = tmp_path / "Models" / "Broken" / "FP32"
    broken.mkdir(parents=True)
    (broken / "network.onnx").write_bytes(b"not an onnx file")
    suite = run_suite(
        None,
        Options(tests_dir=tmp_path, repeat=1, count_instructions=False),
        ["Broken", "GEMM/Regular"],  # GEMM/Regular is absent from tmp_path
    )
    # without the notes, the rows are Deeploy's networks from the built-in list
    [row] = suite.rows
    assert row.network == "Kernels/FP32/GEMM/Regular"
    assert row.error is not None and "not found" in row.error
    # an extra float32 network that does not compile is listed apart, with its reason
    assert list(suite.skipped_extras) == ["Models/Broken/FP32"]
    assert suite.skipped_extras["Models/Broken/FP32"].startswith("not compiled: ")


@requires_tests
def test_suite_end_to_end_on_one_small_network(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--networks", SMALL, "--repeat", "1", "--no-instructions", "--no-o3"]
    assert main([*args, "--out", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert SMALL in out and "goals met:" in out
    assert f"[1/1] {SMALL}" in err

    document = json.loads((tmp_path / "bench.json").read_text())
    [row] = document["rows"]
    assert row["network"] == SMALL and row["compiled"] and row["passed"]
    assert row["compile_seconds"] > 0
    assert row["instructions_o2"] is None and "disabled" in row["instructions_note"]
    # input and output are 1x2x16x16 float32: 2 * 2,048 bytes
    assert row["io_bytes"] == 4096
    assert row["ram_bytes"] == sum(row["memory"].values()) + 4096
    if DEFAULT_BARS.is_file():
        # Deeploy reports 4,096 static bytes and no intermediates: dynamic + I/O = 4,096
        assert row["deeploy_ram_bytes"] == 4096
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return
    assert (tmp_path / "bench.png").stat().st_size > 0


def test_tiled_table_of_the_notes_is_read() -> None:
    from bench.tiling import parse_deeploy_tiled

    text = (
        "## Deeploy, tiled code generation for X\n\n"
        "| test | L1 budget | tiles | DMA transfers / inference | generation s |\n"
        "|---|---:|---:|---:|---:|\n"
        "| Models/miniMobileNet | 60,000 | 9 | 33 | 1.9 |\n"
        "| Kernels/Integer/MatMul/Regular | 16,000 | 4 | 16 | 1.6 |\n\n"
        "## Next section\n| a | 1 | 2 | 3 |\n"
    )
    assert parse_deeploy_tiled(text) == {
        ("Models/miniMobileNet", 60000): (9, 33),
        ("Kernels/Integer/MatMul/Regular", 16000): (4, 16),
    }


@requires_tests
def test_tiling_bench_on_one_kernel(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """GEMM/Regular at every budget Deeploy tiles it at."""
    from bench.tiling import main as tiling_main

    assert tiling_main(["--networks", "GEMM/Regular", "--out", str(tmp_path)]) == 0
    rows = json.loads((tmp_path / "tiling.json").read_text())
    assert rows and all(r["error"] is None for r in rows)
    for r in rows:
        assert r["l1_peak"] <= r["l1"]
        assert r["dma_bytes"] >= r["bound_bytes"] > 0
        assert r["smallest_l1"] is not None and r["smallest_l1"] <= r["l1"]
    assert "DMA/bound" in capsys.readouterr().out
