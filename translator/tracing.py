"""Full-trace rows from the reference interpreter: one MAIN_ROW per step.

A row is derived from the decoded instruction and the registers before and
after the step, never from a second copy of the semantics, so the interpreter's
trace checks the translator's inlined trace writes (runtime/trace.py defines
the fields).
"""
from typing import Callable

from runtime.host import GuestExit

Row = tuple[int, int, int, int, int, int, int, int, int, int]

_IMMEDIATE_B = {"I", "SHIFT", "LOAD", "JALR", "U", "J"}
_REGISTER_B = {"R", "S", "B", "AMO"}
_NO_RS1 = {"U", "J", "FENCE", "NONE"}
_SIZES = {"lb": 1, "lbu": 1, "sb": 1, "lh": 2, "lhu": 2, "sh": 2, "lw": 4, "lwu": 4, "sw": 4, "ld": 8, "sd": 8}


def access_size(name: str) -> int:
    if name in _SIZES:
        return _SIZES[name]
    return 4 if name.endswith(".w") else 8


def traced(handler: Callable[[], int], ins, pc: int, regs: list[int], xlen: int,
           record: Callable[[Row], None], branch_taken=None) -> Callable[[], int]:
    """Wrap a step closure so that each execution records its row through `record`."""
    mask = (1 << xlen) - 1
    fmt, name, op = ins.opcode.format.name, ins.name, ins.opcode.id
    rs1, rs2, rd, imm = ins.rs1, ins.rs2, ins.rd, ins.imm
    b_imm = imm & mask
    is_load, is_store = fmt == "LOAD", fmt == "S"
    is_atomic = fmt in ("AMO", "LR")
    size = access_size(name) if (is_load or is_store or is_atomic) else 0
    size_mask = (1 << (8 * size)) - 1

    def step() -> int:
        a = 0 if fmt in _NO_RS1 else regs[rs1]
        b = regs[rs2] if fmt in _REGISTER_B else (b_imm if fmt in _IMMEDIATE_B else 0)
        if fmt == "NONE":
            a, b = regs[10], regs[17]
        try:
            nxt = handler()
        except GuestExit:
            record((pc, (pc + 4) & mask, a, b, regs[10], 0, 0, op, 0, 0))
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
        if is_load or (is_atomic and not name.startswith("sc.")):
            mem = written & size_mask
        if name.startswith("sc."):
            c = written
        if is_store:
            c = b & size_mask
        elif fmt == "B":
            c = int(branch_taken(a, b, 1 << (xlen - 1)))
        elif fmt == "NONE":
            c = regs[10]
        elif fmt == "FENCE":
            c = 0
        record((pc, nxt, a, b, c, addr, mem, op, flags, 0))
        return nxt
    return step
