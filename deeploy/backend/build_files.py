"""The files a user takes away beside the C: the Makefile and, on a microcontroller, the
linker script (jinja2 templates in templates/), and where the C runtime they build
with is."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from deeploy.backend.c_printer import file_name, identifier
from deeploy.targets.base import McuLayout, Target

TEMPLATES = Path(__file__).resolve().parent / "templates"
RUNTIME_DIR = Path(__file__).resolve().parents[1] / "runtime"  # a link to the top-level runtime/


def runtime_dir() -> Path:
    """Where the C runtime lives (the package's `runtime/`, or DEEPLOY_RUNTIME)."""
    override = os.environ.get("DEEPLOY_RUNTIME")
    return Path(override) if override else RUNTIME_DIR


def template_environment(folder: Path = TEMPLATES):
    """jinja2 for our templates: strict about undefined names, blocks on lines of their own."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def plain_names(network: str, files: Sequence[str] = ()) -> str:
    """The templates hold names, never model text: the network name must be the C
    identifier the compiler derived, the files plain relative paths."""
    for f in files:
        file_name(f, folders=True)
    return identifier(network)


def makefile(
    network: str,
    target: Target,
    runtime_sources: Sequence[str],
    main: bool = False,
    linker_script: str | None = None,
    extra_cflags: Sequence[str] = (),
) -> str:
    """The exported project's Makefile: the library, and with `main` (main.c, the
    target's counter sources under runtime/) a program `make run` runs; `extra_cflags`
    (e.g. --march's) follow the target's flags."""
    from shlex import join

    tc = target.toolchain
    harness = [s for s in target.harness_sources if s not in runtime_sources]
    ldflags = [*tc.ldflags, *([f"-T{linker_script}"] if linker_script else [])]
    run_comment = f"runs it under {target.emulator[0]}" if target.emulator else "runs it"
    return (
        template_environment()
        .get_template("Makefile.j2")
        .render(
            network=plain_names(network, [*runtime_sources, *harness]),
            target=target.name,
            cc=tc.cc,
            ar=tc.ar,
            cflags=join([*tc.cflags, *extra_cflags]),
            ldflags=join(ldflags),
            run=join(target.emulator),
            run_comment=run_comment,
            main=main,
            lib_sources=" ".join([f"{network}.c", *(f"runtime/{s}" for s in runtime_sources)]),
            main_sources=" ".join(["main.c", *(f"runtime/{s}" for s in harness)]),
            linker_script=f" {linker_script}" if linker_script else "",
        )
    )


def linker_script(
    network: str, target: str, layout: McuLayout, ram_level: str, levels: Mapping[str, int]
) -> str:
    """The linker script of a microcontroller build: RAM of `levels[ram_level]` bytes,
    and every other level's array (section `.<level>`, lower case) in a region of exactly
    its size at the origin the layout gives it."""
    scratchpads = [
        {"region": level.lower(), "origin": origin, "bytes": levels[level]}
        for level, origin in layout.level_origins
        if level in levels
    ]
    return (
        template_environment()
        .get_template("link.ld.j2")
        .render(
            network=plain_names(network),
            target=target,
            flash_origin=layout.flash_origin,
            flash_bytes=layout.flash_bytes,
            ram_origin=layout.ram_origin,
            ram_bytes=levels[ram_level],
            stack_bytes=layout.stack_bytes,
            scratchpads=scratchpads,
        )
    )
