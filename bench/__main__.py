"""Benchmark the compiler on Deeploy's test networks and compare with Deeploy's figures.

    python -m bench                                   # everything, a few minutes
    python -m bench --networks GEMM CCT --repeat 1    # a subset, quicker
    python -m bench --plot-to docs/benchmark.png      # also copy the plot for the README

Prints the tables on stdout and progress on stderr; writes bench.json and bench.png to
--out (default bench/results/).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from bench.bars import load_bars
from bench.plot import plot_ratios
from bench.report import json_report, text_report, write_json
from bench.suite import DEFAULT_BARS, DEFAULT_TESTS, PROJECT, Options, run_suite


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--networks",
        nargs="+",
        metavar="SUBSTRING",
        help="only the networks whose test folder contains one of these substrings",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        metavar="N",
        help="compile timings per network, the best is kept (default: 3)",
    )
    parser.add_argument("--no-o3", action="store_true", help="skip the -O3 build and count")
    parser.add_argument(
        "--no-instructions",
        action="store_true",
        help="do not count instructions with callgrind (fast; builds and runs still checked)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=PROJECT / "bench" / "results",
        help="folder for bench.json and bench.png (default: bench/results/)",
    )
    parser.add_argument(
        "--plot-to",
        type=Path,
        action="append",
        default=[],
        metavar="PNG",
        help="also write the plot here, e.g. docs/benchmark.png (repeatable)",
    )
    parser.add_argument(
        "--bars",
        type=Path,
        default=DEFAULT_BARS,
        help="the notes file with Deeploy's figures (default: ../shared/notes/bars-to-beat.md)",
    )
    parser.add_argument(
        "--tests",
        type=Path,
        default=DEFAULT_TESTS,
        help="Deeploy's test networks (default: $DEEPLOY_TESTS, else ../shared/deeploy-tests)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not args.tests.is_dir():
        print(f"bench: no test networks at {args.tests} (see --tests)", file=sys.stderr)
        return 2
    bars = load_bars(args.bars)
    if bars is None:
        print(f"bench: {args.bars} not found: no Deeploy comparison", file=sys.stderr)
    options = Options(
        tests_dir=args.tests,
        repeat=args.repeat,
        count_instructions=not args.no_instructions,
        o3=not args.no_o3,
    )

    def progress(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    suite = run_suite(bars, options, args.networks, progress)
    print(text_report(suite, with_deeploy=bars is not None))
    document = json_report(
        suite,
        args.bars if bars is not None else None,
        {
            "networks": args.networks,
            "repeat": args.repeat,
            "o3": options.o3,
            "count_instructions": options.count_instructions,
        },
    )
    json_path = args.out / "bench.json"
    write_json(document, json_path)
    print(f"results written to {json_path}", file=sys.stderr)
    print(plot_ratios(suite.rows, args.out / "bench.png", args.plot_to), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
