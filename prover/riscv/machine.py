"""The whole machine: every RISC-V table in one proof of a run.

Tables (`machine_airs`): Main (`main.py`: control flow, registers, the loads' and
stores' values and addresses, AMOs, LR/SC), the register file, the Program ROM, the
op-class table, ALU, Arith, MemAccess and MemInit (`memory.py`), Image and Input
(`image.py`), OutputRead and Output (`output.py`: the bytes of writes to fd 3), the
precompile bridge and its layout (`precompile.py`), Keccak-f and SHA-256 with their
round tables (`keccak.py`, `sha256.py`: every key has them, a run without precompile
calls gives them padding only; a profile whose Main sends SP1's SHA calls adds the
SHA_EXTEND and SHA_COMPRESS tables, `sp1_sha.py`), Hints and HintCopy for a machine whose
input comes through calls (SP1's: `hints.py`), range16 and bitwise.  Fixed columns (the verifying
key): the ROM, the op-class table, the register file's initial values, the Image, the
precompile layout and round tables and the range tables, so a key is one program's
(`run_key`).

Every receiving table is built from the messages Main sends (`main_lookups`): the ALU
and Arith rows, the memops (so MemAccess's rows are exactly Main's accesses, in time
order), the ROM and op-class multiplicities, the register file's final state, the
precompile calls (with the trace's PRECOMPILE_ROW rows: the bridge's memops and the
Keccak-f and SHA-256 tables); range16
and bitwise multiplicities add up every table's lookups.  A trace the interpreter did
not produce therefore shows up as an unbalanced bus or a failed constraint, never as a
table built from other data.

What a proof of `prove_run` states: the program (the key) ran `steps` steps from its
entry with zero registers on memory that starts as its image, the Input table's input
region and zeros, ending at the public final pc; when the public exited is 1, its last
step is exit with the public exit code; its writes to fd 3 are the Output table's bytes,
which `verify_run` pins to the claimed output by a commitment.  The input is bound when
`verify_run` is given `input_root` (the Input table's main root, `input_root`): the
Input trace is then the claimed input's, so the run read exactly those bytes.  Its
keccakf and sha256_compress ecalls read and wrote memory as the host does.

Under a machine profile other than zkaot (the program image's, `proof_profiles.py`:
ZisK's) the tables are the same; the profile gives the memory map, the ROM's and op-class
table's CSR rows and Main's part for its calls (`cpu/zisk.py`).

A verifier without the ELF builds the key from the program's fixed roots
(`machine_verifying_key`, with the roots a `rom.ProgramCommitment` carries, which the
program ID hashes, and its profile): the other fixed tables depend on xlen and the
profile only.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from runtime.memory_map import MemoryMap
from runtime.program_image import ProgramImage
from runtime.trace import MEMORY_ROW

from ..stark import StarkParameters, Verdict, main_root, prove, setup, verify, verifying_key
from . import ranges
from .alu import ALU, alu_air, alu_trace
from .arith import ARITH, arith_air, arith_trace
from .hints import HintTraces, hint_traces, hintcopy_air, hints_air
from .image import IMAGE, INPUT, image_air, image_fixed, image_main, input_air, input_trace
from .main import MAIN, MainLookups, MainTrace, main_air, main_trace
from .memory import MemoryTraces, memaccess_air, meminit_air, memory_tables, memory_traces
from .optable import OP_ID, OPTABLE, optable_air, optable_fixed, optable_multiplicities
from .output import OUTPUT, OUTREAD, OutputReadTrace, memory_at, output_air, output_root, output_trace, outread_air
from .precompile import PrecompileTraces, precompile_airs, precompile_traces
from .proof_profiles import ZKAOT_PROOF, ProofProfile, profile_of
from .ranges import count_bitwise, count_range16
from .regions import regions_air
from .registers import REGFILE, regfile_air, regfile_fixed, regfile_trace
from .rom import ROM, rom_air, rom_fixed, rom_multiplicities


@cache
def _range_tables():
    (r16, r16_fixed), (bw, bw_fixed) = ranges.range16_table(), ranges.bitwise_table()
    return (r16, bw), {"range16": r16_fixed, "bitwise": bw_fixed}


def _precompile_tables(xlen: int, precompiles: bool, sp1_sha: bool = False) -> tuple[list, dict]:
    return precompile_airs(xlen, sp1_sha) if precompiles else ([], {})


def _hint_airs(memory_map: MemoryMap, xlen: int) -> list:
    """Hints and HintCopy (`hints.py`) for a machine whose input comes through calls."""
    return [hints_air(), hintcopy_air(xlen)] if memory_map.input_base is None else []


def machine_airs(program: ProgramImage, precompiles: bool = True) -> tuple[list, dict]:
    """([every table's Air], {name: fixed columns}) of a proof of a run of `program`
    (the register file's fixed columns are added by `run_key`).  precompiles=False
    leaves out the precompile tables (`precompile.py`): a run that makes no precompile
    call needs none (a call's "pcall" messages would find no receiver), and they cost
    every proof about 0.9 s and 1.4 MiB at the default parameters."""
    xlen, main = program.xlen, profile_of(program).main
    mem_airs, mem_fixed = memory_tables(program)
    range_airs, range_fixed = _range_tables()
    airs = [main_air(xlen, main), regfile_air(xlen), rom_air(xlen), optable_air(xlen), alu_air(xlen), arith_air(xlen)]
    pre_airs, pre_fixed = _precompile_tables(xlen, precompiles, main.sp1_sha)
    airs += mem_airs + [outread_air(xlen), output_air()] + _hint_airs(program.memory_map, xlen) + pre_airs \
        + list(range_airs)
    fixed = {ROM: rom_fixed(program), OPTABLE: optable_fixed(xlen, main.csr), **mem_fixed, **pre_fixed,
             **range_fixed}
    return airs, fixed


def machine_air_list(xlen: int, profile: ProofProfile = ZKAOT_PROOF, precompiles: bool = True) -> list:
    """The Airs of `machine_airs`, in the same order, from xlen and the profile alone (no program)."""
    range_airs, _ = _range_tables()
    return ([main_air(xlen, profile.main), regfile_air(xlen), rom_air(xlen), optable_air(xlen), alu_air(xlen),
             arith_air(xlen), memaccess_air(xlen), meminit_air(), image_air(), input_air(profile.memory_map),
             regions_air(), outread_air(xlen), output_air()] + _hint_airs(profile.memory_map, xlen)
            + _precompile_tables(xlen, precompiles, profile.main.sp1_sha)[0] + list(range_airs))


@cache
def _constant_roots(xlen: int, params: StarkParameters, precompiles: bool = True, csr: bool = False) -> dict:
    """{name: (log2 rows, root)} of the fixed tables that do not depend on the program
    (op-class table, with the CSR rows of a profile whose calls they are, register file from zero, range16, bitwise, and with `precompiles`
    the precompiles' layout and round tables: declaring those costs about 2 s, which a
    key without them need not pay)."""
    range_airs, range_fixed = _range_tables()
    pre_airs, pre_fixed = _precompile_tables(xlen, precompiles)
    fixed = {OPTABLE: optable_fixed(xlen, csr), REGFILE: regfile_fixed(xlen, None), **pre_fixed, **range_fixed}
    airs = [optable_air(xlen), regfile_air(xlen)] + [a for a in pre_airs if a.name in pre_fixed] + list(range_airs)
    vk = setup(airs, fixed=fixed, params=params).verifying_key
    return {t.air.name: (t.fixed_log_rows, t.fixed_root) for t in vk.tables}


def machine_verifying_key(commitment, params: StarkParameters | None = None, precompiles: bool = True):
    """The verifying key of `run_key(program, params, precompiles=).verifying_key` (a run
    from zero registers) from the program's fixed roots alone (a `rom.ProgramCommitment`,
    which names the machine profile)."""
    params = params or StarkParameters()
    profile = commitment.proof_profile
    fixed = {**_constant_roots(commitment.xlen, params, precompiles, profile.main.csr), **commitment.fixed_roots()}
    return verifying_key(machine_air_list(commitment.xlen, profile, precompiles), fixed, params)


def input_root(key, input_bytes: bytes, memory_map: MemoryMap = MemoryMap()) -> bytes:
    """The commitment to an input: the main root the Input table of a proof of a run on
    `input_bytes` has (`verify_run(..., input_root=)`); key is a ProvingKey or VerifyingKey."""
    return main_root(key, INPUT, input_trace(input_bytes, memory_map).main)


def run_key(program: ProgramImage, params: StarkParameters | None = None, *, initial=None,
            precompiles: bool = True):
    """The proving key (`prover.stark.setup`) of `machine_airs` for a program, with the
    register file starting at `initial` (default all 0, a run from the entry), with or
    without the precompile tables."""
    airs, fixed = machine_airs(program, precompiles)
    fixed[REGFILE] = regfile_fixed(program.xlen, initial)
    return setup(airs, fixed=fixed, params=params)


@dataclass
class MachineTraces:
    """Every table's trace of a run, and the parts they were built from."""
    tables: dict[str, np.ndarray]
    main: MainTrace
    memory: MemoryTraces
    output: bytes = b""
    precompile: PrecompileTraces | None = None
    hints: HintTraces | None = None

    @property
    def publics(self) -> dict[str, list[int]]:
        return {MAIN: self.main.public}

    @property
    def calls_precompiles(self) -> bool:
        return bool(len(self.main.lookups.precompile_calls))

    def tables_for(self, key) -> dict[str, np.ndarray]:
        """The traces of the tables `key` has: without the precompile tables (`run_key(...,
        precompiles=False)`) only for a run that calls no precompile."""
        names = {t.air.name for t in getattr(key, "verifying_key", key).tables}
        left_out = set(self.precompile.tables()) - names
        if left_out and self.calls_precompiles:
            raise ValueError("the run calls precompiles, and this key has no precompile tables")
        return {name: trace for name, trace in self.tables.items() if name not in left_out}


class RunPublics(dict):
    """What `verify` takes ({"main": Main's public values}), and the run's claim read off
    them: entry, final_pc, steps, exited, exit_code (signed 32-bit, None unless exited),
    the public output and its commitment (`output_root`)."""

    def __init__(self, main_public: list[int], output: bytes, root: bytes):
        super().__init__({MAIN: list(main_public)})
        entry_lo, entry_hi, final_lo, final_hi, exited, code_lo, code_hi, steps = main_public
        self.entry, self.final_pc, self.steps = entry_lo + (entry_hi << 16), final_lo + (final_hi << 16), steps
        self.exited = bool(exited)
        code = code_lo + (code_hi << 16)
        self.exit_code = (code - (1 << 32) if code >> 31 else code) if exited else None
        self.output, self.output_root = bytes(output), root


def main_publics(entry: int, final_pc: int, steps: int, exit_code: int | None) -> list[int]:
    """Main's public values of a run that exited with `exit_code` (a signed 32-bit int),
    or, with None, of one that did not exit (a segment that another one follows)."""
    code = 0 if exit_code is None else exit_code & 0xFFFF_FFFF
    return [entry & 0xFFFF, entry >> 16, final_pc & 0xFFFF, final_pc >> 16, int(exit_code is not None),
            code & 0xFFFF, code >> 16, steps]


def machine_traces(program: ProgramImage, mt: MainTrace, input_bytes: bytes = b"",
                   lookups: MainLookups | None = None, *, memory: MemoryTraces | None = None,
                   count_range16=count_range16, state=None, precompiles: np.ndarray | None = None) -> MachineTraces:
    """Every table's trace for a Main trace: the receiving tables are built from the
    messages Main sends (`lookups`, default `mt.lookups`); `memory` overrides the memory
    tables (default: built from Main's memops, the program's image and the input).
    `count_range16` makes the range16 multiplicities from every table's lookups (the
    soundness tests pass one that skips the out-of-range values of a forged column).
    `state` (a `state.MemoryState`) is a later segment's starting memory (`memory.memory_traces`).
    `precompiles` are the trace's PRECOMPILE_ROW rows, one per precompile ecall of the
    run in order (needed when it makes any: the calls' inputs and outputs, `precompile.py`)."""
    lk = lookups or mt.lookups
    xlen, main = mt.xlen, profile_of(program).main
    pre = precompile_traces(lk.precompile_calls, main.table_rows(precompiles), xlen, OP_ID["ecall"], main.sp1_sha)
    hints = None
    if program.memory_map.input_base is None:           # the input is the hint stream of the first segment
        hints = hint_traces(input_bytes if state is None else b"", lk.hint_lookups, lk.hint_copies, OP_ID["ecall"])
    outread, memory = _memory_tables(program, lk, pre, hints, input_bytes, state, memory, xlen)
    alu, arith = alu_trace(lk.alu_rows, xlen), arith_trace(lk.arith_rows, xlen)
    tables = {
        MAIN: mt.main,
        REGFILE: regfile_trace(lk.final_values, lk.final_times, xlen),
        ROM: rom_multiplicities(program, lk.pcs),
        OPTABLE: optable_multiplicities(lk.ops, xlen, main.csr),
        ALU: alu.main,
        ARITH: arith.main,
        **memory.tables(),
        IMAGE: image_main(image_fixed(program)),
        OUTREAD: outread.main,
        OUTPUT: output_trace(outread.output),
        **pre.tables(),
        **(hints.tables() if hints else {}),
        **_lookup_tables(count_range16, lk, alu, arith, memory, outread, pre, hints),
    }
    return MachineTraces(tables, mt, memory, outread.output, pre, hints)


def _memory_tables(program, lk: MainLookups, pre: PrecompileTraces, hints: HintTraces | None, input_bytes: bytes,
                   state, memory: MemoryTraces | None, xlen: int) -> tuple[OutputReadTrace, MemoryTraces]:
    """OutputRead (its reads see every write of Main, the precompiles and HINT_READ before
    them) and the memory tables of every memop, in time order (or `memory` as given)."""
    extra = [pre] + ([hints] if hints else [])
    main_rows = np.concatenate([lk.memory_rows] + [t.memory_rows for t in extra])
    main_times = np.concatenate([lk.memory_times] + [t.memory_times for t in extra])
    outread = OutputReadTrace(
        lk.output_calls,
        lambda addrs, times: memory_at(program, input_bytes, main_rows, main_times,
                                       (addrs[:, None] + np.arange(4)[None, :]).reshape(-1),
                                       np.repeat(times, 4), state),
        xlen, OP_ID["ecall"])
    if memory is None:
        rows = np.concatenate([main_rows, outread.memory_rows])
        times = np.concatenate([main_times, outread.memory_times])
        order = np.argsort(times, kind="stable")
        memory = memory_traces(program, rows[order], input_bytes, xlen, times=times[order], state=state)
    return outread, memory


def _lookup_tables(count_range16, lk: MainLookups, alu, arith, memory: MemoryTraces, outread: OutputReadTrace,
                   pre: PrecompileTraces, hints: HintTraces | None) -> dict[str, np.ndarray]:
    """The range16 and bitwise multiplicities: every table's lookups added up."""
    mem_bitwise = memory.bitwise()
    bitwise = {op: alu.bitwise.get(op, []) + arith.bitwise.get(op, []) + mem_bitwise.get(op, [])
               + outread.bitwise.get(op, []) + pre.bridge.bitwise.get(op, []) for op in ranges.BITWISE_OPS}
    return {"range16": count_range16(*(lk.range16 + alu.range16 + arith.range16 + memory.range16()
                                       + outread.range16 + pre.range16
                                       + (hints.copy.range16 if hints else []))),
            "bitwise": count_bitwise(bitwise)}


def prove_run(program: ProgramImage, rows: np.ndarray, input_bytes: bytes = b"",
              params: StarkParameters | None = None, *, key=None, initial=None, check: bool = True, threads: int = 1,
              progress: bool = False, precompiles: np.ndarray | None = None):
    """(key, proof, publics): a proof that the MAIN_ROW rows are a run of `program` from
    its first row's pc with registers `initial` (default 0) on the input `input_bytes`,
    with every table; `precompiles` are the run's PRECOMPILE_ROW rows (`machine_traces`).
    publics is a `RunPublics`: the dict {"main": [entry_lo, entry_hi, final_lo,
    final_hi, exited, exit_lo, exit_hi, steps]} `verify` needs with
    `key.verifying_key`, with .exit_code, .output and .output_root, the commitment
    `verify(..., commitments={"output": root})` checks (`verify_run` does both).
    progress=True shows the prover's progress bar (stderr)."""
    key = key or run_key(program, params, initial=initial)
    mt = main_trace(program, rows, initial=initial, initial_memory=initial_memory(program, input_bytes),
                    precompiles=precompiles)
    traces = machine_traces(program, mt, input_bytes, precompiles=precompiles)
    proof = prove(key, traces.tables_for(key), traces.publics, check=check, threads=threads, progress=progress)
    return key, proof, RunPublics(mt.public, traces.output, output_root(key, traces.output))


def initial_memory(program: ProgramImage, input_bytes: bytes, state=None):
    """addrs -> the bytes memory holds there at the start of a run (or of a segment that
    starts from `state`): what a profile's Main columns may read (`main.main_trace`)."""
    none = np.zeros(0, dtype=MEMORY_ROW)
    return lambda addrs: memory_at(program, input_bytes, none, np.zeros(0, np.int64), addrs,
                                   np.zeros(len(addrs), np.int64), state)


def verify_run(key, proof, output: bytes, exit_code: int, *, entry: int, final_pc: int, steps: int,
               input_root: bytes | None = None):
    """The verdict on "this program (key: a ProvingKey or VerifyingKey of `run_key`) ran
    `steps` steps from `entry` to an exit with `exit_code` (signed 32-bit), at final_pc
    (the exit's pc + 4), writing exactly `output` to fd 3".  A proof of a run that did
    not end in exit, or of another output or exit code, is rejected.  With `input_root`
    (`input_root(key, input_bytes)`) the run must also be on that input; without it the
    input is not bound."""
    vk = getattr(key, "verifying_key", key)
    if not -(1 << 31) <= exit_code < 1 << 31:
        return Verdict(False, f"exit code {exit_code} is not a signed 32-bit int")
    commitments = {OUTPUT: output_root(vk, output)}
    if input_root is not None:
        commitments[INPUT] = bytes(input_root)
    return verify(vk, {MAIN: main_publics(entry, final_pc, steps, exit_code)}, proof, commitments=commitments)
