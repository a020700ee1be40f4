"""`-t c` for deeploy-opt: print a module lowered to `cemit` as C source."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.utils.target import Target


@dataclass(frozen=True)
class CTarget(Target):
    """Prints every `cemit.file`, each under a `/* ===== name ===== */` banner, or only
    the one named by `file` (`-t 'c{file="net.c"}'`), exactly as `deeploy compile` writes it."""

    name = "c"
    file: str = ""

    def emit(self, ctx: Context, module: ModuleOp, output: IO[str]) -> None:
        from deeploy.backend.c_printer import c_files, emit_all
        from deeploy.errors import OptionError

        files = c_files(module)
        if not files:
            raise OptionError(
                "the module has no cemit.file: run the pipeline up to lower-to-c before -t c"
            )
        if self.file:
            if self.file not in files:
                raise OptionError(
                    f"no file '{self.file}' in the module (it has {', '.join(files)})"
                )
            output.write(files[self.file])
            return
        for chunk in emit_all(files):
            output.write(chunk)
