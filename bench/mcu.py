"""Microcontroller benchmark: instructions per inference on both ISAs, and per layer.

    python -m bench.mcu                         # the networks of Deeploy's Generic table
    python -m bench.mcu --networks miniMobileNet ICCT

Per network, one inference's instructions on the host (x86-64, callgrind, as in
`python -m bench`), on rv32 (rv32imf, `minstret` under QEMU -icount) and on cortex-m4
(Thumb-2, QEMU plugin between the harness's markers), each build compared against the
test's outputs; rv32 also tiled at the smallest single-buffered L1 budget of
tiled-budgets.json, with its DMA transfers. The per-layer breakdown comes from an rv32
build with layer profiling. Instruction counts are deterministic: no repeats needed.
A network that does not fit a target (cortex-m4: 256 KiB SRAM) gets the reason instead.
Where the notes (`--bars`) give ARM CMSIS-NN's count for a network on cortex-m4, it is
shown beside ours with the ratio.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.bars import load_cmsis
from bench.report import render
from bench.suite import DEEPLOY_GENERIC_TESTS, DEFAULT_BARS, DEFAULT_TESTS, PROJECT, select


@dataclass
class McuRow:
    network: str
    macs: int = 0
    x86: int | None = None
    rv32: int | None = None
    cortex_m4: int | None = None
    rv32_tiled_l1: int | None = None
    rv32_tiled: int | None = None
    rv32_tiled_transfers: int | None = None
    cmsis_nn: int | None = None  # ARM's CMSIS-NN on cortex-m4, from the notes
    layers: list[dict[str, Any]] = field(default_factory=list)  # rv32, profiled
    notes: dict[str, str] = field(default_factory=dict)  # column -> why it is missing


def smallest_budget(tests_dir: Path, network: str) -> int | None:
    path = tests_dir / "tiled-budgets.json"
    if not path.exists():
        return None
    budgets = [
        l1
        for config, tests in json.loads(path.read_text()).items()
        if config.startswith("L2_SINGLEBUFFER")
        for l1 in tests.get(network, [])
    ]
    return min(budgets) if budgets else None


def _run(folder: Path, work: Path, target: str, **options: Any) -> Any:
    from deeploy.harness.runner import run_test_folder

    result, outcome, comparison = run_test_folder(folder, work, 1200, target=target, **options)
    if not comparison.passed:
        raise RuntimeError(f"{comparison.errors} of {comparison.total} outputs differ")
    return result, outcome


def measure(folder: Path, row: McuRow, tests_dir: Path, work: Path) -> None:
    from deeploy.harness.callgrind import instructions_of
    from deeploy.targets.base import MemoryConfig

    def attempt(column: str, action: Callable[[], None]) -> None:
        try:
            action()
        except Exception as err:  # one column's failure must not stop the others
            row.notes[column] = str(err).splitlines()[0][:160]

    def host() -> None:
        result, outcome = _run(folder, work / "host", "generic")
        row.macs = result.report["macs"]
        row.x86 = instructions_of(outcome.binary, f"{result.network}_run")

    def rv32() -> None:
        row.rv32 = _run(folder, work / "rv32", "rv32")[1].instructions

    def cortex_m4() -> None:
        row.cortex_m4 = _run(folder, work / "m4", "cortex-m4")[1].instructions
        if row.cortex_m4 is None:
            row.notes["cortex_m4"] = "no QEMU plugin header (fetch-plugin-header.sh)"

    def tiled() -> None:
        l1 = smallest_budget(tests_dir, row.network)
        if l1 is None:
            return
        row.rv32_tiled_l1 = l1
        _, outcome = _run(folder, work / "tiled", "rv32", memory=MemoryConfig(l1=l1))
        row.rv32_tiled = outcome.instructions
        row.rv32_tiled_transfers = outcome.dma["transfers"] if outcome.dma else None

    def layers() -> None:
        from deeploy.harness.runner import parse_layers

        _, outcome = _run(folder, work / "profile", "rv32", profile_layers=True)
        row.layers = parse_layers(outcome.stdout)

    for column, action in (
        ("x86", host),
        ("rv32", rv32),
        ("cortex_m4", cortex_m4),
        ("rv32_tiled", tiled),
        ("layers", layers),
    ):
        attempt(column, action)


def run(
    tests_dir: Path,
    patterns: Sequence[str] | None,
    progress: Callable[[str], None],
    cmsis: dict[str, int] | None = None,
) -> list[McuRow]:
    rows = []
    for network in select(list(DEEPLOY_GENERIC_TESTS), patterns):
        folder = tests_dir / network
        row = McuRow(network, cmsis_nn=(cmsis or {}).get(network))
        if not (folder / "network.onnx").exists():
            row.notes["x86"] = f"no test folder {folder}"
        else:
            with tempfile.TemporaryDirectory(prefix="bench-mcu-") as tmp:
                measure(folder, row, tests_dir, Path(tmp))
        progress(
            f"{network}: x86 {row.x86}, rv32 {row.rv32}, cortex-m4 {row.cortex_m4}, "
            f"rv32 tiled {row.rv32_tiled}" + (f" ({row.notes})" if row.notes else "")
        )
        rows.append(row)
    return rows


def _count(value: int | None, row: McuRow, column: str) -> str:
    if value is not None:
        return f"{value:,}"
    return "does not fit" if "does not fit" in row.notes.get(column, "") else "—"


def table(rows: Sequence[McuRow]) -> str:
    def per_mac(value: int | None, row: McuRow) -> str:
        return f"{value / row.macs:.1f}" if value and row.macs else "—"

    body = [
        [
            r.network,
            f"{r.macs:,}",
            _count(r.x86, r, "x86"),
            _count(r.rv32, r, "rv32"),
            per_mac(r.rv32, r),
            _count(r.cortex_m4, r, "cortex_m4"),
            per_mac(r.cortex_m4, r),
            f"{r.cmsis_nn:,}" if r.cmsis_nn else "—",
            f"{r.cortex_m4 / r.cmsis_nn:.2f}" if r.cortex_m4 and r.cmsis_nn else "—",
            f"{r.rv32_tiled:,} @ {r.rv32_tiled_l1:,}" if r.rv32_tiled and r.rv32_tiled_l1 else "—",
            f"{r.rv32_tiled_transfers:,}" if r.rv32_tiled_transfers is not None else "—",
        ]
        for r in rows
    ]
    headers = [
        "network",
        "MACs",
        "x86-64",
        "rv32",
        "rv32/MAC",
        "cortex-m4",
        "M4/MAC",
        "CMSIS-NN (M4)",
        "M4 ÷ CMSIS",
        "rv32 tiled @ L1 B",
        "DMA transfers",
    ]
    return render(headers, body)


def layer_table(row: McuRow, top: int = 8) -> str:
    """The heaviest layers of one network on rv32, with their share of the inference."""
    total = sum(layer["instructions"] for layer in row.layers) or 1
    heaviest = sorted(row.layers, key=lambda layer: -layer["instructions"])[:top]
    body = [
        [
            str(layer["index"]),
            layer["name"],
            f"{layer['instructions']:,}",
            f"{100 * layer['instructions'] / total:.1f}%",
        ]
        for layer in heaviest
    ]
    return render(["#", "layer", "rv32 instructions", "share"], body)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.mcu", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--networks", nargs="+", metavar="SUBSTRING")
    parser.add_argument("--tests", type=Path, default=DEFAULT_TESTS)
    parser.add_argument(
        "--bars",
        type=Path,
        default=DEFAULT_BARS,
        help="notes file with CMSIS-NN's cortex-m4 figures (bars-to-beat.md)",
    )
    parser.add_argument("--out", type=Path, default=PROJECT / "bench" / "results")
    parser.add_argument(
        "--layers", type=int, default=8, metavar="N", help="layers shown per network (default 8)"
    )
    args = parser.parse_args(argv)
    if not args.tests.is_dir():
        print(f"bench.mcu: no test networks at {args.tests} (see --tests)", file=sys.stderr)
        return 2
    try:
        cmsis = load_cmsis(args.bars)
    except ValueError as err:
        print(f"bench.mcu: {args.bars}: {err}", file=sys.stderr)
        return 2
    rows = run(
        args.tests, args.networks, lambda line: print(line, file=sys.stderr, flush=True), cmsis
    )
    print("Instructions per inference (one run each; deterministic)\n")
    print(table(rows))
    for row in rows:
        if row.layers:
            print(f"\n{row.network}: heaviest layers on rv32 ({len(row.layers)} layers)\n")
            print(layer_table(row, args.layers))
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "mcu.json"
    path.write_text(json.dumps([asdict(r) for r in rows], indent=1) + "\n")
    print(f"results written to {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
