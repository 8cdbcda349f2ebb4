"""The Arith table: proves c = op(a, b) for the RISC-V M extension, on 16-bit limbs.

See `arith_air` for exactly what is proven and why no identity can wrap modulo p;
docs/riscv-air.md for the contract (limbs, buses, the range-check rule).  `arith_trace`
builds the table's main trace from `runtime/trace.py` ALU_ROW rows (the "arith" derived
table) and returns the range16/bitwise lookups it makes, so the caller can fill those
tables' multiplicity columns (`TableTrace.range16_mult`, `TableTrace.bitwise_mult`).
The columns are one `layout.Layout` (`arith_layout`) that the constraints and the trace
both read.

One multiplier serves every op: it proves P = X * Y + Z modulo 2^(2 XLEN) on the
sign- or zero-extended operands.  A multiply puts (a, b, 0) there and reads c off P's
low or high half; a division puts (divisor, quotient, remainder) there and requires P
to be the extended dividend, plus |remainder| < |divisor| (one limb comparison) and the
sign rule.  The W forms (RV64) are 64-bit operations on 32-bit operands extended to 64
bits, whose result's low word is sign-extended into c.
"""
from __future__ import annotations

from functools import cache

import numpy as np

from runtime.encoding import TABLE
from runtime.trace import ALU_ROW

from .. import field
from ..air import Air
from ..expr import as_expr
from .layout import Layout, limbs
from .limbs import n_limbs
from .ranges import BITWISE, BITWISE_OPS, RANGE16, TableTrace, pow2_height, row_major

ARITH = "arith"
AND = BITWISE_OPS["and"]
OPS32 = ("mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu")
OPS64 = OPS32 + ("mulw", "divw", "divuw", "remw", "remuw")
OP_IDS = {op.name: op.id for op in TABLE if op.name in OPS64}

# op families (names; those absent from an XLEN are skipped)
MULF = ("mul", "mulh", "mulhsu", "mulhu", "mulw")
DIVF = ("div", "divu", "rem", "remu", "divw", "divuw", "remw", "remuw")
WORD = ("mulw", "divw", "divuw", "remw", "remuw")
SDIV = ("div", "rem", "divw", "remw")               # signed divisions
DIV64 = ("div", "divu", "rem", "remu")              # full-width divisions
DIVW = ("divw", "divuw", "remw", "remuw")
SIGNED_X = ("mulh", "mulhsu") + SDIV                # X is sign-extended
SIGNED_Y = ("mulh",) + SDIV                         # Y is sign-extended
QUOT = ("div", "divu")
REM = ("rem", "remu")


def arith_ops(xlen: int) -> tuple[str, ...]:
    """The mnemonics the table proves for this XLEN, in flag-column order."""
    n_limbs(xlen)
    return OPS64 if xlen == 64 else OPS32


@cache
def arith_layout(xlen: int) -> Layout:
    """The Arith table's columns, for its constraints and its trace alike."""
    L = n_limbs(xlen)
    return Layout({"op": "op", "a": limbs("a", L), "b": limbs("b", L), "c": limbs("c", L)},
                  {"flag": {o: f"is_{o}" for o in arith_ops(xlen)}},
                  {"x": limbs("x", 2 * L), "y": limbs("y", 2 * L)},     # X, Y as bytes
                  {"r": limbs("r", L)},                                 # Z: the remainder (0 for multiplies)
                  {"p": limbs("p", 2 * L)},                             # P = X Y + Z mod 2^(2 XLEN)
                  {"k": limbs("k", 2 * L)},                             # multiplier carries
                  {"d": limbs("d", L)},                                 # |X| - |Z| - 1 (divisions)
                  {"e": [[f"e{i}_{t}" for t in range(2)] for i in range(L - 1)]},   # its carries + 2, as 2 bits
                  {"sx": "sx", "sy": "sy", "sz": "sz", "sa": "sa"}, {"sc": "sc"} if xlen == 64 else {},
                  {"ovf": "ovf", "bz": "bz", "inv": "inv"})


def arith_columns(xlen: int) -> list[str]:
    return arith_layout(xlen).names


