"""Text form of decoded instructions, spelled from the format syntax in encoding.py."""
from collections.abc import Iterator

import numpy as np

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
    return format_instruction(instr, pc, xlen) if instr else f".word 0x{word:08x}  # illegal"


FOLD_RUN = 3        # this many identical illegal words in a row print as one line and a count (zero fill)


def listing(program, extensions: frozenset[str] = frozenset()) -> Iterator[str]:
    """The lines of `zkaot disasm`: every word of the executable segments with the function
    symbols as headings; a run of identical words that are no instruction (zero fill, padding)
    is one line and a count, as objdump shows zeros, so a large fill prints in no time.
    `extensions`: the profile's vendor instructions (runtime/encoding.py)."""
    starts = {start: name for start, _, name in program.functions}
    for seg in program.segments:
        if not seg.executable:
            continue
        words = np.frombuffer(seg.data, "<u4", len(seg.data) // 4)
        if not len(words):
            continue
        illegal = decode_words(words, program.xlen, extensions)["op"] < 0
        run_start = np.flatnonzero(np.diff(words, prepend=~words[:1]) != 0)
        run_len = np.diff(run_start, append=len(words))
        for i, n in zip(run_start.tolist(), run_len.tolist()):
            fold = n >= FOLD_RUN and illegal[i]
            for j in range(i, i + (1 if fold else n)):
                pc = seg.vaddr + 4 * j
                if pc in starts:
                    yield f"\n{pc:08x} <{starts[pc]}>:"
                text = disassemble_word(int(words[j]), pc, program.xlen, extensions)
                yield f"  {pc:08x}:  {int(words[j]):08x}  {text}"
            if fold:
                last = seg.vaddr + 4 * (i + n - 1)
                yield f"  ...       the same word {n - 1:,} more times, to {last:08x}"
