"""Build guest programs (C or Zig) into zkaot ELFs with the Zig toolchain from PyPI.

The toolchain is the pinned `ziglang` wheel, run as ``sys.executable -m ziglang``,
so a fresh machine needs only pip. Every build links the guest SDK from
``runtime/guest/``: ``crt0.S`` (``_start``), ``printf.c``, ``zkaot.c`` (I/O, heap, mem*,
accelerators) and the linker script ``zkaot.ld``.

Builds are reproducible: the sources and the SDK are copied into a fresh
temporary directory under fixed relative names and compiled there, without debug
information (the linker script also drops any DWARF that the compiler runtime
brings), so the output bytes do not depend on where the sources or the toolchain
live. The symbol table is kept for profiling.
"""
from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from runtime.files import write_atomic
from runtime.scratch import scratch_dir

__all__ = ["ARCHS", "BuildError", "GUEST_DIR", "build", "build_command"]

#: Architecture name -> (Zig target triple, -mcpu value).
ARCHS: dict[str, tuple[str, str]] = {
    "rv64im": ("riscv64-freestanding-none", "generic_rv64+m"),
    "rv64ima": ("riscv64-freestanding-none", "generic_rv64+m+a"),
    "rv32im": ("riscv32-freestanding-none", "generic_rv32+m"),
}

#: C optimisation flag -> Zig build mode.
_ZIG_MODES = {
    "-O0": "Debug",
    "-O1": "ReleaseSafe",
    "-O2": "ReleaseFast",
    "-O3": "ReleaseFast",
    "-Os": "ReleaseSmall",
    "-Oz": "ReleaseSmall",
}
_C_OPTS = {v: k for k, v in reversed(list(_ZIG_MODES.items()))}  # Zig mode -> flag

GUEST_DIR = Path(__file__).resolve().parent.parent / "runtime" / "guest"
_SDK_FILES = ("crt0.S", "zkaot.c", "accel_ec.c", "accel_bls.c", "accel_pairing.c", "accel_bls_g2.c", "accel_kzg.c", "accel_map.c", "accel_hash.c", "printf.c", "zkaot.h", "zkvm_accelerators.h", "zkaot.ld", "zkaot.zig")
_C_EXTS = {".c", ".S", ".s"}
_DISCARD_DEBUG = "*(.debug .debug_*)"    # the line of zkaot.ld that drops DWARF
_TIMEOUT = 900  # seconds; a cold build of compiler_rt takes well under that


class BuildError(Exception):
    """A guest failed to build. str() is one line; ``log`` holds the full compiler output."""

    def __init__(self, message: str, log: str = ""):
        super().__init__(message)
        self.log = log


def _guest_dir() -> Path:
    try:  # installed layout: the runtime package carries guest/ as package data
        import runtime

        d = Path(runtime.__file__).resolve().parent / "guest"
        if (d / "zkaot.ld").is_file():
            return d
    except ImportError:
        pass
    return GUEST_DIR


def _c_opt(opt: str) -> str:
    if opt in _ZIG_MODES:
        return opt
    if opt in _C_OPTS:
        return _C_OPTS[opt]
    raise BuildError(f"unknown optimisation level {opt!r} (choose from {', '.join(_ZIG_MODES)})")


def build_command(
    sources: Sequence[str],
    arch: str = "rv64im",
    opt: str = "-O2",
    defines: Mapping[str, str | None] | None = None,
    extra_flags: Sequence[str] = (),
    out: str = "guest.elf",
    debug: bool = False,
) -> list[str]:
    """The toolchain command line (relative to the build directory) for `build`.

    ``sources`` are the names inside the build directory (``src/main.c``...);
    the SDK is expected under ``sdk/``. The first ``.zig`` source, if any, is the
    root of a ``zig build-exe``; otherwise ``zig cc`` compiles C and assembly.
    ``debug`` keeps DWARF (``-g``; the linker script must not discard it, see `build`).
    """
    if arch not in ARCHS:
        raise BuildError(f"unknown arch {arch!r} (choose from {', '.join(ARCHS)})")
    triple, cpu = ARCHS[arch]
    copt = _c_opt(opt)
    dflags = [f"-D{k}" if v is None else f"-D{k}={v}" for k, v in (defines or {}).items()]
    zig = [sys.executable, "-m", "ziglang"]
    zig_srcs = [s for s in sources if s.endswith(".zig")]
    c_srcs = [s for s in sources if not s.endswith(".zig")]
    if not zig_srcs:
        return [
            *zig, "cc",
            "-target", triple, f"-mcpu={cpu}", "-mcmodel=medany",
            copt, "-g" if debug else "-g0", "-std=gnu11", "-fno-sanitize=all",
            "-ffunction-sections", "-fdata-sections",
            "-fno-unwind-tables", "-fno-asynchronous-unwind-tables",
            "-Isdk", *dflags, *extra_flags,
            "-T", "sdk/zkaot.ld",
            "sdk/crt0.S", "sdk/zkaot.c", "sdk/printf.c", *c_srcs,
            "-o", out,
        ]
    # Zig: module-scoped options come before the -M flag of the module they
    # belong to; C and assembly files join the root module. -j1: with parallel
    # code generation the numbering of anonymous symbols (__anon_N in the
    # symbol table) varies from run to run.
    return [
        *zig, "build-exe", "-j1",
        "-target", triple, f"-mcpu={cpu}", "-mcmodel=medium",
        "-O", _ZIG_MODES[copt], "-fno-unwind-tables", *(["-fno-strip"] if debug else []),
        "-Isdk", *dflags, *extra_flags,
        "-T", "sdk/zkaot.ld",
        "--dep", "zkaot", f"-Mroot={zig_srcs[0]}",
        "sdk/crt0.S", "sdk/zkaot.c", "sdk/printf.c", *c_srcs,
        "-Mzkaot=sdk/zkaot.zig",
        "--name", "guest", f"-femit-bin={out}",
    ]


