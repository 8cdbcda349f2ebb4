"""A profile's guest on both engines, for the profile tests (tests/test_profile_*.py)."""
import numpy as np

from translator.executor import NativeMachine
from translator.expand import chunks_of, expand_chunk, reference_trace
from translator.interpreter import Interpreter, RunResult


def both_engines(program, memory_map, calls, cache_dir, frames=(), input_bytes: bytes = b"",
                 windows=(), step_limit: int = 1_000_000) -> RunResult:
    """The interpreter's result, once the JIT is checked to end the same run the same way:
    fault, exit, steps, pc, output, console, registers, misaligned count, and the memory of
    `windows` ((lo, hi) guest addresses: what the guest touches)."""
    interp = Interpreter(program, input_bytes, memory_map, step_limit, calls=calls, frames=frames)
    want = interp.run()
    native = NativeMachine(program, input_bytes, memory_map, step_limit=step_limit, cache_dir=cache_dir,
                           calls=calls, frames=frames)
    got = native.run().result
    assert str(got.fault) == str(want.fault)
    assert (got.exit_code, got.steps, got.pc, got.output, got.console, got.regs, got.misaligned) == \
           (want.exit_code, want.steps, want.pc, want.output, want.console, want.regs, want.misaligned)
    base = memory_map.ram_base
    for lo, hi in windows:
        assert interp.memory.ram[lo - base: hi - base] == native.memory.ram[lo - base: hi - base]
    return want


def expansion_matches_reference(guest, cache_dir, chunk_log2: int, frames=(), input_bytes: bytes = b"",
                                min_chunks: int = 2, calls=None):
    """Run `guest` (zkaot.recognise.Guest) in minimal mode, expand every chunk of its trace and
    check the rows and precompile rows are the interpreter's full trace; returns the minimal
    run's result, the reference result and its precompile rows, for what a profile adds.
    `calls`: the profile's registry for this run (a Linux process's argv), if not its default."""
    xlen, name = guest.program.xlen, guest.profile.name
    memory_map, calls = guest.profile.maps[xlen], calls or guest.profile.calls[xlen]
    run = NativeMachine(guest.program, input_bytes, memory_map, mode="minimal", chunk_log2=chunk_log2,
                        cache_dir=cache_dir, calls=calls, frames=frames).run()
    chunks = chunks_of(guest.program, run.trace, run.result.steps, memory_map, cache_dir=cache_dir, profile=name)
    assert len(chunks) >= min_chunks
    parts = [expand_chunk(c) for c in chunks]
    result, want_main, want_precompiles = reference_trace(guest.program, input_bytes, memory_map, profile=name,
                                                          frames=frames, calls=calls)
    assert (result.exit_code, str(result.fault), result.output) == \
           (run.result.exit_code, str(run.result.fault), run.result.output)
    assert np.array_equal(np.concatenate([rows for rows, _ in parts]), want_main)
    assert np.array_equal(np.concatenate([p for _, p in parts]), want_precompiles)
    return run.result, result, want_main, want_precompiles
