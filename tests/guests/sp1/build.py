"""Rebuild the sp1 and pico test guests: `python tests/guests/sp1/build.py` (zkaot's Zig
toolchain; -g0 and fixed relative paths keep the bytes reproducible).  rv32 for SP1 v4/v5
and the rv32 Pico, rv64 for SP1 v6 and the rv64 Pico, and an rv32 guest of SP1 before v4."""
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCES = ["start.S", "vendor_rt.c", "guest.c"]
TARGETS = {32: ("riscv32-freestanding-none", "generic_rv32+m", "sp1.ld"),
           64: ("riscv64-freestanding-none", "generic_rv64+m", "sp1_64.ld")}


def build(out: str, xlen: int, defines: list[str]) -> None:
    triple, cpu, script = TARGETS[xlen]
    subprocess.run([sys.executable, "-m", "ziglang", "cc", "-target", triple, f"-mcpu={cpu}", "-mcmodel=medany",
                    "-O2", "-g0", "-fno-sanitize=all", "-ffunction-sections", "-fdata-sections",
                    "-fno-unwind-tables", "-fno-asynchronous-unwind-tables", *defines, "-T", script, *SOURCES,
                    "-o", out], cwd=HERE, check=True)


if __name__ == "__main__":
    for xlen, suffix in ((32, ""), (64, "_64")):
        build(f"sp1{suffix}_guest.elf", xlen, [])
        build(f"pico{suffix}_guest.elf", xlen, ["-DPICO"])
    build("sp1_v3_guest.elf", 32, ["-DSP1_V3"])
