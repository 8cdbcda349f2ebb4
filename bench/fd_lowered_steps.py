"""Steps per lowered F/D instruction (docs/float.md): a linux-profile program runs each
instruction on N ordinary operand sets (normal numbers between 2^-20 and 2^20, integers below
2^31, rm = RNE) on the interpreter; the same program without the instruction is subtracted,
so a count is the site step, the trampoline, zkfp_execute and the return step.

    python bench/fd_lowered_steps.py      # writes bench/results/fd_lowered_steps.md
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from elf_factory import PF_R, PF_W, PF_X, Seg, build_elf  # noqa: E402
from runtime.profiles import PROFILES  # noqa: E402
from translator.assembler import assemble  # noqa: E402
from translator.interpreter import Interpreter  # noqa: E402
from zkaot.recognise import load_guest  # noqa: E402

N = 200
CODE, DATA = 0x10000, 0x20000
# name, what its operands are (d: double, s: single, x: integer), the instruction with f1, f2, f3, a5
MEASURED = [
    ("fadd.d", "dd", "fadd.d f4, f1, f2, rne"), ("fmul.d", "dd", "fmul.d f4, f1, f2, rne"),
    ("fdiv.d", "dd", "fdiv.d f4, f1, f2, rne"), ("fsqrt.d", "d", "fsqrt.d f4, f1, rne"),
    ("fmadd.d", "ddd", "fmadd.d f4, f1, f2, f3, rne"), ("fadd.s", "ss", "fadd.s f4, f1, f2, rne"),
    ("fcvt.w.d", "d", "fcvt.w.d a0, f1, rne"), ("fcvt.d.w", "x", "fcvt.d.w f4, a5, rne"),
    ("fcvt.s.d", "d", "fcvt.s.d f4, f1, rne"), ("fcvt.d.s", "s", "fcvt.d.s f4, f1, rne"),
    ("feq.d", "dd", "feq.d a0, f1, f2"), ("flt.d", "dd", "flt.d a0, f1, f2"),
    ("fmin.d", "dd", "fmin.d f4, f1, f2"), ("fmv.x.d", "d", "fmv.x.d a0, f1"),
    ("fmv.d.x", "x", "fmv.d.x f4, a5"), ("fld", "d", "fld f4, 0(a1)"), ("fsd", "d", "fsd f1, 32(a1)"),
    ("frcsr (csrrs a0, fcsr, x0)", "", "csrrs a0, 0x3, zero"),
]


def operand_sets(kinds: str, rng) -> np.ndarray:
    """N rows of 4 u64: f1, f2, f3 (NaN-boxed singles) and a5."""
    rows = np.zeros((N, 4), np.uint64)
    for i, kind in enumerate(kinds):
        mag = np.exp2(rng.uniform(-20, 20, N)) * rng.choice([-1.0, 1.0], N)
        if kind == "d":
            rows[:, i] = mag.view(np.uint64) & ~np.uint64(1 << 63) if len(kinds) == 1 else mag.view(np.uint64)
        elif kind == "s":
            rows[:, i] = mag.astype(np.float32).view(np.uint32).astype(np.uint64) | np.uint64(0xFFFF_FFFF_0000_0000)
        else:
            rows[:, 3] = rng.integers(-(2**31), 2**31, N).astype(np.int64).view(np.uint64)
    return rows


def steps(instruction: str, rows: np.ndarray) -> int:
    source = f"""
        lui a1, {DATA >> 12:#x}
        addi s1, zero, {N}
    loop:
        fld f1, 0(a1)
        fld f2, 8(a1)
        fld f3, 16(a1)
        ld a5, 24(a1)
        {instruction}
        addi a1, a1, 40
        addi s1, s1, -1
        bne s1, zero, loop
        addi a0, zero, 0
        addi a7, zero, 94
        ecall"""
    data = np.concatenate([rows, np.zeros((N, 1), np.uint64)], 1).tobytes()
    elf = build_elf([Seg(CODE, PF_R | PF_X, assemble(source, CODE)), Seg(DATA, PF_R | PF_W, data)])
    linux = PROFILES["linux"]
    result = Interpreter(load_guest(elf, "linux").program, memory_map=linux.maps[64], calls=linux.calls[64]).run()
    assert result.exit_code == 0, result.fault
    return result.steps


def main() -> int:
    rng = np.random.default_rng(7)
    lines = ["# Steps per lowered F/D instruction (`bench/fd_lowered_steps.py`)", "",
             f"A linux-profile program on the interpreter, {N} ordinary operand sets each (normal numbers in "
             "2^-20..2^20, non-negative where there is one; integers below 2^31), rm = RNE; the same program without "
             "the instruction subtracted.  Each count is the site step, the trampoline (36 steps), "
             "zkfp_execute and the return step.", "",
             "| instruction | mean steps |", "| --- | ---: |"]
    for name, kinds, instruction in MEASURED:
        rows = operand_sets(kinds, rng)
        cost = (steps(instruction, rows) - steps("addi zero, zero, 0", rows)) / N + 1   # the nop's step
        lines.append(f"| {name} | {cost:.0f} |")
        print(lines[-1], flush=True)
    (ROOT / "bench" / "results" / "fd_lowered_steps.md").write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
