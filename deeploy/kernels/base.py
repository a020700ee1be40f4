"""What a runtime kernel is to the compiler.

A `Kernel` pairs one C function family in `runtime/` with
- `bind`: given a graph op, either a `Binding` (normalised parameters, and which operands
  stay buffers) or a one-line reason why this kernel cannot run the op;
- `emit`: given the bufferised `buffer.kernel` op, the C call(s) that run it, built with
  an `Emitter` (pointers to buffers, integer/float literals, constant int arrays);
- `symbols`: every C function `emit` may call, each declared by its literal name in
  `header` (tests/unit/test_runtime_names.py checks it); a call to any other function is
  an error at emission.

A `KernelLibrary` is an ordered list of kernels: the first kernel that binds wins, so
specialised kernels go before general ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, cast

from xdsl.ir import Attribute, SSAValue

from deeploy.dialects.buffer import KernelOp
from deeploy.dialects.graph import GraphOp
from deeploy.kernels.params import Params, ParamValue

if TYPE_CHECKING:
    from deeploy.tiling.rules import TileRule


@dataclass(frozen=True)
class Binding:
    kernel: str
    params: Mapping[str, ParamValue]  # read-only: binders build it from narrower dicts
    inputs: tuple[int, ...]  # indices into op.operands of the values read as buffers, in order


class Emitter(Protocol):
    """Builds the arguments of C calls; implemented by the lower-to-c pass."""

    def ptr(self, buffer: SSAValue, const: bool = False) -> SSAValue: ...
    def ptr_at(self, buffer: SSAValue, element_offset: int, const: bool = False) -> SSAValue: ...
    def null(self, element_type: Attribute, const: bool = True) -> SSAValue: ...
    def i32(self, value: int) -> SSAValue: ...
    def f32(self, value: float) -> SSAValue: ...
    # any iterable, numpy arrays included: the values are copied into a C array
    def i32_array(self, values: Iterable[int]) -> SSAValue: ...
    def f32_array(self, values: Iterable[float]) -> SSAValue: ...
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
    header: str = ""  # relative to runtime/include; default: deeploy/<stem of `source`>.h
    # How a call splits into tiles (deeploy/tiling/rules.py); None: one tile, whole operands
    tiling: TileRule | None = None
    # The kernel that runs this one's calls when they are tiled (e.g. one that reads its
    # weights in their original layout, as L1 tiles hold them); "": this kernel itself
    tiled_variant: str = ""
    # The C functions `emit` may call; default: deeploy_<name>
    symbols: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.header:
            stem = self.source.rsplit("/", 1)[-1].removesuffix(".c")
            object.__setattr__(self, "header", f"deeploy/{stem}.h")
        if not self.symbols:
            object.__setattr__(self, "symbols", (f"deeploy_{self.name}",))
        if not isinstance(self.emit, _CheckedEmit):
            object.__setattr__(self, "emit", _CheckedEmit(self.name, self.emit, self.symbols))


class _CheckedEmit:
    """A kernel's emit function that lets through calls to its declared symbols only."""

    def __init__(self, kernel: str, emit: EmitFn, symbols: tuple[str, ...]) -> None:
        self.kernel, self.inner, self.symbols = kernel, emit, frozenset(symbols)

    def __call__(self, e: Emitter, op: KernelOp) -> None:
        self.inner(cast(Emitter, _SymbolCheck(e, self)), op)


class _SymbolCheck:
    """The emitter a kernel's emit function sees: checks each C call against its symbols."""

    def __init__(self, inner: Emitter, emit: _CheckedEmit) -> None:
        self._inner, self._emit = inner, emit

    def __getattr__(self, name: str):  # everything but `call` is the wrapped emitter's
        if name in ("_inner", "_emit"):
            raise AttributeError(name)
        return getattr(self._inner, name)

    def __setattr__(self, name: str, value: object) -> None:
        # state a kernel sets (e.g. that it needs math.h) belongs to the wrapped emitter
        if name in ("_inner", "_emit"):
            object.__setattr__(self, name, value)
        else:
            setattr(self._inner, name, value)

    def call(self, symbol: str, args: Sequence[SSAValue]) -> None:
        if symbol not in self._emit.symbols:
            raise AssertionError(
                f"kernel '{self._emit.kernel}' calls {symbol}, which is not among its symbols "
                f"({', '.join(sorted(self._emit.symbols))})"
            )
        self._inner.call(symbol, args)


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


def params_of(op: KernelOp) -> Params:
    return Params(op.params)
