"""FRI: honest codewords pass, words far from low degree and every tampering fail."""

import dataclasses

import numpy as np
import pytest

from prover import field, ntt
from prover.fri import FriError, FriParameters, FriProof, FriProver, FriVerifier, coset_shift, fold_schedule
from prover.transcript import Transcript

PROTOCOL = "fri-test"


def low_degree(log_n, log_blowup=1, seed=0, extra=0):
    """A codeword on the size-2^log_n FRI coset of a random polynomial of degree
    < 2^(log_n - log_blowup) + extra."""
    rng = np.random.default_rng(seed)
    d = (1 << (log_n - log_blowup)) + extra
    coeffs = np.zeros((1 << log_n, 4), dtype=np.uint32)
    coeffs[:d] = rng.integers(0, field.P, size=(d, 4), dtype=np.uint32)
    return ntt.ntt(coeffs, shift=coset_shift(log_n))


def prove(params, codewords, prover_class=FriProver):
    prover = prover_class(params, codewords)
    transcript = Transcript(PROTOCOL)
    prover.commit(transcript)
    indices = prover.grind_and_sample(transcript)
    return prover.open(indices), indices


def verify(params, sizes, proof, codewords, *, indices=None, initial=None):
    """The verifier's three steps; `indices`/`initial` rewrite what it would pass."""
    verifier = FriVerifier(params, sizes, proof)
    transcript = Transcript(PROTOCOL)
    verifier.absorb_commitments(transcript)
    idx = verifier.check_pow_and_sample(transcript)
    values = {s: codewords[s][idx & ((1 << s) - 1)] for s in sizes}
    if indices is not None:
        idx = indices(idx)
    if initial is not None:
        values = initial(values)
    verifier.verify_queries(idx, values)
    return idx


def flip(array, index, bit=0):
    out = array.copy()
    out[index] ^= np.uint32(1 << bit)
    return out


# --- completeness


@pytest.mark.parametrize("log_arity", [1, 2, 3])
@pytest.mark.parametrize("sizes", [[3], [6], [10], [10, 7], [11, 9, 4]], ids=str)
def test_honest_low_degree_codewords_are_accepted(log_arity, sizes):
    """Single and mixed sizes (including ones an arity-8 step would skip) at arities 2, 4, 8."""
    params = FriParameters(log_arity=log_arity, num_queries=16, pow_bits=1)
    codewords = {s: low_degree(s, seed=s) for s in sizes}
    proof, _ = prove(params, codewords)
    verify(params, sizes, proof, codewords)


def test_blowup_4_and_a_larger_final_layer_are_accepted():
    params = FriParameters(log_blowup=2, log_arity=2, num_queries=8, pow_bits=0, log_final_size=5)
    codewords = {12: low_degree(12, log_blowup=2), 8: low_degree(8, log_blowup=2, seed=1)}
    proof, _ = prove(params, codewords)
    assert proof.final_poly.shape == (8, 4)
    verify(params, [12, 8], proof, codewords)


def test_fold_schedule_lands_on_every_codeword_size_and_on_the_final_size():
    steps, log_final = fold_schedule(FriParameters(log_arity=3), [20, 15, 4])
    assert steps == [(20, 3), (17, 2), (15, 3), (12, 3), (9, 3), (6, 2), (4, 1)]
    assert log_final == 3
    assert fold_schedule(FriParameters(), [2]) == ([], 2)       # smaller than the final size


def test_prover_and_verifier_draw_the_same_indices_and_the_nonce_meets_pow_bits():
    params = FriParameters(num_queries=40, pow_bits=16)
    codewords = {9: low_degree(9)}
    prover = FriProver(params, codewords)
    transcript = Transcript(PROTOCOL)
    prover.commit(transcript)
    before_grind = transcript.copy()
    indices = prover.grind_and_sample(transcript)
    proof = prover.open(indices)
    assert before_grind.verify_pow(16, proof.pow_nonce)
    assert indices.dtype == np.int64 and indices.min() >= 0 and indices.max() < 1 << 9
    assert np.array_equal(verify(params, [9], proof, codewords), indices)


# --- soundness


def test_a_codeword_of_one_degree_too_many_makes_the_prover_raise():
    params = FriParameters(num_queries=4, pow_bits=0)
    with pytest.raises(ValueError, match="not a low-degree codeword"):
        prove(params, {10: low_degree(10, extra=1)})


def test_a_low_degree_mixed_codeword_with_one_degree_too_many_makes_the_prover_raise():
    params = FriParameters(num_queries=4, pow_bits=0)
    with pytest.raises(ValueError, match="not a low-degree codeword"):
        prove(params, {10: low_degree(10), 6: low_degree(6, extra=1)})


class TruncatingProver(FriProver):
    """Goes on where the honest prover stops: sends the low coefficients of a final layer
    that is not of low degree."""

    def _final_coefficients(self, layer):
        coeffs = ntt.intt(layer, shift=coset_shift(self.log_final))
        return np.ascontiguousarray(coeffs[:1 << (self.log_final - self.params.log_blowup)])


