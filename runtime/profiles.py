"""Machine profiles: what differs between the guests of different zkVMs (docs/profiles.md).

A profile is data plus small handlers, never a fork of an executor: the memory map the
ELF is loaded into and checked against, the registry of calls (runtime/calls.py) that
selects and runs every `ecall`, how the input frames reach the guest and what its public
output is, and how its binaries are recognised.  The interpreter and the translated code
run every profile with the same instruction semantics; the translator bakes the memory
map into its checks (translator/executor.py layout_for).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from runtime.airbender import AIRBENDER, MEMORY_MAP as AIRBENDER_MAP
from runtime.calls import ZKAOT, Registry
from runtime.compressed import COMPRESSED
from runtime.ceno import CENO, MEMORY_MAP as CENO_MAP, ROM_BASE as CENO_ROM, hints as ceno_hints
from runtime.linux import LINUX_MAP, linux_calls
from runtime.memory_map import MemoryMap
from runtime.openvm import OPENVM
from runtime import softfp
from runtime.risc0 import RISC0
from runtime.sp1 import PICO, SP1, SP1_V3
from runtime.zisk import CURRENT, LEGACY, RAM_BASE as ZISK_RAM, RAM_END as ZISK_RAM_END, ROM_BASE as ZISK_ROM, \
    ZISK, ZISK_LEGACY, records

# Where SP1, Pico, RISC Zero and OpenVM link rv32 guest text (the fact sheet and
# sp1/crates/zkvm/entrypoint: the stack's top is 0x200400, just below it).
VENDOR_TEXT = 0x0020_0800


@dataclass(frozen=True)
class Profile:
    """`calls` and `maps` by xlen (the widths the profile runs).  `input_region`: the input
    is one frame, readable in the map's input region (zkaot); otherwise the frames are handed
    out by calls, in order.  `recognise(program)` says why a loaded program (its segments,
    symbols and xlen) is this profile's, or None.  `pack_input(frames)`: the input region's
    bytes made of all the frames (ZisK), instead of one frame.  `raw_base`: the program is a
    raw binary loaded (and entered) at this address, not an ELF (Airbender)."""
    name: str
    calls: dict[int, Registry]
    maps: dict[int, MemoryMap]
    input_region: bool
    public_output: str
    recognise: Callable[[object], str | None]
    pack_input: Callable[[Sequence[bytes]], bytes] | None = None
    raw_base: int | None = None

    @property
    def xlens(self) -> tuple[int, ...]:
        return tuple(self.maps)

    @property
    def compressed(self) -> bool:
        """Whether the profile takes the C extension: its registries say so (runtime/calls.py)."""
        return any(COMPRESSED in calls.extensions for calls in self.calls.values())


def _symbols_naming(program, *needles: str) -> str | None:
    for name in program.symbols:
        for needle in needles:
            if needle in name:
                return f"symbol {name} names {needle}"
    return None


def _zkaot_recognise(program) -> str | None:
    default = MemoryMap()
    if all(default.in_ram(s.vaddr, s.end) for s in program.segments):
        return f"every segment lies in zkaot's RAM [0x{default.ram_base:x}, 0x{default.ram_end:x})"
    return None


def _vendor_recognise(*needles: str):
    def recognise(program) -> str | None:
        return _symbols_naming(program, *needles)
    return recognise


def _named_only(program) -> str | None:
    """SP1 before v4: its binaries name the same crates as v4's, so only --profile picks it."""
    return None


def _zisk_recognise(program) -> str | None:
    """A ziskos symbol, or ZisK's layout: code in its ROM at 0x8000_0000 and the writable
    segments in its RAM [0xA000_0000, 0xC000_0000)."""
    named = _symbols_naming(program, "ziskos")
    if named:
        return named
    code = [s for s in program.segments if s.executable]
    writable = [s for s in program.segments if s.writable]
    if code and writable and min(s.vaddr for s in code) == ZISK_ROM and \
            all(ZISK_RAM <= s.vaddr and s.end <= ZISK_RAM_END for s in writable):
        return "code at ZisK's ROM (0x80000000) and data in its RAM (0xa0000000-0xc0000000)"
    return None


def _ceno_recognise(program) -> str | None:
    """A ceno_rt symbol, or Ceno's layout: rv32 code starting at its ROM (0x0800_0000)."""
    if program.xlen != 32:
        return None
    named = _symbols_naming(program, "ceno_rt")
    if named:
        return named
    code = [s.vaddr for s in program.segments if s.executable]
    if code and min(code) == CENO_ROM:
        return "rv32 code at Ceno's ROM (0x8000000)"
    return None


def _one_frame(frames: Sequence[bytes]) -> bytes:
    """Older ZisK guests read one blob (a u64 length at 0x9000_0000, then the bytes)."""
    if len(frames) > 1:
        raise ValueError(f"the zisk-legacy profile reads one input (its input region), not {len(frames)} frames")
    return frames[0] if frames else b""


