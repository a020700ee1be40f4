"""Every command of README.md runs as written, so the README cannot go stale.

The commands are the lines of its ```sh blocks (continuation lines joined, `&&` chains
split into their parts) and its ```python blocks. Each block runs in a fresh folder laid out
like a clone (the project's top-level files and folders linked, `docs/` a real folder so
nothing is written into the checkout), its commands in order with bash, and every command
must exit 0. A comment line right under a command that starts with `#  ` is output the
README shows: it must appear in the command's output (up to a trailing `...`).

Not run, each for the reason in NOT_RUN and checked otherwise: installing (this
environment is that install, made by .ci/run) and `make test` (this suite). A block whose
commands need what this machine lacks (Deeploy's test networks, valgrind, a cross
toolchain) is skipped with the reason. Long commands run smaller, as SMALLER says: the
benchmarks on one network (their `--networks`, given last, wins), the fuzzer on fewer
examples.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import tomllib

from tests.conftest import PROJECT, SHARED

README = PROJECT / "README.md"

# prefix of a command -> why the suite does not run it
NOT_RUN = {
    "pip install": "installs this environment (.ci/run runs it); the extras it names exist",
    "sudo apt-get install": "needs root; .ci/run installs the same packages",
    "make test": "runs this test suite",
}

BENCH_NETWORK = "Kernels/FP32/GEMM/Regular"
# pattern in a command -> (replacement, why)
SMALLER = {
    r"DEEPLOY_FUZZ_EXAMPLES=\d+": ("DEEPLOY_FUZZ_EXAMPLES=24", "10,000 examples take minutes"),
    r"^python -m bench( |$)(.*)$": (
        rf"python -m bench \2 --networks {BENCH_NETWORK} --repeat 1 --out bench-out",
        "the whole benchmark takes minutes",
    ),
    r"^python -m bench\.(mcu|tiling)(.*)$": (
        rf"python -m bench.\1\2 --networks {BENCH_NETWORK} --out bench-out",
        "the whole benchmark takes minutes",
    ),
}

MCU_TOOLS = {
    "cortex-m4": ("arm-none-eabi-gcc", "qemu-system-arm"),
    "rv32": ("riscv64-unknown-elf-gcc", "qemu-system-riscv32"),
}


@dataclass(frozen=True)
class Command:
    text: str  # as the README has it, continuation lines joined
    shown: tuple[str, ...]  # the output lines the README shows under it


@dataclass(frozen=True)
class Block:
    line: int  # of the opening fence
    language: str
    commands: tuple[Command, ...]
    source: str  # the block's text (python blocks)


def readme_blocks(text: str) -> list[Block]:
    blocks = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        fence = re.fullmatch(r"```(sh|python)\s*", lines[i])
        if fence is None:
            i += 1
            continue
        start, body = i + 1, []
        i += 1
        while lines[i].strip() != "```":
            body.append(lines[i])
            i += 1
        language = fence.group(1)
        commands = shell_commands(body) if language == "sh" else ()
        blocks.append(Block(start, language, commands, "\n".join(body) + "\n"))
        i += 1
    return blocks


def shell_commands(body: list[str]) -> tuple[Command, ...]:
    commands: list[Command] = []
    text = ""
    for line in body:
        if not text and line.startswith("#"):
            if line.startswith("#  ") and commands:
                last = commands[-1]
                commands[-1] = Command(last.text, (*last.shown, line[3:].strip()))
            continue
        text += line.rstrip("\\").rstrip() + " " if line.endswith("\\") else line
        if not line.endswith("\\"):
            commands.append(Command(text.strip(), ()))
            text = ""
    return tuple(commands)


BLOCKS = readme_blocks(README.read_text())
RUN_BLOCKS = [b for b in BLOCKS if b.language == "python" or b.commands]


def parts(command: str) -> list[str]:
    """The commands of an `&&` chain, without trailing comments."""
    return [p.strip() for p in re.sub(r"\s#\s.*$", "", command).split("&&")]


def not_run(part: str) -> str | None:
    return next((why for prefix, why in NOT_RUN.items() if part.startswith(prefix)), None)


def smaller(part: str) -> str:
    for pattern, (replacement, _) in SMALLER.items():
        part = re.sub(pattern, replacement, part)
    return part


def missing(block: Block) -> list[str]:
    """What the block's commands need and this machine lacks."""
    lacks: list[str] = []
    for command in block.commands:
        for part in parts(command.text):
            if not_run(part):
                continue
            if part.startswith("python -m bench"):
                if not SHARED.exists():
                    lacks.append(f"Deeploy's test networks ({SHARED})")
                if part.split()[2] == "bench" and shutil.which("valgrind") is None:
                    lacks.append("valgrind")
            for target, tools in MCU_TOOLS.items():
                if f"--target {target}" in part or (part.startswith("python -m bench.mcu")):
                    lacks += [t for t in tools if shutil.which(t) is None]
    return sorted(set(lacks))


