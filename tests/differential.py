"""Shared helpers for the differential tests: the same guest on the reference interpreter
and on the LLVM-translated executor (translator/executor.py), compared on everything a
run leaves behind, plus unicorn as an independent oracle for random programs.

`run_both` runs one program on both executors from the same starting state; `assert_same`
compares exit code, fault (message, pc), final pc, output, console, steps, misaligned
count, all 32 registers and the whole of RAM.  `check` does both for every native mode.
"""
import dataclasses
import hashlib

import numpy as np

from guest_asm import CODE, DATA, DATA_SIZE, SMALL_RAM, _number, program_from_asm
from runtime.memory_map import MemoryMap
from translator.elf import Program
from translator.executor import NativeMachine
from translator.interpreter import Interpreter, RunResult

MODES = ("fast", "minimal")


# ---- programs ---------------------------------------------------------------------------------

def keyed(program: Program) -> Program:
    """The program with a sha256 of its contents.

    `program_from_asm` leaves sha256 empty, and the JIT's cache is keyed by it: without a real
    hash, every hand-assembled program would share one cache entry and run another's code."""
    if program.sha256:
        return program
    digest = hashlib.sha256(f"{program.xlen}:{program.entry}".encode())
    for seg in program.segments:
        digest.update(f"|{seg.vaddr}:{seg.readable}{seg.writable}{seg.executable}:".encode())
        digest.update(seg.data)
    return dataclasses.replace(program, sha256=digest.hexdigest())


def asm(source: str, xlen: int = 64, data: bytes = b"") -> Program:
    return keyed(program_from_asm(source, xlen, data))


def li(register: str, value: int, xlen: int = 64) -> str:
    """Instructions that put the constant `value` (any int, taken mod 2^xlen) into `register`."""
    mask = (1 << xlen) - 1
    v = value & mask
    if v >> (xlen - 1):
        v -= 1 << xlen                                     # as a signed xlen-bit number

    def lines(v: int) -> list[str]:
        if -2048 <= v < 2048:
            return [f"addi {register}, zero, {v}"]
        if -(1 << 31) <= v < (1 << 31) or xlen == 32:
            lo = ((v & 0xFFF) ^ 0x800) - 0x800
            hi = ((v - lo) >> 12) & 0xFFFFF
            out = [f"lui {register}, {hi:#x}"]
            if lo:
                out.append(f"{'addiw' if xlen == 64 else 'addi'} {register}, {register}, {lo}")
            return out
        lo = ((v & 0xFFF) ^ 0x800) - 0x800
        out = lines((v - lo) >> 12) + [f"slli {register}, {register}, 12"]
        if lo:
            out.append(f"addi {register}, {register}, {lo}")
        return out
    return "\n".join(lines(v)) + "\n"


# ---- running ----------------------------------------------------------------------------------

def _preset(set_reg, regs: dict | None, mask: int) -> None:
    for register, value in (regs or {}).items():
        number = _number(register)
        if number:
            set_reg(number, value & mask)


def run_interpreter(program: Program, input_bytes: bytes = b"", memory_map: MemoryMap = SMALL_RAM,
                    step_limit: int | None = None, regs: dict | None = None,
                    **interp_kw) -> tuple[RunResult, Interpreter]:
    """`interp_kw`: a profile's calls and frames (translator.interpreter.Interpreter)."""
    machine = Interpreter(program, input_bytes, memory_map, step_limit=step_limit, **interp_kw)
    _preset(machine.regs.__setitem__, regs, machine.mask)
    return machine.run(), machine


def run_native(program: Program, input_bytes: bytes = b"", memory_map: MemoryMap = SMALL_RAM,
               step_limit: int | None = None, regs: dict | None = None, mode: str = "fast",
               cache_dir=None, **native_kw):
    if cache_dir is None:
        raise ValueError("pass cache_dir (a temporary directory) so that tests never touch ~/.cache")
    machine = NativeMachine(keyed(program), input_bytes, memory_map, mode=mode, step_limit=step_limit,
                            cache_dir=cache_dir, **native_kw)
    mask = (1 << program.xlen) - 1
    _preset(machine.ctx.__setitem__, regs, mask)
    return machine.run(), machine


def run_both(program: Program, input_bytes: bytes = b"", memory_map: MemoryMap = SMALL_RAM,
             step_limit: int | None = None, regs: dict | None = None, mode: str = "fast",
             cache_dir=None, **native_kw):
    """(interpreter result, interpreter, NativeRun, NativeMachine) from the same starting state."""
    interp_result, interp = run_interpreter(program, input_bytes, memory_map, step_limit, regs)
    native_run, native = run_native(program, input_bytes, memory_map, step_limit, regs, mode, cache_dir,
                                    **native_kw)
    return interp_result, interp, native_run, native


# ---- comparing --------------------------------------------------------------------------------

def ram(machine) -> np.ndarray:
    return np.frombuffer(machine.memory.ram, np.uint8)


def _describe(result: RunResult) -> str:
    how = f"fault {str(result.fault)!r}" if result.fault is not None else f"exit {result.exit_code}"
    return f"{how}, steps {result.steps}, pc {result.pc:#x}"


