"""Operands: a step's register accesses, the values it reads and the value it writes.

Offline memory checking on "reg" with the register file table (`registers.py`): a
step's accesses are at t = 4 ts + k, k = 1 (rs1), 2 (rs2), 3 (rd), and an ecall also
reads a1 (x) and a2 (y) at 4 ts + 1 and 4 ts + 2 (other registers than a0 and a7, which
it reads as rs1 and rs2, so the same times are fine; under a profile whose calls t0
selects, `profile.MainProfile.selector`, t0 takes a7's place).  Each access receives
("reg", [r, old limbs, t_prev]) and sends ("reg", [r, new limbs, t]) with
t_prev = t - 1 - d0 - 2^16 d1, d0, d1 and 4 d1 in range16, so 0 <= t - t_prev - 1 < 2^30
and t_prev < t cannot wrap mod p (t < 2^24 + 4: at most 2^22 rows; time 0 is the
register file's initial values).  Reads (multiplicity is_real) send back what they
received: a (rs1's value) for register rs1 + 10 f_ecall, s (rs2's value) for
rs2 + 17 f_ecall (an ecall reads a0 and a7, or t0; the ROM has rs1 = rs2 = 0 there).  The
write (multiplicity wr) receives rd's old value o and sends the result c, for register
rw = rd + 10 f_ecall (a profile's call may write another register: `profile.ecall_rd`);
wr = f_writes * [rw != 0] (wr (1 - f_writes) = 0, f_writes rw (1 - wr) = 0,
wr (1 - rw rinv) = 0), so writes to x0 are dropped and x0
stays 0 (the register file starts it at 0).  Formats without rs1/rs2 have 0 there in
the ROM, so they read x0 = 0.  What c must be is each class's component's; c is the
trace's value on writing rows (the other components set it on the rest).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from runtime.calls import A0, A1, A2, A7
from runtime.encoding import by_id

from ... import field
from ..layout import limbs
from ..limbs import n_limbs, write_limbs
from ..ranges import RANGE16
from ..registers import N_REGS, REG, initial_registers

OFFSETS = (1, 2, 3, 1, 2)               # the accesses' times 4 ts + offset: rs1, rs2, rd, a1, a2
_INV_SMALL = np.array([0] + [field.ref_inv(i) for i in range(1, 64)], dtype=np.uint32)
_FORMAT = by_id(lambda op: op.format.name, object)


def fields(xlen: int) -> dict:
    L = n_limbs(xlen)
    return {"a": limbs("a", L), "s": limbs("s", L), "c": limbs("c", L), "o": limbs("o", L),   # rs1, rs2, the
            "wr": "wr", "rinv": "rinv",                                                      # result, rd's old
            "x": limbs("x", L), "y": limbs("y", L),                                          # a1, a2 of an ecall
            "gap": [[f"d0_{k}", f"d1_{k}"] for k in range(1, 6)]}                            # t - t_prev - 1


def _accesses(m):
    """(register, value received, value sent, multiplicity) of each access, in OFFSETS order."""
    ecall = m.f["ecall"]
    rw = m.rd + m.profile.ecall_rd(m, ecall)
    return [(m.rs1 + A0 * ecall, m.a, m.a, m.is_real), (m.rs2 + m.profile.selector * ecall, m.s, m.s, m.is_real),
            (rw, m.o, m.c, m.wr), (A1, m.x, m.x, ecall), (A2, m.y, m.y, ecall)]


def constrain(air, m, xlen: int) -> None:
    f, wr = m.f, m.wr
    rw = m.rd + m.profile.ecall_rd(m, f["ecall"])
    air.constrain(wr * (1 - f["writes"]), "only writing classes write")
    air.constrain(f["writes"] * rw * (1 - wr), "a write to a register other than x0 happens")
    air.constrain(wr * (1 - rw * m.rinv), "no write to x0")
    for (reg, old, new, mult), (d0, d1), offset in zip(_accesses(m), m.gap, OFFSETS):
        t = 4 * m.ts + offset
        air.receive(REG, [reg] + old + [t - 1 - d0 - 65536 * d1], mult)
        air.send(REG, [reg] + new + [t], mult)
        for v in (d0, d1, 4 * d1):
            air.send(RANGE16, [v], mult)


@dataclass
class Operands:
    """The register values of each step (real rows): before its accesses, and written."""
    a: np.ndarray               # rs1's value (a0 on an ecall), uint64
    s: np.ndarray               # rs2's value (a7 on an ecall)
    o: np.ndarray               # rd's old value where the step writes, else 0
    x: np.ndarray               # a1 on an ecall, else 0
    y: np.ndarray               # a2 on an ecall, else 0
    written: np.ndarray         # the trace's c: what the step writes to rd
    wr: np.ndarray              # bool: the step writes a register other than x0
    rw: np.ndarray              # int64: the register it writes (rd, a0 for an ecall)
    gap: np.ndarray             # (n, 5) int64: t - t_prev - 1 of each access, 0 where none


def read(s, initial, selector: int = A7, ecall_rd=None) -> Operands:
    """Replays the register file over the steps: the values each access reads (the trace's
    writes are taken as given; its operands too, when strict, must be those values); an
    ecall reads a0, its profile's `selector` register, a1 and a2, and writes a0 or, per
    step, `ecall_rd` (an array, 0 off ecalls)."""
    rom, n, ecall = s.rom, s.n, s.flags["f_ecall"]
    rw = rom[:, 3] + (A0 * ecall if ecall_rd is None else ecall_rd)
    wr = s.is_["writes"] & (rw != 0)
    written = s.rows["c"].astype(np.uint64) & s.mask
    ecall_b, ones, zeros = ecall.astype(bool), np.ones(n, bool), np.zeros(n, bool)
    regs = np.stack([rom[:, 4] + A0 * ecall, rom[:, 5] + selector * ecall, rw, np.full(n, A1), np.full(n, A2)], axis=1)
    valid = np.stack([ones, ones, wr, ecall_b, ecall_b], axis=1)
    zero_v = np.zeros(n, np.uint64)
    before, t_prev = _register_chain(regs, valid, np.stack([zeros, zeros, wr, zeros, zeros], 1),
                                     np.stack([zero_v, zero_v, written, zero_v, zero_v], 1),
                                     initial_registers(initial))
    t_now = 4 * np.arange(n, dtype=np.int64)[:, None] + np.array(OFFSETS)
    v = Operands(before[:, 0], before[:, 1], np.where(wr, before[:, 2], np.uint64(0)),
                 np.where(ecall_b, before[:, 3], np.uint64(0)), np.where(ecall_b, before[:, 4], np.uint64(0)),
                 written, wr, rw, np.where(valid, t_now - t_prev - 1, 0))
    if s.strict:
        _check_operands(s, v)
    return v


def _check_operands(s, v: Operands) -> None:
    fmt = _FORMAT[s.op]
    has_a = ~np.isin(fmt, ["U", "J", "FENCE", "CSRI"])      # (a CSRI's a is its zimm)
    has_b = np.isin(fmt, ["R", "S", "B", "AMO", "NONE"])
    bad = (has_a & (v.a != s.rows["a"])) | (has_b & (v.s != s.rows["b"]))
    if bad.any():
        raise ValueError(f"step {int(np.flatnonzero(bad)[0])}: the trace's register operands are not the values "
                         "the registers hold")


def _register_chain(regs, valid, writes, values, init):
    """Values before, and previous times of, every register access (vectorized offline
    memory checking): row i's access j is of register regs[i, j] at 4 i + OFFSETS[j],
    made when valid[i, j], a write of values[i, j] when writes[i, j] (offsets repeat
    for distinct registers).  Returns (before (n, A) uint64, t_prev (n, A) int64)."""
    n, A = regs.shape
    reg = regs.reshape(-1).astype(np.int64)
    t = (4 * np.arange(n, dtype=np.int64)[:, None] + np.asarray(OFFSETS)[None, :]).reshape(-1)
    valid = valid.reshape(-1)
    is_write = (writes & valid.reshape(n, A)).reshape(-1)
    value = values.reshape(-1)
    idx = np.flatnonzero(valid)
    order = idx[np.lexsort((t[idx], reg[idx]))]             # by register, then time
    sr, st, sw, sv = reg[order], t[order], is_write[order], value[order]
    m = order.size
    pos = np.arange(m)
    start = np.ones(m, dtype=bool)
    start[1:] = sr[1:] != sr[:-1]
    first = np.maximum.accumulate(np.where(start, pos, 0)) if m else pos
    last_write = np.maximum.accumulate(np.where(sw, pos, -1)) if m else pos
    prior = np.concatenate([[-1], last_write[:-1]])
    before = np.where(prior >= first, sv[np.maximum(prior, 0)], init[sr])
    prev_t = np.concatenate([[0], st[:-1]])
    prev_t[start] = 0
    out_before = np.zeros(n * A, dtype=np.uint64)
    out_prev = np.zeros(n * A, dtype=np.int64)
    out_before[order] = before
    out_prev[order] = prev_t
    return out_before.reshape(n, A), out_prev.reshape(n, A)


def fill(m, s, v: Operands) -> None:
    n, xlen = s.n, s.xlen
    for columns, values in ((m.a, v.a), (m.s, v.s), (m.o, v.o), (m.x, v.x), (m.y, v.y)):
        write_limbs(columns, values, xlen, slice(0, n))
    write_limbs(m.c, np.where(v.wr, v.written, np.uint64(0)), xlen, slice(0, n))
    m.wr[:n] = v.wr
    m.rinv[:n] = _INV_SMALL[v.rw]
    for j, (d0, d1) in enumerate(m.gap):
        d0[:n], d1[:n] = v.gap[:, j] & 0xFFFF, v.gap[:, j] >> 16


def messages(m, out, initial) -> None:
    """The range16 limbs of the time gaps, and the register file's final state: each
    register's last access."""
    accesses = _accesses(m)
    for (_, _, _, mult), (d0, d1) in zip(accesses, m.gap):
        out.range16 += [out.repeat(d0, mult), out.repeat(d1, mult), out.repeat(4 * d1, mult)]
    regs = np.concatenate([reg if isinstance(reg, np.ndarray) else np.full_like(m.ts, reg)
                           for reg, _, _, _ in accesses])
    times = np.concatenate([4 * m.ts + offset for offset in OFFSETS])
    values = np.concatenate([out.value(new) for _, _, new, _ in accesses])
    active = np.concatenate([mult == 1 for _, _, _, mult in accesses])
    regs, times, values = regs[active], times[active], values[active]
    final_v = initial_registers(initial).copy()
    final_t = np.zeros(N_REGS, dtype=np.int64)
    if regs.size:
        if regs.min() < 0 or regs.max() >= N_REGS:
            raise ValueError("a Main row accesses a register number outside 0..31")
        order = np.lexsort((times, regs))
        last = np.ones(order.size, dtype=bool)
        last[:-1] = regs[order][1:] != regs[order][:-1]
        final_v[regs[order][last]] = values[order][last]
        final_t[regs[order][last]] = times[order][last]
    out.final_values, out.final_times = final_v, final_t
