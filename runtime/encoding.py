"""The one table of instruction encodings, in the spirit of QEMU's decodetree.

Every other view of the instruction set is derived from TABLE: the decoder
(translator/decoder.py), the disassembler (translator/disasm.py), the test
assembler (translator/assembler.py) and the opcode numbers the traces use.

A row is `name  format  xlen  pattern`.  The pattern spells bits 31..0 (spaces
are ignored): 0 and 1 are fixed bits, '.' bits belong to the format's operands.
xlen is 32, 64 or * for both.  A word that matches no row of its xlen is illegal.
"""
from dataclasses import dataclass

import numpy as np

TABLE_TEXT = """
# ---- RV32I / RV64I --------------------------------------------------------
lui        U      *   .................... ..... 0110111
auipc      U      *   .................... ..... 0010111
jal        J      *   .................... ..... 1101111
jalr       JALR   *   ............ ..... 000 ..... 1100111
beq        B      *   ....... ..... ..... 000 ..... 1100011
bne        B      *   ....... ..... ..... 001 ..... 1100011
blt        B      *   ....... ..... ..... 100 ..... 1100011
bge        B      *   ....... ..... ..... 101 ..... 1100011
bltu       B      *   ....... ..... ..... 110 ..... 1100011
bgeu       B      *   ....... ..... ..... 111 ..... 1100011
lb         LOAD   *   ............ ..... 000 ..... 0000011
lh         LOAD   *   ............ ..... 001 ..... 0000011
lw         LOAD   *   ............ ..... 010 ..... 0000011
ld         LOAD   64  ............ ..... 011 ..... 0000011
lbu        LOAD   *   ............ ..... 100 ..... 0000011
lhu        LOAD   *   ............ ..... 101 ..... 0000011
lwu        LOAD   64  ............ ..... 110 ..... 0000011
sb         S      *   ....... ..... ..... 000 ..... 0100011
sh         S      *   ....... ..... ..... 001 ..... 0100011
sw         S      *   ....... ..... ..... 010 ..... 0100011
sd         S      64  ....... ..... ..... 011 ..... 0100011
addi       I      *   ............ ..... 000 ..... 0010011
slti       I      *   ............ ..... 010 ..... 0010011
sltiu      I      *   ............ ..... 011 ..... 0010011
xori       I      *   ............ ..... 100 ..... 0010011
ori        I      *   ............ ..... 110 ..... 0010011
andi       I      *   ............ ..... 111 ..... 0010011
slli       SHIFT  64  000000 ...... ..... 001 ..... 0010011
srli       SHIFT  64  000000 ...... ..... 101 ..... 0010011
srai       SHIFT  64  010000 ...... ..... 101 ..... 0010011
slli       SHIFT  32  0000000 ..... ..... 001 ..... 0010011
srli       SHIFT  32  0000000 ..... ..... 101 ..... 0010011
srai       SHIFT  32  0100000 ..... ..... 101 ..... 0010011
add        R      *   0000000 ..... ..... 000 ..... 0110011
sub        R      *   0100000 ..... ..... 000 ..... 0110011
sll        R      *   0000000 ..... ..... 001 ..... 0110011
slt        R      *   0000000 ..... ..... 010 ..... 0110011
sltu       R      *   0000000 ..... ..... 011 ..... 0110011
xor        R      *   0000000 ..... ..... 100 ..... 0110011
srl        R      *   0000000 ..... ..... 101 ..... 0110011
sra        R      *   0100000 ..... ..... 101 ..... 0110011
or         R      *   0000000 ..... ..... 110 ..... 0110011
and        R      *   0000000 ..... ..... 111 ..... 0110011
fence      FENCE  *   ............ ..... 000 ..... 0001111
ecall      NONE   *   000000000000 00000 000 00000 1110011
ebreak     NONE   *   000000000001 00000 000 00000 1110011
# ---- RV64I word operations ------------------------------------------------
addiw      I      64  ............ ..... 000 ..... 0011011
slliw      SHIFT  64  0000000 ..... ..... 001 ..... 0011011
srliw      SHIFT  64  0000000 ..... ..... 101 ..... 0011011
sraiw      SHIFT  64  0100000 ..... ..... 101 ..... 0011011
addw       R      64  0000000 ..... ..... 000 ..... 0111011
subw       R      64  0100000 ..... ..... 000 ..... 0111011
sllw       R      64  0000000 ..... ..... 001 ..... 0111011
srlw       R      64  0000000 ..... ..... 101 ..... 0111011
sraw       R      64  0100000 ..... ..... 101 ..... 0111011
# ---- M ----------------------------------------------------------------------
mul        R      *   0000001 ..... ..... 000 ..... 0110011
mulh       R      *   0000001 ..... ..... 001 ..... 0110011
mulhsu     R      *   0000001 ..... ..... 010 ..... 0110011
mulhu      R      *   0000001 ..... ..... 011 ..... 0110011
div        R      *   0000001 ..... ..... 100 ..... 0110011
divu       R      *   0000001 ..... ..... 101 ..... 0110011
rem        R      *   0000001 ..... ..... 110 ..... 0110011
remu       R      *   0000001 ..... ..... 111 ..... 0110011
mulw       R      64  0000001 ..... ..... 000 ..... 0111011
divw       R      64  0000001 ..... ..... 100 ..... 0111011
divuw      R      64  0000001 ..... ..... 101 ..... 0111011
remw       R      64  0000001 ..... ..... 110 ..... 0111011
remuw      R      64  0000001 ..... ..... 111 ..... 0111011
# ---- A (single hart) ------------------------------------------------------
lr.w       LR     *   00010 .. 00000 ..... 010 ..... 0101111
sc.w       AMO    *   00011 .. ..... ..... 010 ..... 0101111
amoswap.w  AMO    *   00001 .. ..... ..... 010 ..... 0101111
amoadd.w   AMO    *   00000 .. ..... ..... 010 ..... 0101111
amoxor.w   AMO    *   00100 .. ..... ..... 010 ..... 0101111
amoand.w   AMO    *   01100 .. ..... ..... 010 ..... 0101111
amoor.w    AMO    *   01000 .. ..... ..... 010 ..... 0101111
amomin.w   AMO    *   10000 .. ..... ..... 010 ..... 0101111
amomax.w   AMO    *   10100 .. ..... ..... 010 ..... 0101111
amominu.w  AMO    *   11000 .. ..... ..... 010 ..... 0101111
amomaxu.w  AMO    *   11100 .. ..... ..... 010 ..... 0101111
lr.d       LR     64  00010 .. 00000 ..... 011 ..... 0101111
sc.d       AMO    64  00011 .. ..... ..... 011 ..... 0101111
amoswap.d  AMO    64  00001 .. ..... ..... 011 ..... 0101111
amoadd.d   AMO    64  00000 .. ..... ..... 011 ..... 0101111
amoxor.d   AMO    64  00100 .. ..... ..... 011 ..... 0101111
amoand.d   AMO    64  01100 .. ..... ..... 011 ..... 0101111
amoor.d    AMO    64  01000 .. ..... ..... 011 ..... 0101111
amomin.d   AMO    64  10000 .. ..... ..... 011 ..... 0101111
amomax.d   AMO    64  10100 .. ..... ..... 011 ..... 0101111
amominu.d  AMO    64  11000 .. ..... ..... 011 ..... 0101111
amomaxu.d  AMO    64  11100 .. ..... ..... 011 ..... 0101111
"""


