"""Count the instructions of one inference with valgrind's callgrind.

Collection is toggled on the network's run function only (`--toggle-collect`), so the
count excludes start-up, input embedding and output printing. Instruction counts are
deterministic for a given binary, unlike wall time on a shared machine.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from deeploy.errors import DeeployError


def instructions_of(binary: Path, function: str, timeout: float = 600.0) -> int:
    """Instructions executed inside `function` (and its callees) during one run of binary."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise DeeployError("--count-instructions needs valgrind (apt-get install valgrind)")
    out_file = binary.with_suffix(".callgrind.out")
    proc = subprocess.run(
        [
            valgrind,
            "--tool=callgrind",
            f"--toggle-collect={function}",
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
    text = out_file.read_text()
    match = re.search(r"^(?:summary|totals):\s+(\d+)", text, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"no instruction total in {out_file}")
    return int(match.group(1))
