"""RV64I integer computation: register-register and immediate ALU operations, the 32-bit
W forms, LUI and AUIPC, and the zero register.

Expected values are literal constants from the RISC-V unprivileged spec's definitions, or
come from the small ctypes model below; nothing here asks translator.interpreter how to
compute a result.
"""
import ctypes

import pytest
from hypothesis import given, settings, strategies as st

from guest_asm import CODE, EXIT, cases, reg, ri, rr, run, run_ok
from runtime.encoding import TABLE

M = 0xFFFF_FFFF_FFFF_FFFF          # -1
MIN = 0x8000_0000_0000_0000        # INT64_MIN
MAX = 0x7FFF_FFFF_FFFF_FFFF        # INT64_MAX
SEXT_BIT31 = 0xFFFF_FFFF_8000_0000  # 0x80000000 sign-extended from 32 bits


# ---- register-register ---------------------------------------------------------------------

RR_CASES = [
    ("add", 1, 2, 3, "small"),
    ("add", M, 1, 0, "wraps-around-at-2^64"),
    ("add", MAX, 1, MIN, "signed-overflow-wraps-to-int-min"),
    ("add", M, M, M - 1, "minus-one-plus-minus-one"),
    ("sub", 5, 3, 2, "small"),
    ("sub", 0, 1, M, "borrow-gives-all-ones"),
    ("sub", MIN, 1, MAX, "signed-underflow-wraps-to-int-max"),
    ("sll", 1, 63, MIN, "by-63"),
    ("sll", 0x1234, 0, 0x1234, "by-0"),
    ("sll", 1, 64, 1, "uses-only-low-6-bits-of-rs2"),
    ("sll", 1, 0xFFFF_0041, 2, "ignores-upper-bits-of-rs2"),
    ("sll", M, 4, 0xFFFF_FFFF_FFFF_FFF0, "drops-bits-shifted-out"),
    ("srl", MIN, 63, 1, "by-63"),
    ("srl", M, 0, M, "by-0"),
    ("srl", M, 4, 0x0FFF_FFFF_FFFF_FFFF, "zero-fills"),
    ("srl", M, 64 + 8, 0x00FF_FFFF_FFFF_FFFF, "uses-only-low-6-bits-of-rs2"),
    ("sra", MIN, 63, M, "by-63-fills-with-the-sign"),
    ("sra", MIN, 4, 0xF800_0000_0000_0000, "fills-with-the-sign"),
    ("sra", MAX, 62, 1, "positive-fills-with-zeros"),
    ("sra", M - 15, 2, M - 3, "minus-16-by-2-is-minus-4"),
    ("sra", MIN, 64, MIN, "uses-only-low-6-bits-of-rs2"),
    ("sra", 0x1234, 0, 0x1234, "by-0"),
    ("slt", M, 0, 1, "minus-one-is-less-than-zero"),
    ("slt", 0, M, 0, "zero-is-not-less-than-minus-one"),
    ("slt", MIN, MAX, 1, "int-min-is-less-than-int-max"),
    ("slt", M - 1, M, 1, "minus-two-is-less-than-minus-one"),
    ("slt", 5, 5, 0, "equal-is-not-less"),
    ("sltu", M, 0, 0, "all-ones-is-the-largest"),
    ("sltu", 0, M, 1, "zero-is-the-smallest"),
    ("sltu", MAX, MIN, 1, "compares-across-the-sign-bit-unsigned"),
    ("sltu", 7, 7, 0, "equal-is-not-less"),
    ("xor", 0xFF00_FF00, 0x0FF0_0FF0, 0xF0F0_F0F0, "bits"),
    ("xor", 0x1234, M, M ^ 0x1234, "with-all-ones-inverts"),
    ("or", 0xF0, 0x0F, 0xFF, "bits"),
    ("or", MIN, 1, MIN | 1, "top-and-bottom-bits"),
    ("and", 0xF0F0, 0xFF00, 0xF000, "bits"),
    ("and", M, 0x1234_5678_9ABC_DEF0, 0x1234_5678_9ABC_DEF0, "with-all-ones-keeps"),
]


@pytest.mark.parametrize("op, a, b, expected", cases(RR_CASES))
def test_register_register_operation(op, a, b, expected):
    assert rr(op, a, b) == expected


# ---- register-immediate --------------------------------------------------------------------

