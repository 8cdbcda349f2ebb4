"""The ALU table: proves c = op(a, b) for the RISC-V ALU ops, on 16-bit limbs.

See `alu_air` for exactly what is proven and how; docs/riscv-air.md for the contract
(limbs, buses, the range-check rule).  `alu_trace` builds the table's main trace from
`runtime/trace.py` ALU_ROW rows and returns the range16/bitwise lookups it makes, so
the caller can fill those tables' multiplicity columns (`TableTrace.range16_mult`,
`TableTrace.bitwise_mult`).  The columns are one `layout.Layout` (`alu_layout`) that
the constraints and the trace both read; each concern (selectors, signs, adder, byte
lanes, shifts) has its constraint function and its witness function side by side.
"""
from __future__ import annotations

from functools import cache

import numpy as np

from runtime.encoding import TABLE
from runtime.trace import ALU_ROW

from ..air import Air
from .layout import Layout, limbs
from .limbs import n_limbs
from .ranges import BITWISE, BITWISE_OPS, RANGE16, TableTrace, pow2_height

ALU = "alu"
AND, OR, XOR = BITWISE_OPS["and"], BITWISE_OPS["or"], BITWISE_OPS["xor"]

# op families: mnemonics that share one constraint path
ADD = ("add", "addi", "lui")
ADDW = ("addw", "addiw")
SUB = ("sub",)
SUBW = ("subw",)
SLT = ("slt", "slti")
SLTU = ("sltu", "sltiu")
BAND, BOR, BXOR = ("and", "andi"), ("or", "ori"), ("xor", "xori")
SLL, SLLW = ("sll", "slli"), ("sllw", "slliw")
SRL, SRLW = ("srl", "srli"), ("srlw", "srliw")
SRA, SRAW = ("sra", "srai"), ("sraw", "sraiw")
WORD = ADDW + SUBW + SLLW + SRLW + SRAW


def alu_ops(xlen: int) -> list[tuple[str, int]]:
    """(mnemonic, op id) of every op the ALU table proves for this XLEN, in column order."""
    n_limbs(xlen)
    return [(op.name, op.id) for op in TABLE
            if op.table == "alu" and op.name != "auipc" and xlen in op.xlens]


def _shamt_bits(xlen: int) -> int:
    return 6 if xlen == 64 else 5


@cache
def alu_layout(xlen: int) -> Layout:
    """The ALU's columns, for its constraints and its trace alike."""
    L = n_limbs(xlen)
    NB = 2 * L
    wide = xlen == 64
    return Layout({"op": "op", "s": {name: f"s_{name}" for name, _ in alu_ops(xlen)}},   # op selectors
                  {"a": limbs("a", L), "b": limbs("b", L), "c": limbs("c", L)},
                  {"k": limbs("k", L, 1)},                          # carries / borrows
                  {"d": limbs("d", L)},                             # scratch limbs: a - b (compares), q (shifts)
                  {"tops": ["a_top", "b_top", "c_top"]} if wide else {},   # limb 1 on W rows, limb 3 otherwise
                  {"sa": "sa", "sb": "sb", "sc": "sc", "sx": "sx"},  # sign bits of the tops, sa xor sb
                  {"x": limbs("x", NB), "y": limbs("y", NB), "z": limbs("z", NB)},   # byte lanes
                  {"h": limbs("h", NB)},                            # shift: high part of x_j * pow
                  {"hz": limbs("hz", L)},                           # h_2i & h_2i+1
                  {"sh": limbs("sh", _shamt_bits(xlen))},           # bits of b0
                  {"sh5e": "sh5e"} if wide else {},                 # bit 5 on full-width shifts only
                  {"e": limbs("e", NB)},                            # one-hot byte shift
                  {"pw": "pw", "pwi": "pwi", "pow": "pow", "fs": "fs", "fill": "fill"})


def alu_columns(xlen: int) -> list[str]:
    return alu_layout(xlen).names


