"""Matching graph ops in passes."""

from __future__ import annotations

import pytest


def test_is_op_matches_by_checked_op_type() -> None:
    """Passes match graph ops with is_op: a misspelt op type is an error, not a pattern
    that silently never matches."""
    import numpy as np
    from xdsl.dialects.builtin import TensorType, f32

    from deeploy.dialects.graph import ConstantOp, op_class
    from deeploy.dialects.graph_op import is_op
    from deeploy.dtypes import dense_from_numpy

    x = ConstantOp(dense_from_numpy(np.zeros((2,), np.float32))).results[0]
    relu = op_class("Relu").build(operands=[x], result_types=[TensorType(f32, [2])])
    assert is_op(relu, "Relu") and is_op(relu, "Conv", "Relu")
    assert not is_op(relu, "Conv") and not is_op(x, "Relu")
    with pytest.raises(KeyError, match="Rellu"):
        is_op(relu, "Rellu")
