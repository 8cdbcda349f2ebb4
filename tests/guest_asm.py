"""Run hand-written assembly on the interpreter without an ELF: the ISA tests' harness."""
import hashlib

import pytest

from runtime.isa import REGISTER_NUMBERS
from runtime.memory_map import RAM_BASE, MemoryMap
from translator.assembler import assemble
from translator.elf import Program, Segment
from translator.interpreter import Interpreter, RunResult

CODE = RAM_BASE
DATA = RAM_BASE + 0x10000          # 64 KiB of zeroed read-write data
DATA_SIZE = 0x10000
EXIT = "addi a7, zero, 93\necall\n"

# 1 MiB of RAM with a 64 KiB stack instead of the defaults, so that tests can name the end of
# RAM and the stack guard page with short constants. (Size is not a cost: RAM is an mmap that
# is zeroed lazily.)
SMALL_RAM = MemoryMap(ram_size=1 << 20, stack_size=64 << 10)


def program_from_asm(source: str, xlen: int = 64, data: bytes = b"") -> Program:
    code = assemble(source, CODE, xlen)
    segments = (Segment(CODE, code, True, False, True),
                Segment(DATA, data.ljust(DATA_SIZE, b"\0"), True, True, False))
    digest = hashlib.sha256(f"rv{xlen}".encode() + code + data).hexdigest()   # keys the JIT's code cache
    return Program("test.s", xlen, CODE, segments, {}, (), digest)


def _number(register: str | int) -> int:
    return register if isinstance(register, int) else REGISTER_NUMBERS[register]


def run(source: str, xlen: int = 64, regs: dict[str | int, int] | None = None, data: bytes = b"",
        input_bytes: bytes = b"", step_limit: int | None = 10_000, memory_map: MemoryMap = SMALL_RAM,
        program: Program | None = None, on_console=None) -> tuple[RunResult, Interpreter]:
    """Assemble `source` (or take `program` as it is), preset `regs` (keyed by ABI name or
    register number), run; returns the result and the machine for inspection."""
    program = program or program_from_asm(source, xlen, data)
    machine = Interpreter(program, input_bytes, memory_map, step_limit=step_limit, on_console=on_console)
    assert machine.xlen == program.xlen
    for register, value in (regs or {}).items():
        machine.regs[_number(register)] = value & machine.mask
    result = machine.run()
    assert all(0 <= r <= machine.mask for r in result.regs), f"a register holds more than {machine.xlen} bits"
    return result, machine


def run_ok(source: str, **kw) -> tuple[RunResult, Interpreter]:
    """`run`, asserting that the run did not fault."""
    result, machine = run(source, **kw)
    assert result.fault is None, str(result.fault)
    return result, machine


def reg(result: RunResult, register: str | int) -> int:
    return result.regs[_number(register)]


def rr(op: str, a: int, b: int, xlen: int = 64) -> int:
    """`op a0, a1, a2` with a1 = a, a2 = b; returns a0."""
    result, _ = run_ok(f"{op} a0, a1, a2\n{EXIT}", xlen=xlen, regs={"a1": a, "a2": b})
    return reg(result, "a0")


def ri(op: str, a: int, imm: int, xlen: int = 64) -> int:
    """`op a0, a1, imm` with a1 = a; returns a0."""
    result, _ = run_ok(f"{op} a0, a1, {imm}\n{EXIT}", xlen=xlen, regs={"a1": a})
    return reg(result, "a0")


def cases(rows):
    """Parametrize rows `(op, *values, why)`: the values are the arguments, `op-why` the id."""
    return [pytest.param(*row[:-1], id=f"{row[0]}-{row[-1]}") for row in rows]


def assert_fault(result: RunResult, pc: int, *phrases: str, stopped_at: int | None = None) -> None:
    """The run ended abnormally at `pc`, and the one-line message says where and why.

    `stopped_at` is the machine's final pc when it differs from the reported one: a jump
    that leaves the code retires, and the fetch after it fails; the message names the jump."""
    assert result.exit_code is None and not result.succeeded
    assert result.fault is not None
    message = str(result.fault)
    assert message.startswith(f"pc 0x{pc:08x}"), message
    for phrase in phrases:
        assert phrase in message, message
    assert result.fault.pc == pc
    assert result.pc == (pc if stopped_at is None else stopped_at)
