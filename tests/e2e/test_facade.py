"""The Deeploy-compatible facade (deeploy.facade), driven the way Deeploy's tiled test
flow drives Deeploy: a memory hierarchy (L3, L2 of 1,024,000 bytes, an L1 budget), a
memory platform, a NetworkDeployer wrapped in MemoryDeployerWrapper and
TilerDeployerWrapper, generateFunction(); then the generated code is built, run under
the sanitizers and compared with the reference outputs.

Also: Deeploy's out-of-order errors, argument checks, numberOfOps against MACs counted
here from the ONNX shapes, worstCaseBufferSize against the generated header, memory
blocks that never collide, and state export/import giving byte-identical C.
"""

from __future__ import annotations

import json
import re
from math import prod
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import CHECK_CFLAGS, PROJECT, SHARED, requires_shared

TINY = PROJECT / "examples" / "tiny_cnn"
L2_BYTES = 1_024_000
L3_BYTES = 64_000_000


def _platform(l1: int, home: str = "L2"):
    from deeploy.facade import MemoryHierarchy, MemoryLevel, MemoryPlatform

    l3 = MemoryLevel(name="L3", neighbourNames=["L2"], size=L3_BYTES)
    l2 = MemoryLevel(name="L2", neighbourNames=["L3", "L1"], size=L2_BYTES)
    l1_level = MemoryLevel(name="L1", neighbourNames=["L2"], size=l1)
    hierarchy = MemoryHierarchy([l3, l2, l1_level])
    hierarchy.setDefaultMemoryLevel(home)
    return MemoryPlatform(hierarchy, defaultTargetMemoryLevel=l1_level)


def _tiled(
    model: Path = TINY / "network.onnx",
    l1: int = 8000,
    tiler: str = "SBTiler",
    home: str = "L2",
    state_dir: Path | None = None,
):
    import deeploy.facade as facade

    deployer = facade.NetworkDeployer(
        model,
        _platform(l1, home),
        name="net",
        deeployStateDir=str(state_dir) if state_dir else None,
    )
    deployer = facade.MemoryDeployerWrapper(deployer)
    return facade.TilerDeployerWrapper(deployer, getattr(facade, tiler))


def _run_and_compare(deployer, folder: Path, work: Path) -> None:
    from deeploy.harness.runner import build_and_run, compare, fit_inputs, load_npz

    result = deployer.result
    inputs = fit_inputs(load_npz(folder / "inputs.npz"), result.report["inputs"], str(folder))
    outcome = build_and_run(result, inputs, work, extra_cflags=CHECK_CFLAGS)
    expected = load_npz(folder / "outputs.npz")[: len(outcome.outputs)]
    comparison = compare(outcome.outputs, expected)
    assert comparison.passed, (
        f"{comparison.errors} of {comparison.total} elements differ (max {comparison.max_abs_error})"
    )
    tiling = result.report.get("tiling")
    if tiling is not None:
        assert outcome.dma == {"transfers": tiling["dma_transfers"], "bytes": tiling["dma_bytes"]}


# -- Deeploy's tiled flow, end to end ----------------------------------------------------


@pytest.mark.parametrize(
    ("tiler", "home"), [("SBTiler", "L2"), ("DBTiler", "L2"), ("SBTiler", "L3")]
)
def test_tiny_cnn_tiled_flow_runs_and_matches(tiler: str, home: str, tmp_path: Path) -> None:
    import deeploy
    from deeploy.targets.base import MemoryConfig

    deployer = _tiled(tiler=tiler, home=home)
    inference = deployer.generateFunction()
    assert deployer.prepared and deployer.parsed and deployer.bound and deployer.transformed
    source = deployer.result.files["net.c"]
    assert inference and inference in source
    # one tiled run per layer, in the graph's order
    layers = list(deployer.tiler.tilingSolution)
    assert layers == ["conv1", "relu1", "pool1", "conv2", "relu2", "gap", "fc", "softmax"]
    assert inference.count("deeploy_tiled_run(") == len(layers)
    # no second compiler: the same sources and report as deeploy.compile
    memory = MemoryConfig(
        l1=8000,
        l2=L2_BYTES,
        l3=L3_BYTES,
        home=home,
        double_buffer=tiler == "DBTiler",
        fuse_layers=False,  # the facade tiles layer by layer, as Deeploy
    )
    direct = deeploy.compile(TINY / "network.onnx", name="net", memory=memory)
    assert deployer.result.files == direct.files
    strip = lambda r: {k: v for k, v in r.items() if k != "compile_seconds"}  # noqa: E731
    assert strip(deployer.result.report) == strip(direct.report)
    _run_and_compare(deployer, TINY, tmp_path)


