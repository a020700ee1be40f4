"""deeploy-opt: xdsl-opt with Deeploy's dialects, passes, the ONNX frontend and `-t c`.

deeploy-opt model.onnx -p fold-constants,canonicalize-reshapes
deeploy-opt stage.mlir -p 'bufferize,plan-memory,lower-to-c' -t c

Exit codes: 0 success; 1 a pass or the verifier rejected the IR (the message says
where); 2 the input file, the IR's syntax or an option was rejected (one line naming
it); 3 internal error (a compiler bug: please report it with the input). The input is
read once, at most DEEPLOY_MAX_INPUT_BYTES (2 GiB), and only from a regular file or
standard input.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import os
import re
import stat
import sys
from collections.abc import Callable, Sequence
from typing import IO, NoReturn

from xdsl.context import Context
from xdsl.dialects.builtin import MemRefType, ModuleOp, TensorType
from xdsl.ir import Operation, OpResult
from xdsl.passes import ModulePass
from xdsl.targets.mlir import MLIRTarget
from xdsl.utils.exceptions import ParseError
from xdsl.utils.lexer import Input, Span
from xdsl.xdsl_opt_main import xDSLOptMain

from deeploy.tools.messages import lines, one_line

UPSTREAM_PASSES = ("canonicalize", "cse", "dce")
EXIT_FAILED, EXIT_REJECTED, EXIT_INTERNAL = 1, 2, 3
REPORT_BUG = "(this is a compiler bug; please report it with the input)"

# The IR a pass can run on, where running it on another stage would crash it rather
# than fail with a message: deeploy-opt checks before each pass.
PASS_STAGES: dict[str, tuple[str, ...]] = {
    "assign-integer-types": ("tensor",),
    "bufferize": ("tensor",),
    "lower-to-c": ("buffer",),
}
STAGE_NAMES = {
    "tensor": "tensor-level IR (graph ops on tensors, before bufferize)",
    "buffer": "bufferized IR (memrefs, from bufferize up to lower-to-c)",
    "c": "C-level IR (cemit files, after lower-to-c)",
    "empty": "a module without a network function",
}


class DeeployOptMain(xDSLOptMain):
    version_format = "deeploy-opt built with xdsl {xdsl_version}"

    def register_all_dialects(self) -> None:
        from xdsl.dialects import get_all_dialects as upstream

        from deeploy.dialects import UPSTREAM_DIALECTS, get_all_dialects

        available = upstream()
        for name in UPSTREAM_DIALECTS:
            self.ctx.register_dialect(name, available[name])
        for name, factory in get_all_dialects().items():
            self.ctx.register_dialect(name, factory)

    def register_all_passes(self) -> None:
        from xdsl.transforms import get_all_passes as upstream

        from deeploy.passes import get_all_passes

        available = upstream()
        for name in UPSTREAM_PASSES:
            self.register_pass(name, available[name])
        for name, factory in get_all_passes().items():
            self.register_pass(name, factory)

    def register_all_targets(self) -> None:
        from deeploy.backend.c_target import CTarget

        self.available_targets["mlir"] = lambda: ExactMLIRTarget
        self.available_targets["c"] = lambda: CTarget

    def register_all_frontends(self) -> None:
        super().register_all_frontends()

        def parse_checked_mlir(stream: IO[bytes]) -> ModuleOp:
            from deeploy.dialects.parser import ExactParser

            # xdsl's lexer takes exponential time on an unterminated string literal
            text = stream.read()
            check_utf8(text, self.get_input_name())
            check_string_literals(text, self.get_input_name())
            parser = ExactParser(self.ctx, text.decode(), self.get_input_name())
            return parser.parse_module(not self.args.no_implicit_module)

        def parse_onnx(stream: IO[bytes]) -> ModuleOp:
            from deeploy.frontend.onnx_import import import_onnx, parse_input_shapes

            shapes = parse_input_shapes(self.args.input_shape or [])
            return import_onnx(stream, input_shapes=shapes, name=self.args.network)

        self.available_frontends["mlir"] = parse_checked_mlir
        self.available_frontends["onnx"] = parse_onnx

    def register_all_arguments(self, arg_parser: argparse.ArgumentParser) -> None:
        super().register_all_arguments(arg_parser)
        # xDSL builds the parser: its error method is replaced on the instance (an entry
        # in the instance's dict shadows the class's method, as an assignment would)
        vars(arg_parser)["error"] = _one_line_error
        for action in arg_parser._actions:
            if action.dest == "target":  # so that a malformed -t is not taken for a bad -p
                action.type = _target_spec
        arg_parser.add_argument(
            "--input-shape",
            action="append",
            metavar="NAME=DIMS",
            help="(.onnx input) fix a dynamic input shape, e.g. input=1x3x32x32",
        )
        arg_parser.add_argument(
            "--network",
            default="network",
            help="(.onnx input) name of the network function (C prefix)",
        )

    def get_input_stream(self) -> tuple[IO[bytes], str]:
        """The input, read once and bounded: a regular file (never a FIFO or a device,
        which could block or never end), or standard input."""
        from deeploy.input_files import read_input_file, read_stream

        if self.args.input_file is None:
            check_stdin(sys.stdin)
            stream = io.BytesIO(read_stream(sys.stdin.buffer))
            return _named(stream, "stdin"), "mlir"
        path = self.args.input_file
        data = read_input_file(path, "input file")
        extension = os.path.splitext(path)[1].replace(".", "")
        return _named(io.BytesIO(data), path), extension

    def prepare_output(self) -> IO[str]:
        if self.args.output_file is None:
            return sys.stdout
        from deeploy.errors import OptionError

        path = self.args.output_file
        if not path:
            raise OptionError("-o/--output-file: the path is empty")
        try:
            return open(path, "w")
        except (OSError, ValueError) as err:
            reason = (err.strerror if isinstance(err, OSError) else None) or str(err)
            raise OptionError(f"-o/--output-file: cannot write {path}: {reason}") from None

    def setup_pipeline(self) -> None:
        # xdsl prints between passes with its own printer, whose floats do not all read
        # back: print here instead, with the exact one
        print_between = self.args.print_between_passes
        self.args.print_between_passes = False
        super().setup_pipeline()
        self.args.print_between_passes = print_between
        checked = _stage_checking(self.pipeline.callback, print_between)
        self.pipeline = dataclasses.replace(self.pipeline, callback=checked)


def _named(stream: io.BytesIO, name: str) -> io.BytesIO:
    stream.name = name  # the ONNX frontend names the file in its errors
    return stream


def _target_spec(text: str) -> str:
    from xdsl.utils.arg_spec import parse_spec
    from xdsl.utils.exceptions import ArgSpecParseError

    try:
        parse_spec(text)
    except ArgSpecParseError as err:
        raise argparse.ArgumentTypeError(f"'{text}': {_spec_reason(err)}") from None
    return text


def _spec_reason(err: BaseException) -> str:
    """The reason xdsl gives for a malformed pass or target specification (its last
    line, below the source and the caret)."""
    return str(err).strip().splitlines()[-1].strip()


def _one_line_error(message: str) -> NoReturn:
    print(f"deeploy-opt: error: {one_line(message)} (see `deeploy-opt --help`)", file=sys.stderr)
    sys.exit(EXIT_REJECTED)


# -- standard input ----------------------------------------------------------------------


def check_stdin(stream: IO[str]) -> None:
    """Standard input may be a pipe, a file or a terminal; a device such as /dev/zero
    would never end (/dev/null is an empty input)."""
    from deeploy.input_files import InputFileError

    try:
        info = os.fstat(stream.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        return  # not a file descriptor (an embedding program's stream): bounded anyway
    if stat.S_ISBLK(info.st_mode) or (stat.S_ISCHR(info.st_mode) and not stream.isatty()):
        null = os.stat(os.devnull)
        if info.st_rdev != null.st_rdev:
            raise InputFileError(
                "standard input is a device, not a file, a pipe or a terminal; give a file"
            )


# -- text ------------------------------------------------------------------------------


def check_utf8(data: bytes, name: str) -> None:
    """MLIR is UTF-8 text: a ParseError at the first byte that is not (xdsl's own error
    would name neither the file nor the line)."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ParseError(
            Span(err.start, err.end, Input(data, name)),
            f"not UTF-8 text (byte 0x{data[err.start]:02x})",
        ) from None


