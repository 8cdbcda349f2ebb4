"""RV32IMA: every RV32 instruction at 32-bit width (wrap-around at 2^32, shifts by 31 and
register shifts using 5 bits, division corners at INT32_MIN, loads extending to 32 bits,
.w atomics without a 64-bit sign extension), and the RV64-only encodings being illegal."""
import ctypes
from fractions import Fraction
from functools import partial

import pytest
from hypothesis import given, settings, strategies as st

import guest_asm
from guest_asm import CODE, DATA, EXIT, assert_fault, cases, reg
from translator.assembler import encode
from runtime.encoding import PROFILE_CLASSES, TABLE

# Every run here is RV32 (guest_asm.run also checks that no register holds more than 32 bits).
run, run_ok, rr, ri = (partial(f, xlen=32) for f in (guest_asm.run, guest_asm.run_ok, guest_asm.rr, guest_asm.ri))


M = 0xFFFF_FFFF                  # -1
MIN = 0x8000_0000                # INT32_MIN
MAX = 0x7FFF_FFFF                # INT32_MAX


# ---- ALU and M --------------------------------------------------------------------------------

RR_CASES = [
    ("add", M, 1, 0, "wraps-around-at-2^32"),
    ("add", MAX, 1, MIN, "signed-overflow-wraps"),
    ("sub", 0, 1, M, "borrow-gives-all-ones"),
    ("sub", MIN, 1, MAX, "signed-underflow-wraps"),
    ("sll", 1, 31, MIN, "by-31"),
    ("sll", 1, 32, 1, "uses-only-low-5-bits-of-rs2"),
    ("sll", 1, 63, MIN, "63-is-31"),
    ("sll", 0x1234, 0, 0x1234, "by-0"),
    ("srl", MIN, 31, 1, "by-31"),
    ("srl", M, 32, M, "uses-only-low-5-bits-of-rs2"),
    ("srl", M, 4, 0x0FFF_FFFF, "zero-fills"),
    ("sra", MIN, 31, M, "by-31-fills-with-the-sign"),
    ("sra", MIN, 4, 0xF800_0000, "fills-with-the-sign"),
    ("sra", MIN, 32, MIN, "uses-only-low-5-bits-of-rs2"),
    ("sra", MAX, 30, 1, "positive-fills-with-zeros"),
    ("slt", M, 0, 1, "minus-one-is-less-than-zero"),
    ("slt", 0, M, 0, "zero-is-not-less-than-minus-one"),
    ("slt", MIN, MAX, 1, "int-min-is-less-than-int-max"),
    ("sltu", M, 0, 0, "all-ones-is-the-largest"),
    ("sltu", MAX, MIN, 1, "compares-across-bit-31-unsigned"),
    ("xor", 0xFF00_FF00, 0x0FF0_0FF0, 0xF0F0_F0F0, "bits"),
    ("or", MIN, 1, MIN | 1, "bits"),
    ("and", M, 0x1234_5678, 0x1234_5678, "bits"),
    ("mul", M, M, 1, "minus-one-squared"),
    ("mul", 0x10000, 0x10000, 0, "keeps-only-the-low-32-bits"),
    ("mul", MIN, M, MIN, "int-min-times-minus-one-wraps"),
    ("mulh", M, M, 0, "minus-one-squared-has-zero-high-half"),
    ("mulh", M, 1, M, "minus-one-has-all-ones-high-half"),
    ("mulh", MIN, MIN, 0x4000_0000, "int-min-squared"),
    ("mulh", MIN, MAX, 0xC000_0000, "int-min-times-int-max"),
    ("mulhsu", M, M, M, "signed-minus-one-times-unsigned-max"),
    ("mulhsu", 1, M, 0, "one-times-unsigned-max"),
    ("mulhsu", MIN, M, MIN, "int-min-times-unsigned-max"),
    ("mulhu", M, M, 0xFFFF_FFFE, "unsigned-max-squared"),
    ("mulhu", MIN, 2, 1, "2^31-times-2"),
    ("div", 0xFFFF_FFF9, 2, 0xFFFF_FFFD, "rounds-toward-zero"),
    ("div", 7, 0, M, "by-zero-gives-all-ones"),
    ("div", MIN, M, MIN, "int-min-by-minus-one-gives-int-min"),
    ("divu", 7, 0, M, "by-zero-gives-all-ones"),
    ("divu", M, 2, MAX, "all-ones-by-two"),
    ("divu", MIN, M, 0, "int-min-by-all-ones-is-zero-unsigned"),
    ("rem", 0xFFFF_FFF9, 2, M, "takes-the-sign-of-the-dividend"),
    ("rem", 7, 0, 7, "by-zero-gives-the-dividend"),
    ("rem", MIN, M, 0, "int-min-by-minus-one-gives-zero"),
    ("remu", 7, 0, 7, "by-zero-gives-the-dividend"),
    ("remu", M, 10, 5, "all-ones-mod-ten"),
]