def _shared_budget(test: str, config: str) -> int | None:
    path = SHARED / "tiled-budgets.json"
    if not path.exists():
        return None
    budgets = json.loads(path.read_text()).get(config, {}).get(test)
    return min(budgets) if budgets else None


@requires_shared
@pytest.mark.shared
@pytest.mark.parametrize(
    ("config", "tiler"),
    [("L2_SINGLEBUFFER_KERNELS", "SBTiler"), ("L2_DOUBLEBUFFER_KERNELS", "DBTiler")],
)
def test_shared_gemm_tiled_flow(config: str, tiler: str, tmp_path: Path) -> None:
    test = "Kernels/FP32/GEMM/Regular"
    l1 = _shared_budget(test, config)
    if l1 is None:
        pytest.skip(f"no {config} budget for {test} in tiled-budgets.json")
    deployer = _tiled(SHARED / test / "network.onnx", l1=l1, tiler=tiler)
    deployer.generateFunction()
    assert deployer.worstCaseBufferSize["L1"] <= l1
    _run_and_compare(deployer, SHARED / test, tmp_path)


def test_untiled_deployer_is_deeploy_compile(tmp_path: Path) -> None:
    import deeploy
    from deeploy.facade import NetworkDeployer

    deployer = NetworkDeployer(TINY / "network.onnx", "generic", name="net", deeployStateDir=None)
    deployer.generateFunction()
    assert "tiling" not in deployer.result.report
    assert deployer.result.files == deeploy.compile(TINY / "network.onnx", name="net").files
    _run_and_compare(deployer, TINY, tmp_path)


def test_graph_proto_and_input_types_are_accepted() -> None:
    import onnx

    from deeploy.facade import NetworkDeployer

    model = onnx.load(TINY / "network.onnx")
    deployer = NetworkDeployer(
        model.graph, "generic", inputTypes={"image": np.float32}, deeployStateDir=None
    )
    deployer.frontEnd()
    assert [b.name for b in deployer.inputs()] == ["image"]


# -- stages out of order -------------------------------------------------------------------

GENERATORS = [
    "generateInferenceCode",
    "generateInferenceInitializationCode",
    "generateGlobalDefinitionCode",
    "generateIncludeString",
    "generateEngineInitializationCode",
    "generateBufferInitializationCode",
    "generateIOBufferInitializationCode",
    "generateBufferAllocationCode",
    "generateBufferDeAllocationCode",
]


def test_bind_before_parse() -> None:
    from deeploy.errors import DeeployError

    deployer = _tiled()
    with pytest.raises(RuntimeError, match="You need to parse the network before binding!") as err:
        deployer.bind()
    assert isinstance(err.value, DeeployError)
    with pytest.raises(RuntimeError, match="parse the network before binding"):
        deployer.midEnd()


def test_code_transform_before_bind() -> None:
    deployer = _tiled()
    deployer.frontEnd()
    for call in (deployer.codeTransform, deployer.backEnd):
        with pytest.raises(RuntimeError, match="You need to bind the network before transforming"):
            call()


@pytest.mark.parametrize("method", GENERATORS)
def test_generating_code_before_prepare(method: str) -> None:
    deployer = _tiled()
    with pytest.raises(RuntimeError, match="parse and bind the network before generating code"):
        getattr(deployer, method)()
    deployer.frontEnd()
    deployer.midEnd()  # bound and tiled, but no C written yet
    with pytest.raises(RuntimeError, match="You need to transform the code"):
        getattr(deployer, method)()