# What xdsl's lexer accepts inside "...": its regex nests quantifiers, so a string left
# open (e.g. `dense<"0x0011...` and a newline) takes time exponential in its length to
# reject. These scan once: a string body, an escape, a comment, the next string.
_BODY = re.compile(rb'[^"\\\n\v\f]*')
_ESCAPE = re.compile(rb'\\(?:["nt\\]|[0-9A-Fa-f]{2})')
_NEXT = re.compile(rb'"|//')


def check_string_literals(text: bytes | str, name: str) -> None:
    """Every string literal in `text` (MLIR) is closed on its line with valid escapes;
    a ParseError at the first one that is not."""
    data = text.encode() if isinstance(text, str) else text
    pos = 0
    while (found := _NEXT.search(data, pos)) is not None:
        if found.group() == b"//":  # a comment runs to the end of the line
            end = data.find(b"\n", found.end())
            pos = len(data) if end < 0 else end + 1
            continue
        pos = _string_end(data, found.start(), name)


def _string_end(data: bytes, start: int, name: str) -> int:
    pos = start + 1
    while True:
        body = _BODY.match(data, pos)
        assert body is not None  # the pattern matches the empty string too
        pos = body.end()
        if data[pos : pos + 1] == b'"':
            return pos + 1
        escape = _ESCAPE.match(data, pos) if data[pos : pos + 1] == b"\\" else None
        if escape is None:
            what = "an invalid escape in" if data[pos : pos + 1] == b"\\" else "no end to"
            raise ParseError(
                Span(start, pos, Input(data, name)),
                f"{what} a string literal (a string closes on its line; escapes are "
                '\\n, \\t, \\", \\\\ and two hex digits)',
            )
        pos = escape.end()


