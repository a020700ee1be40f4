"""Reading a file the user named (a model, test data, IR): bounded, regular files only.

A path on the command line may name anything: a folder, a FIFO that blocks every read
until someone writes, `/dev/zero` that never ends, a file swapped for one of those
between a check and the open. `read_input_file` reads only regular files, checks that
before opening and again on the open descriptor, never blocks in `open`, and reads at
most `max_input_bytes()` bytes (2 GiB, the most a protobuf, hence an ONNX model, can
hold; `DEEPLOY_MAX_INPUT_BYTES` changes it). Every refusal is an `InputFileError`, a
user error naming the file.
"""

from __future__ import annotations

import os
import stat
from typing import BinaryIO

from deeploy.errors import ModelError, OptionError

DEFAULT_MAX_INPUT_BYTES = 2 * 1024**3
MAX_INPUT_ENV = "DEEPLOY_MAX_INPUT_BYTES"
_CHUNK = 64 * 1024**2  # per read: a file's size may change after its stat

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class InputFileError(ModelError):
    """A file the user named cannot be read: missing, not a regular file, too large."""


def max_input_bytes() -> int:
    """The most bytes one input file may hold: DEEPLOY_MAX_INPUT_BYTES, or 2 GiB."""
    setting = os.environ.get(MAX_INPUT_ENV, "").strip()
    if not setting:
        return DEFAULT_MAX_INPUT_BYTES
    if not (setting.isascii() and setting.isdigit()) or int(setting) <= 0:
        raise OptionError(f"{MAX_INPUT_ENV}={setting!r} is not a positive number of bytes")
    return int(setting)


def _kind(mode: int) -> str:
    for test, kind in _KINDS:
        if test(mode):
            return kind
    return "not a regular file"


def _stat(path: str, what: str) -> os.stat_result:
    try:
        return os.stat(path)
    except FileNotFoundError:
        raise InputFileError(f"{what} {path}: no such file") from None
    except NotADirectoryError:
        raise InputFileError(f"{what} {path}: a folder in the path is a file") from None
    except (OSError, ValueError) as err:  # ValueError: a NUL byte in the path
        raise InputFileError(f"{what} {path}: cannot read ({_reason(err)})") from None


def _reason(err: Exception) -> str:
    return (err.strerror if isinstance(err, OSError) else None) or str(err)


def check_regular(path: str, info: os.stat_result, what: str) -> None:
    if not stat.S_ISREG(info.st_mode):
        kind = _kind(info.st_mode)
        raise InputFileError(f"{what} {path} is {kind}, not a regular file")


def check_size(label: str, size: int, limit: int) -> None:
    """`label` names the input: "model net.onnx", "standard input"."""
    if size > limit:
        raise InputFileError(
            f"{label} is larger than {limit:,} bytes, the most an input file may hold (set "
            f"{MAX_INPUT_ENV} to allow more)"
        )


def read_input_file(path: str | os.PathLike[str], what: str = "input file") -> bytes:
    """The bytes of the regular file `path`, read once; `what` names it in errors
    ("model", "test data", ...)."""
    name = os.fspath(path)
    if not name:
        raise InputFileError(f"{what}: the path is empty")
    limit = max_input_bytes()
    # stat first: opening a device or a FIFO can block or have side effects
    info = _stat(name, what)
    check_regular(name, info, what)
    label = f"{what} {name}"
    check_size(label, info.st_size, limit)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(name, flags | getattr(os, "O_CLOEXEC", 0))
    except OSError as err:
        raise InputFileError(f"{label}: cannot read ({_reason(err)})") from None
    with os.fdopen(fd, "rb", buffering=0) as stream:
        # the path may have been swapped for a FIFO or a device since the stat
        opened = os.fstat(fd)
        check_regular(name, opened, what)
        return _read_bounded(stream, label, opened.st_size, limit)


def _read_bounded(stream: BinaryIO, label: str, expected: int, limit: int) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while True:
        want = min(max(expected + 1 - total, 1 << 16), _CHUNK, limit + 1 - total)
        try:
            chunk = stream.read(want)
        except OSError as err:
            raise InputFileError(f"{label}: cannot read ({_reason(err)})") from None
        if chunk is None:  # a non-blocking stream with nothing yet: never spin on it
            raise InputFileError(f"{label}: no data to read yet (a non-blocking stream)")
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        check_size(label, total, limit)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def read_stream(stream: BinaryIO, label: str = "standard input") -> bytes:
    """Everything `stream` (standard input) holds, at most `max_input_bytes()`."""
    return _read_bounded(stream, label, 0, max_input_bytes())
