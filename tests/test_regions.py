"""Region discovery (translator/regions.py): what it costs follows the code that can run, not the size of
the code segments, long regions are cut where the fewest loops are split, and a dispatch loop (a
computed jump in a loop, landing on code pointers of its own region) is cut at a larger cap."""
import pickle
import random
import re

import numpy as np
import pytest

from differential import check
from elf_factory import PF_R, PF_X, Seg, build_elf
from runtime.memory_map import RAM_BASE, MemoryMap
from translator.assembler import assemble
from translator.elf import load_elf
from translator.executor import NativeMachine, block_lengths, layout_for
from translator.jit import QUICK_OPT, translate
from translator.lifter import lift_module
from translator.regions import (DISPATCH_MAX_REGION, DISPATCH_TARGETS, DISPATCH_WHOLE, MAX_REGION, SLOW,
                                _cut_long_regions, code_map)
from zkaot.cli import EXIT_OK, main

LOOP = """
    addi a0, zero, 10
loop:
    addi a0, a0, -1
    addi a1, a1, 3
    bne a0, zero, loop
"""


def zero_filled(source: str, size: int, xlen: int = 64):
    """A tiny ELF: `source` at the start of an R+X segment of `size` bytes, the rest zero fill."""
    code = assemble(source, RAM_BASE, xlen)
    return load_elf(build_elf([Seg(RAM_BASE, PF_R | PF_X, code, memsz=size)], elfclass=xlen))


@pytest.mark.parametrize("xlen", [32, 64])
@pytest.mark.parametrize("source", [
    LOOP,                                                       # runs into the zero fill
    LOOP + f"jal zero, 0x{RAM_BASE + 0xC0000:x}\n",             # jumps deep into it
    LOOP + f"jal ra, 0x{RAM_BASE + 0x80008:x}\n",               # calls into it
    "",                                                         # starts in it
], ids=["falls-in", "jumps-in", "calls-in", "starts-in"])
def test_code_reaching_zero_fill_faults_as_in_the_interpreter(source, xlen, jit_cache):
    result, _ = check(zero_filled(source, 4 << 20, xlen), memory_map=MemoryMap(), cache_dir=jit_cache)
    assert "illegal instruction" in str(result.fault)


@pytest.mark.parametrize("filler", ["zero fill", "illegal words"])
def test_code_segment_filler_adds_no_regions_and_no_functions(filler, tmp_path):
    """Only the decodable code makes regions and LLVM functions, however large the segment."""
    def program(size):
        if filler == "zero fill":
            return zero_filled(LOOP, size)
        code = assemble(LOOP, RAM_BASE).ljust(size, b"\xff")
        return load_elf(build_elf([Seg(RAM_BASE, PF_R | PF_X, code)]))

    small, large = program(4096), program(64 << 20 if filler == "zero fill" else 4 << 20)
    for mode in ("fast", "full"):
        few, many = code_map(small, mode), code_map(large, mode)
        assert many.regions == few.regions and len(few.regions) == 1
        functions = [set(translate(p, cm, mode, layout_for(p, MemoryMap()), QUICK_OPT, tmp_path / filler / mode,
                                   workers=1).region_names.values()) for p, cm in ((small, few), (large, many))]
        assert functions[0] == functions[1]
    assert (block_lengths(many)[(many.kind == SLOW) & many.is_code] == 1).all()


def test_slow_words_end_the_block_before_them_and_have_no_block():
    program = zero_filled("addi a0, zero, 1\necall\naddi a0, a0, 1\n.word 0\naddi a0, a0, 2\n"
                          "ebreak\naddi a0, a0, 3\n", 4096)
    cm = code_map(program, "fast")
    leaders = [pc for region in cm.regions for pc in region.leaders]
    assert leaders == [RAM_BASE, RAM_BASE + 8, RAM_BASE + 16, RAM_BASE + 24]
    blocks = [cm.block(pc, region) for region in cm.regions for pc in region.leaders]
    assert blocks == [[0], [2], [4], [6]]


def test_the_code_map_goes_to_compile_workers_without_its_zero_fill():
    cm = code_map(zero_filled(LOOP, 4 << 20), "full")
    state = pickle.dumps(cm)
    assert len(state) < (4 << 20) // 8                 # two bit masks; no per-word arrays
    again = pickle.loads(state)
    for name in ("decoded", "kind", "is_code", "is_leader"):
        assert np.array_equal(getattr(again, name), getattr(cm, name)), name
    assert (again.base, again.xlen, again.regions) == (cm.base, cm.xlen, cm.regions)


def greedy_cuts(bounds: list[int], end: int, leaders: list[int], splits: list[int], caps: list[int]) -> list[int]:
    """The cutting rule stated plainly: from a region's start, while more than its cap of words remain,
    cut at the leader within the cap that splits the fewest loops (the latest of those), or at the
    first leader after it when there is none within reach."""
    cost = dict(zip(leaders, splits))
    cuts = []
    for lo, hi, cap in zip(bounds, bounds[1:] + [end], caps):
        last = lo
        while hi - last > cap:
            rest = [x for x in leaders if last < x < hi]
            if not rest:
                break
            window = [x for x in rest if x - last <= cap] or rest[:1]
            fewest = min(cost[x] for x in window)
            last = max(x for x in window if cost[x] == fewest)
            cuts.append(last)
    return sorted(cuts)


