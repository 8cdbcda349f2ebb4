"""Random valid programs (hypothesis, tests/random_programs.py) on the JIT and the
interpreter, and unicorn as a second, independent oracle for the interpreter."""
import importlib.util

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from differential import DATA, SMALL_RAM, asm, run_interpreter, run_unicorn
from random_programs import (BASE, RR, RR_W, S0, STEP_LIMIT, Spec, code_end, jit_matches_interpreter, programs,
                             render, run_length)
from translator.interpreter import alu_operations

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                      HealthCheck.function_scoped_fixture])


def _jit_matches_interpreter(spec: Spec, data, cache_dir) -> None:
    limit = STEP_LIMIT
    if spec.cut:
        limit = data.draw(st.one_of(st.just(0), st.integers(1, max(1, run_length(spec) - 1))), label="step_limit")
    jit_matches_interpreter(spec, limit, cache_dir)


@settings(max_examples=150, **SETTINGS)
@given(spec=programs(64), data=st.data())
def test_random_rv64_program_runs_the_same_on_the_jit(spec, data, jit_cache):
    _jit_matches_interpreter(spec, data, jit_cache)


@settings(max_examples=80, **SETTINGS)
@given(spec=programs(32), data=st.data())
def test_random_rv32_program_runs_the_same_on_the_jit(spec, data, jit_cache):
    _jit_matches_interpreter(spec, data, jit_cache)


def _unicorn_matches_interpreter(spec: Spec) -> None:
    """Unicorn (qemu's RISC-V) as an independent oracle for registers and the data window.

    Only aligned loads and stores are generated here: we implement misaligned accesses
    (Zicclsm) and unicorn may trap on them instead.  No ecalls but the final exit (unicorn stops
    at its address), and LR/SC only in clean pairs (qemu's SC also compares the value LR saw, and
    ignores the width, where our single-hart reservation is (address, size) only)."""
    program = asm(spec.source, spec.xlen)
    result, machine = run_interpreter(program, spec.input_bytes, SMALL_RAM, 100_000, spec.regs)
    note = f"\n{spec.source}regs={spec.regs} input={spec.input_bytes!r}"
    assert result.fault is None, f"{result.fault}{note}"
    stop_at = code_end(spec.source) - 4
    assert result.pc == stop_at, note
    regs, window = run_unicorn(program, spec.regs, stop_at, spec.input_bytes)
    bad = [f"x{i}: interpreter {a:#x}, unicorn {b:#x}" for i, (a, b) in enumerate(zip(result.regs, regs)) if a != b]
    assert not bad, "; ".join(bad) + note
    ours = machine.memory.read(DATA, len(window))
    if ours != window:
        first = next(i for i in range(len(window)) if ours[i] != window[i])
        raise AssertionError(f"data window differs first at {DATA + first:#x}{note}")


NEEDS_UNICORN = pytest.mark.skipif(importlib.util.find_spec("unicorn") is None,
                                   reason="unicorn is not installed (pip install unicorn==2.1.4)")


@NEEDS_UNICORN
@settings(max_examples=300, **SETTINGS)
@given(spec=programs(64, oracle=True))
def test_random_rv64_program_agrees_with_unicorn(spec):
    _unicorn_matches_interpreter(spec)


@NEEDS_UNICORN
@settings(max_examples=200, **SETTINGS)
@given(spec=programs(32, oracle=True))
def test_random_rv32_program_agrees_with_unicorn(spec):
    _unicorn_matches_interpreter(spec)


# ---- the generator itself -------------------------------------------------------------------------

def test_rendering_resolves_forward_jumps_and_loops():
    spec = Spec(64, [("jump", 0, 2), ["addi a0, zero, 1"], ("branch", "beq", 0, 0, 1), ["addi a0, a0, 2"],
                     ("loop", 3, [["addi a3, a3, 1"]]), ["addi a0, a0, 4"]], [], "exit", {}, b"", False)
    source = render(spec)
    result, _ = run_interpreter(asm(source), regs={S0: BASE})
    # jump skips `addi a0,1` and the branch; the branch is skipped too; then +2 and the loop and +4
    assert result.exit_code == 6 and result.regs[13] == 3, source


def test_every_alu_operation_is_generated():
    assert set(RR + RR_W) == set(alu_operations(64))
