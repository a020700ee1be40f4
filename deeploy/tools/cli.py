"""deeploy: compile ONNX networks to C, or compile-build-run-compare them.

    deeploy compile model.onnx --target generic -o out/
    deeploy run path/to/test_folder --target generic --json
    deeploy run model.onnx            # random inputs, onnxruntime reference

Exit codes: 0 success (outputs match), 1 outputs differ, 2 the model or options were
rejected, 3 internal error (a compiler bug: please report it with the model).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_MISMATCH, EXIT_REJECTED, EXIT_INTERNAL = 0, 1, 2, 3


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target",
        default="generic",
        help="compilation target (default: generic; see `deeploy targets`)",
    )
    parser.add_argument(
        "--name",
        help="network name, the prefix of every generated C symbol (default: the file name)",
    )
    parser.add_argument(
        "--input-shape",
        action="append",
        default=[],
        metavar="NAME=DIMS",
        help="fix the shape of an input with dynamic dimensions, e.g. --input-shape input=1x3x32x32 (repeatable)",
    )
    parser.add_argument(
        "--input-type",
        action="append",
        default=[],
        metavar="NAME=TYPE",
        help="the integer type (int8, uint8, int16, uint16, int32) of an input stored as float, "
        "which makes the network an integer network (repeatable; `run` on a test folder "
        "infers it from inputs.npz as Deeploy does)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print a JSON report as the last line of stdout"
    )
    memory = parser.add_argument_group(
        "memory hierarchy",
        "With --l1, every layer runs tile by tile in an L1 scratchpad of that size, tiles "
        "moving by DMA from the home level; without it, the network is not tiled.",
    )
    memory.add_argument("--l1", type=_bytes, metavar="BYTES", help="L1 scratchpad size")
    memory.add_argument(
        "--l2",
        type=_bytes,
        metavar="BYTES",
        help="L2 (main memory) size (default: 1,024,000 as in Deeploy; on cortex-m4 the "
        "SRAM, 256 KiB); on a microcontroller target also without --l1",
    )
    memory.add_argument("--l3", type=_bytes, metavar="BYTES", help="L3 size (default: 8 MiB)")
    memory.add_argument(
        "--home",
        choices=("L2", "L3"),
        help="where tensors and weights live (default: L2; L3 stages tiles through L2)",
    )
    parser.add_argument(
        "--profile-layers",
        action="store_true",
        help="make the generated code print each layer's instruction count (targets whose "
        "programs can read a counter: rv32); `run` reports them",
    )
    memory.add_argument(
        "--double-buffer",
        action="store_true",
        help="overlap the loads of the next tile with the computation of the current one",
    )
    memory.add_argument(
        "--no-fuse-layers",
        dest="fuse_layers",
        action="store_false",
        help="tile strictly layer by layer, as Deeploy does (default: a layer and the "
        "pointwise layers after it run together in L1 when that moves less)",
    )


def _bytes(text: str) -> int:
    """A byte count: 8800, 64000, 64k (x1000), 64KiB (x1024), 1M/1MiB."""
    units = {"": 1, "k": 1000, "kb": 1000, "kib": 1024, "m": 10**6, "mb": 10**6, "mib": 2**20}
    number = text.strip().lower().replace("_", "").replace(",", "")
    digits = number.rstrip("abcdefghijklmnopqrstuvwxyz")
    unit = number[len(digits) :]
    if not digits.isdigit() or unit not in units or int(digits) <= 0:
        raise argparse.ArgumentTypeError(f"'{text}' is not a byte count (e.g. 8800, 64k, 256KiB)")
    return int(digits) * units[unit]


def memory_config(args: argparse.Namespace) -> Any:
    """The MemoryConfig the options describe (None: untiled); hierarchy options without
    --l1 are an error, not silently ignored."""
    from deeploy.errors import OptionError
    from deeploy.targets.base import MemoryConfig

    extras = [
        flag
        for flag, value in (
            ("--l2", args.l2),
            ("--l3", args.l3),
            ("--home", args.home),
            ("--double-buffer", args.double_buffer or None),
            ("--no-fuse-layers", None if args.fuse_layers else True),
        )
        if value is not None
    ]
    if args.l1 is None:
        if getattr(args, "target", "generic") != "generic" and extras == ["--l2"]:
            return None  # a microcontroller's main memory: see main_memory()
        if extras:
            raise OptionError(f"{', '.join(extras)}: only for a memory hierarchy; give --l1 too")
        return None
    config: dict[str, Any] = {
        "l1": args.l1,
        "double_buffer": args.double_buffer,
        "fuse_layers": args.fuse_layers,
    }
    for key in ("l2", "l3", "home"):
        if getattr(args, key) is not None:
            config[key] = getattr(args, key)
    return MemoryConfig(**config)


def target_options(args: argparse.Namespace) -> dict[str, Any]:
    """deeploy.compile's memory options: the hierarchy, or a microcontroller's main memory."""
    memory = memory_config(args)
    return {
        "memory": memory,
        "l2": args.l2 if memory is None else None,
        "profile_layers": args.profile_layers,
    }


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="deeploy", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    comp = sub.add_parser(
        "compile", help="compile an ONNX model to C sources, a header and a Makefile"
    )
    comp.add_argument("model", help="the .onnx file")
    comp.add_argument("-o", "--output", default="out", help="output folder (default: out/)")
    comp.add_argument(
        "--dump-ir", metavar="DIR", help="write the IR after the import and after every pass to DIR"
    )
    comp.add_argument(
        "--memory-map",
        metavar="OUT.json",
        help="write every buffer's level, offset, size and lifetime (steps) as JSON",
    )
    comp.add_argument(
        "--memory-plot",
        metavar="OUT.png",
        help="draw the memory map: time on x, address on y, one box per buffer per level "
        "(needs matplotlib)",
    )
    _common(comp)

    run = sub.add_parser(
        "run", help="compile, build and run a network and compare its outputs with a reference"
    )
    run.add_argument(
        "path", help="a test folder (network.onnx, inputs.npz, outputs.npz) or an .onnx file"
    )
    run.add_argument(
        "--work-dir",
        help="keep the generated sources and binary here (default: a temporary folder)",
    )
    run.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of the random inputs for a bare .onnx file (default: 0)",
    )
    run.add_argument(
        "--atol",
        type=float,
        default=1e-4,
        help="absolute tolerance for float outputs (default: 1e-4)",
    )
    run.add_argument(
        "--rtol",
        type=float,
        default=4 * 2.0**-23,
        help="relative tolerance for float outputs, added to --atol (default: 4 float32 ulp)",
    )
    run.add_argument(
        "--count-instructions",
        action="store_true",
        help="count the instructions of one inference with valgrind callgrind (adds `instructions` and `ops`)",
    )
    run.add_argument(
        "--cflags", default="", help="extra flags for the target's C compiler, e.g. '-O3'"
    )
    _common(run)

    sub.add_parser("targets", help="list the available targets")
    return parser


def _input_types(args: argparse.Namespace) -> dict[str, str]:
    from deeploy.integer_types import parse_input_types

    return parse_input_types(args.input_type)


def _emit_json(payload: dict[str, Any]) -> None:
    print(json.dumps(payload, sort_keys=False))


def cmd_compile(args: argparse.Namespace) -> int:
    import deeploy
    from deeploy.frontend.onnx_import import parse_input_shapes
    from deeploy.report import format_summary

    result = deeploy.compile(
        args.model,
        target=args.target,
        name=args.name,
        input_shapes=parse_input_shapes(args.input_shape),
        input_types=_input_types(args),
        keep_stages=bool(args.dump_ir),
        **target_options(args),
        memory_map=bool(args.memory_map or args.memory_plot),
    )
    _note_promotions(result.report)
    with _writing("-o/--output", args.output):
        written = result.write(args.output)
    _write_memory_map(result, args.memory_map, args.memory_plot)
    if args.dump_ir:
        _dump_stages(result, Path(args.dump_ir))
    print(format_summary(result.report))
    scripts = "".join(f", {p.name}" for p in written if p.suffix == ".ld")
    print(
        f"wrote {len(written)} files to {args.output}/ ({result.header}, {result.source}, "
        f"Makefile{scripts}, runtime/)"
    )
    if args.json:
        _emit_json(result.report)
    return EXIT_OK


def _write_memory_map(result: Any, json_path: str | None, plot_path: str | None) -> None:
    if json_path is None and plot_path is None:
        return
    if result.memory_map is None:
        from deeploy.errors import OptionError

        raise OptionError("--memory-map/--memory-plot: the pipeline ran no verify-memory-plan")
    if json_path:
        with _writing("--memory-map", json_path):
            Path(json_path).write_text(json.dumps(result.memory_map, indent=1) + "\n")
        print(f"wrote the memory map to {json_path}")
    if plot_path:
        from deeploy.memory_map import plot_memory_map

        with _writing("--memory-plot", plot_path):
            plot_memory_map(result.memory_map, plot_path)
        print(f"drew the memory map in {plot_path}")


@contextmanager
def _writing(option: str, path: str) -> Iterator[None]:
    """An output path the user gave that cannot be written is a user error, not a bug."""
    try:
        yield
    except OSError as err:
        from deeploy.errors import OptionError

        raise OptionError(f"{option}: cannot write {path}: {err.strerror or err}") from None


def _note_promotions(report: dict[str, Any]) -> None:
    promoted = report.get("promoted_to_float32")
    if promoted:
        print(
            f"note: {', '.join(promoted)} declared float16/bfloat16: computed and passed as float32",
            file=sys.stderr,
        )


def _dump_stages(result: Any, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    # the passes that ran (input types and profiling add passes or options)
    pipeline = result.pipeline
    for i, (stage, text) in enumerate(result.stages.items()):
        (folder / f"{i:02d}-{stage}.mlir").write_text(text)
    lines = ["# replay any stage: deeploy-opt NN-stage.mlir -p '<passes after it>' -t c"]
    for stage in result.stages:
        rest = pipeline if stage == "import" else pipeline.after(stage)
        lines.append(f"{stage}: {rest}")
    (folder / "pipeline.txt").write_text("\n".join(lines) + "\n")


def cmd_run(args: argparse.Namespace) -> int:
    from deeploy.errors import ModelError
    from deeploy.frontend.onnx_import import parse_input_shapes
    from deeploy.harness import runner

    path = Path(args.path)
    if path.is_dir():
        model = path / "network.onnx"
        for needed in (model, path / "inputs.npz", path / "outputs.npz"):
            if not needed.exists():
                raise ModelError(f"{path} is not a test folder: {needed.name} is missing")
        label = str(path)
    elif path.exists():
        model = path
        label = path.stem
    else:
        raise ModelError(f"{path}: no such file or folder")

    shapes = parse_input_shapes(args.input_shape)
    input_types, inferred = _input_types(args), False
    if not input_types and path.is_dir():
        input_types = runner.data_input_types(model, runner.load_npz(path / "inputs.npz"))
        inferred = bool(input_types)
    print(f"compiling {model} for {args.target} ...", flush=True)
    result = runner.compile_typed(
        model,
        input_types,
        inferred,
        target=args.target,
        name=args.name,
        input_shapes=shapes,
        **target_options(args),
    )
    _note_promotions(result.report)
    specs = result.report["inputs"]
    if path.is_dir():
        inputs = runner.fit_inputs(
            runner.load_npz(path / "inputs.npz"), specs, str(path / "inputs.npz")
        )
        expected = runner.load_npz(path / "outputs.npz")
        if len(expected) < len(result.report["outputs"]):
            raise ModelError(
                f"{path / 'outputs.npz'} holds fewer arrays than the network has outputs"
            )
        expected = expected[: len(result.report["outputs"])]
    else:
        inputs = runner.random_inputs(specs, args.seed)
        expected = runner.onnxruntime_reference(model, inputs, [s["name"] for s in specs], shapes)

    with tempfile.TemporaryDirectory(prefix="deeploy-run-") as tmp:
        work = Path(args.work_dir) if args.work_dir else Path(tmp)
        print(f"building and running in {work} ...", flush=True)
        outcome = runner.build_and_run(result, inputs, work, extra_cflags=args.cflags.split())
        comparison = runner.compare(outcome.outputs, expected, args.atol, args.rtol)
        instructions = outcome.instructions  # counted by the target itself (rv32, cortex-m4)
        if args.count_instructions and instructions is None:
            from deeploy.harness.callgrind import instructions_of

            print("counting instructions with callgrind ...", flush=True)
            instructions = instructions_of(outcome.binary, f"{result.network}_run")

    verdict = "PASSED" if comparison.passed else "FAILED"
    print(
        f"{verdict}: {comparison.errors} of {comparison.total} elements outside tolerance "
        f"(max abs error {comparison.max_abs_error:.3g}); arena "
        + ", ".join(f"{k} {v:,} B" for k, v in result.report["memory"].items())
    )
    if instructions is not None:
        macs = result.report["macs"]
        per_mac = f" ({instructions / macs:.2f} per MAC)" if macs else ""
        print(f"one inference: {instructions:,} instructions{per_mac}")
    elif result.target == "cortex-m4":
        print(
            "note: instructions not counted: QEMU's plugin header is missing "
            "(runtime/platform/qemu/fetch-plugin-header.sh fetches it)",
            file=sys.stderr,
        )
    layers = runner.parse_layers(outcome.stdout)
    for layer in layers:
        print(f"  layer {layer['index']:3d} {layer['name']:40s} {layer['instructions']:>14,}")
    if args.json:
        payload = run_report(label, result, comparison, outcome, instructions)
        if layers:
            payload["layer_instructions"] = layers
        _emit_json(payload)
    return EXIT_OK if comparison.passed else EXIT_MISMATCH


def run_report(
    label: str, result: Any, comparison: Any, outcome: Any, instructions: int | None
) -> dict[str, Any]:
    """The `deeploy run --json` object (its field names are a stable interface)."""
    report = result.report
    payload = {
        "network": label,
        "target": result.target,
        "passed": comparison.passed,
        "errors": comparison.errors,
        "total": comparison.total,
        "max_abs_error": comparison.max_abs_error,
        "compile_seconds": report["compile_seconds"],
        "build_seconds": round(outcome.build_seconds, 4),
        "run_seconds": round(outcome.run_seconds, 4),
        "memory": report["memory"],
        "live_set_bound": report["live_set_bound"],
        "ram_bytes": report["ram_bytes"],
        "weights_bytes": report["weights_bytes"],
        "io_bytes": report["io_bytes"],
        "layers": report["layers"],
        "macs": report["macs"],
        "kernels": report["kernels"],
        "outputs": comparison.per_output,
    }
    if instructions is not None:
        payload["instructions"] = instructions
        payload["ops"] = report["ops"]
    if "promoted_to_float32" in report:
        payload["promoted_to_float32"] = report["promoted_to_float32"]
    if "tiling" in report:
        payload["tiles"] = report["tiles"]
        payload["dma"] = outcome.dma  # measured by the DMA layer: transfers and bytes
        payload["tiling"] = report["tiling"]
    if "levels" in report:
        payload["levels"] = report["levels"]
    return payload


def cmd_targets(args: argparse.Namespace) -> int:
    from deeploy.targets import get_target, target_names

    for name in target_names():
        print(f"{name:10s} {get_target(name).description}")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from deeploy.errors import DeeployError
    from deeploy.harness.runner import BuildError

    handlers = {"compile": cmd_compile, "run": cmd_run, "targets": cmd_targets}
    started = time.perf_counter()
    try:
        return handlers[args.command](args)
    except DeeployError as err:
        print(f"deeploy: error: {err}", file=sys.stderr)
        if getattr(args, "json", False):
            _emit_json({"error": str(err), "exit_code": EXIT_REJECTED})
        return EXIT_REJECTED
    except BuildError as err:
        print(
            f"deeploy: internal error: {err}\n(this is a compiler bug; please report it with the model)",
            file=sys.stderr,
        )
        if getattr(args, "json", False):
            _emit_json({"error": str(err).splitlines()[0], "exit_code": EXIT_INTERNAL})
        return EXIT_INTERNAL
    except (
        Exception
    ) as err:  # anything else is a compiler bug: say so, keep the trace for the report
        import traceback

        traceback.print_exc()
        print(
            f"deeploy: internal error: {type(err).__name__}: {err}\n(this is a compiler bug; please report it with the model)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
    except KeyboardInterrupt:
        print(f"deeploy: interrupted after {time.perf_counter() - started:.1f} s", file=sys.stderr)
        return 130


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