class _Families:
    """The op families as sums of selectors, from `fam(*groups)`: expressions for the
    constraints, row masks for the trace (where + is or)."""

    def __init__(self, fam, ops):
        self.fam = fam
        self.real = fam(*[[name] for name, _ in ops])
        self.w = fam(WORD)
        self.bit = fam(BAND, BOR, BXOR)
        self.left = fam(SLL, SLLW)
        self.right = fam(SRL, SRA, SRLW, SRAW)
        self.shift = self.left + self.right
        self.cmp = fam(SLT, SLTU)


def alu_air(xlen: int) -> Air:
    """The ALU table "alu" for RV`xlen`.

    Receives ("alu", [op, a_0..a_L-1, b_0..b_L-1, c_0..c_L-1]) (16-bit limbs, L = xlen/16)
    once per row with multiplicity real = sum of the selectors, and proves for every
    received message that c = op(a, b) with RISC-V semantics, for every op of
    the encoding table's table `alu` except auipc: add sub sll slt sltu xor srl sra or and, their
    immediate forms (b = the immediate masked to XLEN; shifts use the low 6 (RV64) or 5
    (RV32, W forms) bits of b, whatever b's other bits are), lui (a = 0 and c = b) and on
    RV64 the W forms (low 32 bits, 32-bit result sign-extended to 64).  Padding rows
    have every selector 0 and send and receive nothing.

    Columns and constraints (every constraint has degree <= 3, every bus field degree 1):
    - op selectors `s_<mnemonic>`, one per op: boolean, their sum `real` boolean, and
      op = sum id * s.  Family flags below are sums of selectors (degree 1).
    - a, b, c limbs: each range-checked by ("range16", [limb]) with multiplicity real,
      whoever sent them.
    - signs (all real rows): top = limb L-1, or limb 1 on W rows (columns a_top, b_top,
      c_top on RV64); sa, sb, sc boolean with ("range16", [2 top - 2^16 s]), which holds
      iff s is the top bit of top; sx = sa xor sb.
    - one adder, carries k1..kL boolean, per limb X_i + Y_i + k_i = Z_i + 2^16 k_i+1
      (k_0 = 0), on limbs 0..L-1 (0..1 for W forms):
        add/addi/lui/addw/addiw: (X, Y, Z) = (a, b, c), lui also a = 0;
        sub/subw: (c, b, a), i.e. c = a - b;
        slt/slti/sltu/sltiu: (d, b, a) with d range16-checked, so k_L = [a <u b];
        c_0 = k_L (sltu) or k_L xor sx (slt: the signed order flips when the signs
        differ), c_i = 0 for i >= 1.
    - W forms (RV64): c_2 = c_3 = 0xFFFF * sc, sc the sign of c_1.
    - byte lanes x_j, y_j, z_j (j < 2L) with ("bitwise", [bop, x_j, y_j, z_j]) for the
      bitwise and shift families, which also proves them bytes;
      and/or/xor (+i): a, b, c are the bytes x, y, z, bop = and/or/xor, so c = a op b.
    - shifts (sll srl sra, immediate and W forms): a = bytes x; b_0 = sum sh_t 2^t +
      2^(6|5) d_0 (sh_t boolean, d_0 range16) so the shift amount s = 8 k + r has
      r = sh0..sh2, k = sh3, sh4 and on full-width RV64 shifts sh5e = sh5;
      pw = 2^r, pwi = 256 / pw, pow = pw (left) or pwi (right); e_j = [k = j];
      x_j * pow = y_j + 256 h_j with y_j, h_j bytes (bop = and, z_j = x_j & y_j; and
      ("bitwise", [and, h_2i, h_2i+1, hz_i])), which splits every byte at bit 8 - r
      (left) or r (right): left, t_j = y_j + h_j-1 are the bytes of a << r; right,
      u_j = h_j + y_j+1 those of a >> r, with the top lane's incoming bits fill =
      fs * (256 - pow), fs = sa on sra/sraw (0 on srl); then c's bytes are
      t_(m - k) (0 below), or u_(m + k) (255 fs above the width, 4 bytes for W forms).

    Shared paths: add, addi, lui, addw, addiw, sub, subw, slt(i), slt(i)u share the
    adder and its carries; slt, sra and the W forms share the sign columns; and/or/xor
    (+i) and every shift share the byte lanes and their bitwise lookups; the immediate
    forms share their register form's constraints exactly; the W shifts share the
    shift decomposition with the full ones (left: even the result constraint).

    Size: RV64 113 main columns, 116 constraints, 1 receive + 31 lookups per row (19
    range16, 12 bitwise); RV32 67 columns, 68 constraints, 1 + 17 (11 range16, 6 bitwise).
    """
    ops = alu_ops(xlen)
    air = Air(ALU, main=alu_columns(xlen))
    m = alu_layout(xlen).bind(air.col)

    def fam(*groups):
        total = 0
        for g in groups:
            for name in g:
                if name in m.s:
                    total = total + m.s[name]
        return total

    f = _Families(fam, ops)
    _constrain_selectors(air, m, ops, f)
    _constrain_signs(air, m, xlen, f)
    _constrain_adder(air, m, xlen, f)
    _constrain_lanes(air, m, f)
    _constrain_shifts(air, m, xlen, f)
    return air


