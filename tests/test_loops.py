"""Small loops keep the registers they write in SSA values (translator/loops.py): which blocks make one,
and that a run inside one, however it ends (the loop's exits, a fault, a step limit, a checkpoint,
an entry at a block past the loop's head), agrees with the interpreter in every mode.  The runs are
on the default tier (tier_up=False): the quick tier's code, which a short cold run stays on, has no
small loops (jit.compile_regions)."""
import pytest

from differential import check
from guest_asm import DATA, EXIT, program_from_asm
from translator.loops import MAX_BLOCKS, small_loops
from translator.regions import code_map

POINTER = {"s2": DATA}

# s1 = 0 + 1 + ... + 99 in a loop of one block; t0 counts the odd numbers in a loop of two blocks.
COUNTING = f"""
    addi t1, zero, 100
    addi s1, zero, 0
    addi t2, zero, 0
sum:
    add s1, s1, t2
    addi t2, t2, 1
    bne t2, t1, sum
    addi t2, zero, 0
    addi t0, zero, 0
odd:
    andi t3, t2, 1
    beq t3, zero, even
    addi t0, t0, 1
even:
    addi t2, t2, 1
    bltu t2, t1, odd
    addi a0, zero, 0
    {EXIT}
"""

# A list walk: a node is (value, next); the loop adds values until a null next.  The list is
# written first: 40 nodes at s2, each pointing at the next 16 bytes on.
LIST_WALK = f"""
    addi t0, zero, 40
    add t1, s2, zero
build:
    sd t0, 0(t1)
    addi t2, t1, 16
    sd t2, 8(t1)
    addi t1, t1, 16
    addi t0, t0, -1
    bne t0, zero, build
    sd zero, -8(t1)
    add t1, s2, zero
    addi s1, zero, 0
walk:
    ld t3, 0(t1)
    add s1, s1, t3
    ld t1, 8(t1)
    bne t1, zero, walk
    addi a0, zero, 0
    {EXIT}
"""

# GCC's rotated loop: the run jumps past the head into the loop's test.
ENTERED_AT_THE_TEST = f"""
    addi t1, zero, 30
    addi s1, zero, 0
    jal zero, test
body:
    add s1, s1, t1
    addi t1, t1, -1
test:
    bne t1, zero, body
    addi a0, zero, 0
    {EXIT}
"""


def loop_nest(ifs: int) -> str:
    """An outer loop of 8 rounds around an inner loop of `ifs` ifs (1 + 2 * ifs blocks) run 5 times,
    then more ifs than a small loop may have blocks."""
    inner = "".join(f"""
    andi t3, t2, {k + 1}
    beq t3, zero, skip{k}
    addi s1, s1, {k + 1}
skip{k}:""" for k in range(ifs))
    outer = "".join(f"""
    andi t3, t0, {k + 1}
    beq t3, zero, over{k}
    addi s3, s3, 1
over{k}:""" for k in range(MAX_BLOCKS))
    return f"""
    addi t0, zero, 8
outer:
    addi t2, zero, 5
inner:{inner}
    addi t2, t2, -1
    bne t2, zero, inner
{outer}
    addi t0, t0, -1
    bne t0, zero, outer
    addi a0, zero, 0
    {EXIT}
"""


def loops_of(source: str) -> list:
    program = program_from_asm(source)
    cm = code_map(program, "fast")
    found = [small_loops(cm, cm.blocks(region)) for region in cm.regions]
    return sorted({loop for by_leader in found for loop in by_leader.values()}, key=lambda loop: min(loop.blocks))


def test_a_block_that_branches_to_itself_is_a_small_loop_of_the_registers_it_writes():
    loops = loops_of(COUNTING)
    assert [len(loop.blocks) for loop in loops] == [1, 3]
    assert loops[0].registers == (7, 9)                  # t2 and s1; t1, only read, stays in its slot


def test_blocks_joined_by_branches_make_one_small_loop():
    odd = loops_of(COUNTING)[1]
    assert odd.registers == (5, 7, 28)                  # t0, t2, t3


def test_the_inner_loop_of_a_nest_too_large_to_be_one_is_a_small_loop():
    loops = loops_of(loop_nest(2))
    assert [len(loop.blocks) for loop in loops] == [5]


def test_a_loop_with_a_call_in_it_is_not_a_small_loop():
    source = f"""
    addi t0, zero, 3
again:
    jal ra, callee
    addi t0, t0, -1
    bne t0, zero, again
    {EXIT}
callee:
    jalr zero, 0(ra)
"""
    assert loops_of(source) == []


@pytest.mark.parametrize("source, regs, s1", [(COUNTING, None, 4950), (ENTERED_AT_THE_TEST, None, 465),
                                               (LIST_WALK, POINTER, 40 * 41 // 2)],
                         ids=["counting", "entered-at-the-test", "list-walk"])
def test_small_loops_agree_with_the_interpreter(source, regs, s1, jit_cache):
    result, _ = check(program_from_asm(source), regs=regs, cache_dir=jit_cache, tier_up=False)
    assert result.exit_code == 0 and result.regs[9] == s1


@pytest.mark.parametrize("ifs", [1, 2])
def test_an_inner_loop_agrees_with_the_interpreter(ifs, jit_cache):
    result, _ = check(program_from_asm(loop_nest(ifs)), cache_dir=jit_cache, tier_up=False)
    assert result.exit_code == 0


@pytest.mark.parametrize("steps", [7, 8, 9, 250, 251, 333])
def test_a_step_limit_inside_a_small_loop_stops_both_engines_at_the_same_place(steps, jit_cache):
    result, _ = check(program_from_asm(COUNTING), step_limit=steps, cache_dir=jit_cache, tier_up=False)
    assert "step limit" in str(result.fault)


def test_checkpoints_inside_small_loops_agree_with_the_interpreter(jit_cache):
    check(program_from_asm(LIST_WALK), regs=POINTER, cache_dir=jit_cache, tier_up=False, modes=("minimal",),
          chunk_log2=4)


def test_a_fault_inside_a_small_loop_leaves_its_registers_as_the_interpreter_does(jit_cache):
    """The walk's 23rd next pointer is cut to address 16, below RAM: the load there faults with the
    sum and the pointer as far as the loop had got them."""
    source = LIST_WALK.replace("    add t1, s2, zero\n    addi s1", "    addi t4, zero, 16\n    sd t4, 360(s2)\n"
                               "    add t1, s2, zero\n    addi s1")
    result, _ = check(program_from_asm(source), regs=POINTER, cache_dir=jit_cache, tier_up=False)
    assert result.fault is not None and result.regs[6] == 16
