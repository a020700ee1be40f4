"""Reading user files (deeploy.input_files) and printing user strings (one_line): regular
files only, never blocking, bounded; error lines that stay one line."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from deeploy.errors import DeeployError, OptionError
from deeploy.input_files import InputFileError, read_input_file
from deeploy.tools.messages import one_line

requires_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")


def within(seconds: float, call: Callable[[], object]) -> BaseException | None:
    """Run `call` in a daemon thread: what it raised, or a failure if it blocks."""
    raised: list[BaseException | None] = [None]

    def target() -> None:
        try:
            call()
        except BaseException as err:
            raised[0] = err

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        pytest.fail(f"blocked for more than {seconds} s")
    return raised[0]


def test_reads_a_regular_file(tmp_path: Path) -> None:
    path = tmp_path / "m.onnx"
    path.write_bytes(b"abc" * 100_000)
    assert read_input_file(path) == b"abc" * 100_000
    (tmp_path / "empty").write_bytes(b"")
    assert read_input_file(tmp_path / "empty") == b""


@pytest.mark.parametrize(
    ("name", "fragment"),
    [("", "the path is empty"), ("missing.onnx", "no such file"), ("a-file/x.onnx", "is a file")],
)
def test_missing_and_empty_paths(tmp_path: Path, name: str, fragment: str) -> None:
    (tmp_path / "a-file").write_text("")
    path = str(tmp_path / name) if name else ""
    with pytest.raises(InputFileError, match=fragment):
        read_input_file(path, "model")


def test_folder_and_device_are_refused_before_opening(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="is a folder, not a regular file"):
        read_input_file(tmp_path, "model")
    if os.path.exists("/dev/zero"):  # would never end
        with pytest.raises(InputFileError, match="/dev/zero is a character device"):
            read_input_file("/dev/zero", "model")


@requires_fifo
def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "net.onnx"
    os.mkfifo(fifo)
    err = within(10, lambda: read_input_file(fifo, "model"))
    assert isinstance(err, InputFileError) and "FIFO" in str(err)


@requires_fifo
def test_fifo_swapped_in_after_the_check_does_not_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The path passes the stat, then is a FIFO when opened: the open does not wait for
    a writer, and the check on the open descriptor refuses it."""
    import deeploy.input_files as input_files

    regular = tmp_path / "regular"
    regular.write_bytes(b"x")
    fifo = tmp_path / "swapped"
    os.mkfifo(fifo)
    monkeypatch.setattr(input_files, "_stat", lambda path, what: os.stat(regular))
    err = within(10, lambda: read_input_file(fifo, "model"))
    assert isinstance(err, InputFileError) and "FIFO" in str(err)


def test_size_cap_names_the_file_and_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.npz"
    path.write_bytes(b"0" * 101)
    monkeypatch.setenv("DEEPLOY_MAX_INPUT_BYTES", "100")
    with pytest.raises(InputFileError, match=r"big\.npz is larger than 100 bytes.*DEEPLOY_MAX"):
        read_input_file(path, "test data")
    monkeypatch.setenv("DEEPLOY_MAX_INPUT_BYTES", "101")
    assert len(read_input_file(path)) == 101
    for bad in ("-1", "lots", "0", "1e9"):
        monkeypatch.setenv("DEEPLOY_MAX_INPUT_BYTES", bad)
        with pytest.raises(OptionError, match="DEEPLOY_MAX_INPUT_BYTES"):
            read_input_file(path)


def test_errors_are_user_errors() -> None:
    assert issubclass(InputFileError, DeeployError)


def test_one_line_escapes_what_could_forge_or_hide_text() -> None:
    assert one_line("node 'a'\nerror: forged") == "node 'a'\\nerror: forged"
    assert one_line("\r\x1b[2Kgone\t") == "\\r\\x1b[2Kgone\\t"
    # bidirectional overrides and isolates, and other invisible formatting
    for char in ("\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2069", "\u200b"):
        escaped = one_line(f"x{char}y")
        assert char not in escaped and f"\\u{ord(char):04x}" in escaped
    assert one_line("line\u2028separator\x85") == "line\\u2028separator\\x85"
    assert one_line("caf\u00e9 \u03bb \u4e2d") == "caf\u00e9 \u03bb \u4e2d"  # printable: kept
    long = one_line("n" * 10_000, limit=100)
    assert long.startswith("n" * 100) and "9,900 more characters" in long
