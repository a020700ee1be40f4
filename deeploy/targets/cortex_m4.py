"""`cortex-m4`: an Arm Cortex-M4F microcontroller (QEMU's mps2-an386 board).

One memory level: SRAM (the L2 level here, default 256 KiB, --l2 to change) holds the
arena, the I/O buffers and the stack; weights stay in flash as `const` arrays. The
linker script bounds both, so a network that does not fit fails to link with the
shortfall named. Built with picolibc and semihosting; instructions are counted by a QEMU
plugin (see deeploy.targets.qemu).
"""

from __future__ import annotations

from deeploy.kernels.library import generic_library
from deeploy.targets.base import McuLayout, MemoryLevel, Target
from deeploy.targets.qemu import CORTEX_M4_EMULATOR, run_cortex_m4, semihosted_toolchain

SRAM_DEFAULT = 256 * 1024

TARGET = Target(
    name="cortex-m4",
    description="Arm Cortex-M4F, 256 KiB SRAM, weights in flash (QEMU mps2-an386)",
    levels=(MemoryLevel("L2", SRAM_DEFAULT),),
    home_level="L2",
    alignment=8,
    library=generic_library,
    toolchain=semihosted_toolchain(
        "arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"
    ),
    emulator=CORTEX_M4_EMULATOR,
    run=run_cortex_m4,
    mcu=McuLayout(
        flash_origin=0x0000_0000,
        flash_bytes=4 * 1024 * 1024,  # the board's code SSRAM, standing in for flash
        ram_origin=0x2000_0000,
        ram_default=SRAM_DEFAULT,
        ram_limit=4 * 1024 * 1024,
        stack_bytes=16 * 1024,
    ),
    counter="plugin",
    harness_sources=("platform/cortex_m4/counter.c",),
)
