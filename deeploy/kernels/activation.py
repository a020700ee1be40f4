"""Pointwise activation kernels, float32."""

from __future__ import annotations

import math

from deeploy.dialects.buffer import KernelOp
from deeploy.dialects.graph import GraphOp, constant_value, shape_of
from deeploy.kernels.base import Binding, Emitter, Kernel, params_of
from deeploy.kernels.layout import broadcast_layout, numel
from deeploy.kernels.predicates import f32_only
from deeploy.kernels.shapes import buffer_shape
from deeploy.kernels.unary import emit_pointwise, pointwise_kernel
from deeploy.tiling.rules import ELEMENTWISE

SOURCE = "kernels/activation_f32.c"
MAX_RANK = 8


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
    approximate = op.attr_str("approximate", "none")
    if approximate not in ("none", "tanh"):
        return f"approximate='{approximate}' is not supported"
    return Binding("gelu_tanh_f32" if approximate == "tanh" else "gelu_f32", {}, (0,))


def _check_celu(params: dict[str, float]) -> str | None:
    return "alpha must not be 0" if params["alpha"] == 0.0 else None


def bind_prelu_f32(op: GraphOp) -> Binding | str:
    if reason := f32_only(op):
        return reason
    x_shape = shape_of(op.operands[0])
    if shape_of(op.results[0]) != x_shape:
        return "slope must broadcast to the shape of X"
    shape, _ = broadcast_layout(x_shape, [x_shape, shape_of(op.operands[1])])
    if len(shape) > MAX_RANK:
        return f"broadcast pattern needs {len(shape)} axes, more than {MAX_RANK}"
    return Binding("prelu_f32", {}, (0, 1))


def emit_prelu_f32(e: Emitter, op: KernelOp) -> None:
    x, slope = op.ins
    y = op.outs[0]
    # x has y's shape, so only the slope needs strides
    shape, (_, slope_strides) = broadcast_layout(
        buffer_shape(y), [buffer_shape(x), buffer_shape(slope)]
    )
    assert slope_strides[-1] in (0, 1), slope_strides
    e.call(
        "deeploy_prelu_f32",
        [
            e.ptr(x, const=True),
            e.ptr(slope, const=True),
            e.ptr(y),
            e.i32(len(shape)),
            e.i32_array(shape),
            e.i32_array(slope_strides),
        ],
    )


KERNELS = [
    pointwise_kernel("Relu", "relu", SOURCE),
    pointwise_kernel("Sigmoid", "sigmoid", SOURCE),
    Kernel(
        "gelu_f32",
        ("Gelu",),
        SOURCE,
        bind_gelu_f32,
        emit_pointwise("gelu_f32"),
        inplace=((0, 0),),
        tiling=ELEMENTWISE,
    ),
    # bound through Gelu's binder (approximate='tanh')
    Kernel(
        "gelu_tanh_f32",
        (),
        SOURCE,
        bind_gelu_f32,
        emit_pointwise("gelu_tanh_f32"),
        inplace=((0, 0),),
        tiling=ELEMENTWISE,
    ),
    Kernel(
        "clip_f32",
        ("Clip",),
        SOURCE,
        bind_clip_f32,
        emit_clip_f32,
        inplace=((0, 0),),
        tiling=ELEMENTWISE,
    ),
    pointwise_kernel("LeakyRelu", "leaky_relu", SOURCE, ("alpha",)),
    pointwise_kernel("HardSigmoid", "hard_sigmoid", SOURCE, ("alpha", "beta")),
    pointwise_kernel("HardSwish", "hard_swish", SOURCE),
    pointwise_kernel("Swish", "swish", SOURCE, ("alpha",)),
    pointwise_kernel("Elu", "elu", SOURCE, ("alpha",)),
    pointwise_kernel("Selu", "selu", SOURCE, ("alpha", "gamma")),
    pointwise_kernel("Celu", "celu", SOURCE, ("alpha",), _check_celu),
    pointwise_kernel("ThresholdedRelu", "thresholded_relu", SOURCE, ("alpha",)),
    pointwise_kernel("Mish", "mish", SOURCE),
    # x and the (broadcast) slope may both be runtime tensors
    Kernel(
        "prelu_f32",
        ("PRelu",),
        SOURCE,
        bind_prelu_f32,
        emit_prelu_f32,
        inplace=((0, 0),),
        tiling=ELEMENTWISE,
    ),
]
