"""Type-agnostic data movement: Transpose, Concat, Split, Slice, Gather, Expand, Tile,
ConstantOfShape, Range.

Most of these are one strided copy: the output is written contiguously while the input is
read from a start element with one (possibly negative or zero) element stride per output
axis. Binders describe that access, `layout.collapse` merges the axes that move together,
and `deeploy_strided_copy` (or a plain block copy when the access is contiguous) runs it.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
from xdsl.dialects.builtin import Float32Type, IntegerType, Signedness
from xdsl.ir import Attribute, SSAValue

from deeploy.dialects.buffer import KernelOp
from deeploy.dialects.graph import GraphOp, constant_value, element_type, shape_of
from deeploy.dtypes import numpy_dtype
from deeploy.kernels.base import Binding, Emitter, Kernel, params_of
from deeploy.kernels.layout import (
    broadcast_strides,
    collapse,
    contiguous_strides,
    numel,
    transpose_layout,
)
from deeploy.kernels.shapes import buffer_shape, element_bytes
from deeploy.tiling.rules import CONCAT, TRANSPOSE

MAX_RANK = 8
SOURCE = "kernels/data_movement.c"
Layout = tuple[tuple[int, ...], tuple[int, ...]]  # (output shape, input element strides)


# -- strided copies ---------------------------------------------------------------------


def _collapsed(shape: tuple[int, ...], strides: tuple[int, ...]) -> Layout:
    collapsed_shape, (collapsed_strides,) = collapse(shape, [strides])
    return collapsed_shape, collapsed_strides


def _rank_reason(shape: tuple[int, ...], strides: tuple[int, ...]) -> str | None:
    rank = len(_collapsed(shape, strides)[0])
    if rank > MAX_RANK:
        return f"the access pattern needs {rank} axes, more than {MAX_RANK}"
    return None


def emit_strided(
    e: Emitter,
    x: SSAValue,
    y: SSAValue,
    start: int,
    shape: tuple[int, ...],
    strides: tuple[int, ...],
) -> None:
    """y (contiguous, `shape`) = x read from element `start` with element `strides`."""
    if numel(shape) == 0:
        return
    shape, strides = _collapsed(shape, strides)
    size = element_bytes(y)
    src = e.ptr_at(x, start, const=True)
    if len(shape) == 1 and strides[0] == 1:
        nbytes = shape[0] * size
        e.call(
            "deeploy_copy_2d",
            [src, e.ptr(y), e.i32(1), e.i32(nbytes), e.i32(nbytes), e.i32(nbytes)],
        )
        return
    e.call(
        "deeploy_strided_copy",
        [src, e.ptr(y), e.i32(size), e.i32(len(shape)), e.i32_array(shape), e.i32_array(strides)],
    )


def _axis(op: GraphOp, rank: int, default: int = 0) -> int:
    return op.attr_int("axis", default) % max(rank, 1)


# -- Transpose --------------------------------------------------------------------------


def bind_transpose(op: GraphOp) -> Binding | str:
    shape = shape_of(op.operands[0])
    perm = op.attr_ints("perm", ()) or tuple(reversed(range(len(shape))))
    if reason := _rank_reason(*transpose_layout(shape, perm)):
        return reason
    return Binding("transpose", {"perm": perm}, (0,))


def emit_transpose(e: Emitter, op: KernelOp) -> None:
    x, y = op.ins[0], op.outs[0]
    emit_strided(e, x, y, 0, *transpose_layout(buffer_shape(x), params_of(op).ints("perm")))


# -- Concat and Split: one block copy per part ------------------------------------------


def bind_concat(op: GraphOp) -> Binding | str:
    rank = len(shape_of(op.results[0]))
    return Binding("concat", {"axis": _axis(op, rank)}, tuple(range(len(op.operands))))


def emit_concat(e: Emitter, op: KernelOp) -> None:
    axis = params_of(op).int("axis")
    y = op.outs[0]
    out_shape = buffer_shape(y)
    size = element_bytes(y)
    outer = numel(out_shape[:axis])
    inner = numel(out_shape[axis + 1 :]) * size
    dst_stride = out_shape[axis] * inner
    offset = 0
    for x in op.ins:
        row = buffer_shape(x)[axis] * inner
        if row and outer:
            e.call(
                "deeploy_copy_2d",
                [
                    e.ptr(x, const=True),
                    e.ptr_at(y, offset // size),
                    e.i32(outer),
                    e.i32(row),
                    e.i32(row),
                    e.i32(dst_stride),
                ],
            )
        offset += row


def bind_split(op: GraphOp) -> Binding | str:
    # The part sizes are the results' extents along the axis (shape inference resolved the
    # `split` input or `num_outputs`), so a runtime `split` input is no obstacle.
    shape = shape_of(op.operands[0])
    axis = _axis(op, len(shape))
    parts = [shape_of(r) for r in op.results]
    rest = shape[:axis] + shape[axis + 1 :]
    if (
        any(p[:axis] + p[axis + 1 :] != rest for p in parts)
        or sum(p[axis] for p in parts) != (shape[axis])
    ):
        return f"the outputs' shapes {parts} do not split {shape} along axis {axis}"
    return Binding("split", {"axis": axis}, (0,))


def emit_split(e: Emitter, op: KernelOp) -> None:
    axis = params_of(op).int("axis")
    x = op.ins[0]
    shape = buffer_shape(x)
    size = element_bytes(x)
    outer = numel(shape[:axis])
    inner = numel(shape[axis + 1 :])
    offset = 0
    for y in op.outs:
        part = buffer_shape(y)[axis]
        row = part * inner * size
        if row and outer:
            e.call(
                "deeploy_copy_2d",
                [
                    e.ptr_at(x, offset * inner, const=True),
                    e.ptr(y),
                    e.i32(outer),
                    e.i32(row),
                    e.i32(shape[axis] * inner * size),
                    e.i32(row),
                ],
            )
        offset += part


# -- Slice ------------------------------------------------------------------------------


def slice_params(op: GraphOp) -> tuple[tuple[int, ...], tuple[int, ...]] | str:
    """(first index, step) per axis of a Slice with constant bounds, ONNX clamping applied."""
    shape = shape_of(op.operands[0])
    rank = len(shape)
    bounds = [op.operand_at(i) for i in range(1, 5)]  # starts, ends, axes?, steps?
    arrays = [constant_value(v) for v in bounds]
    if any(a is None and v is not None for a, v in zip(arrays, bounds)):
        return "starts, ends, axes and steps must be constants"
    starts, ends, axes, steps = (None if a is None else a.reshape(-1).tolist() for a in arrays)
    assert starts is not None and ends is not None
    axes = list(range(len(starts))) if axes is None else [int(a) % rank for a in axes]
    steps = [1] * len(starts) if steps is None else steps
    if len(set(axes)) != len(axes):
        return f"axes {axes} repeat an axis"
    first, stride = [0] * rank, [1] * rank
    out = list(shape)
    for axis, begin, end, step in zip(axes, starts, ends, steps):
        if step == 0:
            return "a step of 0 is not allowed"
        # Python's slice clamping is ONNX's: negative bounds count from the end, then
        # starts/ends clamp to [0, dim] (positive steps) or [-1, dim - 1] (negative ones).
        indices = range(*slice(int(begin), int(end), int(step)).indices(shape[axis]))
        first[axis], stride[axis], out[axis] = indices.start, indices.step, len(indices)
    if tuple(out) != shape_of(op.results[0]):
        return f"the bounds give shape {tuple(out)}, not the result's {shape_of(op.results[0])}"
    return tuple(first), tuple(stride)


def _slice_layout(
    shape: tuple[int, ...], out: tuple[int, ...], first: tuple[int, ...], step: tuple[int, ...]
) -> tuple[int, Layout]:
    strides = contiguous_strides(shape)
    # an empty result copies nothing, and its first index may lie outside the input
    start = sum(f * s for f, s in zip(first, strides)) if numel(out) else 0
    return start, (out, tuple(s * k for s, k in zip(strides, step)))


def bind_slice(op: GraphOp) -> Binding | str:
    params = slice_params(op)
    if isinstance(params, str):
        return params
    first, step = params
    _, layout = _slice_layout(shape_of(op.operands[0]), shape_of(op.results[0]), first, step)
    if reason := _rank_reason(*layout):
        return reason
    return Binding("slice", {"starts": first, "steps": step}, (0,))


def emit_slice(e: Emitter, op: KernelOp) -> None:
    params = params_of(op)
    x, y = op.ins[0], op.outs[0]
    start, layout = _slice_layout(
        buffer_shape(x), buffer_shape(y), params.ints("starts"), params.ints("steps")
    )
    emit_strided(e, x, y, start, *layout)


# -- Gather -----------------------------------------------------------------------------


def bind_gather(op: GraphOp) -> Binding | str:
    """Constant indices become a parameter (a strided copy when evenly spaced); runtime
    indices stay a buffer."""
    data, indices = op.operands[0], op.operands[1]
    t = element_type(indices)
    if not (isinstance(t, IntegerType) and t.width.data in (32, 64)):
        return f"indices must be int32 or int64, got {t}"
    shape = shape_of(data)
    axis = _axis(op, len(shape))
    array = constant_value(indices)
    if array is None:
        return Binding("gather", {"axis": axis}, (0, 1))
    n = shape[axis]
    flat = [int(i) for i in array.reshape(-1)]
    bad = [i for i in flat if not -n <= i < n]
    if bad:
        return f"index {bad[0]} is out of range for axis {axis} of size {n}"
    normalised = tuple(i % n for i in flat)
    return Binding("gather_constant", {"axis": axis, "indices": normalised}, (0,))


def _gather_geometry(shape: tuple[int, ...], axis: int) -> tuple[int, int, int]:
    return numel(shape[:axis]), shape[axis], numel(shape[axis + 1 :])


def _even_step(indices: tuple[int, ...]) -> int | None:
    """The common difference of indices in arithmetic progression, else None."""
    if len(indices) <= 1:
        return 0
    steps = {b - a for a, b in pairwise(indices)}
    return steps.pop() if len(steps) == 1 else None


def _progression(
    shape: tuple[int, ...], axis: int, indices: tuple[int, ...], step: int
) -> tuple[int, Layout]:
    """Evenly spaced indices are a strided copy of [outer, count, inner]."""
    outer, n, inner = _gather_geometry(shape, axis)
    start = indices[0] * inner if indices else 0
    return start, ((outer, len(indices), inner), (n * inner, step * inner, 1))


def emit_gather_constant(e: Emitter, op: KernelOp) -> None:
    params = params_of(op)
    axis, indices = params.int("axis"), params.ints("indices")
    x, y = op.ins[0], op.outs[0]
    shape = buffer_shape(x)
    step = _even_step(indices)
    if step is not None:
        start, layout = _progression(shape, axis, indices, step)
        emit_strided(e, x, y, start, *layout)
        return
    outer, n, inner = _gather_geometry(shape, axis)
    if outer * inner:
        _emit_gather(e, op, "deeploy_gather_i32", e.i32_array(indices), outer, n, inner)


def emit_gather(e: Emitter, op: KernelOp) -> None:
    x, indices = op.ins
    outer, n, inner = _gather_geometry(buffer_shape(x), params_of(op).int("axis"))
    symbol = "deeploy_gather_i64" if element_bytes(indices) == 8 else "deeploy_gather_i32"
    if outer * inner * numel(buffer_shape(indices)):
        _emit_gather(e, op, symbol, e.ptr(indices, const=True), outer, n, inner)


def _emit_gather(
    e: Emitter, op: KernelOp, symbol: str, indices: SSAValue, outer: int, n: int, inner: int
) -> None:
    x, y = op.ins[0], op.outs[0]
    count = numel(buffer_shape(y)) // (outer * inner)
    e.call(
        symbol,
        [
            e.ptr(x, const=True),
            indices,
            e.ptr(y),
            e.i32(element_bytes(x)),
            e.i32(outer),
            e.i32(n),
            e.i32(inner),
            e.i32(count),
        ],
    )


# -- Expand and Tile: strided copies with zero strides ----------------------------------


def _expand_layout(in_shape: tuple[int, ...], out_shape: tuple[int, ...]) -> Layout:
    return out_shape, broadcast_strides(in_shape, out_shape)


def bind_expand(op: GraphOp) -> Binding | str:
    # The result's static shape already is the broadcast of the input with `shape`.
    in_shape, out_shape = shape_of(op.operands[0]), shape_of(op.results[0])
    try:
        if np.broadcast_shapes(in_shape, out_shape) != out_shape:
            raise ValueError
    except ValueError:
        return f"the input shape {in_shape} does not broadcast to {out_shape}"
    if reason := _rank_reason(*_expand_layout(in_shape, out_shape)):
        return reason
    return Binding("expand", {}, (0,))


def emit_expand(e: Emitter, op: KernelOp) -> None:
    x, y = op.ins[0], op.outs[0]
    emit_strided(e, x, y, 0, *_expand_layout(buffer_shape(x), buffer_shape(y)))


def _tile_layout(in_shape: tuple[int, ...], out_shape: tuple[int, ...]) -> Layout:
    """Output axis d of extent r*n is read as (r, n) with strides (0, the input's)."""
    shape: list[int] = []
    strides: list[int] = []
    for n, out, stride in zip(in_shape, out_shape, contiguous_strides(in_shape)):
        shape += [out // n if n else 0, n]
        strides += [0, stride]
    return tuple(shape), tuple(strides)


def bind_tile(op: GraphOp) -> Binding | str:
    in_shape, out_shape = shape_of(op.operands[0]), shape_of(op.results[0])
    if len(in_shape) != len(out_shape) or any(
        (o % n if n else o) for n, o in zip(in_shape, out_shape)
    ):
        return f"the result shape {out_shape} does not repeat {in_shape}"
    if reason := _rank_reason(*_tile_layout(in_shape, out_shape)):
        return reason
    return Binding("tile", {}, (0,))


def emit_tile(e: Emitter, op: KernelOp) -> None:
    x, y = op.ins[0], op.outs[0]
    emit_strided(e, x, y, 0, *_tile_layout(buffer_shape(x), buffer_shape(y)))


# -- ConstantOfShape and Range: generated tensors too large to fold ---------------------


def _bit_words(value: np.ndarray) -> tuple[int, int]:
    """The element's bit pattern as two signed 32-bit words (low, high)."""
    unsigned = np.dtype(f"u{value.dtype.itemsize}")
    bits = int(value.reshape(-1)[:1].view(unsigned)[0])
    lo, hi = (_signed32(w) for w in (bits & 0xFFFFFFFF, bits >> 32))
    return lo, hi


def _signed32(word: int) -> int:
    return word - (1 << 32) if word >= 1 << 31 else word


def bind_constant_of_shape(op: GraphOp) -> Binding | str:
    result_type = element_type(op.results[0])
    value = op.attr_value("value")
    array = np.zeros(1, np.float32) if value is None else np.asarray(value)
    if array.size != 1:
        return f"value must have one element, got {array.size}"
    try:
        dtype = numpy_dtype(result_type)
    except ValueError:
        return f"element type {result_type} is not supported"
    return Binding("constant_of_shape", {"bits": _bit_words(array.astype(dtype))}, ())


def emit_constant_of_shape(e: Emitter, op: KernelOp) -> None:
    y = op.outs[0]
    count = numel(buffer_shape(y))
    if count:
        lo, hi = params_of(op).ints("bits")
        e.call(
            "deeploy_fill", [e.ptr(y), e.i32(element_bytes(y)), e.i32(count), e.i32(lo), e.i32(hi)]
        )


def _range_suffix(t: Attribute) -> str | None:
    if isinstance(t, Float32Type):
        return "f32"
    if (
        isinstance(t, IntegerType)
        and t.width.data in (32, 64)
        and t.signedness.data != (Signedness.UNSIGNED)
    ):
        return f"i{t.width.data}"
    return None


def bind_range(op: GraphOp) -> Binding | str:
    # fold-constants leaves a Range only when its result is too large to store as a weight;
    # its length is fixed at compile time only when all three inputs are constants.
    if any(constant_value(v) is None for v in op.operands):
        return "start, limit and delta must be constants"
    t = element_type(op.results[0])
    suffix = _range_suffix(t)
    if suffix is None:
        return f"needs float32, int32 or int64 tensors, got {t}"
    return Binding("range", {"type": suffix}, (0, 2))


def emit_range(e: Emitter, op: KernelOp) -> None:
    start, delta = op.ins
    y = op.outs[0]
    count = numel(buffer_shape(y))
    if count:
        e.call(
            f"deeploy_range_{params_of(op).str('type')}",
            [e.ptr(start, const=True), e.ptr(delta, const=True), e.ptr(y), e.i32(count)],
        )


# the C functions of emit_strided, and of the gathers
STRIDED = ("deeploy_strided_copy", "deeploy_copy_2d")
GATHER = ("deeploy_gather_i32", "deeploy_gather_i64")

KERNELS = [
    Kernel(
        "transpose",
        ("Transpose",),
        SOURCE,
        bind_transpose,
        emit_transpose,
        tiling=TRANSPOSE,
        symbols=STRIDED,
    ),
    Kernel(
        "concat",
        ("Concat",),
        SOURCE,
        bind_concat,
        emit_concat,
        tiling=CONCAT,
        symbols=("deeploy_copy_2d",),
    ),
    Kernel("split", ("Split",), SOURCE, bind_split, emit_split, symbols=("deeploy_copy_2d",)),
    Kernel("slice", ("Slice",), SOURCE, bind_slice, emit_slice, symbols=STRIDED),
    Kernel("gather", ("Gather",), SOURCE, bind_gather, emit_gather, symbols=GATHER),
    # chosen by bind_gather for constant indices, never bound on its own
    Kernel(
        "gather_constant",
        (),
        SOURCE,
        bind_gather,
        emit_gather_constant,
        symbols=(*STRIDED, "deeploy_gather_i32"),
    ),
    Kernel("expand", ("Expand",), SOURCE, bind_expand, emit_expand, symbols=STRIDED),
    Kernel("tile", ("Tile",), SOURCE, bind_tile, emit_tile, symbols=STRIDED),
    Kernel(
        "constant_of_shape",
        ("ConstantOfShape",),
        SOURCE,
        bind_constant_of_shape,
        emit_constant_of_shape,
        symbols=("deeploy_fill",),
    ),
    Kernel(
        "range",
        ("Range",),
        SOURCE,
        bind_range,
        emit_range,
        symbols=tuple(f"deeploy_range_{t}" for t in ("f32", "i32", "i64")),
    ),
]
