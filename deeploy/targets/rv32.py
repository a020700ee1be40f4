"""`rv32`: a PULP-style 32-bit RISC-V core (rv32imf) with an L1 scratchpad, under QEMU.

L2 is the main memory (RAM, default 1,024,000 B as in Deeploy, --l2 to change): arena,
weights copied from flash at init, I/O buffers and stack. With --l1, layers are tiled
exactly as on the host-emulated hierarchy, and the L1 array lives in its own linker
region of exactly --l1 bytes; tiles move through the same bounds-checked, counting DMA
layer. Instructions come from `minstret` (exact under QEMU's -icount).
"""

from __future__ import annotations

from deeploy.kernels.library import generic_library
from deeploy.targets.base import DEFAULT_L2_BYTES, DEFAULT_L3_BYTES, McuLayout, MemoryLevel, Target
from deeploy.targets.qemu import RV32_EMULATOR, run_rv32, semihosted_toolchain

TARGET = Target(
    name="rv32",
    description="RISC-V rv32imf with an L1 scratchpad, 1,024,000 B L2 (QEMU virt)",
    levels=(
        MemoryLevel("L1", None),
        MemoryLevel("L2", DEFAULT_L2_BYTES),
        MemoryLevel("L3", DEFAULT_L3_BYTES),
    ),
    home_level="L2",
    alignment=8,
    library=generic_library,
    toolchain=semihosted_toolchain(
        "riscv64-unknown-elf-gcc", "-march=rv32imf", "-mabi=ilp32f", "-mcmodel=medany"
    ),
    emulator=RV32_EMULATOR,
    run=run_rv32,
    mcu=McuLayout(
        # QEMU's virt board has RAM only from 0x80000000; flash, L2, L1 and L3 are carved
        # out of it at fixed places
        flash_origin=0x8000_0000,
        flash_bytes=16 * 1024 * 1024,
        ram_origin=0x8100_0000,
        ram_default=DEFAULT_L2_BYTES,
        ram_limit=64 * 1024 * 1024,
        stack_bytes=16 * 1024,
        level_origins=(("L1", 0x8500_0000), ("L3", 0x8600_0000)),
    ),
    counter="program",
    harness_sources=("platform/rv32/counter.c",),
)
