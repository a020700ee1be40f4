"""Softmax training kernels: SoftmaxCrossEntropyLoss, com.microsoft SoftmaxCrossEntropyLossGrad
(Deeploy's two-input form) and com.microsoft SoftmaxGrad.

Deeploy's training graphs use SoftmaxCrossEntropyLoss with a single output shaped like the
scores: that output is the log-probabilities, not ONNX's loss. Both forms are recognised by
the result shapes (ONNX's loss is a scalar or shaped like the labels, one axis fewer).
"""

from __future__ import annotations

from xdsl.dialects.builtin import IntegerType
from xdsl.ir import SSAValue

from deeploy.dialects.buffer import KernelOp
from deeploy.dialects.graph import GraphOp, element_type, shape_of
from deeploy.dtypes import value_element_type
from deeploy.kernels.base import Binding, Emitter, Kernel, params_of
from deeploy.kernels.layout import numel
from deeploy.kernels.predicates import f32_only
from deeploy.kernels.shapes import buffer_shape, element_bytes

SOURCE = "kernels/loss_f32.c"
REDUCTIONS = {"none": 0, "sum": 1, "mean": 2}  # DEEPLOY_REDUCTION_* in loss_f32.h


def _label_reason(labels: SSAValue, scores: tuple[int, ...]) -> str | None:
    t = element_type(labels)
    if not (isinstance(t, IntegerType) and t.width.data in (32, 64)):
        return f"labels must be int32 or int64, got {t}"
    if len(scores) < 2:
        return f"scores need a batch and a class axis, got shape {scores}"
    expected = scores[:1] + scores[2:]
    if shape_of(labels) != expected:
        return f"labels have shape {shape_of(labels)}, expected {expected}"
    return None


def _common_params(op: GraphOp, classes: int) -> dict[str, int] | str:
    reduction = op.attr_str("reduction", "mean")
    if reduction not in REDUCTIONS:
        return f"reduction '{reduction}' is not one of none, sum, mean"
    ignore = op.attr_int("ignore_index", None)
    ignore_index = -1 if ignore is None else ignore
    # Labels outside [0, classes) count for nothing anyway, so such an ignore_index is -1
    # (which also keeps it within the kernel's int32 argument).
    if not 0 <= ignore_index < classes:
        ignore_index = -1
    return {"reduction": REDUCTIONS[reduction], "ignore_index": ignore_index}


def _geometry(scores: tuple[int, ...]) -> tuple[int, int, int]:
    """(batch, classes, positions per sample) of [N, C, d1, ...]."""
    return scores[0], scores[1], numel(scores[2:])


def _labels_symbol(stem: str, labels: SSAValue) -> str:
    return f"{stem}_i{8 * element_bytes(labels)}"


def _labels_symbols(stem: str) -> tuple[str, ...]:
    """The C functions of stem, one per label type (int32, int64)."""
    return (f"{stem}_i32", f"{stem}_i64")


# -- SoftmaxCrossEntropyLoss ------------------------------------------------------------


def bind_softmax_cross_entropy(op: GraphOp) -> Binding | str:
    if reason := f32_only(op, (0, 2)):
        return reason
    scores = shape_of(op.operands[0])
    if reason := _label_reason(op.operands[1], scores):
        return reason
    params = _common_params(op, scores[1])
    if isinstance(params, str):
        return params
    weights = op.operand_at(2)
    if weights is not None and shape_of(weights) != scores[1:2]:
        return f"weights have shape {shape_of(weights)}, expected {scores[1:2]}"
    first = shape_of(op.results[0])
    loss_shape = shape_of(op.operands[1]) if params["reduction"] == 0 else ()
    if len(op.results) == 1 and first == scores:
        has_loss = 0  # Deeploy's form: the only output is log_prob
    elif first == loss_shape:
        has_loss = 1
    else:
        return f"output 0 has shape {first}, neither the loss {loss_shape} nor the scores {scores}"
    inputs = (0, 1, 2) if weights is not None else (0, 1)
    return Binding("softmax_cross_entropy_f32", {**params, "loss": has_loss}, inputs)


