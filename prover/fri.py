"""FRI, the low-degree test at the end of the STARK, over the quartic extension K.

What it shows. The prover holds extension-field codewords, one per size 2^s (`codewords`
maps s to a (2^s, 4) uint32 array), each meant to be the evaluations of a polynomial of
degree < 2^(s - log_blowup) on the coset D_s = shift_s * H_(2^s), in natural order, with
H_n = <field.root_of_unity(log2 n)> and shift_s = 31^(2^(27 - s)) (`coset_shift`): it
depends only on the size, so a table's commitment does not depend on what else is
proven beside it (fixed tables are committed once, in a verifying key). The verifier,
reading a few positions of each, is convinced that they all are close to such
codewords. The cosets nest under squaring (D_s^2 = D_(s-1)), so folding the largest
codeword lands exactly on the domains of the smaller ones.

Folding. f(X) = f_e(X^2) + X f_o(X^2) folds with a challenge beta into
f'(Y) = f_e(Y) + beta f_o(Y), of half the degree on the squared domain; pointwise, with
x and -x = x w^(N/2) at positions i and i + N/2 of a layer of size N:

    f'(x^2) = (f(x) + f(-x)) / 2 + beta (f(x) - f(-x)) / (2x).

Arity r = 2^a folds a times with beta, beta^2, beta^4, ..., which is the same as
f' = sum_(k<r) beta^k f_k for f(X) = sum_(k<r) X^k f_k(X^r). Position i of the folded
layer depends on positions {i + j N/r : j < r} (the coset x * <w^(N/r)>), so the Merkle
tree of a layer has N/r rows, row i holding those r values (4r uint32); a query index q
into the largest domain reads position q mod N of every layer of size N.

Mixed sizes. When the folding reaches the size 2^s of a smaller codeword g, the folded
layer becomes f' + beta^r g, beta the challenge of the fold that landed there and r its
arity: a polynomial of degree r in beta whose coefficients are f_0, ..., f_(r-1), g, so
its soundness is that of folding itself (proximity gaps for curves, BCIKS20). To land on
every codeword size and on the final size exactly, a step folds with a smaller arity
when a full one would overshoot (`fold_schedule`).

Final layer. Folding stops at 2^log_final points, log_final = min(log_final_size,
smallest codeword size); the prover sends that layer's polynomial, 2^(log_final -
log_blowup) coefficients, instead of a tree, and raises ValueError if the folded layer
is not of that degree (its input was not a low-degree codeword).

Transcript. commit() and absorb_commitments() make the same calls: the parameters and
the codeword sizes (absorb_int, "fri/..."), then per committed layer its root
("fri/layer-root") and its challenge ("fri/beta"), then the final coefficients
("fri/final-poly"). Then the proof of work (transcript.grind) and num_queries indices
in [0, 2^log_max) ("fri/queries").

Verifier. Per query and layer: the opened row is in the tree, and its entry at the
query's position equals the value expected there: the initial codeword's (from the
STARK's own openings) at the first layer, the previous layer's fold (plus beta^r times
the mixed codeword's value) after. At the end, the fold equals the final polynomial at
the query's point. The proof's shapes, dtypes and ranges are checked up front, so a
malformed proof raises FriError like a wrong one.

Speed (measured on this 2-core machine): committing a codeword of 2^21
extension elements takes about 0.3 s at arity 2 and 0.15-0.25 s at arity 4 or 8, half
of it Merkle hashing (on both cores), the rest folding (numpy over the extension
kernels); opening 100 queries takes about 10 ms, verifying them 15-35 ms, grinding 16
bits a few ms.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from . import extension as ext
from . import field, merkle, ntt
from .field import GENERATOR, P, TWO_ADICITY

__all__ = ["FriError", "FriParameters", "FriProof", "FriProver", "FriVerifier", "coset_shift", "fold_schedule"]

_INV2 = np.uint32(field.ref_inv(2))
_D = ext.DEGREE


class FriError(Exception):
    """A proof rejected, with a one-line reason naming what failed (layer, query)."""


@dataclass(frozen=True)
class FriParameters:
    """FRI's knobs; see security.py for what they buy."""

    log_blowup: int = 1          # rate 2^-log_blowup
    log_arity: int = 1           # fold by 2^log_arity per committed layer
    num_queries: int = 100
    pow_bits: int = 16           # grinding before the query indices are drawn
    log_final_size: int = 3      # fold until at most 2^log_final_size points remain

    def __post_init__(self):
        for name in ("log_blowup", "log_arity", "num_queries", "pow_bits", "log_final_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise ValueError(f"FRI parameter {name} must be an int, got {value!r}")
        if not 1 <= self.log_blowup <= 8:
            raise ValueError(f"log_blowup must be in [1, 8], got {self.log_blowup}")
        if not 1 <= self.log_arity <= 4:
            raise ValueError(f"log_arity must be in [1, 4] (arity 2 to 16), got {self.log_arity}")
        if self.num_queries < 1:
            raise ValueError(f"num_queries must be at least 1, got {self.num_queries}")
        if not 0 <= self.pow_bits <= 32:
            raise ValueError(f"pow_bits must be in [0, 32], got {self.pow_bits}")
        if not self.log_blowup <= self.log_final_size <= TWO_ADICITY:
            raise ValueError(f"log_final_size must be in [log_blowup = {self.log_blowup}, "
                             f"{TWO_ADICITY}], got {self.log_final_size}")


@dataclass(eq=False)
class FriProof:
    """What the prover sends; only ints and uint32 arrays, for a generic codec.

    layer_roots[k] is layer k's Merkle root as 8 uint32 words (blake3_kernel layout);
    layer_rows[k] the opened rows, (num_queries, 4 * arity_k), one per query index;
    layer_paths[k] their batched Merkle proof, (m_k, 8); final_poly the coefficients
    (lowest first) of the last layer's polynomial, (2^(log_final - log_blowup), 4)."""

    layer_roots: list[np.ndarray]
    final_poly: np.ndarray
    pow_nonce: int
    layer_rows: list[np.ndarray]
    layer_paths: list[np.ndarray]


def fold_schedule(params: FriParameters, log_sizes) -> tuple[list[tuple[int, int]], int]:
    """The committed layers as (log size, log arity), largest first, and the final log size.

    Each step folds by 2^log_arity unless that would pass below the next codeword size
    or the final size, in which case it folds exactly down to it."""
    sizes = _check_log_sizes(params, log_sizes)
    log_final = min(params.log_final_size, sizes[-1])
    steps = []
    n = sizes[0]
    for target in sizes[1:] + (log_final,):
        while n > target:
            a = min(params.log_arity, n - target)
            steps.append((n, a))
            n -= a
    return steps, log_final


class FriProver:
    """Commit phase, grinding and query openings for the given codewords."""

    def __init__(self, params: FriParameters, codewords: dict[int, np.ndarray]):
        self.params = params
        if not isinstance(codewords, Mapping) or not codewords:
            raise ValueError("codewords must be a non-empty dict log_size -> (2^log_size, 4) array")
        self.schedule, self.log_final = fold_schedule(params, list(codewords))
        self.codewords = {int(s): _check_codeword(int(s), c) for s, c in codewords.items()}
        self.log_max = max(self.codewords)
        self._trees: list[merkle.MerkleTree] = []
        self._final_poly: np.ndarray | None = None
        self._pow_nonce: int | None = None

    def commit(self, transcript) -> None:
        """Fold and commit every layer, absorbing roots and drawing the challenges."""
        _absorb_setup(transcript, self.params, sorted(self.codewords, reverse=True))
        layer = self.codewords[self.log_max]
        self._trees = []
        for log_n, log_r in self.schedule:
            tree = merkle.commit(_coset_rows(layer, log_r))
            transcript.absorb_root("fri/layer-root", tree.layers[-1][0])
            layer = self._next_layer(layer, log_n, log_r, transcript.squeeze_ext("fri/beta"))
            self._trees.append(tree)
        self._final_poly = self._final_coefficients(layer)
        transcript.absorb_field("fri/final-poly", self._final_poly)

    def _next_layer(self, layer: np.ndarray, log_n: int, log_r: int, beta) -> np.ndarray:
        """The layer folded by 2^log_r, plus beta^r times the codeword of the new size if any."""
        folded = _fold_layer(layer, log_n, log_r, beta)
        mixed = self.codewords.get(log_n - log_r)
        if mixed is not None:
            folded = ext.add(folded, ext.mul(mixed, ext.pow(beta, 1 << log_r)))
        return folded

    def _final_coefficients(self, layer: np.ndarray) -> np.ndarray:
        """The final layer's coefficients; ValueError if its degree is too high."""
        coeffs = ntt.intt(layer, shift=coset_shift(self.log_final))
        d = 1 << (self.log_final - self.params.log_blowup)
        if coeffs[d:].any():
            raise ValueError(f"the folded codeword has degree >= {d} on {layer.shape[0]} points: "
                             "the FRI input is not a low-degree codeword")
        return np.ascontiguousarray(coeffs[:d])

    def grind_and_sample(self, transcript) -> np.ndarray:
        """Grind pow_bits, then draw num_queries indices in [0, 2^log_max) (int64)."""
        if self._final_poly is None:
            raise RuntimeError("grind_and_sample() before commit()")
        self._pow_nonce = transcript.grind(self.params.pow_bits)
        return transcript.squeeze_indices("fri/queries", self.params.num_queries, 1 << self.log_max)

    def open(self, indices) -> FriProof:
        """The proof: roots, final polynomial, nonce, and every layer opened at `indices`."""
        if self._pow_nonce is None:
            raise RuntimeError("open() before grind_and_sample()")
        idx = np.asarray(indices)
        if (idx.shape != (self.params.num_queries,) or idx.dtype.kind not in "iu"
                or idx.min() < 0 or idx.max() >= 1 << self.log_max):
            raise ValueError(f"indices must be {self.params.num_queries} ints in [0, 2^{self.log_max})")
        idx = idx.astype(np.int64)
        rows, paths = [], []
        for tree in self._trees:
            r, p = tree.open(idx & (tree.n_rows - 1))
            rows.append(r)
            paths.append(p)
        return FriProof(layer_roots=[t.layers[-1][0].copy() for t in self._trees],
                        final_poly=self._final_poly.copy(), pow_nonce=self._pow_nonce,
                        layer_rows=rows, layer_paths=paths)


class FriVerifier:
    """Checks a FriProof for codewords of the sizes 2^s, s in log_sizes (the verifier's own
    knowledge); a malformed proof raises FriError here already."""

    def __init__(self, params: FriParameters, log_sizes: list[int], proof: FriProof):
        self.params = params
        self.log_sizes = _check_log_sizes(params, log_sizes)
        self.schedule, self.log_final = fold_schedule(params, log_sizes)
        self.log_max = self.log_sizes[0]
        self.proof = proof
        self._check_proof()
        self._betas: list[np.ndarray] | None = None

    def _check_proof(self) -> None:
        proof, q = self.proof, self.params.num_queries
        if not isinstance(proof, FriProof):
            raise FriError(f"not a FriProof: {type(proof).__name__}")
        n_layers = len(self.schedule)
        for name in ("layer_roots", "layer_rows", "layer_paths"):
            value = getattr(proof, name)
            if not isinstance(value, (list, tuple)) or len(value) != n_layers:
                raise FriError(f"{name}: expected a list of {n_layers} arrays")
        for k, (_, log_r) in enumerate(self.schedule):
            _check_array(proof.layer_roots[k], (8,), f"layer {k} root", canonical=False)
            _check_array(proof.layer_rows[k], (q, _D << log_r), f"layer {k} rows", canonical=True)
            paths = proof.layer_paths[k]
            if (not isinstance(paths, np.ndarray) or paths.dtype != np.uint32 or paths.ndim != 2
                    or paths.shape[1] != 8):
                raise FriError(f"layer {k} Merkle paths: expected a uint32 array of shape (m, 8)")
        d = 1 << (self.log_final - self.params.log_blowup)
        _check_array(proof.final_poly, (d, _D), "final polynomial", canonical=True)
        nonce = proof.pow_nonce
        if (isinstance(nonce, bool) or not isinstance(nonce, (int, np.integer))
                or not 0 <= int(nonce) < 1 << 64):
            raise FriError(f"proof of work: the nonce must be an int in [0, 2^64), got {nonce!r}")

    def absorb_commitments(self, transcript) -> None:
        """The transcript calls of FriProver.commit, drawing the same challenges."""
        _absorb_setup(transcript, self.params, self.log_sizes)
        self._betas = []
        for root in self.proof.layer_roots:
            transcript.absorb_root("fri/layer-root", root)
            self._betas.append(transcript.squeeze_ext("fri/beta"))
        transcript.absorb_field("fri/final-poly", self.proof.final_poly)

    def check_pow_and_sample(self, transcript) -> np.ndarray:
        """FriError if the nonce misses pow_bits; else the prover's query indices."""
        if self._betas is None:
            raise RuntimeError("check_pow_and_sample() before absorb_commitments()")
        bits, nonce = self.params.pow_bits, int(self.proof.pow_nonce)
        if not transcript.verify_pow(bits, nonce):
            raise FriError(f"proof of work: nonce {nonce} does not give {bits} leading zero bits")
        return transcript.squeeze_indices("fri/queries", self.params.num_queries, 1 << self.log_max)

    def verify_queries(self, indices, initial: dict[int, np.ndarray]) -> None:
        """Check every layer at the query `indices` (those check_pow_and_sample returned),
        `initial[s]` holding the size-2^s codeword at positions indices mod 2^s."""
        if self._betas is None:
            raise RuntimeError("verify_queries() before absorb_commitments()")
        q = self.params.num_queries
        idx = np.asarray(indices)
        if (idx.shape != (q,) or idx.dtype.kind not in "iu"
                or idx.min() < 0 or idx.max() >= 1 << self.log_max):
            raise FriError(f"query indices: expected {q} ints in [0, 2^{self.log_max})")
        idx = idx.astype(np.int64)
        values = _check_initial(initial, self.log_sizes, q)
        proof = self.proof
        expected = values[self.log_max]
        source = "the initial codeword"
        for k, ((log_n, log_r), beta) in enumerate(zip(self.schedule, self._betas)):
            log_rows = log_n - log_r
            row_idx = idx & ((1 << log_rows) - 1)
            root = proof.layer_roots[k].astype("<u4").tobytes()
            if not merkle.verify_batch(root, row_idx, proof.layer_rows[k], proof.layer_paths[k],
                                       1 << log_rows):
                raise FriError(f"layer {k}: the opened rows do not match the layer root")
            cosets = proof.layer_rows[k].reshape(q, 1 << log_r, _D)
            slot = (idx >> log_rows) & ((1 << log_r) - 1)
            _compare(cosets[np.arange(q), slot], expected, idx, f"layer {k}",
                     f"the opened value differs from {source}")
            expected = _fold_cosets(cosets, log_n, log_r, row_idx, beta)
            source = "the previous layer folded"
            if log_rows in values:
                expected = ext.add(expected, ext.mul(values[log_rows], ext.pow(beta, 1 << log_r)))
                source += f" plus the size-2^{log_rows} codeword"
        x = _points_at(field.root_of_unity(self.log_final), idx & ((1 << self.log_final) - 1),
                       self.log_final, coset_shift(self.log_final))
        final = np.zeros((q, _D), dtype=np.uint32)
        for c in proof.final_poly[::-1]:
            final = ext.add(ext.mul_base(final, x), c)
        _compare(final, expected, idx, "final layer",
                 f"the final polynomial differs from {source}")


# ---------------------------------------------------------------- folding

def coset_shift(log_n: int) -> int:
    """The shift of the coset every codeword of 2^log_n points lives on: 31^(2^(27 - log_n)).
    31 generates the multiplicative group, so the shift lies in no 2-power subgroup and
    the coset misses every trace domain; squaring it gives the shift of the next size down."""
    return field.ref_pow(GENERATOR, 1 << (TWO_ADICITY - log_n))


def _fold_pairs(y0, y1, half_xinv, beta) -> np.ndarray:
    """(y0 + y1)/2 + beta (y0 - y1)/(2x), given half_xinv = 1/(2x) (base field)."""
    even = ext.mul_base(ext.add(y0, y1), _INV2)
    odd = ext.mul_base(ext.sub(y0, y1), half_xinv)
    return ext.add(even, ext.mul(odd, beta))


def _fold_layer(values, log_n: int, log_arity: int, beta) -> np.ndarray:
    """A whole layer folded by 2^log_arity: that many binary folds with beta, beta^2, ..."""
    for _ in range(log_arity):
        half = values.shape[0] // 2
        w_inv = field.ref_inv(field.root_of_unity(log_n))
        half_xinv = field.powers(w_inv, half, start=field.ref_inv(2 * coset_shift(log_n)))
        values = _fold_pairs(values[:half], values[half:], half_xinv, beta)
        beta = ext.mul(beta, beta)
        log_n -= 1
    return values


def _fold_cosets(cosets, log_n: int, log_arity: int, row_idx, beta) -> np.ndarray:
    """The opened rows (q, r, 4) folded as `_fold_layer` folds the layer, row by row:
    row i holds the points x_i zeta^j, x_i = shift * w^i and zeta a primitive r-th root."""
    x_inv = _points_at(field.ref_inv(field.root_of_unity(log_n)), row_idx, log_n - log_arity,
                       field.ref_inv(coset_shift(log_n)))
    v = cosets
    for t in range(log_arity):
        h = v.shape[1] // 2
        zeta_inv = field.ref_inv(field.root_of_unity(log_arity - t))
        half_xinv = field.mul(field.mul(x_inv, _INV2)[:, None], field.powers(zeta_inv, h)[None, :])
        v = _fold_pairs(v[:, :h], v[:, h:], half_xinv, beta)
        x_inv = field.mul(x_inv, x_inv)
        beta = ext.mul(beta, beta)
    return v[:, 0]


def _points_at(g: int, positions, bits: int, start: int) -> np.ndarray:
    """start * g^positions elementwise (positions < 2^bits), from the bits of the positions."""
    out = np.full(positions.shape, start, dtype=np.uint32)
    for b in range(bits):
        hit = ((positions >> b) & 1).astype(bool)
        out[hit] = field.mul(out[hit], np.uint32(g))
        g = g * g % P
    return out


def _coset_rows(layer, log_arity: int) -> np.ndarray:
    """Row i = the values at positions i + j N/r, j < r: (N/r, 4r)."""
    r = 1 << log_arity
    n = layer.shape[0]
    return np.ascontiguousarray(layer.reshape(r, n // r, _D).transpose(1, 0, 2)).reshape(n // r, _D * r)


# ---------------------------------------------------------------- checks

def _absorb_setup(transcript, params: FriParameters, sizes) -> None:
    for name in ("log_blowup", "log_arity", "num_queries", "pow_bits", "log_final_size"):
        transcript.absorb_int("fri/" + name.replace("_", "-"), getattr(params, name))
    transcript.absorb_int("fri/num-codewords", len(sizes))
    for s in sizes:
        transcript.absorb_int("fri/log-size", s)


def _check_log_sizes(params: FriParameters, log_sizes) -> tuple[int, ...]:
    """The sizes, distinct ints in [log_blowup, 27], largest first (ValueError otherwise)."""
    sizes = list(log_sizes)
    if not sizes or any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) for s in sizes):
        raise ValueError(f"log_sizes must be a non-empty list of ints, got {log_sizes!r}")
    if len(set(sizes)) != len(sizes):
        raise ValueError(f"log_sizes must be distinct, got {sizes}")
    if not params.log_blowup <= min(sizes) <= max(sizes) <= TWO_ADICITY:
        raise ValueError(f"codeword log sizes must be in [log_blowup = {params.log_blowup}, "
                         f"{TWO_ADICITY}], got {sizes}")
    return tuple(sorted((int(s) for s in sizes), reverse=True))


def _check_codeword(log_size: int, codeword) -> np.ndarray:
    c = np.asarray(codeword)
    if c.dtype != np.uint32 or c.shape != (1 << log_size, _D):
        raise ValueError(f"the size-2^{log_size} codeword must be a ({1 << log_size}, {_D}) "
                         f"uint32 array, got {c.dtype} {c.shape}")
    if c.size and c.max() >= P:
        raise ValueError(f"the size-2^{log_size} codeword has values >= p")
    return c


def _check_array(a, shape, what: str, canonical: bool) -> None:
    if not isinstance(a, np.ndarray) or a.dtype != np.uint32 or a.shape != shape:
        got = f"{a.dtype} {a.shape}" if isinstance(a, np.ndarray) else type(a).__name__
        raise FriError(f"{what}: expected a uint32 array of shape {shape}, got {got}")
    if canonical and a.size and a.max() >= P:
        raise FriError(f"{what}: values >= p")


def _check_initial(initial, log_sizes, q: int) -> dict[int, np.ndarray]:
    if not isinstance(initial, Mapping) or set(initial) != set(log_sizes):
        raise FriError(f"initial values: expected one array per log size {sorted(log_sizes)}")
    out = {}
    for s in log_sizes:
        v = np.asarray(initial[s])
        if v.shape != (q, _D) or v.dtype.kind not in "iu" or v.min() < 0 or v.max() >= P:
            raise FriError(f"initial values of the size-2^{s} codeword: expected ({q}, {_D}) ints in [0, p)")
        out[s] = v.astype(np.uint32)
    return out


def _compare(got, expected, idx, where: str, what: str) -> None:
    bad = np.flatnonzero((got != expected).any(axis=1))
    if bad.size:
        raise FriError(f"{where}, query {bad[0]} (index {idx[bad[0]]}): {what}")
