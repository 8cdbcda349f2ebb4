"""Steps per F/D instruction on the interpreter: the harness guest (tests/guests/softfp) calls
zkfp_execute on ordinary operands (random normal numbers between 2^-20 and 2^20, integers below
2^31) and reads the cycle count around each call.

    python bench/softfp_steps.py      # writes bench/results/softfp_steps.md

A lowered instruction costs these steps plus the 38 of its call (docs/float.md: the site step,
the trampoline's 36 and the return step); bench/fd_lowered_steps.py measures whole lowered
instructions in a linux-profile program.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import zkaot  # noqa: E402
from runtime import softfp  # noqa: E402
from softfp_cases import OPS  # noqa: E402
from zkaot.build import build  # noqa: E402
from zkaot.softfp_build import FLAGS  # noqa: E402

HARNESS = ROOT / "tests" / "guests" / "softfp" / "main.c"
OPS_MEASURED = ["FADD_D", "FSUB_D", "FMUL_D", "FDIV_D", "FSQRT_D", "FMADD_D", "FNMSUB_D", "FADD_S", "FMUL_S",
                "FDIV_S", "FSQRT_S", "FMADD_S", "FCVT_W_D", "FCVT_L_D", "FCVT_D_W", "FCVT_D_L", "FCVT_S_D",
                "FCVT_D_S", "FEQ_D", "FLT_D", "FMIN_D", "FSGNJ_D", "FCLASS_D", "FMV_X_D", "FMV_D_X"]
N = 1000
CALL = 38         # the site step, zkfp_entry (16 stores, 2 set-ups, jal, 16 loads) and the return step


def ordinary(kind: str, rng, n: int) -> np.ndarray:
    if kind == "x":
        return rng.integers(-(2**31), 2**31, n).astype(np.int64).view(np.uint64)
    mag = np.exp2(rng.uniform(-20, 20, n)) * rng.choice([-1.0, 1.0], n)
    if kind == "d":
        return mag.view(np.uint64)
    return mag.astype(np.float32).view(np.uint32).astype(np.uint64) | np.uint64(0xFFFF_FFFF_0000_0000)


def steps(guest: Path, rows: np.ndarray) -> np.ndarray:
    data = np.concatenate([np.array([len(rows)], np.uint64), rows.ravel()]).tobytes()
    result = zkaot.execute(guest, data, engine="interp")
    assert result.fault is None and result.exit_code == 0
    return np.frombuffer(result.output, np.uint64).reshape(-1, 5)[:, 4].astype(np.int64)


def main() -> int:
    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory() as tmp:
        guest = Path(tmp) / "harness.elf"
        build([HARNESS, *(softfp.SOURCE_DIR / s for s in softfp.C_SOURCES)], guest, extra_flags=FLAGS)
        empty = Path(tmp) / "empty.elf"     # the same harness without the call: what measuring adds
        src = Path(tmp) / "main.c"
        src.write_text(HARNESS.read_text().replace("zkfp_execute(&blk);", "__asm__ volatile(\"\" ::: \"memory\");"))
        build([src], empty, extra_flags=[f"-I{softfp.SOURCE_DIR}", *FLAGS])
        zero = np.zeros((N, 6), np.uint64)
        overhead = int(np.median(steps(empty, zero)))
        lines = ["# Steps per F/D instruction (`bench/softfp_steps.py`)", "",
                 f"zkfp_execute on the interpreter, {N} ordinary operand sets each (normal numbers in "
                 "2^-20..2^20, integers below 2^31), rm = RNE; the measuring's own "
                 f"{overhead} steps subtracted.  A lowered instruction adds its call ({CALL} steps: the site "
                 "step, the trampoline and the return step).", "",
                 "| instruction | median | min | max | lowered total (median) |", "| --- | ---: | ---: | ---: | ---: |"]
        for name in OPS_MEASURED:
            op = OPS[name]
            cols = [ordinary(k, rng, N) if k != "-" else np.zeros(N, np.uint64) for k in op.operands]
            if name.startswith("FSQRT"):            # a negative operand would take the invalid path
                cols[0] &= ~np.uint64(1 << (63 if name.endswith("D") else 31))
            a, b, c, x = (np.zeros(N, np.uint64),) * 3 + (cols[0],) if op.operands[0] == "x" else (*cols, np.zeros(N, np.uint64))
            rows = np.stack([np.full(N, op.encode(0), np.uint64), np.zeros(N, np.uint64), a, b, c, x], 1)
            s = steps(guest, rows) - overhead
            total = int(np.median(s)) + CALL
            lines.append(f"| {name.lower().replace('_', '.')} | {int(np.median(s))} | {s.min()} | {s.max()} | {total} |")
            print(lines[-1], flush=True)
    (ROOT / "bench" / "results" / "softfp_steps.md").write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
