"""Convolution kernels."""

from __future__ import annotations

from deeploy.dialects.buffer import KernelOp
from deeploy.dialects.graph import GraphOp, shape_of
from deeploy.dialects.graph_geometry import conv_geometry
from deeploy.kernels.base import Binding, Emitter, Kernel, params_of
from deeploy.kernels.predicates import f32_only
from deeploy.kernels.shapes import buffer_shape


def bind_conv2d_f32(op: GraphOp) -> Binding | str:
    if reason := f32_only(op):
        return reason
    x = shape_of(op.operands[0])
    if len(x) not in (3, 4):
        return f"only 1-D and 2-D convolutions are supported (input rank {len(x)})"
    geom = conv_geometry(op)
    lift = (1,) if len(x) == 3 else ()
    zero = (0,) if len(x) == 3 else ()
    params = {
        "kernel": lift + geom.kernel,
        "strides": lift + geom.strides,
        "dilations": lift + geom.dilations,
        "pads_begin": zero + geom.pads_begin,
        "pads_end": zero + geom.pads_end,
        "group": int(op.attr_value("group", 1)),  # type: ignore[arg-type]
    }
    return Binding("conv2d_f32", params, tuple(range(len(op.operands))))


def emit_conv2d_f32(e: Emitter, op: KernelOp) -> None:
    p = params_of(op)
    x, w = op.ins[0], op.ins[1]
    bias = op.ins[2] if len(op.ins) > 2 else None
    y = op.outs[0]
    xs, ys = buffer_shape(x), buffer_shape(y)
    n, c = xs[0], xs[1]
    h, w_in = (xs[2], xs[3]) if len(xs) == 4 else (1, xs[2])
    oh, ow = (ys[2], ys[3]) if len(ys) == 4 else (1, ys[2])
    kh, kw = p.ints("kernel")
    sh, sw = p.ints("strides")
    dh, dw = p.ints("dilations")
    pt, pl = p.ints("pads_begin")
    act_min = p.float("act_min") if "act_min" in p else float("-inf")
    act_max = p.float("act_max") if "act_max" in p else float("inf")
    e.call(
        "deeploy_conv2d_f32",
        [
            e.ptr(x, const=True),
            e.ptr(w, const=True),
            e.ptr(bias, const=True) if bias is not None else e.null(x.type.get_element_type()),  # type: ignore[attr-defined]
            e.ptr(y),
            *map(
                e.i32,
                (n, c, h, w_in, ys[1], kh, kw, oh, ow, sh, sw, dh, dw, pt, pl, p.int("group")),
            ),
            e.f32(act_min),
            e.f32(act_max),
        ],
    )


KERNELS = [
    Kernel("conv2d_f32", ("Conv",), "kernels/conv_f32.c", bind_conv2d_f32, emit_conv2d_f32),
]
