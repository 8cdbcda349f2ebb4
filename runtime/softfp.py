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

BLOCK_PAGE = 0x1000                  # read/write, zeroed: the library's stack, then the block
BLOCK_ADDR = 0x1800                  # the block: the upper 2 KiB of that page
STACK_TOP = BLOCK_ADDR               # the library's stack grows down from the block
IMAGE_BASE = 0x2000                  # the image's code, from zkfp_entry (zkfp.ld)
ENTRY = IMAGE_BASE                   # where a site step jumps (tests check the image agrees)
