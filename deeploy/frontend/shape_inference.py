"""onnx's shape inference, run where a crash cannot take the compiler with it.

onnx's C++ inference aborts the whole process on some malformed models (a failed
`std::clamp` assertion in Slice's inference when a negative Pad made a dimension
negative): no exception, no message, exit code 134. A model file is untrusted input, so
the inference runs in a forked child that sends back only the inferred value types; a
child killed by a signal becomes a user-facing error.
"""

from __future__ import annotations

import os
import signal
from typing import TYPE_CHECKING

from deeploy.errors import ModelError

if TYPE_CHECKING:
    import onnx

_OK, _FAILED = b"K", b"E"


def infer_value_types(model: onnx.ModelProto) -> onnx.GraphProto:
    """A graph holding the model's inputs, value_info and outputs with the types onnx
    infers (`data_prop=True`); a ModelError if onnx rejects the model or crashes on it."""
    if not hasattr(os, "fork"):
        return _value_types(_infer(model))
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_end)
        _child(model, write_end)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as reader:
        payload = reader.read()
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status) or not payload:
        name = signal.Signals(os.WTERMSIG(status)).name if os.WIFSIGNALED(status) else "exit"
        raise ModelError(f"onnx's shape inference crashed on the model ({name}): it is malformed")
    kind, body = payload[:1], payload[1:]
    if kind == _FAILED:
        raise ModelError(f"shape inference failed: {body.decode(errors='replace')}")
    from onnx import GraphProto

    graph = GraphProto()
    graph.ParseFromString(body)
    return graph


def _child(model: onnx.ModelProto, fd: int) -> None:
    code = 0
    try:
        # onnx's assertion message would be a second line beside the parent's error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        try:
            payload = _OK + _value_types(_infer(model)).SerializeToString()
        except ModelError as err:
            payload = _FAILED + str(err).removeprefix("shape inference failed: ").encode()
        with os.fdopen(fd, "wb") as writer:
            writer.write(payload)
    except BaseException:  # anything left: the parent reports a crash
        code = 1
    finally:
        os._exit(code)


def _infer(model: onnx.ModelProto) -> onnx.ModelProto:
    import onnx

    try:
        return onnx.shape_inference.infer_shapes(model, data_prop=True)
    except Exception as err:  # onnx raises several exception types for bad models
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ModelError(f"shape inference failed: {first}") from None


def _value_types(inferred: onnx.ModelProto) -> onnx.GraphProto:
    from onnx import GraphProto

    graph = GraphProto()
    graph.input.extend(inferred.graph.input)
    graph.value_info.extend(inferred.graph.value_info)
    graph.output.extend(inferred.graph.output)
    return graph
