"""Comparisons (-> bool), boolean logic and Where, with numpy broadcasting
(runtime/kernels/compare.c). Booleans are one byte holding 0 or 1."""

from __future__ import annotations

from deeploy.dialects.buffer import KernelOp
from deeploy.dialects.graph import GraphOp, element_type, shape_of
from deeploy.dtypes import short_name, value_element_type
from deeploy.kernels.base import BindFn, Binding, EmitFn, Emitter, Kernel
from deeploy.kernels.layout import broadcast_layout, numel
from deeploy.kernels.shapes import buffer_shape
from deeploy.tiling.rules import ELEMENTWISE

SOURCE = "kernels/compare.c"
MAX_RANK = 8
NUMERIC = ("f32", "i32", "i64")

# ONNX operator -> (C name, element types of the inputs it takes, by short_name)
BINARY_OPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "Equal": ("equal", (*NUMERIC, "bool")),
    "Less": ("less", NUMERIC),
    "Greater": ("greater", NUMERIC),
    "LessOrEqual": ("less_equal", NUMERIC),
    "GreaterOrEqual": ("greater_equal", NUMERIC),
    "And": ("and", ("bool",)),
    "Or": ("or", ("bool",)),
    "Xor": ("xor", ("bool",)),
}


def _check_types(op: GraphOp, indices: tuple[int, ...], types: tuple[str, ...]) -> str | None:
    for index in indices:
        t = element_type(op.operands[index])
        if short_name(t) not in types:
            return f"needs {'/'.join(types)} inputs, got {t}"
    return None


def _check_rank(op: GraphOp) -> str | None:
    shape, _ = broadcast_layout(shape_of(op.results[0]), [shape_of(v) for v in op.operands])
    if len(shape) > MAX_RANK:
        return f"broadcast pattern needs {len(shape)} axes, more than {MAX_RANK}"
    return None


def _layout(op: KernelOp) -> tuple[tuple[int, ...], list[tuple[int, ...]]]:
    """Iteration shape and input strides; the innermost stride is 0 or 1, as the C loops
    assume, since the output is contiguous and its innermost axis is never size 1."""
    shape, strides = broadcast_layout(buffer_shape(op.outs[0]), [buffer_shape(v) for v in op.ins])
    assert all(s[-1] in (0, 1) for s in strides), strides
    return shape, strides


def _bind_binary(name: str, types: tuple[str, ...]) -> BindFn:
    def bind(op: GraphOp) -> Binding | str:
        if reason := _check_types(op, (0, 1), types) or _check_rank(op):
            return reason
        return Binding(name, {}, (0, 1))

    return bind


def _emit_binary(name: str) -> EmitFn:
    def emit(e: Emitter, op: KernelOp) -> None:
        a, b = op.ins
        shape, (a_strides, b_strides) = _layout(op)
        e.call(
            f"deeploy_{name}_{short_name(value_element_type(a))}",
            [
                e.ptr(a, const=True),
                e.ptr(b, const=True),
                e.ptr(op.outs[0]),
                e.i32(len(shape)),
                e.i32_array(shape),
                e.i32_array(a_strides),
                e.i32_array(b_strides),
            ],
        )

    return emit


def bind_not(op: GraphOp) -> Binding | str:
    return _check_types(op, (0,), ("bool",)) or Binding("not", {}, (0,))


def emit_not(e: Emitter, op: KernelOp) -> None:
    x, y = op.ins[0], op.outs[0]
    e.call("deeploy_not_bool", [e.ptr(x, const=True), e.ptr(y), e.i32(numel(buffer_shape(y)))])


def bind_where(op: GraphOp) -> Binding | str:
    if reason := (
        _check_types(op, (0,), ("bool",)) or _check_types(op, (1, 2), NUMERIC) or _check_rank(op)
    ):
        return reason
    return Binding("where", {}, (0, 1, 2))


def emit_where(e: Emitter, op: KernelOp) -> None:
    cond, a, b = op.ins
    y = op.outs[0]
    shape, strides = _layout(op)
    e.call(
        f"deeploy_where_{short_name(value_element_type(a))}",
        [
            e.ptr(cond, const=True),
            e.ptr(a, const=True),
            e.ptr(b, const=True),
            e.ptr(y),
            e.i32(len(shape)),
            e.i32_array(shape),
            *(e.i32_array(s) for s in strides),
        ],
    )


# Comparisons write bytes from wider inputs, so only the boolean ops may run in place.
KERNELS = [
    Kernel(
        name,
        (op_type,),
        SOURCE,
        _bind_binary(name, types),
        _emit_binary(name),
        inplace=((0, 0),) if types == ("bool",) else (),
        tiling=ELEMENTWISE,
        symbols=tuple(f"deeploy_{name}_{t}" for t in types),
    )
    for op_type, (name, types) in BINARY_OPS.items()
] + [
    Kernel(
        "not",
        ("Not",),
        SOURCE,
        bind_not,
        emit_not,
        inplace=((0, 0),),
        tiling=ELEMENTWISE,
        symbols=("deeploy_not_bool",),
    ),
    Kernel(
        "where",
        ("Where",),
        SOURCE,
        bind_where,
        emit_where,
        inplace=((1, 0), (2, 0)),
        tiling=ELEMENTWISE,
        symbols=tuple(f"deeploy_where_{t}" for t in NUMERIC),
    ),
]
