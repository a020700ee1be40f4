"""Compilation targets, by name. Each module defines `TARGET`; loading is lazy.

A target outside the package (a board of your own, a test's) is registered at run time:
`deeploy.targets.register(TARGET)`; it is then compiled for like the built-in ones."""

from __future__ import annotations

from importlib import import_module

from deeploy.errors import OptionError
from deeploy.targets.base import Target

_TARGETS = {
    "generic": "deeploy.targets.generic",
    "cortex-m4": "deeploy.targets.cortex_m4",
    "rv32": "deeploy.targets.rv32",
}


_REGISTERED: dict[str, Target] = {}


def register(target: Target) -> None:
    """Make `target` available by its name (which must not be a built-in one's)."""
    if target.name in _TARGETS:
        raise OptionError(f"target '{target.name}' is built in; choose another name")
    _REGISTERED[target.name] = target


def target_names() -> list[str]:
    return [*_TARGETS, *_REGISTERED]


def get_target(name: str) -> Target:
    if name in _REGISTERED:
        return _REGISTERED[name]
    module = _TARGETS.get(name)
    if module is None:
        raise OptionError(f"unknown target '{name}' (available: {', '.join(target_names())})")
    return import_module(module).TARGET
