"""Compiled constraint evaluation against the Python-int reference (`expr.ref_eval`), and the selectors."""
import random

import numpy as np
import pytest

from prover import constraints as cs
from prover import extension as ext
from prover import field
from prover.expr import IS_FIRST, IS_LAST, IS_TRANSITION, Challenge, Col, Public, ref_eval
from prover.field import P

N = 3 * cs.BLOCK + 37           # not a multiple of the block: exercises the ragged last block
M, F, A, K, C = 6, 2, 2, 3, 2   # main, fixed, aux columns, publics, challenges

MAIN = [Col("main", i, f"m{i}") for i in range(M)]
FIXED = [Col("fixed", i, f"f{i}") for i in range(F)]
AUX = [Col("aux", i, f"x{i}") for i in range(A)]
PUBS = [Public(i, f"p{i}") for i in range(K)]
CHALS = [Challenge(i, f"c{i}") for i in range(C)]
CONSTS = [0, 1, -1, 2, -7, P, P + 5, 3 * P - 2, 2**64 + 9, -(2**70)]


def random_exprs(seed: int, count: int, with_ext: bool, size: int = 14):
    """Random constraints sharing subexpressions (a common pool), so CSE has work to do."""
    rnd = random.Random(seed)
    leaves = MAIN + [c.next for c in MAIN] + FIXED + [c.next for c in FIXED] + [IS_FIRST, IS_LAST, IS_TRANSITION]
    leaves += PUBS
    if with_ext:
        leaves += AUX + [c.next for c in AUX] + CHALS
    pool = list(leaves)

    def pick():
        return rnd.choice(CONSTS) if rnd.random() < 0.15 else rnd.choice(pool)

    exprs = []
    for _ in range(count):
        e = rnd.choice(pool)
        for _ in range(rnd.randrange(2, size)):
            op = rnd.randrange(6)
            if op == 0:
                e = e + pick()
            elif op == 1:
                e = pick() - e
            elif op == 2:
                e = e * pick()
            elif op == 3:
                e = -e
            elif op == 4:
                e = e ** rnd.randrange(0, 4)
            else:
                e = e - pick()
            if e.degree <= 4:
                pool.append(e)
        exprs.append(e)
    return exprs


def random_inputs(seed: int, n: int = N):
    rng = np.random.default_rng(seed)
    return dict(main=rng.integers(0, P, (n, M), dtype=np.uint32),
                fixed=rng.integers(0, P, (n, F), dtype=np.uint32),
                aux=rng.integers(0, P, (n, A, 4), dtype=np.uint32),
                selectors=rng.integers(0, P, (n, 3), dtype=np.uint32),
                public=rng.integers(0, P, K, dtype=np.uint32),
                challenges=rng.integers(0, P, (C, 4), dtype=np.uint32))


def lift(v):
    return v if isinstance(v, tuple) else (v, 0, 0, 0)


def ref_row(exprs, inputs, i: int, shift: int):
    """Every constraint's value at row i, by the reference."""
    n = inputs["main"].shape[0]

    def column(c):
        r = (i + shift) % n if c.is_next else i
        v = inputs[c.matrix][r, c.index]
        return tuple(int(x) for x in v) if c.matrix == "aux" else int(v)

    return [ref_eval(e, column=column, public=[int(x) for x in inputs["public"]],
                     challenges=[tuple(int(x) for x in r) for r in inputs["challenges"]],
                     selectors=[int(x) for x in inputs["selectors"][i]]) for e in exprs]


def combine(values, alpha):
    acc, a = (0, 0, 0, 0), (1, 0, 0, 0)
    for v in values:
        acc = ext.ref_add(acc, ext.ref_mul(a, lift(v)))
        a = ext.ref_mul(a, alpha)
    return acc


ALPHA = (123456789, 987654321, 5, P - 1)
ROWS = [0, 1, cs.BLOCK - 1, cs.BLOCK, cs.BLOCK + 1, 2 * cs.BLOCK + 3, N - 2, N - 1]


def check_domain(exprs, inputs, shift, rows=ROWS):
    program = cs.compile_constraints(exprs)
    got = cs.evaluate_on_domain(program, next_shift=shift, alpha=np.array(ALPHA, dtype=np.uint32), **inputs)
    assert got.shape == (inputs["main"].shape[0], 4)
    for i in rows:
        assert tuple(int(x) for x in got[i]) == combine(ref_row(exprs, inputs, i, shift), ALPHA), f"row {i}"


# ---------------------------------------------------------------- the domain kernel

def test_domain_evaluation_matches_reference_for_base_field_constraints():
    check_domain(random_exprs(1, 12, with_ext=False), random_inputs(1), shift=2)


def test_domain_evaluation_matches_reference_with_aux_columns_and_challenges():
    check_domain(random_exprs(2, 12, with_ext=True), random_inputs(2), shift=4)


def test_next_row_wraps_around_the_domain():
    exprs = [MAIN[0].next - MAIN[1], AUX[0].next * MAIN[2].next]
    check_domain(exprs, random_inputs(3), shift=1, rows=[N - 3, N - 2, N - 1])


