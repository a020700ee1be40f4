"""`CallEmitter`: how kernels emit C (kernels.base.Emitter) into a cemit function body:
pointers to buffers (function arguments, `(T *)(arena + offset)`, weight arrays, views
of their source), constants, calls, and the weights each network file declares."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from xdsl.builder import Builder
from xdsl.dialects.builtin import (
    FloatAttr,
    IntegerAttr,
    IntegerType,
    MemRefType,
    Signedness,
    f32,
    i32,
)
from xdsl.ir import Attribute, BlockArgument, Operation, SSAValue
from xdsl.utils.exceptions import PassFailedException

from deeploy.alignment import align_up
from deeploy.backend.c_text import c_identifier
from deeploy.dialects import buffer, cemit
from deeploy.dtypes import dense_from_numpy, numpy_from_dense
from deeploy.kernels.layout import numel

U8 = IntegerType(8, Signedness.UNSIGNED)


@dataclass
class CallEmitter:
    """Implements `kernels.base.Emitter` on top of a cemit function body."""

    prefix: str
    builder: Builder
    params: dict[SSAValue, SSAValue]
    globals_: list[cemit.GlobalOp] = field(default_factory=list)
    uses_math: bool = False
    uses_string: bool = False
    _pointers: dict[SSAValue, SSAValue] = field(default_factory=dict)
    _arrays: dict[tuple[str, bytes], str] = field(default_factory=dict)
    _symbols: set[str] = field(default_factory=set)
    _arena_syms: dict[str, str] = field(default_factory=dict)
    weight_ops: list[cemit.GlobalOp] = field(default_factory=list)
    buffer_ops: list[cemit.GlobalOp] = field(default_factory=list)
    alignment: int = 16
    separate_buffers: bool = False
    # With a memory hierarchy, weights live in their level's array after the arena, copied
    # there by the init function: (initial-value symbol, byte offset, bytes) per weight.
    weights_in_level: bool = False
    weight_offset: int = 0
    weight_copies: list[tuple[str, int, int]] = field(default_factory=list)
    _weight_offsets: dict[buffer.ConstantOp, int] = field(default_factory=dict)
    # every C function called so far, in order: which ones a layer's kernels chose (their
    # emit picks among several by element type or layout) goes into the layer report
    called: list[str] = field(default_factory=list)

    @contextmanager
    def redirected(self, builder: Builder, params: dict[SSAValue, SSAValue]) -> Iterator[None]:
        """Emit into another function body, whose buffers are `params`, for a while."""
        saved = (self.builder, self.params, self._pointers)
        self.builder, self.params, self._pointers = builder, params, {}
        try:
            yield
        finally:
            self.builder, self.params, self._pointers = saved

    def insert(self, op: Operation) -> SSAValue:
        self.builder.insert(op)
        return op.results[0]

    def unique_symbol(self, base: str) -> str:
        name = base
        k = 1
        while name in self._symbols:
            name = f"{base}_{k}"
            k += 1
        self._symbols.add(name)
        return name

    def arena_symbol(self, level: str) -> str:
        if level not in self._arena_syms:
            self._arena_syms[level] = self.unique_symbol(
                f"{self.prefix}_arena_{c_identifier(level)}"
            )
        return self._arena_syms[level]

    # -- Emitter interface --------------------------------------------------------------
    def ptr(self, buf: SSAValue, const: bool = False) -> SSAValue:
        del const  # T * converts to const T * implicitly
        if buf in self._pointers:
            return self._pointers[buf]
        t = buf.type
        assert isinstance(t, MemRefType)
        element = t.get_element_type()
        owner = buf.owner
        if isinstance(buf, BlockArgument):
            value = self.params[buf]
        elif isinstance(owner, buffer.ViewOp):
            value = self.ptr(owner.source)
        elif isinstance(owner, buffer.ConstantOp) and self.weights_in_level:
            level = self.insert(
                cemit.SymbolOp(self.arena_symbol(buffer.level_of(buf)), cemit.PointerType(U8))
            )
            shifted = self.insert(cemit.OffsetOp(level, self._weight_in_level(owner)))
            value = self.insert(cemit.CastOp(shifted, cemit.PointerType(element)))
        elif isinstance(owner, buffer.ConstantOp):
            value = self.insert(
                cemit.SymbolOp(self._weight(owner), cemit.PointerType(element, const=True))
            )
        elif isinstance(owner, buffer.AllocOp):
            if owner.offset_value is None:
                raise PassFailedException(
                    "lower-to-c: a buffer.alloc has no offset; run plan-memory first"
                )
            if self.separate_buffers:
                own = self.unique_symbol(
                    f"{self.prefix}_buf_{c_identifier(buf.name_hint or 'tmp')}"
                )
                self.buffer_ops.append(
                    cemit.GlobalOp(
                        own,
                        element,
                        max(1, numel(tuple(t.get_shape()))),
                        static=True,
                        alignment=self.alignment,
                    )
                )
                value = self.insert(cemit.SymbolOp(own, cemit.PointerType(element)))
                self._pointers[buf] = value
                return value
            arena = self.insert(
                cemit.SymbolOp(self.arena_symbol(buffer.level_of(buf)), cemit.PointerType(U8))
            )
            shifted = self.insert(cemit.OffsetOp(arena, owner.offset_value))
            value = self.insert(cemit.CastOp(shifted, cemit.PointerType(element)))
        else:
            raise PassFailedException(f"lower-to-c: no pointer for a buffer defined by {owner}")
        self._pointers[buf] = value
        return value

    def ptr_at(self, buf: SSAValue, element_offset: int, const: bool = False) -> SSAValue:
        base = self.ptr(buf, const)
        return base if element_offset == 0 else self.insert(cemit.OffsetOp(base, element_offset))

    def null(self, element_type: Attribute, const: bool = True) -> SSAValue:
        return self.insert(cemit.NullOp(cemit.PointerType(element_type, const=const)))

    def i32(self, value: int) -> SSAValue:
        if not -(2**31) <= value < 2**31:
            raise PassFailedException(
                f"lower-to-c: {value} does not fit a kernel's int32_t argument"
            )
        return self.insert(cemit.LiteralOp(IntegerAttr(value, i32)))

    def f32(self, value: float) -> SSAValue:
        if not math.isfinite(value):
            self.uses_math = True
        return self.insert(cemit.LiteralOp(FloatAttr(value, f32)))

    def i32_array(self, values: Iterable[int]) -> SSAValue:
        import numpy as np

        return self.const_array(np.array([int(v) for v in values], dtype=np.int32), "dims")

    def f32_array(self, values: Iterable[float]) -> SSAValue:
        import numpy as np

        return self.const_array(np.array([float(v) for v in values], dtype=np.float32), "params")

    def const_array(self, array, stem: str) -> SSAValue:
        """A static const array with these values (shared between identical uses)."""
        key = (array.dtype.str, array.tobytes())
        name = self._arrays.get(key)
        dense = dense_from_numpy(array)
        if name is None:
            name = self.unique_symbol(f"{self.prefix}_{stem}{len(self._arrays)}")
            self._arrays[key] = name
            self.globals_.append(
                cemit.GlobalOp(
                    name,
                    dense.get_element_type(),
                    max(1, array.size),
                    dense,
                    const=True,
                    static=True,
                )
            )
        return self.insert(
            cemit.SymbolOp(name, cemit.PointerType(dense.get_element_type(), const=True))
        )

    def call(self, symbol: str, args: Sequence[SSAValue]) -> None:
        self.builder.insert(cemit.CallOp(symbol, args))
        self.called.append(symbol)

    # -- weights -------------------------------------------------------------------------
    def _weight_in_level(self, op: buffer.ConstantOp) -> int:
        offset = self._weight_offsets.get(op)
        if offset is None:
            size = buffer.size_in_bytes(op.result.type)
            offset = self._weight_offsets[op] = self.weight_offset
            self.weight_offset += align_up(size, self.alignment)
            self.weight_copies.append((self._weight(op), offset, size))
        return offset

    def _weight(self, op: buffer.ConstantOp) -> str:
        import numpy as np

        name = self.unique_symbol(f"{self.prefix}_{c_identifier(op.const_name or 'const')}")
        array = numpy_from_dense(op.value)
        if array.dtype.kind == "f" and not bool(np.isfinite(array).all()):
            self.uses_math = True
        self.weight_ops.append(
            cemit.GlobalOp(
                name,
                op.value.get_element_type(),
                max(1, array.size),
                op.value,
                const=True,
                static=True,
                alignment=self.alignment,
            )
        )
        return name
