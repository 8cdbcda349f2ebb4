"""RV64M: multiplication, the high halves, division and remainder with every corner case
the spec defines (division by zero, INT_MIN / -1), and the 32-bit W forms.

Expected values are literal constants from the M chapter's table of division corner
cases, or come from the Fraction/ctypes model below, written independently of
translator.interpreter.
"""
import ctypes
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from guest_asm import EXIT, cases, rr, run
from runtime.encoding import TABLE

M = 0xFFFF_FFFF_FFFF_FFFF          # -1
MIN = 0x8000_0000_0000_0000        # INT64_MIN
MAX = 0x7FFF_FFFF_FFFF_FFFF        # INT64_MAX
SEXT_BIT31 = 0xFFFF_FFFF_8000_0000


def neg(v: int) -> int:
    """Two's complement of a small positive v, as a 64-bit register value."""
    return (1 << 64) - v


MUL_CASES = [
    ("mul", 3, 7, 21, "small"),
    ("mul", M, M, 1, "minus-one-squared"),
    ("mul", MIN, M, MIN, "int-min-times-minus-one-wraps"),
    ("mul", 1 << 32, 1 << 32, 0, "keeps-only-the-low-64-bits"),
    ("mul", 0x1_0000_0001, 0xFFFF_FFFF, M, "2^64-1"),
    ("mul", neg(3), 5, neg(15), "negative-times-positive"),
    ("mulh", M, M, 0, "minus-one-squared-has-zero-high-half"),
    ("mulh", M, 1, M, "minus-one-has-all-ones-high-half"),
    ("mulh", MIN, MIN, 0x4000_0000_0000_0000, "int-min-squared"),
    ("mulh", MIN, MAX, 0xC000_0000_0000_0000, "int-min-times-int-max"),
    ("mulh", 2, 3, 0, "small-positive"),
    ("mulh", MAX, MAX, 0x3FFF_FFFF_FFFF_FFFF, "int-max-squared"),
    ("mulhsu", M, M, M, "signed-minus-one-times-unsigned-max"),
    ("mulhsu", M, 1, M, "signed-minus-one-times-one"),
    ("mulhsu", 1, M, 0, "one-times-unsigned-max"),
    ("mulhsu", MIN, M, MIN, "int-min-times-unsigned-max"),
    ("mulhsu", 2, M, 1, "two-times-unsigned-max"),
    ("mulhsu", neg(2), 1 << 63, M, "minus-two-times-2^63"),
    ("mulhu", M, M, M - 1, "unsigned-max-squared"),
    ("mulhu", 1 << 63, 2, 1, "2^63-times-2"),
    ("mulhu", M, 1, 0, "times-one"),
    ("mulhu", MIN, MIN, 0x4000_0000_0000_0000, "2^63-squared"),
]

DIV_CASES = [
    ("div", 7, 2, 3, "rounds-toward-zero"),
    ("div", neg(7), 2, neg(3), "negative-dividend-rounds-toward-zero"),
    ("div", 7, neg(2), neg(3), "negative-divisor-rounds-toward-zero"),
    ("div", neg(7), neg(2), 3, "both-negative"),
    ("div", 12345, 0, M, "by-zero-gives-all-ones"),
    ("div", 0, 0, M, "zero-by-zero-gives-all-ones"),
    ("div", MIN, M, MIN, "int-min-by-minus-one-gives-int-min"),
    ("div", MIN, 1, MIN, "int-min-by-one"),
    ("divu", 7, 2, 3, "small"),
    ("divu", 7, 0, M, "by-zero-gives-all-ones"),
    ("divu", M, 2, MAX, "all-ones-by-two"),
    ("divu", M, M, 1, "all-ones-by-itself"),
    ("divu", MIN, M, 0, "int-min-by-all-ones-is-zero-unsigned"),
    ("rem", 7, 2, 1, "small"),
    ("rem", neg(7), 2, neg(1), "takes-the-sign-of-the-dividend"),
    ("rem", 7, neg(2), 1, "ignores-the-sign-of-the-divisor"),
    ("rem", neg(7), neg(2), neg(1), "both-negative"),
    ("rem", 12345, 0, 12345, "by-zero-gives-the-dividend"),
    ("rem", neg(5), 0, neg(5), "negative-by-zero-gives-the-dividend"),
    ("rem", MIN, M, 0, "int-min-by-minus-one-gives-zero"),
    ("remu", 7, 0, 7, "by-zero-gives-the-dividend"),
    ("remu", M, 10, 5, "all-ones-mod-ten"),
    ("remu", 5, M, 5, "smaller-dividend"),
    ("remu", neg(7), 2, 1, "negative-is-a-large-unsigned"),
]

