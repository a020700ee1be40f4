"""Broadcasting binary elementwise kernels (Add, Sub, Mul, Div, Pow, Max, Min)."""

from __future__ import annotations

from deeploy.dialects.buffer import KernelOp
from deeploy.dialects.graph import GraphOp, shape_of
from deeploy.kernels.base import Binding, Emitter, Kernel
from deeploy.kernels.layout import broadcast_layout
from deeploy.kernels.predicates import f32_only
from deeploy.kernels.shapes import buffer_shape

MAX_RANK = 8
BINARY_OPS = {
    "Add": "add",
    "Sub": "sub",
    "Mul": "mul",
    "Div": "div",
    "Pow": "pow",
    "Max": "max",
    "Min": "min",
}


def _binder(name: str):
    def bind(op: GraphOp) -> Binding | str:
        if reason := f32_only(op):
            return reason
        if len(op.operands) != 2:
            return "only two operands are supported"
        shape, _ = broadcast_layout(shape_of(op.results[0]), [shape_of(v) for v in op.operands])
        if len(shape) > MAX_RANK:
            return f"broadcast pattern needs {len(shape)} axes, more than {MAX_RANK}"
        return Binding(f"{name}_f32", {}, (0, 1))

    return bind


def _emitter(name: str):
    def emit(e: Emitter, op: KernelOp) -> None:
        a, b = op.ins
        y = op.outs[0]
        shape, (a_s, b_s) = broadcast_layout(buffer_shape(y), [buffer_shape(a), buffer_shape(b)])
        e.call(
            f"deeploy_{name}_f32",
            [
                e.ptr(a, const=True),
                e.ptr(b, const=True),
                e.ptr(y),
                e.i32(len(shape)),
                e.i32_array(shape),
                e.i32_array(a_s),
                e.i32_array(b_s),
            ],
        )

    return emit


KERNELS = [
    Kernel(
        f"{name}_f32",
        (op_type,),
        "kernels/elementwise_f32.c",
        _binder(name),
        _emitter(name),
        inplace=((0, 0),),
    )
    for op_type, name in BINARY_OPS.items()
]
