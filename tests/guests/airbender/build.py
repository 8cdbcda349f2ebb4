"""Rebuild the airbender test guest: `python tests/guests/airbender/build.py` (zkaot's Zig
toolchain; -g0 and fixed relative paths keep the bytes reproducible).  rv32im, linked at 0,
then cut to the raw binary Airbender runs (app.bin: the bytes of the loaded image from 0)."""
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCES = ["start.S", "guest.c"]


def build(out: str) -> None:
    zig = [sys.executable, "-m", "ziglang"]
    subprocess.run([*zig, "cc", "-target", "riscv32-freestanding-none", "-mcpu=generic_rv32+m+zicsr",
                    "-mcmodel=medany", "-O2", "-g0", "-fno-sanitize=all", "-ffunction-sections",
                    "-fdata-sections", "-fno-unwind-tables", "-fno-asynchronous-unwind-tables", "-nostdlib",
                    "-T", "airbender.ld", *SOURCES, "-o", "guest.elf"], cwd=HERE, check=True)
    subprocess.run([*zig, "objcopy", "-O", "binary", "-j", ".text", "guest.elf", out], cwd=HERE, check=True)
    (HERE / "guest.elf").unlink()


if __name__ == "__main__":
    build("app.bin")