def workspace(path: Path) -> Path:
    """A folder that looks like a clone to relative paths, writing nowhere in it."""
    for entry in PROJECT.iterdir():
        if entry.name in {"docs", ".git"} or entry.name.startswith("."):
            continue
        (path / entry.name).symlink_to(entry)
    (path / "docs").mkdir()
    return path


def environment() -> dict[str, str]:
    # a nested pytest must not join this run's fuzzer statistics or xdist workers
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST_", "DEEPLOY_FUZZ_")) and k != "DEEPLOY_VERIFY_EACH_PASS"
    }
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


@pytest.mark.parametrize("block", RUN_BLOCKS, ids=[f"line{b.line}" for b in RUN_BLOCKS])
def test_readme_block_runs(block: Block, tmp_path: Path) -> None:
    lacks = missing(block)
    if lacks:
        pytest.skip(f"README block at line {block.line} needs {', '.join(lacks)}")
    cwd = workspace(tmp_path)
    if block.language == "python":
        script = cwd / "readme_block.py"
        script.write_text(block.source)
        run(f"{sys.executable} readme_block.py", (), cwd)
        return
    for command in block.commands:
        runnable = [smaller(p) for p in parts(command.text) if not not_run(p)]
        if runnable:
            run(" && ".join(runnable), command.shown, cwd)


def run(command: str, shown: tuple[str, ...], cwd: Path) -> None:
    proc = subprocess.run(
        ["bash", "-c", command],
        cwd=cwd,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"`{command}` exited with {proc.returncode}:\n{output[-3000:]}"
    for line in shown:
        expected = line.removesuffix("...").strip()
        assert expected in output, f"`{command}` did not print `{expected}`:\n{output[-3000:]}"


def test_every_block_is_parsed() -> None:
    """The parser finds the README's commands (a change of fences would hide them all)."""
    texts = [c.text for b in BLOCKS for c in b.commands]
    assert any(t.startswith("deeploy run examples/tiny_cnn") for t in texts)
    assert any(t.startswith("deeploy-opt ") for t in texts)
    assert sum(b.language == "python" for b in BLOCKS) >= 1
    fences = re.findall(r"^```(sh|python)\s*$", README.read_text(), re.MULTILINE)
    assert len(fences) == len(BLOCKS)


def test_commands_not_run_stay_true() -> None:
    """What the README installs is what .ci/run installs; `make test` exists."""
    ci = (PROJECT / ".ci" / "run").read_text()
    extras = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    skipped = [p for b in BLOCKS for c in b.commands for p in parts(c.text) if not_run(p)]
    assert skipped, "the README has no install or test command"
    for part in skipped:
        if part.startswith("pip install"):
            named = re.findall(r"\.\[(\w+)\]", part)
            assert all(extra in extras for extra in named), part
            if "[test]" in part:
                assert "pip install" in ci and "'.[test]'" in ci
        elif part.startswith("sudo apt-get install"):
            packages = part.split()[3:]
            ci_packages = re.search(r'mcu_packages="([^"]*)"', ci)
            assert ci_packages is not None
            assert set(packages) <= set(ci_packages.group(1).split()), part
        elif part.startswith("make test"):
            makefile = (PROJECT / "Makefile").read_text()
            assert re.search(rf"^{re.escape(part.split()[1])}:", makefile, re.MULTILINE)
            assert part in ci
