"""Control transfer and the instructions that end or stop a run: branches (taken and not,
both directions), JAL/JALR link values and targets, misaligned and out-of-code targets,
FENCE, EBREAK, illegal instructions, running off the end of code and the step limit."""
import pytest

from guest_asm import CODE, DATA, EXIT, assert_fault, reg, run, run_ok
from runtime.encoding import TABLE

M = 0xFFFF_FFFF_FFFF_FFFF
MIN = 0x8000_0000_0000_0000
MAX = 0x7FFF_FFFF_FFFF_FFFF

# ---- branches -----------------------------------------------------------------------------------

BRANCH_CASES = [
    ("beq", 5, 5, True, "equal"), ("beq", 5, 6, False, "different"),
    ("beq", M, M, True, "all-ones-equal"), ("beq", 0, MIN, False, "differ-only-in-bit-63"),
    ("bne", 5, 6, True, "different"), ("bne", 5, 5, False, "equal"),
    ("bne", 1, 1 << 32 | 1, True, "differ-only-in-upper-half"),
    ("blt", M, 0, True, "minus-one-below-zero"), ("blt", 0, M, False, "zero-not-below-minus-one"),
    ("blt", MIN, MAX, True, "int-min-below-int-max"), ("blt", 5, 5, False, "equal"),
    ("blt", M - 1, M, True, "minus-two-below-minus-one"),
    ("bge", 0, M, True, "zero-at-least-minus-one"), ("bge", M, 0, False, "minus-one-below-zero"),
    ("bge", 5, 5, True, "equal"), ("bge", MAX, MIN, True, "int-max-above-int-min"),
    ("bltu", 0, M, True, "zero-below-all-ones"), ("bltu", M, 0, False, "all-ones-not-below-zero"),
    ("bltu", 5, 5, False, "equal"), ("bltu", MAX, MIN, True, "unsigned-across-bit-63"),
    ("bgeu", M, 0, True, "all-ones-at-least-zero"), ("bgeu", 0, M, False, "zero-below-all-ones"),
    ("bgeu", 5, 5, True, "equal"), ("bgeu", MIN, MAX, True, "unsigned-across-bit-63"),
]

FORWARD = """
    {op} a1, a2, target
    addi a0, zero, 0
    addi a7, zero, 93
    ecall
target:
    addi a0, zero, 1
    addi a7, zero, 93
    ecall
"""

BACKWARD = """
    jal zero, start
target:
    addi a0, zero, 1
    addi a7, zero, 93
    ecall
start:
    {op} a1, a2, target
    addi a0, zero, 0
    addi a7, zero, 93
    ecall
"""


@pytest.mark.parametrize("op, a, b, taken", [pytest.param(*c[:4], id=f"{c[0]}-{c[4]}") for c in BRANCH_CASES])
@pytest.mark.parametrize("layout", [FORWARD, BACKWARD], ids=["forward", "backward"])
def test_branch_is_taken_exactly_when_its_condition_holds(op, a, b, taken, layout):
    result, _ = run_ok(layout.format(op=op), regs={"a1": a, "a2": b})
    assert result.exit_code == int(taken)


def test_taken_branch_skips_to_pc_plus_offset_and_not_taken_falls_through():
    source = f"beq zero, zero, 0x{CODE + 12:x}\naddi a0, a0, 1\naddi a0, a0, 2\naddi a0, a0, 4\n" \
             f"bne zero, zero, 0x{CODE + 28:x}\naddi a0, a0, 8\n{EXIT}"
    result, _ = run_ok(source)
    assert reg(result, "a0") == 4 + 8
    assert result.steps == 1 + 1 + 1 + 1 + 2


def test_branch_comparing_a_register_with_itself():
    result, _ = run_ok(f"blt a1, a1, 0x{CODE + 12:x}\nbge a1, a1, 0x{CODE + 12:x}\nebreak\n{EXIT}",
                       regs={"a1": M})
    assert result.steps == 4


