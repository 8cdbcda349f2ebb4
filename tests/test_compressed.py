"""The C extension's rows (runtime/compressed.py) against GNU objdump, an independent decoder:
every one of the 65,536 halfwords, for rv64 and rv32, decodes or is illegal as objdump says
(but for the reserved encodings objdump lets through, named below), and expands to the
32-bit word whose objdump text is objdump's reading of the halfword, spelled expanded."""
import re
import shutil
import subprocess

import numpy as np
import pytest

from runtime.compressed import COMPRESSED, decode_stream, expansions
from translator.decoder import IllegalInstruction, decode

OBJDUMP = shutil.which("riscv64-linux-gnu-objdump")
needs_objdump = pytest.mark.skipif(OBJDUMP is None, reason="riscv64-linux-gnu-objdump (binutils) is not installed")

# objdump's compressed text -> the expanded instruction's text: the mnemonic and how the
# operands it prints become the expansion's (r: the register it names twice)
_SAME = {"c.addi4spn": "addi", "c.fld": "fld", "c.fldsp": "fld", "c.lw": "lw", "c.lwsp": "lw", "c.ld": "ld",
         "c.ldsp": "ld", "c.flw": "flw", "c.flwsp": "flw", "c.fsd": "fsd", "c.fsdsp": "fsd", "c.sw": "sw",
         "c.swsp": "sw", "c.sd": "sd", "c.sdsp": "sd", "c.fsw": "fsw", "c.fswsp": "fsw", "c.lui": "lui"}
_TWICE = {"c.addi": "addi", "c.addiw": "addiw", "c.slli": "slli", "c.srli": "srli", "c.srai": "srai",
          "c.andi": "andi", "c.sub": "sub", "c.xor": "xor", "c.or": "or", "c.and": "and", "c.subw": "subw",
          "c.addw": "addw", "c.add": "add", "c.addi16sp": "addi"}
_SPECIAL = {
    "c.nop": lambda ops: f"addi zero,zero,{ops[0] if ops else 0}",
    "c.li": lambda ops: f"addi {ops[0]},zero,{ops[1]}",
    "c.mv": lambda ops: f"add {ops[0]},zero,{ops[1]}",
    "c.slli64": lambda ops: f"slli {ops[0]},{ops[0]},0x0",
    "c.srli64": lambda ops: f"srli {ops[0]},{ops[0]},0x0",
    "c.srai64": lambda ops: f"srai {ops[0]},{ops[0]},0x0",
    "c.jr": lambda ops: f"jalr zero,0({ops[0]})",
    "c.jalr": lambda ops: f"jalr ra,0({ops[0]})",
    "c.ebreak": lambda ops: "ebreak",
    "c.j": lambda ops: f"jal zero,{ops[0]}",
    "c.jal": lambda ops: f"jal ra,{ops[0]}",
    "c.beqz": lambda ops: f"beq {ops[0]},zero,{ops[1]}",
    "c.bnez": lambda ops: f"bne {ops[0]},zero,{ops[1]}",
}
# What objdump decodes and the spec reserves: c.addi16sp with nzimm 0 (both widths), and on
# rv32 the shifts by 32 or more (shamt[5] = 1, designated for custom extensions)
_RESERVED = {64: {0x6101}, 32: {0x6101}}
_RV32_WIDE_SHIFT = [(0xF003, 0x1002), (0xFC03, 0x9001), (0xFC03, 0x9401)]      # (mask, match)


def _objdump(data: bytes, xlen: int, path) -> dict[int, str]:
    """objdump's text (no aliases, comments dropped, one space after the mnemonic) by address."""
    path.write_bytes(data)
    out = subprocess.run([OBJDUMP, "-D", "-b", "binary", "-m", f"riscv:rv{xlen}", "-M", "no-aliases", str(path)],
                         capture_output=True, check=True).stdout.decode()
    found = re.findall(r"^\s*([0-9a-f]+):\s+[0-9a-f]+\s+([^#\n]*)", out, re.M)
    return {int(address, 16): " ".join(text.split()) for address, text in found}


