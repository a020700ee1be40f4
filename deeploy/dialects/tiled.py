"""`tiled`: layers tiled into L1, and DMA between memory levels.

`tile-layers` rewrites each `buffer.kernel` whose operands live in a home level (L2 or
L3) into a `tiled.layer`: the same kernel and operands plus the tiling decisions - the
tile size along each dimension of the kernel's iteration space (see deeploy/tiling), the
L1 offset of every operand's buffer(s), whether loads overlap computation (double
buffering) and, for a home level that is not next to L1, the L2 staging buffers tiles
pass through. The schedule itself (which box of which operand moves before or after
which tile) follows from these deterministically and is rebuilt when lowering to C.

`fuse-tiled-layers` merges a layer with pointwise layers that read its output into one
fused `tiled.layer`: `steps` lists its kernels in order with their operands (indices into
ins, then `local` buffers - intermediates that stay in L1 - then outs).
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseArrayBase,
    DictionaryAttr,
    MemRefType,
    StringAttr,
    UnitAttr,
    i64,
)
from xdsl.ir import Attribute, Dialect, SSAValue
from xdsl.irdl import (
    AttrSizedOperandSegments,
    IRDLOperation,
    irdl_op_definition,
    opt_prop_def,
    prop_def,
    var_operand_def,
)
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.utils.exceptions import VerifyException

from deeploy.dialects.buffer import (
    MemoryLevelAttr,
    level_of,
    memref_type,
    parse_operand_group,
    print_operand_group,
)


def ints_attr(values: Sequence[int]) -> DenseArrayBase:
    return DenseArrayBase.from_list(i64, list(values))


def step_attr(
    kernel: str, params: DictionaryAttr, ins: Sequence[int], outs: Sequence[int]
) -> DictionaryAttr:
    """One kernel of a fused layer, as `steps` holds it."""
    return DictionaryAttr(
        {
            "kernel": StringAttr(kernel),
            "params": params,
            "ins": ints_attr(ins),
            "outs": ints_attr(outs),
        }
    )


@irdl_op_definition
class LayerOp(IRDLOperation):
    """One kernel run tile by tile in L1:

        tiled.layer "gemm_f32" ins(%a, %b : ...) outs(%y : ...) tile [8, 32, 32]
                    l1 [0, 1024, 2048, -1, 4096, 5120] {params = {...}, double_buffer}

    `tile`: the tile size per dimension of the kernel's iteration space; `l1`: per
    operand (ins, then outs), the byte offsets of its first and second L1 buffer (-1:
    a single buffer); `staging`: per operand an L2 buffer (home level L3 only).
    """

    name = "tiled.layer"
    kernel = prop_def(StringAttr)
    params = prop_def(DictionaryAttr)
    tile = prop_def(DenseArrayBase)
    l1 = prop_def(DenseArrayBase)
    double_buffer = opt_prop_def(UnitAttr)
    steps = opt_prop_def(ArrayAttr)  # fused layers: every kernel (see the module doc)
    local = opt_prop_def(ArrayAttr)  # fused layers: the types of the L1-only buffers
    ins = var_operand_def(MemRefType)
    outs = var_operand_def(MemRefType)
    staging = var_operand_def(MemRefType)
    irdl_options = (AttrSizedOperandSegments(as_property=True),)

    def __init__(
        self,
        kernel: str,
        ins: Sequence[SSAValue],
        outs: Sequence[SSAValue],
        params: DictionaryAttr,
        tile: Sequence[int],
        l1: Sequence[int],
        *,
        double_buffer: bool = False,
        staging: Sequence[SSAValue] = (),
        steps: Sequence[DictionaryAttr] = (),
        local: Sequence[MemRefType] = (),
        attributes: dict[str, Attribute] | None = None,
    ) -> None:
        props: dict[str, Attribute] = {
            "kernel": StringAttr(kernel),
            "params": params,
            "tile": ints_attr(tile),
            "l1": ints_attr(l1),
        }
        if double_buffer:
            props["double_buffer"] = UnitAttr()
        if steps:
            props["steps"] = ArrayAttr(list(steps))
        if local:
            props["local"] = ArrayAttr(list(local))
        super().__init__(
            operands=[list(ins), list(outs), list(staging)],
            properties=props,
            attributes=attributes or {},
        )

    @property
    def kernel_name(self) -> str:
        return self.kernel.data

    @property
    def node_name(self) -> str:
        name = self.attributes.get("name")
        return name.data if isinstance(name, StringAttr) else self.kernel.data

    @property
    def tile_sizes(self) -> tuple[int, ...]:
        return tuple(int(v) for v in self.tile.get_values())

    @property
    def l1_offsets(self) -> tuple[int, ...]:
        return tuple(int(v) for v in self.l1.get_values())

    @property
    def operands_in_order(self) -> list[SSAValue]:
        """The operands that live in a home level (ins, then outs)."""
        return [*self.ins, *self.outs]

    @property
    def local_types(self) -> list[MemRefType]:
        return list(self.local.data) if self.local is not None else []

    @property
    def tile_operands(self) -> list[SSAValue | None]:
        """Every operand the tiles see (ins, local buffers - None -, outs): the order of
        `l1`, of the tiling problem and of the executor's tables."""
        return [*self.ins, *([None] * len(self.local_types)), *self.outs]

    @property
    def tile_operand_types(self) -> list[MemRefType]:
        return [
            *(memref_type(v) for v in self.ins),
            *self.local_types,
            *(memref_type(v) for v in self.outs),
        ]

    @property
    def fused(self) -> bool:
        return self.steps is not None

    def step_list(self) -> list[tuple[str, DictionaryAttr, tuple[int, ...], tuple[int, ...]]]:
        """(kernel, params, ins, outs) per kernel; an unfused layer is its one kernel."""
        if self.steps is None:
            n_in, count = len(self.ins), len(self.ins) + len(self.outs)
            return [(self.kernel.data, self.params, tuple(range(n_in)), tuple(range(n_in, count)))]
        out = []
        for step in self.steps.data:
            assert isinstance(step, DictionaryAttr)
            kernel, params, ins, outs = (step.data[k] for k in ("kernel", "params", "ins", "outs"))
            # the shape _verify_steps checks
            assert isinstance(kernel, StringAttr) and isinstance(params, DictionaryAttr)
            assert isinstance(ins, DenseArrayBase) and isinstance(outs, DenseArrayBase)
            out.append(
                (
                    kernel.data,
                    params,
                    tuple(int(v) for v in ins.get_values()),
                    tuple(int(v) for v in outs.get_values()),
                )
            )
        return out

    def _scratchpad(self) -> str | None:
        """The compute level of the module's target spec, if the layer is in one."""
        from deeploy.dialects.target import TARGET_KEY, TargetSpecAttr

        top = self.get_toplevel_object()
        spec = getattr(top, "attributes", {}).get(TARGET_KEY)
        return spec.compute_level if isinstance(spec, TargetSpecAttr) else None

    def _verify_steps(self, count: int) -> None:
        for t in self.local_types:
            if not isinstance(t, MemRefType) or not isinstance(t.memory_space, MemoryLevelAttr):
                raise VerifyException("tiled.layer: local buffers are memrefs in a memory level")
        scratchpad = self._scratchpad()
        for t in self.local_types:
            if scratchpad is not None and level_of(t) != scratchpad:
                raise VerifyException(
                    f"tiled.layer: local buffers live in the scratchpad ({scratchpad})"
                )
            if any(level_of(o) == level_of(t) for o in self.operands):
                raise VerifyException("tiled.layer: local buffers live beside the tiles, not home")
        if self.steps is None:
            if self.local_types:
                raise VerifyException("tiled.layer: local buffers need steps")
            return
        written: set[int] = set()
        for step in self.steps.data:
            entries = step.data if isinstance(step, DictionaryAttr) else {}
            if not (
                isinstance(entries.get("kernel"), StringAttr)
                and isinstance(entries.get("params"), DictionaryAttr)
                and isinstance(entries.get("ins"), DenseArrayBase)
                and isinstance(entries.get("outs"), DenseArrayBase)
            ):
                raise VerifyException(
                    "tiled.layer: each step is {kernel = str, params = dict, ins = array, outs = array}"
                )
        steps = self.step_list()
        if steps[0][0] != self.kernel.data or steps[0][1] != self.params:
            # the layer's kernel and params are what tiling rules read: they must be
            # the first step's, or tiling and execution would disagree
            raise VerifyException("tiled.layer: the first step is the layer's kernel and params")
        for kernel, _, ins, outs in steps:
            if any(not 0 <= k < count for k in (*ins, *outs)):
                raise VerifyException(f"tiled.layer: step '{kernel}' names an unknown operand")
            written.update(outs)
        first_local = len(self.ins)
        outputs = set(range(first_local, count))
        if not outputs.issubset(written) or any(k < first_local for k in written):
            raise VerifyException(
                "tiled.layer: steps write every local buffer and output, and no input"
            )

    def verify_(self) -> None:
        count = len(self.ins) + len(self.local_types) + len(self.outs)
        if not self.outs:
            raise VerifyException("tiled.layer: needs at least one output")
        self._verify_steps(count)
        if len(self.l1_offsets) != 2 * count:
            raise VerifyException("tiled.layer: l1 holds two offsets per operand")
        offsets = self.l1_offsets
        if any(offsets[2 * k] < 0 or offsets[2 * k + 1] < -1 for k in range(count)):
            raise VerifyException("tiled.layer: L1 offsets must be non-negative (-1: no buffer)")
        if any(t < 1 for t in self.tile_sizes):
            raise VerifyException("tiled.layer: tile sizes must be positive")
        if self.staging and len(self.staging) != len(self.ins) + len(self.outs):
            raise VerifyException("tiled.layer: one staging buffer per operand, or none")
        for v in self.operands_in_order:
            try:
                level_of(v)
            except ValueError as err:
                raise VerifyException(f"tiled.layer: {err}") from None

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_string_literal(self.kernel.data)
        print_operand_group(printer, "ins", self.ins)
        print_operand_group(printer, "outs", self.outs)
        if self.staging:
            print_operand_group(printer, "staging", self.staging)
        printer.print_string(f" tile {list(self.tile_sizes)} l1 {list(self.l1_offsets)}")
        props: dict[str, Attribute] = {"params": self.params}
        if self.double_buffer is not None:
            props["double_buffer"] = self.double_buffer
        if self.steps is not None:
            props["steps"] = self.steps
        if self.local is not None:
            props["local"] = self.local
        printer.print_op_attributes(props | dict(self.attributes))

    @classmethod
    def parse(cls, parser: Parser) -> LayerOp:
        kernel = parser.parse_str_literal()
        groups: dict[str, list[SSAValue]] = {}
        for keyword in ("ins", "outs", "staging"):
            if keyword == "staging" and not parser.parse_optional_keyword("staging"):
                groups[keyword] = []
                continue
            if keyword != "staging":
                parser.parse_keyword(keyword)
            groups[keyword] = parse_operand_group(parser, f"tiled.layer: {keyword}")
        parser.parse_keyword("tile")
        tile = parser.parse_comma_separated_list(parser.Delimiter.SQUARE, parser.parse_integer)
        parser.parse_keyword("l1")
        l1 = parser.parse_comma_separated_list(parser.Delimiter.SQUARE, parser.parse_integer)
        attrs = parser.parse_optional_attr_dict()
        params = attrs.pop("params", DictionaryAttr({}))
        if not isinstance(params, DictionaryAttr):
            parser.raise_error("tiled.layer: params must be a dictionary")
        double = attrs.pop("double_buffer", None) is not None
        steps = attrs.pop("steps", ArrayAttr([]))
        local = attrs.pop("local", ArrayAttr([]))
        if not isinstance(steps, ArrayAttr) or not isinstance(local, ArrayAttr):
            parser.raise_error("tiled.layer: steps and local must be arrays")
        return cls(
            kernel,
            groups["ins"],
            groups["outs"],
            params,
            tile,
            l1,
            double_buffer=double,
            staging=groups["staging"],
            steps=list(steps.data),
            local=list(local.data),
            attributes=attrs,
        )


Tiled = Dialect("tiled", [LayerOp], [])
