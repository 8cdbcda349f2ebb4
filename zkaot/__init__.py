"""zkaot: run RISC-V zkVM guests, trace them and (soon) prove them.

The public API follows the shape of the eth-act `ere` host interface.
"""
from pathlib import Path

from runtime.memory_map import MemoryMap
from translator.elf import Program, load_elf
from translator.interpreter import Interpreter, RunResult

ENGINES = ("jit", "interp")


def execute(program: Program | str | Path, input_bytes: bytes = b"", engine: str = "jit",
            step_limit: int | None = None, memory_map: MemoryMap = MemoryMap(),
            progress=None, on_console=None, opt: int | None = None, cache_dir=None) -> RunResult:
    """Run a guest to completion; the result holds its public output, exit code and counts.

    engine "jit" runs LLVM-translated code (compiled once, then cached on disk);
    "interp" the reference interpreter.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
    if not isinstance(program, Program):
        program = load_elf(program, memory_map)
    if engine == "interp":
        return Interpreter(program, input_bytes, memory_map, step_limit, on_console).run(progress)
    from translator.executor import NativeMachine
    from translator.jit import DEFAULT_OPT
    machine = NativeMachine(program, input_bytes, memory_map, "fast", step_limit, on_console,
                            opt=DEFAULT_OPT if opt is None else opt, cache_dir=cache_dir)
    native = machine.run(progress)
    native.result.compile_seconds = native.compile_seconds
    native.result.cached = native.cached
    return native.result