def test_other_calls_out_of_order() -> None:
    deployer = _tiled()
    with pytest.raises(RuntimeError, match="before getting number of operations"):
        deployer.numberOfOps(verbose=False)
    with pytest.raises(RuntimeError, match="run frontEnd"):
        deployer.exportDeeployState("unused", "state")
    with pytest.raises(RuntimeError, match="parse and bind the network before generating code"):
        _ = deployer.result
    deployer.frontEnd()
    with pytest.raises(RuntimeError, match="bind the network before tiling"):
        deployer.tile()
    assert deployer.worstCaseBufferSize == {}  # nothing planned yet, as in Deeploy


def test_tiler_wrapper_after_binding_is_refused() -> None:
    from deeploy.facade import MemoryDeployerWrapper, NetworkDeployer, TilerDeployerWrapper

    deployer = MemoryDeployerWrapper(
        NetworkDeployer(TINY / "network.onnx", _platform(8000), deeployStateDir=None)
    )
    deployer.frontEnd()
    deployer.bind()
    with pytest.raises(RuntimeError, match="before binding"):
        TilerDeployerWrapper(deployer)


# -- arguments -------------------------------------------------------------------------


@pytest.mark.parametrize("args", [("solution",), ("map",)])
def test_tile_needs_both_overrides_or_neither(args: tuple[str, ...]) -> None:
    deployer = _tiled()
    kwargs = {"solution": {"tilingSolution": {"conv1": [1]}}, "map": {"memoryMap": {"L2": {}}}}
    with pytest.raises(
        AssertionError, match="provide both the manual tilingSolution and the memoryMap"
    ):
        deployer.tile(**kwargs[args[0]])


def test_non_memory_aware_platform_is_rejected() -> None:
    from deeploy.facade import (
        DeploymentPlatform,
        MemoryDeployerWrapper,
        MemoryLevelAwareDeployer,
        NetworkDeployer,
        TilerDeployerWrapper,
    )

    for platform in ("generic", DeploymentPlatform("generic")):
        plain = NetworkDeployer(TINY / "network.onnx", platform, deeployStateDir=None)
        for wrap in (TilerDeployerWrapper, MemoryDeployerWrapper):
            with pytest.raises(AssertionError, match="MemoryPlatform or MemoryPlatformWrapper"):
                wrap(plain)
        with pytest.raises(AssertionError, match=r"Got (str|DeploymentPlatform)"):
            MemoryLevelAwareDeployer(TINY / "network.onnx", platform)


def test_memory_platform_wrapper_is_memory_aware() -> None:
    from deeploy.facade import MemoryPlatformWrapper, NetworkDeployer, TilerDeployerWrapper

    platform = _platform(8000)
    wrapped = MemoryPlatformWrapper(
        "generic", platform.memoryHierarchy, platform.defaultTargetMemoryLevel
    )
    deployer = TilerDeployerWrapper(
        NetworkDeployer(TINY / "network.onnx", wrapped, name="net", deeployStateDir=None)
    )
    deployer.prepare()
    reference = _tiled(tiler="Tiler")  # Deeploy's default tiler double-buffers
    reference.prepare()
    assert deployer.tiler.multiBufferCoefficient == 2
    assert deployer.result.files == reference.result.files


def test_hierarchies_our_tiler_cannot_follow_are_rejected() -> None:
    from deeploy.errors import OptionError
    from deeploy.facade import (
        MemoryHierarchy,
        MemoryLevel,
        MemoryPlatform,
        NetworkDeployer,
        TilerDeployerWrapper,
    )

    def wrap(levels: list, default: str | None, target: str):
        hierarchy = MemoryHierarchy(levels)
        if default:
            hierarchy.setDefaultMemoryLevel(default)
        platform = MemoryPlatform(hierarchy, hierarchy.memoryLevels[target])
        return TilerDeployerWrapper(NetworkDeployer(TINY / "network.onnx", platform))

    l2 = MemoryLevel("L2", ["L1"], L2_BYTES)
    l1 = MemoryLevel("L1", ["L2"], 8000)
    with pytest.raises(OptionError, match="no default level"):
        wrap([l2, l1], None, "L1")
    with pytest.raises(OptionError, match="must be L2 or L3"):
        wrap([l2, l1], "L1", "L1")
    # L3 wired straight to L1: our DMA stages L3 tiles through L2
    l3 = MemoryLevel("L3", ["L1", "L2"], L3_BYTES)
    with pytest.raises(OptionError, match="tiles move L3 -> L2 -> L1"):
        wrap([l3, MemoryLevel("L2", ["L3"], L2_BYTES), MemoryLevel("L1", ["L3"], 8000)], "L3", "L1")
    with pytest.raises(AssertionError, match="non-existing neighbour"):
        MemoryHierarchy([MemoryLevel("L1", ["L2"], 8000)])


