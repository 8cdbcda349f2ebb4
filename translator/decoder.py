"""Strict decoding of 32-bit words into Instruction records, built from encoding.TABLE."""
from dataclasses import dataclass
from functools import lru_cache

from runtime.encoding import TABLE, Opcode


class IllegalInstruction(ValueError):
    """The word is not an instruction of the guest's ISA (reserved or unsupported)."""


@dataclass(frozen=True, slots=True)
class Instruction:
    """A decoded instruction: what the interpreter, translator, disassembler and prover share.

    imm is sign-extended where the format says so (U: the full value, already shifted).
    For AMO/LR, aqrl holds the aq (bit 1) and rl (bit 0) ordering bits; for FENCE,
    imm holds fm|pred|succ.
    """
    opcode: Opcode
    word: int
    rd: int = 0
    rs1: int = 0
    rs2: int = 0
    imm: int = 0
    aqrl: int = 0

    @property
    def name(self) -> str:
        return self.opcode.name


def _buckets(xlen: int) -> dict[int, tuple[Opcode, ...]]:
    """Rows of one xlen grouped by the 7-bit major opcode, so a decode scans a handful."""
    buckets: dict[int, list[Opcode]] = {}
    for op in TABLE:
        if xlen in op.xlens:
            buckets.setdefault(op.match & 0x7F, []).append(op)
    return {k: tuple(v) for k, v in buckets.items()}


_BUCKETS = {32: _buckets(32), 64: _buckets(64)}


@lru_cache(maxsize=1 << 16)
def decode(word: int, xlen: int = 64, extensions: frozenset[str] = frozenset()) -> Instruction:
    """Decode one word; raises IllegalInstruction if no row of the table matches (a vendor
    row only matches when its extension is one of `extensions`, the profile's)."""
    for op in _BUCKETS[xlen].get(word & 0x7F, ()):
        if op.matches(word) and (not op.ext or op.ext in extensions):
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