def test_next_shift_larger_than_a_block_reads_the_right_rows():
    check_domain(random_exprs(4, 6, with_ext=True), random_inputs(4), shift=cs.BLOCK + 7)


def test_selectors_public_values_and_constants_are_operands():
    exprs = [IS_FIRST * MAIN[0] - PUBS[1], IS_LAST + 5 * PUBS[0] * MAIN[1].next,
             IS_TRANSITION * (MAIN[2] - 1) ** 2, CHALS[1] * IS_FIRST - PUBS[2]]
    check_domain(exprs, random_inputs(5), shift=2)


def test_negative_and_large_int_constants_fold_mod_p():
    x = MAIN[0]
    exprs = [x * -1 + (2**64 + 3), x - (-(2**40)) * x.next, (3 * P - 1) * x, x + P]
    check_domain(exprs, random_inputs(6), shift=2)


def test_scalar_only_constraint_is_a_constant_term():
    exprs = [MAIN[0], CHALS[0] * PUBS[0] - 3, PUBS[1] * 2]
    check_domain(exprs, random_inputs(7), shift=2)


def test_threads_split_rows_without_changing_the_result():
    inputs = random_inputs(8, n=4 * cs.BLOCK + 1)
    program = cs.compile_constraints(random_exprs(8, 8, with_ext=True))
    alpha = np.array(ALPHA, dtype=np.uint32)
    one = cs.evaluate_on_domain(program, next_shift=2, alpha=alpha, **inputs)
    three = cs.evaluate_on_domain(program, next_shift=2, alpha=alpha, threads=3, **inputs)
    assert np.array_equal(one, three)


def test_evaluate_each_gives_every_constraint_value():
    inputs = random_inputs(9)
    exprs = random_exprs(9, 6, with_ext=True)
    got = cs.evaluate_each(exprs, next_shift=3, start=cs.BLOCK - 2, stop=cs.BLOCK + 3,
                           **{k: v for k, v in inputs.items()})
    assert got.shape == (5, 6, 4)
    for j, i in enumerate(range(cs.BLOCK - 2, cs.BLOCK + 3)):
        assert [tuple(int(x) for x in v) for v in got[j]] == [lift(v) for v in ref_row(exprs, inputs, i, 3)]


def test_evaluate_each_is_base_field_for_base_constraints():
    inputs = random_inputs(10)
    exprs = random_exprs(10, 5, with_ext=False)
    got = cs.evaluate_each(exprs, next_shift=1, **{k: v for k, v in inputs.items() if k not in ("aux",)})
    assert got.shape == (N, 5)
    for i in (0, N - 1):
        assert [int(v) for v in got[i]] == ref_row(exprs, inputs, i, 1)


# ---------------------------------------------------------------- the compiler

def test_base_only_program_keeps_values_in_base_registers():
    program = cs.compile_constraints(random_exprs(11, 10, with_ext=False))
    assert program.n_ext == 0
    names = {line.split()[2] if "=" in line else line.split()[0] for line in program.listing()}
    assert names <= {"load_main", "load_fixed", "load_sel", "b_add", "b_sub", "b_mul", "b_add_s",
                     "b_rsub_s", "b_mul_s", "acc4", "acc_s"}


def test_extension_values_appear_only_where_aux_or_challenges_enter():
    x, y = MAIN[0], MAIN[1]
    program = cs.compile_constraints([(x * y - 1) * (y + 2) * CHALS[0] + AUX[0]])
    ops = [line.split()[2] for line in program.listing() if "=" in line]
    assert ops == ["load_main", "load_main", "b_mul", "b_add_s", "b_add_s", "b_mul",
                   "be_mul_s", "load_aux", "e_add"]


def test_common_subexpressions_are_computed_once():
    x, y = MAIN[0], MAIN[1]
    t1 = (x + y) * (x - y)
    t2 = (x + y) * (x - y)                 # equal, but a different tree
    program = cs.compile_constraints([t1 * y, t2 + 1, (y + x) * 2])
    ops = [line.split()[2] for line in program.listing() if "=" in line]
    assert ops.count("b_add") == 1 and ops.count("b_sub") == 1 and ops.count("load_main") == 2
    assert ops.count("b_mul") == 2                         # (x+y)(x-y), then times y


def test_registers_are_reused_after_last_use():
    x = MAIN[0]
    e = x
    for k in range(50):
        e = e * x + k
    program = cs.compile_constraints([e])
    assert len(program.code) > 100 and program.n_base <= 4


def test_powers_compile_to_square_and_multiply():
    program = cs.compile_constraints([MAIN[0] ** 13])
    ops = [line.split()[2] for line in program.listing() if "=" in line]
    assert ops.count("b_mul") == 5                         # x^2, x^4, x^8, x*x^4, x^5*x^8


# ---------------------------------------------------------------- the point evaluator

def point_inputs(seed: int):
    rng = np.random.default_rng(seed)

    def r(*shape):
        return rng.integers(0, P, shape + (4,), dtype=np.uint32)

    return dict(main_local=r(M), main_next=r(M), fixed_local=r(F), fixed_next=r(F), aux_local=r(A),
                aux_next=r(A), selectors=r(3), public=rng.integers(0, P, K, dtype=np.uint32), challenges=r(C))


