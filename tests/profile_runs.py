"""A profile's guest on both engines, for the profile tests (tests/test_profile_*.py)."""
from translator.executor import NativeMachine
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
