"""The precompile bridge: joins Main's keccakf and sha256_compress ecalls (and SP1's
SHA_EXTEND and SHA_COMPRESS) to memory and to the Keccak-f (`keccak.py`), SHA-256
(`sha256.py`) and SP1 SHA (`sp1_sha.py`) tables (docs/riscv-air.md, "Precompiles").

A call is cut into memory units: a keccakf call into 50 lanes of 8 bytes (25 read at
a0 + 8 i, then the same 25 written), a sha256_compress call into 32 u32 words of 4
bytes (the 8 state words read at a0 + 4 k, the 16 block words read at a1 + 4 j, the 8
state words written at a0 + 4 k), an SP1 SHA_EXTEND into its 64 u32 words at a0 + s i
(16 read, then 48 written) and an SP1 SHA_COMPRESS into 80 (the 64 schedule words read
at a0 + s i, the 8 state words read at a1 + s k, then written there), with s = 4 on RV32
and 8 on RV64, where SP1 keeps a word in the low half of an 8-byte slot: a read reads
those 4 bytes (the host ignores the high half), a write writes all 8 with a zero high
half (as runtime/sp1.py does).  The bridge (`bridge_air`) has one row per unit.  Its
fixed table, the layout (`layout_air`, `layout_rows`), has one row per unit of a call:
(kind, idx, off, wr, slot, lane, be, wide) = which base the unit is at (KECCAK: a0 of a
keccakf; SHA_STATE: a0, SHA_BLOCK: a1 of a sha256_compress; SP1_EXTEND: a0 of a
SHA_EXTEND; SP1_SCHEDULE: a0, SP1_STATE: a1 of a SHA_COMPRESS), the unit's index on the
precompile table's bus, its byte offset from the base, whether it is written, its
memory time slot (memory.py: t = MEM_SLOTS ts + 1 + slot; every read's slot is below
every write's, the host's order), whether it is a keccak lane, whether it is a
big-endian SHA-256 block word and whether it is a word written into an 8-byte slot.

Main, on a keccakf (sha256_compress) row ts, sends ("pcall", [ts, kind, base_lo,
base_hi]) with multiplicity the number of units at that base (UNITS): (ts, KECCAK, a0)
50 times; (ts, SHA_STATE, a0) and (ts, SHA_BLOCK, a1) 16 times each; for SP1's
SHA_EXTEND (ts, SP1_EXTEND, a0) 64 times, for its SHA_COMPRESS (ts, SP1_SCHEDULE, a0)
64 times and (ts, SP1_STATE, a1) 16 times.  A bridge row, per unit:
- receives ("pcall", [ts, kind, blo, bhi]) and sends ("playout", [kind, idx, off, wr,
  slot, lane, be]) to the layout, both with multiplicity is_real (boolean; lane and be
  are 0 on padding rows, so those send nothing);
- computes the address base + off: alo + 2^16 k = blo + off, ahi = bhi + k, k boolean;
- reads or writes the unit with memops at t = MEM_SLOTS ts + 1 + slot: a lane on RV64
  is ("memop", [t, alo, ahi, 8, wr, l0, l1, l2, l3]); on RV32, whose memops carry 4
  bytes, it is two, [t, alo, ahi, 4, wr, l0, l1] and [t + 1, alo + 4, ahi, 4, wr, l2,
  l3] (the layout's RV32 lane slots are 2 i, leaving t + 1 free); a word is [t, alo,
  ahi, 4, wr, l0, l1, (l2, l3)], a wide word (RV64 only) [t, alo, ahi, 8, 1, l0, l1, l2,
  l3] with wide * l2 = wide * l3 = 0: the slot's high half becomes zero;
- sends ("keccakf", [ts, idx, l0, l1, l2, l3]) (multiplicity lane) or ("sha256", [ts,
  idx, mlo, mhi]) (multiplicity is_real - lane) with mlo, mhi = l0, l1 for a state word
  and, for a block word (be), the big-endian limbs mlo = 256 b2 + b3, mhi = 256 b0 + b1
  of its bytes b0..b3, which are range-checked by ("bitwise", [AND, b, b, b]) and make
  the memop's little-endian limbs l0 = b0 + 256 b1, l1 = b2 + 256 b3.  SP1's words
  are little-endian (mlo, mhi = l0, l1) with indices that only the SP1 tables receive.

What it proves, and why.  (1) Every call's units are there, once each: Main sends
(ts, kind, base) exactly UNITS[kind] times and a bridge row receives it once, so with
a balanced "pcall" a call at ts has exactly UNITS[kind] rows of that kind and base, and
no bridge row belongs to anything but a call (Main has one row per ts, hence one base
per (ts, kind)).  Their (kind, idx, off, wr, slot, lane, be) is a layout row, so each
row's index, offset, direction and time are the layout's for its index; two rows of
one call with the same index would access the same address at the same time, which
MemAccess cannot prove (one word's accesses strictly increase in time), so the
UNITS[kind] rows have distinct indices, i.e. each of the layout's indices of that kind
once.  (2) The addresses: blo, bhi are Main's register limbs (16-bit), off < 512,
and MemAccess range-checks every memop's address limbs (alo = offset + 8 q with
q < 2^13, ahi in range16; alo + 4 too), so alo + 2^16 k = blo + off and ahi = bhi + k
hold over the integers (both sides below 2^18) and the address is base + off < 2^32
exactly (a carry out of ahi would not be a 16-bit ahi), and alo + 4 is the next 4 bytes
without a carry.  (3) The values: MemAccess decomposes each memop's limbs into
range-checked bytes, l_i = v_2i + 256 v_2i+1, and proves a read's bytes are memory's
at t, a write's what memory holds after it; so l0..l3 are exactly the integer
little-endian 16-bit limbs of the unit's bytes (a lane's, a state word's).  For a block
word, b0..b3 are bytes (the bitwise table holds bytes only), so b0 + 256 b1 = v0 +
256 v1 forces b0 = v0, b1 = v1 (one base-256 representation below 2^16 < p), and the
same for b2, b3: mlo, mhi are the big-endian limbs of the 4 bytes memory holds, which
is SHA-256's W_j.  A wide write's l2 = l3 = 0 are the limbs of its bytes 4..7, so it
writes the word and four zero bytes.  Nothing wraps mod p: every identity here is between integers below
2^18.  (4) The permutation: the Keccak-f (SHA-256) table receives each of its
permutations' (compressions') 50 (32) messages once, all with one step; the bridge
sends each (ts, idx, value) once per call and Main has one call per ts, so a balanced
"keccakf" ("sha256") gives exactly one permutation (compression) with step ts, whose
inputs are memory's bytes at the call and whose outputs are what the call writes.  The
same holds for the SP1 tables, which receive on "sha256" with indices 32..191 that the
SHA-256 table (0..31) never receives, so each message reaches the table its index names.
(5) The times: ts is Main's row number (< 2^22) and slot <= 99, so t < 2^29 as
MemAccess needs; the call's reads are at slots before its writes, Main sends no memop
for an ecall and OutputRead none for a precompile step, so the reads see memory after
step ts - 1 and the writes are the step's only change: exactly the host's
`handle_ecall` (read the state and block, then write the state), also when the state
and the block share a word or overlap (an SP1 state inside its schedule alike).  Main
proves a0 (and a1) below 2^32, a0 8- or 4-aligned, and a0 unchanged after the call;
for SP1's calls (docs/riscv-air.md, "Precompiles") a0 and a1 aligned to their slots,
a1 = 0 for SHA_EXTEND and a0 != a1 for SHA_COMPRESS, where the host faults.  Write permission (no writes to read-only
words) is MemAccess's, as for Main's stores.

`precompile_traces` builds the bridge, the layout's multiplicities, the bridge's memops
and the Keccak-f, SHA-256 (and SP1 SHA) tables from Main's calls and the trace's
PRECOMPILE_ROW rows (the calls' inputs as memory held them and their outputs),
vectorized over units.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from runtime.runs import run_positions
from runtime.trace import MEMORY_ROW, PRECOMPILE_ROW

from ..air import Air
from .keccak import KECCAKF, SYS_KECCAKF, KeccakTrace, keccak_air, keccak_trace
from .keccak import rounds_air as keccak_rounds_air
from .keccak import ROUNDS_TABLE as KECCAK_ROUNDS
from .limbs import n_limbs
from .memory import MEM_SLOTS, MEMOP
from .ranges import BITWISE, BITWISE_OPS, TableTrace, pow2_height
from .sha256 import SHA256, SYS_SHA256_COMPRESS, Sha256Trace, sha256_air, sha256_trace
from .sha256 import rounds_air as sha256_rounds_air
from .sha256 import ROUNDS_TABLE as SHA256_ROUNDS
from .sp1_sha import (COMPRESS_TABLE, EXTEND_INDEX, EXTEND_TABLE, SCHEDULE_INDEX, STATE_INDEX, SYS_SHA_COMPRESS,
                      SYS_SHA_EXTEND, compress_air, compress_trace, extend_air, extend_trace)

PRECOMPILE = "precompile"               # the bridge table
LAYOUT = "precompile_layout"            # its fixed table
PCALL = "pcall"                         # Main -> bridge
PLAYOUT = "playout"                     # bridge -> layout
KECCAK, SHA_STATE, SHA_BLOCK = 1, 2, 3  # call kinds: which base a unit is at
SP1_EXTEND, SP1_SCHEDULE, SP1_STATE = 4, 5, 6   # SP1's SHA_EXTEND at a0; SHA_COMPRESS's schedule a0, state a1
UNITS = {KECCAK: 50, SHA_STATE: 16, SHA_BLOCK: 16, SP1_EXTEND: 64, SP1_SCHEDULE: 64, SP1_STATE: 16}
# the units of each call (PRECOMPILE_ROW kind), by the kinds of their bases
CALL_KINDS = {SYS_KECCAKF: (KECCAK,), SYS_SHA256_COMPRESS: (SHA_STATE, SHA_BLOCK), SYS_SHA_EXTEND: (SP1_EXTEND,),
              SYS_SHA_COMPRESS: (SP1_SCHEDULE, SP1_STATE)}
AT_A1 = (SHA_BLOCK, SP1_STATE)          # the kinds whose base is a1
LAYOUT_FIELDS = ["kind", "idx", "off", "wr", "slot", "lane", "be", "wide"]
AND = BITWISE_OPS["and"]


def layout_rows(xlen: int) -> np.ndarray:
    """The layout's real rows (226, LAYOUT_FIELDS): the 50 lanes of a keccakf call, the 32
    words of a sha256_compress call, the 64 of an SP1 SHA_EXTEND (16 read, 48 written) and
    the 80 of an SP1 SHA_COMPRESS (64 schedule words and 8 state words read, 8 state words
    written), each in its bus index order.  SP1's u32 words are 4 bytes apart on RV32 and
    the low halves of 8-byte slots on RV64, where a write zeroes the slot's high half
    (wide: one 8-byte memop), as runtime/sp1.py does."""
    rows = []
    for i in range(50):
        slot = i if xlen == 64 else 2 * i                 # RV32: a lane is two memops
        rows.append([KECCAK, i, 8 * (i % 25), i >= 25, slot, 1, 0, 0])
    for i in range(32):
        kind = SHA_BLOCK if 8 <= i < 24 else SHA_STATE
        off = 4 * (i - 8) if kind == SHA_BLOCK else 4 * (i % 8)
        rows.append([kind, i, off, i >= 24, i, 0, kind == SHA_BLOCK, 0])
    word = xlen // 8                                      # SP1's u32 slots
    for i in range(64):
        rows.append([SP1_EXTEND, EXTEND_INDEX + i, word * i, i >= 16, i, 0, 0, xlen == 64 and i >= 16])
    for i in range(64):
        rows.append([SP1_SCHEDULE, SCHEDULE_INDEX + i, word * i, 0, i, 0, 0, 0])
    for k in range(16):
        wr = k >= 8
        rows.append([SP1_STATE, STATE_INDEX + 24 * wr + k % 8, word * (k % 8), wr, 64 + k, 0, 0, xlen == 64 and wr])
    return np.array(rows, dtype=np.int64)


def layout_air(xlen: int) -> tuple[Air, np.ndarray]:
    """The layout "precompile_layout": fixed LAYOUT_FIELDS (`layout_rows`, then zero rows
    up to 256; a zero row has kind 0, which no "pcall" message has, so no bridge row can
    use it), received with a multiplicity column.  The Air and its fixed columns."""
    air = Air(LAYOUT, main=["mult"], fixed=LAYOUT_FIELDS)
    air.receive(PLAYOUT, [air.col(f) for f in LAYOUT_FIELDS], air.col("mult"))
    rows = layout_rows(xlen)
    fixed = np.zeros((pow2_height(rows.shape[0]), len(LAYOUT_FIELDS)), dtype=np.uint32)
    fixed[:rows.shape[0]] = rows
    return air, fixed


def bridge_columns() -> list[str]:
    return (["is_real", "ts"] + LAYOUT_FIELDS + ["blo", "bhi", "alo", "ahi", "k"] + [f"l{i}" for i in range(4)]
            + [f"b{j}" for j in range(4)] + ["mlo", "mhi"])


def bridge_air(xlen: int) -> Air:
    """The bridge "precompile" for RV`xlen` (module docstring).  25 columns, 12
    constraints (degree <= 2); per row 1 pcall, 1 playout, 1 memop (RV32: 2), 1
    keccakf, 1 sha256 and 4 bitwise messages."""
    L = n_limbs(xlen)
    air = Air(PRECOMPILE, main=bridge_columns())
    C = air.col
    is_real, ts, blo, bhi, alo, ahi, k, mlo, mhi = (C(x) for x in ("is_real", "ts", "blo", "bhi", "alo", "ahi", "k",
                                                                   "mlo", "mhi"))
    kind, idx, off, wr, slot, lane, be, wide = (C(x) for x in LAYOUT_FIELDS)
    lv = [C(f"l{i}") for i in range(4)]
    b = [C(f"b{j}") for j in range(4)]
    for x in (is_real, k):
        air.constrain(x * (x - 1), f"{x} is boolean")
    air.constrain((1 - is_real) * lane, "padding rows send no lane")
    air.constrain((1 - is_real) * be, "padding rows check no bytes")
    air.constrain(alo + 65536 * k - blo - off, "address lo = base lo + offset - 2^16 k")
    air.constrain(ahi - bhi - k, "address hi = base hi + k")
    air.constrain(be * (lv[0] - b[0] - 256 * b[1]), "block word: l0 = b0 + 256 b1")
    air.constrain(be * (lv[1] - b[2] - 256 * b[3]), "block word: l1 = b2 + 256 b3")
    air.constrain(mlo - lv[0] - be * (256 * b[2] + b[3] - lv[0]), "mlo = l0, or a block word's big-endian low limb")
    air.constrain(mhi - lv[1] - be * (256 * b[0] + b[1] - lv[1]), "mhi = l1, or a block word's big-endian high limb")
    air.constrain(wide * lv[2], "a wide word's high half is zero (l2)")
    air.constrain(wide * lv[3], "a wide word's high half is zero (l3)")

    air.receive(PCALL, [ts, kind, blo, bhi], is_real)
    air.send(PLAYOUT, [kind, idx, off, wr, slot, lane, be, wide], is_real)
    t = MEM_SLOTS * ts + 1 + slot
    if xlen == 64:
        air.send(MEMOP, [t, alo, ahi, 4 + 4 * (lane + wide), wr] + lv, is_real)
    else:
        air.send(MEMOP, [t, alo, ahi, 4, wr] + lv[:2], is_real)
        air.send(MEMOP, [t + 1, alo + 4, ahi, 4, wr] + lv[2:], lane)
    assert L == (4 if xlen == 64 else 2)
    air.send(KECCAKF, [ts, idx] + lv, lane)
    air.send(SHA256, [ts, idx, mlo, mhi], is_real - lane)
    for j in range(4):
        air.send(BITWISE, [AND, b[j], b[j], b[j]], be)
    return air


# ------------------------------------------------------------------ traces

@dataclass
class PrecompileTraces:
    """The bridge, the layout's multiplicities, the bridge's memops (MEMORY_ROW rows and
    their times) and the Keccak-f and SHA-256 tables of a run's precompile calls, and
    with SP1's SHA calls (`sp1_sha.py`) the SHA_EXTEND and SHA_COMPRESS tables."""
    bridge: TableTrace
    layout: np.ndarray                  # (256, 1): the layout's mult column
    memory_rows: np.ndarray
    memory_times: np.ndarray
    keccak: KeccakTrace
    sha256: Sha256Trace
    sp1_sha: tuple[Sha256Trace, Sha256Trace] | None = None      # SHA_EXTEND's and SHA_COMPRESS's

    def tables(self) -> dict[str, np.ndarray]:
        sha = [self.sha256] + list(self.sp1_sha or ())
        rounds = sum(t.rounds for t in sha)                      # every SHA table looks the round table up
        sp1 = dict(zip((EXTEND_TABLE, COMPRESS_TABLE), (t.main for t in self.sp1_sha))) if self.sp1_sha else {}
        return {PRECOMPILE: self.bridge.main, LAYOUT: self.layout, KECCAKF: self.keccak.main,
                KECCAK_ROUNDS: self.keccak.rounds, SHA256: self.sha256.main, SHA256_ROUNDS: rounds, **sp1}

    @property
    def range16(self) -> list[np.ndarray]:
        """The SHA tables' range16 lookups."""
        return [x for t in [self.sha256] + list(self.sp1_sha or ()) for x in t.range16]