def _bits(word: int, hi: int, lo: int) -> int:
    return (word >> lo) & ((1 << (hi - lo + 1)) - 1)


def _sext(value: int, bits: int) -> int:
    sign = 1 << (bits - 1)
    return (value ^ sign) - sign


@dataclass(frozen=True)
class Format:
    """How a format's operands sit in the word, and how assembly spells them.

    `fields` maps an operand name to (hi, lo) bit ranges of the word; for
    immediates, `imm_parts` lists (word_hi, word_lo, imm_lo) slices and
    `imm_bits` the width to sign-extend from (0: unsigned).
    """
    name: str
    fields: tuple[tuple[str, int, int], ...]
    imm_parts: tuple[tuple[int, int, int], ...] = ()
    imm_bits: int = 0
    syntax: str = ""

    def extract(self, word: int) -> dict[str, int]:
        ops = {name: _bits(word, hi, lo) for name, hi, lo in self.fields}
        if self.imm_parts:
            imm = 0
            for hi, lo, at in self.imm_parts:
                imm |= _bits(word, hi, lo) << at
            ops["imm"] = _sext(imm, self.imm_bits) if self.imm_bits else imm
        return ops

    def insert(self, ops: dict[str, int]) -> int:
        word = 0
        for name, hi, lo in self.fields:
            value = ops.get(name, 0)
            if not 0 <= value < 1 << (hi - lo + 1):
                raise ValueError(f"{name}={value} does not fit in {hi - lo + 1} bits")
            word |= value << lo
        if self.imm_parts:
            imm = ops.get("imm", 0)
            width = max(hi - lo + 1 + at for hi, lo, at in self.imm_parts)
            low = min(at for _, _, at in self.imm_parts)
            lo_limit, hi_limit = (-(1 << (width - 1)), 1 << (width - 1)) if self.imm_bits else (0, 1 << width)
            if not lo_limit <= imm < hi_limit or imm & ((1 << low) - 1):
                raise ValueError(f"immediate {imm} not encodable in format {self.name}")
            for hi, lo, at in self.imm_parts:
                word |= _bits(imm & ((1 << width) - 1), hi - lo + at, at) << lo
        return word


