"""A call profile (zkaot/callstacks.py) in the formats people open: folded stacks (flamegraph.pl,
inferno), speedscope JSON, and an SVG flame graph drawn here.  Each file is written whole or not at all."""
import hashlib
import json
from html import escape

import numpy as np

from runtime.files import write_atomic
from zkaot.callstacks import ROOT, CallProfile

WIDTH, FRAME_HEIGHT, MARGIN, TITLE_HEIGHT = 1200, 17, 10, 28
MIN_WIDTH = 0.3                 # pixels: narrower frames (and what they call) are left out of the picture
CHAR_WIDTH = 6.5                # pixels per character of the 11 px monospace labels


def write_folded(prof: CallProfile, path) -> None:
    """One line per stack: `outer;...;inner steps`."""
    write_atomic(path, "".join(f"{stack} {steps}\n" for stack, steps in prof.folded()).encode())


def write_speedscope(prof: CallProfile, path, name: str) -> None:
    """A speedscope "sampled" profile whose sample weights are steps (https://www.speedscope.app)."""
    stacks = np.flatnonzero(prof.steps).tolist()
    paths = prof.paths()
    document = {
        "$schema": "https://www.speedscope.app/file-format-schema.json",
        "exporter": "zkaot",
        "name": name,
        "activeProfileIndex": 0,
        "shared": {"frames": [{"name": n} for n in prof.names]},
        "profiles": [{"type": "sampled", "name": name, "unit": "none", "startValue": 0, "endValue": prof.total,
                      "samples": [paths[k] for k in stacks], "weights": [int(prof.steps[k]) for k in stacks]}],
    }
    write_atomic(path, json.dumps(document).encode())


def _color(name: str) -> str:
    """A warm colour fixed by the name, as flamegraph.pl's default palette."""
    h = hashlib.sha256(name.encode()).digest()
    return f"rgb({205 + h[0] % 50},{h[1] % 180},{h[2] % 55})"


def write_svg(prof: CallProfile, path, title: str) -> None:
    """A flame graph: the entry function at the bottom, callees above, widths in proportion to steps."""
    total = max(prof.total, 1)
    inclusive = prof.subtree_steps()
    children: dict[int, list[int]] = {}
    for k in range(1, len(prof.parent)):
        children.setdefault(int(prof.parent[k]), []).append(k)
    scale = (WIDTH - 2 * MARGIN) / total
    frames, depth_max = [], 0
    offset = MARGIN
    todo = []
    for k in _by_name(prof, children.get(ROOT, [])):
        todo.append((k, offset, 0))
        offset += inclusive[k] * scale
    while todo:
        k, x, depth = todo.pop()
        width = inclusive[k] * scale
        if width < MIN_WIDTH:
            continue
        frames.append((k, x, depth, width))
        depth_max = max(depth_max, depth)
        for child in _by_name(prof, children.get(k, [])):
            todo.append((child, x, depth + 1))
            x += inclusive[child] * scale
    height = TITLE_HEIGHT + (depth_max + 1) * FRAME_HEIGHT + 2 * MARGIN
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
             f'viewBox="0 0 {WIDTH} {height}" font-family="monospace" font-size="11">',
             '<rect width="100%" height="100%" fill="#fdf6e3"/>',
             f'<text x="{WIDTH / 2}" y="{MARGIN + 12}" text-anchor="middle" font-size="14">{escape(title)}</text>']
    for k, x, depth, width in frames:
        name = prof.names[int(prof.func[k])]
        y = height - MARGIN - (depth + 1) * FRAME_HEIGHT
        share = 100 * inclusive[k] / total
        label = name if len(name) * CHAR_WIDTH < width - 4 else name[: max(int((width - 4) / CHAR_WIDTH) - 2, 0)]
        label = label + ".." if label and label != name else label
        parts.append(f'<g><title>{escape(name)}: {int(inclusive[k]):,} steps ({share:.2f}%)</title>'
                     f'<rect x="{x:.2f}" y="{y}" width="{width:.2f}" height="{FRAME_HEIGHT - 1}" '
                     f'fill="{_color(name)}" rx="2"/>'
                     + (f'<text x="{x + 3:.2f}" y="{y + 12}">{escape(label)}</text>' if label else "") + "</g>")
    parts.append("</svg>\n")
    write_atomic(path, "\n".join(parts).encode())


def _by_name(prof: CallProfile, nodes: list[int]) -> list[int]:
    return sorted(nodes, key=lambda k: prof.names[int(prof.func[k])])
