"""The soft-float library's state block and guest images (runtime/guest/softfp/, docs/float.md).

The offsets repeat the #defines of runtime/guest/softfp/zkfp.h; tests/test_softfp_layout.py
compares them.  Every field is a little-endian u64.
"""
from dataclasses import dataclass
from pathlib import Path

SOURCE_DIR = Path(__file__).resolve().parent / "guest" / "softfp"
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

PAGE = 0x1000


@dataclass(frozen=True)
class Placement:
    """Where a profile keeps the library: the block page (read/write, zeroed: the library's
    stack, then the block in its upper 2 KiB) and, from the next page, the image linked there.
    The code map of the translator is one span from the lowest code to the highest, so the
    image sits just below the guest's code, in memory the guests of the profile never use."""
    name: str
    block_page: int

    @property
    def block(self) -> int:
        return self.block_page + PAGE // 2

    @property
    def entry(self) -> int:
        """zkfp_entry, the image's first instruction: where a site step jumps."""
        return self.block_page + PAGE

    @property
    def image(self) -> Path:
        return SOURCE_DIR / f"zkfp-{self.name}.elf"


# linux: below 64 KiB (vm.mmap_min_addr), where no Linux program can map anything; for a program
# linked at 16 MiB or above (Zig's linker puts musl programs there), the 64 KiB just below 16 MiB
LINUX = Placement("linux", 0x1000)
LINUX_16M = Placement("linux-16m", 0xFF_0000)
# zisk: the 64 KiB below ZisK's ROM (0x8000_0000), which ZisK's map does not use
ZISK = Placement("zisk", 0x7FFF_0000)
PLACEMENTS = (LINUX, LINUX_16M, ZISK)