@pytest.mark.parametrize("word", ["one degree too many", "random"])
def test_a_word_far_from_low_degree_is_rejected_even_if_the_prover_goes_on(word):
    params = FriParameters(num_queries=16, pow_bits=0)
    rng = np.random.default_rng(7)
    if word == "random":
        codeword = rng.integers(0, field.P, size=(1 << 10, 4), dtype=np.uint32)
    else:
        codeword = low_degree(10, extra=1)
    proof, _ = prove(params, {10: codeword}, TruncatingProver)
    with pytest.raises(FriError, match="final layer"):
        verify(params, [10], proof, {10: codeword})


def test_a_prover_switching_to_the_nearest_codeword_after_the_first_layer_is_caught():
    """The strongest simple cheat: commit the word f (1/8 of it corrupted) as layer 0 but
    fold the codeword g it is close to. A query passes only if its coset avoids the
    corruption, so 64 queries let it through with probability about (7/8)^128 ~ 4e-8."""
    params = FriParameters(num_queries=64, pow_bits=0)
    honest = low_degree(10)
    rng = np.random.default_rng(3)
    corrupt = rng.choice(1 << 10, size=1 << 7, replace=False)
    word = honest.copy()
    word[corrupt] = rng.integers(0, field.P, size=(corrupt.size, 4), dtype=np.uint32)

    class SwitchingProver(FriProver):
        def _next_layer(self, layer, log_n, log_r, beta):
            return super()._next_layer(honest if log_n == self.log_max else layer, log_n, log_r, beta)

    proof, _ = prove(params, {10: word}, SwitchingProver)
    with pytest.raises(FriError, match="layer 1.*previous layer folded"):
        verify(params, [10], proof, {10: word})


def test_initial_values_off_the_committed_codeword_are_rejected():
    """FRI ran on g, but the STARK's codeword f differs from g on a quarter of its points."""
    params = FriParameters(num_queries=64, pow_bits=0)
    g = low_degree(10)
    f = g.copy()
    f[::4] = low_degree(10, seed=9)[::4]
    proof, _ = prove(params, {10: g})
    with pytest.raises(FriError, match="layer 0.*initial codeword"):
        verify(params, [10], proof, {10: f})


# --- tampering: every mutation is a FriError


PARAMS = FriParameters(log_arity=2, num_queries=12, pow_bits=8)
SIZES = [9, 6, 3]


@pytest.fixture(scope="module")
def honest():
    codewords = {s: low_degree(s, seed=s) for s in SIZES}
    proof, _ = prove(PARAMS, codewords)
    verify(PARAMS, SIZES, proof, codewords)
    return proof, codewords


def mutated(proof, **changes):
    return dataclasses.replace(proof, **changes)


def test_a_flipped_bit_in_any_layer_root_is_rejected(honest):
    proof, codewords = honest
    for k in range(len(proof.layer_roots)):
        roots = list(proof.layer_roots)
        roots[k] = flip(roots[k], 3, bit=k)
        with pytest.raises(FriError):
            verify(PARAMS, SIZES, mutated(proof, layer_roots=roots), codewords)


def test_a_flipped_bit_in_any_opened_row_is_rejected(honest):
    proof, codewords = honest
    for k, layer in enumerate(proof.layer_rows):
        for column in (0, layer.shape[1] - 1):
            rows = list(proof.layer_rows)
            rows[k] = flip(layer, (k % layer.shape[0], column), bit=5)
            with pytest.raises(FriError, match=f"layer {k}"):
                verify(PARAMS, SIZES, mutated(proof, layer_rows=rows), codewords)


def test_a_flipped_bit_or_a_missing_digest_in_any_merkle_path_is_rejected(honest):
    proof, codewords = honest
    for k, path in enumerate(proof.layer_paths):
        assert path.shape[0] > 0
        for bad in (flip(path, (path.shape[0] - 1, 7), bit=31), path[:-1]):
            paths = list(proof.layer_paths)
            paths[k] = bad
            with pytest.raises(FriError, match=f"layer {k}"):
                verify(PARAMS, SIZES, mutated(proof, layer_paths=paths), codewords)


def test_a_flipped_bit_in_the_final_polynomial_is_rejected(honest):
    proof, codewords = honest
    for i in range(proof.final_poly.shape[0]):
        bad = mutated(proof, final_poly=flip(proof.final_poly, (i, i % 4), bit=1))
        with pytest.raises(FriError):
            verify(PARAMS, SIZES, bad, codewords)


def test_a_changed_pow_nonce_is_rejected(honest):
    proof, codewords = honest
    for nonce in (proof.pow_nonce + 1, proof.pow_nonce ^ 1 << 40, 0):
        if nonce != proof.pow_nonce:
            with pytest.raises(FriError):
                verify(PARAMS, SIZES, mutated(proof, pow_nonce=nonce), codewords)


def test_a_flipped_bit_in_the_initial_values_of_any_codeword_is_rejected(honest):
    proof, codewords = honest
    for s in SIZES:
        def corrupt(values, s=s):
            return values | {s: flip(values[s], (2, 1), bit=0)}
        with pytest.raises(FriError, match="layer|final"):
            verify(PARAMS, SIZES, proof, codewords, initial=corrupt)


