"""The ALU table: proves c = op(a, b) for the RISC-V ALU ops, on 16-bit limbs.

See `alu_air` for exactly what is proven and how; docs/riscv-air.md for the contract
(limbs, buses, the range-check rule).  `alu_trace` builds the table's main trace from
`runtime/trace.py` ALU_ROW rows and returns the range16/bitwise lookups it makes, so
the caller can fill those tables' multiplicity columns (`TableTrace.range16_mult`,
`TableTrace.bitwise_mult`).
"""
from __future__ import annotations


import numpy as np

from runtime.encoding import TABLE
from runtime.trace import ALU_ROW

from ..air import Air
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


def alu_columns(xlen: int) -> list[str]:
    L = n_limbs(xlen)
    NB = 2 * L
    cols = ["op"] + [f"s_{name}" for name, _ in alu_ops(xlen)]
    for v in "abc":
        cols += [f"{v}{i}" for i in range(L)]
    cols += [f"k{i + 1}" for i in range(L)]                 # carries / borrows
    cols += [f"d{i}" for i in range(L)]                     # scratch limbs: a - b (compares), q (shifts)
    if xlen == 64:
        cols += ["a_top", "b_top", "c_top"]                 # limb 1 on W rows, limb 3 otherwise
    cols += ["sa", "sb", "sc", "sx"]                        # sign bits of the tops, sa xor sb
    for v in "xyz":
        cols += [f"{v}{j}" for j in range(NB)]              # byte lanes
    cols += [f"h{j}" for j in range(NB)]                    # shift: high part of x_j * pow
    cols += [f"hz{i}" for i in range(L)]                    # h_2i & h_2i+1
    cols += [f"sh{t}" for t in range(_shamt_bits(xlen))]    # bits of b0
    if xlen == 64:
        cols += ["sh5e"]                                    # bit 5 on full-width shifts only
    cols += [f"e{j}" for j in range(NB)]                    # one-hot byte shift
    cols += ["pw", "pwi", "pow", "fs", "fill"]
    return cols


