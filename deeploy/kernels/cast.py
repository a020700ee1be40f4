"""Cast between float32, int8/16/32/64, uint8/16 and bool (runtime/kernels/cast.c).

float16/bfloat16 tensors are computed as float32 (see frontend/onnx_import.py), so a Cast
whose `to` is a half type rounds float32 to that precision on float32 storage.
"""

from __future__ import annotations

from deeploy.dialects.buffer import KernelOp
from deeploy.dialects.graph import GraphOp, element_type
from deeploy.dtypes import byte_size, short_name, value_element_type
from deeploy.kernels.base import Binding, Emitter, Kernel, params_of
from deeploy.kernels.layout import numel
from deeploy.kernels.shapes import buffer_shape
from deeploy.tiling.rules import ELEMENTWISE

SOURCE = "kernels/cast.c"
# the element types of DEEPLOY_CAST_TYPES in runtime/kernels/cast.c, by short_name
CAST_TYPES = ("f32", "i8", "u8", "i16", "u16", "i32", "i64", "bool")
_ROUNDING = {10: "f16", 16: "bf16"}  # TensorProto.FLOAT16, TensorProto.BFLOAT16
CAST_SYMBOLS = tuple(f"deeploy_cast_{a}_{b}" for a in CAST_TYPES for b in CAST_TYPES)
ROUNDING_SYMBOLS = tuple(f"deeploy_round_f32_to_{half}" for half in _ROUNDING.values())


def _rounding(op: GraphOp) -> str | None:
    to = op.attr_int("to", None)
    return None if to is None else _ROUNDING.get(to)


def bind_round_half(op: GraphOp) -> Binding | str | None:
    half = _rounding(op)
    if half is None or short_name(element_type(op.results[0])) != "f32":
        return None  # only a half type computed as float32 (as imported) rounds in place
    if short_name(element_type(op.operands[0])) != "f32":
        return f"cast to {half} is supported from f32 only, got {element_type(op.operands[0])}"
    return Binding("cast_round_half", {"half": half}, (0,))


def emit_round_half(e: Emitter, op: KernelOp) -> None:
    x, y = op.ins[0], op.outs[0]
    e.call(
        f"deeploy_round_f32_to_{params_of(op).str('half')}",
        [e.ptr(x, const=True), e.ptr(y), e.i32(numel(buffer_shape(y)))],
    )


def bind_cast(op: GraphOp) -> Binding | str:
    rounding = bind_round_half(op)
    if rounding is not None:
        return rounding
    source, target = element_type(op.operands[0]), element_type(op.results[0])
    for role, t in (("from", source), ("to", target)):
        if short_name(t) not in CAST_TYPES:
            return f"cannot cast {role} {t}: the supported types are {', '.join(CAST_TYPES)}"
    # converting in place is safe only when each element keeps its address
    same_size = byte_size(source) == byte_size(target)
    return Binding("cast" if same_size else "cast_resize", {}, (0,))


def emit_cast(e: Emitter, op: KernelOp) -> None:
    x, y = op.ins[0], op.outs[0]
    source, target = (value_element_type(v) for v in (x, y))
    e.call(
        f"deeploy_cast_{short_name(source)}_{short_name(target)}",
        [e.ptr(x, const=True), e.ptr(y), e.i32(numel(buffer_shape(y)))],
    )


KERNELS = [
    Kernel(
        "cast",
        ("Cast",),
        SOURCE,
        bind_cast,
        emit_cast,
        inplace=((0, 0),),
        tiling=ELEMENTWISE,
        symbols=CAST_SYMBOLS,
    ),
    # bound through Cast's binder when the element sizes differ
    Kernel(
        "cast_resize", (), SOURCE, bind_cast, emit_cast, tiling=ELEMENTWISE, symbols=CAST_SYMBOLS
    ),
    Kernel(
        "cast_round_half",
        (),
        SOURCE,
        bind_cast,
        emit_round_half,
        inplace=((0, 0),),
        tiling=ELEMENTWISE,
        symbols=ROUNDING_SYMBOLS,
    ),
]
