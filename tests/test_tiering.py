"""Tier-up: a cold start compiles only what runs, at the quick tier, while the requested tier compiles
in the background; every tier gives the interpreter's results, the swap in the middle of a run changes
nothing, and the requested tier ends up in the cache for the next run."""
import gc
import os
import subprocess
import sys
import time
import weakref
from pathlib import Path

import numpy as np
import pytest

from differential import asm
from guest_asm import CODE, EXIT
from runtime.memory_map import MemoryMap
from translator.elf import load_elf
from translator import tiering
from translator.executor import NativeMachine, layout_for
from translator.interpreter import Interpreter
from translator import jit
from translator.jit import DEFAULT_OPT, QUICK_OPT, cache_key, cached_translation, compile_ir
from translator.lifter import lift_module
from translator.regions import code_map

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ["fibonacci", "sort", "bignum", "sha256_soft", "coremark_like"]


def example(name: str):
    folder = ROOT / "examples" / name
    return load_elf(folder / "guest.rv64im.elf"), (folder / "input.bin").read_bytes()


@pytest.fixture
def lazy_only(monkeypatch):
    """Lazy compilation one region at a time, and no tier-up: what a cold run compiles is what it reached."""
    monkeypatch.setattr(tiering, "TIER_UP_AFTER", float("inf"))
    monkeypatch.setattr(tiering, "FIRST_BATCH", 1)
    monkeypatch.setattr(tiering, "MAX_BATCH", 1)


@pytest.mark.parametrize("opt", [QUICK_OPT, DEFAULT_OPT])
@pytest.mark.parametrize("mode", ["fast", "minimal"])
@pytest.mark.parametrize("name", EXAMPLES[:4])
def test_each_tier_gives_the_interpreters_results(name, mode, opt, jit_cache):
    program, input_bytes = example(name)
    expected = Interpreter(program, input_bytes).run()
    run = NativeMachine(program, input_bytes, mode=mode, opt=opt, cache_dir=jit_cache, tier_up=False).run()
    assert (run.result.exit_code, run.result.output, run.result.steps, run.result.regs) == \
        (expected.exit_code, expected.output, expected.steps, expected.regs)


@pytest.mark.parametrize("mode", ["fast", "minimal"])
@pytest.mark.parametrize("name", EXAMPLES)
def test_lazily_compiled_code_gives_the_same_result_as_the_interpreter(name, mode, lazy_only, tmp_path, jit_cache):
    program, input_bytes = example(name)
    expected = Interpreter(program, input_bytes).run()
    run = NativeMachine(program, input_bytes, mode=mode, cache_dir=tmp_path).run()
    assert (run.result.exit_code, run.result.output, run.result.steps, run.result.regs) == \
        (expected.exit_code, expected.output, expected.steps, expected.regs)
    if mode == "minimal":
        whole = NativeMachine(program, input_bytes, mode=mode, cache_dir=jit_cache, tier_up=False).run()
        for field in ("checkpoints", "load_log", "pc_histogram"):
            assert np.array_equal(getattr(run.trace, field), getattr(whole.trace, field))


def test_a_cold_start_compiles_nothing_before_the_first_instruction(lazy_only, tmp_path):
    program, input_bytes = example("coremark_like")
    machine = NativeMachine(program, input_bytes, cache_dir=tmp_path)
    assert not machine.table.any() and machine.translation.compile_seconds == 0


def test_a_cold_run_compiles_only_the_reached_regions(lazy_only, tmp_path):
    """Three regions (the entry and two call targets); the call to `never` is never reached."""
    program = asm(f"addi a0, zero, 0\njal ra, once\n{EXIT}jal ra, never\n"
                  "once:\naddi a0, a0, 1\njalr zero, 0(ra)\nnever:\naddi a0, a0, 2\njalr zero, 0(ra)\n")
    machine = NativeMachine(program, cache_dir=tmp_path)
    assert machine.run().result.exit_code == 1
    compiled = [r.start - CODE for r, done in zip(machine.cm.regions, machine.code._compiled) if done]
    assert compiled == [0, 20] and len(machine.cm.regions) == 3


