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


def _platform(l1: int, home: str = "L2", l2: int = L2_BYTES):
    from deeploy.facade import MemoryHierarchy, MemoryLevel, MemoryPlatform

    l3 = MemoryLevel(name="L3", neighbourNames=["L2"], size=L3_BYTES)
    l2 = MemoryLevel(name="L2", neighbourNames=["L3", "L1"], size=l2)
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
    l2: int = L2_BYTES,
):
    import deeploy.facade as facade

    deployer = facade.NetworkDeployer(
        model,
        _platform(l1, home, l2),
        name="net",
        deeployStateDir=str(state_dir) if state_dir else None,
    )
    deployer = facade.MemoryDeployerWrapper(deployer)
    return facade.TilerDeployerWrapper(deployer, getattr(facade, tiler))


def _run_and_compare(deployer, folder: Path, work: Path) -> None:
    from deeploy.harness.compare import compare
    from deeploy.harness.runner import build_and_run
    from deeploy.harness.test_data import fit_inputs, load_npz

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
    timing = ("compile_seconds", "pass_seconds")
    strip = lambda r: {k: v for k, v in r.items() if k not in timing}  # noqa: E731
    assert strip(deployer.result.report) == strip(direct.report)
    passes = lambda r: [name for name, _ in r["pass_seconds"]]  # noqa: E731
    assert passes(deployer.result.report) == passes(direct.report)
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
    from deeploy.harness.runner import build_and_run, parse_layers
    from deeploy.harness.test_data import fit_inputs, load_npz

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
    # one count per layer the code runs (fused activations are not layers of their own;
    # report["kernels"] counts the kernels as bound, before fusion)
    assert [layer["name"] for layer in layers] == [
        row["name"] for row in result.report["layer_report"]
    ]
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
    # with an L3 home, tiles are staged in L2 (see test_l2_staging_is_visible_after_tile)
    assert set(sizes) == {"L1", home} | ({"L2"} if home == "L3" else set())
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


# -- Deeploy's own script, on Deeploy's test networks ------------------------------------

# one network per family: integer CNN, float transformer, a float kernel
DEEPLOY_STYLE_TESTS = [
    "Models/miniMobileNet",
    "Models/CCT/FP32/CCT_1_16_16_8",
    "Kernels/FP32/GEMM/Regular",
]


def _double_buffer_budget(test: str) -> int:
    """The smallest L1 budget Deeploy's double-buffered test lists give the network."""
    budgets = json.loads((SHARED / "tiled-budgets.json").read_text())
    for config in ("L3_DOUBLEBUFFER_MODELS", "L2_DOUBLEBUFFER_MODELS", "L2_DOUBLEBUFFER_KERNELS"):
        if test in budgets.get(config, {}):
            return min(budgets[config][test])
    pytest.skip(f"no double-buffered budget for {test} in tiled-budgets.json")


def _deeploy_input_types(folder: Path) -> dict[str, object]:
    """As testMVP's inferTypeAndOffset on a platform without sign propagation: by
    position (`input_<i>`), the narrowest integer type holding the data (our short names,
    u8...), float32 for float data; offsets are all zero."""
    from deeploy.integer_types import infer_input_types

    inputs = np.load(folder / "inputs.npz")
    names = [f"input_{i}" for i in range(len(inputs.files))]
    arrays = [inputs[key] for key in inputs.files]
    return dict(infer_input_types(names, arrays) or dict.fromkeys(names, np.float32))