RI_CASES = [
    ("addi", M, 1, 0, "wraps-around-at-2^64"),
    ("addi", 0, -1, M, "negative-immediate-is-sign-extended"),
    ("addi", 0, -2048, 0xFFFF_FFFF_FFFF_F800, "most-negative-immediate"),
    ("addi", 0, 2047, 2047, "most-positive-immediate"),
    ("addi", MAX, 1, MIN, "signed-overflow-wraps"),
    ("addi", 0x1234, 0, 0x1234, "zero-immediate-copies"),
    ("slti", M, 0, 1, "minus-one-is-less-than-zero"),
    ("slti", 0, -1, 0, "zero-is-not-less-than-minus-one"),
    ("slti", M - 2048, -2048, 1, "minus-2049-is-less-than-minus-2048"),
    ("slti", 2047, 2047, 0, "equal-is-not-less"),
    ("sltiu", 0, -1, 1, "immediate-is-sign-extended-then-compared-unsigned"),
    ("sltiu", M - 1, -1, 1, "all-ones-minus-one-is-below-all-ones"),
    ("sltiu", M, -1, 0, "all-ones-is-not-below-itself"),
    ("sltiu", 0, 1, 1, "seqz-of-zero-is-one"),
    ("sltiu", 5, 1, 0, "seqz-of-nonzero-is-zero"),
    ("xori", 0x1234, -1, M ^ 0x1234, "minus-one-inverts"),
    ("xori", 0xF0, 0xFF, 0x0F, "bits"),
    ("xori", 0, -2048, 0xFFFF_FFFF_FFFF_F800, "immediate-is-sign-extended"),
    ("ori", 0, -2048, 0xFFFF_FFFF_FFFF_F800, "immediate-is-sign-extended"),
    ("ori", 0x100, 0xFF, 0x1FF, "bits"),
    ("andi", M, -2048, 0xFFFF_FFFF_FFFF_F800, "immediate-is-sign-extended"),
    ("andi", M, 2047, 0x7FF, "positive-immediate-clears-upper-bits"),
    ("andi", 0x1234_5678, 0xFF, 0x78, "low-byte"),
    ("slli", 1, 63, MIN, "by-63"),
    ("slli", 0x1234, 0, 0x1234, "by-0"),
    ("slli", 0xFFFF_FFFF, 32, 0xFFFF_FFFF_0000_0000, "by-32"),
    ("slli", M, 1, M - 1, "drops-the-top-bit"),
    ("srli", MIN, 63, 1, "by-63"),
    ("srli", M, 0, M, "by-0"),
    ("srli", M, 32, 0xFFFF_FFFF, "by-32-zero-fills"),
    ("srli", MIN, 1, 0x4000_0000_0000_0000, "by-1"),
    ("srai", MIN, 63, M, "by-63-fills-with-the-sign"),
    ("srai", MIN, 0, MIN, "by-0"),
    ("srai", MIN, 32, SEXT_BIT31, "by-32"),
    ("srai", 0x8000_0000, 31, 1, "bit-31-is-not-the-sign-on-rv64"),
]


@pytest.mark.parametrize("op, a, imm, expected", cases(RI_CASES))
def test_register_immediate_operation(op, a, imm, expected):
    assert ri(op, a, imm) == expected


# ---- RV64 word (W) operations ----------------------------------------------------------------

W_RR_CASES = [
    ("addw", 0x7FFF_FFFF, 1, SEXT_BIT31, "32-bit-overflow-sign-extends"),
    ("addw", 0xFFFF_FFFF, 1, 0, "wraps-around-at-2^32"),
    ("addw", 0x1_0000_0005, 0x2_0000_0003, 8, "ignores-the-upper-halves"),
    ("addw", 0, 0xFFFF_FFFF, M, "sign-extends-minus-one"),
    ("subw", 0, 1, M, "borrow-gives-all-ones"),
    ("subw", 0x8000_0000, 1, 0x7FFF_FFFF, "wraps-to-int32-max"),
    ("subw", 0x1_0000_0000, 0, 0, "ignores-the-upper-halves"),
    ("sllw", 1, 31, SEXT_BIT31, "into-bit-31-sign-extends"),
    ("sllw", 1, 32, 1, "uses-only-low-5-bits-of-rs2"),
    ("sllw", 0xFFFF_FFFF_0000_0001, 0, 1, "by-0-keeps-only-the-low-word"),
    ("sllw", 3, 31, SEXT_BIT31, "drops-bits-past-31"),
    ("srlw", 0xFFFF_FFFF_8000_0000, 31, 1, "by-31"),
    ("srlw", 0x8000_0000, 0, SEXT_BIT31, "by-0-sign-extends"),
    ("srlw", 0xFFFF_FFFF, 1, 0x7FFF_FFFF, "zero-fills-from-bit-31"),
    ("srlw", 0xFFFF_FFFF_0000_0000, 4, 0, "ignores-the-upper-half"),
    ("srlw", 0x8000_0000, 33, 0x4000_0000, "uses-only-low-5-bits-of-rs2"),
    ("sraw", 0x8000_0000, 31, M, "by-31-fills-with-bit-31"),
    ("sraw", 0x8000_0000, 0, SEXT_BIT31, "by-0-sign-extends"),
    ("sraw", 0x7FFF_FFFF, 30, 1, "positive"),
    ("sraw", 0x1234_5678_8000_0000, 4, 0xFFFF_FFFF_F800_0000, "the-sign-is-bit-31"),
    ("sraw", 0x8000_0000, 32, SEXT_BIT31, "uses-only-low-5-bits-of-rs2"),
]

