"""Computed jumps land on block leaders where the program keeps their targets in data
(translator/code_pointers.py), so a switch's jump table runs in translated code, not in the interpreter."""
import pytest

from differential import check
from elf_factory import PF_R, PF_X, Seg, build_elf
from runtime.memory_map import RAM_BASE, MemoryMap
from translator.assembler import assemble
from translator.elf import load_elf
from translator.executor import NativeMachine
from translator.regions import code_map

TABLE = RAM_BASE + 0x1000           # the read-only data segment with the table
EXIT = "addi a0, zero, 0\n    addi a7, zero, 93\n    ecall\n"
CASES = RAM_BASE + 40               # case 3; cases 2, 1, 0 follow, each falling into the next


def switch_loop(load: str, scale: int, relative: bool) -> str:
    """40 times: jump through TABLE[i & 3] into a fall-through switch (cases 1-3 are mid-block)."""
    return f"""
    addi s0, zero, 40
    addi s1, zero, 0
loop:
    andi t0, s0, 3
    slli t0, t0, {scale}
    auipc t1, 1
    addi t1, t1, -16
    add t2, t1, t0
    {load} t2, 0(t2)
    {'add t2, t2, t1' if relative else 'addi t2, t2, 0'}
    jalr zero, 0(t2)
    addi s1, s1, 1000
    addi s1, s1, 100
    addi s1, s1, 10
    addi s1, s1, 1
    addi s0, s0, -1
    bne s0, zero, loop
    {EXIT}"""


def program(xlen: int, table: bytes, load: str, scale: int, relative: bool = True):
    code = assemble(switch_loop(load, scale, relative), RAM_BASE, xlen)
    return load_elf(build_elf([Seg(RAM_BASE, PF_R | PF_X, code), Seg(TABLE, PF_R, table)], elfclass=xlen))


def case(k: int) -> int:
    return CASES + 4 * (3 - k)


EXPECTED_S1 = sum(int("1" * (i % 4 + 1)) for i in range(1, 41))


def relative_table(xlen: int):
    entries = b"".join((case(k) - TABLE).to_bytes(4, "little", signed=True) for k in range(4))
    return program(xlen, entries, "lw", 2)


def absolute_table(xlen: int):
    size = xlen // 8
    entries = b"".join(case(k).to_bytes(size, "little") for k in range(4))
    return program(xlen, entries, "lw" if xlen == 32 else "ld", 2 if xlen == 32 else 3, relative=False)


@pytest.mark.parametrize("xlen", [32, 64])
@pytest.mark.parametrize("make", [relative_table, absolute_table], ids=["pc-relative", "absolute"])
def test_jump_table_targets_are_block_leaders(make, xlen):
    cm = code_map(make(xlen), "fast")
    assert all(cm.is_leader[cm.index(case(k))] for k in range(4))


@pytest.mark.parametrize("xlen", [32, 64])
@pytest.mark.parametrize("make", [relative_table, absolute_table], ids=["pc-relative", "absolute"])
def test_a_switch_through_a_jump_table_runs_without_the_interpreter(make, xlen, jit_cache):
    run = NativeMachine(make(xlen), cache_dir=jit_cache, tier_up=False).run()
    assert run.result.exit_code == 0 and run.result.regs[9] == EXPECTED_S1
    assert run.stats["mid_block_steps"] == 0


@pytest.mark.parametrize("make", [relative_table, absolute_table], ids=["pc-relative", "absolute"])
def test_a_switch_through_a_jump_table_agrees_with_the_interpreter_in_every_mode(make, jit_cache):
    result, _ = check(make(64), memory_map=MemoryMap(), cache_dir=jit_cache)
    assert result.regs[9] == EXPECTED_S1


def test_words_that_point_outside_the_code_add_no_leaders():
    data = b"".join(v.to_bytes(4, "little") for v in (RAM_BASE - 4, RAM_BASE + 0x10_0000, CASES + 2, 7))
    plain = code_map(program(64, b"", "lw", 2), "fast")
    cm = code_map(program(64, data, "lw", 2), "fast")
    assert (cm.is_leader == plain.is_leader).all()


# 30 times: a jump through a register (no table reveals its target) to the middle of a 6-instruction run.
UNREVEALED_JUMP = f"""
    addi s0, zero, 30
loop:
    auipc t1, 0
    jalr zero, 16(t1)
    addi s1, s1, 1000
    addi s1, s1, 100
    addi s1, s1, 10
    addi s1, s1, 1
    addi s1, s1, 1
    addi s1, s1, 1
    addi s0, s0, -1
    bne s0, zero, loop
    {EXIT}"""


def test_a_jump_no_table_reveals_hands_the_rest_of_its_block_to_the_interpreter_at_once(jit_cache):
    program = load_elf(build_elf([Seg(RAM_BASE, PF_R | PF_X, assemble(UNREVEALED_JUMP, RAM_BASE))]))
    run = NativeMachine(program, cache_dir=jit_cache, tier_up=False).run()
    assert run.result.regs[9] == 30 * 13
    assert run.stats["mid_block_steps"] == 30 * 6 and run.stats["dispatches"] <= 30 + 3
    check(program, memory_map=MemoryMap(), cache_dir=jit_cache)
