"""The kernel library of the generic C runtime (`runtime/kernels/`).

Every module of `deeploy.kernels` that defines `KERNELS` contributes, in module-name
order; within a module, kernels keep their order (specialised before general).
"""

from __future__ import annotations

import pkgutil
from functools import cache
from importlib import import_module

from deeploy.kernels.base import Kernel, KernelLibrary


@cache
def generic_library() -> KernelLibrary:
    import deeploy.kernels as package

    kernels: list[Kernel] = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        module = import_module(f"deeploy.kernels.{info.name}")
        kernels.extend(getattr(module, "KERNELS", ()))
    return KernelLibrary(kernels)
