"""The public output: OutputRead turns each write to fd 3 into reads of memory, Output
holds the bytes (docs/riscv-air.md, "Ecalls and the public output").

The chain.  Main, on a write(3, ptr, len) step ts with oi output bytes before it, sends
("outrd", [ts, c0, o0, oi]) and receives ("outrd", [ts, c1, o1, oi + len]) where
ptr = 4 c0 + o0 and ptr + len = 4 c1 + o1 (o in 0..3, c < 2^30: Main's limb arithmetic,
ptr + len < 2^32).  A node (ts, c, o, i) reads "byte 4 c + o of memory is output byte
i".  Each OutputRead row covers bytes lo..hi-1 (0 <= lo < hi <= 4) of one aligned 4-byte
chunk c: it receives ("outrd", [ts, c, lo, base + lo]) and sends the node after its
bytes, ("outrd", [ts, c + [hi = 4], hi - 4 [hi = 4], base + hi]); it reads the chunk with
("memop", [MEM_SLOTS ts + 1 + h, 4 c, size 4, read, b0 + 256 b1, b2 + 256 b3, 0..])
(memory.py's time slots: slot h of step ts) and sends
("output", [base + j, b_j]) for lo <= j < hi.

OutputRead (`outread_air`): columns is_real, ts, cl, ch (c = cl + 2^14 ch), h, one-hot
S0..S3 (lo) and H1..H4 (hi), base, bytes b0..b3, z01, z23.  Constraints: booleans;
sum S = sum H = is_real; in_j = [lo <= j < hi] = sum_{l <= j} S_l - sum_{k <= j} H_k is
boolean (so hi > lo or hi = lo), S_l H_l = 0 (hi != lo: every row covers >= 1 byte);
cl and 4 cl in range16 (cl < 2^14; MemAccess range-checks ch = addr_hi, so c < 2^30
and the memop address 4 cl + 2^16 ch is exactly 4 c); the bytes by ("bitwise",
[AND, b0, b1, z01]) and ("bitwise", [AND, b2, b3, z23]).

Why it is sound.  Give a node the integer position phi = 4 c + o (c < 2^30 + 1,
o < 4 for every node: received ones are a row's or Main's, sent ones are
c + [hi = 4] and hi - 4 [hi = 4]).  Every row is an edge from phi = 4 c + lo to
4 c + hi > phi, so the rows form no cycle; a balanced bus (in = out at every node) then
makes them a union of paths from Main's sends to Main's receives, and ts is kept along
an edge, so each write's rows are one path from (ptr, oi) to (ptr + len, oi + len)
(none for len = 0: Main's two messages cancel).  Along an edge i - phi is kept, so the
byte at address A in [ptr, ptr + len) is sent once, as output byte oi + A - ptr; the
rows' byte ranges tile [ptr, ptr + len).  Its value is what memory holds at time
MEM_SLOTS ts + 1 + h: MemAccess proves a read's bytes are memory's (the b's are bytes, so
b0 + 256 b1 = MemAccess's limb forces them), and h is boolean with ts a Main step
(the node's ts is Main's), so t is slot 0 or 1 of step ts, below 2^29 as MemAccess
needs; a write ecall has no other memop (Main sends none for an ecall, no precompile
runs in that step) and every other step's are at other times, so the read sees memory
after step ts - 1.  Main's oi starts at 0 and grows by each write's
len, so the indices sent are exactly 0 .. N - 1 (N < 2^30 messages: no wrap), each
once.  Output (`output_air`: is_real, idx, byte; receives ("output", [idx, byte]) with
multiplicity is_real) has its whole trace pinned by `verify(commitments={"output":
root})` with root = `output_root(key, bytes)`, the trace of the claimed bytes: the
bus then forces N = len(bytes) and byte i = output byte i.

Honest times: h = bit 2 of the chunk address, so the two halves of an 8-byte word are
read at distinct times (MemAccess allows one access per word and time) and RV32, whose
memops carry 4 bytes, works the same.  One row per chunk per write.
"""
from __future__ import annotations

import numpy as np

from runtime.program_image import ProgramImage
from runtime.runs import run_positions
from runtime.trace import MEMORY_ROW

from ..air import Air
from ..field import P
from .limbs import n_limbs
from .memory import MEM_SLOTS, MEMOP, initial_sources
from .ranges import BITWISE, BITWISE_OPS, RANGE16, TableTrace, pow2_height

OUTREAD = "outread"
OUTPUT = "output"
OUTRD = "outrd"
AND = BITWISE_OPS["and"]
CHUNK = 4


