"""Names in the C runtime: every function the compiler can call is declared by its literal
name in a header (so that grep finds a generated call), and runtime files follow one
naming rule (stated in runtime/include/deeploy/common.h)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from deeploy.kernels.base import Kernel
from deeploy.kernels.library import generic_library

RUNTIME = Path(__file__).resolve().parents[2] / "runtime"
INCLUDE = RUNTIME / "include"
HEADERS = sorted((INCLUDE / "deeploy").glob("*.h"))
SOURCES = sorted((RUNTIME / "kernels").glob("*.c"))
# element-type tags; in a file name one may only come last: <family>_<type>
TYPE_TAGS = {"f32", "f16", "int", "i8", "u8", "i16", "u16", "i32", "i64", "bool", "float"}
KERNELS = generic_library().kernels


def _code(path: Path) -> str:
    """The file without comments and preprocessor lines (macro bodies included)."""
    text = re.sub(r"/\*.*?\*/|//[^\n]*", " ", path.read_text(), flags=re.S)
    return re.sub(r"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", "", text, flags=re.M)


def _declared(code: str) -> set[str]:
    """Names of the functions a header declares literally: `<return type> name(`."""
    pattern = r"^[ \t]*(?:(?:const|static|inline|unsigned)\s+)*[A-Za-z_]\w*[\s*]+(deeploy_\w+)\("
    return set(re.findall(pattern, code, flags=re.M))


DECLARED = {h.name: _declared(_code(h)) for h in HEADERS}
ALL_DECLARED = set().union(*DECLARED.values())


@pytest.mark.parametrize("kernel", KERNELS, ids=lambda k: k.name)
def test_kernel_symbols_are_declared_literally_in_its_header(kernel: Kernel) -> None:
    header = INCLUDE / kernel.header
    assert header.is_file(), f"{kernel.name}: no header {kernel.header}"
    missing = [s for s in kernel.symbols if s not in DECLARED[header.name]]
    assert not missing, f"{kernel.name}: not declared literally in {kernel.header}: {missing}"


def test_emit_calls_only_the_kernels_symbols() -> None:
    calls: list[str] = []

    class Recorder:
        def call(self, symbol: str, args) -> None:
            calls.append(symbol)

    def emit(e, op) -> None:
        e.call("deeploy_relu_f32", [])
        e.call("deeploy_sigmoid_f32", [])

    kernel = Kernel("relu_f32", (), "kernels/activation_f32.c", lambda op: "", emit)
    with pytest.raises(AssertionError, match="deeploy_sigmoid_f32"):
        kernel.emit(Recorder(), None)  # type: ignore[arg-type]
    assert calls == ["deeploy_relu_f32"]


def test_the_checked_emitter_passes_state_through() -> None:
    """What a kernel reads or sets on its emitter is the real emitter's (the check only
    watches calls)."""

    class Emitter:
        uses_math = False

    def emit(e, op) -> None:
        e.uses_math = True

    real = Emitter()
    Kernel("relu_f32", (), "kernels/activation_f32.c", lambda op: "", emit).emit(real, None)  # type: ignore[arg-type]
    assert real.uses_math is True


@pytest.mark.skipif(not (shutil.which("cc") and shutil.which("nm")), reason="needs cc and nm")
def test_every_runtime_function_is_declared_literally(tmp_path: Path) -> None:
    """The external functions the runtime defines (macro-generated ones included), from
    the object files' symbol tables."""
    sources = [*SOURCES, RUNTIME / "platform" / "dma.c", RUNTIME / "platform" / "tiled.c"]
    subprocess.run(
        ["cc", "-std=c99", "-O0", "-w", "-c", "-I", str(INCLUDE), *map(str, sources)],
        cwd=tmp_path,
        check=True,
    )
    out = subprocess.run(
        ["nm", "-g", "--defined-only", *map(str, sorted(tmp_path.glob("*.o")))],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    defined = {line.split()[2] for line in out.splitlines() if len(line.split()) == 3}
    assert len(defined) > 300
    assert not sorted(defined - ALL_DECLARED)


def _stem_follows_rule(stem: str) -> bool:
    words = stem.split("_")
    return bool(re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", stem)) and not (
        TYPE_TAGS & set(words[:-1])
    )


@pytest.mark.parametrize("path", [*SOURCES, *HEADERS], ids=lambda p: f"{p.parent.name}/{p.name}")
def test_runtime_file_names_follow_the_rule(path: Path) -> None:
    assert _stem_follows_rule(path.stem), f"{path.name}: not <family>[_<type>]"
    if path.suffix == ".c":
        assert (INCLUDE / "deeploy" / f"{path.stem}.h").is_file(), f"no header {path.stem}.h"


def test_kernels_name_their_header_after_their_source() -> None:
    for kernel in KERNELS:
        stem = Path(kernel.source).stem
        assert (RUNTIME / kernel.source).is_file(), kernel.source
        assert kernel.header == f"deeploy/{stem}.h", (kernel.name, kernel.header)


def test_the_rule() -> None:
    assert _stem_follows_rule("div_int") and _stem_follows_rule("conv_transpose_f32")
    assert _stem_follows_rule("data_movement") and _stem_follows_rule("common_int")
    assert not _stem_follows_rule("int_div") and not _stem_follows_rule("f32_conv")
