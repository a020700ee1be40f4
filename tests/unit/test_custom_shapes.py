"""Shapes of onnxruntime's com.microsoft quantised operators, which ONNX shape inference
does not know (deeploy/frontend/custom_shapes.py)."""

from __future__ import annotations

import numpy as np
import pytest

from deeploy.errors import ModelError
from deeploy.frontend.custom_shapes import CUSTOM_SHAPES
from deeploy.frontend.onnx_normalize import Node, TensorInfo

U8 = np.dtype(np.uint8)
I8 = np.dtype(np.int8)
F32 = np.dtype(np.float32)


def _shape(op: str, inputs: list[TensorInfo | None], **attrs: object) -> TensorInfo:
    names = [f"in{i}" if t is not None else "" for i, t in enumerate(inputs)]
    node = Node(op, "com.microsoft", "n", names, ["y"], dict(attrs))
    (out,) = CUSTOM_SHAPES[op](node, inputs)
    return out


def _scalar(dtype: np.dtype = F32) -> TensorInfo:
    return TensorInfo(dtype, ())


def test_qlinear_add_broadcasts() -> None:
    a, b = TensorInfo(U8, (1, 8, 4, 4)), TensorInfo(U8, (8, 1, 1))
    out = _shape("QLinearAdd", [a, _scalar(), _scalar(U8), b, _scalar(), _scalar(U8)])
    assert (out.dtype, out.shape) == (U8, (1, 8, 4, 4))


def test_qlinear_mul_rejects_shapes_that_do_not_broadcast() -> None:
    a, b = TensorInfo(I8, (2, 3)), TensorInfo(I8, (4,))
    with pytest.raises(ModelError, match=r"'n' \(QLinearMul\): shapes \[2, 3\] and \[4\]"):
        _shape("QLinearMul", [a, _scalar(), _scalar(I8), b, _scalar(), _scalar(I8)])


@pytest.mark.parametrize(
    ("attrs", "expected"), [({}, (5, 3)), ({"transA": 1, "transB": 1}, (7, 2))]
)
def test_qgemm_shape_and_type(attrs: dict, expected: tuple[int, int]) -> None:
    a, b = TensorInfo(U8, (5, 7)), TensorInfo(I8, (7, 3) if not attrs else (2, 5))
    quantised = [a, _scalar(), _scalar(U8), b, _scalar(), _scalar(I8), None, _scalar()]
    out = _shape("QGemm", [*quantised, _scalar(I8)], **attrs)
    assert (out.dtype, out.shape) == (I8, expected)
    # without y_scale the result is float
    out = _shape("QGemm", quantised[:6], **attrs)
    assert (out.dtype, out.shape) == (F32, expected)


@pytest.mark.parametrize(
    ("shape", "channels_last", "expected"),
    [((1, 8, 12, 12), 0, (1, 8, 4, 4)), ((1, 12, 12, 8), 1, (1, 4, 4, 8))],
)
def test_qlinear_average_pool_shape(shape, channels_last: int, expected) -> None:
    x = TensorInfo(U8, shape)
    out = _shape(
        "QLinearAveragePool",
        [x, _scalar(), _scalar(U8), _scalar(), _scalar(U8)],
        kernel_shape=[3, 3],
        strides=[3, 3],
        channels_last=channels_last,
    )
    assert (out.dtype, out.shape) == (U8, expected)
    pooled = _shape(
        "QLinearGlobalAveragePool",
        [x, _scalar(), _scalar(U8), _scalar(), _scalar(U8)],
        channels_last=channels_last,
    )
    assert pooled.shape == ((1, 8, 1, 1) if not channels_last else (1, 1, 1, 8))


def test_bad_pool_attributes_name_the_node() -> None:
    x = TensorInfo(U8, (1, 8, 12, 12))
    with pytest.raises(ModelError, match=r"'n' \(QLinearAveragePool\)"):
        _shape("QLinearAveragePool", [x, _scalar(), None, _scalar(), None], kernel_shape=[3])
