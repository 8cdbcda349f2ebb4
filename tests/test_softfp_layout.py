"""runtime/softfp.py describes the state block exactly as runtime/guest/softfp/zkfp.h defines it
(the header's _Static_asserts tie the #defines to the C struct)."""
import re

from runtime import softfp

HEADER = (softfp.SOURCE_DIR / "zkfp.h").read_text()


def _defines() -> dict[str, int]:
    return {m[1]: int(m[2], 0) for m in re.finditer(r"^#define ZKFP_(\w+)\s+(0x[0-9A-Fa-f]+|\d+)", HEADER, re.M)}


def test_block_offsets_match_the_header():
    d = _defines()
    for name in ("F", "FCSR", "INSN", "XIN", "XOUT", "STATUS", "RET", "SAVE", "T6", "SIZE"):
        assert getattr(softfp, name) == d[name], name


def test_status_codes_match_the_header():
    d = _defines()
    assert (softfp.OK, softfp.BAD_RM, softfp.BAD_INSN) == (d["OK"], d["BAD_RM"], d["BAD_INSN"])


def test_each_placement_keeps_the_block_below_the_image_where_its_guests_never_go():
    for placement in softfp.PLACEMENTS:
        assert placement.block_page < placement.block and placement.block + softfp.SIZE <= placement.entry
    assert softfp.LINUX.entry < 0x10000          # vm.mmap_min_addr: no Linux program maps below it
    assert softfp.LINUX_16M.block_page + 0x10000 == 0x100_0000   # the 64 KiB below Zig's link address
    assert softfp.ZISK.block_page + 0x10000 == 0x8000_0000     # the 64 KiB below ZisK's ROM