def assert_same(interp_result: RunResult, interp, native_run, native, what: str = "") -> None:
    """The two runs agree on everything observable; the interpreter is the expectation."""
    want = interp_result
    got = native_run.result if hasattr(native_run, "result") else native_run
    label = f"[{what}] " if what else ""
    context = f"{label}interpreter: {_describe(want)}; JIT: {_describe(got)}"
    assert (want.fault is None) == (got.fault is None), context
    if want.fault is not None:
        assert str(got.fault) == str(want.fault), context
        assert got.fault.pc == want.fault.pc, context
    assert got.exit_code == want.exit_code, context
    assert got.steps == want.steps, context
    assert got.pc == want.pc, context
    assert got.output == want.output, context
    assert got.console == want.console, context
    assert got.misaligned == want.misaligned, context
    bad = [f"x{i}: interpreter {a:#x}, JIT {b:#x}" for i, (a, b) in enumerate(zip(want.regs, got.regs))
           if a != b]
    assert len(got.regs) == len(want.regs) == 32, context
    assert not bad, f"{context}; registers differ: " + "; ".join(bad)
    a, b = ram(interp), ram(native)
    assert a.shape == b.shape, context
    step = 8 << 20                                    # slices: no 128 MiB temporaries for the default map
    if not all(np.array_equal(a[i: i + step], b[i: i + step]) for i in range(0, len(a), step)):
        diff = np.flatnonzero(a != b)
        base = interp.memory.base
        first = ", ".join(f"{base + int(i):#x}: {a[i]:#04x} vs {b[i]:#04x}" for i in diff[:8])
        raise AssertionError(f"{context}; RAM differs at {len(diff)} bytes, first {first}")


def check(program: Program, input_bytes: bytes = b"", memory_map: MemoryMap = SMALL_RAM,
          step_limit: int | None = 100_000, regs: dict | None = None, cache_dir=None,
          modes=MODES, **native_kw) -> tuple[RunResult, Interpreter]:
    """Run on the interpreter once and on the JIT in each mode; all must agree.

    Returns the interpreter's result and machine, for checks against the spec."""
    program = keyed(program)
    interp_result, interp = run_interpreter(program, input_bytes, memory_map, step_limit, regs)
    for mode in modes:
        native_run, native = run_native(program, input_bytes, memory_map, step_limit, regs, mode, cache_dir,
                                        **native_kw)
        assert_same(interp_result, interp, native_run, native, what=mode)
    return interp_result, interp


# ---- unicorn, an independent oracle -----------------------------------------------------------

def run_unicorn(program: Program, regs: dict | None, stop_at: int, input_bytes: bytes = b"",
                memory_map: MemoryMap = SMALL_RAM, max_instructions: int = 1_000_000):
    """Run `program` on unicorn from its entry until pc == stop_at.

    Code is mapped R+X at CODE and the data window R+W at DATA, as in guest_asm; the input
    region is mapped read-only with the same layout as ours (length word, bytes).  Returns the
    registers x0..x31 and the bytes of the data window.  Unicorn knows nothing of our steps,
    misaligned counts or faults: compare registers and memory only."""
    from unicorn import UC_ARCH_RISCV, UC_MODE_RISCV32, UC_MODE_RISCV64, UC_PROT_ALL, UC_PROT_READ, Uc
    from unicorn import riscv_const as rc

    xlen = program.xlen
    uc = Uc(UC_ARCH_RISCV, UC_MODE_RISCV64 if xlen == 64 else UC_MODE_RISCV32)
    page = 0x1000
    for seg in program.segments:
        lo = seg.vaddr & ~(page - 1)
        hi = (seg.end + page - 1) & ~(page - 1)
        uc.mem_map(lo, hi - lo, UC_PROT_ALL if seg.writable else (UC_PROT_READ | 4))   # 4 = UC_PROT_EXEC
        uc.mem_write(seg.vaddr, bytes(seg.data))
    in_lo, in_hi = memory_map.input_span(len(input_bytes))
    uc.mem_map(in_lo, (in_hi - in_lo + page - 1) & ~(page - 1), UC_PROT_READ)
    uc.mem_write(in_lo, len(input_bytes).to_bytes(8, "little") + input_bytes)
    mask = (1 << xlen) - 1
    ids = [getattr(rc, f"UC_RISCV_REG_X{i}") for i in range(32)]
    start = [0] * 32                                        # unicorn does not promise zeroed registers
    for register, value in (regs or {}).items():
        start[_number(register)] = value & mask
    for number in range(1, 32):
        uc.reg_write(ids[number], start[number])
    uc.emu_start(program.entry, stop_at, count=max_instructions)
    pc = uc.reg_read(rc.UC_RISCV_REG_PC)
    if pc != stop_at:
        raise AssertionError(f"unicorn stopped at {pc:#x}, not at {stop_at:#x}")
    return [0] + [uc.reg_read(ids[i]) & mask for i in range(1, 32)], bytes(uc.mem_read(DATA, DATA_SIZE))


__all__ = ["CODE", "DATA", "DATA_SIZE", "MODES", "SMALL_RAM", "asm", "assert_same", "check",
           "keyed", "li", "ram", "run_both", "run_interpreter", "run_native", "run_unicorn"]
