"""Continuations: a long run proven as a chain of segments, each its own STARK proof.

The prover's memory grows with the rows of one proof, so a run is cut into segments of
at most `segment_steps` steps and each is proven alone (`prove_segments`), from the
registers and memory the previous one left.  A segment's tables are the whole
machine's (`machine.py`) with these changes:
- the register file is `registers.chained_regfile_air`: initial values from the
  segment's "regs_in" state table instead of fixed zeros, final values to "regs_out";
- MemInit (`memory.meminit_air`) sends every listed word's final bytes to "mem_out";
  the first segment ("first") starts memory from the image and the input as a whole
  run does, every later one ("next") from its "mem_in" table, and has no Image or Input
  table (their words are in "mem_in" already);
- only a segment that calls a precompile has the precompile tables in its key;
- Main's public `exited` is 0 on every segment but the last, whose final pc is where
  the next one starts (`main.py` also proves that a segment which does not exit holds
  no LR reservation after its last step; `translator.segments.SegmentedRun` cuts
  where none is held).

What chains them (`verify_segments`): segment k's entry is segment k - 1's final pc;
the main commitment of its "regs_in" and "mem_in" tables equals that of segment
k - 1's "regs_out" and "mem_out" (`state.py` says why equal commitments are enough);
the first segment's "regs_in" is all zero and its entry is the program's; only the last
exits, with the exit code the verifier accepts; the output is the segments' outputs in
order, each pinned by its Output table's commitment; the input by the first segment's
Input table.  Step counts add up.

Memory bound: a segment's tables are its own steps' rows, except MemInit and the memory
state tables, which list every word touched so far (the image, the input and the
words earlier segments used, at most the memory the run uses, never more than its
length).  `translator.segments.SegmentedRun` streams the interpreter's full trace
segment by segment, so the rows of the whole run are never held at once.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from runtime.program_image import ProgramImage

from ..stark import Proof, StarkParameters, Verdict, main_root, prove, setup, verify, verifying_key
from . import machine
from .image import IMAGE, INPUT
from .main import MAIN, main_trace
from .memory import MEMINIT, meminit_air
from .output import OUTPUT, output_root
from .registers import REGFILE, chained_regfile_air, chained_regfile_fixed, chained_regfile_trace, initial_registers
from .state import MEM_IN, MEM_OUT, REGS_IN, REGS_OUT, MemoryState, mem_state_trace, reg_state_trace, state_airs

KINDS = ("first", "next")
DEFAULT_SEGMENT_STEPS = (1 << 18) - 1    # a segment that goes on needs one padding row in Main


def _segment_air_list(airs: list, xlen: int, kind: str) -> list:
    """A whole run's tables (machine order) turned into a segment's of `kind`."""
    if kind not in KINDS:
        raise ValueError(f"a segment is {' or '.join(KINDS)}, not {kind!r}")
    swap = {REGFILE: chained_regfile_air(xlen), MEMINIT: meminit_air(kind)}
    drop = {IMAGE, INPUT} if kind == "next" else set()
    states = state_airs(xlen)
    extra = [states[REGS_IN], states[REGS_OUT], states[MEM_OUT]] + ([states[MEM_IN]] if kind == "next" else [])
    return [swap.get(a.name, a) for a in airs if a.name not in drop] + extra


def segment_key(program: ProgramImage, kind: str, params: StarkParameters | None = None,
                precompiles: bool = True):
    """The proving key of a segment of `kind` ("first" or "next") of a run of `program`,
    with or without the precompile tables (`machine.machine_airs`)."""
    airs, fixed = machine.machine_airs(program, precompiles)
    fixed[REGFILE] = chained_regfile_fixed()
    if kind == "next":
        fixed.pop(IMAGE)
    return setup(_segment_air_list(airs, program.xlen, kind), fixed=fixed, params=params)


@cache
def _regfile_root(params: StarkParameters) -> tuple[int, bytes]:
    vk = setup([chained_regfile_air(64)], fixed={REGFILE: chained_regfile_fixed()}, params=params).verifying_key
    return vk.tables[0].fixed_log_rows, vk.tables[0].fixed_root


def segment_verifying_key(commitment, kind: str, params: StarkParameters | None = None, precompiles: bool = True):
    """`segment_key(program, kind, precompiles=).verifying_key` from the program's fixed
    roots (a `rom.ProgramCommitment`, which names the profile), as
    `machine.machine_verifying_key` for whole runs."""
    params = params or StarkParameters()
    xlen, profile = commitment.xlen, commitment.proof_profile
    fixed = {**machine._constant_roots(xlen, params, precompiles, profile.main.csr), **commitment.fixed_roots(),
             REGFILE: _regfile_root(params)}
    if kind == "next":
        del fixed[IMAGE]
    airs = _segment_air_list(machine.machine_air_list(xlen, profile, precompiles), xlen, kind)
    return verifying_key(airs, fixed, params)


# ---------------------------------------------------------------- proving

@dataclass
class SegmentProof:
    """One segment's public claim and its STARK proof."""
    final_pc: int
    steps: int
    exited: bool
    exit_code: int              # signed 32-bit; 0 unless exited
    output: bytes               # what the segment wrote to fd 3
    proof: Proof
    precompiles: bool = False   # whether its key has the precompile tables (it calls one)


