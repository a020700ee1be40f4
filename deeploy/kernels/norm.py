"""Normalisation kernels: LayerNormalization."""

from __future__ import annotations

from deeploy.dialects.buffer import KernelOp
from deeploy.dialects.graph import GraphOp, shape_of
from deeploy.kernels.base import Binding, Emitter, Kernel, params_of
from deeploy.kernels.layout import numel
from deeploy.kernels.predicates import f32_only
from deeploy.kernels.shapes import buffer_shape


def bind_layernorm_f32(op: GraphOp) -> Binding | str:
    if reason := f32_only(op):
        return reason
    if len(op.results) > 1:
        return "the Mean and InvStdDev outputs are not supported"
    x = shape_of(op.operands[0])
    axis = int(op.attr_value("axis", -1)) % len(x)  # type: ignore[call-overload]
    n = numel(x[axis:])
    for v in op.operands[1:]:
        if numel(shape_of(v)) != n:
            return f"scale and bias must have the normalised shape {x[axis:]}"
    return Binding(
        "layernorm_f32",
        {"axis": axis, "epsilon": float(op.attr_value("epsilon", 1e-5))},  # type: ignore[arg-type]
        tuple(range(len(op.operands))),
    )


def emit_layernorm_f32(e: Emitter, op: KernelOp) -> None:
    p = params_of(op)
    x, scale = op.ins[0], op.ins[1]
    bias = op.ins[2] if len(op.ins) > 2 else None
    y = op.outs[0]
    shape = buffer_shape(x)
    axis = p.int("axis")
    e.call(
        "deeploy_layernorm_f32",
        [
            e.ptr(x, const=True),
            e.ptr(scale, const=True),
            e.ptr(bias, const=True) if bias is not None else e.null(x.type.get_element_type()),  # type: ignore[attr-defined]
            e.ptr(y),
            e.i32(numel(shape[:axis])),
            e.i32(numel(shape[axis:])),
            e.f32(p.float("epsilon")),
        ],
    )


KERNELS = [
    Kernel(
        "layernorm_f32",
        ("LayerNormalization",),
        "kernels/norm_f32.c",
        bind_layernorm_f32,
        emit_layernorm_f32,
    ),
]
