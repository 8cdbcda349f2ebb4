"""ELF loading: what a well-formed guest turns into, and a clear one-line error for each
way a file can be unfit to run."""
import hashlib
import struct

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from elf_factory import (ECALL, EM_X86_64, ET_DYN, ET_REL, NOP, PF_R, PF_W, PF_X, PT_GNU_STACK,
                         PT_NOTE, PT_RISCV_ATTRIBUTES, SHT_SYMTAB, STB_LOCAL, STT_FILE, STT_NOTYPE,
                         STT_OBJECT, Seg, Sym, build_elf)
from runtime.memory_map import MemoryMap
from translator.elf import ElfError, load_elf

CODE_ADDR = 0x8000_0000
DATA_ADDR = 0x8000_1000
CODE = NOP * 3 + ECALL
E_PHOFF64 = 0x20


def text(data=CODE, vaddr=CODE_ADDR):
    return Seg(vaddr, PF_R | PF_X, data)


def data_seg(data=b"\x01\x02\x03", memsz=0x20, vaddr=DATA_ADDR):
    return Seg(vaddr, PF_R | PF_W, data, memsz)


def rejected(elf: bytes, *phrases: str, memory_map: MemoryMap = MemoryMap()) -> str:
    with pytest.raises(ElfError) as info:
        load_elf(elf, memory_map, name="guest.elf")
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("guest.elf: ")
    for phrase in phrases:
        assert phrase in message
    return message


def test_rv64_executable_loads():
    elf = build_elf([text(), data_seg()], entry=CODE_ADDR + 4)
    program = load_elf(elf, name="guest.elf")
    assert (program.name, program.xlen, program.entry) == ("guest.elf", 64, CODE_ADDR + 4)
    code, data = program.segments
    assert (code.vaddr, code.data, code.end) == (CODE_ADDR, CODE, CODE_ADDR + 16)
    assert (code.readable, code.writable, code.executable) == (True, False, True)
    assert (data.readable, data.writable, data.executable) == (True, True, False)
    assert data.data == b"\x01\x02\x03" + bytes(0x1D)
    assert program.code_ranges() == [(CODE_ADDR, CODE_ADDR + 16)]
    assert program.sha256 == hashlib.sha256(elf).hexdigest()


def test_rv32_executable_loads():
    program = load_elf(build_elf([text(), data_seg()], elfclass=32))
    assert (program.xlen, program.entry, program.name) == (32, CODE_ADDR, "<bytes>")
    assert [(s.vaddr, len(s.data)) for s in program.segments] == [(CODE_ADDR, 16), (DATA_ADDR, 0x20)]


def test_loads_from_a_path_and_names_the_file(tmp_path):
    path = tmp_path / "guest.elf"
    path.write_bytes(build_elf([text()]))
    assert load_elf(path).name == str(path)
    assert load_elf(str(path)).entry == CODE_ADDR


def test_segments_are_sorted_by_address():
    program = load_elf(build_elf([data_seg(), text()]))
    assert [s.vaddr for s in program.segments] == [CODE_ADDR, DATA_ADDR]


def test_zero_size_load_segment_is_skipped():
    program = load_elf(build_elf([text(), Seg(0x10, PF_R | PF_W, b"", 0)]))
    assert [s.vaddr for s in program.segments] == [CODE_ADDR]


def test_non_load_headers_are_skipped():
    elf = build_elf([Seg(0, PF_R, b"Riscv", p_type=PT_RISCV_ATTRIBUTES), text(),
                     Seg(0, PF_R | PF_W | PF_X, p_type=PT_GNU_STACK),
                     Seg(0x10, PF_R, b"note", p_type=PT_NOTE)])
    assert [s.vaddr for s in load_elf(elf).segments] == [CODE_ADDR]


SYMBOLS = [
    Sym("_start", CODE_ADDR, 8),
    Sym("loop", CODE_ADDR + 8, kind=STT_NOTYPE, bind=STB_LOCAL),
    Sym("counter", DATA_ADDR, 4, kind=STT_OBJECT),
    Sym("_heap_start", DATA_ADDR + 0x20, kind=STT_NOTYPE),
    Sym("helper", CODE_ADDR + 8, kind=STT_OBJECT, bind=STB_LOCAL),
    Sym("$x", CODE_ADDR, kind=STT_NOTYPE, bind=STB_LOCAL),
    Sym(".L0", CODE_ADDR + 4, kind=STT_NOTYPE, bind=STB_LOCAL),
    Sym("g.c", 0, kind=STT_FILE, bind=STB_LOCAL),
    Sym("undefined_weak", 0, shndx=0),
]


