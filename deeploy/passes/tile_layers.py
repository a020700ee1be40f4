"""tile-layers: run every layer tile by tile in an L1 scratchpad of a given size.

Each `buffer.kernel` becomes a `tiled.layer`: its kernel's tiling rule describes the call
as tiling problems (deeploy/tiling/rules.py, one per loop order worth trying), the Z3
model picks the tile sizes that move the fewest bytes between the home level and L1
(deeploy/tiling/solver.py; ties: fewest transfers, then fewest tiles along outer
dimensions), and the operands' L1 buffers are laid out one after the other (two per
operand that moves more than once, with double buffering). The layer records what it
costs: tiles, bytes moved, transfers, L1 bytes, and whether the solver proved its choice
optimal.

A layer that fits no tiling within the budget is an error naming it and the smallest L1
size it needs; every such layer is reported at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Attribute
from xdsl.passes import ModulePass

from deeploy import progress
from deeploy.dialects import buffer, tiled
from deeploy.dialects.target import TargetSpecAttr
from deeploy.errors import BudgetError, join_items
from deeploy.kernels.base import KernelLibrary
from deeploy.passes import options
from deeploy.targets.spec import tiling_spec
from deeploy.tiling.layers import (
    Decision,
    TileSettings,
    best_tiling,
    l1_layout,
    layer_of,
    problems_of,
    tiled_kernel,
    tiling_attributes,
)
from deeploy.tiling.schedule import schedule, traffic
from deeploy.tiling.solver import DEFAULT_RLIMIT


@dataclass(frozen=True)
class TileLayersPass(ModulePass):
    name = "tile-layers"
    # Each option overrides the module's target spec (set-target, deeploy compile --l1 ...)
    target: str | None = None  # whose kernels' tiling rules
    l1: int | None = None  # bytes of the scratchpad
    double_buffer: bool | None = None
    alignment: int | None = None  # of every scratchpad buffer
    rlimit: int = DEFAULT_RLIMIT  # Z3 resource limit per solver check (deterministic)

    def __post_init__(self) -> None:
        if self.l1 is not None:
            options.non_negative(self.name, "l1", self.l1)
        if self.alignment is not None:
            options.alignment(self.name, "alignment", self.alignment)
        options.positive(self.name, "rlimit", self.rlimit)

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        from deeploy.targets import get_target

        spec = tiling_spec(op, self.target, self.l1)
        settings = TileSettings.of(spec, self.l1, self.double_buffer, self.alignment, self.name)
        library = get_target(spec.target_name).kernels()
        failures: list[str] = []
        kernel_ops = [
            o
            for fn in op.ops
            if isinstance(fn, func.FuncOp) and not fn.is_declaration
            for o in fn.body.block.ops
            if isinstance(o, buffer.KernelOp)
        ]
        with progress.step("tiling", len(kernel_ops)) as advance:
            for kernel_op in kernel_ops:
                failure = self._tile(kernel_op, library, settings, spec)
                if failure:
                    failures.append(failure)
                advance()
        if failures:
            raise BudgetError(
                f"{len(failures)} layer(s) do not fit in {settings.l1} bytes of "
                f"{spec.compute_level}: " + join_items(failures)
            )

    def _tile(
        self,
        op: buffer.KernelOp,
        library: KernelLibrary,
        settings: TileSettings,
        spec: TargetSpecAttr,
    ) -> str | None:
        kernel = tiled_kernel(library, op.kernel_name)
        layer = layer_of(op.ins, op.outs, op.params)
        decided = best_tiling(
            tuple(problems_of(kernel, layer)),
            settings.l1,
            settings.alignment,
            settings.double_buffer,
            self.rlimit,
        )
        if not isinstance(decided, Decision):
            need = f"at least {decided} bytes" if decided is not None else "more memory"
            return f"'{op.node_name}' ({kernel.name}) needs {need}"
        choice = decided.choice
        # tiles of a home level beyond the next are staged: every byte moves once per hop
        hops = spec.hops(buffer.level_of(op.outs[0]))
        # what the schedule moves (the solver's model agrees except on empty boxes)
        moved = traffic(
            decided.problem, schedule(decided.problem, choice.sizes, settings.double_buffer)
        )
        offsets = l1_layout(
            decided.problem, choice.sizes, settings.double_buffer, settings.alignment
        )
        attributes: dict[str, Attribute] = dict(op.attributes)
        attributes.update(tiling_attributes(decided, moved, hops))
        layer_op = tiled.LayerOp(
            kernel.name,
            op.ins,
            op.outs,
            op.params,
            choice.sizes,
            offsets,
            double_buffer=settings.double_buffer,
            attributes=attributes,
        )
        block = op.parent_block()
        assert block is not None
        block.insert_op_before(layer_op, op)
        op.detach()
        op.erase()
        return None
