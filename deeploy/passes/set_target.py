"""set-target: put the target and its memory hierarchy on the module (`#target.spec`).

`deeploy compile` does this when it imports a network; the pass is for IR from elsewhere
(`deeploy-opt net.onnx -p 'set-target{target=rv32 l1=8000},...'`) and for changing one
setting of a module that has a spec (`set-target{double-buffer=true}`): options not given
keep the module's values.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from deeploy.dialects.target import TARGET_KEY, TargetSpecAttr
from deeploy.passes import options
from deeploy.targets.base import MemoryConfig


@dataclass(frozen=True)
class SetTargetPass(ModulePass):
    name = "set-target"
    target: str | None = None
    l1: int | None = None  # bytes of the scratchpad; tiles layers (0: untiled)
    l2: int | None = None  # bytes of the second level
    l3: int | None = None  # bytes of the third level
    home: str | None = None  # where tensors live
    double_buffer: bool | None = None
    fuse_layers: bool | None = None
    profile_layers: bool | None = None

    def __post_init__(self) -> None:
        for option in ("l1", "l2", "l3"):
            value = getattr(self, option)
            if value is not None:
                options.non_negative(self.name, option, value)

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        self.retarget(op, self.name)

    def retarget(self, op: ModuleOp, pass_name: str) -> None:
        """Apply the options; errors name `pass_name` (lower-to-c's options are these)."""
        from deeploy.targets import get_target
        from deeploy.targets.spec import config_of, target_spec

        old = op.attributes.get(TARGET_KEY)
        old = old if isinstance(old, TargetSpecAttr) else None
        target = get_target(self.target or (old.target_name if old else "generic"))
        memory = config_of(old) if old is not None else None
        if self.l1 == 0:
            memory = None
        elif self.l1 is not None:
            memory = replace(memory, l1=self.l1) if memory else MemoryConfig(l1=self.l1)
        tiling_only = [
            k for k in ("home", "double_buffer", "fuse_layers") if getattr(self, k) is not None
        ]
        if memory is None and tiling_only:
            from deeploy.errors import OptionError

            raise OptionError(
                f"{pass_name}: option {tiling_only[0]} is for a tiled hierarchy: give l1 too"
            )
        if memory is not None:
            changes = {
                key: getattr(self, key)
                for key in ("l2", "l3", "home", "double_buffer", "fuse_layers")
                if getattr(self, key) is not None
            }
            memory = replace(memory, **changes)
        ram = None
        if memory is None and old is not None and target.mcu is not None:
            ram = old.size(old.home_level) or None
        if memory is None and self.l2 is not None and target.mcu is not None:
            ram = self.l2
        profile = self.profile_layers
        if profile is None:
            profile = old.profile_layers if old is not None else False
        op.attributes[TARGET_KEY] = target_spec(
            target, memory, ram, profile, home_option=f"{pass_name}: option home"
        )
