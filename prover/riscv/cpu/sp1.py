"""SP1's calls: Main's component for the sp1 profile, rv32 (SP1 v4/v5) and rv64 (v6)
(`profile.py`; runtime/sp1.py is the reference semantics, docs/profiles.md the ABI).
SP1's memory is made of slots, 4 bytes on rv32 and 8 on rv64 (`slot_of`).

An SP1 call is an ecall selected by t0 (`selector`), with a0 and a1 (a2 for WRITE) as
arguments; no call Main proves writes a register (a0 stays as it was: c = a).  What a
run's Main rows prove beyond Main's own:
- Main's kinds (`calls.py`, with `SP1_CORE`): e_exit is HALT (t0 = 0; the exit code is
  a0's low 32 bits), e_con WRITE to fd 1 or 2 (the console: nothing about its bytes is
  proven), e_out WRITE to fd 13 (SP1's public values: OutputRead reads the bytes into the
  Output table, which the verifier pins to the claim's output); Main has no e_kec or
  e_sha under SP1 (both 0).
- k_com, k_cdp: COMMIT (0x10) and COMMIT_DEFERRED_PROOFS (0x1A) of word a1 at index a0:
  a0 < 8 (its high limb 0, and 2^13 a_0 in range16), as the executor requires.  The words
  themselves are not part of the claim: SP1 commits the SHA-256 digest of the public
  values, whose bytes the claim carries in full (docs/profiles.md).
- the precompiles (`PRECOMPILES`: the t0 id -> its kind column and the call whose table
  proves it, whose bridge kinds are `precompile.CALL_KINDS`, each based at a0 or a1): on
  a row of kind k, a0 is slot-aligned below 2^32 (a_0 = slot zpa, zpa in range16, a's
  limbs above 1 zero); a1 likewise (a1_0 = slot zpb, zpb in range16) for a call with a
  base at a1, else a1 = 0 (the executor requires it); and Main sends ("pcall", [ts, kind,
  base_0, base_1]) UNITS[kind] times per bridge kind, which the precompile bridge joins
  to memory and to the call's table (`precompile.py`) as for zkaot's own calls; Main's
  precompile-call row is (ts, the table's call, a0, a1).  KECCAK_PERMUTE (0x00010109)
  is keccakf on the 25 lanes at a0, 4-aligned on rv32 (the bridge reads an rv32 lane as
  two 4-byte memops, so 4 is enough), 8 on rv64.  SHA_EXTEND (0x00300105) is the
  SHA_EXTEND table on the 64 words at a0, SHA_COMPRESS (0x00010106) the SHA_COMPRESS
  table on the 64 schedule words at a0 and the 8 state words at a1 (`sp1_sha.py`; the
  calls keep SP1's ids), with a0 != a1, where the executor faults: d = zpa - zpb +
  (2^16 / slot) (a_1 - a1_1) is (a0 - a1) / slot over the integers (|d| < 2^14 + 2^30 < p,
  as the limbs are 16-bit), and d dinv = 1.  The schedule and the state may otherwise overlap.
- the hint calls (`_constrain_hints`, `hints.py`): HINT_LEN's t0 and HINT_READ's a1 are
  looked up in the committed hint stream at the cursor hp, and HINT_READ's slots are
  written from the stream by HintCopy.
Not proven (refused after the run, before proving: `refusals.py`): the curve and uint256 calls, and WRITE to any descriptor but 1, 2 and 13
(the hint descriptor 14, which puts a frame into the input, and the ones SP1 ignores).
Stricter than SP1 on rv64, where the executor reads a0's low 32 bits: a WRITE's fd is
proven from a0 whole (Main's), so a guest leaving garbage in a0's high half cannot be
proven (none does: they pass small integers).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from runtime.calls import A0
from runtime.isa import REGISTER_NUMBERS
from runtime.sp1 import (COMMIT, COMMIT_DEFERRED_PROOFS, DIGEST_WORDS, HALT, HINT_LEN, HINT_READ, KECCAK_PERMUTE,
                         SHA_COMPRESS, SHA_EXTEND, SP1_FD_PUBLIC_VALUES, WRITE)

from ..hints import HCOPY, HINT
from ... import field
from ...field import P
from ..keccak import SYS_KECCAKF
from ..precompile import AT_A1, CALL_KINDS, PCALL, UNITS
from ..sp1_sha import SYS_SHA_COMPRESS, SYS_SHA_EXTEND
from ..ranges import RANGE16
from .profile import CoreCalls, MainProfile, constrain_pointer

T0 = REGISTER_NUMBERS["t0"]
SP1_CORE = CoreCalls(exit=HALT, write=WRITE, keccak=None, sha=None, output_fd=SP1_FD_PUBLIC_VALUES,
                     write_returns_len=False)
CONSOLE_FDS = (1, 2)
COMMITS = {"k_com": COMMIT, "k_cdp": COMMIT_DEFERRED_PROOFS}
HINT_CALLS = {"k_hl": HINT_LEN, "k_hr": HINT_READ}
HINT_COLUMNS = ("hp", "hn", "hr0", "hr1", "hr2")    # the stream cursor; a HINT_READ's slots and padding
BASE_COLUMNS = ("zpa", "zpb", "dinv")               # a0 / slot, a1 / slot, 1 / ((a0 - a1) / slot)


@dataclass(frozen=True)
class Precompile:
    """An SP1 precompile Main routes to the bridge: its kind column and the call whose table
    proves it (its PRECOMPILE_ROW kind: the trace's rows are relabelled to it), whose
    bridge kinds (`precompile.CALL_KINDS`) are based at a0, or at a1 for those in AT_A1;
    a1 = 0 for a call with no base there, as KECCAK_PERMUTE and SHA_EXTEND require.
    `distinct`: a0 != a1 (SHA_COMPRESS's executor faults when its schedule is its state)."""
    column: str
    table_call: int
    distinct: bool = False

    @property
    def bases(self) -> tuple[int, ...]:
        return CALL_KINDS[self.table_call]

    @property
    def at_a1(self) -> bool:
        return any(kind in AT_A1 for kind in self.bases)


PRECOMPILES = {KECCAK_PERMUTE: Precompile("k_kec", SYS_KECCAKF),
               SHA_EXTEND: Precompile("k_she", SYS_SHA_EXTEND),
               SHA_COMPRESS: Precompile("k_shc", SYS_SHA_COMPRESS, distinct=True)}


def slot_of(xlen: int) -> int:
    """SP1's memory slot: 4 bytes on rv32, 8 on rv64 (HINT_READ's alignment and padding, the
    precompiles' alignment)."""
    return xlen // 8


@dataclass(frozen=True)
class Sp1Main(MainProfile):
    """SP1's calls, rv32 (v4/v5) and rv64 (v6)."""

    def fields(self, xlen: int) -> dict:
        names = (tuple(COMMITS) + tuple(HINT_CALLS) + tuple(p.column for p in PRECOMPILES.values()) + BASE_COLUMNS
                 + HINT_COLUMNS)
        return {name: name for name in names}

    def ecall_kinds(self, m) -> list:
        return ([(getattr(m, k), n) for k, n in {**COMMITS, **HINT_CALLS}.items()]
                + [(getattr(m, p.column), n) for n, p in PRECOMPILES.items()])

    def own_ecalls(self, s, v):
        return s.is_["ecall"] & np.isin(v.s, [*COMMITS.values(), *HINT_CALLS.values(), *PRECOMPILES])

    def ecall_rd(self, m, ecall):
        """HINT_LEN writes t0; every other call a0 (which it leaves as it was)."""
        return A0 * ecall + (T0 - A0) * m.k_hl

    def ecall_rd_rows(self, s):
        ecall = s.flags["f_ecall"].astype(np.int64)
        return np.where(s.rows["b"] == HINT_LEN, T0, A0) * ecall

    def constrain(self, air, m, xlen: int) -> None:
        kinds = [k for k, _ in self.ecall_kinds(m)]
        for k in kinds:
            air.constrain(k * (k - 1), f"{k} is boolean")
            if k is not m.k_hl:
                for i, (c, a) in enumerate(zip(m.c, m.a)):
                    air.constrain(k * (c - a), f"sp1 {k}: a0 limb {i} is unchanged")
        slot = slot_of(xlen)
        self._constrain_hints(air, m, slot)
        commit = m.k_com + m.k_cdp
        air.constrain(commit * m.a[1], "commit: the word index's high limb is 0")
        air.send(RANGE16, [(1 << 13) * m.a[0]], commit)            # index < 8 (SP1 reads a0's low 32 bits)
        for p in PRECOMPILES.values():
            k = getattr(m, p.column)
            constrain_pointer(air, k, m.a, m.zpa, slot, f"sp1 {p.column}: a0", f"sp1 {p.column}: a0")
            if p.at_a1:
                constrain_pointer(air, k, m.x, m.zpb, slot, f"sp1 {p.column}: a1", f"sp1 {p.column}: a1")
            else:
                for i, x in enumerate(m.x):
                    air.constrain(k * x, f"sp1 {p.column}: a1 limb {i} is 0")
            if p.distinct:
                d = m.zpa - m.zpb + (65536 // slot) * (m.a[1] - m.x[1])
                air.constrain(k * (d * m.dinv - 1), f"sp1 {p.column}: a0 != a1")
            for kind in p.bases:
                base = m.x if kind in AT_A1 else m.a
                air.send(PCALL, [m.ts, kind, base[0], base[1]], UNITS[kind] * k)

    @staticmethod
    def _constrain_hints(air, m, slot: int) -> None:
        """hp: the stream unit of the next frame's length (0 on row 0, + 1 + u after a
        HINT_READ of u units).  HINT_LEN: t0 (c) is unit hp, zero-extended.  HINT_READ: a1 is
        unit hp (the frame's length, as the executor requires), a0 = slot zpa + 2^16 a_1 is
        slot-aligned below 2^32, slot hn = a1 + hr0 + 2 hr1 + 4 hr2 (hn slots, the last
        zero-padded: u = hn slot / 4 units), and HintCopy writes units hp + 1 .. hp + u to
        a0 onwards (`hints.py`)."""
        k_hl, k_hr, hp, hn, hr = m.k_hl, m.k_hr, m.hp, m.hn, (m.hr0, m.hr1, m.hr2)
        u = (slot // 4) * hn
        air.when_first(hp, "no frame is read before the first step")
        air.when_transition(hp.next - hp - k_hr * (1 + u), "hp moves past each frame read")
        air.send(HINT, [hp, m.c[0], m.c[1]], k_hl)
        air.send(HINT, [hp, m.x[0], m.x[1]], k_hr)
        for i in range(2, len(m.a)):
            air.constrain(k_hl * m.c[i], f"hint_len: t0 limb {i} is 0")
            air.constrain(k_hr * m.x[i], f"hint_read: a1 limb {i} is 0")
        for x in hr:
            air.constrain(x * (x - 1), f"{x} is boolean")
        if slot == 4:
            air.constrain(m.hr2, "hr2 = 0: rv32 pads to 4 bytes")
        pad = hr[0] + 2 * hr[1] + 4 * hr[2]
        air.constrain(k_hr * (slot * hn - m.x[0] - 65536 * m.x[1] - pad), f"hint_read: {slot} hn = len + pad")
        constrain_pointer(air, k_hr, m.a, m.zpa, slot, "hint_read: a0", "hint_read: the buffer")
        dest = (slot // 4) * m.zpa + 16384 * m.a[1]
        air.send(HCOPY, [m.ts, hp + 1, dest], k_hr)
        air.receive(HCOPY, [m.ts, hp + 1 + u, dest + u], k_hr)

    def fill(self, m, s, v, initial_memory, precompiles) -> None:
        n, ecall = s.n, s.is_["ecall"]
        rows = {k: ecall & (v.s == number) for k, number in COMMITS.items()}
        rows.update({k: ecall & (v.s == number) for k, number in HINT_CALLS.items()})
        rows.update({p.column: ecall & (v.s == number) for number, p in PRECOMPILES.items()})
        own = np.logical_or.reduce(list(rows.values())) & ~rows["k_hl"]
        if s.strict and not np.array_equal(v.written[own], v.a[own]):
            raise ValueError("an sp1 call's a0 in the trace is not the a0 it was called with")
        commit = rows["k_com"] | rows["k_cdp"]
        if (v.a[commit] >= DIGEST_WORDS).any():
            raise ValueError(f"step {int(np.flatnonzero(commit & (v.a >= DIGEST_WORDS))[0])}: a commit of a word "
                             f"index {DIGEST_WORDS} or more faults, it cannot retire")
        slot = slot_of(s.xlen)
        aligned = (v.a % np.uint64(slot) == 0) & (v.a >> np.uint64(32) == 0)
        aligned_x = (v.x % np.uint64(slot) == 0) & (v.x >> np.uint64(32) == 0)
        zpa = np.where(aligned, (v.a & np.uint64(0xFFFF)).astype(np.int64) // slot, 0)
        zpb = np.where(aligned_x, (v.x & np.uint64(0xFFFF)).astype(np.int64) // slot, 0)
        for number, p in PRECOMPILES.items():
            at = rows[p.column]
            for bad, what in ((at & ~aligned, f"a0 not {slot}-aligned below 2^32"),
                              (at & ~aligned_x, f"a1 not {slot}-aligned below 2^32") if p.at_a1 else
                              (at & (v.x != 0), "a1 != 0"),
                              (at & (v.a == v.x) & p.distinct, "a0 == a1")):
                if bad.any():
                    raise ValueError(f"step {int(np.flatnonzero(bad)[0])}: an sp1 precompile (t0 = {number:#x}) with "
                                     f"{what} cannot be proven (the executor faults, or its memory is above 2^32)")
        read = rows["k_hr"]
        if (read & ~aligned).any():
            raise ValueError(f"step {int(np.flatnonzero(read & ~aligned)[0])}: a HINT_READ to a buffer that is not "
                             f"{slot}-aligned below 2^32 cannot be proven")
        length = np.where(read, v.x, np.uint64(0)).astype(np.int64)
        hn = (length + slot - 1) // slot
        for k, at in rows.items():
            getattr(m, k)[:n] = at
        m.zpa[:n] = np.where(np.logical_or.reduce([read] + [rows[p.column] for p in PRECOMPILES.values()]), zpa, 0)
        at_a1 = np.logical_or.reduce([rows[p.column] for p in PRECOMPILES.values() if p.at_a1])
        m.zpb[:n] = np.where(at_a1, zpb, 0)
        distinct = np.flatnonzero(np.logical_or.reduce([rows[p.column] for p in PRECOMPILES.values() if p.distinct]))
        hi = np.uint64(16)
        d = (zpa[distinct] - zpb[distinct] + (65536 // slot) * ((v.a[distinct] >> hi).astype(np.int64)
                                                               - (v.x[distinct] >> hi).astype(np.int64)))
        if distinct.size:
            m.dinv[distinct] = field.inv((d % P).astype(np.uint32))
        m.hn[:n], pad = hn, slot * hn - length
        m.hr0[:n], m.hr1[:n], m.hr2[:n] = pad & 1, (pad >> 1) & 1, pad >> 2
        hp = np.cumsum(np.where(read, 1 + (slot // 4) * hn, 0))
        m.hp[:n] = np.concatenate([[0], hp[:-1]])
        m.hp[n:] = hp[-1]                               # padding keeps the cursor

    def table_rows(self, precompiles):
        """Each precompile's rows as the zkaot call whose table proves it."""
        if precompiles is None:
            return None
        rows = precompiles.copy()
        for number, p in PRECOMPILES.items():
            rows["kind"][precompiles["kind"] == number] = p.table_call
        return rows

    def messages(self, m, out) -> None:
        commit = np.flatnonzero((m.k_com + m.k_cdp) == 1)
        out.range16.append((1 << 13) * m.a[0][commit])
        calls = []
        for p in PRECOMPILES.values():
            at = np.flatnonzero(getattr(m, p.column) == 1)
            out.range16.append(m.zpa[at])
            if p.at_a1:
                out.range16.append(m.zpb[at])
            calls.append(np.stack([m.ts[at], np.full(at.size, p.table_call), out.value(m.a)[at].astype(np.int64),
                                   out.value(m.x)[at].astype(np.int64)], axis=1))
        out.add_precompile_calls(np.concatenate(calls))
        hl, hr = np.flatnonzero(m.k_hl == 1), np.flatnonzero(m.k_hr == 1)
        per = 2 if len(m.a) == 4 else 1                 # units per slot: 8-byte slots on rv64
        out.range16.append(m.zpa[hr])
        dest = per * m.zpa[hr] + 16384 * m.a[1][hr]
        out.hint_lookups = np.concatenate([m.hp[hl], m.hp[hr]])
        out.hint_copies = np.stack([m.ts[hr], m.hp[hr] + 1, dest, per * m.hn[hr]], axis=1).reshape(-1, 4)

    def proven_ecall(self, selector, a0) -> np.ndarray:
        """WRITE only to the console and the public values."""
        write = selector == WRITE
        return np.isin(selector, self.ecalls) & (~write | np.isin(a0, CONSOLE_FDS + (SP1_FD_PUBLIC_VALUES,)))


SP1_MAIN = Sp1Main(name="sp1", ecalls=(HALT, WRITE, *COMMITS.values(), *HINT_CALLS.values(), *PRECOMPILES),
                   selector=T0, core=SP1_CORE, first_segment_calls=tuple(HINT_CALLS.values()), sp1_sha=True)
