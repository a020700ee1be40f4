"""Reduction kernels: ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd,
ReduceSumSquare, ReduceL1, ReduceL2, ReduceLogSum, ReduceLogSumExp over any axes.

All share one C scheme (runtime/kernels/reduce_f32.c); ReduceMean is the sum kernel
scaled by 1/count.
"""

from __future__ import annotations

from collections.abc import Callable

from deeploy.dialects.buffer import KernelOp
from deeploy.dialects.graph import GraphOp, constant_value, shape_of
from deeploy.kernels.base import Binding, Emitter, Kernel, params_of
from deeploy.kernels.layout import contiguous_strides, numel, reduce_layout
from deeploy.kernels.predicates import f32_only
from deeploy.kernels.shapes import buffer_shape
from deeploy.tiling.rules import REDUCTION

SOURCE = "kernels/reduce_f32.c"

# op type -> (kernel name, stem of its C functions deeploy_reduce_<stem>_f32 / _nd_f32)
REDUCTIONS = {
    "ReduceSum": ("reduce_sum_f32", "sum"),
    "ReduceMean": ("reduce_mean_f32", "sum"),
    "ReduceMax": ("reduce_max_f32", "max"),
    "ReduceMin": ("reduce_min_f32", "min"),
    "ReduceProd": ("reduce_prod_f32", "prod"),
    "ReduceSumSquare": ("reduce_sum_square_f32", "sum_square"),
    "ReduceL1": ("reduce_l1_f32", "l1"),
    "ReduceL2": ("reduce_l2_f32", "l2"),
    "ReduceLogSum": ("reduce_log_sum_f32", "log_sum"),
    "ReduceLogSumExp": ("reduce_log_sum_exp_f32", "log_sum_exp"),
}


def reduce_axes(op: GraphOp) -> tuple[int, ...] | str:
    """The normalised reduced axes of a Reduce* op (axes from its constant input)."""
    rank = len(shape_of(op.operands[0]))
    axes_value = op.operand_at(1)
    if axes_value is None:
        given = op.attr_ints("axes", None)
        if given is None:
            if op.attr_int("noop_with_empty_axes", 0):
                return ()
            return tuple(range(rank))
        axes = given
    else:
        array = constant_value(axes_value)
        if array is None:
            return "axes must be a constant"
        axes = tuple(int(a) for a in array.reshape(-1))
        if not axes and op.attr_int("noop_with_empty_axes", 0):
            return ()
        if not axes:
            return tuple(range(rank))
    return tuple(sorted({a % rank for a in axes}))


def _binder(name: str) -> Callable[[GraphOp], Binding | str]:
    def bind(op: GraphOp) -> Binding | str:
        if reason := f32_only(op, (0,)):
            return reason
        axes = reduce_axes(op)
        if isinstance(axes, str):
            return axes
        return Binding(name, {"axes": axes}, (0,))

    return bind


def _emitter(stem: str, mean: bool) -> Callable[[Emitter, KernelOp], None]:
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
                f"deeploy_reduce_{stem}_f32",
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
            f"deeploy_reduce_{stem}_nd_f32",
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
        name,
        (op_type,),
        SOURCE,
        _binder(name),
        _emitter(stem, op_type == "ReduceMean"),
        tiling=REDUCTION,
        symbols=(f"deeploy_reduce_{stem}_f32", f"deeploy_reduce_{stem}_nd_f32"),
    )
    for op_type, (name, stem) in REDUCTIONS.items()
]
