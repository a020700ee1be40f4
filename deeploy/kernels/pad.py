"""Pad, any element type: constant, edge, reflect and wrap modes.

The binder resolves the ONNX inputs (constant pads, optional axes) into begin/end pads for
every axis. Negative pads crop: the emitter offsets the input pointer and shrinks the
input's extent, so the kernel only ever pads. Neighbouring axes that pad as one are merged
so the kernel sees the smallest rank.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from deeploy.dialects.buffer import KernelOp
from deeploy.dialects.graph import GraphOp, constant_value, element_type, shape_of
from deeploy.dtypes import byte_size, value_element_type
from deeploy.kernels.base import Binding, Emitter, Kernel, params_of
from deeploy.kernels.layout import contiguous_strides, numel
from deeploy.kernels.shapes import buffer_shape, element_bytes

MAX_RANK = 8
MODES = {"constant": 0, "edge": 1, "reflect": 2, "wrap": 3}  # DEEPLOY_PAD_* in pad.h
ELEMENT_SIZES = (1, 2, 4, 8)


def _resolve_pads(op: GraphOp, rank: int) -> tuple[list[int], list[int]] | str:
    """Begin and end pads of every axis, from the pads and optional axes inputs."""
    pads = constant_value(op.operand_at(1))
    if pads is None:
        return "pads must be a constant"
    axes_input = op.operand_at(3)
    if axes_input is None:
        axes = list(range(rank))
    else:
        axes_value = constant_value(axes_input)
        if axes_value is None:
            return "axes must be a constant"
        axes = [int(a) for a in axes_value.reshape(-1)]
        if any(not -rank <= a < rank for a in axes):
            return f"axes {axes} are out of range for rank {rank}"
        axes = [a % rank for a in axes]
        if len(set(axes)) != len(axes):
            return f"axes {axes} repeat an axis"
    flat = [int(p) for p in pads.reshape(-1)]
    if len(flat) != 2 * len(axes):
        return f"pads has {len(flat)} entries, expected {2 * len(axes)}"
    begin, end = [0] * rank, [0] * rank
    for i, a in enumerate(axes):
        begin[a], end[a] = flat[i], flat[len(axes) + i]
    return begin, end


def _check_mode(mode: str, x: tuple[int, ...], begin: list[int], end: list[int]) -> str | None:
    if mode not in MODES:
        return f"mode '{mode}' is not supported"
    if mode == "constant":
        return None
    if any(p < 0 for p in (*begin, *end)):
        return f"negative pads (cropping) are only supported in constant mode, not '{mode}'"
    for d, (n, b, e) in enumerate(zip(x, begin, end)):
        if (b or e) and n == 0:
            return f"mode '{mode}' cannot pad the empty axis {d}"
        if mode == "reflect" and max(b, e) >= n and (b or e):
            return f"reflect pads {b}, {e} of axis {d} must be smaller than its size {n}"
    return None


def bind_pad(op: GraphOp) -> Binding | str:
    x = shape_of(op.operands[0])
    size = byte_size(element_type(op.operands[0]))
    if size not in ELEMENT_SIZES:
        return f"elements of {size} bytes are not supported"
    resolved = _resolve_pads(op, len(x))
    if isinstance(resolved, str):
        return resolved
    begin, end = resolved
    mode = op.attr_str("mode", "constant")
    if reason := _check_mode(mode, x, begin, end):
        return reason
    expected = tuple(n + b + e for n, b, e in zip(x, begin, end))
    if any(d < 0 for d in expected):
        return f"pads {begin}, {end} crop more than the input shape {x}"
    if shape_of(op.results[0]) != expected:
        return f"result shape {shape_of(op.results[0])} differs from the padded shape {expected}"
    if len(x) > MAX_RANK:
        return f"inputs of rank {len(x)} are not supported (at most {MAX_RANK})"
    # The constant is read from its tensor (any element type); absent means zero.
    value = op.operand_at(2) if mode == "constant" else None
    if value is not None and numel(shape_of(value)) != 1:
        return f"constant_value must have one element, got shape {shape_of(value)}"
    return Binding(
        "pad",
        {"pads_begin": tuple(begin), "pads_end": tuple(end), "mode": mode},
        (0, 2) if value is not None else (0,),
    )


@dataclass(frozen=True)
class PadLayout:
    """What the kernel iterates: the input after cropping, collapsed to the smallest rank."""

    offset: int  # elements skipped at the start of the input by cropping
    out_shape: tuple[int, ...]
    in_shape: tuple[int, ...]
    in_strides: tuple[int, ...]
    pads_begin: tuple[int, ...]


class _Axis(NamedTuple):
    out: int  # output extent
    kept: int  # input extent after cropping
    stride: int  # input element stride
    begin: int  # begin pad, >= 0
    padded: bool


def pad_layout(
    x: tuple[int, ...], begin: tuple[int, ...], end: tuple[int, ...], mode: str
) -> PadLayout:
    strides = contiguous_strides(x)
    offset = sum(max(-b, 0) * s for b, s in zip(begin, strides))
    axes = []
    for n, b, e, s in zip(x, begin, end, strides):
        kept = n - max(-b, 0) - max(-e, 0)
        pb, pe = max(b, 0), max(e, 0)
        # A unit axis that is neither cropped nor padded adds nothing (and dropping it keeps
        # the innermost remaining stride 1).
        if n != 1 or pb or pe:
            axes.append(_Axis(pb + kept + pe, kept, s, pb, bool(pb or pe)))
    merged = axes[:1] or [_Axis(1, 1, 1, 0, False)]
    for axis in axes[1:]:
        prev = merged[-1]
        # An untouched, uncropped inner axis merges into its outer neighbour: whole rows of
        # it are copied or, in constant mode, filled (edge/reflect/wrap would repeat rows,
        # so the outer axis must then be unpadded too).
        whole = not axis.padded and prev.stride == axis.stride * axis.kept
        if whole and (mode == "constant" or not prev.padded):
            k = axis.kept
            merged[-1] = _Axis(
                prev.out * k, prev.kept * k, axis.stride, prev.begin * k, prev.padded
            )
        else:
            merged.append(axis)
    return PadLayout(
        offset,
        tuple(a.out for a in merged),
        tuple(a.kept for a in merged),
        tuple(a.stride for a in merged),
        tuple(a.begin for a in merged),
    )


def emit_pad(e: Emitter, op: KernelOp) -> None:
    p = params_of(op)
    x, y = op.ins[0], op.outs[0]
    if numel(buffer_shape(y)) == 0:
        return
    mode = p.str("mode")
    layout = pad_layout(buffer_shape(x), p.ints("pads_begin"), p.ints("pads_end"), mode)
    # A fully cropped input is never read (the output is all constant), and its offset
    # may lie past the end.
    cropped_away = numel(layout.in_shape) == 0
    source = e.ptr(x, const=True) if cropped_away else e.ptr_at(x, layout.offset, const=True)
    element = value_element_type(x)
    value = e.ptr(op.ins[1], const=True) if len(op.ins) > 1 else e.null(element)
    e.call(
        "deeploy_pad",
        [
            source,
            e.ptr(y),
            value,
            e.i32(element_bytes(x)),
            e.i32(len(layout.out_shape)),
            e.i32_array(layout.out_shape),
            e.i32_array(layout.in_shape),
            e.i32_array(layout.in_strides),
            e.i32_array(layout.pads_begin),
            e.i32(MODES[mode]),
        ],
    )


KERNELS = [Kernel("pad", ("Pad",), "kernels/pad.c", bind_pad, emit_pad)]
