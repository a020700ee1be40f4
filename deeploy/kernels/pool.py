"""Pooling kernels: MaxPool, AveragePool (1-D/2-D), GlobalAveragePool, GlobalMaxPool."""

from __future__ import annotations

from collections.abc import Callable

from deeploy.dialects.buffer import KernelOp
from deeploy.dialects.graph import GraphOp, shape_of
from deeploy.dialects.graph_geometry import window_geometry
from deeploy.kernels.base import BindFn, Binding, Emitter, Kernel, params_of
from deeploy.kernels.layout import numel
from deeploy.kernels.params import ParamValue
from deeploy.kernels.predicates import f32_only
from deeploy.kernels.shapes import buffer_shape
from deeploy.tiling.rules import GLOBAL_POOL, POOL


def bind_window(kernel: str, check: Callable[[GraphOp], str | None] = f32_only) -> BindFn:
    def bind(op: GraphOp) -> Binding | str:
        if reason := check(op):
            return reason
        if len(op.results) > 1:
            return "the Indices output is not supported"
        x = shape_of(op.operands[0])
        if len(x) not in (3, 4):
            return f"only 1-D and 2-D pooling is supported (input rank {len(x)})"
        geom = window_geometry(op)
        lift = (1,) if len(x) == 3 else ()
        zero = (0,) if len(x) == 3 else ()
        params: dict[str, ParamValue] = {
            "kernel": lift + geom.kernel,
            "strides": lift + geom.strides,
            "dilations": lift + geom.dilations,
            "pads_begin": zero + geom.pads_begin,
            "pads_end": zero + geom.pads_end,
        }
        if kernel.startswith("avgpool"):
            params["count_include_pad"] = op.attr_int("count_include_pad", 0)
        return Binding(kernel, params, (0,))

    return bind


def window_args(e: Emitter, op: KernelOp) -> list:
    p = params_of(op)
    x, y = op.ins[0], op.outs[0]
    xs, ys = buffer_shape(x), buffer_shape(y)
    h, w = (xs[2], xs[3]) if len(xs) == 4 else (1, xs[2])
    oh, ow = (ys[2], ys[3]) if len(ys) == 4 else (1, ys[2])
    return [
        e.ptr(x, const=True),
        e.ptr(y),
        *map(
            e.i32,
            (
                xs[0] * xs[1],
                h,
                w,
                oh,
                ow,
                *p.ints("kernel"),
                *p.ints("strides"),
                *p.ints("dilations"),
                *p.ints("pads_begin"),
            ),
        ),
    ]


def emit_maxpool(e: Emitter, op: KernelOp) -> None:
    e.call("deeploy_maxpool2d_f32", window_args(e, op))


def emit_avgpool(e: Emitter, op: KernelOp) -> None:
    p = params_of(op)
    e.call(
        "deeploy_avgpool2d_f32",
        [*window_args(e, op), *map(e.i32, p.ints("pads_end")), e.i32(p.int("count_include_pad"))],
    )


def bind_global(kernel: str, check: Callable[[GraphOp], str | None] = f32_only):
    def bind(op: GraphOp) -> Binding | str:
        if reason := check(op):
            return reason
        return Binding(kernel, {}, (0,))

    return bind


def emit_global(symbol: str):
    def emit(e: Emitter, op: KernelOp) -> None:
        x, y = op.ins[0], op.outs[0]
        xs = buffer_shape(x)
        e.call(symbol, [e.ptr(x, const=True), e.ptr(y), e.i32(xs[0] * xs[1]), e.i32(numel(xs[2:]))])

    return emit


KERNELS = [
    Kernel(
        "maxpool2d_f32",
        ("MaxPool",),
        "kernels/pool_f32.c",
        bind_window("maxpool2d_f32"),
        emit_maxpool,
        tiling=POOL,
    ),
    Kernel(
        "avgpool2d_f32",
        ("AveragePool",),
        "kernels/pool_f32.c",
        bind_window("avgpool2d_f32"),
        emit_avgpool,
        tiling=POOL,
    ),
    Kernel(
        "global_avgpool_f32",
        ("GlobalAveragePool",),
        "kernels/pool_f32.c",
        bind_global("global_avgpool_f32"),
        emit_global("deeploy_global_avgpool_f32"),
        tiling=GLOBAL_POOL,
    ),
    Kernel(
        "global_maxpool_f32",
        ("GlobalMaxPool",),
        "kernels/pool_f32.c",
        bind_global("global_maxpool_f32"),
        emit_global("deeploy_global_maxpool_f32"),
        tiling=GLOBAL_POOL,
    ),
]
