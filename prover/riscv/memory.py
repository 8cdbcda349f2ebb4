"""The memory argument: MemAccess and MemInit, offline memory checking on 8-byte words.

docs/riscv-air.md ("Memory") is the contract; this docstring says what is proven and why.

Cells.  Memory is a map from word index w = A >> 3 (A a byte address < 2^32, so
w < 2^29) to 8 bytes, for RV64 and RV32 alike.  The bus "mem" carries
("mem", [w, byte_0..byte_7, t]): "word w holds these bytes, last written or read at
time t".  Every access of a word receives the word's current message and sends the
updated one with its own time; MemInit sends each word's initial message at t = 0 and
receives its final one.

Times.  Main's row number is ts = 0, 1, ... (the step minus the segment's first step)
and every memop of step ts is at t = MEM_SLOTS ts + 1 + slot, slot in 0..MEM_SLOTS - 1
(MEM_SLOTS = 128): Main's access (and an AMO's read) at slot 0, an AMO's write at
slot 1, OutputRead's reads of a write to fd 3 at slot h (bit 2 of the chunk), and the
k-th memop of a precompile call (`precompile.py`, at most 100: a keccakf on RV32 is 50
reads then 50 writes) at slot k.  A step touches one 8-byte word several times (two u32
halves, the two 4-byte memops of an RV32 lane, a SHA-256 state and block sharing a
word), and one word's accesses need strictly increasing times: distinct slots give
them.  Like Main's register times 4 ts + k with k >= 1, no access shares time 0 with
the initial values, a step's times lie in [MEM_SLOTS ts + 1, MEM_SLOTS (ts + 1)] so
they follow the previous step's, and t < 2^29 = MAX_TIME: Main has at most 2^22 rows
(`main.main_trace` refuses more), so t <= 128 (2^22 - 1) + 1 + 99 < 2^29.
`memop_times` computes Main's times from MEMORY_ROW rows.  (The contract's draft said
2 ts and 2 ts + 1, which would give a first-step load t = 0.)

MemAccess (`memaccess_air`): one row per memop.  It receives
("memop", [t, addr_lo, addr_hi, size, is_write, value limbs (L)]) with multiplicity
is_real, so it proves something about exactly the accesses Main makes, and per row:
- offset: addr_lo = sum_j j e_j + 8 q, e_0..e_7 boolean and one-hot (sum = is_real),
  q and 8 q in range16, so q < 2^13, the offset o = addr & 7 is the j with e_j = 1,
  and addr_lo < 2^16; addr_hi in range16; the first word is w0 = 2^13 addr_hi + q
  (< 2^29: no two addresses share a word index by wrapping mod p);
- size: s_1, s_2, s_4 (, s_8 on RV64) boolean and one-hot, size = sum m s_m;
- value: the bytes v_0..v_{NB-1} (NB = XLEN / 8) make the limbs
  limb_i = v_2i + 256 v_2i+1, each pair range-checked by ("bitwise", [AND, v_2i,
  v_2i+1, vz_i]) (so the received limbs are 16-bit too), and bytes at or beyond size
  are 0 (the value is zero-extended raw bytes);
- coverage: positions p = 0..15 are the bytes of w0 (0..7) and w0 + 1 (8..15);
  c_p = [o <= p < o + size] = sum_j e_j [p - j < size] (columns, for p < 7 + NB; the
  others can never be covered).  The access crosses into w0 + 1 iff c_8 = 1;
- per word h (h = 0 always, h = 1 with multiplicity c_8): receive
  ("mem", [w0 + h, old bytes, tp_h]) and send ("mem", [w0 + h, new bytes, t]), with
  t - tp_h - 1 = da_h + 2^16 db_h, da_h, db_h and 4 db_h in range16, i.e.
  0 <= t - tp_h - 1 < 2^30;
- bytes: uncovered positions keep their value (new = old); a covered position holds
  the value's byte there, X_p = sum_j e_j v_{p-j}: new_p = X_p; reads change nothing
  (new = old), so for a read the covered old bytes are the value.
So a misaligned access is one row touching one or two words (Zicclsm), and a sub-word
access touches only its bytes; an AMO is two memops (read at t, write at t + 1).

MemInit (`meminit_air`): one row per word the run touches or that the image or the
input defines, real rows a prefix, w = wl + 2^16 wh strictly increasing
(w' - w - 1 = d0 + 2^16 d1 with d0, d1, 4 d1 in range16), wl, wh and 8 wh in range16
(w < 2^29).  It sends ("mem", [w, init, 0]) and receives ("mem", [w, final, t_final]).
init comes from the Image table (is_image: receives ("image", [w, init])), the Input
table (is_input: receives ("input", [w, init])) or is zero (neither flag); both flags
boolean, exclusive and only on real rows.  Image rows are fixed with fixed
multiplicity 1 and Input rows have multiplicity 1, so each is received by exactly one
MemInit row (image.py says why the Input table has exactly the input region's words).

Why this proves memory.  Fix a word w.  Its MemInit row is unique if it exists (w
strictly increases over the real rows; padding rows neither send nor receive).  All
times sent are 0 or a step's t < 2^29 (Main has <= 2^22 rows, the prover's maximum), and a
received time equals a sent one, so with both below 2^29 < p - 2^30, "t - tp - 1 in
[0, 2^30) mod p" means tp < t as integers (no wrap).  A balanced bus is a bijection from
w's sends to w's receives with equal messages: an edge from each sender to the access
(or MemInit row) that receives its message.  Every access has one receive and one send,
and so has the MemInit row (init out, final in): the graph is a union of cycles.  Times
strictly increase along every edge into an access, so every cycle passes through the
MemInit row; there is one, so there is exactly one cycle: init (t = 0) -> every access
of w in increasing t -> final (and a touched word without a MemInit row is impossible).
Hence each access receives exactly what the previous access of w in time order sent
(even two accesses of w at one time are impossible): every read sees, byte by byte, the last write before it, or the initial value, and that is the
program image's byte (every image word must be claimed, with its bytes, by the unique
MemInit row of its w), the input's, or zero.  Old and final bytes need no range checks:
they equal sent bytes, which are image, input or value bytes (fixed or range-checked)
or zero.  Word indices cannot wrap either: w < 2^29 on every MemInit row, so
w' - w - 1 in [0, 2^30) is an integer increase.

The memory map.  Every "mem" message also carries wr, whether the word may be written:
MemInit sets it when it introduces the word (from the word's region of the fixed
Regions table, `regions.py`, which MemInit proves holds w; 0 for input words; a
segment's starting state's own), every access passes it on, and MemAccess refuses a
write to a word with wr = 0.  A word in no region cannot be introduced, so no access
can touch unmapped memory, a guard page or the input region past the input, and no
store into code, read-only data or the input can be proven.  (Precompile ecalls read
and write memory by memops like Main's: `precompile.py`.)  Binding the Input table to
the input is the verifier's (a commitment).  The final memory (`FinalMemory`,
`final_memory`) is the state the next segment of a run starts from (`segments.py`).

Sizes: MemAccess RV64 84 main columns and 88 constraints, RV32 73 and 71; MemInit 32
and 21 (`memaccess_air`, `meminit_air`).  Trace building is vectorized (one sort of the
word accesses by (w, t), per-byte np.maximum.accumulate for the last covering access):
about 2.5-4 s for 500 k accesses on a loaded 2-core machine.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from runtime.program_image import ProgramImage
from runtime.trace import MEMORY_ROW

from ..air import Air
from .image import (IMAGE, INPUT, WORD_BYTES, image_air, image_fixed, image_words, input_air, input_trace,
                    input_words)
from .limbs import n_limbs
from .ranges import BITWISE, BITWISE_OPS, RANGE16, TableTrace, pow2_height, row_major
from .regions import REGION, REGIONS, region_of, regions, regions_air, regions_fixed
from .state import MEM_IN, MEM_OUT

MEMOP = "memop"
MEM = "mem"
MEMACCESS = "memaccess"
MEMINIT = "meminit"
AND = BITWISE_OPS["and"]
WINDOW = 2 * WORD_BYTES            # byte positions of the two words an access can touch
MEM_SLOTS = 128                    # memop times per step: t = MEM_SLOTS ts + 1 + slot (module docstring)
MAX_TIME = 1 << 29                 # times are below this (ts < 2^22, slot < 100)
MAX_WORD = 1 << 29                 # word indices of addresses < 2^32


def access_sizes(xlen: int) -> tuple[int, ...]:
    n_limbs(xlen)
    return (1, 2, 4, 8) if xlen == 64 else (1, 2, 4)


def _value_bytes(xlen: int) -> int:
    return xlen // 8


def _positions(xlen: int) -> int:
    """Positions an access can cover: offset <= 7 plus at most NB bytes."""
    return WORD_BYTES - 1 + _value_bytes(xlen)


def memaccess_columns(xlen: int) -> list[str]:
    NB = _value_bytes(xlen)
    cols = ["is_real", "t", "addr_hi", "q", "is_write"]
    cols += [f"e{j}" for j in range(WORD_BYTES)]
    cols += [f"s{m}" for m in access_sizes(xlen)]
    cols += [f"v{k}" for k in range(NB)] + [f"vz{i}" for i in range(NB // 2)]
    cols += [f"c{p}" for p in range(_positions(xlen))]
    cols += [f"old{p}" for p in range(WINDOW)] + [f"new{p}" for p in range(WINDOW)]
    cols += ["tp0", "tp1", "da0", "db0", "da1", "db1", "wr0", "wr1"]
    return cols


def memop_columns(xlen: int) -> list[str]:
    """The fields of a "memop" message, in order."""
    return ["t", "addr_lo", "addr_hi", "size", "is_write"] + [f"value{i}" for i in range(n_limbs(xlen))]


def memaccess_air(xlen: int) -> Air:
    """The MemAccess table for RV`xlen` (module docstring: columns, constraints, why).

    Constraints have degree <= 3 and bus fields degree 1.  Per row: 1 memop receive,
    2 + 2 "mem" messages, 9 range16 and NB/2 bitwise lookups.  RV64: 82 columns, 86
    constraints, 18 interactions; RV32: 71 columns, 69 constraints, 16 interactions."""
    NB = _value_bytes(xlen)
    L = n_limbs(xlen)
    NP = _positions(xlen)
    sizes = access_sizes(xlen)
    air = Air(MEMACCESS, main=memaccess_columns(xlen))
    C = air.col
    is_real, t, addr_hi, q, is_write = C("is_real"), C("t"), C("addr_hi"), C("q"), C("is_write")
    e = [C(f"e{j}") for j in range(WORD_BYTES)]
    s = {m: C(f"s{m}") for m in sizes}
    v = [C(f"v{k}") for k in range(NB)]
    vz = [C(f"vz{i}") for i in range(NB // 2)]
    c = [C(f"c{p}") for p in range(NP)]
    old = [C(f"old{p}") for p in range(WINDOW)]
    new = [C(f"new{p}") for p in range(WINDOW)]
    tp = [C("tp0"), C("tp1")]
    da, db = [C("da0"), C("da1")], [C("db0"), C("db1")]
    wr = [C("wr0"), C("wr1")]

    def size_above(k):          # [size > k]
        return sum((s[m] for m in sizes if m > k), 0)

    def size_at_most(k):        # [size <= k]
        return sum((s[m] for m in sizes if m <= k), 0)

    def offsets(p):             # the offsets j that can put a value byte at position p
        return range(max(0, p - NB + 1), min(WORD_BYTES - 1, p) + 1)

    air.constrain(is_real * (is_real - 1), "is_real is boolean")
    air.constrain(is_write * (is_write - 1), "is_write is boolean")
    for x in e + list(s.values()):
        air.constrain(x * (x - 1), f"{x} is boolean")
    air.constrain(sum(e) - is_real, "the offset is one-hot")
    air.constrain(sum(s.values()) - is_real, "the size is one-hot")
    for k in range(1, NB):
        air.constrain(v[k] * size_at_most(k), f"v{k} = 0 when size <= {k}")
    for p in range(NP):
        air.constrain(c[p] - sum(e[j] * size_above(p - j) for j in offsets(p)), f"c{p} = [o <= {p} < o + size]")
    for p in range(WINDOW):
        if p < NP:
            air.constrain((1 - c[p]) * (new[p] - old[p]), f"uncovered byte {p} is unchanged")
            x_p = sum(e[j] * v[p - j] for j in offsets(p))
            air.constrain(c[p] * (x_p - new[p]), f"covered byte {p} is the value's")
            air.constrain((1 - is_write) * (new[p] - old[p]), f"a read leaves byte {p} unchanged")
        else:
            air.constrain(new[p] - old[p], f"byte {p} is never covered")
    cross = c[WORD_BYTES]
    for h, mult in ((0, is_real), (1, cross)):
        air.constrain(mult * (t - tp[h] - 1 - da[h] - 65536 * db[h]), f"word {h}: t - tp{h} - 1 = da{h} + 2^16 db{h}")
        air.constrain(mult * is_write * (1 - wr[h]), f"word {h}: a write needs a writable word (regions.py)")

    addr_lo = sum(j * e[j] for j in range(1, WORD_BYTES)) + 8 * q
    size = sum(m * s[m] for m in sizes)
    limbs = [v[2 * i] + 256 * v[2 * i + 1] for i in range(L)]
    air.receive(MEMOP, [t, addr_lo, addr_hi, size, is_write] + limbs, is_real)
    w0 = (1 << 13) * addr_hi + q
    for h, mult in ((0, is_real), (1, cross)):
        lane = slice(WORD_BYTES * h, WORD_BYTES * (h + 1))
        air.receive(MEM, [w0 + h] + old[lane] + [tp[h], wr[h]], mult)
        air.send(MEM, [w0 + h] + new[lane] + [t, wr[h]], mult)
    for x in (addr_hi, q, 8 * q):
        air.send(RANGE16, [x], is_real)
    for h, mult in ((0, is_real), (1, cross)):
        for x in (da[h], db[h], 4 * db[h]):
            air.send(RANGE16, [x], mult)
    for i in range(NB // 2):
        air.send(BITWISE, [AND, v[2 * i], v[2 * i + 1], vz[i]], is_real)
    return air


def meminit_columns() -> list[str]:
    return (["is_real", "wl", "wh"] + [f"init{j}" for j in range(WORD_BYTES)]
            + [f"final{j}" for j in range(WORD_BYTES)] + ["t_final", "is_image", "is_input", "is_state", "d0", "d1",
                                                         "wr", "rlo", "rhi", "ea0", "ea1", "eb0", "eb1"])


MEMINIT_KINDS = ("run", "first", "next")


def meminit_air(kind: str = "run") -> Air:
    """The MemInit table (module docstring), the same for RV64 and RV32: 25 columns,
    19 constraints, 2 "mem" messages, image and input receives, 6 range16 lookups.

    kind "run" proves a whole run; a segment of a longer run (`segments.py`) also sends
    every word's final bytes to its "mem_out" state table (`state.py`): the first
    segment ("first") takes initial values from the image and the input like a run, a
    later one ("next") from its "mem_in" state table (is_state) instead: the words the
    previous segments listed, with their final bytes."""
    if kind not in MEMINIT_KINDS:
        raise ValueError(f"MemInit kind is one of {MEMINIT_KINDS}, not {kind!r}")
    air = Air(MEMINIT, main=meminit_columns())
    C = air.col
    is_real, wl, wh, t_final = C("is_real"), C("wl"), C("wh"), C("t_final")
    is_image, is_input, is_state, d0, d1 = C("is_image"), C("is_input"), C("is_state"), C("d0"), C("d1")
    wr, rlo, rhi, ea0, ea1, eb0, eb1 = (C(name) for name in ("wr", "rlo", "rhi", "ea0", "ea1", "eb0", "eb1"))
    init = [C(f"init{j}") for j in range(WORD_BYTES)]
    final = [C(f"final{j}") for j in range(WORD_BYTES)]
    w = wl + 65536 * wh
    sources = (is_state,) if kind == "next" else (is_image, is_input)
    for f in (is_image, is_input, is_state):
        if f in sources:
            air.constrain(f * (f - 1), f"{f} is boolean")
            air.constrain(f * (1 - is_real), f"{f} only on real rows")
        else:
            air.constrain(f, f"{f} = 0 in a MemInit of kind {kind}")

    air.constrain(is_real * (is_real - 1), "is_real is boolean")
    air.when_transition(is_real.next * (1 - is_real), "real rows are a prefix")
    if kind != "next":
        air.constrain(is_image * is_input, "a word is not both image and input")
    for j in range(WORD_BYTES):
        air.constrain((1 - sum(sources)) * init[j], f"init{j} = 0 outside the initial values' sources")
    air.when_transition(is_real.next * (wl.next + 65536 * wh.next - w - 1 - d0 - 65536 * d1),
                        "w' - w - 1 = d0 + 2^16 d1 (strictly increasing)")
    for x in (wl, wh, 8 * wh, d0, d1, 4 * d1):
        air.send(RANGE16, [x], is_real)
    # the word's permission: from its region (regions.py), 0 for the input, a state's own
    air.constrain(wr * (wr - 1), "wr is boolean")
    air.constrain(is_input * wr, "input words are read-only")
    in_region = is_real - is_input - is_state
    air.constrain(in_region * (w - rlo - ea0 - 65536 * ea1), "w - lo = ea0 + 2^16 ea1 (w >= lo)")
    air.constrain(in_region * (rhi - 1 - w - eb0 - 65536 * eb1), "hi - 1 - w = eb0 + 2^16 eb1 (w < hi)")
    for x in (ea0, ea1, 4 * ea1, eb0, eb1, 4 * eb1):
        air.send(RANGE16, [x], in_region)
    air.send(REGION, [rlo, rhi, wr], in_region)

    air.send(MEM, [w] + init + [0, wr], is_real)
    air.receive(MEM, [w] + final + [t_final, wr], is_real)
    if kind == "next":
        air.receive(MEM_IN, [w] + init + [wr], is_state)
    else:
        air.receive(IMAGE, [w] + init, is_image)
        air.receive(INPUT, [w] + init, is_input)
    if kind != "run":
        air.send(MEM_OUT, [w] + final + [wr], is_real)
    return air


# ------------------------------------------------------------------ trace

def memop_times(rows: np.ndarray, first_step: int = 0) -> np.ndarray:
    """t of each of Main's MEMORY_ROW rows: MEM_SLOTS ts + 1 (ts = step - first_step,
    Main's row number), + 1 for an AMO's write (the second row of its step)."""
    step = rows["step"].astype(np.int64)
    second = np.zeros(rows.size, dtype=bool)
    second[1:] = step[1:] == step[:-1]
    return MEM_SLOTS * (step - first_step) + 1 + second


def memop_messages(rows: np.ndarray, xlen: int, times=None, first_step: int = 0) -> np.ndarray:
    """The "memop" message of each row, (n, 5 + L) uint32: what Main sends."""
    t = memop_times(rows, first_step) if times is None else np.asarray(times, dtype=np.int64)
    addr = rows["addr"].astype(np.int64)
    value = rows["value"] & np.uint64((1 << xlen) - 1)
    limbs = [((value >> np.uint64(16 * i)) & np.uint64(0xFFFF)).astype(np.int64) for i in range(n_limbs(xlen))]
    cols = [t, addr & 0xFFFF, addr >> 16, rows["size"].astype(np.int64), rows["is_write"].astype(np.int64)] + limbs
    return np.stack(cols, axis=1).astype(np.uint32) if rows.size else np.zeros((0, 5 + len(limbs)), np.uint32)


@dataclass
class FinalMemory:
    """Every word MemInit lists, with its initial and final bytes and last access time."""
    words: np.ndarray          # (K,) int64, increasing word indices (address >> 3)
    initial: np.ndarray        # (K, 8) uint8
    final: np.ndarray          # (K, 8) uint8
    times: np.ndarray          # (K,) int64, 0 for words no access touched
    writable: np.ndarray       # (K,) bool: the words' permissions (regions.py)

    def read(self, addr: int, n: int) -> bytes:
        """n bytes at addr from the final memory (words not listed are zero)."""
        out = bytearray(n)
        for k in range(n):
            w = (addr + k) >> 3
            i = int(np.searchsorted(self.words, w))
            if i < self.words.size and self.words[i] == w:
                out[k] = self.final[i, (addr + k) & 7]
        return bytes(out)


@dataclass
class MemoryTraces:
    access: TableTrace         # MemAccess
    init: TableTrace           # MemInit
    input: TableTrace | None   # Input (None for a segment that starts from a state)
    memop: np.ndarray          # the memop messages Main sends, (n, 5 + L) uint32
    final: FinalMemory
    regions: np.ndarray        # the Regions table's main trace (mult)

    def _traces(self) -> list[TableTrace]:
        return [t for t in (self.access, self.init, self.input) if t is not None]

    def tables(self) -> dict[str, np.ndarray]:
        """{table name: main trace} for the memory tables (not Image: its trace is empty)."""
        out = {MEMACCESS: self.access.main, MEMINIT: self.init.main, REGIONS: self.regions}
        return out if self.input is None else {**out, INPUT: self.input.main}

    def range16(self) -> list[np.ndarray]:
        return [r for t in self._traces() for r in t.range16]

    def bitwise(self) -> dict[str, list]:
        out: dict[str, list] = {}
        for t in self._traces():
            for op, pairs in t.bitwise.items():
                out.setdefault(op, []).extend(pairs)
        return out


def initial_sources(program: ProgramImage, input_bytes: bytes, state=None) -> list:
    """Where initial memory comes from: [(words, bytes (k, 8), source code)], code 1 for
    the image, 2 the input, 3 a segment's starting state (which replaces both)."""
    if state is not None:
        return [(state.words, state.data, 3)]
    return [(*image_words(program), 1), (*input_words(input_bytes, program.memory_map), 2)]


