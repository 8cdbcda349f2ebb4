"""Rebuild the risc0 test guests: `python tests/guests/risc0/build.py` (zkaot's Zig toolchain;
-g0 and fixed relative paths keep the bytes reproducible).  risc0_guest.elf is a plain user ELF;
risc0_guest.r0bf is the same ELF in an R0BF container, with kernel.S's stand-in as its kernel."""
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))
from translator.r0bf import encode_container  # noqa: E402

FLAGS = ["-target", "riscv32-freestanding-none", "-mcpu=generic_rv32+m", "-mcmodel=medany", "-O2", "-g0",
         "-fno-sanitize=all", "-ffunction-sections", "-fdata-sections", "-fno-unwind-tables",
         "-fno-asynchronous-unwind-tables"]


def cc(out: str, *args: str) -> bytes:
    subprocess.run([sys.executable, "-m", "ziglang", "cc", *FLAGS, *args, "-o", out], cwd=HERE, check=True)
    return (HERE / out).read_bytes()


if __name__ == "__main__":
    user = cc("risc0_guest.elf", "-T", "risc0.ld", "start.S", "guest.c")
    kernel = cc("kernel.elf", "-nostdlib", "-T", "kernel.ld", "kernel.S")
    (HERE / "kernel.elf").unlink()
    (HERE / "risc0_guest.r0bf").write_bytes(encode_container(user, kernel))
