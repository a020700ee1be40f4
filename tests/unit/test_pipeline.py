"""Building, editing and printing pass pipelines from Python."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

import deeploy
from deeploy.errors import OptionError
from deeploy.passes.plan_memory import PlanMemoryPass
from deeploy.pipeline import Pipeline, default_pipeline
from deeploy.targets.base import MemoryConfig

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


@dataclass(frozen=True)
class _Equivalent(ModulePass):
    """A pass of another name doing exactly what `inner` does (what a user's replacement
    of a default pass looks like to the compiler)."""

    name = "users-own-pass"
    inner: ModulePass | None = None

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        assert self.inner is not None
        self.inner.apply(ctx, op)


def _report(result: deeploy.CompileResult) -> dict:
    report = dict(result.report)
    report.pop("compile_seconds")
    report.pop("pass_seconds")  # timings, by the names of the passes that ran
    return report


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"memory": MemoryConfig(l1=4000, home="L3", double_buffer=True)},
    ],
    ids=["untiled", "tiled-L3"],
)
def test_report_survives_replacing_any_pass(options: dict) -> None:
    """The report is read from the IR (issue 14): replacing any pass of the pipeline by
    an equivalent one of another name changes neither the C nor a report field."""
    reference = deeploy.compile(EXAMPLE, name="cnn", **options)
    assert reference.pipeline is not None
    for name in reference.pipeline.names():
        original = reference.pipeline.passes[reference.pipeline.index(name)]
        pipe = reference.pipeline.replace(name, _Equivalent(original))
        result = deeploy.compile(EXAMPLE, name="cnn", pipeline=pipe, **options)
        assert result.files == reference.files, name
        assert _report(result) == _report(reference), f"report changed replacing {name}"