def _constrain_selectors(air, m, ops, f) -> None:
    """One selector per op, op = its id; the message received; every limb 16 bits."""
    for name, _ in ops:
        air.constrain(m.s[name] * (m.s[name] - 1), f"s_{name} is boolean")
    air.constrain(f.real * (f.real - 1), "at most one selector")
    air.constrain(m.op - sum(op_id * m.s[name] for name, op_id in ops), "op = sum id * selector")
    air.receive(ALU, [m.op] + m.a + m.b + m.c, f.real)
    for v in m.a + m.b + m.c + m.d:                     # the scratch limbs too
        air.send(RANGE16, [v], f.real)


def _constrain_signs(air, m, xlen: int, f) -> None:
    L = n_limbs(xlen)
    if xlen == 64:
        for v, top, limb in zip("abc", m.tops, (m.a, m.b, m.c)):
            air.constrain(top - limb[3] - f.w * (limb[1] - limb[3]), f"{v}_top is limb 1 (W) or 3")
        tops = m.tops
    else:
        tops = [m.a[L - 1], m.b[L - 1], m.c[L - 1]]
    for s, top in zip((m.sa, m.sb, m.sc), tops):
        air.constrain(s * (s - 1), f"{s} is boolean")
        air.send(RANGE16, [2 * top - 65536 * s], f.real)
    air.constrain(m.sx - m.sa - m.sb + 2 * m.sa * m.sb, "sx = sa xor sb")


def _constrain_adder(air, m, xlen: int, f) -> None:
    """add, sub and the compares on one adder; the W forms' sign extension."""
    L, fam, a, b, c, d = n_limbs(xlen), f.fam, m.a, m.b, m.c, m.d
    k = [0] + m.k
    for kk in k[1:]:
        air.constrain(kk * (kk - 1), f"{kk} is boolean")
    for i in range(L):
        cin, cout = k[i], k[i + 1]
        low = i < 2 and xlen == 64
        g_add = fam(ADD, ADDW if low else ())
        g_sub = fam(SUB, SUBW if low else ())
        air.constrain(g_add * (a[i] + b[i] + cin - c[i] - 65536 * cout), f"add limb {i}")
        air.constrain(g_sub * (c[i] + b[i] + cin - a[i] - 65536 * cout), f"sub limb {i}")
        air.constrain(f.cmp * (d[i] + b[i] + cin - a[i] - 65536 * cout), f"compare limb {i}")
        air.constrain(m.s["lui"] * a[i], f"lui has a{i} = 0")
    kl = k[L]
    air.constrain(fam(SLTU) * (c[0] - kl), "sltu: c0 = borrow")
    air.constrain(fam(SLT) * (c[0] - kl - m.sx + 2 * kl * m.sx), "slt: c0 = borrow xor sa xor sb")
    for i in range(1, L):
        air.constrain(f.cmp * c[i], f"compare: c{i} = 0")
    if xlen == 64:
        for i in (2, 3):
            air.constrain(f.w * (c[i] - 65535 * m.sc), f"W: c{i} is the sign extension")


