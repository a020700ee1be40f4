"""Broadcasting elementwise kernels: Add, Sub, Mul, Div, Pow, and the n-ary Max, Min, Sum
and Mean (folded pairwise into the output, which the kernels may read as their first
operand: y = max(a, b); y = max(y, c); ...)."""

from __future__ import annotations

from deeploy.dialects.buffer import KernelOp
from deeploy.dialects.graph import GraphOp, shape_of
from deeploy.kernels.base import Binding, Emitter, Kernel
from deeploy.kernels.layout import broadcast_layout
from deeploy.kernels.predicates import f32_only
from deeploy.kernels.shapes import buffer_shape
from deeploy.tiling.rules import ELEMENTWISE

MAX_RANK = 8
SOURCE = "kernels/elementwise_f32.c"
# ONNX op type -> (C kernel stem, accepts any number of operands)
OPS = {
    "Add": ("add", False),
    "Sub": ("sub", False),
    "Mul": ("mul", False),
    "Div": ("div", False),
    "Pow": ("pow", False),
    "Max": ("max", True),
    "Min": ("min", True),
    "Sum": ("add", True),
    "Mean": ("add", True),
}


def _binder(op_type: str):
    _, variadic = OPS[op_type]

    def bind(op: GraphOp) -> Binding | str:
        if reason := f32_only(op):
            return reason
        if not variadic and len(op.operands) != 2:
            return "needs exactly two operands"
        out = shape_of(op.results[0])
        for v in op.operands:
            shape, _ = broadcast_layout(out, [shape_of(v)])
            if len(shape) > MAX_RANK:
                return f"broadcast pattern needs {len(shape)} axes, more than {MAX_RANK}"
        return Binding(f"{op_type.lower()}_f32", {}, tuple(range(len(op.operands))))

    return bind


def _call(e: Emitter, stem: str, a, b, y, b_value=None) -> None:
    """y = a (stem) b, with b a buffer or (b_value) a one-element constant."""
    b_shape = buffer_shape(b) if b_value is None else (1,)
    shape, (a_s, b_s) = broadcast_layout(buffer_shape(y), [buffer_shape(a), b_shape])
    e.call(
        f"deeploy_{stem}_f32",
        [
            e.ptr(a, const=True),
            e.ptr(b, const=True) if b_value is None else e.f32_array([b_value]),
            e.ptr(y),
            e.i32(len(shape)),
            e.i32_array(shape),
            e.i32_array(a_s),
            e.i32_array(b_s),
        ],
    )


def _emitter(op_type: str):
    stem, _ = OPS[op_type]

    def emit(e: Emitter, op: KernelOp) -> None:
        ins, y = list(op.ins), op.outs[0]
        if len(ins) == 1:  # the max, min, sum or mean of one tensor is that tensor (times 1)
            _call(e, "mul", ins[0], ins[0], y, b_value=1.0)
            return
        _call(e, stem, ins[0], ins[1], y)
        for operand in ins[2:]:
            _call(e, stem, y, operand, y)
        if op_type == "Mean":
            _call(e, "mul", y, y, y, b_value=1.0 / len(ins))

    return emit


KERNELS = [
    Kernel(
        f"{op_type.lower()}_f32",
        (op_type,),
        SOURCE,
        _binder(op_type),
        _emitter(op_type),
        # y may overwrite the first operand (the kernels read it before writing each element)
        inplace=((0, 0),),
        tiling=ELEMENTWISE,
        # the variadic ones also multiply (by 1, or 1/n for Mean)
        symbols=(f"deeploy_{stem}_f32",) + (("deeploy_mul_f32",) if variadic else ()),
    )
    for op_type, (stem, variadic) in OPS.items()
]
