"""The register file: the two ends of Main's offline memory check of x0..x31.

What it proves.  Main accesses registers through the bus "reg": an access at time t
receives ("reg", [r, value limbs, t_prev]) and sends ("reg", [r, value' limbs, t]), with
t_prev < t proven by Main (`prover/riscv/main.py`).  This table has one row per
register r = 0..31 and
- sends ("reg", [r, init limbs, 0]): the register's value before the first step, at
  time 0, which no Main access uses (Main's times start at 1);
- receives ("reg", [r, final limbs, final_t]): the value and time of its last access
  (0 and the initial value if it has none).
With these the sent and received multisets of "reg" can only balance if every access
reads the value the previous access of the same register left (the last write, or the
initial value): each register's accesses form one chain init -> access -> ... -> final
ordered by strictly increasing distinct times, so no read can be answered by a later
write or by a value nobody wrote.

Columns: fixed r and init_0..init_{L-1} (the initial registers, 16-bit limbs, committed
in the verifying key: all 0 for a whole run from the ELF entry, which is what the
interpreter starts with; x0 must be 0); main final_0..final_{L-1} and final_t (witness:
the final register state, `RegisterFile.final_values`).  The final limbs need no range
check here: they are received, so they equal a value some access sent, and Main
range-checks every value it writes.  32 rows, no padding; no constraints but the bus.
"""
from __future__ import annotations

import numpy as np

from ..air import Air
from .limbs import from_limbs, n_limbs, to_limbs
from .state import REGS_IN, REGS_OUT

REG = "reg"
REGFILE = "regfile"
N_REGS = 32


def regfile_columns(xlen: int) -> tuple[list[str], list[str]]:
    """(fixed, main) column names."""
    L = n_limbs(xlen)
    return ["r"] + [f"init_{i}" for i in range(L)], [f"final_{i}" for i in range(L)] + ["final_t"]


def regfile_air(xlen: int) -> Air:
    """The register file table (module docstring)."""
    fixed, main = regfile_columns(xlen)
    air = Air(REGFILE, main=main, fixed=fixed)
    L = n_limbs(xlen)
    C = air.col
    air.send(REG, [C("r")] + [C(f"init_{i}") for i in range(L)] + [0])
    air.receive(REG, [C("r")] + [C(f"final_{i}") for i in range(L)] + [C("final_t")])
    return air


def chained_regfile_air(xlen: int) -> Air:
    """The register file of a segment: initial values from the "regs_in" state table,
    final values also sent to "regs_out" (module docstring).  x0 stays 0: the first
    segment's regs_in is all zero and Main never writes x0."""
    L = n_limbs(xlen)
    init, final = [f"init_{i}" for i in range(L)], [f"final_{i}" for i in range(L)]
    air = Air(REGFILE, main=init + final + ["final_t"], fixed=["r"])
    C = air.col
    r, init_v, final_v = C("r"), [C(c) for c in init], [C(c) for c in final]
    air.send(REG, [r] + init_v + [0])
    air.receive(REG, [r] + final_v + [C("final_t")])
    air.receive(REGS_IN, [r] + init_v)
    air.send(REGS_OUT, [r] + final_v)
    return air


def chained_regfile_fixed() -> np.ndarray:
    return np.arange(N_REGS, dtype=np.uint32)[:, None]


def chained_regfile_trace(initial, final_values, final_times, xlen: int) -> np.ndarray:
    """The main trace (32, 2 L + 1): initial limbs, final limbs, final times."""
    return np.concatenate([to_limbs(initial_registers(initial), xlen),
                           regfile_trace(final_values, final_times, xlen)], axis=1)


def initial_registers(values=None) -> np.ndarray:
    """The 32 initial register values as uint64 (default all 0); x0 must be 0."""
    regs = np.zeros(N_REGS, dtype=np.uint64) if values is None else np.asarray(values, dtype=np.uint64)
    if regs.shape != (N_REGS,):
        raise ValueError(f"initial registers: expected 32 values, got shape {regs.shape}")
    if regs[0]:
        raise ValueError("initial registers: x0 must be 0")
    return regs


def regfile_fixed(xlen: int, initial=None) -> np.ndarray:
    """The fixed columns (32, 1 + L): r, then the initial values' limbs."""
    regs = initial_registers(initial)
    if xlen == 32 and (regs >> np.uint64(32)).any():
        raise ValueError("initial registers: an RV32 value does not fit in 32 bits")
    return np.concatenate([np.arange(N_REGS, dtype=np.uint32)[:, None], to_limbs(regs, xlen)], axis=1)


def regfile_trace(final_values, final_times, xlen: int) -> np.ndarray:
    """The main trace (32, L + 1): the final values' limbs and the final times."""
    values = np.asarray(final_values, dtype=np.uint64)
    times = np.asarray(final_times, dtype=np.int64)
    if values.shape != (N_REGS,) or times.shape != (N_REGS,):
        raise ValueError("the register file needs 32 final values and times")
    return np.concatenate([to_limbs(values, xlen), times.astype(np.uint32)[:, None]], axis=1)


def final_values(trace: np.ndarray) -> np.ndarray:
    """The final register values (32,) uint64 of a register file main trace."""
    return from_limbs(trace[:, :-1])