W_RI_CASES = [
    ("addiw", 0x7FFF_FFFF, 1, SEXT_BIT31, "32-bit-overflow-sign-extends"),
    ("addiw", M, 1, 0, "wraps-around-at-2^32"),
    ("addiw", 0x1_2345_6789, 0, 0x2345_6789, "zero-immediate-is-sext.w"),
    ("addiw", 0x8000_0000, 0, SEXT_BIT31, "sext.w-of-bit-31"),
    ("addiw", 0, -2048, 0xFFFF_FFFF_FFFF_F800, "negative-immediate"),
    ("slliw", 1, 31, SEXT_BIT31, "by-31-sign-extends"),
    ("slliw", 0x1_0000_0001, 0, 1, "by-0-keeps-only-the-low-word"),
    ("slliw", 0xFFFF_FFFF, 16, 0xFFFF_FFFF_FFFF_0000, "drops-bits-past-31"),
    ("srliw", 0x8000_0000, 31, 1, "by-31"),
    ("srliw", 0x8000_0000, 0, SEXT_BIT31, "by-0-sign-extends"),
    ("srliw", M, 1, 0x7FFF_FFFF, "zero-fills-from-bit-31"),
    ("srliw", 0xF_0000_0000, 0, 0, "ignores-the-upper-half"),
    ("sraiw", 0x8000_0000, 31, M, "by-31-fills-with-bit-31"),
    ("sraiw", 0x8000_0000, 4, 0xFFFF_FFFF_F800_0000, "sign-extends-the-32-bit-result"),
    ("sraiw", 0x7FFF_FFFF_7FFF_FFFF, 31, 0, "the-sign-is-bit-31-not-bit-63"),
    ("sraiw", 0x8000_0000, 0, SEXT_BIT31, "by-0-sign-extends"),
]


@pytest.mark.parametrize("op, a, b, expected", cases(W_RR_CASES))
def test_word_register_register_operation(op, a, b, expected):
    assert rr(op, a, b) == expected


@pytest.mark.parametrize("op, a, imm, expected", cases(W_RI_CASES))
def test_word_register_immediate_operation(op, a, imm, expected):
    assert ri(op, a, imm) == expected


def test_addi_wraps_around_at_2_pow_64():
    assert ri("addi", M, 1) == 0


def test_sraiw_sign_extends_the_32_bit_result():
    assert ri("sraiw", 0x0000_0000_F000_0000, 4) == 0xFFFF_FFFF_FF00_0000


def test_shift_amount_register_uses_only_its_low_6_bits():
    assert rr("sll", 3, 0x7F) == rr("sll", 3, 63) == MIN


# ---- an independent model, checked on random operands ---------------------------------------

def u64(v):
    return ctypes.c_uint64(v).value


def s64(v):
    return ctypes.c_int64(v).value


def w32(v):
    """The spec's W rule: keep 32 bits, sign-extend to 64."""
    return u64(ctypes.c_int32(v).value)


MODEL = {
    "add": lambda a, b: u64(a + b),
    "sub": lambda a, b: u64(a - b),
    "sll": lambda a, b: u64(a << (b % 64)),
    "slt": lambda a, b: int(s64(a) < s64(b)),
    "sltu": lambda a, b: int(a < b),
    "xor": lambda a, b: a ^ b,
    "srl": lambda a, b: a >> (b % 64),
    "sra": lambda a, b: u64(s64(a) >> (b % 64)),
    "or": lambda a, b: a | b,
    "and": lambda a, b: a & b,
    "addw": lambda a, b: w32(a + b),
    "subw": lambda a, b: w32(a - b),
    "sllw": lambda a, b: w32(a << (b % 32)),
    "srlw": lambda a, b: w32(ctypes.c_uint32(a).value >> (b % 32)),
    "sraw": lambda a, b: w32(ctypes.c_int32(a).value >> (b % 32)),
}
IMMEDIATE_OF = {"addi": "add", "slti": "slt", "sltiu": "sltu", "xori": "xor", "ori": "or", "andi": "and",
                "slli": "sll", "srli": "srl", "srai": "sra", "addiw": "addw", "slliw": "sllw",
                "srliw": "srlw", "sraiw": "sraw"}
