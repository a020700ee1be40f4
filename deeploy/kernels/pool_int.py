"""Integer pooling (runtime/kernels/pool_int.c): MaxPool, AveragePool, GlobalAveragePool,
GlobalMaxPool on int8/uint8/int16/uint16/int32 tensors; the result keeps the input type.
Averages round half up, floor((sum + count / 2) / count), as Deeploy's integer networks
expect (the same rule as integer ReduceMean)."""

from __future__ import annotations

from deeploy.dialects.buffer import KernelOp
from deeploy.dialects.graph import GraphOp, element_type
from deeploy.kernels.base import Emitter, Kernel, params_of
from deeploy.kernels.pool import bind_global, bind_window, emit_global, window_args
from deeploy.kernels.requant import TYPE_CODES, int_short, integer_reason
from deeploy.tiling.rules import GLOBAL_POOL, POOL

SOURCE = "kernels/pool_int.c"


def _symbols(stem: str) -> tuple[str, ...]:
    return tuple(f"deeploy_{stem}_{t}" for t in TYPE_CODES)


def same_integer_type(op: GraphOp) -> str | None:
    if reason := integer_reason(op, (0,)):
        return reason
    if element_type(op.operands[0]) != element_type(op.results[0]):
        return "needs the same input and output type"
    return None


def emit_maxpool_int(e: Emitter, op: KernelOp) -> None:
    e.call(f"deeploy_maxpool2d_{int_short(op.ins[0])}", window_args(e, op))


def emit_avgpool_int(e: Emitter, op: KernelOp) -> None:
    p = params_of(op)
    e.call(
        f"deeploy_avgpool2d_{int_short(op.ins[0])}",
        [*window_args(e, op), *map(e.i32, p.ints("pads_end")), e.i32(p.int("count_include_pad"))],
    )


def _emit_global_int(stem: str):
    def emit(e: Emitter, op: KernelOp) -> None:
        emit_global(f"deeploy_{stem}_{int_short(op.ins[0])}")(e, op)

    return emit


KERNELS = [
    Kernel(
        "maxpool2d_int",
        ("MaxPool",),
        SOURCE,
        bind_window("maxpool2d_int", same_integer_type),
        emit_maxpool_int,
        tiling=POOL,
        symbols=_symbols("maxpool2d"),
    ),
    Kernel(
        "avgpool2d_int",
        ("AveragePool",),
        SOURCE,
        bind_window("avgpool2d_int", same_integer_type),
        emit_avgpool_int,
        tiling=POOL,
        symbols=_symbols("avgpool2d"),
    ),
    Kernel(
        "global_avgpool_int",
        ("GlobalAveragePool",),
        SOURCE,
        bind_global("global_avgpool_int", same_integer_type),
        _emit_global_int("global_avgpool"),
        tiling=GLOBAL_POOL,
        symbols=_symbols("global_avgpool"),
    ),
    Kernel(
        "global_maxpool_int",
        ("GlobalMaxPool",),
        SOURCE,
        bind_global("global_maxpool_int", same_integer_type),
        _emit_global_int("global_maxpool"),
        tiling=GLOBAL_POOL,
        symbols=_symbols("global_maxpool"),
    ),
]
