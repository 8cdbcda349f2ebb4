"""Region discovery (translator/regions.py): what it costs follows the code that can run, not the size of
the code segments, and long regions are cut where the fewest loops are split."""
import pickle
import random

import numpy as np
import pytest

from differential import check
from elf_factory import PF_R, PF_X, Seg, build_elf
from runtime.memory_map import RAM_BASE, MemoryMap
from translator.assembler import assemble
from translator.elf import load_elf
from translator.executor import block_lengths, layout_for
from translator.jit import QUICK_OPT, translate
from translator.regions import MAX_REGION, SLOW, _cut_long_regions, code_map

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


def greedy_cuts(bounds: list[int], end: int, leaders: list[int], splits: list[int]) -> list[int]:
    """The cutting rule stated plainly: from a region's start, while more than MAX_REGION words remain,
    cut at the leader within MAX_REGION words that splits the fewest loops (the latest of those), or at
    the first leader after it when there is none within reach."""
    cost = dict(zip(leaders, splits))
    cuts = []
    for lo, hi in zip(bounds, bounds[1:] + [end]):
        last = lo
        while hi - last > MAX_REGION:
            rest = [x for x in leaders if last < x < hi]
            if not rest:
                break
            window = [x for x in rest if x - last <= MAX_REGION] or rest[:1]
            fewest = min(cost[x] for x in window)
            last = max(x for x in window if cost[x] == fewest)
            cuts.append(last)
    return cuts


def test_long_regions_are_cut_where_the_fewest_loops_are_split():
    rng = random.Random(10)
    for _ in range(300):
        n = rng.choice([10, 200, 1000, 5000])
        density = rng.choice([0.001, 0.01, 0.05, 0.3, 0.9])
        leaders = [x for x in range(n) if rng.random() < density]
        bounds = sorted({0, *rng.sample(range(n), rng.randrange(min(n, 5)))})
        splits = [rng.randrange(rng.choice([1, 3, 10])) for _ in leaders]
        got = _cut_long_regions(np.array(bounds), n, np.array(leaders, np.int64), np.array(splits, np.int64))
        assert got.tolist() == greedy_cuts(bounds, n, leaders, splits)