def emit_softmax_cross_entropy(e: Emitter, op: KernelOp) -> None:
    params = params_of(op)
    x, labels = op.ins[0], op.ins[1]
    f32 = value_element_type(x)
    weights = e.ptr(op.ins[2], const=True) if len(op.ins) == 3 else e.null(f32)
    if params.int("loss"):
        loss = e.ptr(op.outs[0])
        log_prob = e.ptr(op.outs[1]) if len(op.outs) == 2 else e.null(f32, const=False)
    else:
        loss, log_prob = e.null(f32, const=False), e.ptr(op.outs[0])
    n, c, d = _geometry(buffer_shape(x))
    e.call(
        _labels_symbol("deeploy_softmax_cross_entropy_f32", labels),
        [
            e.ptr(x, const=True),
            e.ptr(labels, const=True),
            weights,
            loss,
            log_prob,
            e.i32(n),
            e.i32(c),
            e.i32(d),
            e.i32(params.int("ignore_index")),
            e.i32(params.int("reduction")),
        ],
    )


# -- SoftmaxCrossEntropyLossGrad (log_prob, labels) -------------------------------------


def bind_softmax_cross_entropy_grad(op: GraphOp) -> Binding | str:
    if reason := f32_only(op, (0,)):
        return reason
    scores = shape_of(op.operands[0])
    if reason := _label_reason(op.operands[1], scores):
        return reason
    params = _common_params(op, scores[1])
    if isinstance(params, str):
        return params
    return Binding("softmax_cross_entropy_grad_f32", params, (0, 1))


def emit_softmax_cross_entropy_grad(e: Emitter, op: KernelOp) -> None:
    params = params_of(op)
    log_prob, labels = op.ins
    n, c, d = _geometry(buffer_shape(log_prob))
    e.call(
        _labels_symbol("deeploy_softmax_cross_entropy_grad_f32", labels),
        [
            e.ptr(log_prob, const=True),
            e.ptr(labels, const=True),
            e.ptr(op.outs[0]),
            e.i32(n),
            e.i32(c),
            e.i32(d),
            e.i32(params.int("ignore_index")),
            e.i32(params.int("reduction")),
        ],
    )


# -- SoftmaxGrad (dY, Y) ----------------------------------------------------------------


def bind_softmax_grad(op: GraphOp) -> Binding | str:
    if reason := f32_only(op):
        return reason
    shape = shape_of(op.operands[0])
    if shape_of(op.operands[1]) != shape:
        return f"dY {shape} and Y {shape_of(op.operands[1])} differ in shape"
    # The gradient of Softmax along one axis (opset 13 semantics, Deeploy's default -1).
    axis = op.attr_int("axis", -1) % max(len(shape), 1)
    return Binding("softmax_grad_f32", {"axis": axis}, (0, 1))


def emit_softmax_grad(e: Emitter, op: KernelOp) -> None:
    axis = params_of(op).int("axis")
    dy, y = op.ins
    shape = buffer_shape(dy)
    e.call(
        "deeploy_softmax_grad_f32",
        [
            e.ptr(dy, const=True),
            e.ptr(y, const=True),
            e.ptr(op.outs[0]),
            e.i32(numel(shape[:axis])),
            e.i32(shape[axis] if shape else 1),
            e.i32(numel(shape[axis + 1 :])),
        ],
    )


KERNELS = [
    Kernel(
        "softmax_cross_entropy_f32",
        ("SoftmaxCrossEntropyLoss",),
        SOURCE,
        bind_softmax_cross_entropy,
        emit_softmax_cross_entropy,
        symbols=_labels_symbols("deeploy_softmax_cross_entropy_f32"),
    ),
    Kernel(
        "softmax_cross_entropy_grad_f32",
        ("SoftmaxCrossEntropyLossGrad",),
        SOURCE,
        bind_softmax_cross_entropy_grad,
        emit_softmax_cross_entropy_grad,
        symbols=_labels_symbols("deeploy_softmax_cross_entropy_grad_f32"),
    ),
    Kernel("softmax_grad_f32", ("SoftmaxGrad",), SOURCE, bind_softmax_grad, emit_softmax_grad),
]
