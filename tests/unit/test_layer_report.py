"""The per-layer report (deeploy/layer_report.py) against figures computed here from the
ONNX model's own shapes, the memory map and the tiling report; its table and JSON; and
the memory plot's labels. Instruction counts per target: tests/e2e/test_layer_report.py."""

from __future__ import annotations

import json
from math import prod
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import helper

import deeploy
from deeploy.targets.base import MemoryConfig
from tests import networks
from tests.conftest import PROJECT
from tests.unit.test_cli import cli

TINY = PROJECT / "examples" / "tiny_cnn" / "network.onnx"


def _onnx_figures(model: onnx.ModelProto) -> dict[str, dict[str, int]]:
    """Per node, by name: MACs by the textbook formulas and bytes of its inputs and
    outputs (float32), all from onnx's shape inference, not from the compiler."""
    inferred = onnx.shape_inference.infer_shapes(model)
    shapes = {i.name: list(i.dims) for i in inferred.graph.initializer}
    for value in [*inferred.graph.input, *inferred.graph.value_info, *inferred.graph.output]:
        shapes[value.name] = [d.dim_value for d in value.type.tensor_type.shape.dim]
    figures = {}
    for node in inferred.graph.node:
        out = shapes[node.output[0]]
        if node.op_type == "Conv":  # each output: C_in / group x kernel window
            macs = prod(out) * prod(shapes[node.input[1]][1:])
        elif node.op_type == "Gemm":  # M x N outputs, K each
            macs = prod(out) * shapes[node.input[0]][1]
        elif node.op_type == "MatMul":
            macs = prod(out) * shapes[node.input[0]][-1]
        else:
            macs = 0
        figures[node.name] = {
            "macs": macs,
            "read": sum(4 * prod(shapes[name]) for name in node.input),
            "written": sum(4 * prod(shapes[name]) for name in node.output),
        }
    return figures


def test_tiny_cnn_rows_match_the_models_shapes() -> None:
    figures = _onnx_figures(onnx.load(TINY))
    result = deeploy.compile(TINY, memory_map=True)
    rows = result.report["layer_report"]
    # the layers are the model's nodes in order, less the Flatten (a view) and the
    # activations fuse-activation folds into the convolution before them
    names = [r["name"] for r in rows]
    assert names == [n for n in figures if n in names]
    assert set(figures) - set(names) <= {"flatten", "relu1", "relu2"}
    assert {"conv1", "pool1", "conv2", "gap", "fc", "softmax"} <= set(names)
    assert [r["index"] for r in rows] == list(range(len(rows)))
    for row in rows:
        expected = figures[row["name"]]
        assert row["macs"] == expected["macs"], row
        assert row["bytes_read"] == expected["read"], row
        assert row["bytes_written"] == expected["written"], row
        assert row["instructions"] is None and row["instructions_per_mac"] is None
        assert all(row[key] is None for key in ("tiles", "dma_transfers", "dma_bytes"))
    # by hand: conv1 8x16x16 outputs of 1x3x3, conv2 16x8x8 of 8x3x3, fc 10 of 16
    assert [r["macs"] for r in rows if r["macs"]] == [2048 * 9, 1024 * 72, 10 * 16]
    assert sum(r["macs"] for r in rows) == result.report["macs"]
    # the C function each layer calls is called in the generated source
    source = result.files[result.source]
    for row in rows:
        assert row["kernel"].startswith("deeploy_"), row
        assert f"{row['kernel']}(" in source, row["kernel"]


def test_output_buffers_are_the_memory_maps() -> None:
    """Each layer's output buffer is where the memory map places it, live at the layer's
    step; the network's output is the caller's buffer (no offset)."""
    result = deeploy.compile(TINY, memory_map=True)
    data = result.memory_map
    assert data is not None
    steps = {layer["index"]: layer["step"] for layer in data["layers"]}
    buffers = {b["name"]: b for b in data["levels"]["L2"]["buffers"]}
    for row in result.report["layer_report"]:
        for output in row["outputs"]:
            if output["offset"] is None:
                assert row is result.report["layer_report"][-1]
                assert output["bytes"] == 40  # probs: 1 x 10 floats
                continue
            placed = buffers[output["tensor"]]
            assert output["level"] == "L2" and output["offset"] == placed["offset"]
            assert output["bytes"] <= placed["size"]  # the map's sizes are aligned
            assert placed["first"] <= steps[row["index"]] <= placed["last"]


@pytest.mark.parametrize(
    "memory",
    [
        MemoryConfig(l1=1500),
        MemoryConfig(l1=3000, home="L3", double_buffer=True),
        MemoryConfig(l1=1500, fuse_layers=False),
    ],
    ids=["L1-1500", "L3-double", "unfused"],
)
def test_tiled_rows_add_up_to_the_tiling_report(memory: MemoryConfig) -> None:
    result = deeploy.compile(TINY, memory=memory)
    rows, report = result.report["layer_report"], result.report
    assert len(rows) == report["tiling"]["layers"]
    assert sum(r["tiles"] for r in rows) == report["tiles"]
    assert sum(r["dma_bytes"] for r in rows) == report["tiling"]["dma_bytes"]
    assert sum(r["dma_transfers"] for r in rows) == report["tiling"]["dma_transfers"]
    assert max(r["l1_bytes"] for r in rows) == report["tiling"]["l1_peak"]
    assert sum(r["macs"] for r in rows) == report["macs"] == 2048 * 9 + 1024 * 72 + 160
    if rows[0]["name"] == "conv1+relu1":  # fused tiled layers: both kernels named
        assert rows[0]["kernel"] == "deeploy_conv2d_f32 + deeploy_relu_f32"
    else:  # relu1 not a layer of its own or not fused
        assert rows[0]["name"] == "conv1" and rows[0]["kernel"] == "deeploy_conv2d_f32"


