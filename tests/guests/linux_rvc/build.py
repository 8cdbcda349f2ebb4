"""Rebuild the linux-profile C-extension test guest: `python tests/guests/linux_rvc/build.py`.
zkaot's Zig toolchain with musl, rv64imac (-g0 and fixed relative paths keep the bytes
reproducible); then qemu-riscv64 (Debian's qemu-user) runs it and its stdout and exit status
are recorded beside it (expected.stdout, expected.exit), so the tests need neither."""
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def build(out: str) -> None:
    subprocess.run([sys.executable, "-m", "ziglang", "cc", "-target", "riscv64-linux-musl",
                    "-mcpu=generic_rv64+m+a+c", "-static", "-O2", "-g0", "-Wl,--strip-debug", "guest.c", "-o", out],
                   cwd=HERE, check=True)


def record(elf: str) -> None:
    run = subprocess.run(["qemu-riscv64", elf], cwd=HERE, capture_output=True, check=False)
    (HERE / "expected.stdout").write_bytes(run.stdout)
    (HERE / "expected.exit").write_text(f"{run.returncode}\n")


if __name__ == "__main__":
    build("linux_rvc_guest.elf")
    record("linux_rvc_guest.elf")
