"""Integer Gemm and MatMul (runtime/kernels/gemm_int.c): int32 accumulation; int32
result, or requantised when fuse-requant folds a RequantShift into them."""

from __future__ import annotations

from deeploy.dialects.buffer import KernelOp
from deeploy.dialects.graph import GraphOp, element_type
from deeploy.integer_types import I32
from deeploy.kernels.base import Binding, Emitter, Kernel, params_of
from deeploy.kernels.gemm import matmul_calls
from deeploy.kernels.layout import broadcast_strides
from deeploy.kernels.requant import (
    fused_rq_params,
    int_short,
    integer_reason,
    no_rq_args,
    rq_args,
    type_code,
)
from deeploy.kernels.shapes import buffer_shape
from deeploy.tiling.rules import GEMM, MATMUL

OPERAND_TYPES = ("i8", "u8", "i16", "i32")
PAIRS = tuple(f"{a}_{b}" for a in OPERAND_TYPES for b in OPERAND_TYPES)


def _operand_reason(op: GraphOp) -> str | None:
    if reason := integer_reason(op, (0, 1)):
        return reason
    if (
        int_short(op.operands[0]) not in OPERAND_TYPES
        or int_short(op.operands[1]) not in OPERAND_TYPES
    ):
        return "needs int8/uint8/int16/int32 operands"
    return None


def bind_gemm_int(op: GraphOp) -> Binding | str:
    if reason := _operand_reason(op):
        return reason
    rq = fused_rq_params(op)
    if isinstance(rq, str):
        return rq
    has_c = len(op.operands) == (5 if rq is not None else 3)
    if has_c and element_type(op.operands[2]) != I32:
        return f"needs an int32 C, got {element_type(op.operands[2])}"
    alpha, beta = op.attr_float("alpha", 1.0), op.attr_float("beta", 1.0)
    if not alpha.is_integer() or not beta.is_integer():
        return f"integer Gemm needs integer alpha and beta, got {alpha} and {beta}"
    if not (abs(alpha) < 2**31 and abs(beta) < 2**31):  # the kernel takes them as int32
        return f"integer Gemm needs alpha and beta within int32, got {alpha:g} and {beta:g}"
    params = {
        "transA": op.attr_int("transA", 0),
        "transB": op.attr_int("transB", 0),
        "alpha": alpha,
        "beta": beta,
    }
    return Binding("gemm_int", {**params, **(rq or {})}, tuple(range(len(op.operands))))


def emit_gemm_int(e: Emitter, op: KernelOp) -> None:
    p = params_of(op)
    a, b = op.ins[0], op.ins[1]
    requantised = "rq_shift" in p
    accumulate = p.int("accumulate") if "accumulate" in p else 0
    extra = op.ins[2:]
    c = extra[0] if len(extra) in (1, 3) and not accumulate else None
    rq = rq_args(e, op, extra[-2], extra[-1]) if requantised else no_rq_args(e)
    y = op.outs[0]
    m, n = buffer_shape(y)
    a_shape = buffer_shape(a)
    k = a_shape[0] if p.int("transA") else a_shape[1]
    c_rs, c_cs = broadcast_strides(buffer_shape(c), (m, n)) if c is not None else (0, 0)
    e.call(
        f"deeploy_gemm_{int_short(a)}_{int_short(b)}",
        [
            e.ptr(a, const=True),
            e.ptr(b, const=True),
            e.ptr(c, const=True) if c is not None else e.null(I32),
            e.ptr(y),
            e.i32(type_code(y)),
            *rq,
            *map(e.i32, (m, n, k, p.int("transA"), p.int("transB"))),
            e.i32(int(p.float("alpha"))),
            e.i32(int(p.float("beta"))),
            *map(e.i32, (c_rs, c_cs, accumulate)),
        ],
    )


def bind_matmul_int(op: GraphOp) -> Binding | str:
    if reason := _operand_reason(op):
        return reason
    rq = fused_rq_params(op)
    if isinstance(rq, str):
        return rq
    return Binding("matmul_int", rq or {}, tuple(range(len(op.operands))))


def emit_matmul_int(e: Emitter, op: KernelOp) -> None:
    p = params_of(op)
    accumulate = p.int("accumulate") if "accumulate" in p else 0
    a, b = op.ins[0], op.ins[1]
    y = op.outs[0]
    requantised = "rq_shift" in p
    for call in matmul_calls(buffer_shape(a), buffer_shape(b)):
        rq = rq_args(e, op, op.ins[2], op.ins[3]) if requantised else no_rq_args(e)
        e.call(
            f"deeploy_matmul_{int_short(a)}_{int_short(b)}",
            [
                e.ptr_at(a, call.a, const=True),
                e.ptr_at(b, call.b, const=True),
                e.ptr_at(y, call.y),
                e.i32(type_code(y)),
                *rq,
                *map(e.i32, call.sizes),
                e.i32(accumulate),
            ],
        )


KERNELS = [
    Kernel(
        "gemm_int",
        ("Gemm", "RequantizedGemm"),
        "kernels/gemm_int.c",
        bind_gemm_int,
        emit_gemm_int,
        tiling=GEMM,
        symbols=tuple(f"deeploy_gemm_{pair}" for pair in PAIRS),
    ),
    Kernel(
        "matmul_int",
        ("MatMul", "RequantizedMatMul"),
        "kernels/gemm_int.c",
        bind_matmul_int,
        emit_matmul_int,
        tiling=MATMUL,
        symbols=tuple(f"deeploy_matmul_{pair}" for pair in PAIRS),
    ),
]