def _max_multiplier_sum(xlen: int) -> int:
    """The largest left-hand side of a multiplier limb identity (all terms are >= 0)."""
    nb = xlen // 4                                      # bytes of the 2 XLEN-bit operands
    pairs = [m + 1 for m in range(nb)]                  # (i, j) with i + j = m, both < nb
    worst = 0
    carry = 0
    for k in range(nb // 2):
        s = 255 * 255 * (pairs[2 * k] + 256 * pairs[2 * k + 1]) + 0xFFFF + carry
        carry = s >> 16
        worst = max(worst, s)
    return worst


def arith_air(xlen: int) -> Air:
    """The Arith table "arith" for RV`xlen` (L = xlen/16 limbs of 16 bits, XLEN = xlen).

    What it proves.  Every row with real = 1 receives ("arith", [op, a_0..a_(L-1),
    b_0..b_(L-1), c_0..c_(L-1)]) once (real = the sum of the op flags; padding rows are
    all zero and receive nothing), and for every such message: a, b, c are 16-bit limbs
    (range16, the contract's rule) and c = op(a, b) with the RISC-V M semantics for op in
    mul mulh mulhsu mulhu div divu rem remu (and on RV64 mulw divw divuw remw remuw):
    division by zero gives quotient 2^XLEN - 1 (W: -1) and remainder = the dividend (W:
    its low word sign-extended); signed overflow (INT_MIN / -1) gives INT_MIN and
    remainder 0 (W forms cannot overflow: see below).

    Columns.  op; a, b, c limbs; one boolean flag is_<op> per op (at most one set,
    op = the flagged op's id); the multiplier: X and Y as 2L bytes each (x_j, y_j),
    their extension bits sx, sy (X_ext = X - 2^XLEN sx as an integer, likewise Y), Z as
    L limbs r_i with extension bit sz, the 2L product limbs p_i and carries k_i; the
    dividend's sign sa, the overflow flag ovf, the zero-divisor flag bz with inv; the
    comparison limbs d_i and its carries (two bits each); on RV64 sc, bit 31 of c.

    Identities (each gated by the op flags named; a flag times a degree-2 expression at
    most, so every constraint has degree <= 3; bus fields have degree 1):
    - Multiplier, every row (degree 2): for i < 2L,
        sum_{u+v in {2i, 2i+1}} 256^(u+v-2i) xe_u ye_v + ze_i + k_(i-1) = p_i + 2^16 k_i
      over the 4L bytes xe (x_j, then 255 sx), ye, and the 2L limbs ze (r_i, then
      0xFFFF sz); so P = X_ext Y_ext + Z_ext mod 2^(2 XLEN) (products of bytes past
      2 XLEN bits are dropped: they are multiples of 2^(2 XLEN)).
    - Multiplies (mul mulh mulhsu mulhu mulw): X = a, Y = b, Z = 0, sz = 0; sx = the top
      bit of a for mulh/mulhsu, else 0; sy = the top bit of b for mulh, else 0.  c = P's
      low half (mul), high half (mulh*), or for mulw c_0,1 = p_0,1 and c_2,3 = 0xFFFF sc
      with sc = bit 31 of c.  So c is the low XLEN bits of a * b, or the high XLEN bits
      of the exact 2 XLEN-bit product of a and b read as signed/unsigned per the op.
    - Divisions: X = B, the divisor (b; W: its low word sign- (divw, remw) or zero-
      (divuw, remuw) extended: X_2 = X_3 = 0xFFFF sx, sx = bit 31 of b); P's low half is
      A, the dividend, likewise from a (W: p_2 = p_3 = 0xFFFF sa), and its high half is
      0xFFFF (sa - ovf); sx, sy, sz, sa are the top bits of X, Y, Z, A for signed ops and
      0 for unsigned ones.  With Y = q and Z = r as signed (or unsigned) XLEN-bit
      integers this is, away from overflow, the integer identity A = B q + r, because
      |B q + r| < 2^(2 XLEN - 1) (unsigned: B q + r < 2^(2 XLEN)), so equality modulo
      2^(2 XLEN) is equality.
      - ovf => op is div/rem, a = INT_MIN and b = -1; then P = INT_MIN zero-extended, so
        -q + r = 2^(XLEN-1) with |r| < 1: r = 0, q = INT_MIN.  Without ovf that case
        would need q = 2^(XLEN-1), which is not an XLEN-bit signed value, so the prover
        must set ovf exactly there.
      - bz is a bit, bz => X = 0 and q = 2^XLEN - 1 (all limbs 0xFFFF), and
        (sum X_i) inv = is_div - bz, so bz = 0 on a division => X != 0 (sum X_i < 2^18
        < p).  With X = 0 the multiplier gives r = A.
      - unless bz: D = |X| - |Z| - 1 = sum 2^(16 i) d_i with 16-bit limbs d_i, proven
        limb by limb: t_i + e_(i-1) = d_i + 2^16 e_i, t_i = (1 - 2 sx) X_i - (1 - 2 sz)
        r_i - [i = 0], e_i = b_i0 + 2 b_i1 - 2 in [-2, 1] (the honest carries lie there),
        e_(L-1) = sz - sx (the 2^XLEN (sx - sz) of |X| - |Z| cancels the top carry);
        |V| = (1 - 2 s) V + 2^XLEN s is the absolute value of the XLEN-bit V with
        extension bit s.  So |r| < |B|.
      - sign rule: sz => sa, and sa (1 - sz) (sum r_i) = 0 (a negative dividend has a
        remainder <= 0), so r = 0 or r has A's sign.  With |r| < |B| this pins
        q = trunc(A / B) and r = A - B q (unsigned: q = floor(A / B), r = A mod B).
      c = q (div, divu), r (rem, remu); W: c_0,1 = q_0,1 or r_0,1, c_2,3 = 0xFFFF sc.
      The W forms divide the 64-bit extensions of the low words, so |q| <= 2^31 always:
      divw(INT32_MIN, -1) has q = 2^31, whose low word sign-extended is INT32_MIN, as
      RISC-V requires, and by zero q = 2^64 - 1 gives c = -1.

    Sign bits.  sx, sy: ("bitwise", [AND, byte, 128, 128 s]) on the top byte of X or Y
    (divw/remw: byte 3 of X), with multiplicity the flags that need the bit;
    otherwise s (1 - those flags) = 0 forces s = 0.  sa, sz, sc: booleans with
    ("range16", [2 (limb - 2^15 s)]) on the limb holding the bit (limb < 2^16 by its own
    range check, so the value is in [0, 2^16) iff s is that limb's bit 15).

    Why nothing wraps modulo p (p = 15 2^27 + 1 > 2^30.9).  Range checks: a, b, c, r,
    p, d limbs < 2^16 (range16); x, y bytes (bitwise AND x x x); multiplier carries
    k_i < 2^14 (range16 of k_i and of 4 k_i); comparison carries in [-2, 1] (bits).
    - Multiplier: both sides are non-negative integers; the left side is at most
      sum of at most 4L products 255^2 in column 2i, 256 times that many in column 2i+1,
      plus 0xFFFF and the carry: < 2^28 for RV64 (`_max_multiplier_sum`, checked at
      import), and the right side is < 2^16 + 2^30.  Both are below p, so equality mod p
      is equality of integers.
    - Comparison: |t_i| < 2^17 and e_i in [-2, 1] (bits; e_(L-1) = sz - sx in [-1, 1]),
      so both sides lie in (-2^19, 2^19).
    - Every other identity is a flag (a bit) times a difference of two values of at most
      17 bits (a limb against a limb, 0xFFFF times a bit, or a byte combination), or
      (sum X_i) inv with sum X_i < 2^18, or products of bits with a sum of limbs < 2^18:
      a difference of such values is zero mod p only if it is zero.
    """
    air = Air(ARITH, main=arith_columns(xlen))
    m = arith_layout(xlen).bind(air.col)

    def f(*names):
        total = as_expr(0)
        for n in names:
            if n in m.flag:
                total = total + m.flag[n]
        return total

    _constrain_flags(air, m, xlen, f)
    _constrain_signs(air, m, xlen, f)
    _constrain_multiplier(air, m, xlen)
    _constrain_multiplies(air, m, xlen, f)
    _constrain_divisions(air, m, xlen, f)
    _constrain_remainder(air, m, xlen, f)
    return air


def _bytes_to_limbs(v) -> list:
    return [v[2 * i] + 256 * v[2 * i + 1] for i in range(len(v) // 2)]


def _is_bit(air, s, name) -> None:
    air.constrain(s * (1 - s), f"{name} is a bit")


def _constrain_flags(air, m, xlen: int, f) -> None:
    """The op flags and the bus; every limb, carry and byte range-checked (multiplicity 1
    on every row; padding rows send zeros)."""
    ops = arith_ops(xlen)
    real = f(*ops)
    for o in ops:
        air.constrain(m.flag[o] * (1 - m.flag[o]), f"is_{o} is a bit")
    air.constrain(real * (1 - real), "at most one op flag is set")
    op_id = as_expr(0)
    for o in ops:
        op_id = op_id + OP_IDS[o] * m.flag[o]
    air.constrain(m.op - op_id, "op is the flagged op's id")
    air.receive(ARITH, [m.op] + m.a + m.b + m.c, real)
    for v in m.a + m.b + m.c + m.r + m.p + m.d:
        air.send(RANGE16, [v])
    for carry in m.k:
        air.send(RANGE16, [carry])
        air.send(RANGE16, [4 * carry])
    for v in m.x + m.y:
        air.send(BITWISE, [AND, v, v, v])


def _constrain_signs(air, m, xlen: int, f) -> None:
    """The sign and extension bits, each looked up where an op needs it, else 0."""
    L, NB = n_limbs(xlen), 2 * n_limbs(xlen)
    sx, sy, sz, sa = m.sx, m.sy, m.sz, m.sa

    def top_byte_bit(s, byte, mult):
        air.send(BITWISE, [AND, byte, 128, 128 * s], mult)

    def limb_bit(s, limb, mult):
        air.send(RANGE16, [2 * (limb - (1 << 15) * s)], mult)

    air.constrain(sx * (1 - f(*SIGNED_X)), "sx = 0 unless X is signed")
    air.constrain(sy * (1 - f(*SIGNED_Y)), "sy = 0 unless Y is signed")
    air.constrain(sz * (1 - f(*SDIV)), "sz = 0 unless a signed division")
    air.constrain(sa * (1 - f(*SDIV)), "sa = 0 unless a signed division")
    _is_bit(air, sz, "sz")
    _is_bit(air, sa, "sa")
    top_byte_bit(sx, m.x[NB - 1], f("mulh", "mulhsu", "div", "rem"))
    top_byte_bit(sy, m.y[NB - 1], f(*SIGNED_Y))
    limb_bit(sz, m.r[L - 1], f(*SDIV))
    limb_bit(sa, m.p[L - 1], f("div", "rem"))
    if xlen == 64:
        top_byte_bit(sx, m.x[3], f("divw", "remw"))
        limb_bit(sa, m.p[1], f("divw", "remw"))
        _is_bit(air, m.sc, "sc")
        air.constrain(m.sc * (1 - f(*WORD)), "sc = 0 unless a W form")
        limb_bit(m.sc, m.c[1], f(*WORD))


def _constrain_multiplier(air, m, xlen: int) -> None:
    """P = X_ext Y_ext + Z_ext mod 2^(2 XLEN), every row."""
    L, NB, x, y, k = n_limbs(xlen), 2 * n_limbs(xlen), m.x, m.y, m.k
    for i in range(NB):
        terms = as_expr(0)
        for q, weight in ((2 * i, 1), (2 * i + 1, 256)):
            ext_y = as_expr(0)          # sum of y_v paired with X's extension bytes (u >= NB)
            ext_x = as_expr(0)
            for u in range(q + 1):
                v = q - u
                if u < NB and v < NB:
                    terms = terms + weight * x[u] * y[v]
                elif u >= NB:           # v < NB since q < 2 NB
                    ext_y = ext_y + y[v]
                else:
                    ext_x = ext_x + x[u]
            if not _is_zero(ext_y):
                terms = terms + (255 * weight) * m.sx * ext_y
            if not _is_zero(ext_x):
                terms = terms + (255 * weight) * m.sy * ext_x
        ze = m.r[i] if i < L else 0xFFFF * m.sz
        carry_in = k[i - 1] if i else 0
        air.constrain(terms + ze + carry_in - m.p[i] - 65536 * k[i], f"multiplier limb {i}")


def _constrain_multiplies(air, m, xlen: int, f) -> None:
    L, a, b, c, p = n_limbs(xlen), m.a, m.b, m.c, m.p
    X, Y = _bytes_to_limbs(m.x), _bytes_to_limbs(m.y)
    is_mul = f(*MULF)
    for i in range(L):
        air.constrain(is_mul * (X[i] - a[i]), f"multiply: X_{i} = a_{i}")
        air.constrain(is_mul * (Y[i] - b[i]), f"multiply: Y_{i} = b_{i}")
        air.constrain(is_mul * m.r[i], f"multiply: Z_{i} = 0")
        air.constrain(m.flag["mul"] * (c[i] - p[i]), f"mul: c_{i} = p_{i}")
        air.constrain(f("mulh", "mulhsu", "mulhu") * (c[i] - p[L + i]), f"mulh*: c_{i} = p_{L + i}")
    if xlen == 64:
        for i in range(2):
            air.constrain(m.flag["mulw"] * (c[i] - p[i]), f"mulw: c_{i} = p_{i}")
        for i in range(2, 4):
            air.constrain(f(*WORD) * (c[i] - 0xFFFF * m.sc), f"W: c_{i} = 0xFFFF sc")


def _constrain_divisions(air, m, xlen: int, f) -> None:
    """A = B q + r; the overflow case; a zero divisor."""
    L, a, b, p, sx, sa, ovf, bz = n_limbs(xlen), m.a, m.b, m.p, m.sx, m.sa, m.ovf, m.bz
    X, Y = _bytes_to_limbs(m.x), _bytes_to_limbs(m.y)
    is_div = f(*DIVF)
    for i in range(L):
        if xlen == 64 and i >= 2:
            air.constrain(f(*DIV64) * (X[i] - b[i]), f"division: X_{i} = b_{i}")
            air.constrain(f(*DIVW) * (X[i] - 0xFFFF * sx), f"W division: X_{i} = 0xFFFF sx")
            air.constrain(f(*DIV64) * (p[i] - a[i]), f"division: p_{i} = a_{i}")
            air.constrain(f(*DIVW) * (p[i] - 0xFFFF * sa), f"W division: p_{i} = 0xFFFF sa")
        else:
            air.constrain(is_div * (X[i] - b[i]), f"division: X_{i} = b_{i}")
            air.constrain(is_div * (p[i] - a[i]), f"division: p_{i} = a_{i}")
        air.constrain(is_div * (p[L + i] - 0xFFFF * (sa - ovf)), f"division: p_{L + i} = 0xFFFF (sa - ovf)")
    _is_bit(air, ovf, "ovf")
    air.constrain(ovf * (1 - f("div", "rem")), "ovf only on div, rem")
    int_min = [0] * (L - 1) + [0x8000]
    for i in range(L):
        air.constrain(ovf * (a[i] - int_min[i]), f"ovf: a_{i} is INT_MIN's")
        air.constrain(ovf * (b[i] - 0xFFFF), f"ovf: b_{i} = 0xFFFF")
    _is_bit(air, bz, "bz")
    air.constrain(bz * (1 - is_div), "bz only on divisions")
    sum_x = as_expr(0)
    for i in range(L):
        air.constrain(bz * X[i], f"bz: X_{i} = 0")
        air.constrain(bz * (Y[i] - 0xFFFF), f"bz: q_{i} = 0xFFFF")
        sum_x = sum_x + X[i]
    air.constrain(sum_x * m.inv - (is_div - bz), "a division with bz = 0 has X != 0")


def _constrain_remainder(air, m, xlen: int, f) -> None:
    """|Z| < |X| unless bz (D = |X| - |Z| - 1 >= 0), the sign rule, and c = q or r."""
    L, c, r, sx, sz, sa = n_limbs(xlen), m.c, m.r, m.sx, m.sz, m.sa
    X, Y = _bytes_to_limbs(m.x), _bytes_to_limbs(m.y)
    g = f(*DIVF) - m.bz
    e = [b0 + 2 * b1 - 2 for b0, b1 in m.e] + [sz - sx]
    for i, (b0, b1) in enumerate(m.e):
        _is_bit(air, b0, f"e{i}_0")
        _is_bit(air, b1, f"e{i}_1")
    for i in range(L):
        t = (1 - 2 * sx) * X[i] - (1 - 2 * sz) * r[i] - (1 if i == 0 else 0)
        carry_in = e[i - 1] if i else 0
        air.constrain(g * (t + carry_in - m.d[i] - 65536 * e[i]), f"remainder: |Z| < |X|, limb {i}")
    sum_r = as_expr(0)
    for i in range(L):
        sum_r = sum_r + r[i]
    air.constrain(sz * (1 - sa), "a negative remainder needs a negative dividend")
    air.constrain(sa * (1 - sz) * sum_r, "a negative dividend has a remainder <= 0")
    for i in range(L):
        air.constrain(f(*QUOT) * (c[i] - Y[i]), f"div*: c_{i} = q_{i}")
        air.constrain(f(*REM) * (c[i] - r[i]), f"rem*: c_{i} = r_{i}")
    if xlen == 64:
        for i in range(2):
            air.constrain(f("divw", "divuw") * (c[i] - Y[i]), f"divw*: c_{i} = q_{i}")
            air.constrain(f("remw", "remuw") * (c[i] - r[i]), f"remw*: c_{i} = r_{i}")


def _is_zero(e) -> bool:
    return getattr(e, "value", None) == 0


assert _max_multiplier_sum(64) < 1 << 28 and (_max_multiplier_sum(64) >> 16) < 1 << 12


# ------------------------------------------------------------------ trace

_U = np.uint64
_M32 = _U(0xFFFF_FFFF)


def _sext32(v):
    return ((v & _M32) ^ _U(1 << 31)) - _U(1 << 31)


def _neg(v):
    return _U(0) - v


def arith_trace(rows: np.ndarray, xlen: int, height: int | None = None, *,
                quotients: np.ndarray | None = None, remainders: np.ndarray | None = None) -> TableTrace:
    """The main trace of `arith_air(xlen)` for ALU_ROW rows of arith ops, padded to a
    power of two (at least 4, or `height`) with all-zero rows, and its lookups.

    c is taken from the rows as given, so a wrong c gives a trace that fails the
    constraints.  `quotients`/`remainders` (soundness tests only): XLEN-bit witnesses
    that replace the true quotient/remainder on the division rows; the rest of the
    witness is then computed from them as for an honest row."""
    if rows.dtype != ALU_ROW or rows.ndim != 1:
        raise TypeError(f"arith_trace takes a 1-d ALU_ROW array, not {rows.dtype} with shape {rows.shape}")
    ops = arith_ops(xlen)
    index = np.full(len(TABLE), -1, dtype=np.int64)
    for j, o in enumerate(ops):
        index[OP_IDS[o]] = j
    n_real = rows.size
    n = height or pow2_height(n_real)
    if n < n_real or n & (n - 1) or n < 4:
        raise ValueError(f"height {n} is not a power of two >= max(4, {n_real})")
    op_ids = rows["op"].astype(np.int64)
    code = np.where(op_ids < len(TABLE), index[np.minimum(op_ids, len(TABLE) - 1)], -1)
    if (code < 0).any():
        bad = int(np.flatnonzero(code < 0)[0])
        raise ValueError(f"arith row {bad} (step {int(rows['step'][bad])}): op {int(rows['op'][bad])} "
                         f"is not an RV{xlen} arith op")

    def fl(*names):
        return np.array([o in names for o in ops])[code]

    w = _Operands(rows, xlen, fl, quotients, remainders)
    layout = arith_layout(xlen)
    cols_t = np.zeros((len(layout.names), n), dtype=np.uint32)     # column-major while filling
    m = layout.bind(lambda name: cols_t[layout.index[name]][:n_real])
    m.op[:] = rows["op"]
    for columns, values in ((m.a, w.a), (m.b, w.b), (m.c, w.c)):
        for i, column in enumerate(columns):
            column[:] = (values >> _U(16 * i)) & _U(0xFFFF)
    for j, o in enumerate(ops):
        m.flag[o][:] = code == j
    xl, zl = _fill_multiplier(m, w, xlen)
    _fill_comparison(m, w, xlen, xl, zl)
    for name in ("sx", "sy", "sz", "sa", "ovf") + (("sc",) if xlen == 64 else ()):
        getattr(m, name)[:] = getattr(w, name)
    pad = np.zeros(n - n_real, dtype=bool)
    full = layout.bind(lambda name: cols_t[layout.index[name]])
    return TableTrace(row_major(cols_t), *_arith_lookups(full, xlen, lambda *names: np.concatenate([fl(*names), pad])))


class _Operands:
    """The multiplier's inputs of each row: X, Y, Z (P = X Y + Z) and their signs, the
    quotient and remainder of divisions, the flags of the identities."""

    def __init__(self, rows, xlen: int, fl, quotients, remainders):
        mask, top = _U((1 << xlen) - 1), _U(xlen - 1)
        a, b, c = (rows[v].astype(_U) & mask for v in "abc")
        is_mul, is_div, word, sdiv = fl(*MULF), fl(*DIVF), fl(*WORD), fl(*SDIV)
        # divisions, on the 64-bit extensions of the operands
        narrow = word | np.full(rows.size, xlen == 32)     # 32-bit operands
        A = np.where(narrow, np.where(sdiv, _sext32(a), a & _M32), a)
        B = np.where(narrow, np.where(sdiv, _sext32(b), b & _M32), b)
        neg_a = sdiv & ((A >> _U(63)) == 1)
        neg_b = sdiv & ((B >> _U(63)) == 1)
        mag_a = np.where(neg_a, _neg(A), A)
        mag_b = np.where(neg_b, _neg(B), B)
        self.bz = is_div & (mag_b == 0)
        safe = np.where(mag_b == 0, _U(1), mag_b)
        qm, rm = mag_a // safe, mag_a % safe
        q = np.where(self.bz, _U(0xFFFF_FFFF_FFFF_FFFF), np.where(neg_a ^ neg_b, _neg(qm), qm)) & mask
        rem = np.where(self.bz, A, np.where(neg_a, _neg(rm), rm)) & mask
        if quotients is not None:
            q = np.where(is_div, np.asarray(quotients, dtype=_U) & mask, q)
        if remainders is not None:
            rem = np.where(is_div, np.asarray(remainders, dtype=_U) & mask, rem)
        self.a, self.b, self.c, self.is_div = a, b, c, is_div
        self.X = np.where(is_mul, a, np.where(is_div, B & mask, _U(0)))
        self.Y = np.where(is_mul, b, np.where(is_div, q, _U(0)))
        self.Z = np.where(is_div, rem, _U(0))
        self.sx = fl(*SIGNED_X) & ((self.X >> top) == 1)
        self.sy = fl(*SIGNED_Y) & ((self.Y >> top) == 1)
        self.sz = sdiv & ((self.Z >> top) == 1)
        self.sa = neg_a
        self.ovf = fl("div", "rem") & (a == _U(1 << (xlen - 1))) & (b == mask)
        self.sc = word & (((c >> _U(31)) & _U(1)) == 1)



def _fill_multiplier(m, w, xlen: int) -> tuple[list, list]:
    """X, Y as bytes, Z as limbs, P and the carries, exactly as the constraints add up
    (column sums < 2^20: int32); returns X's and Z's limbs."""
    L, NB = n_limbs(xlen), 2 * n_limbs(xlen)
    n_real = w.a.size
    xb = [((w.X >> _U(8 * u)) & _U(0xFF)).astype(np.int32) for u in range(NB)]
    yb = [((w.Y >> _U(8 * u)) & _U(0xFF)).astype(np.int32) for u in range(NB)]
    zl = [((w.Z >> _U(16 * i)) & _U(0xFFFF)).astype(np.int64) for i in range(L)]
    conv = [np.zeros(n_real, dtype=np.int32) for _ in range(2 * NB)]
    for u in range(NB):
        for v in range(NB):
            conv[u + v] += xb[u] * yb[v]
    x_prefix, y_prefix = [xb[0]], [yb[0]]
    for u in range(1, NB):
        x_prefix.append(x_prefix[-1] + xb[u])
        y_prefix.append(y_prefix[-1] + yb[u])
    ext_x, ext_y = 255 * w.sx.astype(np.int32), 255 * w.sy.astype(np.int32)
    for q in range(NB, 2 * NB):             # products with an extension byte (the other index <= q - NB)
        conv[q] += ext_x * y_prefix[q - NB] + ext_y * x_prefix[q - NB]
    ze = zl + [0xFFFF * w.sz.astype(np.int64)] * L
    carry = np.zeros(n_real, dtype=np.int64)
    for i in range(NB):
        s = conv[2 * i] + 256 * conv[2 * i + 1].astype(np.int64) + ze[i] + carry
        m.p[i][:] = s & 0xFFFF
        carry = s >> 16
        m.k[i][:] = carry
    for u in range(NB):
        m.x[u][:], m.y[u][:] = xb[u], yb[u]
    for i in range(L):
        m.r[i][:] = zl[i]
    return [xb[2 * i].astype(np.int64) + 256 * xb[2 * i + 1] for i in range(L)], zl


def _fill_comparison(m, w, xlen: int, xl, zl) -> None:
    """D = |X| - |Z| - 1 limb by limb on division rows with X != 0, bz and inv."""
    g = w.is_div & ~w.bz
    sgx = 1 - 2 * w.sx.astype(np.int64)
    sgz = 1 - 2 * w.sz.astype(np.int64)
    e = np.zeros(w.a.size, dtype=np.int64)
    for i in range(n_limbs(xlen)):
        v = sgx * xl[i] - sgz * zl[i] - (1 if i == 0 else 0) + e
        m.d[i][:] = np.where(g, v & 0xFFFF, 0)
        e = v >> 16
        if i < n_limbs(xlen) - 1:
            bits = np.where(g, np.clip(e + 2, 0, 3), 0)     # honest carries lie in [-2, 1]
            m.e[i][0][:], m.e[i][1][:] = bits & 1, bits >> 1
    sum_x = np.sum(xl, axis=0)
    nz = g & (sum_x != 0)
    inv = np.zeros(w.a.size, dtype=np.uint32)
    if nz.any():
        inv[nz] = field.inv(sum_x[nz].astype(np.uint32))
    m.bz[:], m.inv[:] = w.bz, inv


def _arith_lookups(m, xlen: int, rows_of) -> tuple[list, dict]:
    """(range16 values, {"and": [(x, y)]}): the lookups `arith_air` declares, read off
    the whole table (padding rows send zeros)."""
    L, NB = n_limbs(xlen), 2 * n_limbs(xlen)
    range16 = list(m.a + m.b + m.c + m.r + m.p + m.d) + list(m.k) + [4 * k for k in m.k]
    lookups = [(v, v) for v in m.x + m.y]

    def limb_bit(s, limb, sel):
        sel = rows_of(*sel)
        range16.append(2 * (limb[sel].astype(np.int64) - (1 << 15) * s[sel].astype(np.int64)))

    def byte_bit(byte, sel):
        sel = rows_of(*sel)
        lookups.append((byte[sel], np.full(int(sel.sum()), 128)))

    byte_bit(m.x[NB - 1], ("mulh", "mulhsu", "div", "rem"))
    byte_bit(m.y[NB - 1], SIGNED_Y)
    limb_bit(m.sz, m.r[L - 1], SDIV)
    limb_bit(m.sa, m.p[L - 1], ("div", "rem"))
    if xlen == 64:
        byte_bit(m.x[3], ("divw", "remw"))
        limb_bit(m.sa, m.p[1], ("divw", "remw"))
        limb_bit(m.sc, m.c[1], WORD)
    return range16, {"and": lookups}
