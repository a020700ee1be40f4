"""Shape helpers for emitters working on buffers."""

from __future__ import annotations

from xdsl.dialects.builtin import MemRefType
from xdsl.ir import SSAValue

from deeploy.dtypes import byte_size


def buffer_shape(value: SSAValue) -> tuple[int, ...]:
    assert isinstance(value.type, MemRefType)
    return tuple(value.type.get_shape())


def element_bytes(value: SSAValue) -> int:
    assert isinstance(value.type, MemRefType)
    return byte_size(value.type.get_element_type())
