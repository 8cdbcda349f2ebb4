"""Calls: the ecalls Main proves, the exit code and the public output's writes, and the
precompile calls (docs/riscv-air.md, "Ecalls and the public output", "Precompiles").

- kinds: an ecall row (f_ecall) is exactly one of e_exit + e_con + e_out + e_kec + e_sha,
  with a7 (s) = 93 (exit), 64 (write), 0x800 (keccakf) or 0x801 (sha256_compress), its
  other limbs 0, so any other a7 cannot be proven.
- exit: c = a (a0 unchanged), no real row after it (e_exit is_real' = 0) and, when the
  public exited is 1, the last real row is an exit and exit_lo/hi are its a0's low limbs
  (the signed exit code).  A run cut before its exit proves only exited = 0.
- write: c = y (a0 = len); fd a = 3 (e_out) or 1, 2 (e_con: (a_0 - 1)(a_0 - 2) = 0), its
  limbs above 0 zero.  e_out: ptr and len below 2^32 (limbs >= 2 zero),
  ptr = 4 (pq + 2^14 x_1) + pb0 + 2 pb1 and ptr + len = 4 (zq + 2^14 zhi) + zb0 + 2 zb1
  (carry zk, no carry out: zhi in range16; pq, zq < 2^14 by range16 of v and 4 v); oi (0
  on row 0, + len after each e_out row) is the output index; Main sends ("outrd", [ts,
  ptr as (c, o), oi]) and receives ("outrd", [ts, ptr + len as (c, o), oi + len]):
  OutputRead (`output.py`) reads the bytes between from memory and sends them to the
  Output table, which `verify(commitments={"output": root})` pins to the claimed output.
- precompiles (e_pre = e_kec + e_sha): c = a (a0 unchanged, as the host leaves it); a0's
  limbs above 32 bits are 0, and a1's for sha256_compress (higher pointers fault);
  a_0 = 8 pa (keccakf) or 4 pa (sha256_compress) with pa in range16, so the state is
  aligned as the host requires; Main sends ("pcall", [ts, KECCAK | SHA_STATE, a_0, a_1])
  with multiplicity 50 e_kec + 16 e_sha and ("pcall", [ts, SHA_BLOCK, x_0, x_1]) with
  multiplicity 16 e_sha: one message per memory unit of the call, received by the bridge
  (`precompile.py`), which reads and writes the units by memops at slots of step ts.
Under another machine profile (`profile.MainProfile.core`, `CoreCalls`) the numbers are its
own, read from its selector register (SP1: t0), a kind it has no call for is 0, its
public output's descriptor replaces 3, and a write may leave a0 as it was (c = a); the
profile's own ecall kinds join the sum.  Numbers of 2^16 or more (SP1's precompile ids)
are checked limb by limb per kind, since a sum of them could wrap mod p.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from runtime.calls import A7, ZKAOT, Ecall

from ...field import P
from ..limbs import n_limbs, write_limbs
from ..output import OUTRD
from ..precompile import KECCAK, PCALL, SHA_BLOCK, SHA_STATE, UNITS
from ..ranges import RANGE16
from .control import last_real
from .profile import ZKAOT_CORE, CoreCalls

KINDS = ("e_exit", "e_con", "e_out", "e_kec", "e_sha")   # exit, console / output write, the precompiles
_PROVEN = ", ".join(f"{c.name} ({c.selector.number})" for c in ZKAOT.calls if c.proven_by)   # the calls Main knows


def fields(xlen: int) -> dict:
    return {**{k: k for k in KINDS}, "pa": "pa",                           # the precompile state's alignment
            "oi": "oi", "pq": "pq", "pb0": "pb0", "pb1": "pb1",             # output index; ptr and
            "zk": "zk", "zq": "zq", "zb0": "zb0", "zb1": "zb1", "zhi": "zhi"}   # ptr + len as 4 q + o


def constrain(air, m, xlen: int) -> None:
    L = n_limbs(xlen)
    a, c, yv = m.a, m.c, m.y
    e_exit, e_con, e_out, e_kec, e_sha = m.e_exit, m.e_con, m.e_out, m.e_kec, m.e_sha
    e_wr, e_pre = e_con + e_out, e_kec + e_sha
    core = m.profile.core
    for x in (e_exit, e_con, e_out, e_kec, e_sha, m.pb0, m.pb1, m.zk, m.zb0, m.zb1):
        air.constrain(x * (x - 1), f"{x} is boolean")
    _selectors(air, m, core.kinds(m) + m.profile.ecall_kinds(m), L)
    for k in (() if core.keccak is not None else (e_kec,)) + (() if core.sha is not None else (e_sha,)):
        air.constrain(k, f"{m.profile.name}: no {k} ecall")
    unchanged = e_exit + e_pre if core.write_returns_len else e_exit + e_pre + e_wr
    for i in range(L):
        air.constrain(unchanged * (c[i] - a[i]), f"exit, precompile: a0 limb {i} is unchanged")
        if core.write_returns_len:
            air.constrain(e_wr * (c[i] - yv[i]), f"write: a0 limb {i} = len's")
    for i in range(1, L):
        air.constrain(e_wr * a[i], f"write: fd limb {i} is 0")
    air.constrain(e_out * (a[0] - core.output_fd), f"output write: fd {core.output_fd}")
    air.constrain(e_con * (a[0] - 1) * (a[0] - 2), "console write: fd 1 or 2")
    _exit(air, m)
    _output(air, m, L)
    _precompiles(air, m, L)


def _selectors(air, m, kinds, L: int) -> None:
    """An ecall is exactly one of the kinds, and the selector register (s: a7, or the
    profile's) holds its number: below 2^16 (zkaot's, ZisK's) as one sum over the kinds,
    else limb by limb per kind (a sum of 32-bit numbers could wrap mod p)."""
    ecall, s = m.f["ecall"], m.s
    air.constrain(sum(k for k, _ in kinds) - ecall, "an ecall is an exit, a write or a precompile")
    if all(n < 1 << 16 for _, n in kinds):
        air.constrain(ecall * s[0] - sum(n * k for k, n in kinds), f"ecall: a7 is one of {_PROVEN}")
        for i in range(1, L):
            air.constrain(ecall * s[i], f"ecall: a7 limb {i} is 0")
        return
    for k, n in kinds:
        air.constrain(k * (s[0] - (n & 0xFFFF)), f"ecall {n:#x}: selector limb 0")
        air.constrain(k * (s[1] - (n >> 16)), f"ecall {n:#x}: selector limb 1")
    for i in range(2, L):
        air.constrain(ecall * s[i], f"ecall: selector limb {i} is 0")


def _exit(air, m) -> None:
    air.when_transition(m.e_exit * m.is_real.next, "no step after exit")
    exited = air.pub("exited")
    air.when_first(exited * (exited - 1), "exited is boolean")
    for what, e in (("ends in an exit", exited * (1 - m.e_exit)),
                    ("exit code lo", exited * m.a[0] - air.pub("exit_lo")),
                    ("exit code hi", exited * m.a[1] - air.pub("exit_hi"))):
        air.when_transition(last_real(m) * e, f"an exited run: the last real row {what}")
        air.when_last(m.is_real * e, f"an exited run: a real last row {what}")


def _output(air, m, L: int) -> None:
    """oi = bytes written to fd 3 before this step; [ptr, ptr + len) below 2^32."""
    xv, yv, e_out, oi = m.x, m.y, m.e_out, m.oi
    length = yv[0] + 65536 * yv[1]
    air.when_first(oi, "no output before the first step")
    air.when_transition(oi.next - oi - e_out * length, "oi counts the output bytes")
    for i in range(2, L):
        air.constrain(e_out * xv[i], f"output write: ptr limb {i} is 0")
        air.constrain(e_out * yv[i], f"output write: len limb {i} is 0")
    air.constrain(e_out * (xv[0] - 4 * m.pq - m.pb0 - 2 * m.pb1), "output write: ptr_lo = 4 pq + pb")
    air.constrain(e_out * (xv[0] + yv[0] - 4 * m.zq - m.zb0 - 2 * m.zb1 - 65536 * m.zk), "output write: end lo")
    air.constrain(e_out * (xv[1] + yv[1] + m.zk - m.zhi), "output write: end hi (below 2^32)")
    for v in (m.pq, 4 * m.pq, m.zq, 4 * m.zq, m.zhi):
        air.send(RANGE16, [v], e_out)
    air.send(OUTRD, [m.ts, m.pq + 16384 * xv[1], m.pb0 + 2 * m.pb1, oi], e_out)
    air.receive(OUTRD, [m.ts, m.zq + 16384 * m.zhi, m.zb0 + 2 * m.zb1, oi + length], e_out)


def _precompiles(air, m, L: int) -> None:
    """a0 (and a1) below 2^32, the state aligned; the bridge does the rest."""
    a, e_kec, e_sha = m.a, m.e_kec, m.e_sha
    e_pre = e_kec + e_sha
    for i in range(2, L):
        air.constrain(e_pre * a[i], f"precompile: a0 limb {i} is 0")
        air.constrain(e_sha * m.x[i], f"sha256_compress: a1 limb {i} is 0")
    air.constrain(e_pre * a[0] - (8 * e_kec + 4 * e_sha) * m.pa, "precompile: the state is 8- (keccakf) or 4-aligned")
    air.send(RANGE16, [m.pa], e_pre)
    air.send(PCALL, [m.ts, KECCAK * e_kec + SHA_STATE * e_sha, a[0], a[1]],
             UNITS[KECCAK] * e_kec + UNITS[SHA_STATE] * e_sha)
    air.send(PCALL, [m.ts, SHA_BLOCK, m.x[0], m.x[1]], UNITS[SHA_BLOCK] * e_sha)


@dataclass
class Kinds:
    """Each step's ecall kind (real rows; all False off ecalls)."""
    exit: np.ndarray
    console: np.ndarray
    output: np.ndarray
    keccak: np.ndarray
    sha: np.ndarray

    @property
    def exited(self) -> bool:
        """The run ends in its exit (the last step is one)."""
        return bool(self.exit[-1])


def kinds(s, v, core: CoreCalls = ZKAOT_CORE, own=None) -> Kinds:
    """The ecalls' kinds (`own`: the rows of the profile's own ecalls, none by default);
    ValueError for an ecall no proof can contain (another selector, a write to another fd,
    an exit before the last step, a precompile that faults: its pointers at or above 2^32,
    a misaligned state) and, when strict, for a trace whose a0 after the call is not the
    call's."""
    ecall, av, sv, xv = s.is_["ecall"], v.a, v.s, v.x
    exit_, write = ecall & (sv == core.exit), ecall & (sv == core.write)
    kec, sha = (ecall & (sv == n) if n is not None else np.zeros_like(ecall) for n in (core.keccak, core.sha))
    pre = kec | sha
    known = exit_ | write | pre | (False if own is None else own)
    if (ecall & ~known).any():
        bad = int(np.flatnonzero(ecall & ~known)[0])
        call = ZKAOT.by_selector.get(Ecall(A7, int(sv[bad]))) if core == ZKAOT_CORE else None
        named = f" ({call.name}: nothing proves it)" if call else ""
        proven = _PROVEN if core == ZKAOT_CORE else "the calls of its profile Main proves"
        raise ValueError(f"step {bad}: ecall selector {int(sv[bad])}{named}: only {proven} exist")
    bad_pre = pre & (((av >> np.uint64(32)) != 0) | (sha & ((xv >> np.uint64(32)) != 0))
                     | ((av & np.uint64(7)).astype(np.int64) % np.where(kec, 8, 4) != 0))
    if bad_pre.any():
        bad = int(np.flatnonzero(bad_pre)[0])
        raise ValueError(f"step {bad}: a precompile with a0 = {int(av[bad]):#x}, a1 = {int(xv[bad]):#x} faults "
                         "(a misaligned state or a pointer above 2^32), it cannot retire")
    out, con = write & (av == core.output_fd), write & ((av == 1) | (av == 2))
    if (write & ~out & ~con).any():
        bad = int(np.flatnonzero(write & ~out & ~con)[0])
        raise ValueError(f"step {bad}: a write to fd {int(av[bad])} faults, it cannot retire")
    if exit_[:-1].any():
        raise ValueError(f"step {int(np.flatnonzero(exit_[:-1])[0])}: a step after the exit")
    ptr, ln = _output_range(out, v)
    beyond = (ptr >> np.uint64(32)) | (ln >> np.uint64(32)) | ((ptr + ln) >> np.uint64(32))
    if beyond.any():
        raise ValueError(f"step {int(np.flatnonzero(beyond)[0])}: an output write reaching 2^32 cannot be proven")
    keep = exit_ | pre | (False if core.write_returns_len else write)
    length = write if core.write_returns_len else np.zeros_like(write)
    if s.strict and not (np.array_equal(v.written[keep], av[keep]) and np.array_equal(v.written[length],
                                                                                      v.y[length])):
        raise ValueError("an ecall's a0 in the trace is not the call's result (exit, precompiles: a0, write: len)")
    return Kinds(exit_, con, out, kec, sha)


def _output_range(output, v) -> tuple[np.ndarray, np.ndarray]:
    """(ptr, len) of the output writes (uint64), 0 elsewhere."""
    return np.where(output, v.x, np.uint64(0)), np.where(output, v.y, np.uint64(0))


def fill(m, s, v, k: Kinds) -> None:
    """The kind, output-write and alignment columns, oi (kept on the padding rows), and
    c of an ecall whose a0 is not written (x0 is never an ecall's rd: none)."""
    n, av = s.n, v.a
    pre = k.keccak | k.sha
    ptr, ln = (w.astype(np.int64) for w in _output_range(k.output, v))
    end = ptr + ln
    for name, values in zip(KINDS, (k.exit, k.console, k.output, k.keccak, k.sha)):
        getattr(m, name)[:n] = values
    m.pa[:n] = np.where(pre, (av & np.uint64(0xFFFF)).astype(np.int64) // np.where(k.keccak, 8, 4), 0)
    m.oi[:n] = (np.concatenate([[0], np.cumsum(ln)[:-1]]) if n else ln) % P
    m.oi[n:] = int(ln.sum()) % P                        # padding keeps the output count
    m.pq[:n], m.pb0[:n], m.pb1[:n] = (ptr & 0xFFFF) >> 2, ptr & 1, (ptr >> 1) & 1
    m.zk[:n] = ((ptr & 0xFFFF) + (ln & 0xFFFF)) >> 16
    m.zq[:n], m.zb0[:n], m.zb1[:n], m.zhi[:n] = (end & 0xFFFF) >> 2, end & 1, (end >> 1) & 1, end >> 16
    rows = np.flatnonzero(s.is_["wit"] & ~v.wr)
    write_limbs(m.c, v.written[rows], s.xlen, rows)


def public(v, k: Kinds) -> list[int]:
    """exited, exit_lo, exit_hi."""
    code = int(v.a[-1]) & 0xFFFF_FFFF if k.exited else 0
    return [int(k.exited), code & 0xFFFF, code >> 16]


def messages(m, out) -> None:
    e_out, e_pre = m.e_out, m.e_kec + m.e_sha
    out.range16 += [out.repeat(m.pq, e_out), out.repeat(4 * m.pq, e_out), out.repeat(m.zq, e_out),
                    out.repeat(4 * m.zq, e_out), out.repeat(m.zhi, e_out), out.repeat(m.pa, e_pre)]
    x, y = out.value(m.x), out.value(m.y)
    outs = np.flatnonzero(e_out == 1)
    low = np.uint64(0xFFFF_FFFF)
    out.output_calls = np.stack([m.ts[outs], (x[outs] & low).astype(np.int64), (y[outs] & low).astype(np.int64),
                                 m.oi[outs]], axis=1).reshape(-1, 4)
    pre = np.flatnonzero(e_pre == 1)
    out.precompile_calls = np.stack([m.ts[pre].astype(np.uint64), out.value(m.s)[pre], out.value(m.a)[pre], x[pre]],
                                    axis=1).reshape(-1, 4)