def _matmul_chain() -> onnx.ModelProto:
    rng = np.random.default_rng(3)
    nodes = [
        helper.make_node("MatMul", ["x", "w1"], ["h"], name="mm1"),
        helper.make_node("Relu", ["h"], ["r"], name="act"),
        helper.make_node("Gemm", ["r", "w2", "b2"], ["y"], name="fc", transB=1),
    ]
    weights = {
        "w1": networks.weight(rng, 12, 20),
        "w2": networks.weight(rng, 6, 20),
        "b2": networks.weight(rng, 6),
    }
    return networks.chain(nodes, [("x", (3, 12))], [("y", (3, 6))], weights)


@pytest.mark.parametrize("target", ["generic", "rv32", "cortex-m4"])
def test_macs_add_up_on_a_matmul_chain(target: str) -> None:
    model = _matmul_chain()
    figures = _onnx_figures(model)
    result = deeploy.compile(model, target=target)
    rows = result.report["layer_report"]
    assert sum(r["macs"] for r in rows) == result.report["macs"] == 3 * 20 * 12 + 3 * 6 * 20
    for row in rows:  # an activation fused into its producer adds no MACs
        assert row["macs"] == figures[row["name"]]["macs"]


def test_table_and_instructions_per_mac() -> None:
    from deeploy.layer_report import format_table, with_instructions

    result = deeploy.compile(TINY, memory=MemoryConfig(l1=1500))
    rows = result.report["layer_report"]
    measured = [{"index": r["index"], "name": "x", "instructions": 1000} for r in rows[:2]]
    filled = with_instructions(rows, measured)
    assert filled[0]["instructions"] == 1000
    assert filled[0]["instructions_per_mac"] == round(1000 / filled[0]["macs"], 4)
    assert filled[1]["macs"] == 0 and filled[1]["instructions_per_mac"] is None
    assert filled[2]["instructions"] is None  # not measured
    assert rows[0]["instructions"] is None  # the report itself is not changed
    table = format_table(filled).splitlines()
    assert len(table) == 1 + len(rows)
    for heading in ("layer", "kernel", "MACs", "instructions", "instr/MAC", "DMA bytes"):
        assert heading in table[0]
    assert rows[0]["name"] in table[1] and "1,000" in table[1] and "18,432" in table[1]
    assert "L2@0+8,192" in table[1]  # c1: level, offset, size
    assert "network output+40" in table[-1]
    untiled = format_table(deeploy.compile(TINY).report["layer_report"])
    assert "DMA" not in untiled  # no tiling columns without tiling


def test_layer_lines_with_and_without_counts() -> None:
    from deeploy.harness.runner import parse_layers
    from deeploy.layer_report import add_layer_counts

    printed = "x\nDEEPLOY_LAYER 0 conv1\nDEEPLOY_LAYER 1 t123\nDEEPLOY_DONE\n"
    assert [layer["instructions"] for layer in parse_layers(printed)] == [None, None]
    counted = add_layer_counts(printed, [17, 5])
    assert parse_layers(counted) == [
        {"index": 0, "name": "conv1", "instructions": 17},
        {"index": 1, "name": "t123", "instructions": 5},
    ]
    with pytest.raises(RuntimeError, match="2 layer lines but 1 layer counts"):
        add_layer_counts(printed, [17])


def test_compile_json_carries_the_layer_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = cli(capsys, "compile", str(TINY), "-o", str(tmp_path), "--json", "--quiet")
    assert code == 0
    report = json.loads(out.strip().splitlines()[-1])
    assert report["layer_report"][0]["name"] == "conv1"
    assert report["layer_report"][0]["macs"] == 18432
    assert sum(r["macs"] for r in report["layer_report"]) == report["macs"]


def test_run_json_without_profiling_has_rows_without_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = cli(capsys, "run", str(TINY.parent), "--json", "--quiet", "--no-sanitize")
    assert code == 0
    payload = json.loads(out.strip().splitlines()[-1])
    assert payload["layer_report"][0]["name"] == "conv1"
    assert all(r["instructions"] is None for r in payload["layer_report"])
    assert "layer_instructions" not in payload
    assert "#  layer" not in out  # the table is printed with --profile-layers only


# -- the memory plot ------------------------------------------------------------------------


@pytest.mark.parametrize("memory", [None, MemoryConfig(l1=1500)], ids=["untiled", "tiled"])
def test_plot_names_every_buffer_and_layer(memory: MemoryConfig | None) -> None:
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    from deeploy.memory_map import memory_map_figure

    result = deeploy.compile(TINY, memory=memory, memory_map=True)
    data = result.memory_map
    assert data is not None
    fig = memory_map_figure(data)
    try:
        for ax, info in zip(fig.axes, data["levels"].values()):
            inside = {t.get_text() for t in ax.texts}
            legend = ax.get_legend()
            keyed = {t.get_text() for t in legend.get_texts()} if legend is not None else set()
            for b in info["buffers"]:
                numbered = {k.split(": ", 1)[0] for k in keyed if k.split(": ", 1)[1] == b["name"]}
                assert b["name"] in inside or numbered, (b["name"], inside, keyed)
            ticks = [t.get_text() for t in ax.get_xticklabels()]
            assert ticks == [f"{layer['step']}: {layer['name']}" for layer in data["layers"]]
        if memory is None:  # the three big activations are named inside their boxes
            buffers = sorted(data["levels"]["L2"]["buffers"], key=lambda b: -b["size"])
            assert {b["name"] for b in buffers[:3]} <= {t.get_text() for t in fig.axes[0].texts}
    finally:
        plt.close(fig)
