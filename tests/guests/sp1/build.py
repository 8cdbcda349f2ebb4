"""Rebuild the sp1 and pico test guests: `python tests/guests/sp1/build.py` (zkaot's Zig
toolchain; -g0 and fixed relative paths keep the bytes reproducible)."""
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCES = ["start.S", "vendor_rt.c", "guest.c"]


def build(out: str, defines: list[str]) -> None:
    subprocess.run([sys.executable, "-m", "ziglang", "cc", "-target", "riscv32-freestanding-none",
                    "-mcpu=generic_rv32+m", "-mcmodel=medany", "-O2", "-g0", "-fno-sanitize=all",
                    "-ffunction-sections", "-fdata-sections", "-fno-unwind-tables",
                    "-fno-asynchronous-unwind-tables", *defines, "-T", "sp1.ld", *SOURCES, "-o", out],
                   cwd=HERE, check=True)


if __name__ == "__main__":
    build("sp1_guest.elf", [])
    build("pico_guest.elf", ["-DPICO"])
