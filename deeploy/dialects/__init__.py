"""Deeploy's dialects, registered by name; each factory imports its module lazily."""

from __future__ import annotations

from collections.abc import Callable

from xdsl.context import Context
from xdsl.ir import Dialect


def _graph() -> Dialect:
    from deeploy.dialects.graph import graph_dialect

    return graph_dialect()


def _buffer() -> Dialect:
    from deeploy.dialects.buffer import Buffer

    return Buffer


def _tiled() -> Dialect:
    from deeploy.dialects.tiled import Tiled

    return Tiled


def _cemit() -> Dialect:
    from deeploy.dialects.cemit import CEmit

    return CEmit


def _target() -> Dialect:
    from deeploy.dialects.target import Target

    return Target


def get_all_dialects() -> dict[str, Callable[[], Dialect]]:
    return {
        "graph": _graph,
        "buffer": _buffer,
        "tiled": _tiled,
        "cemit": _cemit,
        "target": _target,
    }


UPSTREAM_DIALECTS = ("builtin", "func", "arith", "scf", "memref", "test")


def make_context() -> Context:
    """A context that knows our dialects and the upstream ones the pipeline uses (all lazy)."""
    from xdsl.dialects import get_all_dialects as upstream_dialects

    ctx = Context()
    upstream = upstream_dialects()
    for name in UPSTREAM_DIALECTS:
        ctx.register_dialect(name, upstream[name])
    for name, factory in get_all_dialects().items():
        ctx.register_dialect(name, factory)
    return ctx
