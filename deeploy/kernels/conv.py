"""Convolution kernels.

`conv2d_packed_f32` is chosen when the weights are constants and every group has a
multiple of 4 output channels: the emitter then writes the weights re-packed in blocks of
4 channels (the layout its register tiles read); `conv2d_f32` handles everything else
(depthwise and small groups, runtime weights).
"""

from __future__ import annotations

import numpy as np
from xdsl.ir import SSAValue
from xdsl.utils.exceptions import PassFailedException

from deeploy.dialects.buffer import ConstantOp, KernelOp
from deeploy.dialects.graph import GraphOp, constant_value, shape_of
from deeploy.dialects.graph_geometry import WindowGeometry, window_geometry
from deeploy.dtypes import numpy_from_dense, value_element_type
from deeploy.kernels.base import Binding, Emitter, Kernel, params_of
from deeploy.kernels.params import Params, ParamValue
from deeploy.kernels.predicates import f32_only
from deeploy.kernels.shapes import buffer_shape
from deeploy.tiling.rules import CONV


def window_2d(geom: WindowGeometry, rank: int) -> dict[str, ParamValue]:
    """A window's parameters as the 2-D kernels take them: a 1-D window (input rank 3)
    becomes a 1 x k window without padding on the added axis."""
    lift = (1,) if rank == 3 else ()
    zero = (0,) if rank == 3 else ()
    return {
        "kernel": lift + geom.kernel,
        "strides": lift + geom.strides,
        "dilations": lift + geom.dilations,
        "pads_begin": zero + geom.pads_begin,
        "pads_end": zero + geom.pads_end,
    }


def conv_geometry_args(p: Params, x: SSAValue, y: SSAValue) -> tuple[int, ...]:
    """(N, C, H, W, M, KH, KW, OH, OW, SH, SW, DH, DW, PT, PL, group), the geometry
    every convolution kernel of the runtime takes; a 1-D convolution has H = OH = 1."""
    xs, ys = buffer_shape(x), buffer_shape(y)
    h, w = (xs[2], xs[3]) if len(xs) == 4 else (1, xs[2])
    oh, ow = (ys[2], ys[3]) if len(ys) == 4 else (1, ys[2])
    return (
        xs[0],
        xs[1],
        h,
        w,
        ys[1],
        *p.ints("kernel"),
        oh,
        ow,
        *p.ints("strides"),
        *p.ints("dilations"),
        *p.ints("pads_begin"),
        p.int("group"),
    )


def conv_params(op: GraphOp, weights: int = 1) -> dict[str, ParamValue] | str:
    """A 1-D or 2-D convolution's window as 2-D kernel parameters (1-D: height 1), or why
    it is not one; kernel_shape defaults to the spatial shape of operand `weights`."""
    x = shape_of(op.operands[0])
    if len(x) not in (3, 4):
        return f"only 1-D and 2-D convolutions are supported (input rank {len(x)})"
    kernel = op.attr_ints("kernel_shape", ()) or shape_of(op.operands[weights])[2:]
    geom = window_geometry(op, kernel)
    return {**window_2d(geom, len(x)), "group": op.attr_int("group", 1)}


def bind_conv2d_f32(op: GraphOp) -> Binding | str:
    if reason := f32_only(op):
        return reason
    params = conv_params(op)
    if isinstance(params, str):
        return params
    packed = (
        constant_value(op.operands[1]) is not None
        and (shape_of(op.operands[1])[0] // op.attr_int("group", 1)) % 4 == 0
    )
    return Binding(
        "conv2d_packed_f32" if packed else "conv2d_f32", params, tuple(range(len(op.operands)))
    )


def packed_weights(weights: np.ndarray, group: int) -> np.ndarray:
    """(F, Cg, KH, KW) -> [g][F/G/4][Cg][KH][KW][4], the layout of deeploy_conv2d_packed_f32."""
    f, cg, kh, kw = weights.shape
    blocks = weights.reshape(group, f // group // 4, 4, cg, kh, kw)
    return np.ascontiguousarray(blocks.transpose(0, 1, 3, 4, 5, 2)).reshape(-1)


def emit_conv2d_packed_f32(e: Emitter, op: KernelOp) -> None:
    weights = op.ins[1].owner
    if not isinstance(weights, ConstantOp):
        raise PassFailedException("conv2d_packed_f32 needs constant weights (buffer.constant)")
    w = numpy_from_dense(weights.value)
    if w.ndim == 3:
        w = w[:, :, None, :]
    packed = packed_weights(w, params_of(op).int("group"))
    _emit(e, op, "deeploy_conv2d_packed_f32", e.f32_array(packed))


def emit_conv2d_f32(e: Emitter, op: KernelOp) -> None:
    _emit(e, op, "deeploy_conv2d_f32", e.ptr(op.ins[1], const=True))


def _emit(e: Emitter, op: KernelOp, symbol: str, weights) -> None:
    p = params_of(op)
    x = op.ins[0]
    accumulate = p.int("accumulate") if "accumulate" in p else 0
    # an accumulating tile adds to partial sums that already hold the bias
    bias = op.ins[2] if len(op.ins) > 2 and not accumulate else None
    y = op.outs[0]
    act_min = p.float("act_min") if "act_min" in p else float("-inf")
    act_max = p.float("act_max") if "act_max" in p else float("inf")
    e.call(
        symbol,
        [
            e.ptr(x, const=True),
            weights,
            e.ptr(bias, const=True) if bias is not None else e.null(value_element_type(x)),
            e.ptr(y),
            *map(e.i32, conv_geometry_args(p, x, y)),
            e.f32(act_min),
            e.f32(act_max),
            e.i32(accumulate),
        ],
    )


KERNELS = [
    Kernel(
        "conv2d_f32",
        ("Conv",),
        "kernels/conv_f32.c",
        bind_conv2d_f32,
        emit_conv2d_f32,
        tiling=CONV,
    ),
    # reached through conv2d_f32's binder, which picks it for constant weights; tiles of
    # weights arrive in L1 in their original layout, so tiled calls use conv2d_f32
    Kernel(
        "conv2d_packed_f32",
        (),
        "kernels/conv_f32.c",
        bind_conv2d_f32,
        emit_conv2d_packed_f32,
        tiled_variant="conv2d_f32",
    ),
]
