"""Continuations (prover/riscv/segments.py): a run proven as a chain of segments verifies
only as the whole chain of its own run, from zero registers and the program's memory."""
from dataclasses import replace
from functools import cache

import numpy as np
import pytest

from guest_asm import program_from_asm
from prover.air import ConstraintError
from prover.riscv.rom import program_commitment
from prover.riscv.segments import (KINDS, SegmentKeys, prove_segment, prove_segments, segment_keys, segment_verifying_keys,
                                   verify_segments)
from riscv_helpers import FAST, fib
from runtime.trace import MAIN_ROW
from translator.elf import load_elf
from translator.interpreter import Interpreter
from translator.segments import SegmentedRun
from zkaot import execute

SEGMENT = 7

# A loop that carries a value in memory and in registers from segment to segment, holds
# an LR reservation for two steps of every iteration, reads the input and writes output
# in every iteration; exits 5.
LOOP = """
        auipc s0, 16                # s0 = DATA
        lui t0, 0x40000             # the input region: length, then the bytes
        lw t1, 8(t0)
        addi t2, zero, 6
loop:
        add t1, t1, t2
        sw t1, 0(s0)
        lr.w t3, (s0)
        addi t3, t3, 1
        sc.w t4, t3, (s0)
        addi a0, zero, 3
        addi a1, s0, 0
        addi a2, zero, 4
        addi a7, zero, 64
        ecall                       # write(3, DATA, 4): the word after the sc
        addi t2, t2, -1
        bne t2, zero, loop
        addi a0, zero, 5
        addi a7, zero, 93
        ecall
"""
INPUT = (1000).to_bytes(4, "little")


_KEYS: dict = {}


def keys(program) -> SegmentKeys:
    """The segment keys of a program at FAST parameters, made once per session."""
    if program.sha256 not in _KEYS:
        _KEYS[program.sha256] = segment_keys(program.image(), FAST)
    return _KEYS[program.sha256]


@cache
def loop_program(xlen):
    return program_from_asm(LOOP, xlen)


@cache
def proved_loop(xlen, input_bytes=INPUT):
    program = loop_program(xlen)
    run = SegmentedRun(program, input_bytes, SEGMENT)
    proofs = prove_segments(program.image(), run, input_bytes, keys(program))
    return program, run, proofs


def verifying_keys(program) -> SegmentKeys:
    return segment_verifying_keys(program_commitment(program.image()), FAST)


def check(program, proofs, exit_code=5):
    return verify_segments(keys(program), proofs, program.xlen, program.entry, exit_code)


def expected_output(start: int) -> bytes:
    out, t1 = b"", start
    for t2 in range(6, 0, -1):
        t1 = (t1 + t2) & 0xFFFF_FFFF
        out += ((t1 + 1) & 0xFFFF_FFFF).to_bytes(4, "little")
    return out


@pytest.mark.parametrize("xlen", [64, 32])
def test_a_run_proven_in_segments_verifies_with_its_whole_output(xlen):
    program, run, proofs = proved_loop(xlen)
    assert run.exit_code == 5 and len(proofs) > 5
    assert check(program, proofs)
    assert b"".join(p.output for p in proofs) == expected_output(1000)
    assert sum(p.steps for p in proofs) == run.steps


def test_segments_verify_with_keys_rebuilt_from_the_program_commitment():
    program, _, proofs = proved_loop(64)
    vks = verifying_keys(program)
    for k, precompiles in ((0, False), (1, False), (0, True), (1, True)):
        assert vks.of(k, precompiles).digest == keys(program).of(k, precompiles).verifying_key.digest
    assert verify_segments(vks, proofs, 64, program.entry, 5)


def test_a_segment_is_cut_only_where_no_lr_reservation_is_held():
    _, _, proofs = proved_loop(64)
    assert any(p.steps > SEGMENT for p in proofs[:-1])       # some cuts moved past an sc
    assert all(p.steps <= SEGMENT + 2 for p in proofs)


def test_a_segment_that_ends_holding_a_reservation_cannot_be_proven():
    program = loop_program(64)
    rows = np.concatenate([rows for rows, _ in SegmentedRun(program, INPUT, 1000)])
    lr = 6                                                  # the first lr.w's step
    with pytest.raises(ConstraintError, match="no reservation after a segment's last step"):
        prove_segments(program.image(), [(rows[:lr + 1], None), (rows[lr + 1:], None)], INPUT, keys(program))


def test_a_long_example_proves_in_segments_like_a_whole_run():
    program = load_elf("examples/fibonacci/guest.rv64im.elf")
    _, _, result, data = fib(64)
    run = SegmentedRun(program, data, 128)
    proofs = prove_segments(program.image(), run, data, keys(program))
    assert len(proofs) == 4 and check(program, proofs, 0)
    assert b"".join(p.output for p in proofs) == result.output


