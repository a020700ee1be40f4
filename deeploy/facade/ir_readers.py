"""Read Deeploy-style results off our IR: per-layer operation counts, the tiling solution,
the memory map and blocks of the home level (tile_memory.py reads the tiled layers' own
buffers).

Deeploy keeps these in its network context while it compiles; our passes record them in
the IR instead (kernel bindings on graph ops, tile sizes and L1 offsets on `tiled.layer`,
arena offsets on `buffer.alloc`). Each reader runs right after the pass that decides the
facts it reads, because later passes lower the ops that carry them.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from xdsl.dialects.builtin import IntegerAttr, ModuleOp, StringAttr, i64
from xdsl.ir import Operation

from deeploy.alignment import align_up
from deeploy.facade.buffers import MemoryBlock

if TYPE_CHECKING:
    from deeploy.dialects.tiled import LayerOp

TilingSolution = dict[str, list[int]]  # layer name -> tile size per iteration dimension
MemoryMap = dict[str, dict[str, int]]  # level -> buffer name -> byte offset in its arena


def unique_names(names: Iterable[str]) -> list[str]:
    """Names made unique as Deeploy does for nodes: a name that occurs more than once gets
    `_0`, `_1`, ... in program order; unique names stay as they are."""
    names = list(names)
    counts: dict[str, int] = {}
    for n in names:
        counts[n] = counts.get(n, 0) + 1
    seen: dict[str, int] = {}
    out = []
    for n in names:
        if counts[n] > 1:
            out.append(f"{n}_{seen.get(n, 0)}")
            seen[n] = seen.get(n, 0) + 1
        else:
            out.append(n)
    return out


def layer_ops(module: ModuleOp) -> list[tuple[str, int]]:
    """(layer name, operations = 2 x MACs) of every bound graph op, in program order."""
    from deeploy.dialects import graph
    from deeploy.report import macs

    bound = [
        op
        for op in module.walk()
        if isinstance(op, graph.GraphOp) and isinstance(op.attributes.get("kernel"), StringAttr)
    ]
    names = unique_names(_op_name(op) for op in bound)
    return [(name, 2 * macs(op)) for name, op in zip(names, bound)]


def _op_name(op: Operation) -> str:
    name = op.attributes.get("name")
    if isinstance(name, StringAttr) and name.data:
        return name.data
    kernel = op.attributes.get("kernel")
    return kernel.data if isinstance(kernel, StringAttr) else op.name


def tiled_layers(module: ModuleOp) -> list[tuple[str, LayerOp]]:
    from deeploy.dialects import tiled

    layers = [op for op in module.walk() if isinstance(op, tiled.LayerOp)]
    return list(zip(unique_names(op.node_name for op in layers), layers))


def tiling_solution(module: ModuleOp) -> TilingSolution:
    """Per tiled layer, the tile size along each dimension of its kernel's iteration space
    (the dimension names are the layer's `order` attribute)."""
    return {name: list(op.tile_sizes) for name, op in tiled_layers(module)}


def memory_plan(module: ModuleOp, alignment: int) -> tuple[MemoryMap, dict[str, list[MemoryBlock]]]:
    """After plan-memory: every planned buffer's offset by level, and its memory block
    (lifetime in layer steps, aligned byte range in the level's arena)."""
    from deeploy.api import network_function
    from deeploy.dialects import buffer, tiled

    fn = network_function(module)
    if fn is None:
        return {}, {}
    ops = list(fn.body.block.ops)
    steps = [i for i, op in enumerate(ops) if isinstance(op, buffer.KernelOp | tiled.LayerOp)]
    memory_map: MemoryMap = {}
    blocks: dict[str, list[MemoryBlock]] = {}
    for name, b in _named_buffers(fn, alignment):
        offset = b.alloc.offset_value
        if offset is None:
            continue
        first = min(bisect_left(steps, b.start), max(len(steps) - 1, 0))
        last = max(first, bisect_right(steps, b.end) - 1)
        memory_map.setdefault(b.level, {})[name] = offset
        space = (offset, offset + b.size) if b.size > 0 else None
        blocks.setdefault(b.level, []).append(MemoryBlock(name, b.level, (first, last), space))
    return memory_map, blocks


def impose_memory_map(module: ModuleOp, requested: MemoryMap, alignment: int) -> None:
    """Place every buffer at the offset `requested` gives it (Deeploy's
    `tile(memoryMap=...)`), in place of plan-memory's; each level's arena grows to the
    last byte used. The map must name every planned buffer, and nothing else; whether
    live buffers overlap, offsets are aligned and levels large enough is for
    verify-memory-plan (and lower-to-c) to check."""
    from deeploy.api import network_function
    from deeploy.dialects import buffer
    from deeploy.errors import OptionError

    fn = network_function(module)
    if fn is None:
        return
    known: dict[str, set[str]] = {}
    ends: dict[str, int] = {}
    for name, b in _named_buffers(fn, alignment):
        if b.alloc.offset_value is None:
            continue
        known.setdefault(b.level, set()).add(name)
        offset = requested.get(b.level, {}).get(name)
        if offset is None:
            raise OptionError(f"memoryMap gives no offset for {b.level} buffer '{name}'")
        if offset < 0:
            raise OptionError(f"memoryMap: {b.level} buffer '{name}' at negative offset {offset}")
        b.alloc.offset = IntegerAttr(offset, i64)
        ends[b.level] = max(ends.get(b.level, 0), offset + b.size)
    unknown = [
        f"{level}:{name}"
        for level, buffers in requested.items()
        for name in buffers
        if name not in known.get(level, set())
    ]
    if unknown:
        raise OptionError(f"memoryMap names buffers that do not exist: {', '.join(unknown[:10])}")
    for op in module.walk():
        if isinstance(op, buffer.ArenaOp) and op.level_name in ends:
            size = align_up(ends[op.level_name], alignment)
            op.size = IntegerAttr(max(op.size_bytes, size), i64)
            op.optimal = None  # no longer the planner's proven minimum


def _named_buffers(fn: Any, alignment: int) -> list[tuple[str, Any]]:
    """plan-memory's buffers with the names memoryMap uses (unique, from `name` attributes)."""
    from deeploy.allocation.lifetimes import lifetimes

    planned = lifetimes(fn, alignment)
    names = unique_names(
        _op_name(b.alloc)
        if "name" in b.alloc.attributes
        else (b.alloc.result.name_hint or "buffer")
        for b in planned
    )
    return list(zip(names, planned))