RI_CASES = [
    ("addi", M, 1, 0, "wraps-around-at-2^32"),
    ("addi", 0, -1, M, "negative-immediate-is-sign-extended-to-32-bits"),
    ("addi", 0, -2048, 0xFFFF_F800, "most-negative-immediate"),
    ("slti", M, 0, 1, "minus-one-is-less-than-zero"),
    ("slti", 0, -1, 0, "zero-is-not-less-than-minus-one"),
    ("sltiu", 0, -1, 1, "immediate-is-sign-extended-then-compared-unsigned"),
    ("sltiu", M, -1, 0, "all-ones-is-not-below-itself"),
    ("xori", 0x1234, -1, 0xFFFF_EDCB, "minus-one-inverts"),
    ("ori", 0, -2048, 0xFFFF_F800, "immediate-is-sign-extended"),
    ("andi", M, -2048, 0xFFFF_F800, "immediate-is-sign-extended"),
    ("andi", M, 2047, 0x7FF, "positive-immediate"),
    ("slli", 1, 31, MIN, "by-31"),
    ("slli", 0x1234, 0, 0x1234, "by-0"),
    ("slli", M, 1, 0xFFFF_FFFE, "drops-the-top-bit"),
    ("srli", MIN, 31, 1, "by-31"),
    ("srli", M, 0, M, "by-0"),
    ("srai", MIN, 31, M, "by-31-fills-with-the-sign"),
    ("srai", MIN, 0, MIN, "by-0"),
    ("srai", MAX, 1, 0x3FFF_FFFF, "positive"),
]


@pytest.mark.parametrize("op, a, b, expected", cases(RR_CASES))
def test_rv32_register_register_operation(op, a, b, expected):
    assert rr(op, a, b) == expected


@pytest.mark.parametrize("op, a, imm, expected", cases(RI_CASES))
def test_rv32_register_immediate_operation(op, a, imm, expected):
    assert ri(op, a, imm) == expected


def u32(v):
    return ctypes.c_uint32(v).value


def s32(v):
    return ctypes.c_int32(v).value


def _div(a, b):
    if b == 0:
        return -1
    return a if (a, b) == (-(1 << 31), -1) else int(Fraction(a, b))


def _rem(a, b):
    if b == 0:
        return a
    return 0 if (a, b) == (-(1 << 31), -1) else a - b * int(Fraction(a, b))


