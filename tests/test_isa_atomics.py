"""The A extension on a single hart: LR/SC reservations and every AMO, .w and .d, with
signed and unsigned min/max, the W forms' sign extension, register aliasing, and the faults
(atomics must be naturally aligned, and they are stores as far as the memory map goes)."""
import pytest

from guest_asm import CODE, DATA, EXIT, SMALL_RAM, assert_fault, reg, run, run_ok
from runtime.memory_map import INPUT_BASE
from runtime.encoding import TABLE

M = 0xFFFF_FFFF_FFFF_FFFF
MIN = 0x8000_0000_0000_0000
MAX = 0x7FFF_FFFF_FFFF_FFFF
GUARD = bytes(range(0xA0, 0xB0))       # recognisable bytes around the word under test


def width(op: str) -> int:
    return 4 if op.endswith(".w") else 8


def sext(value: int, size: int) -> int:
    """A loaded `size`-byte value as the 64-bit register holds it."""
    return int.from_bytes(value.to_bytes(size, "little"), "little", signed=True) & M


def memory_with(value: int, size: int) -> bytes:
    """16 bytes of GUARD, then the value at offset 16, then GUARD again."""
    return GUARD + value.to_bytes(size, "little") + GUARD


# (op, old memory value, rs2, new memory value, why)
AMO_CASES = [
    ("amoswap.w", 0x1111_1111, 0x2222_2222, 0x2222_2222, "stores-rs2"),
    ("amoswap.w", 5, 0xFFFF_FFFF_0000_0007, 7, "stores-the-low-word-of-rs2"),
    ("amoadd.w", 0xFFFF_FFFF, 1, 0, "wraps-around-at-2^32"),
    ("amoadd.w", 0x7FFF_FFFF, 1, 0x8000_0000, "overflows-into-bit-31"),
    ("amoxor.w", 0xF0F0_F0F0, 0xFFFF_0000, 0x0F0F_F0F0, "bits"),
    ("amoand.w", 0xF0F0_F0F0, 0xFFFF_0000, 0xF0F0_0000, "bits"),
    ("amoor.w", 0xF0F0_0000, 0x0000_0F0F, 0xF0F0_0F0F, "bits"),
    ("amomin.w", 0xFFFF_FFFF, 1, 0xFFFF_FFFF, "signed-minus-one-is-smaller"),
    ("amomin.w", 5, 3, 3, "small"),
    ("amomin.w", 0x8000_0000, 0x7FFF_FFFF, 0x8000_0000, "int32-min-is-smallest"),
    ("amomin.w", 0, 0xFFFF_FFFF, 0xFFFF_FFFF, "the-low-word-of-rs2-is-signed"),
    ("amomax.w", 0xFFFF_FFFF, 1, 1, "signed-one-is-larger"),
    ("amomax.w", 0x8000_0000, 0x7FFF_FFFF, 0x7FFF_FFFF, "int32-max-is-largest"),
    ("amomax.w", 3, 0x1_0000_0000, 3, "ignores-the-upper-half-of-rs2"),
    ("amominu.w", 0xFFFF_FFFF, 1, 1, "unsigned-one-is-smaller"),
    ("amominu.w", 5, 0x1_0000_0000, 0, "compares-the-low-word-of-rs2"),
    ("amomaxu.w", 0xFFFF_FFFF, 1, 0xFFFF_FFFF, "unsigned-all-ones-is-larger"),
    ("amomaxu.w", 5, 0x1_0000_0000, 5, "compares-the-low-word-of-rs2"),
    ("amoswap.d", 1, M, M, "stores-rs2"),
    ("amoadd.d", M, 1, 0, "wraps-around-at-2^64"),
    ("amoadd.d", 0xFFFF_FFFF, 1, 0x1_0000_0000, "carries-into-the-upper-half"),
    ("amoxor.d", MIN | 0xFF, M, MAX ^ 0xFF, "bits"),
    ("amoand.d", M, 0x1234_5678_9ABC_DEF0, 0x1234_5678_9ABC_DEF0, "bits"),
    ("amoor.d", MIN, 1, MIN | 1, "bits"),
    ("amomin.d", M, 1, M, "signed-minus-one-is-smaller"),
    ("amomin.d", MIN, MAX, MIN, "int64-min-is-smallest"),
    ("amomax.d", M, 1, 1, "signed-one-is-larger"),
    ("amomax.d", MIN, MAX, MAX, "int64-max-is-largest"),
    ("amominu.d", M, 1, 1, "unsigned-one-is-smaller"),
    ("amominu.d", MIN, MAX, MAX, "unsigned-across-bit-63"),
    ("amomaxu.d", M, 1, M, "unsigned-all-ones-is-larger"),
    ("amomaxu.d", MAX, MIN, MIN, "unsigned-across-bit-63"),
]
AMO_PARAMS = [pytest.param(*c[:4], id=f"{c[0]}-{c[4]}") for c in AMO_CASES]


