"""Strict decoding of 32-bit words (and, for a profile that takes the C extension, 16-bit
halfwords: runtime/compressed.py) into Instruction records, built from encoding.TABLE."""
from dataclasses import dataclass, replace
from functools import lru_cache

from runtime.compressed import COMPRESSED, expansions
from runtime.encoding import TABLE, Opcode, decodable


class IllegalInstruction(ValueError):
    """The word is not an instruction of the guest's ISA (reserved or unsupported)."""


@dataclass(frozen=True, slots=True)
class Instruction:
    """A decoded instruction: what the interpreter, translator, disassembler and prover share.

    imm is sign-extended where the format says so (U: the full value, already shifted).
    For AMO/LR, aqrl holds the aq (bit 1) and rl (bit 0) ordering bits; for FENCE,
    imm holds fm|pred|succ.  A compressed instruction is its 32-bit expansion with length 2
    and its halfword as `word`.
    """
    opcode: Opcode
    word: int
    rd: int = 0
    rs1: int = 0
    rs2: int = 0
    imm: int = 0
    aqrl: int = 0
    length: int = 4

    @property
    def name(self) -> str:
        return self.opcode.name


@lru_cache(maxsize=None)
def _buckets(xlen: int, extensions: frozenset[str] = frozenset()) -> dict[int, tuple[Opcode, ...]]:
    """The rows a profile's decoder tries (encoding.decodable) grouped by the 7-bit major
    opcode, so a decode scans a handful."""
    buckets: dict[int, list[Opcode]] = {}
    for op in TABLE:
        if decodable(op, xlen, extensions):
            buckets.setdefault(op.match & 0x7F, []).append(op)
    return {k: tuple(v) for k, v in buckets.items()}


@lru_cache(maxsize=1 << 16)
def decode(word: int, xlen: int = 64, extensions: frozenset[str] = frozenset()) -> Instruction:
    """Decode one word; raises IllegalInstruction if no row of the table matches (vendor rows
    and rows of encoding.PROFILE_CLASSES match only when `extensions`, the profile's, name them).
    With the C extension in `extensions`, a word whose low bits are not 11 is a compressed
    instruction in its low halfword (the high one is ignored)."""
    if word & 3 != 3 and COMPRESSED in extensions:
        halfword = word & 0xFFFF
        expansion = int(expansions(xlen)[halfword])
        if not expansion:
            raise IllegalInstruction(f"0x{halfword:04x} is not a valid RV{xlen}C instruction (reserved)")
        return replace(decode(expansion, xlen, extensions), word=halfword, length=2)
    for op in _buckets(xlen, extensions).get(word & 0x7F, ()):
        if op.matches(word):
            f = op.format.extract(word)
            if op.format.name == "FENCE":
                return Instruction(op, word, imm=(word >> 20) & 0xFFF)
            return Instruction(op, word, f.get("rd", 0), f.get("rs1", 0), f.get("rs2", 0),
                               f.get("imm", 0), f.get("aqrl", 0))
    if word & 3 != 3:
        raise IllegalInstruction(f"0x{word:08x} is a compressed (C extension) encoding, not supported")
    raise IllegalInstruction(f"0x{word:08x} is not a valid RV{xlen}IMA instruction")


def try_decode(word: int, xlen: int = 64, extensions: frozenset[str] = frozenset()) -> Instruction | None:
    try:
        return decode(word, xlen, extensions)
    except IllegalInstruction:
        return None
