"""What a compilation target is: memory levels, kernels, toolchain and a way to run code."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from deeploy.kernels.base import KernelLibrary


@dataclass(frozen=True)
class MemoryLevel:
    name: str
    size: int | None  # bytes; None means "as large as needed" (host memory)
    neighbours: tuple[str, ...] = ()


DEFAULT_L2_BYTES = 1_024_000  # as in Deeploy's tests
DEFAULT_L3_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class MemoryConfig:
    """A memory hierarchy to compile for: an L1 scratchpad of `l1` bytes where kernels
    run on tiles, tensors at home in `home` (L2, or L3 with L2 for staging), and whether
    tile loads overlap computation (double buffering)."""

    l1: int
    l2: int = DEFAULT_L2_BYTES
    l3: int = DEFAULT_L3_BYTES
    home: str = "L2"
    double_buffer: bool = False
    fuse_layers: bool = True  # run pointwise layers in L1 with their producer when cheaper

    def __post_init__(self) -> None:
        from deeploy.errors import OptionError

        for name in ("l1", "l2", "l3"):
            value = getattr(self, name)
            if not isinstance(value, int) or value <= 0:
                raise OptionError(f"--{name} must be a positive number of bytes, got {value!r}")
        if self.home not in ("L2", "L3"):
            raise OptionError(f"--home must be L2 or L3, got {self.home!r}")


@dataclass(frozen=True)
class Toolchain:
    cc: str
    cflags: tuple[str, ...]
    ldflags: tuple[str, ...] = ()

    def compile_and_link(
        self,
        sources: Sequence[Path],
        include_dirs: Sequence[Path],
        output: Path,
        extra_cflags: Sequence[str] = (),
    ) -> subprocess.CompletedProcess[str]:
        cmd = [
            self.cc,
            *self.cflags,
            *extra_cflags,
            *(f"-I{d}" for d in include_dirs),
            *map(str, sources),
            "-o",
            str(output),
            *self.ldflags,
        ]
        return run_tool(cmd)


TOOL_TIMEOUT = 900.0  # seconds a C compiler may take on one command


def run_tool(
    command: Sequence[str], timeout: float = TOOL_TIMEOUT
) -> subprocess.CompletedProcess[str]:
    """A toolchain command; one that hangs is a failed command, not a hung compiler."""
    try:
        return subprocess.run(
            list(command), capture_output=True, text=True, check=False, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(
            list(command), -1, "", f"{command[0]} did not finish within {timeout:.0f} s"
        )


@dataclass(frozen=True)
class RunResult:
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool = False


def run_native(binary: Path, timeout: float) -> RunResult:
    return run_command([str(binary)], timeout)


def run_command(command: Sequence[str], timeout: float) -> RunResult:
    """Run with stdin closed and a timeout (an emulator with a wrong CPU/ISA pair, or a
    miscompiled loop, hangs rather than fails)."""
    try:
        proc = subprocess.run(
            list(command),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired as err:
        out = err.stdout.decode() if isinstance(err.stdout, bytes) else (err.stdout or "")
        return RunResult(-1, out, "", timed_out=True)
    return RunResult(proc.returncode, proc.stdout, proc.stderr)


@dataclass(frozen=True)
class Target:
    name: str
    description: str
    levels: tuple[MemoryLevel, ...]
    home_level: str  # where tensors live
    compute_level: str  # where kernels read and write
    alignment: int  # bytes, for every buffer offset
    library: Callable[[], KernelLibrary]
    toolchain: Toolchain
    run: Callable[[Path, float], RunResult] = run_native
    defines: tuple[str, ...] = field(default_factory=tuple)
    # Whether layers may be tiled into an L1 scratchpad (--l1).
    has_l1: bool = True
    # A microcontroller: its main memory (L2/SRAM) has this default size and its linker
    # script, not an emulating array, bounds every level (see deeploy.targets.mcu).
    mcu: McuLayout | None = None
    # How one inference's instructions are counted: "callgrind" on the host, "program"
    # when the harness reads a hardware counter and prints it, "plugin" when the emulator
    # counts between marker functions (deeploy.targets.qemu).
    counter: str = "callgrind"
    # Platform sources the harness needs (the counter), relative to runtime/.
    harness_sources: tuple[str, ...] = ()

    def level(self, name: str) -> MemoryLevel:
        for level in self.levels:
            if level.name == name:
                return level
        raise KeyError(name)

    def kernels(self) -> KernelLibrary:
        return self.library()


@dataclass(frozen=True)
class McuLayout:
    """Where a microcontroller's memories are: code and constants in flash, the rest of
    the program in RAM (the L2 level: arena, I/O buffers, stack), and, for cores with a
    scratchpad, L1 (and an L3 stand-in) as their own linker regions."""

    flash_origin: int
    flash_bytes: int
    ram_origin: int
    ram_default: int  # bytes of RAM unless --l2 says otherwise
    ram_limit: int  # what the emulated board has at ram_origin
    stack_bytes: int
    l1_origin: int | None = None
    l3_origin: int | None = None
