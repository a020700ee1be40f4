"""assign-integer-types: an integer network stored in float tensors gets its integer types.

Given the integer type of each graph input (`inputs=["x=i8"]`), every operator's result
takes the type `deeploy.integer_types.RESULT_RULES` gives it, in graph order: accumulating
operators int32, RequantShift its n_levels type, data movement its input's type. Constant
operands become integers too: data (weights) the narrowest of int8/int16/int32 that holds
them, parameters (bias, requantisation) int32 or the data's own type. A constant that
holds a non-integer, or an operator without an integer rule, is an error naming the node:
such a network is not an integer network.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ArrayAttr, DictionaryAttr, ModuleOp, StringAttr, TensorType
from xdsl.ir import Attribute, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from deeploy.dialects.graph import ConstantOp, GraphOp, element_type, op_class, shape_of
from deeploy.dialects.graph_op import is_op
from deeploy.dtypes import numpy_dtype
from deeploy.errors import ModelError, NotIntegerError, OptionError, UnsupportedError
from deeploy.integer_types import (
    DATA_OPERANDS,
    I32,
    PARAM_OPERANDS,
    RESULT_RULES,
    common_type,
    element_of,
    integer_range,
    is_integer,
    parse_input_types,
    smallest_integer_type,
)

_WEIGHT_TYPES = ("i8", "i16", "i32")


def _retype(value: SSAValue, element: Attribute) -> SSAValue:
    if element_type(value) == element:
        return value
    return Rewriter.replace_value_with_new_type(value, TensorType(element, shape_of(value)))


def _integer_constant(
    op: GraphOp, index: int, value: SSAValue, kind: str | Attribute
) -> Attribute | None:
    """The integer type a float constant operand takes (`kind`: "data" for the narrowest
    weight type, or the type itself), or None when it is not a float constant."""
    const = value.owner
    if not isinstance(const, ConstantOp) or is_integer(element_type(value)):
        return None
    array = const.numpy().astype(np.float64)
    if smallest_integer_type(array) is None and array.size:
        raise NotIntegerError(
            f"node {op.describe()}: constant input {index} holds non-integer values, "
            "so the network is not an integer network (give no --input-type to run it as float)",
            [(op.node_name, op.SIGNATURE.op_type, "non-integer constant")],
        )
    if not isinstance(kind, str):
        return kind
    for short in _WEIGHT_TYPES:
        lo, hi = integer_range(element_of(short))
        if lo <= array.min() and array.max() <= hi:
            return element_of(short)
    return None


def _replace_constant(op: GraphOp, index: int, element: Attribute) -> None:
    const = op.operands[index].owner
    assert isinstance(const, ConstantOp)
    array = const.numpy()
    lo, hi = integer_range(element)
    if array.size and (array.min() < lo or array.max() > hi):
        raise ModelError(
            f"node {op.describe()}: constant input {index} holds values in "
            f"[{array.min():g}, {array.max():g}], outside {numpy_dtype(element).name}"
        )
    new = ConstantOp.from_numpy(array.astype(numpy_dtype(element)), const.const_name, element)
    new.result.name_hint = const.result.name_hint
    Rewriter.insert_op(new, InsertPoint.before(op))
    op.operands[index] = new.result
    if not const.result.uses:
        Rewriter.erase_op(const)


def _cast(op: GraphOp, index: int, element: Attribute) -> None:
    """Insert a Cast so operand `index` of op has type `element`."""
    value = op.operands[index]
    cast_cls = op_class("Cast")
    cast = cast_cls.create(
        operands=[value],
        result_types=[TensorType(element, shape_of(value))],
        properties={},
        attributes={"name": StringAttr(f"{op.node_name}_cast{index}")},
    )
    cast.set_attr_value("to", int(_ONNX_TYPES[numpy_dtype(element).name]))
    Rewriter.insert_op(cast, InsertPoint.before(op))
    op.operands[index] = cast.results[0]


_ONNX_TYPES = {"int8": 3, "uint8": 2, "int16": 5, "uint16": 4, "int32": 6, "int64": 7}


INPUT_TYPES_KEY = "deeploy.input_types"


def record_input_types(module: ModuleOp, specs: Sequence[str]) -> None:
    """Keep the integer types of inputs ("name=type") in the module, for the pass."""
    module.attributes[INPUT_TYPES_KEY] = ArrayAttr([StringAttr(s) for s in specs])


def recorded_input_types(module: ModuleOp) -> tuple[str, ...]:
    attr = module.attributes.get(INPUT_TYPES_KEY)
    if not isinstance(attr, ArrayAttr):
        return ()
    return tuple(s.data for s in attr.data if isinstance(s, StringAttr))


def _arg_name(attrs: DictionaryAttr) -> str:
    """The ONNX name the importer records on a function argument."""
    name = attrs.data["graph.name"]
    assert isinstance(name, StringAttr), name
    return name.data


@dataclass(frozen=True)
class AssignIntegerTypesPass(ModulePass):
    name = "assign-integer-types"

    # "name=type", e.g. "input_0=i8"; default: what the module records (INPUT_TYPES_KEY,
    # set by deeploy compile --input-type), so a replayed stage needs no options
    inputs: tuple[str, ...] = field(default=())

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        wanted = parse_input_types(self.inputs or recorded_input_types(op))
        fn = next(o for o in op.ops if isinstance(o, func.FuncOp) and not o.is_declaration)
        names = [_arg_name(a) for a in (fn.arg_attrs.data if fn.arg_attrs is not None else ())]
        unknown = sorted(set(wanted) - set(names))
        if unknown:
            raise OptionError(
                f"--input-type names {', '.join(unknown)}, not an input of the network "
                f"(inputs: {', '.join(names)})"
            )
        block = fn.body.block
        for arg, name in zip(list(block.args), names):
            if name in wanted:
                _retype(arg, element_of(wanted[name]))
        for node in list(block.ops):
            if isinstance(node, GraphOp):
                _assign(node)
        ret = block.last_op
        assert isinstance(ret, func.ReturnOp)
        fn.function_type = func.FunctionType.from_lists(
            [a.type for a in block.args], [v.type for v in ret.operands]
        )


def _data_indices(node: GraphOp) -> Sequence[int]:
    op_type = node.SIGNATURE.op_type
    return DATA_OPERANDS.get(op_type, tuple(range(len(node.operands))))


def _assign(node: GraphOp) -> None:
    op_type = node.SIGNATURE.op_type
    data = [i for i in _data_indices(node) if i < len(node.operands)]
    if not any(is_integer(element_type(node.operands[i])) for i in data):
        return  # float data: not part of the integer network (e.g. shape computations)
    rule = RESULT_RULES.get(op_type)
    if rule is None:
        raise NotIntegerError(
            f"node {node.describe()} has no integer form; integer networks support "
            f"{', '.join(sorted(RESULT_RULES))}",
            [(node.node_name, op_type, "no integer form")],
        )
    for i in data:
        element = _integer_constant(node, i, node.operands[i], "data")
        if element is not None:
            _replace_constant(node, i, element)
    data_types = [element_type(node.operands[i]) for i in data]
    floats = [i for i, t in zip(data, data_types) if not is_integer(t)]
    if floats:
        raise NotIntegerError(
            f"node {node.describe()}: input {floats[0]} is float while others are integer",
            [(node.node_name, op_type, "float and integer inputs")],
        )
    if op_type == "Concat" and len(set(data_types)) > 1:
        target = common_type(data_types)
        for i in data:
            if element_type(node.operands[i]) != target:
                _cast(node, i, target)
        data_types = [target] * len(data)
    for i, kind in PARAM_OPERANDS.get(op_type, {}).items():
        value = node.operand_at(i)
        if value is None:
            continue
        element = _integer_constant(node, i, value, data_types[0] if kind == "same" else I32)
        if element is not None:
            _replace_constant(node, i, element)
    attrs = {a.name: node.attr_value(a.name) for a in node.SIGNATURE.attrs}
    result = rule(data_types, attrs)
    for value in list(node.results):
        _retype(value, result)
    _check_accumulator(node)


def _reduction_length(node: GraphOp) -> int | None:
    """How many products an accumulating operator sums into each int32 result."""
    op_type = node.SIGNATURE.op_type
    if op_type == "Conv":
        return int(np.prod(shape_of(node.operands[1])[1:]))
    if op_type == "Gemm":
        return shape_of(node.operands[0])[0 if node.attr_int("transA", 0) else 1]
    if op_type == "MatMul":
        return shape_of(node.operands[0])[-1]
    return None


def _magnitude(value: SSAValue) -> int | None:
    """The largest absolute value an integer operand can hold: a constant's own, or its
    type's when that is narrower than 32 bits (None: unbounded in practice)."""
    const = value.owner
    if isinstance(const, ConstantOp):
        array = const.numpy()
        return int(np.abs(array.astype(np.int64)).max()) if array.size else 0
    lo, hi = integer_range(element_type(value))
    if hi - lo >= 2**32 - 1:
        return None  # an int32 activation: bounded only by the network's own arithmetic
    return max(-lo, hi)


