"""Pointwise activation kernels."""

from __future__ import annotations

import math

from deeploy.dialects.buffer import KernelOp
from deeploy.dialects.graph import GraphOp, constant_value
from deeploy.kernels.base import Binding, Emitter, Kernel, params_of
from deeploy.kernels.layout import numel
from deeploy.kernels.predicates import f32_only
from deeploy.kernels.shapes import buffer_shape


def _simple(op_type: str, symbol: str) -> Kernel:
    def bind(op: GraphOp) -> Binding | str:
        if reason := f32_only(op):
            return reason
        return Binding(f"{symbol}_f32", {}, (0,))

    def emit(e: Emitter, op: KernelOp) -> None:
        x, y = op.ins[0], op.outs[0]
        e.call(
            f"deeploy_{symbol}_f32", [e.ptr(x, const=True), e.ptr(y), e.i32(numel(buffer_shape(y)))]
        )

    return Kernel(
        f"{symbol}_f32", (op_type,), "kernels/activation_f32.c", bind, emit, inplace=((0, 0),)
    )


def bind_clip_f32(op: GraphOp) -> Binding | str:
    if reason := f32_only(op, (0,)):
        return reason
    bounds = []
    for index, default in ((1, -math.inf), (2, math.inf)):
        value = op.operand_at(index)
        if value is None:
            bounds.append(default)
            continue
        array = constant_value(value)
        if array is None:
            return "min/max must be constants"
        bounds.append(float(array.reshape(-1)[0]))
    return Binding("clip_f32", {"min": bounds[0], "max": bounds[1]}, (0,))


def emit_clip_f32(e: Emitter, op: KernelOp) -> None:
    p = params_of(op)
    x, y = op.ins[0], op.outs[0]
    e.call(
        "deeploy_clip_f32",
        [
            e.ptr(x, const=True),
            e.ptr(y),
            e.i32(numel(buffer_shape(y))),
            e.f32(p.float("min")),
            e.f32(p.float("max")),
        ],
    )


def bind_gelu_f32(op: GraphOp) -> Binding | str:
    if reason := f32_only(op):
        return reason
    approximate = op.attr_value("approximate", "none")
    if approximate not in ("none", "tanh"):
        return f"approximate='{approximate}' is not supported"
    return Binding("gelu_tanh_f32" if approximate == "tanh" else "gelu_f32", {}, (0,))


KERNELS = [
    _simple("Relu", "relu"),
    _simple("Sigmoid", "sigmoid"),
    Kernel(
        "gelu_f32",
        ("Gelu",),
        "kernels/activation_f32.c",
        bind_gelu_f32,
        _simple("Gelu", "gelu").emit,
        inplace=((0, 0),),
    ),
    Kernel(
        "gelu_tanh_f32",
        (),
        "kernels/activation_f32.c",
        bind_gelu_f32,
        _simple("Gelu", "gelu_tanh").emit,
        inplace=((0, 0),),
    ),
    Kernel(
        "clip_f32",
        ("Clip",),
        "kernels/activation_f32.c",
        bind_clip_f32,
        emit_clip_f32,
        inplace=((0, 0),),
    ),
]
