"""Type-agnostic data movement: Transpose and Concat."""

from __future__ import annotations

from deeploy.dialects.buffer import KernelOp
from deeploy.dialects.graph import GraphOp, shape_of
from deeploy.kernels.base import Binding, Emitter, Kernel, params_of
from deeploy.kernels.layout import numel, transpose_layout
from deeploy.kernels.shapes import buffer_shape, element_bytes

MAX_RANK = 8


def bind_transpose(op: GraphOp) -> Binding | str:
    shape = shape_of(op.operands[0])
    perm = tuple(op.attr_value("perm") or reversed(range(len(shape))))  # type: ignore[arg-type]
    out_shape, _ = transpose_layout(shape, perm)
    if len(out_shape) > MAX_RANK:
        return f"the permutation needs {len(out_shape)} axes, more than {MAX_RANK}"
    return Binding("transpose", {"perm": perm}, (0,))


def emit_transpose(e: Emitter, op: KernelOp) -> None:
    x, y = op.ins[0], op.outs[0]
    shape, strides = transpose_layout(buffer_shape(x), params_of(op).ints("perm"))
    size = element_bytes(x)
    if len(shape) == 1 and strides[0] == 1:
        nbytes = numel(shape) * size
        e.call(
            "deeploy_copy_2d",
            [e.ptr(x, const=True), e.ptr(y), e.i32(1), e.i32(nbytes), e.i32(nbytes), e.i32(nbytes)],
        )
        return
    e.call(
        "deeploy_transpose",
        [
            e.ptr(x, const=True),
            e.ptr(y),
            e.i32(size),
            e.i32(len(shape)),
            e.i32_array(shape),
            e.i32_array(strides),
        ],
    )


def bind_concat(op: GraphOp) -> Binding | str:
    rank = len(shape_of(op.results[0]))
    axis = int(op.attr_value("axis", 0)) % rank  # type: ignore[call-overload]
    return Binding("concat", {"axis": axis}, tuple(range(len(op.operands))))


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
        if row:
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


KERNELS = [
    Kernel("transpose", ("Transpose",), "kernels/data_movement.c", bind_transpose, emit_transpose),
    Kernel("concat", ("Concat",), "kernels/data_movement.c", bind_concat, emit_concat),
]