def _constrain_lanes(air, m, f) -> None:
    """The byte lanes: bitwise ops on them, and a's bytes for the shifts."""
    fam, x, y, z = f.fam, m.x, m.y, m.z
    bop = AND * (fam(BAND) + f.shift) + OR * fam(BOR) + XOR * fam(BXOR)
    lanes = f.bit + f.shift
    for j in range(len(x)):
        air.send(BITWISE, [bop, x[j], y[j], z[j]], lanes)
    for i in range(len(m.a)):
        air.constrain(lanes * (m.a[i] - x[2 * i] - 256 * x[2 * i + 1]), f"a{i} = bytes x")
        air.constrain(f.bit * (m.b[i] - y[2 * i] - 256 * y[2 * i + 1]), f"bitwise: b{i} = bytes y")
        air.constrain(f.bit * (m.c[i] - z[2 * i] - 256 * z[2 * i + 1]), f"bitwise: c{i} = bytes z")


def _constrain_shifts(air, m, xlen: int, f) -> None:
    L, NB, fam = n_limbs(xlen), 2 * n_limbs(xlen), f.fam
    sh, e, y, h, c, fs, pow_ = m.sh, m.e, m.y, m.h, m.c, m.fs, m.pow
    nbits = _shamt_bits(xlen)
    for bit in sh:
        air.constrain(bit * (bit - 1), f"{bit} is boolean")
    air.constrain(f.shift * (m.b[0] - sum((1 << t) * sh[t] for t in range(nbits)) - (1 << nbits) * m.d[0]),
                  "shift: b0 = bits + 2^nbits d0")
    if xlen == 64:
        air.constrain(m.sh5e - sh[5] * fam(SLL, SRL, SRA), "sh5e = sh5 on full-width shifts")
        kbits = [sh[3], sh[4], m.sh5e]
    else:
        kbits = [sh[3], sh[4]]
    air.constrain(m.pw - (1 + sh[0]) * (1 + 3 * sh[1]) * (1 + 15 * sh[2]), "pw = 2^r")
    air.constrain(m.pw * m.pwi - 256, "pwi = 256 / pw")
    air.constrain(pow_ - f.left * m.pw - f.right * m.pwi, "pow = pw (left) or pwi (right)")
    for j in range(NB):
        term = 1
        for t, bit in enumerate(kbits):
            term = term * (bit if (j >> t) & 1 else 1 - bit)
        air.constrain(e[j] - term, f"e{j} = [byte shift = {j}]")
    air.constrain(fs - m.sa * fam(SRA, SRAW), "fs = sign on arithmetic right shifts")
    air.constrain(m.fill - fs * (256 - pow_), "fill = the bits shifted into the top byte")
    for j in range(NB):
        air.constrain(f.shift * (m.x[j] * pow_ - y[j] - 256 * h[j]), f"x{j} * pow = y{j} + 256 h{j}")
    for i in range(L):
        air.send(BITWISE, [AND, h[2 * i], h[2 * i + 1], m.hz[i]], f.shift)

    def t_left(q):
        if q < 0:
            return 0
        return y[0] if q == 0 else y[q] + h[q - 1]

    def u_right(q, width):
        if q >= width:
            return 255 * fs
        return h[q] + (y[q + 1] if q + 1 < width else m.fill)

    for i in range(L):
        low = i < 2 and xlen == 64
        left = sum(e[j] * (t_left(2 * i - j) + 256 * t_left(2 * i + 1 - j)) for j in range(NB))
        air.constrain(fam(SLL, SLLW if low else ()) * (c[i] - left), f"sll: c{i}")
        right = sum(e[j] * (u_right(2 * i + j, NB) + 256 * u_right(2 * i + 1 + j, NB)) for j in range(NB))
        air.constrain(fam(SRL, SRA) * (c[i] - right), f"srl/sra: c{i}")
        if low:
            right_w = sum(e[j] * (u_right(2 * i + j, 4) + 256 * u_right(2 * i + 1 + j, 4)) for j in range(4))
            air.constrain(fam(SRLW, SRAW) * (c[i] - right_w), f"srlw/sraw: c{i}")


# ------------------------------------------------------------------ trace

