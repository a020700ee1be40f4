"""Deeploy's passes, registered by name; each factory imports its module lazily."""

from __future__ import annotations

from collections.abc import Callable

from xdsl.passes import ModulePass


def _set_target() -> type[ModulePass]:
    from deeploy.passes.set_target import SetTargetPass

    return SetTargetPass


def _assign_integer_types() -> type[ModulePass]:
    from deeploy.passes.assign_integer_types import AssignIntegerTypesPass

    return AssignIntegerTypesPass


def _fold_constants() -> type[ModulePass]:
    from deeploy.passes.fold_constants import FoldConstantsPass

    return FoldConstantsPass


def _canonicalize_reshapes() -> type[ModulePass]:
    from deeploy.passes.canonicalize_reshapes import CanonicalizeReshapesPass

    return CanonicalizeReshapesPass


def _fold_batchnorm() -> type[ModulePass]:
    from deeploy.passes.fold_batchnorm import FoldBatchNormPass

    return FoldBatchNormPass


def _lower_qdq() -> type[ModulePass]:
    from deeploy.passes.lower_qdq import LowerQDQPass

    return LowerQDQPass


def _fuse_matmul_add() -> type[ModulePass]:
    from deeploy.passes.fuse_matmul_add import FuseMatMulAddPass

    return FuseMatMulAddPass


def _fuse_requant() -> type[ModulePass]:
    from deeploy.passes.fuse_requant import FuseRequantPass

    return FuseRequantPass


def _fuse_activation() -> type[ModulePass]:
    from deeploy.passes.fuse_activation import FuseActivationPass

    return FuseActivationPass


def _reuse_input_buffers() -> type[ModulePass]:
    from deeploy.passes.reuse_input_buffers import ReuseInputBuffersPass

    return ReuseInputBuffersPass


def _untranspose_weights() -> type[ModulePass]:
    from deeploy.passes.untranspose_weights import UntransposeWeightsPass

    return UntransposeWeightsPass


def _bind_kernels() -> type[ModulePass]:
    from deeploy.passes.bind_kernels import BindKernelsPass

    return BindKernelsPass


def _bufferize() -> type[ModulePass]:
    from deeploy.passes.bufferize import BufferizePass

    return BufferizePass


def _tile_layers() -> type[ModulePass]:
    from deeploy.passes.tile_layers import TileLayersPass

    return TileLayersPass


def _fuse_tiled_layers() -> type[ModulePass]:
    from deeploy.passes.fuse_tiled_layers import FuseTiledLayersPass

    return FuseTiledLayersPass


def _plan_memory() -> type[ModulePass]:
    from deeploy.passes.plan_memory import PlanMemoryPass

    return PlanMemoryPass


def _verify_memory_plan() -> type[ModulePass]:
    from deeploy.passes.verify_memory_plan import VerifyMemoryPlanPass

    return VerifyMemoryPlanPass


def _lower_to_c() -> type[ModulePass]:
    from deeploy.passes.lower_to_c import LowerToCPass

    return LowerToCPass


def get_all_passes() -> dict[str, Callable[[], type[ModulePass]]]:
    return {
        "set-target": _set_target,
        "assign-integer-types": _assign_integer_types,
        "fold-constants": _fold_constants,
        "canonicalize-reshapes": _canonicalize_reshapes,
        "fold-batchnorm": _fold_batchnorm,
        "lower-qdq": _lower_qdq,
        "fuse-matmul-add": _fuse_matmul_add,
        "untranspose-weights": _untranspose_weights,
        "fuse-requant": _fuse_requant,
        "bind-kernels": _bind_kernels,
        "fuse-activation": _fuse_activation,
        "bufferize": _bufferize,
        "reuse-input-buffers": _reuse_input_buffers,
        "tile-layers": _tile_layers,
        "fuse-tiled-layers": _fuse_tiled_layers,
        "plan-memory": _plan_memory,
        "verify-memory-plan": _verify_memory_plan,
        "lower-to-c": _lower_to_c,
    }
