"""The tiling problem of a fused layer (deeploy/tiling/fusion.py) and how local buffers
enter the schedule and the solver."""

from __future__ import annotations

import pytest

from deeploy.kernels.params import Params, params_to_attr
from deeploy.tiling.fusion import FusionError, Slot, Step, fused_problem
from deeploy.tiling.rules import Layer, gemm_problem
from deeploy.tiling.schedule import schedule, traffic
from deeploy.tiling.solver import l1_footprint, solve

GEMM = Params(params_to_attr({"transA": 0, "transB": 0, "alpha": 1.0, "beta": 1.0}))


def _gemm(m: int, k: int, n: int):
    return gemm_problem(Layer(((m, k), (k, n)), ((m, n),), (4, 4, 4), GEMM))[0]


def _relu_after_gemm(m: int, k: int, n: int):
    """Gemm into a local buffer (operand 2), Relu from it into the output (3)."""
    slots = [
        Slot((m, k), 4, "in"),
        Slot((k, n), 4, "in"),
        Slot((m, n), 4, "local"),
        Slot((m, n), 4, "out"),
    ]
    steps = [Step("gemm_f32", (0, 1), (2,)), Step("relu_f32", (2,), (3,))]
    return fused_problem(_gemm(m, k, n), steps, slots)


def test_later_steps_follow_the_tail_and_reductions_stay_whole() -> None:
    problem = _relu_after_gemm(4, 16, 8)
    assert [d.kind for d in problem.dims] == ["parallel", "parallel", "whole"]
    local, out = problem.operands[2], problem.operands[3]
    assert local.local and not local.is_output and out.is_output
    assert local.axes == out.axes == _gemm(4, 16, 8).operands[2].axes


def test_local_buffers_never_move_and_count_once_in_l1() -> None:
    problem = _relu_after_gemm(4, 16, 8)
    tiles = schedule(problem, (2, 8, 16), double_buffer=True)
    assert not any(tile.moves[2] for tile in tiles)
    moved = traffic(problem, tiles)
    # A's two row blocks, B once, Y's two row blocks: the local tile moves nothing
    assert moved.bytes == (4 * 16 + 16 * 8 + 4 * 8) * 4
    assert moved.transfers == 2 + 1 + 2
    choice = solve(problem, 10_000, double_buffer=True)
    # every operand whole: one tile, one buffer each
    assert choice.counts == (1, 1, 1)
    assert choice.l1_bytes == l1_footprint(problem, choice.sizes, 4, [1, 1, 1, 1])


def test_a_step_that_does_not_read_the_tail_is_refused() -> None:
    slots = [Slot((2, 4), 4, "in"), Slot((4, 3), 4, "in"), Slot((2, 3), 4, "local")]
    slots += [Slot((2, 3), 4, "in"), Slot((2, 3), 4, "out")]
    steps = [Step("gemm_f32", (0, 1), (2,)), Step("relu_f32", (3,), (4,))]
    with pytest.raises(FusionError, match="does not read the chain's tail"):
        fused_problem(_gemm(2, 4, 3), steps, slots)


def test_an_operand_neither_tail_shaped_nor_scalar_is_refused() -> None:
    slots = [Slot((2, 4), 4, "in"), Slot((4, 3), 4, "in"), Slot((3,), 4, "in")]
    slots += [Slot((2, 3), 4, "local"), Slot((2, 3), 4, "out")]
    steps = [Step("gemm_f32", (0, 1), (3,)), Step("add_f32", (3, 2), (4,))]
    with pytest.raises(FusionError, match="neither shaped like"):
        fused_problem(_gemm(2, 4, 3), steps, slots)


def test_reading_a_producer_input_again_needs_its_own_operand() -> None:
    slots = [Slot((2, 3), 4, "in"), Slot((3, 3), 4, "in")]
    slots += [Slot((2, 3), 4, "local"), Slot((2, 3), 4, "out")]
    steps = [Step("gemm_f32", (0, 1), (2,)), Step("add_f32", (2, 0), (3,))]
    with pytest.raises(FusionError, match="list it again"):
        fused_problem(_gemm(2, 3, 3), steps, slots)
