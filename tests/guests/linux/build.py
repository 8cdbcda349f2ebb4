"""Rebuild the linux-profile test guest: `python tests/guests/linux/build.py` (zkaot's Zig
toolchain; -g0 and fixed relative paths keep the bytes reproducible).  A static rv64ima
Linux executable made without a libc: it talks to the kernel ABI directly."""
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def build(out: str) -> None:
    subprocess.run([sys.executable, "-m", "ziglang", "cc", "-target", "riscv64-linux-none", "-mcpu=generic_rv64+m+a",
                    "-static", "-nostdlib", "-O2", "-g0", "-fno-sanitize=all", "-fno-stack-protector",
                    "-fno-unwind-tables", "-fno-asynchronous-unwind-tables", "-fno-builtin",
                    "start.S", "guest.c", "-o", out], cwd=HERE, check=True)


if __name__ == "__main__":
    build("linux_guest.elf")