@pytest.mark.parametrize("op, old, operand, new", AMO_PARAMS)
def test_amo_returns_the_old_value_and_stores_the_combination(op, old, operand, new):
    size = width(op)
    result, machine = run_ok(f"{op} a0, a2, (a1)\n{EXIT}", data=memory_with(old, size),
                             regs={"a1": DATA + 16, "a2": operand})
    assert reg(result, "a0") == sext(old, size)          # .w results are sign-extended
    assert machine.memory.read(DATA, 32 + size) == memory_with(new, size)
    assert reg(result, "a2") == operand & M
    assert result.misaligned == 0


@pytest.mark.parametrize("op, old, operand, new", AMO_PARAMS)
def test_amo_with_rd_equal_to_rs2_reads_rs2_before_writing_rd(op, old, operand, new):
    size = width(op)
    result, machine = run_ok(f"{op} a2, a2, (a1)\n{EXIT}", data=memory_with(old, size),
                             regs={"a1": DATA + 16, "a2": operand})
    assert reg(result, "a2") == sext(old, size)
    assert machine.memory.read(DATA + 16, size) == new.to_bytes(size, "little")


def test_amo_with_rd_equal_to_rs1_uses_the_address_then_overwrites_it():
    result, machine = run_ok(f"amoadd.d a1, a2, (a1)\n{EXIT}", data=memory_with(40, 8),
                             regs={"a1": DATA + 16, "a2": 2})
    assert reg(result, "a1") == 40
    assert machine.memory.read(DATA + 16, 8) == (42).to_bytes(8, "little")


def test_amo_to_x0_still_updates_memory():
    result, machine = run_ok(f"amoor.w zero, a2, (a1)\n{EXIT}", data=memory_with(0xF0, 4),
                             regs={"a1": DATA + 16, "a2": 0x0F})
    assert result.regs[0] == machine.regs[0] == 0
    assert machine.memory.read(DATA + 16, 4) == (0xFF).to_bytes(4, "little")


@pytest.mark.parametrize("suffix", ["", ".aq", ".rl", ".aqrl"])
def test_ordering_bits_do_not_change_what_an_amo_does(suffix):
    result, machine = run_ok(f"amoadd.w{suffix} a0, a2, (a1)\n{EXIT}", data=memory_with(7, 4),
                             regs={"a1": DATA + 16, "a2": 5})
    assert reg(result, "a0") == 7
    assert machine.memory.read(DATA + 16, 4) == (12).to_bytes(4, "little")


# ---- LR / SC ------------------------------------------------------------------------------------

@pytest.mark.parametrize("size, suffix", [(4, "w"), (8, "d")])
def test_lr_sc_pair_succeeds(size, suffix):
    source = f"lr.{suffix} a0, (a1)\naddi a0, a0, 1\nsc.{suffix} a3, a0, (a1)\n{EXIT}"
    result, machine = run_ok(source, data=memory_with(41, size), regs={"a1": DATA + 16, "a3": 99})
    assert reg(result, "a3") == 0                          # 0 means success
    assert machine.memory.read(DATA, 32 + size) == memory_with(42, size)


@pytest.mark.parametrize("suffix", ["", ".aq", ".rl", ".aqrl"])
def test_lr_sc_pair_succeeds_with_any_ordering_bits(suffix):
    source = f"lr.d{suffix} a0, (a1)\nsc.d{suffix} a3, a2, (a1)\n{EXIT}"
    result, machine = run_ok(source, data=memory_with(1, 8), regs={"a1": DATA + 16, "a2": 9})
    assert reg(result, "a3") == 0 and machine.memory.read(DATA + 16, 8) == (9).to_bytes(8, "little")


def test_lr_w_sign_extends_the_loaded_word():
    result, _ = run_ok(f"lr.w a0, (a1)\nlr.d a2, (a1)\n{EXIT}", data=memory_with(0x8000_0000, 4),
                       regs={"a1": DATA + 16})
    assert reg(result, "a0") == 0xFFFF_FFFF_8000_0000
    assert reg(result, "a2") == int.from_bytes(b"\x00\x00\x00\x80" + GUARD[:4], "little")


def test_sc_w_stores_only_the_low_word_of_rs2():
    source = f"lr.w a0, (a1)\nsc.w a3, a2, (a1)\n{EXIT}"
    result, machine = run_ok(source, data=memory_with(0, 4), regs={"a1": DATA + 16, "a2": 0x1_2345_6789})
    assert reg(result, "a3") == 0
    assert machine.memory.read(DATA, 36) == memory_with(0x2345_6789, 4)


@pytest.mark.parametrize("size, suffix", [(4, "w"), (8, "d")])
def test_sc_without_reservation_fails_and_writes_nothing(size, suffix):
    result, machine = run_ok(f"sc.{suffix} a3, a2, (a1)\n{EXIT}", data=memory_with(5, size),
                             regs={"a1": DATA + 16, "a2": 77})
    assert reg(result, "a3") != 0 and reg(result, "a3") == 1
    assert machine.memory.read(DATA, 32 + size) == memory_with(5, size)