def _deeploy_style_deployer(folder: Path, l1: int, states: Path):
    """testMVP.py's setupDeployer, step by step: a deployer on the plain platform, made
    memory-aware by assigning Platform, wrapped for memory levels and for tiling."""
    import onnx

    from deeploy.facade import (
        DBTiler,
        DeploymentPlatform,
        MemoryDeployerWrapper,
        MemoryHierarchy,
        MemoryLevel,
        MemoryPlatformWrapper,
        NetworkDeployer,
        TilerDeployerWrapper,
    )

    # testMVP passes gs.import_onnx(onnx.load_model(...)); without onnx_graphsurgeon, the
    # model itself (a bare GraphProto would lose the model's opset)
    graph = onnx.load_model(folder / "network.onnx")
    l3_level = MemoryLevel(name="L3", neighbourNames=["L2"], size=64_000_000)
    l2_level = MemoryLevel(name="L2", neighbourNames=["L3", "L1"], size=L2_BYTES)
    l1_level = MemoryLevel(name="L1", neighbourNames=["L2"], size=l1)
    hierarchy = MemoryHierarchy([l3_level, l2_level, l1_level])
    hierarchy.setDefaultMemoryLevel("L3")
    types = _deeploy_input_types(folder)
    deployer = NetworkDeployer(
        graph,
        DeploymentPlatform("generic"),
        inputTypes=types,
        scheduler=lambda g: [[node] for node in g.nodes],
        name="net",
        deeployStateDir=str(states / "deeployStates"),
        inputOffsets=dict.fromkeys(types, 0),
    )
    deployer.Platform = MemoryPlatformWrapper(deployer.Platform, hierarchy, l1_level)
    deployer = MemoryDeployerWrapper(deployer)
    deployer = TilerDeployerWrapper(deployer, DBTiler, testName="facade", workDir=str(states))
    deployer.tiler.visualizeMemoryAlloc = False
    deployer.tiler.memoryAllocStrategy = "MiniMalloc"
    deployer.tiler.searchStrategy = "random-max"
    return deployer


def _check_figures_after_tile(deployer, l1: int) -> dict[str, int]:
    """What Deeploy's tile() makes readable: every level's worst case, L2 staging
    included, and each layer's constraints in L3, L2 and L1."""
    sizes = deployer.worstCaseBufferSize
    assert set(sizes) == {"L1", "L2", "L3"}
    assert 0 < sizes["L1"] <= l1 and 0 < sizes["L2"] <= L2_BYTES
    for name, pattern in deployer.tiler.patternMemoryConstraints.items():
        (node,) = pattern.nodeConstraints
        for tensor in node.tensorMemoryConstraints.values():
            assert set(tensor.memoryConstraints) == {"L1", "L2", "L3"}, (name, tensor.tensorName)
    # L3 holds intermediates only if the network has some (I/O are the caller's arrays)
    assert {"L1", "L2"} <= set(deployer.tiler.memoryMap) <= {"L1", "L2", "L3"}
    return sizes


@requires_shared
@pytest.mark.shared
@pytest.mark.parametrize("test", DEEPLOY_STYLE_TESTS)
def test_deeploy_style_script_runs_and_matches(test: str, tmp_path: Path) -> None:
    """Deeploy's documented flow (frontEnd, midEnd, backEnd, generateFunction) with an
    L3/L2/L1 hierarchy and double buffering, each stage exported and resumed in a new
    deployer; the C is the one-shot flow's, built, run and compared with outputs.npz."""
    from deeploy.facade import CodeGenVerbosity

    folder = SHARED / test
    l1 = _double_buffer_budget(test)
    verbosity = CodeGenVerbosity(None)
    verbosity.tilingProfiling = False  # testMVP sets it from --profileTiling

    def resumed(stage: str | None):
        deployer = _deeploy_style_deployer(folder, l1, tmp_path)
        if stage is not None:
            deployer.importDeeployState(tmp_path / "exported", stage)
        return deployer

    first = resumed(None)
    first.frontEnd()
    first.exportDeeployState(tmp_path / "exported", "frontEnd")
    second = resumed("frontEnd")
    second.midEnd()
    sizes = _check_figures_after_tile(second, l1)
    second.exportDeeployState(tmp_path / "exported", "midEnd")
    third = resumed("midEnd")
    third.backEnd(verbosity)
    third.exportDeeployState(tmp_path / "exported", "backEnd")
    final = resumed("backEnd")
    final.generateFunction(verbosity)
    assert final.worstCaseBufferSize == sizes
    assert {p.stem for p in (tmp_path / "deeployStates").glob("*.json")} == {
        "middleware_pre_lowering",
        "middleware_post_lowering",
        "backend_post_parsing",
        "backend_post_binding",
    }

    straight = resumed(None)
    straight.prepare(verbosity)
    assert final.result.files == straight.result.files
    _run_and_compare(final, folder, tmp_path / "run")


