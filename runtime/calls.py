"""The machine's calls, in one registry: what selects each call, its host handler, the
registers and memory it reads and writes, the trace record it leaves and which part of
the prover proves it.

Everything else follows from here: `runtime/host.py` dispatches through a Registry, the
trace's PRECOMPILE_ROW (`runtime/trace.py`) is checked to hold every precompile's bytes,
the prover (`prover/riscv/`) looks its calls up by the table that proves them, and tests
hold the guest SDK (`runtime/guest/`) and docs/machine.md to these numbers.  Profiles
that select calls differently add selectors and registries: an ecall's register (a7, t0),
a CSR access (`Csr`: the interpreter runs the handler for csrrw/csrrs/... of that number),
a store to a device address (`Store`: ZisK's UART byte port), a jump to itself (`SelfLoop`)
or a vendor's instruction (`Insn`: runtime/encoding.py VENDOR_TABLE_TEXT, OpenVM's custom-0
opcodes; a registry that has them decodes its extension's rows).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

from runtime.compressed import COMPRESSED
from runtime.encoding import TABLE
from runtime.host import EcallError, GuestExit, HostIO
from runtime.isa import ABI_NAMES, REGISTER_NUMBERS
from runtime.memory import GuestMemory
from runtime.bigint import addmod_bytes, mulmod_bytes
from runtime.curves import BLS12_381_FP2, BLS12_381_G1, BN254_FP2, BN254_G1, SECP256K1, SECP256R1
from runtime.precompiles import keccakf_bytes, sha256_compress_bytes
from runtime.softfp import Placement

A0, A1, A2, A7 = (REGISTER_NUMBERS[name] for name in ("a0", "a1", "a2", "a7"))

FD_STDOUT = 1            # console: shown, not committed
FD_STDERR = 2            # console: shown, not committed
FD_PUBLIC_OUTPUT = 3     # appended to the committed public output

# Precompiles live in a vendor range so they never collide with Linux syscall numbers.
PRECOMPILE_BASE = 0x800

PRECOMPILE = "precompile"    # the trace record of a precompile: one PRECOMPILE_ROW


@dataclass(frozen=True)
class Ecall:
    """An ecall selected by `number` in `register` (zkaot: a7; SP1 and RISC Zero use t0)."""
    register: int
    number: int


@dataclass(frozen=True)
class Insn:
    """A call selected by a vendor instruction: the encoding table's row `name`.  Its
    handler also gets the decoded instruction, whose operands name its registers."""
    name: str


@dataclass(frozen=True)
class Csr:
    """A CSR instruction selected by the CSR `number` and what it does to the CSR: "read" (csrrs
    or csrrc with x0 or zimm 0: nothing is written), "set", "clear" or "write" (csrrw, csrrwi).
    Its handler sees the 32 registers and three more: CSR_OPERAND (rs1's value or the zimm),
    CSR_RD (the number of rd) and CSR_SOURCE (the rs1 field: a register number, or the
    zimm), and returns the value rd gets (no value: 0)."""
    number: int
    access: str


@dataclass(frozen=True)
class Store:
    """A store of `size` bytes to the device `address`: the handler sees the registers and the
    stored value as STORE_VALUE, and the store does not reach memory (the map keeps a hole there)."""
    address: int
    size: int


@dataclass(frozen=True)
class SelfLoop:
    """A jump or branch to itself (`j .`), which halts the machine (Airbender): the handler
    runs after the instruction, and raises GuestExit."""


# The encoding table's classes a profile that lowers F/D decodes: the F/D rows, the library's
# return, and the Zicsr rows (fflags, frm and fcsr are CSRs 1-3; other CSRs are its calls, if any)
FLOAT_CLASSES = frozenset({"csr", "float", "floatret"})

CSR_OPERAND = STORE_VALUE = 32      # what a CSR or device handler sees after the registers (Csr, Store)
CSR_RD, CSR_SOURCE = 33, 34
CSR_ACCESSES = ("read", "set", "clear", "write")


@dataclass(frozen=True)
class Span:
    """Guest memory a call touches: `size` bytes, or as many as register `size_reg` holds,
    at the address in register `base`, which must be `align`-byte aligned (`what` names
    the pointer in the fault)."""
    base: int
    what: str
    size: int = 0
    size_reg: int | None = None
    align: int = 1

    def address(self, regs: Sequence[int]) -> int:
        addr = regs[self.base]
        if addr % self.align:
            raise EcallError(f"{self.what} pointer 0x{addr:08x} is not {self.align}-byte aligned")
        return addr

    def read(self, regs: Sequence[int], memory: GuestMemory) -> bytes:
        return memory.read(self.address(regs), self.size if self.size_reg is None else regs[self.size_reg])


Handler = Callable[["Call", Sequence[int], GuestMemory, HostIO, int], tuple[int, ...]]


@dataclass(frozen=True)
class Call:
    """One call of the machine.  `handler(call, regs, memory, io, step)` runs it at `step`
    (instructions retired before this ecall) and returns the new values of the registers
    in `writes`, in order; `reads` are the argument registers it depends on (the selector
    aside) and `reads_step` says whether it depends on the step.  `record` is the trace record it leaves (None, or
    PRECOMPILE: a PRECOMPILE_ROW of its memory reads and writes); `proven_by` names what
    proves it in prover/riscv/ (Main's "exit" and "write", or a precompile's table), None
    when nothing can."""
    name: str
    selector: Ecall | Csr | Store | SelfLoop | Insn
    handler: Handler = field(repr=False)
    reads: tuple[int, ...] = ()
    writes: tuple[int, ...] = ()
    memory_reads: tuple[Span, ...] = ()
    memory_writes: tuple[Span, ...] = ()
    reads_step: bool = False
    record: str | None = None
    proven_by: str | None = None

    @property
    def input_size(self) -> int:
        """The bytes a precompile reads (its PRECOMPILE_ROW input)."""
        return sum(span.size for span in self.memory_reads)

    @property
    def output_size(self) -> int:
        """The bytes a precompile writes (its PRECOMPILE_ROW output)."""
        return sum(span.size for span in self.memory_writes)


class Registry:
    """A profile's calls, keyed by selector.  Every ecall of a registry is selected by the
    same register (a registry may have none: OpenVM's ecall is a fault).  `vendor` names the
    profile in the fault of an unknown call (None: the zkaot machine's own calls).  The
    registry's `extensions` are the optional parts of the encoding table its profile decodes
    (encoding.decodable): "csr" when it has CSR calls, a vendor's extension when it has
    calls selected by an Insn, which must then cover every row of that extension, and
    FLOAT_CLASSES when it lowers F/D; any other profile finds those words illegal.  `public_output_size`: the public output's bytes at the
    start of a run (zeros; OpenVM's REVEAL fills them).  `start(program, memory, io)`, if
    given, runs before a fresh run's first instruction (not before a replay) and returns the
    registers it sets: the Linux profile lays out a process's stack there (runtime/linux.py).
    `unknown(number)` words the fault of an ecall number the registry has no call for.
    `quantum`: a profile with threads (runtime/linux_threads.py) has its scheduler run every
    `quantum` steps: `tick(regs, pc, memory, io, step)` runs between steps, before each step
    whose number is a multiple of the quantum, and returns the pc to go on at, having replaced
    the registers when it hands the hart to another thread.
    `float_lowering`: where the profile may keep the soft-float library, the first place that fits
    below a program's code first, if it runs F and D (and the FP CSRs 1-3) as calls of it
    (docs/float.md); it then decodes FLOAT_CLASSES.
    `compressed`: the profile's machine takes the C extension (runtime/compressed.py), so its
    extensions name it, its decoder takes 16-bit instructions and jumps to 2-byte boundaries.
    `unknown_csr(number, access)` words the fault of a CSR access no call has."""

    def __init__(self, calls: Iterable[Call], vendor: str | None = None, public_output_size: int = 0,
                 start: Callable[[object, GuestMemory, HostIO], dict[int, int]] | None = None,
                 unknown: Callable[[int], str] | None = None, quantum: int | None = None,
                 tick: Callable[[list[int], int, GuestMemory, HostIO, int], int] | None = None,
                 float_lowering: tuple[Placement, ...] = (), compressed: bool = False,
                 unknown_csr: Callable[[int, str], str] | None = None):
        if (quantum is None) != (tick is None):
            raise ValueError("a registry has both a quantum and a tick, or neither")
        self.calls = tuple(calls)
        self.quantum, self.tick = quantum, tick
        self.vendor = vendor
        self.public_output_size = public_output_size
        self.start = start
        self.unknown = unknown          # the fault of an ecall number no call has, if not the generic one
        self.unknown_csr = unknown_csr
        registers = {call.selector.register for call in self.calls if isinstance(call.selector, Ecall)}
        if len(registers) > 1:
            raise ValueError(f"a registry's ecalls are selected by one register, not {sorted(registers)}")
        self.register = registers.pop() if registers else None       # None: no ecall is a call
        if any(isinstance(c.selector, Csr) and c.selector.access not in CSR_ACCESSES for c in self.calls):
            raise ValueError(f"a CSR call's access is one of {CSR_ACCESSES}")
        rows = {op.name: op for op in TABLE if op.ext}
        self.by_instruction = {rows[call.selector.name].id: call
                               for call in self.calls if isinstance(call.selector, Insn)}
        vendor = frozenset(op.ext for op in TABLE if op.id in self.by_instruction)
        missing = [op.name for op in TABLE if op.ext in vendor and op.id not in self.by_instruction]
        if missing:
            raise ValueError(f"a registry with the {sorted(vendor)} instructions has no call for {missing}")
        self.extensions = vendor | ({"csr"} if any(isinstance(c.selector, Csr) for c in self.calls) else set()) \
            | (FLOAT_CLASSES if float_lowering else set()) | ({COMPRESSED} if compressed else set())
        self.float_lowering = float_lowering
        self.devices = tuple(call for call in self.calls if isinstance(call.selector, Store))
        self.self_loop = next((call for call in self.calls if isinstance(call.selector, SelfLoop)), None)
        self.by_selector = {call.selector: call for call in self.calls}
        proven = [call for call in self.calls if call.proven_by]
        self._proven_by = {call.proven_by: call for call in proven}
        if len(self.by_selector) < len(self.calls) or len(self._proven_by) < len(proven):
            raise ValueError("two calls share a selector or a prover kind")

    def selected(self, regs: Sequence[int]) -> Call:
        """The call that `regs` select; EcallError when none does."""
        if self.register is None:
            raise EcallError(f"{self.vendor}: ecall is not one of the machine's instructions (the {self.vendor} "
                             f"transpiler makes it a fault; docs/profiles.md)")
        number = regs[self.register]
        call = self.by_selector.get(Ecall(self.register, number))
        if call is None:
            if self.unknown:
                raise EcallError(self.unknown(number))
            if self.vendor:
                raise EcallError(f"{self.vendor}: call {ABI_NAMES[self.register]}=0x{number:x} is not "
                                 f"implemented (docs/profiles.md lists the {self.vendor} calls zkaot has)")
            raise EcallError(f"unknown ecall {ABI_NAMES[self.register]}={number} (see runtime/calls.py)")
        return call

    def csr(self, number: int, access: str) -> Call:
        """The call a CSR instruction selects; EcallError naming the vendor when none does."""
        call = self.by_selector.get(Csr(number, access))
        if call is None and self.unknown_csr:
            raise EcallError(self.unknown_csr(number, access))
        if call is None:
            raise EcallError(f"{self.vendor}: csr 0x{number:x} ({access}) is not implemented "
                             f"(docs/profiles.md lists the {self.vendor} calls zkaot has)")
        return call

    def proven_by(self, kind: str) -> Call:
        """The call that the prover's `kind` ("exit", "write" or a precompile's table) proves."""
        return self._proven_by[kind]

    def precompiles(self) -> tuple[Call, ...]:
        return tuple(call for call in self.calls if call.record == PRECOMPILE)


def _signed32(value: int) -> int:
    value &= 0xFFFF_FFFF
    return value - (1 << 32) if value >> 31 else value


def _exit(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int) -> tuple[int, ...]:
    """The exit code is a0 as a signed 32-bit int (C's int main)."""
    raise GuestExit(_signed32(regs[A0]))


def _write(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int) -> tuple[int, ...]:
    """The buffer is read before the fd is checked, so a bad buffer faults as a bad buffer.
    The step is read by stdout's region markers (HostIO.write_console)."""
    (buffer,) = call.memory_reads
    data = buffer.read(regs, memory)
    fd = regs[A0]
    if fd == FD_PUBLIC_OUTPUT:
        io.output += data
    elif fd in (FD_STDOUT, FD_STDERR):
        io.write_console(fd, data, step)
    else:
        raise EcallError(f"write to fd {fd}: only 1 and 2 (console) and 3 (public output) exist")
    return (regs[A2],)


def precompile(name: str, number: int, compute: Callable[..., bytes], memory_reads: tuple[Span, ...],
               memory_writes: tuple[Span, ...], proven_by: str | None, register: int = A7) -> Call:
    """A call (the ecall with `number` in `register`) that reads its spans (checking every
    alignment first), applies `compute` to their bytes, writes the result over its write spans
    and records a PRECOMPILE_ROW (a0 and a1 as the registers held them)."""
    def handler(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int) -> tuple[int, ...]:
        reads, writes = call.memory_reads, call.memory_writes
        addresses = [span.address(regs) for span in reads + writes]     # every alignment before any access
        inputs = [memory.read(addr, span.size) for span, addr in zip(reads, addresses)]
        result = compute(*inputs)
        offset = 0
        for span, addr in zip(writes, addresses[len(reads):]):
            memory.write(addr, result[offset:offset + span.size])
            offset += span.size
        if io.on_precompile:
            io.on_precompile(call.selector.number, regs[A0], regs[A1], b"".join(inputs), result)
        return ()
    return Call(name, Ecall(register, number), handler, reads=tuple(dict.fromkeys(s.base for s in memory_reads)),
                memory_reads=memory_reads, memory_writes=memory_writes, record=PRECOMPILE, proven_by=proven_by)


def _cycle_scope(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int) -> tuple[int, ...]:
    """A region's start or end, named by the UTF-8 bytes at a0 (a1 of them)."""
    (name,) = call.memory_reads
    mark = io.regions.start if call is CYCLE_SCOPE_START else io.regions.end
    mark(name.read(regs, memory).decode("utf-8", "replace"), step)
    return ()


def _cycle_count(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int) -> tuple[int, ...]:
    """The instructions retired before this ecall (so not counting itself)."""
    return (step,)


KECCAK_STATE = Span(A0, "keccak-f state", size=200, align=8)     # 25 little-endian u64 lanes
SHA256_STATE = Span(A0, "sha256 state", size=32, align=4)        # 8 little-endian u32 words

EXIT = Call("exit", Ecall(A7, 93), _exit, reads=(A0,), proven_by="exit")
WRITE = Call("write", Ecall(A7, 64), _write, reads=(A0, A1, A2), writes=(A0,),
             memory_reads=(Span(A1, "write buffer", size_reg=A2),), reads_step=True, proven_by="write")
KECCAKF = precompile("keccakf", 0x800, keccakf_bytes, (KECCAK_STATE,), (KECCAK_STATE,),
                      proven_by="keccakf")
SHA256_COMPRESS = precompile("sha256_compress", 0x801, sha256_compress_bytes,
                              (SHA256_STATE, Span(A1, "sha256 block", size=64)), (SHA256_STATE,),
                              proven_by="sha256")

REGION_NAME = Span(A0, "region name", size_reg=A1)
# Host calls sit in the vendor range after the precompiles; nothing proves them (zkaot prove refuses them).
CYCLE_SCOPE_START = Call("cycle_scope_start", Ecall(A7, 0x810), _cycle_scope, reads=(A0, A1),
                         memory_reads=(REGION_NAME,), reads_step=True)
CYCLE_SCOPE_END = Call("cycle_scope_end", Ecall(A7, 0x811), _cycle_scope, reads=(A0, A1),
                       memory_reads=(REGION_NAME,), reads_step=True)
CYCLE_COUNT = Call("cycle_count", Ecall(A7, 0x812), _cycle_count, writes=(A0,), reads_step=True)

# Big-integer, curve and Fp2 precompiles (docs/accelerators.md): 8-byte aligned operands of
# little-endian integers; the first operand (a0) is replaced by the result.  Their rows
# fit a PRECOMPILE_ROW, but no table proves them yet: zkaot prove refuses a run that uses one.

def _operands(size: int, what: str, count: int) -> tuple[Span, ...]:
    return tuple(Span(reg, f"{what} operand {i}", size=size, align=8) for i, reg in enumerate((A0, A1, A2)[:count]))


def _arith(name: str, number: int, compute: Callable[..., bytes], size: int, count: int) -> Call:
    reads = _operands(size, name, count)
    return precompile(name, number, compute, reads, reads[:1], proven_by=None)


UINT256_MULMOD = _arith("uint256_mulmod", 0x820, mulmod_bytes, 32, 3)        # a0 = a0 * a1 mod a2
UINT256_ADDMOD = _arith("uint256_addmod", 0x821, addmod_bytes, 32, 3)        # a0 = a0 + a1 mod a2
CURVE_CALLS = tuple(
    call for number, curve in ((0x822, SECP256K1), (0x824, SECP256R1), (0x826, BN254_G1), (0x828, BLS12_381_G1))
    for call in (_arith(f"{curve.name}_add", number, curve.add_bytes, 2 * curve.size, 2),       # a0 = a0 + a1
                 _arith(f"{curve.name}_double", number + 1, curve.double_bytes, 2 * curve.size, 1)))
FP2_CALLS = tuple(
    call for number, fp2 in ((0x82A, BN254_FP2), (0x82C, BLS12_381_FP2))
    for call in (_arith(f"{fp2.name}_mul", number, fp2.mul_bytes, 2 * fp2.size, 2),           # a0 = a0 * a1
                 _arith(f"{fp2.name}_add", number + 1, fp2.add_bytes, 2 * fp2.size, 2)))     # a0 = a0 + a1

ZKAOT = Registry([EXIT, WRITE, KECCAKF, SHA256_COMPRESS,
                  CYCLE_SCOPE_START, CYCLE_SCOPE_END, CYCLE_COUNT,
                  UINT256_MULMOD, UINT256_ADDMOD, *CURVE_CALLS, *FP2_CALLS])     # the zkaot profile's calls
