"""BabyBear and its quartic extension: the numba kernels against the Python-int reference."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from prover import extension as ext
from prover import field
from prover.field import P

SETTINGS = dict(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
EDGES = [0, 1, 2, P - 2, P - 1]
elements = st.one_of(st.sampled_from(EDGES), st.integers(0, P - 1))
nonzero = st.one_of(st.sampled_from([1, 2, P - 2, P - 1]), st.integers(1, P - 1))
vectors = st.lists(elements, min_size=1, max_size=40)
ext_elements = st.one_of(st.tuples(*[st.sampled_from(EDGES)] * 4), st.tuples(*[elements] * 4))
ext_nonzero = ext_elements.filter(any)


def arr(xs) -> np.ndarray:
    return np.array(xs, dtype=np.uint32)


def ints(a: np.ndarray) -> list:
    return [int(x) for x in a.reshape(-1)]


def ext_tuples(a: np.ndarray) -> list:
    return [tuple(int(c) for c in row) for row in a.reshape(-1, 4)]


def is_prime(n: int) -> bool:
    return n > 1 and all(n % d for d in range(2, int(n**0.5) + 1))


# ---------------------------------------------------------------- base field: constants

def test_modulus_is_the_prime_15_times_2_pow_27_plus_1():
    assert P == 15 * 2**27 + 1 == 2013265921
    assert is_prime(P)
    assert (P - 1) % 2**field.TWO_ADICITY == 0 and ((P - 1) >> field.TWO_ADICITY) % 2 == 1


def test_generator_31_generates_the_multiplicative_group():
    assert field.GENERATOR == 31
    for q in (2, 3, 5):                     # p - 1 = 2^27 * 3 * 5
        assert pow(31, (P - 1) // q, P) != 1


def test_roots_of_unity_have_exact_order_and_nest():
    for k in range(field.TWO_ADICITY + 1):
        w = field.root_of_unity(k)
        assert pow(w, 2**k, P) == 1
        if k:
            assert pow(w, 2**(k - 1), P) == P - 1
            assert w * w % P == field.root_of_unity(k - 1)


def test_root_of_unity_beyond_two_adicity_is_rejected():
    with pytest.raises(ValueError):
        field.root_of_unity(field.TWO_ADICITY + 1)


def test_montgomery_constants_are_consistent():
    assert P * field.MONT_NEG_PINV % field.MONT_R == field.MONT_R - 1
    assert field.MONT_R2 == pow(2, 64, P)


# ---------------------------------------------------------------- base field: kernels vs reference

@settings(**SETTINGS)
@given(st.lists(st.tuples(elements, elements), min_size=1, max_size=40))
def test_add_matches_reference(pairs):
    a, b = zip(*pairs)
    assert ints(field.add(arr(a), arr(b))) == [field.ref_add(x, y) for x, y in pairs]


@settings(**SETTINGS)
@given(st.lists(st.tuples(elements, elements), min_size=1, max_size=40))
def test_sub_matches_reference(pairs):
    a, b = zip(*pairs)
    assert ints(field.sub(arr(a), arr(b))) == [field.ref_sub(x, y) for x, y in pairs]


@settings(**SETTINGS)
@given(st.lists(st.tuples(elements, elements), min_size=1, max_size=40))
def test_mul_matches_reference(pairs):
    a, b = zip(*pairs)
    assert ints(field.mul(arr(a), arr(b))) == [field.ref_mul(x, y) for x, y in pairs]


@settings(**SETTINGS)
@given(vectors)
def test_neg_matches_reference(a):
    assert ints(field.neg(arr(a))) == [field.ref_neg(x) for x in a]


@settings(**SETTINGS)
@given(vectors, st.one_of(st.sampled_from([0, 1, 2, P - 2, P - 1, P, 2 * (P - 1), 2**100]),
                          st.integers(0, 2**64)))
def test_pow_matches_reference(a, e):
    assert ints(field.pow(arr(a), e)) == [field.ref_pow(x, e) for x in a]


@settings(**SETTINGS)
@given(st.lists(nonzero, min_size=1, max_size=40), st.integers(-2**40, -1))
def test_pow_with_negative_exponent_matches_reference(a, e):
    assert ints(field.pow(arr(a), e)) == [field.ref_pow(x, e) for x in a]


@settings(**SETTINGS)
@given(st.lists(nonzero, min_size=1, max_size=40))
def test_batch_inverse_matches_reference(a):
    assert ints(field.inv(arr(a))) == [field.ref_inv(x) for x in a]


def test_batch_inverse_of_long_arrays_matches_reference():
    a = np.random.default_rng(0).integers(1, P, 64 * 3 + 5, dtype=np.uint32)   # full chains + tail
    a[:4] = [1, 2, P - 2, P - 1]
    assert ints(field.inv(a)) == [field.ref_inv(x) for x in ints(a)]


@pytest.mark.parametrize("where", [0, 63, 64, 150, 196])
def test_inverse_of_zero_in_a_long_array_names_the_first_zero(where):
    a = np.random.default_rng(1).integers(1, P, 197, dtype=np.uint32)
    a[where] = 0
    a[-1] = 0
    with pytest.raises(ZeroDivisionError, match=f"index {where}$"):
        field.inv(a)


def test_inverse_of_zero_raises_and_names_its_position():
    with pytest.raises(ZeroDivisionError, match="index 2"):
        field.inv(arr([1, 5, 0, 7]))
    with pytest.raises(ZeroDivisionError):
        field.ref_inv(0)


def test_operations_broadcast_and_keep_shapes():
    a = arr(np.arange(12).reshape(3, 4))
    assert field.mul(a, np.uint32(P - 1)).shape == (3, 4)
    assert ints(field.add(a, arr([1, 2, 3, 4]))) == ints((a + arr([1, 2, 3, 4])) % P)
    assert field.inv(a[:, 1:]).shape == (3, 3)
    assert field.inv(np.zeros(0, dtype=np.uint32)).shape == (0,)


def test_asfield_reduces_any_integers():
    assert ints(field.asfield([-1, P, 2**70, 5])) == [P - 1, 0, 2**70 % P, 5]
    assert ints(field.asfield(np.array([-3, 4], dtype=np.int8))) == [P - 3, 4]
    assert ints(field.asfield(np.array([2**64 - 1], dtype=np.uint64))) == [(2**64 - 1) % P]


def test_powers_match_reference():
    assert ints(field.powers(7, 37, start=3)) == [3 * pow(7, i, P) % P for i in range(37)]


# ---------------------------------------------------------------- extension: the modulus

def test_x4_minus_11_is_irreducible_by_the_binomial_criterion():
    # X^4 - a is irreducible over F_p iff a is not a square and p = 1 mod 4
    # (Lidl-Niederreiter 3.75 with n = 4: the only prime factor of n is 2).
    assert ext.W == 11 and ext.DEGREE == 4
    assert pow(11, (P - 1) // 2, P) == P - 1          # Euler: 11 is a non-residue
    assert P % 4 == 1


def _polymulmod(a, b, f):
    """Product of coefficient lists (low first) modulo the monic f, over F_p."""
    prod = [0] * (len(a) + len(b) - 1)
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            prod[i + j] = (prod[i + j] + x * y) % P
    d = len(f) - 1
    for k in range(len(prod) - 1, d - 1, -1):
        c = prod[k]
        if c:
            for i in range(d + 1):
                prod[k - d + i] = (prod[k - d + i] - c * f[i]) % P
    return (prod[:d] + [0] * d)[:d]


def _x_pow_mod(e, f):
    result, base = [1, 0, 0, 0], [0, 1, 0, 0]
    while e:
        if e & 1:
            result = _polymulmod(result, base, f)
        base = _polymulmod(base, base, f)
        e >>= 1
    return result


def _polygcd(a, b):
    def trim(u):
        while u and u[-1] == 0:
            u = u[:-1]
        return u
    a, b = trim(list(a)), trim(list(b))
    while b:
        inv_lead = pow(b[-1], P - 2, P)
        while len(a) >= len(b):
            c = a[-1] * inv_lead % P
            shift = len(a) - len(b)
            for i, y in enumerate(b):
                a[shift + i] = (a[shift + i] - c * y) % P
            a = trim(a)
        a, b = b, a
    return a


def _rabin_irreducible(f) -> bool:
    """Rabin: monic f of degree 4 is irreducible iff X^(p^4) = X mod f and
    gcd(X^(p^2) - X, f) = 1 (no factor of degree 1 or 2)."""
    x_p2 = _x_pow_mod(P**2, f)
    g = _polygcd(f, [(c - (i == 1)) % P for i, c in enumerate(x_p2)])
    return _x_pow_mod(P**4, f) == [0, 1, 0, 0] and len(g) == 1


def test_x4_minus_11_is_irreducible_by_rabins_test():
    assert _rabin_irreducible([P - 11, 0, 0, 0, 1])


def test_rabins_test_rejects_reducible_binomials():
    assert not _rabin_irreducible([P - 16, 0, 0, 0, 1])      # (X^2 - 4)(X^2 + 4)
    assert not _rabin_irreducible([P - 4, 0, 0, 0, 1])       # (X^2 - 2)(X^2 + 2)


def test_reference_multiplication_wraps_x4_to_11():
    assert ext.ref_mul((0, 1, 0, 0), (0, 0, 0, 1)) == (11, 0, 0, 0)
    assert ext.ref_mul((0, 0, 1, 0), (0, 0, 1, 0)) == (11, 0, 0, 0)
    assert ext.ref_mul((0, 0, 0, 1), (0, 0, 0, 1)) == (0, 0, 11, 0)


def test_soundness_constants():
    assert ext.ORDER == P**4 and ext.BITS == 123


# ---------------------------------------------------------------- extension: kernels vs reference

@settings(**SETTINGS)
@given(st.lists(st.tuples(ext_elements, ext_elements), min_size=1, max_size=20))
def test_ext_mul_matches_reference(pairs):
    a, b = zip(*pairs)
    assert ext_tuples(ext.mul(arr(a), arr(b))) == [ext.ref_mul(x, y) for x, y in pairs]


@settings(**SETTINGS)
@given(st.lists(st.tuples(ext_elements, ext_elements), min_size=1, max_size=20))
def test_ext_add_and_sub_match_reference(pairs):
    a, b = zip(*pairs)
    assert ext_tuples(ext.add(arr(a), arr(b))) == [ext.ref_add(x, y) for x, y in pairs]
    assert ext_tuples(ext.sub(arr(a), arr(b))) == [ext.ref_sub(x, y) for x, y in pairs]
    assert ext_tuples(ext.neg(arr(a))) == [ext.ref_neg(x) for x in a]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ext_nonzero, min_size=1, max_size=8))
def test_ext_inverse_matches_reference(a):
    assert ext_tuples(ext.inv(arr(a))) == [ext.ref_inv(x) for x in a]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ext_nonzero, min_size=1, max_size=8),
       st.one_of(st.sampled_from([0, 1, 2, P, P**4 - 1, P**4, -1]), st.integers(-2**70, 2**70)))
def test_ext_pow_matches_reference(a, e):
    assert ext_tuples(ext.pow(arr(a), e)) == [ext.ref_pow(x, e) for x in a]


def test_ext_kernels_on_more_than_one_block_match_reference():
    rng = np.random.default_rng(2)
    a = rng.integers(0, P, (600, 4), dtype=np.uint32)       # blocks of 256 and a partial one
    b = rng.integers(0, P, (600, 4), dtype=np.uint32)
    a[0], b[0] = P - 1, P - 1
    assert ext_tuples(ext.mul(a, b)) == [ext.ref_mul(x, y) for x, y in zip(ext_tuples(a), ext_tuples(b))]
    inv = ext.inv(a)
    assert (ext.mul(a, inv) == arr([1, 0, 0, 0])).all()
    assert ext_tuples(inv[::97]) == [ext.ref_inv(x) for x in ext_tuples(a[::97])]


def test_ext_inverse_of_zero_raises():
    with pytest.raises(ZeroDivisionError, match="index 1$"):
        ext.inv(arr([[1, 2, 3, 4], [0, 0, 0, 0]]))
    many = np.ones((300, 4), dtype=np.uint32)
    many[270] = 0
    with pytest.raises(ZeroDivisionError, match="index 270$"):
        ext.inv(many)
    with pytest.raises(ZeroDivisionError):
        ext.ref_inv((0, 0, 0, 0))


@settings(**SETTINGS)
@given(st.lists(st.tuples(ext_elements, elements), min_size=1, max_size=20))
def test_ext_mul_base_matches_embedding_then_mul(pairs):
    a, b = zip(*pairs)
    assert ext_tuples(ext.mul_base(arr(a), arr(b))) == \
        [ext.ref_mul(x, (y, 0, 0, 0)) for x, y in pairs]
    assert ext_tuples(ext.from_base(arr(b))) == [(y, 0, 0, 0) for y in b]


def test_ext_operations_broadcast_over_leading_axes():
    a = np.arange(24, dtype=np.uint32).reshape(2, 3, 4)
    one = arr([1, 0, 0, 0])
    assert (ext.mul(a, one) == a).all()
    assert ext.inv(a[:, 1:]).shape == (2, 2, 4)
    with pytest.raises(ValueError):
        ext.mul(arr([1, 2, 3]), arr([1, 2, 3]))


def test_each_kernel_compiles_once_for_read_only_and_writable_inputs():
    from numba.core.registry import CPUDispatcher
    for writable in (True, False):
        a = np.arange(1, 301, dtype=np.uint32)
        a.flags.writeable = writable
        e = a.reshape(-1, 4)
        field.add(a, a), field.sub(a, 1), field.mul(a, a[:1]), field.neg(a), field.pow(a, 5), field.inv(a)
        ext.mul(e, e), ext.mul(e, e[0]), ext.inv(e), ext.pow(e, 3), ext.mul_base(e, a[:75])
    for module in (field, ext):
        for name, kernel in vars(module).items():
            if isinstance(kernel, CPUDispatcher):
                assert len(kernel.signatures) <= 1, (name, kernel.signatures)
