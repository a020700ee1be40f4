"""Static buffer allocation: byte offsets for buffers with known sizes and lifetimes.

Objective: buffers live at the same time step never overlap, every offset is a multiple of
the alignment, and the peak (max offset + aligned size, i.e. the arena size) is minimal.

Method: (1) the lower bound is the largest sum of aligned sizes live at one time step;
(2) greedy placement in several deterministic orders (by size, by pressure at the busiest
time step, by area, by lifetime, by contention, by start), each with first-fit and
best-fit gaps, keeping the best; (3) if that misses the bound, an exact branch and bound
over canonical placements (MiniMalloc-style: buffers in offset order, each on the floor
left by the ones below it, bound = raised floor + units still to place) improves on it
within a deterministic node budget. Buffers whose lifetimes never chain together are
solved as separate groups.
"""

from deeploy.allocation.allocator import DEFAULT_BUDGET, DEFAULT_TIME_LIMIT, allocate
from deeploy.allocation.problem import Allocation, AllocationError, Request

__all__ = [
    "DEFAULT_BUDGET",
    "DEFAULT_TIME_LIMIT",
    "Allocation",
    "AllocationError",
    "Request",
    "allocate",
]