RD, RS1, RS2 = ("rd", 11, 7), ("rs1", 19, 15), ("rs2", 24, 20)
AQRL = ("aqrl", 26, 25)

FORMATS = {f.name: f for f in (
    Format("R", (RD, RS1, RS2), syntax="{rd}, {rs1}, {rs2}"),
    Format("I", (RD, RS1), ((31, 20, 0),), 12, "{rd}, {rs1}, {imm}"),
    Format("JALR", (RD, RS1), ((31, 20, 0),), 12, "{rd}, {imm}({rs1})"),
    Format("LOAD", (RD, RS1), ((31, 20, 0),), 12, "{rd}, {imm}({rs1})"),
    Format("SHIFT", (RD, RS1), ((25, 20, 0),), 0, "{rd}, {rs1}, {imm}"),
    Format("S", (RS1, RS2), ((31, 25, 5), (11, 7, 0)), 12, "{rs2}, {imm}({rs1})"),
    Format("B", (RS1, RS2), ((31, 31, 12), (7, 7, 11), (30, 25, 5), (11, 8, 1)), 13, "{rs1}, {rs2}, {target}"),
    Format("U", (RD,), ((31, 12, 12),), 32, "{rd}, {uimm}"),
    Format("J", (RD,), ((31, 31, 20), (19, 12, 12), (20, 20, 11), (30, 21, 1)), 21, "{rd}, {target}"),
    Format("AMO", (RD, RS1, RS2, AQRL), syntax="{rd}, {rs2}, ({rs1})"),
    Format("LR", (RD, RS1, AQRL), syntax="{rd}, ({rs1})"),
    Format("FENCE", (("fm", 31, 28), ("pred", 27, 24), ("succ", 23, 20), RS1, RD), syntax="{pred}, {succ}"),
    Format("NONE", (), syntax=""),
)}