def test_a_cold_start_runs_quick_code_then_the_requested_tier(tmp_path):
    program, input_bytes = example("bignum")
    layout = layout_for(program, MemoryMap())
    machine = NativeMachine(program, input_bytes, mode="minimal", cache_dir=tmp_path)
    assert machine.translation.key == cache_key(program, "minimal", layout, QUICK_OPT)
    first = machine.run()                               # the swap may happen at any point of this run
    machine.code.wait()
    cached = cached_translation(program, code_map(program, "minimal"), "minimal", layout, DEFAULT_OPT, tmp_path)
    assert cached and machine.code._rank == 1, "the requested tier is installed"
    assert machine.table[[machine.cm.index(pc) for pc in cached.region_names]].all()
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
    """With hand-off off, a run that ends before its tier-up starts takes the upgrade and its engines with it."""
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
    assert os.listdir(tmp_path) == [], "nothing was compiled into the cache"


def test_a_second_run_after_a_short_cold_run_loads_cached_code_and_compiles_nothing(tmp_path):
    """The short run hands the requested tier's compile to a process that outlives it and fills the cache."""
    elf = ROOT / "examples" / "fibonacci" / "guest.rv64im.elf"
    env = dict(os.environ, ZKAOT_CACHE=str(tmp_path), ZKAOT_HAND_OFF="1")
    run = [sys.executable, "-m", "zkaot", "run", str(elf), "--input-hex", "05000000"]
    assert "compile:     0.000 s" not in subprocess.run(run, env=env, capture_output=True, text=True, check=True).stdout
    program = load_elf(elf)
    layout = layout_for(program, MemoryMap())
    entry = tmp_path / cache_key(program, "fast", layout, DEFAULT_OPT)
    deadline = time.monotonic() + 120
    while not (entry / "manifest.json").exists():
        assert time.monotonic() < deadline, "the handed-off compile did not fill the cache"
        time.sleep(0.1)
    tiering._wait_for_lock(Path(f"{entry}.lock"))         # and the child is done
    second = subprocess.run(run, env=env, capture_output=True, text=True, check=True).stdout
    assert "compile:     0.000 s (loaded from the cache)" in second


def test_full_mode_compiles_its_default_tier_at_the_quick_tier():
    """Replay is bound by writing rows: full mode's default tier is the quick one, and shares its cache entry."""
    program, _ = example("fibonacci")
    layout = layout_for(program, MemoryMap())
    assert cache_key(program, "full", layout, DEFAULT_OPT) == cache_key(program, "full", layout, QUICK_OPT)
    assert cache_key(program, "fast", layout, DEFAULT_OPT) != cache_key(program, "fast", layout, QUICK_OPT)


def test_other_code_generation_options_at_the_default_tier_change_the_cache_key(monkeypatch):
    program, _ = example("fibonacci")
    layout = layout_for(program, MemoryMap())
    before = cache_key(program, "fast", layout, DEFAULT_OPT)
    monkeypatch.setattr(jit, "DEFAULT_TIER_OPTIONS", {**jit.DEFAULT_TIER_OPTIONS, "enable-misched": ("true", "true")})
    assert cache_key(program, "fast", layout, DEFAULT_OPT) != before


def test_the_default_tiers_code_generation_options_stay_out_of_llvms_own_pipelines():
    """They are process-wide LLVM options: an opt 1 compile after a default-tier one is what it was before."""
    program, _ = example("coremark_like")
    cm = code_map(program, "fast")
    text = lift_module(cm, cm.regions, "fast", layout_for(program, MemoryMap()))
    first = compile_ir(text, 1)
    assert compile_ir(text, DEFAULT_OPT) != first
    assert compile_ir(text, 1) == first


def test_with_hand_off_off_a_compile_ends_with_the_process_that_started_it(tmp_path):
    """Even when that process ends without its exit handlers, as a pool worker does."""
    script = ("import os, sys\nfrom translator.elf import load_elf\nfrom translator.executor import NativeMachine\n"
              f"machine = NativeMachine(load_elf({str(ROOT / 'examples/sort/guest.rv64im.elf')!r}), "
              f"cache_dir={str(tmp_path)!r})\n"
              "machine.code._upgrade.start()\nprint(machine.code._upgrade.process.pid, flush=True)\nos._exit(0)\n")
    child = int(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                               env=dict(os.environ, ZKAOT_HAND_OFF="0")).stdout)
    deadline = time.monotonic() + 30
    while Path(f"/proc/{child}").exists() and "Z" not in Path(f"/proc/{child}/stat").read_text().split()[2]:
        assert time.monotonic() < deadline, "the compile outlived the process that started it"
        time.sleep(0.05)