MUL_W_CASES = [
    ("mulw", 0x7FFF_FFFF, 2, neg(2), "sign-extends-the-32-bit-product"),
    ("mulw", 0x1_0000_0003, 0x1_0000_0005, 15, "ignores-the-upper-halves"),
    ("mulw", 0x10000, 0x10000, 0, "wraps-around-at-2^32"),
    ("mulw", 0xFFFF, 0x10001, M, "0xffffffff-sign-extends"),
]

DIV_W_CASES = [
    ("divw", neg(7), 2, neg(3), "rounds-toward-zero"),
    ("divw", 0xFFFF_FFF9, 2, neg(3), "reads-a-negative-from-bit-31"),
    ("divw", 12345, 0, M, "by-zero-gives-all-ones"),
    ("divw", 0x8000_0000, 0xFFFF_FFFF, SEXT_BIT31, "int32-min-by-minus-one-gives-int32-min"),
    ("divw", 0xFFFF_FFFF_0000_0007, 2, 3, "ignores-the-upper-halves"),
    ("divw", 5, 0x1_0000_0000, M, "divisor-with-zero-low-word-is-zero"),
    ("divuw", 0xFFFF_FFFF, 1, M, "sign-extends-the-32-bit-quotient"),
    ("divuw", 0x8000_0000, 0, M, "by-zero-gives-all-ones"),
    ("divuw", 0xFFFF_FFFF, 2, 0x7FFF_FFFF, "unsigned-32-bit-dividend"),
    ("divuw", 5, 0x1_0000_0000, M, "divisor-with-zero-low-word-is-zero"),
    ("divuw", 0x8000_0000, 0xFFFF_FFFF, 0, "int32-min-by-all-ones-is-zero-unsigned"),
    ("remw", 0x8000_0000, 0xFFFF_FFFF, 0, "int32-min-by-minus-one-gives-zero"),
    ("remw", neg(7), 2, M, "takes-the-sign-of-the-dividend"),
    ("remw", 0x8000_0000, 0, SEXT_BIT31, "by-zero-gives-the-sign-extended-dividend"),
    ("remw", 0x1_0000_0005, 0, 5, "by-zero-gives-the-low-word-of-the-dividend"),
    ("remw", 7, neg(2), 1, "ignores-the-sign-of-the-divisor"),
    ("remuw", 0xFFFF_FFFF, 0, M, "by-zero-gives-the-sign-extended-dividend"),
    ("remuw", 0x1_8000_0001, 0x1_0000_0000, 0xFFFF_FFFF_8000_0001, "divisor-with-zero-low-word-is-zero"),
    ("remuw", 0xFFFF_FFFF, 10, 5, "unsigned-32-bit-dividend"),
    ("remuw", 0x8000_0007, 0x8000_0000, 7, "unsigned-32-bit-divisor"),
]


@pytest.mark.parametrize("op, a, b, expected", cases(MUL_CASES))
def test_multiply(op, a, b, expected):
    assert rr(op, a, b) == expected


@pytest.mark.parametrize("op, a, b, expected", cases(DIV_CASES))
def test_divide_and_remainder(op, a, b, expected):
    assert rr(op, a, b) == expected