def test_arguments_we_cannot_honour_are_rejected() -> None:
    from deeploy.errors import OptionError, UnsupportedError
    from deeploy.facade import NetworkDeployer, Tiler

    model = TINY / "network.onnx"
    with pytest.raises(UnsupportedError, match="channels-first"):
        NetworkDeployer(model, "generic", default_channels_first=False)
    with pytest.raises(UnsupportedError, match="inputOffsets"):
        NetworkDeployer(model, "generic", inputOffsets={"image": 128})
    # integer inputTypes of a float input: Deeploy's integer-in-float convention, refused
    # (naming the node) because this network's weights are not integers
    deployer = NetworkDeployer(model, "generic", inputTypes={"image": "int8"}, deeployStateDir=None)
    with pytest.raises(UnsupportedError, match=r"'conv1' \(Conv\).*not an integer network"):
        deployer.frontEnd()
    deployer = NetworkDeployer(
        model, "generic", inputTypes={"image": "float64"}, deeployStateDir=None
    )
    with pytest.raises(OptionError, match="ONNX model declares float32"):
        deployer.frontEnd()
    with pytest.raises(OptionError, match="unknown target"):
        NetworkDeployer(model, "siracusa")

    class PerTensor(Tiler):
        def multiBufferStrategy(self, *args, **kwargs) -> int:
            return 1

    with pytest.raises(OptionError, match="set multiBufferCoefficient"):
        _ = PerTensor(_platform(8000).memoryHierarchy).double_buffer


def test_compiler_errors_pass_through_unchanged() -> None:
    from deeploy.errors import BudgetError

    with pytest.raises(BudgetError, match=r"'gap' \(global_avgpool_f32\) needs at least"):
        _tiled(l1=100).generateFunction()


def test_profiling_options_warn_on_a_target_without_a_counter() -> None:
    from deeploy.facade import CodeGenVerbosity

    deployer = _tiled()
    with pytest.warns(UserWarning, match="no effect on target generic"):
        code = deployer.generateFunction(CodeGenVerbosity(tilingProfiling=True))
    assert deployer.transformed
    assert "deeploy_profile" not in code


