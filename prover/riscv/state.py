"""Machine state as committed tables: how one segment of a run hands over to the next.

A long run is proven in segments (`segments.py`), one STARK proof each.  What a segment
leaves behind and the next one starts from is the registers and the memory words touched
so far.  Each is a small witness table whose only job is to be committed: a segment's
proof has an *out* table (receiving every final register, every listed word's final
bytes) and the next segment's proof an *in* table (sending them as initial values).  The
verifier checks that the two main commitments are equal (`verify(commitments=)`), so
the next segment starts from exactly the multiset of (key, value) rows the previous one
ended with, with no hashing inside the proof.

Why a multiset is enough.  The register file and MemInit list each register and word
once (fixed r = 0..31; strictly increasing w), and every one of their rows sends
(out) or receives (in) once, so a balanced bus makes the out table's real rows exactly
their (key, final) pairs and the in table's real rows exactly their (key, initial)
pairs.  Row order, and what padding rows (is_real = 0) hold, say nothing.

Columns: is_real (boolean), then the message's fields (`reg_state_fields`: r and the
register's limbs; `mem_state_fields`: w, the word's 8 bytes and wr, its permission,
`regions.py`).  No other constraint:
the values are range-checked where they were produced (Main's writes, MemAccess's bytes,
the image), and the in table's are those of the previous segment's out table.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..air import Air
from .image import WORD_BYTES
from .limbs import n_limbs, to_limbs
from .ranges import pow2_height

REGS_IN, REGS_OUT = "regs_in", "regs_out"          # table names, also the buses' names
MEM_IN, MEM_OUT = "mem_in", "mem_out"
N_REGS = 32


def reg_state_fields(xlen: int) -> list[str]:
    return ["r"] + [f"v{i}" for i in range(n_limbs(xlen))]


def mem_state_fields() -> list[str]:
    return ["w"] + [f"b{j}" for j in range(WORD_BYTES)] + ["wr"]


@dataclass(frozen=True)
class MemoryState:
    """The memory a segment starts from: the words listed so far (increasing), their
    bytes and whether each is writable."""
    words: np.ndarray           # (k,) int64
    data: np.ndarray            # (k, 8) uint8
    writable: np.ndarray        # (k,) bool


def state_air(name: str, fields: list[str], *, sends: bool) -> Air:
    """A state table named like its bus: sends (an in table) or receives (an out table)
    one message per real row."""
    air = Air(name, main=["is_real"] + fields)
    is_real = air.col("is_real")
    air.constrain(is_real * (is_real - 1), "is_real is boolean")
    message = [air.col(f) for f in fields]
    (air.send if sends else air.receive)(name, message, is_real)
    return air


def state_airs(xlen: int) -> dict[str, Air]:
    """The four state tables of RV`xlen`, by name."""
    regs, mem = reg_state_fields(xlen), mem_state_fields()
    return {REGS_IN: state_air(REGS_IN, regs, sends=True), REGS_OUT: state_air(REGS_OUT, regs, sends=False),
            MEM_IN: state_air(MEM_IN, mem, sends=True), MEM_OUT: state_air(MEM_OUT, mem, sends=False)}


def reg_state_trace(values, xlen: int) -> np.ndarray:
    """(32, 1 + 1 + L): every register r with its value's limbs, all real."""
    values = np.asarray(values, dtype=np.uint64)
    if values.shape != (N_REGS,):
        raise ValueError(f"a register state has 32 values, not shape {values.shape}")
    r = np.arange(N_REGS, dtype=np.uint32)[:, None]
    return np.concatenate([np.ones_like(r), r, to_limbs(values, xlen)], axis=1).astype(np.uint32)


def mem_state_trace(state: MemoryState) -> np.ndarray:
    """(H, 1 + 1 + 8 + 1): the words (increasing) with their bytes and permissions, then
    zero padding rows; H a power of two (at least 4).  Canonical, so equal states have
    equal commitments."""
    k = state.words.size
    if state.data.shape != (k, WORD_BYTES) or state.writable.shape != (k,):
        raise ValueError("a memory state needs one 8-byte row and one permission per word")
    out = np.zeros((pow2_height(k), 3 + WORD_BYTES), dtype=np.uint32)
    out[:k, 0] = 1
    out[:k, 1] = state.words
    out[:k, 2:2 + WORD_BYTES] = state.data
    out[:k, 2 + WORD_BYTES] = state.writable
    return out
