"""deeploy: compile ONNX networks to C, or compile-build-run-compare them.

    deeploy compile model.onnx --target generic -o out/
    deeploy run path/to/test_folder --target generic --json
    deeploy run model.onnx            # random inputs, onnxruntime reference

Exit codes: 0 success (outputs match), 1 outputs differ, 2 the model, a file or an option
was rejected (one line on stderr naming it), 3 internal error (a compiler bug, including a
sanitizer report from the generated code: please report it with the model).
"""

from __future__ import annotations

import argparse
import io
import json
import math
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from deeploy.tools.messages import lines, one_line

if TYPE_CHECKING:
    import onnx

EXIT_OK, EXIT_MISMATCH, EXIT_REJECTED, EXIT_INTERNAL = 0, 1, 2, 3
MAX_OPTION_BYTES = 2**40  # 1 TiB: more than any memory level a network is compiled for
REPORT_BUG = "(this is a compiler bug; please report it with the model)"


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad option is one line on stderr (no usage block), like every
    other user error."""

    def error(self, message: str) -> NoReturn:
        print(
            f"deeploy: error: {one_line(message)} (see `{one_line(self.prog)} --help`)",
            file=sys.stderr,
        )
        sys.exit(EXIT_REJECTED)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target",
        default="generic",
        help="compilation target (default: generic; see `deeploy targets`)",
    )
    parser.add_argument(
        "--march",
        type=_march,
        metavar="ARCH",
        help="generic target: build for this CPU (the host compiler's -march, e.g. native, "
        "x86-64-v3) with fused multiply-adds where it has them (-ffp-contract=fast); the "
        "program then needs such a CPU. Also in the exported Makefile's CFLAGS",
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
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="name each pass on stderr as it finishes, with its time",
    )
    parser.add_argument(
        "--timings",
        action="store_true",
        help="print the time of each pass on stderr after compiling, slowest first (the JSON "
        "report's pass_seconds has them in order)",
    )
    parser.add_argument(
        "--quiet", action="store_true", help="no progress lines (compiling ..., building ...)"
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
        type=_level_name,
        metavar="LEVEL",
        help="the memory level tensors and weights live in (default: L2; L3 stages tiles "
        "through L2; on other targets, any level of theirs)",
    )
    parser.add_argument(
        "--profile-layers",
        action="store_true",
        help="bracket every layer of the generated code with counter markers; `run` counts "
        "each layer's instructions on every target (rv32: minstret, cortex-m4: the QEMU "
        "plugin, generic: valgrind's callgrind, building without the sanitizers) and prints "
        "the per-layer table (MACs, instructions, bytes, buffers, tiling; `layer_report` in "
        "--json)",
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
        help="tile strictly layer by layer, as Deeploy does, activations included (default: "
        "a layer and the pointwise layers after it run together in L1 when that moves less, "
        "and a Relu/Clip after a convolution or Gemm runs in its kernel)",
    )


def _march(text: str) -> str:
    """A -march value: a CPU or architecture name, nothing a shell or make would read."""
    import re

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}", text):
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a CPU name (letters, digits, '_', '.', '+', '-')"
        )
    return text


def march_cflags(args: argparse.Namespace) -> list[str]:
    """The compiler flags --march adds (none without it)."""
    return [f"-march={args.march}", "-ffp-contract=fast"] if args.march else []


def _check_march(args: argparse.Namespace) -> None:
    from deeploy.errors import OptionError
    from deeploy.targets import get_target

    if args.march and get_target(args.target).mcu is not None:
        raise OptionError(
            f"--march applies to the generic target; {args.target} builds for its own core"
        )


def _bytes(text: str) -> int:
    """A byte count: 8800, 64000, 64k (x1000), 64KiB (x1024), 1M/1MiB; at most 1 TiB."""
    units = {"": 1, "k": 1000, "kb": 1000, "kib": 1024, "m": 10**6, "mb": 10**6, "mib": 2**20}
    number = text.strip().lower().replace("_", "").replace(",", "")
    digits = number.rstrip("abcdefghijklmnopqrstuvwxyz")
    unit = number[len(digits) :]
    # ASCII only: str.isdigit() also accepts superscripts and other scripts' digits
    if not (digits.isascii() and digits.isdigit()) or unit not in units or int(digits) <= 0:
        raise argparse.ArgumentTypeError(f"'{text}' is not a byte count (e.g. 8800, 64k, 256KiB)")
    value = int(digits) * units[unit]
    if value > MAX_OPTION_BYTES:
        raise argparse.ArgumentTypeError(
            f"'{text}' is more than {MAX_OPTION_BYTES:,} bytes (1 TiB), the most a memory "
            "level may have"
        )
    return value


def _tolerance(text: str) -> float:
    """A comparison tolerance: finite and >= 0 (NaN would make every comparison pass)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"'{text}' is not a finite number >= 0")
    return value


