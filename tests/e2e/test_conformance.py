"""A representative slice of onnx's backend node tests, run by the conformance runner
(deeploy/tools/conformance.py), and checks of how the runner selects and classifies cases.
The full run is `python -m deeploy.tools.conformance` (docs/CONFORMANCE.md)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import onnx
import pytest

from deeploy.tools import conformance
from tests.conftest import SANITIZE

# One to three cases per operator family; the expected outputs are onnx's own.
MUST_PASS = [
    "test_add_bcast",
    "test_div_bcast",
    "test_pow_bcast_array",
    "test_max_two_inputs",
    "test_relu",
    "test_sigmoid",
    "test_clip",  # min and max compiled as constants
    "test_gelu_tanh_2",
    "test_softmax_axis_0",
    "test_conv_with_strides_and_asymmetric_padding",
    "test_gemm_all_attributes",
    "test_matmul_4d",
    "test_averagepool_2d_pads_count_include_pad",
    "test_maxpool_2d_ceil",
    "test_globalaveragepool",
    "test_transpose_all_permutations_3",
    "test_concat_3d_axis_negative_1",
    "test_reduce_sum_keepdims_random",
    "test_reduce_mean_negative_axes_keepdims_random",
    "test_reshape_negative_dim",
    "test_unsqueeze_unsorted_axes",
    "test_shape_start_1",  # folded: the network copies a constant
    "test_qlinearconv",  # scales and zero points compiled as constants
    "test_qlinearmatmul_3D_uint8_float32",
]


@pytest.mark.parametrize("name", MUST_PASS)
def test_backend_case_passes(name: str) -> None:
    outcome = conformance.run_case(conformance.prepare(name), sanitize=SANITIZE)
    assert (outcome.status, outcome.detail) == (conformance.PASSED, "")


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("test_det_2d", "Det (no kernel implements this operator"),  # an op without a kernel
        ("test_ai_onnx_ml_binarizer", "from domain ai.onnx.ml"),
        ("test_div_uint8", "needs float32"),
    ],
)
def test_unsupported_case_is_rejected(name: str, reason: str) -> None:
    outcome = conformance.run_case(conformance.prepare(name))
    assert outcome.status == conformance.REJECTED
    assert reason in outcome.detail and "\n" not in outcome.detail


def test_wrong_expectation_is_failed() -> None:
    case = conformance.prepare("test_relu")
    shifted = replace(case, outputs=(case.outputs[0] + np.float32(0.5),))
    outcome = conformance.run_case(shifted)
    assert outcome.status == conformance.FAILED
    assert "max abs error 0.5" in outcome.detail


def test_compiler_exception_is_crashed(monkeypatch: pytest.MonkeyPatch) -> None:
    import deeploy

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("bug")

    monkeypatch.setattr(deeploy, "compile", broken)
    outcome = conformance.run_case(conformance.prepare("test_relu"))
    assert (outcome.status, outcome.detail) == (conformance.CRASHED, "KeyError: 'bug'")


def test_parameter_inputs_become_constants() -> None:
    case = conformance.prepare("test_clip")
    model = onnx.ModelProto.FromString(case.model)
    assert case.constants == ("min", "max")
    assert [i.name for i in model.graph.input] == ["x"]
    assert sorted(t.name for t in model.graph.initializer) == ["max", "min"]


def test_runtime_ops_skip_what_folds() -> None:
    def needed(name: str) -> set[str]:
        return conformance.runtime_ops(onnx.ModelProto.FromString(conformance.prepare(name).model))

    assert needed("test_shape") == set()  # Shape of a static shape folds
    assert needed("test_reduce_sum_keepdims_random") == {"ReduceSum"}
    assert {"Exp", "ReduceMax"} <= needed("test_softmax_axis_0_expanded")
    assert conformance.tested_op("test_softmax_axis_0_expanded") == "Softmax"


def test_reports_count_and_list_every_case() -> None:
    outcomes = [
        conformance.Outcome("test_a", "Relu", conformance.PASSED, "", ()),
        conformance.Outcome("test_b", "Relu", conformance.REJECTED, "no | pipes", ("axes",)),
        conformance.Outcome("test_c", "Add", conformance.CRASHED, "KeyError: 'x'", ()),
    ]
    table = conformance.summarize(outcomes)
    assert list(table) == ["Add", "Relu"]
    assert table["Relu"] == {"cases": 2, "passed": 1, "failed": 0, "rejected": 1, "crashed": 0}
    text = conformance.markdown(outcomes, "python -m deeploy.tools.conformance")
    assert "| Relu | 2 | 1 | 0 | 1 | 0 | 50% |" in text
    assert "| total | 3 | 1 | 0 | 1 | 1 | 33% |" in text
    assert "- `test_b` rejected: no \\| pipes (constant inputs: axes)" in text
    assert "test_a" not in text
