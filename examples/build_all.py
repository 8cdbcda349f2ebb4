#!/usr/bin/env python3
"""Rebuild the committed example ELFs (examples/NAME/guest.ARCH.elf).

    python examples/build_all.py              # rebuild all
    python examples/build_all.py sha256 sort  # rebuild some
    python examples/build_all.py --check      # rebuild into a temp dir, compare bytes

Each ELF is also disassembled to confirm it holds no compressed, F/D or CSR
instructions. Builds are reproducible, so --check must report no difference on
any machine with the pinned toolchain (ziglang 0.17.1).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent
sys.path.insert(0, str(EXAMPLES.parent))

from zkaot.build import BuildError, build  # noqa: E402
from zkaot.check import check  # noqa: E402

#: example -> (source file, architectures with a committed ELF)
EXAMPLE_BUILDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "fibonacci": ("main.c", ("rv64im", "rv32im")),
    "sha256": ("main.c", ("rv64im", "rv32im")),
    "keccak": ("main.c", ("rv64im",)),
    "bignum": ("main.c", ("rv64im", "rv32im")),
    "sort": ("main.c", ("rv64im",)),
    "zig_collatz": ("main.zig", ("rv64im", "rv32im")),
    "misaligned_atomics": ("main.c", ("rv64ima",)),
    "coremark_like": ("main.c", ("rv64im", "rv32im")),
    "sha256_soft": ("main.c", ("rv64im", "rv32im")),
    "dispatch": ("main.c", ("rv64im", "rv32im")),
}
OPT = "-O2"


def elf_path(name: str, arch: str, root: Path = EXAMPLES) -> Path:
    return root / name / f"guest.{arch}.elf"


def build_example(name: str, arch: str, out: Path) -> str:
    """Build one example's ELF to out; return its SHA-256 (hex)."""
    src, _ = EXAMPLE_BUILDS[name]
    return build([EXAMPLES / name / src], out, arch=arch, opt=OPT)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help="examples to build (default: all)")
    ap.add_argument("--check", action="store_true", help="build into a temp dir and compare with the committed ELFs")
    args = ap.parse_args(argv)
    names = args.names or list(EXAMPLE_BUILDS)
    unknown = [n for n in names if n not in EXAMPLE_BUILDS]
    if unknown:
        print(f"unknown example(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            for arch in EXAMPLE_BUILDS[name][1]:
                out = elf_path(name, arch, Path(tmp)) if args.check else elf_path(name, arch)
                try:
                    digest = build_example(name, arch, out)
                except BuildError as e:
                    print(f"{name} {arch}: {e}", file=sys.stderr)
                    failed += 1
                    continue
                problems = check(str(out), atomics=arch.endswith("a"))
                status = "ok"
                if problems:
                    status = f"BAD CODE: {problems[0]}"
                    failed += 1
                elif args.check and out.read_bytes() != elf_path(name, arch).read_bytes():
                    status = "DIFFERS from the committed ELF"
                    failed += 1
                print(f"{name:20} {arch:8} {out.stat().st_size:7} B  sha256 {digest[:16]}  {status}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
