"""The one way text from a model (node, tensor and graph names) reaches generated C.

A model file is untrusted input: a name like `*/ if (1) { ... } /*` must not become code.
Names reach C only as

- a quoted, escaped rendering inside a comment (`quote`): ASCII, no comment delimiters,
  no trigraphs, no control or bidirectional-text characters;
- an identifier derived from them (`c_identifier`): ASCII letters, digits and `_`.

The printer and the `cemit` verifiers check every comment, identifier and string literal
with `comment_problem`, `is_c_identifier` and `string_literal`, so a lowering that forgets
to go through here fails loudly instead of emitting what a model chose.
"""

from __future__ import annotations

import re

MAX_QUOTED = 96  # longer names are shortened in comments; identifiers have their own limit

C_KEYWORDS = frozenset(
    [
        "auto",
        "break",
        "case",
        "char",
        "const",
        "continue",
        "default",
        "do",
        "double",
        "else",
        "enum",
        "extern",
        "float",
        "for",
        "goto",
        "if",
        "inline",
        "int",
        "long",
        "register",
        "restrict",
        "return",
        "short",
        "signed",
        "sizeof",
        "static",
        "struct",
        "switch",
        "typedef",
        "union",
        "unsigned",
        "void",
        "volatile",
        "while",
        "_Alignas",
        "_Alignof",
        "_Atomic",
        "_Bool",
        "_Complex",
        "_Generic",
        "_Imaginary",
        "_Noreturn",
        "_Static_assert",
        "_Thread_local",
    ]
)

_PRINTABLE = frozenset(chr(c) for c in range(0x20, 0x7F))
# pairs that mean something to the C preprocessor inside a comment or string: the comment
# delimiters and trigraphs (`??/` is a backslash under -std=c99)
_DANGEROUS_PAIRS = re.compile(r"(?<=\*)(?=/)|(?<=/)(?=\*)|(?<=\?)(?=\?)")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NOT_IDENTIFIER = re.compile(r"[^A-Za-z0-9_]+")


def _escape_char(ch: str) -> str:
    if ch == "\\":
        return "\\\\"
    if ch in _PRINTABLE:
        return ch
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def escape(text: str, limit: int = MAX_QUOTED) -> str:
    """`text` as printable ASCII safe inside a C comment: backslash escapes for anything
    else, a backslash between `*` and `/` (either order) and between `??`."""
    shortened = text if len(text) <= limit else text[: limit - 3] + "..."
    escaped = "".join(_escape_char(ch) for ch in shortened)
    return _DANGEROUS_PAIRS.sub(r"\\", escaped)


def quote(text: str, limit: int = MAX_QUOTED) -> str:
    """A model string for a comment: `'name'`, escaped (see `escape`)."""
    return f"'{escape(text, limit)}'"


def comment_problem(text: str) -> str | None:
    """Why `text` cannot be a comment's text (None: it can). Lines are separated by
    newlines; each must be printable ASCII without comment delimiters or trigraphs, and
    not end in a backslash (which would splice the next line)."""
    for line in text.split("\n"):
        bad = next((ch for ch in line if ch not in _PRINTABLE), None)
        if bad is not None:
            return f"character U+{ord(bad):04X} is not printable ASCII"
        for pair in ("*/", "/*", "??"):
            if pair in line:
                return f"'{pair}' may not appear in a comment"
        if line.endswith("\\"):
            return "a line may not end in a backslash"
    return None


def is_c_identifier(text: str) -> bool:
    """An ASCII C identifier that is not a keyword."""
    return _IDENTIFIER.fullmatch(text) is not None and text not in C_KEYWORDS


def c_identifier(text: str, limit: int = 40, fallback: str = "t") -> str:
    """An identifier derived from any text: runs of other characters become `_`, a
    leading digit gets a letter, keywords and empty results get one too. At most `limit`
    characters (but for a keyword's `_`), and a fixed point: deriving an identifier from
    the result gives the result again (the frontend derives the network's name, the
    lowering derives its C prefix from that)."""
    name = _NOT_IDENTIFIER.sub("_", text).strip("_")[:limit].rstrip("_") or fallback
    if name[0].isdigit():
        name = f"{fallback[0]}{name}"[:limit].rstrip("_")
    return f"{name}_" if name in C_KEYWORDS else name


def string_literal(text: str) -> str:
    """A C string literal of `text`, which must be plain: printable ASCII without quotes,
    backslashes or trigraphs (names and level names; anything else is a compiler bug)."""
    if comment_problem(text) is not None or any(ch in text for ch in '"\\\n'):
        raise ValueError(f"not a plain string for a C literal: {text!r}")
    return f'"{text}"'
