"""What tiling a layer means: an iteration space and how each operand follows it.

A layer (one kernel call) is described by an iteration space of dimensions, listed in
loop order (outermost first), and, for every operand, how each of its axes follows those
dimensions. Tiling chooses a tile size per dimension; a tile is a box of the iteration
space, and each operand needs the box of its own elements that the tile touches:

- an axis driven by dimension d with stride s, window w and offset o needs, for the
  iteration range [i0, i1), the elements [i0*s + o, (i1-1)*s + o + w), clipped to the
  axis (what falls outside is padding the kernel supplies: the tile's clipped pads);
  an identity axis is s = w = 1, o = 0; a convolution's input row axis is s = stride,
  w = (kernel - 1) * dilation + 1, o = -pad_begin;
- an axis driven by no dimension is needed whole by every tile (broadcast axes, kernel
  taps, an axis the kernel needs entire).

An operand may be local: a buffer that lives only in L1, written by one kernel of a
fused layer and read by the next, tile by tile; it never moves.

Dimension kinds: "parallel" dimensions split freely; "reduction" dimensions split only
because the kernel accumulates across tiles (they are always innermost in the loop
order, so that an output tile stays in L1 until it is complete); "whole" dimensions are
never split.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

DimKind = Literal["parallel", "reduction", "whole"]


@dataclass(frozen=True)
class Dim:
    name: str
    extent: int
    kind: DimKind = "parallel"
    multiple: int = 1  # tile sizes must be multiples of this (or the whole extent)

    def __post_init__(self) -> None:
        if self.extent < 1 or self.multiple < 1:
            raise ValueError(f"dimension {self.name}: extent and multiple must be positive")


@dataclass(frozen=True)
class Axis:
    """How one operand axis follows the iteration space (see the module docstring)."""

    extent: int
    dim: int | None = None
    stride: int = 1
    window: int = 1
    offset: int = 0

    def needed(self, start: int, stop: int) -> tuple[int, int, int, int]:
        """For the iteration range [start, stop): (first, last + 1, clipped before,
        clipped after) of the elements this axis needs."""
        if self.dim is None:
            return 0, self.extent, 0, 0
        raw_lo = start * self.stride + self.offset
        raw_hi = (stop - 1) * self.stride + self.offset + self.window
        lo, hi = max(0, raw_lo), min(self.extent, raw_hi)
        return lo, hi, lo - raw_lo, raw_hi - hi


@dataclass(frozen=True)
class Operand:
    """One operand, seen through `axes` - a row-major view of its buffer (a reshape, so
    boxes of the view are boxes of the buffer). `merge` gives, per view axis, the axis of
    the kernel's own shape it belongs to (empty: the same axes), so that a tile's box
    turns back into the shape the kernel expects."""

    name: str
    axes: tuple[Axis, ...]
    element_bytes: int
    is_output: bool = False
    merge: tuple[int, ...] = ()
    local: bool = False  # lives in L1 only (a fused layer's intermediate): never moves

    def __post_init__(self) -> None:
        if self.local and self.is_output:
            raise ValueError(f"operand {self.name}: a local buffer is not an output")
        if self.merge and (
            len(self.merge) != len(self.axes)
            or self.merge[0] != 0
            or any(b - a not in (0, 1) for a, b in zip(self.merge, self.merge[1:]))
        ):
            raise ValueError(f"operand {self.name}: merge must number view axes 0, 1, ... in order")

    @property
    def dims(self) -> frozenset[int]:
        return frozenset(a.dim for a in self.axes if a.dim is not None)

    @property
    def view_shape(self) -> tuple[int, ...]:
        return tuple(a.extent for a in self.axes)

    def kernel_shape(self, box_shape: tuple[int, ...]) -> tuple[int, ...]:
        """The shape the kernel sees for a box of the view."""
        if not self.merge:
            return box_shape
        shape = [1] * (self.merge[-1] + 1)
        for axis, size in zip(self.merge, box_shape):
            shape[axis] *= size
        return tuple(shape)


@dataclass(frozen=True)
class TileProblem:
    """One layer to tile: its iteration space (loop order) and its operands (inputs
    first, then local buffers, then outputs; in the kernel's order)."""

    dims: tuple[Dim, ...]
    operands: tuple[Operand, ...]

    def __post_init__(self) -> None:
        kinds = [d.kind for d in self.dims if d.kind != "whole"]
        if "reduction" in kinds and kinds[kinds.index("reduction") :].count("parallel"):
            raise ValueError("reduction dimensions must come after every parallel one")
        for op in self.operands:
            for axis in op.axes:
                if axis.dim is not None and not 0 <= axis.dim < len(self.dims):
                    raise ValueError(f"operand {op.name}: axis driven by unknown dimension")
            driven = [a.dim for a in op.axes if a.dim is not None]
            if len(driven) != len(set(driven)):
                raise ValueError(f"operand {op.name}: two axes follow the same dimension")
            if (op.is_output or op.local) and any(
                self.dims[d].kind == "reduction" for d in op.dims
            ):
                raise ValueError(f"output {op.name} cannot follow a reduction dimension")

    @property
    def inputs(self) -> tuple[Operand, ...]:
        return tuple(o for o in self.operands if not o.is_output and not o.local)

    @property
    def outputs(self) -> tuple[Operand, ...]:
        return tuple(o for o in self.operands if o.is_output)
