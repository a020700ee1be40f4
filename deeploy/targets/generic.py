"""`generic`: the host machine, one memory level, the host C compiler."""

from __future__ import annotations

import os

from deeploy.kernels.library import generic_library
from deeploy.targets.base import MemoryLevel, Target, Toolchain

TARGET = Target(
    name="generic",
    description="host C99 (cc), one memory level L2",
    levels=(MemoryLevel("L2", None),),
    home_level="L2",
    compute_level="L2",
    alignment=16,
    library=generic_library,
    toolchain=Toolchain(
        cc=os.environ.get("CC", "cc"),
        cflags=("-std=c99", "-O2", "-Wall", "-Wextra"),
        ldflags=("-lm",),
    ),
)
