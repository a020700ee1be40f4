"""Compilation targets, by name. Each module defines `TARGET`; loading is lazy."""

from __future__ import annotations

from importlib import import_module

from deeploy.errors import OptionError
from deeploy.targets.base import Target

_TARGETS = {
    "generic": "deeploy.targets.generic",
    "cortex-m4": "deeploy.targets.cortex_m4",
    "rv32": "deeploy.targets.rv32",
}


def target_names() -> list[str]:
    return list(_TARGETS)


def get_target(name: str) -> Target:
    module = _TARGETS.get(name)
    if module is None:
        raise OptionError(f"unknown target '{name}' (available: {', '.join(_TARGETS)})")
    return import_module(module).TARGET
