"""The C extension: the 16-bit rows of the encoding table, each naming the 32-bit row of
runtime/encoding.py TABLE it expands to and where that row's operands come from.

A compressed instruction is its 32-bit equivalent with length 2 (the RISC-V unprivileged
spec, "C" Standard Extension, whose expansion table this is); so the semantics, op ids,
trace rows and prover tables stay those of TABLE, and only decoding knows about C.  Only a
profile whose calls name the extension (runtime/calls.py Registry.extensions holds
COMPRESSED) decodes these rows; under the others a halfword whose low bits are not 11 is an
illegal word, as it always was.

A row is `name  xlen  expands  rd  rs1  rs2  imm  nonzero  pattern`:
  expands  the 32-bit row's name (of the same xlen); fld, fsd, flw and fsw are the F/D
           loads and stores, whose words are illegal until their rows are in TABLE
  rd rs1 rs2  where each operand of the expansion comes from: a field `hi:lo` of the
           halfword, `hi:lo'` (a 3-bit field naming x8..x15), a register number, or -
  imm      `s:` or `u:` (sign- or zero-extended) and the slices `hi:lo>at` (or `bit>at`)
           that make it, bit `at` upwards; - for none
  nonzero  an operand that must not be 0 (imm, rd or rs1): the encodings where it is 0
           are reserved and illegal, they do not fall through to a later row; - for none
  pattern  bits 15..0 (spaces ignored): 0 and 1 fixed, '.' operand bits
Rows are tried in order, the first match wins (c.addi16sp before c.lui, c.jr before c.mv,
c.ebreak before c.jalr and c.add).  The all-zero halfword is c.addi4spn with imm 0: illegal.
HINTs (c.nop with an immediate, c.li/c.lui/c.mv/c.add to x0, shifts by 0, ...) are
instructions: they expand to the base ISA's own HINTs and change nothing.
"""
from functools import lru_cache

import numpy as np

from runtime.encoding import FORMATS, TABLE, decode_words

COMPRESSED = "c"        # the extension's name in a registry's extensions (encoding.decodable's sense)

