"""Memory-level-aware deployers: Deeploy's way of saying "this platform has a memory
hierarchy", as a deployer class or as a wrapper.

In Deeploy they run annotation passes that assign each tensor a memory level. Our
tensors all live in the home level (bufferize) and move to L1 tile by tile
(tile-layers), so what these classes add is the check that the platform is memory-aware
and, optionally, extra xDSL passes run once after binding: Deeploy runs its annotation
passes around binding too. The hierarchy itself takes effect through
`TilerDeployerWrapper`; without a tiler the network compiles untiled, in the target's
home level, as `deeploy.compile` does without `memory`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from deeploy.errors import OptionError
from deeploy.facade.deployer import NetworkDeployer, NetworkDeployerWrapper
from deeploy.facade.memory import MemoryPlatform, MemoryPlatformWrapper, require_memory_platform

if TYPE_CHECKING:
    from xdsl.passes import ModulePass


def _annotation_passes(passes: Sequence[Any] | None) -> tuple[ModulePass, ...]:
    from xdsl.passes import ModulePass

    passes = tuple(passes or ())
    wrong = [type(p).__name__ for p in passes if not isinstance(p, ModulePass)]
    if wrong:
        raise OptionError(
            f"memoryLevelAnnotationPasses must be xDSL ModulePass objects, got {', '.join(wrong)} "
            "(tensors live in the hierarchy's default level; no annotation is needed for that)"
        )
    return passes


class MemoryLevelAwareDeployer(NetworkDeployer):
    """A `NetworkDeployer` for a memory-aware platform; `memoryLevelAnnotationPasses` are
    xDSL passes run once after `bind()`."""

    def __init__(
        self,
        graph: Any,
        deploymentPlatform: MemoryPlatform | MemoryPlatformWrapper,
        inputTypes: Mapping[str, Any] | None = None,
        loweringOptimizer: Any = None,
        scheduler: Callable[..., Any] | None = None,
        name: str = "DeeployNetwork",
        default_channels_first: bool = True,
        deeployStateDir: str | None = "DeeployState",
        memoryLevelAnnotationPasses: Sequence[ModulePass] | None = None,
    ) -> None:
        require_memory_platform(deploymentPlatform)
        super().__init__(
            graph,
            deploymentPlatform,
            inputTypes,
            loweringOptimizer,
            scheduler,
            name,
            default_channels_first,
            deeployStateDir,
        )
        self._session.annotation += _annotation_passes(memoryLevelAnnotationPasses)

    def bind(self) -> bool:
        bound = super().bind()
        if bound:
            self._session.annotate()
        return bound


class MemoryDeployerWrapper(NetworkDeployerWrapper):
    """Makes any deployer of a memory-aware platform memory-level aware (as
    `MemoryLevelAwareDeployer`)."""

    def __init__(
        self,
        deployer: NetworkDeployer,
        memoryLevelAnnotationPasses: Sequence[ModulePass] | None = None,
    ) -> None:
        super().__init__(deployer)
        require_memory_platform(self.Platform)
        self._session.annotation += _annotation_passes(memoryLevelAnnotationPasses)

    def bind(self) -> bool:
        bound = self._innerObject.bind()
        if bound:
            self._session.annotate()
        return bound
