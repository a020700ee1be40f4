"""`target`: the hardware a module is compiled for, one attribute on the module.

    module attributes {deeploy.target = #target.spec<"rv32", levels = [L1 8192, L2 1024000,
        L3 8388608], compute = L1, home = L2, alignment = 8, tile_alignment = 4,
        double_buffer = false, fuse_layers = true, profile_layers = false>} { ... }

Levels are listed from the one next to the cores outwards, and a DMA engine connects each
level to the next. A size of 0 is unbounded (host memory). Kernels read and write the
`compute` level; tensors live in `home`. When they differ, layers are tiled: tiles move
from `home` to `compute` through every level in between (staging). A level's position in
the list is its number in the runtime's DMA layer (deeploy/dma.h).

The attribute is set once, when a network is imported (`deeploy compile`) or by the
`set-target` pass, from the target's definition (deeploy/targets) and the command line.
Every pass reads the hardware from it; pass options only override it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from xdsl.dialects.builtin import ArrayAttr, IntAttr, StringAttr
from xdsl.ir import Attribute, Dialect, ParametrizedAttribute
from xdsl.irdl import irdl_attr_definition
from xdsl.parser import AttrParser
from xdsl.printer import Printer
from xdsl.utils.exceptions import VerifyException

TARGET_KEY = "deeploy.target"  # the module attribute holding the spec

# a level name becomes part of C symbols and linker section names
LEVEL_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,31}")
DMA_MAX_LEVELS = 4  # DEEPLOY_MAX_LEVELS in deeploy/dma.h

_FLAGS = ("double_buffer", "fuse_layers", "profile_layers")


@irdl_attr_definition
class TargetSpecAttr(ParametrizedAttribute):
    """The target and its memory hierarchy (see the module docstring)."""

    name = "target.spec"
    target: StringAttr
    level_names: ArrayAttr[StringAttr]
    level_sizes: ArrayAttr[IntAttr]
    compute: StringAttr
    home: StringAttr
    alignment: IntAttr
    tile_alignment: IntAttr
    flags: ArrayAttr[StringAttr]

    def __init__(
        self,
        target: str,
        levels: Sequence[tuple[str, int]],
        compute: str,
        home: str,
        alignment: int,
        tile_alignment: int = 4,
        double_buffer: bool = False,
        fuse_layers: bool = True,
        profile_layers: bool = False,
    ) -> None:
        on = {"double_buffer": double_buffer, "fuse_layers": fuse_layers}
        on["profile_layers"] = profile_layers
        super().__init__(
            StringAttr(target),
            ArrayAttr([StringAttr(n) for n, _ in levels]),
            ArrayAttr([IntAttr(s) for _, s in levels]),
            StringAttr(compute),
            StringAttr(home),
            IntAttr(alignment),
            IntAttr(tile_alignment),
            ArrayAttr([StringAttr(f) for f in _FLAGS if on[f]]),
        )

    # -- reading ----------------------------------------------------------------------
    @property
    def target_name(self) -> str:
        return self.target.data

    @property
    def levels(self) -> tuple[str, ...]:
        return tuple(s.data for s in self.level_names.data)

    @property
    def sizes(self) -> dict[str, int]:
        return {n: s.data for n, s in zip(self.levels, self.level_sizes.data)}

    def size(self, level: str) -> int:
        """Bytes of `level`; 0 is unbounded."""
        return self.sizes[level]

    def index(self, level: str) -> int:
        """The level's number in the runtime's DMA layer."""
        return self.levels.index(level)

    @property
    def compute_level(self) -> str:
        return self.compute.data

    @property
    def home_level(self) -> str:
        return self.home.data

    @property
    def tiled(self) -> bool:
        """Whether layers run on tiles in a scratchpad (the compute level is not home)."""
        return self.compute.data != self.home.data

    @property
    def chain(self) -> tuple[str, ...]:
        """The levels a tile passes through, compute level first, home last."""
        return self.levels[self.index(self.compute_level) : self.index(self.home_level) + 1]

    @property
    def staging_levels(self) -> tuple[str, ...]:
        """The levels between home and the compute level that tiles are staged through."""
        return self.chain[1:-1]

    def hops(self, level: str) -> int:
        """DMA transfers a byte of `level` takes to reach the compute level."""
        return self.index(level) - self.index(self.compute_level)

    def flag(self, name: str) -> bool:
        return StringAttr(name) in self.flags.data

    @property
    def double_buffer(self) -> bool:
        return self.flag("double_buffer")

    @property
    def fuse_layers(self) -> bool:
        return self.flag("fuse_layers")

    @property
    def profile_layers(self) -> bool:
        return self.flag("profile_layers")

    # -- checking ---------------------------------------------------------------------
    def verify(self) -> None:
        levels = self.levels
        if not levels:
            raise VerifyException("target.spec: a target needs at least one memory level")
        if len(levels) > DMA_MAX_LEVELS:
            raise VerifyException(
                f"target.spec: {len(levels)} levels, the runtime's DMA layer has "
                f"{DMA_MAX_LEVELS} (DEEPLOY_MAX_LEVELS)"
            )
        if len(self.level_sizes.data) != len(levels):
            raise VerifyException("target.spec: one size per level")
        for level in levels:
            if not LEVEL_NAME.fullmatch(level):
                raise VerifyException(
                    f"target.spec: level name {level!r} is not a C-identifier-like name "
                    "of at most 32 characters"
                )
        if len(set(levels)) != len(levels):
            raise VerifyException(f"target.spec: level names repeat: {', '.join(levels)}")
        for size in self.level_sizes.data:
            if size.data < 0:
                raise VerifyException(f"target.spec: level size {size.data} is negative")
        for role, level in (("compute", self.compute_level), ("home", self.home_level)):
            if level not in levels:
                raise VerifyException(
                    f"target.spec: {role} level {level!r} is not one of {', '.join(levels)}"
                )
        if self.index(self.home_level) < self.index(self.compute_level):
            raise VerifyException(
                f"target.spec: home {self.home_level} is nearer the cores than the compute "
                f"level {self.compute_level}"
            )
        for field in ("alignment", "tile_alignment"):
            value = getattr(self, field).data
            if value <= 0 or value & (value - 1):
                raise VerifyException(f"target.spec: {field} {value} is not a power of two")
        for flag in self.flags.data:
            if flag.data not in _FLAGS:
                raise VerifyException(f"target.spec: unknown flag {flag.data!r}")

    # -- text -------------------------------------------------------------------------
    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        with parser.in_angle_brackets():
            target = parser.parse_str_literal()
            parser.parse_punctuation(",")
            parser.parse_keyword("levels")
            parser.parse_punctuation("=")
            levels = parser.parse_comma_separated_list(
                parser.Delimiter.SQUARE,
                lambda: (parser.parse_identifier(), parser.parse_integer(allow_negative=False)),
            )

            def key(name: str) -> None:  # `, name =` before each field
                parser.parse_punctuation(",")
                parser.parse_keyword(name)
                parser.parse_punctuation("=")

            key("compute")
            compute = parser.parse_identifier()
            key("home")
            home = parser.parse_identifier()
            key("alignment")
            alignment = parser.parse_integer(allow_negative=False)
            key("tile_alignment")
            tile_alignment = parser.parse_integer(allow_negative=False)
            flags: dict[str, bool] = {}
            for name in _FLAGS:
                key(name)
                flags[name] = parser.parse_boolean()
        spec = cls(target, levels, compute, home, alignment, tile_alignment, **flags)
        return spec.parameters

    def print_parameters(self, printer: Printer) -> None:
        with printer.in_angle_brackets():
            printer.print_string_literal(self.target_name)
            levels = ", ".join(f"{n} {s}" for n, s in self.sizes.items())
            printer.print_string(f", levels = [{levels}], compute = {self.compute_level}")
            printer.print_string(f", home = {self.home_level}, alignment = {self.alignment.data}")
            printer.print_string(f", tile_alignment = {self.tile_alignment.data}")
            for flag in _FLAGS:
                printer.print_string(f", {flag} = {'true' if self.flag(flag) else 'false'}")


Target = Dialect("target", [], [TargetSpecAttr])
