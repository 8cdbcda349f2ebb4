"""The soft-float library (runtime/guest/softfp) built for the host, next to a reference
made of Berkeley SoftFloat as softfloatpy ships it (tests/softfp/oracle.c).

Both are one shared library compiled with the pinned Zig toolchain and loaded into this
process after softfloatpy, whose SoftFloat symbols the reference links against.
"""
from __future__ import annotations

import ctypes
import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from runtime import softfp
from runtime.files import write_atomic

HERE = Path(__file__).resolve().parent / "softfp"
SOURCES = [softfp.SOURCE_DIR / s for s in softfp.C_SOURCES] + [HERE / "batch.c", HERE / "oracle.c"]

_U64 = np.ctypeslib.ndpointer(np.uint64, flags="C_CONTIGUOUS")
_U8 = np.ctypeslib.ndpointer(np.uint8, flags="C_CONTIGUOUS")


def _build(out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        so = Path(tmp) / "lib.so"
        proc = subprocess.run([sys.executable, "-m", "ziglang", "cc", "-shared", "-fPIC", "-O2", "-std=gnu11",
                               "-Wall", "-Werror", f"-I{softfp.SOURCE_DIR}", *map(str, SOURCES), "-o", str(so)],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"building the host soft-float library failed:\n{proc.stderr}")
        write_atomic(out, so.read_bytes())


class Native:
    """zkfp_batch (the library) and oracle_batch (SoftFloat) on numpy arrays."""

    def __init__(self, cache_dir: Path | None = None):
        import softfloatpy._core as core

        # SoftFloat's symbols become visible to libraries loaded after this.
        ctypes.CDLL(core.__file__, mode=os.RTLD_GLOBAL | getattr(os, "RTLD_NOLOAD", 0))
        digest = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(SOURCES + [softfp.SOURCE_DIR / "zkfp.h",
                                                                                   softfp.SOURCE_DIR / "fp_internal.h"]))).hexdigest()
        cache = Path(cache_dir or tempfile.gettempdir())
        so = cache / f"zkaot-softfp-{digest[:16]}.so"
        if not so.exists():
            _build(so)
        lib = ctypes.CDLL(str(so))
        lib.zkfp_batch.argtypes = [ctypes.c_uint32, ctypes.c_uint64, ctypes.c_int, ctypes.c_long,
                                   _U64, _U64, _U64, _U64, _U64, _U8, _U8]
        lib.zkfp_batch.restype = None
        lib.oracle_batch.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_long, _U64, _U64, _U64, _U64, _U64, _U8]
        lib.oracle_batch.restype = None
        lib.oracle_op_name.restype = ctypes.c_char_p
        lib.zkfp_execute.argtypes = [_U64]
        lib.zkfp_execute.restype = None
        self.oracle_ops = [lib.oracle_op_name(i).decode() for i in range(lib.oracle_op_count())]
        self.lib = lib

    def run(self, insn: int, fcsr: int, writes_x: bool, a, b, c, x):
        """The library on each case: (results, fflags, status) arrays."""
        n = len(a)
        out, flags, status = np.zeros(n, np.uint64), np.zeros(n, np.uint8), np.zeros(n, np.uint8)
        self.lib.zkfp_batch(insn, fcsr, int(writes_x), n, a, b, c, x, out, flags, status)
        return out, flags, status

    def execute(self, block: np.ndarray) -> None:
        """zkfp_execute on a whole block (softfp.SIZE // 8 u64 words), in place."""
        assert block.dtype == np.uint64 and block.size == softfp.SIZE // 8
        self.lib.zkfp_execute(block)

    def reference(self, op: str, rm: int, a, b, c, x):
        """SoftFloat on each case: (results, fflags) arrays."""
        n = len(a)
        out, flags = np.zeros(n, np.uint64), np.zeros(n, np.uint8)
        self.lib.oracle_batch(self.oracle_ops.index(op), rm, n, a, b, c, x, out, flags)
        return out, flags