def outread_columns() -> list[str]:
    return (["is_real", "ts", "cl", "ch", "h"] + [f"S{j}" for j in range(4)] + [f"H{j}" for j in range(1, 5)]
            + ["base"] + [f"b{j}" for j in range(4)] + ["z01", "z23"])


def outread_air(xlen: int) -> Air:
    """The OutputRead table (module docstring).  20 columns; per row 2 outrd, 1 memop,
    4 output, 2 bitwise and 2 range16 messages."""
    L = n_limbs(xlen)
    air = Air(OUTREAD, main=outread_columns())
    C = air.col
    is_real, ts, cl, ch, h, base = C("is_real"), C("ts"), C("cl"), C("ch"), C("h"), C("base")
    S = [C(f"S{j}") for j in range(4)]
    H = [None] + [C(f"H{j}") for j in range(1, 5)]
    b = [C(f"b{j}") for j in range(4)]
    for x in [is_real, h] + S + H[1:]:
        air.constrain(x * (x - 1), f"{x} is boolean")
    air.constrain(sum(S) - is_real, "lo is one-hot")
    air.constrain(sum(H[1:]) - is_real, "hi is one-hot")
    inside = []
    for j in range(4):
        in_j = sum(S[:j + 1]) - sum(H[1:j + 1], 0)
        air.constrain(in_j * (in_j - 1), f"in{j} is boolean (hi >= lo)")
        inside.append(in_j)
    for j in range(1, 4):
        air.constrain(S[j] * H[j], f"hi != lo ({j}): a row covers a byte")
    lo = sum(j * S[j] for j in range(4))
    hi = sum(j * H[j] for j in range(1, 5))
    c = cl + 16384 * ch
    air.receive(OUTRD, [ts, c, lo, base + lo], is_real)
    air.send(OUTRD, [ts, c + H[4], hi - 4 * H[4], base + hi], is_real)
    air.send(MEMOP, [MEM_SLOTS * ts + 1 + h, 4 * cl, ch, CHUNK, 0, b[0] + 256 * b[1], b[2] + 256 * b[3]]
             + [0] * (L - 2), is_real)
    air.send(BITWISE, [AND, b[0], b[1], C("z01")], is_real)
    air.send(BITWISE, [AND, b[2], b[3], C("z23")], is_real)
    for v in (cl, 4 * cl):
        air.send(RANGE16, [v], is_real)
    for j in range(4):
        air.send(OUTPUT, [base + j, b[j]], inside[j])
    return air


def output_air() -> Air:
    """The Output table: is_real (a prefix), idx (the row number), byte; receives
    ("output", [idx, byte]) with multiplicity is_real.  Its trace is pinned by a
    commitment (`output_root`), so its constraints only document it."""
    air = Air(OUTPUT, main=["is_real", "idx", "byte"])
    is_real, idx, byte = air.cols("is_real", "idx", "byte")
    air.constrain(is_real * (is_real - 1), "is_real is boolean")
    air.when_transition(is_real.next * (1 - is_real), "real rows are a prefix")
    air.when_first(idx, "idx starts at 0")
    air.when_transition(idx.next - idx - 1, "idx' = idx + 1")
    air.receive(OUTPUT, [idx, byte], is_real)
    return air


def output_trace(output: bytes) -> np.ndarray:
    """The Output table of the public output bytes (what the verifier commits to)."""
    n = len(output)
    out = np.zeros((pow2_height(n), 3), dtype=np.uint32)
    out[:, 1] = np.arange(out.shape[0])
    out[:n, 0] = 1
    out[:n, 2] = np.frombuffer(bytes(output), dtype=np.uint8)
    return out


def output_root(key, output: bytes) -> bytes:
    """The commitment `verify(commitments={"output": ...})` takes for these output bytes;
    key is a ProvingKey or a VerifyingKey."""
    from ..stark import main_root
    return main_root(key, OUTPUT, output_trace(output))


