"""Fixed lookup tables that the other RISC-V tables use for range checks and bitwise ops.

- `range16`: the 2^16 values 0..65535; receiving ("range16", [v]) with a multiplicity
  column proves that every v sent on that bus is a 16-bit limb.
- `bitwise`: all pairs of bytes (x, y) with x & y, x | y, x ^ y; it receives
  ("bitwise", [op, x, y, z]) for op in BITWISE_OPS, proving z = x op y on bytes.  A
  byte range check is ("bitwise", [AND, x, x, x]) (only bytes are in the table).

Both are fixed (preprocessed) tables: their columns are committed once in the
verifying key, and each proof supplies only the multiplicities, counted here from the
messages the other tables send (`count_range16`, `count_bitwise`).
"""
from dataclasses import dataclass

import numpy as np

from ..air import Air

RANGE16 = "range16"
BITWISE = "bitwise"
BITWISE_OPS = {"and": 1, "or": 2, "xor": 3}     # the op field of a bitwise message


def range16_table() -> tuple[Air, np.ndarray]:
    """The Air and its fixed column (2^16, 1)."""
    air = Air("range16", main=["mult"], fixed=["value"])
    air.receive(RANGE16, [air.col("value")], air.col("mult"))
    return air, np.arange(1 << 16, dtype=np.uint32).reshape(-1, 1)


def bitwise_table() -> tuple[Air, np.ndarray]:
    """The Air and its fixed columns (2^16, 5): x, y, x & y, x | y, x ^ y."""
    air = Air("bitwise", main=[f"mult_{op}" for op in BITWISE_OPS],
              fixed=["x", "y"] + [f"x_{op}_y" for op in BITWISE_OPS])
    x, y = air.col("x"), air.col("y")
    for op, code in BITWISE_OPS.items():
        air.receive(BITWISE, [code, x, y, air.col(f"x_{op}_y")], air.col(f"mult_{op}"))
    xs, ys = np.divmod(np.arange(1 << 16, dtype=np.uint32), np.uint32(256))
    return air, np.stack([xs, ys, xs & ys, xs | ys, xs ^ ys], axis=1).astype(np.uint32)


def count_range16(*values) -> np.ndarray:
    """The range16 table's multiplicity column (2^16, 1) for the limbs in `values` (any shapes)."""
    counts = np.zeros(1 << 16, dtype=np.int64)
    for v in values:
        v = np.asarray(v, dtype=np.int64).reshape(-1)
        if v.size and (v.min() < 0 or v.max() > 0xFFFF):
            raise ValueError("a value sent to range16 is not a 16-bit limb")
        counts += np.bincount(v, minlength=1 << 16)
    return counts.astype(np.uint32).reshape(-1, 1)


def count_bitwise(lookups: dict[str, list]) -> np.ndarray:
    """The bitwise table's multiplicity columns (2^16, 3) from {op: [(x, y), ...] arrays}:
    for each op, pairs of byte arrays whose results were looked up."""
    out = np.zeros((1 << 16, len(BITWISE_OPS)), dtype=np.int64)
    for k, op in enumerate(BITWISE_OPS):
        for x, y in lookups.get(op, ()):
            x, y = np.asarray(x, dtype=np.int64).reshape(-1), np.asarray(y, dtype=np.int64).reshape(-1)
            if x.size and (min(x.min(), y.min()) < 0 or max(x.max(), y.max()) > 0xFF):
                raise ValueError(f"a {op} lookup is not on bytes")
            out[:, k] += np.bincount(x * 256 + y, minlength=1 << 16)
    return out.astype(np.uint32)


@dataclass
class TableTrace:
    """A table's main trace and the lookups it makes into range16 and bitwise."""
    main: np.ndarray                            # (2^k, columns) uint32
    range16: list[np.ndarray]                   # values sent to range16 (each array: one per lookup)
    bitwise: dict[str, list[tuple[np.ndarray, np.ndarray]]]   # op -> [(x, y) byte arrays]

    def range16_mult(self) -> np.ndarray:
        return count_range16(*self.range16)

    def bitwise_mult(self) -> np.ndarray:
        return count_bitwise(self.bitwise)


def pow2_height(n: int) -> int:
    """The rows a table of n real rows is padded to: a power of two, at least 4."""
    return max(4, 1 << max(0, (n - 1).bit_length()))


def row_major(columns: np.ndarray, block: int = 512) -> np.ndarray:
    """A trace filled column by column, (k, n), as the prover's (n, k) C-ordered rows,
    copied in blocks of rows (a plain transposed copy is cache-bound)."""
    k, n = columns.shape
    out = np.empty((n, k), dtype=columns.dtype)
    for lo in range(0, n, block):
        out[lo:lo + block] = columns[:, lo:lo + block].T
    return out
