"""Running cross-compiled programs under QEMU, and counting their instructions.

Programs talk through semihosting: printf reaches our stdout and `main`'s return value
becomes QEMU's exit code. `-icount shift=0` makes execution deterministic (one virtual
nanosecond per instruction), so an rv32 program reading `minstret` gets exact,
repeatable counts. Cortex-M has no counter under QEMU: there a TCG plugin
(runtime/platform/qemu/insn_window.c) counts the instructions between the harness's
marker functions; it is built on first use against QEMU's plugin header (see
`plugin_header`).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from deeploy.errors import DeeployError
from deeploy.targets.base import RunResult, Toolchain, run_command

PACKAGES = {
    "cc": "build-essential",
    "arm-none-eabi-gcc": "gcc-arm-none-eabi picolibc-arm-none-eabi",
    "riscv64-unknown-elf-gcc": "gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf",
    "qemu-system-arm": "qemu-system-arm",
    "qemu-system-riscv32": "qemu-system-misc",
}
PLUGIN_SOURCE = "platform/qemu/insn_window.c"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "deeploy" / "qemu"


def require(tool: str) -> str:
    """The path of a cross tool, or a user-facing error saying which package brings it."""
    path = shutil.which(tool)
    if path is None:
        package = PACKAGES.get(tool, tool)
        raise DeeployError(f"{tool} is not installed (Debian/Ubuntu: apt-get install {package})")
    return path


def missing_tools(tools: Sequence[str]) -> list[str]:
    return [t for t in tools if shutil.which(t) is None]


SEMIHOSTING = (
    "-display",
    "none",
    "-serial",
    "none",
    "-monitor",
    "none",
    "-chardev",
    "stdio,id=deeploy_out",
    "-semihosting-config",
    "enable=on,target=native,chardev=deeploy_out",
    "-icount",
    "shift=0",
)
# How each board runs a program (the binary follows); also the exported Makefile's `run`
RV32_EMULATOR = (
    "qemu-system-riscv32",
    "-M",
    "virt",
    "-bios",
    "none",
    "-m",
    "256M",
    *SEMIHOSTING,
    "-kernel",
)
CORTEX_M4_EMULATOR = ("qemu-system-arm", "-M", "mps2-an386", *SEMIHOSTING, "-kernel")


def semihosted_toolchain(cc: str, *arch: str) -> Toolchain:
    """A bare-metal GCC with picolibc, whose stdio and exit go through semihosting.

    Both cores fuse a multiply and an add in one instruction (FPv4 `VFMA`, rv32 F
    `fmadd.s`), which `-std=c99` alone stops gcc from using (it implies
    `-ffp-contract=off`): contraction is turned back on. One rounding instead of two per
    multiply-add; on Deeploy's float tests the largest error against the references stays
    the same or gets smaller (docs/TARGETS.md)."""
    return Toolchain(
        cc=cc,
        cflags=(
            "-std=c99",
            "-O2",
            "-Wall",
            "-Wextra",
            "-ffp-contract=fast",
            *arch,
            "-ffunction-sections",
            "-fdata-sections",
            "--specs=picolibc.specs",
        ),
        ldflags=("--oslib=semihost", "--crt0=semihost", "-Wl,--gc-sections", "-lm"),
    )


def run_rv32(binary: Path, timeout: float) -> RunResult:
    qemu = require(RV32_EMULATOR[0])
    return run_command([qemu, *RV32_EMULATOR[1:], str(binary)], timeout)


def run_cortex_m4(binary: Path, timeout: float) -> RunResult:
    """Run on the mps2-an386 board (a Cortex-M4F); with the counting plugin available, the
    instructions between the harness's markers are appended to stdout as
    `DEEPLOY_INSTRUCTIONS n`, as a program with its own counter prints them. A profiling
    build (one that calls the layer markers) gets each layer's count added to its
    `DEEPLOY_LAYER index name` line, as rv32 prints them."""
    qemu = require(CORTEX_M4_EMULATOR[0])
    command = [qemu, *CORTEX_M4_EMULATOR[1:], str(binary)]
    plugin = insn_window_plugin()
    count_file = binary.with_suffix(".instructions")
    layers_file = binary.with_suffix(".layers")
    profiled = False
    if plugin is not None:
        table = symbol_table(binary)
        start, stop = _addresses(binary, table, ("deeploy_count_start", "deeploy_count_stop"))
        count_file.unlink(missing_ok=True)
        layers_file.unlink(missing_ok=True)
        arguments = f"{plugin},start={start:#x},stop={stop:#x},out={count_file}"
        # the linker drops the layer markers of a build that does not call them: without
        # them the plugin counts exactly as it always has
        profiled = LAYER_MARKERS[0] in table and LAYER_MARKERS[1] in table
        if profiled:
            begin, end = _addresses(binary, table, LAYER_MARKERS)
            arguments += f",begin={begin:#x},end={end:#x},layers={layers_file}"
        command[1:1] = ["-plugin", arguments]
    result = run_command(command, timeout)
    if plugin is not None and count_file.exists() and result.returncode == 0:
        count = count_file.read_text().strip()
        stdout = result.stdout.replace(
            "DEEPLOY_DONE", f"DEEPLOY_INSTRUCTIONS {count}\nDEEPLOY_DONE"
        )
        if profiled:
            from deeploy.layer_report import add_layer_counts

            counts = layers_file.read_text().split() if layers_file.exists() else []
            stdout = add_layer_counts(stdout, [int(c) for c in counts])
        return RunResult(result.returncode, stdout, result.stderr, result.timed_out)
    return result


LAYER_MARKERS = ("deeploy_profile_begin", "deeploy_profile_end")


def symbol_table(binary: Path) -> dict[str, int]:
    """The address of every symbol of an Arm binary, by name."""
    nm = require("arm-none-eabi-nm")
    proc = subprocess.run([nm, str(binary)], capture_output=True, text=True, check=True)
    table = {}
    for line in proc.stdout.splitlines():
        parts = line.split()
        if len(parts) == 3:
            table[parts[2]] = int(parts[0], 16)
    return table


def _addresses(binary: Path, table: dict[str, int], names: Sequence[str]) -> list[int]:
    missing = [n for n in names if n not in table]
    if missing:
        raise DeeployError(f"{binary.name} has no symbol {', '.join(missing)}")
    return [table[n] for n in names]


# -- the counting plugin -------------------------------------------------------------------


def plugin_header() -> Path | None:
    """QEMU's qemu-plugin.h: $QEMU_PLUGIN_INCLUDE, the system's, or the one fetched into
    the cache by runtime/platform/qemu/fetch-plugin-header.sh (Debian ships no header
    package, so it comes from QEMU's source package)."""
    candidates = [
        Path(os.environ["QEMU_PLUGIN_INCLUDE"]) if "QEMU_PLUGIN_INCLUDE" in os.environ else None,
        Path("/usr/include/qemu"),
        CACHE / "include",
    ]
    for folder in candidates:
        if folder is not None and (folder / "qemu-plugin.h").exists():
            return folder / "qemu-plugin.h"
    return None


def insn_window_plugin() -> Path | None:
    """The built plugin (cached by the hash of its source and header), or None when QEMU's
    plugin header is not available."""
    from deeploy.backend.build_files import runtime_dir

    header = plugin_header()
    if header is None:
        return None
    source = runtime_dir() / PLUGIN_SOURCE
    digest = hashlib.sha256(source.read_bytes() + header.read_bytes()).hexdigest()[:16]
    plugin = CACHE / f"insn_window-{digest}.so"
    if plugin.exists():
        return plugin
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        built = Path(tmp) / plugin.name
        proc = subprocess.run(
            [
                os.environ.get("CC", "cc"),
                "-std=c99",
                "-O2",
                "-Wall",
                "-Wextra",
                "-shared",
                "-fPIC",
                f"-I{header.parent}",
                str(source),
                "-o",
                str(built),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise DeeployError(f"building the QEMU counting plugin failed:\n{proc.stderr.strip()}")
        built.replace(plugin)  # atomic: parallel builds may race here
    return plugin
