"""Window geometry of Conv/ConvTranspose/pooling ops, with ONNX defaults resolved.

One function turns an op's attributes (`auto_pad`, `pads`, `strides`, `dilations`,
`kernel_shape`, `ceil_mode`) into explicit per-axis numbers, so that the verifier, the
kernel binders and the tiler all agree on the same arithmetic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from deeploy.dialects.graph_op import GraphOp, shape_of


@dataclass(frozen=True)
class WindowGeometry:
    kernel: tuple[int, ...]
    strides: tuple[int, ...]
    dilations: tuple[int, ...]
    pads_begin: tuple[int, ...]
    pads_end: tuple[int, ...]
    ceil_mode: bool = False

    @property
    def rank(self) -> int:
        return len(self.kernel)

    def output_size(self, axis: int, in_size: int) -> int:
        eff = (self.kernel[axis] - 1) * self.dilations[axis] + 1
        span = in_size + self.pads_begin[axis] + self.pads_end[axis] - eff
        if span < 0:
            return 0
        if self.ceil_mode:
            out = math.ceil(span / self.strides[axis]) + 1
            # The last window must start inside the input or the begin padding.
            if (out - 1) * self.strides[axis] >= in_size + self.pads_begin[axis]:
                out -= 1
            return out
        return span // self.strides[axis] + 1

    def output_shape(self, spatial_in: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(self.output_size(i, s) for i, s in enumerate(spatial_in))


def window_geometry(op: GraphOp, kernel: tuple[int, ...] | None = None) -> WindowGeometry:
    """Explicit window numbers for op, whose first operand is N x C x spatial..."""
    spatial = shape_of(op.operands[0])[2:]
    rank = len(spatial)
    if kernel is None:
        kernel = op.attr_ints("kernel_shape", ())
    if len(kernel) != rank:
        raise ValueError(
            f"kernel_shape has {len(kernel)} entries but the input has {rank} spatial axes"
        )
    strides = op.attr_ints("strides", ()) or (1,) * rank
    dilations = op.attr_ints("dilations", ()) or (1,) * rank
    ceil_mode = bool(op.attr_int("ceil_mode", 0))
    auto_pad = op.attr_str("auto_pad", "NOTSET")
    if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        begin: list[int] = []
        end: list[int] = []
        for i in range(rank):
            out = -(-spatial[i] // strides[i])
            eff = (kernel[i] - 1) * dilations[i] + 1
            total = max(0, (out - 1) * strides[i] + eff - spatial[i])
            small, large = total // 2, total - total // 2
            begin.append(small if auto_pad == "SAME_UPPER" else large)
            end.append(large if auto_pad == "SAME_UPPER" else small)
        return WindowGeometry(kernel, strides, dilations, tuple(begin), tuple(end), ceil_mode)
    if auto_pad == "VALID":
        zeros = (0,) * rank
        return WindowGeometry(kernel, strides, dilations, zeros, zeros, ceil_mode)
    pads = op.attr_ints("pads", ()) or (0,) * (2 * rank)
    if len(pads) != 2 * rank:
        raise ValueError(f"pads has {len(pads)} entries, expected {2 * rank}")
    return WindowGeometry(kernel, strides, dilations, pads[:rank], pads[rank:], ceil_mode)


def conv_geometry(op: GraphOp) -> WindowGeometry:
    """Conv: kernel_shape defaults to the weight's spatial shape."""
    kernel = op.attr_ints("kernel_shape", ()) or shape_of(op.operands[1])[2:]
    return window_geometry(op, kernel)
