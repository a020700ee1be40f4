"""Read Deeploy's figures from the notes file `bars-to-beat.md`.

The notes are the one source of truth for the figures to beat, so they are parsed at run
time rather than copied into code. Only the table of the "Deeploy, Generic platform"
section is read; its columns are found by their header names, so reordering or adding
columns does not break the parser.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

SECTION = "Deeploy, Generic platform"

# Header fragments (lower case) of the columns read, by field.
COLUMNS = {
    "test": "test",
    "instructions": "ir inference",
    "codegen_seconds": "codegen",
    "memory": "mem",
    "ops": "numberofops",
}


@dataclass(frozen=True)
class DeeployFigures:
    """One row of the Generic table: Deeploy's figures for one test network."""

    test: str
    instructions: int  # "Ir inference": callgrind count of the RunNetwork call
    codegen_seconds: float  # the whole generateNetwork.py command, Python start-up included
    memory_total: int
    memory_static: int  # constants + I/O
    memory_dynamic: int  # intermediates (0 when the notes give one number: no intermediates)
    ops: int | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _int(text: str) -> int:
    return int(text.replace(",", "").strip())


def parse_memory(cell: str) -> tuple[int, int, int]:
    """'39,760 (21,808 + 17,952)' -> (39760, 21808, 17952); '16,384' -> (16384, 16384, 0)."""
    match = re.fullmatch(r"\s*([\d,]+)\s*(?:\(\s*([\d,]+)\s*\+\s*([\d,]+)\s*\))?\s*", cell)
    if match is None:
        raise ValueError(f"cannot read the memory cell {cell!r}")
    total = _int(match.group(1))
    if match.group(2) is None:
        return total, total, 0
    return total, _int(match.group(2)), _int(match.group(3))


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _section_lines(text: str, title: str) -> list[str]:
    lines = text.splitlines()
    start = next(
        (i for i, line in enumerate(lines) if line.startswith("#") and title in line), None
    )
    if start is None:
        return []
    body = []
    for line in lines[start + 1 :]:
        if line.startswith("#"):
            break
        body.append(line)
    return body


def _column_indices(header: list[str]) -> dict[str, int]:
    lowered = [h.lower().replace(" ", "") for h in header]
    indices = {}
    for field, fragment in COLUMNS.items():
        wanted = fragment.replace(" ", "")
        found = next((i for i, h in enumerate(lowered) if h.startswith(wanted)), None)
        if found is not None:
            indices[field] = found
    missing = [f for f in ("test", "instructions", "codegen_seconds", "memory") if f not in indices]
    if missing:
        raise ValueError(f"the {SECTION} table has no column for {', '.join(missing)}")
    return indices


def parse_bars(text: str) -> dict[str, DeeployFigures]:
    """Deeploy's Generic-platform figures by test folder, in the order of the notes."""
    rows = [line for line in _section_lines(text, SECTION) if line.strip().startswith("|")]
    if len(rows) < 2:
        return {}
    columns = _column_indices(_cells(rows[0]))
    figures: dict[str, DeeployFigures] = {}
    for line in rows[2:]:  # rows[1] is the |---| separator
        cells = _cells(line)
        total, static, dynamic = parse_memory(cells[columns["memory"]])
        ops_cell = cells[columns["ops"]] if "ops" in columns else ""
        test = cells[columns["test"]].strip("` ")
        figures[test] = DeeployFigures(
            test=test,
            instructions=_int(cells[columns["instructions"]]),
            codegen_seconds=float(cells[columns["codegen_seconds"]]),
            memory_total=total,
            memory_static=static,
            memory_dynamic=dynamic,
            ops=_int(ops_cell) if ops_cell else None,
        )
    return figures


def load_bars(path: Path) -> dict[str, DeeployFigures] | None:
    """The figures of the notes file at `path`, or None when the file is absent."""
    if not path.is_file():
        return None
    return parse_bars(path.read_text())


CMSIS_SECTION = "CMSIS-NN on cortex-m4"


def parse_cmsis(text: str) -> dict[str, int]:
    """CMSIS-NN's instructions per inference on cortex-m4, by test folder.

    Rows of the section's table whose first cell starts with a test path (``Models/...``,
    ``Kernels/...``); the per-layer rows (starting with a dash) are left out. The column
    is the one headed "CMSIS-NN".
    """
    rows = [line for line in _section_lines(text, CMSIS_SECTION) if line.strip().startswith("|")]
    if len(rows) < 2:
        return {}
    header = [h.lower() for h in _cells(rows[0])]
    if "cmsis-nn" not in header:
        raise ValueError(f"the {CMSIS_SECTION} table has no CMSIS-NN column")
    column = header.index("cmsis-nn")
    figures = {}
    for line in rows[2:]:
        cells = _cells(line)
        match = re.match(r"(?:Models|Kernels)/[\w/.-]+", cells[0].strip("` "))
        if match is not None:
            figures[match.group(0)] = _int(cells[column])
    return figures


def load_cmsis(path: Path) -> dict[str, int]:
    """parse_cmsis of the notes file at `path`; empty when the file is absent."""
    return parse_cmsis(path.read_text()) if path.is_file() else {}
