"""`CodeGenVerbosity`: Deeploy's switch for profiling variants of the generated code.

Untiled and tiling profiling become lower-to-c's per-layer instruction counts on targets
whose programs can read a counter (rv32). Elsewhere, and for microbenchmark profiling, the
options are accepted (scripts written for Deeploy pass them) and a warning says they had
no effect rather than silently dropping them.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, fields


@dataclass
class CodeGenVerbosity:
    """Deeploy's profiling options. Untiled and tiling profiling make the C print each
    layer's instruction count on targets that can count (rv32); the rest is accepted and
    warned about (see `warn_unused`). Mutable, as Deeploy's: its scripts build
    `CodeGenVerbosity(None)` and then set `cfg.tilingProfiling = True`."""

    tilingProfiling: bool | None = False
    untiledProfiling: bool | None = None
    microbenchmarkProfiling: bool | None = None

    def requested(self) -> list[str]:
        """The options set to a true value."""
        return [f.name for f in fields(self) if getattr(self, f.name)]

    def profiles_layers(self) -> bool:
        """Untiled or tiling profiling: print each layer's instruction count (lower-to-c's
        profile_layers), on targets whose programs read a counter."""
        return bool(self.untiledProfiling or self.tilingProfiling)

    def warn_unused(self, target: str, honoured: tuple[str, ...] = ()) -> None:
        requested = [n for n in self.requested() if n not in honoured]
        if requested:
            warnings.warn(
                f"CodeGenVerbosity({', '.join(f'{n}=True' for n in requested)}): no effect on "
                f"target {target} (code that prints its layers' counts needs a counter the "
                "program reads: rv32); `deeploy run --profile-layers` counts layers on generic "
                "and cortex-m4 too (callgrind, the QEMU plugin)",
                stacklevel=3,
            )


# the default argument of the stages, which only read it
NO_VERBOSITY = CodeGenVerbosity(None)
