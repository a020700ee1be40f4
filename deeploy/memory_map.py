"""The static memory map of a planned module, as data (`deeploy compile --memory-map`).

Time is the op index in the network function (a "step"); a buffer occupies
[offset, offset + size) of its level from step `first` to step `last`. Home-level buffers
come from the arena plan (`buffer.alloc` offsets); the L1 buffers of a tiled layer live
for that layer's step only. Weights and the network's inputs and outputs are not in the
arenas, so they are not in the map. `layers` names the step of each layer (a kernel call
or tiled layer, numbered as the layer report and `--profile-layers` number them).
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
    named_layers: list[dict[str, Any]] = []
    for fn in module.ops:
        if not isinstance(fn, func.FuncOp) or fn.is_declaration:
            continue
        ops = list(fn.body.block.ops)
        steps = max(steps, len(ops))
        for i, op in enumerate(ops):
            if isinstance(op, buffer.KernelOp | tiled.LayerOp):
                named_layers.append({"index": len(named_layers), "step": i, "name": op.node_name})
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
    return {"steps": steps, "levels": dict(sorted(levels.items())), "layers": named_layers}


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


# a box's label is written inside it when the box is at least this big in points (a
# line of text at the label's size); smaller boxes get a number and a legend entry
_LABEL_FONT = 6.5
_MIN_LABEL_HEIGHT = 1.6 * _LABEL_FONT
_CHAR_WIDTH = 0.62  # a character's mean width, in ems of the font (matplotlib's DejaVu Sans)
_MAX_LAYER_LABELS = 60  # more names along the axis would overlap: every k-th is named


def _plain(text: str) -> str:
    """A name from the model as matplotlib shows it verbatim (`$` would start mathtext)."""
    return text.replace("$", r"\$")


def plot_memory_map(data: dict[str, Any], path: str) -> None:
    """Draw the map (`memory_map_figure`) into `path`, its format from the suffix."""
    fig = memory_map_figure(data)  # first: it says how to install matplotlib if missing
    import matplotlib.pyplot as plt

    fig.savefig(path, dpi=120)
    plt.close(fig)


def memory_map_figure(data: dict[str, Any]) -> Any:
    """The map as a matplotlib figure: one panel per level, time on x, address on y, a box
    per buffer, labelled with its tensor (inside the box when the name fits, else a number
    and a legend entry beside the panel); the x axis names the layer run at each step.

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
    layers = data.get("layers", [])  # maps written before layers were recorded lack them
    height = 3.2 + (1.4 if layers else 0)
    fig, axes = plt.subplots(
        len(levels), 1, figsize=(10, height * max(1, len(levels))), squeeze=False
    )
    colours = plt.get_cmap("tab20")
    panels = []
    for ax, (level, info) in zip(axes[:, 0], levels.items()):
        top = max([info["size"], *(b["offset"] + b["size"] for b in info["buffers"])], default=1)
        ax.set_xlim(-1, max(1, data["steps"]))
        ax.set_ylim(0, top * 1.05 or 1)
        boxes = []
        for k, b in enumerate(info["buffers"]):
            box = Rectangle(
                (b["first"] - 0.45, b["offset"]),
                b["last"] - b["first"] + 0.9,
                b["size"],
                facecolor=colours(k % 20),
                edgecolor="black",
                linewidth=0.4,
            )
            ax.add_patch(box)
            boxes.append(box)
        panels.append((ax, info["buffers"], boxes))
        ax.axhline(info["lower_bound"], color="grey", linestyle="--", linewidth=0.8)
        proven = ", optimal" if info["optimal"] else ""
        ax.set_title(
            f"{level}: {info['size']:,} B (live-set bound {info['lower_bound']:,} B{proven})",
            fontsize=9,
        )
        ax.set_ylabel("address (bytes)")
        if layers:
            # a tick per layer, named: the steps between are allocations and views
            every = -(-len(layers) // _MAX_LAYER_LABELS)
            named = layers[::every]
            ax.set_xticks([layer["step"] for layer in named])
            ax.set_xticklabels(
                [f"{layer['step']}: {_plain(layer['name'])}" for layer in named],
                rotation=60,
                ha="right",
                fontsize=7,
            )
        else:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[-1, 0].set_xlabel("step (op index): layer" if layers else "step (op index)")
    fig.tight_layout()  # the boxes' final sizes decide which names fit inside them
    for ax, buffers, boxes in panels:
        _label_boxes(fig, ax, buffers, boxes)
    fig.tight_layout()
    return fig


def _label_boxes(fig: Any, ax: Any, buffers: list[dict[str, Any]], boxes: list[Any]) -> None:
    """Each buffer's name inside its box when one line of text fits there; otherwise a
    number inside (when even that fits) and a legend entry beside the panel, `number:
    name`, with the box's colour."""
    scale = ax.transData.get_matrix()  # data units -> display pixels, axes laid out
    points_per_pixel = 72.0 / fig.dpi
    handles: list[Any] = []
    labels: list[str] = []
    for b, box in zip(buffers, boxes):
        width = box.get_width() * scale[0, 0] * points_per_pixel
        height = box.get_height() * scale[1, 1] * points_per_pixel
        centre = (box.get_x() + box.get_width() / 2, box.get_y() + box.get_height() / 2)
        name = _plain(b["name"])
        if height >= _MIN_LABEL_HEIGHT and width >= _CHAR_WIDTH * _LABEL_FONT * len(name):
            text = name
        else:
            number = str(len(labels) + 1)
            handles.append(box)
            labels.append(f"{number}: {name}")
            fits = height >= _LABEL_FONT and width >= _CHAR_WIDTH * _LABEL_FONT * len(number)
            text = number if fits else ""  # else the legend's colour is the only link
        if text:
            ax.text(*centre, text, ha="center", va="center", fontsize=_LABEL_FONT, clip_on=True)
    if labels:
        ax.legend(
            handles,
            labels,
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            fontsize=_LABEL_FONT,
            ncol=1 + (len(labels) - 1) // 24,
            frameon=False,
        )
