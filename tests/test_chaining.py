"""Translated code goes from region to region by itself: a guest call is a host call of the target's region
function that resumes at the return address, a return goes back to it, and any other jump looks the
next region up and tail-calls it.  Whatever the guest does to its return addresses, both engines agree."""
import numpy as np
import pytest

from differential import check, keyed, run_native
from guest_asm import DATA, DATA_SIZE, EXIT, program_from_asm
from runtime.memory_map import MemoryMap
from translator.executor import NativeMachine
from translator.expand import chunks_of, expand_chunk, reference_trace
from translator.regions import code_map

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

# A computed jump to blocks of its own region that no code pointer names: the auipc's pc plus 20 (`one`,
# s0 even) or 28 (`ten`, s0 odd); s1 ends at 10 * 1 + 10 * 10.
COMPUTED_UNNAMED = f"""
    addi s0, zero, 20
loop:
    auipc t1, 0
    andi t2, s0, 1
    slli t2, t2, 3
    add t1, t1, t2
    jalr zero, 20(t1)
one:
    addi s1, s1, 1
    jal zero, tail
ten:
    addi s1, s1, 10
tail:
    addi s0, s0, -1
    bne s0, zero, loop
    addi a0, zero, 0
    {EXIT}
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


def unnamed_targets(xlen: int = 64):
    """COMPUTED_UNNAMED, after checking that its jump's targets are blocks of the jump's own region
    that the code map does not record as code-pointer targets (so its switch does not list them)."""
    program = program_from_asm(COMPUTED_UNNAMED, xlen)
    loop = program.entry + 4
    for mode in ("fast", "minimal", "full"):
        cm = code_map(program, mode)
        region = next(r for r in cm.regions if r.start <= loop + 16 < r.end)
        assert {loop + 20, loop + 28} <= set(region.leaders) and not cm.targets(region)
    return program


@pytest.mark.parametrize("xlen", [32, 64])
def test_a_computed_jump_to_a_block_no_code_pointer_names_agrees_with_the_interpreter(xlen, jit_cache):
    result, _ = check(unnamed_targets(xlen), cache_dir=jit_cache)
    assert result.exit_code == 0 and result.regs[9] == 110


@pytest.mark.parametrize("steps", [23, 101])
def test_a_step_limit_after_a_computed_jump_to_a_block_no_code_pointer_names_agrees(steps, jit_cache):
    result, _ = check(unnamed_targets(), step_limit=steps, cache_dir=jit_cache)
    assert "step limit" in str(result.fault)


def test_a_computed_jump_to_a_block_no_code_pointer_names_chains_without_the_dispatcher(jit_cache):
    """It leaves through its region's exit, whose table lookup tail-calls the region's own function."""
    run, _ = run_native(unnamed_targets(), cache_dir=jit_cache, tier_up=False)
    assert run.result.exit_code == 0 and run.result.regs[9] == 110
    assert run.stats["dispatcher_lookups"] < 5
    assert run.stats["untranslated_steps"] == 1 and run.stats["mid_block_steps"] == 0    # the exit's ecall


def test_the_full_trace_through_a_computed_jump_to_a_block_no_code_pointer_names_is_the_interpreters(jit_cache):
    """Full mode's code (a chunk's replay) takes the same exit; chunks of 32 steps start in the loop."""
    program = keyed(unnamed_targets())
    run = NativeMachine(program, b"", MemoryMap(), mode="minimal", chunk_log2=5, cache_dir=jit_cache).run()
    chunks = chunks_of(program, run.trace, run.result.steps, MemoryMap(), cache_dir=jit_cache)
    rows = np.concatenate([expand_chunk(chunk)[0] for chunk in chunks])
    result, want, _ = reference_trace(program, b"", MemoryMap())
    assert len(chunks) > 2 and result.steps == run.result.steps == len(rows)
    assert np.array_equal(rows, want)