def _condense(log: str, names: Mapping[str, str]) -> str:
    """Every error line of a compiler log, one per line (a missing symbol's with where it is
    referenced), with build-dir names mapped back."""
    lines = log.splitlines()
    errors = []
    for i, line in enumerate(lines):
        if re.search(r"(^|\s)error:", line):
            nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
            referenced = nxt.startswith((">>> referenced by", "note: referenced by"))
            errors.append(line.strip() + (f" ({nxt.lstrip('>').strip()})" if referenced else ""))
    if not errors:
        tail = [ln.strip() for ln in lines if ln.strip()]
        errors = [tail[-1] if tail else "the toolchain failed without a message"]
    msg = "\n".join(errors)
    if names:  # one pass, longest name first, so replacements never compound
        pattern = "|".join(re.escape(k) for k in sorted(names, key=len, reverse=True))
        msg = re.sub(pattern, lambda m: names[m.group(0)], msg)
    return re.sub(r"/\S*/zig/o/[0-9a-f]+/", "", msg)  # cache object paths


def build(
    sources: Sequence[Path | str],
    out: Path | str,
    arch: str = "rv64im",
    opt: str = "-O2",
    defines: Mapping[str, str | None] | None = None,
    extra_flags: Sequence[str] = (),
    debug: bool = False,
) -> str:
    """Compile and link a guest; write the ELF to ``out``; return its SHA-256 (hex).

    ``sources``: C (``.c``), assembly (``.S``/``.s``) or Zig (``.zig``) files. With a
    ``.zig`` file the first one is the root module (it must ``export fn main() c_int``
    and may ``@import("zkaot")``); otherwise a C file must define ``int main(void)``.
    ``arch``: one of `ARCHS`. ``opt``: ``-O0/-O1/-O2/-O3/-Os/-Oz`` (or a Zig mode
    name). ``defines``: preprocessor macros for C sources; ``extra_flags`` are passed
    to the compiler unchanged. ``debug`` keeps DWARF (line info for profiles): the
    output then names the build's temporary directory and is not reproducible.
    ``out`` is replaced atomically: it is either the
    complete new ELF or untouched. Raises `BuildError` with a one-line message.
    """
    if arch not in ARCHS:
        raise BuildError(f"unknown arch {arch!r} (choose from {', '.join(ARCHS)})")
    _c_opt(opt)
    srcs = [Path(s) for s in sources]
    if not srcs:
        raise BuildError("no source files given")
    for s in srcs:
        if s.suffix not in _C_EXTS and s.suffix != ".zig":
            raise BuildError(f"{s}: unknown source type {s.suffix or '(none)'!r} (expected .c, .S, .s or .zig)")
        if not s.is_file():
            raise BuildError(f"{s}: no such file")
    names = [s.name for s in srcs]
    dup = next((n for n in names if names.count(n) > 1), None)
    if dup:
        raise BuildError(f"two sources are named {dup!r}: file names must be unique")
    guest = _guest_dir()
    out = Path(out)

    with scratch_dir(tempfile.gettempdir(), "zkaot-build-") as tmp:
        root = Path(tmp)
        (root / "sdk").mkdir()
        (root / "src").mkdir()
        for f in _SDK_FILES:
            shutil.copyfile(guest / f, root / "sdk" / f)
        if debug:
            script = root / "sdk" / "zkaot.ld"
            script.write_text(script.read_text().replace(_DISCARD_DEBUG, ""))
        rel = []
        name_map: dict[str, str] = {}
        for s in srcs:
            shutil.copyfile(s, root / "src" / s.name)
            rel.append(f"src/{s.name}")
            name_map[f"src/{s.name}"] = str(s)
        zig_root = next((s for s in srcs if s.suffix == ".zig"), None)
        if zig_root is not None:
            # Files the root imports by relative path (@import("util.zig")).
            for sib in sorted(zig_root.resolve().parent.glob("*.zig")):
                if not (root / "src" / sib.name).exists():
                    shutil.copyfile(sib, root / "src" / sib.name)
                    name_map[f"src/{sib.name}"] = str(sib)
        # Local headers keep working: search each source's own directory too.
        inc = []
        for d in dict.fromkeys(s.resolve().parent for s in srcs):
            inc.append(f"-I{d}")
        cmd = build_command(rel, arch, opt, defines, [*inc, *extra_flags], debug=debug)
        name_map = {f"{root.resolve()}/": "", f"{root}/": "", **name_map, "sdk/": f"{guest}/"}
        try:
            proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=_TIMEOUT)
        except FileNotFoundError as e:
            raise BuildError(f"cannot run the Python interpreter for the Zig toolchain: {e}") from None
        except subprocess.TimeoutExpired:
            raise BuildError(f"the build took longer than {_TIMEOUT} s and was stopped") from None
        log = proc.stdout + proc.stderr
        if proc.returncode != 0:
            if "No module named ziglang" in log:
                raise BuildError("the Zig toolchain is missing: pip install ziglang==0.17.1", log)
            raise BuildError(_condense(log, name_map), log)
        data = (root / "guest.elf").read_bytes()

    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out, data, executable=True)
    return hashlib.sha256(data).hexdigest()
