"""Load a guest ELF into a memory image that the later stages can trust.

Every check the guest ABI asks for happens here, once: the interpreter and the
translator may then assume segments inside RAM, no overlaps, no writable code and an
entry point in code.  Input of any shape either loads or raises ElfError with a
one-line message: before pyelftools is asked about a table, the table is checked to
lie inside the file, so corrupt counts and offsets cannot make it read garbage,
loop for ages or raise something unexpected.
"""
from __future__ import annotations

import hashlib
import io
import os
import struct
from bisect import bisect_right
from contextlib import contextmanager
from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING

import numpy as np

from runtime.files import read_limited
from runtime.memory_map import MemoryMap
from runtime.profiles import PROFILES
from runtime.program_image import ProgramImage, Segment

if TYPE_CHECKING:        # pyelftools is imported when an ELF is read: `zkaot verify` reads none (0.15 s)
    from elftools.elf.elffile import ELFFile

ELF_MAGIC = b"\x7fELF"
ELFCLASS32, ELFCLASS64 = 1, 2
ELFDATA2LSB, ELFDATA2MSB = 1, 2
ET_EXEC, ET_DYN = 2, 3
EM_RISCV = 0xF3
PF_X, PF_W, PF_R = 1, 2, 4

_EHDR_SIZE = {32: 52, 64: 64}
_PHDR_SIZE = {32: 32, 64: 56}
_SHDR_SIZE = {32: 40, 64: 64}
_SYM_SIZE = {32: 16, 64: 24}

# The loadable bytes must fit in RAM (below 4 GiB, 128 MiB by default); the rest is
# symbols and debug info.  Real guests are kilobytes to megabytes.
MAX_ELF_BYTES = 1 << 30

# Symbols that name no code or data: RISC-V mapping symbols ($x, $d) and local labels.
_IGNORED_PREFIXES = ("$", ".L")
STT_NOTYPE, STT_OBJECT, STT_FUNC = 0, 1, 2
_SYMBOL_KINDS = (STT_FUNC, STT_OBJECT, STT_NOTYPE)
STB_LOCAL, SHN_UNDEF = 0, 0
_SYM_DTYPE = {64: np.dtype([("name", "<u4"), ("info", "u1"), ("other", "u1"), ("shndx", "<u2"), ("value", "<u8"),
                            ("size", "<u8")]),
              32: np.dtype([("name", "<u4"), ("value", "<u4"), ("size", "<u4"), ("info", "u1"), ("other", "u1"),
                            ("shndx", "<u2")])}


class ElfError(ValueError):
    """A guest file that cannot be run; str() is "<file name>: <problem>" on one line."""


@dataclass(frozen=True)
class Program:
    """A checked guest image; symbols only serve people (profiles, errors), sha256 keys caches."""
    name: str
    xlen: int
    entry: int
    segments: tuple[Segment, ...]
    symbols: dict[str, int]
    functions: tuple[tuple[int, int, str], ...]
    sha256: str
    self_loop_halts: bool = False       # a jump to itself ends the run (Airbender's raw binaries)
    float_lowering: object = None       # runtime.softfp.Placement of the soft-float library it holds (fp_sites)
    compressed: bool = False            # its profile takes the C extension: code is cut in 2-byte slots

    def code_ranges(self) -> list[tuple[int, int]]:
        return [(s.vaddr, s.end) for s in self.segments if s.executable]

    def image(self, memory_map: MemoryMap | None = None, profile: str = "zkaot") -> ProgramImage:
        """What the prover takes of this program, run under `profile` in `memory_map`
        (default: the profile's map for this xlen)."""
        memory_map = memory_map or PROFILES[profile].maps[self.xlen]
        return ProgramImage(self.name, self.xlen, self.entry, self.segments, memory_map, profile)

    def symbol_at(self, addr: int) -> str | None:
        """Name a code address for profiles and error messages, e.g. "memcpy+0x10".

        Hand-written assembly often has labels without a size; such a label is taken
        to extend to the next function or the end of its code segment.
        """
        i = bisect_right(self.functions, addr, key=itemgetter(0)) - 1
        if i < 0:
            return None
        start, size, name = self.functions[i]   # among aliases: the largest size
        if size:
            end = start + size
        else:
            end = next(hi for lo, hi in self.code_ranges() if lo <= start < hi)
            if i + 1 < len(self.functions):
                end = min(end, self.functions[i + 1][0])
        if addr >= end:
            return None
        return name if addr == start else f"{name}+0x{addr - start:x}"


