"""`tile(tilingSolution, memoryMap)` arguments in Deeploy's shapes, converted to ours.

Ours (what `tiler.tilingSolution` and `tiler.memoryMap` read):

    tilingSolution = {layer: [tile size per dimension of the kernel's iteration space]}
    memoryMap      = {level: {buffer name: byte offset}}

Deeploy's (`TilerExtension.TilingSolution`, `TilerExtension.MemoryMap`):

    TilingSolution = [PatternMemoryConstraints, ...]       one per layer, in order
    MemoryMap      = {level: [[MemoryBlock, ...] per layer ..., [MemoryBlock, ...]]}
                                                           the last list: whole network

A PatternMemoryConstraints gives each tensor's tile shape in L1; the tile sizes are the
ones whose largest tiles have those shapes (tiler.patternMemoryConstraints, the same shape,
is accepted too, as a list or by layer). A MemoryBlock gives a buffer's byte range; its
start is the offset. Tiled layers' buffers are `<layer>/<tensor>` in our maps, the
tensor's name within its layer's list in Deeploy's. What cannot be converted (patterns of
several nodes, tensors or shapes our layers do not have) is an `OptionError` saying so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from deeploy.errors import OptionError
from deeploy.facade.ir_readers import MemoryMap, TilingSolution

PREFIX = "tilingSolution"


def _is_pattern(value: Any) -> bool:
    return hasattr(value, "nodeConstraints")


def _is_block(value: Any) -> bool:
    return hasattr(value, "name") and (hasattr(value, "addrSpace") or hasattr(value, "_addrSpace"))


# -- tilingSolution ----------------------------------------------------------------------


def tiling_solution(given: Any, layers: list[tuple[str, Any]], target: str) -> TilingSolution:
    """`given` as {layer: tile sizes}; `layers`: the tiled layers (name, op) in order."""
    if isinstance(given, Mapping) and not any(_is_pattern(v) for v in given.values()):
        return _ours(given)
    if isinstance(given, Mapping) and all(_is_pattern(v) for v in given.values()):
        patterns = dict(given)
    elif isinstance(given, Sequence) and all(_is_pattern(p) for p in given):
        if len(given) != len(layers):
            raise OptionError(
                f"{PREFIX}: Deeploy's TilingSolution has one PatternMemoryConstraints per "
                f"tiled layer ({len(layers)}), got {len(given)}"
            )
        patterns = {name: p for (name, _), p in zip(layers, given)}
    else:
        raise OptionError(
            f"{PREFIX} must map layer names to lists of tile sizes (as tiler.tilingSolution) "
            f"or be Deeploy's TilingSolution (a list of PatternMemoryConstraints), got "
            f"{type(given).__name__}"
        )
    ops = dict(layers)
    unknown = sorted(set(patterns) - set(ops))
    if unknown:
        raise OptionError(f"{PREFIX} names layers that are not tiled: {', '.join(unknown)}")
    return {name: _sizes(name, ops[name], p, target) for name, p in patterns.items()}


def _ours(given: Mapping[Any, Any]) -> TilingSolution:
    try:
        return {str(k): [int(x) for x in v] for k, v in given.items()}
    except (TypeError, ValueError):
        raise OptionError(
            f"{PREFIX} must map layer names to lists of tile sizes (as tiler.tilingSolution)"
        ) from None


def _sizes(name: str, op: Any, pattern: Any, target: str) -> list[int]:
    """The tile sizes whose largest tiles have the L1 shapes `pattern` gives."""
    from deeploy.facade.tile_memory import operand_names
    from deeploy.targets import get_target
    from deeploy.tiling.layers import problem_of

    nodes = list(pattern.nodeConstraints)
    if len(nodes) != 1:
        raise OptionError(
            f"{PREFIX}: layer '{name}' has a pattern of {len(nodes)} nodes; only layer-wise "
            "tiling (one node per pattern, as Deeploy's MiniMalloc flow) is supported"
        )
    names = operand_names(op)
    shapes: dict[int, tuple[int, ...]] = {}
    for tensor, constraints in nodes[0].tensorMemoryConstraints.items():
        if tensor not in names:
            raise OptionError(
                f"{PREFIX}: layer '{name}' has no tensor '{tensor}' (its tensors: "
                f"{', '.join(names)}; tiler.patternMemoryConstraints shows them)"
            )
        l1 = constraints.memoryConstraints.get("L1")
        if l1 is not None and getattr(l1, "shape", None) is not None:
            shapes[names.index(tensor)] = tuple(int(x) for x in l1.shape)
    problem = problem_of(op, get_target(target).kernels())
    return sizes_for_shapes(name, problem, shapes)


def sizes_for_shapes(name: str, problem: Any, shapes: dict[int, tuple[int, ...]]) -> list[int]:
    """Per dimension the largest tile size giving every operand axis it drives the
    extent `shapes` (operand index -> largest tile shape) asks for."""
    from deeploy.tiling.solver import axis_spans

    for k, shape in shapes.items():
        operand = problem.operands[k]
        if len(shape) != len(operand.axes):
            raise OptionError(
                f"{PREFIX}: layer '{name}': the tile shape of '{operand.name}' has "
                f"{len(shape)} dimensions, the layer tiles it in {len(operand.axes)}"
            )
    sizes = []
    for d, dim in enumerate(problem.dims):
        driven = [
            (shapes[k][a], axis)
            for k in shapes
            for a, axis in enumerate(problem.operands[k].axes)
            if axis.dim == d
        ]
        if dim.kind == "whole" or not any(
            axis.dim == d for operand in problem.operands for axis in operand.axes
        ):
            sizes.append(dim.extent)  # never split, or splitting it moves nothing
            continue
        if not driven:
            raise OptionError(
                f"{PREFIX}: layer '{name}': no L1 tile shape given tells the tile size of "
                f"its dimension {dim.name}"
            )
        fits = [
            t
            for t in range(1, dim.extent + 1)
            if all(axis_spans(axis, dim.extent, t).widest == want for want, axis in driven)
        ]
        if not fits:
            raise OptionError(
                f"{PREFIX}: layer '{name}': no tile size of its dimension {dim.name} gives "
                "the L1 tile shapes given"
            )
        sizes.append(fits[-1])
    return sizes


# -- memoryMap ---------------------------------------------------------------------------


def memory_map(given: Any, layer_names: list[str], home: str) -> MemoryMap:
    """`given` as {level: {buffer name: offset}}: ours, Deeploy's MemoryMap, or
    memoryBlocks' {level: [MemoryBlock]}."""
    if not isinstance(given, Mapping):
        raise OptionError(
            "memoryMap must map levels to {buffer name: offset} (as tiler.memoryMap) or be "
            f"Deeploy's MemoryMap ({{level: [[MemoryBlock]]}}), got {type(given).__name__}"
        )
    return {str(level): _level(str(level), v, layer_names, home) for level, v in given.items()}


