"""Rebuild the linux-profile test guest: `python tests/guests/linux/build.py` (zkaot's Zig
toolchain; -g0 and fixed relative paths keep the bytes reproducible).  A static rv64ima
Linux executable made without a libc: it talks to the kernel ABI directly.  With
qemu-riscv64 (Debian's qemu-user) on the PATH it also records what the thread tests, whose
output does not depend on how threads are scheduled, print and exit with there
(expected.json), which tests/test_profile_linux_threads.py holds zkaot to."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
QEMU_TESTS = ("threads", "condvar", "preempt", "thread_exit", "timeout", "ids")


def build(out: str) -> None:
    subprocess.run([sys.executable, "-m", "ziglang", "cc", "-target", "riscv64-linux-none", "-mcpu=generic_rv64+m+a",
                    "-static", "-nostdlib", "-O2", "-g0", "-fno-sanitize=all", "-fno-stack-protector",
                    "-fno-unwind-tables", "-fno-asynchronous-unwind-tables", "-fno-builtin",
                    "start.S", "guest.c", "-o", out], cwd=HERE, check=True)


def record(elf: str) -> None:
    expected = {}
    for test in QEMU_TESTS:
        run = subprocess.run(["qemu-riscv64", elf, test], cwd=HERE, capture_output=True, timeout=60)
        expected[test] = {"stdout": run.stdout.decode(), "exit": run.returncode}
    (HERE / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")


if __name__ == "__main__":
    build("linux_guest.elf")
    if shutil.which("qemu-riscv64"):
        record("linux_guest.elf")
