"""Render the test harness (test_main.c.j2 beside this module); the files a user takes
away (Makefile, linker script) are deeploy/backend/build_files.py's."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from deeploy.backend.build_files import plain_names, template_environment

TEMPLATES = Path(__file__).resolve().parent


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
        template_environment(TEMPLATES)
        .get_template("test_main.c.j2")
        .render(
            network=plain_names(network),
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
