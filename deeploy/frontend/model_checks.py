"""Checks of an ONNX model before it is imported: a model file is untrusted input.

What `onnx.checker` checks, in the forms real models come in (Deeploy's operators in the
default domain, nodes in any order, Pad in its opset-2 form), plus what the compiler
relies on: one producer per tensor, an acyclic graph, known domains and opsets,
initializers whose data match their type and dims, external data inside the model's
folder, attribute values in range, and tensor sizes that int32 indexing can address.
Every failure is a `ModelError`/`UnsupportedError` naming the node, tensor or opset.

    check_model(model, where="model.onnx", folder=Path("."))   # sorts the nodes in place
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from deeploy.errors import ModelError, UnsupportedError, join_items
from deeploy.frontend.onnx_normalize import STANDARD_DOMAINS

if TYPE_CHECKING:
    import onnx
    from google.protobuf.descriptor import FieldDescriptor
    from google.protobuf.message import Message

MIN_OPSET = 9
# Kernels index with int32 and the arenas' offsets must fit it too.
MAX_ELEMENTS = 2**31 - 1
MAX_BYTES = 2**31 - 1

# Domains whose operators the compiler knows, and which signature domains each may hold:
# Deeploy's quantisation flow puts its operators in the default domain or PACTOps /
# ai.onnx.contrib; onnxruntime's contrib operators are in com.microsoft.
_SIGNATURE_DOMAINS: dict[str, tuple[str, ...]] = {
    "": ("", "deeploy"),
    "ai.onnx": ("", "deeploy"),
    "PACTOps": ("deeploy",),
    "ai.onnx.contrib": ("deeploy",),
    "com.microsoft": ("com.microsoft",),
}
# com.microsoft operators that are ONNX operators under another domain (normalised on import)
_MS_ALIASES = frozenset({"Gelu"})


def check_model(model: onnx.ModelProto, folder: Path | None = None) -> None:
    """Raise a user-facing error for the first class of problems found; sort the nodes
    topologically (stably) in place. `folder` is where external data may live (None: the
    model came as bytes, so external data is an error)."""
    check_ir_version(model)
    check_text(model)
    check_domains(model.graph.node)
    opset = check_opsets(model)
    check_graph_io(model.graph)
    check_tensors(model.graph.initializer, folder, opset)
    sort_nodes(model.graph)
    check_nodes(model.graph.node, opset, model.ir_version)
    check_pad_sizes(model.graph)


def default_opset(model: onnx.ModelProto) -> int:
    opsets = {o.domain: o.version for o in model.opset_import}
    return opsets.get("", opsets.get("ai.onnx", 0))


def check_ir_version(model: onnx.ModelProto) -> None:
    """An IR version onnx knows: the checker takes it as a 32-bit integer, and a newer
    one may mean fields this onnx would ignore."""
    import onnx

    if not 0 <= model.ir_version <= onnx.IR_VERSION:
        raise ModelError(
            f"the model's IR version {model.ir_version} is not one from 0 to "
            f"{onnx.IR_VERSION}, the newest this compiler reads"
        )


def check_text(message: Message, path: str = "model") -> None:
    """Every text field holds UTF-8: protobuf hands an undecodable one over as bytes,
    which no name, message or comment expects."""
    for fd, value in message.ListFields():
        if fd.type not in (fd.TYPE_STRING, fd.TYPE_MESSAGE):
            continue
        repeated = _is_repeated(fd)
        for index, item in enumerate(value if repeated else [value]):
            where = f"{path}.{fd.name}[{index}]" if repeated else f"{path}.{fd.name}"
            if fd.type == fd.TYPE_MESSAGE:
                check_text(item, where)
            elif not isinstance(item, str):
                raise ModelError(f"the model holds text that is not UTF-8 at {where}")


def _is_repeated(fd: FieldDescriptor) -> bool:
    # protobuf 6 and later: `is_repeated`; before: `label`, which protobuf 7 removed
    if hasattr(fd, "is_repeated"):
        return bool(fd.is_repeated)
    return fd.label == fd.LABEL_REPEATED


def check_opsets(model: onnx.ModelProto) -> int:
    """The default domain's opset version, which must be one the compiler knows."""
    from deeploy.dialects.onnx_signatures import ONNX_OPSET

    opset = default_opset(model)
    if opset == 0:
        raise ModelError("the model imports no ONNX opset (opset_import has no default domain)")
    if not MIN_OPSET <= opset <= ONNX_OPSET:
        raise UnsupportedError(
            f"the model uses ONNX opset {opset}; opsets {MIN_OPSET} to {ONNX_OPSET} are "
            "supported (convert it with onnx.version_converter)"
        )
    return opset


