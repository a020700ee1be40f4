"""The parser of every IR text the compiler reads back (`deeploy-opt` input, the facade's
imported state, the tests' replays): the counterpart of `printer.ExactPrinter`.

xDSL 0.74 prints a string attribute holding non-ASCII text ("café", a node name from any
exporter) with byte escapes, `"caf\\C3\\A9"`, and then lexes that as a *bytes* literal:
`{name = "caf\\C3\\A9"}` reads back as a BytesAttr and the op no longer verifies. This
parser reads a bytes literal that is valid UTF-8 as the string it encodes.
"""

from __future__ import annotations

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, StringAttr
from xdsl.parser import Parser
from xdsl.utils.mlir_lexer import MLIRTokenKind, StringLiteral


class ExactParser(Parser):
    """An xDSL parser that reads back every string `ExactPrinter` writes."""

    def parse_optional_str_literal(self) -> str | None:
        text = super().parse_optional_str_literal()
        if text is not None or self._current_token.kind != MLIRTokenKind.BYTES_LIT:
            return text
        try:
            decoded = StringLiteral.from_span(self._current_token.span).bytes_contents.decode()
        except UnicodeDecodeError:
            return None  # real bytes: left to parse_optional_bytes_literal
        self._consume_token(MLIRTokenKind.BYTES_LIT)
        return decoded

    def _parse_optional_string_attr(self) -> StringAttr | None:
        text = self.parse_optional_str_literal()
        return StringAttr(text) if text is not None else None


def parse_module(ctx: Context, text: str, name: str = "<text>") -> ModuleOp:
    return ExactParser(ctx, text, name).parse_module()
