"""Gemm and MatMul kernels."""

from __future__ import annotations

from dataclasses import dataclass

from deeploy.dialects.buffer import KernelOp
from deeploy.dialects.graph import GraphOp
from deeploy.dtypes import value_element_type
from deeploy.kernels.base import Binding, Emitter, Kernel, params_of
from deeploy.kernels.layout import broadcast_strides, collapse, contiguous_strides
from deeploy.kernels.predicates import f32_only
from deeploy.kernels.shapes import buffer_shape
from deeploy.tiling.rules import GEMM, MATMUL


def bind_gemm_f32(op: GraphOp) -> Binding | str:
    if reason := f32_only(op):
        return reason
    params = {
        "transA": op.attr_int("transA", 0),
        "transB": op.attr_int("transB", 0),
        "alpha": op.attr_float("alpha", 1.0),
        "beta": op.attr_float("beta", 1.0),
    }
    return Binding("gemm_f32", params, tuple(range(len(op.operands))))


def _c_strides(c_shape: tuple[int, ...], m: int, n: int) -> tuple[int, int]:
    rs, cs = broadcast_strides(c_shape, (m, n))
    return rs, cs


def emit_gemm_f32(e: Emitter, op: KernelOp) -> None:
    p = params_of(op)
    a, b = op.ins[0], op.ins[1]
    accumulate = p.int("accumulate") if "accumulate" in p else 0
    # an accumulating tile adds to partial sums that already hold C
    c = op.ins[2] if len(op.ins) > 2 and not accumulate else None
    y = op.outs[0]
    m, n = buffer_shape(y)
    a_shape = buffer_shape(a)
    k = a_shape[0] if p.int("transA") else a_shape[1]
    c_rs, c_cs = _c_strides(buffer_shape(c), m, n) if c is not None else (0, 0)
    act_min = p.float("act_min") if "act_min" in p else float("-inf")
    act_max = p.float("act_max") if "act_max" in p else float("inf")
    e.call(
        "deeploy_gemm_f32",
        [
            e.ptr(a, const=True),
            e.ptr(b, const=True),
            e.ptr(c, const=True) if c is not None else e.null(value_element_type(a)),
            e.ptr(y),
            *map(e.i32, (m, n, k, p.int("transA"), p.int("transB"))),
            e.f32(p.float("alpha")),
            e.f32(p.float("beta")),
            e.i32(c_rs),
            e.i32(c_cs),
            e.f32(act_min),
            e.f32(act_max),
            e.i32(accumulate),
        ],
    )


def bind_matmul_f32(op: GraphOp) -> Binding | str:
    if reason := f32_only(op):
        return reason
    return Binding("matmul_f32", {}, (0, 1))


def matmul_batches(a_shape: tuple[int, ...], b_shape: tuple[int, ...]):
    """(M, N, K, collapsed batch shape, A/B/Y batch strides in elements)."""
    a2 = (1, *a_shape) if len(a_shape) == 1 else a_shape
    b2 = (*b_shape, 1) if len(b_shape) == 1 else b_shape
    m, k, n = a2[-2], a2[-1], b2[-1]
    a_batch, b_batch = a2[:-2], b2[:-2]
    rank = max(len(a_batch), len(b_batch))
    out_batch = tuple(
        max(x, y)
        for x, y in zip(
            (1,) * (rank - len(a_batch)) + a_batch, (1,) * (rank - len(b_batch)) + b_batch
        )
    )
    a_s = tuple(s * m * k for s in broadcast_strides(a_batch, out_batch))
    b_s = tuple(s * k * n for s in broadcast_strides(b_batch, out_batch))
    y_s = tuple(s * m * n for s in contiguous_strides(out_batch))
    shape, (a_s, b_s, y_s) = (
        collapse(out_batch, [a_s, b_s, y_s]) if out_batch else ((1,), [(0,), (0,), (0,)])
    )
    return m, n, k, shape, a_s, b_s, y_s


@dataclass(frozen=True)
class MatMulCall:
    """One call of a batched MatMul kernel: element offsets into A, B, Y, and the
    (B1, B2, M, N, K, a_s1, a_s2, b_s1, b_s2) integers the kernels take."""

    a: int
    b: int
    y: int
    sizes: tuple[int, ...]


def matmul_calls(a_shape: tuple[int, ...], b_shape: tuple[int, ...]) -> list[MatMulCall]:
    """The kernels walk two batch levels; deeper broadcasting is unrolled into calls."""
    m, n, k, shape, a_s, b_s, y_s = matmul_batches(a_shape, b_shape)
    lead = shape[:-2] if len(shape) > 2 else ()
    inner = shape[len(lead) :]
    if len(inner) == 1:
        inner = (1, *inner)
        a_in, b_in = (0, a_s[-1]), (0, b_s[-1])
    else:
        a_in, b_in = a_s[len(lead) :], b_s[len(lead) :]
    sizes = (inner[0], inner[1], m, n, k, a_in[0], a_in[1], b_in[0], b_in[1])
    count = 1
    for d in lead:
        count *= d
    calls = []
    for flat in range(count):
        ao = bo = yo = 0
        rem = flat
        for axis in reversed(range(len(lead))):
            idx = rem % lead[axis]
            rem //= lead[axis]
            ao += idx * a_s[axis]
            bo += idx * b_s[axis]
            yo += idx * y_s[axis]
        calls.append(MatMulCall(ao, bo, yo, sizes))
    return calls


def emit_matmul_f32(e: Emitter, op: KernelOp) -> None:
    p = params_of(op)
    accumulate = p.int("accumulate") if "accumulate" in p else 0
    a, b = op.ins
    y = op.outs[0]
    for call in matmul_calls(buffer_shape(a), buffer_shape(b)):
        e.call(
            "deeploy_matmul_f32",
            [
                e.ptr_at(a, call.a, const=True),
                e.ptr_at(b, call.b, const=True),
                e.ptr_at(y, call.y),
                *map(e.i32, call.sizes),
                e.i32(accumulate),
            ],
        )


KERNELS = [
    Kernel("gemm_f32", ("Gemm",), "kernels/gemm_f32.c", bind_gemm_f32, emit_gemm_f32, tiling=GEMM),
    Kernel(
        "matmul_f32",
        ("MatMul",),
        "kernels/gemm_f32.c",
        bind_matmul_f32,
        emit_matmul_f32,
        tiling=MATMUL,
    ),
]