# -- issue 21: each finding ----------------------------------------------------------------


def _staging_offsets(source: str) -> list[list[int]]:
    """Per tiled layer, the L2 offsets of its staging buffers in the generated C."""
    tables = re.findall(r"void \*net_layer\d+_staging\[\d+\] = \{(.*?)\};", source, re.S)
    return [
        [int(at or 0) for at in re.findall(r"\(void \*\)\(?net_L2(?: \+ (\d+))?\)?", table)]
        for table in tables
    ]


def test_l2_staging_is_visible_after_tile(tmp_path: Path) -> None:
    """Finding 1: with an L3 home, tiles pass through L2; tile() already reports those
    staging buffers (worstCaseBufferSize, patternMemoryConstraints, memoryMap), with the
    offsets and the size the generated C then uses."""
    from deeploy.errors import BudgetError

    deployer = _tiled(home="L3")
    deployer.frontEnd()
    deployer.midEnd()
    staging = deployer.tiler.memoryMap["L2"]
    for layer, pattern in deployer.tiler.patternMemoryConstraints.items():
        (node,) = pattern.nodeConstraints
        for tensor in node.tensorMemoryConstraints.values():
            l2 = tensor.memoryConstraints["L2"]
            assert l2.addrSpace[0] == staging[f"{layer}/{tensor.tensorName}"]
            assert l2.size == tensor.memoryConstraints["L1"].size  # one tile, single-buffered
    need = deployer.worstCaseBufferSize["L2"]
    assert need == max(b.addrSpace[1] for b in deployer.memoryBlocks["L2"])
    deployer.backEnd()
    per_layer = [
        [at for name, at in staging.items() if name.startswith(f"{layer}/")]
        for layer in deployer.tiler.tilingSolution
    ]
    assert _staging_offsets(deployer.result.files["net.c"]) == per_layer
    assert deployer.worstCaseBufferSize["L2"] == need

    exact = _tiled(home="L3", l2=need)  # exactly the reported L2 is enough
    exact.generateFunction()
    _run_and_compare(exact, TINY, tmp_path)
    with pytest.raises(BudgetError, match=f"L2 holds {need - 16} bytes but the network needs"):
        _tiled(home="L3", l2=need - 16).generateFunction()


@pytest.mark.parametrize("home", ["L2", "L3"])
def test_figures_are_available_after_tile(home: str) -> None:
    """Finding 2: Deeploy fills worstCaseBufferSize in tile(); so do we, with the figures
    codeTransform keeps."""
    deployer = _tiled(home=home)
    deployer.frontEnd()
    assert deployer.worstCaseBufferSize == {} and deployer.tiler.worstCaseBufferSize == {}
    deployer.midEnd()
    after_tile = deployer.worstCaseBufferSize
    memory_map, blocks = deployer.tiler.memoryMap, deployer.memoryBlocks
    assert after_tile["L1"] == deployer.tiler.worstCaseBufferSize["L1"] > 0
    deployer.backEnd()
    assert deployer.worstCaseBufferSize == after_tile
    assert deployer.tiler.memoryMap == memory_map and deployer.memoryBlocks == blocks
    assert after_tile["L1"] == deployer.result.report["tiling"]["l1_peak"]


def test_untiled_figures_come_with_code_transform() -> None:
    from deeploy.facade import NetworkDeployer

    deployer = NetworkDeployer(TINY / "network.onnx", "generic", deeployStateDir=None)
    deployer.frontEnd()
    deployer.midEnd()
    assert deployer.worstCaseBufferSize == {}
    deployer.backEnd()
    assert set(deployer.worstCaseBufferSize) == {"L2"}