@pytest.mark.parametrize("elfclass", [32, 64])
def test_symbols_are_read(elfclass):
    program = load_elf(build_elf([text(), data_seg()], elfclass=elfclass, symbols=SYMBOLS))
    assert program.symbols == {"_start": CODE_ADDR, "loop": CODE_ADDR + 8, "counter": DATA_ADDR,
                               "_heap_start": DATA_ADDR + 0x20, "helper": CODE_ADDR + 8}
    assert program.functions == ((CODE_ADDR, 8, "_start"), (CODE_ADDR + 8, 0, "loop"))


def test_global_symbol_wins_over_a_local_of_the_same_name():
    symbols = [Sym("f", CODE_ADDR + 4, bind=STB_LOCAL), Sym("f", CODE_ADDR)]
    assert load_elf(build_elf([text()], symbols=symbols)).symbols == {"f": CODE_ADDR}


def test_stripped_file_has_no_symbols():
    program = load_elf(build_elf([text()]))
    assert (program.symbols, program.functions) == ({}, ())


def test_symbol_at_names_the_function_and_offset():
    program = load_elf(build_elf([text(), data_seg()], symbols=SYMBOLS))
    assert program.symbol_at(CODE_ADDR) == "_start"
    assert program.symbol_at(CODE_ADDR + 4) == "_start+0x4"
    assert program.symbol_at(CODE_ADDR + 12) == "loop+0x4"      # a label runs to the segment end
    assert program.symbol_at(CODE_ADDR + 16) is None
    assert program.symbol_at(CODE_ADDR - 4) is None


def test_symbol_at_is_none_past_a_sized_function():
    program = load_elf(build_elf([text()], symbols=[Sym("f", CODE_ADDR, 4)]))
    assert program.symbol_at(CODE_ADDR + 4) is None


def test_missing_file_is_rejected(tmp_path):
    path = tmp_path / "missing.elf"
    with pytest.raises(ElfError, match="cannot read file") as info:
        load_elf(path)
    assert str(info.value).startswith(f"{path}: ")


def test_non_elf_file_is_rejected():
    rejected(b"#!/bin/sh\necho hi\n", "not an ELF file", "23 21 2f 62")


def test_empty_file_is_rejected():
    rejected(b"", "not an ELF file", "empty")


def test_truncated_header_is_rejected():
    rejected(build_elf([text()])[:40], "truncated", "ELF64 header", "0x28 bytes")


def test_truncated_program_header_table_is_rejected():
    rejected(build_elf([text(), data_seg()])[:64 + 56 + 10], "truncated", "program header table")


def test_truncated_segment_data_is_rejected():
    elf = build_elf([text(NOP * 64)])
    rejected(elf[:len(elf) - 8], "truncated", "PT_LOAD segment 0", "past the end of the file")


def test_unknown_class_is_rejected():
    elf = bytearray(build_elf([text()]))
    elf[4] = 3
    rejected(bytes(elf), "unsupported ELF class 0x3")


def test_big_endian_is_rejected():
    rejected(build_elf([text()], little_endian=False), "big-endian")


def test_wrong_machine_is_rejected_by_name():
    rejected(build_elf([text()], machine=EM_X86_64), "wrong machine EM_X86_64 (0x3e)", "EM_RISCV")


def test_position_independent_executable_is_rejected():
    rejected(build_elf([text()], e_type=ET_DYN), "ET_DYN", "-static -no-pie")


def test_relocatable_object_is_rejected():
    rejected(build_elf([text()], e_type=ET_REL), "unsupported ELF type ET_REL (0x1)")


def test_writable_executable_segment_is_rejected():
    rejected(build_elf([Seg(CODE_ADDR, PF_R | PF_W | PF_X, CODE)]),
             "both writable and executable", "0x80000000")


def test_overlapping_segments_are_rejected():
    elf = build_elf([text(NOP * 0x400), data_seg(vaddr=CODE_ADDR + 0xFF0)])
    rejected(elf, "overlap", "[0x80000000, 0x80001000)", "[0x80000ff0, 0x80001010)")