def test_swapped_query_indices_are_rejected(honest):
    proof, codewords = honest

    def swap(idx):
        j = int(np.flatnonzero(idx != idx[0])[0])
        out = idx.copy()
        out[[0, j]] = out[[j, 0]]
        return out
    with pytest.raises(FriError):
        verify(PARAMS, SIZES, proof, codewords, indices=swap)


MALFORMED = {
    "not a proof": lambda p: (p.layer_roots, p.final_poly),
    "a layer missing": lambda p: mutated(p, layer_roots=p.layer_roots[:-1],
                                         layer_rows=p.layer_rows[:-1], layer_paths=p.layer_paths[:-1]),
    "rows for a query missing": lambda p: mutated(p, layer_rows=[r[:-1] for r in p.layer_rows]),
    "rows as int64": lambda p: mutated(p, layer_rows=[r.astype(np.int64) for r in p.layer_rows]),
    "rows as a list": lambda p: mutated(p, layer_rows=[r.tolist() for r in p.layer_rows]),
    "rows >= p": lambda p: mutated(p, layer_rows=[r | np.uint32(0xFFFFFFF0) for r in p.layer_rows]),
    "root of 7 words": lambda p: mutated(p, layer_roots=[r[:7] for r in p.layer_roots]),
    "paths of 4 columns": lambda p: mutated(p, layer_paths=[x[:, :4] for x in p.layer_paths]),
    "paths flat": lambda p: mutated(p, layer_paths=[x.reshape(-1) for x in p.layer_paths]),
    "final poly too long": lambda p: mutated(p, final_poly=np.vstack([p.final_poly, p.final_poly])),
    "final poly too short": lambda p: mutated(p, final_poly=p.final_poly[:1]),
    "final poly >= p": lambda p: mutated(p, final_poly=p.final_poly | np.uint32(0xFFFFFFF0)),
    "nonce negative": lambda p: mutated(p, pow_nonce=-1),
    "nonce a float": lambda p: mutated(p, pow_nonce=float(p.pow_nonce)),
    "nonce 2^64": lambda p: mutated(p, pow_nonce=1 << 64),
}


@pytest.mark.parametrize("change", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_proof_is_a_fri_error(honest, change):
    proof, codewords = honest
    with pytest.raises(FriError):
        verify(PARAMS, SIZES, change(proof), codewords)


BAD_QUERIES = {
    "indices one short": dict(indices=lambda i: i[:-1]),
    "indices out of range": dict(indices=lambda i: i + (1 << max(SIZES))),
    "indices as floats": dict(indices=lambda i: i.astype(float)),
    "initial size missing": dict(initial=lambda v: {s: v[s] for s in SIZES[:-1]}),
    "initial of 3 columns": dict(initial=lambda v: v | {6: v[6][:, :3]}),
    "initial >= p": dict(initial=lambda v: v | {9: v[9] + np.uint32(field.P)}),
}


@pytest.mark.parametrize("change", BAD_QUERIES.values(), ids=BAD_QUERIES.keys())
def test_malformed_query_inputs_are_a_fri_error(honest, change):
    proof, codewords = honest
    with pytest.raises(FriError):
        verify(PARAMS, SIZES, proof, codewords, **change)


def test_a_proof_for_other_codeword_sizes_is_rejected(honest):
    proof, codewords = honest
    with pytest.raises(FriError):
        verify(PARAMS, [9, 5, 3], proof, codewords | {5: low_degree(5)})


def test_a_proof_made_with_other_parameters_is_rejected(honest):
    proof, codewords = honest
    with pytest.raises(FriError):
        verify(dataclasses.replace(PARAMS, pow_bits=9), SIZES, proof, codewords)


# --- parameters and inputs


@pytest.mark.parametrize("changes", [dict(log_blowup=0), dict(log_arity=0), dict(log_arity=5),
                                     dict(num_queries=0), dict(pow_bits=-1), dict(pow_bits=33),
                                     dict(log_final_size=0), dict(num_queries=2.0),
                                     dict(log_blowup=True)], ids=str)
def test_invalid_parameters_are_a_value_error(changes):
    with pytest.raises(ValueError):
        FriParameters(**changes)


@pytest.mark.parametrize("codewords", [
    {}, {10: np.zeros((1 << 10, 4), dtype=np.int64)}, {10: np.zeros((1 << 9, 4), dtype=np.uint32)},
    {0: np.zeros((1, 4), dtype=np.uint32)}, {10: np.full((1 << 10, 4), field.P, dtype=np.uint32)},
], ids=["none", "int64", "wrong size", "below the blowup", "values >= p"])
def test_invalid_codewords_are_a_value_error(codewords):
    with pytest.raises(ValueError):
        FriProver(FriParameters(), codewords)


def test_proof_holds_only_ints_and_uint32_arrays(honest):
    proof, _ = honest
    for f in dataclasses.fields(FriProof):
        value = getattr(proof, f.name)
        items = value if isinstance(value, list) else [value]
        assert all(isinstance(x, int) or (isinstance(x, np.ndarray) and x.dtype == np.uint32)
                   for x in items), f.name