def test_memory_map_holds_every_level() -> None:
    """Finding 3: tiler.memoryMap and memoryBlocks hold every level's buffers, as
    Deeploy's: the home arena's and each layer's L1 buffers (`<layer>/<tensor>`)."""
    deployer = _tiled()
    deployer.frontEnd()
    deployer.midEnd()
    memory_map = deployer.tiler.memoryMap
    assert set(memory_map) == {"L1", "L2"}
    layers = list(deployer.tiler.tilingSolution)
    assert {name.split("/")[0] for name in memory_map["L1"]} == set(layers)
    # relu1 works in place: its input and output are the same tensor, twice
    assert {"relu1/c1_0", "relu1/c1_1"} <= set(memory_map["L1"])
    for block in deployer.memoryBlocks["L1"]:
        assert block.lifetime[0] == block.lifetime[1] == layers.index(block.name.split("/")[0])
        assert block.addrSpace[0] == memory_map["L1"][block.name]


class _DeeployBlock:
    """Deeploy's MemoryBlock as tile() sees it: a name and `_addrSpace`."""

    def __init__(self, name: str, space: tuple[int, int] | None) -> None:
        self.name, self._addrSpace = name, space


def _deeploy_memory_map(deployer) -> dict[str, list[list[_DeeployBlock]]]:
    """Our memory blocks in Deeploy's MemoryMap shape: per level one list per layer (the
    layer's own buffers, by tensor name), then the whole network's."""
    layers = list(deployer.tiler.tilingSolution)
    shaped: dict[str, list[list[_DeeployBlock]]] = {}
    for level, blocks in deployer.memoryBlocks.items():
        lists: list[list[_DeeployBlock]] = [[] for _ in range(len(layers) + 1)]
        for b in blocks:
            layer, _, tensor = b.name.rpartition("/")
            index = layers.index(layer) if layer else len(layers)
            lists[index].append(_DeeployBlock(tensor, b.addrSpace))
        shaped[level] = lists
    return shaped


def test_tile_accepts_deeploys_shapes() -> None:
    """Finding 3: tile() takes Deeploy's TilingSolution (a list of
    PatternMemoryConstraints with L1 tile shapes) and MemoryMap ({level: [[MemoryBlock]]})."""
    from deeploy.errors import OptionError
    from deeploy.facade import NodeMemoryConstraint, PatternMemoryConstraints

    reference = _tiled()
    reference.generateFunction()
    patterns = list(reference.tiler.patternMemoryConstraints.values())
    deeploy_map = _deeploy_memory_map(reference)

    replay = _tiled()
    replay.frontEnd()
    replay._innerObject.bind()
    replay.tile(patterns, deeploy_map)
    replay.prepare()
    assert replay.result.files == reference.result.files
    assert replay.tiler.tilingSolution == reference.tiler.tilingSolution

    # a smaller relu1 tile, given as Deeploy gives it: the tensors' L1 shapes
    smaller = _tiled()
    smaller.frontEnd()
    smaller.midEnd()
    solution = dict(smaller.tiler.tilingSolution)
    solution["relu1"] = [100]
    smaller.tile(solution, smaller.tiler.memoryMap)
    as_patterns = list(smaller.tiler.patternMemoryConstraints.values())
    converted = _tiled()
    converted.frontEnd()
    converted._innerObject.bind()
    converted.tile(as_patterns, smaller.tiler.memoryMap)
    assert converted.tiler.tilingSolution["relu1"] == [100]

    two_nodes = PatternMemoryConstraints([NodeMemoryConstraint(), NodeMemoryConstraint()])
    for wrong, fragment in (
        ([*patterns[:2], two_nodes, *patterns[3:]], "only layer-wise tiling"),
        (patterns[:3], "one PatternMemoryConstraints per tiled layer (8), got 3"),
        ({"nowhere": patterns[0]}, "names layers that are not tiled: nowhere"),
        ({"conv1": patterns[1]}, "layer 'conv1' has no tensor 'c1_0'"),
        (42, "tilingSolution must map layer names"),
    ):
        other = _tiled()
        other.frontEnd()
        other._innerObject.bind()
        with pytest.raises(OptionError, match=re.escape(fragment)):
            other.tile(wrong, deeploy_map)
    with pytest.raises(OptionError, match="one block list per tiled layer"):
        other.tile(patterns, {**deeploy_map, "L1": deeploy_map["L1"][:2]})


