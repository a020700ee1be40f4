"""`deeploy-opt` on untrusted input: a bad file, IR or option is exit code 2 and one line
(1 when a pass or the verifier rejects the IR), never a traceback or a hang."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deeploy.tools.deeploy_opt import _string_end, check_string_literals, main
from tests.conftest import PROJECT

MODEL = PROJECT / "examples" / "tiny_cnn" / "network.onnx"


def opt(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """deeploy-opt in-process: exit code, stdout, stderr."""
    try:
        main(list(argv))
        code = 0
    except SystemExit as done:
        code = int(done.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def opt_process(*argv: str, stdin: object = None, timeout: float = 60) -> tuple[int, str]:
    """deeploy-opt as a process, for what could hang it: exit code and stderr."""
    proc = subprocess.run(
        [sys.executable, "-m", "deeploy.tools.deeploy_opt", *argv],
        stdin=stdin, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    return proc.returncode, proc.stderr


def one_line(code: int, err: str, *fragments: str, exit_code: int = 2) -> str:
    assert code == exit_code, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("deeploy-opt: error: "), err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def stages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The IR of tiny_cnn after each pass, as `deeploy compile --dump-ir` writes it."""
    from deeploy.tools.cli import main as deeploy

    folder = tmp_path_factory.mktemp("ir")
    argv = ["compile", str(MODEL), "-o", str(folder / "out"), "--dump-ir", str(folder)]
    assert deeploy(argv) == 0
    return {p.stem.split("-", 1)[1]: p for p in folder.glob("*.mlir")}


def test_missing_file_and_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = str(tmp_path / "nope.mlir")
    one_line(*opt(capsys, missing)[::2], missing, "no such file")
    one_line(*opt(capsys, str(tmp_path))[::2], str(tmp_path), "a folder")


def test_devices_and_fifos_are_refused_without_reading(tmp_path: Path) -> None:
    if Path("/dev/zero").exists():
        one_line(*opt_process("/dev/zero"), "/dev/zero is a character device")
        with open("/dev/zero", "rb") as zero:  # standard input that never ends
            one_line(*opt_process(stdin=zero), "standard input is a device")
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "stage.mlir"
        os.mkfifo(fifo)
        one_line(*opt_process(str(fifo)), "FIFO")


def test_input_size_cap(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ir = tmp_path / "m.mlir"
    ir.write_text("builtin.module {}\n" + "// padding\n" * 100)
    monkeypatch.setenv("DEEPLOY_MAX_INPUT_BYTES", "100")
    one_line(*opt(capsys, str(ir))[::2], "m.mlir is larger than 100 bytes")


def test_unterminated_string_does_not_hang(tmp_path: Path) -> None:
    """xdsl's lexer needs time exponential in the length of a string left open."""
    ir = tmp_path / "weights.mlir"
    ir.write_text(
        "builtin.module {\n  func.func @f() {\n"
        f'    %w = graph.constant dense<"0x{"00" * 4000}\n'
        "    func.return\n  }\n}\n"
    )
    one_line(*opt_process(str(ir), timeout=60), "weights.mlir:3:31", "no end to a string")
    escape = tmp_path / "escape.mlir"
    escape.write_text(f'"test.op"() {{a = "{"x" * 200}\\q"}} : () -> ()\n')
    one_line(*opt_process(str(escape), timeout=60), "escape.mlir:1:18", "invalid escape")


def test_string_check_accepts_what_xdsl_accepts() -> None:
    check_string_literals(rb'"a\n\t\"\\\0A" // "open in a comment' + b'\n"closed"\n', "x")
    check_string_literals('@"sym" {s = "caf\u00e9 // not a comment"}', "x")
    with pytest.raises(Exception, match="no end to a string"):
        check_string_literals(b'"ok" "open\n"', "x")


def test_deep_nesting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ir = tmp_path / "deep.mlir"
    depth = 2000
    ir.write_text('"test.op"() ({' * depth + "}) : () -> ()" * depth + "\n")
    one_line(*opt(capsys, str(ir), "--allow-unregistered-dialect")[::2], "nests too deeply")
    parens = tmp_path / "parens.mlir"
    parens.write_text("(" * 5000 + "\n")
    assert opt(capsys, str(parens))[0] == 2


def test_passes_on_ir_of_the_wrong_stage(
    stages: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    one_line(
        *opt(capsys, str(MODEL), "-p", "lower-to-c")[::2],
        "lower-to-c runs on bufferized IR",
        "the IR is tensor-level IR",
        "--dump-ir",
    )
    one_line(*opt(capsys, str(stages["import"]), "-p", "lower-to-c", "-t", "c")[::2], "lower-to-c")
    one_line(
        *opt(capsys, str(stages["plan-memory"]), "-p", "bufferize")[::2],
        "bufferize runs on tensor-level IR",
    )
    one_line(
        *opt(capsys, str(stages["lower-to-c"]), "-p", "assign-integer-types")[::2],
        "the IR is C-level IR",
    )
    # the right stage, and a pipeline that reaches it, still run
    code, out, err = opt(capsys, str(stages["bind-kernels"]), "-p", "bufferize,plan-memory")
    assert code == 0, err
    code, out, err = opt(
        capsys, str(stages["fuse-activation"]), "-p", "bufferize,plan-memory,lower-to-c", "-t", "c"
    )
    assert code == 0 and "network_run(" in out, err


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("plan-memory{alignment=0}", "plan-memory: option alignment must be a positive power"),
        ("plan-memory{alignment=3}", "plan-memory: option alignment must be a positive power"),
        ("tile-layers{rlimit=-1}", "tile-layers: option rlimit must be at least 1"),
        ("fuse-tiled-layers{alignment=0}", "fuse-tiled-layers: option alignment"),
        ('bufferize{level="L 9"}', "bufferize: option level must be a memory level's name"),
        ('lower-to-c{home="-"}', "lower-to-c: option home must be a memory level's name"),
        ("lower-to-c{l1=-1}", "lower-to-c: option l1 must be at least 0"),
        ("verify-memory-plan{l1_alignment=0}", "verify-memory-plan: option l1_alignment"),
        ('verify-memory-plan{capacity="X 1"}', "option capacity must be LEVEL:BYTES"),
        ("fold-constants{max-elements=-1}", "fold-constants: option max_elements"),
    ],
)
def test_invalid_pass_option_values(
    stages: dict[str, Path], capsys: pytest.CaptureFixture[str], spec: str, message: str
) -> None:
    one_line(*opt(capsys, str(stages["bufferize"]), "-p", spec)[::2], message)


