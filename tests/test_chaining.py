"""Translated code goes from region to region by itself: a guest call is a host call of the target's region
function that resumes at the return address, a return goes back to it, and any other jump looks the
next region up and tail-calls it.  Whatever the guest does to its return addresses, both engines agree."""
import pytest

from differential import check, run_native
from guest_asm import DATA, DATA_SIZE, EXIT, program_from_asm

STACK = {"sp": DATA + DATA_SIZE}       # the recursion's frames go at the top of the data window


def save(xlen: int) -> tuple[str, str, int]:
    return ("sd", "ld", 8) if xlen == 64 else ("sw", "lw", 4)


def recursive_sum(n: int, xlen: int) -> str:
    """s1 = n + (n - 1) + ... + 0, by a recursion n deep (each level a frame on the guest stack)."""
    store, load, size = save(xlen)
    return f"""
    addi a0, zero, {n}
    jal ra, sum
    add s1, a0, zero
    addi a0, zero, 0
    {EXIT}
sum:
    addi sp, sp, -{2 * size}
    {store} ra, {size}(sp)
    {store} a0, 0(sp)
    beq a0, zero, base
    addi a0, a0, -1
    jal ra, sum
    {load} t1, 0(sp)
    add a0, a0, t1
    jal zero, done
base:
    addi a0, zero, 0
done:
    {load} ra, {size}(sp)
    addi sp, sp, {2 * size}
    jalr zero, 0(ra)
"""


CALLS_IN_A_LOOP = f"""
    addi s0, zero, 1000
loop:
    jal ra, twice
    addi s0, s0, -1
    bne s0, zero, loop
    addi a0, zero, 0
    {EXIT}
twice:
    add s1, s1, s1
    addi s1, s1, 1
    jalr zero, 0(ra)
"""

# The callee returns past the instruction after its call; the caller's frame finds the guest elsewhere.
RETURN_ELSEWHERE = f"""
    addi s1, zero, 0
    jal ra, skip
    addi s1, s1, 100
    addi s1, s1, 1
    jal t0, alternate
    addi s1, s1, 20
    addi a0, zero, 0
    {EXIT}
skip:
    addi ra, ra, 4
    jalr zero, 0(ra)
alternate:
    addi s1, s1, 3
    jalr zero, 0(t0)
"""

# A call through a register: a5 = the address of `callee` (8 instructions after the auipc).
INDIRECT_CALL = f"""
    addi s0, zero, 50
loop:
    auipc a5, 0
    addi a5, a5, 32
    jalr ra, 0(a5)
    addi s0, s0, -1
    bne s0, zero, loop
    addi a0, zero, 0
    {EXIT}
callee:
    addi s1, s1, 7
    jalr zero, 0(ra)
"""


@pytest.mark.parametrize("xlen", [32, 64])
@pytest.mark.parametrize("depth", [10, 1000], ids=["shallow", "deeper-than-the-host-calls"])
def test_recursion_agrees_with_the_interpreter_in_every_mode(depth, xlen, jit_cache):
    result, _ = check(program_from_asm(recursive_sum(depth, xlen), xlen), regs=STACK, cache_dir=jit_cache)
    assert result.exit_code == 0 and result.regs[9] == depth * (depth + 1) // 2


@pytest.mark.parametrize("steps", [997, 5_003])
def test_a_step_limit_inside_nested_calls_stops_both_engines_at_the_same_place(steps, jit_cache):
    result, _ = check(program_from_asm(recursive_sum(1000, 64)), step_limit=steps, regs=STACK, cache_dir=jit_cache)
    assert "step limit" in str(result.fault)


def test_checkpoints_inside_nested_calls_agree_with_the_interpreter(jit_cache):
    check(program_from_asm(recursive_sum(1000, 64)), regs=STACK, cache_dir=jit_cache, modes=("minimal",),
          chunk_log2=6)


@pytest.mark.parametrize("source, s1", [(RETURN_ELSEWHERE, 24), (INDIRECT_CALL, 350)],
                         ids=["return-elsewhere", "indirect-call"])
def test_unusual_calls_and_returns_agree_with_the_interpreter(source, s1, jit_cache):
    result, _ = check(program_from_asm(source), cache_dir=jit_cache)
    assert result.exit_code == 0 and result.regs[9] == s1


def test_calls_and_returns_do_not_go_back_to_the_dispatcher(jit_cache):
    run, _ = run_native(program_from_asm(CALLS_IN_A_LOOP), cache_dir=jit_cache, tier_up=False)
    assert run.result.exit_code == 0
    assert run.stats["dispatcher_lookups"] < 10          # 2,000 before: one per call and per return
