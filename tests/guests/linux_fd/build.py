"""Rebuild the linux-profile F/D test guest and record what qemu-user makes of it:
`python tests/guests/linux_fd/build.py` (zkaot's Zig toolchain, musl, rv64imafd without the C
extension; -g0 and fixed relative paths keep the bytes reproducible).  expected.txt holds the
exit status on its first line, then stdout, as Debian's qemu-riscv64 ran the ELF."""
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ELF = "fd_guest.elf"


def build(out: str) -> None:
    subprocess.run([sys.executable, "-m", "ziglang", "cc", "-target", "riscv64-linux-musl",
                    "-mcpu=generic_rv64+m+a+f+d", "-static", "-O2", "-g0", "-fno-sanitize=all",
                    "fd.c", "-o", out], cwd=HERE, check=True)


def record(elf: str) -> str:
    run = subprocess.run(["qemu-riscv64", elf], cwd=HERE, capture_output=True)
    return f"{run.returncode}\n" + run.stdout.decode()


if __name__ == "__main__":
    build(ELF)
    (HERE / "expected.txt").write_text(record(ELF))