@dataclass(frozen=True)
class Opcode:
    """One row of the table: an instruction as the hardware tells it apart."""
    id: int
    name: str
    format: Format
    xlens: tuple[int, ...]
    mask: int
    match: int

    def matches(self, word: int) -> bool:
        return word & self.mask == self.match


def _parse_pattern(pattern: str) -> tuple[int, int, int]:
    """Returns (mask, match, number of operand bits)."""
    bits = pattern.replace(" ", "")
    if len(bits) != 32 or set(bits) - set("01."):
        raise ValueError(f"bad encoding pattern {pattern!r}")
    mask = int("".join("0" if b == "." else "1" for b in bits), 2)
    match = int("".join("1" if b == "1" else "0" for b in bits), 2)
    return mask, match, bits.count(".")


def _shift_width_fixup(fmt: Format, free_bits: int) -> Format:
    """SHIFT rows take their shamt width (5 or 6 bits) from the pattern's free bits."""
    shamt_bits = free_bits - 10
    return Format(fmt.name, fmt.fields, ((20 + shamt_bits - 1, 20, 0),), 0, fmt.syntax)


def _parse_table(text: str) -> tuple[Opcode, ...]:
    rows = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, fmt_name, xlen, pattern = line.split(None, 3)
        mask, match, free = _parse_pattern(pattern)
        fmt = FORMATS[fmt_name]
        if fmt_name == "SHIFT":
            fmt = _shift_width_fixup(fmt, free)
        xlens = (32, 64) if xlen == "*" else (int(xlen),)
        rows.append(Opcode(len(rows), name, fmt, xlens, mask, match))
    return tuple(rows)


TABLE: tuple[Opcode, ...] = _parse_table(TABLE_TEXT)
MNEMONICS = frozenset(op.name for op in TABLE)


DECODED = np.dtype([("op", "<i2"), ("rd", "u1"), ("rs1", "u1"), ("rs2", "u1"), ("aqrl", "u1"),
                    ("imm", "<i8")])


def illegal_words(n: int) -> np.ndarray:
    """n DECODED records of words that are no instruction (op -1)."""
    decoded = np.zeros(n, DECODED)
    decoded["op"] = -1
    return decoded


def decode_words(words: np.ndarray, xlen: int) -> np.ndarray:
    """Decode an array of words at once; op is the row id, or -1 where the word is illegal.

    The vectorized twin of translator.decoder.decode (tests hold them equal), for
    whole code segments: region discovery and the prover's program ROM.  Only the
    distinct words that can be instructions (low bits 11) are matched against the
    rows, so zero fill and other filler cost a sort, not a pass per row.
    """
    words = np.asarray(words, dtype=np.uint32)
    out = illegal_words(len(words))
    candidates = np.flatnonzero(words & 3 == 3)
    distinct, which = np.unique(words[candidates], return_inverse=True)
    out[candidates] = _decode_distinct(distinct.astype(np.int64), xlen)[which]
    return out


def _decode_distinct(words: np.ndarray, xlen: int) -> np.ndarray:
    out = illegal_words(len(words))
    for op in TABLE:
        if xlen not in op.xlens:
            continue
        hit = ((words & op.mask) == op.match) & (out["op"] == -1)
        if not hit.any():
            continue
        w = words[hit]
        out["op"][hit] = op.id
        if op.format.name == "FENCE":
            out["imm"][hit] = (w >> 20) & 0xFFF
            continue
        for name, hi, lo in op.format.fields:
            out[name][hit] = (w >> lo) & ((1 << (hi - lo + 1)) - 1)
        if op.format.imm_parts:
            imm = np.zeros(len(w), np.int64)
            for hi, lo, at in op.format.imm_parts:
                imm |= ((w >> lo) & ((1 << (hi - lo + 1)) - 1)) << at
            if op.format.imm_bits:
                sign = 1 << (op.format.imm_bits - 1)
                imm = (imm ^ sign) - sign
            out["imm"][hit] = imm
    return out