def _check_accumulator(node: GraphOp) -> None:
    """A Conv, Gemm or MatMul whose int32 accumulator overflows for some inputs (signed
    overflow is undefined behaviour in C): weights far beyond what quantisation gives,
    as a corrupted model holds, are rejected rather than compiled to undefined code."""
    length = _reduction_length(node)
    if length is None:
        return
    a_magnitude, b_magnitude = (_magnitude(node.operands[i]) for i in (0, 1))
    if a_magnitude is None or b_magnitude is None:
        return
    bias = node.operand_at(2) if not is_op(node, "MatMul") else None
    added = (_magnitude(bias) if bias is not None else 0) or 0
    # Gemm scales the products by alpha and C by beta (integers in an integer Gemm; the
    # kernel binding rejects others)
    alpha, beta = (abs(node.attr_float(k, 1.0)) for k in ("alpha", "beta"))
    if not is_op(node, "Gemm"):
        alpha = beta = 1.0
    if not (math.isfinite(alpha) and math.isfinite(beta)):
        return
    largest = length * a_magnitude * b_magnitude * alpha + added * beta
    if largest > 2**31 - 1:
        raise UnsupportedError(
            f"node {node.describe()}: its int32 accumulator can overflow: {length} products "
            f"of values up to {a_magnitude:,} and {b_magnitude:,} reach {largest:,.0f}",
            [(node.node_name, node.SIGNATURE.op_type, "int32 accumulator overflow")],
        )
