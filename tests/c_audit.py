"""An independent audit of generated C for text a model could have smuggled in.

Used by the hostile-model tests and the fuzzer. It does not trust the compiler's own
sanitiser (deeploy/backend/c_text.py): it splits each file into comments and code with
its own small lexer, checks that split against the C compiler's (`cc -fpreprocessed -E`
removes comments exactly as the compiler will), and then checks that no model string
with a character an identifier cannot hold appears in the code.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterable, Mapping

_PRINTABLE = re.compile(r"[\x20-\x7e\n\t]*")
_PLAIN_LITERAL = re.compile(r'"[A-Za-z0-9_. ]*"')
# The exported test program's (main.c, deeploy/harness/test_main.c.j2) own output lines:
# fixed formats and numbers, nothing from the model
_HARNESS_LITERAL = re.compile(
    r'"%0(2|4|8|16)llx"|"DEEPLOY_OUTPUT \d+ \d+ \d+\\n"|"DEEPLOY_DONE\\n"'
    r'|"DEEPLOY_DMA %lu %llu\\n"|"DEEPLOY_INSTRUCTIONS %llu\\n"'
)
# Model strings worth looking for in the code: long enough not to occur by chance, and
# holding something an identifier derived from them could not (so a match is the string
# itself, not its sanitised identifier).
_CODE_LIKE = re.compile(r"(?=.*[A-Za-z])(?=.*[^A-Za-z0-9_.]).{8,}", re.DOTALL)


def comment_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each comment's body in `text` (between the delimiters)."""
    spans: list[tuple[int, int]] = []
    i, n = 0, len(text)
    while i < n:
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end
            spans.append((i + 2, end))
            i = end + 2
        elif text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            spans.append((i + 2, end))
            i = end
        elif text[i] in "\"'":
            quote, j = text[i], i + 1
            while j < n and text[j] != quote:
                j += 2 if text[j] == "\\" else 1
            i = j + 1
        else:
            i += 1
    return spans


def split_comments(text: str) -> tuple[list[str], str]:
    """(the comments' bodies, the code with each comment replaced by one space)."""
    spans = comment_spans(text)
    code, last = [], 0
    for start, end in spans:
        code.append(text[last : start - 2] + " ")
        last = end + 2
    code.append(text[last:])
    return [text[a:b] for a, b in spans], "".join(code)


def _outside_comments(text: str, needle: str, spans: list[tuple[int, int]]) -> bool:
    """Whether some occurrence of `needle` is not wholly inside one comment body."""
    at = text.find(needle)
    while at >= 0:
        if not any(a <= at and at + len(needle) <= b for a, b in spans):
            return True
        at = text.find(needle, at + 1)
    return False


def _compiler_view(text: str) -> str | None:
    """The file with comments removed by the C compiler itself (None without one)."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        return None
    proc = subprocess.run(
        [cc, "-std=c99", "-fpreprocessed", "-dD", "-E", "-P", "-x", "c", "-"],
        input=text,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return proc.stdout if proc.returncode == 0 else None


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def audit(files: Mapping[str, str], model_strings: Iterable[str]) -> list[str]:
    """Problems found in the generated C files (empty: none)."""
    problems: list[str] = []
    suspicious = [s for s in set(model_strings) if _CODE_LIKE.fullmatch(s)]
    for name, text in files.items():
        if not _PRINTABLE.fullmatch(text):
            bad = next(ch for ch in text if not _PRINTABLE.fullmatch(ch))
            problems.append(f"{name}: character U+{ord(bad):04X} outside printable ASCII")
        comments, code = split_comments(text)
        if "??" in code:
            problems.append(f"{name}: a trigraph ('??') in the code")
        if re.search(r"\\\n", text):
            problems.append(f"{name}: a line ends in a backslash (a line splice)")
        for body in comments:
            if "/*" in body or "??" in body:
                problems.append(f"{name}: a comment holds '/*' or '??': {body[:80]!r}")
        compiler = _compiler_view(text)
        if compiler is not None and _squeeze(compiler) != _squeeze(code):
            problems.append(f"{name}: the C compiler splits comments from code differently")
        for literal in re.findall(r'"(?:[^"\\\n]|\\.)*"', code):
            harness = name == "main.c" and _HARNESS_LITERAL.fullmatch(literal)
            if not (_PLAIN_LITERAL.fullmatch(literal) or literal.endswith('.h"') or harness):
                problems.append(f"{name}: string literal {literal[:60]} is not plain")
        spans = comment_spans(text)
        for s in suspicious:
            if _outside_comments(text, s, spans):
                problems.append(f"{name}: model text {s[:60]!r} appears outside comments")
    return problems
