"""The cache of compiled runtime sources: reused only when nothing that goes into the
object has changed."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from deeploy.harness.object_cache import cached_object, compile_flags

FLAGS = ["-std=c99", "-O2", "-Wall", "-Wextra", "-Werror"]


@pytest.fixture
def runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    monkeypatch.setenv("DEEPLOY_OBJECT_CACHE", str(tmp_path / "cache"))
    include = tmp_path / "include"
    (include / "rt").mkdir(parents=True)
    (include / "rt" / "k.h").write_text("#define SCALE 3\nint k(int x);\n")
    source = tmp_path / "k.c"
    source.write_text('#include "rt/k.h"\nint k(int x) { return SCALE * x; }\n')
    return source, include


def _object(source: Path, include: Path, flags: list[str] = FLAGS) -> Path:
    built = cached_object("cc", flags, source, include)
    assert isinstance(built, Path), built
    return built


def test_second_build_reuses_the_object(runtime: tuple[Path, Path]) -> None:
    source, include = runtime
    first = _object(source, include)
    stamp = first.stat().st_mtime_ns
    assert first.suffix == ".o" and first != source
    again = _object(source, include)
    assert again == first and again.stat().st_mtime_ns == stamp


@pytest.mark.parametrize("change", ["flags", "header", "source"])
def test_any_input_change_builds_another_object(runtime: tuple[Path, Path], change: str) -> None:
    source, include = runtime
    first = _object(source, include)
    flags = FLAGS
    if change == "flags":
        flags = [*FLAGS, "-DEXTRA=1"]
    elif change == "header":
        (include / "rt" / "k.h").write_text("#define SCALE 5\nint k(int x);\n")
    else:
        source.write_text('#include "rt/k.h"\nint k(int x) { return SCALE + x; }\n')
    assert _object(source, include, flags) != first


def test_link_only_flags_do_not_split_the_cache(runtime: tuple[Path, Path]) -> None:
    source, include = runtime
    assert compile_flags([*FLAGS, "-Tprog.ld", "-Wl,--gc-sections", "-lm"]) == FLAGS
    assert _object(source, include, [*FLAGS, "-Tprog.ld"]) == _object(source, include)


def test_failed_compile_is_reported_and_not_cached(runtime: tuple[Path, Path]) -> None:
    source, include = runtime
    source.write_text('#include "rt/k.h"\nint k(int x) { int unused; return x; }\n')
    built = cached_object("cc", FLAGS, source, include)
    assert isinstance(built, subprocess.CompletedProcess)
    assert "unused" in built.stderr
    assert not list((source.parent / "cache").rglob("*.o"))


def test_cache_off_compiles_in_the_link(
    runtime: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    source, include = runtime
    monkeypatch.setenv("DEEPLOY_OBJECT_CACHE", "off")
    assert cached_object("cc", FLAGS, source, include) == source
