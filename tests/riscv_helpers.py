"""Shared helpers for the RISC-V table tests: a stand-in for Main that sends table rows
on a bus, the fixed range16/bitwise tables, and small proof parameters."""
from functools import cache

import numpy as np

from prover.air import Air
from prover.fri import FriParameters
from prover.riscv import ranges
from prover.riscv.limbs import n_limbs, to_limbs
from prover.stark import StarkParameters

FAST = StarkParameters(FriParameters(num_queries=8, pow_bits=0))


def sender_air(bus: str, xlen: int, name: str = "sender") -> Air:
    """Main's stand-in: columns op, a limbs, b limbs, c limbs, mult; sends
    (bus, [op, a, b, c]) with multiplicity mult (0 on padding rows)."""
    L = n_limbs(xlen)
    cols = ["op"] + [f"{v}{i}" for v in "abc" for i in range(L)] + ["mult"]
    air = Air(name, main=cols)
    air.send(bus, [air.col(c) for c in cols[:-1]], air.col("mult"))
    return air


def sender_trace(rows: np.ndarray, xlen: int, height: int | None = None) -> np.ndarray:
    """The sender's trace for rows with fields op, a, b, c (e.g. ALU_ROW), padded with
    mult = 0 rows to a power of two (at least 4) or to `height`."""
    n = height or max(4, 1 << max(0, (rows.size - 1).bit_length()))
    mask = np.uint64((1 << xlen) - 1)
    limbs = [to_limbs(rows[v] & mask, xlen) for v in "abc"]
    body = np.concatenate([rows["op"].astype(np.uint32)[:, None]] + limbs
                          + [np.ones((rows.size, 1), dtype=np.uint32)], axis=1)
    out = np.zeros((n, body.shape[1]), dtype=np.uint32)
    out[:rows.size] = body
    return out


@cache
def range_tables():
    """([range16 Air, bitwise Air], {name: fixed columns}), built once per session."""
    r16, r16_fixed = ranges.range16_table()
    bw, bw_fixed = ranges.bitwise_table()
    return [r16, bw], {"range16": r16_fixed, "bitwise": bw_fixed}


def bus_sender_air(bus: str, fields: list[str], name: str = "sender") -> Air:
    """A stand-in sender with one column per field and `mult`: sends (bus, fields) with
    multiplicity mult (0 on padding rows)."""
    air = Air(name, main=list(fields) + ["mult"])
    air.send(bus, [air.col(f) for f in fields], air.col("mult"))
    return air


def bus_sender_trace(messages: np.ndarray, height: int | None = None) -> np.ndarray:
    """`bus_sender_air`'s trace for (n, fields) messages: mult = 1 on those rows, padded
    with zero rows to a power of two (at least 4) or to `height`."""
    messages = np.asarray(messages, dtype=np.uint32)
    n = height or max(4, 1 << max(0, (messages.shape[0] - 1).bit_length()))
    out = np.zeros((n, messages.shape[1] + 1), dtype=np.uint32)
    out[:messages.shape[0], :-1] = messages
    out[:messages.shape[0], -1] = 1
    return out