def _height(n: int, height: int | None, what: str) -> int:
    h = height or pow2_height(n)
    if h < n or h & (h - 1):
        raise ValueError(f"{what}: height {h} is not a power of two >= {n}")
    return h


def memory_traces(program: ProgramImage, memory_rows: np.ndarray, input_bytes: bytes, xlen: int, *,
                  first_step: int = 0, times=None, heights: dict[str, int] | None = None,
                  state=None) -> MemoryTraces:
    """The MemAccess, MemInit and Input traces of a run's MEMORY_ROW rows (step order),
    with their range16 and bitwise lookups and the final memory.

    The rows are taken as given: a read's covered bytes are the value it claims, so a
    row that reads something memory does not hold gives traces whose "mem" messages do
    not balance (each table's own constraints still hold).  `times` overrides
    `memop_times(memory_rows, first_step)`; `heights` maps table names to trace heights.
    `state` (a `state.MemoryState`) is where a later segment starts (a MemInit of kind
    "next"): its words take their initial bytes and permission from it, every other word
    is zero, and there is no Input trace (input is None).  ValueError for a word outside
    the memory map (`regions.py`)."""
    if memory_rows.dtype != MEMORY_ROW or memory_rows.ndim != 1:
        raise TypeError(f"memory_traces takes a 1-d MEMORY_ROW array, not {memory_rows.dtype}")
    heights = heights or {}
    NB = _value_bytes(xlen)
    NP = _positions(xlen)
    sizes = access_sizes(xlen)
    rows = memory_rows
    n = rows.size
    t = memop_times(rows, first_step) if times is None else np.asarray(times, dtype=np.int64)
    addr = rows["addr"].astype(np.int64)
    size = rows["size"].astype(np.int64)
    if n and (not np.isin(size, sizes).all() or (addr + size > 1 << 32).any()):
        raise ValueError(f"a memory row has a size not in {sizes} or an address past 2^32")
    if n and (t.min() < 1 or t.max() >= MAX_TIME):
        raise ValueError("memop times must be in [1, 2^29)")
    is_write = rows["is_write"].astype(bool)
    o = addr & 7
    w0 = addr >> 3
    value = rows["value"] & np.uint64((1 << xlen) - 1)
    shifts = np.uint64(8) * np.arange(NB, dtype=np.uint64)
    vb = ((value[:, None] >> shifts[None, :]) & np.uint64(255)).astype(np.int64)
    k = np.arange(NB)
    ridx = np.repeat(np.arange(n), NB)
    pos = (o[:, None] + k[None, :]).reshape(-1)
    in_size = (k[None, :] < size[:, None]).reshape(-1)
    cov = np.zeros((n, WINDOW), dtype=bool)
    cov[ridx[in_size], pos[in_size]] = True
    win = np.zeros((n, WINDOW), dtype=np.uint8)
    win[ridx[in_size], pos[in_size]] = vb.reshape(-1)[in_size]
    cross = cov[:, WORD_BYTES]

    # word accesses: (row, h) for h = 0 on every row, h = 1 on crossing rows
    xrows = np.flatnonzero(cross)
    a_row = np.concatenate([np.arange(n), xrows])
    a_h = np.concatenate([np.zeros(n, np.int64), np.ones(xrows.size, np.int64)])
    a_w = w0[a_row] + a_h
    a_t = t[a_row]
    a_cov = np.concatenate([cov[:, :WORD_BYTES], cov[xrows, WORD_BYTES:]])
    a_byte = np.concatenate([win[:, :WORD_BYTES], win[xrows, WORD_BYTES:]])
    a_write = is_write[a_row]

    # the words MemInit lists and their initial bytes
    memory_map = program.memory_map
    sources = initial_sources(program, input_bytes, state)
    words = np.unique(np.concatenate([a_w] + [ws for ws, _, _ in sources]))
    K = words.size
    init = np.zeros((K, WORD_BYTES), dtype=np.uint8)
    src = np.zeros(K, dtype=np.int64)                       # 1 image, 2 input, 3 state
    for ws, bs, code in sources:
        at = np.searchsorted(words, ws)
        init[at] = bs
        src[at] = code
    if (words >= MAX_WORD).any():
        raise ValueError("a word index is 2^29 or more")
    table = regions(program)
    region = region_of(words, table)
    in_region = src < 2
    if (in_region & (region < 0)).any():
        bad = int(words[in_region & (region < 0)][0]) * WORD_BYTES
        raise ValueError(f"an access at 0x{bad:08x} (word) is outside the memory map: "
                         f"{memory_map.region_name(bad)}")
    writable = np.where(in_region, table[np.maximum(region, 0), 2], 0).astype(bool)
    if state is not None:
        writable[src == 3] = state.writable

    # previous access of each word: sort by (w, t)
    order = np.lexsort((a_t, a_w))
    sw, st = a_w[order], a_t[order]
    m = order.size
    idx = np.arange(m, dtype=np.int32 if m < 1 << 31 else np.int64)
    start = np.ones(m, dtype=bool)
    start[1:] = sw[1:] != sw[:-1]
    if m and (~start[1:] & (st[1:] == st[:-1])).any():
        raise ValueError("two accesses of one word at the same time")
    gstart = np.maximum.accumulate(np.where(start, idx, 0)) if m else idx
    winit = init[np.searchsorted(words, sw)]                 # (m, 8)
    scov, sbyte = a_cov[order], a_byte[order]
    last = np.maximum.accumulate(np.where(scov, idx[:, None], -1), axis=0) if m else scov.astype(idx.dtype)
    valid = last >= gstart[:, None]
    flat = np.maximum(last, 0).astype(np.int64) * WORD_BYTES + np.arange(WORD_BYTES)[None, :]
    new = np.where(valid, sbyte.reshape(-1)[flat], winit)
    prev = np.empty_like(new)
    if m:
        prev[1:] = new[:-1]
        prev[start] = winit[start]
    swrite = a_write[order]
    old = np.where(swrite[:, None], prev, new)
    tprev = np.zeros(m, dtype=np.int64)
    if m:
        tprev[1:] = st[:-1]
        tprev[start] = 0

    # back to access order
    a_old = np.empty_like(old)
    a_new = np.empty_like(new)
    a_tp = np.empty_like(tprev)
    a_old[order], a_new[order], a_tp[order] = old, new, tprev
    d = a_t - a_tp - 1

    # MemAccess
    H = _height(n, heights.get(MEMACCESS), MEMACCESS)
    names = memaccess_columns(xlen)
    col = {name: i for i, name in enumerate(names)}
    buf = np.zeros((len(names), H), dtype=np.uint32)        # column-major while filling

    def put(name, values, rows_=slice(0, n)):
        buf[col[name], rows_] = values

    put("is_real", 1)
    put("t", t)
    put("addr_hi", addr >> 16)
    q = (addr & 0xFFFF) >> 3
    put("q", q)
    put("is_write", is_write)
    for j in range(WORD_BYTES):
        put(f"e{j}", o == j)
    for mm in sizes:
        put(f"s{mm}", size == mm)
    for kk in range(NB):
        put(f"v{kk}", vb[:, kk])
    for i in range(NB // 2):
        put(f"vz{i}", vb[:, 2 * i] & vb[:, 2 * i + 1])
    for p in range(NP):
        put(f"c{p}", cov[:, p])
    h0, h1 = np.arange(n), n + np.arange(xrows.size)
    for j in range(WORD_BYTES):
        put(f"old{j}", a_old[h0, j])
        put(f"new{j}", a_new[h0, j])
        # uncovered positions of the second word keep old = new: the word's bytes when
        # the access crosses, zeros otherwise
        put(f"old{WORD_BYTES + j}", a_old[h1, j], xrows)
        put(f"new{WORD_BYTES + j}", a_new[h1, j], xrows)
    put("tp0", a_tp[h0])
    put("da0", d[h0] & 0xFFFF)
    put("db0", d[h0] >> 16)
    put("tp1", a_tp[h1], xrows)
    a_wr = writable[np.searchsorted(words, a_w)]
    put("wr0", a_wr[h0])
    put("wr1", a_wr[h1], xrows)
    put("da1", d[h1] & 0xFFFF, xrows)
    put("db1", d[h1] >> 16, xrows)
    access = memaccess_lookups(row_major(buf), xlen)

    # final values: the last access of each word
    final = init.copy()
    ftime = np.zeros(K, dtype=np.int64)
    if m:
        end = np.ones(m, dtype=bool)
        end[:-1] = start[1:]
        at = np.searchsorted(words, sw[end])
        final[at] = new[end]
        ftime[at] = st[end]

    # MemInit
    HI = _height(K, heights.get(MEMINIT), MEMINIT)
    inames = meminit_columns()
    icol = {name: i for i, name in enumerate(inames)}
    ibuf = np.zeros((len(inames), HI), dtype=np.uint32)
    gap = np.zeros(K, dtype=np.int64)
    gap[:-1] = words[1:] - words[:-1] - 1
    ivals = {"is_real": 1, "wl": words & 0xFFFF, "wh": words >> 16, "t_final": ftime,
             "is_image": src == 1, "is_input": src == 2, "is_state": src == 3, "d0": gap & 0xFFFF, "d1": gap >> 16,
             "wr": writable}
    lo, hi = table[np.maximum(region, 0), 0], table[np.maximum(region, 0), 1]
    for name, vals in (("rlo", lo), ("rhi", hi), ("ea0", (words - lo) & 0xFFFF), ("ea1", (words - lo) >> 16),
                       ("eb0", (hi - 1 - words) & 0xFFFF), ("eb1", (hi - 1 - words) >> 16)):
        ivals[name] = np.where(in_region, vals, 0)
    for name, vals in ivals.items():
        ibuf[icol[name], :K] = vals
    for j in range(WORD_BYTES):
        ibuf[icol[f"init{j}"], :K] = init[:, j]
        ibuf[icol[f"final{j}"], :K] = final[:, j]
    init_t = meminit_lookups(row_major(ibuf))

    inp = None if state is not None else input_trace(input_bytes, memory_map, heights.get(INPUT))
    fm = FinalMemory(words, init.astype(np.uint8), final.astype(np.uint8), ftime, writable)
    return MemoryTraces(access, init_t, inp, memop_messages(rows, xlen, t), fm,
                        regions_trace(init_t.main, regions_fixed(program)))


def memaccess_lookups(main: np.ndarray, xlen: int) -> TableTrace:
    """A MemAccess trace with the range16 and bitwise lookups its AIR makes, read off
    its columns (values as the columns give them, so a forged column shows up here)."""
    col = {name: i for i, name in enumerate(memaccess_columns(xlen))}
    real = main[:, col["is_real"]] == 1
    cross = real & (main[:, col[f"c{WORD_BYTES}"]] == 1)
    get = lambda name, sel: main[sel, col[name]].astype(np.int64)       # noqa: E731
    r16 = [get("addr_hi", real), get("q", real), 8 * get("q", real)]
    for h, sel in ((0, real), (1, cross)):
        r16 += [get(f"da{h}", sel), get(f"db{h}", sel), 4 * get(f"db{h}", sel)]
    NB = _value_bytes(xlen)
    bw = {"and": [(get(f"v{2 * i}", real), get(f"v{2 * i + 1}", real)) for i in range(NB // 2)]}
    return TableTrace(main, r16, bw)


def meminit_lookups(main: np.ndarray) -> TableTrace:
    """A MemInit trace with the range16 lookups its AIR makes, read off its columns."""
    col = {name: i for i, name in enumerate(meminit_columns())}
    real = main[:, col["is_real"]] == 1
    region = _in_region(main)
    get = lambda name, sel=real: main[sel, col[name]].astype(np.int64)           # noqa: E731
    return TableTrace(main, [get("wl"), get("wh"), 8 * get("wh"), get("d0"), get("d1"), 4 * get("d1")]
                      + [get("ea0", region), get("ea1", region), 4 * get("ea1", region),
                         get("eb0", region), get("eb1", region), 4 * get("eb1", region)], {})


def _in_region(meminit_main: np.ndarray) -> np.ndarray:
    """The MemInit rows that look their word's region up."""
    col = {name: i for i, name in enumerate(meminit_columns())}
    return (meminit_main[:, col["is_real"]] == 1) & (meminit_main[:, col["is_input"]] == 0) \
        & (meminit_main[:, col["is_state"]] == 0)


def regions_trace(meminit_main: np.ndarray, fixed: np.ndarray) -> np.ndarray:
    """The Regions table's main trace (mult) for the region messages of a MemInit trace."""
    col = {name: i for i, name in enumerate(meminit_columns())}
    sent = meminit_main[_in_region(meminit_main)][:, [col["rlo"], col["rhi"], col["wr"]]]
    keys = {tuple(r): i for i, r in enumerate(fixed.tolist())}
    mult = np.zeros((fixed.shape[0], 1), dtype=np.uint32)
    rows, counts = np.unique(sent, axis=0, return_counts=True) if sent.size else (sent, [])
    for r, n in zip(rows.tolist(), counts):
        if tuple(r) not in keys:
            raise ValueError(f"MemInit sends the region {tuple(r)}, which the memory map has not")
        mult[keys[tuple(r)], 0] = n
    return mult


def final_memory(meminit_main: np.ndarray) -> FinalMemory:
    """The final memory a MemInit trace states (its real rows)."""
    names = meminit_columns()
    c = {name: i for i, name in enumerate(names)}
    real = meminit_main[:, c["is_real"]] == 1
    rows = meminit_main[real].astype(np.int64)
    words = rows[:, c["wl"]] + (rows[:, c["wh"]] << 16)
    init = rows[:, c["init0"]:c["init0"] + WORD_BYTES].astype(np.uint8)
    final = rows[:, c["final0"]:c["final0"] + WORD_BYTES].astype(np.uint8)
    return FinalMemory(words, init, final, rows[:, c["t_final"]], rows[:, c["wr"]].astype(bool))


def memory_tables(program: ProgramImage):
    """([MemAccess, MemInit, Image, Input, Regions Airs], {name: the program's Image and
    Regions fixed columns})."""
    airs = [memaccess_air(program.xlen), meminit_air(), image_air(), input_air(program.memory_map), regions_air()]
    return (airs, {IMAGE: image_fixed(program), REGIONS: regions_fixed(program)})