@pytest.mark.parametrize("op, a, b, expected", cases(MUL_W_CASES + DIV_W_CASES))
def test_word_multiply_divide_and_remainder(op, a, b, expected):
    assert rr(op, a, b) == expected


def test_div_by_zero_gives_all_ones():
    assert rr("div", 42, 0) == rr("divu", 42, 0) == M


def test_div_int_min_by_minus_one_gives_int_min():
    assert rr("div", MIN, M) == MIN


def test_rem_int_min_by_minus_one_gives_zero():
    assert rr("rem", MIN, M) == 0


def test_division_by_zero_does_not_fault():
    result, _ = run(f"div a0, a1, zero\nrem a3, a1, zero\n{EXIT}", regs={"a1": 9})
    assert result.fault is None and result.regs[13] == 9


def test_quotient_times_divisor_plus_remainder_is_the_dividend():
    source = f"div a3, a1, a2\nrem a4, a1, a2\nmul a5, a3, a2\nadd a0, a5, a4\n{EXIT}"
    for a, b in ((neg(1234567), 89), (MIN, M), (55, 0), (neg(9), neg(4))):
        result, _ = run(source, regs={"a1": a, "a2": b})
        assert result.regs[10] == a


# ---- an independent model, checked on random operands ---------------------------------------

def u64(v):
    return ctypes.c_uint64(v).value


def s64(v):
    return ctypes.c_int64(v).value


def s32(v):
    return ctypes.c_int32(v).value


def u32(v):
    return ctypes.c_uint32(v).value


def quotient(a: int, b: int) -> int:
    """Division rounding toward zero (Fraction -> int truncates)."""
    return int(Fraction(a, b))


def sdiv(a, b, bits):
    lo = -(1 << (bits - 1))
    if b == 0:
        return -1
    if a == lo and b == -1:
        return a
    return quotient(a, b)


def srem(a, b, bits):
    if b == 0:
        return a
    if a == -(1 << (bits - 1)) and b == -1:
        return 0
    return a - b * quotient(a, b)


MODEL = {
    "mul": lambda a, b: u64(a * b),
    "mulh": lambda a, b: u64((s64(a) * s64(b)) >> 64),
    "mulhsu": lambda a, b: u64((s64(a) * b) >> 64),
    "mulhu": lambda a, b: (a * b) >> 64,
    "div": lambda a, b: u64(sdiv(s64(a), s64(b), 64)),
    "divu": lambda a, b: a // b if b else M,
    "rem": lambda a, b: u64(srem(s64(a), s64(b), 64)),
    "remu": lambda a, b: a % b if b else a,
    "mulw": lambda a, b: u64(s32(a * b)),
    "divw": lambda a, b: u64(s32(sdiv(s32(a), s32(b), 32))),
    "divuw": lambda a, b: u64(s32(u32(a) // u32(b))) if u32(b) else M,
    "remw": lambda a, b: u64(s32(srem(s32(a), s32(b), 32))),
    "remuw": lambda a, b: u64(s32(u32(a) % u32(b) if u32(b) else u32(a))),
}
EDGES = [0, 1, 2, 3, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x1_0000_0000, MAX, MIN, M, M - 1]
VALUE = st.one_of(st.sampled_from(EDGES), st.integers(0, M), st.integers(0, 0xFFFF_FFFF))


@pytest.mark.parametrize("op", sorted(MODEL))
@settings(max_examples=30, deadline=None)
@given(a=VALUE, b=VALUE)
def test_operation_matches_the_model(op, a, b):
    assert rr(op, a, b) == MODEL[op](a, b)


def test_every_rv64_m_instruction_is_covered():
    covered = {c[0] for c in MUL_CASES + DIV_CASES + MUL_W_CASES + DIV_W_CASES}
    m_ext = {op.name for op in TABLE if 64 in op.xlens and op.format.name == "R" and op.match >> 25 == 1}
    assert m_ext == covered == set(MODEL)
