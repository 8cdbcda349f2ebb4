"""Craft ELF files byte by byte, so that a test can build exactly the (malformed) file it needs.

Layout: ELF header, program headers, segment bytes (8-aligned), then, when symbols are
asked for, one section per segment, .symtab, .strtab, .shstrtab and the section header
table.  Fields are written as given, so nonsense values are possible on purpose.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

EM_X86_64, EM_RISCV = 0x3E, 0xF3
ET_REL, ET_EXEC, ET_DYN = 1, 2, 3
PT_LOAD, PT_NOTE, PT_GNU_STACK, PT_RISCV_ATTRIBUTES = 1, 4, 0x6474E551, 0x70000003
PF_X, PF_W, PF_R = 1, 2, 4
SHT_PROGBITS, SHT_SYMTAB, SHT_STRTAB, SHT_NOBITS = 1, 2, 3, 8
STB_LOCAL, STB_GLOBAL = 0, 1
STT_NOTYPE, STT_OBJECT, STT_FUNC, STT_FILE = 0, 1, 2, 4
SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR = 1, 2, 4
SHN_ABS = 0xFFF1

NOP = (0x13).to_bytes(4, "little")        # addi x0, x0, 0
ECALL = (0x73).to_bytes(4, "little")


@dataclass(frozen=True)
class Seg:
    vaddr: int
    flags: int
    data: bytes = b""
    memsz: int | None = None               # default: len(data)
    p_type: int = PT_LOAD


@dataclass(frozen=True)
class Sym:
    name: str
    value: int
    size: int = 0
    kind: int = STT_FUNC
    bind: int = STB_GLOBAL
    shndx: int | None = None               # default: the section of the segment holding value


def build_elf(segments: list[Seg], *, elfclass: int = 64, little_endian: bool = True,
              machine: int = EM_RISCV, e_type: int = ET_EXEC, entry: int | None = None,
              symbols: list[Sym] | None = None) -> bytes:
    e = "<" if little_endian else ">"
    wide = elfclass == 64
    ehdr_size, phdr_size = (64, 56) if wide else (52, 32)
    shdr_size, sym_size = (64, 24) if wide else (40, 16)
    if entry is None:
        entry = next(s.vaddr for s in segments if s.flags & PF_X)

    out = bytearray(ehdr_size + phdr_size * len(segments))
    offsets = []
    for s in segments:
        out += bytes(-len(out) % 8)
        offsets.append(len(out))
        out += s.data
    for i, (s, offset) in enumerate(zip(segments, offsets)):
        memsz = len(s.data) if s.memsz is None else s.memsz
        fields = (s.p_type, s.flags, offset, s.vaddr, s.vaddr, len(s.data), memsz, 0x1000)
        if wide:
            struct.pack_into(f"{e}IIQQQQQQ", out, ehdr_size + i * phdr_size, *fields)
        else:
            p_type, flags, *rest = fields
            struct.pack_into(f"{e}8I", out, ehdr_size + i * phdr_size, p_type, *rest[:5], flags, 0x1000)

    shoff = shnum = shstrndx = 0
    if symbols is not None:
        shoff, shnum, shstrndx = _append_sections(out, e, wide, segments, offsets, symbols,
                                                  shdr_size, sym_size)

    ident = b"\x7fELF" + bytes([2 if wide else 1, 1 if little_endian else 2, 1]) + bytes(9)
    addr = "Q" if wide else "I"
    struct.pack_into(f"{e}16sHHI{addr}{addr}{addr}IHHHHHH", out, 0, ident, e_type, machine, 1,
                     entry, ehdr_size, shoff, 0, ehdr_size, phdr_size, len(segments),
                     shdr_size, shnum, shstrndx)
    return bytes(out)


def _append_sections(out: bytearray, e: str, wide: bool, segments: list[Seg], offsets: list[int],
                     symbols: list[Sym], shdr_size: int, sym_size: int) -> tuple[int, int, int]:
    """Append .symtab/.strtab/.shstrtab and the section headers; return (shoff, shnum, shstrndx)."""
    shstrtab = bytearray(b"\0")

    def shname(name: str) -> int:
        shstrtab.extend(name.encode() + b"\0")
        return len(shstrtab) - len(name) - 1

    # (name, type, flags, addr, offset, size, link, info, entsize); section 0 is the null section.
    sections = [(0, 0, 0, 0, 0, 0, 0, 0, 0)]
    for i, (s, offset) in enumerate(zip(segments, offsets)):
        flags = SHF_ALLOC | (SHF_WRITE if s.flags & PF_W else 0) | (SHF_EXECINSTR if s.flags & PF_X else 0)
        if s.data:
            sections.append((shname(f".seg{i}"), SHT_PROGBITS, flags, s.vaddr, offset, len(s.data), 0, 0, 0))
        else:
            sections.append((shname(f".seg{i}"), SHT_NOBITS, flags, s.vaddr, offset, s.memsz or 0, 0, 0, 0))

    def section_of(addr: int) -> int:
        for i, s in enumerate(segments):
            if s.vaddr <= addr < s.vaddr + (len(s.data) if s.memsz is None else s.memsz):
                return i + 1
        return SHN_ABS

    strtab = bytearray(b"\0")
    ordered = sorted(symbols, key=lambda s: s.bind != STB_LOCAL)   # locals must come first
    table = bytearray(sym_size)
    for s in ordered:
        name_off = len(strtab)
        strtab += s.name.encode() + b"\0"
        info = (s.bind << 4) | s.kind
        shndx = section_of(s.value) if s.shndx is None else s.shndx
        if wide:
            table += struct.pack(f"{e}IBBHQQ", name_off, info, 0, shndx, s.value, s.size)
        else:
            table += struct.pack(f"{e}IIIBBH", name_off, s.value, s.size, info, 0, shndx)
    first_global = 1 + sum(s.bind == STB_LOCAL for s in ordered)

    symtab_index = len(sections)
    for name, kind, blob, link, info, entsize in (
            (".symtab", SHT_SYMTAB, table, symtab_index + 1, first_global, sym_size),
            (".strtab", SHT_STRTAB, strtab, 0, 0, 0)):
        out += bytes(-len(out) % 8)
        sections.append((shname(name), kind, 0, 0, len(out), len(blob), link, info, entsize))
        out += blob
    name = shname(".shstrtab")
    sections.append((name, SHT_STRTAB, 0, 0, len(out), len(shstrtab), 0, 0, 0))
    out += shstrtab

    out += bytes(-len(out) % 8)
    shoff = len(out)
    for name, kind, flags, addr, offset, size, link, info, entsize in sections:
        if wide:
            out += struct.pack(f"{e}IIQQQQIIQQ", name, kind, flags, addr, offset, size, link, info, 8, entsize)
        else:
            out += struct.pack(f"{e}10I", name, kind, flags, addr, offset, size, link, info, 4, entsize)
    return shoff, len(sections), len(sections) - 1
