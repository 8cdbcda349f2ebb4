"""Control: Main's rows and the instruction of each step.

Rows.  One per step, real rows first: is_real is boolean, 1 on row 0, and never goes
from 0 back to 1; ts = the row number (0 on row 0, ts' = ts + 1), the step number.
Public values entry_lo/hi (row 0's pc) and steps (the last real row's ts + 1).
Padding rows have every flag 0, so they send nothing.

Per real row: ("rom", [pc_lo, pc_hi, op, rd, rs1, rs2, imm_0..imm_L-1]): the instruction
really is at pc in this program, decoded as the decoder decodes it (so pc is a 4-aligned
code address below 2^32 with 16-bit limbs, and imm's limbs are 16-bit); and ("optable",
[op, f_<class>..., alu_op]): the class flags are op's (`optable.py`); ebreak and
illegal ops have no row there, nor CSR instructions but in a profile whose calls they
are (ZisK's: `zisk.py` tells them apart).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from runtime.encoding import BY_ID

from ..layout import limbs
from ..limbs import from_limbs, n_limbs
from ..optable import FIELDS as OPTABLE_FIELDS, FLAGS, OPTABLE, op_flags
from ..rom import ROM, rom_messages


def fields(xlen: int) -> dict:
    return {"is_real": "is_real", "ts": "ts", "pc": ["pc_lo", "pc_hi"], "op": "op", "rd": "rd", "rs1": "rs1",
            "rs2": "rs2", "imm": limbs("imm", n_limbs(xlen)), "f": {name: f"f_{name}" for name in FLAGS},
            "alu_op": "alu_op"}


def last_real(m):
    """1 on the last real row (transitions only: is_real' is the next row's)."""
    return m.is_real - m.is_real.next


def constrain(air, m, xlen: int) -> None:
    is_real, ts, pub = m.is_real, m.ts, air.pub
    air.constrain(is_real * (is_real - 1), "is_real is boolean")
    air.when_first(is_real - 1, "row 0 is a step")
    air.when_transition(is_real.next * (1 - is_real), "real rows are a prefix")
    air.when_first(ts, "ts starts at 0")
    air.when_transition(ts.next - ts - 1, "ts' = ts + 1")
    air.when_first(m.pc[0] - pub("entry_lo"), "row 0's pc is the entry (lo)")
    air.when_first(m.pc[1] - pub("entry_hi"), "row 0's pc is the entry (hi)")
    air.when_transition(last_real(m) * (ts + 1 - pub("steps")), "the last real row gives the public steps")
    air.when_last(is_real * (ts + 1 - pub("steps")), "a real last row gives the public steps")
    for name in FLAGS:
        air.constrain((1 - is_real) * m.f[name], f"padding rows have f_{name} = 0")
    air.send(ROM, m.pc + [m.op, m.rd, m.rs1, m.rs2] + m.imm, is_real)
    air.send(OPTABLE, [m.op] + [m.f[name] for name in FLAGS] + [m.alu_op], is_real)


@dataclass
class Steps:
    """A run's steps as every component's witness reads them: the trace's MAIN_ROW rows and
    each one's instruction (the ROM's) and op-class flags."""
    rows: np.ndarray
    xlen: int
    strict: bool
    pc: np.ndarray              # (n,) uint64
    rom: np.ndarray             # (n, 6 + L) int64: the "rom" messages
    flags: dict                 # OPTABLE_FIELDS name -> (n,) int64
    is_: dict                   # FLAGS name -> (n,) bool

    @property
    def n(self) -> int:
        return self.rows.size

    @property
    def mask(self) -> np.uint64:
        return np.uint64((1 << self.xlen) - 1)

    @property
    def op(self) -> np.ndarray:
        return self.rom[:, 2]

    @property
    def imm_limbs(self) -> np.ndarray:
        return self.rom[:, 6:]

    @property
    def imm(self) -> np.ndarray:
        return from_limbs(self.imm_limbs)


def decode(program, rows: np.ndarray, xlen: int, strict: bool, csr: bool = False) -> Steps:
    """Each step's instruction, from the ROM at its pc; ValueError for an op no step can
    retire (and, when strict, for a trace whose op is not the ROM's); `csr`: the profile's
    CSR instructions are calls (`optable.py`)."""
    pc = rows["pc"].astype(np.uint64)
    rom = rom_messages(program, pc).astype(np.int64)
    op = rom[:, 2]
    if strict and not np.array_equal(op, rows["op"]):
        raise ValueError("the trace's op ids are not the ROM's")
    flags, legal = op_flags(xlen, csr)
    if not legal[op].all():
        bad = int(op[~legal[op]][0])
        raise ValueError(f"a step runs {BY_ID[bad].name}, which no step can retire")
    fl = flags[op].astype(np.int64)
    F = {name: fl[:, j] for j, name in enumerate(OPTABLE_FIELDS)}
    return Steps(rows, xlen, strict, pc, rom, F, {name: F[f"f_{name}"].astype(bool) for name in FLAGS})


def fill(m, s: Steps) -> None:
    n = s.n
    m.ts[:] = np.arange(m.ts.size, dtype=np.uint32)
    m.is_real[:n] = 1
    for view, j in zip(m.pc + [m.op, m.rd, m.rs1, m.rs2] + m.imm, range(s.rom.shape[1])):
        view[:n] = s.rom[:, j]
    for name in FLAGS:
        m.f[name][:n] = s.flags[f"f_{name}"]
    m.alu_op[:n] = s.flags["alu_op"]


def public(s: Steps) -> list[int]:
    """entry_lo, entry_hi."""
    return [int(s.pc[0]) & 0xFFFF, int(s.pc[0]) >> 16]


def messages(m, out) -> None:
    real = m.is_real == 1
    out.pcs = (m.pc[0] + (m.pc[1] << 16)).astype(np.uint64)[real]
    out.ops = m.op[real]
