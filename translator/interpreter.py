"""The reference interpreter: exact RISC-V semantics written plainly.

Every faster executor is tested against this one.  Each pc is decoded once into
a closure that performs the instruction and returns the next pc; the run loop
only looks closures up and calls them.  Registers are a list of 33 ints kept
unsigned modulo 2^XLEN; slot 32 is where writes to x0 go, so x0 reads stay 0.
"""
import time
from dataclasses import dataclass, field
from datetime import timedelta
from operator import length_hint
from typing import Callable, Sequence

from runtime.calls import A0, A7, ZKAOT, Ecall, Registry
from runtime.compressed import COMPRESSED
from runtime.host import EcallError, GuestExit, HostIO, handle_csr, handle_ecall, handle_instruction
from runtime.memory import GuestMemory, MemoryFault
from runtime.encoding import EXTENSIONS
from runtime.memory_map import MemoryMap
from translator.decoder import IllegalInstruction, Instruction, decode
from translator.disasm import format_instruction
from translator import fp_sites
from translator.tracing import Row, traced

X0_SINK = 32
CUSTOM_OPCODES = (0x0B, 0x2B, 0x5B, 0x7B)      # custom-0..3: a vendor's, when its profile has instructions
PROGRESS_SLICE = 1 << 16


class Trap(Exception):
    """The current instruction cannot complete; the run loop adds pc and instruction."""


class GuestFault(Exception):
    """The guest ended abnormally: pc, the instruction there and the reason, on one line."""

    def __init__(self, pc: int, reason: str, instruction: str = "", symbol: str | None = None):
        self.pc, self.reason, self.instruction, self.symbol = pc, reason, instruction, symbol
        where = f"pc 0x{pc:08x}" + (f" <{symbol}>" if symbol else "")
        super().__init__(f"{where}" + (f" ({instruction})" if instruction else "") + f": {reason}")


@dataclass
class RunResult:
    exit_code: int | None          # None when the run faulted
    output: bytes                  # public output (fd 3)
    console: bytes                 # console output (fd 1 and 2)
    steps: int                     # retired instructions, the exiting ecall included
    misaligned: int                # misaligned loads and stores
    seconds: float
    pc: int
    regs: list[int] = field(repr=False)
    fault: GuestFault | None = None
    compile_seconds: float = 0.0   # translated engines: time spent in LLVM (0 when loaded from the cache)
    cached: bool = False
    region_cycles: dict[str, int] = field(default_factory=dict)   # per region name (runtime.host.RegionCycles)

    @property
    def succeeded(self) -> bool:
        return self.fault is None and self.exit_code == 0

    # The same facts under the names of ere's ProgramExecutionReport and PublicValues
    # (eth-act/ere, crates/zkvm-interface), for hosts written against that interface.
    @property
    def total_num_cycles(self) -> int:
        return self.steps

    @property
    def execution_duration(self) -> timedelta:
        return timedelta(seconds=self.seconds)

    @property
    def public_values(self) -> bytes:
        return self.output


def _signed_div(a: int, b: int) -> int:
    """Quotient rounded toward zero, as RISC-V (and C) define it."""
    q = abs(a) // abs(b)
    return -q if (a < 0) != (b < 0) else q


