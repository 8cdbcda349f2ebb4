"""Full-trace rows from the reference interpreter: one MAIN_ROW per step.

A row is derived from the decoded instruction and the registers before and
after the step, never from a second copy of the semantics, so the interpreter's
trace checks the translator's inlined trace writes (runtime/trace.py defines
the fields).
"""
from typing import Callable

from runtime.host import GuestExit

Row = tuple[int, int, int, int, int, int, int, int, int, int, int]

_NO_RS1 = {"U", "J", "FENCE", "NONE"}


def traced(handler: Callable[[], int], ins, pc: int, regs: list[int], xlen: int,
           record: Callable[[Row], None], branch_taken=None, selector: int = 17,
           ecall_rd: dict[int, int] | None = None) -> Callable[[], int]:
    """Wrap a step closure so that each execution records its row through `record`; an
    ecall's b is the register `selector` (the profile's call selector: a7, or t0 for SP1,
    Pico and RISC Zero), so a prover reads which call it is off the row, and its c the
    register the call writes after it: a0, or `ecall_rd[selector value]` (SP1's HINT_LEN
    writes t0)."""
    ecall_rd = ecall_rd or {}
    mask = (1 << xlen) - 1
    opcode = ins.opcode
    fmt, cls, op, size = opcode.format.name, opcode.cls, opcode.id, opcode.size
    rs1, rs2, rd, imm, length = ins.rs1, ins.rs2, ins.rd, ins.imm, ins.length
    b_reg, b_imm = opcode.format.operand == "rs2", imm & mask if opcode.format.operand == "imm" else 0
    is_load, is_store, is_atomic, is_sc = cls == "load", cls == "store", cls in ("lr", "sc", "amo"), cls == "sc"
    size_mask = (1 << (8 * size)) - 1

    zimm = rs1 if fmt == "CSRI" else None         # a CSR's immediate operand sits in the rs1 field

    def step() -> int:
        a = 0 if fmt in _NO_RS1 else regs[rs1] if zimm is None else zimm
        b = regs[rs2] if b_reg else b_imm
        rd_after = 10
        if fmt == "NONE":
            a, b = regs[10], regs[selector]
            rd_after = ecall_rd.get(b, 10)
        try:
            nxt = handler()
        except GuestExit:
            record((pc, (pc + length) & mask, a, b, regs[10], 0, 0, op, 0, length, 0))
            raise
        written = regs[rd or 32]          # writes to x0 land in slot 32: loads and SCs to x0 stay visible
        c = regs[rd] if rd else 0
        addr = mem = flags = 0
        if is_load or is_store:
            addr = (a + imm) & mask
        elif is_atomic:
            addr = a
        if size:
            flags = int(bool(addr & (size - 1)))
        if is_load or (is_atomic and not is_sc):
            mem = written & size_mask
        if is_sc:
            c = written
        if is_store:
            c = b & size_mask
        elif cls == "branch":
            c = int(branch_taken(a, b, 1 << (xlen - 1)))
        elif fmt == "NONE":
            c = regs[rd_after]
        elif cls == "fence":
            c = 0
        record((pc, nxt, a, b, c, addr, mem, op, flags, length, 0))
        return nxt
    return step
