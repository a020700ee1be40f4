"""How lower-to-c turns one `tiled.layer` into C: tables for the runtime's executor.

The layer's schedule is rebuilt from its tile sizes (deeploy/tiling) and written as
static tables that `deeploy_tiled_run` (runtime/platform/tiled.c) walks: per tile its
class and, per operand, whether its box moves, which L1 buffer it uses and where the box
starts in the home buffer; per class and operand the shape of the copy. Tiles with the
same shapes and parameters form a class; the layer's compute function runs the kernel
once per class (a `switch` on the class), on L1 buffers passed as pointers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.builder import Builder
from xdsl.dialects.builtin import DictionaryAttr, IntegerAttr, IntegerType, Signedness, i32
from xdsl.ir import Block, SSAValue
from xdsl.rewriter import InsertPoint
from xdsl.utils.exceptions import PassFailedException

from deeploy.dialects import buffer, cemit, tiled
from deeploy.dialects.target import TargetSpecAttr
from deeploy.dtypes import dense_from_numpy
from deeploy.kernels.base import KernelLibrary
from deeploy.kernels.params import ParamValue, params_to_attr
from deeploy.tiling.layers import first_layer, problem_of
from deeploy.tiling.problem import Operand, TileProblem
from deeploy.tiling.schedule import Box, Tile, schedule
from deeploy.tiling.staging import staging_layout

DMA_MAX_REGIONS = 64  # DEEPLOY_MAX_REGIONS in deeploy/dma.h (a unit test keeps them equal)
MOVE, BUFFER1 = 1, 2  # DEEPLOY_TILE_MOVE, DEEPLOY_TILE_BUFFER1
U8 = IntegerType(8, Signedness.UNSIGNED)
U16 = IntegerType(16, Signedness.UNSIGNED)
VOID_PTR = cemit.PointerType(cemit.OpaqueType("void"))


def _row_major(shape: tuple[int, ...]) -> tuple[int, ...]:
    strides, step = [], 1
    for extent in reversed(shape):
        strides.append(step)
        step *= extent
    return tuple(reversed(strides))


@dataclass(frozen=True)
class Copy:
    """One box moved between a home buffer and L1, as the executor's record wants it:
    rows per outer dimension and contiguous bytes last, byte strides on both sides."""

    counts: tuple[int, ...]
    home_strides: tuple[int, ...]
    l1_strides: tuple[int, ...]


def box_copy(operand: Operand, box: Box) -> Copy:
    view = operand.view_shape
    home = _row_major(view)
    shape = box.shape
    local = _row_major(shape)
    dims = [(n, h, c) for n, h, c in zip(shape, home, local) if n > 1]
    if not dims:
        dims = [(1, 1, 1)]
    merged = [list(dims[0])]
    for n, h, c in dims[1:]:
        last = merged[-1]
        if last[1] == h * n and last[2] == c * n:  # contiguous on both sides: one row
            last[0] *= n
            last[1], last[2] = h, c
        else:
            merged.append([n, h, c])
    size = operand.element_bytes
    if merged[-1][1] != 1:  # the innermost run is strided in the home buffer
        merged.append([1, 1, 1])
    counts = (*(m[0] for m in merged[:-1]), merged[-1][0] * size)
    return Copy(
        counts,
        tuple(m[1] * size for m in merged[:-1]),
        tuple(m[2] * size for m in merged[:-1]),
    )


def home_offset(operand: Operand, box: Box) -> int:
    strides = _row_major(operand.view_shape)
    return sum(lo * s for lo, s in zip(box.lo, strides)) * operand.element_bytes


@dataclass(frozen=True)
class TileClass:
    shapes: tuple[tuple[int, ...], ...]  # per operand, the kernel's shape
    boxes: tuple[tuple[int, ...], ...]  # per operand, the box shape in its view
    params: tuple[tuple[str, ParamValue], ...]


def classify(
    problem: TileProblem, tiles: list[Tile], params_of_tile
) -> tuple[list[TileClass], list[int]]:
    """The distinct classes of the tiles, in order of first use, and each tile's class."""
    classes: dict[TileClass, int] = {}
    index = []
    for tile in tiles:
        key = TileClass(
            tuple(o.kernel_shape(b.shape) for o, b in zip(problem.operands, tile.boxes)),
            tuple(b.shape for b in tile.boxes),
            tuple(sorted(params_of_tile(tile).items())),
        )
        index.append(classes.setdefault(key, len(classes)))
    return list(classes), index


def _table(name: str, values: list[int], element_type: IntegerType) -> cemit.GlobalOp:
    dtype = {8: np.uint8, 16: np.uint16, 32: np.int32}[element_type.width.data]
    dense = dense_from_numpy(np.array(values or [0], dtype=dtype))
    return cemit.GlobalOp(name, element_type, max(1, len(values)), dense, const=True, static=True)


