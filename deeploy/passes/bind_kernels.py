"""bind-kernels: choose the runtime kernel of every graph op for a target.

Each op gets three discardable attributes that bufferisation turns into a
`buffer.kernel`:

    kernel = "conv2d_f32"                  the kernel library entry
    kernel_params = {strides = ..., ...}   its normalised parameters
    kernel_inputs = array<i64: 0, 1, 2>    which operands it reads as buffers
    kernel_inplace = array<i64: 0, 0>      (input, output) pairs that may share a buffer

When some ops cannot be bound, one error lists every one of them with the reason.
Reshape-like ops and constants need no kernel (they become views and weights).
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import DenseArrayBase, ModuleOp, StringAttr, i64
from xdsl.passes import ModulePass

from deeploy.dialects.graph import GraphOp
from deeploy.errors import UnsupportedError, join_items
from deeploy.kernels.base import Binding
from deeploy.kernels.params import params_to_attr

NO_KERNEL = ("Reshape",)


def annotate(op: GraphOp, binding: Binding, inplace: tuple[tuple[int, int], ...]) -> None:
    op.attributes["kernel"] = StringAttr(binding.kernel)
    op.attributes["kernel_params"] = params_to_attr(binding.params)
    op.attributes["kernel_inputs"] = DenseArrayBase.from_list(i64, list(binding.inputs))
    if inplace:
        pairs = [index for pair in inplace for index in pair]
        op.attributes["kernel_inplace"] = DenseArrayBase.from_list(i64, pairs)


@dataclass(frozen=True)
class BindKernelsPass(ModulePass):
    name = "bind-kernels"
    target: str | None = None  # whose kernels (default: the module's target)

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        from deeploy.targets import get_target
        from deeploy.targets.spec import module_spec

        target = module_spec(op, self.target).target_name
        library = get_target(target).kernels()
        nodes: list[tuple[str, str, str]] = []
        for inner in op.walk():
            if not isinstance(inner, GraphOp) or inner.SIGNATURE.op_type in NO_KERNEL:
                continue
            if "kernel" in inner.attributes:
                continue  # bound already (e.g. by a fusion pass)
            result = library.bind(inner)
            if isinstance(result, Binding):
                annotate(inner, result, library.get(result.kernel).inplace)
            else:
                reason = " / ".join(dict.fromkeys(result))
                nodes.append((inner.node_name, inner.SIGNATURE.op_type, reason))
        if nodes:
            raise UnsupportedError(
                f"{len(nodes)} node(s) cannot run on target '{target}': {describe_failures(nodes)}",
                nodes,
            )


def describe_failures(nodes: list[tuple[str, str, str]]) -> str:
    """`Slice (no kernel ...): 'a', 'b'; Relu (needs float32 ...): 'c'`, grouped by op type and reason."""
    groups: dict[tuple[str, str], list[str]] = {}
    for name, op_type, reason in nodes:
        groups.setdefault((op_type, reason), []).append(f"'{name}'")
    return join_items(
        [f"{op} ({reason}): {', '.join(names)}" for (op, reason), names in groups.items()]
    )