# SP1 and Pico: no input region (frames come through HINT_LEN/HINT_READ) and no stack guard
# (nothing in the vendors' maps marks the stack's end: it grows down from 0x200400 on rv32,
# from 0x7800_0000 on rv64, below the image).  rv32: the whole address space but the null
# page.  rv64: up to 2^40 (SP1 v6 allows heap up to 2^48: more than a host process can map,
# 2^47, and a 2^40 window leaves room for many machines in one process).
VENDOR_MAPS = {32: MemoryMap(ram_base=0x1000, ram_size=(1 << 32) - 0x1000, stack_size=None, input_base=None),
               64: MemoryMap(ram_base=0x1000, ram_size=(1 << 40) - 0x1000, stack_size=None, input_base=None)}

# RISC Zero (risc0/zkvm/platform/src/memory.rs): user memory is [GUEST_MIN_MEM, GUEST_MAX_MEM) =
# [0x4000, 0xC000_0000); the kernel lives above it.  The stack grows down from 0x200400.
RISC0_MAP = MemoryMap(ram_base=0x4000, ram_size=0xC000_0000 - 0x4000, stack_size=None, input_base=None)

# OpenVM (crates/toolchain/platform/src/memory.rs): one address space of 2^29 bytes
# (MEM_BITS = 29), every address of it memory; the stack grows down from 0x200400.
OPENVM_MAP = MemoryMap(ram_base=0, ram_size=1 << 29, stack_size=None, input_base=None)

# A static linux/riscv64 program: libc's start and Go's runtime name themselves.  A stripped
# binary still carries loaded marks: ELFOSABI_LINUX in the ELF header its first segment loads,
# glibc's ABI note (`.note.ABI-tag`: NT_GNU_ABI_TAG, owner "GNU", OS 0 = Linux), or Go's build
# information (`.go.buildinfo`, which starts with this magic).
LINUX_SYMBOLS = ("__libc_start_main", "_rt0_riscv64_linux")
ELFOSABI_LINUX = 3
GNU_LINUX_ABI_NOTE = b"\x04\x00\x00\x00\x10\x00\x00\x00\x01\x00\x00\x00GNU\x00\x00\x00\x00\x00"
GO_BUILDINFO_MAGIC = b"\xff Go buildinf:"


def _linux_recognise(program) -> str | None:
    if program.xlen != 64:
        return None
    named = _symbols_naming(program, *LINUX_SYMBOLS)
    if named:
        return named
    if any(s.data[:4] == b"\x7fELF" and s.data[7:8] == bytes([ELFOSABI_LINUX]) for s in program.segments):
        return "its ELF header says ELFOSABI_LINUX"
    if any(GNU_LINUX_ABI_NOTE in s.data for s in program.segments):
        return "it carries glibc's Linux ABI note"
    if any(GO_BUILDINFO_MAGIC in s.data for s in program.segments):
        return "it carries Go's build information"
    return None


PROFILES = {p.name: p for p in (
    Profile("zkaot", {32: ZKAOT, 64: ZKAOT}, {32: MemoryMap(), 64: MemoryMap()}, True,
            "the bytes written to fd 3", _zkaot_recognise),
    Profile("sp1", SP1, VENDOR_MAPS, False,
            "the bytes written to fd 13 (SP1 >= v4's public values)", _vendor_recognise("sp1_zkvm", "sp1_lib")),
    Profile("sp1-v3", SP1_V3, {32: VENDOR_MAPS[32]}, False,
            "the bytes written to fd 3 (SP1 before v4)", _named_only),
    Profile("pico", PICO, VENDOR_MAPS, False,
            "the bytes written to fd 3", _vendor_recognise("pico_sdk", "pico_vm")),
    Profile("risc0", RISC0, {32: RISC0_MAP}, False,
            "the journal (SYS_WRITE to fd 3)", _vendor_recognise("risc0_zkvm")),
    Profile("openvm", OPENVM, {32: OPENVM_MAP}, False,
            "the 32 public-value bytes that REVEAL writes", _vendor_recognise("openvm")),
    Profile("zisk", ZISK, {64: CURRENT.memory_map(softfp.ZISK.block_page)}, True,
            "the 64 u32 output slots at 0xa0410000 (256 bytes), at exit", _zisk_recognise, records),
    Profile("zisk-legacy", ZISK_LEGACY, {64: LEGACY.memory_map()}, True,
            "the 64 u32 output slots at 0xa0010000 (256 bytes), at exit", _named_only, _one_frame),
    Profile("airbender", {32: AIRBENDER}, {32: AIRBENDER_MAP}, False,
            "x10..x17 when the guest jumps to itself (8 u32, 32 bytes)", _named_only, raw_base=0),
    Profile("ceno", CENO, {32: CENO_MAP}, True,
            "the 32-byte digests PUB_IO_COMMIT publishes, in order", _ceno_recognise, ceno_hints),
    Profile("linux", {64: linux_calls()}, {64: LINUX_MAP}, False,
            "the bytes written to stdout (fd 1)", _linux_recognise),
)}

ZKAOT_PROFILE = PROFILES["zkaot"]