def load_elf(source: str | os.PathLike | bytes, memory_map: MemoryMap = MemoryMap(),
             name: str | None = None, compressed: bool = False) -> Program:
    """Read, check and lay out a guest executable; `name` labels error messages.  `compressed`: for
    a profile that takes the C extension, whose entry may be on a 2-byte boundary."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data, name = bytes(source), name or "<bytes>"
    else:
        name = name or os.fsdecode(source)
        data = read_elf(source, name)
    return _Loader(data, name, memory_map, compressed).load()


def read_elf(path: str | os.PathLike, name: str) -> bytes:
    """An ELF file's bytes (at most MAX_ELF_BYTES); ElfError naming it when it cannot be read."""
    try:
        return read_limited(path, MAX_ELF_BYTES)
    except OSError as e:
        raise ElfError(f"{name}: cannot read file: {e.strerror or e}") from None


def _flags(flags: int) -> str:
    return "".join(c if flags & bit else "-" for c, bit in (("R", PF_R), ("W", PF_W), ("X", PF_X)))


def _enum(parsed: str | int, raw: int) -> str:
    """pyelftools names the values it knows and leaves the others as numbers."""
    return f"{parsed} (0x{raw:x})" if isinstance(parsed, str) else f"0x{raw:x}"


def _span(lo: int, hi: int) -> str:
    return f"[0x{lo:x}, 0x{hi:x})"


