"""Traces: the translator's full traces, expanded chunk by chunk from the minimal trace alone,
equal the interpreter's array for array; files, caching and the Dask path work."""
from pathlib import Path

import numpy as np
import pytest

from runtime.memory_map import MemoryMap
from runtime.trace import derive_tables
from runtime.trace_files import read_trace
from translator.elf import load_elf
from translator.executor import NativeMachine, layout_for
from translator.expand import chunks_of, expand_chunk, reference_trace
from translator import executor, jit
from translator.jit import translate, translate_modes
from translator.regions import code_map
from zkaot.cli import main
from zkaot.tracing import trace

ROOT = Path(__file__).resolve().parent.parent
GUESTS = sorted((ROOT / "examples").glob("*/guest.*.elf"))


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("zkaot-cache")


def minimal_run(elf: Path, cache, chunk_log2=14):
    program = load_elf(elf)
    machine = NativeMachine(program, (elf.parent / "input.bin").read_bytes(), mode="minimal",
                            chunk_log2=chunk_log2, cache_dir=cache)
    return program, machine.run()


@pytest.mark.parametrize("elf", GUESTS, ids=lambda p: f"{p.parent.name}-{p.name.split('.')[1]}")
def test_expanded_full_trace_equals_the_interpreters(elf, cache):
    program, run = minimal_run(elf, cache)
    chunks = chunks_of(program, run.trace, run.result.steps, MemoryMap(), cache_dir=cache)
    parts = [expand_chunk(c) for c in chunks]
    main_rows = np.concatenate([rows for rows, _ in parts])
    precompiles = np.concatenate([p for _, p in parts])
    result, want_main, want_precompiles = reference_trace(program, (elf.parent / "input.bin").read_bytes())
    assert result.steps == run.result.steps == len(main_rows)
    assert np.array_equal(main_rows, want_main)
    assert np.array_equal(precompiles, want_precompiles)


