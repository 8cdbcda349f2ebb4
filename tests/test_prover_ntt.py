"""NTT, inverse NTT and coset LDE against a naive O(n^2) DFT on Python ints."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from prover import field, ntt
from prover.field import P

SETTINGS = dict(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# 1 column takes the one-dimensional kernels, 3 the column-by-column path, 9 the row kernels
COLUMNS = [(), (3,), (9,)]


def random(shape, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, P, shape, dtype=np.uint32)


def columns(a: np.ndarray) -> list:
    """Each column of an (n, ...) array as a list of ints."""
    flat = a.reshape(a.shape[0], -1)
    return [[int(x) for x in flat[:, c]] for c in range(flat.shape[1])]


@pytest.mark.parametrize("log_n", [0, 1, 2, 3, 5])
@pytest.mark.parametrize("cols", COLUMNS)
def test_ntt_matches_naive_dft(log_n, cols):
    c = random((1 << log_n,) + cols, seed=log_n)
    got = ntt.ntt(c)
    assert got.shape == c.shape
    assert columns(got) == [ntt.ref_dft(col) for col in columns(c)]


@pytest.mark.parametrize("cols", COLUMNS)
def test_ntt_on_a_coset_matches_naive_dft(cols):
    c = random((16,) + cols, seed=1)
    assert columns(ntt.ntt(c, shift=7)) == [ntt.ref_dft(col, 7) for col in columns(c)]


@settings(**SETTINGS)
@given(st.integers(0, 9), st.sampled_from([1, 3, 8, 12]), st.integers(1, P - 1), st.integers(0, 2**32))
def test_inverse_ntt_undoes_ntt(log_n, m, shift, seed):
    c = random((1 << log_n, m), seed)
    evals = ntt.ntt(c, shift=shift)
    assert (ntt.intt(evals, shift=shift) == c).all()
    assert (ntt.ntt(ntt.intt(c, shift=shift), shift=shift) == c).all()


@pytest.mark.parametrize("blowup", [1, 2, 4, 8])
@pytest.mark.parametrize("cols", COLUMNS)
def test_lde_of_low_degree_polynomial_equals_direct_evaluation_on_coset(blowup, cols):
    n, shift = 16, field.GENERATOR
    coeffs = random((n,) + cols, seed=blowup)
    evals = ntt.ntt(coeffs)                       # the polynomial on H
    got = ntt.lde(evals, blowup, shift)
    assert got.shape == (n * blowup,) + cols
    points = [int(x) for x in ntt.domain((n * blowup).bit_length() - 1, shift)]
    assert columns(got) == [[ntt.ref_eval(col, x) for x in points] for col in columns(coeffs)]


@pytest.mark.parametrize("cols", COLUMNS)
def test_lde_from_coefficients_equals_lde_from_evaluations(cols):
    coeffs = random((32,) + cols, seed=3)
    assert (ntt.lde(coeffs, 4, 5, coefficients=True) == ntt.lde(ntt.ntt(coeffs), 4, 5)).all()


@pytest.mark.parametrize("cols", COLUMNS)
def test_lde_with_shift_one_keeps_the_input_on_every_blowup_th_row(cols):
    v = random((64,) + cols, seed=4)
    assert (ntt.lde(v, 4, shift=1)[::4] == v).all()


def test_lde_stays_off_the_subgroup_with_the_default_shift():
    h = set(int(x) for x in ntt.domain(6))
    assert not h & set(int(x) for x in ntt.domain(6, ntt.DEFAULT_SHIFT))


def test_extension_columns_transform_like_base_columns():
    v = random((32, 3, 4), seed=5)               # 3 extension-field columns
    assert (ntt.lde(v, 2).reshape(64, 12) == ntt.lde(v.reshape(32, 12), 2)).all()
    assert (ntt.ntt(v).reshape(32, 12) == ntt.ntt(v.reshape(32, 12))).all()


@pytest.mark.parametrize("cols", COLUMNS)
def test_blocked_stages_agree_with_unblocked(monkeypatch, cols):
    c = random((1 << 9,) + cols, seed=6)
    plain = ntt.ntt(c), ntt.intt(c), ntt.lde(c, 2), ntt.lde(c, 4, coefficients=True)
    monkeypatch.setattr(ntt, "BLOCK_BYTES", 64)   # blocks of a few rows: most stages stream
    blocked = ntt.ntt(c), ntt.intt(c), ntt.lde(c, 2), ntt.lde(c, 4, coefficients=True)
    for x, y in zip(plain, blocked):
        assert (x == y).all()
    assert columns(blocked[0]) == [ntt.ref_dft(col) for col in columns(c)]


def test_threads_give_the_same_result():
    c = random((64, 40), seed=7)
    assert (ntt.lde(c, 2, threads=2) == ntt.lde(c, 2)).all()
    assert (ntt.ntt(c, threads=3) == ntt.ntt(c)).all()


def test_inputs_are_not_modified():
    c = random((32, 9), seed=8)
    d = random(32, seed=9)
    keep_c, keep_d = c.copy(), d.copy()
    ntt.ntt(c), ntt.intt(c), ntt.lde(c, 2), ntt.ntt(d), ntt.intt(d), ntt.lde(d, 2)
    assert (c == keep_c).all() and (d == keep_d).all()


def test_each_kernel_compiles_once_for_read_only_and_writable_inputs():
    from numba.core.registry import CPUDispatcher
    for cols in COLUMNS:
        for writable in (True, False):
            c = random((64,) + cols, seed=10)
            c.flags.writeable = writable
            ntt.ntt(c), ntt.intt(c, shift=3), ntt.lde(c, 2), ntt.lde(c, 2, coefficients=True)
    for name, kernel in vars(ntt).items():
        if isinstance(kernel, CPUDispatcher):
            assert len(kernel.signatures) <= 1, (name, kernel.signatures)


def test_domain_points_are_shifted_powers_of_the_root_of_unity():
    w = field.root_of_unity(4)
    assert [int(x) for x in ntt.domain(4, 3)] == [3 * pow(w, i, P) % P for i in range(16)]


def test_sizes_that_are_not_powers_of_two_are_rejected():
    with pytest.raises(ValueError, match="power of two"):
        ntt.ntt(random(12))
    with pytest.raises(ValueError, match="power of two"):
        ntt.lde(random(8), 3)


def test_sizes_beyond_two_adicity_are_rejected():
    with pytest.raises(ValueError, match="two-adicity"):
        ntt.lde(random(2), 1 << field.TWO_ADICITY)


def test_zero_shift_is_rejected():
    with pytest.raises(ValueError, match="nonzero"):
        ntt.lde(random(8), 2, shift=P)