def test_long_regions_are_cut_where_the_fewest_loops_are_split():
    rng = random.Random(10)
    for _ in range(300):
        n = rng.choice([10, 200, 1000, 5000])
        density = rng.choice([0.001, 0.01, 0.05, 0.3, 0.9])
        leaders = [x for x in range(n) if rng.random() < density]
        bounds = sorted({0, *rng.sample(range(n), rng.randrange(min(n, 5)))})
        splits = [rng.randrange(rng.choice([1, 3, 10])) for _ in leaders]
        caps = [rng.choice([MAX_REGION, 300, 1000]) for _ in bounds]
        got = _cut_long_regions(np.array(bounds), n, np.array(leaders, np.int64), np.array(splits, np.int64),
                                np.array(caps, np.int64))
        assert got.tolist() == greedy_cuts(bounds, n, leaders, splits, caps)


TABLE = RAM_BASE + 0x10000          # a read-only segment with a pc-relative jump table of 64 entries


def dispatch(loop: bool = True, table: bool = True, cases: int = DISPATCH_TARGETS, pad: int = 2, xlen: int = 64):
    return load_elf(dispatch_elf(loop, table, cases, pad, xlen))


def dispatch_elf(loop: bool = True, table: bool = True, cases: int = DISPATCH_TARGETS, pad: int = 2,
                 xlen: int = 64) -> bytes:
    """40 times (once without `loop`): jump through TABLE[i % 64] to case i % `cases`, each `pad` + 2
    instructions long and ending with a jump to the loop's tail; without `table` the table points into
    itself, not at code.  No function symbols: the only region start is the entry, as in a stripped
    binary."""
    body = "".join(f"case{k}:\n    addi s1, s1, {k + 1}\n" + "    addi s2, s2, 1\n" * pad + "    jal zero, tail\n"
                   for k in range(cases))
    code = assemble(f"""
    addi s0, zero, 40
    addi s1, zero, 0
head:
    andi t0, s0, 63
    slli t0, t0, 2
    auipc t1, 16
    addi t1, t1, -16
    add t2, t1, t0
    lw t2, 0(t2)
    add t2, t2, t1
    jalr zero, 0(t2)
{body}tail:
    addi s0, s0, -1
    beq s0, zero, done
    {'jal zero, head' if loop else 'addi zero, zero, 0'}
done:
    addi a0, zero, 0
    addi a7, zero, 93
    ecall
""", RAM_BASE, xlen)
    first_case = RAM_BASE + 40
    entries = [first_case + (k % cases) * 4 * (pad + 2) - TABLE if table else 4 for k in range(64)]
    words = b"".join(e.to_bytes(4, "little", signed=True) for e in entries)
    return build_elf([Seg(RAM_BASE, PF_R | PF_X, code), Seg(TABLE, PF_R, words)], elfclass=xlen)


def test_a_dispatch_loop_longer_than_the_cap_stays_one_region():
    cm = code_map(dispatch(), "fast")
    assert cm.instructions > MAX_REGION and len(cm.regions) == 1


@pytest.mark.parametrize("mode", ["minimal", "full"])
def test_the_trace_modes_cut_a_dispatch_loop_at_the_cap(mode):
    assert all(r.end - r.start <= 4 * MAX_REGION for r in code_map(dispatch(), mode).regions)


def test_quick_code_cuts_a_dispatch_loop_at_the_cap():
    assert all(r.end - r.start <= 4 * MAX_REGION for r in code_map(dispatch(), "fast", quick=True).regions)


def test_a_quick_tier_machine_runs_the_quick_code_map(jit_cache):
    machine = NativeMachine(dispatch(), opt=QUICK_OPT, cache_dir=jit_cache, tier_up=False)
    assert machine.cm.regions == code_map(dispatch(), "fast", quick=True).regions
    assert machine.run().result.exit_code == 0


def test_a_cold_run_compiles_a_dispatch_loop_as_quick_code_then_installs_it_whole(tmp_path):
    """Lazily compiled quick code is cut at the cap; the background compile's default tier keeps the loop
    whole, and either fills the same table slots."""
    program = dispatch()
    machine = NativeMachine(program, cache_dir=tmp_path)
    first = machine.run()
    assert machine.code._lazy.regions == code_map(program, "fast", quick=True).regions
    machine.code.wait()
    assert machine.code._rank == 1 and len(machine.cm.regions) == 1
    second = NativeMachine(program, cache_dir=tmp_path).run()
    assert first.result.exit_code == second.result.exit_code == 0 and first.result.steps == second.result.steps


