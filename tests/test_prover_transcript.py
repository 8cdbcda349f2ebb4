"""The Fiat-Shamir transcript: determinism, binding to everything absorbed, sampling, PoW."""

import time

import blake3
import numpy as np
import pytest

from prover.transcript import EXT_DEGREE, P, Transcript

ROOT = bytes(range(32))


def run(ops, protocol="test"):
    """A transcript after `ops` (method name, label, data...), then one challenge."""
    t = Transcript(protocol)
    for name, *args in ops:
        getattr(t, name)(*args)
    return t.squeeze_ext("alpha").tolist()


BASE = [("absorb_root", "trace", ROOT), ("absorb_field", "values", [1, 2, 3]),
        ("absorb_int", "n", 1024), ("absorb_bytes", "public", b"out")]


def test_prover_and_verifier_transcripts_agree():
    """Fed the same data, two transcripts give the same challenges, squeeze after squeeze."""
    a, b = Transcript("zkaot"), Transcript("zkaot")
    for t in (a, b):
        t.absorb_root("trace", ROOT)
        t.absorb_field("ood", np.arange(8, dtype=np.uint32))
    assert a.squeeze_field("beta") == b.squeeze_field("beta")
    assert np.array_equal(a.squeeze_ext("alpha", 3), b.squeeze_ext("alpha", 3))
    assert np.array_equal(a.squeeze_indices("queries", 100, 1 << 20), b.squeeze_indices("queries", 100, 1 << 20))
    assert a.state == b.state


@pytest.mark.parametrize("change", [
    lambda ops: [("absorb_root", "trace", bytes([1]) + ROOT[1:])] + ops[1:],
    lambda ops: [("absorb_root", "quotient", ROOT)] + ops[1:],
    lambda ops: [ops[0], ("absorb_field", "values", [1, 2, 4])] + ops[2:],
    lambda ops: [ops[0], ("absorb_field", "values", [1, 2, 3, 0])] + ops[2:],
    lambda ops: ops[:2] + [("absorb_int", "n", 1025)] + ops[3:],
    lambda ops: ops[:3] + [("absorb_bytes", "public", b"out!")],
    lambda ops: ops[:3] + [("absorb_bytes", "publi", b"cout")],
    lambda ops: [("absorb_bytes", "trace", ROOT)] + ops[1:],
    lambda ops: [ops[1], ops[0]] + ops[2:],
    lambda ops: ops[:-1],
    lambda ops: ops + [("absorb_bytes", "extra", b"")],
    lambda ops: ops[:2] + [("squeeze_field", "beta")] + ops[2:],
], ids=["root-bit", "label", "value", "extra-value", "int", "bytes", "label-data-split",
        "operation-kind", "order", "dropped", "added", "squeeze-in-between"])
def test_any_change_of_absorbed_data_changes_later_challenges(change):
    """Data, labels, operation kinds, order, and earlier squeezes all bind the challenges."""
    assert run(change(BASE)) != run(BASE)


def test_the_protocol_name_changes_the_challenges():
    """Transcripts of different protocols never agree."""
    assert run(BASE, protocol="a") != run(BASE, protocol="b")


def test_consecutive_squeezes_differ():
    """A squeeze ratchets the state, even with the same label."""
    t = Transcript()
    assert t.squeeze_field("x") != t.squeeze_field("x")


def test_field_elements_follow_the_documented_rejection_sampling():
    """Spec check: ratchet the state with the label, read the XOF as u32 words, keep
    w < 2p, return w mod p (exactly uniform)."""
    t = Transcript("spec")
    t.absorb_int("n", 7)
    state = t.state
    label = b"beta"
    ratchet = blake3.blake3(state + bytes([6]) + len(label).to_bytes(4, "little") + label
                            + (0).to_bytes(8, "little")).digest()
    words = np.frombuffer(blake3.blake3(ratchet).digest(length=4 * 400), dtype="<u4")
    expected = (words[words < 2 * P] % P)[:300]
    assert np.array_equal(t.squeeze_field("beta", 300), expected)
    assert t.state == ratchet


def test_field_elements_are_canonical_and_spread_over_the_field():
    """All below p; the mean and the top bit rate of a big sample are those of uniform values."""
    values = Transcript().squeeze_field("x", 100_000).astype(np.float64)
    assert values.max() < P
    assert abs(values.mean() / P - 0.5) < 0.01
    assert abs((values >= 2**30).mean() - (P - 2**30) / P) < 0.01


def test_extension_challenges_have_four_canonical_coordinates():
    """Degree-4 extension: shape (4,) for one, (n, 4) for several."""
    t = Transcript()
    one, many = t.squeeze_ext("a"), t.squeeze_ext("b", 5)
    assert one.shape == (EXT_DEGREE,) and many.shape == (5, EXT_DEGREE)
    assert one.max() < P and many.max() < P


def test_indices_lie_in_range_and_cover_it():
    """Non-power-of-two bound: values in [0, bound), every value seen in a large sample."""
    indices = Transcript().squeeze_indices("q", 20_000, 1000)
    assert indices.min() >= 0 and indices.max() < 1000
    assert np.unique(indices).size == 1000
    assert np.all(Transcript().squeeze_indices("q", 10, 1) == 0)


def test_absorb_field_rejects_non_canonical_values():
    """p and p + x would otherwise be two encodings of one element."""
    with pytest.raises(ValueError):
        Transcript().absorb_field("x", [P])
    with pytest.raises(ValueError):
        Transcript().absorb_field("x", [-1])


def test_grind_16_bits_takes_well_under_a_second_and_verifies():
    """The default grinding must be cheap for the prover (numba search) and one hash to check."""
    Transcript("warm-up").grind(1)
    prover, verifier = Transcript("pow"), Transcript("pow")
    start = time.perf_counter()
    nonce = prover.grind(16)
    elapsed = time.perf_counter() - start
    assert elapsed < 0.5, f"grinding 16 bits took {elapsed:.3f} s"
    assert verifier.verify_pow(16, nonce)
    assert prover.squeeze_field("after") == verifier.squeeze_field("after")


def test_grind_finds_the_least_valid_nonce():
    """Deterministic: every smaller nonce fails the check (pure-Python recount)."""
    t = Transcript("least")
    nonce = t.grind(8)
    for smaller in range(nonce):
        assert not Transcript("least").verify_pow(8, smaller)
    assert Transcript("least").verify_pow(8, nonce)


def test_verify_pow_rejects_a_wrong_nonce():
    """Other nonces, a nonce for another bit count, or one out of range."""
    nonce = Transcript("pow").grind(16)
    failures = [not Transcript("pow").verify_pow(16, n) for n in range(nonce + 1, nonce + 200)]
    assert sum(failures) >= 195          # about 2^-16 of nonces pass by chance
    assert not Transcript("pow").verify_pow(17, nonce)
    assert not Transcript("pow").verify_pow(16, -1)
    assert not Transcript("pow").verify_pow(16, 1 << 64)


def test_challenges_after_grinding_depend_on_the_nonce():
    """The nonce is absorbed: a verifier that checks another nonce gets other challenges."""
    prover, verifier = Transcript("pow"), Transcript("pow")
    nonce = prover.grind(4)
    verifier.verify_pow(4, nonce + 1)
    assert prover.squeeze_field("q") != verifier.squeeze_field("q")
