"""The one path from model text to C (deeploy/backend/c_text.py): whatever a name holds,
its comment rendering and derived identifier are inert, and the printer refuses text that
did not go through it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deeploy.backend.c_printer import CPrinter, identifier
from deeploy.backend.c_text import (
    c_identifier,
    comment_problem,
    escape,
    is_c_identifier,
    quote,
    string_literal,
)
from tests.c_audit import split_comments

# names that broke the C before the sanitiser (issue 13)
PAYLOADS = [
    "*/ if (1) { output_0[0] = 1337.0f; return; } /*",
    "*/ #define deeploy_add_f32(...) ((void)0) /*",
    "a/*b",
    "??/",
    "trigraph??=",
    "bidi\u202egnp.exe",
    "line\nbreak",
    "tail backslash\\",
    "*//*/",
    "\x00nul",
    "emoji \U0001f600",
]


@pytest.mark.parametrize("text", PAYLOADS)
def test_quoted_payload_is_one_inert_comment(text: str) -> None:
    rendered = quote(text)
    assert comment_problem(rendered) is None
    source = f"/* {rendered} */ int x;"
    comments, code = split_comments(source)
    assert len(comments) == 1 and code.split() == ["int", "x;"]


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=200))
def test_any_text_quotes_safely(text: str) -> None:
    rendered = quote(text)
    assert rendered.isascii()
    assert comment_problem(rendered) is None
    assert "\n" not in rendered


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=200), st.integers(1, 80))
def test_any_text_gives_an_identifier(text: str, limit: int) -> None:
    name = c_identifier(text, limit)
    assert is_c_identifier(name)
    assert len(name) <= limit + 1  # a letter may be added before a leading digit


def test_identifiers_keep_plain_names_and_avoid_keywords() -> None:
    assert c_identifier("conv_1") == "conv_1"
    assert c_identifier("/features/0/Conv") == "features_0_Conv"
    assert c_identifier("3x3") == "t3x3"
    assert c_identifier("int") == "int_"
    assert c_identifier("caf\u00e9") == "caf"
    assert c_identifier("\u202e") == "t"


def test_escape_is_readable_for_ordinary_names() -> None:
    assert escape("/features/0/Conv_output_0") == "/features/0/Conv_output_0"
    assert escape("a*/b") == "a*\\/b"
    assert escape("\u202e") == "\\u202e"
    assert len(escape("x" * 1000)) == 96


@pytest.mark.parametrize("text", ["a */ b", "a /* b", "x ??/", "caf\u00e9", "ends \\", "tab\there"])
def test_printer_refuses_unsafe_comment(text: str) -> None:
    with pytest.raises(ValueError, match="unsafe comment"):
        CPrinter().comment(text, "")


@pytest.mark.parametrize("name", ["a b", "caf\u00e9", "int", "1x", "", "x;y"])
def test_printer_refuses_non_identifiers(name: str) -> None:
    with pytest.raises(ValueError, match="not a C identifier"):
        identifier(name)


@pytest.mark.parametrize("text", ['a"b', "a\\b", "a??/", "line\n"])
def test_string_literals_must_be_plain(text: str) -> None:
    with pytest.raises(ValueError):
        string_literal(text)
    assert string_literal("L2") == '"L2"'


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=120), st.integers(2, 80))
def test_identifier_derivation_is_a_fixed_point(text: str, limit: int) -> None:
    """The frontend derives the network's name and the lowering its C prefix from that
    name: both must be the same identifier (fuzzing found names of 41-65 characters
    whose files and #include disagreed)."""
    name = c_identifier(text, limit)
    assert c_identifier(name, limit) == name
    assert len(name) <= limit + 1  # a keyword's trailing `_`
