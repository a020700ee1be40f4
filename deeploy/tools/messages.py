"""Error lines of `deeploy` and `deeploy-opt`, safe to print whatever they quote.

Messages quote strings from the model (node and tensor names), from IR files and from
the command line. Printed raw, a newline in a name would forge a second line, a carriage
return or an ANSI escape would overwrite the line, and a bidirectional override
(U+202E) would display text in another order than it reads. `one_line` escapes every
such character, so an error stays one line that shows what it says.
"""

from __future__ import annotations

import unicodedata

# Cc: controls (newline, ESC, ...); Cf: formats (bidirectional overrides and isolates,
# zero-width characters); Zl/Zp: line and paragraph separators; Cs: lone surrogates
# (undecodable bytes of a file name)
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
MAX_MESSAGE_CHARS = 4000  # a name of a megabyte would make the line useless


def _escape(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def one_line(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """`text` as one printable line: control, format and separator characters escaped
    (`\\n`, `\\x1b`, `\\u202e`), cut after `limit` characters."""
    if len(text) > limit:
        text = f"{text[:limit]} ... ({len(text) - limit:,} more characters)"
    return "".join(_escape(c) if unicodedata.category(c) in _UNSAFE_CATEGORIES else c for c in text)


def lines(text: str) -> list[str]:
    """A multi-line report (a compiler's or a sanitizer's output) line by line, each
    made safe by `one_line`."""
    return [one_line(line) for line in text.splitlines()]
