"""Integer softmax kernels of Deeploy's quantised networks: iSoftmax, ITAMax, ITAPartialMax.

All three normalise along the last axis, read int8 or uint8 and write the softmax as
unsigned integers in [0, n_levels - 1] (ITAPartialMax: [0, n_levels / 2 - 1]); the
arithmetic is in runtime/include/deeploy/softmax_int.h.
"""

from __future__ import annotations

from collections.abc import Callable

from xdsl.ir import SSAValue

from deeploy.dialects.buffer import KernelOp
from deeploy.dialects.graph import GraphOp, shape_of
from deeploy.dtypes import numpy_dtype, value_element_type
from deeploy.kernels.base import Binding, EmitFn, Emitter, Kernel, params_of
from deeploy.kernels.layout import numel
from deeploy.kernels.shapes import buffer_shape
from deeploy.tiling.rules import ALONG_AXIS

SOURCE = "kernels/softmax_int.c"
_INPUTS = {"int8": "i8", "uint8": "u8"}
_INT32 = (-(2**31), 2**31 - 1)


def _dtype_name(value: SSAValue) -> str:
    element = value_element_type(value)
    try:
        return numpy_dtype(element).name
    except ValueError:
        return str(element)


def _check_types(op: GraphOp) -> str | None:
    """Why the element types are not supported, or None."""
    x, y = _dtype_name(op.operands[0]), _dtype_name(op.results[0])
    if x not in _INPUTS:
        return f"needs an int8 or uint8 input, got {x}"
    if y != "uint8":
        return f"needs a uint8 output (n_levels <= 256), got {y}"
    return None


def _int_attr(op: GraphOp, name: str) -> int | str:
    value = op.attr_value(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        return f"{name} must be an integer, got {value!r}"
    return int(value)


def _n_levels(op: GraphOp) -> int | str:
    n_levels = _int_attr(op, "n_levels")
    if isinstance(n_levels, int) and not 2 <= n_levels <= 256:
        return f"n_levels must be in [2, 256], got {n_levels}"
    return n_levels


def _binder(family: str, extra: Callable[[GraphOp], dict[str, int] | str]):
    def bind(op: GraphOp) -> Binding | str:
        if reason := _check_types(op):
            return reason
        n_levels = _n_levels(op)
        if isinstance(n_levels, str):
            return n_levels
        params = extra(op)
        if isinstance(params, str):
            return params
        rank = len(shape_of(op.operands[0]))
        return Binding(family, {"axis": max(rank - 1, 0), "n_levels": n_levels, **params}, (0,))

    return bind


def _isoftmax_params(op: GraphOp) -> dict[str, int] | str:
    params: dict[str, int] = {}
    for key in ("coeffA", "coeffB", "coeffC", "log2"):
        value = _int_attr(op, key)
        if isinstance(value, str):
            return value
        if not _INT32[0] <= value <= _INT32[1]:
            return f"{key}={value} does not fit in int32"
        params[key] = value
    if params["log2"] < 1:
        return f"log2 must be positive, got {params['log2']}"
    # the kernel's int64 term a * (p + b)^2 + c, where |p| <= 255 for 8-bit inputs
    q = abs(params["coeffB"]) + 255
    if abs(params["coeffA"]) * q * q + abs(params["coeffC"]) >= 2**63:
        return "coeffA * (p + coeffB)^2 + coeffC may overflow int64"
    return params


def _partial_max_params(op: GraphOp) -> dict[str, int] | str:
    width = _int_attr(op, "group_width")
    if isinstance(width, str):
        return width
    shape = shape_of(op.operands[0])
    n = shape[-1] if shape else 1
    if width < 1 or n % width:
        return f"group_width {width} must divide the last axis ({n})"
    return {"group_width": width}


def _emitter(family: str, extra: tuple[str, ...]) -> EmitFn:
    def emit(e: Emitter, op: KernelOp) -> None:
        p = params_of(op)
        x, y = op.ins[0], op.outs[0]
        shape = buffer_shape(x) or (1,)
        e.call(
            f"deeploy_{family}_{_INPUTS[_dtype_name(x)]}_u8",
            [
                e.ptr(x, const=True),
                e.ptr(y),
                e.i32(numel(shape[:-1])),
                e.i32(shape[-1]),
                *(e.i32(p.int(k)) for k in extra),
                e.i32(p.int("n_levels")),
            ],
        )

    return emit


def _no_params(op: GraphOp) -> dict[str, int]:
    return {}


def _kernel(
    op_type: str,
    family: str,
    extra: Callable[[GraphOp], dict[str, int] | str],
    args: tuple[str, ...],
) -> Kernel:
    """One kernel per operator; the emitter picks the C function of the input type."""
    return Kernel(
        family,
        (op_type,),
        SOURCE,
        _binder(family, extra),
        _emitter(family, args),
        tiling=ALONG_AXIS,
        symbols=tuple(f"deeploy_{family}_{x}_u8" for x in _INPUTS.values()),
    )


KERNELS = [
    _kernel("iSoftmax", "isoftmax", _isoftmax_params, ("coeffA", "coeffB", "coeffC", "log2")),
    _kernel("ITAMax", "ita_max", _no_params, ()),
    _kernel("ITAPartialMax", "ita_partial_max", _partial_max_params, ("group_width",)),
]
