"""A chain's segments as independent jobs, proven or verified on any executor.

Proving segment k needs the registers and memory segment k - 1 ended with, and those
follow from the witness alone (`segments.segment_witness`: Main's trace and the memory
tables, about a tenth of proving a segment).  So one pass over the run in this process
finds where every segment starts (`segment_starts`), and each segment is then a job
that needs nothing from another (`SegmentJob`, `prove_segment_job`): any worker proves
it, and its proof is byte for byte the one `segments.prove_segments` makes in turn.
With workers elsewhere, the pass runs in a thread while they prove the segments it has
already reached.

Executors are those of `translator/parallel.py` (anything with its `map`): local worker
processes, this process alone, or a Dask cluster.  A job is small: it names its steps in
the run's trace files (a directory every worker reads: this machine's, or a shared
filesystem for a remote cluster) instead of carrying the rows, and it reads its proving
key from the on-disk key cache (`keycache.py`), which `prove_on` fills first, so no
worker builds a key this process has built.  Each worker keeps the keys it loaded for
the segments it proves next.

Verifying (`verify_on`): each segment's STARK proof is checked against the commitments
the chain gives it (its regs_in and mem_in must be the previous segment's regs_out and
mem_out, which that segment's proof commits to), so the checks are independent too and
the verdict is the same whichever order they finish in.
"""
from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numba
import numpy as np

from runtime.program_image import ProgramImage
from runtime.trace import trace_slice

from ..stark import Proof, Verdict, verify
from .keycache import cached_proving_keys, cached_verifying_keys
from .segments import SegmentKeys, SegmentProof, chain_statements, prove_segment, segment_witness
from .state import MemoryState


@dataclass(frozen=True)
class SegmentStart:
    """Where a segment starts: its registers (None: all zero) and memory (None: the
    program's image and the input), and whether it calls a precompile."""
    registers: np.ndarray | None
    state: MemoryState | None
    precompiles: bool


def segment_starts(program: ProgramImage, segments, input_bytes: bytes = b""):
    """One SegmentStart per (rows, precompile rows) of `segments`, in order, as each is
    reached (their witnesses made one after another, one segment's at a time)."""
    regs = state = None
    for rows, precompiles in segments:
        w = segment_witness(program, rows, input_bytes, regs, state, precompiles=precompiles)
        yield SegmentStart(regs, state, w.traces.calls_precompiles)
        regs, state = w.final_registers, w.final_state


@dataclass(frozen=True)
class SegmentJob:
    """Everything a worker needs to prove segment k (picklable, and small)."""
    program: ProgramImage
    commitment: object          # rom.ProgramCommitment: names the cached keys
    k: int
    trace_dir: str              # holds main.npy (MAIN_ROW) and precompile.npy (PRECOMPILE_ROW)
    first: int                  # the segment's steps: first..end of the run
    end: int
    input_bytes: bytes          # the first segment's (a later one starts from its state)
    start: SegmentStart
    cache_dir: str | None
    threads: int = 1

    def __repr__(self) -> str:                  # how an error names the job
        return f"segment {self.k} (steps {self.first:,} to {self.end:,})"


_keys: dict[tuple, SegmentKeys] = {}


def _proving_keys(program: ProgramImage, commitment, cache_dir) -> SegmentKeys:
    """This process's proving keys of a program, each loaded (or built) once."""
    which = (commitment.id, str(cache_dir))
    if which not in _keys:
        _keys[which] = cached_proving_keys(program, commitment, cache_dir)
    return _keys[which]


def _trace_files(trace: Path) -> tuple[np.ndarray, np.ndarray]:
    """A run's MAIN_ROW rows (memory-mapped) and PRECOMPILE_ROW rows."""
    return (np.load(trace / "main.npy", mmap_mode="r", allow_pickle=False),
            np.load(trace / "precompile.npy", allow_pickle=False))


def prove_segment_job(job: SegmentJob) -> SegmentProof:
    """Prove one segment (run by a worker)."""
    rows, precompiles = trace_slice(*_trace_files(Path(job.trace_dir)), job.first, job.end)
    keys = _proving_keys(job.program, job.commitment, job.cache_dir)
    numba.set_num_threads(min(job.threads, numba.config.NUMBA_NUM_THREADS))
    try:
        segment, _, _ = prove_segment(job.program, keys, job.k, rows, job.input_bytes, job.start.registers,
                                      job.start.state, precompiles=precompiles, threads=job.threads, check=False)
    except ValueError as e:
        raise ValueError(f"segment {job.k}: {e}") from None
    return segment


