"""Pointwise float32 math (Sqrt, Exp, Round, ...), and the kernel factory that the pointwise
activations share: `y = f(x, attributes...)` over a flat buffer, in place if wanted."""

from __future__ import annotations

from collections.abc import Callable

from deeploy.dialects.buffer import KernelOp
from deeploy.dialects.graph import GraphOp
from deeploy.kernels.base import BindFn, Binding, EmitFn, Emitter, Kernel, params_of
from deeploy.kernels.layout import numel
from deeploy.kernels.predicates import f32_only
from deeploy.kernels.shapes import buffer_shape
from deeploy.tiling.rules import ELEMENTWISE

# ONNX operator -> C function deeploy_<name>_f32 of unary_f32.c
UNARY_OPS = {
    "Sqrt": "sqrt",
    "Exp": "exp",
    "Log": "log",
    "Erf": "erf",
    "Tanh": "tanh",
    "Ceil": "ceil",
    "Floor": "floor",
    "Round": "round",
    "Abs": "abs",
    "Neg": "neg",
    "Reciprocal": "reciprocal",
    "Sign": "sign",
    "Sin": "sin",
    "Cos": "cos",
    "Softplus": "softplus",
    "Softsign": "softsign",
}

# A check of the resolved float attributes: a reason string, or None when they are fine.
AttrCheck = Callable[[dict[str, float]], "str | None"]


def bind_pointwise(
    kernel: str, attrs: tuple[str, ...] = (), check: AttrCheck | None = None
) -> BindFn:
    """Binds float32 ops to `kernel`, with the float attributes `attrs` (ONNX defaults
    resolved) as parameters."""

    def bind(op: GraphOp) -> Binding | str:
        if reason := f32_only(op):
            return reason
        # every attribute used here has a schema default
        params = {name: op.attr_float(name) for name in attrs}
        if check is not None and (reason := check(params)):
            return reason
        return Binding(kernel, dict(params), (0,))

    return bind


def emit_pointwise(symbol: str, attrs: tuple[str, ...] = ()) -> EmitFn:
    """Calls deeploy_<symbol>(x, y, n, attrs...)."""

    def emit(e: Emitter, op: KernelOp) -> None:
        p = params_of(op)
        x, y = op.ins[0], op.outs[0]
        e.call(
            f"deeploy_{symbol}",
            [
                e.ptr(x, const=True),
                e.ptr(y),
                e.i32(numel(buffer_shape(y))),
                *(e.f32(p.float(name)) for name in attrs),
            ],
        )

    return emit


def pointwise_kernel(
    op_type: str,
    name: str,
    source: str,
    attrs: tuple[str, ...] = (),
    check: AttrCheck | None = None,
) -> Kernel:
    """Kernel `<name>_f32` running op_type with C function deeploy_<name>_f32 of source."""
    kernel = f"{name}_f32"
    return Kernel(
        kernel,
        (op_type,),
        source,
        bind_pointwise(kernel, attrs, check),
        emit_pointwise(kernel, attrs),
        inplace=((0, 0),),
        tiling=ELEMENTWISE,
    )


KERNELS = [
    pointwise_kernel(op_type, name, "kernels/unary_f32.c") for op_type, name in UNARY_OPS.items()
]
