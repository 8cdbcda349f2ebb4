"""Text form of decoded instructions, spelled from the format syntax in encoding.py."""
from collections.abc import Iterator

import numpy as np

from runtime.compressed import COMPRESSED, decode_stream, sweep
from runtime.encoding import ROUNDING_MODES, decode_words
from runtime.isa import ABI_NAMES
from translator.decoder import Instruction, try_decode

_FENCE_SET = "iorw"


def _fence_set(bits: int) -> str:
    return "".join(c for i, c in enumerate(_FENCE_SET) if bits & (8 >> i)) or "0"


def operands(instr: Instruction, pc: int, xlen: int = 64) -> str:
    fmt = instr.opcode.format
    target = (pc + instr.imm) & ((1 << xlen) - 1)
    values = {
        "rd": ABI_NAMES[instr.rd], "rs1": ABI_NAMES[instr.rs1], "rs2": ABI_NAMES[instr.rs2],
        "imm": str(instr.imm), "uimm": hex((instr.imm >> 12) & 0xFFFFF), "target": hex(target),
        "pred": _fence_set((instr.imm >> 4) & 0xF), "succ": _fence_set(instr.imm & 0xF),
        "csr": hex(instr.imm), "zimm": str(instr.rs1),
        "frd": f"f{instr.rd}", "frs1": f"f{instr.rs1}", "frs2": f"f{instr.rs2}", "frs3": f"f{instr.imm}",
        "rm": ROUNDING_MODES[(instr.word >> 12) & 7],
    }
    return fmt.syntax.format(**values)


def mnemonic(instr: Instruction) -> str:
    suffix = {0: "", 1: ".rl", 2: ".aq", 3: ".aqrl"}[instr.aqrl]
    return instr.name + suffix


def format_instruction(instr: Instruction, pc: int, xlen: int = 64) -> str:
    ops = operands(instr, pc, xlen)
    return f"{mnemonic(instr)} {ops}" if ops else mnemonic(instr)


def disassemble_word(word: int, pc: int, xlen: int = 64, extensions: frozenset[str] = frozenset()) -> str:
    instr = try_decode(word, xlen, extensions)
    if instr:
        return format_instruction(instr, pc, xlen)
    return f".half 0x{word:04x}  # illegal" if COMPRESSED in extensions and word & 3 != 3 else \
        f".word 0x{word:08x}  # illegal"


FOLD_RUN = 3        # this many identical illegal words in a row print as one line and a count (zero fill)


def _instructions(seg, xlen: int, extensions: frozenset[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(addresses, words, widths in hex digits, illegal) of a code segment's instructions: its words,
    or with the C extension the halfwords a linear sweep starts instructions at (compressed.sweep)."""
    if COMPRESSED not in extensions:
        words = np.frombuffer(seg.data, "<u4", len(seg.data) // 4)
        addresses = seg.vaddr + 4 * np.arange(len(words), dtype=np.int64)
        return addresses, words, np.full(len(words), 8), decode_words(words, xlen, extensions)["op"] < 0
    halfwords = np.frombuffer(seg.data, "<u2", len(seg.data) // 2)
    wide = halfwords & 3 == 3
    at = np.flatnonzero(sweep(wide, np.arange(len(halfwords)) == 0))
    upper = np.append(halfwords[1:], 0).astype(np.uint32) << 16
    words = np.where(wide, halfwords | upper, halfwords)
    illegal = decode_stream(halfwords, xlen, extensions)["op"] < 0
    return seg.vaddr + 2 * at, words[at], np.where(wide[at], 8, 4), illegal[at]


def listing(program, extensions: frozenset[str] = frozenset()) -> Iterator[str]:
    """The lines of `zkaot disasm`: every instruction of the executable segments with the function
    symbols as headings; a run of identical words that are no instruction (zero fill, padding)
    is one line and a count, as objdump shows zeros, so a large fill prints in no time.
    `extensions`: the profile's (runtime/encoding.py vendor instructions, the C extension)."""
    starts = {start: name for start, _, name in program.functions}
    for seg in program.segments:
        if not seg.executable:
            continue
        addresses, words, digits, illegal = _instructions(seg, program.xlen, extensions)
        if not len(words):
            continue
        run_start = np.flatnonzero(np.diff(words, prepend=~words[:1]) != 0)
        run_len = np.diff(run_start, append=len(words))
        for i, n in zip(run_start.tolist(), run_len.tolist()):
            fold = n >= FOLD_RUN and illegal[i]
            for j in range(i, i + (1 if fold else n)):
                pc, word = int(addresses[j]), int(words[j])
                if pc in starts:
                    yield f"\n{pc:08x} <{starts[pc]}>:"
                text = disassemble_word(word, pc, program.xlen, extensions)
                yield f"  {pc:08x}:  {word:0{digits[j]}x}{' ' * (8 - digits[j])}  {text}"
            if fold:
                yield f"  ...       the same word {n - 1:,} more times, to {int(addresses[i + n - 1]):08x}"
