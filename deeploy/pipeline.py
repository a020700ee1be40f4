"""Pass pipelines: the default one per target, and editing it from Python.

pipe = default_pipeline("generic")
pipe = pipe.insert_after("fold-constants", MyPass())
pipe = pipe.replace("plan-memory", PlanMemoryPass(alignment=32))
print(pipe)            # the same pipeline as a deeploy-opt -p string
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from deeploy.errors import OptionError

if TYPE_CHECKING:
    from deeploy.targets.base import MemoryConfig

PassCallback = Callable[[ModulePass, ModuleOp], None]


@dataclass(frozen=True)
class Pipeline:
    passes: tuple[ModulePass, ...]

    def __iter__(self) -> Iterator[ModulePass]:
        return iter(self.passes)

    def __len__(self) -> int:
        return len(self.passes)

    def __str__(self) -> str:
        return ",".join(str(p) for p in self.passes)

    def names(self) -> list[str]:
        return [p.name for p in self.passes]

    def index(self, name: str) -> int:
        for i, p in enumerate(self.passes):
            if p.name == name:
                return i
        raise OptionError(f"no pass '{name}' in the pipeline ({', '.join(self.names())})")

    def insert_before(self, name: str, *passes: ModulePass) -> Pipeline:
        i = self.index(name)
        return Pipeline(self.passes[:i] + passes + self.passes[i:])

    def insert_after(self, name: str, *passes: ModulePass) -> Pipeline:
        i = self.index(name) + 1
        return Pipeline(self.passes[:i] + passes + self.passes[i:])

    def replace(self, name: str, *passes: ModulePass) -> Pipeline:
        i = self.index(name)
        return Pipeline(self.passes[:i] + passes + self.passes[i + 1 :])

    def remove(self, name: str) -> Pipeline:
        return self.replace(name)

    def after(self, name: str) -> Pipeline:
        """The passes that follow `name` (what replaying from its output needs)."""
        return Pipeline(self.passes[self.index(name) + 1 :])

    def apply(
        self,
        ctx: Context,
        module: ModuleOp,
        callback: PassCallback | None = None,
        verify_each: bool = False,
        timings: list[tuple[str, float]] | None = None,
    ) -> None:
        """Run the passes in order. With `verify_each`, the module is verified after every
        pass (a pass that leaves invalid IR is named); otherwise callers verify the end
        result (deeploy.compile does, before printing C). `timings` receives each pass's
        name and seconds (the pass alone, not the callback)."""
        from time import perf_counter

        for p in self.passes:
            start = perf_counter()
            p.apply(ctx, module)
            if timings is not None:
                timings.append((p.name, perf_counter() - start))
            if verify_each:
                verify_after(p.name, module)
            if callback is not None:
                callback(p, module)

    @staticmethod
    def parse(spec: str) -> Pipeline:
        """A pipeline from a deeploy-opt style string (`fold-constants,bind-kernels{target=generic}`)."""
        from xdsl.passes import PassPipeline
        from xdsl.utils.exceptions import ArgSpecParseError

        try:
            return Pipeline(PassPipeline.parse_spec(available_passes(), spec).passes)
        except (ValueError, KeyError) as err:
            raise OptionError(f"invalid pass pipeline '{spec}': {err}") from None
        except ArgSpecParseError as err:
            raise OptionError(
                f"invalid pass pipeline '{spec}': {str(err).strip().splitlines()[-1].strip()}"
            ) from None


class InvalidIRError(Exception):
    """A pass left IR that does not verify: a compiler bug, not a user error."""


def verify_after(pass_name: str, module: ModuleOp) -> None:
    from xdsl.utils.exceptions import VerifyException

    try:
        module.verify()
    except VerifyException as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else "VerifyException"
        raise InvalidIRError(f"after {pass_name}: {first}") from err


def available_passes() -> dict[str, Callable[[], type[ModulePass]]]:
    from xdsl.transforms import get_all_passes as upstream

    from deeploy.passes import get_all_passes

    passes = {
        "dce": upstream()["dce"],
        "canonicalize": upstream()["canonicalize"],
        "cse": upstream()["cse"],
    }
    passes.update(get_all_passes())
    return passes


def default_pipeline(
    target: str = "generic",
    network: str = "",
    memory: MemoryConfig | None = None,
    input_types: Mapping[str, str] | None = None,
    profile_layers: bool = False,
) -> Pipeline:
    """The passes `deeploy compile` runs, in order. The hardware is not among their
    options: every pass reads it from the module's `#target.spec` (deeploy.compile sets
    it on import, from `target`, `memory` and `profile_layers`). With a memory hierarchy,
    layers are tiled (tile-layers, then fuse-tiled-layers unless `memory.fuse_layers` is
    off, which also keeps activations layers of their own, as Deeploy tiles them: no
    fuse-activation); with `input_types`, the network's float tensors holding integers
    become integer tensors."""
    from xdsl.transforms.dead_code_elimination import DeadCodeElimination

    from deeploy.passes.assign_integer_types import AssignIntegerTypesPass
    from deeploy.passes.bind_kernels import BindKernelsPass
    from deeploy.passes.bufferize import BufferizePass
    from deeploy.passes.canonicalize_reshapes import CanonicalizeReshapesPass
    from deeploy.passes.fold_batchnorm import FoldBatchNormPass
    from deeploy.passes.fold_constants import FoldConstantsPass
    from deeploy.passes.fuse_activation import FuseActivationPass
    from deeploy.passes.fuse_matmul_add import FuseMatMulAddPass
    from deeploy.passes.fuse_requant import FuseRequantPass
    from deeploy.passes.lower_qdq import LowerQDQPass
    from deeploy.passes.lower_to_c import LowerToCPass
    from deeploy.passes.plan_memory import PlanMemoryPass
    from deeploy.passes.reuse_input_buffers import ReuseInputBuffersPass
    from deeploy.passes.tile_layers import TileLayersPass
    from deeploy.passes.untranspose_weights import UntransposeWeightsPass
    from deeploy.passes.verify_memory_plan import VerifyMemoryPlanPass

    del target, profile_layers  # in the module's spec, not in the passes
    tiling: tuple[ModulePass, ...] = ()
    activations: tuple[ModulePass, ...] = (FuseActivationPass(),)
    if memory is not None and not memory.fuse_layers:
        activations = ()
    if memory is not None:
        tiling = (TileLayersPass(),)
        if memory.fuse_layers:
            from deeploy.passes.fuse_tiled_layers import FuseTiledLayersPass

            tiling += (FuseTiledLayersPass(),)
    typing: tuple[ModulePass, ...] = ()
    if input_types:
        from deeploy.integer_types import TYPE_NAMES

        specs = tuple(f"{k}={TYPE_NAMES.get(v, v)}" for k, v in sorted(input_types.items()))
        typing = (AssignIntegerTypesPass(inputs=specs),)
    return Pipeline(
        (
            *typing,
            FoldConstantsPass(),
            CanonicalizeReshapesPass(),
            FoldBatchNormPass(),
            LowerQDQPass(),
            FuseMatMulAddPass(),
            UntransposeWeightsPass(),
            FuseRequantPass(),
            DeadCodeElimination(),
            BindKernelsPass(),
            *activations,
            BufferizePass(),
            ReuseInputBuffersPass(),
            *tiling,
            PlanMemoryPass(),
            VerifyMemoryPlanPass(),
            LowerToCPass(network=network),
        )
    )