@pytest.mark.parametrize("elf", GUESTS[:3], ids=lambda p: f"{p.parent.name}-{p.name.split('.')[1]}")
def test_pc_histogram_counts_every_step_at_its_pc(elf, cache):
    program, run = minimal_run(elf, cache)
    _, rows, _ = reference_trace(program, (elf.parent / "input.bin").read_bytes())
    want = np.bincount((rows["pc"] - run.trace.code_base) // 4, minlength=len(run.trace.pc_histogram))
    assert np.array_equal(run.trace.pc_histogram, want)


@pytest.mark.parametrize("elf, capacity", [("sha256_soft/guest.rv64im.elf", 256),
                                           ("coremark_like/guest.rv32im.elf", 1536)])
def test_a_log_written_across_many_buffers_is_the_log_written_into_one(elf, capacity, cache, monkeypatch):
    """Buffer switches (a full buffer yields, its whole pages go to the log's file and native code
    goes on in the next buffer) lose, repeat and shift nothing: the log, its checkpoints' positions
    and the histogram are those of one buffer, and the chunks replay to the interpreter's rows."""
    elf = ROOT / "examples" / elf
    _, whole = minimal_run(elf, cache)
    monkeypatch.setattr(executor, "LOG_CAPACITY", capacity)
    program, cut = minimal_run(elf, cache)
    assert len(whole.trace.load_log.segments) == 1
    assert not cut.trace.load_log.segments[0].flags.writeable        # mapped from the file
    assert np.array_equal(np.asarray(cut.trace.load_log), np.asarray(whole.trace.load_log))
    assert np.array_equal(cut.trace.checkpoints, whole.trace.checkpoints)
    assert np.array_equal(cut.trace.pc_histogram, whole.trace.pc_histogram)
    chunks = chunks_of(program, cut.trace, cut.result.steps, MemoryMap(), cache_dir=cache)
    rows = np.concatenate([rows for rows, _ in (expand_chunk(c) for c in chunks)])
    assert np.array_equal(rows, reference_trace(program, (elf.parent / "input.bin").read_bytes())[1])


def test_a_trace_directorys_load_log_is_the_runs_log_across_its_buffers(cache, tmp_path, monkeypatch):
    elf = ROOT / "examples/sha256_soft/guest.rv64im.elf"
    _, whole = minimal_run(elf, cache)
    monkeypatch.setattr(executor, "LOG_CAPACITY", 256)
    trace(load_elf(elf), (elf.parent / "input.bin").read_bytes(), tmp_path, cache_dir=cache)
    assert np.array_equal(read_trace(tmp_path)["load_log"], np.asarray(whole.trace.load_log))


def test_checkpoints_start_chunks_at_block_boundaries_near_each_multiple(cache):
    program, run = minimal_run(ROOT / "examples/fibonacci/guest.rv64im.elf", cache, chunk_log2=12)
    steps = run.trace.checkpoints["step"]
    assert steps[0] == 0 and np.all(np.diff(steps) > 0)
    assert np.all(steps[1:] <= (np.arange(1, len(steps)) << 12))      # taken before crossing the multiple
    assert np.all(steps[1:] > (np.arange(1, len(steps)) << 12) - 64)  # ...by less than a block


def test_trace_command_writes_whole_files_readable_with_numpy(tmp_path, cache, monkeypatch, capsys):
    monkeypatch.setenv("ZKAOT_CACHE", str(cache))
    fib = ROOT / "examples/fibonacci"
    out = tmp_path / "trace"
    status = main(["trace", str(fib / "guest.rv64im.elf"), "--input", str(fib / "input.bin"), "-o", str(out),
                   "--chunk-log2", "14", "--workers", "2"])
    assert status == 0
    files = read_trace(out)
    summary = files["summary"]
    assert summary["steps"] == len(files["main"]) == 500_085
    assert summary["chunks"] == len(files["checkpoints"])
    assert bytes.fromhex(summary["output_hex"]) == (fib / "expected_output.bin").read_bytes()
    for name, table in derive_tables(np.asarray(files["main"]), 0, 64).items():
        assert np.array_equal(files[name], table)
    assert not list(out.glob(".*")), "no temporary files left behind"


def test_translate_stores_objects_that_a_later_run_loads_without_llvm(tmp_path):
    program = load_elf(ROOT / "examples/fibonacci/guest.rv64im.elf")
    code = code_map(program, "fast")
    first = translate(program, code, "fast", layout_for(program, MemoryMap()), cache_dir=tmp_path)
    again = translate(program, code, "fast", layout_for(program, MemoryMap()), cache_dir=tmp_path)
    assert not first.cached and again.cached and again.compile_seconds == 0
    run = NativeMachine(program, (ROOT / "examples/fibonacci/input.bin").read_bytes(), cache_dir=tmp_path).run()
    assert run.cached and run.result.exit_code == 0


def test_modes_translated_in_one_pool_are_the_objects_each_mode_compiles_alone(tmp_path, monkeypatch):
    monkeypatch.setattr(jit, "PARALLEL_THRESHOLD", 0)          # two partitions a mode, six jobs in one pool
    program = load_elf(ROOT / "examples/fibonacci/guest.rv64im.elf")
    layout = layout_for(program, MemoryMap())
    maps = {"fast": code_map(program, "fast"), "minimal": code_map(program, "minimal"), "full": code_map(program, "full")}
    together = translate_modes(program, maps, layout, cache_dir=tmp_path / "together", workers=2)
    for mode, cm in maps.items():
        alone = translate(program, cm, mode, layout, cache_dir=tmp_path / "alone", workers=2)
        again = translate(program, cm, mode, layout, cache_dir=tmp_path / "together")
        assert together[mode].objects == alone.objects and together[mode].cpu_seconds > 0
        assert again.cached and again.key == together[mode].key


def test_a_pool_compiles_a_mode_in_jobs_of_about_job_instructions_and_the_program_runs_from_them(tmp_path, monkeypatch):
    monkeypatch.setattr(jit, "PARALLEL_THRESHOLD", 0)
    monkeypatch.setattr(jit, "JOB_INSTRUCTIONS", 20)
    program = load_elf(ROOT / "examples/fibonacci/guest.rv64im.elf")
    cm = code_map(program, "fast")
    compiled = translate(program, cm, "fast", layout_for(program, MemoryMap()), cache_dir=tmp_path, workers=2)
    jobs = min(len(cm.regions), -(-cm.instructions // 20))
    assert len(compiled.objects) == jobs + 1 and jobs > 2          # the jobs' objects and the dispatcher
    run = NativeMachine(program, (ROOT / "examples/fibonacci/input.bin").read_bytes(), cache_dir=tmp_path).run()
    assert run.cached and run.result.exit_code == 0


def test_chunks_expand_on_a_dask_cluster(tmp_path, cache):
    import distributed
    fib = ROOT / "examples/fibonacci"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        summary = trace(load_elf(fib / "guest.rv64im.elf"), (fib / "input.bin").read_bytes(), tmp_path / "t",
                        "full", chunk_log2=14, scheduler=cluster.scheduler_address, cache_dir=cache)
    local = trace(load_elf(fib / "guest.rv64im.elf"), (fib / "input.bin").read_bytes(), tmp_path / "l",
                  "full", chunk_log2=14, workers=1, cache_dir=cache)
    assert summary["steps"] == local["steps"]
    assert np.array_equal(read_trace(tmp_path / "t")["main"], read_trace(tmp_path / "l")["main"])


def test_a_damaged_cache_entry_is_rebuilt_not_loaded(tmp_path):
    program = load_elf(ROOT / "examples/fibonacci/guest.rv64im.elf")
    code = code_map(program, "fast")
    first = translate(program, code, "fast", layout_for(program, MemoryMap()), cache_dir=tmp_path)
    (tmp_path / first.key / "part0.o").write_bytes(b"\x7fELF truncated")
    again = translate(program, code, "fast", layout_for(program, MemoryMap()), cache_dir=tmp_path)
    assert not again.cached and again.objects == first.objects
