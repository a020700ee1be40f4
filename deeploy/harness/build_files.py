"""Render the Makefile and the test harness (jinja2 templates beside this module)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from deeploy.api import CompileResult
    from deeploy.targets.base import McuLayout

TEMPLATES = Path(__file__).resolve().parent


def _env():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _plain(network: str, files: Sequence[str] = ()) -> str:
    """The templates hold names, never model text: the network name must be the C
    identifier the compiler derived, the files plain relative paths."""
    from deeploy.backend.c_printer import file_name, identifier

    for f in files:
        file_name(f, folders=True)
    return identifier(network)


def makefile(result: CompileResult) -> str:
    from deeploy.targets import get_target

    tc = get_target(result.target).toolchain
    return (
        _env()
        .get_template("Makefile.j2")
        .render(
            network=_plain(result.network, result.runtime_sources),
            target=result.target,
            cc=tc.cc,
            cflags=" ".join(tc.cflags),
            runtime_sources=result.runtime_sources,
        )
    )


def _c_values(array: np.ndarray) -> str:
    from deeploy.backend.c_printer import format_floats, format_ints, wrap

    if array.dtype.kind == "f":
        items = format_floats(array.astype(np.float32))
    elif array.dtype.kind == "b":
        items = [str(int(v)) for v in array.ravel()]
    else:
        items = format_ints(
            array.astype(np.int64), array.dtype.itemsize * 8, array.dtype.kind == "u"
        )
    return "\n".join(wrap(items, "    "))


def test_main(
    network: str,
    inputs: list[np.ndarray],
    outputs: list[tuple[np.dtype, int]],
    tiled: bool = False,
    counter: str = "",
) -> str:
    """The harness source: inputs embedded as arrays, outputs printed as hex words (and,
    for a tiled network, the DMA layer's counters of one inference). `counter` "program"
    or "plugin" brackets the inference with deeploy/counter.h's start/stop; "program"
    also prints the count."""
    from deeploy.dtypes import c_type, element_type_of

    return (
        _env()
        .get_template("test_main.c.j2")
        .render(
            network=_plain(network),
            tiled=tiled,
            counter=counter,
            inputs=[
                {
                    "ctype": c_type(element_type_of(a.dtype)),
                    "count": max(1, a.size),
                    "data": _c_values(a),
                }
                for a in inputs
            ],
            outputs=[
                {
                    "ctype": c_type(element_type_of(dtype)),
                    "count": count,
                    "size": np.dtype(dtype).itemsize,
                }
                for dtype, count in outputs
            ],
        )
    )


def linker_script(network: str, target: str, layout: McuLayout, levels: dict[str, int]) -> str:
    """The linker script of a microcontroller build: RAM of `levels["L2"]` bytes, and the
    L1/L3 arrays (sections .l1/.l3) in regions of exactly their levels' sizes."""
    scratchpads = [
        {"region": level.lower(), "origin": origin, "bytes": levels[level]}
        for level, origin in (("L1", layout.l1_origin), ("L3", layout.l3_origin))
        if level in levels and origin is not None
    ]
    return (
        _env()
        .get_template("link.ld.j2")
        .render(
            network=_plain(network),
            target=target,
            flash_origin=layout.flash_origin,
            flash_bytes=layout.flash_bytes,
            ram_origin=layout.ram_origin,
            ram_bytes=levels["L2"],
            stack_bytes=layout.stack_bytes,
            scratchpads=scratchpads,
        )
    )
