"""Kernel parameters: the typed values a kernel call takes (dilations, shifts, ...) and
their attribute form on `buffer.kernel` and `tiled.layer` ops."""

from __future__ import annotations

import builtins
from collections.abc import Mapping

from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseArrayBase,
    DictionaryAttr,
    FloatAttr,
    IntegerAttr,
    StringAttr,
    f64,
    i64,
)
from xdsl.ir import Attribute

ParamValue = int | float | str | tuple[int, ...] | tuple[float, ...]


def params_to_attr(params: Mapping[str, ParamValue]) -> DictionaryAttr:
    out: dict[str, Attribute] = {}
    for key, value in params.items():
        if isinstance(value, bool):
            out[key] = IntegerAttr(int(value), i64)
        elif isinstance(value, int):
            out[key] = IntegerAttr(value, i64)
        elif isinstance(value, float):
            out[key] = FloatAttr(value, f64)
        elif isinstance(value, str):
            out[key] = StringAttr(value)
        elif isinstance(value, tuple) and all(isinstance(v, int) for v in value):
            out[key] = DenseArrayBase.from_list(i64, [int(v) for v in value])
        elif isinstance(value, tuple):
            out[key] = ArrayAttr([FloatAttr(float(v), f64) for v in value])
        else:
            raise TypeError(f"unsupported kernel parameter {key}={value!r}")
    return DictionaryAttr(out)


class Params:
    """Typed read access to a buffer.kernel op's params. (The methods `int`, `float` and
    `str` shadow the builtins in this class's scope: annotations say `builtins.int`.)"""

    def __init__(self, attr: DictionaryAttr) -> None:
        self._data = attr.data

    def __contains__(self, key: str) -> bool:
        return key in self._data

    def int(self, key: str) -> int:
        attr = self._data[key]
        assert isinstance(attr, IntegerAttr), key
        return attr.value.data

    def float(self, key: str) -> float:
        attr = self._data[key]
        if isinstance(attr, IntegerAttr):
            return float(attr.value.data)
        assert isinstance(attr, FloatAttr), key
        return attr.value.data

    def str(self, key: builtins.str) -> builtins.str:
        attr = self._data[key]
        assert isinstance(attr, StringAttr), key
        return attr.data

    def ints(self, key: builtins.str) -> tuple[builtins.int, ...]:
        attr = self._data[key]
        assert isinstance(attr, DenseArrayBase), key
        # get_values is typed for int and float arrays alike; params_to_attr writes ints
        return tuple(builtins.int(v) for v in attr.get_values())

    def floats(self, key: builtins.str) -> tuple[builtins.float, ...]:
        attr = self._data[key]
        assert isinstance(attr, ArrayAttr), key
        values = []
        for a in attr.data:
            assert isinstance(a, FloatAttr), key
            values.append(a.value.data)
        return tuple(values)