def alu_trace(rows: np.ndarray, xlen: int, height: int | None = None) -> TableTrace:
    """The main trace of `alu_air(xlen)` for ALU_ROW rows (no auipc), padded to a power
    of two (or `height`) with all-selector-0 rows.  c is taken from the rows as given,
    so a wrong c gives a trace that fails the constraints."""
    if rows.dtype != ALU_ROW or rows.ndim != 1:
        raise TypeError(f"alu_trace takes a 1-d ALU_ROW array, not {rows.dtype} with shape {rows.shape}")
    ops = alu_ops(xlen)
    names = [name for name, _ in ops]
    index = np.full(len(TABLE), -1, dtype=np.int64)
    for col, (_, op_id) in enumerate(ops):
        index[op_id] = col
    n_real = rows.size
    n = height or pow2_height(n_real)
    if n < n_real or n & (n - 1):
        raise ValueError(f"height {n} is not a power of two >= {n_real}")
    op = rows["op"].astype(np.int64)
    if n_real and (op.max() >= len(TABLE) or (index[op] < 0).any()):
        bad = op[(op >= len(TABLE)) | (index[np.minimum(op, len(TABLE) - 1)] < 0)][0]
        raise ValueError(f"op {bad} is not an RV{xlen} ALU op of this table")
    layout = alu_layout(xlen)
    buffer = np.zeros((len(layout.names), n), dtype=np.uint32)    # column-major while filling
    m = layout.bind(lambda name: buffer[layout.index[name]])
    sel_index = np.full(n, -1, dtype=np.int64)
    sel_index[:n_real] = index[op]
    for col, name in enumerate(names):
        m.s[name][:] = sel_index == col
    m.op[:n_real] = op

    def fam(*groups):
        return np.isin(sel_index, [names.index(nm) for g in groups for nm in g if nm in names])

    f = _Families(fam, ops)
    mask = np.uint64((1 << xlen) - 1)
    values = []
    for v, columns in (("a", m.a), ("b", m.b), ("c", m.c)):
        padded = np.zeros(n, dtype=np.uint64)
        padded[:n_real] = rows[v] & mask
        values.append(padded)
        for i, column in enumerate(columns):
            column[:] = (padded >> np.uint64(16 * i)) & np.uint64(0xFFFF)
    dl = _fill_adder(m, xlen, f, *values)
    tops = _fill_signs(m, xlen, f)
    lanes = _fill_lanes(m, xlen, f, _fill_shift_amount(m, xlen, f))
    return TableTrace(np.ascontiguousarray(buffer.T), *_alu_lookups(m, f, dl, tops, lanes))


def _limbs_of(columns) -> list[np.ndarray]:
    return [column.astype(np.int32) for column in columns]


def _fill_adder(m, xlen: int, f, av, bv, cv) -> list[np.ndarray]:
    """The scratch limbs d (a - b on compares, b0 >> nbits on shifts) and the adder's
    carries, X + Y + k_i = Z + 2^16 k_i+1; returns d's limbs."""
    L, fam = n_limbs(xlen), f.fam
    al, bl, cl = _limbs_of(m.a), _limbs_of(m.b), _limbs_of(m.c)
    diff = np.where(f.cmp, (av - bv) & np.uint64((1 << xlen) - 1), np.uint64(0))
    dl = [((diff >> np.uint64(16 * i)) & np.uint64(0xFFFF)).astype(np.int32) for i in range(L)]
    dl[0] = np.where(f.shift, bl[0] >> _shamt_bits(xlen), dl[0]).astype(np.int32)
    for i in range(L):
        m.d[i][:] = dl[i]
    add_rows, sub_rows = fam(ADD, ADDW), fam(SUB, SUBW)
    adder = add_rows | sub_rows | f.cmp
    carry = np.zeros(al[0].size, dtype=np.int32)
    for i in range(L):
        X = np.where(add_rows, al[i], np.where(sub_rows, cl[i], dl[i]))
        carry = np.where(adder, (X + bl[i] + carry) >> 16, 0).astype(np.int32)
        m.k[i][:] = carry
    return dl


