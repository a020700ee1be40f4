"""Transposed convolution (ConvTranspose), 1-D and 2-D, float32.

The kernel scatters every input position into the output window it touches and needs only
the begin pads: the end pads and output_padding are implied by the output's extent, which
the result type gives. The begin pads follow ONNX: explicit `pads` (NOTSET), none (VALID),
or derived from the total padding when `auto_pad` is SAME_* or `output_shape` is set.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.utils.exceptions import PassFailedException

from deeploy.dialects.buffer import ConstantOp, KernelOp
from deeploy.dialects.graph import GraphOp, constant_value, shape_of
from deeploy.dtypes import numpy_from_dense, value_element_type
from deeploy.kernels.base import Binding, Emitter, Kernel, params_of
from deeploy.kernels.conv import conv_geometry_args
from deeploy.kernels.params import ParamValue
from deeploy.kernels.predicates import f32_only
from deeploy.kernels.shapes import buffer_shape


def _ints(op: GraphOp, name: str, default: Sequence[int]) -> tuple[int, ...]:
    return op.attr_ints(name, ()) or tuple(default)


def _pads_begin(
    op: GraphOp, spatial: tuple[int, ...], kernel: tuple[int, ...]
) -> tuple[tuple[int, ...], tuple[int, ...]] | str:
    """(begin pads, expected output extent) per spatial axis, or why they cannot be derived."""
    rank = len(spatial)
    strides = _ints(op, "strides", (1,) * rank)
    dilations = _ints(op, "dilations", (1,) * rank)
    out_pad = _ints(op, "output_padding", (0,) * rank)
    output_shape = _ints(op, "output_shape", ())
    auto_pad = op.attr_str("auto_pad", "NOTSET")
    for name, values in (("strides", strides), ("dilations", dilations)):
        if len(values) != rank or min(values) < 1:
            return f"{name} {values} must be {rank} positive values"
    if len(out_pad) != rank:
        return f"output_padding {out_pad} must have {rank} values"
    if output_shape and len(output_shape) != rank:
        return f"output_shape {output_shape} must have {rank} values (the spatial axes)"
    # The extent the input covers with no padding at all.
    full = [
        s * (n - 1) + op_ + (k - 1) * d + 1
        for n, k, s, d, op_ in zip(spatial, kernel, strides, dilations, out_pad)
    ]
    if auto_pad in ("SAME_UPPER", "SAME_LOWER") or output_shape:
        out = output_shape or tuple(n * s for n, s in zip(spatial, strides))
        # A negative total (an output longer than the input covers) pads nothing: the
        # extra end positions hold the bias, as onnxruntime computes it.
        totals = [max(f - o, 0) for f, o in zip(full, out)]
        upper = auto_pad == "SAME_UPPER"
        return tuple(t // 2 if upper else t - t // 2 for t in totals), tuple(out)
    if auto_pad == "VALID":
        return (0,) * rank, tuple(full)
    if auto_pad != "NOTSET":
        return f"auto_pad '{auto_pad}' is not supported"
    pads = _ints(op, "pads", (0,) * (2 * rank))
    if len(pads) != 2 * rank:
        return f"pads {pads} must have {2 * rank} values"
    return pads[:rank], tuple(f - b - e for f, b, e in zip(full, pads[:rank], pads[rank:]))


def bind_conv_transpose_f32(op: GraphOp) -> Binding | str:
    if reason := f32_only(op):
        return reason
    x, w, y = shape_of(op.operands[0]), shape_of(op.operands[1]), shape_of(op.results[0])
    if len(x) not in (3, 4):
        return f"only 1-D and 2-D transposed convolutions are supported (input rank {len(x)})"
    group = op.attr_int("group", 1)
    if len(w) != len(x) or group < 1 or w[0] != x[1] or x[1] % group:
        return f"weight {w} does not match input channels {x[1]} with group {group}"
    kernel = _ints(op, "kernel_shape", w[2:])
    if kernel != w[2:]:
        return f"kernel_shape {kernel} differs from the weight's spatial shape {w[2:]}"
    geometry = _pads_begin(op, x[2:], kernel)
    if isinstance(geometry, str):
        return geometry
    begin, out = geometry
    if y != (x[0], w[1] * group, *out):
        return f"result shape {y} differs from {(x[0], w[1] * group, *out)} given by the attributes"
    rank = len(x) - 2
    lift = (1,) if rank == 1 else ()
    zero = (0,) if rank == 1 else ()
    strides = lift + _ints(op, "strides", (1,) * rank)
    dilations = lift + _ints(op, "dilations", (1,) * rank)
    params: dict[str, ParamValue] = {
        "kernel": lift + kernel,
        "strides": strides,
        "dilations": dilations,
        "pads_begin": zero + begin,
        "group": group,
    }
    patch = (
        strides == lift + kernel
        and set(dilations) == {1}
        and set(zero + begin) == {0}
        and y[2:] == tuple(n * k for n, k in zip(x[2:], kernel))
        and group == 1
        and w[1] % 4 == 0
        and constant_value(op.operands[1]) is not None
    )
    kernel_name = "conv_transpose_patch_f32" if patch else "conv_transpose2d_f32"
    return Binding(kernel_name, params, tuple(range(len(op.operands))))


def emit_conv_transpose_patch_f32(e: Emitter, op: KernelOp) -> None:
    """Weights (C, F, KH, KW) re-packed as [kh][kw][f / 4][c][f % 4] at compile time."""
    weights = op.ins[1].owner
    if not isinstance(weights, ConstantOp):
        raise PassFailedException("conv_transpose_patch_f32 needs constant weights")
    w = numpy_from_dense(weights.value)
    if w.ndim == 3:
        w = w[:, :, None, :]
    c, f, kh, kw = w.shape
    packed = w.reshape(c, f // 4, 4, kh, kw).transpose(3, 4, 1, 0, 2).reshape(-1)
    x, bias, y = op.ins[0], (op.ins[2] if len(op.ins) > 2 else None), op.outs[0]
    xs = buffer_shape(x)
    h, w_in = (xs[2], xs[3]) if len(xs) == 4 else (1, xs[2])
    e.call(
        "deeploy_conv_transpose_patch_f32",
        [
            e.ptr(x, const=True),
            e.f32_array(packed),
            e.ptr(bias, const=True) if bias is not None else e.null(value_element_type(x)),
            e.ptr(y),
            *map(e.i32, (xs[0], c, h, w_in, f, kh, kw)),
        ],
    )


def emit_conv_transpose2d_f32(e: Emitter, op: KernelOp) -> None:
    p = params_of(op)
    x, w = op.ins[0], op.ins[1]
    bias = op.ins[2] if len(op.ins) > 2 else None
    y = op.outs[0]
    e.call(
        "deeploy_conv_transpose2d_f32",
        [
            e.ptr(x, const=True),
            e.ptr(w, const=True),
            e.ptr(bias, const=True) if bias is not None else e.null(value_element_type(x)),
            e.ptr(y),
            *map(e.i32, conv_geometry_args(p, x, y)),
        ],
    )


KERNELS = [
    Kernel(
        "conv_transpose2d_f32",
        ("ConvTranspose",),
        "kernels/conv_transpose_f32.c",
        bind_conv_transpose_f32,
        emit_conv_transpose2d_f32,
    ),
    # reached through the binder above when stride == kernel and nothing else is set
    Kernel(
        "conv_transpose_patch_f32",
        (),
        "kernels/conv_transpose_f32.c",
        bind_conv_transpose_f32,
        emit_conv_transpose_patch_f32,
        # it re-packs constant weights, which a tiled call only sees in L1
        tiled_variant="conv_transpose2d_f32",
    ),
]
