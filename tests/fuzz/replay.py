"""Judge a saved fuzz case again, as the fuzzer did, and print the outcome.

python -m tests.fuzz.replay /tmp/deeploy-fuzz/traceback/0123abcd4567
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from tests.fuzz.harness import run_case
from tests.fuzz.strategies import Case


def main(argv: list[str]) -> int:
    folder = Path(argv[0])
    meta = json.loads((folder / "case.json").read_text())
    case = Case(
        meta["seed"],
        (folder / "model.onnx").read_bytes(),
        tuple(meta["options"]),
        tuple(meta["mutations"]),
    )
    with tempfile.TemporaryDirectory() as work:
        outcome = run_case(case, Path(work))
    print(f"{outcome.verdict} (onnxruntime: {outcome.ort}, {outcome.seconds:.1f} s)")
    print(outcome.message or outcome.detail)
    return 1 if outcome.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
