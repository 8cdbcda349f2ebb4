"""A run's full trace in segments, for proving long runs piece by piece.

The prover (prover/riscv/segments.py) proves a run as a chain of segments, each from
the registers and memory the previous one left, so that its memory is bounded by one
segment.  `SegmentedRun` streams the interpreter's full trace (the same MAIN_ROW rows
as `expand.reference_trace`, which the tests compare with the translator's) one
segment at a time: the rows of the whole run are never held at once.  `TraceSegments`
cuts a full trace that is already written (the translator's main.npy and
precompile.npy, `zkaot trace --mode full`, memory-mapped) the same way.

Where a segment ends: after at most segment_steps steps, or later while an LR
reservation is held, until the sc that ends it, and never right after a CSR instruction
(ZisK's free-call parameter and its call are proven as a pair of neighbouring rows,
prover/riscv/cpu/zisk.py).  The proof carries no reservation from one segment to the
next (prover/riscv/main.py), so a cut there could not be proven.
"""
from __future__ import annotations

import numpy as np

from runtime.calls import ZKAOT, Registry
from runtime.encoding import TABLE
from runtime.memory_map import MemoryMap
from runtime.trace import MAIN_ROW, PRECOMPILE_ROW, precompile_record, records, trace_slice

from .interpreter import GuestExit, GuestFault, Interpreter


class SegmentedRun:
    """Iterating yields (MAIN_ROW rows, PRECOMPILE_ROW rows with their step counted from
    the segment's first) per segment (module docstring: where segments end).  After the
    iteration, exit_code (None unless the guest exited), fault (a GuestFault, or a
    message when max_steps was reached) and steps say how the run ended.
    progress(steps) is called after each segment; `calls` and `frames` are a profile's (runtime/profiles.py)."""

    def __init__(self, program, input_bytes: bytes, segment_steps: int,
                 memory_map: MemoryMap = MemoryMap(), max_steps: int | None = None, progress=None, *,
                 calls: Registry = ZKAOT, frames=()):
        if segment_steps < 1:
            raise ValueError(f"segment_steps must be at least 1, not {segment_steps}")
        self.program, self.input_bytes, self.memory_map = program, input_bytes, memory_map
        self.calls, self.frames = calls, frames
        self.segment_steps, self.max_steps, self.progress = segment_steps, max_steps, progress
        self.exit_code, self.fault, self.steps = None, None, 0

    def __iter__(self):
        rows: list[tuple] = []
        precompiles: list[tuple] = []
        interp = Interpreter(self.program, self.input_bytes, self.memory_map, record=rows.append, calls=self.calls,
                             frames=self.frames)
        interp.io.on_precompile = lambda *call: precompiles.append(precompile_record(len(rows), *call))
        limit = self.max_steps
        while self.exit_code is None and self.fault is None:
            budget = self.segment_steps if limit is None else min(self.segment_steps, limit - interp.steps)
            if budget <= 0:
                self.fault = f"the step limit of {limit:,} steps was reached"
                break
            try:
                interp.execute(budget)
                while interp.reservation is not None and (limit is None or interp.steps < limit):
                    interp.execute(1)
            except GuestExit as e:
                self.exit_code = e.code
            except GuestFault as e:
                self.fault = e
            self.steps = interp.steps
            if self.fault is None:
                yield records(rows, MAIN_ROW), records(precompiles, PRECOMPILE_ROW)
            rows.clear()
            precompiles.clear()
            if self.progress:
                self.progress(interp.steps)


def write_run_trace(run: SegmentedRun, directory, steps: int) -> None:
    """Stream a SegmentedRun of `steps` steps into a trace directory's main.npy and
    precompile.npy (steps counted from the run's start), one segment in memory at a time."""
    from runtime.trace_files import create_trace_array, write_trace_array
    precompiles, at = [], 0
    with create_trace_array(directory, "main", MAIN_ROW, (steps,)) as main:
        for rows, pre in run:
            if at + rows.size > steps:
                raise ValueError(f"the run took more than the {steps:,} steps it was said to take")
            main[at:at + rows.size] = rows
            pre = pre.copy()
            pre["step"] += at
            precompiles.append(pre)
            at += rows.size
    write_trace_array(directory, "precompile", np.concatenate(precompiles) if precompiles
                      else np.zeros(0, PRECOMPILE_ROW))


_LR = np.array([op.id for op in TABLE if op.cls == "lr"])
_SC = np.array([op.id for op in TABLE if op.cls == "sc"])
_CSR = np.array([op.id for op in TABLE if op.cls == "csr"])


def cut_points(ops: np.ndarray, segment_steps: int) -> np.ndarray:
    """Where segments of a run with these op ids end (exclusive step indices, the last
    is the run's length): after segment_steps steps, or later while an LR reservation is
    held or right after a CSR instruction (module docstring)."""
    if segment_steps < 1:
        raise ValueError(f"segment_steps must be at least 1, not {segment_steps}")
    n = ops.size
    events = np.flatnonzero(np.isin(ops, _LR) | np.isin(ops, _SC))
    last = np.full(n, -1, dtype=np.int64)
    last[events] = events
    last = np.maximum.accumulate(last) if n else last
    held = (last >= 0) & np.isin(ops[np.maximum(last, 0)], _LR)        # a reservation after step i
    held |= np.isin(ops, _CSR)
    free = np.flatnonzero(~held) + 1                                    # the cuts allowed
    cuts, end = [], 0
    while end < n:
        at = int(np.searchsorted(free, min(end + segment_steps, n)))    # the first at or after
        end = int(free[at]) if at < free.size else n
        cuts.append(end)
    return np.array(cuts, dtype=np.int64)


class TraceSegments:
    """A written full trace cut into segments (`cut_points`): iterating yields (MAIN_ROW
    rows, PRECOMPILE_ROW rows with their step counted from the segment's first), slices
    of `rows` (a memory-mapped array is read one segment at a time)."""

    def __init__(self, rows: np.ndarray, precompiles: np.ndarray, segment_steps: int):
        self.rows, self.precompiles = rows, precompiles
        self.cuts = cut_points(np.asarray(rows["op"]), segment_steps)

    def __iter__(self):
        start = 0
        for end in self.cuts:
            yield trace_slice(self.rows, self.precompiles, start, int(end))
            start = int(end)