def test_tiling_profiling_on_rv32_prints_layer_counts(tmp_path: Path) -> None:
    """Deeploy's tilingProfiling, on a target that can count: each layer's instructions."""
    import shutil
    import warnings

    if (
        shutil.which("riscv64-unknown-elf-gcc") is None
        or shutil.which("qemu-system-riscv32") is None
    ):
        pytest.skip("the rv32 toolchain or QEMU is not installed")
    import deeploy.facade as facade
    from deeploy.facade import CodeGenVerbosity, MemoryPlatform
    from deeploy.harness.runner import build_and_run, fit_inputs, load_npz, parse_layers

    platform = _platform(8000)
    platform = MemoryPlatform(
        platform.memoryHierarchy, platform.defaultTargetMemoryLevel, target="rv32"
    )
    deployer = facade.TilerDeployerWrapper(
        facade.MemoryDeployerWrapper(
            facade.NetworkDeployer(
                TINY / "network.onnx", platform, name="net", deeployStateDir=str(tmp_path / "state")
            )
        )
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # honoured, so no warning
        deployer.generateFunction(CodeGenVerbosity(tilingProfiling=True))
    result = deployer.result
    inputs = fit_inputs(load_npz(TINY / "inputs.npz"), result.report["inputs"], "inputs.npz")
    outcome = build_and_run(result, inputs, tmp_path, timeout=300)
    layers = parse_layers(outcome.stdout)
    assert len(layers) == sum(result.report["kernels"].values())
    assert all(layer["instructions"] > 0 for layer in layers)


# -- figures -----------------------------------------------------------------------------


def _onnx_macs(path: Path) -> int:
    """Multiply-accumulates of the Conv and Gemm nodes, from onnx's own shape inference."""
    import onnx

    model = onnx.shape_inference.infer_shapes(onnx.load(path))
    graph = model.graph
    shapes = {
        v.name: [d.dim_value for d in v.type.tensor_type.shape.dim]
        for v in [*graph.input, *graph.value_info, *graph.output]
    }
    shapes.update({t.name: list(t.dims) for t in graph.initializer})
    total = 0
    for node in graph.node:
        out = shapes[node.output[0]]
        if node.op_type == "Conv":  # every output element: C_in/group x kernel window
            total += prod(out) * prod(shapes[node.input[1]][1:])
        elif node.op_type == "Gemm":
            trans_a = next((a.i for a in node.attribute if a.name == "transA"), 0)
            a = shapes[node.input[0]]
            total += prod(out) * (a[0] if trans_a else a[1])
    return total


def test_number_of_ops_is_two_per_mac(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    expected = 2 * _onnx_macs(TINY / "network.onnx")
    assert expected > 0
    deployer = _tiled()
    deployer.frontEnd()
    deployer.midEnd()
    with caplog.at_level(logging.INFO, logger="deeploy.facade"):
        assert deployer.numberOfOps(verbose=True) == expected
    per_layer = [int(n) for n in re.findall(r"Layer '\w+': (\d+) operations", caplog.text)]
    assert sum(per_layer) == expected


@pytest.mark.parametrize("home", ["L2", "L3"])
def test_worst_case_buffer_size_per_level(home: str) -> None:
    import onnx

    deployer = _tiled(home=home)
    deployer.generateFunction()
    sizes = deployer.worstCaseBufferSize
    assert set(sizes) == {"L1", home}
    assert 0 < sizes["L1"] <= 8000
    # the home level holds the arena the header declares, plus the inputs and outputs
    model = onnx.load(TINY / "network.onnx")
    io_bytes = sum(
        4 * prod(d.dim_value for d in v.type.tensor_type.shape.dim)
        for v in [*model.graph.input, *model.graph.output]
    )
    header = deployer.result.files["net.h"]
    arena = int(re.search(rf"#define NET_ARENA_{home}_BYTES (\d+)", header).group(1))
    assert sizes[home] == arena + io_bytes
    assert [b.sizeInBytes() for b in deployer.inputs() + deployer.outputs()] == [1024, 40]
    assert all(b.memoryLevel == home for b in deployer.inputs() + deployer.outputs())


def test_memory_blocks_fit_their_arena_and_never_collide() -> None:
    deployer = _tiled()
    deployer.generateFunction()
    blocks = deployer.memoryBlocks["L2"]
    header = deployer.result.files["net.h"]
    arena = int(re.search(r"#define NET_ARENA_L2_BYTES (\d+)", header).group(1))
    assert {b.name for b in blocks} == set(deployer.memoryMap["L2"])
    assert max(b.addrSpace[1] for b in blocks if b.addrSpace) == arena
    for i, a in enumerate(blocks):
        assert all(not a.collides(b) for b in blocks[i + 1 :]), a
    # lifetimes are layer steps: the first conv's output is live until the pool reads it
    steps = {b.name: b.lifetime for b in blocks}
    assert steps["c1"] == (0, 2)
    # and the L1 tiles of every layer fit the budget
    for name, pattern in deployer.tiler.patternMemoryConstraints.items():
        (node,) = pattern.nodeConstraints
        l1 = [c.memoryConstraints["L1"] for c in node.tensorMemoryConstraints.values()]
        assert sum(c.size * c.multiBufferCoefficient for c in l1) <= 8000, name


def test_code_fragments_are_parts_of_the_generated_files() -> None:
    deployer = _tiled()
    deployer.generateFunction()
    files = deployer.result.files
    for method in GENERATORS:
        fragment = getattr(deployer, method)()
        for line in fragment.splitlines():
            assert line in files["net.c"] or line in files["net.h"], (method, line)
    assert deployer.generateBufferAllocationCode() == ""
    assert "static uint8_t net_L1[8000]" in deployer.generateInferenceInitializationCode()
    assert "net_conv1_w" in deployer.generateBufferInitializationCode()
    assert "net_layer0_compute" in deployer.generateGlobalDefinitionCode()
    assert "#define NET_INPUT_0_BYTES 1024" in deployer.generateIOBufferInitializationCode()


# -- state -----------------------------------------------------------------------------


@pytest.mark.parametrize("stage", ["frontEnd", "midEnd", "prepare"])
def test_state_round_trip_gives_the_same_c(stage: str, tmp_path: Path) -> None:
    reference = _tiled()
    reference.generateFunction()
    first = _tiled()
    first.frontEnd()
    if stage != "frontEnd":
        first.midEnd()
    if stage == "prepare":
        first.prepare()
    first.exportDeeployState(tmp_path, "state")
    assert (tmp_path / "state.mlir").read_text().startswith("builtin.module")

    resumed = _tiled()
    resumed.importDeeployState(tmp_path, "state")
    assert (resumed.parsed, resumed.bound) == (True, stage != "frontEnd")
    resumed.generateFunction()
    assert resumed.result.files == reference.result.files
    assert resumed.memoryMap == reference.memoryMap
    assert resumed.tiler.tilingSolution == reference.tiler.tilingSolution
    assert resumed.numberOfOps() == reference.numberOfOps()


def test_stage_snapshots_resume_like_deeploys(tmp_path: Path) -> None:
    reference = _tiled(state_dir=tmp_path)
    reference.generateFunction()
    names = {p.stem for p in tmp_path.glob("*.json")}
    assert names == {
        "middleware_pre_lowering",
        "middleware_post_lowering",
        "backend_post_parsing",
        "backend_post_binding",
    }
    resumed = _tiled()
    resumed.importDeeployState(tmp_path, "middleware_pre_lowering")  # imported, not lowered
    resumed.generateFunction()
    assert resumed.result.files == reference.result.files


def test_state_of_another_memory_configuration_is_refused(tmp_path: Path) -> None:
    from deeploy.errors import OptionError

    bound = _tiled()
    bound.frontEnd()
    bound.midEnd()
    bound.exportDeeployState(tmp_path, "bound")
    with pytest.raises(OptionError, match="the state was made with memory"):
        _tiled(l1=4000).importDeeployState(tmp_path, "bound")
    # before binding nothing depends on the hierarchy: another budget may continue
    lowered = _tiled()
    lowered.frontEnd()
    lowered.exportDeeployState(tmp_path, "lowered")
    other = _tiled(l1=4000)
    other.importDeeployState(tmp_path, "lowered")
    other.generateFunction()
    assert other.worstCaseBufferSize["L1"] <= 4000


def test_tile_imposes_a_tiling_solution_and_checks_it(tmp_path: Path) -> None:
    """Deeploy's tile(tilingSolution, memoryMap) with other tile sizes than the solver's:
    they are imposed (layout and DMA schedule follow), checked against the kernel's rule
    and the L1 budget."""
    from deeploy.errors import BudgetError, OptionError

    reference = _tiled()
    reference.generateFunction()
    solution, memory_map = reference.tiler.tilingSolution, reference.tiler.memoryMap

    imposed = _tiled()
    imposed.frontEnd()
    imposed._innerObject.bind()
    imposed.tile({**solution, "relu1": [100], "conv1": [1, 1, 2, 16, 16, 1]}, memory_map)
    assert imposed.tiler.tilingSolution["relu1"] == [100]
    assert imposed.tiler.tilingSolution["conv1"] == [1, 1, 2, 16, 16, 1]
    imposed.prepare()
    report = imposed.result.report
    assert report["tiling"]["optimal"] is False
    # the solver's choice moved the least: the imposed one cannot move less
    assert report["tiling"]["dma_transfers"] > reference.result.report["tiling"]["dma_transfers"]
    _run_and_compare(imposed, TINY, tmp_path)  # outputs match, measured DMA == planned

    for wrong, error, fragment in (
        ([1, 2], OptionError, "'relu1': 1 tile sizes expected (d0), got 2"),
        ([5000], OptionError, "tile size 5000 of d0 is not in 1..2048"),
        (
            [2048],
            BudgetError,
            "'relu1': tiles [2048] (d0) need 16384 bytes of L1, more than its 8000",
        ),
    ):
        other = _tiled()
        other.frontEnd()
        other._innerObject.bind()
        with pytest.raises(error, match=re.escape(fragment)):
            other.tile({**solution, "relu1": wrong}, memory_map)


def test_tile_accepts_the_solvers_own_solution() -> None:
    reference = _tiled()
    reference.generateFunction()
    solution, memory_map = reference.tiler.tilingSolution, reference.tiler.memoryMap

    replay = _tiled()
    replay.frontEnd()
    replay._innerObject.bind()  # bound, not yet tiled
    replay.tile(tilingSolution=solution, memoryMap=memory_map)
    replay.prepare()
    assert replay.result.files == reference.result.files


def test_tile_imposes_a_memory_map_and_checks_it(tmp_path: Path) -> None:
    """Another valid placement is used as given; an overlapping one fails the MiniMalloc
    constraints (AssertionError naming the buffers); one missing a buffer is refused."""
    from deeploy.errors import OptionError

    reference = _tiled()
    reference.generateFunction()
    solution, memory_map = reference.tiler.tilingSolution, reference.tiler.memoryMap

    def bound():
        deployer = _tiled()
        deployer.frontEnd()
        deployer._innerObject.bind()
        return deployer

    shifted = {
        level: {name: offset + 64 for name, offset in m.items()} for level, m in memory_map.items()
    }
    moved = bound()
    moved.tile(solution, shifted)
    moved.prepare()
    assert moved.tiler.memoryMap == shifted
    assert moved.result.report["memory"]["L2"] == reference.result.report["memory"]["L2"] + 64
    _run_and_compare(moved, TINY, tmp_path)

    stacked = {level: dict.fromkeys(m, 0) for level, m in memory_map.items()}
    overlapping = bound()
    overlapping.tile(solution, stacked)
    with pytest.raises(AssertionError, match=r"the given memoryMap: memory plan: .* overlap"):
        overlapping.prepare()

    level, names = next(iter(memory_map.items()))
    missing = {**memory_map, level: dict(list(names.items())[1:])}
    incomplete = bound()
    incomplete.tile(solution, missing)
    with pytest.raises(OptionError, match="memoryMap gives no offset for"):
        incomplete.prepare()


def test_memory_block_collisions() -> None:
    from deeploy.facade import MemoryBlock

    a = MemoryBlock("a", "L2", (0, 2), (0, 64))
    assert a.collides(MemoryBlock("b", "L2", (2, 3), (32, 96)))  # shares step 2 and bytes 32..63
    assert not a.collides(MemoryBlock("c", "L2", (3, 4), (0, 64)))  # later
    assert not a.collides(MemoryBlock("d", "L2", (0, 2), (64, 128)))  # adjacent bytes
    with pytest.raises(ValueError, match="ordered"):
        MemoryBlock("e", "L2", (3, 1), None)


def test_import_deeploy_does_not_load_the_facade() -> None:
    import subprocess
    import sys

    code = "import sys, deeploy; deeploy.compile; print('deeploy.facade' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_lowering_optimizer_replaces_the_lowering_passes() -> None:
    from deeploy.errors import OptionError, UnsupportedError
    from deeploy.facade import NetworkDeployer
    from deeploy.pipeline import default_pipeline

    model = TINY / "network.onnx"
    pipe = default_pipeline("generic")
    lowering = pipe.passes[: pipe.index("dce") + 1]
    default = NetworkDeployer(model, "generic", name="net", deeployStateDir=None)
    default.prepare()
    for optimizer in (lowering, ",".join(p.name for p in lowering)):
        same = NetworkDeployer(
            model, "generic", name="net", loweringOptimizer=optimizer, deeployStateDir=None
        )
        same.prepare()
        assert same.result.files == default.result.files
    # without canonicalize-reshapes, Flatten stays an operator no kernel implements
    bare = NetworkDeployer(model, "generic", loweringOptimizer="dce", deeployStateDir=None)
    with pytest.raises(UnsupportedError, match="Flatten"):
        bare.prepare()
    with pytest.raises(OptionError, match="loweringOptimizer must be"):
        NetworkDeployer(model, "generic", loweringOptimizer=[object()])
