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


def test_block_address_matches_the_header_and_every_field_is_reachable_from_x0():
    assert softfp.BLOCK_ADDR == _defines()["BLOCK_ADDR"]
    assert softfp.BLOCK_ADDR == (1 << 64) - 2048
    assert all(-2048 <= softfp.x0_offset(f) < 2048 for f in range(0, softfp.SIZE, 8))