class _Loader:
    def __init__(self, data: bytes, name: str, memory_map: MemoryMap, compressed: bool = False):
        self.data = data
        self.name = name
        self.map = memory_map
        self.alignment = 2 if compressed else 4

    def error(self, problem: str) -> ElfError:
        return ElfError(f"{self.name}: {problem}")

    @contextmanager
    def parsing(self, what: str):
        """pyelftools reports malformed input through a grab bag of exception types."""
        from elftools.common.exceptions import ELFError
        try:
            yield
        except ElfError:
            raise
        except (ELFError, ValueError, OverflowError, struct.error) as e:
            detail = " ".join(str(e).split()) or type(e).__name__
            raise self.error(f"malformed {what}: {detail}") from None

    def check_fits(self, what: str, offset: int, size: int) -> None:
        if offset + size > len(self.data):
            raise self.error(f"truncated: {what} at file offset {_span(offset, offset + size)} "
                             f"extends past the end of the file (0x{len(self.data):x} bytes)")

    def load(self) -> Program:
        from elftools.elf.elffile import ELFFile
        xlen = self.check_ident()
        with self.parsing("ELF header"):
            elf = ELFFile(io.BytesIO(self.data))
        self.check_machine_and_type(elf)
        segments = self.load_segments(elf, xlen)
        entry = elf["e_entry"]
        self.check_entry(entry, segments)
        code = [(s.vaddr, s.end) for s in segments if s.executable]
        symbols, functions = self.read_symbols(elf, xlen, code)
        return Program(name=self.name, xlen=xlen, entry=entry, segments=segments,
                       symbols=symbols, functions=functions,
                       sha256=hashlib.sha256(self.data).hexdigest())

    def check_ident(self) -> int:
        """Checked by hand so that foreign files get a precise message rather than a parse error."""
        data = self.data
        if data[:4] != ELF_MAGIC:
            found = data[:4].hex(" ") or "missing (empty file)"
            raise self.error(f"not an ELF file: magic bytes {found}, expected 7f 45 4c 46")
        self.check_fits("ELF identification", 0, 16)
        ei_class, ei_data = data[4], data[5]
        if ei_class not in (ELFCLASS32, ELFCLASS64):
            raise self.error(f"unsupported ELF class 0x{ei_class:x}: expected ELFCLASS32 (0x1) "
                             f"or ELFCLASS64 (0x2)")
        if ei_data == ELFDATA2MSB:
            raise self.error("big-endian ELF (ELFDATA2MSB, 0x2) is not supported: "
                             "RISC-V guests are little-endian (ELFDATA2LSB)")
        if ei_data != ELFDATA2LSB:
            raise self.error(f"invalid ELF data encoding 0x{ei_data:x}: expected ELFDATA2LSB (0x1)")
        xlen = 32 if ei_class == ELFCLASS32 else 64
        self.check_fits(f"ELF{xlen} header", 0, _EHDR_SIZE[xlen])
        return xlen

    def check_machine_and_type(self, elf: ELFFile) -> None:
        e_type, e_machine = struct.unpack_from("<HH", self.data, 16)
        if e_machine != EM_RISCV:
            raise self.error(f"wrong machine {_enum(elf['e_machine'], e_machine)}: "
                             f"expected EM_RISCV (0xf3)")
        if e_type == ET_DYN:
            raise self.error("position-independent executable or shared object (ET_DYN, 0x3) "
                             "is not supported: link with -static -no-pie")
        if e_type != ET_EXEC:
            raise self.error(f"unsupported ELF type {_enum(elf['e_type'], e_type)}: "
                             f"expected an executable (ET_EXEC, 0x2)")

    def load_segments(self, elf: ELFFile, xlen: int) -> tuple[Segment, ...]:
        with self.parsing("program header table"):
            count = elf.num_segments()   # the extended count (PN_XNUM) lives in section 0
        phoff, phentsize = elf["e_phoff"], elf["e_phentsize"]
        if count and phentsize < _PHDR_SIZE[xlen]:
            raise self.error(f"malformed program header table: e_phentsize 0x{phentsize:x} is "
                             f"smaller than an ELF{xlen} program header (0x{_PHDR_SIZE[xlen]:x})")
        self.check_fits("program header table", phoff, count * phentsize)
        segments = []
        for i in range(count):
            offset = phoff + i * phentsize
            with self.parsing(f"program header {i}"):
                ph = elf.structs.Elf_Phdr.parse(self.data[offset:offset + _PHDR_SIZE[xlen]])
            if ph.p_type == "PT_LOAD":
                segment = self.load_segment(i, ph)
                if segment is not None:
                    segments.append(segment)
        if not segments:
            raise self.error("no loadable segments: no PT_LOAD program header with p_memsz > 0")
        segments.sort(key=lambda s: s.vaddr)
        for a, b in zip(segments, segments[1:]):
            if b.vaddr < a.end:
                raise self.error(f"PT_LOAD segments overlap: {_span(a.vaddr, a.end)} "
                                 f"and {_span(b.vaddr, b.end)}")
        return tuple(segments)

    def load_segment(self, index: int, ph) -> Segment | None:
        vaddr, memsz, filesz, flags = ph.p_vaddr, ph.p_memsz, ph.p_filesz, ph.p_flags
        what = f"PT_LOAD segment {index} {_span(vaddr, vaddr + memsz)} ({_flags(flags)})"
        if filesz > memsz:
            raise self.error(f"{what}: p_filesz 0x{filesz:x} exceeds p_memsz 0x{memsz:x}")
        if memsz == 0:
            return None
        self.check_fits(f"data of {what}", ph.p_offset, filesz)
        if flags & PF_W and flags & PF_X:
            raise self.error(f"{what} is both writable and executable")
        if not self.map.in_ram(vaddr, vaddr + memsz):
            hole = next((name for lo, hi, name in self.map.holes if vaddr < hi and lo < vaddr + memsz), None)
            raise self.error(f"{what} lies in {hole}" if hole else
                             f"{what} lies outside RAM {_span(self.map.ram_base, self.map.ram_end)}")
        guard_lo, guard_hi = self.map.stack_guard
        if vaddr < guard_hi and guard_lo < vaddr + memsz:
            raise self.error(f"{what} overlaps the stack guard page {_span(guard_lo, guard_hi)}")
        if memsz > MAX_ELF_BYTES:        # a vendor's map is large: its image is still made of bytes here
            raise self.error(f"{what} is larger than the 0x{MAX_ELF_BYTES:x} bytes zkaot loads")
        data = self.data[ph.p_offset:ph.p_offset + filesz] + bytes(memsz - filesz)
        return Segment(vaddr, data, readable=bool(flags & PF_R), writable=bool(flags & PF_W),
                       executable=bool(flags & PF_X))

    def check_entry(self, entry: int, segments: tuple[Segment, ...]) -> None:
        if entry % self.alignment:
            raise self.error(f"entry point 0x{entry:x} is not {self.alignment}-byte aligned")
        code = [s for s in segments if s.executable]
        if not any(s.vaddr <= entry < s.end for s in code):
            where = ", ".join(_span(s.vaddr, s.end) for s in code) or "none"
            raise self.error(f"entry point 0x{entry:x} is outside every executable segment "
                             f"(executable segments: {where})")

    def read_symbols(self, elf: ELFFile, xlen: int, code: list[tuple[int, int]]
                     ) -> tuple[dict[str, int], tuple[tuple[int, int, str], ...]]:
        """Symbols only name things for people (profiles, errors); a stripped file has none."""
        if elf["e_shoff"] == 0:
            return {}, ()
        with self.parsing("section header table"):
            count = elf.num_sections()   # the extended count (e_shnum == 0) lives in section 0
        shentsize = elf["e_shentsize"]
        if count and shentsize < _SHDR_SIZE[xlen]:
            raise self.error(f"malformed section header table: e_shentsize 0x{shentsize:x} is "
                             f"smaller than an ELF{xlen} section header (0x{_SHDR_SIZE[xlen]:x})")
        self.check_fits("section header table", elf["e_shoff"], count * shentsize)
        symbols: dict[str, int] = {}
        functions = set()
        with self.parsing("symbol table"):
            for symtab in elf.iter_sections("SHT_SYMTAB"):
                if symtab["sh_entsize"] != _SYM_SIZE[xlen]:
                    raise self.error(f"malformed symbol table: sh_entsize 0x{symtab['sh_entsize']:x}, "
                                     f"expected 0x{_SYM_SIZE[xlen]:x}")
                self.check_fits("symbol table", symtab["sh_offset"], symtab["sh_size"])
                strings = elf.get_section(symtab["sh_link"]).data()
                for name_at, info, addr, size in _defined_symbols(symtab.data(), xlen):
                    name = _string(strings, name_at)
                    if not name or name.startswith(_IGNORED_PREFIXES):
                        continue
                    if info >> 4 != STB_LOCAL or name not in symbols:   # globals win
                        symbols[name] = addr
                    if info & 0xF != STT_OBJECT and any(lo <= addr < hi for lo, hi in code):
                        functions.add((addr, size, name))
        return symbols, tuple(sorted(functions))


def _defined_symbols(table: bytes, xlen: int) -> list[tuple[int, int, int, int]]:
    """(name offset, st_info, value, size) of the symbols of a kind we keep that are defined somewhere,
    read as one array: a large program has tens of thousands of symbols (local labels among them),
    and parsing them one by one took a second of a cold start."""
    entries = np.frombuffer(table, _SYM_DTYPE[xlen], len(table) // _SYM_SIZE[xlen])
    keep = np.isin(entries["info"] & 0xF, _SYMBOL_KINDS) & (entries["shndx"] != SHN_UNDEF)
    kept = entries[keep]
    return list(zip(kept["name"].tolist(), kept["info"].tolist(), kept["value"].tolist(), kept["size"].tolist()))


def _string(strings: bytes, offset: int) -> str:
    """The NUL-terminated name at offset in a string table ('' outside it), as pyelftools decodes it."""
    end = strings.find(b"\0", offset)
    return strings[offset: end if end >= 0 else len(strings)].decode("utf-8", errors="replace")
