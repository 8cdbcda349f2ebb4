"""Expressions and the Air declaration: typing, canonical text, validation, witness checking, digest."""
import numpy as np
import pytest

from prover.air import Air, ConstraintError, Interaction
from prover.expr import IS_FIRST, IS_LAST, IS_TRANSITION, Challenge, Col, Const, Public
from prover.field import P

A = Col("main", 0, "a")
B = Col("main", 1, "b")
X = Col("aux", 0, "x")
PUB = Public(0, "out")
CH = Challenge(0, "beta")


# ---------------------------------------------------------------- expressions

def test_degree_counts_columns_and_selectors_not_constants():
    assert A.degree == A.next.degree == IS_FIRST.degree == 1
    assert Const(5).degree == PUB.degree == CH.degree == 0
    assert (A * B.next + 3).degree == 2
    assert ((A - 1) * A * IS_TRANSITION).degree == 3
    assert (A ** 3 * CH).degree == 3
    assert (-(A * B) - PUB * A).degree == 2


def test_is_ext_marks_aux_columns_and_challenges_and_propagates():
    assert not A.is_ext and not PUB.is_ext and not IS_LAST.is_ext and not (A * B + 1).is_ext
    assert X.is_ext and CH.is_ext
    assert (A * B + X).is_ext and (CH - A).is_ext and (X.next ** 2).is_ext


def test_text_is_canonical():
    assert str(A * B.next + 3) == "a * b' + 3"
    assert str(A - (B - 1)) == "a - (b - 1)"
    assert str(A - B - 1) == "a - b - 1"
    assert str((A + B) * (A - B)) == "(a + b) * (a - b)"
    assert str(-(A + B) * PUB) == "-(a + b) * pub.out"
    assert str((A * B) ** 2 + CH) == "(a * b)^2 + ch.beta"
    assert str(A * (B * IS_FIRST)) == "a * (b * is_first)"
    assert str(A * -1 + X) == "a * -1 + x"


def test_text_is_stable_across_equal_constructions():
    def build():
        return (A.next - A - B) * IS_TRANSITION + 7 * PUB * A ** 2
    assert str(build()) == str(build()) == "(a' - a - b) * is_transition + 7 * pub.out * a^2"


def test_ints_become_constants_mod_p():
    assert (A + (-1)).b.value == P - 1
    assert (A * (P + 3)).b.value == 3
    assert (A + 2**100).b.value == 2**100 % P
    assert str(A - (P - 2)) == "a - -2"


def test_constants_fold():
    assert isinstance(Const(3) * 4 + 1, Const) and (Const(3) * 4 + 1).value == 13
    assert A * 1 is A and A + 0 is A and A - 0 is A and -(-A) is A
    assert str(A * 0) == "0" and (A * 0).degree == 0
    assert str(0 - A) == "-a"
    assert A ** 1 is A and str(A ** 0) == "1" and (Const(2) ** 10).value == 1024


def test_next_of_a_next_column_is_an_error():
    with pytest.raises(ValueError, match="next"):
        A.next.next


def test_non_integer_operands_are_rejected():
    with pytest.raises(TypeError):
        A + 1.5
    with pytest.raises(ValueError):
        A ** -1


def test_expressions_are_immutable():
    with pytest.raises(AttributeError):
        A.index = 3


# ---------------------------------------------------------------- declaration

def fibonacci() -> Air:
    air = Air("fib", ["a", "b"], public=["first", "result"])
    a, b = air.cols("a", "b")
    air.when_first(a - air.pub("first"), "a starts at first")
    air.when_first(b - air.pub("first"), "b starts at first")
    air.when_transition(a.next - b, "a' = b")
    air.when_transition(b.next - a - b, "b' = a + b")
    air.when_last(b - air.pub("result"), "b ends at result")
    return air


def fib_trace(n: int, first: int = 1) -> np.ndarray:
    t = np.zeros((n, 2), dtype=np.uint32)
    a = b = first
    for i in range(n):
        t[i] = (a, b)
        a, b = b, (a + b) % P
    return t


