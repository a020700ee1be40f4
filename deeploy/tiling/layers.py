"""Tiled layers as tiling problems: what tile-layers and fuse-tiled-layers decide and
what later stages read back (verify-memory-plan, lower-to-c, the memory map, the facade).

A layer's kernel describes its call as tiling problems (deeploy/tiling/rules.py); the best
tiling within a scratchpad's size comes from the solver; the operands' scratchpad buffers
are laid out one after the other (two per operand that moves more than once, with double
buffering). `TileSettings` says what tiling needs of the hardware.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from math import prod

from xdsl.dialects.builtin import IntegerAttr, MemRefType, StringAttr, i64
from xdsl.ir import Attribute
from xdsl.utils.exceptions import PassFailedException

from deeploy.alignment import align_up
from deeploy.dialects import buffer, tiled
from deeploy.dialects.target import TargetSpecAttr
from deeploy.dtypes import byte_size
from deeploy.errors import BudgetError, OptionError
from deeploy.kernels.base import Kernel, KernelLibrary
from deeploy.kernels.params import Params
from deeploy.targets.spec import spec_of_op
from deeploy.tiling.fusion import FusionError, Slot, Step, fused_problem
from deeploy.tiling.problem import TileProblem
from deeploy.tiling.rules import WHOLE, Layer
from deeploy.tiling.schedule import Traffic, buffer_counts, max_box_shapes, schedule, traffic
from deeploy.tiling.solver import Choice, TilingInfeasible, l1_footprint, solve


def layer_of(ins, outs, params) -> Layer:
    """The `Layer` a tiling rule sees for a kernel call on these buffers."""
    return layer_of_types([v.type for v in ins], [v.type for v in outs], params)


def layer_of_types(ins: list, outs: list, params) -> Layer:
    types = [*ins, *outs]
    assert all(isinstance(t, MemRefType) for t in types)
    return Layer(
        tuple(tuple(t.get_shape()) for t in ins),
        tuple(tuple(t.get_shape()) for t in outs),
        tuple(byte_size(t.get_element_type()) for t in types),
        Params(params),
    )


def first_layer(op: tiled.LayerOp) -> Layer:
    """The `Layer` of a tiled layer's (first) kernel: what its tiling rule sees."""
    _, params, ins, outs = op.step_list()[0]
    types = op.tile_operand_types
    return layer_of_types([types[k] for k in ins], [types[k] for k in outs], params)


def fusion_slots(op: tiled.LayerOp) -> list[Slot]:
    n_in, n_local = len(op.ins), len(op.local_types)
    return [
        Slot(
            tuple(t.get_shape()),
            byte_size(t.get_element_type()),
            "in" if k < n_in else "local" if k < n_in + n_local else "out",
        )
        for k, t in enumerate(op.tile_operand_types)
    ]


def tiled_kernel(library: KernelLibrary, name: str) -> Kernel:
    kernel = library.get(name)
    return library.get(kernel.tiled_variant) if kernel.tiled_variant else kernel


def problems_of(kernel: Kernel, layer: Layer) -> list[TileProblem]:
    return (kernel.tiling or WHOLE).problems(layer)


def l1_layout(
    problem: TileProblem, sizes: tuple[int, ...], double_buffer: bool, alignment: int
) -> list[int]:
    """Per operand, the L1 offsets of its first and second buffer (-1: none)."""
    tiles = schedule(problem, sizes, double_buffer)
    shapes = max_box_shapes(problem, tiles)
    counts = buffer_counts(problem, tiles, double_buffer)
    offsets: list[int] = []
    at = 0
    for operand, shape, count in zip(problem.operands, shapes, counts):
        size = align_up(prod(shape) * operand.element_bytes, alignment)
        offsets.append(at)
        offsets.append(at + size if count == 2 else -1)
        at += size * count
    return offsets


def problem_of(op: tiled.LayerOp, library: KernelLibrary) -> TileProblem:
    """The tiling problem a `tiled.layer` was solved as (its kernel's rule, its loop order)."""
    kernel = library.get(op.kernel_name)
    order = op.attributes.get("order")
    assert order is None or isinstance(order, StringAttr), order  # tile-layers writes names
    for problem in problems_of(kernel, first_layer(op)):
        names = ",".join(d.name for d in problem.dims)
        if order is None or names == order.data:
            if len(problem.dims) != len(op.tile_sizes):
                break
            if not op.fused:
                return problem
            steps = [Step(name, ins, outs) for name, _, ins, outs in op.step_list()]
            try:
                return fused_problem(problem, steps, fusion_slots(op))
            except FusionError as err:
                raise PassFailedException(f"tiled.layer '{op.node_name}': {err}") from None
    raise PassFailedException(
        f"tiled.layer '{op.node_name}' does not match its kernel's tiling rule (re-run tile-layers)"
    )


@dataclass(frozen=True)
class L1Buffer:
    """One L1 buffer of a tiled layer: operand index (ins, then outs), first or second."""

    operand: int
    slot: int
    offset: int
    size: int  # bytes the largest tile occupies (before alignment)


