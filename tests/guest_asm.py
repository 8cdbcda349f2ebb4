"""Run hand-written assembly on the interpreter without an ELF: the ISA tests' harness."""
from runtime.memory_map import RAM_BASE
from translator.assembler import assemble
from translator.elf import Program, Segment
from translator.interpreter import Interpreter, RunResult

CODE = RAM_BASE
DATA = RAM_BASE + 0x10000          # 64 KiB of zeroed read-write data
DATA_SIZE = 0x10000
EXIT = "addi a7, zero, 93\necall\n"


def program_from_asm(source: str, xlen: int = 64, data: bytes = b"") -> Program:
    code = assemble(source, CODE, xlen)
    segments = (Segment(CODE, code, True, False, True),
                Segment(DATA, data.ljust(DATA_SIZE, b"\0"), True, True, False))
    return Program("test.s", xlen, CODE, segments, {}, (), "")


def run_asm(source: str, xlen: int = 64, regs: dict[int, int] | None = None, data: bytes = b"",
            input_bytes: bytes = b"", step_limit: int | None = 100_000) -> tuple[RunResult, Interpreter]:
    """Assemble `source`, preset registers, run; returns the result and the machine for inspection."""
    machine = Interpreter(program_from_asm(source, xlen, data), input_bytes, step_limit=step_limit)
    for reg, value in (regs or {}).items():
        machine.regs[reg] = value & machine.mask
    return machine.run(), machine
