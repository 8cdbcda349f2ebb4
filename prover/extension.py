"""K = F_p[X]/(X^4 - 11), the degree-4 extension of BabyBear that challenges live in.

Why degree 4 and W = 11: it is the extension Plonky3 uses for BabyBear, and X^4 - W is
irreducible because 11 is not a square in F_p and p = 1 mod 4 (the criterion for
binomials, Lidl-Niederreiter Thm 3.75; the tests check it, and independently check
with Rabin's irreducibility test).  A binomial modulus keeps multiplication at 16
products and makes inversion cheap (one base-field inversion of the norm, see
`_inv_kernel`).

Soundness consequence: |K| = p^4 ~ 2^123.9.  A nonzero polynomial of degree d vanishes
at a uniformly random challenge from K with probability at most d/|K| (Schwartz-Zippel),
so each random challenge contributes an error of about d * 2^-123.9: d = 2^22 gives
2^-101.9.  The LogUp bus pays such a term for its challenges, with d about the number
of bus rows (the fractional sum cleared of denominators), and so do the DEEP/OOD point
and the FRI batching and folding challenges.  The proven FRI bounds are weaker than
d/|K|: per folding challenge about n/|K| in the unique-decoding regime, and of order
n^2/|K| (times a parameter-dependent factor) in the list-decoding regime, n being the
LDE size; for n = 2^21 that is 2^-82 before the factor.  Hence the overall security
level is quoted as conjectured, and the security calculator reports the terms.

Representation: uint32 arrays with a trailing axis of length 4 holding the coefficients
(c0, c1, c2, c3) of c0 + c1 X + c2 X^2 + c3 X^3, each canonical.  Operations broadcast
over the leading axes.  add/sub/neg act coefficientwise, so they are the base-field
kernels; `mul_base` multiplies by base elements.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from . import field
from .field import P, add_std, mont_mul_std, mul_std, redc, sub_std

DEGREE = 4
W = 11
ORDER = P**DEGREE
BITS = ORDER.bit_length() - 1   # 123 (|K| ~ 2^123.9)

_R2 = np.uint64(field.MONT_R2)
_PR = np.uint64(P << 32)
_WR = np.uint64(W * field.MONT_R % P)
_WR32 = np.uint32(W * field.MONT_R % P)


# ---------------------------------------------------------------- kernels (numba)

@njit(cache=True, inline="always")
def _redc_wide(x):
    """redc for x < 2 p 2^32 (sums of up to four products): subtracting p*2^32 first
    changes nothing mod p and brings x into redc's range."""
    if x >= _PR:
        x -= _PR
    return redc(x)


@njit(cache=True, inline="always")
def mul_inline(a0, a1, a2, a3, b0, b1, b2, b3):
    """One product in K from its coefficients (canonical), for use inside other kernels.

    Schoolbook with X^4 = W and lazy reduction: canonical products are < p^2 < 2^62;
    four of them (< 4p^2 < 2 p 2^32) reduce in one `_redc_wide`.  The wrapped sums
    t = S*R^-1 re-enter as t * (W*R mod p) = W*S*R^-1*R, so every coefficient sums at
    most four products before one reduction, and a final reduction by R^2 undoes R^-1."""
    a0 = np.uint64(a0)
    a1 = np.uint64(a1)
    a2 = np.uint64(a2)
    a3 = np.uint64(a3)
    b0 = np.uint64(b0)
    b1 = np.uint64(b1)
    b2 = np.uint64(b2)
    b3 = np.uint64(b3)
    t0 = _redc_wide(a1 * b3 + a2 * b2 + a3 * b1)
    t1 = redc(a2 * b3 + a3 * b2)
    t2 = redc(a3 * b3)
    c0 = redc(a0 * b0 + t0 * _WR)
    c1 = _redc_wide(a0 * b1 + a1 * b0 + t1 * _WR)
    c2 = _redc_wide(a0 * b2 + a1 * b1 + a2 * b0 + t2 * _WR)
    c3 = _redc_wide(a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0)
    return (np.uint32(redc(c0 * _R2)), np.uint32(redc(c1 * _R2)),
            np.uint32(redc(c2 * _R2)), np.uint32(redc(c3 * _R2)))


_BLOCK = 256