def test_tile_checks_every_levels_map() -> None:
    """Finding 3: a memoryMap names every level's buffers; L1 buffers may move (and are
    checked), L2 staging buffers follow from the tiles and cannot."""
    from deeploy.errors import OptionError

    reference = _tiled(home="L3")
    reference.generateFunction()
    solution, memory_map = reference.tiler.tilingSolution, reference.tiler.memoryMap

    def bound():
        deployer = _tiled(home="L3")
        deployer.frontEnd()
        deployer._innerObject.bind()
        return deployer

    staged = {**memory_map, "L2": {**memory_map["L2"], "conv2/c2": 16}}
    moved_staging = bound()
    moved_staging.tile(solution, staged)
    with pytest.raises(OptionError, match="staging buffer 'conv2/c2' at 16: not supported"):
        moved_staging.prepare()
    no_l1 = bound()
    no_l1.tile(solution, {**memory_map, "L1": {}})
    with pytest.raises(OptionError, match="memoryMap gives no offset for L1 buffer 'conv1/"):
        no_l1.prepare()
    overlapping = bound()
    overlapping.tile(solution, {**memory_map, "L1": dict.fromkeys(memory_map["L1"], 0)})
    with pytest.raises(AssertionError, match=r"the given memoryMap: memory plan: layer 'conv1'"):
        overlapping.prepare()


class _GraphSurgeonGraph:
    """Stands for an onnx_graphsurgeon Graph (not installed here): export_onnx gives the
    model back."""

    def __init__(self, model) -> None:
        self.model = model


def _fake_graphsurgeon(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    import types

    module = types.ModuleType("onnx_graphsurgeon")
    module.export_onnx = lambda graph: graph.model  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "onnx_graphsurgeon", module)
    monkeypatch.setattr(_GraphSurgeonGraph, "__module__", "onnx_graphsurgeon.ir.graph")


def test_lower_takes_what_deeploy_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Finding 4: lower(graph) takes the network's graph, as Deeploy's does: an ONNX
    GraphProto or ModelProto, or an onnx_graphsurgeon Graph; it returns the lowered
    module and leaves the deployer as it was. Anything else is a clear error."""
    import onnx
    from xdsl.dialects.builtin import ModuleOp

    from deeploy.errors import OptionError
    from deeploy.facade import NetworkDeployer

    _fake_graphsurgeon(monkeypatch)
    model = onnx.load(TINY / "network.onnx")
    deployer = _tiled()
    for given in (model.graph, model, _GraphSurgeonGraph(model)):
        lowered = deployer.lower(given)
        assert isinstance(lowered, ModuleOp)
        ops = {op.name for op in lowered.walk()}
        assert "graph.flatten" not in ops and "graph.reshape" in ops  # canonicalize-reshapes
    assert deployer.module is None and not deployer.parsed
    with pytest.raises(OptionError, match=r"lower\(graph\): graph is None"):
        deployer.lower(None)
    with pytest.raises(OptionError, match="got int"):
        deployer.lower(42)
    # the deployer's own module is lowered in place, once
    deployer.frontEnd()
    assert deployer.lower(deployer.module) is deployer.module
    # and a deployer takes an onnx_graphsurgeon Graph as Deeploy's does
    surgeon = NetworkDeployer(_GraphSurgeonGraph(model), "generic", deeployStateDir=None)
    surgeon.frontEnd()
    assert [b.name for b in surgeon.inputs()] == ["image"]


def test_parse_before_front_end_still_lowers() -> None:
    """Finding 5: parse() first imports and lowers (Deeploy's parse works on whatever
    graph it holds; ours binds only lowered modules), so a later frontEnd() and midEnd()
    work and give the usual code."""
    reference = _tiled()
    reference.generateFunction()
    early = _tiled()
    assert early.parse() and early.parsed
    early.frontEnd()
    early.midEnd()
    early.backEnd()
    assert early.result.files == reference.result.files


def test_code_gen_verbosity_is_mutable_as_deeploys() -> None:
    """Finding 6: Deeploy's scripts set fields of CodeGenVerbosity(None)."""
    from deeploy.facade import CodeGenVerbosity

    cfg = CodeGenVerbosity(None)
    assert cfg == CodeGenVerbosity(tilingProfiling=None)
    cfg.untiledProfiling = True
    cfg.tilingProfiling = True
    assert cfg == CodeGenVerbosity(True, True) and cfg != CodeGenVerbosity(None)
    assert CodeGenVerbosity() == CodeGenVerbosity(False, None, None)
    deployer = _tiled()
    with pytest.warns(UserWarning, match="untiledProfiling=True"):
        deployer.generateFunction(cfg)
    assert CodeGenVerbosity(None) == CodeGenVerbosity(tilingProfiling=None)  # default intact


