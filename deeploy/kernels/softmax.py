"""Softmax and LogSoftmax kernels, along any axis."""

from __future__ import annotations

from deeploy.dialects.buffer import KernelOp
from deeploy.dialects.graph import GraphOp, shape_of
from deeploy.kernels.base import Binding, EmitFn, Emitter, Kernel, params_of
from deeploy.kernels.layout import numel
from deeploy.kernels.predicates import f32_only
from deeploy.kernels.shapes import buffer_shape
from deeploy.tiling.rules import ALONG_AXIS


def _binder(kernel: str):
    def bind(op: GraphOp) -> Binding | str:
        if reason := f32_only(op):
            return reason
        rank = len(shape_of(op.operands[0]))
        axis = op.attr_int("axis", -1) % max(rank, 1)
        return Binding(kernel, {"axis": axis}, (0,))

    return bind


def _emitter(symbol: str) -> EmitFn:
    def emit(e: Emitter, op: KernelOp) -> None:
        axis = params_of(op).int("axis")
        x, y = op.ins[0], op.outs[0]
        shape = buffer_shape(x) or (1,)
        e.call(
            symbol,
            [
                e.ptr(x, const=True),
                e.ptr(y),
                e.i32(numel(shape[:axis])),
                e.i32(shape[axis]),
                e.i32(numel(shape[axis + 1 :])),
            ],
        )

    return emit


KERNELS = [
    Kernel(
        "softmax_f32",
        ("Softmax",),
        "kernels/softmax_f32.c",
        _binder("softmax_f32"),
        _emitter("deeploy_softmax_f32"),
        tiling=ALONG_AXIS,
    ),
    Kernel(
        "log_softmax_f32",
        ("LogSoftmax",),
        "kernels/softmax_f32.c",
        _binder("log_softmax_f32"),
        _emitter("deeploy_log_softmax_f32"),
        tiling=ALONG_AXIS,
    ),
]
