"""Softmax kernels."""

from __future__ import annotations

from deeploy.dialects.buffer import KernelOp
from deeploy.dialects.graph import GraphOp, shape_of
from deeploy.kernels.base import Binding, Emitter, Kernel, params_of
from deeploy.kernels.layout import numel
from deeploy.kernels.predicates import f32_only
from deeploy.kernels.shapes import buffer_shape


def bind_softmax_f32(op: GraphOp) -> Binding | str:
    if reason := f32_only(op):
        return reason
    rank = len(shape_of(op.operands[0]))
    axis = int(op.attr_value("axis", -1)) % max(rank, 1)  # type: ignore[call-overload]
    return Binding("softmax_f32", {"axis": axis}, (0,))


def emit_softmax_f32(e: Emitter, op: KernelOp) -> None:
    axis = params_of(op).int("axis")
    x, y = op.ins[0], op.outs[0]
    shape = buffer_shape(x)
    e.call(
        "deeploy_softmax_f32",
        [
            e.ptr(x, const=True),
            e.ptr(y),
            e.i32(numel(shape[:axis])),
            e.i32(shape[axis]),
            e.i32(numel(shape[axis + 1 :])),
        ],
    )


KERNELS = [
    Kernel(
        "softmax_f32", ("Softmax",), "kernels/softmax_f32.c", bind_softmax_f32, emit_softmax_f32
    ),
]
