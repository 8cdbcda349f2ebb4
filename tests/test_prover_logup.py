"""The LogUp bus columns: aux_trace against a Python reference, message by message."""
import numpy as np
import pytest

from prover import extension as ext
from prover import logup
from prover.air import Air
from prover.expr import ref_eval
from prover.field import P

BETA = np.array([3, 1, 4, 1], dtype=np.uint32)
GAMMA = np.array([5, 9, 2, 6], dtype=np.uint32)


def mixed_air() -> Air:
    """Messages of every kind the kernel reads: columns, fixed columns, constants, affine
    forms, next-row fields, products as multiplicities and public values, both directions."""
    air = Air("mixed", main=["a", "b", "c", "m"], fixed=["f"], public=["k"])
    a, b, c, m, f = air.cols("a", "b", "c", "m", "f")
    air.send("x", [a, b], m)
    air.receive("x", [3 * a - b + 7, f], m * c)
    air.send("y", [c.next], 2)
    air.send("y", [a + air.pub("k")], b - 1)
    air.receive("z", [0, a, c, f, 5], -m)
    return air


def reference(air: Air, layout, main, fixed, public):
    """Each group's sum of +-m/d and the running sum, on Python ints."""
    n = main.shape[0]
    beta, gamma = (tuple(int(x) for x in v) for v in (BETA, GAMMA))
    out = np.zeros((n, layout.n_aux, 4), dtype=np.uint32)
    running = (0, 0, 0, 0)
    for r in range(n):
        def column(col):
            row = (r + col.is_next) % n
            return int((main if col.matrix == "main" else fixed)[row, col.index])

        def value(e):
            return ref_eval(e, column=column, public=[int(v) for v in public])

        row_sum = (0, 0, 0, 0)
        for g, group in enumerate(layout.groups):
            h = (0, 0, 0, 0)
            for i in group:
                message = air.interactions[i]
                d, power = ext.ref_add(gamma, (logup.bus_id(message.bus), 0, 0, 0)), beta
                for field_ in message.fields:
                    d = ext.ref_add(d, ext.ref_mul(power, (value(field_), 0, 0, 0)))
                    power = ext.ref_mul(power, beta)
                m = value(message.multiplicity) * message.direction % P
                h = ext.ref_add(h, ext.ref_mul((m, 0, 0, 0), ext.ref_inv(d)))
            out[r, g] = h
            row_sum = ext.ref_add(row_sum, h)
        running = ext.ref_add(running, row_sum)
        out[r, -1] = running
    return out


def random_trace(n: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    return (rng.integers(0, P, (n, 4), dtype=np.uint32), rng.integers(0, P, (n, 1), dtype=np.uint32),
            rng.integers(0, P, 1, dtype=np.uint32))


@pytest.mark.parametrize("max_degree", [3, 4, 6])
def test_aux_trace_equals_the_sum_of_fractions_of_each_group(max_degree):
    air = mixed_air()
    layout = logup.attach(air, max_degree)
    main, fixed, public = random_trace(300)      # a partial block of rows at the end
    aux, claimed = logup.aux_trace(air, layout, main, fixed, public, BETA, GAMMA)
    expected = reference(air, layout, main, fixed, public)
    assert np.array_equal(aux, expected)
    assert np.array_equal(claimed, expected[-1, -1])
    assert max(len(g) for g in layout.groups) == max_degree - 1


def test_aux_trace_satisfies_the_bus_constraints():
    air = mixed_air()
    layout = logup.attach(air, 3)
    main, fixed, public = random_trace(64, seed=2)
    aux, claimed = logup.aux_trace(air, layout, main, fixed, public, BETA, GAMMA)
    air.check(main, fixed, public, aux, np.stack([BETA, GAMMA, claimed]))


def test_a_zero_fingerprint_is_refused_with_its_row():
    air = Air("zero", main=["a"])
    air.send("x", [air.col("a")])
    layout = logup.attach(air, 3)
    main = np.ones((8, 1), dtype=np.uint32)
    # d = gamma + bus + beta a vanishes for a = -(gamma + bus) / beta: with beta = 1 and gamma = -bus, a = 0
    beta = np.array([1, 0, 0, 0], dtype=np.uint32)
    gamma = np.array([(P - logup.bus_id("x")) % P, 0, 0, 0], dtype=np.uint32)
    main[5, 0] = 0
    with pytest.raises(ValueError, match="zero on row 5"):
        logup.aux_trace(air, layout, main, None, np.zeros(0, np.uint32), beta, gamma)
