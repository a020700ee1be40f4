"""Checks of pass options: a pipeline string is user input (`deeploy-opt -p`,
`Pipeline.parse`), so a value no pass can work with is an `OptionError` naming the pass
and the option when the pass is constructed, not a division by zero later."""

from __future__ import annotations

from deeploy.errors import OptionError

LEVELS = ("L1", "L2", "L3")


def require(condition: bool, pass_name: str, option: str, value: object, expected: str) -> None:
    if not condition:
        raise OptionError(f"{pass_name}: option {option} must be {expected}, got {value!r}")


def alignment(pass_name: str, option: str, value: int) -> None:
    ok = isinstance(value, int) and value > 0 and value & (value - 1) == 0
    require(ok, pass_name, option, value, "a positive power of two")


def non_negative(pass_name: str, option: str, value: int) -> None:
    require(isinstance(value, int) and value >= 0, pass_name, option, value, "at least 0")


def positive(pass_name: str, option: str, value: int) -> None:
    require(isinstance(value, int) and value > 0, pass_name, option, value, "at least 1")


def level(pass_name: str, option: str, value: str, allowed: tuple[str, ...] = LEVELS) -> None:
    require(value in allowed, pass_name, option, value, f"one of {', '.join(allowed)}")


def level_name(pass_name: str, option: str, value: str) -> None:
    from deeploy.dialects.target import LEVEL_NAME

    ok = isinstance(value, str) and LEVEL_NAME.fullmatch(value) is not None
    require(ok, pass_name, option, value, "a memory level's name (e.g. L2)")
