"""`four-levels`: a made-up cluster-style hierarchy, defined as data only.

Four levels named unlike the built-in targets' L1/L2/L3: a TCDM scratchpad next to the
cores, a cluster memory, the SoC's RAM where tensors live by default and a HyperRAM.
It follows docs/TARGETS.md ("Adding a target") to the letter: nothing else in the
compiler knows these names; the C runs on the host with each level one array.
"""

from __future__ import annotations

import os

from deeploy.kernels.library import generic_library
from deeploy.targets.base import MemoryLevel, Target, Toolchain

TARGET = Target(
    name="four-levels",
    description="test target: TCDM, ClusterMem, SoCRAM, HyperRAM, emulated on the host",
    levels=(
        MemoryLevel("TCDM", 16 * 1024),
        MemoryLevel("ClusterMem", 256 * 1024),
        MemoryLevel("SoCRAM", 2 * 1024 * 1024),
        MemoryLevel("HyperRAM", 32 * 1024 * 1024),
    ),
    home_level="SoCRAM",
    alignment=8,
    library=generic_library,
    toolchain=Toolchain(
        cc=os.environ.get("CC", "cc"),
        cflags=("-std=c99", "-O2", "-Wall", "-Wextra"),
        ldflags=("-lm",),
    ),
)