EDGES = [0, 1, 2, 31, 32, 63, 64, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, MAX, MIN, M, M - 1]
VALUE = st.one_of(st.sampled_from(EDGES), st.integers(0, M))


@pytest.mark.parametrize("op", sorted(MODEL))
@settings(max_examples=25, deadline=None)
@given(a=VALUE, b=VALUE)
def test_register_register_operation_matches_the_model(op, a, b):
    assert rr(op, a, b) == MODEL[op](a, b)


@pytest.mark.parametrize("op", sorted(IMMEDIATE_OF))
@settings(max_examples=25, deadline=None)
@given(a=VALUE, data=st.data())
def test_register_immediate_operation_matches_the_model(op, a, data):
    if op in ("slli", "srli", "srai"):
        imm = data.draw(st.integers(0, 63))
    elif op in ("slliw", "srliw", "sraiw"):
        imm = data.draw(st.integers(0, 31))
    else:
        imm = data.draw(st.integers(-2048, 2047))
    assert ri(op, a, imm) == MODEL[IMMEDIATE_OF[op]](a, u64(imm))


# ---- LUI and AUIPC -------------------------------------------------------------------------

@pytest.mark.parametrize("upper, expected", [
    (0x12345, 0x1234_5000),
    (0x7FFFF, 0x7FFF_F000),
    (0x80000, SEXT_BIT31),                       # bit 31 is copied into bits 63..32
    (0xFFFFF, 0xFFFF_FFFF_FFFF_F000),
    (0, 0),
], ids=["positive", "largest-positive", "sign-extends-bit-31", "minus-4096", "zero"])
def test_lui_loads_the_sign_extended_upper_immediate(upper, expected):
    result, _ = run_ok(f"lui a0, {upper:#x}\n{EXIT}", regs={"a0": M})
    assert reg(result, "a0") == expected           # the low 12 bits are cleared too


def test_auipc_adds_the_sign_extended_upper_immediate_to_its_own_pc():
    result, _ = run_ok("auipc a0, 0\nauipc a1, 1\nauipc a2, 0xfffff\nauipc a3, 0x80000\n" + EXIT)
    assert reg(result, "a0") == CODE
    assert reg(result, "a1") == CODE + 4 + 0x1000
    assert reg(result, "a2") == CODE + 8 - 0x1000
    assert reg(result, "a3") == 12                # 0x8000000c + 0xffffffff80000000 wraps to 12


# ---- the zero register and register aliasing -------------------------------------------------

@pytest.mark.parametrize("instruction", [
    "addi zero, zero, 5", "add zero, a1, a1", "sub zero, zero, a1", "lui zero, 0x12345",
    "auipc zero, 1", "slli zero, a1, 3", "addiw zero, a1, 1", "xori zero, zero, -1",
    "slt zero, zero, a1", "sltiu zero, zero, 1",
])
def test_writes_to_x0_are_discarded(instruction):
    result, machine = run(f"{instruction}\nadd a0, zero, zero\nor a3, zero, zero\n{EXIT}",
                          regs={"a1": 7, "a0": 99, "a3": 99})
    assert result.fault is None
    assert reg(result, "a0") == 0 and reg(result, "a3") == 0
    assert result.regs[0] == 0 and machine.regs[0] == 0


def test_x0_always_reads_zero_even_when_preset():
    result, _ = run(f"addi a0, zero, 0\n{EXIT}", regs={"a0": 5})
    assert reg(result, "a0") == 0


def test_destination_may_be_a_source():
    result, _ = run_ok(f"add a0, a0, a0\nsub a1, a1, a1\naddi a2, a2, 1\n{EXIT}",
                       regs={"a0": 21, "a1": 9, "a2": M})
    assert (reg(result, "a0"), reg(result, "a1"), reg(result, "a2")) == (42, 0, 0)


def test_every_rv64_alu_instruction_is_covered():
    covered = {c[0] for c in RR_CASES + RI_CASES + W_RR_CASES + W_RI_CASES} | {"lui", "auipc"}
    alu = {op.name for op in TABLE if 64 in op.xlens and op.format.name in ("R", "I", "SHIFT", "U")
           and op.match >> 25 != 1}                                  # funct7 = 1 is the M extension
    assert alu <= covered, alu - covered
