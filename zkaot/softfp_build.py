"""Build the soft-float guest image (runtime/guest/softfp/zkfp.elf) with the pinned Zig toolchain.

    python -m zkaot.softfp_build            # rebuild the committed image
    python -m zkaot.softfp_build --check    # rebuild into a temp dir and compare bytes

As with `zkaot.build`, the sources are copied to fixed names in a fresh directory and
compiled there with -g0, so the bytes do not depend on where anything lives.
"""
from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from runtime import softfp
from runtime.files import write_atomic
from zkaot.build import ARCHS, BuildError

HEADERS = ("zkfp.h", "fp_internal.h")
SCRIPT = "zkfp.ld"
ENTRY = "zkfp_entry.S"
#: beyond zkaot.build's flags: no frame pointer, which would cost steps in every call
FLAGS = ("-fomit-frame-pointer",)


def image_command(out: str = "zkfp.elf") -> list[str]:
    """The toolchain command line, run in a directory holding the sources under their own names."""
    triple, cpu = ARCHS["rv64im"]
    return [sys.executable, "-m", "ziglang", "cc", "-target", triple, f"-mcpu={cpu}", "-mcmodel=medany",
            "-O2", "-g0", "-std=gnu11", "-Wall", "-Werror", "-fno-sanitize=all", *FLAGS,
            "-ffunction-sections", "-fdata-sections", "-fno-unwind-tables", "-fno-asynchronous-unwind-tables",
            "-Wl,--entry=zkfp_entry", "-T", SCRIPT, ENTRY, *softfp.C_SOURCES, "-o", out]


def build_image(out: Path | str = softfp.IMAGE) -> str:
    """Compile and link the image to out; return its SHA-256 (hex)."""
    with tempfile.TemporaryDirectory(prefix="zkaot-softfp-") as tmp:
        for name in (*HEADERS, SCRIPT, ENTRY, *softfp.C_SOURCES):
            shutil.copyfile(softfp.SOURCE_DIR / name, Path(tmp) / name)
        proc = subprocess.run(image_command(), cwd=tmp, capture_output=True, text=True)
        if proc.returncode != 0:
            raise BuildError("zkfp image: " + (proc.stderr.strip().splitlines() or ["the toolchain failed"])[-1],
                             proc.stdout + proc.stderr)
        data = (Path(tmp) / "zkfp.elf").read_bytes()
    write_atomic(Path(out), data)
    return hashlib.sha256(data).hexdigest()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="rebuild into a temp dir and compare with the committed image")
    args = ap.parse_args(argv)
    if not args.check:
        print(f"{softfp.IMAGE}: sha256 {build_image()}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        build_image(Path(tmp) / "zkfp.elf")
        same = (Path(tmp) / "zkfp.elf").read_bytes() == softfp.IMAGE.read_bytes()
    print("same bytes as the committed image" if same else "DIFFERS from the committed image")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
