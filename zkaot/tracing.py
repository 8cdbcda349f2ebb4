"""`zkaot trace`: run a guest natively with a minimal trace, then expand it into full-trace tables."""
import time
from contextlib import nullcontext
from pathlib import Path

import numpy as np

from runtime.memory_map import MemoryMap
from runtime.profiles import PROFILES, ZKAOT_PROFILE
from runtime.trace import MAIN_ROW, PRECOMPILE_ROW, derive_tables
from runtime.trace_files import create_trace_array, write_summary, write_trace_array, write_trace_segments
from translator.executor import NativeMachine
from translator.expand import chunks_of, expand_chunk
from translator.jit import DEFAULT_OPT
from translator.parallel import LocalExecutor, make_executor
from zkaot.recognise import frames_for


def trace(program, input_bytes: bytes, out_dir: Path, mode: str = "minimal", chunk_log2: int = 18,
          memory_map: MemoryMap = MemoryMap(), step_limit: int | None = None, opt: int = DEFAULT_OPT,
          workers: int | None = None, scheduler: str | None = None, cache_dir=None,
          progress=None, expand_progress=None, profile: str = "zkaot", executor=None) -> dict:
    """Write the trace files of one run into out_dir and return the summary (also summary.json).
    `input_bytes` is one frame or a list of frames; a profile other than zkaot brings its own
    memory map (runtime/profiles.py).  Chunks are expanded on `executor` (left open) when one
    is given, else on one made from `scheduler` and `workers`."""
    if mode not in ("minimal", "full"):
        raise ValueError(f"trace mode is 'minimal' or 'full', not {mode!r}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    chosen = PROFILES[profile]
    if chosen is not ZKAOT_PROFILE:
        memory_map = chosen.maps[program.xlen]
    frames = [input_bytes] if isinstance(input_bytes, (bytes, bytearray)) else list(input_bytes)
    input_bytes, handed_out = frames_for(chosen, frames)
    machine = NativeMachine(program, input_bytes, memory_map, "minimal", step_limit, None, chunk_log2, opt, cache_dir,
                            calls=chosen.calls[program.xlen], frames=handed_out, log_dir=out_dir)
    run = machine.run(progress)
    result, minimal = run.result, run.trace
    write_trace_array(out_dir, "checkpoints", minimal.checkpoints)
    if not machine.log.save(out_dir / "load_log.npy"):        # the log's own file, if it has one there
        write_trace_segments(out_dir, "load_log", minimal.load_log.segments)
    write_trace_array(out_dir, "pc_histogram", minimal.pc_histogram)
    summary = {"mode": mode, "steps": result.steps, "chunks": len(minimal.checkpoints), "chunk_log2": chunk_log2,
               "compile_seconds": run.compile_seconds, "run_seconds": run.run_seconds, "cached": run.cached,
               "elf_sha256": program.sha256, "xlen": program.xlen, "code_start": minimal.code_base,
               "slot_bytes": minimal.slot_bytes,
               "exit_code": result.exit_code, "fault": str(result.fault) if result.fault else None,
               "output_hex": result.output.hex(), "misaligned": result.misaligned}
    if mode == "full":
        start = time.perf_counter()
        with create_trace_array(out_dir, "main", MAIN_ROW, (result.steps,)) as main, \
                (nullcontext(executor) if executor is not None else make_executor(scheduler, workers)) as pool:
            # local workers write straight into main.npy; Dask workers may be elsewhere and send rows back
            shared = str(main.filename) if isinstance(pool, LocalExecutor) else None
            jobs = chunks_of(program, minimal, result.steps, memory_map, opt, cache_dir, shared, profile)
            parts = pool.map(expand_chunk, jobs, on_done=expand_progress)
            summary["expand_seconds"] = time.perf_counter() - start
            summary["expand_workers"] = pool.workers
            if shared is None:
                main[:] = np.concatenate([rows for rows, _ in parts]) if parts else main[:0]
            tables = derive_tables(main, 0, program.xlen)
        precompiles = [p for _, p in parts if len(p)]
        write_trace_array(out_dir, "precompile", np.concatenate(precompiles) if precompiles
                          else np.zeros(0, PRECOMPILE_ROW))
        for name, table in tables.items():
            write_trace_array(out_dir, name, table)
    summary["bytes"] = sum(p.stat().st_size for p in out_dir.glob("*.npy"))
    write_summary(out_dir, summary)
    return summary
