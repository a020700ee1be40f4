"""`generic`: the host machine, one memory level, the host C compiler."""

from __future__ import annotations

import os

from deeploy.kernels.library import generic_library
from deeploy.targets.base import MemoryLevel, Target, Toolchain

TARGET = Target(
    name="generic",
    description="host C99 (cc); untiled one arena, with --l1 emulated L1/L2/L3 arrays",
    # each level an array of exactly its size when tiling (--l1); untiled, the arena is
    # one static array of whatever size it needs
    levels=(MemoryLevel("L1", None), MemoryLevel("L2", None), MemoryLevel("L3", None)),
    home_level="L2",
    alignment=16,
    library=generic_library,
    toolchain=Toolchain(
        cc=os.environ.get("CC", "cc"),
        cflags=("-std=c99", "-O2", "-Wall", "-Wextra"),
        ldflags=("-lm",),
    ),
    # the layer markers callgrind dumps its counts at (--profile-layers); nothing else in
    # it is called, since callgrind counts the run function from outside
    harness_sources=("platform/generic/counter.c",),
)