MODEL = {
    "add": lambda a, b: u32(a + b), "sub": lambda a, b: u32(a - b),
    "sll": lambda a, b: u32(a << (b % 32)), "srl": lambda a, b: a >> (b % 32),
    "sra": lambda a, b: u32(s32(a) >> (b % 32)),
    "slt": lambda a, b: int(s32(a) < s32(b)), "sltu": lambda a, b: int(a < b),
    "xor": lambda a, b: a ^ b, "or": lambda a, b: a | b, "and": lambda a, b: a & b,
    "mul": lambda a, b: u32(a * b), "mulh": lambda a, b: u32((s32(a) * s32(b)) >> 32),
    "mulhsu": lambda a, b: u32((s32(a) * b) >> 32), "mulhu": lambda a, b: (a * b) >> 32,
    "div": lambda a, b: u32(_div(s32(a), s32(b))), "divu": lambda a, b: a // b if b else M,
    "rem": lambda a, b: u32(_rem(s32(a), s32(b))), "remu": lambda a, b: a % b if b else a,
}
VALUE = st.one_of(st.sampled_from([0, 1, 2, 31, 32, MAX, MIN, M, M - 1]), st.integers(0, M))


@pytest.mark.parametrize("op", sorted(MODEL))
@settings(max_examples=25, deadline=None)
@given(a=VALUE, b=VALUE)
def test_rv32_operation_matches_the_model(op, a, b):
    assert rr(op, a, b) == MODEL[op](a, b)


def test_rv32_lui_does_not_extend_past_32_bits():
    result, _ = run_ok(f"lui a0, 0x80000\nlui a1, 0xfffff\nlui a2, 0x12345\n{EXIT}")
    assert (reg(result, "a0"), reg(result, "a1"), reg(result, "a2")) == (MIN, 0xFFFF_F000, 0x1234_5000)


def test_rv32_auipc_wraps_around_at_2_pow_32():
    result, _ = run_ok(f"auipc a0, 0\nauipc a1, 0x80000\nauipc a2, 0xfffff\n{EXIT}")
    assert reg(result, "a0") == CODE
    assert reg(result, "a1") == 4                     # 0x80000004 + 0x80000000 wraps to 4
    assert reg(result, "a2") == CODE + 8 - 0x1000


def test_rv32_writes_to_x0_are_discarded():
    result, machine = run_ok(f"addi zero, zero, 1\nlui zero, 1\nadd a0, zero, zero\n{EXIT}", regs={"a0": 5})
    assert reg(result, "a0") == 0 and machine.regs[0] == 0


def test_rv32_registers_hold_32_bits_even_when_preset_wider():
    result, _ = run_ok(f"addi a0, a1, 0\n{EXIT}", regs={"a1": 0x1_2345_6789})
    assert reg(result, "a0") == 0x2345_6789


# ---- loads and stores -------------------------------------------------------------------------

PATTERN = bytes([0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08])


@pytest.mark.parametrize("op, offset, expected", [
    ("lb", 0, 0xFFFF_FF81), ("lb", 8, 0x01), ("lbu", 0, 0x81),
    ("lh", 0, 0xFFFF_8281), ("lh", 8, 0x0201), ("lhu", 0, 0x8281),
    ("lw", 0, 0x8483_8281), ("lw", 8, 0x0403_0201),
])
def test_rv32_load_extends_to_32_bits(op, offset, expected):
    result, _ = run_ok(f"{op} a0, {offset}(a1)\n{EXIT}", regs={"a1": DATA}, data=PATTERN)
    assert reg(result, "a0") == expected and result.misaligned == 0


@pytest.mark.parametrize("op, offset, expected", [
    ("lw", 6, 0x0201_8887), ("lw", 1, 0x8584_8382), ("lh", 7, 0x0188), ("lhu", 3, 0x8584),
])
def test_rv32_misaligned_load_works_and_is_counted(op, offset, expected):
    result, _ = run_ok(f"{op} a0, {offset}(a1)\n{EXIT}", regs={"a1": DATA}, data=PATTERN)
    assert reg(result, "a0") == expected and result.misaligned == 1


@pytest.mark.parametrize("op, offset, written", [
    ("sb", 5, b"\x44"), ("sh", 4, b"\x44\x33"), ("sw", 4, b"\x44\x33\x22\x11"),
    ("sh", 7, b"\x44\x33"), ("sw", 6, b"\x44\x33\x22\x11"),
])
def test_rv32_store_writes_the_low_bytes(op, offset, written):
    result, machine = run_ok(f"{op} a0, {offset}(a1)\n{EXIT}", regs={"a0": 0x1122_3344, "a1": DATA},
                             data=b"\xaa" * 16)
    size = len(written)
    assert machine.memory.read(DATA, 16) == b"\xaa" * offset + written + b"\xaa" * (16 - offset - size)
    assert result.misaligned == (1 if offset % size else 0)