def _seed(text: str) -> int:
    """A random seed: an integer >= 0 (numpy's generators take no negative seed)."""
    stripped = text.strip()
    if not (stripped.isascii() and stripped.isdigit()) or len(stripped) > 40:
        raise argparse.ArgumentTypeError(f"'{text}' is not an integer from 0 to 10**40")
    return int(stripped)


def _level_name(text: str) -> str:
    """A memory level's name (which levels exist depends on the target: checked later)."""
    from deeploy.dialects.target import LEVEL_NAME

    if not LEVEL_NAME.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a memory level's name (letters, digits and _, e.g. L2)"
        )
    return text


def _path(text: str) -> str:
    """A path: an empty one would mean the current folder, silently."""
    if not text:
        raise argparse.ArgumentTypeError("the path is empty")
    if "\0" in text:
        raise argparse.ArgumentTypeError(f"'{text}' holds a NUL character")
    return text


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
        "on_pass": _print_pass if args.verbose else None,
    }


def _print_pass(name: str, seconds: float) -> None:
    print(f"  {name:28s} {seconds:8.3f} s", file=sys.stderr, flush=True)


def _print_timings(args: argparse.Namespace, report: dict[str, Any]) -> None:
    """--timings: the passes, slowest first, and their share of the compile time."""
    if not args.timings:
        return
    timings = sorted(report.get("pass_seconds", []), key=lambda entry: -entry[1])
    total = sum(seconds for _, seconds in timings) or 1.0
    print(f"time per pass ({total:.3f} s in passes):", file=sys.stderr)
    for name, seconds in timings:
        print(f"  {name:28s} {seconds:8.3f} s {100 * seconds / total:5.1f} %", file=sys.stderr)


def _progress_bars(args: argparse.Namespace) -> Any:
    """Progress bars of long steps on a terminal's stderr, unless --quiet."""
    from contextlib import nullcontext

    from deeploy import progress

    if args.quiet or not sys.stderr.isatty():
        return nullcontext()
    return progress.enabled(sys.stderr)


