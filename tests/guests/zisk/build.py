"""Rebuild the zisk test guests: `python tests/guests/zisk/build.py` (zkaot's Zig toolchain;
-g0 and fixed relative paths keep the bytes reproducible).  rv64ima, as ziskbuild targets:
zisk_guest.elf for the current layout, zisk_legacy_guest.elf for the guests that read their
input at 0x90000000."""
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCES = ["start.S", "guest.c"]


def build(out: str, script: str, defines: list[str]) -> None:
    subprocess.run([sys.executable, "-m", "ziglang", "cc", "-target", "riscv64-freestanding-none",
                    "-mcpu=generic_rv64+m+a+zicsr", "-mcmodel=medany", "-O2", "-g0", "-fno-sanitize=all",
                    "-ffunction-sections", "-fdata-sections", "-fno-unwind-tables",
                    "-fno-asynchronous-unwind-tables", "-nostdlib", *defines, "-T", script, *SOURCES,
                    "-o", out], cwd=HERE, check=True)


if __name__ == "__main__":
    build("zisk_guest.elf", "zisk.ld", [])
    build("zisk_legacy_guest.elf", "zisk_legacy.ld", ["-DLEGACY"])
