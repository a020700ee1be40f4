"""The `#target.spec` of one compilation: a target's definition plus the options that
override it (--l1/--l2/--l3, --home, --double-buffer, --profile-layers, ...)."""

from __future__ import annotations

from xdsl.dialects.builtin import ModuleOp, StringAttr
from xdsl.ir import Operation

from deeploy.dialects.target import TARGET_KEY, TargetSpecAttr
from deeploy.errors import OptionError
from deeploy.targets.base import DEFAULT_L2_BYTES, DEFAULT_L3_BYTES, MemoryConfig, Target

# what --l2 and --l3 size when a target leaves the second or third level unsized
_POSITION_DEFAULTS = (None, DEFAULT_L2_BYTES, DEFAULT_L3_BYTES)
# the options that size the first three levels, whatever the target calls them
SIZE_OPTIONS = ("l1", "l2", "l3")


def home_of(target: Target, home: str, option: str = "--home") -> str:
    """The level `--home` names: one of the target's, or "L2"/"L3" for the second/third."""
    names = [level.name for level in target.levels]
    if home in names:
        return home
    position = {"L2": 1, "L3": 2}.get(home)
    if position is not None and position < len(names):
        return names[position]
    raise OptionError(f"{option} {home!r}: target {target.name} has the levels {', '.join(names)}")


def target_spec(
    target: Target,
    memory: MemoryConfig | None = None,
    ram: int | None = None,
    profile_layers: bool = False,
    home_option: str = "--home",
) -> TargetSpecAttr:
    """The spec to compile for: untiled, kernels work in the home level (a
    microcontroller's RAM of `ram` bytes); with `memory`, in the target's scratchpad."""
    if memory is None:
        sizes = [level.size or 0 for level in target.levels]
        home = target.home_level
        if ram is not None:
            sizes[[level.name for level in target.levels].index(home)] = ram
        return TargetSpecAttr(
            target.name,
            [(level.name, size) for level, size in zip(target.levels, sizes)],
            home,
            home,
            target.alignment,
            profile_layers=profile_layers,
        )
    if not target.has_l1:
        raise OptionError(f"--l1: target {target.name} has no scratchpad to tile into")
    home = home_of(target, memory.home, home_option)
    levels = []
    for position, level in enumerate(target.levels):
        size = level.size
        if position < len(SIZE_OPTIONS):
            given = getattr(memory, SIZE_OPTIONS[position])
            size = given if given is not None else size or _POSITION_DEFAULTS[position]
        levels.append((level.name, size or 0))
    names = [level.name for level in target.levels]
    if home == target.scratchpad:
        raise OptionError(f"{home_option} {home}: the home level must be above the scratchpad")
    if names.index(home) > 2:
        raise OptionError(
            f"{home_option} {home}: tiles are staged through one level at most, and "
            f"{home} is {names.index(home) - 1} levels above {names[1]}"
        )
    return TargetSpecAttr(
        target.name,
        levels,
        target.scratchpad,
        home,
        target.alignment,
        double_buffer=memory.double_buffer,
        fuse_layers=memory.fuse_layers,
        profile_layers=profile_layers,
    )


def module_spec(module: ModuleOp, target: str | None = None) -> TargetSpecAttr:
    """The spec a pass works with: the module's (with `target`, a pass option, naming
    whose kernels to use), else the untiled spec of `target` (default: generic)."""
    from deeploy.targets import get_target

    spec = module.attributes.get(TARGET_KEY)
    if not isinstance(spec, TargetSpecAttr):
        return target_spec(get_target(target or "generic"))
    if target is None or target == spec.target_name:
        return spec
    get_target(target)  # an unknown name is an OptionError naming the choices
    return replace_target(spec, target)


def replace_target(spec: TargetSpecAttr, target: str) -> TargetSpecAttr:
    """`spec` with the kernels (and toolchain) of another target of the same hierarchy."""
    return TargetSpecAttr.new((StringAttr(target), *spec.parameters[1:]))


def config_of(spec: TargetSpecAttr) -> MemoryConfig | None:
    """The memory options a spec was made with (None: untiled)."""
    if not spec.tiled:
        return None
    sizes: list[int | None] = [*spec.sizes.values(), None, None]
    return MemoryConfig(
        l1=sizes[0] or 1,
        l2=sizes[1] or None,
        l3=sizes[2] or None,
        home=spec.home_level,
        double_buffer=spec.double_buffer,
        fuse_layers=spec.fuse_layers,
    )


def spec_of_op(op: Operation, target: str | None = None, l1: int | None = None) -> TargetSpecAttr:
    """The tiling spec (see tiling_spec) of the module `op` is in."""
    top = op
    while (parent := top.parent_op()) is not None:
        top = parent
    if isinstance(top, ModuleOp):
        return tiling_spec(top, target, l1)
    return target_spec(_generic())


def _generic() -> Target:
    from deeploy.targets import get_target

    return get_target("generic")


def tiling_spec(
    module: ModuleOp, target: str | None = None, l1: int | None = None
) -> TargetSpecAttr:
    """The spec a tiling pass works with: the module's when it tiles, else (IR without a
    spec, as in unit tests) the target's hierarchy with an `l1`-byte scratchpad."""
    from deeploy.targets import get_target

    spec = module_spec(module, target)
    if spec.tiled or not l1 or not get_target(spec.target_name).has_l1:
        return spec
    return target_spec(get_target(spec.target_name), MemoryConfig(l1=l1))


def size_option(spec: TargetSpecAttr, level: str) -> str:
    """The command-line option that sizes `level` (--l1/--l2/--l3 size the first three)."""
    position = spec.index(level)
    return f"--l{position + 1}" if position < 3 else f"the size of {level} in the target"
