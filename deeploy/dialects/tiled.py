"""`tiled`: tile loops and DMA between memory levels.

The untiled pipeline does not use it yet; tiling (with the memory hierarchy) rewrites
layers into these ops. Only what exists below is defined; more arrives with tiling.
"""

from __future__ import annotations

from xdsl.dialects.builtin import MemRefType
from xdsl.ir import Dialect
from xdsl.irdl import IRDLOperation, irdl_op_definition, operand_def
from xdsl.utils.exceptions import VerifyException

from deeploy.dialects.buffer import level_of, size_in_bytes


@irdl_op_definition
class CopyOp(IRDLOperation):
    """A blocking copy of a whole buffer between two memory levels (a DMA transfer)."""

    name = "tiled.copy"
    source = operand_def(MemRefType)
    target = operand_def(MemRefType)
    assembly_format = "$source `,` $target attr-dict `:` type($source) `,` type($target)"

    def verify_(self) -> None:
        try:
            src, dst = level_of(self.source), level_of(self.target)
        except ValueError as err:
            raise VerifyException(f"tiled.copy: {err}") from None
        if src == dst:
            raise VerifyException("tiled.copy: source and target are in the same memory level")
        if size_in_bytes(self.source.type) != size_in_bytes(self.target.type):  # type: ignore[arg-type]
            raise VerifyException("tiled.copy: source and target sizes differ")


Tiled = Dialect("tiled", [CopyOp], [])
