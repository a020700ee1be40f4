"""The printer of every IR text the compiler writes (`--dump-ir` stages, `deeploy-opt`
output, the facade's exported state): text that parses back to the same values.

xDSL 0.74 prints a float it cannot write in `%.9g` with a decimal point (1162668.0) as
its bit pattern, `0x498DED60`, and NaN/Inf the same way. As a FloatAttr that parses back;
inside `dense<[...]>` it parses back as the *integer* 1234038144, and inside
`array<f32: ...>` not at all. It also prints a dense [-0.0, 0.0] as the splat -0.0. This
printer writes such finite values as the shortest decimal that reads back exactly, and a
float `dense` holding NaN, an infinity or zeros of both signs all alike otherwise as its
raw bytes (`dense<"0x...">`), which xDSL's parser reads bit-exactly.
"""

from __future__ import annotations

import math

import numpy as np
from xdsl.dialects.builtin import (
    AnyFloat,
    DenseIntOrFPElementsAttr,
    Float64Type,
    IntegerType,
    ModuleOp,
)
from xdsl.ir import Attribute, Operation
from xdsl.printer import Printer

RAW_BYTES_ABOVE = 100  # elements; larger dense constants print as raw bytes


def exact_decimal(value: float) -> str:
    """The shortest decimal that parses back to `value` (a finite double), in MLIR's
    float-literal syntax (always with a '.')."""
    text = repr(value)
    mantissa, e, exponent = text.partition("e")
    if "." not in mantissa:
        mantissa += ".0"
    return mantissa + e + exponent


class ExactPrinter(Printer):
    """An xDSL printer whose float values parse back bit-exactly."""

    def print_float(self, value: float, type: AnyFloat) -> None:
        if not math.isfinite(value):
            super().print_float(value, type)  # a bit pattern: exact as a FloatAttr
            return
        # xDSL's own spellings where they have a '.' and read back exactly (so ordinary
        # IR looks as it always did); the shortest exact decimal instead of its bit pattern
        mantissa, _, exponent = f"{value:.5e}".partition("e")
        digits = 17 if isinstance(type, Float64Type) else 9
        for text in (f"{mantissa}0e{exponent}", f"{value:.{digits}g}"):
            if "." in text and type.unpack(type.pack([float(text)]), 1)[0] == value:
                self.print_string(text)
                return
        self.print_string(exact_decimal(value))

    def print_attribute(self, attribute: Attribute) -> None:
        if isinstance(attribute, DenseIntOrFPElementsAttr) and _needs_raw_bytes(attribute):
            self.print_string(f'dense<"0x{attribute.data.data.hex().upper()}"> : ')
            self.print_attribute(attribute.type)
            return
        super().print_attribute(attribute)


def _needs_raw_bytes(attr: DenseIntOrFPElementsAttr) -> bool:
    """Large tensors (as MLIR prints them: their literals are slow to print and parse,
    and nobody reads them), and floats xDSL cannot print as a literal that reads back the
    same: NaN and infinities, and values that differ only in the sign of zero (xDSL
    compares with ==, prints [-0.0, 0.0] as the splat -0.0)."""
    from deeploy.dtypes import numpy_from_dense

    element = attr.get_element_type()
    if isinstance(element, IntegerType):
        return len(attr) > RAW_BYTES_ABOVE and element.width.data % 8 == 0
    if not isinstance(element, AnyFloat):
        return False
    if len(attr) > RAW_BYTES_ABOVE:
        return True
    values = numpy_from_dense(attr).reshape(-1)
    if not bool(np.isfinite(values.astype(np.float64)).all()):
        return True
    return (
        values.size > 1
        and bool((values == values[0]).all())
        and bool(np.signbit(values).any() != np.signbit(values).all())
    )


def print_module(module: ModuleOp | Operation) -> str:
    """The module as text that parses back to the same values, ending in a newline."""
    from io import StringIO

    out = StringIO()
    ExactPrinter(out).print_op(module)
    out.write("\n")
    return out.getvalue()
