"""Count the instructions of one inference with valgrind's callgrind.

Collection is toggled on the network's run function only (`--toggle-collect`), so the
count excludes start-up, input embedding and output printing. Instruction counts are
deterministic for a given binary, unlike wall time on a shared machine.

Layer profiling (`layer_profile`): callgrind dumps its counts on entering each layer
marker (`--dump-before`, runtime/platform/generic/counter.c), so every dump holds what
ran since the previous one; a dump made on entering `deeploy_profile_end` is one layer,
from the first instruction of `deeploy_profile_begin` on. The line the end marker prints
comes after its dump and is in no layer; the dumps together are the whole run function,
printing included.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from deeploy.errors import DeeployError


def require_valgrind(option: str) -> str:
    """valgrind's path, or a user error naming the option that needs it."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise DeeployError(f"{option} needs valgrind (apt-get install valgrind)")
    return valgrind


def instructions_of(binary: Path, function: str, timeout: float = 600.0) -> int:
    """Instructions executed inside `function` (and its callees) during one run of binary."""
    out_file = binary.with_suffix(".callgrind.out")
    _callgrind(binary, function, out_file, [], timeout, "--count-instructions")
    return _total(out_file)


LAYER_MARKERS = ("deeploy_profile_begin", "deeploy_profile_end")


def layer_profile(binary: Path, function: str, timeout: float = 600.0) -> tuple[int, list[int]]:
    """Instructions inside `function` in one run of a profiling build, and each layer's,
    in the order the layers ran (see the module docstring)."""
    out_file = binary.with_suffix(".callgrind.out")
    for stale in out_file.parent.glob(f"{out_file.name}.*"):
        stale.unlink()  # numbered dumps of an earlier run
    dumps = [f"--dump-before={marker}" for marker in LAYER_MARKERS]
    _callgrind(binary, function, out_file, dumps, timeout, "--profile-layers")
    numbered = sorted(
        (int(p.name.rsplit(".", 1)[1]), p)
        for p in out_file.parent.glob(f"{out_file.name}.*")
        if p.name.rsplit(".", 1)[1].isdigit()
    )
    total = _total(out_file)  # what ran after the last dump
    layers = []
    for _, dump in numbered:
        count = _total(dump)
        total += count
        if _trigger(dump) == f"--dump-before={LAYER_MARKERS[1]}":
            layers.append(count)
    return total, layers


def _trigger(dump: Path) -> str:
    """What made callgrind write a dump (its `desc: Trigger:` line)."""
    with dump.open() as f:
        for line in f:
            if line.startswith("desc: Trigger:"):
                return line.removeprefix("desc: Trigger:").strip()
            if line.startswith(("fn=", "fl=")):
                break  # the header is over
    return ""


def _callgrind(
    binary: Path,
    function: str,
    out_file: Path,
    options: list[str],
    timeout: float,
    option: str,
) -> None:
    valgrind = require_valgrind(option)
    proc = subprocess.run(
        [
            valgrind,
            "--tool=callgrind",
            f"--toggle-collect={function}",
            *options,
            f"--callgrind-out-file={out_file}",
            str(binary),
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"callgrind failed on {binary.name}:\n{proc.stderr[-2000:]}")


def _total(out_file: Path) -> int:
    text = out_file.read_text()
    match = re.search(r"^(?:summary|totals):\s+(\d+)", text, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"no instruction total in {out_file}")
    return int(match.group(1))
