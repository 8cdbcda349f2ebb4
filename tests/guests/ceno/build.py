"""Rebuild the ceno test guest: `python tests/guests/ceno/build.py` (zkaot's Zig toolchain; -g0
and fixed relative paths keep the bytes reproducible).  rv32im, as Ceno's riscv32im target."""
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    subprocess.run([sys.executable, "-m", "ziglang", "cc", "-target", "riscv32-freestanding-none",
                    "-mcpu=generic_rv32+m", "-mcmodel=medany", "-O2", "-g0", "-fno-sanitize=all",
                    "-ffunction-sections", "-fdata-sections", "-fno-unwind-tables",
                    "-fno-asynchronous-unwind-tables", "-nostdlib", "-T", "ceno.ld", "start.S", "guest.c",
                    "-o", "ceno_guest.elf"], cwd=HERE, check=True)