def alu_operations(xlen: int) -> dict[str, Callable[[int, int], int]]:
    """Register-register semantics on unsigned XLEN values; immediate forms reuse them."""
    mask, sign, shmask = (1 << xlen) - 1, 1 << (xlen - 1), xlen - 1

    def sx(v):
        return (v ^ sign) - sign

    def sx32(v):
        return ((v & 0xFFFF_FFFF) ^ 0x8000_0000) - 0x8000_0000

    def w(v):
        return sx32(v) & mask

    def div(a, b):
        if b == 0:
            return mask
        if a == sign and b == mask:
            return a                                   # INT_MIN / -1 overflows to INT_MIN
        return _signed_div(sx(a), sx(b)) & mask

    def rem(a, b):
        if b == 0:
            return a
        if a == sign and b == mask:
            return 0
        sa, sb = sx(a), sx(b)
        return (sa - sb * _signed_div(sa, sb)) & mask

    def divw(a, b):
        a, b = sx32(a), sx32(b)
        if b == 0:
            return mask
        if a == -(1 << 31) and b == -1:
            return w(a)
        return w(_signed_div(a, b))

    def remw(a, b):
        a, b = sx32(a), sx32(b)
        if b == 0:
            return w(a)
        if a == -(1 << 31) and b == -1:
            return 0
        return w(a - b * _signed_div(a, b))

    ops = {
        "add": lambda a, b: (a + b) & mask,
        "sub": lambda a, b: (a - b) & mask,
        "sll": lambda a, b: (a << (b & shmask)) & mask,
        "slt": lambda a, b: int((a ^ sign) < (b ^ sign)),
        "sltu": lambda a, b: int(a < b),
        "xor": lambda a, b: a ^ b,
        "srl": lambda a, b: a >> (b & shmask),
        "sra": lambda a, b: (sx(a) >> (b & shmask)) & mask,
        "or": lambda a, b: a | b,
        "and": lambda a, b: a & b,
        "mul": lambda a, b: (a * b) & mask,
        "mulh": lambda a, b: ((sx(a) * sx(b)) >> xlen) & mask,
        "mulhsu": lambda a, b: ((sx(a) * b) >> xlen) & mask,
        "mulhu": lambda a, b: (a * b) >> xlen,
        "div": div,
        "divu": lambda a, b: a // b if b else mask,
        "rem": rem,
        "remu": lambda a, b: a % b if b else a,
    }
    if xlen == 64:
        ops.update({
            "addw": lambda a, b: w(a + b),
            "subw": lambda a, b: w(a - b),
            "sllw": lambda a, b: w(a << (b & 31)),
            "srlw": lambda a, b: w((a & 0xFFFF_FFFF) >> (b & 31)),
            "sraw": lambda a, b: w(sx32(a) >> (b & 31)),
            "mulw": lambda a, b: w(a * b),
            "divw": divw,
            "divuw": lambda a, b: w((a & 0xFFFF_FFFF) // (b & 0xFFFF_FFFF)) if b & 0xFFFF_FFFF else mask,
            "remw": remw,
            "remuw": lambda a, b: w((a & 0xFFFF_FFFF) % (b & 0xFFFF_FFFF)) if b & 0xFFFF_FFFF else w(a),
        })
    return ops


BRANCHES = {"beq": lambda a, b, s: a == b, "bne": lambda a, b, s: a != b,
            "blt": lambda a, b, s: (a ^ s) < (b ^ s), "bge": lambda a, b, s: (a ^ s) >= (b ^ s),
            "bltu": lambda a, b, s: a < b, "bgeu": lambda a, b, s: a >= b}


def amo_operations(bits: int) -> dict[str, Callable[[int, int], int]]:
    """AMO combining functions on unsigned `bits`-wide memory values, by the encoding
    table's fn column (runtime/encoding.py AMO_FNS)."""
    mask, sign = (1 << bits) - 1, 1 << (bits - 1)
    return {
        "swap": lambda old, v: v & mask,
        "add": lambda old, v: (old + v) & mask,
        "xor": lambda old, v: (old ^ v) & mask,
        "and": lambda old, v: old & v & mask,
        "or": lambda old, v: (old | v) & mask,
        "min": lambda old, v: min(old, v & mask, key=lambda x: x ^ sign),
        "max": lambda old, v: max(old, v & mask, key=lambda x: x ^ sign),
        "minu": lambda old, v: min(old, v & mask),
        "maxu": lambda old, v: max(old, v & mask),
    }


class Interpreter:
    """Runs a loaded Program (translator.elf) on the zkaot machine."""

    def __init__(self, program, input_bytes: bytes = b"", memory_map: MemoryMap = MemoryMap(),
                 step_limit: int | None = None, on_console: Callable[[int, bytes], None] | None = None,
                 memory=None, record: Callable[[Row], None] | None = None, calls: Registry = ZKAOT,
                 frames: Sequence[bytes] = ()):
        """`memory` replaces the program's memory image (a replay runs on the load log);
        `record` receives a full-trace row for every step (translator/tracing.py); `calls`
        are the profile's (runtime/profiles.py), and `frames` the input its calls hand out."""
        self.program = program
        self.xlen = program.xlen
        self.mask = (1 << self.xlen) - 1
        self.memory = memory if memory is not None else GuestMemory(program.segments, input_bytes, memory_map)
        self.io = HostIO(on_console=on_console)
        self.io.frames.extend(frames)
        self.io.output += bytes(calls.public_output_size)
        self.calls = calls
        self._selector = A7 if calls.register is None else calls.register   # what an ecall's trace row holds in b
        self._ecall_rd = {c.selector.number: c.writes[0] for c in calls.calls      # and in c, when not a0
                          if isinstance(c.selector, Ecall) and c.writes and c.writes[0] != A0}
        self.vendor_extensions = calls.extensions & EXTENSIONS    # a vendor's own instructions (OpenVM's)
        # F/D through the soft-float library, when the program holds it (fp_sites.with_library): a
        # program without F/D words is loaded without it, and decodes none
        self.float_lowering = program.float_lowering
        self.extensions = calls.extensions - (frozenset() if self.float_lowering else {"float", "floatret"})
        # the bits a jump target must not have: the C extension makes 2-byte boundaries instructions'
        self.misaligned_bits = 1 if COMPRESSED in calls.extensions else 3
        self.record = record
        self.regs = [0] * 33
        if memory is None and calls.start is not None:
            for reg, value in calls.start(program, self.memory, self.io).items():
                self.regs[reg] = value
        self.pc = program.entry
        self.steps = 0
        self.step_limit = step_limit
        self.reservation: tuple[int, int] | None = None
        self._code = [(s.vaddr, s.end, s.data) for s in program.segments if s.executable]
        self._alu = alu_operations(self.xlen)
        self._amo = {32: amo_operations(32), 64: amo_operations(64)}
        self._handlers: dict[int, Callable[[], int]] = {}
        for call in calls.devices:          # stores to a device address run its call (ZisK's UART)
            self.memory.attach_device(call.selector.address, call.selector.size, self._device(call))

    def _device(self, call) -> Callable[[int], None]:
        mem, io, r = self.memory, self.io, self.regs

        def device(value: int) -> None:
            call.handler(call, [*r[:32], value], mem, io, self._step())
        return device

    # ---- running -------------------------------------------------------------
    def run(self, progress: Callable[[int], None] | None = None) -> RunResult:
        start = time.perf_counter()
        exit_code, fault = None, None
        try:
            while True:
                budget = PROGRESS_SLICE
                if self.step_limit is not None:
                    budget = min(budget, self.step_limit - self.steps)
                    if budget <= 0:
                        raise GuestFault(self.pc, f"step limit of {self.step_limit} steps reached",
                                         self._text_at(self.pc), self.program.symbol_at(self.pc))
                self.execute(budget)
                if progress:
                    progress(self.steps)
        except GuestExit as e:
            exit_code = e.code
        except GuestFault as e:
            fault = e
        self.io.flush()
        return RunResult(exit_code, bytes(self.io.output), bytes(self.io.console), self.steps,
                         self.memory.misaligned, time.perf_counter() - start, self.pc,
                         self.regs[:32], fault, region_cycles=self.io.regions.totals)

    def execute(self, budget: int) -> None:
        """Run up to `budget` steps; GuestExit and GuestFault end it with steps and pc exact.
        Under a profile with a scheduler the tick before a step whose number is a multiple of
        the quantum runs in the same call as that step, so every engine and every replay of a
        chunk meets it at the same step.  `first_pc` is where the first of the steps ran."""
        quantum = self.calls.quantum
        if quantum is None:
            self.first_pc = self.pc
            self._run(budget)
            return
        start, end = self.steps, self.steps + budget
        self.first_pc = self.pc
        while self.steps < end:
            if self.steps % quantum == 0 and self.steps:
                self.pc = self.calls.tick(self.regs, self.pc, self.memory, self.io, self.steps)
                self.reservation = None
                if self.steps == start:
                    self.first_pc = self.pc
            self._run(min(end, (self.steps // quantum + 1) * quantum) - self.steps)

    def next_tick(self, steps: int) -> int:
        """The step before which the scheduler next runs (a huge number without one)."""
        quantum = self.calls.quantum
        if quantum is None:
            return 1 << 63
        return steps if steps % quantum == 0 and steps else (steps // quantum + 1) * quantum

    def _run(self, budget: int) -> None:
        handlers, handler_at = self._handlers, self._handler_at
        pc = prev = self.pc
        i = 0
        self._retiring = retiring = iter(range(budget))
        self._retired_by = self.steps + budget       # the step count when `retiring` is exhausted
        try:
            for i in retiring:
                handler = handlers.get(pc)
                if handler is None:
                    handler = handler_at(pc, prev)
                prev = pc
                pc = handler()
        except GuestExit:
            self.steps += i + 1
            self.pc = pc
            raise
        except (Trap, MemoryFault, EcallError) as e:
            self.steps += i
            self.pc = pc
            site = fp_sites.guest_site(self.memory, self.float_lowering, pc) if self.float_lowering else None
            if site:            # a bad FP load or store address, met inside the soft-float library
                raise self.fault(site[0], f"{e} (in the soft-float library at 0x{pc:x})", site[1]) from None
            raise GuestFault(pc, str(e), self._text_at(pc), self.program.symbol_at(pc)) from None
        except (GuestFault, KeyboardInterrupt):     # KeyboardInterrupt: Ctrl-C's report says where
            self.steps += i
            self.pc = pc
            raise
        self.steps += budget
        self.pc = pc
        self.prev_pc = prev         # the last pc executed: where a jump out of code is reported

    def fault(self, pc: int, reason: str, instruction: str) -> GuestFault:
        """A fault at `pc` naming `instruction` and the function there."""
        return GuestFault(pc, reason, instruction, self.program.symbol_at(pc))

    def _fetch(self, pc: int) -> int | None:
        """Instruction words come from the program image: code cannot change, and a replay has no memory.
        With the C extension an instruction may be a halfword (the last of its segment, say)."""
        least = 2 if self.misaligned_bits == 1 else 4
        for lo, hi, data in self._code:
            if lo <= pc and pc + least <= hi:
                word = int.from_bytes(data[pc - lo: pc - lo + 4], "little")
                return word if word & 3 != 3 or pc + 4 <= hi else None
        return None

    def _text_at(self, pc: int) -> str:
        word = self._fetch(pc)
        if word is None:
            return ""
        try:
            return format_instruction(decode(word, self.xlen, self.extensions), pc, self.xlen)
        except IllegalInstruction:
            return f"0x{word:08x}"

    def _in_code(self, pc: int) -> bool:
        return self._fetch(pc) is not None

    def _handler_at(self, pc: int, prev: int) -> Callable[[], int]:
        if pc & self.misaligned_bits:
            raise GuestFault(prev, f"jump to 0x{pc:08x}, which is not {self.misaligned_bits + 1}-byte aligned",
                             self._text_at(prev), self.program.symbol_at(prev))
        if not self._in_code(pc):
            ran_past = pc == prev + 4 or (self.misaligned_bits == 1 and pc == prev + 2)
            how = "ran past the end of code" if ran_past else f"jumped to 0x{pc:08x}, outside code"
            raise GuestFault(prev, how, self._text_at(prev), self.program.symbol_at(prev))
        word = self._fetch(pc)
        handler = None
        try:
            instr = decode(word, self.xlen, self.extensions)
            if self.float_lowering and fp_sites.lowered(instr):
                handler = fp_sites.step(self, instr, pc)        # records its own rows
        except IllegalInstruction as e:
            reason = f"illegal instruction: {e}"
            if self.vendor_extensions and word & 0x7F in CUSTOM_OPCODES:
                reason = (f"{self.calls.vendor}: custom instruction 0x{word:08x} is not implemented "
                          f"(docs/profiles.md lists the {self.calls.vendor} instructions zkaot has)")
            raise GuestFault(pc, reason, f"0x{word:08x}", self.program.symbol_at(pc)) from None
        if handler is None:
            handler = self._build(instr, pc)
            if self.record is not None:
                handler = traced(handler, instr, pc, self.regs, self.xlen, self.record, BRANCHES.get(instr.name),
                                 self._selector, self._ecall_rd)
        if self.calls.self_loop is not None and instr.opcode.cls in ("jal", "branch") and instr.imm == 0:
            handler = self._halting(handler, pc)
        self._handlers[pc] = handler
        return handler

    # ---- semantics -----------------------------------------------------------
    def _build(self, ins: Instruction, pc: int) -> Callable[[], int]:
        """A closure performing `ins` at `pc` and returning the next pc."""
        name, r, mask, nxt = ins.name, self.regs, self.mask, (pc + ins.length) & self.mask
        misaligned, alignment = self.misaligned_bits, f"{self.misaligned_bits + 1}-byte aligned"
        opcode, rd = ins.opcode, ins.rd or X0_SINK
        rs1, rs2, imm = ins.rs1, ins.rs2, ins.imm
        mem = self.memory

        if opcode.cls in ("alu", "arith") and opcode.fn:          # all but lui and auipc
            op = self._alu[opcode.fn]
            if opcode.format.operand == "rs2":
                def alu_rr():
                    r[rd] = op(r[rs1], r[rs2])
                    return nxt
                return alu_rr
            b = imm & mask

            def alu_ri():
                r[rd] = op(r[rs1], b)
                return nxt
            return alu_ri
        if opcode.cls == "load":
            size, signed = opcode.size, opcode.signed and 8 * opcode.size < self.xlen
            load, sign = mem.load, 1 << (8 * size - 1)

            def load_op():
                value = load((r[rs1] + imm) & mask, size)
                r[rd] = ((value ^ sign) - sign) & mask if signed else value
                return nxt
            return load_op
        if opcode.cls == "store":
            size, store = opcode.size, mem.store

            def store_op():
                store((r[rs1] + imm) & mask, size, r[rs2])
                return nxt
            return store_op
        if opcode.cls == "branch":
            taken, sign, target = BRANCHES[name], 1 << (self.xlen - 1), (pc + imm) & mask

            def branch():
                if taken(r[rs1], r[rs2], sign):
                    if target & misaligned:
                        raise Trap(f"branch to 0x{target:08x}, which is not {alignment}")
                    return target
                return nxt
            return branch
        if name == "lui":
            value = imm & mask

            def lui():
                r[rd] = value
                return nxt
            return lui
        if name == "auipc":
            value = (pc + imm) & mask

            def auipc():
                r[rd] = value
                return nxt
            return auipc
        if opcode.cls == "jal":
            target = (pc + imm) & mask

            def jal():
                if target & misaligned:
                    raise Trap(f"jump to 0x{target:08x}, which is not {alignment}")
                r[rd] = nxt
                return target
            return jal
        if opcode.cls == "jalr":
            def jalr():
                target = (r[rs1] + imm) & mask & ~1
                if target & misaligned:
                    raise Trap(f"jump to 0x{target:08x}, which is not {alignment}")
                r[rd] = nxt
                return target
            return jalr
        if opcode.cls == "fence":
            return lambda: nxt
        if opcode.cls == "ecall":
            return self._ecall_handler(nxt)
        if opcode.cls == "custom":
            return self._instruction_handler(ins, nxt)
        if opcode.cls == "csr":
            return self._csr_handler(ins, rd, nxt)
        if opcode.cls == "ebreak":
            def ebreak():
                raise Trap("ebreak: the guest asked for a debugger, and there is none")
            return ebreak
        return self._atomic_handler(ins, rd, nxt)

    def _step(self) -> int:
        """The step running now (instructions retired before it), inside `execute`, whose
        loop counts in a local: the loop's iterator says how many steps remain, so keeping
        the count exact costs nothing per step."""
        return self._retired_by - 1 - length_hint(self._retiring)

    def _ecall_handler(self, nxt: int) -> Callable[[], int]:
        r, mem, io, calls = self.regs, self.memory, self.io, self.calls

        def ecall():
            for reg, value in handle_ecall(calls, r, mem, io, self._step()):
                r[reg] = value & self.mask
            if io.resume is None:
                return nxt
            resume, io.resume = io.resume, None
            self.reservation = None         # a thread switch clears it, as Linux's return from a trap does
            return resume(r, nxt)
        return ecall

    def _instruction_handler(self, ins: Instruction, nxt: int) -> Callable[[], int]:
        """A vendor instruction: the call it selects in the profile's registry."""
        r, mem, io, calls = self.regs, self.memory, self.io, self.calls

        def instruction():
            for reg, value in handle_instruction(calls, ins, r, mem, io, self._step()):
                r[reg] = value & self.mask
            return nxt
        return instruction

    _CSR_ACCESS = {"rw": "write", "rs": "set", "rc": "clear"}

    def _csr_handler(self, ins: Instruction, rd: int, nxt: int) -> Callable[[], int]:
        """A CSR instruction runs the profile's call for its CSR number and access (a set or
        clear of nothing is a read); rd gets what the call returns."""
        r, mem, io, calls, mask = self.regs, self.memory, self.io, self.calls, self.mask
        number, immediate, source, rd_number = ins.imm, ins.opcode.format.name == "CSRI", ins.rs1, ins.rd
        access = "read" if ins.opcode.fn != "rw" and source == 0 else self._CSR_ACCESS[ins.opcode.fn]

        def csr():
            operands = (source if immediate else r[source], rd_number, source)
            r[rd] = handle_csr(calls, number, access, r, operands, mem, io, self._step()) & mask
            return nxt
        return csr

    def _halting(self, handler: Callable[[], int], pc: int) -> Callable[[], int]:
        """A jump or branch to itself under a profile that halts there (Airbender): the step
        retires, then the profile's self-loop call ends the run."""
        call, r, mem, io = self.calls.self_loop, self.regs, self.memory, self.io

        def step() -> int:
            nxt = handler()
            if nxt == pc:
                call.handler(call, r, mem, io, self._step())
            return nxt
        return step

    def _atomic_handler(self, ins: Instruction, rd: int, nxt: int) -> Callable[[], int]:
        """LR/SC and AMOs: naturally aligned only (Zicclsm covers plain loads and stores)."""
        kind, size = ins.opcode.cls, ins.opcode.size
        bits, r, mem, mask, rs1, rs2 = 8 * size, self.regs, self.memory, self.mask, ins.rs1, ins.rs2
        sign = 1 << (bits - 1)

        def address() -> int:
            addr = r[rs1]
            if addr & (size - 1):
                raise Trap(f"{ins.name} at 0x{addr:08x}: atomics must be {size}-byte aligned")
            return addr

        def extend(value: int) -> int:
            return ((value ^ sign) - sign) & mask

        if kind == "lr":
            def lr():
                addr = address()
                value = mem.load(addr, size)
                self.reservation = (addr, size)
                r[rd] = extend(value)
                return nxt
            return lr
        if kind == "sc":
            def sc():
                addr = address()
                mem.writable_offset(addr, size)          # an SC faults like a store, even one that fails
                # logged: a chunk's replay may start between an LR and its SC, without the reservation
                code = mem.host_value(lambda: int(self.reservation != (addr, size)))
                self.reservation = None
                if code == 0:
                    mem.store(addr, size, r[rs2])
                r[rd] = code
                return nxt
            return sc
        combine = self._amo[bits][ins.opcode.fn]

        def amo():
            addr = address()
            old = mem.load(addr, size)
            mem.store(addr, size, combine(old, r[rs2]))
            r[rd] = extend(old)
            return nxt
        return amo
