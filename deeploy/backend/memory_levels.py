"""A tiled network's memory levels in C: the levels a tile passes through (the target
spec's chain, scratchpad to home) each become one array of exactly its size, registered
with the runtime's DMA layer (deeploy/dma.h) by the level's number and name; the home
level holds the arena and then the weights, copied there at init; the staging level
the boxes of layers whose home is further away.
"""

from __future__ import annotations

from xdsl.builder import Builder
from xdsl.dialects.builtin import IntegerAttr, MemRefType, i32
from xdsl.ir import SSAValue
from xdsl.utils.exceptions import PassFailedException

from deeploy.alignment import align_up
from deeploy.backend.call_emitter import U8, CallEmitter
from deeploy.backend.tiled_layers import DMA_MAX_REGIONS, TiledLayerEmitter
from deeploy.dialects import buffer, cemit
from deeploy.dialects.target import TargetSpecAttr
from deeploy.kernels.base import KernelLibrary
from deeploy.targets.base import Target
from deeploy.targets.spec import size_option


class MemoryLevels:
    """The C of one tiled network's levels (see the module docstring)."""

    def __init__(self, spec: TargetSpecAttr, target: Target, prefix: str) -> None:
        assert spec.tiled
        self.spec = spec
        self.target = target
        self.prefix = prefix
        self.alignment = spec.alignment.data
        self.level_bytes: dict[str, int] = {}  # each array's size, once sized

    @staticmethod
    def check_region_count(regions: int) -> None:
        # the DMA layer's region table is static (it runs on MCUs without a heap): a
        # network that needs more would otherwise abort only when it first runs
        if regions > DMA_MAX_REGIONS:
            from deeploy.errors import UnsupportedError

            raise UnsupportedError(
                f"a tiled network registers each memory level and each input and output "
                f"with the runtime's DMA layer: this one needs {regions} regions, the "
                f"runtime has {DMA_MAX_REGIONS} (DEEPLOY_MAX_REGIONS in deeploy/dma.h); "
                f"merge inputs or outputs, or compile without --l1"
            )

    def prepare(
        self, emitter: CallEmitter, arenas: dict[str, int], library: KernelLibrary
    ) -> TiledLayerEmitter:
        """Name the level arrays, put the weights after the home arena, and return what
        lowers the tiled layers."""
        h = self.spec
        if len(h.chain) > 3:
            raise PassFailedException(
                f"lower-to-c: home {h.home_level} is {len(h.chain) - 1} levels above "
                f"{h.compute_level}; tiles are staged through one level at most"
            )
        for level in h.chain:
            emitter._arena_syms[level] = emitter.unique_symbol(f"{self.prefix}_{level}")
        emitter.weights_in_level = True
        emitter.weight_offset = align_up(arenas.get(h.home_level, 0), self.alignment)
        staging = emitter.arena_symbol(h.staging_levels[0]) if h.staging_levels else None
        scratchpad = emitter.arena_symbol(h.compute_level)
        return TiledLayerEmitter(emitter, library, h, scratchpad, staging)

    def io_regions(self, emitter: CallEmitter, values: list[SSAValue], action: str) -> None:
        """Inputs and outputs live in the home level for the duration of a run."""
        h = self.spec
        for value in values:
            t = value.type
            assert isinstance(t, MemRefType)
            pointer = emitter.ptr(value)
            if action == "add":
                emitter.call(
                    "deeploy_mem_add_region",
                    [
                        emitter.i32(h.index(h.home_level)),
                        emitter.insert(cemit.StringOp(h.home_level)),
                        pointer,
                        emitter.insert(cemit.LiteralOp(IntegerAttr(buffer.size_in_bytes(t), i32))),
                    ],
                )
            else:
                emitter.call("deeploy_mem_remove_region", [pointer])

    def size(self, emitter: CallEmitter, arenas: dict[str, int], staging_bytes: int) -> None:
        """The bytes of each level's array: exactly the level's size, emulating it, or on a
        microcontroller, whose linker bounds RAM, what its RAM level needs. The home level
        must hold the arena and the weights, the staging level the staging buffers."""
        from deeploy.errors import BudgetError

        h = self.spec
        need = {level: 0 for level in h.chain}
        need[h.home_level] = emitter.weight_offset
        for level in h.staging_levels:
            need[level] = max(need[level], staging_bytes)
        for level in h.chain[1:]:
            if h.size(level) and need[level] > h.size(level):
                detail = (
                    f"the arena takes {arenas.get(level, 0)} and the weights "
                    f"{emitter.weight_offset - align_up(arenas.get(level, 0), self.alignment)}"
                    if level == h.home_level
                    else f"staging buffers take {staging_bytes}"
                )
                raise BudgetError(
                    f"{level} holds {h.size(level)} bytes but the network needs {need[level]} "
                    f"there ({detail}); give more with {size_option(h, level)}"
                )
        sizes = {level: h.size(level) or need[level] for level in h.chain}
        if self.target.mcu is not None:
            ram = self.target.home_level
            sizes[ram] = max(16, align_up(need[ram], 16))
        self.level_bytes = sizes

    def arrays(self, emitter: CallEmitter) -> list[cemit.GlobalOp]:
        """One array per level; on a microcontroller the levels other than RAM go to their
        own linker sections (.l1, .l3), whose regions have exactly the levels' sizes."""
        mcu = self.target.mcu is not None
        ram = self.target.home_level
        return [
            cemit.GlobalOp(
                emitter.arena_symbol(level),
                U8,
                self.level_bytes[level],
                static=True,
                alignment=16,
                section=f".{level.lower()}" if mcu and level != ram else None,
            )
            for level in self.spec.chain
        ]

    def init(self, emitter: CallEmitter, init: Builder) -> None:
        """The init function's body: register the level arrays, copy the weights home."""
        h = self.spec
        with emitter.redirected(init, {}):
            init.insert(
                cemit.CommentOp("each memory level is one array; the DMA layer checks them")
            )
            for level in h.chain:
                emitter.call(
                    "deeploy_mem_add_region",
                    [
                        emitter.i32(h.index(level)),
                        emitter.insert(cemit.StringOp(level)),
                        emitter.insert(
                            cemit.SymbolOp(emitter.arena_symbol(level), cemit.PointerType(U8))
                        ),
                        emitter.insert(cemit.LiteralOp(IntegerAttr(self.level_bytes[level], i32))),
                    ],
                )
            if emitter.weight_copies:
                init.insert(cemit.CommentOp(f"the weights, into {h.home_level} after the arena"))
                emitter.uses_string = True
            for symbol, offset, size in emitter.weight_copies:
                home = emitter.insert(
                    cemit.SymbolOp(emitter.arena_symbol(h.home_level), cemit.PointerType(U8))
                )
                emitter.call(
                    "memcpy",
                    [
                        emitter.insert(cemit.OffsetOp(home, offset)),
                        emitter.insert(cemit.SymbolOp(symbol, cemit.PointerType(U8, const=True))),
                        emitter.insert(cemit.LiteralOp(IntegerAttr(size, i32))),
                    ],
                )

    def copy(self, emitter: CallEmitter, op: buffer.CopyOp, size: SSAValue) -> None:
        """A copy between levels goes through the DMA layer (which checks it)."""
        index = self.spec.index
        emitter.call(
            "deeploy_dma_copy",
            [
                emitter.i32(index(buffer.level_of(op.target))),
                emitter.ptr(op.target),
                emitter.i32(index(buffer.level_of(op.source))),
                emitter.ptr(op.source),
                size,
            ],
        )