class TiledLayerEmitter:
    """Lowers `tiled.layer` ops with a `CallEmitter` (see lower_to_c.py)."""

    def __init__(
        self,
        emitter,
        library: KernelLibrary,
        spec: TargetSpecAttr,
        l1_symbol: str,
        staging_symbol: str | None = None,
    ) -> None:
        self.e = emitter
        self.library = library
        self.spec = spec
        self.l1_symbol = l1_symbol
        # with a home level beyond the next, boxes pass through buffers at the start of
        # the staging level's array
        self.staging_symbol = staging_symbol
        self.staging_bytes = 0  # the most any layer stages at once
        self.functions: list[cemit.FuncOp] = []
        self.structs: list[cemit.StructOp] = []
        self.count = 0

    def emit(self, op: tiled.LayerOp) -> None:
        kernel = self.library.get(op.kernel_name)
        layer = first_layer(op)
        problem = problem_of(op, self.library)
        double = op.double_buffer is not None
        tiles = schedule(problem, op.tile_sizes, double)
        rule_params = kernel.tiling.tile_params if kernel.tiling else lambda *_: {}

        def params_of_tile(tile: Tile) -> dict[str, ParamValue]:
            return rule_params(layer, problem, tile)

        classes, class_of = classify(problem, tiles, params_of_tile)
        stem = self.e.unique_symbol(f"{self.e.prefix}_layer{self.count}")
        self.count += 1
        compute = self._compute_function(stem, op, classes)
        struct = self._descriptor(stem, op, problem, tiles, classes, class_of, double)
        self.functions.append(compute)
        self.structs.append(struct)
        self._call(stem, op, struct, compute, self._staging(problem, tiles))

    # -- the compute function: one kernel call per class (per step of a fused layer) -----------
    def _compute_function(
        self, stem: str, op: tiled.LayerOp, classes: list[TileClass]
    ) -> cemit.FuncOp:
        fn = cemit.FuncOp(
            f"{stem}_compute",
            [i32, cemit.PointerType(VOID_PTR)],
            ["tile_class", "l1"],
            static=True,
        )
        selector, l1 = fn.body.block.args
        switch = cemit.SwitchOp(selector, list(range(len(classes))))
        fn.body.block.insert_op_before(switch, fn.terminator)
        types = op.tile_operand_types
        for c, tile_class in enumerate(classes):
            builder = Builder(InsertPoint.at_end(switch.bodies[c].block))
            for i, (name, params, ins, outs) in enumerate(op.step_list()):
                # the tile's own parameters (padding, accumulation) are the first kernel's
                tile_params = dict(tile_class.params) if i == 0 else {}
                self._call_kernel(
                    builder, l1, name, params, ins, outs, types, tile_class, tile_params
                )
        return fn

    def _call_kernel(
        self,
        builder: Builder,
        l1: SSAValue,
        name: str,
        params: DictionaryAttr,
        ins: tuple[int, ...],
        outs: tuple[int, ...],
        types: list,
        tile_class: TileClass,
        tile_params: dict[str, ParamValue],
    ) -> None:
        """One kernel call on the tile's L1 buffers (operand k is l1[k])."""
        kernel = self.library.get(name)
        indices = (*ins, *outs)
        scratch = Block(
            arg_types=[
                buffer.buffer_type(
                    tile_class.shapes[k], types[k].get_element_type(), self.spec.compute_level
                )
                for k in indices
            ]
        )
        pointers: dict[SSAValue, SSAValue] = {}
        for j, (k, arg) in enumerate(zip(indices, scratch.args)):
            element = builder.insert(cemit.ElementOp(l1, k)).result
            target = cemit.PointerType(types[k].get_element_type(), const=j < len(ins))
            pointers[arg] = builder.insert(cemit.CastOp(element, target)).result
        merged = dict(params.data)
        merged.update(params_to_attr(tile_params).data)
        kernel_op = buffer.KernelOp(
            kernel.name, scratch.args[: len(ins)], scratch.args[len(ins) :], DictionaryAttr(merged)
        )
        scratch.add_op(kernel_op)
        with self.e.redirected(builder, pointers):
            kernel.emit(self.e, kernel_op)
        kernel_op.detach()
        kernel_op.erase(safe_erase=False)

    # -- the tables and the descriptor ----------------------------------------------------------
    def _descriptor(
        self,
        stem: str,
        op: tiled.LayerOp,
        problem: TileProblem,
        tiles: list[Tile],
        classes: list[TileClass],
        class_of: list[int],
        double: bool,
    ) -> cemit.StructOp:
        operands = problem.operands
        spec = self.spec
        records: list[Copy] = []
        for tile_class in classes:
            for operand, box_shape in zip(operands, tile_class.boxes):
                box = Box((0,) * len(box_shape), box_shape, (), ())
                records.append(box_copy(operand, box))
        rank = max(len(r.counts) for r in records)
        copies: list[int] = []
        for r in records:
            pad = rank - len(r.counts)
            copies += [len(r.counts), *r.counts, *([0] * pad)]
            copies += [*r.home_strides, *([0] * (pad + 1))]
            copies += [*r.l1_strides, *([0] * (pad + 1))]
        flags, offsets = [], []
        for tile in tiles:
            for k, operand in enumerate(operands):
                flags.append((MOVE if tile.moves[k] else 0) | (BUFFER1 if tile.buffer[k] else 0))
                offsets.append(home_offset(operand, tile.boxes[k]) if tile.moves[k] else 0)
        l1 = list(op.l1_offsets)
        l1 = [l1[i] if l1[i] >= 0 else l1[i - 1] for i in range(len(l1))]
        if len(classes) > 65535:
            raise PassFailedException(f"lower-to-c: '{op.node_name}' has too many tile classes")
        names = {}
        for key, values, element_type in (
            ("class", class_of, U16),
            ("flags", flags, U8),
            ("offsets", offsets, i32),
            ("copies", copies, i32),
            ("l1", l1, i32),
        ):
            names[key] = f"{stem}_{key}"
            self.e.globals_.append(_table(names[key], values, element_type))
        return cemit.StructOp(
            f"{stem}_desc",
            "deeploy_tiled_layer_t",
            [
                len(tiles),
                len(operands),
                len(op.outs),
                rank,
                int(double),
                spec.index(spec.compute_level),
                spec.index(spec.chain[1]),  # the first level above the scratchpad
                names["class"],
                names["flags"],
                names["offsets"],
                names["copies"],
                names["l1"],
            ],
        )

    def _staging(self, problem: TileProblem, tiles: list[Tile]) -> list[int] | None:
        """Byte offsets of the operands' staging buffers (one box each), if any."""
        if self.staging_symbol is None:
            return None
        offsets, total = staging_layout(problem, tiles, self.e.alignment)
        self.staging_bytes = max(self.staging_bytes, total)
        return offsets

    # -- the call in the run function -------------------------------------------------------------
    def _call(
        self,
        stem: str,
        op: tiled.LayerOp,
        struct: cemit.StructOp,
        compute: cemit.FuncOp,
        staging: list[int] | None,
    ) -> None:
        e = self.e
        # a fused layer's local buffers have no home: they never move
        home = [
            e.insert(cemit.CastOp(e.ptr(v), VOID_PTR))
            if v is not None
            else e.null(cemit.OpaqueType("void"), const=False)
            for v in op.tile_operands
        ]
        homes = e.insert(cemit.LocalArrayOp(f"{stem}_home", home, VOID_PTR))
        levels = e.const_array(
            np.array(
                [self.spec.index(buffer.level_of(t)) for t in op.tile_operand_types], np.int32
            ),
            "levels",
        )
        e.call(
            "deeploy_tiled_run",
            [
                e.insert(cemit.AddressOp(struct.sym_name.data, cemit.PointerType(U8, const=True))),
                homes,
                levels,
                self._staging_array(stem, staging) if staging else e.null(VOID_PTR, const=True),
                e.insert(cemit.SymbolOp(self.l1_symbol, cemit.PointerType(U8))),
                e.insert(cemit.SymbolOp(compute.sym_name.data, cemit.PointerType(U8, const=True))),
            ],
        )

    def _staging_array(self, stem: str, offsets: list[int]) -> SSAValue:
        e = self.e
        assert self.staging_symbol is not None
        base = e.insert(cemit.SymbolOp(self.staging_symbol, cemit.PointerType(U8)))
        pointers = [
            e.insert(cemit.CastOp(e.insert(cemit.OffsetOp(base, at)), VOID_PTR)) for at in offsets
        ]
        return e.insert(cemit.LocalArrayOp(f"{stem}_staging", pointers, VOID_PTR))


def layer_stats(op: tiled.LayerOp) -> dict[str, int]:
    """The tiling figures tile-layers recorded on a layer."""
    out = {}
    for key in ("tiles", "dma_bytes", "dma_transfers", "l1_bytes"):
        attr = op.attributes.get(key)
        if attr is not None:
            assert isinstance(attr, IntegerAttr), f"{key} = {attr}"
            out[key] = attr.value.data
    return out
