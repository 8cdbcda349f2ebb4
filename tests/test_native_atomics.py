"""Fast mode runs LR/SC and AMOs in translated code (a libc's locks take them in every malloc),
with the LR reservation in the context, shared with the interpreter at every hand-off; the
trace modes leave them to the interpreter.  The random programs of test_differential_random
check every atomic against the interpreter in all three modes; these pin the hand-offs."""
import pytest

from differential import li
from guest_asm import DATA, EXIT, SMALL_RAM, program_from_asm, run
from translator.executor import NativeMachine

LOOP = li("s1", DATA) + """
addi s2, zero, 1000
loop:
amoadd.w t0, s2, (s1)
lr.d t1, (s1)
addi t1, t1, 1
sc.d t2, t1, (s1)
addi s2, s2, -1
bne s2, zero, loop
ld a0, 0(s1)
"""


def native(source: str, jit_cache, mode: str = "fast"):
    machine = NativeMachine(program_from_asm(source), b"", SMALL_RAM, mode=mode, step_limit=100_000,
                            cache_dir=jit_cache)
    return machine.run()


def test_fast_mode_runs_amos_and_lr_sc_in_translated_code(jit_cache):
    got = native(LOOP + EXIT, jit_cache)
    want, _ = run_interpreter(LOOP + EXIT)
    assert (got.result.regs, got.result.steps, got.result.exit_code) == (want.regs, want.steps, want.exit_code)
    assert got.result.regs[10] == sum(range(1, 1001)) + 1000
    assert got.stats["untranslated_steps"] == 1          # the exit ecall alone


def test_minimal_mode_leaves_atomics_to_the_interpreter(jit_cache):
    got = native(LOOP + EXIT, jit_cache, "minimal")
    assert got.result.regs[10] == sum(range(1, 1001)) + 1000
    assert got.stats["untranslated_steps"] == 1 + 3 * 1000


def run_interpreter(source: str):
    return run(source, step_limit=100_000, memory_map=SMALL_RAM)


@pytest.mark.parametrize("between, held", [("", 0), ("addi a7, zero, 64\naddi a0, zero, 1\naddi a2, zero, 0\necall\n", 0),
                                           ("sw zero, 0(s1)\n", 0), ("sc.w t3, zero, (s1)\n", 1)])
def test_a_reservation_taken_in_translated_code_holds_across_an_ecall_until_an_sc(between, held, jit_cache):
    """An LR in translated code, then an ecall the interpreter makes (the reservation crosses
    the hand-off both ways), a plain store (which keeps it) or another SC (which ends it)."""
    source = li("s1", DATA) + f"lr.w t1, (s1)\n{between}sc.w t2, t1, (s1)\naddi a0, t2, 0\n" + EXIT
    got = native(source, jit_cache).result
    want, _ = run_interpreter(source)
    assert got.regs == want.regs and got.exit_code == want.exit_code
    assert got.exit_code == held


def test_an_sc_the_fast_checks_do_not_cover_is_performed_by_the_interpreter(jit_cache):
    """SC to the read-only code faults there, as the interpreter reports it."""
    source = "auipc s1, 0\nlr.w t1, (s1)\nsc.w t2, t1, (s1)\n" + EXIT
    got = native(source, jit_cache).result
    want, _ = run_interpreter(source)
    assert str(got.fault) == str(want.fault) and "code" in str(want.fault)
