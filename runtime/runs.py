"""Runs of rows laid end to end: for runs of the given lengths, which run each element
belongs to and its place in that run, as arrays (the vectorised form of a loop over runs
with a loop over each run's elements, which trace derivation and table filling need)."""
from __future__ import annotations

import numpy as np


def run_positions(counts) -> tuple[np.ndarray, np.ndarray]:
    """(run, position) of each of the sum(counts) elements of runs `counts` long, in order:
    counts [2, 0, 3] gives run [0, 0, 2, 2, 2] and position [0, 1, 0, 1, 2]."""
    counts = np.asarray(counts, dtype=np.int64)
    run = np.repeat(np.arange(counts.size), counts)
    return run, np.arange(run.size) - np.repeat(np.cumsum(counts) - counts, counts)
