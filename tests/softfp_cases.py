"""The RISC-V F/D operations the soft-float tests cover: how each is encoded and which
operands it takes, and random and edge-case operands for them (numpy, vectorised).

Register convention of the test batches (tests/softfp/batch.c): f1, f2, f3 are the
operands, f4 the floating-point destination; xin stands for the integer source.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RD, RS1, RS2, RS3 = 4, 1, 2, 3
S, D = 0, 1
DYN = 7


@dataclass(frozen=True)
class Op:
    name: str
    operands: str        # kinds of f1, f2, f3 ("s" single, "d" double, "-" unused), or "x--": xin only
    writes_x: bool       # the result goes to an integer register (xout)
    rounds: bool         # the rm field is a rounding mode
    opcode: int
    funct5: int = 0      # OP-FP (0x53) only
    fmt: int = S
    rs2: int = RS2       # the rs2 field when it selects an operation
    funct3: int = 0      # when it is not the rounding mode

    def encode(self, rm: int = 0) -> int:
        f3 = rm if self.rounds else self.funct3
        rd = 5 if self.writes_x else RD
        if self.opcode != 0x53:  # R4: fused multiply-add
            return RS3 << 27 | self.fmt << 25 | RS2 << 20 | RS1 << 15 | f3 << 12 | rd << 7 | self.opcode
        return (self.funct5 << 2 | self.fmt) << 25 | self.rs2 << 20 | RS1 << 15 | f3 << 12 | rd << 7 | 0x53


def _ops() -> list[Op]:
    ops = []
    for fmt, t in ((S, "s"), (D, "d")):
        u = t.upper()
        for name, f5 in (("FADD", 0), ("FSUB", 1), ("FMUL", 2), ("FDIV", 3)):
            ops.append(Op(f"{name}_{u}", t + t + "-", False, True, 0x53, f5, fmt))
        ops.append(Op(f"FSQRT_{u}", t + "--", False, True, 0x53, 0x0B, fmt, rs2=0))
        for name, opc in (("FMADD", 0x43), ("FMSUB", 0x47), ("FNMSUB", 0x4B), ("FNMADD", 0x4F)):
            ops.append(Op(f"{name}_{u}", t * 3, False, True, opc, fmt=fmt))
    for fmt, t in ((S, "s"), (D, "d")):
        for i, it in enumerate(("W", "WU", "L", "LU")):
            ops.append(Op(f"FCVT_{it}_{t.upper()}", t + "--", True, True, 0x53, 0x18, fmt, rs2=i))
    for fmt, t in ((S, "s"), (D, "d")):
        for i, it in enumerate(("W", "WU", "L", "LU")):
            ops.append(Op(f"FCVT_{t.upper()}_{it}", "x--", False, True, 0x53, 0x1A, fmt, rs2=i))
    ops.append(Op("FCVT_S_D", "d--", False, True, 0x53, 0x08, S, rs2=1))
    ops.append(Op("FCVT_D_S", "s--", False, True, 0x53, 0x08, D, rs2=0))
    for fmt, t in ((S, "s"), (D, "d")):
        u = t.upper()
        ops.append(Op(f"FMIN_{u}", t + t + "-", False, False, 0x53, 0x05, fmt, funct3=0))
        ops.append(Op(f"FMAX_{u}", t + t + "-", False, False, 0x53, 0x05, fmt, funct3=1))
    for fmt, t in ((S, "s"), (D, "d")):
        for name, f3 in (("FEQ", 2), ("FLT", 1), ("FLE", 0)):
            ops.append(Op(f"{name}_{t.upper()}", t + t + "-", True, False, 0x53, 0x14, fmt, funct3=f3))
    ops.append(Op("FCLASS_S", "s--", True, False, 0x53, 0x1C, S, rs2=0, funct3=1))
    ops.append(Op("FCLASS_D", "d--", True, False, 0x53, 0x1C, D, rs2=0, funct3=1))
    for fmt, t in ((S, "s"), (D, "d")):
        for name, f3 in (("FSGNJ", 0), ("FSGNJN", 1), ("FSGNJX", 2)):
            ops.append(Op(f"{name}_{t.upper()}", t + t + "-", False, False, 0x53, 0x04, fmt, funct3=f3))
    ops.append(Op("FMV_X_W", "s--", True, False, 0x53, 0x1C, S, rs2=0))
    ops.append(Op("FMV_W_X", "x--", False, False, 0x53, 0x1E, S, rs2=0))
    ops.append(Op("FMV_X_D", "d--", True, False, 0x53, 0x1C, D, rs2=0))
    ops.append(Op("FMV_D_X", "x--", False, False, 0x53, 0x1E, D, rs2=0))
    return ops


OPS = {op.name: op for op in _ops()}

BOX = np.uint64(0xFFFF_FFFF_0000_0000)

EDGE_S = [
    0x0000_0000, 0x8000_0000, 0x7F80_0000, 0xFF80_0000,           # zeros, infinities
    0x7FC0_0000, 0xFFC0_0001, 0x7F80_0001, 0xFFA0_0000,           # quiet and signalling NaNs
    0x0000_0001, 0x8000_0001, 0x007F_FFFF, 0x0040_0000,           # subnormals
    0x0080_0000, 0x8080_0000, 0x7F7F_FFFF, 0xFF7F_FFFF,           # min and max normals
    0x3F80_0000, 0xBF80_0000, 0x3F00_0000, 0xBF00_0000,           # 1, 0.5
    0x3FC0_0000, 0xBF40_0000, 0x3F7F_FFFF, 0x4040_0000,           # 1.5, -0.75, 1-ulp, 3
    0x4F00_0000, 0xCF00_0000, 0x4EFF_FFFF, 0xCF00_0001,           # around 2^31
    0x4F80_0000, 0x4F7F_FFFF, 0x5F00_0000, 0xDF00_0000,           # 2^32, 2^63
    0x5EFF_FFFF, 0x5F80_0000, 0x5F7F_FFFF, 0xDF00_0001,           # around 2^63, 2^64
    0x3400_0000, 0x0080_0001, 0x7F00_0000, 0x0100_0000,
]
EDGE_D = [
    0x0, 0x8000_0000_0000_0000, 0x7FF0_0000_0000_0000, 0xFFF0_0000_0000_0000,
    0x7FF8_0000_0000_0000, 0xFFF8_0000_0000_0001, 0x7FF0_0000_0000_0001, 0xFFF4_0000_0000_0000,
    0x1, 0x8000_0000_0000_0001, 0x000F_FFFF_FFFF_FFFF, 0x0008_0000_0000_0000,
    0x0010_0000_0000_0000, 0x8010_0000_0000_0000, 0x7FEF_FFFF_FFFF_FFFF, 0xFFEF_FFFF_FFFF_FFFF,
    0x3FF0_0000_0000_0000, 0xBFF0_0000_0000_0000, 0x3FE0_0000_0000_0000, 0xBFE0_0000_0000_0000,
    0x3FF8_0000_0000_0000, 0xBFE8_0000_0000_0000, 0x3FEF_FFFF_FFFF_FFFF, 0x4008_0000_0000_0000,
    0x41DF_FFFF_FFC0_0000, 0x41E0_0000_0000_0000, 0xC1E0_0000_0000_0000, 0xC1E0_0000_0020_0000,  # 2^31-1, 2^31, -2^31, -2^31-1
    0x41DF_FFFF_FFE0_0000, 0xC1E0_0000_0010_0000,                                                # 2^31-0.5, -2^31-0.5
    0x41EF_FFFF_FFE0_0000, 0x41F0_0000_0000_0000, 0x41EF_FFFF_FFF0_0000,                          # 2^32-1, 2^32, 2^32-0.5
    0x43E0_0000_0000_0000, 0xC3E0_0000_0000_0000, 0x43DF_FFFF_FFFF_FFFF, 0xC3E0_0000_0000_0001,  # 2^63
    0x43F0_0000_0000_0000, 0x43EF_FFFF_FFFF_FFFF,                                                # 2^64
    0x3CA0_0000_0000_0000, 0x0010_0000_0000_0001, 0x7FE0_0000_0000_0000, 0x0020_0000_0000_0000,
    0x3800_0000_0000_0000, 0x380F_FFFF_FFFF_FFFF, 0x47EF_FFFF_E000_0000, 0x3690_0000_0000_0000,  # single's range
]
EDGE_X = [
    0, 1, 2, 3, 0xFFFF_FFFF_FFFF_FFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x1_0000_0000,
    0xFFFF_FFFF_8000_0000, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, 0x0100_0001, 0x0100_0003,
    0x0020_0000_0000_0001, 0x0020_0000_0000_0003, 0xFFFF_FFFF_FEFF_FFFF, 0x1234_5678_9ABC_DEF0,
]


def _random_float(rng, n: int, ebits: int, fbits: int) -> np.ndarray:
    """Sign, exponent and fraction drawn apart, so that every exponent (subnormal, normal,
    all-ones) and fractions with long runs of ones or zeros come up often."""
    sign = rng.integers(0, 2, n, dtype=np.uint64)
    emax = (1 << ebits) - 1
    exp = rng.integers(0, emax + 1, n, dtype=np.uint64)
    near = rng.random(n) < 0.5                 # half within 2^+-70: operands interact, integers convert
    exp[near] = rng.integers((emax >> 1) - 70, (emax >> 1) + 70, int(near.sum()), dtype=np.uint64)
    edge_exp = rng.random(n) < 0.06
    exp[edge_exp] = rng.choice(np.array([0, 1, emax - 1, emax], np.uint64), int(edge_exp.sum()))
    frac = rng.integers(0, 1 << fbits, n, dtype=np.uint64)
    runs = rng.random(n) < 0.3                 # a run of ones or zeros at the bottom or the top
    width = rng.integers(1, fbits, n, dtype=np.uint64)
    ones = (np.uint64(1) << width) - np.uint64(1)
    pick = rng.integers(0, 4, n)
    frac[runs & (pick == 0)] = ones[runs & (pick == 0)]
    frac[runs & (pick == 1)] = ((np.uint64((1 << fbits) - 1) ^ ones) & np.uint64((1 << fbits) - 1))[runs & (pick == 1)]
    frac[runs & (pick == 2)] = (frac & ~ones)[runs & (pick == 2)]
    frac[runs & (pick == 3)] = (frac | ones)[runs & (pick == 3)]
    return sign << np.uint64(ebits + fbits) | exp << np.uint64(fbits) | frac


def _random_int(rng, n: int) -> np.ndarray:
    x = rng.integers(0, 2**64, n, dtype=np.uint64, endpoint=False)
    shift = rng.integers(0, 64, n, dtype=np.uint64)
    small = rng.random(n) < 0.5                # magnitudes of every size, not only huge ones
    x[small] = x[small] >> shift[small]
    neg = rng.random(n) < 0.3
    x[neg] = np.uint64(0) - x[neg]
    return x


def random_operand(kind: str, rng, n: int) -> np.ndarray:
    """Register values of one kind; singles are NaN-boxed, 2% of them not (they read as NaN)."""
    if kind == "s":
        v = _random_float(rng, n, 8, 23) | BOX
        bad = rng.random(n) < 0.02
        v[bad] = rng.integers(0, 2**64, int(bad.sum()), dtype=np.uint64) & ~BOX | (v[bad] & np.uint64(0xFFFF_FFFF))
        return v
    if kind == "d":
        return _random_float(rng, n, 11, 52)
    if kind == "x":
        return _random_int(rng, n)
    return np.zeros(n, np.uint64)


def edge_values(kind: str) -> np.ndarray:
    if kind == "s":
        return np.array(EDGE_S, np.uint64) | BOX
    if kind == "d":
        return np.array(EDGE_D, np.uint64)
    if kind == "x":
        return np.array(EDGE_X, np.uint64)
    return np.zeros(1, np.uint64)


def _split(op: Op, cols: list[np.ndarray]) -> tuple[np.ndarray, ...]:
    """(a, b, c, x): an integer operand travels in xin, the float registers it leaves are 0."""
    if op.operands[0] == "x":
        zero = np.zeros(len(cols[0]), np.uint64)
        return zero, zero, zero, cols[0]
    return cols[0], cols[1], cols[2], np.zeros(len(cols[0]), np.uint64)


def _as_float(v: np.ndarray, kind: str) -> np.ndarray:
    if kind == "d":
        return v.view(np.float64)
    return (v & np.uint64(0xFFFF_FFFF)).astype(np.uint32).view(np.float32).astype(np.float64)


def random_cases(op: Op, rng, n: int) -> tuple[np.ndarray, ...]:
    """(a, b, c, x) for n random cases.  In a third of the binary cases b is a (or -a) plus a
    few ulps, so that subtraction cancels and comparisons see equal and adjacent values; in a
    third of the fused cases c is about -(a * b), so that the addition cancels."""
    cols = [random_operand(k, rng, n) for k in op.operands]
    kind = op.operands[0]
    if op.operands[1] in "sd":
        near = rng.random(n) < 0.33
        sign = rng.integers(0, 2, n, dtype=np.uint64) << np.uint64(63 if kind == "d" else 31)
        delta = rng.integers(0, 8, n, dtype=np.uint64)
        cols[1][near] = ((cols[0] ^ sign) + delta)[near]
    if op.operands[2] in "sd":
        near = rng.random(n) < 0.33
        with np.errstate(all="ignore"):
            prod = -(_as_float(cols[0], kind) * _as_float(cols[1], kind))
            bits = prod.view(np.uint64) if kind == "d" else prod.astype(np.float32).view(np.uint32).astype(np.uint64) | BOX
        cols[2][near] = (bits + rng.integers(0, 4, n, dtype=np.uint64))[near]
    return _split(op, cols)


def edge_cases(op: Op) -> tuple[np.ndarray, ...]:
    """Every edge value for one operand, every pair for two; for the fused operations every
    (a, b) pair with each of a few addends."""
    kinds = [k for k in op.operands if k != "-"]
    vals = [edge_values(k) for k in kinds]
    if len(kinds) == 1:
        zero = np.zeros(len(vals[0]), np.uint64)
        return _split(op, [vals[0], zero, zero])
    a, b = (m.ravel() for m in np.meshgrid(vals[0], vals[1], indexing="ij"))
    if len(kinds) == 2:
        return _split(op, [a, b, np.zeros(len(a), np.uint64)])
    addends = vals[2][[0, 1, 2, 3, 4, 6, 8, 12, 16, 17]]
    k = len(addends)
    return _split(op, [np.repeat(a, k), np.repeat(b, k), np.tile(addends, len(a))])
