"""The generated op table matches the installed onnx's schemas."""

from deeploy.tools.gen_onnx_signatures import main


def test_generated_signatures_are_up_to_date() -> None:
    assert main(["--check"]) == 0