@njit(cache=True, nogil=True)
def _mul_kernel(a, b, out):
    """Products of (n, 4) arrays, through (4, block) buffers: with the coefficients
    interleaved LLVM does not vectorize the arithmetic, with them split it does
    (measured 6 ns per product against 17 ns)."""
    n = out.shape[0]
    x = np.empty((DEGREE, _BLOCK), dtype=np.uint32)
    y = np.empty((DEGREE, _BLOCK), dtype=np.uint32)
    z = np.empty((DEGREE, _BLOCK), dtype=np.uint32)
    for i0 in range(0, n, _BLOCK):
        m = min(_BLOCK, n - i0)
        for j in range(m):
            for k in range(DEGREE):
                x[k, j] = a[i0 + j, k]
                y[k, j] = b[i0 + j, k]
        for j in range(m):
            c0, c1, c2, c3 = mul_inline(x[0, j], x[1, j], x[2, j], x[3, j],
                                        y[0, j], y[1, j], y[2, j], y[3, j])
            z[0, j] = c0
            z[1, j] = c1
            z[2, j] = c2
            z[3, j] = c3
        for j in range(m):
            for k in range(DEGREE):
                out[i0 + j, k] = z[k, j]


@njit(cache=True, inline="always")
def _times_w(x):
    return mont_mul_std(x, _WR32)


@njit(cache=True, inline="always")
def _norm_parts(a0, a1, a2, a3):
    """(n0, n1) with a * (u - X v) = n0 + n1 Y; see `_inv_kernel`."""
    # u^2 = a0^2 + W a2^2 + 2 a0 a2 Y ;  Y v^2 = 2 W a1 a3 + (a1^2 + W a3^2) Y
    u0 = add_std(mul_std(a0, a0), _times_w(mul_std(a2, a2)))
    t = mul_std(a0, a2)
    u1 = add_std(t, t)
    t = _times_w(mul_std(a1, a3))
    v0 = add_std(t, t)
    v1 = add_std(mul_std(a1, a1), _times_w(mul_std(a3, a3)))
    return sub_std(u0, v0), sub_std(u1, v1)


@njit(cache=True, nogil=True)
def _inv_kernel(a, out):
    """Inverse through the norm to F_p: one batch inversion in the base field.

    With Y = X^2 (Y^2 = W), a = u + X v where u = a0 + a2 Y, v = a1 + a3 Y.
    a * (u - X v) = u^2 - Y v^2 =: n0 + n1 Y lies in F_p[Y]/(Y^2 - W), and
    (n0 + n1 Y)(n0 - n1 Y) = n0^2 - W n1^2 lies in F_p.  So
    a^-1 = (u - X v)(n0 - n1 Y) / (n0^2 - W n1^2).  The norm is zero only for a = 0.
    Blocks go through (4, block) buffers so that the arithmetic vectorizes (see
    `_mul_kernel`); n0, n1 are recomputed in the second pass rather than stored.
    Returns the first zero's index or -1."""
    m = a.shape[0]
    x = np.empty((DEGREE, _BLOCK), dtype=np.uint32)
    norms = np.empty(m, dtype=np.uint32)
    for i0 in range(0, m, _BLOCK):
        c = min(_BLOCK, m - i0)
        for j in range(c):
            for k in range(DEGREE):
                x[k, j] = a[i0 + j, k]
        for j in range(c):
            n0, n1 = _norm_parts(x[0, j], x[1, j], x[2, j], x[3, j])
            norms[i0 + j] = sub_std(mul_std(n0, n0), _times_w(mul_std(n1, n1)))
    ninv = np.empty(m, dtype=np.uint32)
    bad = field.batch_inverse_kernel(norms, ninv)
    if bad >= 0:
        return bad
    z = np.empty((DEGREE, _BLOCK), dtype=np.uint32)
    for i0 in range(0, m, _BLOCK):
        c = min(_BLOCK, m - i0)
        for j in range(c):
            for k in range(DEGREE):
                x[k, j] = a[i0 + j, k]
        for j in range(c):
            a0 = x[0, j]
            a1 = x[1, j]
            a2 = x[2, j]
            a3 = x[3, j]
            n0, n1 = _norm_parts(a0, a1, a2, a3)
            k = ninv[i0 + j]
            # q = (n0 - n1 Y) / N = q0 + q1 Y
            q0 = mul_std(n0, k)
            q1 = mul_std(sub_std(0, n1), k)
            # (u - X v) q with u = a0 + a2 Y, v = a1 + a3 Y:
            #   u q = (a0 q0 + W a2 q1) + (a0 q1 + a2 q0) Y
            #   v q = (a1 q0 + W a3 q1) + (a1 q1 + a3 q0) Y
            z[0, j] = add_std(mul_std(a0, q0), _times_w(mul_std(a2, q1)))
            z[2, j] = add_std(mul_std(a0, q1), mul_std(a2, q0))
            z[1, j] = sub_std(0, add_std(mul_std(a1, q0), _times_w(mul_std(a3, q1))))
            z[3, j] = sub_std(0, add_std(mul_std(a1, q1), mul_std(a3, q0)))
        for j in range(c):
            for k in range(DEGREE):
                out[i0 + j, k] = z[k, j]
    return -1


