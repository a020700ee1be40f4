"""The memory map `deeploy compile --memory-map` writes, checked from the map alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import PROJECT

TINY = PROJECT / "examples" / "tiny_cnn" / "network.onnx"


def _check_map(data: dict, l1: int | None = None) -> None:
    for level, info in data["levels"].items():
        buffers = info["buffers"]
        assert buffers, f"{level} has no buffers"
        for b in buffers:
            assert b["offset"] >= 0 and b["offset"] + b["size"] <= info["size"], (level, b)
            assert 0 <= b["first"] <= b["last"] < data["steps"]
        for i, a in enumerate(buffers):
            for b in buffers[i + 1 :]:
                live_together = a["first"] <= b["last"] and b["first"] <= a["last"]
                apart = (
                    a["offset"] + a["size"] <= b["offset"] or b["offset"] + b["size"] <= a["offset"]
                )
                assert not live_together or apart, (level, a, b)
        assert info["lower_bound"] <= info["size"]
    if l1 is not None:
        assert data["levels"]["L1"]["size"] <= l1


@pytest.mark.parametrize("double_buffer", [False, True])
def test_tiled_map_is_consistent(double_buffer: bool) -> None:
    import deeploy
    from deeploy.targets.base import MemoryConfig

    memory = MemoryConfig(l1=1500, double_buffer=double_buffer)
    result = deeploy.compile(TINY, memory=memory, memory_map=True)
    data = result.memory_map
    assert data is not None
    assert set(data["levels"]) == {"L1", "L2"}
    _check_map(data, memory.l1)
    assert data["levels"]["L2"]["size"] == result.report["memory"]["L2"]
    assert data["levels"]["L1"]["size"] == result.report["tiling"]["l1_peak"]
    # every tiled layer has a buffer for each of its operands in L1
    assert (
        len({b["name"].split(".")[0] for b in data["levels"]["L1"]["buffers"]})
        == (result.report["tiling"]["layers"])
    )


def test_untiled_map_has_only_the_home_level() -> None:
    import deeploy

    result = deeploy.compile(TINY, memory_map=True)
    assert result.memory_map is not None
    assert list(result.memory_map["levels"]) == ["L2"]
    _check_map(result.memory_map)
    info = result.memory_map["levels"]["L2"]
    assert info["size"] == result.report["memory"]["L2"]


def test_cli_writes_map_and_plot(tmp_path: Path) -> None:
    from deeploy.tools.cli import main

    out_json, out_png = tmp_path / "map.json", tmp_path / "map.png"
    code = main(
        [
            "compile",
            str(TINY),
            "-o",
            str(tmp_path / "out"),
            "--l1",
            "2000",
            "--memory-map",
            str(out_json),
            "--memory-plot",
            str(out_png),
        ]
    )
    assert code == 0
    _check_map(json.loads(out_json.read_text()), 2000)
    assert out_png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
