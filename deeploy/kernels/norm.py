"""Normalisation kernels: Layer, Batch (inference), Instance, Group and RMS normalisation."""

from __future__ import annotations

import numpy as np

from deeploy.dialects.buffer import KernelOp
from deeploy.dialects.graph import GraphOp, constant_value, shape_of
from deeploy.dialects.graph_op import is_op
from deeploy.dtypes import value_element_type
from deeploy.kernels.base import Binding, Emitter, Kernel, params_of
from deeploy.kernels.layout import broadcast_layout, numel
from deeploy.kernels.predicates import f32_only
from deeploy.kernels.shapes import buffer_shape
from deeploy.tiling.rules import NORMALISED_TAIL

# -- LayerNormalization ---------------------------------------------------------------


def bind_layernorm_f32(op: GraphOp) -> Binding | str:
    if reason := f32_only(op):
        return reason
    x = shape_of(op.operands[0])
    axis = op.attr_int("axis", -1) % len(x)
    n = numel(x[axis:])
    for v in op.operands[1:]:
        if numel(shape_of(v)) != n:
            return f"scale and bias must have the normalised shape {x[axis:]}"
    return Binding(
        "layernorm_f32" if len(op.results) == 1 else "layernorm_stats_f32",
        {"axis": axis, "epsilon": op.attr_float("epsilon", 1e-5)},
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
            e.ptr(bias, const=True) if bias is not None else e.null(value_element_type(x)),
            e.ptr(y),
            e.i32(numel(shape[:axis])),
            e.i32(numel(shape[axis:])),
            e.f32(p.float("epsilon")),
        ],
    )


def emit_layernorm_stats_f32(e: Emitter, op: KernelOp) -> None:
    p = params_of(op)
    x, scale = op.ins[0], op.ins[1]
    bias = op.ins[2] if len(op.ins) > 2 else None
    f32 = value_element_type(x)
    y, *stats = op.outs
    mean = stats[0] if stats else None
    inv_std_dev = stats[1] if len(stats) > 1 else None
    shape = buffer_shape(x)
    axis = p.int("axis")
    e.call(
        "deeploy_layernorm_stats_f32",
        [
            e.ptr(x, const=True),
            e.ptr(scale, const=True),
            e.ptr(bias, const=True) if bias is not None else e.null(f32),
            e.ptr(y),
            e.ptr(mean) if mean is not None else e.null(f32),
            e.ptr(inv_std_dev) if inv_std_dev is not None else e.null(f32),
            e.i32(numel(shape[:axis])),
            e.i32(numel(shape[axis:])),
            e.f32(p.float("epsilon")),
        ],
    )


# -- BatchNormalization (inference): a per-channel affine map -------------------------


def bind_batchnorm_f32(op: GraphOp) -> Binding | str:
    if reason := f32_only(op, (0,)):
        return reason
    if op.attr_int("training_mode", 0):
        return "training_mode=1 is not supported (inference only)"
    if len(op.results) > 1:
        return "the running_mean and running_var outputs are not supported"
    x = shape_of(op.operands[0])
    if len(x) < 2:
        return f"needs an N x C x ... input, got rank {len(x)}"
    constants = [constant_value(v) for v in op.operands[1:5]]
    params = [p for p in constants if p is not None]
    if len(params) != len(constants):
        return "scale, B, input_mean and input_var must be constants"
    scale, bias, mean, var = (p.astype(np.float64).reshape(-1) for p in params)
    if any(p.size != x[1] for p in (scale, bias, mean, var)):
        return f"scale, B, input_mean and input_var must have {x[1]} elements (the channels)"
    # Folded once, in float64: y = x * mul + add with mul = scale / sqrt(var + eps).
    mul = scale / np.sqrt(var + op.attr_float("epsilon", 1e-5))
    add = bias - mean * mul
    return Binding(
        "batchnorm_f32",
        {
            "mul": tuple(float(v) for v in mul.astype(np.float32)),
            "add": tuple(float(v) for v in add.astype(np.float32)),
        },
        (0,),
    )


def emit_batchnorm_f32(e: Emitter, op: KernelOp) -> None:
    p = params_of(op)
    x, y = op.ins[0], op.outs[0]
    shape = buffer_shape(x)
    e.call(
        "deeploy_batchnorm_f32",
        [
            e.ptr(x, const=True),
            e.f32_array(p.floats("mul")),
            e.f32_array(p.floats("add")),
            e.ptr(y),
            e.i32(shape[0]),
            e.i32(shape[1]),
            e.i32(numel(shape[2:])),
        ],
    )


# -- InstanceNormalization and GroupNormalization: one group kernel -------------------


def _channels(op: GraphOp) -> tuple[int, ...] | str:
    x = shape_of(op.operands[0])
    return x if len(x) >= 2 else f"needs an N x C x ... input, got rank {len(x)}"


def bind_instancenorm_f32(op: GraphOp) -> Binding | str:
    if reason := f32_only(op):
        return reason
    x = _channels(op)
    if isinstance(x, str):
        return x
    if any(numel(shape_of(v)) != x[1] for v in op.operands[1:]):
        return f"scale and B must have {x[1]} elements (the channels)"
    eps = op.attr_float("epsilon", 1e-5)
    return Binding("instancenorm_f32", {"epsilon": eps}, (0, 1, 2))


