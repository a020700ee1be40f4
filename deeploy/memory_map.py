"""The static memory map of a planned module, as data (`deeploy compile --memory-map`).

Time is the op index in the network function (a "step"); a buffer occupies
[offset, offset + size) of its level from step `first` to step `last`. Home-level buffers
come from the arena plan (`buffer.alloc` offsets); the L1 buffers of a tiled layer live
for that layer's step only. Weights and the network's inputs and outputs are not in the
arenas, so they are not in the map.
"""

from __future__ import annotations

from typing import Any

from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, StringAttr

from deeploy.dialects import buffer, tiled


def memory_map(module: ModuleOp, target: str = "generic") -> dict[str, Any]:
    """Per level: size, live-set lower bound, whether proven minimal, and every buffer."""
    from deeploy.allocation.lifetimes import lifetimes
    from deeploy.targets import get_target
    from deeploy.tiling.layers import l1_buffers

    levels: dict[str, dict[str, Any]] = {}
    for arena in (op for op in module.ops if isinstance(op, buffer.ArenaOp)):
        levels[arena.level_name] = {
            "size": arena.size_bytes,
            "lower_bound": arena.lower_bound.value.data
            if arena.lower_bound is not None
            else arena.size_bytes,
            "optimal": arena.optimal is not None,
            "buffers": [],
        }
    steps = 0
    for fn in module.ops:
        if not isinstance(fn, func.FuncOp) or fn.is_declaration:
            continue
        ops = list(fn.body.block.ops)
        steps = max(steps, len(ops))
        for block in lifetimes(fn, alignment=1):
            levels[block.level]["buffers"].append(
                {
                    "name": _name(block.alloc, f"buffer{block.order}"),
                    "offset": block.alloc.offset_value,
                    "size": block.size,
                    "first": block.start,
                    "last": block.end,
                }
            )
        layers = [(i, op) for i, op in enumerate(ops) if isinstance(op, tiled.LayerOp)]
        if layers:
            library = get_target(target).kernels()
            l1 = levels.setdefault(
                "L1", {"size": 0, "lower_bound": 0, "optimal": False, "buffers": []}
            )
            for step, layer in layers:
                used = total = 0
                for b in l1_buffers(layer, library):
                    total += b.size
                    l1["buffers"].append(
                        {
                            "name": f"{layer.node_name}.{_operand_name(layer, b.operand)}"
                            f"[{b.slot}]",
                            "offset": b.offset,
                            "size": b.size,
                            "first": step,
                            "last": step,
                        }
                    )
                    used = max(used, b.offset + b.size)
                l1["size"] = max(l1["size"], used)
                l1["lower_bound"] = max(l1["lower_bound"], total)
            # a layer's buffers all live at once: only alignment gaps separate them
            l1["optimal"] = l1["size"] == l1["lower_bound"]
    return {"steps": steps, "levels": dict(sorted(levels.items()))}


def _name(op: Any, default: str) -> str:
    name = op.attributes.get("name")
    return name.data if isinstance(name, StringAttr) else default


def _operand_name(layer: tiled.LayerOp, k: int) -> str:
    n_in, n_local = len(layer.ins), len(layer.local_types)
    if k < n_in:
        return f"in{k}"
    if k < n_in + n_local:
        return f"local{k - n_in}"  # a fused layer's intermediate, in L1 only
    return f"out{k - n_in - n_local}"


def plot_memory_map(data: dict[str, Any], path: str) -> None:
    """Draw the map: one panel per level, time on x, address on y, a box per buffer.

    matplotlib is an optional dependency (the `plot` extra); without it this raises
    OptionError saying how to install it.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")  # no display needed
        import matplotlib.pyplot as plt
        from matplotlib.patches import Rectangle
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        from deeploy.errors import OptionError

        raise OptionError(
            "--memory-plot needs matplotlib: pip install matplotlib (or the `plot` extra)"
        ) from None
    levels = data["levels"]
    fig, axes = plt.subplots(len(levels), 1, figsize=(10, 3.2 * max(1, len(levels))), squeeze=False)
    colours = plt.get_cmap("tab20")
    for ax, (level, info) in zip(axes[:, 0], levels.items()):
        for k, b in enumerate(info["buffers"]):
            ax.add_patch(
                Rectangle(
                    (b["first"] - 0.45, b["offset"]),
                    b["last"] - b["first"] + 0.9,
                    b["size"],
                    facecolor=colours(k % 20),
                    edgecolor="black",
                    linewidth=0.4,
                )
            )
        top = max([info["size"], *(b["offset"] + b["size"] for b in info["buffers"])], default=1)
        ax.axhline(info["lower_bound"], color="grey", linestyle="--", linewidth=0.8)
        ax.set_xlim(-1, max(1, data["steps"]))
        ax.set_ylim(0, top * 1.05 or 1)
        proven = ", optimal" if info["optimal"] else ""
        ax.set_title(
            f"{level}: {info['size']:,} B (live-set bound {info['lower_bound']:,} B{proven})",
            fontsize=9,
        )
        ax.set_ylabel("address (bytes)")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[-1, 0].set_xlabel("step (op index)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
