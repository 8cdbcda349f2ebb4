"""Text form of decoded instructions, spelled from the format syntax in encoding.py."""
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
    }
    return fmt.syntax.format(**values)


def mnemonic(instr: Instruction) -> str:
    suffix = {0: "", 1: ".rl", 2: ".aq", 3: ".aqrl"}[instr.aqrl]
    return instr.name + suffix


def format_instruction(instr: Instruction, pc: int, xlen: int = 64) -> str:
    ops = operands(instr, pc, xlen)
    return f"{mnemonic(instr)} {ops}" if ops else mnemonic(instr)


def disassemble_word(word: int, pc: int, xlen: int = 64) -> str:
    instr = try_decode(word, xlen)
    return format_instruction(instr, pc, xlen) if instr else f".word 0x{word:08x}  # illegal"