def _shamt_bits(xlen: int) -> int:
    return 6 if xlen == 64 else 5


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
    L = n_limbs(xlen)
    NB = 2 * L
    ops = alu_ops(xlen)
    air = Air(ALU, main=alu_columns(xlen))
    C = air.col
    S = {name: C(f"s_{name}") for name, _ in ops}

    def fam(*groups):
        total = 0
        for g in groups:
            for name in g:
                if name in S:
                    total = total + S[name]
        return total

    a = [C(f"a{i}") for i in range(L)]
    b = [C(f"b{i}") for i in range(L)]
    c = [C(f"c{i}") for i in range(L)]
    k = [0] + [C(f"k{i + 1}") for i in range(L)]
    d = [C(f"d{i}") for i in range(L)]
    x = [C(f"x{j}") for j in range(NB)]
    y = [C(f"y{j}") for j in range(NB)]
    z = [C(f"z{j}") for j in range(NB)]
    h = [C(f"h{j}") for j in range(NB)]
    hz = [C(f"hz{i}") for i in range(L)]
    sh = [C(f"sh{t}") for t in range(_shamt_bits(xlen))]
    e = [C(f"e{j}") for j in range(NB)]
    sa, sb, sc, sx = C("sa"), C("sb"), C("sc"), C("sx")
    pw, pwi, pow_, fs, fill = C("pw"), C("pwi"), C("pow"), C("fs"), C("fill")

    real = fam(*[[name] for name, _ in ops])
    is_w = fam(WORD)
    is_bit = fam(BAND, BOR, BXOR)
    is_left = fam(SLL, SLLW)
    is_right = fam(SRL, SRA, SRLW, SRAW)
    is_shift = is_left + is_right
    is_cmp = fam(SLT, SLTU)

    # ---- selectors and the op field
    for name, _ in ops:
        air.constrain(S[name] * (S[name] - 1), f"s_{name} is boolean")
    air.constrain(real * (real - 1), "at most one selector")
    air.constrain(C("op") - sum(op_id * S[name] for name, op_id in ops), "op = sum id * selector")
    air.receive(ALU, [C("op")] + a + b + c, real)

    # ---- every received limb is 16 bits; the scratch limbs too
    for v in a + b + c + d:
        air.send(RANGE16, [v], real)

    # ---- signs
    if xlen == 64:
        tops = []
        for v, limbs in (("a", a), ("b", b), ("c", c)):
            top = C(f"{v}_top")
            air.constrain(top - limbs[3] - is_w * (limbs[1] - limbs[3]), f"{v}_top is limb 1 (W) or 3")
            tops.append(top)
    else:
        tops = [a[L - 1], b[L - 1], c[L - 1]]
    for s, top in zip((sa, sb, sc), tops):
        air.constrain(s * (s - 1), f"{s} is boolean")
        air.send(RANGE16, [2 * top - 65536 * s], real)
    air.constrain(sx - sa - sb + 2 * sa * sb, "sx = sa xor sb")

    # ---- adder
    for kk in k[1:]:
        air.constrain(kk * (kk - 1), f"{kk} is boolean")
    for i in range(L):
        cin, cout = k[i], k[i + 1]
        low = i < 2 and xlen == 64
        g_add = fam(ADD, ADDW if low else ())
        g_sub = fam(SUB, SUBW if low else ())
        air.constrain(g_add * (a[i] + b[i] + cin - c[i] - 65536 * cout), f"add limb {i}")
        air.constrain(g_sub * (c[i] + b[i] + cin - a[i] - 65536 * cout), f"sub limb {i}")
        air.constrain(is_cmp * (d[i] + b[i] + cin - a[i] - 65536 * cout), f"compare limb {i}")
        air.constrain(S["lui"] * a[i], f"lui has a{i} = 0")
    kl = k[L]
    air.constrain(fam(SLTU) * (c[0] - kl), "sltu: c0 = borrow")
    air.constrain(fam(SLT) * (c[0] - kl - sx + 2 * kl * sx), "slt: c0 = borrow xor sa xor sb")
    for i in range(1, L):
        air.constrain(is_cmp * c[i], f"compare: c{i} = 0")

    # ---- W forms: sign extension of the 32-bit result
    if xlen == 64:
        for i in (2, 3):
            air.constrain(is_w * (c[i] - 65535 * sc), f"W: c{i} is the sign extension")

    # ---- byte lanes
    bop = AND * (fam(BAND) + is_shift) + OR * fam(BOR) + XOR * fam(BXOR)
    lanes = is_bit + is_shift
    for j in range(NB):
        air.send(BITWISE, [bop, x[j], y[j], z[j]], lanes)
    for i in range(L):
        air.constrain(lanes * (a[i] - x[2 * i] - 256 * x[2 * i + 1]), f"a{i} = bytes x")
        air.constrain(is_bit * (b[i] - y[2 * i] - 256 * y[2 * i + 1]), f"bitwise: b{i} = bytes y")
        air.constrain(is_bit * (c[i] - z[2 * i] - 256 * z[2 * i + 1]), f"bitwise: c{i} = bytes z")

    # ---- shifts
    nbits = _shamt_bits(xlen)
    for bit in sh:
        air.constrain(bit * (bit - 1), f"{bit} is boolean")
    air.constrain(is_shift * (b[0] - sum((1 << t) * sh[t] for t in range(nbits)) - (1 << nbits) * d[0]),
                  "shift: b0 = bits + 2^nbits d0")
    if xlen == 64:
        top_bit = C("sh5e")
        air.constrain(top_bit - sh[5] * fam(SLL, SRL, SRA), "sh5e = sh5 on full-width shifts")
        kbits = [sh[3], sh[4], top_bit]
    else:
        kbits = [sh[3], sh[4]]
    air.constrain(pw - (1 + sh[0]) * (1 + 3 * sh[1]) * (1 + 15 * sh[2]), "pw = 2^r")
    air.constrain(pw * pwi - 256, "pwi = 256 / pw")
    air.constrain(pow_ - is_left * pw - is_right * pwi, "pow = pw (left) or pwi (right)")
    for j in range(NB):
        term = 1
        for t, bit in enumerate(kbits):
            term = term * (bit if (j >> t) & 1 else 1 - bit)
        air.constrain(e[j] - term, f"e{j} = [byte shift = {j}]")
    air.constrain(fs - sa * fam(SRA, SRAW), "fs = sign on arithmetic right shifts")
    air.constrain(fill - fs * (256 - pow_), "fill = the bits shifted into the top byte")
    for j in range(NB):
        air.constrain(is_shift * (x[j] * pow_ - y[j] - 256 * h[j]), f"x{j} * pow = y{j} + 256 h{j}")
    for i in range(L):
        air.send(BITWISE, [AND, h[2 * i], h[2 * i + 1], hz[i]], is_shift)

    def t_left(m):
        if m < 0:
            return 0
        return y[0] if m == 0 else y[m] + h[m - 1]

    def u_right(m, width):
        if m >= width:
            return 255 * fs
        return h[m] + (y[m + 1] if m + 1 < width else fill)

    for i in range(L):
        low = i < 2 and xlen == 64
        left = sum(e[j] * (t_left(2 * i - j) + 256 * t_left(2 * i + 1 - j)) for j in range(NB))
        air.constrain(fam(SLL, SLLW if low else ()) * (c[i] - left), f"sll: c{i}")
        right = sum(e[j] * (u_right(2 * i + j, NB) + 256 * u_right(2 * i + 1 + j, NB)) for j in range(NB))
        air.constrain(fam(SRL, SRA) * (c[i] - right), f"srl/sra: c{i}")
        if low:
            right_w = sum(e[j] * (u_right(2 * i + j, 4) + 256 * u_right(2 * i + 1 + j, 4)) for j in range(4))
            air.constrain(fam(SRLW, SRAW) * (c[i] - right_w), f"srlw/sraw: c{i}")
    return air