def _progress(args: argparse.Namespace, text: str) -> None:
    if not args.quiet:
        print(one_line(text), flush=True)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="deeploy", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    comp = sub.add_parser(
        "compile",
        help="compile an ONNX model to a project: C sources, a header, the runtime files, "
        "main.c (one inference on test inputs) and a Makefile (make; make run)",
    )
    comp.add_argument(
        "model",
        type=_path,
        help="the .onnx file, or a test folder (network.onnx, inputs.npz): main.c then runs "
        "on its inputs, and integer data makes an integer network, as in deeploy run",
    )
    comp.add_argument(
        "-o", "--output", type=_path, default="out", help="output folder (default: out/)"
    )
    comp.add_argument(
        "--dump-ir",
        type=_path,
        metavar="DIR",
        help="write the IR after the import and after every pass to DIR",
    )
    comp.add_argument(
        "--memory-map",
        type=_path,
        metavar="OUT.json",
        help="write every buffer's level, offset, size and lifetime (steps) as JSON",
    )
    comp.add_argument(
        "--memory-plot",
        type=_path,
        metavar="OUT.png",
        help="draw the memory map: time on x, address on y, one box per buffer per level "
        f"(needs matplotlib; the file name ends in {', '.join(PLOT_FORMATS)})",
    )
    comp.add_argument(
        "--seed",
        type=_seed,
        default=0,
        help="seed (>= 0) of main.c's random inputs for a bare .onnx file (default: 0, as "
        "deeploy run)",
    )
    _common(comp)

    run = sub.add_parser(
        "run", help="compile, build and run a network and compare its outputs with a reference"
    )
    run.add_argument(
        "path",
        type=_path,
        help="a test folder (network.onnx, inputs.npz, outputs.npz) or an .onnx file; the "
        "arrays of inputs.npz and outputs.npz are matched to the network's inputs and outputs "
        "by name when they are named after them, else by position",
    )
    run.add_argument(
        "--work-dir",
        type=_path,
        help="keep the generated sources and binary here (default: a temporary folder)",
    )
    run.add_argument(
        "--seed",
        type=_seed,
        default=0,
        help="seed (>= 0) of the random inputs for a bare .onnx file (default: 0)",
    )
    run.add_argument(
        "--atol",
        type=_tolerance,
        default=None,
        help="absolute tolerance for float outputs, finite and >= 0 (default: 1e-4, and one "
        "quantisation step for an output a DequantizeLinear produces)",
    )
    run.add_argument(
        "--rtol",
        type=_tolerance,
        default=4 * 2.0**-23,
        help="relative tolerance for float outputs, added to --atol (default: 4 float32 ulp)",
    )
    run.add_argument(
        "--float-model",
        type=_path,
        metavar="FLOAT.onnx",
        help="the float network the model was quantised from: onnxruntime runs it on the "
        "same inputs, and each output's deviation from it is reported (max and mean abs "
        "error, argmax agreement along the last axis; JSON: float_model), beside the usual "
        "check, which alone decides the exit code",
    )
    run.add_argument(
        "--no-sanitize",
        dest="sanitize",
        action="store_false",
        help="on the host (generic), build without -Werror and without AddressSanitizer and "
        "UBSan (default: -Werror -g -fsanitize=address,undefined -fno-sanitize-recover=all; "
        "a sanitizer report is a compiler bug, exit code 3); microcontroller targets build "
        "as always",
    )
    run.add_argument(
        "--count-instructions",
        action="store_true",
        help="count the instructions of one inference with valgrind callgrind (adds "
        "`instructions` and `ops`); builds without the sanitizers, which callgrind cannot run",
    )
    run.add_argument(
        "--cflags",
        default="",
        help="extra flags for the target's C compiler, e.g. '-O3' (passed as given)",
    )
    _common(run)

    sub.add_parser("targets", help="list the available targets")
    return parser


def _input_types(args: argparse.Namespace) -> dict[str, str]:
    from deeploy.integer_types import parse_input_types

    return parse_input_types(args.input_type)


def _emit_json(payload: dict[str, Any]) -> None:
    print(json.dumps(payload, sort_keys=False))


# -- reading the model and checking output paths ----------------------------------------

PLOT_FORMATS = ("png", "pdf", "svg", "svgz", "jpg", "jpeg", "tif", "tiff", "webp", "eps", "ps")


@dataclass
class _Model:
    """The model the user named, read once (a regular file, bounded) and parsed."""

    path: Path
    proto: onnx.ModelProto
    external: bool  # tensors kept in files beside the model

    def source(self) -> Any:
        """What deeploy.compile gets: the parsed model (each compilation copies it), or,
        for tensors in external files, the path, so that the frontend loads and checks
        them relative to the model's folder."""
        return self.path if self.external else self.proto

    @property
    def name(self) -> str:
        return self.path.stem  # deeploy.compile's default name for a model given by path


def _read_model(path: Path) -> _Model:
    import onnx
    from google.protobuf.message import DecodeError

    from deeploy.errors import ModelError
    from deeploy.frontend.onnx_import import load_model
    from deeploy.input_files import read_input_file

    data = read_input_file(path, "model")
    try:
        proto = onnx.load_from_string(data)
    except (DecodeError, RuntimeError, ValueError) as err:
        raise ModelError(f"{path} is not a valid ONNX model ({err.__class__.__name__})") from None
    external = any(t.data_location == onnx.TensorProto.EXTERNAL for t in proto.graph.initializer)
    if not external:
        # the frontend's own checks and messages, naming the file
        stream = io.BytesIO(data)
        stream.name = str(path)
        proto = load_model(stream)
    return _Model(path, proto, external)


def _check_output_folder(option: str, path: str) -> None:
    from deeploy.errors import OptionError

    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise OptionError(f"{option}: {path} exists and is not a folder")


def _check_output_file(option: str, path: str) -> None:
    from deeploy.errors import OptionError

    if Path(path).is_dir():
        raise OptionError(f"{option}: {path} is a folder; give a file name")


