"""Compiled runtime sources, kept between builds.

The runtime's kernels are the same C for every network, and compiling them dominated a
build: conv_int.c alone takes seconds at -O2, ten with the sanitizers. An object file is
reused only when the compiler (its path and `--version`), the flags, the source and
every header of the runtime's include folder are byte-identical to those it was built
from; anything else compiles afresh. Objects go to `$XDG_CACHE_HOME/deeploy/objects`
(default `~/.cache/deeploy/objects`); `DEEPLOY_OBJECT_CACHE` names another folder, or
`off` to compile every source in every build.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from deeploy.targets.base import run_tool

# options that only the linker reads: they do not change an object, and -T with -c
# draws "linker input unused" warnings from some compilers
LINK_ONLY_PREFIXES = ("-T", "-Wl,", "-l", "-L", "--oslib=", "--crt0=")


def cache_dir() -> Path | None:
    setting = os.environ.get("DEEPLOY_OBJECT_CACHE", "")
    if setting.lower() in ("off", "0", "no"):
        return None
    if setting:
        return Path(setting)
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "deeploy" / "objects"


def compile_flags(flags: Sequence[str]) -> list[str]:
    return [f for f in flags if not f.startswith(LINK_ONLY_PREFIXES)]


@cache
def _compiler_identity(cc: str) -> bytes:
    path = shutil.which(cc) or cc
    try:
        version = subprocess.run(
            [path, "--version"], capture_output=True, check=False, timeout=30
        ).stdout
    except OSError:
        version = b""
    return path.encode() + b"\0" + version


def _headers_digest(include_dir: Path) -> bytes:
    digest = hashlib.sha256()
    for header in sorted(p for p in include_dir.rglob("*") if p.is_file()):
        digest.update(header.relative_to(include_dir).as_posix().encode() + b"\0")
        digest.update(header.read_bytes())
    return digest.digest()


def object_key(cc: str, flags: Sequence[str], source: Path, include_dir: Path) -> str:
    digest = hashlib.sha256(_compiler_identity(cc))
    digest.update("\0".join(flags).encode() + b"\0")
    digest.update(source.read_bytes())
    digest.update(_headers_digest(include_dir))
    return digest.hexdigest()


def cached_object(
    cc: str, flags: Sequence[str], source: Path, include_dir: Path
) -> Path | subprocess.CompletedProcess[str]:
    """The object file of `source` (a runtime source, including only the runtime's
    headers), compiled now or found in the cache; the compiler's result on failure.
    Without a cache it returns the source itself, for the link command to compile."""
    folder = cache_dir()
    if folder is None:
        return source
    flags = compile_flags(flags)
    key = object_key(cc, flags, source, include_dir)
    target = folder / key[:2] / f"{source.stem}-{key[2:18]}.o"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    # compile beside the target and rename: builds running in parallel never see half
    # an object, and the last rename wins with identical bytes
    fd, partial = tempfile.mkstemp(suffix=".o", dir=target.parent)
    os.close(fd)
    proc = run_tool([cc, *flags, f"-I{include_dir}", "-c", str(source), "-o", partial])
    if proc.returncode != 0:
        Path(partial).unlink(missing_ok=True)
        return proc
    os.replace(partial, target)
    return target
