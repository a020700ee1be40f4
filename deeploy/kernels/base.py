"""What a runtime kernel is to the compiler.

A `Kernel` pairs one C function family in `runtime/` with
- `bind`: given a graph op, either a `Binding` (normalised parameters, and which operands
  stay buffers) or a one-line reason why this kernel cannot run the op;
- `emit`: given the bufferised `buffer.kernel` op, the C call(s) that run it, built with
  an `Emitter` (pointers to buffers, integer/float literals, constant int arrays).

A `KernelLibrary` is an ordered list of kernels: the first kernel that binds wins, so
specialised kernels go before general ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

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
from xdsl.ir import Attribute, SSAValue

from deeploy.dialects.buffer import KernelOp
from deeploy.dialects.graph import GraphOp

if TYPE_CHECKING:
    from deeploy.tiling.rules import TileRule

ParamValue = int | float | str | tuple[int, ...] | tuple[float, ...]


@dataclass(frozen=True)
class Binding:
    kernel: str
    params: dict[str, ParamValue]
    inputs: tuple[int, ...]  # indices into op.operands of the values read as buffers, in order


class Emitter(Protocol):
    """Builds the arguments of C calls; implemented by the lower-to-c pass."""

    def ptr(self, buffer: SSAValue, const: bool = False) -> SSAValue: ...
    def ptr_at(self, buffer: SSAValue, element_offset: int, const: bool = False) -> SSAValue: ...
    def null(self, element_type: Attribute, const: bool = True) -> SSAValue: ...
    def i32(self, value: int) -> SSAValue: ...
    def f32(self, value: float) -> SSAValue: ...
    def i32_array(self, values: Sequence[int]) -> SSAValue: ...
    def f32_array(self, values: Sequence[float]) -> SSAValue: ...
    def call(self, symbol: str, args: Sequence[SSAValue]) -> None: ...


BindFn = Callable[[GraphOp], "Binding | str"]
EmitFn = Callable[[Emitter, KernelOp], None]


@dataclass(frozen=True)
class Kernel:
    name: str
    op_types: tuple[str, ...]
    source: str  # C file, relative to runtime/, e.g. "kernels/conv_f32.c"
    bind: BindFn
    emit: EmitFn
    # (input index, output index) pairs whose buffers may coincide (in-place execution)
    inplace: tuple[tuple[int, int], ...] = ()
    header: str = ""  # relative to runtime/include; default: deeploy/<family>.h of `source`
    # How a call splits into tiles (deeploy/tiling/rules.py); None: one tile, whole operands
    tiling: TileRule | None = None
    # The kernel that runs this one's calls when they are tiled (e.g. one that reads its
    # weights in their original layout, as L1 tiles hold them); "": this kernel itself
    tiled_variant: str = ""

    def __post_init__(self) -> None:
        if not self.header:
            family = self.source.rsplit("/", 1)[-1].removesuffix(".c").removesuffix("_f32")
            object.__setattr__(self, "header", f"deeploy/{family}.h")


@dataclass
class KernelLibrary:
    kernels: list[Kernel] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_name = {k.name: k for k in self.kernels}
        self._by_op: dict[str, list[Kernel]] = {}
        for k in self.kernels:
            for op_type in k.op_types:
                self._by_op.setdefault(op_type, []).append(k)

    def get(self, name: str) -> Kernel:
        return self._by_name[name]

    def has(self, name: str) -> bool:
        return name in self._by_name

    def candidates(self, op_type: str) -> list[Kernel]:
        return self._by_op.get(op_type, [])

    def op_types(self) -> set[str]:
        return set(self._by_op)

    def bind(self, op: GraphOp) -> Binding | list[str]:
        """The first binding of op, or the reasons every candidate declined."""
        reasons: list[str] = []
        for kernel in self.candidates(op.SIGNATURE.op_type):
            result = kernel.bind(op)
            if isinstance(result, Binding):
                return result
            reasons.append(result)
        return reasons or ["no kernel implements this operator on the target"]


# -- params <-> attributes ------------------------------------------------------------


def params_to_attr(params: dict[str, ParamValue]) -> DictionaryAttr:
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
            out[key] = DenseArrayBase.from_list(i64, list(value))
        elif isinstance(value, tuple):
            out[key] = ArrayAttr([FloatAttr(float(v), f64) for v in value])
        else:
            raise TypeError(f"unsupported kernel parameter {key}={value!r}")
    return DictionaryAttr(out)


class Params:
    """Typed read access to a buffer.kernel op's params."""

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

    def str(self, key: str) -> str:
        attr = self._data[key]
        assert isinstance(attr, StringAttr), key
        return attr.data

    def ints(self, key: str) -> tuple[int, ...]:
        attr = self._data[key]
        assert isinstance(attr, DenseArrayBase), key
        return tuple(attr.get_values())  # type: ignore[arg-type]

    def floats(self, key: str) -> tuple[float, ...]:
        attr = self._data[key]
        assert isinstance(attr, ArrayAttr), key
        return tuple(a.value.data for a in attr.data)  # type: ignore[attr-defined]


def params_of(op: KernelOp) -> Params:
    return Params(op.params)


def require_all(op: GraphOp, predicate: Callable[[Attribute], bool], what: str) -> str | None:
    """A reason string when some operand/result element type fails predicate."""
    for value in (*op.operands, *op.results):
        element = value.type.get_element_type()  # type: ignore[attr-defined]
        if not predicate(element):
            return f"needs {what} tensors, got {element}"
    return None


def iter_present(values: Iterable[SSAValue | None]) -> list[SSAValue]:
    return [v for v in values if v is not None]