def _check_plot_path(path: str) -> None:
    from deeploy.errors import OptionError

    _check_output_file("--memory-plot", path)
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in PLOT_FORMATS:
        raise OptionError(
            f"--memory-plot: cannot draw '{Path(path).name}': the file name must end in "
            f"{', '.join('.' + f for f in PLOT_FORMATS)}"
        )


def _check_compile_outputs(args: argparse.Namespace) -> None:
    """Output paths are checked before compiling, which may take minutes."""
    _check_output_folder("-o/--output", args.output)
    if args.dump_ir:
        _check_output_folder("--dump-ir", args.dump_ir)
    if args.memory_map:
        _check_output_file("--memory-map", args.memory_map)
    if args.memory_plot:
        _check_plot_path(args.memory_plot)


# -- compile -----------------------------------------------------------------------------


def cmd_compile(args: argparse.Namespace) -> int:
    from deeploy.errors import DeeployError
    from deeploy.harness import runner
    from deeploy.report import format_summary

    _check_compile_outputs(args)
    _check_march(args)
    data = _run_data(Path(args.model), need_outputs=False)
    result = _compile_network(
        args,
        data,
        keep_stages=bool(args.dump_ir),
        memory_map=bool(args.memory_map or args.memory_plot),
    )
    main = None
    try:
        runner.check_run_data(result)  # before drawing inputs of a size it refuses
        main = runner.test_program(result, _test_inputs(data, result, args.seed))
    except DeeployError as err:  # the library is still useful without a test program
        print(one_line(f"note: no main.c: {err}"), file=sys.stderr)
    with _writing("-o/--output", args.output):
        written = result.write(args.output, main=main, cflags=march_cflags(args))
    _write_memory_map(result, args.memory_map, args.memory_plot)
    if args.dump_ir:
        with _writing("--dump-ir", args.dump_ir):
            _dump_stages(result, Path(args.dump_ir))
    print(format_summary(result.report))
    named = [result.header, result.source] + [
        p.name for p in written if p.name == "main.c" or p.suffix == ".ld"
    ]
    folder = args.output.rstrip("/") or "/"
    print(
        one_line(
            f"wrote {len(written)} files to {folder}/ ({', '.join(named)}, Makefile, "
            f"runtime/){'; make -C ' + folder + ' run runs it' if main else ''}"
        )
    )
    if args.json:
        _emit_json(result.report)
    return EXIT_OK


def _compile_network(args: argparse.Namespace, data: _RunData, **options: Any) -> Any:
    """The network as `compile` and `run` build it: input types from --input-type, else
    inferred from a test folder's integer data (as Deeploy does); notes and --timings on
    stderr."""
    from deeploy.frontend.onnx_import import parse_input_shapes
    from deeploy.harness import runner, test_data

    input_types, inferred = _input_types(args), False
    if not input_types and data.inputs is not None:
        input_types = test_data.data_input_types(data.model.proto, data.inputs)
        inferred = bool(input_types)
    with _progress_bars(args):
        result = runner.compile_typed(
            data.model.source(),
            input_types,
            inferred,
            target=args.target,
            name=args.name if args.name is not None else data.model.name,
            input_shapes=parse_input_shapes(args.input_shape),
            **target_options(args),
            **options,
        )
    _print_notes(result.report)
    _print_timings(args, result.report)
    return result


def _test_inputs(data: _RunData, result: Any, seed: int) -> list[Any]:
    """main.c's inputs: a test folder's (as deeploy run matches them), else the random
    inputs deeploy run draws with the same seed."""
    from deeploy.harness import test_data

    specs = result.report["inputs"]
    if data.inputs is None:
        return test_data.random_inputs(specs, seed)
    where = str(data.folder / "inputs.npz") if data.folder else "inputs.npz"
    inputs, _ = test_data.input_data(data.inputs, specs, where)
    return inputs


def _write_memory_map(result: Any, json_path: str | None, plot_path: str | None) -> None:
    if json_path is None and plot_path is None:
        return
    if result.memory_map is None:
        from deeploy.errors import OptionError

        raise OptionError("--memory-map/--memory-plot: the pipeline ran no verify-memory-plan")
    if json_path:
        with _writing("--memory-map", json_path):
            Path(json_path).write_text(json.dumps(result.memory_map, indent=1) + "\n")
        print(one_line(f"wrote the memory map to {json_path}"))
    if plot_path:
        from deeploy.memory_map import plot_memory_map

        with _writing("--memory-plot", plot_path):
            plot_memory_map(result.memory_map, plot_path)
        print(one_line(f"drew the memory map in {plot_path}"))


