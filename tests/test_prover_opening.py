"""Out-of-domain openings and DEEP quotients, against direct polynomial evaluation."""
import numpy as np
import pytest

from prover import extension as ext
from prover import field, ntt, opening
from prover.field import P
from prover.opening import (combine_columns, deep_quotient, evaluate_at, evaluate_coefficients_at, ext_powers,
                            recombine, weighted_column_sums)

rng = np.random.default_rng(7)


def _random_base(*shape):
    return rng.integers(0, P, size=shape, dtype=np.uint32)


def _ref_ext_eval(coeffs, z):
    """Horner over the extension with base coefficients."""
    acc = (0, 0, 0, 0)
    for c in reversed([int(x) for x in coeffs]):
        acc = ext.ref_add(ext.ref_mul(acc, tuple(int(v) for v in z)), (c, 0, 0, 0))
    return acc


def test_combine_columns_is_a_matrix_times_extension_vector():
    matrix, coeffs = _random_base(9, 5), _random_base(5, 4)
    expected = [[sum(int(matrix[i, c]) * int(coeffs[c, k]) for c in range(5)) % P for k in range(4)] for i in range(9)]
    assert combine_columns(matrix, coeffs).tolist() == expected


def test_combine_columns_gives_the_same_rows_on_one_thread_and_on_the_pool():
    """Few rows (the verifier's queries) are combined on the calling thread, many on the
    thread pool: the rows of a large matrix must not depend on which."""
    matrix, coeffs = _random_base(opening._SERIAL_ROWS + 3, 7), _random_base(7, 4)
    whole = combine_columns(matrix, coeffs)
    assert np.array_equal(combine_columns(matrix[:100], coeffs), whole[:100])
    assert np.array_equal(combine_columns(matrix[-50:], coeffs), whole[-50:])


def test_weighted_column_sums_is_the_transposed_product():
    matrix, weights = _random_base(37, 3), _random_base(37, 4)
    expected = [[sum(int(matrix[i, c]) * int(weights[i, k]) for i in range(37)) % P for k in range(4)] for c in range(3)]
    assert weighted_column_sums(matrix, weights).tolist() == expected


@pytest.mark.parametrize("log_n", [1, 3, 6])
def test_barycentric_evaluation_equals_the_interpolant_at_an_extension_point(log_n):
    coeffs = _random_base(1 << log_n, 2)
    values = ntt.ntt(coeffs)
    z = _random_base(4)
    got = evaluate_at(values, log_n, z)
    for c in range(2):
        assert tuple(got[c]) == _ref_ext_eval(coeffs[:, c], z)


def test_coefficient_evaluation_equals_horner():
    coeffs, z = _random_base(16, 3), _random_base(4)
    got = evaluate_coefficients_at(coeffs, z)
    assert [tuple(r) for r in got] == [_ref_ext_eval(coeffs[:, c], z) for c in range(3)]


def test_ext_powers_are_successive_products():
    z = _random_base(4)
    powers = ext_powers(z, 5)
    assert tuple(powers[3]) == ext.ref_pow(tuple(int(v) for v in z), 3)


def test_recombine_reads_four_component_values_as_one_extension_value():
    values = _random_base(8, 4)           # two extension columns, components evaluated at a point
    got = recombine(values)
    basis = [(1, 0, 0, 0), (0, 1, 0, 0), (0, 0, 1, 0), (0, 0, 0, 1)]
    for a in range(2):
        acc = (0, 0, 0, 0)
        for k in range(4):
            acc = ext.ref_add(acc, ext.ref_mul(tuple(int(v) for v in values[4 * a + k]), basis[k]))
        assert tuple(got[a]) == acc


def test_deep_quotient_of_a_true_opening_is_a_polynomial_of_lower_degree():
    log_n, blowup = 4, 2
    coeffs = _random_base(1 << log_n, 1)
    z = _random_base(4)
    points = ntt.domain(log_n + 1, field.GENERATOR)
    lde = ntt.lde(coeffs, blowup, coefficients=True)
    combined = combine_columns(lde, np.array([[1, 0, 0, 0]], dtype=np.uint32))
    claimed = np.array(_ref_ext_eval(coeffs[:, 0], z), dtype=np.uint32)
    quotient = deep_quotient(points, z, combined, claimed)
    q_coeffs = ntt.intt(quotient, shift=field.GENERATOR)
    assert not q_coeffs[(1 << log_n) - 1:].any()            # degree < n - 1
    wrong = deep_quotient(points, z, combined, ext.add(claimed, np.array([1, 0, 0, 0], dtype=np.uint32)))
    assert ntt.intt(wrong, shift=field.GENERATOR)[(1 << log_n) - 1:].any()
