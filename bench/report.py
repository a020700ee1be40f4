"""The suite's results as text tables and as a JSON document."""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.suite import ARENA_SLACK, COMPILE_GOAL, INSTRUCTIONS_GOAL, Row, SuiteResult, summary

MEMORY_NOTE = (
    "memory: ours = arena + I/O bytes; Deeploy's = its dynamic (intermediate) bytes + the "
    "network's input + output bytes (the same I/O as ours, from our report's io_bytes); "
    "weights are listed apart."
)
INSTRUCTIONS_NOTE = (
    "instructions: callgrind count of one inference (the network's run function); ours at the "
    "default -O2 and at -O3, Deeploy's at -O2 -flto; ratio = ours (-O2) / Deeploy."
)
COMPILE_NOTE = (
    "compile s: best wall time of a fresh `deeploy compile` process (Python start-up included), "
    "as Deeploy's 'codegen s' (whole generateNetwork.py command)."
)


def _num(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _ratio(value: float | None, met: bool | None = None) -> str:
    """A ratio, starred when it meets its goal (the star avoids misreading 0.504 as 0.50)."""
    if value is None:
        return "-"
    return f"{value:.2f}" + ("*" if met else " " if met is not None else "")


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _levels(sizes: dict[str, int]) -> str:
    return " + ".join(f"{level} {size:,}" for level, size in sizes.items()) or "-"


def _instructions(row: Row, count: int | None) -> str:
    return "n/a" if count is None and row.instructions_note else _num(count)


def _passed(row: Row) -> str:
    return {True: "yes", False: "NO", None: "-"}[row.passed]


def render(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Aligned columns, the first left-aligned; a 2-cell row spans its text over the rest."""
    full = [r for r in rows if len(r) == len(headers)]
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *full)]
    widths[0] = max([widths[0], *(len(r[0]) for r in rows)])
    room = max(60, sum(widths[1:]) + 2 * (len(widths) - 1))

    def line(cells: Sequence[str]) -> str:
        if len(cells) == 2 and len(headers) > 2:  # a note in place of the figures
            note = cells[1] if len(cells[1]) <= room else cells[1][: room - 3] + "..."
            return f"{cells[0]:<{widths[0]}}  {note}"
        first = f"{cells[0]:<{widths[0]}}"
        rest = [f"{c:>{w}}" for c, w in zip(cells[1:], widths[1:])]
        return "  ".join([first, *rest]).rstrip()

    rule = "-" * len(line(list(headers)))
    return "\n".join([line(list(headers)), rule, *(line(list(r)) for r in rows)])


def speed_table(rows: Sequence[Row], with_deeploy: bool) -> str:
    headers = ["network", "ok", "compile s"]
    headers += ["Deeploy s", "ratio"] if with_deeploy else []
    headers += ["Ir -O2", "Ir -O3", "Ir/MAC"]
    headers += ["Deeploy Ir", "ratio"] if with_deeploy else []
    lines: list[list[str]] = []
    for r in rows:
        if not r.compiled:
            lines.append([r.network, r.error or ""])
            continue
        cells = [r.network, _passed(r), _seconds(r.compile_seconds)]
        if with_deeploy:
            theirs = r.deeploy.codegen_seconds if r.deeploy else None
            cells += [_seconds(theirs), _ratio(r.ratio_compile, r.goals()["compile"])]
        cells += [_instructions(r, r.instructions_o2), _instructions(r, r.instructions_o3)]
        cells += [_ratio(r.instructions_per_mac)]
        if with_deeploy:
            cells += [
                _num(r.deeploy.instructions if r.deeploy else None),
                _ratio(r.ratio_instructions(), r.goals()["instructions"]),
            ]
        lines.append(cells)
    return render(headers, lines)


def memory_table(rows: Sequence[Row], with_deeploy: bool) -> str:
    headers = ["network", "arena B", "live-set bound", "arena/bound", "weights B", "I/O B"]
    headers += ["RAM (arena+I/O)"]
    headers += ["Deeploy dyn+I/O", "ratio"] if with_deeploy else []
    lines: list[list[str]] = []
    for r in rows:
        if not r.compiled:
            continue
        cells = [r.network, _levels(r.memory), _levels(r.live_set_bound)]
        cells += [_ratio(r.arena_over_bound, r.goals()["arena"] if r.arena_over_bound else None)]
        cells += [_num(r.weights_bytes), _num(r.io_bytes)]
        cells += [_num(r.ram_bytes)]
        if with_deeploy:
            cells += [_num(r.deeploy_ram_bytes), _ratio(r.ratio_memory, r.goals()["memory"])]
        lines.append(cells)
    return render(headers, lines)


def summary_line(rows: Sequence[Row]) -> str:
    counts = summary(rows)
    table = [r for r in rows if not r.extra]
    labels = {
        "instructions": f"instructions <= {INSTRUCTIONS_GOAL}x Deeploy",
        "arena": f"arena within {ARENA_SLACK:.0%} of live-set bound",
        "memory": "memory (arena+I/O) <= Deeploy (dynamic+I/O)",
        "compile": f"compile time <= {COMPILE_GOAL}x Deeploy",
    }
    parts = [
        f"{label} {counts[goal]['met']}/{counts[goal]['of']}"
        for goal, label in labels.items()
        if counts[goal]["of"]  # goals against Deeploy cannot be judged without its figures
    ]
    return (
        f"goals met: {' | '.join(parts) or 'none judged'} "
        f"(compiled: {sum(r.compiled for r in table)} of {len(table)} networks of Deeploy's table"
        f", and {len(rows) - len(table)} extra float32 networks)"
    )


def load_note(suite: SuiteResult) -> str:
    cores = os.cpu_count() or 1
    note = f"highest load average {suite.load_average:.1f} on {cores} cores"
    if suite.load_average > cores:
        note += " (busy machine: compile times are inflated; compare them in a quiet run)"
    return note


def text_report(suite: SuiteResult, with_deeploy: bool) -> str:
    instruction_notes = sorted({r.instructions_note for r in suite.rows if r.instructions_note})
    parts = [
        "Speed",
        speed_table(suite.rows, with_deeploy),
        "",
        "Memory (bytes, per level)",
        memory_table(suite.rows, with_deeploy),
        "",
        COMPILE_NOTE,
        INSTRUCTIONS_NOTE,
        *(f"instructions {note}" for note in instruction_notes),
        "arena/bound: arena bytes over the live-set lower bound ('-': no intermediates).",
        "ratio*: the ratio meets its goal (see the summary line).",
    ]
    if with_deeploy:
        parts.append(MEMORY_NOTE)
    else:
        parts.append("Deeploy figures not shown: the notes file bars-to-beat.md was not found.")
    parts += [
        f"extra float32 network not compiled: {n}: {why}" for n, why in suite.skipped_extras.items()
    ]
    parts += ["", summary_line(suite.rows), f"suite time {suite.seconds:.0f} s; {load_note(suite)}"]
    return "\n".join(parts)


def json_report(
    suite: SuiteResult, bars_path: Path | None, options: dict[str, Any]
) -> dict[str, Any]:
    return {
        "generated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"platform": platform.platform(), "processor": platform.machine()},
        "bars": str(bars_path) if bars_path else None,
        "options": options,
        "notes": {
            "compile": COMPILE_NOTE,
            "instructions": INSTRUCTIONS_NOTE,
            "memory": MEMORY_NOTE,
        },
        "rows": [r.to_dict() for r in suite.rows],
        "skipped_extras": suite.skipped_extras,
        "summary": summary(suite.rows),
        "summary_line": summary_line(suite.rows),
        "seconds": round(suite.seconds, 1),
        "load_average": round(suite.load_average, 2),
        "cpu_count": os.cpu_count(),
    }


def write_json(document: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")
