"""Ceno's guests (scroll-tech/ceno): its memory map, the hints layout its host writes, and its
calls, as `ceno_rt` (`memory.x`, `ceno_link.x`, `src/mmio.rs`), `ceno_syscall` and the emulator
(`ceno_emul/src/syscalls.rs`, `platform.rs`) and host (`ceno_host/src/lib.rs`) define them.

A Ceno guest reads its input from memory, not through calls: the host writes every hint into the
read-only hints region before the run, and `ceno_rt::read_slice` walks it.  Its calls are ecalls
with the code in t0: HALT ends the run with a0, PUB_IO_COMMIT publishes 8 words (ceno_rt's
`commit` sends the Keccak-256 digest of the public bytes), KECCAK_PERMUTE is keccak-f[1600].
"""
from __future__ import annotations

import struct
from typing import Sequence

from runtime.calls import A0, Call, Ecall, Registry, Span, precompile
from runtime.host import GuestExit, HostIO
from runtime.isa import REGISTER_NUMBERS
from runtime.memory import GuestMemory
from runtime.memory_map import MemoryMap
from runtime.precompiles import keccakf_bytes

T0 = REGISTER_NUMBERS["t0"]

# The map (ceno_rt memory.x and ceno_link.x): code and read-only data in the ROM, data, bss and
# heap in the RAM, the hints 128 MiB into the HINTS region (`_hints_start = ORIGIN(REGION_HINTS)
# + 128M`), the public-io area and the stack above it, whose top is `_stack_start`.
ROM_BASE = 0x0800_0000
RAM_BASE = 0x1000_0000
HINTS_REGION = 0x2000_0000
HINTS_BASE = 0x2800_0000            # _hints_start = _lengths_of_hints_start
HINTS_END = 0x3000_0000
STACK_TOP = 0x4000_0000             # _stack_start = ORIGIN(REGION_PUBIO) + 256M
HINTS_SIZE = HINTS_END - HINTS_BASE

# zkaot's input region puts a u64 length before the bytes: it starts 8 bytes below the hints,
# in the unused first half of Ceno's HINTS region, which is otherwise a hole (any access faults).
MEMORY_MAP = MemoryMap(ram_base=ROM_BASE, ram_size=STACK_TOP - ROM_BASE, stack_size=None,
                       input_base=HINTS_BASE - 8, max_input=HINTS_SIZE,
                       holes=((HINTS_REGION, HINTS_END, "the hints region"),))

HALT, PUB_IO_COMMIT, KECCAK_PERMUTE = 0x00, 0x10, 0x00_01_01_09
WORD = 4                            # ceno_host's WORD_ALIGNMENT: every hint is padded to it
DIGEST = 32                         # PUB_IO_COMMIT's 8 words


def hints(frames: Sequence[bytes]) -> bytes:
    """The hints region as ceno_host lays it out (`Items::finalise`): u32 words data_offset,
    alignment (4) and each hint's length, then from data_offset every hint zero-padded to 4."""
    data_offset = WORD * (len(frames) + 2)
    header = struct.pack(f"<{len(frames) + 2}I", data_offset, WORD, *(len(f) for f in frames))
    return header + b"".join(f.ljust(-(-len(f) // WORD) * WORD, b"\0") for f in frames)


def _halt(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int) -> tuple[int, ...]:
    """The exit code is a0 (unsigned; ceno_rt's `halt(exit_code: u32)`)."""
    raise GuestExit(regs[A0] & 0xFFFF_FFFF)


def _pub_io_commit(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int) -> tuple[int, ...]:
    """The 8 words at a0 (4-byte aligned) are appended to the public output."""
    (digest,) = call.memory_reads
    io.output += digest.read(regs, memory)
    return ()


KECCAK_STATE = Span(A0, "keccak state", size=200, align=WORD)      # 25 LE u64 lanes, 4-byte aligned

CENO = {32: Registry([
    Call("halt", Ecall(T0, HALT), _halt, reads=(A0,)),
    Call("pub_io_commit", Ecall(T0, PUB_IO_COMMIT), _pub_io_commit, reads=(A0,),
         memory_reads=(Span(A0, "public io digest", size=DIGEST, align=WORD),)),
    precompile("keccak_permute", KECCAK_PERMUTE, keccakf_bytes, (KECCAK_STATE,), (KECCAK_STATE,), None, T0),
], vendor="ceno")}