# -- IR stages ---------------------------------------------------------------------------


def ir_stage(module: ModuleOp) -> str:
    """Which stage of the pipeline `module` is at: tensor, buffer, c, or empty."""
    from deeploy.api import network_function

    fn = network_function(module)
    if fn is None:
        return "c" if any(op.name == "cemit.file" for op in module.ops) else "empty"
    types = [*fn.function_type.inputs.data, *fn.function_type.outputs.data]
    if any(isinstance(t, MemRefType) for t in types):
        return "buffer"
    if any(isinstance(t, TensorType) for t in types):
        return "tensor"
    return "buffer" if any(isinstance(r.type, MemRefType) for r in _results(fn)) else "tensor"


def _results(fn: Operation) -> list[OpResult]:
    return [r for op in fn.walk() for r in op.results]


def check_stage(pass_: ModulePass, module: ModuleOp) -> None:
    from deeploy.errors import OptionError

    stages = PASS_STAGES.get(pass_.name)
    if stages is None:
        return
    stage = ir_stage(module)
    if stage not in stages:
        needed = " or ".join(STAGE_NAMES[s] for s in stages)
        raise OptionError(
            f"{pass_.name} runs on {needed}, but the IR is {STAGE_NAMES[stage]}: run the "
            "passes before it first (`deeploy compile --dump-ir DIR` writes every stage, and "
            "DIR/pipeline.txt the passes that follow each)"
        )


Callback = Callable[[ModulePass | None, ModuleOp, ModulePass | None], None]


def _stage_checking(callback: Callback | None, print_between: bool) -> Callback:
    def checked(previous: ModulePass | None, module: ModuleOp, following: ModulePass | None):
        if callback is not None:
            callback(previous, module, following)
        if print_between and previous is not None and following is not None:
            from deeploy.dialects.printer import print_module

            print(f"IR after {previous.name}:\n{print_module(module)}\n\n")
        if following is not None:
            check_stage(following, module)

    return checked


@dataclasses.dataclass(frozen=True)
class ExactMLIRTarget(MLIRTarget):
    """`-t mlir` (the default) with the printer whose floats read back exactly."""

    def emit(self, ctx: Context, module: ModuleOp, output: IO[str]) -> None:
        from deeploy.dialects.printer import ExactPrinter

        printer = ExactPrinter(
            stream=output,
            print_generic_format=self.print_generic_format,
            print_properties_as_attributes=self.print_properties_as_attributes,
            print_debuginfo=self.print_debuginfo,
        )
        printer.print_op(module)
        printer.print_metadata(ctx.loaded_dialects)
        print("\n", file=output)


# -- errors ------------------------------------------------------------------------------


def _summary(err: BaseException) -> str:
    """An error as one line: a ParseError as `file:line:col: message`, others with their
    lines joined."""
    if isinstance(err, ParseError):
        return f"{err.span.get_location()}: {'; '.join(lines(err.msg))}"
    return "; ".join(line.strip() for line in lines(str(err)) if line.strip())


def _fail(code: int, message: str) -> NoReturn:
    print(f"deeploy-opt: error: {one_line(message)}", file=sys.stderr)
    sys.exit(code)


def main(args: Sequence[str] | None = None) -> None:
    from xdsl.utils.exceptions import ArgSpecParseError, DiagnosticException

    from deeploy.errors import DeeployError

    try:
        DeeployOptMain("Deeploy's modular optimizer driver", args=args).run()
    except (DeeployError, ParseError, ValueError) as err:
        # bad input, an unknown pass or pass option: a one-line (plus location) error
        _fail(EXIT_REJECTED, _summary(err))
    except ArgSpecParseError as err:  # a malformed -p string (xdsl raises a BaseException)
        _fail(EXIT_REJECTED, f"invalid pass pipeline: {_spec_reason(err)}")
    except DiagnosticException as err:  # a pass or the verifier rejected this IR
        _fail(EXIT_FAILED, _summary(err))
    except RecursionError:
        _fail(EXIT_REJECTED, "the IR nests too deeply to process (Python's recursion limit)")
    except KeyboardInterrupt:
        print("deeploy-opt: interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as err:  # anything else is a compiler bug: keep the trace
        import traceback

        traceback.print_exc()
        message = one_line(f"{type(err).__name__}: {err}")
        print(f"deeploy-opt: internal error: {message}", file=sys.stderr)
        print(REPORT_BUG, file=sys.stderr)
        sys.exit(EXIT_INTERNAL)


if __name__ == "__main__":
    main()