def bind_groupnorm_f32(op: GraphOp) -> Binding | str:
    if reason := f32_only(op):
        return reason
    x = _channels(op)
    if isinstance(x, str):
        return x
    groups = op.attr_int("num_groups")
    if groups < 1 or x[1] % groups:
        return f"num_groups {groups} does not divide the {x[1]} channels"
    # Opset 21 scales each channel; opset 18 scaled each group (identical if groups == C).
    sizes = {numel(shape_of(v)) for v in op.operands[1:]}
    if sizes == {x[1]}:
        per_channel = 1
    elif sizes == {groups}:
        per_channel = 0
    else:
        return f"scale and bias must both have {x[1]} (channels) or {groups} (groups) elements"
    eps = op.attr_float("epsilon", 1e-5)
    return Binding(
        "groupnorm_f32",
        {"num_groups": groups, "per_channel": per_channel, "epsilon": eps},
        (0, 1, 2),
    )


def _emit_groups(e: Emitter, op: KernelOp, groups: int, per_channel: bool, epsilon: float) -> None:
    x, scale, bias = op.ins
    shape = buffer_shape(x)
    per_group = shape[1] // groups
    e.call(
        "deeploy_groupnorm_f32",
        [
            e.ptr(x, const=True),
            e.ptr(scale, const=True),
            e.ptr(bias, const=True),
            e.ptr(op.outs[0]),
            *map(e.i32, (shape[0], groups, per_group, numel(shape[2:]))),
            *map(e.i32, (per_group, 1) if per_channel else (1, 0)),
            e.f32(epsilon),
        ],
    )


def emit_instancenorm_f32(e: Emitter, op: KernelOp) -> None:
    channels = buffer_shape(op.ins[0])[1]
    _emit_groups(e, op, channels, False, params_of(op).float("epsilon"))


def emit_groupnorm_f32(e: Emitter, op: KernelOp) -> None:
    p = params_of(op)
    _emit_groups(e, op, p.int("num_groups"), bool(p.int("per_channel")), p.float("epsilon"))


# -- RMSNormalization (ONNX) and RMSNorm (Deeploy): one kernel ------------------------


def _rms_layout(
    x: tuple[int, ...], scale: tuple[int, ...], axis: int
) -> tuple[int, int, int, int] | str:
    """(rows, cols, row stride, column stride) of scale over the normalised block x[axis:],
    which the kernel walks as rows x cols, or why scale does not fit."""
    norm = x[axis:]
    extra = len(scale) - len(norm)
    if extra > 0 and any(d != 1 for d in scale[:extra]):
        return f"scale {scale} has more axes than the normalised shape {norm}"
    scale = scale[max(extra, 0) :]
    try:
        fits = np.broadcast_shapes(scale, norm) == norm
    except ValueError:
        fits = False
    if not fits:
        return f"scale {scale} does not broadcast to the normalised shape {norm}"
    shape, (strides,) = broadcast_layout(norm, [scale])
    if len(shape) > 2:
        return f"scale {scale} broadcasts to {norm} along more than two groups of axes"
    if len(shape) == 1:
        return 1, shape[0], 0, strides[0]
    return shape[0], shape[1], strides[0], strides[1]


def _bind_rms(op: GraphOp, axis: int, epsilon: float) -> Binding | str:
    if reason := f32_only(op):
        return reason
    x = shape_of(op.operands[0])
    if not -len(x) <= axis < len(x):
        return f"axis {axis} is out of range for rank {len(x)}"
    axis %= len(x)
    layout = _rms_layout(x, shape_of(op.operands[1]), axis)
    if isinstance(layout, str):
        return layout
    return Binding("rmsnorm_f32", {"axis": axis, "epsilon": epsilon}, (0, 1))


def bind_rmsnorm_f32(op: GraphOp) -> Binding | str:
    if is_op(op, "RMSNorm"):
        # Deeploy's RMSNorm: y = x / sqrt(mean(x^2) + eps) * weight over the last axis.
        return _bind_rms(op, -1, op.attr_float("eps", 1e-5))
    axis = op.attr_int("axis", -1)
    return _bind_rms(op, axis, op.attr_float("epsilon", 1e-5))


def emit_rmsnorm_f32(e: Emitter, op: KernelOp) -> None:
    p = params_of(op)
    x, scale = op.ins
    shape = buffer_shape(x)
    axis = p.int("axis")
    layout = _rms_layout(shape, buffer_shape(scale), axis)
    assert not isinstance(layout, str), layout
    e.call(
        "deeploy_rmsnorm_f32",
        [
            e.ptr(x, const=True),
            e.ptr(scale, const=True),
            e.ptr(op.outs[0]),
            e.i32(numel(shape[:axis])),
            *map(e.i32, layout),
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
        tiling=NORMALISED_TAIL,
    ),
    # bound through LayerNormalization's binder when the Mean/InvStdDev outputs are used
    Kernel(
        "layernorm_stats_f32",
        (),
        "kernels/norm_f32.c",
        bind_layernorm_f32,
        emit_layernorm_stats_f32,
        tiling=NORMALISED_TAIL,
    ),
    Kernel(
        "batchnorm_f32",
        ("BatchNormalization",),
        "kernels/norm_f32.c",
        bind_batchnorm_f32,
        emit_batchnorm_f32,
        inplace=((0, 0),),
    ),
    Kernel(
        "instancenorm_f32",
        ("InstanceNormalization",),
        "kernels/norm_f32.c",
        bind_instancenorm_f32,
        emit_instancenorm_f32,
        symbols=("deeploy_groupnorm_f32",),
    ),
    Kernel(
        "groupnorm_f32",
        ("GroupNormalization",),
        "kernels/norm_f32.c",
        bind_groupnorm_f32,
        emit_groupnorm_f32,
    ),
    Kernel(
        "rmsnorm_f32",
        ("RMSNormalization", "RMSNorm"),
        "kernels/norm_f32.c",
        bind_rmsnorm_f32,
        emit_rmsnorm_f32,
        tiling=NORMALISED_TAIL,
    ),
]
