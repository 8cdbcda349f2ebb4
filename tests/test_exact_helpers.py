"""Accesses outside a group whose inline check fails: the module's exact helpers.

Inline, an access tests only where it almost always goes (aligned, in RAM; the stack's range
alone for an sp-relative access; then, for a load, the input region).  Anything else calls the
module's `exact_load<size>` or `exact_store<size>` (translator/lifter.py exact_lines), which
checks every range, counts a misaligned access and hands back where to access, or null: then
the step goes to the interpreter, which performs it or reports the fault exactly as it always
does.  Each test runs the interpreter and the JIT (fast and minimal mode) and compares them."""
import pytest

from differential import CODE, DATA, SMALL_RAM, asm, check, li, run_both
from guest_asm import EXIT
from runtime.memory_map import INPUT_BASE
from translator.executor import layout_for
from translator.lifter import lift_module
from translator.regions import code_map

GUARD_LO, GUARD_HI = SMALL_RAM.stack_guard


@pytest.mark.parametrize("xlen", [64, 32])
def test_a_misaligned_load_in_ram_is_counted_on_the_out_of_line_path(xlen, jit_cache):
    source = f"{li('a1', DATA + 1, xlen)}lw a0, 0(a1)\n{EXIT}"
    result, _ = check(asm(source, xlen, data=bytes(range(16))), cache_dir=jit_cache)
    assert result.fault is None and result.misaligned == 1 and result.regs[10] == 0x04030201


@pytest.mark.parametrize("xlen", [64, 32])
def test_a_misaligned_store_in_ram_is_counted_on_the_out_of_line_path(xlen, jit_cache):
    source = f"{li('a1', DATA + 2, xlen)}sw a2, 0(a1)\nlbu a0, 5(a1)\n{EXIT}"
    result, machine = check(asm(source, xlen), regs={"a2": 0x11223344}, cache_dir=jit_cache)
    assert result.fault is None and result.misaligned == 1
    assert machine.memory.read(DATA + 2, 4) == (0x11223344).to_bytes(4, "little")


def test_an_aligned_load_from_the_input_region_returns_the_input_bytes(jit_cache):
    source = f"{li('a1', INPUT_BASE + 8)}lw a0, 0(a1)\n{EXIT}"
    result, _ = check(asm(source), input_bytes=b"\x01\x02\x03\x04\x05", cache_dir=jit_cache)
    assert result.fault is None and result.misaligned == 0 and result.regs[10] == 0x04030201


def test_a_misaligned_load_from_the_input_region_returns_the_input_bytes_and_is_counted(jit_cache):
    source = f"{li('a1', INPUT_BASE + 9)}lw a0, 0(a1)\n{EXIT}"
    result, _ = check(asm(source), input_bytes=b"\x01\x02\x03\x04\x05", cache_dir=jit_cache)
    assert result.fault is None and result.misaligned == 1 and result.regs[10] == 0x05040302


def test_an_sp_relative_load_outside_the_stack_reads_ram(jit_cache):
    source = f"{li('sp', DATA + 8)}ld a0, 0(sp)\n{EXIT}"
    result, _ = check(asm(source, data=bytes(range(16))), cache_dir=jit_cache)
    assert result.fault is None and result.regs[10] == int.from_bytes(bytes(range(8, 16)), "little")


def test_an_sp_relative_load_from_the_input_region_returns_the_input_bytes(jit_cache):
    source = f"{li('sp', INPUT_BASE)}ld a0, 0(sp)\n{EXIT}"
    result, _ = check(asm(source), input_bytes=b"abc", cache_dir=jit_cache)
    assert result.fault is None and result.regs[10] == 3


def test_an_sp_relative_store_outside_the_stack_writes_ram(jit_cache):
    source = f"{li('sp', DATA + 16)}sd a2, 0(sp)\n{EXIT}"
    _, machine = check(asm(source), regs={"a2": 77}, cache_dir=jit_cache)
    assert machine.memory.read(DATA + 16, 8) == (77).to_bytes(8, "little")


def test_an_aligned_load_ending_at_the_guard_page_is_in_ram(jit_cache):
    result, _ = check(asm(f"{li('a1', GUARD_LO - 8)}ld a0, 0(a1)\n{EXIT}"), cache_dir=jit_cache)
    assert result.fault is None


def test_a_misaligned_load_reaching_into_the_guard_page_faults_in_the_interpreter(jit_cache):
    result, _ = check(asm(f"{li('a1', GUARD_LO - 4)}ld a0, 0(a1)\n{EXIT}"), cache_dir=jit_cache)
    assert "stack guard page" in str(result.fault)


def test_a_load_outside_ram_and_input_leaves_for_the_interpreter_with_its_fault(jit_cache):
    setup = li("a1", 0x100)
    result, _ = check(asm(f"{setup}ld a0, 0(a1)\n{EXIT}"), cache_dir=jit_cache)
    assert "null guard page" in str(result.fault) and result.steps == len(setup.splitlines())


def test_a_store_over_the_code_leaves_for_the_interpreter_with_its_fault(jit_cache):
    result, _ = check(asm(f"{li('a1', CODE)}sw a0, 0(a1)\n{EXIT}"), cache_dir=jit_cache)
    assert result.fault is not None and result.fault.pc == CODE + 4 * (result.steps)


def test_a_faulting_access_is_one_slow_step_of_the_native_run(jit_cache):
    program = asm(f"{li('a1', 0x100)}ld a0, 0(a1)\n{EXIT}")
    _, _, native_run, _ = run_both(program, cache_dir=jit_cache, tier_up=False)
    assert native_run.stats["slow_steps"] == 1


def test_each_exact_helper_is_defined_once_per_module():
    program = asm(f"ld a0, 0(a1)\nlw a2, 0(a3)\nld a4, 0(a5)\nsw a0, 0(a6)\n{EXIT}")
    cm = code_map(program, "fast")
    text = lift_module(cm, cm.regions, "fast", layout_for(program, SMALL_RAM))
    defined = [line.split("@")[1].split("(")[0] for line in text.splitlines() if line.startswith("define internal")]
    assert sorted(defined) == ["exact_load4", "exact_load8", "exact_store4"]
