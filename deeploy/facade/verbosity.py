"""`CodeGenVerbosity`: Deeploy's switch for profiling variants of the generated code.

Our C has no profiling variants, so the options are accepted (scripts written for Deeploy
pass them) and a warning says they had no effect rather than silently dropping them.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class CodeGenVerbosity:
    """Deeploy's profiling options; all are accepted, none changes our C (see `warn_unused`)."""

    tilingProfiling: bool | None = False
    untiledProfiling: bool | None = None
    microbenchmarkProfiling: bool | None = None

    def requested(self) -> list[str]:
        """The options set to a true value."""
        return [f.name for f in fields(self) if getattr(self, f.name)]

    def warn_unused(self) -> None:
        requested = self.requested()
        if requested:
            warnings.warn(
                f"CodeGenVerbosity({', '.join(f'{n}=True' for n in requested)}): the generated C "
                "has no profiling variants; use `deeploy run --count-instructions` to measure",
                stacklevel=3,
            )


NO_VERBOSITY = CodeGenVerbosity(None)
