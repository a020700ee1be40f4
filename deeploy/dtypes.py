"""Element types: the one place that maps between numpy, xDSL and C.

Signless integer types (i8, i32, ...) are signed, as in onnx-mlir; unsigned types carry
xDSL's `ui` signedness. Booleans are i1 and stored as one byte.
"""

from __future__ import annotations

import numpy as np
from xdsl.dialects.builtin import (
    BytesAttr,
    DenseIntOrFPElementsAttr,
    Float16Type,
    Float32Type,
    Float64Type,
    IntegerType,
    MemRefType,
    Signedness,
    TensorType,
)
from xdsl.ir import Attribute, SSAValue

_INT_C = {8: "int8_t", 16: "int16_t", 32: "int32_t", 64: "int64_t"}


def element_type_of(dtype: np.dtype) -> Attribute:
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return IntegerType(1)
    if dtype.kind == "f" and dtype.itemsize in (2, 4, 8):
        return {2: Float16Type(), 4: Float32Type(), 8: Float64Type()}[dtype.itemsize]
    if dtype.kind in "iu":
        sign = Signedness.UNSIGNED if dtype.kind == "u" else Signedness.SIGNLESS
        return IntegerType(dtype.itemsize * 8, sign)
    raise ValueError(f"unsupported element type {dtype}")


def numpy_dtype(element_type: Attribute) -> np.dtype:
    if isinstance(element_type, Float32Type):
        return np.dtype(np.float32)
    if isinstance(element_type, Float64Type):
        return np.dtype(np.float64)
    if isinstance(element_type, Float16Type):
        return np.dtype(np.float16)
    if isinstance(element_type, IntegerType):
        width = element_type.width.data
        if width == 1:
            return np.dtype(np.bool_)
        unsigned = element_type.signedness.data == Signedness.UNSIGNED
        return np.dtype(f"{'u' if unsigned else 'i'}{width // 8}")
    raise ValueError(f"element type {element_type} has no numpy equivalent")


def c_type(element_type: Attribute) -> str:
    """The C99 type of one element."""
    if isinstance(element_type, Float32Type):
        return "float"
    if isinstance(element_type, Float64Type):
        return "double"
    if isinstance(element_type, IntegerType):
        width = element_type.width.data
        if width == 1:
            return "uint8_t"
        unsigned = element_type.signedness.data == Signedness.UNSIGNED
        return ("u" if unsigned else "") + _INT_C[width]
    raise ValueError(f"element type {element_type} has no C type")


def short_name(element_type: Attribute) -> str:
    """The suffix used in kernel names: f32, i8, u8, ..."""
    if isinstance(element_type, Float32Type | Float64Type | Float16Type):
        return f"f{element_type.bitwidth}"
    if isinstance(element_type, IntegerType):
        width = element_type.width.data
        if width == 1:
            return "bool"
        unsigned = element_type.signedness.data == Signedness.UNSIGNED
        return f"{'u' if unsigned else 'i'}{width}"
    return str(element_type)


def byte_size(element_type: Attribute) -> int:
    if isinstance(element_type, IntegerType) and element_type.width.data == 1:
        return 1
    return numpy_dtype(element_type).itemsize


def dense_from_numpy(
    array: np.ndarray, element_type: Attribute | None = None
) -> DenseIntOrFPElementsAttr:
    element_type = element_type or element_type_of(array.dtype)
    data = np.ascontiguousarray(array, dtype=numpy_dtype(element_type).newbyteorder("<"))
    # numpy_dtype took it, so it is one of these: the narrowing dense elements need
    if not isinstance(element_type, IntegerType | Float16Type | Float32Type | Float64Type):
        raise ValueError(f"element type {element_type} has no numpy equivalent")
    return DenseIntOrFPElementsAttr(
        TensorType(element_type, array.shape), BytesAttr(data.tobytes())
    )


def value_element_type(value: SSAValue) -> Attribute:
    """The element type of a tensor (graph level) or buffer (after bufferization) value."""
    t = value.type
    if not isinstance(t, TensorType | MemRefType):
        raise TypeError(f"{t} is neither a tensor nor a buffer type")
    return t.get_element_type()


def numpy_from_dense(attr: DenseIntOrFPElementsAttr) -> np.ndarray:
    shaped = attr.type
    dtype = numpy_dtype(shaped.get_element_type()).newbyteorder("<")
    flat = np.frombuffer(attr.data.data, dtype=dtype)
    shape = tuple(shaped.get_shape())
    count = int(np.prod(shape, dtype=np.int64))
    if flat.size == 1 and count != 1:
        flat = np.broadcast_to(flat, (count,))  # splat
    return flat.reshape(shape).astype(dtype.newbyteorder("="), copy=False)
