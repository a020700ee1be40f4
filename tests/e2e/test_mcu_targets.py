"""End to end on the microcontroller targets: cross-compiled, run under QEMU, compared.

`cortex-m4` (arm-none-eabi-gcc + picolibc, QEMU mps2-an386) and `rv32` (riscv64-unknown-elf
gcc for rv32imf + picolibc, QEMU virt with an L1 region). Each test skips when its
toolchain or emulator is not installed (.ci/run installs them). `make test-quick` covers
a float and an integer network on both targets and tiled networks on rv32; the
`mcu_full` tests (in `make test`, alone `make test-mcu`) run every shared network on both
targets and every single-buffered L2 budget of tiled-budgets.json on rv32.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import SHARED, requires_shared, shared_tests

PROJECT = Path(__file__).resolve().parents[2]
TOOLS = {
    "cortex-m4": ("arm-none-eabi-gcc", "qemu-system-arm"),
    "rv32": ("riscv64-unknown-elf-gcc", "qemu-system-riscv32"),
}
TARGETS = list(TOOLS)


def kernel_examples(count: int):
    """Hypothesis settings of the kernel tests that build and run each example on every
    ISA: the same `count` examples every run, no deadline (builds and emulators)."""
    from hypothesis import HealthCheck, settings

    return settings(
        max_examples=count,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def every_isa() -> list[tuple[str, tuple[str, ...]]]:
    """(target, extra cflags) of each instruction set a kernel test runs on: x86 with its
    vector kernels, the host without them (-DDEEPLOY_NO_SIMD), and the MCU targets whose
    toolchains are installed."""
    from deeploy.targets.qemu import missing_tools

    builds = [("generic", ()), ("generic", ("-DDEEPLOY_NO_SIMD",))]
    return builds + [(t, ()) for t, tools in TOOLS.items() if not missing_tools(tools)]


def needs(target: str) -> None:
    from deeploy.targets.qemu import missing_tools

    missing = missing_tools(TOOLS[target])
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed")


def run_folder(folder: Path, target: str, work: Path, **options):
    from deeploy.harness.runner import run_test_folder

    return run_test_folder(folder, work, target=target, **options)


# -- the project's own networks (no ../shared needed) ----------------------------------------


@pytest.mark.parametrize("target", TARGETS)
def test_float_cnn(target: str, tmp_path: Path) -> None:
    needs(target)
    result, outcome, comparison = run_folder(PROJECT / "examples" / "tiny_cnn", target, tmp_path)
    assert comparison.passed, comparison.per_output
    assert result.report["levels"] == {"L2": 256 * 1024 if target == "cortex-m4" else 1_024_000}
    if target == "rv32" or _plugin_available():
        assert outcome.instructions is not None and outcome.instructions > result.report["macs"]


@pytest.mark.parametrize("target", TARGETS)
def test_quantised_cnn_matches_host_bit_for_bit(target: str, tmp_path: Path) -> None:
    """onnxruntime's QDQ CNN becomes integer kernels: the same bits as on the host, whose
    results test_qdq checks against onnxruntime."""
    pytest.importorskip("onnxruntime")
    needs(target)
    import deeploy
    from deeploy.harness.runner import build_and_run
    from tests.qdq_model import calibration_inputs, qdq_cnn

    model = qdq_cnn(tmp_path / "model", activations="int8")
    inputs = [calibration_inputs(1, seed=5)[0]]
    host = build_and_run(deeploy.compile(model), inputs, tmp_path / "host")
    mcu_result = deeploy.compile(model, target=target)
    assert "qlinear" in " ".join(mcu_result.report["kernels"]) or any(
        "int" in k for k in mcu_result.report["kernels"]
    ), mcu_result.report["kernels"]
    mcu = build_and_run(mcu_result, inputs, tmp_path / target, timeout=300)
    for a, b in zip(mcu.outputs, host.outputs):
        np.testing.assert_array_equal(a.view(np.uint8), b.view(np.uint8))


def test_tiled_rv32_moves_what_the_host_moves(tmp_path: Path) -> None:
    """Tiling on rv32 is the host-emulated hierarchy's: same outputs, same DMA traffic;
    the L1 array sits alone in its linker region of exactly --l1 bytes."""
    needs("rv32")
    from deeploy.targets.base import MemoryConfig

    folder = PROJECT / "examples" / "tiny_cnn"
    memory = MemoryConfig(l1=4000)
    _, rv, rv_cmp = run_folder(folder, "rv32", tmp_path / "rv32", memory=memory)
    _, host, host_cmp = run_folder(folder, "generic", tmp_path / "host", memory=memory)
    assert rv_cmp.passed and host_cmp.passed
    assert rv.dma == host.dma and rv.dma is not None and rv.dma["transfers"] > 0
    script = (tmp_path / "rv32" / "network.ld").read_text()
    assert "l1 (w!rx) : ORIGIN = 0x85000000, LENGTH = 4000" in script
    symbols = _nm("riscv64-unknown-elf-nm", rv.binary)
    assert symbols["network_L1"] == 0x8500_0000


def _nm(tool: str, binary: Path) -> dict[str, int]:
    import subprocess

    out = subprocess.run([tool, str(binary)], capture_output=True, text=True, check=True)
    return {
        p[2]: int(p[0], 16)
        for p in (line.split() for line in out.stdout.splitlines())
        if len(p) == 3
    }


def _plugin_available() -> bool:
    from deeploy.targets.qemu import plugin_header

    return plugin_header() is not None


# -- instruction counting ---------------------------------------------------------------------


@pytest.mark.parametrize("target", TARGETS)
def test_instruction_count_is_exact(target: str, tmp_path: Path) -> None:
    """A program whose counted window holds 1000 extra `nop`s counts exactly 1000 more,
    and the same program counts the same twice."""
    needs(target)
    if target == "cortex-m4" and not _plugin_available():
        pytest.skip(
            "QEMU's plugin header is missing (runtime/platform/qemu/fetch-plugin-header.sh)"
        )
    counts = [
        _count_window(target, tmp_path / f"run{i}", nops=n) for i, n in enumerate((0, 1000, 1000))
    ]
    assert counts[1] == counts[2]
    assert counts[1] - counts[0] == 1000


def _count_window(target: str, work: Path, nops: int) -> int:
    from deeploy.backend.build_files import linker_script, runtime_dir
    from deeploy.harness.runner import parse_instructions
    from deeploy.targets import get_target

    t = get_target(target)
    assert t.mcu is not None
    work.mkdir(parents=True)
    # the program prints its own count where it can read one; QEMU's plugin adds its line
    report = (
        '    printf("DEEPLOY_INSTRUCTIONS %llu\\n", (unsigned long long)deeploy_count_instructions());\n'
        if t.counter == "program"
        else ""
    )
    (work / "main.c").write_text(
        '#include <stdio.h>\n#include "deeploy/counter.h"\n'
        "int main(void) {\n    deeploy_count_start();\n"
        f'    __asm__ volatile(".rept {nops}\\n nop\\n .endr");\n'
        "    deeploy_count_stop();\n"
        f'{report}    printf("DEEPLOY_DONE\\n");\n    return 0;\n}}\n'
    )
    script = work / "prog.ld"
    script.write_text(linker_script("prog", target, t.mcu, "L2", {"L2": t.mcu.ram_default}))
    binary = work / "prog.elf"
    rt = runtime_dir()
    proc = t.toolchain.compile_and_link(
        [work / "main.c", *(rt / s for s in t.harness_sources)],
        [rt / "include"],
        binary,
        [f"-T{script}"],
    )
    assert proc.returncode == 0, proc.stderr
    run = t.run(binary, 60)
    assert run.returncode == 0, run.stdout + run.stderr
    count = parse_instructions(run.stdout)
    assert count is not None
    return count


def test_layer_profile_on_rv32(tmp_path: Path) -> None:
    needs("rv32")
    from deeploy.harness.runner import parse_layers

    result, outcome, comparison = run_folder(
        PROJECT / "examples" / "tiny_cnn", "rv32", tmp_path, profile_layers=True
    )
    assert comparison.passed
    layers = parse_layers(outcome.stdout)
    assert [layer["index"] for layer in layers] == list(range(len(layers)))
    # one count per layer the code runs (fused activations are not layers of their own;
    # report["kernels"] counts the kernels as bound, before fusion)
    assert [layer["name"] for layer in layers] == [
        row["name"] for row in result.report["layer_report"]
    ]
    assert outcome.instructions is not None
    # the layers are the inference, less the calls between them
    assert 0.9 * outcome.instructions < sum(layer["instructions"] for layer in layers)
    assert sum(layer["instructions"] for layer in layers) < outcome.instructions


# -- user errors --------------------------------------------------------------------------


def test_network_too_large_for_sram_is_named_at_compile_time() -> None:
    import deeploy
    from deeploy.errors import BudgetError

    with pytest.raises(
        BudgetError, match=r"RAM needs [\d,]+ B .*short by [\d,]+; give more with --l2"
    ):
        deeploy.compile(
            PROJECT / "examples" / "tiny_cnn" / "network.onnx", target="cortex-m4", l2=20_000
        )


def test_link_overflow_is_a_user_error(tmp_path: Path) -> None:
    """RAM that holds arena, I/O and stack but not the C library's own data: the linker
    refuses, and the error names the region and the shortfall."""
    needs("cortex-m4")
    import deeploy
    from deeploy.errors import BudgetError
    from deeploy.harness import runner, test_data

    folder = PROJECT / "examples" / "tiny_cnn"
    probe = deeploy.compile(folder / "network.onnx", target="cortex-m4")
    tight = sum(probe.report["memory"].values()) + probe.report["io_bytes"] + 16 * 1024
    result = deeploy.compile(folder / "network.onnx", target="cortex-m4", l2=tight)
    inputs = test_data.fit_inputs(
        test_data.load_npz(folder / "inputs.npz"), result.report["inputs"], "x"
    )
    with pytest.raises(
        BudgetError, match=r"RAM \(the L2 level.*short by [\d,]+ bytes; give more with --l2"
    ):
        runner.build(result, inputs, tmp_path)


def test_cortex_m4_has_no_l1() -> None:
    """(Layer profiling works there: the QEMU plugin counts; tests/e2e/test_layer_report.py.)"""
    import deeploy
    from deeploy.errors import OptionError
    from deeploy.targets.base import MemoryConfig

    model = PROJECT / "examples" / "tiny_cnn" / "network.onnx"
    with pytest.raises(OptionError, match="--l1: target cortex-m4 has no L1"):
        deeploy.compile(model, target="cortex-m4", memory=MemoryConfig(l1=4000))
    with pytest.raises(OptionError, match="--l2: only for"):
        deeploy.compile(model, l2=100_000)


def test_cli_run_json_reports_instructions(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    needs("rv32")
    from deeploy.tools.cli import main

    code = main(["run", str(PROJECT / "examples" / "tiny_cnn"), "--target", "rv32", "--json"])
    payload = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert code == 0 and payload["passed"]
    assert payload["target"] == "rv32" and payload["instructions"] > 0
    assert payload["levels"] == {"L2": 1_024_000}


def test_generated_c_is_deterministic_per_target() -> None:
    import deeploy

    model = PROJECT / "examples" / "tiny_cnn" / "network.onnx"
    for target in TARGETS:
        a = deeploy.compile(model, target=target)
        b = deeploy.compile(model, target=target)
        assert a.files == b.files


# -- Deeploy's networks ---------------------------------------------------------------------

# The default run: a float and an integer network per target, and a tiled one on rv32.
CI_SUBSET = [
    ("cortex-m4", "Models/CCT/FP32/CCT_1_16_16_8", None),
    ("cortex-m4", "Models/miniMobileNet", None),
    ("rv32", "Kernels/FP32/GEMM/Regular", None),
    ("rv32", "Models/CNN_Linear2", None),
    ("rv32", "Models/miniMobileNet", 6000),
    ("rv32", "Kernels/Integer/MatMul/Regular", 16000),
]


def _shared_case(target: str, test: str, l1: int | None, tmp_path: Path) -> None:
    needs(target)
    from deeploy.errors import BudgetError
    from deeploy.targets.base import MemoryConfig

    memory = MemoryConfig(l1=l1) if l1 else None
    try:
        _, outcome, comparison = run_folder(SHARED / test, target, tmp_path, memory=memory)
    except BudgetError as err:
        if l1 is None and target == "cortex-m4":  # a real MCU's SRAM: not every network fits
            pytest.skip(str(err))
        raise
    assert comparison.passed, (
        f"{comparison.errors} of {comparison.total} elements differ (max {comparison.max_abs_error})"
    )
    if l1:
        assert outcome.dma is not None and outcome.dma["transfers"] > 0


@requires_shared
@pytest.mark.shared
@pytest.mark.parametrize(("target", "test", "l1"), CI_SUBSET)
def test_shared_subset(target: str, test: str, l1: int | None, tmp_path: Path) -> None:
    _shared_case(target, test, l1, tmp_path)


def _all_untiled() -> list[tuple[str, str]]:
    return [(t, test) for t in TARGETS for test in shared_tests()]


def _all_tiled() -> list[tuple[str, int]]:
    path = SHARED / "tiled-budgets.json"
    if not path.exists():
        return []
    cases: dict[tuple[str, int], None] = {}
    for config, tests in json.loads(path.read_text()).items():
        if config.startswith("L2_SINGLEBUFFER"):
            for test, budgets in tests.items():
                for l1 in budgets:
                    cases[(test, l1)] = None
    return list(cases)


@requires_shared
@pytest.mark.shared
@pytest.mark.mcu_full
@pytest.mark.parametrize(("target", "test"), _all_untiled())
def test_every_shared_network(target: str, test: str, tmp_path: Path) -> None:
    _shared_case(target, test, None, tmp_path)


@requires_shared
@pytest.mark.shared
@pytest.mark.mcu_full
@pytest.mark.parametrize(("test", "l1"), _all_tiled())
def test_every_tiled_budget_on_rv32(test: str, l1: int, tmp_path: Path) -> None:
    _shared_case("rv32", test, l1, tmp_path)


def test_missing_cross_compiler_is_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    from deeploy.tools.cli import EXIT_REJECTED, main

    monkeypatch.setenv("PATH", "/nonexistent")
    code = main(["run", str(PROJECT / "examples" / "tiny_cnn"), "--target", "cortex-m4"])
    err = capsys.readouterr().err
    assert code == EXIT_REJECTED
    assert "arm-none-eabi-gcc is not installed" in err and "gcc-arm-none-eabi" in err


def test_compile_writes_the_linker_script(tmp_path: Path) -> None:
    """`deeploy compile` for a microcontroller ships the memory layout it assumed."""
    import deeploy
    from deeploy.targets.base import MemoryConfig

    model = PROJECT / "examples" / "tiny_cnn" / "network.onnx"
    written = deeploy.compile(model, target="rv32", memory=MemoryConfig(l1=4000)).write(tmp_path)
    script = tmp_path / "network.ld"
    assert script in written
    assert "l1 (w!rx) : ORIGIN = 0x85000000, LENGTH = 4000" in script.read_text()
    assert "__ram_size = 1024000;" in script.read_text()
    host = deeploy.compile(model).write(tmp_path / "host")
    assert not any(p.suffix == ".ld" for p in host)
