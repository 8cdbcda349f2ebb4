"""The soft-float library's state block and guest image (runtime/guest/softfp/, docs/float.md).

The offsets repeat the #defines of runtime/guest/softfp/zkfp.h; tests/test_softfp_layout.py
compares them.  Every field is a little-endian u64.
"""
from pathlib import Path

SOURCE_DIR = Path(__file__).resolve().parent / "guest" / "softfp"
IMAGE = SOURCE_DIR / "zkfp.elf"
#: the library's C sources, in link order (the image adds zkfp_entry.S first)
C_SOURCES = ("zkfp_execute.c", "fp_round.c", "fp_arith.c", "fp_convert.c", "fp_compare.c")

F = 0              # f0..f31, singles NaN-boxed
FCSR = 256         # bits 0-4 fflags, 5-7 frm
INSN = 264         # the instruction word
XIN = 272          # value of integer register rs1
XOUT = 280         # value for integer register rd
STATUS = 288       # OK, BAD_RM or BAD_INSN
RET = 296          # the trampoline's return address
SAVE = 304         # the trampoline's 16 saved registers
T6 = 432           # the call site's t6
SIZE = 440

OK, BAD_RM, BAD_INSN = 0, 1, 2

BLOCK_ADDR = 0xFFFF_FFFF_FFFF_F800   # top 2 KiB: every field is off(x0)
STACK_TOP = BLOCK_ADDR               # the library's stack grows down from the block
IMAGE_BASE = 0xFFFF_FFFF_FFF0_0000   # the image's code: reachable with lui (sign-extended)


def x0_offset(field: int) -> int:
    """The 12-bit offset that addresses a block field from x0."""
    return field - 2048

#: the address of zkfp_entry, the image's first instruction (tests check the image agrees)
ENTRY = IMAGE_BASE


def call_sequence(insn: int, rs1: int | None = None, rd: int | None = None) -> list[str]:
    """The integer instructions that stand for one F/D instruction (docs/float.md), in the
    syntax of translator/assembler.py.  rs1: the integer register it reads (fcvt.*.w/l,
    fmv.*.x, FP loads and stores, CSR register forms), rd: the one it writes (fcvt.w/l.*,
    fmv.x.*, feq/flt/fle, fclass, CSR accesses); x0 as rd writes nothing."""
    lo = (insn & 0xFFF) - ((insn & 0x800) << 1)       # addiw's sign-extended 12 bits
    hi = ((insn - lo) >> 12) & 0xFFFFF
    entry_hi = (ENTRY >> 12) & 0xFFFFF                 # lui sign-extends: the top 2 GiB
    seq = [f"sd x{rs1}, {x0_offset(XIN)}(zero)"] if rs1 is not None else []   # before t6 changes
    seq += [f"sd t6, {x0_offset(T6)}(zero)",
            f"lui t6, {hi:#x}", f"addiw t6, t6, {lo}", f"sd t6, {x0_offset(INSN)}(zero)",
            f"lui t6, {entry_hi:#x}", f"jalr t6, {ENTRY & 0xFFF}(t6)",
            f"ld t6, {x0_offset(T6)}(zero)"]
    if rd:                                             # after t6 is back, in case rd is t6
        seq.append(f"ld x{rd}, {x0_offset(XOUT)}(zero)")
    return seq
