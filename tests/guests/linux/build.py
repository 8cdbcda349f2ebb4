"""Rebuild the linux-profile test guests: `python tests/guests/linux/build.py` (zkaot's Zig
toolchain; -g0 and fixed relative paths keep the bytes reproducible).  linux_guest.elf is a
static rv64ima Linux executable made without a libc: it talks to the kernel ABI directly.
pthreads.elf is a musl C program with POSIX threads, without musl's debug information (1.7 MB
with it; Zig's linker drops the symbol table too, so only `--profile linux` takes it).  With qemu-riscv64 (Debian's qemu-user)
on the PATH it also records what the thread tests, whose output does not depend on how
threads are scheduled, print and exit with there (expected.json, by command line), which
tests/test_profile_linux_threads.py holds zkaot to."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
QEMU_RUNS = [("linux_guest.elf", test) for test in ("threads", "condvar", "preempt", "thread_exit", "timeout", "ids")] \
    + [("pthreads.elf", "1000")]


def build() -> None:
    zig_cc = [sys.executable, "-m", "ziglang", "cc", "-mcpu=generic_rv64+m+a", "-static", "-O2", "-g0"]
    subprocess.run([*zig_cc, "-target", "riscv64-linux-none", "-nostdlib", "-fno-sanitize=all",
                    "-fno-stack-protector", "-fno-unwind-tables", "-fno-asynchronous-unwind-tables", "-fno-builtin",
                    "start.S", "guest.c", "-o", "linux_guest.elf"], cwd=HERE, check=True)
    subprocess.run([*zig_cc, "-target", "riscv64-linux-musl", "-Wl,--strip-debug", "pthreads.c", "-o", "pthreads.elf"], cwd=HERE, check=True)


def record() -> None:
    expected = {}
    for elf, arg in QEMU_RUNS:
        run = subprocess.run(["qemu-riscv64", elf, arg], cwd=HERE, capture_output=True, timeout=60)
        expected[f"{elf} {arg}"] = {"stdout": run.stdout.decode(), "exit": run.returncode}
    (HERE / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")


if __name__ == "__main__":
    build()
    if shutil.which("qemu-riscv64"):
        record()
