"""Deeploy's integer activations: iGELU and iHardswish (runtime/kernels/activation_int.c).

Both read int8/uint8/int16/uint16/int32 values as they are (Deeploy's offset for inputs it
stores signed, `input_offset`, is already undone: our buffers hold the true values) and write
int32, as Deeploy's GELU_s8_s32 and iHardswish_s8_s32 do:

- iGELU(b, one), I-BERT's polynomial: q = min(|x|, -b), L = sgn(x) * (one - (q + b)^2),
  y = x * floor((one + L) / 2);
- iHardswish(one_over_six, six, three): y = x * (clamp(x + three, 0, six) * one_over_six).

The last products wrap modulo 2^32 like Deeploy's int32 arithmetic; everything before them
is exact.
"""

from __future__ import annotations

from deeploy.dialects.buffer import KernelOp
from deeploy.dialects.graph import GraphOp, element_type
from deeploy.dtypes import short_name, value_element_type
from deeploy.kernels.base import Binding, Emitter, Kernel, params_of
from deeploy.kernels.layout import numel
from deeploy.kernels.shapes import buffer_shape
from deeploy.tiling.rules import ELEMENTWISE

SOURCE = "kernels/activation_int.c"
# DEEPLOY_INT_ACTIVATION_TYPES in runtime/kernels/activation_int.c
INPUT_TYPES = ("i8", "u8", "i16", "u16", "i32")
INT32_RANGE = (-(2**31), 2**31 - 1)


def _types_reason(op: GraphOp) -> str | None:
    x, y = short_name(element_type(op.operands[0])), short_name(element_type(op.results[0]))
    if x not in INPUT_TYPES:
        return f"needs an int8/uint8/int16/uint16/int32 input, got {element_type(op.operands[0])}"
    if y != "i32":
        return f"produces int32, but the result is {element_type(op.results[0])}"
    return None


def _int_attrs(op: GraphOp, names: tuple[str, ...]) -> dict[str, int] | str:
    values: dict[str, int] = {}
    for name in names:
        value = op.attr_int(name)
        if not INT32_RANGE[0] <= value <= INT32_RANGE[1]:
            return f"attribute {name}={value} is not an int32 integer"
        values[name] = value
    return values


def bind_igelu(op: GraphOp) -> Binding | str:
    if reason := _types_reason(op):
        return reason
    attrs = _int_attrs(op, ("b", "one"))
    if isinstance(attrs, str):
        return attrs
    return Binding("igelu", dict(attrs), (0,))


def bind_ihardswish(op: GraphOp) -> Binding | str:
    if reason := _types_reason(op):
        return reason
    attrs = _int_attrs(op, ("one_over_six", "three", "six"))
    if isinstance(attrs, str):
        return attrs
    return Binding("ihardswish", dict(attrs), (0,))


def _emit(symbol: str, names: tuple[str, ...]):
    def emit(e: Emitter, op: KernelOp) -> None:
        p = params_of(op)
        x, y = op.ins[0], op.outs[0]
        t = short_name(value_element_type(x))
        e.call(
            f"deeploy_{symbol}_{t}",
            [
                e.ptr(x, const=True),
                e.ptr(y),
                e.i32(numel(buffer_shape(y))),
                *(e.i32(p.int(n)) for n in names),
            ],
        )

    return emit


KERNELS = [
    Kernel(
        "igelu",
        ("iGELU",),
        SOURCE,
        bind_igelu,
        _emit("igelu", ("b", "one")),
        tiling=ELEMENTWISE,
        symbols=tuple(f"deeploy_igelu_{t}" for t in INPUT_TYPES),
    ),
    Kernel(
        "ihardswish",
        ("iHardswish",),
        SOURCE,
        bind_ihardswish,
        _emit("ihardswish", ("one_over_six", "three", "six")),
        tiling=ELEMENTWISE,
        symbols=tuple(f"deeploy_ihardswish_{t}" for t in INPUT_TYPES),
    ),
]