def test_taken_branch_to_an_address_not_4_byte_aligned_faults():
    result, _ = run(f"addi t0, zero, 1\nbeq zero, zero, 0x{CODE + 4 + 6:x}\n{EXIT}")
    assert_fault(result, CODE + 4, "branch to 0x8000000a, which is not 4-byte aligned")
    assert result.steps == 1


def test_not_taken_branch_to_an_address_not_4_byte_aligned_does_not_fault():
    result, _ = run_ok(f"bne zero, zero, 0x{CODE + 6:x}\n{EXIT}")
    assert result.exit_code == 0


# ---- JAL ---------------------------------------------------------------------------------------

def test_jal_links_the_next_pc_and_jumps_forward():
    result, _ = run_ok(f"jal ra, 0x{CODE + 8:x}\nebreak\n{EXIT}")
    assert reg(result, "ra") == CODE + 4


def test_jal_jumps_backward():
    source = f"jal zero, 0x{CODE + 16:x}\naddi a0, zero, 3\naddi a7, zero, 93\necall\njal t1, 0x{CODE + 4:x}\n"
    result, _ = run_ok(source)
    assert result.exit_code == 3 and reg(result, "t1") == CODE + 20


def test_jal_to_x0_links_nothing():
    result, machine = run(f"jal zero, 0x{CODE + 8:x}\nebreak\n{EXIT}")
    assert result.fault is None and machine.regs[0] == 0


def test_jal_to_an_address_not_4_byte_aligned_faults_without_linking():
    result, _ = run(f"jal ra, 0x{CODE + 6:x}\n{EXIT}", regs={"ra": 5})
    assert_fault(result, CODE, "jump to 0x80000006, which is not 4-byte aligned")
    assert reg(result, "ra") == 5


# ---- JALR --------------------------------------------------------------------------------------

def test_jalr_jumps_to_rs1_plus_offset_and_links_the_next_pc():
    result, _ = run_ok(f"jalr ra, 8(a1)\nebreak\n{EXIT}", regs={"a1": CODE})
    assert reg(result, "ra") == CODE + 4


def test_jalr_with_a_negative_offset():
    source = f"jal zero, 0x{CODE + 12:x}\naddi a7, zero, 93\necall\njalr t0, -8(a1)\n"
    result, _ = run_ok(source, regs={"a1": CODE + 12})
    assert reg(result, "t0") == CODE + 16


def test_jalr_with_rd_equal_to_rs1_jumps_to_the_old_value_and_links():
    result, _ = run_ok(f"jalr a1, 0(a1)\nebreak\n{EXIT}", regs={"a1": CODE + 8})
    assert reg(result, "a1") == CODE + 4


def test_jalr_clears_bit_0_of_the_target():
    result, _ = run_ok(f"jalr ra, 0(a1)\nebreak\n{EXIT}", regs={"a1": CODE + 9})
    assert reg(result, "ra") == CODE + 4


def test_jalr_clears_bit_0_of_the_sum_not_of_rs1():
    result, _ = run_ok(f"jalr ra, 1(a1)\nebreak\n{EXIT}", regs={"a1": CODE + 8})
    assert reg(result, "ra") == CODE + 4


def test_ret_returns_through_ra():
    source = f"jal ra, 0x{CODE + 16:x}\naddi a0, zero, 9\naddi a7, zero, 93\necall\njalr zero, 0(ra)\n"
    assert run_ok(source)[0].exit_code == 9


@pytest.mark.parametrize("offset", [2, 3, 6, -2])
def test_jalr_to_an_address_not_4_byte_aligned_faults_without_linking(offset):
    result, _ = run(f"addi t0, zero, 1\njalr ra, {offset}(a1)\n{EXIT}", regs={"a1": CODE + 8, "ra": 5})
    target = (CODE + 8 + offset) & ~1
    assert_fault(result, CODE + 4, f"jump to 0x{target:08x}, which is not 4-byte aligned")
    assert reg(result, "ra") == 5 and result.steps == 1


@pytest.mark.parametrize("target, what", [(DATA, "outside code"), (0, "outside code"),
                                          (0x4000_0000, "outside code")])
