"""Building, editing and printing pass pipelines from Python."""

from __future__ import annotations

from pathlib import Path

import pytest

import deeploy
from deeploy.errors import OptionError
from deeploy.passes.plan_memory import PlanMemoryPass
from deeploy.pipeline import Pipeline, default_pipeline

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "tiny_cnn" / "network.onnx"


def test_default_pipeline_order() -> None:
    assert default_pipeline("generic").names() == [
        "fold-constants",
        "canonicalize-reshapes",
        "fold-batchnorm",
        "lower-qdq",
        "fuse-matmul-add",
        "untranspose-weights",
        "fuse-requant",
        "dce",
        "bind-kernels",
        "fuse-activation",
        "bufferize",
        "reuse-input-buffers",
        "plan-memory",
        "verify-memory-plan",
        "lower-to-c",
    ]


def test_string_form_parses_back() -> None:
    pipe = default_pipeline("generic")
    assert Pipeline.parse(str(pipe)) == pipe
    typed = default_pipeline("generic", input_types={"x": "int8", "y": "uint8"})
    assert typed.names()[0] == "assign-integer-types"
    assert Pipeline.parse(str(typed)) == typed


def test_edit_and_run_custom_pipeline() -> None:
    pipe = default_pipeline("generic").replace("plan-memory", PlanMemoryPass(alignment=64))
    assert "plan-memory{alignment=64}" in str(pipe)
    result = deeploy.compile(EXAMPLE, name="cnn", pipeline=pipe)
    assert "aligned(" in result.files["cnn.c"]
    assert result.report["memory"]["L2"] % 64 == 0


def test_insert_and_remove() -> None:
    pipe = default_pipeline("generic")
    extra = pipe.insert_after("bind-kernels", PlanMemoryPass())
    assert extra.names()[extra.index("bind-kernels") + 1] == "plan-memory"
    assert "dce" not in pipe.remove("dce").names()


def test_unknown_pass_name_is_an_option_error() -> None:
    with pytest.raises(OptionError, match="no pass 'tile'"):
        default_pipeline("generic").index("tile")
    with pytest.raises(OptionError, match="invalid pass pipeline"):
        Pipeline.parse("fold-constants,not-a-pass")