C_TABLE_TEXT = """
# name       xlen expands rd     rs1    rs2    imm                                  nonzero pattern (bits 15..0)
# ---- quadrant 0 ---------------------------------------------------------------------------
c.addi4spn   *    addi    4:2'   2      -      u:12:11>4,10:7>6,6>2,5>3             imm   000 ........ ... 00
c.fld        *    fld     4:2'   9:7'   -      u:12:10>3,6:5>6                      -     001 ... ... .. ... 00
c.lw         *    lw      4:2'   9:7'   -      u:12:10>3,6>2,5>6                    -     010 ... ... .. ... 00
c.ld         64   ld      4:2'   9:7'   -      u:12:10>3,6:5>6                      -     011 ... ... .. ... 00
c.flw        32   flw     4:2'   9:7'   -      u:12:10>3,6>2,5>6                    -     011 ... ... .. ... 00
c.fsd        *    fsd     -      9:7'   4:2'   u:12:10>3,6:5>6                      -     101 ... ... .. ... 00
c.sw         *    sw      -      9:7'   4:2'   u:12:10>3,6>2,5>6                    -     110 ... ... .. ... 00
c.sd         64   sd      -      9:7'   4:2'   u:12:10>3,6:5>6                      -     111 ... ... .. ... 00
c.fsw        32   fsw     -      9:7'   4:2'   u:12:10>3,6>2,5>6                    -     111 ... ... .. ... 00
# ---- quadrant 1 ---------------------------------------------------------------------------
c.addi       *    addi    11:7   11:7   -      s:12>5,6:2>0                         -     000 . ..... ..... 01
c.jal        32   jal     1      -      -      s:12>11,11>4,10:9>8,8>10,7>6,6>7,5:3>1,2>5  -  001 ........... 01
c.addiw      64   addiw   11:7   11:7   -      s:12>5,6:2>0                         rd    001 . ..... ..... 01
c.li         *    addi    11:7   0      -      s:12>5,6:2>0                         -     010 . ..... ..... 01
c.addi16sp   *    addi    2      2      -      s:12>9,6>4,5>6,4:3>7,2>5             imm   011 . 00010 ..... 01
c.lui        *    lui     11:7   -      -      s:12>17,6:2>12                       imm   011 . ..... ..... 01
c.srli       64   srli    9:7'   9:7'   -      u:12>5,6:2>0                         -     100 . 00 ... ..... 01
c.srli       32   srli    9:7'   9:7'   -      u:6:2>0                              -     100 0 00 ... ..... 01
c.srai       64   srai    9:7'   9:7'   -      u:12>5,6:2>0                         -     100 . 01 ... ..... 01
c.srai       32   srai    9:7'   9:7'   -      u:6:2>0                              -     100 0 01 ... ..... 01
c.andi       *    andi    9:7'   9:7'   -      s:12>5,6:2>0                         -     100 . 10 ... ..... 01
c.sub        *    sub     9:7'   9:7'   4:2'   -                                    -     100 0 11 ... 00 ... 01
c.xor        *    xor     9:7'   9:7'   4:2'   -                                    -     100 0 11 ... 01 ... 01
c.or         *    or      9:7'   9:7'   4:2'   -                                    -     100 0 11 ... 10 ... 01
c.and        *    and     9:7'   9:7'   4:2'   -                                    -     100 0 11 ... 11 ... 01
c.subw       64   subw    9:7'   9:7'   4:2'   -                                    -     100 1 11 ... 00 ... 01
c.addw       64   addw    9:7'   9:7'   4:2'   -                                    -     100 1 11 ... 01 ... 01
c.j          *    jal     0      -      -      s:12>11,11>4,10:9>8,8>10,7>6,6>7,5:3>1,2>5  -  101 ........... 01
c.beqz       *    beq     -      9:7'   0      s:12>8,11:10>3,6:5>6,4:3>1,2>5       -     110 ... ... ..... 01
c.bnez       *    bne     -      9:7'   0      s:12>8,11:10>3,6:5>6,4:3>1,2>5       -     111 ... ... ..... 01
# ---- quadrant 2 ---------------------------------------------------------------------------
c.slli       64   slli    11:7   11:7   -      u:12>5,6:2>0                         -     000 . ..... ..... 10
c.slli       32   slli    11:7   11:7   -      u:6:2>0                              -     000 0 ..... ..... 10
c.fldsp      *    fld     11:7   2      -      u:12>5,6:5>3,4:2>6                   -     001 . ..... ..... 10
c.lwsp       *    lw      11:7   2      -      u:12>5,6:4>2,3:2>6                   rd    010 . ..... ..... 10
c.ldsp       64   ld      11:7   2      -      u:12>5,6:5>3,4:2>6                   rd    011 . ..... ..... 10
c.flwsp      32   flw     11:7   2      -      u:12>5,6:4>2,3:2>6                   -     011 . ..... ..... 10
c.jr         *    jalr    0      11:7   -      -                                    rs1   1000 ..... 00000 10
c.mv         *    add     11:7   0      6:2    -                                    -     1000 ..... ..... 10
c.ebreak     *    ebreak  -      -      -      -                                    -     1001 00000 00000 10
c.jalr       *    jalr    1      11:7   -      -                                    -     1001 ..... 00000 10
c.add        *    add     11:7   11:7   6:2    -                                    -     1001 ..... ..... 10
c.fsdsp      *    fsd     -      2      6:2    u:12:10>3,9:7>6                      -     101 ...... ..... 10
c.swsp       *    sw      -      2      6:2    u:12:9>2,8:7>6                       -     110 ...... ..... 10
c.sdsp       64   sd      -      2      6:2    u:12:10>3,9:7>6                      -     111 ...... ..... 10
c.fswsp      32   fsw     -      2      6:2    u:12:9>2,8:7>6                       -     111 ...... ..... 10
"""

# The F and D loads and stores (format, fixed bits) on RV32, whose F/D rows TABLE does not have
# (zkaot lowers RV64 F/D only): the words c.flw and friends expand to, which no rv32 decoder takes.
_FP_TRANSFERS = {"flw": ("LOAD", 0x2007), "fld": ("LOAD", 0x3007), "fsw": ("S", 0x2027), "fsd": ("S", 0x3027)}


def _field(spec: str, h: np.ndarray) -> np.ndarray | None:
    """A register operand from its spec (see the docstring), for every halfword at once."""
    if spec == "-":
        return None
    if ":" not in spec:
        return np.full(len(h), int(spec), np.int64)
    hi, lo = spec.rstrip("'").split(":")
    value = (h >> int(lo)) & ((1 << (int(hi) - int(lo) + 1)) - 1)
    return value + 8 if spec.endswith("'") else value


