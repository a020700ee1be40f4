"""Data movement (Split, Gather, Slice, Expand, Tile, ConstantOfShape, Range), reductions and
the softmax training ops, compiled, built (-Werror, sanitizers), run and compared with
onnxruntime, or with numpy for the com.microsoft training ops onnxruntime does not ship."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from tests.conftest import compile_build_run
from tests.networks import reference

pytest.importorskip("onnxruntime")

R = np.random.default_rng(7)
I64_MAX = np.iinfo(np.int64).max
I64_MIN = np.iinfo(np.int64).min
_ONNX_TYPES = {
    np.dtype(np.float32): TensorProto.FLOAT,
    np.dtype(np.int64): TensorProto.INT64,
    np.dtype(np.int32): TensorProto.INT32,
    np.dtype(np.int16): TensorProto.INT16,
    np.dtype(np.int8): TensorProto.INT8,
    np.dtype(np.uint8): TensorProto.UINT8,
    np.dtype(np.bool_): TensorProto.BOOL,
}


@dataclass
class Case:
    model: onnx.ModelProto
    inputs: list[np.ndarray]
    # numpy expectation for ops onnxruntime cannot run; None: onnxruntime is the reference
    expected: Callable[[list[np.ndarray]], list[np.ndarray]] | None = None
    no_folding: bool = False  # keep generated tensors (ConstantOfShape, Range) as kernels


def _model(
    nodes: list[onnx.NodeProto],
    inputs: dict[str, np.ndarray],
    outputs: Sequence[str | tuple[str, np.dtype, Sequence[int]]],
    inits: dict[str, np.ndarray] | None = None,
    opset: int = 18,
    ms_domain: bool = False,
) -> onnx.ModelProto:
    """Graph inputs typed like the arrays that will feed them; untyped outputs are typed by
    onnx shape inference (as float32 unless given as (name, dtype, shape))."""
    out_infos = []
    for out in outputs:
        if isinstance(out, str):
            out_infos.append(helper.make_tensor_value_info(out, TensorProto.UNDEFINED, None))
        else:
            name, dtype, shape = out
            out_infos.append(helper.make_tensor_value_info(name, _ONNX_TYPES[dtype], shape))
    graph = helper.make_graph(
        nodes,
        "data_test",
        [
            helper.make_tensor_value_info(n, _ONNX_TYPES[a.dtype], a.shape)
            for n, a in inputs.items()
        ],
        out_infos,
        [numpy_helper.from_array(v, k) for k, v in (inits or {}).items()],
    )
    opsets = [helper.make_opsetid("", opset)]
    if ms_domain:
        opsets.append(helper.make_opsetid("com.microsoft", 1))
    model = helper.make_model(graph, opset_imports=opsets)
    model.ir_version = 8
    return onnx.shape_inference.infer_shapes(model)


def _f32(*shape: int) -> np.ndarray:
    return R.standard_normal(shape).astype(np.float32)


def _i64(*shape: int) -> np.ndarray:
    return R.integers(-1000, 1000, shape).astype(np.int64)


def _i64s(*values: int) -> np.ndarray:
    return np.array(values, np.int64)


def _one(op: str, x: np.ndarray, inits=None, opset: int = 18, outputs=("y",), **attrs) -> Case:
    """One node reading graph input x and the constants `inits` (in order)."""
    inits = inits or {}
    node = helper.make_node(op, ["x", *inits], list(outputs), **attrs)
    return Case(_model([node], {"x": x}, list(outputs), inits, opset), [x])


# -- Split ------------------------------------------------------------------------------


def _split_with_empty_part(x: np.ndarray) -> Case:
    """Sizes from a constant input, one of them 0: an empty tensor, which is rejected."""
    nodes = [
        helper.make_node("Split", ["x", "s"], ["a", "empty", "c", "d"], axis=-1),
        helper.make_node("Concat", ["empty", "d"], ["b"], axis=-1),
    ]
    return Case(_model(nodes, {"x": x}, ["a", "b", "c"], {"s": _i64s(2, 0, 4, 3)}), [x])


SPLIT = {
    "split_num_outputs_even": _one(
        "Split", _f32(2, 6, 3), outputs=("a", "b", "c"), axis=1, num_outputs=3
    ),
    "split_num_outputs_uneven": _one("Split", _f32(7, 2), outputs=("a", "b", "c"), num_outputs=3),
    "split_opset13_equal_int64": _one("Split", _i64(4, 6), opset=13, outputs=("a", "b"), axis=1),
    "split_opset11_attribute": _one(
        "Split", _f32(5, 3), opset=11, outputs=("a", "b"), axis=0, split=[1, 4]
    ),
    "split_int8_middle": _one(
        "Split",
        R.integers(-128, 127, (2, 5, 2, 3)).astype(np.int8),
        {"s": _i64s(3, 2)},
        outputs=("a", "b"),
        axis=1,
    ),
}

# -- Gather -----------------------------------------------------------------------------


def _gather_runtime(data: np.ndarray, indices: np.ndarray, axis: int) -> Case:
    node = helper.make_node("Gather", ["x", "i"], ["y"], axis=axis)
    return Case(_model([node], {"x": data, "i": indices}, ["y"]), [data, indices])


GATHER = {
    "gather_scalar_index": _one("Gather", _f32(3, 4, 5), {"i": np.array(1, np.int64)}),
    "gather_negative_constant": _one("Gather", _f32(3, 4, 5), {"i": _i64s(-1, 0, -4)}, axis=1),
    "gather_reversed_progression": _one("Gather", _f32(2, 7, 3), {"i": _i64s(6, 4, 2, 0)}, axis=-2),
    "gather_constant_2d_indices": _one(
        "Gather", _f32(4, 6), {"i": np.array([[5, 0], [2, 2], [1, -3]], np.int32)}, axis=1
    ),
    "gather_constant_int64_data": _one("Gather", _i64(5, 3), {"i": _i64s(4, 1, 3)}),
    "gather_runtime_int64_indices": _gather_runtime(_f32(6, 4), _i64s(5, -1, 0, -6, 2), 0),
    "gather_runtime_int32_indices_2d": _gather_runtime(
        _f32(2, 5, 3), np.array([[4, -5], [1, 3]], np.int32), 1
    ),
    "gather_runtime_int64_data_last_axis": _gather_runtime(_i64(3, 4), _i64s(3, -3, 3), -1),
    "gather_runtime_uint8_data": _gather_runtime(
        R.integers(0, 255, (4, 2)).astype(np.uint8), _i64s(3, 0), 0
    ),
}

# -- Slice ------------------------------------------------------------------------------


def _slice(x: np.ndarray, starts, ends, axes=None, steps=None, opset: int = 18) -> Case:
    inits = {"starts": _i64s(*starts), "ends": _i64s(*ends)}
    if axes is not None:
        inits["axes"] = _i64s(*axes)
    if steps is not None:
        inits["steps"] = _i64s(*steps)
    return _one("Slice", x, inits, opset=opset)


def _empty_slice_into_concat(x: np.ndarray) -> Case:
    """An empty slice feeding a Concat: the empty part copies nothing."""
    nodes = [
        helper.make_node("Slice", ["x", "s", "e"], ["empty"]),
        helper.make_node("Concat", ["empty", "x"], ["y"], axis=0),
    ]
    return Case(_model(nodes, {"x": x}, ["y"], {"s": _i64s(3), "e": _i64s(1)}), [x])


SLICE = {
    "slice_basic": _slice(_f32(5, 6), [1, 2], [4, 5]),
    "slice_negative_bounds": _slice(_f32(5, 6), [-4, -5], [-1, -2], [0, 1]),
    "slice_clamped": _slice(_f32(4, 7), [-100, 2], [I64_MAX, 100], [0, 1]),
    "slice_steps": _slice(_f32(3, 10, 4), [1, 0], [10, 4], [1, 2], [3, 2]),
    "slice_negative_step": _slice(_f32(3, 8), [-1], [I64_MIN], [1], [-1]),
    "slice_negative_step_clamped": _slice(_f32(6, 5), [100, 3], [1, -100], [0, 1], [-2, -1]),
    "slice_negative_axes_omitted": _slice(_f32(2, 3, 4, 5), [1], [4], [-2]),
    "slice_int64_data": _slice(_i64(6, 4), [4, 1], [0, 4], [0, 1], [-2, 2]),
    "slice_opset9_attributes": _one(
        "Slice", _f32(4, 6), opset=9, starts=[1, -3], ends=[3, 100], axes=[0, 1]
    ),
}

# -- Expand and Tile --------------------------------------------------------------------

EXPAND_TILE = {
    "expand_broadcast_middle": _one("Expand", _f32(3, 1), {"shape": _i64s(2, 3, 4)}),
    "expand_shape_smaller_rank": _one("Expand", _f32(2, 3, 4), {"shape": _i64s(3, 1)}),
    "expand_scalar_like": _one("Expand", _f32(1), {"shape": _i64s(2, 5)}),
    "expand_int64_inner": _one("Expand", _i64(2, 3, 1), {"shape": _i64s(2, 1, 3, 4)}),
    "tile_2d": _one("Tile", _f32(2, 3), {"r": _i64s(2, 3)}),
    "tile_middle_only": _one("Tile", _f32(2, 1, 3), {"r": _i64s(1, 4, 1)}),
    "tile_4d_all_axes_int32": _one(
        "Tile", R.integers(-9, 9, (2, 3, 2, 2)).astype(np.int32), {"r": _i64s(2, 2, 3, 2)}
    ),
}

# -- ConstantOfShape and Range, kept as kernels (folding disabled) ----------------------


def _generated(nodes, outputs, inits) -> Case:
    return Case(_model(nodes, {}, outputs, inits), [], no_folding=True)


GENERATED = {
    "constant_of_shape_default": _generated(
        [helper.make_node("ConstantOfShape", ["s"], ["y"])], ["y"], {"s": _i64s(2, 3)}
    ),
    "constant_of_shape_float": _generated(
        [
            helper.make_node(
                "ConstantOfShape",
                ["s"],
                ["y"],
                value=numpy_helper.from_array(np.array([1.5], np.float32)),
            )
        ],
        ["y"],
        {"s": _i64s(4, 1, 3)},
    ),
    "constant_of_shape_int64": _generated(
        [
            helper.make_node(
                "ConstantOfShape", ["s"], ["y"], value=numpy_helper.from_array(_i64s(-7))
            )
        ],
        ["y"],
        {"s": _i64s(5)},
    ),
    "constant_of_shape_int8": _generated(
        [
            helper.make_node(
                "ConstantOfShape",
                ["s"],
                ["y"],
                value=numpy_helper.from_array(np.array([-3], np.int8)),
            )
        ],
        ["y"],
        {"s": _i64s(3, 3)},
    ),
    "range_float": _generated(
        [helper.make_node("Range", ["a", "b", "c"], ["y"])],
        ["y"],
        {
            "a": np.array(-1.5, np.float32),
            "b": np.array(4.0, np.float32),
            "c": np.array(0.25, np.float32),
        },
    ),
    "range_int64_negative_delta": _generated(
        [helper.make_node("Range", ["a", "b", "c"], ["y"])],
        ["y"],
        {"a": np.array(2, np.int64), "b": np.array(-30, np.int64), "c": np.array(-3, np.int64)},
    ),
    "range_int32": _generated(
        [helper.make_node("Range", ["a", "b", "c"], ["y"])],
        ["y"],
        {"a": np.array(5, np.int32), "b": np.array(50, np.int32), "c": np.array(7, np.int32)},
    ),
}

# -- Reductions -------------------------------------------------------------------------


def _reduce(op: str, x: np.ndarray, axes=None, opset: int = 18, **attrs) -> Case:
    """axes=None: no axes at all; opset < 18 (13 for ReduceSum) gives them as an attribute."""
    attribute_axes = opset < (13 if op == "ReduceSum" else 18)
    if axes is not None and attribute_axes:
        return _one(op, x, opset=opset, axes=list(axes), **attrs)
    inits = {} if axes is None else {"axes": _i64s(*axes)}
    return _one(op, x, inits, opset=opset, **attrs)


def _positive(*shape: int) -> np.ndarray:
    return R.uniform(0.5, 1.5, shape).astype(np.float32)


REDUCE = {
    "reduce_max_middle": _reduce("ReduceMax", _f32(2, 3, 4), [1]),
    "reduce_max_two_axes_nd": _reduce("ReduceMax", _f32(2, 3, 4, 5), [-1, 1], keepdims=0),
    "reduce_max_all_no_keepdims": _reduce("ReduceMax", _f32(3, 4), keepdims=0),
    "reduce_max_opset13_attribute": _reduce("ReduceMax", _f32(4, 3, 2), [0, 2], opset=13),
    "reduce_max_noop_empty_axes": _reduce("ReduceMax", _f32(3, 4), noop_with_empty_axes=1),
    "reduce_max_empty_axes_input": _one("ReduceMax", _f32(3, 4), {"axes": _i64s()}),
    "reduce_min_last": _reduce("ReduceMin", _f32(3, 4, 5), [-1]),
    "reduce_min_first_nd": _reduce("ReduceMin", _f32(4, 3, 2, 3), [0, 2], keepdims=0),
    "reduce_min_opset11_all": _reduce("ReduceMin", _f32(2, 5), opset=11, keepdims=0),
    "reduce_sum_nd": _reduce("ReduceSum", _f32(2, 3, 4, 5), [0, 2]),
    "reduce_mean_nd_negative": _reduce("ReduceMean", _f32(2, 3, 4, 5), [-3, -1], keepdims=0),
    "reduce_prod": _reduce("ReduceProd", _positive(3, 4, 2), [1]),
    "reduce_sum_square_nd": _reduce("ReduceSumSquare", _f32(2, 3, 4), [0, 2]),
    "reduce_sum_square_noop": _reduce("ReduceSumSquare", _f32(2, 3), noop_with_empty_axes=1),
    "reduce_l1": _reduce("ReduceL1", _f32(3, 5), [1]),
    "reduce_l2_all": _reduce("ReduceL2", _f32(3, 5), keepdims=0),
    "reduce_log_sum": _reduce("ReduceLogSum", _positive(4, 3), [0]),
    "reduce_log_sum_exp_large": _one(
        "ReduceLogSumExp", (_f32(3, 6, 2) * 60).astype(np.float32), {"axes": _i64s(1)}
    ),
    "reduce_log_sum_exp_nd": _reduce("ReduceLogSumExp", _f32(2, 3, 4, 2), [1, 3]),
}

# -- Softmax training ops ---------------------------------------------------------------


def _labels(shape, classes: int, dtype=np.int64) -> np.ndarray:
    return R.integers(0, classes, shape).astype(dtype)


def _sce(
    scores: np.ndarray,
    labels: np.ndarray,
    outputs=("loss",),
    weights: np.ndarray | None = None,
    **attrs,
) -> Case:
    names = ["x", "t"] + (["w"] if weights is not None else [])
    node = helper.make_node("SoftmaxCrossEntropyLoss", names, list(outputs), **attrs)
    inits = {"w": weights} if weights is not None else {}
    return Case(
        _model([node], {"x": scores, "t": labels}, list(outputs), inits, opset=13),
        [scores, labels],
    )


def _log_softmax(x: np.ndarray, axis: int = 1) -> np.ndarray:
    shifted = x.astype(np.float64) - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _onehot(labels: np.ndarray, classes: int) -> np.ndarray:
    """[N, d...] labels -> [N, C, d...] one-hot (rows of out-of-range labels stay zero)."""
    eye = labels[:, None, ...] == np.arange(classes).reshape(
        (1, classes) + (1,) * (labels.ndim - 1)
    )
    return eye.astype(np.float64)


def _deeploy_sce(scores: np.ndarray, labels: np.ndarray) -> Case:
    """Deeploy's form: the single output, shaped like the scores, is the log-probabilities."""
    node = helper.make_node("SoftmaxCrossEntropyLoss", ["x", "t"], ["log_prob"], reduction="mean")
    model = _model(
        [node],
        {"x": scores, "t": labels},
        [("log_prob", np.dtype(np.float32), scores.shape)],
        opset=13,
    )
    return Case(model, [scores, labels], lambda ins: [_log_softmax(ins[0])])


