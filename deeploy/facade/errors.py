"""Errors of the Deeploy-compatible facade.

Code written against Deeploy catches `RuntimeError` for calls made in the wrong order and
`AssertionError` for rejected arguments; code written against this project catches
`DeeployError`. Each facade error is both, so neither kind of caller has to change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from deeploy.errors import DeeployError, OptionError

# Deeploy's own wording, so that messages users search for still match.
NOT_PARSED_FOR_BINDING = "You need to parse the network before binding!"
NOT_BOUND_FOR_TRANSFORM = "You need to bind the network before transforming code!"
NOT_BOUND_FOR_CODE = "You need to parse and bind the network before generating code!"
NOT_BOUND_FOR_OPS = "You need to parse and bind the network before getting number of operations!"
# Our additions, worded alike: these steps exist only in our mapping of the stages.
NOT_TRANSFORMED_FOR_CODE = (
    "You need to transform the code (codeTransform(), backEnd() or prepare()) before "
    "generating code: the C is only written by lower-to-c!"
)
NOT_IMPORTED = "You need to run frontEnd() (import the ONNX graph) first!"
NOT_BOUND_FOR_TILING = "You need to bind the network before tiling!"
NOT_TILED_FOR_TRANSFORM = "You need to tile the network (tile()) before transforming code!"
BOTH_OR_NEITHER = (
    "You need to provide both the manual tilingSolution and the memoryMap to override tiling."
)


class StageOrderError(DeeployError, RuntimeError):
    """A deployer method was called before the stage it depends on (Deeploy raises
    RuntimeError for these)."""


class DeeployAssertionError(OptionError, AssertionError):
    """An argument Deeploy rejects with an assertion (a platform that is not memory-aware,
    tile() with only one of its two overrides)."""


# CLI options the compiler's messages suggest, and what a Python caller changes instead.
_FLAG_HINTS = (
    (re.compile(r"--l1: (target \S+ has no L1)"), r"TilerDeployerWrapper: \1"),
    (re.compile(r"give more with --(l[123])\b"), "make MemoryLevel '{level}' larger"),
    (re.compile(r"compile without --l1\b"), "deploy without TilerDeployerWrapper"),
    (re.compile(r"--input-type '([^']*)'"), r"inputTypes entry '\1'"),
    (re.compile(r"--home\b"), "the hierarchy's default memory level"),
    (re.compile(r"--(l[123])\b"), "the size of MemoryLevel '{level}'"),
)


def for_python(err: DeeployError, levels: Mapping[str, str]) -> DeeployError | None:
    """The same error worded for a caller of the facade: where the compiler's message
    names a command-line option, the MemoryLevel or argument to change instead (`levels`:
    option name `l1`/`l2`/`l3` -> level name). None if the message names no option."""
    message = str(err)
    for pattern, replacement in _FLAG_HINTS:

        def name_level(match: re.Match[str], text: str = replacement) -> str:
            if "{level}" not in text:
                return match.expand(text)
            flag = match.group(1)
            return text.format(level=levels.get(flag, flag.upper()))

        message = pattern.sub(name_level, message)
    if message == str(err):
        return None
    reworded = type(err).__new__(type(err))
    reworded.__dict__.update(err.__dict__)
    reworded.args = (message,)
    return reworded