def check_graph_io(graph: onnx.GraphProto) -> None:
    if not graph.output:
        raise ModelError("the model has no outputs: there is nothing to compute")
    initializers = {t.name for t in graph.initializer}
    inputs = [v.name for v in graph.input if v.name not in initializers]
    outputs = [v.name for v in graph.output]
    for kind, names in (("input", inputs), ("output", outputs)):
        if "" in names:
            raise ModelError(f"a graph {kind} has an empty name")
        twice = _repeated(names)
        if twice:
            raise ModelError(f"graph {kind} '{twice[0]}' is listed more than once")
    for name in outputs:
        if name in inputs:
            raise ModelError(
                f"graph output '{name}' is also a graph input: no node computes it "
                "(add an Identity node if the network should copy it)"
            )
    if any(not t.name for t in graph.initializer):
        # an empty input name means an absent optional input: onnxruntime binds it to
        # such an initializer instead, so the model has no one meaning
        raise ModelError("an initializer has an empty name")
    twice = _repeated([t.name for t in graph.initializer])
    if twice:
        raise ModelError(f"initializer '{twice[0]}' is defined more than once")


def _repeated(names: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    repeated = []
    for name in names:
        if name in seen:
            repeated.append(name)
        seen.add(name)
    return repeated


# -- tensors (initializers, Constant values) ------------------------------------------------


def _checker_context(opset: int, ir_version: int = 8):
    from onnx import checker

    ctx = checker.C.CheckerContext()
    ctx.ir_version = max(ir_version, 3)
    ctx.opset_imports = {"": opset}
    return ctx


def check_tensors(tensors: Iterable[onnx.TensorProto], folder: Path | None, opset: int) -> None:
    """Type, dims and data of every initializer agree; sizes are within the limits;
    external data stays in the model's folder."""
    from onnx import TensorProto, checker

    ctx = _checker_context(opset)
    for t in tensors:
        count = tensor_elements(t, f"initializer '{t.name}'")
        if t.data_location == TensorProto.EXTERNAL:
            check_external_data(t, folder, count)
            continue
        try:
            checker.check_tensor(t, ctx)
        except checker.ValidationError as err:
            raise ModelError(f"initializer '{t.name}' is malformed: {first_line(err)}") from None


def tensor_elements(t: onnx.TensorProto, what: str) -> int:
    """The element count of a TensorProto, checked against the limits before any data is
    converted (dims may promise far more than the file holds)."""
    from onnx import TensorProto, helper

    if t.data_type in (TensorProto.UNDEFINED, TensorProto.STRING):
        kind = "undefined" if t.data_type == TensorProto.UNDEFINED else "string"
        raise UnsupportedError(f"{what} has {kind} data type")
    try:
        itemsize = np.dtype(helper.tensor_dtype_to_np_dtype(t.data_type)).itemsize
    except (KeyError, TypeError, ValueError):
        raise ModelError(f"{what} has unknown data type {t.data_type}") from None
    if any(d < 0 for d in t.dims):
        raise ModelError(f"{what} has negative dims {list(t.dims)}")
    count = int(np.prod([int(d) for d in t.dims], dtype=object)) if t.dims else 1
    check_size(what, list(t.dims), count, itemsize)
    return count


def check_size(what: str, shape: list[int], count: int, itemsize: int) -> None:
    dims = "x".join(str(d) for d in shape) or "scalar"
    if count > MAX_ELEMENTS:
        raise UnsupportedError(
            f"{what} has {count:,} elements [{dims}]: more than the {MAX_ELEMENTS:,} int32 "
            "indexing can address"
        )
    if count * itemsize > MAX_BYTES:
        raise UnsupportedError(
            f"{what} takes {count * itemsize:,} bytes [{dims}]: more than the {MAX_BYTES:,} "
            "a static C array can hold"
        )


def check_external_data(t: onnx.TensorProto, folder: Path | None, count: int) -> None:
    """An external-data tensor's file must be a regular file inside the model's folder and
    hold exactly the tensor's bytes at the given offset."""
    from onnx import helper

    what = f"initializer '{t.name}'"
    if folder is None:
        raise ModelError(
            f"{what} keeps its data in an external file, which needs the model as a file path"
        )
    entries = {e.key: e.value for e in t.external_data}
    location = entries.get("location", "")
    target = Path(location)
    if "\0" in location:  # no file name holds one: the OS call would raise ValueError
        raise ModelError(f"{what}: external data location '{location}' holds a NUL character")
    if not location or target.is_absolute() or ".." in target.parts:
        raise ModelError(f"{what}: external data location '{location}' must be a relative path")
    root = folder.resolve()
    path = (root / target).resolve()
    if root not in path.parents:
        raise ModelError(f"{what}: external data '{location}' is outside the model's folder")
    try:
        info = path.stat()
    except OSError:
        raise ModelError(f"{what}: external data file '{location}' does not exist") from None
    if not path.is_file():
        raise ModelError(f"{what}: external data '{location}' is not a regular file")
    try:
        offset = int(entries.get("offset", "0"))
        length = int(entries["length"]) if "length" in entries else info.st_size - offset
    except ValueError:
        raise ModelError(f"{what}: external data offset/length are not integers") from None
    needed = count * np.dtype(helper.tensor_dtype_to_np_dtype(t.data_type)).itemsize
    if offset < 0 or length != needed or offset + length > info.st_size:
        raise ModelError(
            f"{what}: external data '{location}' holds {max(info.st_size - offset, 0):,} bytes "
            f"at offset {offset:,} with length {length:,}; the tensor needs {needed:,}"
        )


def tensor_array(t: onnx.TensorProto, what: str) -> np.ndarray:
    """A TensorProto's values, or a ModelError naming it."""
    from onnx import numpy_helper

    count = tensor_elements(t, what)
    try:
        array = numpy_helper.to_array(t)
    except Exception as err:  # onnx raises ValueError, TypeError, KeyError, ... on bad data
        raise ModelError(f"{what} is malformed: {first_line(err)}") from None
    if array.size != count:
        raise ModelError(
            f"{what} holds {array.size} values but its dims {list(t.dims)} need {count}"
        )
    return array


# -- nodes ---------------------------------------------------------------------------------


def sort_nodes(graph: onnx.GraphProto) -> None:
    """One producer per tensor, then the nodes in a topological order (the file's order
    where it already is one): exporters do not always write them sorted."""
    available = {v.name for v in graph.input} | {t.name for t in graph.initializer} | {""}
    producer: dict[str, int] = {}
    for index, node in enumerate(graph.node):
        for out in node.output:
            if not out:
                continue
            if out in producer:
                first = graph.node[producer[out]]
                raise ModelError(
                    f"tensor '{out}' is written by two nodes: {_describe(first)} and "
                    f"{_describe(node)}"
                )
            if out in available:
                raise ModelError(
                    f"{_describe(node)} writes '{out}', which is a graph input or initializer"
                )
            producer[out] = index
    waiting = {i: {x for x in n.input if x in producer} for i, n in enumerate(graph.node)}
    order: list[int] = []
    ready = [i for i, deps in waiting.items() if not deps]
    readers: dict[str, list[int]] = {}
    for i, n in enumerate(graph.node):
        for x in set(n.input):
            if x in producer:
                readers.setdefault(x, []).append(i)
    heapq.heapify(ready)
    while ready:
        i = heapq.heappop(ready)
        order.append(i)
        for out in graph.node[i].output:
            for reader in readers.get(out, []):
                waiting[reader].discard(out)
                if not waiting[reader]:
                    heapq.heappush(ready, reader)
    if len(order) != len(graph.node):
        stuck = [_describe(graph.node[i]) for i in sorted(set(waiting) - set(order))]
        raise ModelError(f"the graph has a cycle through {join_items(stuck, 5)}")
    if order != sorted(order):
        nodes = [graph.node[i] for i in order]
        del graph.node[:]
        graph.node.extend(nodes)


def check_domains(nodes: Sequence[onnx.NodeProto]) -> None:
    """Every node in a domain the compiler knows; those outside are named all at once, as
    unsupported operators are."""
    foreign = [n for n in nodes if not _in_known_domain(n)]
    if foreign:
        raise UnsupportedError(
            f"{len(foreign)} unsupported node(s): "
            + join_items([f"'{n.name}' ({n.op_type}) from domain {n.domain}" for n in foreign])
            + f" (known domains: {', '.join(repr(d) for d in _SIGNATURE_DOMAINS)})",
            [(n.name, n.op_type, f"unknown domain {n.domain}") for n in foreign],
        )


def check_nodes(nodes: Sequence[onnx.NodeProto], opset: int, ir_version: int) -> None:
    """Each standard node against its ONNX schema (attribute types, input and output
    counts); attribute values in range."""
    from onnx import checker

    ctx = _checker_context(opset, ir_version)
    for node in nodes:
        undecodable = _undecodable_attribute(node)
        if undecodable is not None:  # onnx's checker would fail to decode its own message
            raise ModelError(f"{_describe(node)}: attribute '{undecodable}' is not UTF-8 text")
        if node.domain in STANDARD_DOMAINS and _has_live_schema(node.op_type, opset):
            stray = _stray_subgraph(node, opset)
            if stray is not None:  # the checker below does not see subgraph attributes
                raise ModelError(
                    f"{_describe(node)}: attribute '{stray}' is a subgraph, which "
                    f"{node.op_type} does not take"
                )
            try:
                checker.check_node(_without_subgraphs(node), ctx)
            except checker.ValidationError as err:
                raise ModelError(f"{_describe(node)} is malformed: {first_line(err)}") from None
        problem = attribute_problem(node)
        if problem is not None:
            raise ModelError(f"{_describe(node)}: {problem}")


def check_pad_sizes(graph: onnx.GraphProto) -> None:
    """A Pad of a graph input whose negative pads remove more than the axis holds: onnx's
    shape inference computes a negative size, and a Slice after it then aborts the whole
    process inside onnx (a failed assertion), so this is checked before it runs."""
    from onnx import numpy_helper

    shapes = {
        v.name: [
            d.dim_value if d.HasField("dim_value") else None for d in v.type.tensor_type.shape.dim
        ]
        for v in graph.input
        if v.type.tensor_type.HasField("shape")
    }
    pads_of = {t.name: t for t in graph.initializer}
    for node in graph.node:
        if node.op_type != "Pad" or node.domain not in STANDARD_DOMAINS or len(node.input) < 2:
            continue
        shape, tensor = shapes.get(node.input[0]), pads_of.get(node.input[1])
        if shape is None or tensor is None or tensor.data_type not in (6, 7):  # int32, int64
            continue
        try:
            pads = [int(p) for p in numpy_helper.to_array(tensor).reshape(-1)]
        except Exception:  # malformed data: check_tensors reported it already
            continue
        rank = len(shape)
        if len(pads) != 2 * rank:
            continue  # the Pad's own checks name it
        for axis, size in enumerate(shape):
            if size is not None and size + pads[axis] + pads[axis + rank] < 0:
                raise ModelError(
                    f"{_describe(node)}: pads {pads} leave axis {axis} of '{node.input[0]}' "
                    f"(size {size}) a negative size"
                )


def _undecodable_attribute(node: onnx.NodeProto) -> str | None:
    """The name of a string attribute whose bytes are not UTF-8 (protobuf keeps attribute
    strings as bytes, unchecked), or None."""
    for attr in node.attribute:
        for value in (attr.s, *attr.strings):
            try:
                value.decode("utf-8")
            except UnicodeDecodeError:
                return attr.name
    return None


def _has_live_schema(op_type: str, opset: int) -> bool:
    """ONNX has a schema for the operator at this opset that it does not call deprecated
    (onnxruntime still runs deprecated ones, GroupNormalization-18 among them)."""
    from onnx import defs

    if not defs.has(op_type, opset, ""):
        return False
    return not defs.get_schema(op_type, opset, "").deprecated


def _in_known_domain(node: onnx.NodeProto) -> bool:
    """The node's domain is one the compiler knows and, when the compiler knows the
    operator, the operator belongs to that domain (a Relu from 'evil.org' is not ONNX's)."""
    from deeploy.dialects.graph import op_class_for

    allowed = _SIGNATURE_DOMAINS.get(node.domain)
    if allowed is None:
        return False
    cls = op_class_for(node.op_type)
    return (
        cls is None  # unknown operators are reported, with the others, after import
        or cls.SIGNATURE.domain in allowed
        or (node.domain == "com.microsoft" and node.op_type in _MS_ALIASES)
    )


def _stray_subgraph(node: onnx.NodeProto, opset: int) -> str | None:
    """The name of a subgraph attribute the operator's schema does not declare as one
    (a Pad `value` or a Constant `value` holding a graph), or None."""
    from onnx import AttributeProto, defs

    declared = defs.get_schema(node.op_type, opset, "").attributes
    graphs = (AttributeProto.GRAPH, AttributeProto.GRAPHS)
    for attr in node.attribute:
        if attr.type in graphs:
            schema = declared.get(attr.name)
            if schema is None or int(schema.type) not in graphs:  # type: ignore[call-overload]  # onnx's stub gives AttrType (an int enum) no __int__
                return attr.name
    return None


def _without_subgraphs(node: onnx.NodeProto) -> onnx.NodeProto:
    """Subgraph bodies read names from the outer scope, which check_node cannot see; the
    operators that have them are rejected later as unsupported anyway."""
    from onnx import AttributeProto, NodeProto

    if not any(a.type in (AttributeProto.GRAPH, AttributeProto.GRAPHS) for a in node.attribute):
        return node
    copy = NodeProto()
    copy.CopyFrom(node)
    kept = [
        a for a in copy.attribute if a.type not in (AttributeProto.GRAPH, AttributeProto.GRAPHS)
    ]
    del copy.attribute[:]
    copy.attribute.extend(kept)
    return copy


_AT_LEAST_ONE = ("strides", "dilations", "kernel_shape", "group")


def attribute_problem(node: onnx.NodeProto) -> str | None:
    """Attribute values no operator accepts: window sizes, strides, dilations and groups
    below one, negative convolution/pooling pads, a `perm` that is not a permutation."""
    from onnx import helper

    for attr in node.attribute:
        try:
            value = helper.get_attribute_value(attr)
        except Exception:  # a malformed attribute: reported as such, whatever onnx raised
            return f"attribute '{attr.name}' is malformed"
        values = value if isinstance(value, list) else [value]
        if attr.name in _AT_LEAST_ONE and any(not isinstance(v, int) or v < 1 for v in values):
            return f"attribute '{attr.name}' must be at least 1, got {value}"
        if (
            attr.name == "pads"
            and node.op_type != "Pad"
            and any(not isinstance(v, int) or v < 0 for v in values)
        ):
            return f"attribute 'pads' must not be negative, got {value}"
        if attr.name == "perm" and sorted(values) != list(range(len(values))):
            return f"attribute 'perm' {value} is not a permutation of 0..{len(values) - 1}"
    return None


def _describe(node: onnx.NodeProto) -> str:
    """How messages name a node: `node 'conv1' (Conv)`, or by its output when unnamed."""
    if node.name or not node.output:
        return f"node '{node.name}' ({node.op_type})"
    return f"the {node.op_type} node writing '{node.output[0]}'"


def first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