def _sce_grad(
    log_prob: np.ndarray, labels: np.ndarray, reduction: str, ignore_index: int | None = None
) -> Case:
    """Expectation: (softmax - onehot) * scale, 0 at ignored positions; scale 1 for sum and
    none, 1/count^2 for mean (Deeploy's double normalisation, which its CrossEntropyGrad
    test data shows: there output_grad * 16 == softmax - onehot for a batch of 4)."""
    attrs = {"reduction": reduction}
    if ignore_index is not None:
        attrs["ignore_index"] = ignore_index
    node = helper.make_node(
        "SoftmaxCrossEntropyLossGrad", ["lp", "t"], ["dx"], domain="com.microsoft", **attrs
    )
    model = _model(
        [node],
        {"lp": log_prob, "t": labels},
        [("dx", np.dtype(np.float32), log_prob.shape)],
        opset=13,
        ms_domain=True,
    )

    def expected(ins: list[np.ndarray]) -> list[np.ndarray]:
        lp, lab = ins
        counted = lab != (ignore_index if ignore_index is not None else -(2**40))
        grad = np.exp(lp.astype(np.float64)) - _onehot(lab, lp.shape[1])
        grad *= counted[:, None, ...]
        if reduction == "mean":
            grad /= float(counted.sum()) ** 2
        return [grad]

    return Case(model, [log_prob, labels], expected)


