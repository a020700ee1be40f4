"""fuse-tiled-layers: run a layer and the pointwise layers that read its output as one.

After tile-layers, a `tiled.layer` (the producer) and a later pointwise layer reading its
output (elementwise tiling, one output shaped like that input, other operands shaped
alike or single elements: RequantShift, activations, Add/Mul, ...) become one fused
layer (deeploy/tiling/fusion.py): each tile of the producer is followed in L1 by the
consumer on the same box, so the intermediate is neither stored nor loaded again - and
when nothing else reads it, it no longer exists in L2 at all. Chains grow one consumer
at a time (Conv -> RequantShift -> Add).

Fusing is a decision: the fused layer is tiled afresh (its L1 holds more buffers, and
the producer's reductions are not split), and it replaces the two layers only when it
moves no more bytes between the home level and L1 than they do together, and then no
more DMA transfers.

The fused layer runs where the producer ran, so the consumer's other inputs must exist
by then, and no layer in between may touch what the consumer writes or write what it
reads.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from math import prod

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import DictionaryAttr, MemRefType, ModuleOp, StringAttr
from xdsl.ir import Attribute, Block, Operation, SSAValue
from xdsl.passes import ModulePass

from deeploy.dialects import buffer, tiled
from deeploy.kernels.base import KernelLibrary
from deeploy.passes import options
from deeploy.targets.spec import spec_of_op, tiling_spec
from deeploy.tiling.fusion import FusionError, Step, fused_problem
from deeploy.tiling.layers import (
    Decision,
    TileSettings,
    best_tiling,
    first_layer,
    fusion_slots,
    l1_layout,
    problem_of,
    problems_of,
    tiling_attributes,
)
from deeploy.tiling.rules import ELEMENTWISE
from deeploy.tiling.schedule import Traffic, schedule, traffic
from deeploy.tiling.solver import DEFAULT_RLIMIT


def root_of(value: SSAValue) -> SSAValue:
    while isinstance(value.owner, buffer.ViewOp):
        value = value.owner.source
    return value


def users_of(root: SSAValue) -> set[Operation]:
    """The ops reading or writing `root` directly or through views (not the views)."""
    users: set[Operation] = set()
    pending = [root]
    while pending:
        value = pending.pop()
        for use in value.uses:
            if isinstance(use.operation, buffer.ViewOp):
                pending.append(use.operation.result)
            else:
                users.add(use.operation)
    return users


def _erase_unused(value: SSAValue) -> None:
    """Erase the buffer (and views of it) nothing uses any more."""
    while not value.uses and isinstance(value.owner, buffer.ViewOp | buffer.AllocOp):
        owner = value.owner
        source = owner.source if isinstance(owner, buffer.ViewOp) else None
        owner.detach()
        owner.erase()
        if source is None:
            return
        value = source


def _available(value: SSAValue, start: int, order: dict[Operation, int]) -> bool:
    """Whether `value` can be read at position `start`: defined by then, a constant (it
    moves up), or a view of such a value (views move up too)."""
    owner = value.owner
    if not isinstance(owner, Operation) or order.get(owner, -1) < start:
        return True
    if isinstance(owner, buffer.ConstantOp):
        return True
    return isinstance(owner, buffer.ViewOp) and _available(owner.source, start, order)


def _hoist_definition(value: SSAValue, user: Operation) -> None:
    """Move the op defining `value` (and what it reads) above `user` if it comes later.

    The fused layer runs where the producer ran: the consumer's constants, its output
    buffer and the views of it may be defined after that point. Only these side-effect
    free definitions may move; _fusable rejects a consumer whose inputs are computed late.
    """
    owner = value.owner
    block = user.parent_block()
    if not isinstance(owner, Operation) or block is None or owner.parent_block() is not block:
        return
    if block.get_operation_index(owner) < block.get_operation_index(user):
        return
    assert isinstance(owner, buffer.AllocOp | buffer.ViewOp | buffer.ConstantOp), owner.name
    for operand in owner.operands:
        _hoist_definition(operand, user)
    owner.detach()
    block.insert_op_before(owner, user)


def written_by(op: Operation) -> list[SSAValue]:
    if isinstance(op, tiled.LayerOp | buffer.KernelOp):
        return list(op.outs)
    if isinstance(op, buffer.CopyOp):
        return [op.target]
    return list(op.operands)  # an op this pass does not know: assume it writes everything


@dataclass(frozen=True)
class _Plan:
    """The operands and steps of a fused layer (see deeploy/tiling/fusion.py)."""

    ins: list[SSAValue]
    local: list[MemRefType]
    outs: list[SSAValue]
    steps: list[tuple[str, DictionaryAttr, tuple[int, ...], tuple[int, ...]]]


def _plan(
    producer: tiled.LayerOp, consumer: tiled.LayerOp, tail_local: bool, scratchpad: str
) -> _Plan:
    """The producer's operands and steps, extended by the consumer's."""
    tail = producer.outs[-1]
    n_in, n_local = len(producer.ins), len(producer.local_types)
    extra = [v for v in consumer.ins if v is not tail]
    ins = [*producer.ins, *extra]
    local = [*producer.local_types]
    stored = list(producer.outs[:-1])
    if tail_local:
        t = buffer.memref_type(tail)
        local.append(buffer.buffer_type(t.get_shape(), t.get_element_type(), scratchpad))
    else:
        stored.append(tail)
    outs = [*stored, consumer.outs[0]]
    new_in, new_local = len(ins), len(local)
    tail_index = new_in + n_local if tail_local else new_in + new_local + len(stored) - 1

    def moved(k: int) -> int:
        """An operand index of the producer, in the fused layer."""
        if k < n_in:
            return k
        if k < n_in + n_local:
            return new_in + (k - n_in)
        if k == len(producer.tile_operands) - 1:
            return tail_index
        return new_in + new_local + (k - n_in - n_local)

    steps = [
        (name, params, tuple(map(moved, step_ins)), tuple(map(moved, step_outs)))
        for name, params, step_ins, step_outs in producer.step_list()
    ]
    consumer_ins, at = [], n_in
    for v in consumer.ins:
        if v is tail:
            consumer_ins.append(tail_index)
        else:
            consumer_ins.append(at)
            at += 1
    out_index = new_in + new_local + len(outs) - 1
    steps.append((consumer.kernel_name, consumer.params, tuple(consumer_ins), (out_index,)))
    return _Plan(ins, local, outs, steps)


@dataclass(frozen=True)
class FuseTiledLayersPass(ModulePass):
    name = "fuse-tiled-layers"
    # Each option overrides the module's target spec, as in tile-layers
    target: str | None = None
    l1: int | None = None  # bytes of the scratchpad
    double_buffer: bool | None = None
    alignment: int | None = None
    rlimit: int = DEFAULT_RLIMIT
    scratchpad: str | None = None  # the level tiles compute in (default: the spec's)

    def __post_init__(self) -> None:
        if self.l1 is not None:
            options.non_negative(self.name, "l1", self.l1)
        if self.alignment is not None:
            options.alignment(self.name, "alignment", self.alignment)
        if self.scratchpad is not None:
            options.level_name(self.name, "scratchpad", self.scratchpad)
        options.positive(self.name, "rlimit", self.rlimit)

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        spec = tiling_spec(op, self.target, self.l1)
        settings = TileSettings.of(spec, self.l1, self.double_buffer, self.alignment, self.name)
        replace(
            self,
            target=spec.target_name,
            l1=settings.l1,
            double_buffer=settings.double_buffer,
            alignment=settings.alignment,
            scratchpad=self.scratchpad or spec.compute_level,
        )._fuse(op)

    def _fuse(self, op: ModuleOp) -> None:
        from deeploy.targets import get_target

        assert self.target is not None
        library = get_target(self.target).kernels()
        for fn in op.ops:
            if not isinstance(fn, func.FuncOp) or fn.is_declaration:
                continue
            block = fn.body.block
            for layer in [o for o in block.ops if isinstance(o, tiled.LayerOp)]:
                if layer.parent_block() is None:  # fused into an earlier layer already
                    continue
                fused: tiled.LayerOp | None = layer
                while fused is not None:
                    fused = self._fuse_one(block, fused, library)

    def _fuse_one(
        self, block: Block, producer: tiled.LayerOp, library: KernelLibrary
    ) -> tiled.LayerOp | None:
        """Fuse the first consumer of the producer's output worth fusing; the fused layer."""
        tail = producer.outs[-1]
        order = {o: i for i, o in enumerate(block.ops)}
        readers = sorted(
            (use.operation for use in tail.uses if isinstance(use.operation, tiled.LayerOp)),
            key=lambda o: order.get(o, -1),
        )
        for consumer in dict.fromkeys(readers):
            if consumer is producer or not self._fusable(producer, consumer, order, library):
                continue
            fused = self._try(producer, consumer, library)
            if fused is not None:
                return fused
        return None

    def _fusable(
        self,
        producer: tiled.LayerOp,
        consumer: tiled.LayerOp,
        order: dict[Operation, int],
        library: KernelLibrary,
    ) -> bool:
        tail = producer.outs[-1]
        start, end = order.get(producer, -1), order.get(consumer, -1)
        if consumer.fused or start < 0 or end <= start or len(consumer.outs) != 1:
            return False
        if library.get(consumer.kernel_name).tiling is not ELEMENTWISE:
            return False
        if producer.staging or consumer.staging:
            return False
        out = consumer.outs[0]
        shape = buffer.memref_type(tail).get_shape()
        for v in consumer.ins:
            if v is tail:
                continue
            if not _available(v, start, order):
                return False  # computed after the producer: not there when the fused layer runs
            v_shape = buffer.memref_type(v).get_shape()
            if v_shape != shape and prod(v_shape) != 1:
                return False
        if buffer.memref_type(out).get_shape() != shape:
            return False
        # what the producer stores is not in its home level before the tile is done
        stored = {root_of(v) for v in producer.outs}
        if any(root_of(v) in stored for v in consumer.ins if v is not tail):
            return False
        # the consumer's output must not alias what the producer's tiles still read
        reads = {root_of(v) for v in producer.ins}
        if root_of(out) in reads:
            return False
        # the consumer reads its inputs, the tail among them, as they are when it runs:
        # a layer in between that writes one (in place) changes what it would read
        ins_roots = {root_of(v) for v in consumer.ins}
        out_root = root_of(out)
        for between in list(order)[start + 1 : end]:
            if isinstance(between, buffer.ViewOp):
                continue  # a view reads and writes no data (and moves up if the consumer's)
            touched = {root_of(v) for v in between.operands}
            written = {root_of(v) for v in written_by(between)}
            if out_root in touched or written & ins_roots:
                return False
        return True

    def _try(
        self, producer: tiled.LayerOp, consumer: tiled.LayerOp, library: KernelLibrary
    ) -> tiled.LayerOp | None:
        tail = producer.outs[-1]
        root = root_of(tail)
        # the tail stays in L1 when nothing else reads it, or when the consumer writes its
        # result over it (in place: later readers of the buffer read the result)
        in_place = root_of(consumer.outs[0]) is root
        tail_local = isinstance(root.owner, buffer.AllocOp) and (
            users_of(root) <= {producer, consumer} or in_place
        )
        if in_place and not tail_local:
            return None  # the tail (a graph argument) and the result would share one buffer
        # apply resolved every option from the target spec before _fuse
        assert self.scratchpad is not None and self.double_buffer is not None
        plan = _plan(producer, consumer, tail_local, self.scratchpad)
        candidate = tiled.LayerOp(
            producer.kernel_name,
            plan.ins,
            plan.outs,
            producer.params,
            producer.tile_sizes,
            [0] * (2 * (len(plan.ins) + len(plan.local) + len(plan.outs))),
            steps=[tiled.step_attr(*step) for step in plan.steps],
            local=plan.local,
        )
        try:
            problems = self._problems(candidate, library)
        except FusionError:
            candidate.erase(safe_erase=False)
            return None
        decided = best_tiling(problems, self.l1, self.alignment, self.double_buffer, self.rlimit)
        if not isinstance(decided, Decision):
            candidate.erase(safe_erase=False)
            return None
        fused_moves = traffic(
            decided.problem, schedule(decided.problem, decided.choice.sizes, self.double_buffer)
        )
        apart = self._moves(producer, library), self._moves(consumer, library)
        separate = Traffic(sum(t.bytes for t in apart), sum(t.transfers for t in apart))
        if (fused_moves.bytes, fused_moves.transfers) > (separate.bytes, separate.transfers):
            candidate.erase(safe_erase=False)
            return None
        return self._replace(producer, consumer, candidate, decided, fused_moves, tail, tail_local)

    def _problems(self, candidate: tiled.LayerOp, library: KernelLibrary) -> tuple:
        steps = [Step(name, ins, outs) for name, _, ins, outs in candidate.step_list()]
        slots = fusion_slots(candidate)
        kernel = library.get(candidate.kernel_name)
        return tuple(
            fused_problem(p, steps, slots) for p in problems_of(kernel, first_layer(candidate))
        )

    def _moves(self, layer: tiled.LayerOp, library: KernelLibrary) -> Traffic:
        problem = problem_of(layer, library)
        return traffic(
            problem, schedule(problem, layer.tile_sizes, layer.double_buffer is not None)
        )

    def _replace(
        self,
        producer: tiled.LayerOp,
        consumer: tiled.LayerOp,
        candidate: tiled.LayerOp,
        decided: Decision,
        moved: Traffic,
        tail: SSAValue,
        tail_local: bool,
    ) -> tiled.LayerOp:
        choice = decided.choice
        # apply resolved every option from the target spec before _fuse
        assert self.double_buffer is not None and self.alignment is not None
        assert candidate.steps is not None, "a fused layer has steps"
        hops = spec_of_op(consumer, self.target, self.l1).hops(buffer.level_of(consumer.outs[0]))
        attributes: dict[str, Attribute] = dict(producer.attributes)
        # which input the producer's kernel may overwrite (reuse-input-buffers, long
        # done) says nothing about the fused layer's operands
        attributes.pop("inplace", None)
        attributes["name"] = StringAttr(f"{producer.node_name}+{consumer.node_name}")
        attributes.update(tiling_attributes(decided, moved, hops))
        fused = tiled.LayerOp(
            producer.kernel_name,
            list(candidate.ins),
            list(candidate.outs),
            producer.params,
            choice.sizes,
            l1_layout(decided.problem, choice.sizes, self.double_buffer, self.alignment),
            double_buffer=self.double_buffer,
            steps=list(candidate.steps.data),
            local=candidate.local_types,
            attributes=attributes,
        )
        candidate.erase(safe_erase=False)
        block = producer.parent_block()
        assert block is not None
        block.insert_op_before(fused, producer)
        for v in consumer.operands:
            _hoist_definition(v, fused)
        for old in (producer, consumer):
            old.detach()
            old.erase()
        if tail_local:
            _erase_unused(tail)
        return fused