class SegmentKeys:
    """A program's segment keys (ProvingKeys or VerifyingKeys), each made when first
    asked for: by kind (segment 0 is "first", every later one "next") and by whether the
    segment's key has the precompile tables."""

    def __init__(self, make):
        self._make, self._keys = make, {}

    def of(self, k: int, precompiles: bool = False):
        which = (KINDS[int(k > 0)], bool(precompiles))
        if which not in self._keys:
            self._keys[which] = self._make(*which)
        return self._keys[which]


def segment_keys(program: ProgramImage, params: StarkParameters | None = None) -> SegmentKeys:
    """The proving keys of `program`'s segments."""
    return SegmentKeys(lambda kind, pre: segment_key(program, kind, params, pre))


def segment_verifying_keys(commitment, params: StarkParameters | None = None) -> SegmentKeys:
    """The verifying keys of a program's segments, from its `rom.ProgramCommitment`."""
    return SegmentKeys(lambda kind, pre: segment_verifying_key(commitment, kind, params, pre))


@dataclass
class SegmentWitness:
    """A segment's tables before proving, and the registers and memory it ends with
    (where the next segment starts)."""
    registers: np.ndarray       # the 32 values it starts from
    main: object                # main.MainTrace
    traces: machine.MachineTraces
    final_registers: np.ndarray
    final_state: MemoryState


def segment_witness(program: ProgramImage, rows: np.ndarray, input_bytes: bytes = b"", registers=None, state=None,
                    *, precompiles: np.ndarray | None = None) -> SegmentWitness:
    """The witness of a segment of MAIN_ROW rows run from `registers` (32 values, default
    0) on memory `state` (None for the first segment): Main's trace and every table built
    from it.  About a tenth of proving the segment, and all a pass over a run needs to
    find where each segment starts (`segment_jobs.segment_starts`)."""
    regs = initial_registers(registers)
    mt = main_trace(program, rows, initial=regs, initial_memory=machine.initial_memory(program, input_bytes, state),
                    precompiles=precompiles)
    traces = machine.machine_traces(program, mt, input_bytes, state=state, precompiles=precompiles)
    fm = traces.memory.final
    return SegmentWitness(regs, mt, traces, np.asarray(mt.lookups.final_values, dtype=np.uint64),
                          MemoryState(fm.words, fm.final, fm.writable))


def prove_segment(program: ProgramImage, keys: SegmentKeys, k: int, rows: np.ndarray, input_bytes: bytes = b"",
                  registers=None, state=None, *, precompiles: np.ndarray | None = None, threads: int = 1,
                  check: bool = True):
    """(SegmentProof, final registers, final state) of segment k: MAIN_ROW rows run
    from `registers` (32 values, default 0) on memory `state` (a `state.MemoryState`,
    None for the first segment: the image and the input), with the PRECOMPILE_ROW rows
    of its precompile calls.  Its key has the precompile tables only if it calls one."""
    xlen = program.xlen
    w = segment_witness(program, rows, input_bytes, registers, state, precompiles=precompiles)
    traces, lk = w.traces, w.main.lookups
    key = keys.of(k, traces.calls_precompiles)
    tables = traces.tables_for(key)
    tables[REGFILE] = chained_regfile_trace(w.registers, w.final_registers, lk.final_times, xlen)
    tables[REGS_IN], tables[REGS_OUT] = reg_state_trace(w.registers, xlen), reg_state_trace(w.final_registers, xlen)
    tables[MEM_OUT] = mem_state_trace(w.final_state)
    if state is not None:
        tables[MEM_IN] = mem_state_trace(state)
        del tables[IMAGE]                   # (and no Input trace: memory_traces with a state)
    proof = prove(key, tables, traces.publics, check=check, threads=threads)
    pub = machine.RunPublics(w.main.public, traces.output, b"")
    segment = SegmentProof(pub.final_pc, pub.steps, pub.exited, pub.exit_code or 0, pub.output, proof,
                           traces.calls_precompiles)
    return segment, w.final_registers, w.final_state


