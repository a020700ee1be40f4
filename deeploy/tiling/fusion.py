"""Fused layers: a kernel followed by pointwise kernels, run tile by tile in L1.

A fused layer is a chain of steps. The first step is any tiled kernel (the producer);
each later step is a pointwise kernel (elementwise tiling, one output) that reads the
chain's tail - the output of the step before - and otherwise only operands that are
either shaped like the tail or a single element. The producer's iteration space tiles
the whole chain: a later step's operands follow the axes of the tail, tile for tile, so
the tail never leaves L1 unless a reader outside the chain needs it (then it is also
stored). What fusion saves is the tail's store and reload.

A tile of the chain must hold complete producer results before a later step may read
them, so the producer's reduction dimensions are not split in a fused layer.

Operands are numbered as a `tiled.layer` lists them: external inputs (the producer's,
in its order, then those of the later steps), then local buffers (tails kept in L1),
then external outputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from math import prod

from deeploy.tiling.problem import Axis, Operand, TileProblem


@dataclass(frozen=True)
class Step:
    """One kernel of a fused layer and its operands (indices into the layer's list)."""

    kernel: str
    ins: tuple[int, ...]
    outs: tuple[int, ...]


@dataclass(frozen=True)
class Slot:
    """One operand of a fused layer: its shape, element size and role."""

    shape: tuple[int, ...]
    element_bytes: int
    role: str  # "in", "local" or "out"


class FusionError(ValueError):
    """The steps do not form a chain a fused layer can run."""


def fused_problem(first: TileProblem, steps: Sequence[Step], slots: Sequence[Slot]) -> TileProblem:
    """The tiling problem of a fused layer: `first` is the producer's problem (its
    operands are `steps[0]`'s, in order), the later steps follow its output's axes."""
    head = steps[0]
    if len(first.operands) != len(head.ins) + len(head.outs) or len(head.outs) != 1:
        raise FusionError("the first step must be the producer's one-output call")
    if head.ins != tuple(range(len(head.ins))):
        raise FusionError("the producer's inputs come first, in its order")
    axes: dict[int, tuple[tuple[Axis, ...], tuple[int, ...]]] = {}
    for k, operand in zip((*head.ins, *head.outs), first.operands):
        axes[k] = (operand.axes, operand.merge)
    produced = {head.outs[0]}
    for step in steps[1:]:
        tail = next((k for k in step.ins if k in produced), None)
        if tail is None or len(step.outs) != 1:
            raise FusionError(f"step '{step.kernel}' does not read the chain's tail")
        for k in step.ins:
            if k in head.ins:  # its boxes follow the producer's space, not the tail's
                raise FusionError(
                    f"step '{step.kernel}' reads the producer's input {k}: list it again"
                )
            if k not in axes:
                axes[k] = _follow(slots[k], slots[tail], axes[tail], step.kernel)
        out = step.outs[0]
        if slots[out].shape != slots[tail].shape:
            raise FusionError(f"step '{step.kernel}': its output is not shaped like its input")
        axes[out] = axes[tail]
        produced.add(out)
    if set(axes) != set(range(len(slots))):
        raise FusionError("every operand of a fused layer belongs to a step")
    dims = tuple(replace(d, kind="whole") if d.kind == "reduction" else d for d in first.dims)
    operands = tuple(
        Operand(
            f"{slot.role}{k}",
            axes[k][0],
            slot.element_bytes,
            is_output=slot.role == "out",
            merge=axes[k][1],
            local=slot.role == "local",
        )
        for k, slot in enumerate(slots)
    )
    return TileProblem(dims, operands)


def _follow(
    slot: Slot,
    tail: Slot,
    tail_axes: tuple[tuple[Axis, ...], tuple[int, ...]],
    kernel: str,
) -> tuple[tuple[Axis, ...], tuple[int, ...]]:
    """The axes of a later step's operand: the tail's when shaped alike; none (the whole
    element, every tile) for a single element."""
    if slot.shape == tail.shape:
        return tail_axes
    if prod(slot.shape) == 1:
        return tuple(Axis(1) for _ in slot.shape), ()
    raise FusionError(
        f"step '{kernel}': an operand of shape {list(slot.shape)} is neither shaped like "
        f"{list(tail.shape)} nor a single element"
    )
