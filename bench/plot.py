"""A bar chart of our ratios to Deeploy per network, with the 0.5x goal line.

matplotlib is optional (the `bench` extra): it is imported only here, when a plot is asked
for, and a missing matplotlib skips the plot with a message instead of failing the suite.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from bench.suite import INSTRUCTIONS_GOAL, Row


def plot_ratios(rows: Sequence[Row], path: Path, copies: Sequence[Path] = ()) -> str:
    """Write the plot to `path` (and copies); return a one-line message saying what happened."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # no display needed
        import matplotlib.pyplot as plt
    except ImportError:
        return "plot skipped: matplotlib is not installed (pip install -e '.[bench]')"

    shown = [r for r in rows if r.deeploy is not None]
    if not shown:
        return "plot skipped: no network with Deeploy figures"
    series = [
        ("instructions (-O2)", [r.ratio_instructions() for r in shown], "tab:blue"),
        ("memory (arena+I/O vs dynamic+I/O)", [r.ratio_memory for r in shown], "tab:orange"),
    ]
    height = 0.38
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(shown) + 1.8))
    for k, (label, values, color) in enumerate(series):
        ys = [i + (k - 0.5) * height for i in range(len(shown))]
        xs = [v if v is not None else 0 for v in values]
        bars = ax.barh(ys, xs, height=height, label=label, color=color)
        texts = ["" if v is None else f"{v:.2f}" for v in values]
        ax.bar_label(bars, labels=texts, padding=2, fontsize=7)
    for i, row in enumerate(shown):
        if not row.compiled:
            ax.text(0.02, i, "not compiled", va="center", fontsize=8, color="grey")
    ax.axvline(
        INSTRUCTIONS_GOAL, color="tab:red", linestyle="--", label=f"goal {INSTRUCTIONS_GOAL}x"
    )
    ax.axvline(1.0, color="black", linewidth=0.8, label="parity with Deeploy")
    ax.set_yticks(range(len(shown)))
    ax.set_yticklabels([r.network for r in shown], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("ours / Deeploy (lower is better)")
    ax.set_title("Deeploy on xDSL vs Deeploy, Generic platform")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    for copy in copies:
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, copy)
    return "plot written to " + ", ".join(str(p) for p in [path, *copies])
