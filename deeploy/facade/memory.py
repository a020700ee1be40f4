"""Memory levels, hierarchies and platforms with Deeploy's names, and their translation
into our `MemoryConfig`.

Deeploy describes memory as a graph of named levels plus two choices: where tensors live
(the hierarchy's default level) and where kernels compute (the platform's target level).
Our compiler takes the same facts as a `MemoryConfig`: the compute level is L1, the home
level is L2 or L3, and tiles of L3-resident tensors are staged through L2. `memory_config`
checks that a hierarchy has that shape and converts it; anything our tiler cannot honour
is an `OptionError` naming the level, never a silent approximation.

The classes here are our own: `deeploy.targets.base.MemoryLevel` (a target's description
of its levels) is a different thing with a different signature.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from deeploy.errors import OptionError
from deeploy.facade.errors import DeeployAssertionError

if TYPE_CHECKING:
    from deeploy.targets.base import MemoryConfig


class MemoryLevel:
    """A named memory of `size` bytes and the levels it exchanges data with."""

    def __init__(self, name: str, neighbourNames: Sequence[str], size: int = 0) -> None:
        if size < 0:
            raise ValueError(f"memory level {name}: the size cannot be negative ({size})")
        if name in neighbourNames:
            raise ValueError(f"memory level {name} cannot be its own neighbour")
        self.name = name
        self.neighbourNames = list(neighbourNames)
        self.size = size  # bytes; 0 means "not specified"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, MemoryLevel)
            and self.name == other.name
            and self.size == other.size
            and set(self.neighbourNames) == set(other.neighbourNames)
        )

    def __hash__(self) -> int:
        return hash((self.name, self.size))

    def __repr__(self) -> str:
        return f"MemoryLevel({self.name!r}, {self.neighbourNames!r}, {self.size})"


class MemoryHierarchy:
    """The levels of a platform as an undirected graph, with a default (home) level."""

    def __init__(self, node_list: Sequence[MemoryLevel]) -> None:
        self.memoryLevels: dict[str, MemoryLevel] = {}
        self._defaultMemoryLevel: MemoryLevel | None = None
        for level in node_list:
            if level.name in self.memoryLevels:
                raise ValueError(f"memory level {level.name} appears twice in the hierarchy")
            self.memoryLevels[level.name] = level
        for level in self.memoryLevels.values():
            missing = [n for n in level.neighbourNames if n not in self.memoryLevels]
            if missing:
                raise DeeployAssertionError(
                    f"Invalid Memory Hierarchy graph, node {level.name} point to "
                    f"non-existing neighbour(s) {missing}"
                )

    def __eq__(self, other: object) -> bool:
        # (a class that defines __eq__ alone is unhashable: a hierarchy is mutable)
        return isinstance(other, MemoryHierarchy) and self.memoryLevels == other.memoryLevels

    def setDefaultMemoryLevel(self, name: str) -> None:
        if name not in self.memoryLevels:
            raise DeeployAssertionError(f"Node {name} not in MemoryHierarchy")
        self._defaultMemoryLevel = self.memoryLevels[name]

    def getDefaultMemoryLevel(self) -> MemoryLevel:
        if self._defaultMemoryLevel is None:
            raise ValueError("defaultMemoryLevel level not set!")
        return self._defaultMemoryLevel

    def bfs(self, start: str, target: str) -> list[str]:
        """A shortest path of level names from `start` to `target` ([] if none)."""
        paths: dict[str, list[str]] = {start: [start]}
        frontier = [start]
        while frontier:
            following: list[str] = []
            for name in frontier:
                if name == target:
                    return paths[name]
                for neighbour in self.memoryLevels[name].neighbourNames:
                    if neighbour not in paths:
                        paths[neighbour] = [*paths[name], neighbour]
                        following.append(neighbour)
            frontier = following
        return []


class DeploymentPlatform:
    """A compilation target by name (Deeploy's platform objects carry engines and buffer
    classes; ours are the target's kernel library, chosen by name)."""

    def __init__(self, target: str = "generic") -> None:
        self.target = target


class MemoryPlatform(DeploymentPlatform):
    """A platform whose kernels compute in `defaultTargetMemoryLevel` of `memoryHierarchy`.

    Deeploy's remaining arguments (engines, variableBuffer, constantBuffer, structBuffer,
    transientBuffer) are accepted and ignored: kernels and buffers come from `target`.
    """

    def __init__(
        self,
        memoryHierarchy: MemoryHierarchy,
        defaultTargetMemoryLevel: MemoryLevel,
        engines: Sequence[Any] = (),
        variableBuffer: Any = None,
        constantBuffer: Any = None,
        structBuffer: Any = None,
        transientBuffer: Any = None,
        target: str = "generic",
    ) -> None:
        super().__init__(target)
        self.engines = list(engines)  # accepted for Deeploy's signature; not used
        self.memoryHierarchy = memoryHierarchy
        self.defaultTargetMemoryLevel = defaultTargetMemoryLevel

    def getTargetMemoryLevel(self, node: Any, tensorName: str, ctxt: Any = None) -> str:
        """Every tensor is computed on in the target level (as in Deeploy's default)."""
        return self.defaultTargetMemoryLevel.name


class MemoryPlatformWrapper(DeploymentPlatform):
    """Adds a memory hierarchy to a platform (a `DeploymentPlatform` or a target name)."""

    def __init__(
        self,
        platform: DeploymentPlatform | str,
        memoryHierarchy: MemoryHierarchy,
        defaultTargetMemoryLevel: MemoryLevel,
    ) -> None:
        super().__init__(target_name(platform))
        self._innerObject = platform
        self.memoryHierarchy = memoryHierarchy
        self.defaultTargetMemoryLevel = defaultTargetMemoryLevel

    def getTargetMemoryLevel(self, node: Any, tensorName: str, ctxt: Any = None) -> str:
        return self.defaultTargetMemoryLevel.name


def target_name(platform: object) -> str:
    """The target a platform argument names (a string, or a facade platform)."""
    if isinstance(platform, str):
        return platform
    if isinstance(platform, DeploymentPlatform):
        return platform.target
    raise OptionError(
        f"deploymentPlatform must be a target name (e.g. 'generic') or a platform from "
        f"deeploy.facade, got {type(platform).__name__}"
    )


def require_memory_platform(platform: object) -> MemoryPlatform | MemoryPlatformWrapper:
    """The platform, if memory-aware; Deeploy's assertion otherwise."""
    if not isinstance(platform, MemoryPlatform | MemoryPlatformWrapper):
        raise DeeployAssertionError(
            "Platform should be a MemoryPlatform or MemoryPlatformWrapper! Got "
            f"{type(platform).__name__} (wrap it: MemoryPlatformWrapper(platform, "
            "memoryHierarchy, defaultTargetMemoryLevel))"
        )
    return platform


def _check_size(level: MemoryLevel) -> None:
    # named here: MemoryConfig's own check speaks of command-line options
    if isinstance(level.size, bool) or not isinstance(level.size, int):
        raise OptionError(
            f"MemoryLevel '{level.name}': size must be a whole number of bytes, got {level.size!r}"
        )


def memory_config(
    platform: MemoryPlatform | MemoryPlatformWrapper, double_buffer: bool
) -> MemoryConfig:
    """The `MemoryConfig` a memory-aware platform describes.

    The platform's target level is our L1 (its size is the L1 budget); the hierarchy's
    default level is the home level and must be named L2 or L3; the path from home to the
    target level must be L2 -> L1 or L3 -> L2 -> L1, the moves our DMA schedules make.
    Levels of size 0 ("not specified") keep our defaults; other levels (e.g. a weight
    memory) are not used. Layers are tiled one by one, as Deeploy does (no fused layers).
    """
    from deeploy.targets.base import MemoryConfig as Config

    hierarchy = platform.memoryHierarchy
    compute = platform.defaultTargetMemoryLevel
    try:
        home = hierarchy.getDefaultMemoryLevel()
    except ValueError:
        raise OptionError(
            "the memory hierarchy has no default level: call "
            "memoryHierarchy.setDefaultMemoryLevel('L2') (or 'L3')"
        ) from None
    if compute.name not in hierarchy.memoryLevels:
        raise OptionError(
            f"the target memory level {compute.name} is not part of the memory hierarchy"
        )
    if home.name not in ("L2", "L3"):
        raise OptionError(
            f"the default memory level must be L2 or L3 (where tensors live), got {home.name}"
        )
    for level in hierarchy.memoryLevels.values():
        _check_size(level)
    if compute.size <= 0:
        raise OptionError(
            f"the target memory level {compute.name} needs a size (the L1 budget in bytes)"
        )
    path = hierarchy.bfs(home.name, compute.name)
    expected = [home.name, *(["L2"] if home.name == "L3" else []), compute.name]
    if path != expected:
        shown = " -> ".join(path) if path else "no path"
        raise OptionError(
            f"tiles move {' -> '.join(expected)}; the hierarchy connects {home.name} to "
            f"{compute.name} by {shown}"
        )
    sizes: dict[str, Any] = {}
    for name in ("L2", "L3"):
        sized = hierarchy.memoryLevels.get(name)
        if sized is not None and sized.size > 0:
            sizes[name.lower()] = sized.size
    # layer by layer, as Deeploy tiles: a tilingSolution names every node's own layer
    return Config(
        l1=compute.size, home=home.name, double_buffer=double_buffer, fuse_layers=False, **sizes
    )
