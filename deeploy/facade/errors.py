"""Errors of the Deeploy-compatible facade.

Code written against Deeploy catches `RuntimeError` for calls made in the wrong order and
`AssertionError` for rejected arguments; code written against this project catches
`DeeployError`. Each facade error is both, so neither kind of caller has to change.
"""

from __future__ import annotations

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
