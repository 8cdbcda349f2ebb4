#!/usr/bin/env python3
"""Build the Linux-profile example programs and record what qemu-user makes of them.

    python examples/linux/build.py            # rebuild every program, record expected.json
    python examples/linux/build.py go_hello   # some of them
    python examples/linux/build.py --check    # rebuild into a temp dir and compare bytes

Go programs are built with Debian's Go (`apt-get install golang-go`, 1.19 here) as
`CGO_ENABLED=0 GOOS=linux GOARCH=riscv64`; C programs with Debian's
`gcc-riscv64-linux-gnu -static -O2` (glibc, rv64gc: compressed code, D instructions and the FP
CSRs).  Each program's `expected.json` holds its arguments, its stdin file, and the stdout and
exit status `qemu-riscv64` (Debian's qemu-user) gave when it was built, so the tests need
neither Go nor gcc nor qemu.  Both builds are reproducible (-trimpath and an empty build id
for Go; gcc embeds no time or path in a static -g0 executable).
"""
from __future__ import annotations

import argparse
import filecmp
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Program:
    """One example: its folder under examples/linux, how to run it, what builds it."""
    name: str
    language: str                      # "go" or "c"
    args: tuple[str, ...] = ()
    stdin: str | None = None           # a file in the program's folder

    @property
    def folder(self) -> Path:
        return HERE / self.name


PROGRAMS = (
    Program("go_hello", "go", args=("one", "two words")),
    Program("go_concurrency", "go"),
    Program("go_data", "go", stdin="input.txt"),
    Program("go_timers", "go"),
    Program("c_libc_float", "c", args=("argument",), stdin="input.txt"),
)

ELF = "prog.elf"


def _tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        sys.exit(f"build.py: {name} not found; install it with `apt-get install {package}`")
    return path


def build(program: Program, out: Path) -> None:
    """Compile `program` into `out`."""
    if program.language == "go":
        env = dict(os.environ, CGO_ENABLED="0", GOOS="linux", GOARCH="riscv64",
                   GO111MODULE="off", GOCACHE=str(Path(tempfile.gettempdir()) / "zkaot-go-cache"))
        subprocess.run([_tool("go", "golang-go"), "build", "-trimpath", "-ldflags=-s -w -buildid=",
                        "-o", str(out), "main.go"], cwd=program.folder, env=env, check=True)
    else:
        subprocess.run([_tool("riscv64-linux-gnu-gcc", "gcc-riscv64-linux-gnu"), "-static", "-O2", "-g0",
                        "-o", str(out), "main.c", "-lm"], cwd=program.folder, check=True)
        subprocess.run([_tool("riscv64-linux-gnu-strip", "binutils-riscv64-linux-gnu"), str(out)], check=True)


def record(program: Program, elf: Path) -> dict:
    """Run `elf` under qemu-riscv64 and return what the tests compare against."""
    stdin = (program.folder / program.stdin).read_bytes() if program.stdin else b""
    done = subprocess.run([_tool("qemu-riscv64", "qemu-user"), str(elf), *program.args], input=stdin,
                          capture_output=True, timeout=120)
    return {"args": list(program.args), "stdin": program.stdin,
            "stdout": done.stdout.decode(), "exit": done.returncode,
            "recorded_with": "qemu-riscv64 (Debian qemu-user)"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="programs to build (default: all)")
    parser.add_argument("--check", action="store_true", help="rebuild into a temp dir and compare bytes")
    args = parser.parse_args()
    chosen = [p for p in PROGRAMS if not args.names or p.name in args.names]
    unknown = set(args.names) - {p.name for p in PROGRAMS}
    if unknown:
        sys.exit(f"build.py: no program {', '.join(sorted(unknown))}; the programs are "
                 f"{', '.join(p.name for p in PROGRAMS)}")
    failed = 0
    for program in chosen:
        if args.check:
            with tempfile.TemporaryDirectory() as tmp:
                fresh = Path(tmp) / ELF
                build(program, fresh)
                same = filecmp.cmp(fresh, program.folder / ELF, shallow=False)
            print(f"{program.name}: {'same bytes' if same else 'DIFFERENT'}")
            failed += not same
            continue
        elf = program.folder / ELF
        build(program, elf)
        expected = record(program, elf)
        (program.folder / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")
        print(f"{program.name}: {elf.stat().st_size:,} bytes, exit {expected['exit']}, "
              f"{len(expected['stdout'].splitlines())} lines")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