def _immediate(spec: str, h: np.ndarray) -> np.ndarray:
    if spec == "-":
        return np.zeros(len(h), np.int64)
    sign, slices = spec.split(":", 1)
    imm, width = np.zeros(len(h), np.int64), 0
    for part in slices.split(","):
        bits, at = part.split(">")
        hi, lo = (int(b) for b in bits.split(":")) if ":" in bits else (int(bits),) * 2
        imm |= ((h >> lo) & ((1 << (hi - lo + 1)) - 1)) << int(at)
        width = max(width, hi - lo + 1 + int(at))
    if sign == "s":
        imm = (imm ^ (1 << (width - 1))) - (1 << (width - 1))
    return imm


def _pattern(text: str) -> tuple[int, int]:
    bits = text.replace(" ", "")
    if len(bits) != 16 or set(bits) - set("01."):
        raise ValueError(f"bad compressed pattern {text!r}")
    return int("".join("0" if b == "." else "1" for b in bits), 2), int(bits.replace(".", "0"), 2)


def _target(name: str, xlen: int) -> tuple[str, int]:
    """(format name, fixed bits) of the 32-bit row `name` of RV`xlen`."""
    for op in TABLE:
        if op.name == name and xlen in op.xlens and not op.ext:
            return op.format.name, op.match
    return _FP_TRANSFERS[name]


def _rows(xlen: int) -> list[tuple]:
    rows = []
    for line in C_TABLE_TEXT.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, width, expands, rd, rs1, rs2, imm, nonzero, pattern = line.split(None, 8)
        if width == "*" or int(width) == xlen:
            rows.append((name, _target(expands, xlen), (rd, rs1, rs2), imm, nonzero, *_pattern(pattern)))
    return rows


@lru_cache(maxsize=None)
def expansions(xlen: int) -> np.ndarray:
    """The 32-bit word each of the 65,536 halfwords expands to on RV`xlen`, 0 where it is no
    compressed instruction (reserved, or low bits 11: a 32-bit instruction's first half)."""
    h = np.arange(1 << 16, dtype=np.int64)
    out = np.zeros(1 << 16, np.uint32)
    taken = (h & 3) == 3
    for name, (fmt_name, fixed), registers, imm_spec, nonzero, mask, match in _rows(xlen):
        hit = ((h & mask) == match) & ~taken
        taken |= hit
        fmt = FORMATS[fmt_name]
        ops = {key: _field(spec, h) for key, spec in zip(("rd", "rs1", "rs2"), registers)}
        ops["imm"] = _immediate(imm_spec, h)
        if nonzero != "-":
            hit &= ops[nonzero] != 0
        word = np.full(len(h), fixed, np.int64)
        for key, hi, lo in fmt.fields:
            if ops.get(key) is not None:
                word |= ops[key] << lo
        for hi, lo, at in fmt.imm_parts:
            word |= ((ops["imm"] >> at) & ((1 << (hi - lo + 1)) - 1)) << lo
        out[hit] = word[hit]
    return out


def decode_stream(halfwords: np.ndarray, xlen: int, extensions: frozenset[str] = frozenset()) -> np.ndarray:
    """encoding.DECODED for an instruction starting at every halfword of a stretch of code
    (C code: instructions of 2 and 4 bytes on 2-byte boundaries): a 32-bit one takes the
    halfword after it (none: illegal), a compressed one decodes as its expansion."""
    h = np.asarray(halfwords, np.uint16).astype(np.uint32)
    upper = np.append(h[1:], np.uint32(0))
    words = np.where(h & 3 == 3, h | upper << 16, expansions(xlen)[h])
    decoded = decode_words(words, xlen, extensions)
    if len(h) and h[-1] & 3 == 3:
        decoded["op"][-1] = -1
    return decoded


def sweep(wide: np.ndarray, restart: np.ndarray) -> np.ndarray:
    """Which halfwords a linear sweep (as objdump reads code) starts an instruction at, given
    which begin a 32-bit one if one starts there (`wide`: low bits 11) and where the sweep
    (re)starts (`restart`: a code segment's first halfword).  After a halfword that is not a
    32-bit instruction's first half an instruction starts; in a run of such first halves,
    every other one does."""
    index = np.arange(len(wide))
    anchor = np.where(restart | ~np.append(False, wide[:-1]), index, 0)
    return (index - np.maximum.accumulate(anchor)) % 2 == 0
