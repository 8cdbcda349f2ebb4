"""The memory map as a fixed table: which words a run may read, and which it may write.

The interpreter faults on an access outside RAM and the input region, on the null and
stack guard pages, and on a store into code, read-only data or the input
(`runtime/memory.py`).  A proof must refuse the same runs, or a forged trace could store
into code and go on.  Permissions live on words (8-byte cells, `memory.py`): every
"mem" message carries wr, "this word is writable", which MemInit sets when it
introduces the word and every access passes on unchanged; MemAccess refuses a write to a
word with wr = 0.

Regions (fixed).  One row per maximal run of words [lo, hi) with one permission: the RAM
window minus the stack guard page, cut where the program's read-only PT_LOAD segments
(code, read-only data) start and end, and without the map's holes (ZisK's gap between
ROM and RAM and its system page, where no memory is: its UART is a device, which Main
proves apart, `cpu/zisk.py`).  A word holding any byte of a read-only segment
is read-only (so the proof refuses a store into the writable bytes of a word a
read-only segment ends in, which the interpreter would allow; the linker script puts
segments on separate pages, so no zkaot guest has such a word).  RAM at or above 2^32
(SP1 v6's map reaches 2^40) is left out: the memory argument's addresses are below 2^32,
so a run that touches it cannot be proven.  Fixed columns lo, hi,
wr; main column mult; it receives ("region", [lo, hi, wr]) with multiplicity mult.  The
table is the program's (its segments) and the memory map's, committed in the verifying
key and pinned by the program ID (`rom.ProgramCommitment`).

MemInit proves for each word w it introduces from the image or as zero (not from the
input, whose words are read-only, nor from a segment's starting state, which carries wr
along) that lo <= w < hi for a region it sends ("region", [lo, hi, wr]) to: w - lo and
hi - 1 - w are each in [0, 2^30) by two range16 limbs; w, lo, hi < 2^29, so neither can
wrap mod p.  A word in no region (the null page, the guard page, unmapped memory, the
input region past the input) cannot be introduced, so no step can touch it.
"""
from __future__ import annotations

import numpy as np

from runtime.program_image import ProgramImage

from ..air import Air
from .image import WORD_BYTES
from .ranges import pow2_height

REGION = "region"
REGIONS = "regions"
ADDRESSES = 1 << 32             # memops address below 2^32: RAM above it (SP1 v6's) is left out


def regions_air() -> Air:
    """The Regions table (module docstring)."""
    air = Air(REGIONS, main=["mult"], fixed=["lo", "hi", "wr"])
    C = air.col
    air.receive(REGION, [C("lo"), C("hi"), C("wr")], C("mult"))
    return air


def regions(program: ProgramImage) -> np.ndarray:
    """(k, 3) int64 rows (lo, hi, wr) in word indices, increasing and disjoint."""
    memory_map = program.memory_map
    guard_lo, guard_hi = memory_map.stack_guard
    gaps = sorted([(guard_lo, guard_hi)] + [(lo, hi) for lo, hi, _ in memory_map.holes])
    starts = [memory_map.ram_base] + [hi for _, hi in gaps]
    ends = [lo for lo, _ in gaps] + [memory_map.ram_end]
    mapped = [(lo, min(hi, ADDRESSES)) for lo, hi in zip(starts, ends) if lo < min(hi, ADDRESSES)]
    read_only = [(lo >> 3, (hi + WORD_BYTES - 1) >> 3) for lo, hi in program.read_only]
    cuts = sorted({a >> 3 for span in mapped for a in span} | {c for span in read_only for c in span})
    rows = []
    for lo, hi in zip(cuts[:-1], cuts[1:]):
        if not any(m_lo >> 3 <= lo and hi <= m_hi >> 3 for m_lo, m_hi in mapped):
            continue
        wr = int(not any(r_lo <= lo and hi <= r_hi for r_lo, r_hi in read_only))
        if rows and rows[-1][1] == lo and rows[-1][2] == wr:
            rows[-1][1] = hi
        else:
            rows.append([lo, hi, wr])
    return np.array(rows, dtype=np.int64).reshape(-1, 3)


def regions_fixed(program: ProgramImage) -> np.ndarray:
    """The fixed columns (2^k, 3) uint32; padding rows (0, 0, 0) are never matched:
    lo <= w < hi has no solution there."""
    rows = regions(program)
    out = np.zeros((pow2_height(rows.shape[0]), 3), dtype=np.uint32)
    out[:rows.shape[0]] = rows
    return out


def region_of(words, table: np.ndarray) -> np.ndarray:
    """The row of `regions` holding each word, -1 where none does."""
    words = np.asarray(words, dtype=np.int64)
    at = np.searchsorted(table[:, 0], words, side="right") - 1
    ok = (at >= 0) & (words < table[np.maximum(at, 0), 1])
    return np.where(ok, at, -1)
