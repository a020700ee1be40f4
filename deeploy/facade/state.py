"""Deployer state on disk: `<name>.mlir` (the IR, printed by xDSL) and `<name>.json` (the
stage reached, the options that shaped the IR, and what earlier stages reported).

Deeploy pickles its network context next to an ONNX file; our whole compiler state is the
module, which prints as text and parses back with `deeploy.dialects.make_context()`, so a
state can be read, diffed, edited and replayed with `deeploy-opt` as well as resumed by a
fresh deployer.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

from xdsl.dialects.builtin import ModuleOp

from deeploy.dialects.printer import print_module
from deeploy.errors import ModelError, OptionError
from deeploy.facade.buffers import (
    blocks_from_json,
    blocks_to_json,
    patterns_from_json,
    patterns_to_json,
)
from deeploy.facade.session import Session

FORMAT = "deeploy-xdsl-deployer-state"
VERSION = 2  # 2: tiled layers' L1 and L2 staging buffers (tileMemoryMap, ...)
STAGES = ("lowered", "parsed", "bound", "annotated", "tiled", "transformed", "prepared")


def paths(folder: str | os.PathLike[str], file_name: str) -> tuple[Path, Path]:
    base = Path(folder)
    return base / f"{file_name}.mlir", base / f"{file_name}.json"


def parse_state_module(text: str, where: str) -> ModuleOp:
    from xdsl.utils.exceptions import ParseError

    from deeploy.dialects import make_context
    from deeploy.dialects.parser import parse_module

    try:
        return parse_module(make_context(), text, where)
    except ParseError as err:
        raise ModelError(
            f"{where}: not a deployer state ({str(err).strip().splitlines()[0]})"
        ) from None


def _memory_json(session: Session) -> dict[str, Any] | None:
    return asdict(session.memory) if session.memory is not None else None


def export_state(
    session: Session, folder: str | os.PathLike[str], file_name: str
) -> tuple[Path, Path]:
    assert session.module is not None
    ir_path, json_path = paths(folder, file_name)
    ir_path.parent.mkdir(parents=True, exist_ok=True)
    ir_path.write_text(print_module(session.module))
    state = {
        "format": FORMAT,
        "version": VERSION,
        "options": {
            "target": session.target,
            "name": session.name,
            "memory": _memory_json(session),
            "annotation": [str(p) for p in session.annotation],
        },
        "stage": {stage: getattr(session, stage) for stage in STAGES},
        "report": session.report,
        "layerOps": session.layer_ops,
        "tilingSolution": session.tiling_solution,
        "patternMemoryConstraints": patterns_to_json(session.patterns),
        "memoryMap": session.memory_map,
        "memoryBlocks": blocks_to_json(session.memory_blocks),
        "tileMemoryMap": session.tile_map,
        "tileMemoryBlocks": blocks_to_json(session.tile_blocks),
        "tilePeaks": session.tile_peaks,
        "seconds": session.seconds,
    }
    json_path.write_text(json.dumps(state, indent=1) + "\n")
    return ir_path, json_path


def import_state(session: Session, folder: str | os.PathLike[str], file_name: str) -> None:
    """Replace the session's IR and progress with a saved state, if it was made by a
    deployer configured alike (what is already decided in the IR must match)."""
    ir_path, json_path = paths(folder, file_name)
    for path in (ir_path, json_path):
        if not path.exists():
            raise ModelError(f"{path}: no such file (exportDeeployState writes .mlir and .json)")
    try:
        state = json.loads(json_path.read_text())
    except json.JSONDecodeError as err:
        raise ModelError(f"{json_path}: not JSON ({err})") from None
    if state.get("format") != FORMAT or state.get("version") != VERSION:
        raise ModelError(f"{json_path}: not a deployer state of version {VERSION}")
    options, stage = state["options"], state["stage"]
    mismatches = []
    for key, mine in (("target", session.target), ("name", session.name)):
        if options[key] != mine:
            mismatches.append(f"{key} {options[key]!r} (this deployer: {mine!r})")
    if stage["bound"] and options["memory"] != _memory_json(session):
        # bufferize and tile-layers already placed the tensors for that hierarchy
        mismatches.append(f"memory {options['memory']} (this deployer: {_memory_json(session)})")
    if mismatches:
        raise OptionError(
            f"{json_path}: the state was made with {'; '.join(mismatches)}; construct the "
            "deployer with the same platform, memory hierarchy, tiler and name"
        )
    session.module = parse_state_module(ir_path.read_text(), str(ir_path))
    for name in STAGES:
        setattr(session, name, bool(stage[name]))
    session.report = state["report"]
    session.layer_ops = [(str(n), int(o)) for n, o in state["layerOps"]]
    session.tiling_solution = state["tilingSolution"]
    session.patterns = patterns_from_json(state["patternMemoryConstraints"])
    session.memory_map = state["memoryMap"]
    session.memory_blocks = blocks_from_json(state["memoryBlocks"])
    session.tile_map = state["tileMemoryMap"]
    session.tile_blocks = blocks_from_json(state["tileMemoryBlocks"])
    session.tile_peaks = state["tilePeaks"]
    session.seconds = float(state["seconds"])
    session.requested_memory_map = None
    session.cached_result = None