def call_rows(calls: np.ndarray, precompiles: np.ndarray | None) -> np.ndarray:
    """The PRECOMPILE_ROW rows of Main's calls ((n, 4) ts, a7, a0, a1), one per call in
    order, with step = the call's ts (Main's row number; the trace's step may count from
    an earlier segment).  ValueError when they are not the calls' (kind, a0, a1)."""
    calls = np.asarray(calls, dtype=np.int64).reshape(-1, 4)
    rows = np.zeros(0, PRECOMPILE_ROW) if precompiles is None else np.asarray(precompiles)
    if rows.dtype != PRECOMPILE_ROW or rows.ndim != 1:
        raise TypeError(f"precompiles are a 1-d PRECOMPILE_ROW array, not {rows.dtype}")
    if rows.size != calls.shape[0]:
        raise ValueError(f"Main makes {calls.shape[0]} precompile calls and the trace has {rows.size} "
                         "PRECOMPILE_ROW rows (pass the run's precompile rows)")
    same = (rows["kind"].astype(np.int64) == calls[:, 1]) & (rows["a0"].astype(np.int64) == calls[:, 2]) \
        & (rows["a1"].astype(np.int64) == calls[:, 3])
    if not same.all():
        raise ValueError(f"precompile call {int(np.flatnonzero(~same)[0])}: the trace's row is not Main's call")
    rows = rows.copy()
    rows["step"] = calls[:, 0]
    return rows