# ---------------------------------------------------------------- array API

def _as_ext(a) -> np.ndarray:
    a = np.asarray(a, dtype=np.uint32)
    if a.ndim == 0 or a.shape[-1] != DEGREE:
        raise ValueError(f"extension elements need a trailing axis of length {DEGREE}, got shape {a.shape}")
    return a


def _rows(a) -> np.ndarray:
    return field.readonly(np.ascontiguousarray(a, dtype=np.uint32).reshape(-1, DEGREE))


def from_base(a) -> np.ndarray:
    """Embed base-field elements (any shape) as extension elements (shape + (4,))."""
    a = np.asarray(a, dtype=np.uint32)
    out = np.zeros(a.shape + (DEGREE,), dtype=np.uint32)
    out[..., 0] = a
    return out


def add(a, b) -> np.ndarray:
    return field.add(_as_ext(a), _as_ext(b))


def sub(a, b) -> np.ndarray:
    return field.sub(_as_ext(a), _as_ext(b))


def neg(a) -> np.ndarray:
    return field.neg(_as_ext(a))


def mul(a, b) -> np.ndarray:
    a, b = _as_ext(a), _as_ext(b)
    shape = np.broadcast_shapes(a.shape, b.shape)
    out = np.empty(shape, dtype=np.uint32)
    _mul_kernel(_rows(np.broadcast_to(a, shape)), _rows(np.broadcast_to(b, shape)),
                out.reshape(-1, DEGREE))
    return out


def mul_base(a, b) -> np.ndarray:
    """Extension times base field, broadcasting b over a's leading axes."""
    return field.mul(_as_ext(a), np.asarray(b, dtype=np.uint32)[..., None])


def inv(a) -> np.ndarray:
    """Elementwise inverses; ZeroDivisionError names the first zero (flat index)."""
    a = _as_ext(a)
    out = np.empty(a.shape, dtype=np.uint32)
    rows = _rows(a)
    bad = _inv_kernel(rows, out.reshape(-1, DEGREE))
    if bad >= 0:
        raise ZeroDivisionError(f"inverse of zero at flat index {bad}")
    return out


def pow(a, e: int) -> np.ndarray:  # noqa: A001 - field power, shadows the builtin on purpose
    """a^e for one integer exponent (negative inverts), by square-and-multiply on arrays."""
    a = _as_ext(a)
    e = int(e)
    if e < 0:
        a, e = inv(a), -e
    if e > 0:                              # the multiplicative group has order p^4 - 1
        e = (e - 1) % (ORDER - 1) + 1
    acc = from_base(np.ones(a.shape[:-1], dtype=np.uint32))
    base = a
    while e:
        if e & 1:
            acc = mul(acc, base)
        e >>= 1
        if e:
            base = mul(base, base)
    return acc


# ---------------------------------------------------------------- reference (Python ints)

def ref_add(a, b) -> tuple:
    a0, a1, a2, a3 = a
    b0, b1, b2, b3 = b
    return (a0 + b0) % P, (a1 + b1) % P, (a2 + b2) % P, (a3 + b3) % P


def ref_sub(a, b) -> tuple:
    a0, a1, a2, a3 = a
    b0, b1, b2, b3 = b
    return (a0 - b0) % P, (a1 - b1) % P, (a2 - b2) % P, (a3 - b3) % P


def ref_neg(a) -> tuple:
    return tuple(-x % P for x in a)


def ref_mul(a, b) -> tuple:
    """Polynomial product, with X^k = W X^(k-4) for k >= 4; written out, as the verifier's
    one-point constraint evaluation makes about 10^4 of these a segment."""
    a0, a1, a2, a3 = a
    b0, b1, b2, b3 = b
    return ((a0 * b0 + W * (a1 * b3 + a2 * b2 + a3 * b1)) % P,
            (a0 * b1 + a1 * b0 + W * (a2 * b3 + a3 * b2)) % P,
            (a0 * b2 + a1 * b1 + a2 * b0 + W * a3 * b3) % P,
            (a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0) % P)


def ref_pow(a, e: int) -> tuple:
    if e < 0:
        a, e = ref_inv(a), -e
    acc, base = (1, 0, 0, 0), tuple(a)
    while e:
        if e & 1:
            acc = ref_mul(acc, base)
        base = ref_mul(base, base)
        e >>= 1
    return acc


def ref_inv(a) -> tuple:
    """a^(|K| - 2): Lagrange in the multiplicative group of order p^4 - 1."""
    if all(x % P == 0 for x in a):
        raise ZeroDivisionError("inverse of zero")
    return ref_pow(a, ORDER - 2)