@contextmanager
def _writing(option: str, path: str) -> Iterator[None]:
    """An output path the user gave that cannot be written is a user error, not a bug."""
    try:
        yield
    except OSError as err:
        from deeploy.errors import OptionError

        raise OptionError(f"{option}: cannot write {path}: {err.strerror or err}") from None


def _print_notes(report: dict[str, Any]) -> None:
    """What the user should know about how the model was read (on stderr)."""
    promoted = report.get("promoted_to_float32")
    if promoted:
        names = one_line(", ".join(promoted))
        print(
            f"note: {names} declared float16/bfloat16: computed and passed as float32",
            file=sys.stderr,
        )
    for note in report.get("notes", []):
        print(f"note: {one_line(note)}", file=sys.stderr)


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


# -- run ---------------------------------------------------------------------------------


@dataclass
class _RunData:
    """What `deeploy run` compares against: a test folder's arrays, or none (random
    inputs and onnxruntime's outputs for a bare .onnx file)."""

    label: str
    model: _Model
    inputs: dict[str, Any] | None = None  # key -> array, in the file's order
    outputs: dict[str, Any] | None = None
    folder: Path | None = None


def _run_data(path: Path, need_outputs: bool = True) -> _RunData:
    from deeploy.errors import ModelError
    from deeploy.harness import test_data

    if path.is_dir():
        model = path / "network.onnx"
        needs = (model, path / "inputs.npz", *([path / "outputs.npz"] if need_outputs else []))
        for needed in needs:
            if not needed.exists():
                raise ModelError(f"{path} is not a test folder: {needed.name} is missing")
        outputs = path / "outputs.npz"
        return _RunData(
            str(path),
            _read_model(model),
            test_data.read_npz(path / "inputs.npz"),
            test_data.read_npz(outputs) if outputs.exists() else None,
            path,
        )
    return _RunData(path.stem, _read_model(path))


def _host_cflags(args: argparse.Namespace, target: str) -> list[str]:
    """-Werror and the sanitizers on the host, unless --no-sanitize; not with
    --count-instructions: callgrind cannot run a sanitized binary, and the frame pointer
    would change the count."""
    from deeploy.harness.runner import HOST_CHECK_CFLAGS, SANITIZER_CFLAGS
    from deeploy.targets import get_target

    if get_target(target).mcu is not None or not args.sanitize:
        return []
    if args.count_instructions or args.profile_layers:
        return ["-Werror"]
    return [*HOST_CHECK_CFLAGS, *SANITIZER_CFLAGS]