def _unit_bytes(rows: np.ndarray, kind: int) -> np.ndarray:
    """The calls' units' bytes (n, units, 8) in layout order, from their PRECOMPILE_ROW
    rows: a lane's 8 bytes, a word's 4 and 4 zeros (what a wide write puts in the high half)."""
    if kind == SYS_KECCAKF:
        return np.concatenate([rows["input"][:, :200], rows["output"][:, :200]], axis=1).reshape(rows.size, 50, 8)
    size_in, size_out = {SYS_SHA256_COMPRESS: (96, 32), SYS_SHA_EXTEND: (64, 192), SYS_SHA_COMPRESS: (288, 32)}[kind]
    words = np.concatenate([rows["input"][:, :size_in], rows["output"][:, :size_out]], axis=1)
    words = words.reshape(rows.size, (size_in + size_out) // 4, 4)
    return np.concatenate([words, np.zeros_like(words)], axis=2)


def _units(rows: np.ndarray, xlen: int) -> dict[str, np.ndarray]:
    """Every memory unit of the calls, call by call in layout order: the layout fields,
    ts, base and the unit's 8 bytes (a SHA-256 word's last 4 are 0).  ValueError for a
    call no table proves."""
    unknown = ~np.isin(rows["kind"], list(CALL_KINDS))
    if unknown.any():
        raise ValueError(f"a precompile call of kind {int(rows['kind'][unknown][0]):#x} has no table")
    lay = layout_rows(xlen)
    parts = []
    for call, kinds in CALL_KINDS.items():
        sel = rows[rows["kind"] == call]
        layout = lay[np.isin(lay[:, 0], kinds)]
        n, u = sel.size, layout.shape[0]
        fields = {name: np.tile(layout[:, j], n) for j, name in enumerate(LAYOUT_FIELDS)}
        fields["ts"] = np.repeat(sel["step"].astype(np.int64), u)
        a0, a1 = np.repeat(sel["a0"].astype(np.int64), u), np.repeat(sel["a1"].astype(np.int64), u)
        fields["base"] = np.where(np.isin(fields["kind"], AT_A1), a1, a0)
        fields["bytes"] = _unit_bytes(sel, call).reshape(n * u, 8).astype(np.int64)
        parts.append(fields)
    out = {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}
    order = np.argsort(out["ts"], kind="stable")
    return {name: v[order] for name, v in out.items()}


def precompile_traces(calls: np.ndarray, precompiles: np.ndarray | None, xlen: int, ecall_op: int,
                      sp1_sha: bool = False) -> PrecompileTraces:
    """Every precompile table's trace for Main's calls ((n, 4) ts, a7, a0, a1) and the
    trace's PRECOMPILE_ROW rows (`call_rows`): the bridge's values are the rows' inputs
    and outputs, so a row that is not what memory held gives memops that do not balance.
    sp1_sha: with the SHA_EXTEND and SHA_COMPRESS tables (`precompile_airs`).  ValueError
    for a unit reaching 2^32 (the call faults), or an SP1 SHA call without sp1_sha."""
    rows = call_rows(calls, precompiles)
    sp1 = np.isin(rows["kind"], [SYS_SHA_EXTEND, SYS_SHA_COMPRESS])
    if sp1.any() and not sp1_sha:
        raise ValueError(f"SP1's SHA call {int(rows['kind'][sp1][0]):#x} needs the SHA_EXTEND and SHA_COMPRESS "
                         "tables (sp1_sha)")
    u = _units(rows, xlen)
    n = u["ts"].size
    addr = u["base"] + u["off"]
    if n and (addr + np.where(u["lane"] == 1, 8, 4) > 1 << 32).any():
        raise ValueError("a precompile call's memory reaches 2^32: the call faults, it cannot retire")
    by = u["bytes"]
    limbs = by[:, 0::2] + 256 * by[:, 1::2]
    be = u["be"] == 1
    b = np.where(be[:, None], by[:, :4], 0)
    vals = {"is_real": 1, "ts": u["ts"], **{f: u[f] for f in LAYOUT_FIELDS}, "blo": u["base"] & 0xFFFF,
            "bhi": u["base"] >> 16, "alo": addr & 0xFFFF, "ahi": addr >> 16,
            "k": ((u["base"] & 0xFFFF) + u["off"]) >> 16,
            "mlo": np.where(be, 256 * b[:, 2] + b[:, 3], limbs[:, 0]),
            "mhi": np.where(be, 256 * b[:, 0] + b[:, 1], limbs[:, 1])}
    vals.update({f"l{i}": limbs[:, i] for i in range(4)})
    vals.update({f"b{j}": b[:, j] for j in range(4)})
    names = bridge_columns()
    main = np.zeros((pow2_height(n), len(names)), dtype=np.uint32)
    for j, name in enumerate(names):
        main[:n, j] = vals[name]
    bitwise = {"and": [(b[be, j], b[be, j]) for j in range(4)]}

    # memops: one per unit (an RV32 lane: two, of its 4-byte halves, at slot and slot + 1)
    lane = u["lane"] == 1
    halves = lane & (xlen == 32)
    count = np.where(halves, 2, 1)
    src, position = run_positions(count)
    second = position == 1
    size = np.where(lane[src] & ~halves[src] | (u["wide"][src] == 1), 8, 4)
    k8 = np.arange(8)
    shift = np.where(second, 4, 0)
    take = (k8[None, :] < size[:, None])
    mbytes = np.where(take, by[src[:, None], np.minimum(k8[None, :] + shift[:, None], 7)], 0)
    mem = np.zeros(src.size, dtype=MEMORY_ROW)
    mem["step"], mem["addr"], mem["size"] = u["ts"][src], addr[src] + shift, size
    mem["is_write"], mem["op"] = u["wr"][src], ecall_op
    mem["value"] = (mbytes.astype(np.uint64) << (np.uint64(8) * k8.astype(np.uint64))).sum(axis=1, dtype=np.uint64)
    times = MEM_SLOTS * u["ts"][src] + 1 + u["slot"][src] + second
    order = np.argsort(times, kind="stable")

    _, fixed = layout_air(xlen)
    layout = np.zeros((fixed.shape[0], 1), dtype=np.uint32)
    for call, kinds in CALL_KINDS.items():
        layout[np.isin(fixed[:, 0], kinds), 0] = (rows["kind"] == call).sum()
    of = lambda call: rows[rows["kind"] == call]       # noqa: E731
    sp1_traces = (extend_trace(of(SYS_SHA_EXTEND)), compress_trace(of(SYS_SHA_COMPRESS))) if sp1_sha else None
    return PrecompileTraces(TableTrace(main, [], bitwise), layout, mem[order], times[order],
                            keccak_trace(of(SYS_KECCAKF)), sha256_trace(of(SYS_SHA256_COMPRESS)), sp1_traces)


@cache
def precompile_airs(xlen: int, sp1_sha: bool = False) -> tuple[list[Air], dict[str, np.ndarray]]:
    """([bridge, layout, Keccak-f, its rounds, SHA-256, its rounds Airs, and with sp1_sha
    SHA_EXTEND and SHA_COMPRESS], {name: the layout's and the round tables' fixed
    columns}): every run's key has them, the SP1 tables only a key of a profile whose
    Main sends SP1's SHA calls."""
    layout, layout_fixed = layout_air(xlen)
    kr, kr_fixed = keccak_rounds_air()
    sr, sr_fixed = sha256_rounds_air()
    return ([bridge_air(xlen), layout, keccak_air(), kr, sha256_air(), sr]
            + ([extend_air(), compress_air()] if sp1_sha else []),
            {LAYOUT: layout_fixed, KECCAK_ROUNDS: kr_fixed, SHA256_ROUNDS: sr_fixed})