def test_rv32_address_arithmetic_wraps_around_at_2_pow_32():
    result, _ = run(f"lw a0, 4(a1)\n{EXIT}", regs={"a1": 0xFFFF_FFFC})
    assert_fault(result, CODE, "at 0x00000000", "null guard page")


# ---- control transfer -------------------------------------------------------------------------

@pytest.mark.parametrize("op, a, b, taken", [
    ("beq", M, M, True), ("beq", 0, MIN, False), ("bne", 1, 2, True), ("bne", M, M, False),
    ("blt", M, 0, True), ("blt", 0, M, False), ("blt", MIN, MAX, True),
    ("bge", 0, M, True), ("bge", M, 0, False), ("bge", MAX, MIN, True),
    ("bltu", 0, M, True), ("bltu", M, 0, False), ("bltu", MAX, MIN, True),
    ("bgeu", M, 0, True), ("bgeu", 0, M, False), ("bgeu", MIN, MAX, True),
])
def test_rv32_branch_compares_32_bit_values(op, a, b, taken):
    source = f"{op} a1, a2, yes\naddi a0, zero, 0\n{EXIT}yes:\naddi a0, zero, 1\n{EXIT}"
    result, _ = run_ok(source, regs={"a1": a, "a2": b})
    assert result.exit_code == int(taken)


def test_rv32_jal_and_jalr_link_the_next_pc():
    source = f"jal ra, 0x{CODE + 8:x}\nebreak\njalr t0, 8(a1)\nebreak\n{EXIT}"
    result, _ = run_ok(source, regs={"a1": CODE + 8})
    assert reg(result, "ra") == CODE + 4 and reg(result, "t0") == CODE + 12


def test_rv32_jalr_with_rd_equal_to_rs1_and_bit_0_set():
    result, _ = run_ok(f"jalr a1, 1(a1)\nebreak\n{EXIT}", regs={"a1": CODE + 8})
    assert reg(result, "a1") == CODE + 4


def test_rv32_jump_to_an_address_not_4_byte_aligned_faults():
    result, _ = run(f"jalr ra, 2(a1)\n{EXIT}", regs={"a1": CODE + 8})
    assert_fault(result, CODE, "jump to 0x8000000a, which is not 4-byte aligned")


def test_rv32_fence_is_a_no_op_and_ebreak_faults():
    result, _ = run("fence iorw, iorw\nebreak\n")
    assert_fault(result, CODE + 4, "ebreak")


# ---- atomics ----------------------------------------------------------------------------------

@pytest.mark.parametrize("op, old, operand, new", [
    ("amoswap.w", 1, M, M), ("amoadd.w", M, 1, 0), ("amoxor.w", 0xF0F0, 0xFF00, 0x0FF0),
    ("amoand.w", 0xF0F0, 0xFF00, 0xF000), ("amoor.w", 0xF0F0, 0xFF00, 0xFFF0),
    ("amomin.w", M, 1, M), ("amomin.w", MIN, MAX, MIN), ("amomax.w", M, 1, 1), ("amomax.w", MIN, MAX, MAX),
    ("amominu.w", M, 1, 1), ("amominu.w", MIN, MAX, MAX), ("amomaxu.w", M, 1, M), ("amomaxu.w", MAX, MIN, MIN),
])
def test_rv32_amo_returns_the_old_word_and_stores_the_combination(op, old, operand, new):
    result, machine = run_ok(f"{op} a0, a2, (a1)\n{EXIT}", data=old.to_bytes(4, "little") + b"\xaa" * 4,
                             regs={"a1": DATA, "a2": operand})
    assert reg(result, "a0") == old                   # no sign extension past 32 bits on RV32
    assert machine.memory.read(DATA, 8) == new.to_bytes(4, "little") + b"\xaa" * 4