def l1_buffers(op: tiled.LayerOp, library: KernelLibrary) -> list[L1Buffer]:
    """The L1 buffers of a tiled layer, sized from its schedule's largest tiles."""
    problem = problem_of(op, library)
    tiles = schedule(problem, op.tile_sizes, op.double_buffer is not None)
    shapes = max_box_shapes(problem, tiles)
    offsets = op.l1_offsets
    return [
        L1Buffer(k, slot, offsets[2 * k + slot], prod(shape) * operand.element_bytes)
        for k, (operand, shape) in enumerate(zip(problem.operands, shapes))
        for slot in (0, 1)
        if offsets[2 * k + slot] >= 0
    ]


def impose_tiling(
    op: tiled.LayerOp,
    sizes: list[int],
    library: KernelLibrary,
    l1: int,
    double_buffer: bool,
    alignment: int = 4,
) -> None:
    """Give a tiled layer the tile sizes a user chose instead of the solver's (Deeploy's
    `tile(tilingSolution=...)`), after checking the kernel's rule allows them and that
    they fit L1; the L1 layout and the figures follow, `optimal` becomes false."""
    problem = problem_of(op, library)
    name = f"layer '{op.node_name}'"
    order = ",".join(d.name for d in problem.dims)
    if len(sizes) != len(problem.dims):
        raise OptionError(
            f"{name}: {len(problem.dims)} tile sizes expected ({order}), got {len(sizes)}"
        )
    for dim, size in zip(problem.dims, sizes):
        if not 1 <= size <= dim.extent:
            raise OptionError(f"{name}: tile size {size} of {dim.name} is not in 1..{dim.extent}")
        if dim.kind == "whole" and size != dim.extent:
            raise OptionError(f"{name}: the kernel needs {dim.name} whole ({dim.extent})")
        if size != dim.extent and size % dim.multiple:
            raise OptionError(f"{name}: tiles of {dim.name} must be multiples of {dim.multiple}")
    chosen = tuple(sizes)
    tiles = schedule(problem, chosen, double_buffer)
    footprint = l1_footprint(
        problem, chosen, alignment, buffer_counts(problem, tiles, double_buffer)
    )
    if footprint > l1:
        raise BudgetError(
            f"{name}: tiles {list(chosen)} ({order}) need {footprint} bytes of L1, "
            f"more than its {l1}"
        )
    moved = traffic(problem, tiles)
    hops = spec_of_op(op, l1=l1).hops(buffer.level_of(op.outs[0]))
    op.properties["tile"] = tiled.ints_attr(chosen)
    op.properties["l1"] = tiled.ints_attr(l1_layout(problem, chosen, double_buffer, alignment))
    op.attributes.update(
        {
            "tiles": IntegerAttr(len(tiles), i64),
            "dma_bytes": IntegerAttr(moved.bytes * hops, i64),
            "dma_transfers": IntegerAttr(moved.transfers * hops, i64),
            "l1_bytes": IntegerAttr(footprint, i64),
            "optimal": IntegerAttr.from_bool(False),
        }
    )


@dataclass(frozen=True)
class Decision:
    problem: TileProblem
    choice: Choice


def tiling_attributes(decided: Decision, moved: Traffic, hops: int) -> dict[str, Attribute]:
    """What a tiled layer records of its tiling: tiles, DMA figures (per hop between the
    home level and L1), L1 bytes, loop order and whether the solver proved it optimal."""
    choice = decided.choice
    return {
        "tiles": IntegerAttr(prod(choice.counts), i64),
        "dma_bytes": IntegerAttr(moved.bytes * hops, i64),
        "dma_transfers": IntegerAttr(moved.transfers * hops, i64),
        "l1_bytes": IntegerAttr(choice.l1_bytes, i64),
        "order": StringAttr(",".join(d.name for d in decided.problem.dims)),
        "optimal": IntegerAttr.from_bool(choice.optimal),
    }


@lru_cache(maxsize=1024)
def best_tiling(
    problems: tuple[TileProblem, ...], l1: int, alignment: int, double_buffer: bool, rlimit: int
) -> Decision | int | None:
    """The best tiling over candidate problems, or the smallest L1 any of them needs
    (networks repeat layers, so identical problems are solved once)."""
    best: Decision | None = None
    minimum: int | None = None
    for problem in problems:
        try:
            choice = solve(problem, l1, alignment, double_buffer, rlimit)
        except TilingInfeasible as err:
            if err.minimum is not None:
                minimum = err.minimum if minimum is None else min(minimum, err.minimum)
            continue
        if best is None or (choice.traffic, choice.transfers) < (
            best.choice.traffic,
            best.choice.transfers,
        ):
            best = Decision(problem, choice)
    return best if best is not None else minimum


@dataclass(frozen=True)
class TileSettings:
    """What tiling needs of the hardware: the scratchpad's size and alignment, and
    whether loads overlap computation; from the module's spec unless options override."""

    l1: int
    double_buffer: bool
    alignment: int

    @staticmethod
    def of(
        spec: TargetSpecAttr,
        l1: int | None,
        double_buffer: bool | None,
        alignment: int | None,
        pass_name: str,
    ) -> TileSettings:
        size = l1 if l1 is not None else spec.size(spec.compute_level) if spec.tiled else 0
        if size <= 0:
            raise BudgetError(
                f"{pass_name}: no scratchpad size: the module's target does not tile "
                "(set-target{l1=BYTES}, deeploy compile --l1) and option l1 is not given"
            )
        return TileSettings(
            size,
            spec.double_buffer if double_buffer is None else double_buffer,
            spec.tile_alignment.data if alignment is None else alignment,
        )
