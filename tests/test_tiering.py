"""Tier-up: a cold start runs on the quick tier while the requested tier compiles in the background;
both tiers give the interpreter's results, and the swap in the middle of runs changes nothing."""
import gc
import weakref
from pathlib import Path

import numpy as np
import pytest

from runtime.memory_map import MemoryMap
from translator.elf import load_elf
from translator import tiering
from translator.executor import NativeMachine, layout_for
from translator.interpreter import Interpreter
from translator.jit import DEFAULT_OPT, QUICK_OPT, cache_key, cached_translation
from translator.regions import code_map

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ["fibonacci", "sort", "bignum", "sha256_soft"]


def example(name: str):
    folder = ROOT / "examples" / name
    return load_elf(folder / "guest.rv64im.elf"), (folder / "input.bin").read_bytes()


@pytest.mark.parametrize("opt", [QUICK_OPT, DEFAULT_OPT])
@pytest.mark.parametrize("mode", ["fast", "minimal"])
@pytest.mark.parametrize("name", EXAMPLES)
def test_each_tier_gives_the_interpreters_results(name, mode, opt, jit_cache):
    program, input_bytes = example(name)
    expected = Interpreter(program, input_bytes).run()
    run = NativeMachine(program, input_bytes, mode=mode, opt=opt, cache_dir=jit_cache, tier_up=False).run()
    assert (run.result.exit_code, run.result.output, run.result.steps, run.result.regs) == \
        (expected.exit_code, expected.output, expected.steps, expected.regs)


def test_a_cold_start_runs_quick_code_then_the_requested_tier(tmp_path):
    program, input_bytes = example("bignum")
    layout = layout_for(program, MemoryMap())
    machine = NativeMachine(program, input_bytes, mode="minimal", cache_dir=tmp_path)
    assert machine.translation.key == cache_key(program, "minimal", layout, QUICK_OPT)
    quick_table = machine.table.copy()
    first = machine.run()                               # the swap may happen at any point of this run
    machine.code.wait()
    assert cached_translation(program, code_map(program, "minimal"), "minimal", layout, DEFAULT_OPT, tmp_path)
    assert np.all((machine.table != quick_table) == (quick_table != 0)), "every region now runs the new code"
    again = NativeMachine(program, input_bytes, mode="minimal", cache_dir=tmp_path)
    assert again.translation.cached and again.translation.key == cache_key(program, "minimal", layout, DEFAULT_OPT)
    second = again.run()
    assert first.result.output == second.result.output and first.result.steps == second.result.steps
    for field in ("checkpoints", "load_log", "pc_histogram"):
        assert np.array_equal(getattr(first.trace, field), getattr(second.trace, field))


def test_machines_started_during_a_background_compile_share_it(tmp_path):
    program, input_bytes = example("sort")
    first = NativeMachine(program, input_bytes, cache_dir=tmp_path)
    second = NativeMachine(program, input_bytes, cache_dir=tmp_path)
    assert second.code._upgrade is first.code._upgrade or second.translation.cached
    for machine in (first, second):
        machine.code.wait()
        assert machine.run().result.exit_code == 0


def test_short_cold_runs_leave_no_compiled_code_behind(tmp_path):
    """A run that ends before its tier-up starts takes the upgrade and its engines with it."""
    program, input_bytes = example("fibonacci")
    engines = []
    for _ in range(20):
        machine = NativeMachine(program, input_bytes, cache_dir=tmp_path)
        assert machine.run().result.exit_code == 0
        assert machine.code._upgrade is not None, "a cold start, too short to tier up"
        engines += [weakref.ref(code.engine) for code in machine.code._loaded]
        del machine
    gc.collect()
    assert [entry for entry in tiering._upgrades if entry.startswith(str(tmp_path))] == []
    assert sum(engine() is not None for engine in engines) == 0
