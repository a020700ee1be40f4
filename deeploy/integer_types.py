"""Integer element types for networks that store integers in float tensors.

Deeploy's quantisation flow writes every tensor of an integer network as float; the real
type of each graph input comes from its data (the smallest integer type holding all values,
unsigned first) or from the user (`--input-type x=int8`). `result_type` says what every
operator then produces: accumulating operators give int32, RequantShift and the integer
activations give the type their `n_levels`/`signed` describe, data movement keeps its
input's type.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
from xdsl.dialects.builtin import IntegerType, Signedness
from xdsl.ir import Attribute

from deeploy.dtypes import element_type_of, numpy_dtype
from deeploy.errors import OptionError

# names users write after --input-type, and what they mean
TYPE_NAMES = {
    "int8": "i8",
    "uint8": "u8",
    "int16": "i16",
    "uint16": "u16",
    "int32": "i32",
    "uint32": "u32",
    "i8": "i8",
    "u8": "u8",
    "i16": "i16",
    "u16": "u16",
    "i32": "i32",
    "u32": "u32",
}
# the order of Deeploy's inference from data: narrowest first, unsigned before signed
_INFERENCE_ORDER = ("u8", "i8", "u16", "i16", "u32", "i32")

I32 = IntegerType(32)


def numpy_of(short: str) -> np.dtype:
    return np.dtype(("uint" if short[0] == "u" else "int") + short[1:])


def element_of(short: str) -> Attribute:
    return element_type_of(numpy_of(short))


def parse_input_types(specs: Sequence[str]) -> dict[str, str]:
    """`["x=int8", "y=u8"]` -> {"x": "i8", "y": "u8"}; OptionError naming a bad entry."""
    types: dict[str, str] = {}
    for spec in specs:
        name, sep, type_name = spec.partition("=")
        short = TYPE_NAMES.get(type_name.strip().lower())
        if not sep or not name or short is None:
            raise OptionError(
                f"--input-type '{spec}': expected NAME=TYPE with TYPE one of "
                f"{', '.join(k for k in TYPE_NAMES if not k[1].isdigit())}"
            )
        types[name.strip()] = short
    return types


def smallest_integer_type(values: np.ndarray) -> str | None:
    """The narrowest integer type holding every value (unsigned first), or None when some
    value is not an integer (or the array is empty)."""
    if values.size == 0 or values.dtype.kind not in "iuf":
        return None
    if values.dtype.kind == "f" and not np.all(np.isfinite(values) & (np.round(values) == values)):
        return None
    lo, hi = float(values.min()), float(values.max())
    for short in _INFERENCE_ORDER:
        info = np.iinfo(numpy_of(short))
        if info.min <= lo and hi <= info.max:
            return short
    return None


def infer_input_types(names: Sequence[str], arrays: Sequence[np.ndarray]) -> dict[str, str] | None:
    """Deeploy's convention: every input's type from its data; None unless all inputs hold
    integers only (a float network keeps its float inputs)."""
    types: dict[str, str] = {}
    for name, array in zip(names, arrays):
        short = smallest_integer_type(np.asarray(array))
        if short is None:
            return None
        types[name] = short
    return types


def is_integer(t: Attribute) -> bool:
    return isinstance(t, IntegerType) and t.width.data > 1


def integer_range(t: Attribute) -> tuple[int, int]:
    info = np.iinfo(numpy_dtype(t))
    return int(info.min), int(info.max)


def levels_type(n_levels: int, signed: bool) -> Attribute:
    """The narrowest integer type holding n_levels values, signed or not."""
    for width in (8, 16, 32):
        if n_levels <= 2**width:
            sign = Signedness.SIGNLESS if signed else Signedness.UNSIGNED
            return IntegerType(width, sign)
    return IntegerType(64)


def common_type(types: Sequence[Attribute]) -> Attribute:
    """The narrowest integer type holding every value of all `types`."""
    lo = min(integer_range(t)[0] for t in types)
    hi = max(integer_range(t)[1] for t in types)
    for short in ("u8", "i8", "u16", "i16", "i32"):
        info = np.iinfo(numpy_of(short))
        if info.min <= lo and hi <= info.max:
            return element_of(short)
    return IntegerType(64)


ResultRule = Callable[[Sequence[Attribute], Mapping[str, object]], Attribute]


def _int32(types: Sequence[Attribute], attrs: Mapping[str, object]) -> Attribute:
    return I32


def _first(types: Sequence[Attribute], attrs: Mapping[str, object]) -> Attribute:
    return types[0]


def _common(types: Sequence[Attribute], attrs: Mapping[str, object]) -> Attribute:
    return common_type(types)


def _int_attr(attrs: Mapping[str, object], name: str) -> int | None:
    """An integer attribute among a rule's attribute values (None: absent)."""
    value = attrs.get(name)
    if value is None or isinstance(value, int):
        return value
    raise TypeError(f"attribute {name} is {value!r}, not an integer")


