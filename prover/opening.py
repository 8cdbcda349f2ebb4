"""Opening committed columns outside their domain, and the DEEP quotients FRI tests.

A committed matrix holds base-field columns; an extension column is stored as its four
coefficient columns (c0 + c1 X + c2 X^2 + c3 X^3).  Everything here therefore works on
base matrices with extension-field coefficients or weights, and `recombine` turns the
four component values of an extension column back into one extension value.

- `evaluate_at(values, log_n, z)`: the interpolants of trace columns (values on H, natural
  order) at an extension point z, by the barycentric formula
  f(z) = (z^n - 1)/n * sum_i f_i w^i / (z - w^i): one pass over the trace, no inverse NTT.
- `evaluate_coefficients_at(coeffs, z)`: columns given by coefficients (quotient chunks).
- the DEEP quotient sum_k beta_k (f_k(x) - y_k)/(x - z) over the columns opened at z,
  on the LDE domain: one random linear combination of the columns (`combine_columns`),
  then one extension division per row (`deep_quotient`).

The kernels multiply a base value by an extension coefficient component by component
(one Montgomery reduction each, `mont_mul_std`, the coefficient kept in Montgomery
form) and sum the canonical products in 64 bits, reducing once at the end.  Measured
on one core: 2^21 rows x 61 columns combine in 0.3 s and 2^20 x 61 sum with weights in
0.15 s (1.2 s and 0.64 s when every addition was reduced: that loop did not vectorize).
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

from . import extension as ext
from . import field
from .field import P, mont_mul_std

_P64 = np.uint64(P)


def _to_mont(a: np.ndarray) -> np.ndarray:
    """a*R mod p, so that one Montgomery reduction multiplies by a."""
    return ((a.astype(np.uint64) << np.uint64(32)) % np.uint64(P)).astype(np.uint32)


@njit(cache=True, nogil=True, inline="always")
def _combine_row(row, coeffs_mont_t, out_row):
    """Products reduced once each (canonical, < p), summed in u64 (no overflow below 2^33
    terms) and reduced at the end: the inner loop over a row's columns vectorizes."""
    m = row.shape[0]
    for k in range(4):
        ck = coeffs_mont_t[k]
        acc = np.uint64(0)
        for c in range(m):
            acc += np.uint64(mont_mul_std(row[c], ck[c]))
        out_row[k] = np.uint32(acc % _P64)


@njit(cache=True, nogil=True, parallel=True)
def _combine_kernel(matrix, coeffs_mont_t, out):
    for i in prange(matrix.shape[0]):
        _combine_row(matrix[i], coeffs_mont_t, out[i])


@njit(cache=True, nogil=True)
def _combine_kernel_serial(matrix, coeffs_mont_t, out):
    for i in range(matrix.shape[0]):
        _combine_row(matrix[i], coeffs_mont_t, out[i])


# Below this many rows a matrix is combined on the calling thread: the verifier's
# matrices are one row per query (about 100), and waking the thread pool for them took
# 16 ms a call on a busy machine (OpenMP threads spinning against other processes),
# 3.5 of a fibonacci proof's 8 s of verification, against 20 us on one thread.
_SERIAL_ROWS = 1 << 12


_SUM_BLOCKS = 16                 # row blocks summed in parallel, then added up


@njit(cache=True, nogil=True, parallel=True)
def _weighted_sums_kernel(matrix, weights_mont, out):
    n, m = matrix.shape
    partial = np.zeros((_SUM_BLOCKS, 4, m), dtype=np.uint64)
    step = (n + _SUM_BLOCKS - 1) // _SUM_BLOCKS
    for b in prange(_SUM_BLOCKS):
        acc = partial[b]
        for i in range(b * step, min(n, (b + 1) * step)):
            row = matrix[i]
            for k in range(4):
                w = weights_mont[i, k]
                acc_k = acc[k]
                for c in range(m):
                    acc_k[c] += np.uint64(mont_mul_std(row[c], w))
    for c in range(m):
        for k in range(4):
            s = np.uint64(0)
            for b in range(_SUM_BLOCKS):
                s += partial[b, k, c] % _P64
            out[c, k] = np.uint32(s % _P64)


def combine_columns(matrix: np.ndarray, coeffs: np.ndarray) -> np.ndarray:
    """Row i -> sum_c matrix[i, c] * coeffs[c]: (n, m) base times (m, 4) extension -> (n, 4)."""
    out = np.empty((matrix.shape[0], ext.DEGREE), dtype=np.uint32)
    kernel = _combine_kernel_serial if matrix.shape[0] < _SERIAL_ROWS else _combine_kernel
    kernel(np.ascontiguousarray(matrix), np.ascontiguousarray(_to_mont(coeffs).T), out)
    return out


def weighted_column_sums(matrix: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Column c -> sum_i matrix[i, c] * weights[i]: (n, m) base, (n, 4) extension -> (m, 4)."""
    out = np.empty((matrix.shape[1], ext.DEGREE), dtype=np.uint32)
    _weighted_sums_kernel(np.ascontiguousarray(matrix), _to_mont(weights), out)
    return out


def recombine(components: np.ndarray) -> np.ndarray:
    """Values of the 4 coefficient columns of extension columns, (4a, 4) -> (a, 4):
    sum_k X^k v_k."""
    v = components.reshape(-1, ext.DEGREE, ext.DEGREE)
    basis = np.eye(ext.DEGREE, dtype=np.uint32)
    out = v[:, 0]
    for k in range(1, ext.DEGREE):
        out = ext.add(out, ext.mul(v[:, k], basis[k]))
    return out


def barycentric_weights(log_n: int, z: np.ndarray) -> np.ndarray:
    """w_i such that f(z) = sum_i f(w^i) w_i for every f of degree < n: (n, 4)."""
    n = 1 << log_n
    points = field.powers(field.root_of_unity(log_n), n)
    z_n = ext.pow(z, n)
    scale = ext.mul_base(ext.sub(z_n, ext.from_base(np.uint32(1))), np.uint32(field.ref_inv(n)))
    return ext.mul(ext.mul_base(ext.inv(ext.sub(z, ext.from_base(points))), points), scale)


def evaluate_at(values: np.ndarray, log_n: int, z: np.ndarray) -> np.ndarray:
    """Each column's interpolant (values on H, (n, m) base) at z: (m, 4)."""
    return weighted_column_sums(values, barycentric_weights(log_n, z))


def evaluate_coefficients_at(coeffs: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Columns given by coefficients ((d, m) base, natural order) at z: (m, 4)."""
    return weighted_column_sums(coeffs, ext_powers(z, coeffs.shape[0]))


def ext_powers(z: np.ndarray, n: int) -> np.ndarray:
    """[1, z, z^2, ..., z^(n-1)] in the extension, by doubling the prefix: (n, 4)."""
    out = np.empty((n, ext.DEGREE), dtype=np.uint32)
    out[0] = (1, 0, 0, 0)
    filled, step = 1, np.asarray(z, dtype=np.uint32)
    while filled < n:
        take = min(filled, n - filled)
        out[filled:filled + take] = ext.mul(out[:take], step)
        filled += take
        step = ext.mul(step, step)
    return out


def deep_quotient(points: np.ndarray, z: np.ndarray, combined: np.ndarray, claimed: np.ndarray) -> np.ndarray:
    """(F(x) - y) / (x - z) on the domain `points` (N,) base, F given by its values
    `combined` (N, 4) and y = F(z) claimed: low degree exactly when the claim is true."""
    return ext.mul(ext.sub(combined, claimed), ext.inv(ext.sub(ext.from_base(points), z)))