def test_file_size_beyond_memory_size_is_rejected():
    rejected(build_elf([text(), data_seg(b"\x01" * 8, memsz=4)]),
             "p_filesz 0x8 exceeds p_memsz 0x4")


def test_misaligned_entry_is_rejected():
    rejected(build_elf([text()], entry=CODE_ADDR + 2), "entry point 0x80000002 is not 4-byte aligned")


def test_entry_outside_code_is_rejected():
    rejected(build_elf([text(), data_seg()], entry=DATA_ADDR),
             "entry point 0x80001000 is outside every executable segment", "[0x80000000, 0x80000010)")


def test_segment_below_ram_is_rejected():
    rejected(build_elf([text(vaddr=0x1000)]), "outside RAM", "[0x80000000, 0x88000000)")


def test_segment_past_ram_end_is_rejected():
    rejected(build_elf([text(), data_seg(memsz=0x10, vaddr=0x87FF_FFF8)]), "outside RAM", "0x88000008")


def test_segment_over_the_stack_guard_is_rejected():
    guard_lo, guard_hi = MemoryMap().stack_guard
    rejected(build_elf([text(), data_seg(vaddr=guard_lo - 0x10)]),
             "overlaps the stack guard page", f"[0x{guard_lo:x}, 0x{guard_hi:x})")


def test_segments_are_checked_against_the_given_memory_map():
    elf = build_elf([text(), data_seg(vaddr=0x8100_0000)])
    load_elf(elf)
    small = MemoryMap(ram_size=0x10_0000, stack_size=0x1000)
    rejected(elf, "outside RAM", "[0x80000000, 0x80100000)", memory_map=small)


def test_file_without_load_segments_is_rejected():
    rejected(build_elf([Seg(0, PF_R | PF_X, CODE, p_type=PT_NOTE)], entry=0), "no loadable segments")


def test_file_with_only_empty_load_segments_is_rejected():
    rejected(build_elf([Seg(CODE_ADDR, PF_R | PF_X, b"", 0)]), "no loadable segments")


def test_program_header_table_past_the_end_is_rejected():
    elf = bytearray(build_elf([text()]))
    struct.pack_into("<Q", elf, E_PHOFF64, 0xFFFF_FFFF_0000)
    rejected(bytes(elf), "truncated", "program header table", "0xffffffff0000")


def test_symbol_table_with_a_bad_entry_size_is_rejected():
    elf = bytearray(build_elf([text()], symbols=[Sym("f", CODE_ADDR)]))
    (shoff,), (shnum,) = struct.unpack_from("<Q", elf, 0x28), struct.unpack_from("<H", elf, 0x3C)
    symtab = next(shoff + 64 * i for i in range(shnum)
                  if struct.unpack_from("<I", elf, shoff + 64 * i + 4)[0] == SHT_SYMTAB)
    struct.pack_into("<Q", elf, symtab + 56, 0x10)     # sh_entsize: an ELF32 symbol
    rejected(bytes(elf), "malformed symbol table", "sh_entsize 0x10, expected 0x18")


VALID_ELVES = [
    build_elf([text(), data_seg()], symbols=SYMBOLS),
    build_elf([text(), data_seg(), Seg(0, PF_R, b"Riscv", p_type=PT_RISCV_ATTRIBUTES)],
              elfclass=32, symbols=SYMBOLS),
]
mutations = st.lists(st.tuples(st.integers(0, 1 << 16), st.binary(min_size=1, max_size=8)),
                     min_size=1, max_size=6)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(VALID_ELVES), mutations, st.none() | st.integers(0, 1 << 16))
def test_mutated_elf_loads_or_raises_elf_error(elf, edits, cut):
    mutated = bytearray(elf)
    for position, replacement in edits:
        position %= len(mutated)
        mutated[position:position + len(replacement)] = replacement
    if cut is not None:
        del mutated[cut % (len(mutated) + 1):]
    try:
        program = load_elf(bytes(mutated), name="fuzz.elf")
    except ElfError as e:
        assert "\n" not in str(e) and str(e).startswith("fuzz.elf: ")
    else:
        assert program.segments and program.entry % 4 == 0
