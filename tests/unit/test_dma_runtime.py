"""The runtime's DMA layer (runtime/platform/dma.c), driven by small C programs: strided
copies land where numpy says, the copy happens at wait (not at start), counters add up,
and transfers outside a level, races and bad handles abort with a message."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import CHECK_CFLAGS, PROJECT

RUNTIME = PROJECT / "runtime"

PRELUDE = """
#include <stdio.h>
#include <string.h>
#include "deeploy/dma.h"
static uint8_t l1[64];
static uint8_t l2[256];
int main(void) {
    deeploy_mem_add_region(0, "L1", l1, sizeof l1);
    deeploy_mem_add_region(1, "L2", l2, sizeof l2);
    for (int i = 0; i < 256; ++i) l2[i] = (uint8_t)i;
"""


def _run(body: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    source = tmp_path / "main.c"
    source.write_text(PRELUDE + body + "\n    return 0;\n}\n")
    binary = tmp_path / "main"
    build = subprocess.run(
        [
            "cc",
            "-std=c99",
            "-Wall",
            "-Wextra",
            *CHECK_CFLAGS,
            f"-I{RUNTIME / 'include'}",
            str(source),
            str(RUNTIME / "platform" / "dma.c"),
            "-o",
            str(binary),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stderr
    return subprocess.run([str(binary)], capture_output=True, text=True, check=False, timeout=30)


def _dump(name: str, count: int) -> str:
    return f'for (int i = 0; i < {count}; ++i) {{ printf("%d ", {name}[i]); }}\n    printf("\\n");'


def test_strided_3d_copy_matches_numpy(tmp_path: Path) -> None:
    # a 2x3x4-byte block of a 4x8x8 L2 tensor starting at [1, 2, 3], packed into L1
    body = f"""
    const int32_t counts[3] = {{2, 3, 4}};
    const int32_t src_strides[2] = {{64, 8}};
    const int32_t dst_strides[2] = {{12, 4}};
    int32_t h = deeploy_dma_start(0, l1, dst_strides, 1, l2 + 64 + 16 + 3, src_strides, counts, 3);
    deeploy_dma_wait(h);
    {_dump("l1", 24)}
    deeploy_dma_counters_t c = deeploy_dma_counters();
    printf("%u %lu\\n", (unsigned)c.transfers, (unsigned long)c.bytes);
    """
    out = _run(body, tmp_path)
    assert out.returncode == 0, out.stderr
    copied, counters = out.stdout.splitlines()
    expected = np.arange(256).reshape(4, 8, 8)[1:3, 2:5, 3:7].reshape(-1)
    assert [int(v) for v in copied.split()] == expected.tolist()
    assert counters == "1 24"


def test_copy_happens_at_wait_and_2d_back_to_l2(tmp_path: Path) -> None:
    body = f"""
    int32_t h = deeploy_dma_start_1d(0, l1, 1, l2 + 100, 8);
    printf("%d\\n", l1[0]);              /* still 0: the transfer is pending */
    deeploy_dma_wait(h);
    printf("%d\\n", l1[0]);              /* 100 */
    h = deeploy_dma_start_2d(1, l2, 16, 0, l1, 4, 2, 4); /* 2 rows of 4 bytes */
    deeploy_dma_wait_all();
    {_dump("l2", 24)}
    deeploy_dma_counters_t c = deeploy_dma_counters();
    printf("%u %lu\\n", (unsigned)c.transfers, (unsigned long)c.bytes);
    """
    out = _run(body, tmp_path)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[:2] == ["0", "100"]
    expected = list(range(24))
    expected[0:4] = [100, 101, 102, 103]
    expected[16:20] = [104, 105, 106, 107]
    assert [int(v) for v in lines[2].split()] == expected
    assert lines[3] == "2 16"


def test_interleaved_strided_transfers_are_not_a_race(tmp_path: Path) -> None:
    # two pending stores into alternate 4-byte columns of the same L2 rows: their spans
    # overlap but no byte is shared
    body = f"""
    int32_t a = deeploy_dma_start_2d(1, l2, 8, 0, l1, 4, 4, 4);
    int32_t b = deeploy_dma_start_2d(1, l2 + 4, 8, 0, l1 + 16, 4, 4, 4);
    deeploy_dma_wait(a);
    deeploy_dma_wait(b);
    {_dump("l2", 32)}
    """
    out = _run(body, tmp_path)
    assert out.returncode == 0, out.stderr
    # l1 is all zeros: the 32 bytes the two stores cover are cleared, the rest untouched
    assert [int(v) for v in out.stdout.split()] == [0] * 32


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("deeploy_dma_start_1d(0, l1 + 60, 1, l2, 8);", "destination"),  # runs past L1
        ("deeploy_dma_start_1d(0, l1, 1, l1 + 32, 8);", "source"),  # L1 is not L2
        (
            "deeploy_dma_start_1d(0, l1, 1, l2, 8); deeploy_dma_start_1d(0, l1 + 4, 1, l2, 8);",
            "race",
        ),
        ("deeploy_dma_wait(3);", "not pending"),
        (
            "deeploy_dma_start_2d(1, l2, 8, 0, l1, 4, 4, 4);"
            " deeploy_dma_start_2d(1, l2 + 2, 8, 0, l1 + 16, 4, 4, 4);",
            "race",
        ),
    ],
    ids=["outside-destination", "wrong-source-level", "race", "bad-handle", "strided-race"],
)
def test_violations_abort_loudly(body: str, message: str, tmp_path: Path) -> None:
    out = _run(body, tmp_path)
    assert out.returncode != 0
    assert message in out.stderr


def test_compiler_knows_the_runtime_region_limit() -> None:
    from deeploy.backend.tiled_layers import DMA_MAX_REGIONS

    header = (PROJECT / "runtime" / "include" / "deeploy" / "dma.h").read_text()
    match = re.search(r"#define DEEPLOY_MAX_REGIONS (\d+)", header)
    assert match is not None
    assert int(match.group(1)) == DMA_MAX_REGIONS
