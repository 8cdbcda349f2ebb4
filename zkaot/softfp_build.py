"""Build the soft-float guest images (runtime/guest/softfp/zkfp-<profile>.elf, one per
placement of runtime/softfp.py) with the pinned Zig toolchain.

    python -m zkaot.softfp_build            # rebuild the committed images
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
    """The toolchain command line, run in a directory holding the sources under their own names
    (the linker script with the placement's ZKFP_BASE defined first)."""
    triple, cpu = ARCHS["rv64im"]
    return [sys.executable, "-m", "ziglang", "cc", "-target", triple, f"-mcpu={cpu}", "-mcmodel=medany",
            "-O2", "-g0", "-std=gnu11", "-Wall", "-Werror", "-fno-sanitize=all", *FLAGS,
            "-ffunction-sections", "-fdata-sections", "-fno-unwind-tables", "-fno-asynchronous-unwind-tables",
            "-Wl,--entry=zkfp_entry", "-T", SCRIPT, ENTRY,
            *softfp.C_SOURCES, "-o", out]


def build_image(placement: softfp.Placement, out: Path | str | None = None) -> str:
    """Compile and link the placement's image to out (default: its committed path); return its
    SHA-256 (hex)."""
    with tempfile.TemporaryDirectory(prefix="zkaot-softfp-") as tmp:
        for name in (*HEADERS, ENTRY, *softfp.C_SOURCES):
            shutil.copyfile(softfp.SOURCE_DIR / name, Path(tmp) / name)
        script = (softfp.SOURCE_DIR / SCRIPT).read_text()
        (Path(tmp) / SCRIPT).write_text(f"ZKFP_BASE = {placement.entry:#x};\n{script}")
        proc = subprocess.run(image_command(), cwd=tmp, capture_output=True, text=True)
        if proc.returncode != 0:
            raise BuildError("zkfp image: " + (proc.stderr.strip().splitlines() or ["the toolchain failed"])[-1],
                             proc.stdout + proc.stderr)
        data = (Path(tmp) / "zkfp.elf").read_bytes()
    write_atomic(Path(out or placement.image), data)
    return hashlib.sha256(data).hexdigest()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true",
                    help="rebuild into a temp dir and compare with the committed images")
    args = ap.parse_args(argv)
    if not args.check:
        for placement in softfp.PLACEMENTS:
            print(f"{placement.image}: sha256 {build_image(placement)}")
        return 0
    differ = []
    with tempfile.TemporaryDirectory() as tmp:
        for placement in softfp.PLACEMENTS:
            build_image(placement, Path(tmp) / "zkfp.elf")
            if (Path(tmp) / "zkfp.elf").read_bytes() != placement.image.read_bytes():
                differ.append(placement.image.name)
    print(f"DIFFERS from the committed image: {', '.join(differ)}" if differ else "same bytes as the committed images")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
