"""Reduction kernels: ReduceSum, ReduceMean over any axes."""

from __future__ import annotations

from deeploy.dialects.buffer import KernelOp
from deeploy.dialects.graph import GraphOp, constant_value, shape_of
from deeploy.kernels.base import Binding, Emitter, Kernel, params_of
from deeploy.kernels.layout import contiguous_strides, numel, reduce_layout
from deeploy.kernels.predicates import f32_only
from deeploy.kernels.shapes import buffer_shape


def reduce_axes(op: GraphOp) -> tuple[int, ...] | str:
    """The normalised reduced axes of a Reduce* op (axes from its constant input)."""
    rank = len(shape_of(op.operands[0]))
    axes_value = op.operand_at(1)
    if axes_value is None:
        axes = op.attr_value("axes")
        if axes is None:
            if op.attr_value("noop_with_empty_axes", 0):
                return ()
            return tuple(range(rank))
    else:
        array = constant_value(axes_value)
        if array is None:
            return "axes must be a constant"
        axes = tuple(int(a) for a in array.reshape(-1))
        if not axes and op.attr_value("noop_with_empty_axes", 0):
            return ()
        if not axes:
            return tuple(range(rank))
    return tuple(sorted({int(a) % rank for a in axes}))  # type: ignore[union-attr]


def _binder(mean: bool):
    def bind(op: GraphOp) -> Binding | str:
        if reason := f32_only(op, (0,)):
            return reason
        axes = reduce_axes(op)
        if isinstance(axes, str):
            return axes
        return Binding("reduce_mean_f32" if mean else "reduce_sum_f32", {"axes": axes}, (0,))

    return bind


def _emitter(mean: bool):
    def emit(e: Emitter, op: KernelOp) -> None:
        axes = set(params_of(op).ints("axes"))
        x, y = op.ins[0], op.outs[0]
        shape = buffer_shape(x)
        count = numel(tuple(shape[a] for a in axes))
        scale = 1.0 / count if mean and count else 1.0
        sizes, reduced = reduce_layout(shape, axes)
        runs = [i for i, r in enumerate(reduced) if r]
        if len(runs) <= 1:
            split = runs[0] if runs else len(sizes)
            outer = numel(sizes[:split])
            n = sizes[split] if runs else 1
            inner = numel(sizes[split + 1 :]) if runs else 1
            e.call(
                "deeploy_reduce_sum_f32",
                [
                    e.ptr(x, const=True),
                    e.ptr(y),
                    e.i32(outer),
                    e.i32(n),
                    e.i32(inner),
                    e.f32(scale),
                ],
            )
            return
        kept = tuple(s for s, r in zip(sizes, reduced) if not r)
        kept_strides = iter(contiguous_strides(kept))
        out_strides = tuple(0 if r else next(kept_strides) for r in reduced)
        e.call(
            "deeploy_reduce_sum_nd_f32",
            [
                e.ptr(x, const=True),
                e.ptr(y),
                e.i32(len(sizes)),
                e.i32_array(sizes),
                e.i32_array(out_strides),
                e.i32(numel(kept)),
                e.f32(scale),
            ],
        )

    return emit


KERNELS = [
    Kernel(
        "reduce_sum_f32", ("ReduceSum",), "kernels/reduce_f32.c", _binder(False), _emitter(False)
    ),
    Kernel(
        "reduce_mean_f32", ("ReduceMean",), "kernels/reduce_f32.c", _binder(True), _emitter(True)
    ),
]