def test_a_cold_run_of_a_program_without_a_dispatch_loop_reuses_its_code_map(tmp_path):
    program = dispatch(loop=False)
    machine = NativeMachine(program, cache_dir=tmp_path)
    assert machine.cm.dispatch_loops == 0 and machine.run().result.exit_code == 0
    assert machine.code._lazy is machine.cm
    machine.code.wait()


def test_the_code_map_counts_its_dispatch_loops():
    assert code_map(dispatch(), "fast").dispatch_loops == 1
    assert code_map(dispatch(), "fast", quick=True).dispatch_loops == 0
    assert code_map(dispatch(loop=False), "fast").dispatch_loops == 0


def test_translate_compiles_each_mode_with_the_code_map_its_runs_use(tmp_path, monkeypatch):
    elf = tmp_path / "dispatch.elf"
    elf.write_bytes(dispatch_elf())
    compiled = {}
    monkeypatch.setattr("translator.jit.translate_modes", lambda program, maps, *rest: compiled.update(maps) or {})
    assert main(["translate", str(elf), "--mode", "all"]) == EXIT_OK
    program = load_elf(elf)
    assert {mode: cm.regions for mode, cm in compiled.items()} == {
        mode: code_map(program, mode).regions for mode in ("fast", "minimal", "full")}


def test_a_computed_jump_outside_a_loop_is_cut_at_the_cap():
    cm = code_map(dispatch(loop=False), "fast")
    assert len(cm.regions) > 1 and all(r.end - r.start <= 4 * MAX_REGION for r in cm.regions)


def test_a_loop_around_a_computed_jump_with_no_known_targets_is_cut_at_the_cap():
    cm = code_map(dispatch(table=False), "fast")
    assert len(cm.regions) > 1 and all(r.end - r.start <= 4 * MAX_REGION for r in cm.regions)


def test_a_loop_around_a_switch_of_fewer_cases_than_a_dispatch_is_cut_at_the_cap():
    cm = code_map(dispatch(cases=DISPATCH_TARGETS - 1), "fast")
    assert cm.instructions > MAX_REGION
    assert len(cm.regions) > 1 and all(r.end - r.start <= 4 * MAX_REGION for r in cm.regions)


def test_a_dispatch_loop_longer_than_the_cut_of_a_long_one_stays_one_region_if_it_fits_whole():
    cm = code_map(dispatch(pad=DISPATCH_MAX_REGION // DISPATCH_TARGETS), "fast")
    assert DISPATCH_MAX_REGION < cm.instructions <= DISPATCH_WHOLE and len(cm.regions) == 1


def test_a_dispatch_loop_longer_than_it_can_be_whole_is_cut_at_the_dispatch_cap():
    cm = code_map(dispatch(pad=DISPATCH_WHOLE // DISPATCH_TARGETS), "fast")
    assert cm.instructions > DISPATCH_WHOLE and len(cm.regions) > 1
    assert max(r.end - r.start for r in cm.regions) > 4 * MAX_REGION
    assert all(r.end - r.start <= 4 * DISPATCH_MAX_REGION for r in cm.regions)


@pytest.mark.parametrize("xlen", [32, 64])
def test_a_dispatch_loop_in_one_region_agrees_with_the_interpreter_in_every_mode(xlen, jit_cache):
    result, _ = check(dispatch(xlen=xlen), memory_map=MemoryMap(), cache_dir=jit_cache)
    assert result.exit_code == 0 and result.regs[9] == sum(i % DISPATCH_TARGETS + 1 for i in range(1, 41))


def case_addresses(cases: int = DISPATCH_TARGETS, pad: int = 2) -> set[int]:
    """Where dispatch()'s jump table points: the start of each case."""
    return {RAM_BASE + 40 + k * 4 * (pad + 2) for k in range(cases)}


@pytest.mark.parametrize("mode", ["fast", "minimal", "full"])
def test_the_code_map_records_the_code_pointer_targets(mode):
    cm = code_map(dispatch(), mode)
    assert {cm.address(int(i)) for i in np.flatnonzero(cm.is_target)} == case_addresses()


def test_the_code_pointer_targets_go_to_compile_workers():
    cm = code_map(dispatch(), "fast")
    assert np.array_equal(pickle.loads(pickle.dumps(cm)).is_target, cm.is_target)


def test_a_computed_jumps_switch_lists_only_the_code_pointer_targets_of_its_region():
    """Not every leader of the region: the loop's head, its tail and the instruction after the jump are
    reached only by direct branches (a computed jump there leaves by the exit's table lookup)."""
    program = dispatch()
    cm = code_map(program, "fast")
    (region,) = cm.regions
    text = lift_module(cm, [region], "fast", layout_for(program, MemoryMap()))
    switches = [line for line in text.splitlines() if "switch i64" in line and "switch i64 %pc," not in line]
    assert len(switches) == 1
    assert {int(case) for case in re.findall(r"i64 (\d+), label", switches[0])} == case_addresses()
    assert len(region.leaders) > DISPATCH_TARGETS
