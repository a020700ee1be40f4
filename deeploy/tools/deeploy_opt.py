"""deeploy-opt: xdsl-opt with Deeploy's dialects, passes, the ONNX frontend and `-t c`.

deeploy-opt model.onnx -p fold-constants,canonicalize-reshapes
deeploy-opt stage.mlir -p 'bufferize,plan-memory,lower-to-c' -t c
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import IO

from xdsl.dialects.builtin import ModuleOp
from xdsl.xdsl_opt_main import xDSLOptMain

UPSTREAM_PASSES = ("canonicalize", "cse", "dce")


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
        from xdsl.targets.mlir import MLIRTarget

        from deeploy.backend.c_target import CTarget

        self.available_targets["mlir"] = lambda: MLIRTarget
        self.available_targets["c"] = lambda: CTarget

    def register_all_frontends(self) -> None:
        super().register_all_frontends()

        def parse_onnx(io: IO[bytes]) -> ModuleOp:
            from deeploy.frontend.onnx_import import import_onnx, parse_input_shapes

            shapes = parse_input_shapes(self.args.input_shape or [])
            return import_onnx(io, input_shapes=shapes, name=self.args.network)

        self.available_frontends["onnx"] = parse_onnx

    def register_all_arguments(self, arg_parser: argparse.ArgumentParser) -> None:
        super().register_all_arguments(arg_parser)
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


def main(args: Sequence[str] | None = None) -> None:
    from xdsl.utils.exceptions import ArgSpecParseError, DiagnosticException, ParseError

    from deeploy.errors import DeeployError

    try:
        DeeployOptMain("Deeploy's modular optimizer driver", args=args).run()
    except (DeeployError, ParseError, ValueError) as err:
        # bad input, an unknown pass or pass option: a one-line (plus location) error
        print(f"deeploy-opt: error: {err}", file=sys.stderr)
        sys.exit(2)
    except ArgSpecParseError as err:  # a malformed -p string (xdsl raises a BaseException)
        print(
            f"deeploy-opt: error: invalid pass pipeline: {str(err).strip().splitlines()[-1].strip()}",
            file=sys.stderr,
        )
        sys.exit(2)
    except DiagnosticException as err:  # a pass failed on this IR: show where
        print(err, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