def test_sc_clears_the_reservation_so_a_second_sc_fails():
    source = f"lr.d a0, (a1)\nsc.d a3, a2, (a1)\nsc.d a4, a5, (a1)\n{EXIT}"
    result, machine = run_ok(source, data=memory_with(1, 8), regs={"a1": DATA + 16, "a2": 2, "a5": 3})
    assert (reg(result, "a3"), reg(result, "a4")) == (0, 1)
    assert machine.memory.read(DATA + 16, 8) == (2).to_bytes(8, "little")


def test_sc_to_a_different_address_fails():
    source = f"lr.w a0, (a1)\nsc.w a3, a2, (a4)\n{EXIT}"
    result, machine = run_ok(source, data=bytes(32), regs={"a1": DATA + 16, "a4": DATA + 20, "a2": 7})
    assert reg(result, "a3") == 1
    assert machine.memory.read(DATA, 32) == bytes(32)


def test_a_failed_sc_also_clears_the_reservation():
    source = f"lr.w a0, (a1)\nsc.w a3, a2, (a4)\nsc.w a5, a2, (a1)\n{EXIT}"
    result, machine = run_ok(source, data=bytes(32), regs={"a1": DATA + 16, "a4": DATA + 20, "a2": 7})
    assert (reg(result, "a3"), reg(result, "a5")) == (1, 1)
    assert machine.memory.read(DATA, 32) == bytes(32)


def test_a_new_lr_moves_the_reservation():
    source = f"lr.d a0, (a1)\nlr.d a0, (a4)\nsc.d a3, a2, (a1)\n{EXIT}"
    result, machine = run_ok(source, data=bytes(32), regs={"a1": DATA + 8, "a4": DATA + 16, "a2": 7})
    assert reg(result, "a3") == 1
    assert machine.memory.read(DATA, 32) == bytes(32)


# ---- faults -------------------------------------------------------------------------------------

def _misaligned_cases():
    rows = [op for op in TABLE if op.format.name in ("AMO", "LR") and 64 in op.xlens]
    cases = []
    for op in rows:
        size = width(op.name)
        for offset in sorted({1, 2, size // 2} - {size}):
            text = f"{op.name} a0, (a1)" if op.format.name == "LR" else f"{op.name} a0, a2, (a1)"
            cases.append(pytest.param(text, size, offset, id=f"{op.name}-at-{offset}"))
    return cases


@pytest.mark.parametrize("instruction, size, offset", _misaligned_cases())
def test_misaligned_atomic_faults_and_changes_nothing(instruction, size, offset):
    source = f"lr.d t0, (a3)\naddi t1, zero, 1\n{instruction}\n{EXIT}"
    result, machine = run(source, data=bytes(range(32)), regs={"a1": DATA + 8 + offset, "a3": DATA,
                                                               "a0": 99, "a2": M})
    assert_fault(result, CODE + 8, f"0x{DATA + 8 + offset:08x}", f"must be {size}-byte aligned")
    assert reg(result, "a0") == 99 and result.steps == 2
    assert machine.memory.read(DATA, 32) == bytes(range(32))


@pytest.mark.parametrize("instruction, address, reason", [
    ("lr.w a0, (a1)", 0, "null guard page"),
    ("lr.d a0, (a1)", 0x1000_0000, "unmapped memory"),
    ("amoadd.w a0, a2, (a1)", CODE, "into code"),
    ("amoswap.d a0, a2, (a1)", INPUT_BASE, "the input region is read-only"),
    ("sc.w a0, a2, (a1)", CODE, "into code"),                          # even though it would fail
    ("sc.d a0, a2, (a1)", 0, "null guard page"),
    ("amomax.d a0, a2, (a1)", SMALL_RAM.stack_guard[0], "stack guard page"),
], ids=lambda v: v.split()[0] if isinstance(v, str) and " " in v else None)
def test_atomic_access_that_the_map_forbids_faults(instruction, address, reason):
    result, machine = run(f"{instruction}\n{EXIT}", regs={"a1": address, "a0": 99}, input_bytes=b"12345678")
    assert_fault(result, CODE, f"0x{address:08x}", reason)
    assert reg(result, "a0") == 99                          # an AMO that cannot store writes no rd


def test_amo_on_the_input_region_leaves_it_unchanged():
    result, machine = run(f"amoadd.d a0, a2, (a1)\n{EXIT}", regs={"a1": INPUT_BASE + 8, "a2": 1},
                          input_bytes=b"12345678")
    assert result.fault is not None
    assert machine.memory.read(INPUT_BASE, 16) == (8).to_bytes(8, "little") + b"12345678"


def test_every_atomic_instruction_is_covered():
    atomics = {op.name for op in TABLE if op.format.name in ("AMO", "LR")}
    amos = {c[0] for c in AMO_CASES}
    assert atomics == amos | {"lr.w", "lr.d", "sc.w", "sc.d"}