def _expanded(text: str) -> str | None:
    """objdump's compressed instruction as its expansion's text; None for no instruction."""
    name, _, rest = text.partition(" ")
    ops = rest.split(",") if rest else []
    if name in _SAME:
        return f"{_SAME[name]} {rest}"
    if name in _TWICE:
        return f"{_TWICE[name]} {ops[0]},{','.join([ops[0], *ops[1:]])}"
    return _SPECIAL[name](ops) if name in _SPECIAL else None


def _reserved(xlen: int) -> np.ndarray:
    halfwords = np.arange(1 << 16)
    reserved = np.isin(halfwords, list(_RESERVED[xlen]))
    if xlen == 32:
        for mask, match in _RV32_WIDE_SHIFT:
            reserved |= (halfwords & mask) == match
    return reserved


@needs_objdump
@pytest.mark.parametrize("xlen", [64, 32])
def test_every_halfword_decodes_as_objdump_reads_it_and_expands_to_its_32_bit_equivalent(xlen, tmp_path):
    halfwords = np.arange(1 << 16, dtype=np.uint32)
    compressed = halfwords & 3 != 3
    # each halfword at 4k, a c.nop after it (a 32-bit first half is replaced: it is no C instruction)
    image = np.stack([np.where(compressed, halfwords, 1), np.ones_like(halfwords)], axis=1).astype("<u2")
    theirs = _objdump(image.tobytes(), xlen, tmp_path / "halfwords.bin")
    ours = expansions(xlen)
    expanded = _objdump(ours.astype("<u4").tobytes(), xlen, tmp_path / "expansions.bin")
    reserved = _reserved(xlen)
    for h in np.flatnonzero(compressed).tolist():
        want = None if reserved[h] else _expanded(theirs[4 * h])
        got = expanded[4 * h] if ours[h] else None
        assert got == want, f"0x{h:04x}: objdump reads {theirs[4 * h]!r}, it expands to {got!r}"


def test_the_reserved_encodings_the_spec_names_are_illegal():
    rv64 = expansions(64)
    for h in (0x0000,           # the all-zero halfword (c.addi4spn, imm 0)
              0x0008,           # c.addi4spn s0, sp, 0
              0x4002,           # c.lwsp x0
              0x6002,           # c.ldsp x0
              0x8002,           # c.jr x0
              0x2001,           # c.addiw x0 (rv64)
              0x6101,           # c.addi16sp sp, 0
              0x6081,           # c.lui ra, 0
              0x9C41):          # 100 1 11 .. 10: reserved arithmetic
        assert rv64[h] == 0, f"0x{h:04x}"
    assert expansions(32)[0x1002] == 0          # c.slli by 32 on rv32


def test_a_compressed_instruction_decodes_to_its_expansion_with_length_2():
    ins = decode(0x0505, 64, frozenset({COMPRESSED}))           # c.addi a0, 1
    assert (ins.name, ins.rd, ins.rs1, ins.imm, ins.length, ins.word) == ("addi", 10, 10, 1, 2, 0x0505)
    assert decode(0x00150513, 64, frozenset({COMPRESSED})).length == 4


def test_without_the_extension_a_compressed_word_keeps_todays_message():
    with pytest.raises(IllegalInstruction, match="is a compressed \\(C extension\\) encoding, not supported"):
        decode(0x0505, 64)


def test_c_fld_and_c_fsd_expand_to_words_that_are_illegal_until_f_and_d_decode():
    assert expansions(64)[0x2000] == 0x00043407      # c.fld fs0, 0(s0) -> fld fs0, 0(s0)
    assert expansions(64)[0xA002] == 0x00013027      # c.fsdsp ft0, 0(sp) -> fsd ft0, 0(sp)
    with pytest.raises(IllegalInstruction):
        decode(0x2000, 64, frozenset({COMPRESSED}))


def test_a_stream_decodes_an_instruction_at_every_halfword_and_a_cut_off_32_bit_one_is_illegal():
    stream = np.array([0x0505, 0x0513, 0x0015, 0x0513], np.uint16)     # c.addi; addi a0,a0,1; half of one
    decoded = decode_stream(stream, 64, frozenset({COMPRESSED}))
    assert [int(op) for op in decoded["op"][[0, 1]]] == [decode(0x0505, 64, frozenset({"c"})).opcode.id] * 2
    assert decoded["imm"][1] == 1 and decoded["op"][3] == -1
