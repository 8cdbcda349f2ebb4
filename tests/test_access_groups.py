"""Accesses through one base register value share one range check (translator/access_groups.py).

Where the group's check fails, a group of loads based in the input region reads it (the module's
exact_group helper); any other group leaves for the interpreter at its first member, and the
interpreter runs the rest of the block, so a fault still stops at exactly the faulting member with
the interpreter's message and step count, and the misaligned count is the interpreter's."""
from dataclasses import replace

import pytest

from differential import CODE, DATA, SMALL_RAM, asm, check, keyed, li, run_both
from guest_asm import DATA_SIZE, EXIT
from runtime.memory_map import INPUT_BASE
from translator.access_groups import Group, access_groups
from translator.elf import Segment
from translator.regions import code_map

GUARD_LO, GUARD_HI = SMALL_RAM.stack_guard


def groups_of(source: str) -> dict[int, Group]:
    """The groups of the first block of `source`, by member position."""
    cm = code_map(asm(source), "fast")
    region = cm.regions[0]
    return access_groups(cm, cm.block(region.start, region))


def test_accesses_through_one_base_value_share_one_group():
    groups = groups_of(f"ld a0, 8(sp)\nsw a0, -4(sp)\nlbu a2, 20(sp)\nld a3, 0(a1)\n{EXIT}")
    assert groups[0] is groups[1] is groups[2] == Group(base=2, first=0, low=-4, span=25, align=8, stores=True, phase=0)
    assert 3 not in groups                            # alone through a1: its own check


def test_a_write_to_the_base_register_starts_a_new_group():
    groups = groups_of(f"ld a0, 0(a1)\nld a2, 8(a1)\nld a1, 16(a1)\nld a3, 0(a1)\nld a4, 8(a1)\n{EXIT}")
    assert groups[0] is groups[1] is groups[2] and groups[3] is groups[4] and groups[3] is not groups[0]
    assert groups[3].first == 3


def test_a_group_of_loads_only_is_not_held_to_where_stores_may_go():
    assert not groups_of(f"lw a0, 0(a1)\nlh a2, 6(a1)\n{EXIT}")[0].stores


@pytest.mark.parametrize("xlen", [64, 32])
def test_a_member_past_the_end_of_ram_faults_after_the_members_before_it(xlen, jit_cache):
    setup = li("a1", SMALL_RAM.ram_end - 8, xlen)
    source = f"{setup}sw a2, 0(a1)\nsw a2, 4(a1)\nsw a2, 8(a1)\n{EXIT}"
    result, machine = check(asm(source, xlen), regs={"a2": 0x1234_5678}, cache_dir=jit_cache)
    assert "unmapped memory" in str(result.fault)
    assert result.steps == len(setup.splitlines()) + 2 and result.fault.pc == CODE + 4 * result.steps
    assert machine.memory.read(SMALL_RAM.ram_end - 8, 8) == (0x1234_5678).to_bytes(4, "little") * 2


def test_a_group_straddling_the_guard_page_faults_at_its_first_member_in_the_guard(jit_cache):
    source = f"{li('a1', GUARD_LO - 16)}sd a2, 0(a1)\nsd a2, 8(a1)\nld a3, 16(a1)\nsd a2, 24(a1)\n{EXIT}"
    result, _ = check(asm(source), regs={"a2": 7}, cache_dir=jit_cache)
    assert "stack guard page" in str(result.fault) and f"0x{GUARD_LO:08x}" in str(result.fault)


def test_a_copy_loop_running_down_into_the_guard_page_stops_at_the_faulting_store(jit_cache):
    """Each pass stores two words below a1 and moves down 12 bytes: the pass that reaches the guard page
    has its first store above it and its second inside."""
    source = (f"{li('a1', GUARD_HI + 100)}loop:\nsd a2, -8(a1)\nsd a2, -16(a1)\naddi a1, a1, -12\n"
              f"jal zero, loop\n{EXIT}")
    result, _ = check(asm(source), regs={"a2": 3}, cache_dir=jit_cache)
    assert "stack guard page" in str(result.fault)