# ------------------------------------------------------------------ trace



class _Columns:
    """Writes named columns into a column-major buffer (and reads them back)."""

    def __init__(self, buffer, position):
        self.buffer, self.position = buffer, position

    def __setitem__(self, name, values):
        self.buffer[self.position[name]] = values

    def __getitem__(self, name):
        return self.buffer[self.position[name]]


def alu_trace(rows: np.ndarray, xlen: int, height: int | None = None) -> TableTrace:
    """The main trace of `alu_air(xlen)` for ALU_ROW rows (no auipc), padded to a power
    of two (or `height`) with all-selector-0 rows.  c is taken from the rows as given,
    so a wrong c gives a trace that fails the constraints."""
    if rows.dtype != ALU_ROW or rows.ndim != 1:
        raise TypeError(f"alu_trace takes a 1-d ALU_ROW array, not {rows.dtype} with shape {rows.shape}")
    L = n_limbs(xlen)
    NB = 2 * L
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
    mask = (1 << xlen) - 1
    position = {name: i for i, name in enumerate(alu_columns(xlen))}
    buffer = np.zeros((len(position), n), dtype=np.uint32)    # column-major while filling
    cols = _Columns(buffer, position)
    sel_index = np.full(n, -1, dtype=np.int64)
    sel_index[:n_real] = index[op]
    for col, name in enumerate(names):
        cols[f"s_{name}"] = sel_index == col
    cols["op"] = np.concatenate([op, np.zeros(n - n_real, dtype=np.int64)])
    real = sel_index >= 0

    def fam(*groups):
        idx = [names.index(nm) for g in groups for nm in g if nm in names]
        return np.isin(sel_index, idx)

    def padded(v):
        out = np.zeros(n, dtype=np.uint64)
        out[:n_real] = v & np.uint64(mask)
        return out

    av, bv, cv = padded(rows["a"]), padded(rows["b"]), padded(rows["c"])
    al, bl, cl = ([((v >> np.uint64(16 * i)) & np.uint64(0xFFFF)).astype(np.int32) for i in range(L)]
                  for v in (av, bv, cv))
    for i in range(L):
        cols[f"a{i}"], cols[f"b{i}"], cols[f"c{i}"] = al[i], bl[i], cl[i]
    is_w = fam(WORD)
    is_bit = fam(BAND, BOR, BXOR)
    is_left, is_right = fam(SLL, SLLW), fam(SRL, SRA, SRLW, SRAW)
    is_shift = is_left | is_right
    is_cmp = fam(SLT, SLTU)

    # scratch limbs d: a - b on compares, b0 >> nbits on shifts
    nbits = _shamt_bits(xlen)
    diff = np.where(is_cmp, (av - bv) & np.uint64(mask), np.uint64(0))
    dl = [((diff >> np.uint64(16 * i)) & np.uint64(0xFFFF)).astype(np.int32) for i in range(L)]
    dl[0] = np.where(is_shift, bl[0] >> nbits, dl[0]).astype(np.int32)
    for i in range(L):
        cols[f"d{i}"] = dl[i]

    # adder carries: X + Y + k_i = Z + 2^16 k_i+1
    add_rows, sub_rows = fam(ADD, ADDW), fam(SUB, SUBW)
    adder = add_rows | sub_rows | is_cmp
    carry = np.zeros(n, dtype=np.int32)
    for i in range(L):
        X = np.where(add_rows, al[i], np.where(sub_rows, cl[i], dl[i]))
        carry = np.where(adder, (X + bl[i] + carry) >> 16, 0).astype(np.int32)
        cols[f"k{i + 1}"] = carry

    # signs
    tops = [np.where(is_w, v[1], v[L - 1]) for v in (al, bl, cl)]
    if xlen == 64:
        cols["a_top"], cols["b_top"], cols["c_top"] = tops
    sa, sb, sc = (t >> 15 for t in tops)
    cols["sa"], cols["sb"], cols["sc"], cols["sx"] = sa, sb, sc, sa ^ sb

    # shift decomposition
    b0 = np.where(is_shift, bl[0], 0)
    bits = [(b0 >> t) & 1 for t in range(nbits)]
    for t in range(nbits):
        cols[f"sh{t}"] = bits[t]
    if xlen == 64:
        top_bit = bits[5] & fam(SLL, SRL, SRA)
        cols["sh5e"] = top_bit
        kshift = bits[3] + 2 * bits[4] + 4 * top_bit
    else:
        kshift = bits[3] + 2 * bits[4]
    r = bits[0] + 2 * bits[1] + 4 * bits[2]
    pw = np.left_shift(1, r).astype(np.int32)
    pwi = np.right_shift(256, r).astype(np.int32)
    pow_ = np.where(is_left, pw, np.where(is_right, pwi, 0)).astype(np.int32)
    cols["pw"], cols["pwi"], cols["pow"] = pw, pwi, pow_
    for j in range(NB):
        cols[f"e{j}"] = kshift == j
    fs = sa & fam(SRA, SRAW)
    cols["fs"], cols["fill"] = fs, fs * (256 - pow_)

    # byte lanes: bitwise rows (a, b, c) bytes; shift rows a's bytes x, x * pow = y + 256 h, z = x & y
    xb, yb, hb = [], [], []
    for j in range(NB):
        x = (al[j // 2] >> (8 * (j % 2))) & 255
        prod = x * pow_
        y = np.where(is_shift, prod & 255, np.where(is_bit, (bl[j // 2] >> (8 * (j % 2))) & 255, 0))
        z = np.where(is_shift, x & y, np.where(is_bit, (cl[j // 2] >> (8 * (j % 2))) & 255, 0))
        h = np.where(is_shift, prod >> 8, 0)
        cols[f"x{j}"], cols[f"y{j}"], cols[f"z{j}"], cols[f"h{j}"] = x, y, z, h
        xb.append(x), yb.append(y), hb.append(h)
    for i in range(L):
        cols[f"hz{i}"] = hb[2 * i] & hb[2 * i + 1]

    main = np.ascontiguousarray(buffer.T)

    # lookups
    range16 = [v[real] for v in al + bl + cl + dl]
    range16 += [((t << 1) & 0xFFFF)[real] for t in tops]
    bitwise: dict[str, list] = {"and": [], "or": [], "xor": []}
    for opname, rowmask in (("and", fam(BAND) | is_shift), ("or", fam(BOR)), ("xor", fam(BXOR))):
        if rowmask.any():
            bitwise[opname] += [(xb[j][rowmask], yb[j][rowmask]) for j in range(NB)]
    if is_shift.any():
        bitwise["and"] += [(hb[2 * i][is_shift], hb[2 * i + 1][is_shift]) for i in range(L)]
    return TableTrace(main, range16, bitwise)
