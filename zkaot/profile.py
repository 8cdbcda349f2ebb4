"""`zkaot profile`: where a guest spends its steps, by function, from the minimal trace's PC histogram."""
from dataclasses import dataclass

import numpy as np

from runtime.memory_map import MemoryMap
from runtime.profiles import ZKAOT_PROFILE
from runtime.profiles import Profile as MachineProfile
from translator.executor import NativeMachine


@dataclass
class Profile:
    names: list[str]          # hottest first
    steps: np.ndarray         # steps spent in each
    total: int
    result: object            # the run's RunResult


def profile(program, input_bytes: bytes = b"", memory_map: MemoryMap = MemoryMap(), cache_dir=None,
            step_limit: int | None = None, machine: MachineProfile = ZKAOT_PROFILE, frames=()) -> Profile:
    """Steps per function; a run stopped at step_limit is profiled up to there.  `machine` is
    the machine profile (runtime/profiles.py) and `frames` the input its calls hand out."""
    if machine is not ZKAOT_PROFILE:
        memory_map = machine.maps[program.xlen]
    run = NativeMachine(program, input_bytes, memory_map, "minimal", step_limit, cache_dir=cache_dir,
                        calls=machine.calls[program.xlen], frames=frames).run()
    trace = run.trace
    counts = trace.pc_histogram
    pcs = trace.code_base + 4 * np.arange(len(counts), dtype=np.int64)
    starts = np.array([start for start, _, _ in program.functions] or [trace.code_base], np.int64)
    names = [name for _, _, name in program.functions] or ["<code>"]
    owner = np.searchsorted(starts, pcs, side="right") - 1      # the function each pc falls in
    unknown = owner < 0
    per_function = np.bincount(np.where(unknown, len(names), owner), weights=counts,
                               minlength=len(names) + 1).astype(np.int64)
    labels = names + ["<before the first symbol>"]
    order = np.argsort(-per_function, kind="stable")
    order = order[per_function[order] > 0]
    return Profile([labels[i] for i in order], per_function[order], int(counts.sum()), run.result)


def write_chart(prof: Profile, path, title: str, top: int = 20) -> None:
    """A horizontal bar chart of the hottest functions, written whole or not at all."""
    import io

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from runtime.files import write_atomic
    names, steps = prof.names[:top][::-1], prof.steps[:top][::-1]
    fig, ax = plt.subplots(figsize=(9, 0.35 * len(names) + 1.5))
    bars = ax.barh(names, steps, color="#3b7dd8")
    for bar, value in zip(bars, steps):
        ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {100 * value / prof.total:.1f}%",
                va="center", fontsize=8)
    ax.set_xlabel("steps (retired instructions)")
    ax.set_title(title)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    write_atomic(path, buffer.getvalue())
