"""User-facing errors.

A `DeeployError` is a problem with the user's model or options: the CLI prints its
message on one line and exits with code 2, without a traceback. Anything else that escapes
is a compiler bug.
"""

from __future__ import annotations

from xdsl.utils.exceptions import DiagnosticException


class DeeployError(DiagnosticException):
    """The model or the options were rejected; the message says what and how to fix it."""


class ModelError(DeeployError):
    """The ONNX file is missing, unreadable, or has no static shapes."""


class UnsupportedError(DeeployError):
    """The model uses operators, types or attribute values the target cannot compile.

    `nodes` lists (node name, op type, reason) for every node at fault, when known.
    """

    def __init__(self, message: str, nodes: list[tuple[str, str, str]] | None = None) -> None:
        super().__init__(message)
        self.nodes = nodes or []


class NotIntegerError(UnsupportedError):
    """Integer input types were given, but the network has a node with no integer form
    (or non-integer constants): it is a float network."""


class BudgetError(DeeployError):
    """The network does not fit the memory levels it was given (the message names the
    layers or buffers at fault and what they would need)."""


class OptionError(DeeployError):
    """An unknown target, a malformed option value, or an invalid pass pipeline."""


def join_items(items: list[str], limit: int = 50) -> str:
    shown = items[:limit]
    more = f"; and {len(items) - limit} more" if len(items) > limit else ""
    return "; ".join(shown) + more
