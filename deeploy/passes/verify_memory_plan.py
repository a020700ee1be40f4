"""verify-memory-plan: check the static memory map independently of the planner.

Every `buffer.alloc` must have an offset that is aligned, lies inside its level's
`buffer.arena`, and does not overlap any other allocation that is live at the same time
(liveness recomputed here from program order, views included). Optional `capacity`
options bound each arena (`capacity=L1:8192,L2:1024000`).

The L1 buffers of every `tiled.layer` (sized from the layer's schedule, which this pass
rebuilds from the tile sizes) must be aligned to `l1_alignment`, lie within the L1
capacity and not overlap one another: a layer owns all of L1 while it runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, StringAttr
from xdsl.ir import Block, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException

from deeploy.dialects import buffer, tiled
from deeploy.dialects.target import LEVEL_NAME, TARGET_KEY, TargetSpecAttr
from deeploy.passes import options


def _live_ranges(fn: func.FuncOp) -> list[tuple[buffer.AllocOp, int, int]]:
    ops: list[Operation] = list(fn.body.block.ops)
    owner: dict[SSAValue, buffer.AllocOp] = {}
    ranges: dict[buffer.AllocOp, list[int]] = {}
    position: dict[Operation | Block, int] = {op: i for i, op in enumerate(ops)}
    for i, op in enumerate(ops):
        for operand in op.operands:
            # a buffer used above its alloc would have no lifetime there
            if position.get(operand.owner, -1) > i:
                layer = op.attributes.get("name")
                label = f" '{layer.data}'" if isinstance(layer, StringAttr) else ""
                raise PassFailedException(
                    f"memory plan: {op.name}{label} uses %{operand.name_hint or '?'} "
                    f"before it is defined"
                )
        if isinstance(op, buffer.AllocOp):
            owner[op.result] = op
            ranges[op] = [i, i]
        elif isinstance(op, buffer.ViewOp) and op.source in owner:
            owner[op.result] = owner[op.source]
        for operand in op.operands:
            if operand in owner:
                ranges[owner[operand]][1] = i
    return [(alloc, r[0], r[1]) for alloc, r in ranges.items()]


@dataclass(frozen=True)
class VerifyMemoryPlanPass(ModulePass):
    name = "verify-memory-plan"
    # LEVEL:BYTES limits; default: the scratchpad's size when the target tiles (the other
    # levels also hold the weights: lower-to-c checks them, with a user-facing error)
    capacity: tuple[str, ...] | None = None
    target: str | None = None  # whose kernels' tiling rules size the L1 buffers
    l1_alignment: int | None = None  # of every tile buffer (default: the target's)

    def __post_init__(self) -> None:
        if self.l1_alignment is not None:
            options.alignment(self.name, "l1_alignment", self.l1_alignment)
        for spec in self.capacity or ():
            level, _, size = spec.partition(":")
            options.require(
                LEVEL_NAME.fullmatch(level) is not None and size.isdigit(),
                self.name,
                "capacity",
                spec,
                "LEVEL:BYTES (e.g. L1:8000)",
            )

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        from deeploy.targets.spec import tiling_spec

        spec = tiling_spec(op, self.target, l1=1)  # names the scratchpad if none is set
        if self.capacity is not None:
            limits = {}
            for entry in self.capacity:
                level, _, size = entry.partition(":")
                limits[level] = int(size)
            unknown = sorted(set(limits) - set(spec.levels))
            if unknown:
                from deeploy.errors import OptionError

                raise OptionError(
                    f"verify-memory-plan: option capacity names {', '.join(unknown)}, not a "
                    f"level of target {spec.target_name} ({', '.join(spec.levels)})"
                )
        elif TARGET_KEY in op.attributes and spec.tiled:
            limits = {spec.compute_level: spec.size(spec.compute_level)}
        else:
            limits = {}
        alignment = self.l1_alignment or spec.tile_alignment.data
        self._check_tiled_layers(op, spec, limits.get(spec.compute_level), alignment)
        arenas = {a.level_name: a for a in op.ops if isinstance(a, buffer.ArenaOp)}
        for level, arena in arenas.items():
            if level in limits and arena.size_bytes > limits[level]:
                raise PassFailedException(
                    f"memory plan: arena {level} needs {arena.size_bytes} bytes, more than its {limits[level]}"
                )
        for fn in op.ops:
            if not isinstance(fn, func.FuncOp) or fn.is_declaration:
                continue
            ranges = _live_ranges(fn)
            for alloc, _, _ in ranges:
                self._check_placement(alloc, arenas)
            for i, (a, a_start, a_end) in enumerate(ranges):
                for b, b_start, b_end in ranges[i + 1 :]:
                    if buffer.level_of(a.result) != buffer.level_of(b.result):
                        continue
                    if a_start > b_end or b_start > a_end:
                        continue
                    a_lo = a.offset_value or 0
                    b_lo = b.offset_value or 0
                    a_hi = a_lo + buffer.size_in_bytes(a.result.type)
                    b_hi = b_lo + buffer.size_in_bytes(b.result.type)
                    if a_lo < b_hi and b_lo < a_hi:
                        raise PassFailedException(
                            f"memory plan: {_name(a)} [{a_lo}, {a_hi}) and {_name(b)} [{b_lo}, {b_hi}) "
                            f"overlap while both are live"
                        )

    @staticmethod
    def _check_tiled_layers(
        op: ModuleOp, spec: TargetSpecAttr, capacity: int | None, alignment: int
    ) -> None:
        from deeploy.targets import get_target
        from deeploy.tiling.layers import l1_buffers

        layers = [o for o in op.walk() if isinstance(o, tiled.LayerOp)]
        if not layers:
            return
        library = get_target(spec.target_name).kernels()
        scratchpad = spec.compute_level
        for layer in layers:
            where = f"memory plan: layer '{layer.node_name}'"
            buffers = l1_buffers(layer, library)
            for b in buffers:
                what = f"{where}: {scratchpad} buffer {b.slot} of operand {b.operand} [{b.offset}, {b.offset + b.size})"
                if b.offset % alignment:
                    raise PassFailedException(f"{what} is not {alignment}-byte aligned")
                if capacity is not None and b.offset + b.size > capacity:
                    raise PassFailedException(f"{what} ends past the {capacity}-byte {scratchpad}")
            for i, a in enumerate(buffers):
                for b in buffers[i + 1 :]:
                    if a.offset < b.offset + b.size and b.offset < a.offset + a.size:
                        raise PassFailedException(
                            f"{where}: {scratchpad} buffers [{a.offset}, {a.offset + a.size}) and "
                            f"[{b.offset}, {b.offset + b.size}) overlap"
                        )

    @staticmethod
    def _check_placement(alloc: buffer.AllocOp, arenas: dict[str, buffer.ArenaOp]) -> None:
        level = buffer.level_of(alloc.result)
        if alloc.offset_value is None:
            raise PassFailedException(
                f"memory plan: {_name(alloc)} has no offset (run plan-memory)"
            )
        arena = arenas.get(level)
        if arena is None:
            raise PassFailedException(f"memory plan: no buffer.arena for level {level}")
        align = arena.alignment.value.data
        if alloc.offset_value % align:
            raise PassFailedException(
                f"memory plan: {_name(alloc)} offset {alloc.offset_value} is not {align}-byte aligned"
            )
        end = alloc.offset_value + buffer.size_in_bytes(alloc.result.type)
        if end > arena.size_bytes:
            raise PassFailedException(
                f"memory plan: {_name(alloc)} ends at {end}, past the {arena.size_bytes}-byte {level} arena"
            )


def _name(alloc: buffer.AllocOp) -> str:
    name = alloc.attributes.get("name")
    return f"buffer '{name.data}'" if isinstance(name, StringAttr) else "a buffer"
