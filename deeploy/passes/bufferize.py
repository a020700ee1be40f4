"""bufferize: tensors -> buffers in a memory level, graph ops -> `buffer.kernel`.

The network function takes its inputs and then its outputs as buffer arguments and
returns nothing (destination passing). Constants become `buffer.constant`, reshapes
`buffer.view`, every bound op a `buffer.kernel` writing freshly allocated buffers.

A graph output is written in place when the kernel producing it (possibly through
reshapes) can write straight into the output argument; otherwise (an output that is an
input, a constant, or a value returned twice) it is copied there at the end.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.builder import Builder
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseArrayBase,
    DictionaryAttr,
    ModuleOp,
    StringAttr,
    TensorType,
)
from xdsl.ir import Attribute, Block, Region, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint
from xdsl.utils.exceptions import PassFailedException

from deeploy.dialects import buffer, graph
from deeploy.passes import options


def _buffer_type(t: Attribute, level: str):
    assert isinstance(t, TensorType)
    return buffer.buffer_type(t.get_shape(), t.get_element_type(), level)


def _root(value: SSAValue) -> SSAValue:
    """The value a chain of reshapes starts from."""
    while graph.is_op(value.owner, "Reshape"):
        value = value.owner.operands[0]
    return value


def _is_kernel_result(value: SSAValue) -> bool:
    owner = value.owner
    return isinstance(owner, graph.GraphOp) and "kernel" in owner.attributes


class _Materializer:
    """The buffer of a tensor value, creating weights and views on first use.

    Constants that only feed kernel parameters (shapes, axes, clip bounds) are never used
    as buffers, so they never become `buffer.constant`s.
    """

    def __init__(self, builder: Builder, mapping: dict[SSAValue, SSAValue], level: str) -> None:
        self.builder = builder
        self.mapping = mapping
        self.level = level

    def __call__(self, value: SSAValue) -> SSAValue:
        if value in self.mapping:
            return self.mapping[value]
        owner = value.owner
        new: buffer.ConstantOp | buffer.ViewOp
        if isinstance(owner, graph.ConstantOp):
            new = buffer.ConstantOp(owner.value, self.level, owner.const_name)
        elif graph.is_op(owner, "Reshape"):
            new = buffer.ViewOp(self(owner.operands[0]), _buffer_type(value.type, self.level))
        else:
            raise PassFailedException(f"bufferize: no buffer for a value defined by {owner}")
        new.results[0].name_hint = value.name_hint
        self.builder.insert(new)
        self.mapping[value] = new.results[0]
        return new.results[0]


@dataclass(frozen=True)
class BufferizePass(ModulePass):
    name = "bufferize"
    level: str | None = None  # where buffers live (default: the target's home level)

    def __post_init__(self) -> None:
        if self.level is not None:
            options.level_name(self.name, "level", self.level)

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        from deeploy.targets.spec import module_spec

        spec = module_spec(op)
        level = self.level if self.level is not None else spec.home_level
        if level not in spec.levels:
            from deeploy.errors import OptionError

            raise OptionError(
                f"bufferize: option level {level!r} is not a level of target "
                f"{spec.target_name} ({', '.join(spec.levels)})"
            )
        for fn in list(op.ops):
            if isinstance(fn, func.FuncOp) and not fn.is_declaration:
                self._bufferize(fn, level)

    def _bufferize(self, fn: func.FuncOp, level: str) -> None:
        old = fn.body.block
        ret = old.last_op
        assert isinstance(ret, func.ReturnOp)
        in_types = [_buffer_type(a.type, level) for a in old.args]
        out_types = [_buffer_type(v.type, level) for v in ret.arguments]
        block = Block(arg_types=[*in_types, *out_types])
        n_in = len(in_types)
        mapping: dict[SSAValue, SSAValue] = {}
        for old_arg, new_arg in zip(old.args, block.args):
            new_arg.name_hint = old_arg.name_hint
            mapping[old_arg] = new_arg
        out_args = block.args[n_in:]
        for out_arg, value in zip(out_args, ret.arguments):
            out_arg.name_hint = (value.name_hint or "out") + "_out"

        # Which kernel results write straight into an output argument.
        claimed: dict[SSAValue, int] = {}
        copies: list[tuple[SSAValue, int]] = []
        for index, value in enumerate(ret.arguments):
            root = _root(value)
            if _is_kernel_result(root) and root not in claimed:
                claimed[root] = index
            else:
                copies.append((value, index))

        builder = Builder(InsertPoint.at_end(block))
        materialize = _Materializer(builder, mapping, level)
        for inner in old.ops:
            if inner is ret:
                break
            if isinstance(inner, graph.ConstantOp) or (graph.is_op(inner, "Reshape")):
                continue  # materialised where a kernel or an output first needs them
            if isinstance(inner, graph.GraphOp) and "kernel" in inner.attributes:
                self._kernel(inner, builder, materialize, claimed, out_args)
            else:
                raise PassFailedException(
                    f"bufferize: {inner.name} has no kernel; run bind-kernels first"
                )
        for value, index in copies:
            builder.insert(buffer.CopyOp(materialize(value), out_args[index]))
        builder.insert(func.ReturnOp())

        arg_attrs = []
        old_arg_attrs = fn.arg_attrs.data if fn.arg_attrs else [DictionaryAttr({})] * n_in
        old_res_attrs = fn.res_attrs.data if fn.res_attrs else [DictionaryAttr({})] * len(out_types)
        for attrs in old_arg_attrs:
            arg_attrs.append(DictionaryAttr({**attrs.data, "buffer.io": StringAttr("input")}))
        for attrs in old_res_attrs:
            arg_attrs.append(DictionaryAttr({**attrs.data, "buffer.io": StringAttr("output")}))
        new_fn = func.FuncOp(
            fn.sym_name.data,
            ([*in_types, *out_types], []),
            Region(block),
            arg_attrs=ArrayAttr(arg_attrs),
        )
        fn.detach_region(fn.body)
        parent = fn.parent_block()
        assert parent is not None
        parent.insert_op_before(new_fn, fn)
        fn.detach()
        fn.erase(safe_erase=False)

    def _kernel(
        self,
        op: graph.GraphOp,
        builder: Builder,
        materialize: _Materializer,
        claimed: dict[SSAValue, int],
        out_args: tuple[SSAValue, ...] | list[SSAValue],
    ) -> None:
        inputs_attr = op.attributes["kernel_inputs"]
        assert isinstance(inputs_attr, DenseArrayBase)
        ins = []
        for index in inputs_attr.get_values():
            if not 0 <= index < len(op.operands):
                raise PassFailedException(f"bufferize: {op.describe()} has no operand {index}")
            ins.append(materialize(op.operands[index]))
        outs = []
        for result in op.results:
            t = _buffer_type(result.type, materialize.level)
            if result in claimed:
                target = out_args[claimed[result]]
                if target.type != t:
                    view = buffer.ViewOp(target, t)
                    builder.insert(view)
                    target = view.result
                outs.append(target)
            else:
                alloc = buffer.AllocOp(t, result.name_hint)
                alloc.result.name_hint = result.name_hint
                builder.insert(alloc)
                outs.append(alloc.result)
            materialize.mapping[result] = outs[-1]
        kernel = op.attributes["kernel"]
        params = op.attributes["kernel_params"]
        assert isinstance(kernel, StringAttr) and isinstance(params, DictionaryAttr)
        attributes: dict[str, Attribute] = {
            "name": StringAttr(op.node_name),
            "op": StringAttr(op.SIGNATURE.op_type),
        }
        for key, new_key in (("fused", "fused"), ("kernel_inplace", "inplace")):
            if key in op.attributes:
                attributes[new_key] = op.attributes[key]
        builder.insert(buffer.KernelOp(kernel.data, ins, outs, params, attributes))