def _fill_signs(m, xlen: int, f) -> list[np.ndarray]:
    """The tops (limb 1 on W rows, else the top limb) and their sign bits; returns the tops."""
    tops = [np.where(f.w, v[1], v[-1]) for v in (_limbs_of(m.a), _limbs_of(m.b), _limbs_of(m.c))]
    if xlen == 64:
        for column, top in zip(m.tops, tops):
            column[:] = top
    sa, sb, sc = (t >> 15 for t in tops)
    m.sa[:], m.sb[:], m.sc[:], m.sx[:] = sa, sb, sc, sa ^ sb
    return tops


def _fill_shift_amount(m, xlen: int, f) -> np.ndarray:
    """The shift amount's bits, 2^r and its inverse, the byte shift one-hot and the fill;
    returns pow."""
    nbits = _shamt_bits(xlen)
    b0 = np.where(f.shift, m.b[0].astype(np.int32), 0)
    bits = [(b0 >> t) & 1 for t in range(nbits)]
    for t in range(nbits):
        m.sh[t][:] = bits[t]
    kshift = bits[3] + 2 * bits[4]
    if xlen == 64:
        top_bit = bits[5] & f.fam(SLL, SRL, SRA)
        m.sh5e[:] = top_bit
        kshift = kshift + 4 * top_bit
    r = bits[0] + 2 * bits[1] + 4 * bits[2]
    pw = np.left_shift(1, r).astype(np.int32)
    pwi = np.right_shift(256, r).astype(np.int32)
    pow_ = np.where(f.left, pw, np.where(f.right, pwi, 0)).astype(np.int32)
    m.pw[:], m.pwi[:], m.pow[:] = pw, pwi, pow_
    for j, column in enumerate(m.e):
        column[:] = kshift == j
    fs = m.sa.astype(np.int32) & f.fam(SRA, SRAW)
    m.fs[:], m.fill[:] = fs, fs * (256 - pow_)
    return pow_


def _fill_lanes(m, xlen: int, f, pow_) -> tuple[list, list, list]:
    """Bitwise rows: a, b, c's bytes; shift rows: a's bytes x, x * pow = y + 256 h,
    z = x & y.  Returns the lanes (x, y, h)."""
    al, bl, cl = _limbs_of(m.a), _limbs_of(m.b), _limbs_of(m.c)
    xb, yb, hb = [], [], []
    for j in range(2 * n_limbs(xlen)):
        x = (al[j // 2] >> (8 * (j % 2))) & 255
        prod = x * pow_
        y = np.where(f.shift, prod & 255, np.where(f.bit, (bl[j // 2] >> (8 * (j % 2))) & 255, 0))
        z = np.where(f.shift, x & y, np.where(f.bit, (cl[j // 2] >> (8 * (j % 2))) & 255, 0))
        h = np.where(f.shift, prod >> 8, 0)
        m.x[j][:], m.y[j][:], m.z[j][:], m.h[j][:] = x, y, z, h
        xb.append(x), yb.append(y), hb.append(h)
    for i, column in enumerate(m.hz):
        column[:] = hb[2 * i] & hb[2 * i + 1]
    return xb, yb, hb


def _alu_lookups(m, f, dl, tops, lanes) -> tuple[list, dict]:
    """(range16 values, {bitwise op: [(x, y)]}): the lookups `alu_air` declares."""
    real, fam = f.real, f.fam
    xb, yb, hb = lanes
    range16 = [v.astype(np.int32)[real] for v in m.a + m.b + m.c] + [v[real] for v in dl]
    range16 += [((t << 1) & 0xFFFF)[real] for t in tops]
    bitwise: dict[str, list] = {"and": [], "or": [], "xor": []}
    for opname, rowmask in (("and", fam(BAND) | f.shift), ("or", fam(BOR)), ("xor", fam(BXOR))):
        if rowmask.any():
            bitwise[opname] += [(xb[j][rowmask], yb[j][rowmask]) for j in range(len(xb))]
    if f.shift.any():
        bitwise["and"] += [(hb[2 * i][f.shift], hb[2 * i + 1][f.shift]) for i in range(len(m.hz))]
    return range16, bitwise