def memory_at(program: ProgramImage, input_bytes: bytes, memory_rows: np.ndarray, memory_times: np.ndarray,
              addrs, times, state=None) -> np.ndarray:
    """The byte memory holds at each address just before each time: the last write (of
    `memory_rows` at `memory_times`) before it, else the initial byte (the image's, the
    input's, or a segment's starting `state`'s, `memory.initial_sources`) or 0."""
    addrs, times = np.asarray(addrs, dtype=np.int64), np.asarray(times, dtype=np.int64)
    w = memory_rows[memory_rows["is_write"] == 1]
    wt = np.asarray(memory_times, dtype=np.int64)[memory_rows["is_write"] == 1]
    size = w["size"].astype(np.int64)
    k = np.arange(8)
    keep = k[None, :] < size[:, None]
    baddr = (w["addr"].astype(np.int64)[:, None] + k[None, :])[keep]
    bval = ((w["value"][:, None] >> (np.uint64(8) * k[None, :].astype(np.uint64))) & np.uint64(255))[keep]
    bkey = (baddr << 30) + np.broadcast_to(wt[:, None], keep.shape)[keep]
    order = np.argsort(bkey, kind="stable")
    bkey, bval = bkey[order], bval[order].astype(np.uint8)
    sources = initial_sources(program, input_bytes, state)
    words = np.concatenate([ws for ws, _, _ in sources])
    wbytes = np.concatenate([bs for _, bs, _ in sources])
    wo = np.argsort(words)
    words, wbytes = words[wo], wbytes[wo]
    out = np.zeros(addrs.size, dtype=np.uint8)
    if words.size:
        at = np.minimum(np.searchsorted(words, addrs >> 3), words.size - 1)
        hit = words[at] == addrs >> 3
        out[hit] = wbytes[at[hit], addrs[hit] & 7]
    if bkey.size:
        j = np.searchsorted(bkey, (addrs << 30) + times) - 1
        hit = (j >= 0) & ((bkey[np.maximum(j, 0)] >> 30) == addrs)
        out[hit] = bval[j[hit]]
    return out


class OutputReadTrace:
    """The OutputRead trace of Main's output calls, its memops and lookups, the output."""

    def __init__(self, calls: np.ndarray, chunk_bytes, xlen: int, ecall_op: int, height: int | None = None):
        calls = np.asarray(calls, dtype=np.int64).reshape(-1, 4)
        calls = calls[calls[:, 2] > 0]
        ts, ptr, ln, oi = calls.T
        first, last = ptr >> 2, (ptr + ln - 1) >> 2
        counts = last - first + 1
        r, off = run_positions(counts)
        c = first[r] + off
        lo = np.maximum(ptr[r] - 4 * c, 0)
        hi = np.minimum(ptr[r] + ln[r] - 4 * c, 4)
        base = oi[r] + 4 * c - ptr[r]
        n = r.size
        rts = ts[r]
        h = c & 1
        t = MEM_SLOTS * rts + 1 + h
        b = chunk_bytes(4 * c, t).reshape(n, 4) if n else np.zeros((0, 4), np.uint8)
        H = height or pow2_height(n)
        names = outread_columns()
        col = {name: i for i, name in enumerate(names)}
        main = np.zeros((H, len(names)), dtype=np.uint32)
        vals = {"is_real": 1, "ts": rts, "cl": c & 0x3FFF, "ch": c >> 14, "h": h, "base": base % P,
                "z01": b[:, 0] & b[:, 1], "z23": b[:, 2] & b[:, 3]}
        for j in range(4):
            vals[f"S{j}"] = lo == j
            vals[f"H{j + 1}"] = hi == j + 1
            vals[f"b{j}"] = b[:, j]
        for name, v in vals.items():
            main[:n, col[name]] = v
        self.main = main
        self.range16 = [(c & 0x3FFF).astype(np.int64), 4 * (c & 0x3FFF).astype(np.int64)]
        self.bitwise = {"and": [(b[:, 0].astype(np.int64), b[:, 1].astype(np.int64)),
                                (b[:, 2].astype(np.int64), b[:, 3].astype(np.int64))]}
        rows = np.zeros(n, dtype=MEMORY_ROW)
        rows["step"], rows["addr"], rows["size"], rows["op"] = rts, 4 * c, CHUNK, ecall_op
        rows["value"] = (b.astype(np.uint64) << (np.uint64(8) * np.arange(4, dtype=np.uint64))).sum(axis=1) \
            if n else 0
        self.memory_rows, self.memory_times = rows, t
        idx = (base[:, None] + np.arange(4)[None, :])
        inside = (np.arange(4)[None, :] >= lo[:, None]) & (np.arange(4)[None, :] < hi[:, None])
        total = int(ln.sum())
        out = np.zeros(total, dtype=np.uint8)
        out[idx[inside]] = b[inside]
        self.output = out.tobytes()

    def table(self) -> TableTrace:
        return TableTrace(self.main, self.range16, self.bitwise)
