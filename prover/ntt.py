"""NTT, inverse NTT and coset low-degree extension over BabyBear, batched across columns.

Layout: a trace is rows x columns, rows being evaluation points, so every function here
takes values of shape (n,) or (n, ...) and transforms along axis 0; all trailing axes
are independent columns.  Extension-field columns (n, m, 4) therefore work unchanged,
the transforms being F_p-linear with base-field twiddles.

Order: natural everywhere in the API.  Row i of `ntt(c)` is sum_j c[j] w^(ij) with
w = field.root_of_unity(log2 n); row i of `lde(v, blowup, shift)` is the interpolant of
v evaluated at shift * w'^i with w' = root_of_unity(log2(n * blowup)).  Since w'^blowup
= w, row i*blowup of an LDE with shift 1 is row i of its input, and the default shift
(the multiplicative generator 31, in no 2-power subgroup) keeps the coset disjoint from
every subgroup domain.

Inside, the kernels are iterative radix-2 butterflies in place: decimation in frequency
(natural in, bit-reversed out) for the inverse transform, decimation in time
(bit-reversed in, natural out) for the forward one, so an LDE never permutes: the
inverse's bit-reversed coefficients, scaled by n^-1 shift^j, are exactly the forward
input of size n*blowup once each is repeated `blowup` times (the first log2(blowup)
DIT stages on a block (c, 0, ..., 0) produce (c, c, ..., c), so they are skipped).
Twiddles are stored per stage, contiguous, in Montgomery form, so a butterfly costs one
reduction.  Stages whose butterflies stay within a block of about 256 KB run block by
block while the block sits in L2; only the widest stages stream the whole array.

Three paths, by number of columns m (crossover measured between 4 and 8 columns):
m = 1 runs the one-dimensional kernels, vectorized along the butterflies of a stage
(stages 1 and 2 fused, since their groups are too short to vectorize); 1 < m < 8 runs
them column by column; m >= 8 runs row kernels whose innermost loop is along a row,
contiguous and vectorized.  `threads=k` splits the columns across k Python threads
(the kernels release the GIL); everything is single-threaded by default.  Measured
figures are in bench/results/prover_kernels.md (bench/prover_kernels.py).
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import numpy as np
from numba import njit

from . import field
from .field import P, MONT_R, add_std, sub_std, mont_mul_std

# int64 rather than literal constants in calls between kernels: numba would compile a
# separate specialization for each literal
_ZERO = np.int64(0)
_ONE = np.int64(1)

BLOCK_BYTES = 1 << 18       # a block of rows processed stage after stage while in L2
DEFAULT_SHIFT = field.GENERATOR


# ---------------------------------------------------------------- tables (cached)

def _log2(n: int) -> int:
    k = n.bit_length() - 1
    if n < 1 or n != 1 << k:
        raise ValueError(f"NTT size must be a power of two, got {n}")
    if k > field.TWO_ADICITY:
        raise ValueError(f"NTT size 2^{k} exceeds BabyBear's two-adicity 2^{field.TWO_ADICITY}")
    return k


@lru_cache(maxsize=16)
def _twiddles(log_n: int, inverse: bool) -> np.ndarray:
    """tw[h + j] = w_{2h}^j * R mod p for each stage half-width h and j < h (tw[0] unused)."""
    n = 1 << log_n
    w = field.root_of_unity(log_n)
    if inverse:
        w = field.ref_inv(w)
    tw = np.zeros(max(n, 2), dtype=np.uint32)
    if n >= 2:
        top = field.powers(w, n // 2, start=MONT_R % P)      # w_n^j in Montgomery form
        h = n // 2
        while h >= 1:
            tw[h:2 * h] = top[:: n // (2 * h)]
            h //= 2
    tw.setflags(write=False)
    return tw


@lru_cache(maxsize=16)
def _bitrev(log_n: int) -> np.ndarray:
    n = 1 << log_n
    r = np.zeros(n, dtype=np.int64)
    idx = np.arange(n, dtype=np.int64)
    for b in range(log_n):
        r |= ((idx >> b) & 1) << (log_n - 1 - b)
    r.setflags(write=False)
    return r


@lru_cache(maxsize=16)
def _scale_table(log_n: int, factor: int, ratio: int, bitrev: bool) -> np.ndarray:
    """f[r] = factor * ratio^(rev(r) or r) in Montgomery form, for the fused scale steps."""
    pw = field.powers(ratio, 1 << log_n, start=factor * MONT_R % P)
    if bitrev:
        pw = pw[_bitrev(log_n)]
    pw.setflags(write=False)
    return pw


# ---------------------------------------------------------------- kernels (numba)

@njit(cache=True, nogil=True)
def _dit_range_1d(a, tw, h, h_end):
    """DIT stages h, 2h, ... < h_end over all of a (a view: one block, or the array).

    Stages 1 and 2 have too few butterflies per group to vectorize, so they run as
    interleaved passes over groups of 4 (their twiddles are 1 and w_4)."""
    n = a.size
    if h == 1 and h_end > 1:
        if h_end >= 4:                       # stages 1 and 2 fused: one multiply per 4
            g = a.reshape(n // 4, 4)
            w = tw[3]
            for i in range(n // 4):
                x0 = add_std(g[i, 0], g[i, 1])
                x1 = sub_std(g[i, 0], g[i, 1])
                x2 = add_std(g[i, 2], g[i, 3])
                v = mont_mul_std(sub_std(g[i, 2], g[i, 3]), w)
                g[i, 0] = add_std(x0, x2)
                g[i, 2] = sub_std(x0, x2)
                g[i, 1] = add_std(x1, v)
                g[i, 3] = sub_std(x1, v)
            h = 4
        else:
            g = a.reshape(n // 2, 2)
            for i in range(n // 2):
                u = g[i, 0]
                v = g[i, 1]
                g[i, 0] = add_std(u, v)
                g[i, 1] = sub_std(u, v)
            h = 2
    if h == 2 and h_end > 2:
        g = a.reshape(n // 4, 4)
        w = tw[3]
        for i in range(n // 4):
            u0 = g[i, 0]
            v0 = g[i, 2]
            u1 = g[i, 1]
            v1 = mont_mul_std(g[i, 3], w)
            g[i, 0] = add_std(u0, v0)
            g[i, 2] = sub_std(u0, v0)
            g[i, 1] = add_std(u1, v1)
            g[i, 3] = sub_std(u1, v1)
        h = 4
    while h < h_end:
        t = tw[h:2 * h]
        for s in range(0, n, 2 * h):
            x = a[s:s + h]                   # views: the j loop below vectorizes
            y = a[s + h:s + 2 * h]
            for j in range(h):
                u = x[j]
                v = mont_mul_std(y[j], t[j])
                x[j] = add_std(u, v)
                y[j] = sub_std(u, v)
        h *= 2


@njit(cache=True, nogil=True)
def _dif_range_1d(a, tw, h, h_end):
    """DIF stages h, h/2, ... >= h_end over all of a; stages 2 and 1 fused as in DIT."""
    n = a.size
    while h >= h_end and h >= 4:
        t = tw[h:2 * h]
        for s in range(0, n, 2 * h):
            x = a[s:s + h]
            y = a[s + h:s + 2 * h]
            for j in range(h):
                u = x[j]
                v = y[j]
                x[j] = add_std(u, v)
                y[j] = mont_mul_std(sub_std(u, v), t[j])
        h //= 2
    if h == 2 and h_end <= 1:
        g = a.reshape(n // 4, 4)
        w = tw[3]
        for i in range(n // 4):
            y0 = add_std(g[i, 0], g[i, 2])
            y2 = sub_std(g[i, 0], g[i, 2])
            y1 = add_std(g[i, 1], g[i, 3])
            y3 = mont_mul_std(sub_std(g[i, 1], g[i, 3]), w)
            g[i, 0] = add_std(y0, y1)
            g[i, 1] = sub_std(y0, y1)
            g[i, 2] = add_std(y2, y3)
            g[i, 3] = sub_std(y2, y3)
    elif h == 1 and h_end <= 1:
        g = a.reshape(n // 2, 2)
        for i in range(n // 2):
            u = g[i, 0]
            v = g[i, 1]
            g[i, 0] = add_std(u, v)
            g[i, 1] = sub_std(u, v)


@njit(cache=True, nogil=True)
def _dit_1d(a, tw, h_first, block):
    """DIT stages h_first, 2 h_first, ..., n/2; the narrow ones block by block."""
    n = a.size
    b = min(block, n)
    if h_first < b:
        for lo in range(0, n, b):
            _dit_range_1d(a[lo:lo + b], tw, h_first, b)
    _dit_range_1d(a, tw, max(h_first, b), n)


@njit(cache=True, nogil=True)
def _dif_1d(a, tw, block):
    """DIF stages n/2, ..., 1; the wide ones over the array, then block by block."""
    n = a.size
    b = min(block, n)
    _dif_range_1d(a, tw, n // 2, b)
    for lo in range(0, n, b):
        _dif_range_1d(a[lo:lo + b], tw, b // 2, _ONE)


@njit(cache=True, nogil=True)
def _bitrev_1d(src, out, log_n):
    """out[rev(i)] = src[i], in 32 x 32 tiles so that reads and writes both use whole
    cache lines (a plain gather misses the cache on almost every element)."""
    k = 5
    if log_n < 2 * k:
        for i in range(src.size):
            r = 0
            for bit in range(log_n):
                r |= ((i >> bit) & 1) << (log_n - 1 - bit)
            out[r] = src[i]
        return
    tile = 1 << k
    revk = np.zeros(tile, dtype=np.int64)
    for x in range(tile):
        for bit in range(k):
            revk[x] |= ((x >> bit) & 1) << (k - 1 - bit)
    mid_bits = log_n - 2 * k
    hi = log_n - k
    for m in range(1 << mid_bits):
        mr = 0
        for bit in range(mid_bits):
            mr |= ((m >> bit) & 1) << (mid_bits - 1 - bit)
        for a_ in range(tile):
            base_in = (a_ << hi) | (m << k)
            base_out = (mr << k) | revk[a_]
            for b_ in range(tile):
                out[base_out | (revk[b_] << hi)] = src[base_in | b_]


@njit(cache=True, nogil=True)
def _scale_1d(x, f):
    """x[i] *= f[i] (f in Montgomery form), or x *= f[0] when f has one entry."""
    if f.size == 1:
        k = f[0]
        for i in range(x.size):
            x[i] = np.uint32(mont_mul_std(x[i], k))
    else:
        for i in range(x.size):
            x[i] = np.uint32(mont_mul_std(x[i], f[i]))


@njit(cache=True, nogil=True)
def _expand_1d(src, f, out, repeat):
    """out[r*repeat + t] = src[r] * f[r] for t < repeat."""
    for r in range(src.size):
        v = np.uint32(mont_mul_std(src[r], f[r]))
        for t in range(repeat):
            out[r * repeat + t] = v


@njit(cache=True, nogil=True)
def _dit_range_2d(a, tw, lo, hi, h, h_end):
    """DIT stages h, 2h, ... < h_end on rows lo..hi; slices of the flat array rather
    than per-row views keep the per-row overhead low when rows are short."""
    m = a.shape[1]
    f = a.reshape(-1)
    while h < h_end:
        t = tw[h:2 * h]
        for s in range(lo, hi, 2 * h):
            x = f[s * m:(s + h) * m]
            y = f[(s + h) * m:(s + 2 * h) * m]
            for j in range(h):
                w = t[j]
                xr = x[j * m:(j + 1) * m]
                yr = y[j * m:(j + 1) * m]
                for c in range(m):
                    u = xr[c]
                    v = mont_mul_std(yr[c], w)
                    xr[c] = add_std(u, v)
                    yr[c] = sub_std(u, v)
        h *= 2


@njit(cache=True, nogil=True)
def _dif_range_2d(a, tw, lo, hi, h, h_end):
    m = a.shape[1]
    f = a.reshape(-1)
    while h >= h_end:
        t = tw[h:2 * h]
        for s in range(lo, hi, 2 * h):
            x = f[s * m:(s + h) * m]
            y = f[(s + h) * m:(s + 2 * h) * m]
            for j in range(h):
                w = t[j]
                xr = x[j * m:(j + 1) * m]
                yr = y[j * m:(j + 1) * m]
                for c in range(m):
                    u = xr[c]
                    v = yr[c]
                    xr[c] = add_std(u, v)
                    yr[c] = mont_mul_std(sub_std(u, v), w)
        h //= 2


@njit(cache=True, nogil=True)
def _dit_2d(a, tw, h_first, block):
    """As `_dit_1d`, on rows.  (Grouping the wide stages to keep rows r + block*k in
    cache measured no faster than streaming them: the butterflies are compute-bound.)"""
    n = a.shape[0]
    b = min(block, n)
    if h_first < b:
        for lo in range(0, n, b):
            _dit_range_2d(a, tw, lo, lo + b, h_first, b)
    _dit_range_2d(a, tw, _ZERO, n, max(h_first, b), n)


@njit(cache=True, nogil=True)
def _dif_2d(a, tw, block):
    n = a.shape[0]
    b = min(block, n)
    _dif_range_2d(a, tw, _ZERO, n, n // 2, b)
    for lo in range(0, n, b):
        _dif_range_2d(a, tw, lo, lo + b, b // 2, _ONE)


@njit(cache=True, nogil=True)
def _bitrev_rows(src, g, out, log_n):
    """out[rev(i)] = src[i] * g[i] (g in Montgomery form) for the rows of 2-D arrays,
    in 32 x 32 tiles of rows as in `_bitrev_1d`: a gather of rows in bit-reversed order
    misses the cache on nearly every row once the array outgrows it (half the time of
    a 2^20 x 16 NTT went there)."""
    n, m = src.shape
    k = 5
    if log_n < 2 * k:
        for i in range(n):
            r = 0
            for bit in range(log_n):
                r |= ((i >> bit) & 1) << (log_n - 1 - bit)
            x = src[i]
            y = out[r]
            gi = g[i]
            for c in range(m):
                y[c] = mont_mul_std(x[c], gi)
        return
    tile = 1 << k
    revk = np.zeros(tile, dtype=np.int64)
    for x_ in range(tile):
        for bit in range(k):
            revk[x_] |= ((x_ >> bit) & 1) << (k - 1 - bit)
    mid_bits = log_n - 2 * k
    hi = log_n - k
    for md in range(1 << mid_bits):
        mr = 0
        for bit in range(mid_bits):
            mr |= ((md >> bit) & 1) << (mid_bits - 1 - bit)
        for a_ in range(tile):
            base_in = (a_ << hi) | (md << k)
            base_out = (mr << k) | revk[a_]
            for b_ in range(tile):
                i = base_in | b_
                x = src[i]
                y = out[base_out | (revk[b_] << hi)]
                gi = g[i]
                for c in range(m):
                    y[c] = mont_mul_std(x[c], gi)


_NO_PERM = field.readonly(np.zeros(0, dtype=np.int64))


@njit(cache=True, nogil=True)
def _gather_scale(src, perm, f, out, repeat):
    """out[r*repeat + t] = src[perm[r]] * f[r] for t < repeat (rows of a 2-D array);
    an empty perm is the identity."""
    n, m = src.shape
    for r in range(n):
        x = src[perm[r]] if perm.size else src[r]
        k = f[r]
        y = out[r * repeat]
        for c in range(m):
            y[c] = np.uint32(mont_mul_std(x[c], k))
        for t in range(1, repeat):
            out[r * repeat + t] = y


# ---------------------------------------------------------------- API

COLUMN_MAJOR_BELOW = 8      # fewer columns than this: transform column by column


def _as_columns(values) -> tuple[np.ndarray, tuple]:
    v = np.asarray(values, dtype=np.uint32)
    if v.ndim == 0:
        raise ValueError("NTT input needs at least one axis (rows)")
    return np.ascontiguousarray(v).reshape(v.shape[0], -1), v.shape


def _block_rows(m: int) -> int:
    rows = max(2, BLOCK_BYTES // (4 * m))
    return 1 << (rows.bit_length() - 1)


def _check_shift(shift: int) -> int:
    shift %= P
    if shift == 0:
        raise ValueError("coset shift must be nonzero")
    return shift


def _forward_1d(c: np.ndarray, log_n: int, shift: int) -> np.ndarray:
    if shift != 1:
        c = c.copy()
        _scale_1d(c, _scale_table(log_n, 1, shift, bitrev=False))
    out = np.empty_like(c)
    _bitrev_1d(field.readonly(c), out, log_n)
    _dit_1d(out, _twiddles(log_n, False), 1, _block_rows(1))
    return out


def _inverse_1d(v: np.ndarray, log_n: int, shift: int) -> np.ndarray:
    work = v.copy()
    _dif_1d(work, _twiddles(log_n, True), _block_rows(1))
    out = np.empty_like(work)
    _bitrev_1d(field.readonly(work), out, log_n)
    if shift == 1:
        f = field.readonly(np.array([field.ref_inv(v.size) * MONT_R % P], dtype=np.uint32))
    else:
        f = _scale_table(log_n, field.ref_inv(v.size), field.ref_inv(shift), bitrev=False)
    _scale_1d(out, f)
    return out


def _lde_1d(v: np.ndarray, log_n: int, log_b: int, shift: int, coefficients: bool) -> np.ndarray:
    work = np.empty_like(v)
    if coefficients:
        _bitrev_1d(field.readonly(v), work, log_n)
        f = _scale_table(log_n, 1, shift, bitrev=True)
    else:
        work[:] = v
        _dif_1d(work, _twiddles(log_n, True), _block_rows(1))
        f = _scale_table(log_n, field.ref_inv(v.size), shift, bitrev=True)
    out = np.empty(v.size << log_b, dtype=np.uint32)
    _expand_1d(field.readonly(work), f, out, 1 << log_b)
    _dit_1d(out, _twiddles(log_n + log_b, False), 1 << log_b, _block_rows(1))
    return out


def _by_column(fn, a: np.ndarray, rows: int, *args) -> np.ndarray:
    out = np.empty((a.shape[1], rows), dtype=np.uint32)
    for c in range(a.shape[1]):
        out[c] = fn(np.ascontiguousarray(a[:, c]), *args)
    return np.ascontiguousarray(out.T)


def _ntt_columns(a: np.ndarray, inverse: bool, shift: int) -> np.ndarray:
    n, m = a.shape
    log_n = _log2(n)
    if m < COLUMN_MAJOR_BELOW:
        return _by_column(_inverse_1d if inverse else _forward_1d, a, n, log_n, shift)
    out = np.empty_like(a)
    if not inverse:
        _bitrev_rows(field.readonly(a), _scale_table(log_n, 1, shift, bitrev=False), out, log_n)
        _dit_2d(out, _twiddles(log_n, False), 1, _block_rows(m))
    else:
        work = a.copy()
        _dif_2d(work, _twiddles(log_n, True), _block_rows(m))
        g = _scale_table(log_n, field.ref_inv(n), field.ref_inv(shift), bitrev=True)
        _bitrev_rows(field.readonly(work), g, out, log_n)
    return out


def _lde_columns(a: np.ndarray, log_b: int, shift: int, coefficients: bool) -> np.ndarray:
    n, m = a.shape
    log_n = _log2(n)
    big = n << log_b
    if m < COLUMN_MAJOR_BELOW:
        return _by_column(_lde_1d, a, big, log_n, log_b, shift, coefficients)
    out = np.empty((big, m), dtype=np.uint32)
    if coefficients:
        f = _scale_table(log_n, 1, shift, bitrev=True)
        _gather_scale(field.readonly(a), _bitrev(log_n), f, out, 1 << log_b)
    else:
        work = a.copy()
        _dif_2d(work, _twiddles(log_n, True), _block_rows(m))
        f = _scale_table(log_n, field.ref_inv(n), shift, bitrev=True)
        _gather_scale(field.readonly(work), _NO_PERM, f, out, 1 << log_b)
    _dit_2d(out, _twiddles(log_n + log_b, False), 1 << log_b, _block_rows(m))
    return out


def _threaded(fn, a: np.ndarray, rows: int, threads: int, *args) -> np.ndarray:
    """Column chunks on `threads` Python threads (the kernels release the GIL)."""
    m = a.shape[1]
    threads = max(1, min(int(threads), m // COLUMN_MAJOR_BELOW))
    if threads == 1:
        return fn(a, *args)
    bounds = [m * t // threads for t in range(threads + 1)]
    out = np.empty((rows, m), dtype=np.uint32)

    def run(t: int) -> None:
        lo, hi = bounds[t], bounds[t + 1]
        out[:, lo:hi] = fn(np.ascontiguousarray(a[:, lo:hi]), *args)

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(run, range(threads)))
    return out


def ntt(values, inverse: bool = False, shift: int = 1, *, threads: int = 1) -> np.ndarray:
    """Coefficients -> evaluations on shift*H (inverse: evaluations on shift*H -> coefficients).

    values has shape (n, ...) with n a power of two; each column along axis 0 is
    transformed; the result has the input's shape.  Forward: out[i] = sum_j c[j]
    (shift w^i)^j.  shift = 1 is the plain transform on the subgroup H = <w>.
    threads > 1 splits the columns across threads."""
    a, shape = _as_columns(values)
    _log2(a.shape[0])
    out = _threaded(_ntt_columns, a, a.shape[0], threads, inverse, _check_shift(shift))
    return out.reshape(shape)


def intt(values, shift: int = 1, *, threads: int = 1) -> np.ndarray:
    """Evaluations on shift*H -> coefficients: ntt(values, inverse=True, shift=shift)."""
    return ntt(values, inverse=True, shift=shift, threads=threads)


def lde(values, blowup: int, shift: int = DEFAULT_SHIFT, *, coefficients: bool = False,
        threads: int = 1) -> np.ndarray:
    """Low-degree extension of each column to the coset shift*H' with |H'| = n*blowup.

    values holds evaluations on H (rows = points of H in natural order), or, with
    coefficients=True, the coefficients (degree < n) in natural order.  Returns shape
    (n*blowup, ...) in natural order: row i = f(shift * w'^i).  threads > 1 splits the
    columns across threads."""
    a, shape = _as_columns(values)
    n = a.shape[0]
    _log2(n)
    log_b = _log2(blowup)
    _log2(n * blowup)
    big = n << log_b
    out = _threaded(_lde_columns, a, big, threads, log_b, _check_shift(shift), coefficients)
    return out.reshape((big,) + shape[1:])


def domain(log_n: int, shift: int = 1) -> np.ndarray:
    """The points shift * w^i, i < 2^log_n, in the order the transforms use."""
    return field.powers(field.root_of_unity(log_n), 1 << log_n, start=shift)


# ---------------------------------------------------------------- reference (Python ints)

def ref_dft(coeffs: list[int], shift: int = 1) -> list[int]:
    """O(n^2): evaluations of sum_j c_j x^j at x = shift * w^i, i < n."""
    n = len(coeffs)
    w = field.root_of_unity(_log2(n))
    return [ref_eval(coeffs, shift * pow(w, i, P) % P) for i in range(n)]


def ref_eval(coeffs: list[int], x: int) -> int:
    acc = 0
    for c in reversed(coeffs):
        acc = (acc * x + c) % P
    return acc
