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
        return subprocess.run(cmd, capture_output=True, text=True, check=False)


@dataclass(frozen=True)
class RunResult:
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool = False


def run_native(binary: Path, timeout: float) -> RunResult:
    try:
        proc = subprocess.run(
            [str(binary)],
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

    def level(self, name: str) -> MemoryLevel:
        for level in self.levels:
            if level.name == name:
                return level
        raise KeyError(name)

    def kernels(self) -> KernelLibrary:
        return self.library()
