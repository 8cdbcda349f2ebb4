"""Execute: the results the ALU and Arith tables prove.

A writing step of class alu_r sends ("alu", [alu_op, a, s, c]), alu_i ("alu", [alu_op,
a, imm, c]) (lui: rs1 = x0, a = 0), auipc ("alu", [add, pc_lo, pc_hi, 0.., imm, c]),
arith ("arith", [op, a, s, c]); these tables range-check c's limbs.  Sent only when the
step writes (wr): a result that goes to x0 has no effect, so it is not checked.  The
order branches (class alu_r, writing nothing) always send their comparison, which
`flow.py` reads as c_0.  No columns of its own.
"""
from __future__ import annotations

import numpy as np

from runtime.trace import ALU_ROW

from ..alu import ALU
from ..arith import ARITH
from ..limbs import n_limbs
from ..optable import OP_ID


def fields(xlen: int) -> dict:
    return {}


def constrain(air, m, xlen: int) -> None:
    f, wr, a, s, c = m.f, m.wr, m.a, m.s, m.c
    air.send(ALU, [m.alu_op] + a + s + c, f["alu_r"] * wr + f["blt"] + f["bge"])
    air.send(ALU, [m.alu_op] + a + m.imm + c, f["alu_i"] * wr)
    air.send(ALU, [OP_ID["add"]] + m.pc + [0] * (n_limbs(xlen) - 2) + m.imm + c, f["auipc"] * wr)
    air.send(ARITH, [m.op] + a + s + c, f["arith"] * wr)


def alu_rows(m, select, op, x, y, result) -> np.ndarray:
    """ALU_ROW rows (step, op, a, b, c) of the rows where `select` holds."""
    sel = np.flatnonzero(select)
    out = np.zeros(sel.size, dtype=ALU_ROW)
    out["step"], out["op"], out["a"], out["b"], out["c"] = m.ts[sel], op[sel], x[sel], y[sel], result[sel]
    return out


def messages(m, out) -> None:
    f, writes = m.f, m.wr == 1
    a, s, c, imm = out.value(m.a), out.value(m.s), out.value(m.c), out.value(m.imm)
    pc = (m.pc[0] + (m.pc[1] << 16)).astype(np.uint64)
    add = np.full(m.ts.size, OP_ID["add"])
    out.alu += [alu_rows(m, ((f["alu_r"] == 1) & writes) | (f["blt"] == 1) | (f["bge"] == 1), m.alu_op, a, s, c),
                alu_rows(m, (f["alu_i"] == 1) & writes, m.alu_op, a, imm, c),
                alu_rows(m, (f["auipc"] == 1) & writes, add, pc, imm, c)]
    out.arith = alu_rows(m, (f["arith"] == 1) & writes, m.op, a, s, c)
