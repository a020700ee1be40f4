"""Integer Add, Sub and Mul with broadcasting (runtime/kernels/elementwise_int.c): operands
of any integer type, int32 result (or requantised, when fuse-requant folds a RequantShift
into the kernel)."""

from __future__ import annotations

from deeploy.dialects.buffer import KernelOp
from deeploy.dialects.graph import GraphOp, constant_value, element_type, shape_of
from deeploy.dialects.graph_op import is_op
from deeploy.integer_types import integer_range
from deeploy.kernels.base import Binding, Emitter, Kernel
from deeploy.kernels.layout import broadcast_layout
from deeploy.kernels.requant import (
    MAX_RANK,
    fused_rq_params,
    integer_reason,
    no_rq_args,
    rq_args,
    type_code,
)
from deeploy.kernels.shapes import buffer_shape
from deeploy.tiling.rules import ELEMENTWISE

SOURCE = "kernels/elementwise_int.c"
OPS = {"Add": 0, "Sub": 1, "Mul": 2}


def bind_binary_int(op: GraphOp) -> Binding | str:
    if reason := integer_reason(op):
        return reason
    rq = fused_rq_params(op)
    if isinstance(rq, str):
        return rq
    if len(op.operands) != (4 if rq is not None else 2):
        return "needs exactly two operands"
    out = shape_of(op.results[0])
    shape, _ = broadcast_layout(out, [shape_of(v) for v in op.operands[:2]])
    if len(shape) > MAX_RANK:
        return f"broadcast pattern needs {len(shape)} axes, more than {MAX_RANK}"
    op_type = op.SIGNATURE.op_type.removeprefix("Requantized")
    params = {"op": OPS[op_type], **(rq or {})}
    return Binding("binary_int", params, tuple(range(len(op.operands))))


def emit_binary_int(e: Emitter, op: KernelOp) -> None:
    from deeploy.kernels.base import params_of

    p = params_of(op)
    a, b = op.ins[0], op.ins[1]
    y = op.outs[0]
    rq = rq_args(e, op, op.ins[2], op.ins[3]) if len(op.ins) > 2 else no_rq_args(e)
    shape, (a_s, b_s) = broadcast_layout(buffer_shape(y), [buffer_shape(a), buffer_shape(b)])
    e.call(
        "deeploy_binary_int",
        [
            e.i32(p.int("op")),
            e.ptr(a, const=True),
            e.i32(type_code(a)),
            e.ptr(b, const=True),
            e.i32(type_code(b)),
            e.ptr(y),
            e.i32(type_code(y)),
            *rq,
            e.i32(len(shape)),
            e.i32_array(shape),
            e.i32_array(a_s),
            e.i32_array(b_s),
        ],
    )


def bind_clip_int(op: GraphOp) -> Binding | str:
    if reason := integer_reason(op, (0,)):
        return reason
    if element_type(op.operands[0]) != element_type(op.results[0]):
        return "needs the same input and output type"
    lo, hi = integer_range(element_type(op.results[0]))
    if is_op(op, "Clip"):
        for index in (1, 2):
            value = op.operand_at(index)
            if value is None:
                continue
            bound = constant_value(value)
            if bound is None or bound.size != 1:
                return "min and max must be one-element constants"
            if index == 1:
                lo = max(lo, int(bound.reshape(-1)[0]))
            else:
                hi = min(hi, int(bound.reshape(-1)[0]))
    else:
        lo = max(lo, 0)
    return Binding("clip_int", {"lo": lo, "hi": hi}, (0,))


def emit_clip_int(e: Emitter, op: KernelOp) -> None:
    from deeploy.kernels.base import params_of
    from deeploy.kernels.layout import numel

    p = params_of(op)
    x, y = op.ins[0], op.outs[0]
    e.call(
        "deeploy_clip_int",
        [
            e.ptr(x, const=True),
            e.ptr(y),
            e.i32(type_code(x)),
            e.i32(numel(buffer_shape(y))),
            e.i32(p.int("lo")),
            e.i32(p.int("hi")),
        ],
    )


KERNELS = [
    Kernel(
        "binary_int",
        (*OPS, "RequantizedAdd"),
        SOURCE,
        bind_binary_int,
        emit_binary_int,
        tiling=ELEMENTWISE,
    ),
    Kernel(
        "clip_int",
        ("Relu", "Clip"),
        SOURCE,
        bind_clip_int,
        emit_clip_int,
        inplace=((0, 0),),
        tiling=ELEMENTWISE,
    ),
]
