"""reuse-input-buffers: a kernel writes its output over an input that dies at that kernel.

Kernels declare (input, output) pairs they can compute in place (pointwise and
elementwise ones: each output element depends only on the input element at the same
index). When such an input is an intermediate buffer read for the last time by this
kernel, has the output's size and element type, and appears only once among the kernel's
operands, the output's allocation is dropped and the input's buffer (viewed with the
output's shape if needed) is written instead: one buffer fewer, and a smaller arena.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import DenseArrayBase, MemRefType, ModuleOp
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass

from deeploy.dialects import buffer


def _root(value: SSAValue) -> SSAValue:
    while isinstance(value.owner, buffer.ViewOp):
        value = value.owner.source
    return value


def _last_reader(root: SSAValue, order: dict[Operation, int]) -> int:
    """Index of the last op that uses root or any view of it."""
    last = -1
    pending = [root]
    while pending:
        value = pending.pop()
        for use in value.uses:
            last = max(last, order.get(use.operation, -1))
            if isinstance(use.operation, buffer.ViewOp):
                pending.append(use.operation.result)
    return last


def _pairs(op: buffer.KernelOp) -> list[tuple[int, int]]:
    attr = op.attributes.get("inplace")
    if not isinstance(attr, DenseArrayBase):
        return []
    flat = [int(v) for v in attr.get_values()]
    return list(zip(flat[::2], flat[1::2]))


def _reuse(fn: func.FuncOp) -> None:
    ops = list(fn.body.block.ops)
    order = {op: i for i, op in enumerate(ops)}
    for op in ops:
        if not isinstance(op, buffer.KernelOp):
            continue
        for i, j in _pairs(op):
            if i >= len(op.ins) or j >= len(op.outs):
                continue
            source, target = op.ins[i], op.outs[j]
            root = _root(source)
            if not isinstance(root.owner, buffer.AllocOp) or not isinstance(
                target.owner, buffer.AllocOp
            ):
                continue
            if sum(1 for v in op.ins if _root(v) is root) != 1:
                continue
            if _last_reader(root, order) != order[op]:
                continue
            t_src, t_dst = root.type, target.type
            assert isinstance(t_src, MemRefType) and isinstance(t_dst, MemRefType)
            if (
                buffer.size_in_bytes(t_src) != buffer.size_in_bytes(t_dst)
                or t_src.element_type != t_dst.element_type
            ):
                continue
            alloc = target.owner
            replacement = source
            if source.type != t_dst:
                view = buffer.ViewOp(source, t_dst)
                view.result.name_hint = target.name_hint
                fn.body.block.insert_op_before(view, op)
                replacement = view.result
            alloc.result.replace_all_uses_with(replacement)
            alloc.detach()
            alloc.erase()


@dataclass(frozen=True)
class ReuseInputBuffersPass(ModulePass):
    name = "reuse-input-buffers"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for fn in op.ops:
            if isinstance(fn, func.FuncOp) and not fn.is_declaration:
                _reuse(fn)
