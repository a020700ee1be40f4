"""Integer convolution (runtime/kernels/conv_int.c): 1-D and 2-D, grouped and depthwise,
int32 accumulation; int32 result, or requantised when fuse-requant folds a RequantShift
into it (then the bias is folded into the requantisation's add)."""

from __future__ import annotations

from deeploy.dialects.buffer import KernelOp
from deeploy.dialects.graph import GraphOp, element_type
from deeploy.integer_types import I32
from deeploy.kernels.base import Binding, Emitter, Kernel, params_of
from deeploy.kernels.conv import conv_geometry_args, conv_params
from deeploy.kernels.requant import (
    fused_rq_params,
    int_short,
    integer_reason,
    no_rq_args,
    rq_args,
    type_code,
)
from deeploy.tiling.rules import CONV

WEIGHT_TYPES = ("i8", "u8", "i16", "i32")


def bind_conv2d_int(op: GraphOp) -> Binding | str:
    if reason := integer_reason(op, (0, 1)):
        return reason
    if (
        int_short(op.operands[0]) not in WEIGHT_TYPES
        or int_short(op.operands[1]) not in WEIGHT_TYPES
    ):
        return "needs int8/uint8/int16/int32 input and weights"
    rq = fused_rq_params(op)
    if isinstance(rq, str):
        return rq
    bias_at = 2 if rq is None or len(op.operands) == 5 else None
    if bias_at is not None and len(op.operands) > 2 and element_type(op.operands[2]) != I32:
        return f"needs an int32 bias, got {element_type(op.operands[2])}"
    params = conv_params(op)
    if isinstance(params, str):
        return params
    return Binding("conv2d_int", {**params, **(rq or {})}, tuple(range(len(op.operands))))


def emit_conv2d_int(e: Emitter, op: KernelOp) -> None:
    p = params_of(op)
    x, w = op.ins[0], op.ins[1]
    requantised = "rq_shift" in p
    accumulate = p.int("accumulate") if "accumulate" in p else 0
    extra = op.ins[2:]
    bias = extra[0] if len(extra) in (1, 3) and not accumulate else None
    rq = rq_args(e, op, extra[-2], extra[-1]) if requantised else no_rq_args(e)
    y = op.outs[0]
    e.call(
        f"deeploy_conv2d_{int_short(x)}_{int_short(w)}",
        [
            e.ptr(x, const=True),
            e.ptr(w, const=True),
            e.ptr(bias, const=True) if bias is not None else e.null(I32),
            e.ptr(y),
            e.i32(type_code(y)),
            *rq,
            *map(e.i32, conv_geometry_args(p, x, y)),
            e.i32(accumulate),
        ],
    )


KERNELS = [
    Kernel(
        "conv2d_int",
        ("Conv", "RequantizedConv"),
        "kernels/conv_int.c",
        bind_conv2d_int,
        emit_conv2d_int,
        tiling=CONV,
        symbols=tuple(f"deeploy_conv2d_{x}_{w}" for x in WEIGHT_TYPES for w in WEIGHT_TYPES),
    ),
]
