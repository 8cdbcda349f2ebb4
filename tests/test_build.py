"""zkaot.build: reproducible guest builds with the PyPI Zig toolchain."""
import hashlib
import shutil
from pathlib import Path

import pytest

pytest.importorskip("ziglang")
from elftools.elf.elffile import ELFFile  # noqa: E402

from runtime.memory_map import GUARD_SIZE, MemoryMap  # noqa: E402
from zkaot.build import BuildError, build  # noqa: E402
from zkaot.check import check  # noqa: E402

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

DIVIDE_64 = r"""
#include "zkaot.h"
int main(void) {
  volatile uint64_t n = 0x123456789abcdefull, d = 1000003;
  uint64_t q = n / d, r = n % d;
  int64_t s = (int64_t)n / -7;
  uint8_t out[24];
  for (int i = 0; i < 8; i++) {
    out[i] = (uint8_t)(q >> 8 * i);
    out[8 + i] = (uint8_t)(r >> 8 * i);
    out[16 + i] = (uint8_t)((uint64_t)s >> 8 * i);
  }
  write_output(out, sizeof out);
  return 0;
}
"""


def _symbols(path: Path) -> dict[str, int]:
    with open(path, "rb") as fh:
        symtab = ELFFile(fh).get_section_by_name(".symtab")
        return {s.name: s["st_value"] for s in symtab.iter_symbols() if s.name}


@pytest.mark.parametrize("source", ["fibonacci/main.c", "zig_collatz/main.zig"])
def test_same_source_in_different_directories_builds_identical_bytes(tmp_path, source):
    digests, blobs = [], []
    name = Path(source).name
    for where in ("first/deeper/still", "second"):
        src_dir = tmp_path / where
        src_dir.mkdir(parents=True)
        shutil.copy(EXAMPLES / source, src_dir / name)
        out = tmp_path / f"{where.replace('/', '_')}.elf"
        digests.append(build([src_dir / name], out))
        blobs.append(out.read_bytes())
    assert blobs[0] == blobs[1]
    assert digests[0] == digests[1] == hashlib.sha256(blobs[0]).hexdigest()


def test_rv32_guest_using_64_bit_division_links_the_compiler_runtime(tmp_path):
    (tmp_path / "div.c").write_text(DIVIDE_64)
    out = tmp_path / "div.elf"
    build([tmp_path / "div.c"], out, arch="rv32im")
    with open(out, "rb") as fh:
        assert ELFFile(fh).elfclass == 32
    assert {"__udivdi3", "__umoddi3"} & set(_symbols(out))
    assert check(str(out)) == []


def test_syntax_error_raises_build_error_with_one_line_naming_the_file(tmp_path):
    src = tmp_path / "broken.c"
    src.write_text("int main(void) { return 0 }\n")
    with pytest.raises(BuildError) as info:
        build([src], tmp_path / "broken.elf")
    msg = str(info.value)
    assert "\n" not in msg
    assert "broken.c:1:" in msg and "error" in msg
    assert "zkaot-build-" not in msg  # the temporary build directory stays hidden
    assert not (tmp_path / "broken.elf").exists()


def test_unknown_arch_is_rejected_in_one_line(tmp_path):
    with pytest.raises(BuildError, match=r"^unknown arch 'rv64gc' \(choose from .*\)$"):
        build([EXAMPLES / "fibonacci" / "main.c"], tmp_path / "x.elf", arch="rv64gc")


def test_unknown_source_extension_is_rejected(tmp_path):
    src = tmp_path / "main.rs"
    src.write_text("fn main() {}\n")
    with pytest.raises(BuildError, match="unknown source type '.rs'"):
        build([src], tmp_path / "x.elf")


def test_failed_build_leaves_an_existing_output_untouched(tmp_path):
    out = tmp_path / "guest.elf"
    out.write_bytes(b"previous build")
    src = tmp_path / "main.c"
    src.write_text("int main(void) { return undefined_name; }\n")
    with pytest.raises(BuildError):
        build([src], out)
    assert out.read_bytes() == b"previous build"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["guest.elf", "main.c"]  # no temp file left


def test_undefined_symbol_is_reported_as_a_link_error(tmp_path):
    src = tmp_path / "main.c"
    src.write_text("int helper(void);\nint main(void) { return helper(); }\n")
    with pytest.raises(BuildError, match=r"undefined symbol: helper"):
        build([src], tmp_path / "x.elf")


def test_zig_guest_builds_with_the_zkaot_module(tmp_path):
    out = tmp_path / "collatz.elf"
    build([EXAMPLES / "zig_collatz" / "main.zig"], out, arch="rv64im")
    assert {"_start", "main"} <= set(_symbols(out))
    assert check(str(out)) == []


def test_elf_layout_follows_the_memory_map(tmp_path):
    out = tmp_path / "sha.elf"
    build([EXAMPLES / "sha256" / "main.c"], out)
    mm = MemoryMap()
    sym = _symbols(out)
    assert sym["__stack_top"] == mm.stack_top
    assert sym["_heap_end"] == sym["_stack_guard_start"] == mm.stack_guard[0]
    assert mm.stack_guard[1] - mm.stack_guard[0] == GUARD_SIZE
    assert sym["_heap_start"] % 16 == 0
    with open(out, "rb") as fh:
        elf = ELFFile(fh)
        assert elf.header.e_entry == sym["_start"] == mm.ram_base
        loads = [s for s in elf.iter_segments() if s["p_type"] == "PT_LOAD"]
        flags = [s["p_flags"] for s in loads]
        assert flags[0] == 5  # R+X code first
        spans = []
        for seg in loads:
            assert seg["p_vaddr"] % 4096 == 0
            assert not (seg["p_flags"] & 2 and seg["p_flags"] & 1), "segment is W+X"
            spans.append((seg["p_vaddr"], seg["p_vaddr"] + seg["p_memsz"]))
        spans.sort()
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))
        assert spans[-1][1] <= sym["_heap_start"]


def test_every_compiler_error_is_shown_one_to_a_line(tmp_path):
    src = tmp_path / "two.c"
    src.write_text("int main(void) { return a + b; }\n")
    with pytest.raises(BuildError) as info:
        build([src], tmp_path / "x.elf")
    assert str(info.value).splitlines() == [f"{src}:1:25: error: use of undeclared identifier 'a'",
                                            f"{src}:1:29: error: use of undeclared identifier 'b'"]


def test_debug_keeps_dwarf_line_info(tmp_path):
    out = tmp_path / "guest.elf"
    build([EXAMPLES / "fibonacci" / "main.c"], out, debug=True)
    with open(out, "rb") as fh:
        assert ELFFile(fh).get_section_by_name(".debug_line") is not None
