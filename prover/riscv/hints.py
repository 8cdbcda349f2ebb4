"""Input frames read through calls (SP1's HINT_LEN and HINT_READ), proven against the
committed frames (docs/riscv-air.md, "Hints").

A machine without an input region (`runtime.memory_map.MemoryMap.input_base` None) takes
its input as a stream of 4-byte units (`hint_stream`): per frame its length (u32 LE),
then its bytes zero-padded to a multiple of the machine's slot (4 bytes on rv32, 8 on
rv64, as HINT_READ pads them), and after the last frame u32::MAX, the
length SP1's HINT_LEN gives when no frame is left.  Unit i holds v0 + 2^16 v1 (the
16-bit limbs of its little-endian bytes).

Stream (`image.stream_air`; it is the machine's Input table): one row per unit,
real rows a prefix, idx = the row number (0 on row 0, + 1 per row); it sends
("hintunit", [idx, v0, v1]) with multiplicity is_real.  Its main root is the run's input
commitment (`machine.input_root`), which the verifier pins to the stream of the frames
it is given, so its rows are exactly those units.

Hints (`hints_air`): the lookup table of the stream.  Columns is_real, idx, v0, v1,
mult; it receives ("hintunit", [idx, v0, v1]) with multiplicity is_real (so its real
rows are the stream's units, each once) and ("hint", [idx, v0, v1]) with multiplicity
mult, where mult (1 - is_real) = 0: a ("hint", [i, v0, v1]) message anyone sends
therefore says "unit i of the committed stream is v0 + 2^16 v1", any number of times.

HintCopy (`hintcopy_air`): HINT_READ's writes, one row per unit copied.  Columns
is_real, ts, s, dl, dh, h, v0, v1.  Main, on a HINT_READ row ts that copies n units from
unit s0 of the stream to the slot-aligned address 4 d0 (`cpu/sp1.py`), sends ("hcopy",
[ts, s0, d0]) and receives ("hcopy", [ts, s0 + n, d0 + n]).  A row receives ("hcopy",
[ts, s, d]) with d = dl + 2^14 dh and sends ("hcopy", [ts, s + 1, d + 1]), looks up
("hint", [s, v0, v1]) and writes the unit: ("memop", [MEM_SLOTS ts + 1 + h, 4 dl, dh,
4, write, v0, v1]) (dl and 4 dl in range16: dl < 2^14; MemAccess range-checks dh, so
the address is exactly 4 d < 2^32).  Every row is an edge from (s, d) to (s + 1,
d + 1) with ts kept, s increasing, so a balanced "hcopy" bus makes the rows of step ts
one path from Main's send to its receive: exactly n rows, copying units s0 .. s0 + n - 1
to 4 d0 .. 4 (d0 + n) - 1 (no wrap: s < 2^27, d < 2^30; Main derives n from the length
over the field, and a value of n other than the integer one is too large for any path).  h is boolean, the time slot
(bit 2 of the address, so the two units of one 8-byte word are written at distinct
times, as MemAccess needs; a false h can only unbalance memory).  The writes are the
step's only memops (Main sends none for an ecall) and MemAccess refuses a write to a
read-only word, as the interpreter faults there.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from runtime.runs import run_positions
from runtime.trace import MEMORY_ROW

from ..air import Air
from .image import HINTUNIT, UNIT, units
from .limbs import n_limbs
from .memory import MEM_SLOTS, MEMOP
from .ranges import RANGE16, TableTrace, pow2_height

HINTS = "hints"
HINTCOPY = "hintcopy"
HINT = "hint"                    # Main, HintCopy -> hints (lookups)
HCOPY = "hcopy"                  # Main <-> HintCopy
NO_FRAME = 0xFFFF_FFFF           # the length after the last frame


def hint_stream(frames: Sequence[bytes], slot: int = UNIT) -> bytes:
    """The unit stream of the frames (module docstring), each padded to `slot` bytes (the
    machine's HINT_READ padding: 4 on rv32, 8 on rv64)."""
    parts = [struct.pack("<I", len(f)) + bytes(f).ljust(-(-len(f) // slot) * slot, b"\0") for f in frames]
    return b"".join(parts) + struct.pack("<I", NO_FRAME)


# ------------------------------------------------------------------ AIRs

def hints_air() -> Air:
    """The lookup table of the stream's units (module docstring)."""
    air = Air(HINTS, main=["is_real", "idx", "v0", "v1", "mult"])
    is_real, idx, v0, v1, mult = air.cols("is_real", "idx", "v0", "v1", "mult")
    air.constrain(is_real * (is_real - 1), "is_real is boolean")
    air.constrain(mult * (1 - is_real), "only the stream's units are looked up")
    air.receive(HINTUNIT, [idx, v0, v1], is_real)
    air.receive(HINT, [idx, v0, v1], mult)
    return air


COPY_COLUMNS = ["is_real", "ts", "s", "dl", "dh", "h", "v0", "v1"]


def hintcopy_air(xlen: int) -> Air:
    """HINT_READ's unit writes (module docstring)."""
    L = n_limbs(xlen)
    air = Air(HINTCOPY, main=COPY_COLUMNS)
    is_real, ts, s, dl, dh, h, v0, v1 = air.cols(*COPY_COLUMNS)
    for x in (is_real, h):
        air.constrain(x * (x - 1), f"{x} is boolean")
    d = dl + 16384 * dh
    air.receive(HCOPY, [ts, s, d], is_real)
    air.send(HCOPY, [ts, s + 1, d + 1], is_real)
    air.send(HINT, [s, v0, v1], is_real)
    air.send(MEMOP, [MEM_SLOTS * ts + 1 + h, 4 * dl, dh, UNIT, 1, v0, v1] + [0] * (L - 2), is_real)
    for v in (dl, 4 * dl):
        air.send(RANGE16, [v], is_real)
    return air


# ------------------------------------------------------------------ traces

@dataclass
class HintTraces:
    """The Hints and HintCopy tables of a run's hint calls, and HintCopy's memops."""
    hints: np.ndarray
    copy: TableTrace
    memory_rows: np.ndarray
    memory_times: np.ndarray

    def tables(self) -> dict[str, np.ndarray]:
        return {HINTS: self.hints, HINTCOPY: self.copy.main}


def hint_traces(stream: bytes, lookups: np.ndarray, copies: np.ndarray, ecall_op: int) -> HintTraces:
    """The tables for Main's unit lookups (`lookups`: unit indices) and copies ((n, 4) ts,
    first unit, first destination chunk, units) over a stream (b"" for a segment after the
    first, which has no stream: its calls cannot be proven).  ValueError for a unit past
    the stream (a HINT_READ with no frame left faults)."""
    u = units(stream) if stream else np.zeros((0, 2), np.int64)
    copies = np.asarray(copies, dtype=np.int64).reshape(-1, 4)
    count = copies[:, 3]
    row, j = run_positions(count)
    ts, s, d = copies[row, 0], copies[row, 1] + j, copies[row, 2] + j
    looked = np.concatenate([np.asarray(lookups, dtype=np.int64), s])
    if looked.size and (looked.min() < 0 or looked.max() >= u.shape[0]):
        raise ValueError("a hint call reads past the committed frames (in the first segment only are they read)")
    k = u.shape[0]
    hints = np.zeros((pow2_height(k), 5), dtype=np.uint32)
    hints[:k, 0], hints[:k, 1], hints[:k, 2:4] = 1, np.arange(k), u
    hints[:k, 4] = np.bincount(looked, minlength=k)
    v = u[s] if s.size else np.zeros((0, 2), np.int64)
    vals = {"is_real": 1, "ts": ts, "s": s, "dl": d & 0x3FFF, "dh": d >> 14, "h": d & 1, "v0": v[:, 0], "v1": v[:, 1]}
    main = np.zeros((pow2_height(s.size), len(COPY_COLUMNS)), dtype=np.uint32)
    for c, name in enumerate(COPY_COLUMNS):
        main[:s.size, c] = vals[name]
    mem = np.zeros(s.size, dtype=MEMORY_ROW)
    mem["step"], mem["addr"], mem["size"], mem["is_write"], mem["op"] = ts, 4 * d, UNIT, 1, ecall_op
    mem["value"] = (v[:, 0] + (v[:, 1] << 16)).astype(np.uint64) if s.size else 0
    times = MEM_SLOTS * ts + 1 + (d & 1)
    return HintTraces(hints, TableTrace(main, [d & 0x3FFF, 4 * (d & 0x3FFF)], {}), mem, times)
