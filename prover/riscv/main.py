"""The Main (CPU) table: one row per step, proving the pc flow, the register effects and
(with the memory argument) what loads, stores, AMOs and LR/SC read and write.

The table is its components (`cpu/`), each the owner of its columns, constraints,
witness and messages, in the way Plonky3 keeps a table's columns in one struct that the
AIR and the trace generator share (`layout.py`): `control` (rows, the ROM's instruction,
op classes), `operands` (register accesses, operand and result values), `flow` (branches,
next pc, links), `execute` (ALU and Arith messages), `memory` (addresses, memops, loads,
stores, AMOs), `atomics` (alignment, LR/SC reservation) and `calls` (exit, writes and the
public output, precompiles), then the program's profile's part (`cpu/profile.py`: none
for zkaot; ZisK's calls, `cpu/zisk.py`), which owns its columns after the others'.  Each component's docstring says what it proves and how;
docs/riscv-air.md has the contract.

Public values: entry_lo/hi (row 0's pc), final_lo/hi (the last real row's next pc: where
the run continues, or pc + 4 of the exiting ecall), exited (boolean: 1 = the last real
row is an exit ecall), exit_lo/hi (exited * the low 32 bits of that row's a0) and steps
(the last real row's ts + 1).  Padding rows have every flag 0 ((1 - is_real) f = 0), so
they send nothing: every multiplicity is is_real, a sum or product of flags, wr or succ
(0 unless f_sc).  Everything a step does to the pc, the registers and memory is proven,
but for one gap (`cpu/atomics.py`: a failing sc's address is not checked against the
memory map).

Register access times are 4 ts + k with k = 1, 2, 3 (not 0, 1, 3 as the contract's draft
had), so that no access shares time 0 with the register file's initial values.

Degree <= 3 everywhere, every bus field has degree 1 and every multiplicity degree <= 2.
Size (zkaot): RV64 138 main columns, 172 constraints, 58 interactions (rom, optable, 10 reg,
5 alu, arith, 2 memop, 2 outrd, 2 pcall, 34 range16); RV32 109 columns, 129 constraints,
55 interactions.

`main_trace` builds the table from the trace's MAIN_ROW rows (vectorized numpy) and
`main_lookups` derives, from the table alone, every message it sends to the other tables;
`prover/riscv/machine.py` proves a whole run with every table.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import numpy as np

from runtime.program_image import ProgramImage

from ..air import Air
from .cpu import atomics, calls, control, execute, flow, memory, operands
from .cpu.profile import ZKAOT_MAIN, MainProfile
from .layout import Layout
from .limbs import read_limbs
from .proof_profiles import profile_of
from .ranges import pow2_height

MAIN = "main"
PUBLICS = ["entry_lo", "entry_hi", "final_lo", "final_hi", "exited", "exit_lo", "exit_hi", "steps"]
COMPONENTS = (control, operands, flow, execute, memory, atomics, calls)
MAX_ROWS = 1 << 22                      # memory times must stay below 2^29 (memory.py)


@cache
def main_layout(xlen: int, profile: MainProfile = ZKAOT_MAIN) -> Layout:
    """Main's columns: every component's fields, in component order, then the profile's."""
    return Layout(*(component.fields(xlen) for component in COMPONENTS), profile.fields(xlen))


def main_columns(xlen: int, profile: MainProfile = ZKAOT_MAIN) -> list[str]:
    return main_layout(xlen, profile).names


def _bind(xlen: int, profile: MainProfile, get):
    """The layout's fields as get(name), with the profile's device term (`memory.py`)."""
    m = main_layout(xlen, profile).bind(get)
    m.profile, m.device = profile, profile.device(m)
    return m


@cache
def main_air(xlen: int, profile: MainProfile = ZKAOT_MAIN) -> Air:
    """The Main table "main" for RV`xlen` (L = xlen / 16 limbs of 16 bits) of a machine
    profile's runs: the module docstring and each component's say what it proves."""
    air = Air(MAIN, main=main_columns(xlen, profile), public=PUBLICS)
    m = _bind(xlen, profile, air.col)
    for component in COMPONENTS + (profile,):
        component.constrain(air, m, xlen)
    return air


