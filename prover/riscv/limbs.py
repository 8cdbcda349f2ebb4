"""XLEN-bit values as 16-bit limbs: the one representation every RISC-V table shares.

BabyBear holds 31 bits, so register and memory values (up to 64 bits) are carried
on the buses and in the tables as little-endian 16-bit limbs, each range-checked
where it is produced (`ranges.py`).  An RV64 value is 4 limbs, an RV32 value 2.
"""
import numpy as np

LIMB_BITS = 16
LIMB_MASK = (1 << LIMB_BITS) - 1


def n_limbs(xlen: int) -> int:
    if xlen not in (32, 64):
        raise ValueError(f"xlen must be 32 or 64, not {xlen}")
    return xlen // LIMB_BITS


def to_limbs(values, xlen: int) -> np.ndarray:
    """(n,) unsigned values (masked to xlen) -> (n, xlen/16) uint32 limbs, least significant first."""
    v = np.asarray(values, dtype=np.uint64)
    shifts = np.arange(n_limbs(xlen), dtype=np.uint64) * np.uint64(LIMB_BITS)
    return ((v[:, None] >> shifts[None, :]) & np.uint64(LIMB_MASK)).astype(np.uint32)


def from_limbs(limbs) -> np.ndarray:
    """The inverse of to_limbs: (n, k) limbs -> (n,) uint64."""
    limbs = np.asarray(limbs, dtype=np.uint64)
    shifts = np.arange(limbs.shape[1], dtype=np.uint64) * np.uint64(LIMB_BITS)
    return np.bitwise_or.reduce(limbs << shifts[None, :], axis=1)


def write_limbs(columns, values, xlen: int, rows=slice(None)) -> None:
    """Writes (n,) values as limbs into L trace columns (a limb field of a bound layout), at `rows`."""
    for column, limb in zip(columns, to_limbs(values, xlen).T):
        column[rows] = limb


def read_limbs(columns) -> np.ndarray:
    """The values of L limb columns (as `write_limbs` writes them): (n,) uint64."""
    out = np.zeros(len(columns[0]), dtype=np.uint64)
    for i, column in enumerate(columns):
        out |= np.asarray(column).astype(np.uint64) << np.uint64(LIMB_BITS * i)
    return out
