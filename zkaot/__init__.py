"""zkaot: run RISC-V zkVM guests, trace them and (soon) prove them.

The public API follows the shape of the eth-act `ere` host interface.
"""
from pathlib import Path

from runtime.memory_map import MemoryMap
from translator.elf import Program, load_elf
from translator.interpreter import Interpreter, RunResult

ENGINES = ("interp",)


def execute(program: Program | str | Path, input_bytes: bytes = b"", engine: str = "interp",
            step_limit: int | None = None, memory_map: MemoryMap = MemoryMap(),
            progress=None, on_console=None) -> RunResult:
    """Run a guest to completion; the result holds its public output, exit code and counts."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
    if not isinstance(program, Program):
        program = load_elf(program, memory_map)
    machine = Interpreter(program, input_bytes, memory_map, step_limit, on_console)
    return machine.run(progress)
