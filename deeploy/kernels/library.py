"""The kernel library of the generic C runtime (`runtime/kernels/`)."""

from __future__ import annotations

from functools import cache

from deeploy.kernels.base import KernelLibrary


@cache
def generic_library() -> KernelLibrary:
    from deeploy.kernels import (
        activation,
        conv,
        data_movement,
        elementwise,
        gemm,
        norm,
        pool,
        reduce,
        softmax,
    )

    kernels = []
    for module in (conv, gemm, elementwise, activation, softmax, pool, norm, reduce, data_movement):
        kernels.extend(module.KERNELS)
    return KernelLibrary(kernels)
