"""The SDK's printf and snprintf (runtime/guest/zkaot.c) format as C does: each case is checked
against Python's %-formatting, which follows C's printf for these conversions."""
import re

import pytest

from translator.elf import load_elf
from translator.interpreter import Interpreter

# (format, C arguments, Python arguments)
CASES = [
    ("plain text", "", ()),
    ("%d|%i|%u", "-42, 7, 4000000000u", (-42, 7, 4000000000)),
    ("%5d|%-5d|%05d|%+d|% d", "42, 42, 42, 42, 42", (42, 42, 42, 42, 42)),
    ("%.3d|%8.3d|%-8.3d|%08.3d", "7, -7, 7, 7", (7, -7, 7, 7)),
    ("%x|%X|%#x|%#X|%08x|%#010x", "255, 255, 255, 255, 48879, 48879", (255, 255, 255, 255, 48879, 48879)),
    ("%o|%#o|%#o", "8, 8, 0", (8, 8, 0)),
    ("%ld|%lu|%lx", "-2000000000L, 4000000000UL, 0xfedcba98UL", (-2000000000, 4000000000, 0xFEDCBA98)),
    ("%lld|%llu|%llx", "-9223372036854775807LL - 1, 18446744073709551615ULL, 0xdeadbeefcafeULL",
     (-9223372036854775808, 18446744073709551615, 0xDEADBEEFCAFE)),
    ("%hd|%hhd|%hu|%hhx", "70000, 300, 70000, 511", (70000 - 65536, 300 - 256, 70000 - 65536, 255)),
    ("%zu|%jd|%td", "(size_t)12345, (intmax_t)-5, (ptrdiff_t)6", (12345, -5, 6)),
    ("%s|%10s|%-10s|%.2s|%c|%5c|%%", '"abc", "right", "left", "cut", \'z\', \'q\'',
     ("abc", "right", "left", "cu", "z", "q")),
    ("%*d|%-*d|%.*s", "6, 1, 6, 2, 3, \"abcdef\"", (6, 1, 6, 2, 3, "abcdef")),
    ("%d%d%d", "0, 0, 0", (0, 0, 0)),
    ("%.0d|%x", "0, 0", ("", 0)),
    ("long: %s", '"' + "x" * 300 + '"', ("x" * 300,)),
]


def python_text(fmt: str, args: tuple) -> str:
    """What C prints: Python's %, where C differs made C's: length modifiers dropped (the arguments
    are already cut to their width), the 0 flag ignored when there is a precision, %#o with a leading
    0 instead of 0o, and %.0d of 0 printing nothing."""
    if fmt == "%.0d|%x":
        return "|0"
    fmt = re.sub(r"(%[-+ #0]*\d*(?:\.\d+)?)(hh|h|ll|l|z|j|t)(?=[diuxXo])", r"\1", fmt)
    fmt = re.sub(r"%([-+ #0]*)(\d*\.)", lambda m: "%" + m.group(1).replace("0", "") + m.group(2), fmt)
    return re.sub(r"0o(\d+)", lambda m: "0" + m.group(1).lstrip("0"), fmt % args)


def guest_source() -> str:
    """A guest that prints every case with printf (a line each) and puts each snprintf result, and the
    length it returned, into the public output."""
    lines = ['#include "zkaot.h"', "int main(void) {", "  char buf[512];", "  int n;"]
    for fmt, c_args, _ in CASES:
        args = f", {c_args}" if c_args else ""
        lines.append(f'  printf("{fmt}\\n"{args});')
        lines.append(f'  n = snprintf(buf, sizeof buf, "{fmt}"{args});')
        lines.append("  write_output((const uint8_t *)&n, 4); write_output((const uint8_t *)buf, n + 1);")
    lines.append('  n = snprintf(buf, 4, "%s", "truncated");')
    lines.append("  write_output((const uint8_t *)&n, 4); write_output((const uint8_t *)buf, 4);")
    lines.append('  puts("done"); putchar(\'!\');')
    lines += ["  return 0;", "}"]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module", params=["rv64im", "rv32im"])
def printed(request, tmp_path_factory):
    pytest.importorskip("ziglang")
    from zkaot.build import build
    folder = tmp_path_factory.mktemp("printf")
    (folder / "main.c").write_text(guest_source())
    build([folder / "main.c"], folder / "guest.elf", arch=request.param)
    result = Interpreter(load_elf(folder / "guest.elf")).run()
    assert result.exit_code == 0, result.fault
    return result


def expected_snprintf(text: str) -> bytes:
    return len(text).to_bytes(4, "little") + text.encode() + b"\0"


def test_printf_writes_each_case_as_c_formats_it_to_the_console(printed):
    expected = "".join(python_text(fmt, args) + "\n" for fmt, _, args in CASES) + "done\n!"
    assert printed.console.decode() == expected


def test_snprintf_returns_the_length_and_fills_the_buffer(printed):
    expected = b"".join(expected_snprintf(python_text(fmt, args)) for fmt, _, args in CASES)
    assert printed.output.startswith(expected)


def test_snprintf_truncates_to_the_buffer_and_returns_the_whole_length(printed):
    assert printed.output.endswith((9).to_bytes(4, "little") + b"tru\0")
