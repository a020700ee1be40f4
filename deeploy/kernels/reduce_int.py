"""Integer ReduceSum (int32 result) and ReduceMean (the input's type, rounding half up)
over any axes (runtime/kernels/reduce_int.c)."""

from __future__ import annotations

from collections.abc import Callable

from deeploy.dialects.buffer import KernelOp
from deeploy.dialects.graph import GraphOp
from deeploy.kernels.base import Binding, Emitter, Kernel, params_of
from deeploy.kernels.layout import contiguous_strides
from deeploy.kernels.reduce import reduce_axes
from deeploy.kernels.requant import integer_reason, type_code
from deeploy.kernels.shapes import buffer_shape
from deeploy.tiling.rules import REDUCTION


def _binder(name: str) -> Callable[[GraphOp], Binding | str]:
    def bind(op: GraphOp) -> Binding | str:
        if reason := integer_reason(op, (0,)):
            return reason
        axes = reduce_axes(op)
        if isinstance(axes, str):
            return axes
        return Binding(name, {"axes": axes}, (0,))

    return bind


def _emitter(mean: bool) -> Callable[[Emitter, KernelOp], None]:
    def emit(e: Emitter, op: KernelOp) -> None:
        axes = set(params_of(op).ints("axes"))
        x, y = op.ins[0], op.outs[0]
        shape = buffer_shape(x)
        strides = contiguous_strides(shape)
        kept = [i for i in range(len(shape)) if i not in axes] or [0]
        reduced = [i for i in range(len(shape)) if i in axes] or [0]
        kept_sizes = [shape[i] if i not in axes else 1 for i in kept]
        e.call(
            "deeploy_reduce_sum_int",
            [
                e.ptr(x, const=True),
                e.i32(type_code(x)),
                e.ptr(y),
                e.i32(type_code(y)),
                e.i32(int(mean)),
                e.i32(len(kept)),
                e.i32_array(kept_sizes),
                e.i32_array([strides[i] for i in kept]),
                e.i32(len(reduced)),
                e.i32_array([shape[i] if i in axes else 1 for i in reduced]),
                e.i32_array([strides[i] for i in reduced]),
            ],
        )

    return emit


KERNELS = [
    Kernel(
        "reduce_sum_int",
        ("ReduceSum",),
        "kernels/reduce_int.c",
        _binder("reduce_sum_int"),
        _emitter(False),
        tiling=REDUCTION,
        symbols=("deeploy_reduce_sum_int",),
    ),
    Kernel(
        "reduce_mean_int",
        ("ReduceMean",),
        "kernels/reduce_int.c",
        _binder("reduce_mean_int"),
        _emitter(True),
        tiling=REDUCTION,
        symbols=("deeploy_reduce_sum_int",),
    ),
]