def test_snapshots_are_never_overwritten(tmp_path: Path) -> None:
    """Finding 7: prepare() after stages run by hand keeps each stage's snapshot as the
    stage left it (backend_post_parsing is bound and tiled, not transformed)."""
    reference = _tiled()
    reference.generateFunction()
    deployer = _tiled(state_dir=tmp_path)
    deployer.frontEnd()
    deployer.midEnd()
    parsed = (tmp_path / "backend_post_parsing.mlir").read_text()
    deployer.codeTransform()
    deployer.prepare()
    assert (tmp_path / "backend_post_parsing.mlir").read_text() == parsed
    state = json.loads((tmp_path / "backend_post_parsing.json").read_text())
    assert state["stage"]["tiled"] and not state["stage"]["transformed"]
    assert "tiled.layer" in parsed
    resumed = _tiled()
    resumed.importDeeployState(tmp_path, "backend_post_parsing")
    resumed.generateFunction()
    assert resumed.result.files == reference.result.files


def test_a_second_tiler_wrapper_is_refused() -> None:
    """Finding 8: an outer TilerDeployerWrapper would override the inner one's buffering."""
    import deeploy.facade as facade

    inner = _tiled(tiler="SBTiler")
    with pytest.raises(
        AssertionError, match=r"already wrapped in TilerDeployerWrapper \(tiler SBTiler"
    ):
        facade.TilerDeployerWrapper(inner, facade.DBTiler)
    assert inner.tiler.multiBufferCoefficient == 1 and not inner._session.memory.double_buffer


def test_budget_errors_name_memory_levels_not_cli_flags() -> None:
    """Finding 8: errors reach Python callers naming the MemoryLevel to change, not the
    command-line option (--l2) the compiler's CLI would."""
    import deeploy.facade as facade
    from deeploy.errors import BudgetError, OptionError

    with pytest.raises(BudgetError, match="make MemoryLevel 'L2' larger") as err:
        _tiled(l2=4096).generateFunction()  # the arena and the weights need more
    assert "--" not in str(err.value)
    with pytest.raises(OptionError, match=r"MemoryLevel 'L1': size must be a whole number"):
        _tiled(l1=8e3)
    # what deeploy.compile checks of a target with a hierarchy (its CLI says --l1)
    platform = _platform(8000)
    no_l1 = facade.MemoryPlatform(
        platform.memoryHierarchy, platform.defaultTargetMemoryLevel, target="cortex-m4"
    )
    plain = facade.NetworkDeployer(TINY / "network.onnx", no_l1, deeployStateDir=None)
    with pytest.raises(OptionError, match="TilerDeployerWrapper: target cortex-m4 has no L1"):
        facade.TilerDeployerWrapper(plain)
    assert plain._session.memory is None
    deployer = _tiled()
    deployer.frontEnd()
    deployer.midEnd()
    assert deployer.worstCaseBufferSize["L1"] <= 8000


def test_short_and_deeploy_type_names_for_input_types() -> None:
    """inputTypes as Deeploy's scripts give them: keyed `input_<i>`, with this project's
    short names (numpy reads "u8" as uint64) or Deeploy's C type names."""
    from deeploy.facade import NetworkDeployer

    class Float32:  # Deeploy's PointerClass(float32_t), as far as types go
        class referencedType:
            typeName = "float32_t"

    for given in ("float32", "float32_t", Float32):
        deployer = NetworkDeployer(
            TINY / "network.onnx", "generic", inputTypes={"input_0": given}, deeployStateDir=None
        )
        deployer.frontEnd()
    from deeploy.facade.deployer import _input_types

    assert _input_types({"x": "u8", "y": "i16", "z": "int8_t"}) == {
        "x": "uint8",
        "y": "int16",
        "z": "int8",
    }
