"""The shape of an operator's interface, independent of how its class is built.

`graph` op classes are derived from these records. The records for standard ONNX
ops are generated from onnx's schemas (see `deeploy/tools/gen_onnx_signatures.py`)
so that importing the dialect does not import onnx.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple, SupportsFloat, SupportsIndex, SupportsInt

# Arity of an operand or result: exactly one, optional, or variadic.
SINGLE = "1"
OPTIONAL = "?"
VARIADIC = "*"

# Ops whose value is not a function of their inputs: never evaluated at compile time.
NONDETERMINISTIC_OPS = frozenset(
    {
        "RandomNormal",
        "RandomNormalLike",
        "RandomUniform",
        "RandomUniformLike",
        "Bernoulli",
        "Multinomial",
    }
)

# ONNX attribute kinds we can carry as properties.
INT, FLOAT, STRING, INTS, FLOATS, STRINGS, TENSOR = (
    "int",
    "float",
    "string",
    "ints",
    "floats",
    "strings",
    "tensor",
)


class Param(NamedTuple):
    name: str
    arity: str


class AttrSig(NamedTuple):
    name: str
    kind: str
    required: bool
    default: object  # python value of the ONNX default, or None


class OpSignature(NamedTuple):
    op_type: str  # ONNX op type, e.g. "Conv"
    mnemonic: str  # graph op mnemonic, e.g. "conv" (op name "graph.conv")
    since: int  # opset version of the schema the signature was taken from
    inputs: tuple[Param, ...]
    outputs: tuple[Param, ...]
    attrs: tuple[AttrSig, ...]
    domain: str = ""

    def attr(self, name: str) -> AttrSig | None:
        for a in self.attrs:
            if a.name == name:
                return a
        return None


# Attribute values arrive untyped (from onnx, or as schema defaults): these convert them
# as int()/float()/iteration would, and type the result.
def int_value(value: object) -> int:
    """`int(value)` for a value that arrives untyped (an ONNX attribute, a schema default):
    whatever int() converted before is converted the same way, anything else is a TypeError."""
    if isinstance(value, str | bytes | bytearray | SupportsInt | SupportsIndex):
        return int(value)
    raise TypeError(f"{value!r} is not an integer")


def float_value(value: object) -> float:
    """`float(value)` for an untyped value, as `int_value`."""
    if isinstance(value, str | bytes | bytearray | SupportsFloat | SupportsIndex):
        return float(value)
    raise TypeError(f"{value!r} is not a number")


def list_value(value: object) -> list[object]:
    """The items of an untyped list-valued attribute."""
    if isinstance(value, Iterable):
        return list(value)
    raise TypeError(f"{value!r} is not a list")


def ints_value(value: object) -> tuple[int, ...]:
    """An untyped list of integers (an INTS attribute) as a tuple."""
    return tuple(int_value(v) for v in list_value(value))
