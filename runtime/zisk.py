"""The machine ZisK guests expect (0xPolygonHermez/zisk), as its transpiler and emulator define it.

Read from `core/src/mem.rs` (the map), `core/src/riscv2zisk_context.rs` (which CSR
accesses become precompiles and free calls), `ziskos/entrypoint/src/lib.rs` (`_start`,
the input records, `set_output`), `ziskos/entrypoint/src/fcall.rs` and
`zisklib/fcalls/input.rs` (the free-call ports), `syscalls/keccakf.rs` and `sha256f.rs`.

- Exit: `ecall` with a7 = 93, the code in a0; the 64 u32 output slots are published then.
- Console: every byte store to the UART address (in ZisK's system page).
- `csrr marchid` reads ARCH_ID_ZISK (a guest that reads anything else takes its QEMU path).
- Precompiles: `csrs 0x800+id, rs1`, rs1 pointing at the parameter block: keccakf (0x800:
  the 25-lane state itself) and sha256f (0x805: a pointer to 8 u32 state words and one to
  the 64-byte block); the curve, complex-field and arith256_mod ones in runtime/zisk_curves.py.
- Free calls: `csrs 0x8F0, rs1` passes a parameter, `csrwi 0x8C0 + id/32, id%32` calls `id`;
  only FCALL_INPUT_READY (23: "the input is there up to this address") is implemented.
Any other call or CSR access ends the run with `zisk: ...`.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Sequence

from runtime.calls import A0, A7, CSR_OPERAND, PRECOMPILE, STORE_VALUE, Call, Csr, Ecall, Registry, Span, Store
from runtime.host import EcallError, GuestExit, HostIO
from runtime.memory import GuestMemory
from runtime.memory_map import MemoryMap
from runtime import softfp, zisk_curves
from runtime.precompiles import keccakf_bytes, sha256_compress_bytes

ARCH_ID_ZISK = 0xFFFEEEE
MARCHID = 0xF12
KECCAKF, SHA256F = 0x800, 0x805                 # CSR_PRECOMPILED_ADDR_START + the precompile's index
FCALL_PARAM, FCALL = 0x8F0, 0x8C0               # a direct-value parameter; a call's port (id >> 5)
FCALL_INPUT_READY_ID = 23
CYCLE = 0xC00                                   # `unimp` is csrrw x0, cycle, x0
OUTPUT_SLOTS = 64                               # u32 public outputs (ziskos set_output: id < 64)
ROM_BASE, ROM_END = 0x8000_0000, 0x8800_0000
RAM_BASE, RAM_END = 0xA000_0000, 0xC000_0000
SYSTEM_PAGE = 0x1000                            # the part of ZisK's system area a guest may touch


@dataclass(frozen=True)
class Layout:
    """Where one generation of ZisK puts the input, its system area (the UART at +0x200) and
    the output slots."""
    input_addr: int
    sys_addr: int
    output_addr: int

    @property
    def uart(self) -> int:
        return self.sys_addr + 0x200

    def memory_map(self, low: int = ROM_BASE) -> MemoryMap:
        """ROM and RAM in one lazily backed window, with the gap between them and the system
        page as holes (an access there faults; the UART's byte store is a device).  The window
        starts at `low`: below the ROM where the soft-float library sits (runtime/softfp.py)."""
        gap = (ROM_END, RAM_BASE, "the gap between ZisK's ROM and RAM")
        system = (self.sys_addr, self.sys_addr + SYSTEM_PAGE,
                  f"ZisK's system page (a guest may only store bytes to the UART at 0x{self.uart:x})")
        return MemoryMap(ram_base=low, ram_size=RAM_END - low, stack_size=None,
                         input_base=self.input_addr, max_input=0x4000_0000 - 8, holes=(gap, system))


# The current source (mem.rs: SYS_ADDR = RAM_ADDR + STACK_SIZE, the input at 0x4000_0000), and
# the guests of before the input moved (a u64 length at 0x9000_0000, the system area at RAM_ADDR).
CURRENT = Layout(input_addr=0x4000_0000, sys_addr=0xA040_0000, output_addr=0xA041_0000)
LEGACY = Layout(input_addr=0x9000_0000, sys_addr=0xA000_0000, output_addr=0xA001_0000)


def records(frames: Sequence[bytes]) -> bytes:
    """The current input layout after its 8 reserved bytes: per frame a u64 LE length and the
    bytes padded to 8 (what ziskos' read_slice walks)."""
    return b"".join(struct.pack("<Q", len(f)) + f.ljust(-(-len(f) // 8) * 8, b"\0") for f in frames)


def _exit(layout: Layout):
    def exit_(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int) -> tuple[int, ...]:
        """The run ends with a0 (a signed 32-bit int: main's return value); the output slots
        become the public output."""
        io.output[:] = memory.read(layout.output_addr, 4 * OUTPUT_SLOTS)
        value = regs[A0] & 0xFFFF_FFFF
        raise GuestExit(value - (1 << 32) if value >> 31 else value)
    return exit_


def _uart(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int) -> tuple[int, ...]:
    io.write_console(1, bytes([regs[STORE_VALUE] & 0xFF]), step)
    return ()


def _marchid(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int) -> tuple[int, ...]:
    return (ARCH_ID_ZISK,)


KECCAK_STATE = Span(CSR_OPERAND, "keccakf state", size=200, align=8)
SHA256F_PARAMS = Span(CSR_OPERAND, "sha256f parameters", size=16, align=8)


def _keccakf(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int) -> tuple[int, ...]:
    """keccak-f[1600] in place on the 25 LE u64 lanes at the operand."""
    zisk_curves.precompile_rd(call, regs)
    ptr = KECCAK_STATE.address(regs)
    before = memory.read(ptr, 200)
    after = keccakf_bytes(before)
    memory.write(ptr, after)
    if io.on_precompile:
        io.on_precompile(KECCAKF, ptr, 0, before, after)
    return ()


def _sha256f(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int) -> tuple[int, ...]:
    """One SHA-256 compression: the parameter block holds a pointer to the state (8 u32 words,
    as sha2's compress256 keeps them) and one to the 64-byte block; the state is updated."""
    zisk_curves.precompile_rd(call, regs)
    state_ptr, block_ptr = struct.unpack("<QQ", SHA256F_PARAMS.read(regs, memory))
    for ptr, what in ((state_ptr, "state"), (block_ptr, "block")):
        if ptr % 8:
            raise EcallError(f"zisk: sha256f {what} pointer 0x{ptr:08x} is not 8-byte aligned")
    before = memory.read(state_ptr, 32) + memory.read(block_ptr, 64)
    after = sha256_compress_bytes(before[:32], before[32:])
    memory.write(state_ptr, after)
    if io.on_precompile:
        io.on_precompile(SHA256F, state_ptr, block_ptr, before, after)
    return ()


def _fcall_param(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int) -> tuple[int, ...]:
    io.scratch.setdefault("fcall_params", []).append(regs[CSR_OPERAND])
    return ()


def _fcall(layout: Layout):
    def fcall(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int) -> tuple[int, ...]:
        """A free call: its id is the port's offset times 32 plus the zimm; it takes the
        parameters passed since the last call.  Whether the input is there is host state, so
        the check is a host value: a replay (which may start between a parameter and its
        call) reads the answer from the load log."""
        params = io.scratch.pop("fcall_params", [])
        func = ((call.selector.number - FCALL) << 5) + regs[CSR_OPERAND]
        if func != FCALL_INPUT_READY_ID:
            raise EcallError(f"zisk: free call {func} is not implemented (only {FCALL_INPUT_READY_ID}, input ready)")

        def input_end() -> int:
            if len(params) != 1:
                raise EcallError(f"zisk: free call {func} (input ready) takes 1 parameter, not {len(params)}")
            end = layout.input_addr + len(memory.input)
            if params[0] >= end:
                raise EcallError(f"zisk: the guest waits for input up to 0x{params[0]:x}, and the input ends at "
                                 f"0x{end:x} (give its frames with --input)")
            return end
        memory.host_value(input_end)
        return ()
    return fcall


def _unimp(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int) -> tuple[int, ...]:
    """`unimp` (csrrw x0, cycle, x0) is what a Rust guest's abort runs; ZisK would write a CSR
    cell and go on past it, into code that is never meant to run."""
    raise EcallError("zisk: the guest aborted (unimp: csrrw x0, cycle, x0)")


def registry(layout: Layout, float_lowering: tuple[softfp.Placement, ...] = ()) -> Registry:
    return Registry([
        Call("exit", Ecall(A7, 93), _exit(layout), reads=(A0,)),
        Call("uart", Store(layout.uart, 1), _uart, reads_step=True),
        Call("marchid", Csr(MARCHID, "read"), _marchid),
        Call("keccakf", Csr(KECCAKF, "set"), _keccakf, memory_reads=(KECCAK_STATE,), memory_writes=(KECCAK_STATE,),
             record=PRECOMPILE),
        Call("sha256f", Csr(SHA256F, "set"), _sha256f, memory_reads=(SHA256F_PARAMS,), record=PRECOMPILE),
        Call("fcall_param", Csr(FCALL_PARAM, "set"), _fcall_param),
        Call("fcall", Csr(FCALL, "write"), _fcall(layout)),
        Call("unimp", Csr(CYCLE, "write"), _unimp),
        *zisk_curves.calls(),
    ], vendor="zisk", float_lowering=float_lowering,
        compressed=True)       # ZisK's transpiler decodes C (riscv/src/riscv_interpreter.rs)


# Current ZisK runs F and D (its lib-float, here zkaot's soft-float library); the older guests are rv64ima.
ZISK = {64: registry(CURRENT, (softfp.ZISK,))}
ZISK_LEGACY = {64: registry(LEGACY)}