def _softmax_grad(shape: tuple[int, ...], axis: int) -> Case:
    dy = _f32(*shape)
    y = np.exp(_log_softmax(_f32(*shape), axis)).astype(np.float32)
    node = helper.make_node("SoftmaxGrad", ["dy", "y"], ["dx"], domain="com.microsoft", axis=axis)
    model = _model(
        [node],
        {"dy": dy, "y": y},
        [("dx", np.dtype(np.float32), shape)],
        opset=13,
        ms_domain=True,
    )

    def expected(ins: list[np.ndarray]) -> list[np.ndarray]:
        g, p = (a.astype(np.float64) for a in ins)
        return [p * (g - (g * p).sum(axis=axis, keepdims=True))]

    return Case(model, [dy, y], expected)


_LP = _log_softmax(_f32(5, 7)).astype(np.float32)
_LP4 = _log_softmax(_f32(2, 4, 3, 2)).astype(np.float32)

TRAINING = {
    "sce_mean": _sce(_f32(4, 10), _labels(4, 10)),
    "sce_sum_with_log_prob": _sce(
        _f32(3, 5), _labels(3, 5), outputs=("loss", "lp"), reduction="sum"
    ),
    "sce_none": _sce(_f32(6, 4), _labels(6, 4), reduction="none"),
    "sce_ignore_index_mean": _sce(_f32(5, 4), np.array([1, 3, 3, 0, 3], np.int64), ignore_index=3),
    "sce_weights_mean": _sce(_f32(5, 4), _labels(5, 4), weights=_f32(4) ** 2 + 0.1),
    "sce_weights_ignore_none": _sce(
        _f32(5, 4),
        np.array([2, 0, 1, 2, 3], np.int64),
        outputs=("loss", "lp"),
        weights=_f32(4) ** 2 + 0.1,
        reduction="none",
        ignore_index=2,
    ),
    "sce_4d_int32_labels": _sce(_f32(2, 3, 4, 2), _labels((2, 4, 2), 3, np.int32)),
    "sce_deeploy_log_prob_only": _deeploy_sce(_f32(4, 10), _labels(4, 10)),
    "sce_grad_mean": _sce_grad(_LP, _labels(5, 7), "mean"),
    "sce_grad_sum": _sce_grad(_LP, _labels(5, 7), "sum"),
    "sce_grad_none_4d_ignore": _sce_grad(
        _LP4, np.array([[[0, 3], [1, 1], [3, 2]], [[2, 0], [3, 3], [1, 0]]], np.int64), "none", 3
    ),
    "sce_grad_mean_ignore_int32": _sce_grad(
        _LP, np.array([1, 6, 2, 6, 0], np.int32), "mean", ignore_index=6
    ),
    "softmax_grad_last": _softmax_grad((6, 5), -1),
    "softmax_grad_middle": _softmax_grad((2, 4, 3), 1),
}