@dataclass
class MainLookups:
    """Everything a Main table sends, derived from its columns (`main_lookups`)."""
    pcs: np.ndarray                     # (steps,) the pcs of the real rows: ROM multiplicities
    ops: np.ndarray                     # (steps,) their op ids: op-class multiplicities
    alu_rows: np.ndarray                # ALU_ROW: every "alu" message (auipc, order branches included)
    arith_rows: np.ndarray              # ALU_ROW: every "arith" message
    range16: list[np.ndarray]           # the values sent to range16, one array per lookup
    final_values: np.ndarray            # (32,) uint64: the registers after the last step
    final_times: np.ndarray             # (32,) int64: the time of each register's last access
    memory_rows: np.ndarray             # MEMORY_ROW: every "memop" message, in time order
    memory_times: np.ndarray            # (memops,) int64: their times t (MEM_SLOTS ts + 1, AMO writes + 1)
    output_calls: np.ndarray            # (writes to fd 3, 4) int64: ts, ptr, len, output index before it
    precompile_calls: np.ndarray        # (precompile ecalls, 4) uint64: ts, a7, a0, a1 ("pcall", precompile.py)
    hint_lookups: np.ndarray            # (lookups,) int64: the hint stream units Main reads (hints.py)
    hint_copies: np.ndarray             # (HINT_READs, 4) int64: ts, first unit, first chunk, units


@dataclass
class MainTrace:
    """The Main table's trace, its public values and its lookups."""
    main: np.ndarray                    # (2^k, columns) uint32
    public: list[int]                   # PUBLICS
    lookups: MainLookups
    xlen: int


def main_trace(program: ProgramImage, rows: np.ndarray, xlen: int | None = None, *, initial=None,
               height: int | None = None, strict: bool = True, initial_memory=None,
               precompiles: np.ndarray | None = None) -> MainTrace:
    """The Main table of MAIN_ROW rows (steps 0.. of a run from `rows[0].pc`, with the
    registers `initial` before it, default all 0), padded to a power of two (at least 4,
    with a padding row after a run that does not exit, or `height`), with its public
    values and lookups.

    Taken from the trace: the pcs (the ROM gives each step's instruction), the value
    each writing step writes to rd (c; 0 for rd = x0, whose result is not checked)
    and nothing else: register values are those the writes leave, next pcs are computed
    from the instruction.  strict=True also requires the trace to agree (its op, a, b,
    next_pc and branch outcomes); strict=False builds the table of whatever steps are
    given (the soundness tests feed it forged runs).  The program's profile's part
    (`cpu/profile.py`) may read memory's bytes at the segment's start, `initial_memory(addrs)`
    (`machine.initial_memory`), and the trace's PRECOMPILE_ROW rows, `precompiles`."""
    xlen = xlen or program.xlen
    if rows.ndim != 1 or rows.size == 0:
        raise ValueError("main_trace needs at least one step")
    profile = profile_of(program).main
    steps = control.decode(program, rows, xlen, strict, profile.csr)
    values = operands.read(steps, initial, profile.selector, profile.ecall_rd_rows(steps))
    kinds = calls.kinds(steps, values, profile.core, profile.own_ecalls(steps, values))
    buf = _empty_table(xlen, profile, rows.size, kinds.exited, height)       # column-major while filling
    index = main_layout(xlen, profile).index
    m = _bind(xlen, profile, lambda name: buf[index[name]])
    control.fill(m, steps)
    operands.fill(m, steps, values)
    calls.fill(m, steps, values, kinds)
    atomics.fill(m, steps, memory.fill(m, steps, values))
    final_pc = flow.fill(m, steps, values)
    profile.fill(m, steps, values, initial_memory, precompiles)
    public = (control.public(steps) + [final_pc & 0xFFFF, final_pc >> 16] + calls.public(values, kinds)
              + [rows.size])
    return MainTrace(np.ascontiguousarray(buf.T), public, _lookups(buf, xlen, initial, profile), xlen)