def _levels(types: Sequence[Attribute], attrs: Mapping[str, object]) -> Attribute:
    levels = _int_attr(attrs, "n_levels_out") or _int_attr(attrs, "n_levels")
    if levels is None:
        raise TypeError("needs attribute n_levels or n_levels_out")
    return levels_type(levels, bool(attrs.get("signed", 1)))


def _unsigned_levels(types: Sequence[Attribute], attrs: Mapping[str, object]) -> Attribute:
    levels = _int_attr(attrs, "n_levels")
    if levels is None:
        raise TypeError("needs attribute n_levels")
    return levels_type(levels, False)


# result element type by op type, from the element types of the data operands
RESULT_RULES: dict[str, ResultRule] = {
    **dict.fromkeys(("Conv", "Gemm", "MatMul", "Add", "Sub", "Mul", "ReduceSum", "Sum"), _int32),
    **dict.fromkeys(
        (
            "MaxPool",
            "GlobalMaxPool",
            "AveragePool",
            "GlobalAveragePool",
            "ReduceMean",
            "ReduceMax",
            "ReduceMin",
            "Pad",
            "Slice",
            "Gather",
            "Transpose",
            "Reshape",
            "Flatten",
            "Squeeze",
            "Unsqueeze",
            "Identity",
            "Relu",
            "Clip",
            "Split",
            "Expand",
            "Tile",
            "DepthToSpace",
            "SpaceToDepth",
        ),
        _first,
    ),
    **dict.fromkeys(("Concat", "Max", "Min"), _common),
    # integer softmax: unsigned values in [0, n_levels) (Deeploy's SoftmaxChecker)
    **dict.fromkeys(("iSoftmax", "ITAMax", "ITAPartialMax"), _unsigned_levels),
    # Deeploy's integer GELU/Hardswish widen to int32; the integer norms give signed
    # n_levels values (LayerNormChecker)
    **dict.fromkeys(("iGELU", "iHardswish"), _int32),
    **dict.fromkeys(("iLayerNorm", "iRMSNorm", "iNoNorm"), _levels),
    "TrueIntegerDiv": _int32,
    "IntegerDiv": _int32,
    "RQIntegerDiv": _levels,
    "IntegerMean": _first,
    "RequantShift": _levels,
}

# operands that carry data, where not all do (the rest are shapes, indices, axes, or the
# parameters PARAM_OPERANDS lists)
DATA_OPERANDS: dict[str, tuple[int, ...]] = {
    "iLayerNorm": (0,),
    "iRMSNorm": (0,),
    "iNoNorm": (0, 1),
    "Conv": (0, 1),
    "Gemm": (0, 1),
    "RQIntegerDiv": (0, 1),
    **dict.fromkeys(
        (
            "Pad",
            "Slice",
            "Gather",
            "Reshape",
            "Squeeze",
            "Unsqueeze",
            "Clip",
            "Split",
            "Expand",
            "Tile",
            "RequantShift",
            "ReduceSum",
            "ReduceMean",
            "ReduceMax",
            "ReduceMin",
        ),
        (0,),
    ),
}


# constant parameters: int32 (bias, requantisation) or the data's own type ("same")
PARAM_OPERANDS: dict[str, dict[int, str]] = {
    "Conv": {2: "i32"},
    "Gemm": {2: "i32"},
    "iLayerNorm": {1: "i32", 2: "i32"},
    "iRMSNorm": {1: "i32"},
    "iNoNorm": {2: "i32"},
    "RQIntegerDiv": {2: "i32", 3: "i32", 4: "i32"},
    "RequantShift": {1: "i32", 2: "i32"},
    "Clip": {1: "same", 2: "same"},
    "Pad": {2: "same"},
}
