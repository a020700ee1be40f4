"""What a compilation target is: memory levels, kernels, toolchain and a way to run code."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from deeploy.kernels.base import KernelLibrary


@dataclass(frozen=True)
class MemoryLevel:
    name: str
    # bytes; None: unbounded untiled (host memory) and, tiled, --l1 for the scratchpad and
    # DEFAULT_L2_BYTES / DEFAULT_L3_BYTES for the second and third levels
    size: int | None


DEFAULT_L2_BYTES = 1_024_000  # as in Deeploy's tests
DEFAULT_L3_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class MemoryConfig:
    """A memory hierarchy to compile for: a scratchpad of `l1` bytes (the target's first
    level) where kernels run on tiles, tensors at home in `home`, and whether tile loads
    overlap computation (double buffering). `l2` and `l3` size the second and third
    levels (None: the target's size, else 1,024,000 and 8 MiB as in Deeploy's tests);
    `home` names a level of the target, or says "L2"/"L3" for its second/third level."""

    l1: int
    l2: int | None = None
    l3: int | None = None
    home: str = "L2"
    double_buffer: bool = False
    fuse_layers: bool = True  # run pointwise layers in L1 with their producer when cheaper

    def __post_init__(self) -> None:
        from deeploy.errors import OptionError

        for name in ("l1", "l2", "l3"):
            value = getattr(self, name)
            if value is None and name != "l1":
                continue
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise OptionError(f"--{name} must be a positive number of bytes, got {value!r}")
        if not isinstance(self.home, str) or not self.home:
            raise OptionError(f"--home must name a memory level, got {self.home!r}")


@dataclass(frozen=True)
class Toolchain:
    cc: str
    cflags: tuple[str, ...]
    ldflags: tuple[str, ...] = ()

    @property
    def ar(self) -> str:
        """The archiver beside the compiler (arm-none-eabi-gcc -> arm-none-eabi-ar)."""
        return f"{self.cc.removesuffix('gcc')}ar" if self.cc.endswith("gcc") else "ar"

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
    # Every memory level, the one next to the cores first; a DMA engine connects each to
    # the next. Untiled, kernels work in the home level; tiled (--l1), in the first.
    levels: tuple[MemoryLevel, ...]
    home_level: str  # where tensors live unless --home says otherwise
    alignment: int  # bytes, for every buffer offset
    library: Callable[[], KernelLibrary]
    toolchain: Toolchain
    run: Callable[[Path, float], RunResult] = run_native
    # A microcontroller: its main memory (L2/SRAM) has this default size and its linker
    # script, not an emulating array, bounds every level (see deeploy.targets.mcu).
    mcu: McuLayout | None = None
    # How one inference's instructions are counted: "callgrind" on the host, "program"
    # when the harness reads a hardware counter and prints it, "plugin" when the emulator
    # counts between marker functions (deeploy.targets.qemu).
    counter: str = "callgrind"
    # Platform sources the harness needs (the counter), relative to runtime/.
    harness_sources: tuple[str, ...] = ()
    # The command that runs a built program (the binary's path follows): an emulator's;
    # empty: the program runs on the host
    emulator: tuple[str, ...] = ()

    @property
    def has_l1(self) -> bool:
        """Whether layers may be tiled into a scratchpad (--l1): a level below home."""
        return self.levels[0].name != self.home_level

    @property
    def scratchpad(self) -> str:
        """The level tiled kernels compute in."""
        return self.levels[0].name

    def kernels(self) -> KernelLibrary:
        return self.library()


@dataclass(frozen=True)
class McuLayout:
    """Where a microcontroller's memories are: code and constants in flash, the rest of
    the program in RAM (the target's home level: arena, I/O buffers, stack), and, for
    cores with a scratchpad, the other levels (L1, an L3 stand-in) as linker regions."""

    flash_origin: int
    flash_bytes: int
    ram_origin: int
    ram_default: int  # bytes of RAM unless --l2 says otherwise
    ram_limit: int  # what the emulated board has at ram_origin
    stack_bytes: int
    # levels other than RAM, each in a linker region of its own: (level, origin)
    level_origins: tuple[tuple[str, int], ...] = ()
