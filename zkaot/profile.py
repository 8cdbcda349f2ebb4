"""`zkaot profile`: where a guest spends its steps, by function and by call stack, as text and pictures.

The numbers come from zkaot/callstacks.py; this module chooses the files: a PNG
bar chart of the functions with the most self steps, and the formats of
zkaot/flamegraph.py, each picked by the output file's extension.
"""
from pathlib import Path

import numpy as np

from runtime.files import write_atomic
from zkaot.callstacks import CallProfile
from zkaot.flamegraph import write_folded, write_speedscope, write_svg

OUTPUTS = {".png": "PNG bar chart of self steps", ".svg": "SVG flame graph", ".folded": "folded stacks",
           ".json": "speedscope JSON"}


def output_kind(path) -> str | None:
    """What a profile output's file name asks for, or None."""
    return OUTPUTS.get(Path(path).suffix.lower())


def write_output(prof: CallProfile, path, title: str, top: int = 20) -> None:
    suffix = Path(path).suffix.lower()
    if suffix == ".png":
        write_chart(prof, path, title, top)
    elif suffix == ".svg":
        write_svg(prof, path, title)
    elif suffix == ".folded":
        write_folded(prof, path)
    elif suffix == ".json":
        write_speedscope(prof, path, title)
    else:
        raise ValueError(f"no profile format for {path}")


def hottest(prof: CallProfile) -> np.ndarray:
    """Function ids with self steps, most first."""
    own = prof.self_steps()
    order = np.argsort(-own, kind="stable")
    return order[own[order] > 0]


def write_chart(prof: CallProfile, path, title: str, top: int = 20) -> None:
    """A horizontal bar chart of the functions with the most self steps."""
    import io

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    own, ids = prof.self_steps(), hottest(prof)[:top][::-1]
    names, steps = [prof.names[i] for i in ids], own[ids]
    fig, ax = plt.subplots(figsize=(9, 0.35 * len(names) + 1.5))
    bars = ax.barh(names, steps, color="#3b7dd8")
    for bar, value in zip(bars, steps):
        ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {100 * value / prof.total:.1f}%",
                va="center", fontsize=8)
    ax.set_xlabel("self steps (retired instructions)")
    ax.set_title(title)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    write_atomic(path, buffer.getvalue())