def cmd_run(args: argparse.Namespace) -> int:
    from deeploy.frontend.onnx_import import parse_input_shapes
    from deeploy.harness import float_model, runner
    from deeploy.harness.compare import compare

    if args.work_dir:
        _check_output_folder("--work-dir", args.work_dir)
    _check_march(args)
    if args.profile_layers and _counts_with_callgrind(args.target):
        from deeploy.harness.callgrind import require_valgrind

        require_valgrind(f"--profile-layers on {args.target}")  # before minutes of work
    data = _run_data(Path(args.path))
    shapes = parse_input_shapes(args.input_shape)
    floating = float_model.load(args.float_model) if args.float_model else None
    _progress(args, f"compiling {data.model.path} for {args.target} ...")
    result = _compile_network(args, data)
    runner.check_run_data(result)
    inputs, expected = _inputs_and_reference(data, result, args.seed, shapes)
    # before building: a float model that does not fit fails fast
    float_outputs = float_model.outputs(floating, inputs, result.report) if floating else None

    with tempfile.TemporaryDirectory(prefix="deeploy-run-") as tmp:
        work = Path(args.work_dir) if args.work_dir else Path(tmp)
        _prepare_work_dir(work)
        _progress(args, f"building and running in {work} ...")
        cflags = [*_host_cflags(args, result.target), *march_cflags(args), *args.cflags.split()]
        with _progress_bars(args):
            outcome = _build_and_run(result, inputs, work, cflags)
        comparison = compare(
            outcome.outputs, expected, _atol(args), args.rtol, _dequantized_atol(args, data)
        )
        instructions = outcome.instructions  # counted by the target itself (rv32, cortex-m4)
        stdout = outcome.stdout
        if args.profile_layers and _counts_with_callgrind(result.target):
            from deeploy import progress
            from deeploy.harness.callgrind import layer_profile
            from deeploy.layer_report import add_layer_counts

            _progress(args, "counting each layer's instructions with callgrind ...")
            with _progress_bars(args), progress.waiting("running under callgrind"):
                instructions, counts = layer_profile(outcome.binary, f"{result.network}_run")
            stdout = add_layer_counts(stdout, counts)
        elif args.count_instructions and instructions is None:
            from deeploy import progress
            from deeploy.harness.callgrind import instructions_of

            _progress(args, "counting instructions with callgrind ...")
            with _progress_bars(args), progress.waiting("running under callgrind"):
                instructions = instructions_of(outcome.binary, f"{result.network}_run")

    _print_verdict(comparison, result.report)
    float_report = None
    if floating is not None and float_outputs is not None:
        float_report = float_model.report(floating, outcome.outputs, float_outputs, result.report)
        for entry in float_report["outputs"]:
            print(one_line(float_model.format_line(entry)))
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
    from deeploy.layer_report import format_table, with_instructions

    layers = runner.parse_layers(stdout)
    rows = with_instructions(result.report.get("layer_report", []), layers)
    if args.profile_layers:
        print(format_table(rows))
    if args.json:
        payload = run_report(data.label, result, comparison, outcome, instructions)
        payload["layer_report"] = rows
        counted = [layer for layer in layers if layer["instructions"] is not None]
        if counted:  # the field as it always was: the layers with a count
            payload["layer_instructions"] = counted
        if float_report is not None:
            payload["float_model"] = float_report
        _emit_json(payload)
    return EXIT_OK if comparison.passed else EXIT_MISMATCH


def _counts_with_callgrind(target: str) -> bool:
    """Whether the target's programs are counted from outside by callgrind (the host)."""
    from deeploy.targets import get_target

    return get_target(target).counter == "callgrind"


def _atol(args: argparse.Namespace) -> float:
    from deeploy.harness.compare import FLOAT_TOLERANCE

    return args.atol if args.atol is not None else FLOAT_TOLERANCE


def _dequantized_atol(args: argparse.Namespace, data: _RunData) -> list[float | None]:
    """One output step as the tolerance of outputs a DequantizeLinear produces (said on
    stderr), unless --atol was given."""
    from deeploy.harness.compare import dequantized_steps

    if args.atol is not None:
        return []
    steps = dequantized_steps(data.model.proto)
    names = [o.name for o in data.model.proto.graph.output]
    for name, step in zip(names, steps):
        if step is not None and step > _atol(args):
            print(
                one_line(
                    f"note: output '{name}' comes out of a DequantizeLinear: compared within "
                    f"one step, {step:.6g} (--atol to set a tolerance)"
                ),
                file=sys.stderr,
            )
    return steps


def _inputs_and_reference(
    data: _RunData, result: Any, seed: int, shapes: dict[str, tuple[int, ...]]
) -> tuple[list[Any], list[Any]]:
    """The inputs to run and the outputs to expect: a test folder's, checked against the
    network, or random inputs and onnxruntime's outputs."""
    from deeploy.harness import test_data

    specs = result.report["inputs"]
    if data.folder is None or data.inputs is None or data.outputs is None:
        inputs = test_data.random_inputs(specs, seed)
        names = [s["name"] for s in specs]
        model = data.model.source()
        return inputs, test_data.onnxruntime_reference(
            model, inputs, names, shapes, label=str(data.model.path)
        )
    where = str(data.folder / "inputs.npz")
    inputs, ignored = test_data.input_data(data.inputs, specs, where)
    if ignored:  # Deeploy's test suite keeps the network's parameters there too
        print(
            one_line(
                f"note: {where}: {len(ignored)} array(s) beyond the network's {len(specs)} "
                "input(s) not used"
            ),
            file=sys.stderr,
        )
    outputs_npz = str(data.folder / "outputs.npz")
    return inputs, test_data.expected_outputs(data.outputs, result.report["outputs"], outputs_npz)


def _prepare_work_dir(work: Path) -> None:
    import os

    from deeploy.errors import OptionError

    with _writing("--work-dir", str(work)):
        work.mkdir(parents=True, exist_ok=True)
    if not os.access(work, os.W_OK | os.X_OK):
        raise OptionError(f"--work-dir: cannot write in {work}: permission denied")