def test_unknown_column_name_names_the_table():
    air = Air("cpu", ["pc"])
    with pytest.raises(KeyError, match="cpu.*'sp'"):
        air.col("sp")
    with pytest.raises(KeyError, match="cpu.*public.*'x'"):
        air.pub("x")


def test_columns_of_another_table_are_rejected():
    air = Air("cpu", ["pc"])
    other = Air("mem", ["addr"])
    with pytest.raises(ValueError, match="cpu.*addr"):
        air.constrain(other.col("addr") - 1)


def test_duplicate_or_reserved_names_are_rejected():
    with pytest.raises(ValueError, match="duplicate"):
        Air("t", ["x", "x"])
    with pytest.raises(ValueError, match="duplicate"):
        Air("t", ["x"], fixed=["x"])
    with pytest.raises(ValueError):
        Air("t", ["is_first"])
    with pytest.raises(ValueError):
        Air("t", ["a b"])
    with pytest.raises(ValueError):
        Air("t", ["pub.x"], public=["x"])


def test_columns_counts_and_max_degree():
    air = fibonacci()
    assert (air.n_main, air.n_fixed, air.n_aux, air.n_public, air.n_challenges) == (2, 0, 0, 2, 0)
    assert air.max_degree == 2 and len(air.constraints) == len(air.labels) == 5
    air.constrain(air.col("a") ** 3 * IS_TRANSITION)
    assert air.max_degree == 4


def test_aux_columns_and_challenges_are_declared_in_order():
    air = Air("t", ["a"], fixed=["f"])
    z0, z1 = air.aux_col("z0"), air.aux_col("z1")
    assert (z0.matrix, z0.index, z1.index, z0.is_ext) == ("aux", 0, 1, True)
    assert air.challenge("alpha").index == 0 and air.challenge("beta").index == 1
    assert air.challenge("alpha").index == 0 and air.n_challenges == 2
    assert air.col("f").matrix == "fixed" and air.col("z1") is z1


def test_interactions_record_bus_fields_multiplicity_and_direction():
    air = Air("cpu", ["pc", "op", "m"])
    pc, op, m = air.cols("pc", "op", "m")
    air.send("rom", [pc, op], m)
    air.receive("range", [pc.next - pc])
    sent, received = air.interactions
    assert sent == Interaction("rom", (pc, op), m, +1)
    assert (received.bus, received.direction, str(received.multiplicity)) == ("range", -1, "1")
    assert str(received.fields[0]) == "pc' - pc"


def test_interaction_fields_must_be_base_field():
    air = Air("t", ["a"])
    z = air.aux_col("z")
    with pytest.raises(ValueError, match="base"):
        air.send("bus", [z])


# ---------------------------------------------------------------- check

def test_fibonacci_check_passes_on_a_correct_trace():
    t = fib_trace(16)
    fibonacci().check(t, public=[1, int(t[-1, 1])])


def test_check_names_the_table_constraint_and_first_failing_row():
    t = fib_trace(16)
    result = int(t[-1, 1])
    t[6, 1] += 1
    with pytest.raises(ConstraintError, match=r"table 'fib': constraint \"b' = a \+ b\" fails at row 5 of 16"):
        fibonacci().check(t, public=[1, result])


def test_check_names_an_unlabelled_constraint_by_its_text():
    air = Air("t", ["a"])
    air.constrain(air.col("a") * (air.col("a") - 1))
    t = np.array([[0], [1], [2], [1]], dtype=np.uint32)
    with pytest.raises(ConstraintError, match=r"'a \* \(a - 1\)' fails at row 2 of 4"):
        air.check(t)


def test_transition_constraint_is_not_enforced_on_the_last_row():
    air = Air("t", ["a"])
    a = air.col("a")
    air.when_transition(a.next - a - 1)
    air.check(np.arange(8, dtype=np.uint32)[:, None])        # 7 -> 0 wraps, but is the last row
    t = np.arange(8, dtype=np.uint32)[:, None].copy()
    t[7] = 9
    with pytest.raises(ConstraintError, match="row 6 of 8"):
        air.check(t)