def _level(level: str, entries: Any, layer_names: list[str], home: str) -> dict[str, int]:
    if isinstance(entries, Mapping):
        try:
            return {str(b): int(o) for b, o in entries.items()}
        except (TypeError, ValueError):
            pass
    elif isinstance(entries, Sequence) and all(_is_block(b) for b in entries):
        return _starts(entries, lambda block: str(block.name))
    elif isinstance(entries, Sequence) and all(
        isinstance(e, Sequence) and all(_is_block(b) for b in e) for e in entries
    ):
        return _per_layer(level, entries, layer_names, home)
    raise OptionError(
        f"memoryMap['{level}'] must be {{buffer name: offset}}, a list of MemoryBlock, or "
        "Deeploy's list of MemoryBlock lists (one per layer, then the whole network's)"
    )


def _per_layer(
    level: str, lists: Sequence[Sequence[Any]], layer_names: list[str], home: str
) -> dict[str, int]:
    count = len(layer_names)
    if len(lists) not in (count, count + 1):
        raise OptionError(
            f"memoryMap['{level}']: Deeploy's memory map has one block list per tiled layer "
            f"({count}) and one for the whole network, got {len(lists)} lists"
        )
    out: dict[str, int] = {}
    for i, blocks in enumerate(lists):
        # home-level buffers and the whole network's list are named as plan-memory's
        tiled = i < count and level != home
        prefix = f"{layer_names[i]}/" if tiled else ""
        out.update(_starts(blocks, lambda block, p=prefix: f"{p}{block.name}"))
    return out


def _starts(blocks: Sequence[Any], name_of: Any) -> dict[str, int]:
    """Each block's start; blocks without an address (Deeploy's zero-cost aliases) are
    left out, so a buffer that needs one is reported missing."""
    out = {}
    for block in blocks:
        space = getattr(block, "addrSpace", None) or getattr(block, "_addrSpace", None)
        if space is not None:
            out[name_of(block)] = int(space[0])
    return out