def _empty_table(xlen: int, profile: MainProfile, n_real: int, exited: bool, height: int | None) -> np.ndarray:
    """Zeros (columns, rows): a run cut before its exit ends with a padding row."""
    n = height or pow2_height(n_real + (not exited))
    if n < n_real or n & (n - 1):
        raise ValueError(f"height {n} is not a power of two >= {n_real}")
    if n > MAX_ROWS:
        raise ValueError(f"{n_real} steps: Main has at most 2^22 rows (memory times must stay below 2^29)")
    return np.zeros((len(main_columns(xlen, profile)), n), dtype=np.uint32)


def main_lookups(main: np.ndarray, xlen: int, *, initial=None, profile: MainProfile = ZKAOT_MAIN) -> MainLookups:
    """Every message a Main table sends, read off its columns: what the receiving tables'
    traces and multiplicities must be built from for the bus to balance."""
    return _lookups(np.ascontiguousarray(np.asarray(main, dtype=np.uint32).T), xlen, initial, profile)


@dataclass
class _Messages:
    """The messages the components read off the table, gathered for `MainLookups`."""
    alu: list = field(default_factory=list)
    range16: list = field(default_factory=list)
    arith: np.ndarray | None = None
    pcs: np.ndarray | None = None
    ops: np.ndarray | None = None
    final_values: np.ndarray | None = None
    final_times: np.ndarray | None = None
    memory_rows: np.ndarray | None = None
    memory_times: np.ndarray | None = None
    output_calls: np.ndarray | None = None
    precompile_calls: np.ndarray | None = None
    hint_lookups: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    hint_copies: np.ndarray = field(default_factory=lambda: np.zeros((0, 4), np.int64))
    _values: dict = field(default_factory=dict)

    def value(self, columns) -> np.ndarray:
        """The XLEN-bit values of a limb field of the bound table, read once per field
        (several components read a, s and c)."""
        if id(columns) not in self._values:
            self._values[id(columns)] = read_limbs(columns)
        return self._values[id(columns)]

    @staticmethod
    def repeat(values, multiplicity) -> np.ndarray:
        """A lookup of each row's value, made `multiplicity` times."""
        return np.repeat(values, np.asarray(multiplicity, dtype=np.int64))

    def add_memops(self, rows: np.ndarray, times: np.ndarray) -> None:
        """More memops (a profile's calls'), kept in time order."""
        times = np.concatenate([self.memory_times, times])
        order = np.argsort(times, kind="stable")
        self.memory_rows, self.memory_times = np.concatenate([self.memory_rows, rows])[order], times[order]

    def add_output_calls(self, calls: np.ndarray) -> None:
        self.output_calls = _by_step(np.concatenate([self.output_calls, calls.astype(np.int64)]))

    def add_precompile_calls(self, calls: np.ndarray) -> None:
        self.precompile_calls = _by_step(np.concatenate([self.precompile_calls, calls.astype(np.uint64)]))


def _by_step(calls: np.ndarray) -> np.ndarray:
    """Calls (ts first) in step order, as the receiving tables take them."""
    return calls[np.argsort(calls[:, 0], kind="stable")]


def _lookups(buf: np.ndarray, xlen: int, initial, profile: MainProfile) -> MainLookups:
    """`main_lookups` on the column-major table buf (columns, rows)."""
    index = main_layout(xlen, profile).index
    m = _bind(xlen, profile, lambda name: buf[index[name]].astype(np.int64))
    out = _Messages()
    control.messages(m, out)
    operands.messages(m, out, initial)
    flow.messages(m, out)
    execute.messages(m, out)
    memory.messages(m, out, xlen)
    atomics.messages(m, out)
    calls.messages(m, out)
    profile.messages(m, out)
    alu = np.concatenate(out.alu)
    return MainLookups(out.pcs, out.ops, alu[np.argsort(alu["step"], kind="stable")], out.arith, out.range16,
                       out.final_values, out.final_times, out.memory_rows, out.memory_times, out.output_calls,
                       out.precompile_calls, out.hint_lookups, out.hint_copies)