def test_when_first_and_when_last_hold_only_on_their_rows():
    air = Air("t", ["a"])
    a = air.col("a")
    air.when_first(a - 5, "first is 5")
    air.when_last(a - 9, "last is 9")
    air.check(np.array([[5], [0], [3], [9]], dtype=np.uint32))
    with pytest.raises(ConstraintError, match="first is 5.*row 0"):
        air.check(np.array([[4], [5], [3], [9]], dtype=np.uint32))
    with pytest.raises(ConstraintError, match="last is 9.*row 3"):
        air.check(np.array([[5], [0], [9], [8]], dtype=np.uint32))


def test_check_reports_the_lowest_failing_row_across_chunks():
    air = Air("t", ["a"])
    air.constrain(air.col("a"), "zero")
    t = np.zeros((40000, 1), dtype=np.uint32)
    t[[33000, 39000]] = 1
    with pytest.raises(ConstraintError, match="row 33000 of 40000"):
        air.check(t)


def test_check_uses_aux_constraints_only_when_aux_is_given():
    air = Air("t", ["a"])
    a, z = air.col("a"), air.aux_col("z")
    beta = air.challenge("beta")
    air.constrain(a * (a - 1), "bit")
    air.constrain(z - beta * a, "z = beta a")
    t = np.array([[0], [1], [1], [0]], dtype=np.uint32)
    air.check(t)                                              # aux constraints skipped
    ch = np.array([[3, 1, 4, 1]], dtype=np.uint32)
    aux = (t[:, :, None] * ch[None]).astype(np.uint32)       # beta * a, a in {0, 1}
    air.check(t, aux=aux, challenges=ch)
    aux[2, 0, 3] ^= 1
    with pytest.raises(ConstraintError, match="z = beta a.*row 2"):
        air.check(t, aux=aux, challenges=ch)


def test_check_reads_fixed_columns_and_public_values():
    air = Air("rom", ["v"], fixed=["f"], public=["k"])
    v, f = air.cols("v", "f")
    air.constrain(v - f * air.pub("k"), "v = f k")
    fixed = np.arange(8, dtype=np.uint32)[:, None]
    air.check(3 * fixed, fixed=fixed, public=[3])
    with pytest.raises(ConstraintError, match="v = f k.*row 1"):
        air.check(3 * fixed, fixed=fixed, public=[4])
    with pytest.raises(ValueError, match="rom.*fixed"):
        air.check(3 * fixed, public=[3])


def test_check_rejects_traces_of_the_wrong_shape():
    with pytest.raises(ValueError, match="fib.*main"):
        fibonacci().check(np.zeros((8, 3), dtype=np.uint32), public=[1, 1])
    with pytest.raises(ValueError, match="fib.*public"):
        fibonacci().check(fib_trace(8), public=[1])


# ---------------------------------------------------------------- digest

def test_digest_is_32_bytes_and_deterministic():
    assert len(fibonacci().digest()) == 32
    assert fibonacci().digest() == fibonacci().digest()


def test_digest_changes_when_a_constraint_changes():
    base = fibonacci()
    changed = fibonacci()
    changed.constraints[3] = changed.constraints[3] + 1
    extra = fibonacci()
    extra.constrain(extra.col("a") - extra.col("b"))
    assert len({base.digest(), changed.digest(), extra.digest()}) == 3


def test_digest_changes_with_columns_and_interactions_but_not_labels():
    def air(label="l", cols=("a", "b"), bus="rom"):
        t = Air("t", list(cols))
        t.constrain(t.col("a") - 1, label)
        t.send(bus, [t.col("a")])
        return t
    d = air().digest()
    assert air(label="other").digest() == d
    assert air(cols=("a", "c")).digest() != d
    assert air(bus="ram").digest() != d