@pytest.mark.parametrize(
    ("stage", "spec", "message"),
    [
        ("fuse-activation", "bufferize{level=L9}", "bufferize: option level 'L9' is not a level of target generic (L1, L2, L3)"),
        ("verify-memory-plan", "lower-to-c{l1=64 home=L7}", "lower-to-c: option home 'L7': target generic has the levels L1, L2, L3"),
        ("plan-memory", 'verify-memory-plan{capacity="X:1"}', "option capacity names X, not a level of target generic"),
        ("bufferize", "set-target{home=L3}", "set-target: option home is for a tiled hierarchy: give l1 too"),
        ("import", "set-target{target=nope}", "unknown target 'nope'"),
    ],
)  # fmt: skip
def test_level_names_are_checked_against_the_target(
    stages: dict[str, Path], capsys: pytest.CaptureFixture[str], stage: str, spec: str, message: str
) -> None:
    """Level names are data: an option naming a level the module's target lacks is a
    one-line error when the pass runs."""
    one_line(*opt(capsys, str(stages[stage]), "-p", spec)[::2], message)


def test_verifier_errors_are_one_line_with_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ir = tmp_path / "bad.mlir"
    ir.write_text(
        "builtin.module {\n"
        "  func.func @f(%a: tensor<4xf32>) -> tensor<8xf32> {\n"
        "    %0 = graph.relu %a : (tensor<4xf32>) -> tensor<8xf32>\n"
        "    func.return %0 : tensor<8xf32>\n"
        "  }\n}\n"
    )
    one_line(*opt(capsys, str(ir))[::2], "result shape", exit_code=1)


def test_parse_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ir = tmp_path / "typo.mlir"
    ir.write_text("builtin.module {\n  func.func @f( {\n}\n")
    one_line(*opt(capsys, str(ir))[::2], "typo.mlir:2:")


def test_options_and_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ir = tmp_path / "m.mlir"
    ir.write_text("builtin.module {}\n")
    one_line(*opt(capsys, str(ir), "--frobnicate")[::2], "unrecognized arguments")
    one_line(*opt(capsys, str(ir), "-t", "pdp\u202e11")[::2], "-t/--target", "\\u202e")
    one_line(*opt(capsys, str(ir), "-o", "")[::2], "-o/--output-file", "empty")
    one_line(*opt(capsys, str(ir), "-o", str(tmp_path))[::2], "-o/--output-file", "cannot write")
    one_line(*opt(capsys, str(ir), "-p", "no-such-pass")[::2], "no-such-pass")
    # the output may be the input: it was read before the output was opened
    assert opt(capsys, str(ir), "-o", str(ir))[0] == 0
    assert "builtin.module" in ir.read_text()


@given(st.text(alphabet='"\\ntx0Ag/\n\v\f\u00e9', max_size=14))
def test_string_check_agrees_with_xdsl_lexer(body: str) -> None:
    """Where xdsl's (slow) regex ends a string literal, or finds none, so does the check."""
    from xdsl.utils.exceptions import ParseError
    from xdsl.utils.mlir_lexer import MLIRLexer

    text = ('"' + body).encode()
    found = MLIRLexer._unescaped_characters_regex.match(text.decode(), 0)
    try:
        end = _string_end(text, 0, "x")
    except ParseError:
        end = None
    expected = None if found is None else len(text.decode()[: found.end()].encode())
    assert end == expected