def test_a_store_group_reaching_read_only_data_faults_at_that_store(jit_cache):
    rodata = DATA + DATA_SIZE
    base = asm(f"sd a2, -8(a1)\nsd a2, 0(a1)\n{EXIT}")
    program = keyed(replace(base, segments=base.segments + (Segment(rodata, bytes(16), True, False, False),)))
    result, machine = check(program, regs={"a1": rodata, "a2": 9}, cache_dir=jit_cache)
    assert "read-only data" in str(result.fault) and result.steps == 1
    assert machine.memory.read(rodata - 8, 8) == (9).to_bytes(8, "little")


@pytest.mark.parametrize("xlen", [64, 32])
@pytest.mark.parametrize("misalign", [0, 1, 2, 4])
def test_misaligned_members_are_counted_as_the_interpreter_counts_them(xlen, misalign, jit_cache):
    """A base aligned or not, members at aligned and misaligned offsets, stores and loads."""
    source = (f"{li('a1', DATA + 0x100 + misalign, xlen)}sw a2, 0(a1)\nsh a2, 3(a1)\nlw a3, 5(a1)\n"
              f"lhu a4, 8(a1)\nlbu a5, 9(a1)\nsw a2, 12(a1)\n{EXIT}")
    result, _ = check(asm(source, xlen), regs={"a2": -1}, cache_dir=jit_cache)
    offsets = {0: 4, 3: 2, 5: 4, 8: 2, 9: 1, 12: 4}
    assert result.misaligned == sum((misalign + off) % size != 0 for off, size in offsets.items())


def test_a_group_reading_the_input_region_loads_from_it(jit_cache):
    source = f"{li('a1', INPUT_BASE)}ld a2, 0(a1)\nlbu a3, 8(a1)\nlw a4, 9(a1)\n{EXIT}"
    result, _ = check(asm(source), input_bytes=b"\x05\x01\x02\x03\x04", cache_dir=jit_cache)
    assert result.fault is None and result.misaligned == 1
    assert [result.regs[r] for r in (12, 13, 14)] == [5, 5, 0x04030201]


def test_a_group_of_loads_longer_than_the_input_faults_at_the_member_past_its_end(jit_cache):
    source = f"{li('a1', INPUT_BASE)}ld a2, 0(a1)\nld a3, 8(a1)\nld a4, 16(a1)\n{EXIT}"
    result, _ = check(asm(source), input_bytes=b"\x07" * 8, cache_dir=jit_cache)
    assert "the input region" in str(result.fault) and result.regs[12] == 8 and result.regs[13] == 0x0707070707070707


def test_a_group_with_a_misaligned_base_goes_to_the_interpreter_at_its_first_member(jit_cache):
    program = asm(f"{li('a1', DATA + 2)}lw a2, 0(a1)\nlw a3, 4(a1)\naddi a4, a2, 1\n{EXIT}")
    interp_result, _, native_run, _ = run_both(program, cache_dir=jit_cache, tier_up=False)
    assert native_run.result.misaligned == interp_result.misaligned == 2
    assert native_run.stats["slow_steps"] == 1 and native_run.stats["mid_block_steps"] >= 2


def test_a_group_with_an_aligned_base_in_ram_takes_no_step_in_the_interpreter(jit_cache):
    program = asm(f"{li('a1', DATA)}lw a2, 0(a1)\nlw a3, 4(a1)\nsd a3, 8(a1)\n{EXIT}")
    _, _, native_run, _ = run_both(program, cache_dir=jit_cache, tier_up=False)
    assert native_run.stats["slow_steps"] == 0 and native_run.stats["mid_block_steps"] == 0


def test_a_group_is_aligned_by_its_widest_member_not_by_its_base():
    group = groups_of(f"sd a3, -20(a5)\nlbu a2, 16(a5)\nlw a4, -8(a5)\n{EXIT}")[0]
    assert group.align == 8 and group.phase == 4 and group.misaligned(-8, 4) == 0 and group.misaligned(-18, 4) == 1


def test_a_group_whose_widest_member_is_aligned_off_an_unaligned_base_takes_no_step_in_the_interpreter(jit_cache):
    program = asm(f"{li('a5', DATA + 0x104)}sd a3, -20(a5)\nlbu a2, 16(a5)\nlh a4, -7(a5)\n{EXIT}")
    interp_result, _, native_run, _ = run_both(program, regs={"a3": 5}, cache_dir=jit_cache, tier_up=False)
    assert native_run.stats["slow_steps"] == 0 and native_run.result.misaligned == interp_result.misaligned == 1
