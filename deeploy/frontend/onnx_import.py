"""ONNX -> `graph` dialect.

    module = import_onnx("model.onnx", input_shapes={"x": (1, 3, 32, 32)})

Shapes come from onnx's shape inference on the model as given (so each node is read
with the semantics of its own opset); custom operators get theirs from
`custom_shapes.CUSTOM_SHAPES`. Nodes are then normalised to the newest schema and
turned into graph ops inside one `func.func` whose arguments and results are the graph's
inputs and outputs. Initializers and Constant nodes become `graph.constant`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np
from xdsl.builder import Builder
from xdsl.dialects import func
from xdsl.dialects.builtin import ArrayAttr, DictionaryAttr, ModuleOp, StringAttr, TensorType
from xdsl.ir import Block, Region, SSAValue
from xdsl.rewriter import InsertPoint
from xdsl.utils.exceptions import VerifyException

from deeploy.backend.c_text import c_identifier
from deeploy.dialects import graph
from deeploy.dialects.op_signature import FLOATS, OPTIONAL, SINGLE, TENSOR, ints_value
from deeploy.dtypes import element_type_of
from deeploy.errors import ModelError, UnsupportedError, join_items
from deeploy.frontend.custom_shapes import CUSTOM_SHAPES
from deeploy.frontend.model_checks import (
    check_external_data,
    check_model,
    check_size,
    first_line,
    tensor_array,
    tensor_elements,
)
from deeploy.frontend.onnx_normalize import (
    STANDARD_DOMAINS,
    Node,
    NormalizeContext,
    TensorInfo,
    normalize,
)
from deeploy.frontend.shape_inference import infer_value_types
from deeploy.frontend.shape_propagation import static_value

if TYPE_CHECKING:
    import onnx

# Like Deeploy's generic platform, half-precision tensors are computed in float32: there
# are no half kernels, and float32 holds every float16/bfloat16 value exactly. A Cast to
# a half type keeps its `to` and rounds to that precision (kernels/cast.py).
_HALF_TYPES = frozenset({10, 16})  # TensorProto.FLOAT16, TensorProto.BFLOAT16
_NAME_OK = re.compile(r"[^A-Za-z0-9_$.]")
_LETTER = re.compile(r"[A-Za-z]")


def value_name(onnx_name: str) -> str:
    """A valid SSA name hint for an ONNX tensor name."""
    name = _NAME_OK.sub("_", onnx_name) or "t"
    # with no letter (`_0`, from a name like '\u20690'), xDSL strips the `_N` suffix it
    # numbers values with and is left with an empty, invalid name
    return name if name[0].isalpha() or (name[0] == "_" and _LETTER.search(name)) else f"t{name}"


def load_model(
    source: str | os.PathLike | bytes | IO[bytes] | onnx.ModelProto, folder: Path | None = None
) -> onnx.ModelProto:
    """The model, parsed and with its external data loaded. A path is read as an untrusted
    file (deeploy.input_files); external data must lie in `folder` (a path's own folder
    by default; None for bytes or a stream: no external data)."""
    import onnx
    from google.protobuf.message import DecodeError

    from deeploy.input_files import read_input_file

    if isinstance(source, onnx.ModelProto):
        model = onnx.ModelProto()
        model.CopyFrom(source)  # the importer edits the model it reads
        data, where = None, "model"
    elif isinstance(source, str | os.PathLike):
        data, where = read_input_file(source, "model"), str(source)
        folder = Path(source).parent if folder is None else folder
    elif isinstance(source, bytes):
        data, where = source, "input"
    else:
        data, where = source.read(), getattr(source, "name", "input")
    if data is not None:
        try:
            model = onnx.load_from_string(data)
        except (DecodeError, RuntimeError, ValueError) as err:
            raise ModelError(
                f"{where} is not a valid ONNX model ({err.__class__.__name__})"
            ) from None
    if not model.graph.node and not model.graph.output:
        raise ModelError(f"{where} is not a valid ONNX model (it has no graph)")
    _load_external_data(model, folder)
    return model


def _load_external_data(model: onnx.ModelProto, folder: Path | None) -> None:
    """Each external-data initializer's bytes, read from its (checked) file in `folder`
    the way every user file is read, into the tensor itself."""
    from onnx import TensorProto

    from deeploy.input_files import read_input_file

    files: dict[Path, bytes] = {}
    for t in model.graph.initializer:
        if t.data_location != TensorProto.EXTERNAL:
            continue
        what = f"initializer '{t.name}'"
        check_external_data(t, folder, tensor_elements(t, what))
        assert folder is not None  # check_external_data refuses external data without one
        entries = {e.key: e.value for e in t.external_data}
        path = (folder / entries["location"]).resolve()
        if path not in files:
            files[path] = read_input_file(path, f"external data of {what}")
        offset = int(entries.get("offset", "0"))
        length = int(entries.get("length", len(files[path]) - offset))
        t.raw_data = files[path][offset : offset + length]
        t.data_location = TensorProto.DEFAULT
        del t.external_data[:]


def parse_input_shapes(specs: Sequence[str]) -> dict[str, tuple[int, ...]]:
    """`["x=1x3x32x32"]` -> `{"x": (1, 3, 32, 32)}`; errors name the bad option."""
    from deeploy.errors import OptionError

    shapes: dict[str, tuple[int, ...]] = {}
    for spec in specs:
        name, sep, dims = spec.rpartition("=")
        try:
            if not sep or not name:
                raise ValueError
            shape = tuple(int(d) for d in dims.lower().split("x")) if dims else ()
            if any(d <= 0 for d in shape):
                raise ValueError
        except ValueError:
            raise OptionError(
                f"--input-shape '{spec}' is malformed: expected NAME=DIMS, e.g. input=1x3x32x32"
            ) from None
        shapes[name] = shape
    return shapes


class _Importer:
    def __init__(
        self, model: onnx.ModelProto, input_shapes: Mapping[str, Sequence[int]], name: str
    ) -> None:
        self.model = model
        self.input_shapes = {k: tuple(v) for k, v in input_shapes.items()}
        self.name = name
        self.values: dict[str, SSAValue] = {}
        self.promoted: list[str] = []  # graph inputs/outputs declared float16/bfloat16
        self.declared: dict[str, TensorInfo] = {}  # shapes the file declares, set aside
        self.notes: list[str] = []  # what the user should know about how the model was read

    # -- types ---------------------------------------------------------------------------
    def _override_inputs(self) -> None:
        initializers = {t.name for t in self.model.graph.initializer}
        inputs = {i.name: i for i in self.model.graph.input if i.name not in initializers}
        for name, shape in self.input_shapes.items():
            if name not in inputs:
                from deeploy.errors import OptionError

                raise OptionError(
                    f"--input-shape names '{name}', but the model's inputs are: {', '.join(inputs) or 'none'}"
                )
            tensor_type = inputs[name].type.tensor_type
            _check_input_shape(name, shape, tensor_type)
            del tensor_type.shape.dim[:]
            for d in shape:
                tensor_type.shape.dim.add().dim_value = d
        for name, value in inputs.items():
            dims = (
                value.type.tensor_type.shape.dim
                if value.type.tensor_type.HasField("shape")
                else None
            )
            if dims is None:
                raise ModelError(
                    f"input '{name}' has no shape; give one with --input-shape {name}=1x3x32x32 (your shape)"
                )
            unknown = [d.dim_param or "?" for d in dims if not d.HasField("dim_value")]
            if unknown:
                shown = "x".join(
                    str(d.dim_value) if d.HasField("dim_value") else (d.dim_param or "?")
                    for d in dims
                )
                raise ModelError(
                    f"input '{name}' has dynamic shape [{shown}] (unknown: {', '.join(unknown)}); "
                    f"fix it with --input-shape {name}=1x3x32x32 (your sizes)"
                )
            shape = tuple(d.dim_value for d in dims)
            itemsize = _element_size(value.type.tensor_type.elem_type)
            check_size(f"input '{name}'", list(shape), _count(shape), itemsize)

    def _infer_types(self) -> dict[str, TensorInfo]:
        """Types as onnx infers them from the inputs alone: declared shapes of other
        tensors are set aside (in `self.declared`) so that they cannot override what the
        nodes compute; `_settle_types` compares them afterwards."""
        from onnx import TypeProto, helper

        graph_proto = self.model.graph
        self.declared = {
            v.name: info
            for v in [*graph_proto.value_info, *graph_proto.output]
            if (info := _tensor_info(v.type)) is not None
        }
        value_info = list(graph_proto.value_info)
        output_types = []
        for v in graph_proto.output:
            kept = TypeProto()
            kept.CopyFrom(v.type)
            output_types.append(kept)
            v.type.CopyFrom(TypeProto())
        del graph_proto.value_info[:]
        try:
            inferred = infer_value_types(self.model)
        finally:
            graph_proto.value_info.extend(value_info)
            for v, kept in zip(graph_proto.output, output_types):
                v.type.CopyFrom(kept)
        types: dict[str, TensorInfo] = {}
        for v in [*inferred.input, *inferred.value_info, *inferred.output]:
            info = _tensor_info(v.type)
            if info is not None:
                types[v.name] = info
        for t in graph_proto.initializer:
            types[t.name] = TensorInfo(
                np.dtype(helper.tensor_dtype_to_np_dtype(t.data_type)), tuple(t.dims)
            )
        return types

    def _settle_types(self, node: Node, types: dict[str, TensorInfo]) -> None:
        """The type of each output of `node`: the computed shape (a declared one that
        disagrees is replaced, with a note, as onnxruntime does), the declared element
        type (Deeploy's integer networks declare theirs), the declared shape where nothing
        computes one; then checked against the size limits."""
        for out in node.outputs:
            declared, computed = self.declared.get(out), types.get(out)
            if declared is not None and computed is None:
                types[out] = computed = declared
            elif declared is not None and computed is not None:
                if declared.shape != computed.shape and node.op_type not in _SHAPE_SELECTS_FORM:
                    if _count(declared.shape) != _count(computed.shape):
                        self.notes.append(
                            f"tensor '{out}' is declared {list(declared.shape)} but node "
                            f"{node.describe()} computes {list(computed.shape)}: the computed "
                            "shape is used"
                        )
                    shape = computed.shape
                else:
                    shape = declared.shape
                types[out] = computed = TensorInfo(declared.dtype, shape)
            if computed is not None and any(d < 0 for d in computed.shape):
                # onnx's per-node inference of a consumer would abort the process on it
                raise ModelError(
                    f"tensor '{out}' (output of node {node.describe()}) would have the "
                    f"negative shape {list(computed.shape)}"
                )
            if computed is not None:
                check_size(
                    f"tensor '{out}' (output of node {node.describe()})",
                    list(computed.shape),
                    _count(computed.shape),
                    computed.dtype.itemsize,
                )

    # -- import --------------------------------------------------------------------------
    def run(self) -> ModuleOp:
        from onnx import helper

        opsets = {o.domain: o.version for o in self.model.opset_import}
        _pads_as_inputs(self.model)
        check_model(self.model)
        self._override_inputs()
        types = _promote_half(self._infer_types())
        self.declared = _promote_half(self.declared)
        constants = {
            t.name: _promote_array(tensor_array(t, f"initializer '{t.name}'"))
            for t in self.model.graph.initializer
        }
        ctx = NormalizeContext(types, constants, opsets)

        consumed = {i for n in self.model.graph.node for i in n.input}
        graph_input_names = {v.name for v in self.model.graph.input}
        reinfer = False  # once a shape is corrected, later shapes are inferred node by node
        nodes: list[Node] = []
        for n in self.model.graph.node:
            attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
            node = Node(
                n.op_type,
                n.domain,
                n.name or f"{n.op_type}_{len(nodes)}",
                list(n.input),
                list(n.output),
                attrs,
            )
            if node.op_type == "Constant" and node.domain in STANDARD_DOMAINS:
                constants[node.outputs[0]] = _promote_array(_constant_node_value(node))
                arr = constants[node.outputs[0]]
                types[node.outputs[0]] = TensorInfo(arr.dtype, tuple(arr.shape))
                continue
            if reinfer:
                for out in node.outputs:
                    if out not in graph_input_names:
                        types.pop(out, None)
            self._fill_missing_types(node, types, constants, opsets)
            self._settle_types(node, types)
            # a value nothing reads gives no node a shape: leave it to fold-constants
            feeds_nodes = any(o in consumed for o in node.outputs)
            arrays = static_value(node, types, constants, opsets) if feeds_nodes else None
            if arrays is not None:
                for out, array in zip(node.outputs, arrays):
                    if out:
                        constants[out] = array = _promote_array(array)
                        types[out] = TensorInfo(array.dtype, tuple(array.shape))
                continue
            reinfer |= _correct_ceil_pool_shape(node, types)
            try:
                _check_inputs_typed(node, types, constants, ctx.aliases)
            except ModelError:
                # an operator this compiler does not know gives its outputs no type: name
                # it rather than the tensor a later node cannot read
                _reject_unknown(nodes)
                raise
            nodes.extend(normalize(node, ctx))
        _reject_unknown(nodes)

        initializer_names = {t.name for t in self.model.graph.initializer}
        graph_inputs = [i.name for i in self.model.graph.input if i.name not in initializer_names]
        graph_outputs = [ctx.aliases.get(o.name, o.name) for o in self.model.graph.output]
        for out in graph_outputs:
            if out not in types:
                raise ModelError(f"output '{out}' has no inferable shape")

        declared = {v.name: v.type.tensor_type.elem_type for v in self.model.graph.input}
        declared.update({v.name: v.type.tensor_type.elem_type for v in self.model.graph.output})
        self.promoted = [n for n, t in declared.items() if t in _HALF_TYPES]
        arg_types = [self._tensor_type(types, n) for n in graph_inputs]
        res_types = [self._tensor_type(types, n) for n in graph_outputs]
        block = Block(arg_types=arg_types)
        for arg, name in zip(block.args, graph_inputs):
            arg.name_hint = value_name(name)
            self.values[name] = arg
        builder = Builder(InsertPoint.at_end(block))
        for node in nodes:
            self._build_node(builder, node, types, constants)
        results = []
        for out, original in zip(graph_outputs, self.model.graph.output):
            value = self._value(builder, out, types, constants, f"graph output '{original.name}'")
            results.append(value)
        builder.insert(func.ReturnOp(*results))
        fn = func.FuncOp(
            self.name,
            (arg_types, res_types),
            Region(block),
            arg_attrs=_name_attrs(graph_inputs),
            res_attrs=_name_attrs([o.name for o in self.model.graph.output]),
        )
        module = ModuleOp([fn])
        if self.promoted:
            module.attributes["deeploy.promoted_to_f32"] = ArrayAttr(
                [StringAttr(n) for n in self.promoted]
            )
        if self.notes:
            module.attributes["deeploy.import_notes"] = ArrayAttr(
                [StringAttr(n) for n in self.notes]
            )
        return module

    def _fill_missing_types(
        self,
        node: Node,
        types: dict[str, TensorInfo],
        constants: dict[str, np.ndarray],
        opsets: dict[str, int],
    ) -> None:
        missing = [o for o in node.outputs if o and o not in types]
        if not missing:
            return
        ins = [types.get(i) if i else None for i in node.inputs]
        if any(i and t is None for i, t in zip(node.inputs, ins)):
            return  # an input has no type yet; reported when the node is built
        cls = graph.op_class_for(node.op_type)
        standard = (
            node.domain in STANDARD_DOMAINS and cls is not None and cls.SIGNATURE.domain == ""
        )
        if not standard:
            rule = CUSTOM_SHAPES.get(node.op_type)
            # the rules shape the outputs after the first input (data): without one, the
            # node is reported as lacking it when built
            if rule is not None and ins and ins[0] is not None:
                for name, info in zip(node.outputs, rule(node, ins)):
                    if name:
                        types.setdefault(name, info)
            return
        for name, inferred in zip(node.outputs, _infer_single_node(node, types, constants, opsets)):
            if name and inferred is not None:
                types.setdefault(name, inferred)

    def _tensor_type(self, types: dict[str, TensorInfo], name: str) -> TensorType:
        info = types.get(name)
        if info is None:
            raise ModelError(f"tensor '{name}' has no inferable shape")
        if 0 in info.shape:
            raise UnsupportedError(
                f"tensor '{name}' has shape {list(info.shape)}: empty tensors are not supported"
            )
        try:
            return TensorType(element_type_of(info.dtype), info.shape)
        except ValueError:
            raise UnsupportedError(
                f"tensor '{name}' has unsupported element type {info.dtype}"
            ) from None

    def _value(
        self,
        builder: Builder,
        name: str,
        types: dict[str, TensorInfo],
        constants: dict[str, np.ndarray],
        user: str,
    ) -> SSAValue:
        if name in self.values:
            return self.values[name]
        if name in constants:
            array = constants[name]
            try:
                op = graph.ConstantOp.from_numpy(array, name)
            except ValueError:
                raise UnsupportedError(
                    f"constant '{name}' has unsupported element type {array.dtype}"
                ) from None
            op.result.name_hint = value_name(name)
            builder.insert(op)
            self.values[name] = op.result
            return op.result
        raise ModelError(f"{user} reads tensor '{name}', which nothing produces")

    def _build_node(
        self,
        builder: Builder,
        node: Node,
        types: dict[str, TensorInfo],
        constants: dict[str, np.ndarray],
    ) -> None:
        cls = graph.op_class(node.op_type)
        sig = cls.SIGNATURE
        operands: list = []
        inputs = list(node.inputs)
        for index, (field_name, arity) in enumerate(cls.OPERAND_FIELDS):
            del field_name
            if arity == SINGLE:
                if index >= len(inputs) or not inputs[index]:
                    raise ModelError(
                        f"node {node.describe()} lacks its required input {sig.inputs[index].name}"
                    )
                operands.append(
                    self._value(builder, inputs[index], types, constants, f"node {node.describe()}")
                )
            elif arity == OPTIONAL:
                present = index < len(inputs) and inputs[index]
                operands.append(
                    [
                        self._value(
                            builder, inputs[index], types, constants, f"node {node.describe()}"
                        )
                    ]
                    if present
                    else []
                )
            else:
                operands.append(
                    [
                        self._value(builder, i, types, constants, f"node {node.describe()}")
                        for i in inputs[index:]
                        if i
                    ]
                )
        if len(inputs) > len(cls.OPERAND_FIELDS) and cls.OPERAND_FIELDS[-1][1] != "*":
            raise ModelError(
                f"node {node.describe()} has {len(inputs)} inputs; its schema allows {len(sig.inputs)}"
            )

        result_types: list = []
        outputs = list(node.outputs)
        for index, (_, arity) in enumerate(cls.RESULT_FIELDS):
            if arity == SINGLE:
                result_types.append(self._result_type(node, outputs, index, types))
            elif arity == OPTIONAL:
                present = index < len(outputs) and outputs[index]
                result_types.append(
                    [self._result_type(node, outputs, index, types)] if present else []
                )
            else:
                result_types.append(
                    [self._result_type(node, outputs, i, types) for i in range(index, len(outputs))]
                )

        properties = {}
        for key, value in node.attrs.items():
            attr_sig = sig.attr(key)
            if attr_sig is None:
                raise UnsupportedError(
                    f"node {node.describe()}: attribute '{key}' is not supported"
                )
            coerced = _coerce_attr(value, attr_sig.kind, node, key)
            if attr_sig.kind == FLOATS and not np.isfinite(np.asarray(coerced, float)).all():
                # array<f32: ...> has no spelling for them, so the IR could not be replayed
                raise UnsupportedError(
                    f"node {node.describe()}: attribute '{key}' holds NaN or infinity"
                )
            try:
                properties[key] = graph.to_attr(attr_sig.kind, coerced)
            except (VerifyException, ValueError, TypeError, OverflowError):
                # a value of the wrong type or beyond int64 (a float 1e31 for an integer)
                raise ModelError(
                    f"node {node.describe()}: attribute '{key}' has a value the operator "
                    f"cannot take: {repr(coerced)[:60]}"
                ) from None
        op = cls.build(
            operands=operands,
            result_types=result_types,
            properties=properties,
            attributes={"name": StringAttr(node.name)},
        )
        builder.insert(op)
        present_outputs = [o for o in outputs if o]
        for name, result in zip(present_outputs, op.results):
            result.name_hint = value_name(name)
            self.values[name] = result

    def _result_type(
        self, node: Node, outputs: list[str], index: int, types: dict[str, TensorInfo]
    ) -> TensorType:
        if index >= len(outputs) or not outputs[index]:
            raise UnsupportedError(
                f"node {node.describe()}: an unused optional output before a used one is not supported"
            )
        name = outputs[index]
        info = types.get(name)
        if info is None:
            raise ModelError(
                f"the shape of tensor '{name}' (output of node {node.describe()}) cannot be inferred statically"
            )
        if any(d < 0 for d in info.shape):
            raise ModelError(
                f"tensor '{name}' (output of node {node.describe()}) has a dynamic shape {list(info.shape)}"
            )
        return self._tensor_type(types, name)


# Operators whose declared output shape picks one of their forms: Deeploy's training graphs
# give SoftmaxCrossEntropyLoss one output shaped like the scores (log-probabilities, not
# ONNX's loss); the kernel binding checks the shape it is given.
_SHAPE_SELECTS_FORM = frozenset({"SoftmaxCrossEntropyLoss"})


def _element_size(elem_type: int) -> int:
    from onnx import helper

    try:
        return np.dtype(helper.tensor_dtype_to_np_dtype(elem_type)).itemsize
    except (KeyError, TypeError, ValueError):
        return 1  # an unknown type is reported where the tensor is typed


def _count(shape: Sequence[int]) -> int:
    return int(np.prod([int(d) for d in shape], dtype=object)) if shape else 1


def _check_input_shape(
    name: str, shape: tuple[int, ...], tensor_type: onnx.TypeProto.Tensor
) -> None:
    """--input-shape may fix dynamic dimensions, not contradict the model."""
    from deeploy.errors import OptionError

    if not tensor_type.HasField("shape"):
        return
    dims = tensor_type.shape.dim
    declared = "x".join(
        str(d.dim_value) if d.HasField("dim_value") else (d.dim_param or "?") for d in dims
    )
    given = "x".join(map(str, shape)) or "scalar"
    if len(dims) != len(shape):
        raise OptionError(
            f"--input-shape {name}={given}: the model declares '{name}' with rank {len(dims)} "
            f"[{declared}]"
        )
    for d, size in zip(dims, shape):
        if d.HasField("dim_value") and d.dim_value != size:
            raise OptionError(
                f"--input-shape {name}={given} contradicts the model's shape [{declared}] of '{name}'"
            )


def _is_half(dtype: np.dtype) -> bool:
    return (dtype.kind == "f" and dtype.itemsize == 2) or dtype.name == "bfloat16"


def _promote_half(types: dict[str, TensorInfo]) -> dict[str, TensorInfo]:
    f32 = np.dtype(np.float32)
    return {k: TensorInfo(f32, v.shape) if _is_half(v.dtype) else v for k, v in types.items()}


def _promote_array(array: np.ndarray) -> np.ndarray:
    return array.astype(np.float32) if _is_half(array.dtype) else array


def _tensor_info(type_proto: onnx.TypeProto) -> TensorInfo | None:
    from onnx import helper

    if not type_proto.HasField("tensor_type"):
        return None
    tt = type_proto.tensor_type
    if not tt.elem_type or not tt.HasField("shape"):
        return None
    if any(not d.HasField("dim_value") for d in tt.shape.dim):
        return None
    try:
        dtype = np.dtype(helper.tensor_dtype_to_np_dtype(tt.elem_type))
    except (KeyError, TypeError):
        return None
    return TensorInfo(dtype, tuple(d.dim_value for d in tt.shape.dim))


def _infer_single_node(
    node: Node,
    types: dict[str, TensorInfo],
    constants: dict[str, np.ndarray],
    opsets: dict[str, int],
) -> list[TensorInfo | None]:
    """Types of one node's outputs, from onnx's per-node inference."""
    import onnx
    from onnx import helper, numpy_helper

    domain = "" if node.domain in STANDARD_DOMAINS else node.domain
    try:
        schema = onnx.defs.get_schema(node.op_type, opsets.get(domain, opsets.get("", 1)), domain)
    except onnx.defs.SchemaError:
        return []
    try:
        attrs: dict[str, Any] = node.attrs  # make_node takes any attribute value as **kwargs
        proto = helper.make_node(
            node.op_type, node.inputs, node.outputs, name=node.name, domain=node.domain, **attrs
        )
    except (TypeError, ValueError):  # an attribute onnx cannot rebuild (an empty list)
        return []
    input_types = {
        i: helper.make_tensor_type_proto(
            helper.np_dtype_to_tensor_dtype(types[i].dtype), types[i].shape
        )
        for i in node.inputs
        if i
    }
    input_data = {
        i: numpy_helper.from_array(constants[i], i) for i in node.inputs if i in constants
    }
    try:
        out = onnx.shape_inference.infer_node_outputs(schema, proto, input_types, input_data)
    except Exception:
        return []
    return [_tensor_info(out[o]) if o in out else None for o in node.outputs]


def _reject_unknown(nodes: list[Node]) -> None:
    """Every node of `nodes` whose operator has no graph op, in one error."""
    unknown_nodes = [n for n in nodes if graph.op_class_for(n.op_type) is None]
    if unknown_nodes:
        unknown = [
            f"{n.describe()}{'' if n.domain in STANDARD_DOMAINS else f' from domain {n.domain}'}"
            for n in unknown_nodes
        ]
        raise UnsupportedError(
            f"{len(unknown)} unsupported node(s): {join_items(unknown)}",
            [(n.name, n.op_type, "unknown operator") for n in unknown_nodes],
        )


def _check_inputs_typed(
    node: Node,
    types: dict[str, TensorInfo],
    constants: dict[str, np.ndarray],
    aliases: Mapping[str, str],
) -> None:
    """Every input of `node` has a type before it is normalised (the rewrites read their
    inputs' types): a name nothing defines, or a tensor whose shape no rule computed, is
    the model's fault, named here."""
    for name in node.inputs:
        name = aliases.get(name, name)
        if not name or name in types or name in constants:
            continue
        raise ModelError(f"node {node.describe()} reads tensor '{name}', which nothing produces")


def _correct_ceil_pool_shape(node: Node, types: dict[str, TensorInfo]) -> bool:
    """Give a ceil_mode pooling output the shape ONNX specifies; True if that changed it.

    The last window must start inside the input or the begin padding; onnx's shape
    inference keeps one that starts in the end padding (onnxruntime does not).
    """
    from deeploy.dialects.graph_geometry import WindowGeometry

    if node.op_type not in ("MaxPool", "AveragePool", "LpPool") or not node.attrs.get("ceil_mode"):
        return False
    if node.attrs.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
        return False
    x, out = types.get(node.inputs[0]), node.outputs[0]
    if x is None or out not in types or len(x.shape) < 3:
        return False
    rank = len(x.shape) - 2
    kernel = ints_value(node.attrs.get("kernel_shape", ()))
    if len(kernel) != rank:
        return False  # the op's verifier reports it
    pads = ints_value(node.attrs.get("pads") or (0,) * (2 * rank))
    geometry = WindowGeometry(
        kernel,
        ints_value(node.attrs.get("strides") or (1,) * rank),
        ints_value(node.attrs.get("dilations") or (1,) * rank),
        pads[:rank],
        pads[rank:],
        ceil_mode=True,
    )
    shape = (*x.shape[:2], *geometry.output_shape(tuple(x.shape[2:])))
    if types[out].shape == shape:
        return False
    types[out] = TensorInfo(types[out].dtype, shape)
    return True


def _constant_node_value(node: Node) -> np.ndarray:

    for key, value in node.attrs.items():
        if key == "value":
            from onnx import TensorProto

            if not isinstance(value, TensorProto):  # an attribute of another type
                raise ModelError(f"Constant node {node.describe()}: 'value' is not a tensor")
            return tensor_array(value, f"Constant node {node.describe()}")
        if key == "value_float":
            return np.array(value, dtype=np.float32)
        if key == "value_floats":
            return np.array(value, dtype=np.float32)
        if key == "value_int":
            return np.array(value, dtype=np.int64)
        if key == "value_ints":
            return np.array(value, dtype=np.int64)
    raise UnsupportedError(f"Constant node {node.describe()}: only numeric values are supported")


def _coerce_attr(value: object, kind: str, node: Node, key: str) -> object:
    """ONNX attribute value -> the kind our signature declares (custom ops store scalars as tensors)."""
    from onnx import TensorProto

    if isinstance(value, TensorProto):
        array = tensor_array(value, f"attribute '{key}' of node {node.describe()}")
        if kind == TENSOR:
            return array
        if array.size != 1 and kind in ("int", "float"):
            raise UnsupportedError(f"node {node.describe()}: attribute '{key}' must be a scalar")
        scalar = array.reshape(-1)[0] if array.size == 1 else array.reshape(-1)
        return scalar.item() if hasattr(scalar, "item") and array.size == 1 else scalar.tolist()
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, list) and value and isinstance(value[0], bytes):
        return [v.decode() for v in value]
    return value


def _pads_as_inputs(model: onnx.ModelProto) -> None:
    """Pad nodes written in the opset-2 form (pads and value as attributes) in a model of
    opset 11 or later, as some exporters (and Deeploy's tests) produce: onnx's shape
    inference rejects them, so their pads and value become constant inputs."""
    from onnx import helper, numpy_helper

    opset = {o.domain: o.version for o in model.opset_import}.get("", 0)
    if opset < 11:
        return
    for node in model.graph.node:
        if node.op_type != "Pad" or node.domain not in ("", "ai.onnx") or len(node.input) != 1:
            continue
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if "pads" not in attrs:
            continue
        stem = node.name or node.output[0]
        pads = numpy_helper.from_array(np.array(attrs["pads"], np.int64), f"{stem}_pads")
        value = numpy_helper.from_array(
            np.array(float(attrs.get("value", 0.0)), np.float32), f"{stem}_value"
        )
        model.graph.initializer.extend([pads, value])
        node.input.extend([pads.name, value.name])
        keep = [a for a in node.attribute if a.name == "mode"]
        del node.attribute[:]
        node.attribute.extend(keep)


def _name_attrs(names: list[str]) -> ArrayAttr[DictionaryAttr]:
    return ArrayAttr([DictionaryAttr({"graph.name": StringAttr(n)}) for n in names])


def import_onnx(
    source: str | os.PathLike | bytes | IO[bytes] | onnx.ModelProto,
    input_shapes: Mapping[str, Sequence[int]] | None = None,
    name: str | None = None,
) -> ModuleOp:
    """Import an ONNX model (path, bytes, stream or ModelProto) as a graph-dialect module."""
    model = load_model(source)
    if name is None:
        name = (
            Path(source).stem
            if isinstance(source, str | os.PathLike)
            else (model.graph.name or "network")
        )
    # the limit lower-to-c derives the C prefix with: the network's name is its prefix
    module = _Importer(model, input_shapes or {}, c_identifier(name, fallback="net")).run()
    _verify(module)
    return module


def _verify(module: ModuleOp) -> None:
    """The graph ops' verifiers check what the checks before import could not (shapes
    against each operator's semantics): a failure is a fault of the model."""
    from xdsl.utils.exceptions import VerifyException

    from deeploy.dialects.graph_verifiers import NodeError

    try:
        module.verify()
    except VerifyException as err:
        # xDSL's own messages go on with the IR; ours name the node, whose name may hold
        # a newline that must not cut the message short
        raise ModelError(str(err) if isinstance(err, NodeError) else first_line(err)) from None
