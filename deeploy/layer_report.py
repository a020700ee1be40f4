"""The per-layer report: what each layer of the run function is and costs.

A layer is one `buffer.kernel` or `tiled.layer` of the network function, in the order the
run function calls them (the order `--profile-layers` numbers them). Everything but the
instruction counts is read from the IR (`deeploy.report.ReportObserver` calls
`layer_rows` after every pass once the network is bufferised, and
`add_layer_functions` after lower-to-c):

- `macs`: the multiply-accumulates of the graph ops the layer runs, as the report's total
  counts them (`deeploy.report.macs`) on the last graph-level module; bufferize makes one
  `buffer.kernel` per bound graph op, in order, and a fused tiled layer runs one step per
  op it absorbed, so the layers' MACs add up to the network's;
- `bytes_read` / `bytes_written`: the sizes of the layer's operands and results (weights
  included; a tiled layer's as they are in their home level);
- `outputs`: each result's buffer: its tensor, level, offset in that level's arena (None
  for a network output, which the caller passes) and size;
- tiled layers: `tiles`, `dma_transfers`, `dma_bytes` and `l1_bytes` as tile-layers
  planned them (None when the network is not tiled);
- `kernel`: the C function(s) the layer calls, as lower-to-c emitted them.

`instructions` and `instructions_per_mac` are None until a run measures them
(`with_instructions`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from xdsl.dialects import func
from xdsl.dialects.builtin import ArrayAttr, ModuleOp, StringAttr
from xdsl.ir import BlockArgument, SSAValue

from deeploy.backend.network_files import LAYER_FUNCTIONS
from deeploy.dialects import buffer, cemit, tiled

TILING_FIELDS = ("tiles", "dma_transfers", "dma_bytes", "l1_bytes")


@dataclass(frozen=True)
class BoundOp:
    """A graph op bound to a kernel: what a layer of the buffer level came from."""

    op_type: str
    name: str
    macs: int


def layer_rows(fn: func.FuncOp, bound: Sequence[BoundOp] | None) -> list[dict[str, Any]]:
    """One row per layer of a bufferised network function (see the module docstring)."""
    from deeploy.backend.tiled_layers import layer_stats

    layers = [op for op in fn.body.block.ops if isinstance(op, buffer.KernelOp | tiled.LayerOp)]
    per_layer = _layer_macs(layers, bound)
    rows = []
    for index, (op, macs) in enumerate(zip(layers, per_layer)):
        stats = layer_stats(op) if isinstance(op, tiled.LayerOp) else {}
        rows.append(
            {
                "index": index,
                "name": op.node_name,
                "op": _string(op, "op"),
                "kernel": None,
                "macs": macs,
                "instructions": None,
                "instructions_per_mac": None,
                "bytes_read": sum(_bytes(v) for v in op.ins),
                "bytes_written": sum(_bytes(v) for v in op.outs),
                "outputs": [_placement(v) for v in op.outs],
                **{key: stats.get(key) for key in TILING_FIELDS},
            }
        )
    return rows


def add_layer_functions(rows: list[dict[str, Any]], module: ModuleOp) -> None:
    """Fill each row's `kernel` from what lower-to-c recorded on the network's source
    file; rows and recorded layers are the same layers in the same order."""
    for op in module.walk():
        if not isinstance(op, cemit.FileOp):
            continue
        recorded = op.attributes.get(LAYER_FUNCTIONS)
        if not isinstance(recorded, ArrayAttr) or len(recorded.data) != len(rows):
            continue
        for row, functions in zip(rows, recorded.data):
            assert isinstance(functions, ArrayAttr), functions
            names = [s.data for s in functions.data if isinstance(s, StringAttr)]
            row["kernel"] = " + ".join(names) or None


def with_instructions(
    rows: Sequence[dict[str, Any]], measured: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The rows with the instruction counts a profiling run measured (`parse_layers`'
    entries, by index); rows without a count keep None."""
    counts = {m["index"]: m["instructions"] for m in measured}
    out = []
    for row in rows:
        count = counts.get(row["index"])
        macs = row["macs"]
        per_mac = round(count / macs, 4) if count is not None and macs else None
        out.append({**row, "instructions": count, "instructions_per_mac": per_mac})
    return out