def prove_segments(program: ProgramImage, segments, input_bytes: bytes = b"", keys: SegmentKeys | None = None, *,
                   params: StarkParameters | None = None, threads: int = 1, check: bool = True,
                   on_segment=None) -> list[SegmentProof]:
    """Prove each (rows, precompiles) of `segments` (a `translator.segments.SegmentedRun`,
    or any iterable of consecutive pieces of one run from the entry) as a segment; each
    starts from the registers and memory the previous one ended with.
    on_segment(k, SegmentProof) is called as each is done."""
    keys = keys or segment_keys(program, params)
    regs = state = None
    proofs = []
    for k, (rows, precompiles) in enumerate(segments):
        segment, regs, state = prove_segment(program, keys, k, rows, input_bytes, regs, state,
                                             precompiles=precompiles, threads=threads, check=check)
        proofs.append(segment)
        if on_segment:
            on_segment(k, segment)
    return proofs


# ---------------------------------------------------------------- verifying

def table_root(vk, proof: Proof, name: str) -> bytes:
    """The main commitment a proof made to one of its key's tables."""
    names = [t.air.name for t in vk.tables]
    return np.asarray(proof.tables[names.index(name)].main_root, dtype="<u4").tobytes()


def zero_registers_root(vk, xlen: int) -> bytes:
    """The commitment the first segment's "regs_in" must have: all registers zero."""
    return main_root(vk, REGS_IN, reg_state_trace(np.zeros(32, np.uint64), xlen))


def chain_statements(keys: SegmentKeys, segments: list[SegmentProof], xlen: int, entry: int, exit_code: int,
                     input_root: bytes | None = None):
    """What each segment's STARK proof must show for the chain to hold (module docstring:
    what chains them): [(Main's public values, {table: main commitment})] in order, or
    the rejecting Verdict when the chain is broken before any proof is checked.  A
    segment's regs_in and mem_in commitments are those the previous segment's proof makes
    to its regs_out and mem_out, so each proof can then be checked on its own."""
    if not segments:
        return Verdict(False, "no segments")
    if not -(1 << 31) <= exit_code < 1 << 31:
        return Verdict(False, f"exit code {exit_code} is not a signed 32-bit int")
    *middle, last = segments
    for k, seg in enumerate(middle):
        if seg.exited:
            return Verdict(False, f"segment {k} exits, but {len(segments) - k - 1} segments follow it")
    if not last.exited:
        return Verdict(False, "the last segment does not exit")
    pc, regs_root, mem_root = entry, None, None
    statements = []
    for k, seg in enumerate(segments):
        key = keys.of(k, seg.precompiles)
        vk = getattr(key, "verifying_key", key)
        public = {MAIN: machine.main_publics(pc, seg.final_pc, seg.steps, exit_code if seg.exited else None)}
        commitments = {OUTPUT: output_root(vk, seg.output),
                       REGS_IN: zero_registers_root(vk, xlen) if k == 0 else regs_root}
        if k == 0 and input_root is not None:
            commitments[INPUT] = bytes(input_root)
        if k > 0:
            commitments[MEM_IN] = mem_root
        statements.append((public, commitments))
        if len(seg.proof.tables) != len(vk.tables):
            return Verdict(False, f"segment {k} of {len(segments)}: the proof has {len(seg.proof.tables)} tables, "
                                  f"the key {len(vk.tables)}")
        pc, regs_root, mem_root = seg.final_pc, table_root(vk, seg.proof, REGS_OUT), table_root(vk, seg.proof, MEM_OUT)
    return statements


def verify_segments(keys: SegmentKeys, segments: list[SegmentProof], xlen: int, entry: int, exit_code: int,
                    input_root: bytes | None = None) -> Verdict:
    """The verdict on "this program ran from `entry` through these segments to an exit
    with `exit_code`, writing the segments' outputs in order" (module docstring: what
    chains them), each segment checked in turn.  With `input_root` (`machine.input_root`
    of the first key) the run is also bound to that input.  keys hold ProvingKeys or
    VerifyingKeys (`segment_jobs.verify_on` checks the segments in parallel)."""
    statements = chain_statements(keys, segments, xlen, entry, exit_code, input_root)
    if isinstance(statements, Verdict):
        return statements
    for k, (seg, (public, commitments)) in enumerate(zip(segments, statements)):
        key = keys.of(k, seg.precompiles)
        verdict = verify(getattr(key, "verifying_key", key), public, seg.proof, commitments=commitments)
        if not verdict:
            return Verdict(False, f"segment {k} of {len(segments)}: {verdict.reason}")
    return Verdict(True, "")