def test_a_dropped_segment_is_rejected():
    program, _, proofs = proved_loop(64)
    assert not check(program, proofs[:2] + proofs[3:])


def test_swapped_segments_are_rejected():
    program, _, proofs = proved_loop(64)
    assert not check(program, [proofs[0], proofs[2], proofs[1]] + proofs[3:])


def test_a_segment_of_a_run_on_another_input_is_rejected():
    program, _, mine = proved_loop(64)
    _, _, other = proved_loop(64, (2000).to_bytes(4, "little"))
    assert [p.steps for p in mine] == [p.steps for p in other]
    verdict = check(program, mine[:3] + other[3:])
    assert not verdict and "segment 3" in verdict.reason and "_in: its trace is not" in verdict.reason


def test_a_segment_started_from_other_memory_is_rejected():
    program, _, proofs = proved_loop(64)
    rows = list(SegmentedRun(program, INPUT, SEGMENT))
    first, regs, state = prove_segment(program.image(), keys(program), 0, rows[0][0], INPUT)
    forged = state.data.copy()
    forged[-1, 0] ^= 1                              # a word no step reads again
    second, _, _ = prove_segment(program.image(), keys(program), 1, rows[1][0], INPUT, regs,
                                 replace(state, data=forged))
    verdict = check(program, [first, second] + proofs[2:])
    assert not verdict and "mem_in" in verdict.reason


def test_a_segment_started_from_other_registers_is_rejected():
    program, _, proofs = proved_loop(64)
    rows = list(SegmentedRun(program, INPUT, SEGMENT))
    first, regs, state = prove_segment(program.image(), keys(program), 0, rows[0][0], INPUT)
    regs = regs.copy()
    regs[31] += 1                                   # t6: never read
    second, _, _ = prove_segment(program.image(), keys(program), 1, rows[1][0], INPUT, regs, state)
    verdict = check(program, [first, second] + proofs[2:])
    assert not verdict and "regs_in" in verdict.reason


def test_a_first_segment_from_nonzero_registers_is_rejected():
    program = loop_program(64)
    rows: list[tuple] = []
    interp = Interpreter(program, INPUT, record=rows.append)
    interp.regs[31] = 7                             # t6 = 7 before the first step
    interp.execute(SEGMENT + 2)                     # to just after the first sc
    regs = np.zeros(32, np.uint64)
    regs[31] = 7
    first, _, _ = prove_segment(program.image(), keys(program), 0, np.array(rows, MAIN_ROW), INPUT, regs)
    _, _, proofs = proved_loop(64)
    verdict = check(program, [first] + proofs[1:])
    assert not verdict and "regs_in" in verdict.reason


def test_a_middle_segment_claiming_to_exit_is_rejected():
    program, _, proofs = proved_loop(64)
    forged = proofs[:2] + [replace(proofs[2], exited=True, exit_code=5)] + proofs[3:]
    assert not check(program, forged)


def test_a_chain_that_stops_before_the_exit_is_rejected():
    program, _, proofs = proved_loop(64)
    verdict = check(program, proofs[:-1])
    assert not verdict and "does not exit" in verdict.reason


def test_another_exit_code_is_rejected():
    program, _, proofs = proved_loop(64)
    assert not check(program, proofs, exit_code=0)


def test_another_output_of_a_segment_is_rejected():
    program, _, proofs = proved_loop(64)
    k = next(k for k, p in enumerate(proofs) if p.output)
    forged = proofs[:k] + [replace(proofs[k], output=bytes(len(proofs[k].output)))] + proofs[k + 1:]
    assert not check(program, forged)


@pytest.mark.parametrize("example, data", [("keccak", b"abc"), ("sha256", b"abc" * 30)])
def test_runs_that_call_precompiles_prove_in_segments(example, data):
    program = load_elf(f"examples/{example}/guest.rv64im.elf")
    run = SegmentedRun(program, data, 150)
    proofs = prove_segments(program.image(), run, data, keys(program))
    assert run.exit_code == 0 and len(proofs) >= 4
    assert [p.precompiles for p in proofs] != [True] * len(proofs)      # only segments with a call have the tables
    assert check(program, proofs, 0)
    assert b"".join(p.output for p in proofs) == execute(program, data, engine="interp").output


def test_a_segment_that_calls_a_precompile_cannot_be_proven_without_the_precompile_tables():
    program = load_elf("examples/keccak/guest.rv64im.elf")
    rows, pre = next(iter(SegmentedRun(program, b"abc", 1000)))
    assert pre.size
    no_tables = SegmentKeys(lambda kind, _: keys(program).of(KINDS.index(kind), False))
    with pytest.raises(ValueError, match="no precompile tables"):
        prove_segment(program.image(), no_tables, 0, rows, b"abc", precompiles=pre)