def prove_on(executor, program: ProgramImage, commitment, trace_dir, cuts, input_bytes: bytes = b"", *, cache_dir=None,
             threads: int = 1, on_segment=None, overlap: bool = False) -> list[SegmentProof]:
    """Prove the run whose full trace is in `trace_dir` (main.npy, precompile.npy), cut
    at `cuts` (`translator.segments.cut_points`), one job per segment on `executor`.
    on_segment(k, SegmentProof) is called in this process as each finishes.  With
    `overlap` the pass that finds where segments start runs in a thread of this process
    while workers prove the segments it has reached (`_Jobs`); only for an executor whose
    jobs run elsewhere (not inline here, where the two would share numba's thread pool)."""
    jobs = _Jobs(_segment_jobs(program, commitment, Path(trace_dir), cuts, input_bytes, cache_dir, threads),
                 len(cuts), background=overlap)
    try:
        return executor.map(prove_segment_job, jobs, on_result=on_segment)
    finally:
        jobs.stop()


def _segment_jobs(program, commitment, trace: Path, cuts, input_bytes, cache_dir, threads):
    """The segments' jobs in order, each once the pass over the run has found its start
    and the key it needs is in the cache (built here if not: once, not by each worker)."""
    rows, precompiles = _trace_files(trace)
    bounds = list(zip([0] + [int(c) for c in cuts[:-1]], [int(c) for c in cuts]))
    pieces = (trace_slice(rows, precompiles, a, b) for a, b in bounds)
    keys = _proving_keys(program, commitment, cache_dir)
    cache = None if cache_dir is None else str(cache_dir)
    starts = segment_starts(program, pieces, input_bytes)
    for k, ((a, b), start) in enumerate(zip(bounds, starts)):
        keys.of(k, start.precompiles)
        yield SegmentJob(program, commitment, k, str(trace), a, b, input_bytes if k == 0 else b"", start, cache,
                         threads)


class _Jobs(Sequence):
    """The jobs `_segment_jobs` makes, as the sequence an executor's map takes: made in a
    background thread when asked (a job is handed out as soon as it exists; asking for
    one not made yet waits for it), else all at once here."""

    def __init__(self, make, n: int, background: bool):
        self._jobs: list = [None] * n
        self._ready = [threading.Event() for _ in range(n)]
        self._error: BaseException | None = None
        self._stopped = threading.Event()
        if background:
            threading.Thread(target=self._fill, args=(make,), daemon=True, name="zkaot-segment-starts").start()
        else:
            self._fill(make)
            if self._error is not None:
                raise self._error

    def _fill(self, make) -> None:
        try:
            for k, job in enumerate(make):
                if self._stopped.is_set():
                    return
                self._jobs[k] = job
                self._ready[k].set()
        except BaseException as e:  # noqa: BLE001 - raised again where the job is asked for
            self._error = e
        finally:
            for event in self._ready:
                event.set()

    def stop(self) -> None:
        """Make no more jobs (the map is over, or failed)."""
        self._stopped.set()

    def __len__(self) -> int:
        return len(self._jobs)

    def __getitem__(self, k: int) -> SegmentJob:
        if not 0 <= k < len(self._jobs):
            raise IndexError(k)
        self._ready[k].wait()
        if self._jobs[k] is None:
            raise self._error or RuntimeError(f"segment {k}: its job was not made")
        return self._jobs[k]


# ---------------------------------------------------------------- verifying

@dataclass(frozen=True)
class VerifyJob:
    """One segment's STARK check: its proof against its publics and chained commitments."""
    commitment: object
    cache_dir: str | None
    k: int
    precompiles: bool
    public: dict
    commitments: dict
    proof: Proof

    def __repr__(self) -> str:
        return f"the check of segment {self.k}"


_verifying: dict[tuple, SegmentKeys] = {}


def verify_segment_job(job: VerifyJob) -> Verdict:
    """Verify one segment (run by a worker); its key comes from the on-disk cache."""
    which = (job.commitment.id, str(job.cache_dir))
    if which not in _verifying:
        _verifying[which] = cached_verifying_keys(job.commitment, job.cache_dir)
    vk = _verifying[which].of(job.k, job.precompiles)
    return verify(vk, job.public, job.proof, commitments=job.commitments)


def verify_on(executor, commitment, cache_dir, keys: SegmentKeys, segments: list[SegmentProof], exit_code: int,
              input_root: bytes | None = None) -> Verdict:
    """`segments.verify_segments` with the segments' checks as jobs on `executor`; keys
    are `cached_verifying_keys(commitment, cache_dir)` (this process fills the cache first)."""
    statements = chain_statements(keys, segments, commitment.xlen, commitment.entry, exit_code, input_root)
    if isinstance(statements, Verdict):
        return statements
    cache = None if cache_dir is None else str(cache_dir)
    jobs = [VerifyJob(commitment, cache, k, seg.precompiles, public, commitments, seg.proof)
            for k, (seg, (public, commitments)) in enumerate(zip(segments, statements))]
    for k, verdict in enumerate(executor.map(verify_segment_job, jobs)):
        if not verdict:
            return Verdict(False, f"segment {k} of {len(segments)}: {verdict.reason}")
    return Verdict(True, "")
