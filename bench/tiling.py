"""Tiling benchmark: DMA traffic against its lower bound, transfers against Deeploy's.

    python -m bench.tiling                     # every network of tiled-budgets.json
    python -m bench.tiling --networks CCT      # a subset

For each test and L1 budget of Deeploy's tiled lists (../shared/deeploy-tests/
tiled-budgets.json; L2 home, single and double buffering) the network is compiled tiled
and the table shows tiles, DMA transfers, DMA bytes and the lower bound on DMA bytes
(every operand of every tiled layer moved once), the smallest L1 the network compiles at
(the largest per-layer minimum the tiler states) and, where the notes have them,
Deeploy's tiles and transfers at the same budget (Deeploy's Siracusa tiled flow, single
buffer). Integer networks are skipped: there are no integer kernels yet.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.bars import _cells, _int, _section_lines
from bench.report import render
from bench.suite import DEFAULT_BARS, DEFAULT_TESTS, PROJECT, select

TILED_SECTION = "Deeploy, tiled code generation"
CONFIGS = ("L2_SINGLEBUFFER", "L2_DOUBLEBUFFER")


@dataclass
class TilingRow:
    network: str
    double_buffer: bool
    l1: int
    tiles: int | None = None
    transfers: int | None = None
    dma_bytes: int | None = None
    bound_bytes: int | None = None  # every operand of every tiled layer moved once
    l1_peak: int | None = None
    smallest_l1: int | None = None
    compile_seconds: float | None = None
    deeploy_tiles: int | None = None
    deeploy_transfers: int | None = None
    error: str | None = None


def parse_deeploy_tiled(text: str) -> dict[tuple[str, int], tuple[int, int]]:
    """(test, L1 budget) -> (tiles, DMA transfers) from the notes' tiled table."""
    rows = [line for line in _section_lines(text, TILED_SECTION) if line.strip().startswith("|")]
    figures = {}
    for line in rows[2:]:
        cells = _cells(line)
        figures[(cells[0].strip("` "), _int(cells[1]))] = (_int(cells[2]), _int(cells[3]))
    return figures


def input_types(model: Path) -> dict[str, str] | None:
    """Integer networks stored as float: the input types `deeploy run` infers from data."""
    from deeploy.harness.test_data import data_input_types, load_npz

    return data_input_types(model, load_npz(model.parent / "inputs.npz")) or None


def smallest_l1(model: Path) -> int | None:
    """The smallest L1 every layer fits in: the largest minimum the tiler states at 1 byte."""
    from deeploy.errors import BudgetError
    from deeploy.harness.runner import compile_typed
    from deeploy.targets.base import MemoryConfig

    try:
        compile_typed(model, input_types(model) or {}, True, memory=MemoryConfig(l1=1))
    except BudgetError as err:
        needs = [int(n) for n in re.findall(r"needs at least (\d+) bytes", str(err))]
        return max(needs) if needs else None
    return 1


def measure(model: Path, row: TilingRow) -> None:
    from deeploy.harness.runner import compile_typed
    from deeploy.targets.base import MemoryConfig

    start = time.perf_counter()
    result = compile_typed(
        model,
        input_types(model) or {},
        True,
        memory=MemoryConfig(l1=row.l1, double_buffer=row.double_buffer),
    )
    row.compile_seconds = round(time.perf_counter() - start, 2)
    tiling = result.report["tiling"]
    row.tiles = result.report["tiles"]
    row.transfers = tiling["dma_transfers"]
    row.dma_bytes = tiling["dma_bytes"]
    row.l1_peak = tiling["l1_peak"]
    row.bound_bytes = tiling["dma_lower_bound"]


def run(
    tests_dir: Path,
    notes: Path,
    patterns: Sequence[str] | None,
    progress: Callable[[str], None] = print,
) -> list[TilingRow]:
    budgets = json.loads((tests_dir / "tiled-budgets.json").read_text())
    deeploy_figures = parse_deeploy_tiled(notes.read_text()) if notes.is_file() else {}
    cases = [
        (test, "DOUBLE" in config, l1)
        for config in (f"{c}_{kind}" for c in CONFIGS for kind in ("KERNELS", "MODELS"))
        for test, l1s in budgets.get(config, {}).items()
        for l1 in l1s
    ]
    names = set(select(sorted({t for t, _, _ in cases}), patterns))
    rows: list[TilingRow] = []
    smallest: dict[str, int | None] = {}
    for index, (test, double, l1) in enumerate(cases, start=1):
        if test not in names:
            continue
        model = tests_dir / test / "network.onnx"
        row = TilingRow(test, double, l1)
        if not double:
            row.deeploy_tiles, row.deeploy_transfers = deeploy_figures.get((test, l1), (None, None))
        try:
            measure(model, row)
            if test not in smallest:
                smallest[test] = smallest_l1(model)
            row.smallest_l1 = smallest[test]
        except Exception as err:  # report and go on
            row.error = f"{type(err).__name__}: {str(err).splitlines()[0][:120]}"
        rows.append(row)
        progress(
            f"[{index}/{len(cases)}] {test} l1={l1}{' double' if double else ''}: "
            f"{row.error or f'{row.transfers} transfers, {row.dma_bytes} B'}"
        )
    return rows


def table(rows: Sequence[TilingRow]) -> str:
    def num(v: int | None) -> str:
        return "-" if v is None else f"{v:,}"

    body = []
    for r in rows:
        if r.error:
            body.append([r.network, "DB" if r.double_buffer else "SB", num(r.l1), r.error])
            continue
        ratio = f"{r.dma_bytes / r.bound_bytes:.2f}" if r.bound_bytes else "-"
        body.append(
            [
                r.network,
                "DB" if r.double_buffer else "SB",
                num(r.l1),
                num(r.tiles),
                num(r.transfers),
                num(r.dma_bytes),
                num(r.bound_bytes),
                ratio,
                num(r.smallest_l1),
                f"{r.compile_seconds:.2f}",
                num(r.deeploy_tiles),
                num(r.deeploy_transfers),
            ]
        )
    headers = [
        "network",
        "buf",
        "L1 B",
        "tiles",
        "transfers",
        "DMA B",
        "bound B",
        "DMA/bound",
        "smallest L1",
        "compile s",
        "Deeploy tiles",
        "Deeploy transfers",
    ]
    return render(headers, body)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.tiling", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--networks", nargs="+", metavar="SUBSTRING")
    parser.add_argument("--tests", type=Path, default=DEFAULT_TESTS)
    parser.add_argument("--bars", type=Path, default=DEFAULT_BARS)
    parser.add_argument("--out", type=Path, default=PROJECT / "bench" / "results")
    args = parser.parse_args(argv)
    if not (args.tests / "tiled-budgets.json").is_file():
        print(f"bench.tiling: no tiled-budgets.json in {args.tests} (see --tests)", file=sys.stderr)
        return 2
    rows = run(args.tests, args.bars, args.networks, lambda line: print(line, file=sys.stderr))
    print(table(rows))
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "tiling.json"
    path.write_text(json.dumps([asdict(r) for r in rows], indent=1) + "\n")
    print(f"results written to {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
