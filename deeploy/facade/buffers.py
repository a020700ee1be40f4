"""Deeploy's descriptions of buffers and memory decisions, as plain dataclasses.

In Deeploy these objects are the compiler's working state; here the state is the IR, and
these are read-only views of it built by `deeploy.facade.ir_readers` (I/O buffers from the
imported function, memory blocks from `plan-memory`'s offsets, tile constraints from the
`tiled.layer` ops) so that code inspecting Deeploy's results keeps working.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from math import prod
from typing import Any, Literal

import numpy as np

TensorRole = Literal["input", "intermediate", "output"]


@dataclass(frozen=True)
class VariableBuffer:
    """A network input or output: its ONNX name, shape, numpy element type, and the memory
    level it is expected in (the home level; None when the network is not memory-aware)."""

    name: str
    shape: tuple[int, ...]
    dtype: str
    memoryLevel: str | None = None
    is_input: bool = False
    is_output: bool = False

    @property
    def typeName(self) -> str:
        """The C element type, as in the generated prototypes."""
        from deeploy.dtypes import c_type, element_type_of

        return c_type(element_type_of(np.dtype(self.dtype)))

    def sizeInBytes(self) -> int:
        return prod(self.shape) * np.dtype(self.dtype).itemsize


@dataclass
class MemoryBlock:
    """One buffer placed in a level's arena: live over `lifetime` (first and last layer
    step, inclusive) at byte range `addrSpace` [start, end) of the arena."""

    name: str
    level: str
    lifetime: tuple[int, int]
    addrSpace: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        self.lifetime = (int(self.lifetime[0]), int(self.lifetime[1]))
        if self.lifetime[0] > self.lifetime[1]:
            raise ValueError(f"{self.name}: the lifetime must be ordered, got {self.lifetime}")
        if self.addrSpace is not None:
            self.addrSpace = (int(self.addrSpace[0]), int(self.addrSpace[1]))
            if self.addrSpace[0] >= self.addrSpace[1]:
                raise ValueError(
                    f"{self.name}: the address space must be ordered, got {self.addrSpace}"
                )

    def collides(self, other: MemoryBlock) -> bool:
        """Whether both blocks are live at one step and share a byte."""
        if not isinstance(other, MemoryBlock):
            raise TypeError(f"{other!r} is not a MemoryBlock")
        if self.addrSpace is None or other.addrSpace is None:
            return False
        in_time = self.lifetime[0] <= other.lifetime[1] and other.lifetime[0] <= self.lifetime[1]
        in_space = self.addrSpace[0] < other.addrSpace[1] and other.addrSpace[0] < self.addrSpace[1]
        return in_time and in_space


@dataclass
class MemoryConstraint:
    """What one tensor occupies in one level: `size` bytes per buffer, times
    `multiBufferCoefficient` buffers (2 when its tiles are double-buffered)."""

    memoryLevel: str
    size: int
    multiBufferCoefficient: int = 1
    shape: tuple[int, ...] | None = None
    addrSpace: tuple[int, int] | None = None


@dataclass
class TensorMemoryConstraint:
    """A tensor's footprint in every level it visits (home level and L1)."""

    tensorName: str
    memoryConstraints: dict[str, MemoryConstraint] = field(default_factory=dict)

    def addMemoryConstraint(self, constraint: MemoryConstraint) -> None:
        self.memoryConstraints[constraint.memoryLevel] = constraint


@dataclass
class NodeMemoryConstraint:
    """The tensors of one layer, by role."""

    inputTensorMemoryConstraints: dict[str, TensorMemoryConstraint] = field(default_factory=dict)
    intermediateTensorMemoryConstraints: dict[str, TensorMemoryConstraint] = field(
        default_factory=dict
    )
    outputTensorMemoryConstraints: dict[str, TensorMemoryConstraint] = field(default_factory=dict)

    @property
    def tensorMemoryConstraints(self) -> dict[str, TensorMemoryConstraint]:
        return {
            **self.inputTensorMemoryConstraints,
            **self.intermediateTensorMemoryConstraints,
            **self.outputTensorMemoryConstraints,
        }

    def addTensorConstraint(self, constraint: TensorMemoryConstraint, io: TensorRole) -> None:
        table = {
            "input": self.inputTensorMemoryConstraints,
            "output": self.outputTensorMemoryConstraints,
        }.get(io, self.intermediateTensorMemoryConstraints)
        table[constraint.tensorName] = constraint


@dataclass
class PatternMemoryConstraints:
    """The memory constraints of one pattern; tiling is layer-wise, so one node each."""

    nodeConstraints: list[NodeMemoryConstraint] = field(default_factory=list)

    def addConstraint(self, constraint: NodeMemoryConstraint) -> None:
        self.nodeConstraints.append(constraint)


# -- JSON (deployer state files) --------------------------------------------------------


def blocks_to_json(blocks: dict[str, list[MemoryBlock]]) -> dict[str, list[dict[str, Any]]]:
    return {level: [asdict(b) for b in members] for level, members in blocks.items()}


def blocks_from_json(data: dict[str, list[dict[str, Any]]]) -> dict[str, list[MemoryBlock]]:
    return {
        level: [
            MemoryBlock(
                b["name"],
                b["level"],
                tuple(b["lifetime"]),
                tuple(b["addrSpace"]) if b["addrSpace"] is not None else None,
            )
            for b in members
        ]
        for level, members in data.items()
    }


def patterns_to_json(patterns: dict[str, PatternMemoryConstraints]) -> dict[str, Any]:
    return {name: asdict(p) for name, p in patterns.items()}


def patterns_from_json(data: dict[str, Any]) -> dict[str, PatternMemoryConstraints]:
    def constraint(c: dict[str, Any]) -> MemoryConstraint:
        shape = tuple(c["shape"]) if c["shape"] is not None else None
        space = tuple(c["addrSpace"]) if c["addrSpace"] is not None else None
        return MemoryConstraint(
            c["memoryLevel"],
            c["size"],
            c["multiBufferCoefficient"],
            shape,
            space,
        )

    def tensors(table: dict[str, Any]) -> dict[str, TensorMemoryConstraint]:
        return {
            name: TensorMemoryConstraint(
                t["tensorName"],
                {lvl: constraint(c) for lvl, c in t["memoryConstraints"].items()},
            )
            for name, t in table.items()
        }

    return {
        name: PatternMemoryConstraints(
            [
                NodeMemoryConstraint(
                    tensors(n["inputTensorMemoryConstraints"]),
                    tensors(n["intermediateTensorMemoryConstraints"]),
                    tensors(n["outputTensorMemoryConstraints"]),
                )
                for n in p["nodeConstraints"]
            ]
        )
        for name, p in data.items()
    }
