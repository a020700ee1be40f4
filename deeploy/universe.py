"""Exposes Deeploy's dialects, passes and the `c` target to xdsl-opt and friends (entry point)."""

from xdsl.universe import Universe

from deeploy.dialects import get_all_dialects
from deeploy.passes import get_all_passes


def _c_target():
    from deeploy.backend.c_target import CTarget

    return CTarget


DEEPLOY_UNIVERSE = Universe(
    all_dialects=get_all_dialects(), all_passes=get_all_passes(), all_targets={"c": _c_target}
)