def _build_and_run(result: Any, inputs: list[Any], work: Path, cflags: list[str]) -> Any:
    from deeploy.errors import OptionError
    from deeploy.harness.runner import BuildError, build_and_run, sanitizer_unusable

    try:
        return build_and_run(result, inputs, work, extra_cflags=cflags)
    except BuildError as err:
        reason = sanitizer_unusable(str(err)) if "-fsanitize=address,undefined" in cflags else None
        if reason is None:
            raise
        raise OptionError(
            f"the host cannot build or run with AddressSanitizer/UBSan ({reason}); "
            "run again with --no-sanitize"
        ) from None


def _print_verdict(comparison: Any, report: dict[str, Any]) -> None:
    verdict = "PASSED" if comparison.passed else "FAILED"
    if comparison.nonfinite_errors:
        error = (
            f"max abs error unbounded: {comparison.nonfinite_errors} elements are NaN or "
            "infinite where the reference is not, or the other way round"
        )
    else:
        error = f"max abs error {comparison.max_abs_error:.3g}"
    print(
        f"{verdict}: {comparison.errors} of {comparison.total} elements outside tolerance "
        f"({error}); arena " + ", ".join(f"{k} {v:,} B" for k, v in report["memory"].items())
    )


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
        # null when unbounded (a NaN or infinity the reference does not have): JSON has
        # no NaN or Infinity
        "max_abs_error": _json_number(comparison.max_abs_error),
        "compile_seconds": report["compile_seconds"],
        "pass_seconds": report.get("pass_seconds", []),
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
        "outputs": [
            {**o, "max_abs_error": _json_number(o["max_abs_error"])} for o in comparison.per_output
        ],
    }
    if instructions is not None:
        payload["instructions"] = instructions
        payload["ops"] = report["ops"]
    for key in ("promoted_to_float32", "notes"):
        if key in report:
            payload[key] = report[key]
    if "tiling" in report:
        payload["tiles"] = report["tiles"]
        payload["dma"] = outcome.dma  # measured by the DMA layer: transfers and bytes
        payload["tiling"] = report["tiling"]
    if "levels" in report:
        payload["levels"] = report["levels"]
    return payload


def _json_number(value: float) -> float | None:
    return value if math.isfinite(value) else None


def cmd_targets(args: argparse.Namespace) -> int:
    from deeploy.targets import get_target, target_names

    for name in target_names():
        target = get_target(name)
        print(f"{name:10s} {target.description}")
        levels = []
        for position, level in enumerate(target.levels):
            roles = []
            if position == 0 and target.has_l1:
                roles.append("scratchpad, --l1")
            if level.name == target.home_level:
                roles.append("home")
            if level.size:
                roles.append(f"{level.size:,} B")
            levels.append(f"{level.name} ({', '.join(roles)})" if roles else level.name)
        print(f"{'':10s} levels: {', '.join(levels)}")
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
        return _rejected(args, str(err))
    except BuildError as err:
        return _internal(args, str(err))
    except Exception as err:  # anything else is a compiler bug: say so, keep the trace
        import traceback

        traceback.print_exc()
        return _internal(args, f"{type(err).__name__}: {err}")
    except KeyboardInterrupt:
        print(f"deeploy: interrupted after {time.perf_counter() - started:.1f} s", file=sys.stderr)
        return 130


def _rejected(args: argparse.Namespace, message: str) -> int:
    """A user error: one line, whatever the message quotes (see deeploy.tools.messages)."""
    print(f"deeploy: error: {one_line(message)}", file=sys.stderr)
    if getattr(args, "json", False):
        _emit_json({"error": message, "exit_code": EXIT_REJECTED})
    return EXIT_REJECTED


def _internal(args: argparse.Namespace, message: str) -> int:
    """A compiler bug: the first line says what, the rest (a compiler's or a sanitizer's
    report) follows as it came, each line made safe to print."""
    first, *details = lines(message) or [""]
    print(f"deeploy: internal error: {first}", file=sys.stderr)
    for line in details:
        print(line, file=sys.stderr)
    print(REPORT_BUG, file=sys.stderr)
    if getattr(args, "json", False):
        _emit_json({"error": first, "exit_code": EXIT_INTERNAL})
    return EXIT_INTERNAL


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