def test_rv32_lr_sc_pair_succeeds_and_a_second_sc_fails():
    source = f"lr.w a0, (a1)\naddi a0, a0, 1\nsc.w a3, a0, (a1)\nsc.w a4, a0, (a1)\n{EXIT}"
    result, machine = run_ok(source, data=MIN.to_bytes(4, "little"), regs={"a1": DATA})
    assert (reg(result, "a3"), reg(result, "a4")) == (0, 1)
    assert machine.memory.read(DATA, 4) == (MIN + 1).to_bytes(4, "little")


def test_rv32_sc_without_reservation_fails_and_writes_nothing():
    result, machine = run_ok(f"sc.w a3, a2, (a1)\n{EXIT}", regs={"a1": DATA, "a2": 5})
    assert reg(result, "a3") == 1 and machine.memory.read(DATA, 4) == bytes(4)


def test_rv32_misaligned_atomic_faults():
    result, _ = run(f"amoadd.w a0, a2, (a1)\n{EXIT}", regs={"a1": DATA + 2})
    assert_fault(result, CODE, "must be 4-byte aligned")


# ---- ecall ------------------------------------------------------------------------------------

@pytest.mark.parametrize("a0, code", [(0, 0), (M, -1), (MIN, -(1 << 31)), (255, 255)])
def test_rv32_exit_code_is_a0_as_a_signed_32_bit_int(a0, code):
    result, _ = run_ok(EXIT, regs={"a0": a0})
    assert result.exit_code == code


def test_rv32_write_returns_the_length_in_a0():
    result, _ = run_ok(f"addi a7, zero, 64\necall\nadd s1, a0, zero\naddi a0, zero, 0\n{EXIT}",
                       regs={"a0": 3, "a1": DATA, "a2": 3}, data=b"abc")
    assert result.output == b"abc" and reg(result, "s1") == 3


# ---- what RV32 does not have --------------------------------------------------------------------

RV64_ONLY = [op for op in TABLE if op.xlens == (64,)]


@pytest.mark.parametrize("op", RV64_ONLY, ids=lambda op: f"{op.name}-{op.format.name}")
def test_rv64_only_encoding_is_an_illegal_instruction_on_rv32(op):
    word = op.match | 10 << 7 | 11 << 15                   # rd = a0, rs1 = a1, other fields zero
    if op.format.name == "SHIFT":
        word |= 1 << 25                                    # shamt[5]: only RV64 has it
    result, _ = run(f"addi t0, zero, 1\n.word {word:#x}\n{EXIT}", regs={"a1": DATA})
    assert_fault(result, CODE + 4, "illegal instruction", f"0x{word:08x}", "RV32IMA")


def test_rv32_slli_with_shamt_bit_5_is_illegal():
    word = encode("slli", 32, rd=10, rs1=11, imm=1) | 1 << 25
    result, _ = run(f".word {word:#x}\n{EXIT}")
    assert_fault(result, CODE, "illegal instruction")


def test_every_rv32_instruction_is_covered():
    covered = ({c[0] for c in RR_CASES + RI_CASES}
               | {"lui", "auipc", "lb", "lbu", "lh", "lhu", "lw", "sb", "sh", "sw",
                  "beq", "bne", "blt", "bge", "bltu", "bgeu", "jal", "jalr", "fence", "ebreak", "ecall",
                  "amoswap.w", "amoadd.w", "amoxor.w", "amoand.w", "amoor.w", "amomin.w", "amomax.w",
                  "amominu.w", "amomaxu.w", "lr.w", "sc.w"})
    rv32 = {op.name for op in TABLE if 32 in op.xlens and not op.ext and op.cls not in PROFILE_CLASSES}   # zkaot's RV32IMA
    assert rv32 == covered, rv32 ^ covered