def test_jump_outside_code_faults_at_the_jump(target, what):
    result, _ = run(f"jalr ra, 0(a1)\n{EXIT}", regs={"a1": target})
    assert_fault(result, CODE, f"jumped to 0x{target:08x}", what, stopped_at=target)
    assert result.steps == 1 and reg(result, "ra") == CODE + 4


# ---- FENCE, EBREAK, illegal words, the end of code, the step limit --------------------------------

@pytest.mark.parametrize("fence", ["fence iorw, iorw", "fence rw, rw", "fence 0, 0", "fence w, r",
                                   ".word 0x8330000f", ".word 0x0ff0050f", ".word 0xf5f5800f"],
                         ids=["full", "rw", "empty", "w-r", "fence.tso", "rd-a0-ignored", "reserved-fm-rs1"])
def test_fence_is_a_no_op(fence):
    regs = {name: 0x1000 + i for i, name in enumerate(["a0", "a1", "a2", "t0", "s0"])}
    result, machine = run(f"{fence}\nebreak\n", regs=regs, data=b"\x5a" * 64)
    assert_fault(result, CODE + 4, "ebreak")         # it went on to the next instruction
    assert result.steps == 1
    assert all(reg(result, name) == value for name, value in regs.items())
    assert machine.memory.read(DATA, 64) == b"\x5a" * 64


def test_ebreak_faults():
    result, _ = run(f"addi a0, zero, 1\nebreak\n{EXIT}")
    assert_fault(result, CODE + 4, "(ebreak)", "ebreak")
    assert result.steps == 1


@pytest.mark.parametrize("word, what", [
    (0x0000_0000, "all-zeros"), (0xFFFF_FFFF, "all-ones"), (0xC000_2573, "csr-rdcycle"),
    (0x0000_100F, "fence.i"), (0x0005_A507, "flw"), (0x0000_4501, "compressed-c.li"),
    (0x0000_0073 | 1 << 7, "ecall-with-rd"),
], ids=lambda v: v if isinstance(v, str) else f"{v:#010x}")
def test_illegal_instruction_faults_naming_the_word(word, what):
    result, _ = run(f"addi a0, zero, 1\n.word {word:#x}\n{EXIT}")
    assert_fault(result, CODE + 4, f"0x{word:08x}", "illegal instruction")
    assert result.steps == 1


def test_illegal_word_that_is_never_executed_is_harmless():
    result, _ = run_ok(f"jal zero, 0x{CODE + 8:x}\n.word 0x00000000\n{EXIT}")
    assert result.exit_code == 0


def test_running_past_the_end_of_code_faults():
    result, _ = run("addi a0, zero, 1\naddi a0, a0, 1\n")
    assert_fault(result, CODE + 4, "ran past the end of code", stopped_at=CODE + 8)
    assert result.steps == 2 and reg(result, "a0") == 2


def test_step_limit_stops_an_endless_loop():
    result, _ = run("addi a0, zero, 0\nloop:\naddi a0, a0, 1\njal zero, loop\n", step_limit=1001)
    assert_fault(result, CODE + 4, "step limit of 1001 steps reached")
    assert result.steps == 1001 and reg(result, "a0") == 500


def test_step_limit_counts_the_exiting_ecall():
    source = f"addi a0, zero, 0\naddi a0, a0, 0\n{EXIT}"      # four instructions
    assert run_ok(source, step_limit=4)[0].steps == 4
    result, _ = run(source, step_limit=3)
    assert_fault(result, CODE + 12, "step limit of 3 steps reached")


def test_steps_count_retired_instructions_in_a_loop():
    source = f"addi a1, zero, 10\nloop:\naddi a1, a1, -1\nbne a1, zero, loop\n{EXIT}"
    result, _ = run_ok(source)
    assert result.steps == 1 + 2 * 10 + 2
    assert result.pc == CODE + 16                     # the exiting ecall


def test_every_control_instruction_is_covered():
    control = {op.name for op in TABLE if op.format.name in ("B", "J", "JALR", "FENCE")} | {"ebreak"}
    covered = {c[0] for c in BRANCH_CASES} | {"jal", "jalr", "fence", "ebreak"}
    assert control == covered
