"""The security calculator: the documented formulas, monotone, and about 100 bits by default."""

import math

import pytest

from prover import extension
from prover.fri import FriParameters
from prover.security import security_level

DEFAULTS = dict(log_max_lde=22, max_constraint_degree=3)


def test_defaults_give_between_96_and_128_conjectured_bits():
    report = security_level(FriParameters(), **DEFAULTS)
    assert 96 <= report.conjectured_bits <= 128


def test_more_queries_never_lower_the_level():
    levels = [security_level(FriParameters(num_queries=q), **DEFAULTS) for q in range(10, 300, 10)]
    for a, b in zip(levels, levels[1:]):
        assert a.conjectured_bits <= b.conjectured_bits
        assert a.proven_bits <= b.proven_bits


def test_every_term_is_reported_and_shown_in_the_description():
    report = security_level(FriParameters(), bus_rows=1 << 22, bus_fields=4, **DEFAULTS)
    names = {"FRI queries (conjectured, ethSTARK)", "DEEP/OOD point", "FRI folding challenges",
             "LogUp challenges", "constraint combination", "hash (BLAKE3 collisions)"}
    assert set(report.terms) == names
    proven_only = {"FRI queries (proven, unique decoding)", "FRI folding challenges (proven)"}
    assert proven_only <= set(report.proven_terms)
    text = report.describe()
    for name, bits in (report.terms | report.proven_terms).items():
        assert name in text and f"{bits:.1f}" in text
    assert "LogUp challenges" not in security_level(FriParameters(), **DEFAULTS).terms


def test_the_levels_are_the_weakest_terms():
    report = security_level(FriParameters(), bus_rows=1 << 20, **DEFAULTS)
    assert report.conjectured_bits == min(report.terms.values())
    assert report.proven_bits == min(report.proven_terms.values())
    assert report.proven_bits <= report.conjectured_bits


def test_terms_follow_the_documented_formulas():
    fri = FriParameters(log_blowup=2, num_queries=50, pow_bits=20)
    report = security_level(fri, log_max_lde=20, max_constraint_degree=4, bus_rows=1000,
                            bus_fields=3, num_constraints=64)
    k = math.log2(extension.ORDER)
    t = report.terms
    assert t["FRI queries (conjectured, ethSTARK)"] == 50 * 2 + 20
    assert t["DEEP/OOD point"] == pytest.approx(k - math.log2(4 * 2**18))
    assert t["FRI folding challenges"] == pytest.approx(k - 20)
    assert t["LogUp challenges"] == pytest.approx(k - math.log2(3000))
    assert t["constraint combination"] == pytest.approx(k - 6)
    assert report.proven_terms["FRI queries (proven, unique decoding)"] == pytest.approx(
        50 * -math.log2(1.25 / 2) + 20)


def test_logup_grinding_adds_its_bits_to_the_logup_term_alone():
    plain = security_level(FriParameters(), bus_rows=1 << 26, bus_fields=8, **DEFAULTS)
    ground = security_level(FriParameters(), bus_rows=1 << 26, bus_fields=8, logup_pow_bits=16, **DEFAULTS)
    assert ground.terms["LogUp challenges"] == pytest.approx(plain.terms["LogUp challenges"] + 16)
    assert ground.proven_terms["LogUp challenges"] == ground.terms["LogUp challenges"]
    for name, bits in plain.terms.items():
        if name != "LogUp challenges":
            assert ground.terms[name] == bits


def test_a_smaller_extension_field_lowers_the_field_terms():
    small = security_level(FriParameters(), extension_bits=93.0, **DEFAULTS)
    assert small.terms["DEEP/OOD point"] == pytest.approx(93.0 - math.log2(3) - 21)
    assert small.conjectured_bits < security_level(FriParameters(), **DEFAULTS).conjectured_bits


def test_nonsense_arguments_are_a_value_error():
    with pytest.raises(ValueError):
        security_level(FriParameters(), log_max_lde=22, max_constraint_degree=0)
    with pytest.raises(ValueError):
        security_level(FriParameters(), log_max_lde=0, max_constraint_degree=3)