CASES: dict[str, Case] = {
    **SPLIT,
    **GATHER,
    **SLICE,
    **EXPAND_TILE,
    **GENERATED,
    **REDUCE,
    **TRAINING,
}


@pytest.mark.parametrize("name", list(CASES))
def test_against_reference(name: str, tmp_path: Path) -> None:
    import deeploy
    from deeploy.harness.compare import compare
    from deeploy.passes.fold_constants import FoldConstantsPass

    case = CASES[name]
    args = {}
    if case.no_folding:
        args["pipeline"] = deeploy.default_pipeline("generic").replace(
            "fold-constants", FoldConstantsPass(max_elements=0)
        )
    result, outcome = compile_build_run(case.model, case.inputs, tmp_path, name=name, **args)
    expected = (
        reference(case.model, case.inputs)
        if case.expected is None
        else [np.asarray(a, np.float32) for a in case.expected(case.inputs)]
    )
    if case.no_folding:
        assert (
            "deeploy_fill" in result.files[f"{name}.c"]
            or "deeploy_range" in result.files[f"{name}.c"]
        ), "the generated tensor was folded, so its kernel was not exercised"
    comparison = compare(outcome.outputs, expected)
    assert comparison.passed, (
        f"{comparison.errors}/{comparison.total} differ, max {comparison.max_abs_error}"
    )


@pytest.mark.parametrize(
    "case", [_split_with_empty_part(_f32(3, 4, 9)), _empty_slice_into_concat(_f32(4, 3))]
)
def test_empty_tensors_are_rejected(case: Case) -> None:
    import deeploy
    from deeploy.errors import UnsupportedError

    with pytest.raises(UnsupportedError, match="empty tensors are not supported"):
        deeploy.compile(case.model)