def test_point_evaluation_matches_reference():
    exprs = random_exprs(12, 10, with_ext=True)
    pt = point_inputs(12)
    got = cs.evaluate_at_point(cs.compile_constraints(exprs), alpha=np.array(ALPHA, dtype=np.uint32), **pt)

    def column(c):
        return tuple(int(x) for x in pt[f"{c.matrix}_{'next' if c.is_next else 'local'}"][c.index])

    values = [ref_eval(e, column=column, public=[int(x) for x in pt["public"]],
                       challenges=[tuple(int(x) for x in v) for v in pt["challenges"]],
                       selectors=[tuple(int(x) for x in v) for v in pt["selectors"]]) for e in exprs]
    assert tuple(int(x) for x in got) == combine(values, ALPHA)


def test_point_evaluation_agrees_with_domain_evaluation_at_a_domain_row():
    inputs = random_inputs(13)
    exprs = random_exprs(13, 10, with_ext=True)
    program = cs.compile_constraints(exprs)
    alpha = np.array(ALPHA, dtype=np.uint32)
    shift, i = 5, N - 3
    domain = cs.evaluate_on_domain(program, next_shift=shift, alpha=alpha, **inputs)
    nxt = (i + shift) % N
    point = cs.evaluate_at_point(
        program, main_local=ext.from_base(inputs["main"][i]), main_next=ext.from_base(inputs["main"][nxt]),
        fixed_local=ext.from_base(inputs["fixed"][i]), fixed_next=ext.from_base(inputs["fixed"][nxt]),
        aux_local=inputs["aux"][i], aux_next=inputs["aux"][nxt], selectors=ext.from_base(inputs["selectors"][i]),
        public=inputs["public"], challenges=inputs["challenges"], alpha=alpha)
    assert np.array_equal(point, domain[i])


# ---------------------------------------------------------------- selectors

def lagrange(n: int, k: int, x):
    """L_k(x) over H = <w> of size n, by the product formula, in the extension."""
    w = field.root_of_unity(n.bit_length() - 1)
    xk = field.ref_pow(w, k)
    num, den = (1, 0, 0, 0), 1
    for j in range(n):
        if j != k:
            wj = field.ref_pow(w, j)
            num = ext.ref_mul(num, ext.ref_sub(lift(x), (wj, 0, 0, 0)))
            den = den * (xk - wj) % P
    return ext.ref_mul(num, (field.ref_inv(den), 0, 0, 0))


def test_selectors_on_the_trace_domain_are_the_row_indicators():
    log_n = 4
    n = 1 << log_n
    w = field.root_of_unity(log_n)
    h = field.powers(w, n)
    sel = cs.selectors(log_n, h)
    assert sel[:, 0].tolist() == [1] + [0] * (n - 1)
    assert sel[:, 1].tolist() == [0] * (n - 1) + [1]
    w_inv = field.ref_inv(w)
    assert sel[:, 2].tolist() == [(int(x) - w_inv) % P for x in h]
    assert [i for i in range(n) if sel[i, 2] == 0] == [n - 1]


def test_selectors_match_lagrange_polynomials_at_random_points():
    log_n = 3
    n = 1 << log_n
    w_inv = field.ref_inv(field.root_of_unity(log_n))
    pts = np.random.default_rng(14).integers(0, P, 20, dtype=np.uint32)
    sel = cs.selectors(log_n, pts)
    for x, row in zip(pts.tolist(), sel.tolist()):
        assert row[0] == lagrange(n, 0, x)[0]
        assert row[1] == lagrange(n, n - 1, x)[0]
        assert row[2] == (x - w_inv) % P


def test_selectors_at_an_extension_point_match_lagrange_polynomials():
    log_n = 3
    n = 1 << log_n
    zeta = (11, 22, 33, 44)
    got = [tuple(int(c) for c in r) for r in cs.selectors_at(log_n, np.array(zeta, dtype=np.uint32))]
    w_inv = field.ref_inv(field.root_of_unity(log_n))
    assert got == [lagrange(n, 0, zeta), lagrange(n, n - 1, zeta), ext.ref_sub(zeta, (w_inv, 0, 0, 0))]


def test_selectors_at_a_point_agree_with_the_domain_selectors():
    log_n = 5
    pts = np.array([3, 12345, field.root_of_unity(log_n)], dtype=np.uint32)
    sel = cs.selectors(log_n, pts)
    for x, row in zip(pts.tolist(), sel):
        assert np.array_equal(cs.selectors_at(log_n, ext.from_base(np.uint32(x))), ext.from_base(row))


@pytest.mark.parametrize("bad", [np.zeros((4, 2), dtype=np.uint32)])
def test_selectors_must_have_three_columns(bad):
    with pytest.raises(ValueError, match="selectors"):
        cs.evaluate_on_domain(cs.compile_constraints([MAIN[0]]), main=np.zeros((4, M), dtype=np.uint32),
                              next_shift=1, selectors=bad, alpha=np.zeros(4, dtype=np.uint32))