def format_table(rows: Sequence[dict[str, Any]]) -> str:
    """The rows as an aligned text table; tiling columns only when a layer is tiled."""
    from deeploy.tools.messages import one_line

    tiled_columns = any(row["tiles"] is not None for row in rows)
    headers = ["#", "layer", "kernel", "MACs", "instructions", "instr/MAC", "read B", "written B"]
    headers.append("output (level@offset+bytes)")
    if tiled_columns:
        headers += ["tiles", "DMA transfers", "DMA bytes"]
    body = []
    for row in rows:
        cells = [
            str(row["index"]),
            one_line(row["name"]),  # from the model: made safe to print
            row["kernel"] or "-",
            _number(row["macs"]),
            _number(row["instructions"]),
            f"{row['instructions_per_mac']:.2f}" if row["instructions_per_mac"] else "-",
            _number(row["bytes_read"]),
            _number(row["bytes_written"]),
            " ".join(_where(o) for o in row["outputs"]),
        ]
        if tiled_columns:
            cells += [_number(row[key]) for key in ("tiles", "dma_transfers", "dma_bytes")]
        body.append(cells)
    numeric = {0, 3, 4, 5, 6, 7, 9, 10, 11}
    widths = [max(len(line[k]) for line in [headers, *body]) for k in range(len(headers))]
    lines = []
    for line in [headers, *body]:
        padded = [
            cell.rjust(widths[k]) if k in numeric else cell.ljust(widths[k])
            for k, cell in enumerate(line)
        ]
        lines.append("  ".join(padded).rstrip())
    return "\n".join(lines)


def add_layer_counts(stdout: str, counts: Sequence[int]) -> str:
    """stdout with the k-th `DEEPLOY_LAYER index name` line given the k-th count, as a
    program that counts itself prints it. A counting tool (the QEMU plugin, callgrind)
    closes one window per call of the end marker, the program prints one line per call:
    their numbers differ only if the tool or the program is broken."""
    lines = stdout.split("\n")
    at = [i for i, line in enumerate(lines) if line.startswith("DEEPLOY_LAYER ")]
    if len(at) != len(counts):
        raise RuntimeError(
            f"the program printed {len(at)} layer lines but {len(counts)} layer counts were made"
        )
    for i, count in zip(at, counts):
        lines[i] = f"{lines[i].rstrip()} {count}"
    return "\n".join(lines)


# -- helpers ------------------------------------------------------------------------------


def _layer_macs(
    layers: Sequence[buffer.KernelOp | tiled.LayerOp], bound: Sequence[BoundOp] | None
) -> list[int | None]:
    """Each layer's MACs: the bound graph ops it runs, matched in order (one per kernel
    op, one per step of a fused tiled layer). None throughout if they do not line up
    (IR from elsewhere than deeploy.compile's graph level): a figure is never guessed."""
    unknown: list[int | None] = [None] * len(layers)
    if bound is None:
        return unknown
    out: list[int | None] = []
    k = 0
    for op in layers:
        steps = len(op.step_list()) if isinstance(op, tiled.LayerOp) else 1
        chunk = bound[k : k + steps]
        k += steps
        if len(chunk) != steps or chunk[0].op_type != _string(op, "op"):
            return unknown
        if not op.node_name.startswith(chunk[0].name):  # a fused layer's is "a+b"
            return unknown
        out.append(sum(b.macs for b in chunk))
    return out if k == len(bound) else unknown


def _string(op: buffer.KernelOp | tiled.LayerOp, key: str) -> str | None:
    attr = op.attributes.get(key)
    return attr.data if isinstance(attr, StringAttr) else None


def _bytes(value: SSAValue) -> int:
    return buffer.size_in_bytes(buffer.memref_type(value))


def _placement(value: SSAValue) -> dict[str, Any]:
    """Where a layer's result lives: the arena buffer it is (a view of), or a network
    output (offset None)."""
    root = value
    while isinstance(root.owner, buffer.ViewOp):
        root = root.owner.source
    if isinstance(root.owner, buffer.AllocOp):
        alloc = root.owner
        name = alloc.attributes.get("name")
        return {
            "tensor": name.data if isinstance(name, StringAttr) else root.name_hint,
            "level": buffer.level_of(root),
            "offset": alloc.offset_value,
            "bytes": _bytes(root),
        }
    assert isinstance(root, BlockArgument), root
    return {
        "tensor": root.name_hint,
        "level": buffer.level_of(root),
        "offset": None,
        "bytes": _bytes(root),
    }


def _number(value: int | None) -> str:
    return f"{value:,}" if value is not None else "-"


def _where(output: dict[str, Any]) -> str:
    if output["offset"] is None:  # not in the arena: the caller's output buffer
        return f"network output+{output['bytes']:,}"
    return f"{output['level']}@{output['offset']:,}+{output['bytes']:,}"
