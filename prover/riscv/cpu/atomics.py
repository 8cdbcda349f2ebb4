"""Atomics: lr, sc and the AMOs are naturally aligned, and sc succeeds exactly on its
reservation.

- alignment: ea_lo = size aq on lr, sc and AMO rows, aq in range16.
- the reservation: rv (boolean, 0 on row 0), rk1 = ea_lo + m8 and rk2 = ea_hi of the
  last lr (rk1 is one-to-one on aligned (address, size)); rv' = 1 after lr, 0 after sc,
  else rv; rk' = the lr's key after lr, else rk.  On sc rows rv = succ + nm (both
  boolean, 0 elsewhere): succ forces rk = (key, ea_hi); nm proves a difference by
  inverses, 1 = (rk1 - key) ri1 + (rk2 - ea_hi) ri2; rd = 1 - succ.  So sc succeeds
  exactly when the last lr/sc before it was an lr of the same address and size
  (docs/machine.md); plain stores do not clear it.  A failing sc sends no memop, so its
  ea_lo and ea_hi are range-checked here.
- segments: a segment that does not exit hands over no reservation (the next one starts
  without): the padding row after its last step, which it must have, holds none (the
  prover cuts a run where none is held, `segments.py`).
NOT PROVEN: a failing sc makes no memory access, so its address is not checked against
the memory map (the interpreter faults on a failing sc to unmapped or read-only memory;
a proof shows it failing, rd = 1).
"""
from __future__ import annotations

import numpy as np

from ... import field
from ...field import P
from ..limbs import n_limbs, write_limbs
from ..ranges import RANGE16
from .control import last_real
from .memory import sizes


def fields(xlen: int) -> dict:
    return {"aq": "aq", "rv": "rv", "rk1": "rk1", "rk2": "rk2", "succ": "succ", "nm": "nm", "ri1": "ri1",
            "ri2": "ri2"}


def constrain(air, m, xlen: int) -> None:
    f, c, sz, ea_lo, ea_hi = m.f, m.c, sizes(m), m.ea_lo, m.ea_hi
    rv, rk1, rk2, succ, nm = m.rv, m.rk1, m.rk2, m.succ, m.nm
    atomic = f["lr"] + f["sc"] + f["amo"]
    air.constrain(atomic * (ea_lo - (4 * sz[4] + 8 * sz[8]) * m.aq), "atomics are aligned")
    air.send(RANGE16, [m.aq], atomic)
    key = ea_lo + sz[8]
    air.constrain(rv * (rv - 1), "rv is boolean")
    air.when_first(rv, "no reservation before the first step")
    air.when_transition(rv.next - rv - f["lr"] * (1 - rv) + f["sc"] * rv, "lr sets the reservation, sc clears it")
    air.when_transition(rk1.next - rk1 - f["lr"] * (key - rk1), "lr reserves its address and size (lo)")
    air.when_transition(rk2.next - rk2 - f["lr"] * (ea_hi - rk2), "lr reserves its address (hi)")
    air.when_transition((1 - air.pub("exited")) * last_real(m) * rv.next, "no reservation after a segment's last step")
    air.when_last((1 - air.pub("exited")) * m.is_real, "a segment that does not exit has a padding row")
    for x in (succ, nm):
        air.constrain(x * (x - 1), f"{x} is boolean")
        air.constrain(x * (1 - f["sc"]), f"{x} only on sc")
    air.constrain(f["sc"] * (rv - succ - nm), "sc: a reservation either matches or not")
    air.constrain(succ * (rk1 - key), "sc succeeds on its reservation (lo, size)")
    air.constrain(succ * (rk2 - ea_hi), "sc succeeds on its reservation (hi)")
    air.constrain(nm * (1 - (rk1 - key) * m.ri1 - (rk2 - ea_hi) * m.ri2), "sc fails on another reservation")
    air.constrain(f["sc"] * (c[0] - 1 + succ), "sc: rd = 0 on success, 1 on failure")
    for i in range(1, n_limbs(xlen)):
        air.constrain(f["sc"] * c[i], f"sc: c{i} = 0")
    for v in (ea_lo, ea_hi):
        air.send(RANGE16, [v], f["sc"])


def fill(m, s, access) -> None:
    """The alignment and reservation columns (the state before each step, and after the
    last on the padding rows), and sc's result code; ValueError, when strict, for a trace
    whose sc outcome is not its reservation's."""
    n, is_ = s.n, s.is_
    lr, sc = is_["lr"], is_["sc"]
    ea_lo, ea_hi = access.ea & 0xFFFF, access.ea >> 16
    m.aq[:n] = np.where(lr | sc | is_["amo"], ea_lo // np.maximum(access.size, 1), 0)
    key = ea_lo + s.flags["f_m8"]
    pos = np.arange(n)
    last_ev = np.maximum.accumulate(np.where(lr | sc, pos, -1))
    last_lr = np.maximum.accumulate(np.where(lr, pos, -1))
    after_rv = (last_ev >= 0) & lr[np.maximum(last_ev, 0)]
    after_k1 = np.where(last_lr >= 0, key[np.maximum(last_lr, 0)], 0)
    after_k2 = np.where(last_lr >= 0, ea_hi[np.maximum(last_lr, 0)], 0)
    rv = np.concatenate([[False], after_rv[:-1]])
    rk1 = np.concatenate([[0], after_k1[:-1]])
    rk2 = np.concatenate([[0], after_k2[:-1]])
    succ = sc & (s.rows["c"] == 0)
    matches = rv & (rk1 == key) & (rk2 == ea_hi)
    if s.strict and not np.array_equal(succ[sc], matches[sc]):
        bad = int(np.flatnonzero(sc & (succ != matches))[0])
        raise ValueError(f"step {bad}: the trace's sc outcome is not its reservation's")
    nm = sc & rv & ~succ
    d1, d2 = (rk1 - key) % P, (rk2 - ea_hi) % P
    ri1, ri2 = np.zeros(n, dtype=np.uint32), np.zeros(n, dtype=np.uint32)
    first = nm & (d1 != 0)
    second = nm & (d1 == 0) & (d2 != 0)
    if first.any():
        ri1[first] = field.inv(d1[first].astype(np.uint32))
    if second.any():
        ri2[second] = field.inv(d2[second].astype(np.uint32))
    for column, values, after in ((m.rv, rv, after_rv), (m.rk1, rk1, after_k1), (m.rk2, rk2, after_k2)):
        column[:n], column[n:] = values, after[-1]
    m.succ[:n], m.nm[:n], m.ri1[:n], m.ri2[:n] = succ, nm, ri1, ri2
    rows = np.flatnonzero(sc)                           # its result code, also for x0
    write_limbs(m.c, s.rows["c"][rows].astype(np.uint64) & s.mask, s.xlen, rows)


def messages(m, out) -> None:
    f = m.f
    out.range16 += [out.repeat(m.aq, f["lr"] + f["sc"] + f["amo"]), out.repeat(m.ea_lo, f["sc"]),
                    out.repeat(m.ea_hi, f["sc"])]
