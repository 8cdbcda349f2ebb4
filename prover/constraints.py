"""Compiled constraint evaluation: a register program run by one generic numba interpreter.

Why an interpreter: the prover evaluates every table's constraints on its LDE coset,
and the constraints differ per table.  Generating one numba kernel per table was tried:
0.76 s to run against 298 s to compile.  Here each table's expressions compile (in
Python, milliseconds) to a flat program, and one kernel, compiled once and cached, runs
any program, block by block: a block of BLOCK rows is loaded into register vectors, every
instruction is a loop over the block (so it vectorizes and the dispatch cost is paid
once per block), and the random combination sum_k alpha^k C_k is accumulated in the block.

The compiler
- evaluates every degree-0 subexpression (constants, public values, challenges and
  their combinations) once per evaluation, outside the kernel, as a scalar operand;
- eliminates common subexpressions (value numbering; + and * are commutative);
- types every register base or extension: base op base stays base (in Montgomery form,
  so a product costs one reduction), and only the aux columns, the challenges and what
  they touch are in the extension.  RISC-V tables are almost all base field, and an
  extension product costs 16 base products;
- combines base-field constraints four at a time (`acc4`): alpha^k times a base value is
  4 products, and the four constraints' products are summed in 64 bits and reduced once;
- allocates registers by last use (a register is reused once its value is dead, but
  never as the destination of an instruction that reads it, so a destination never
  overlaps an operand: LLVM's vectorized loops check that at run time), so the register
  file of a block stays in L1/L2.

Columns are read from row-major (N, m) matrices: per block, the rows a block needs
(local, and next: row i + next_shift mod N, next_shift = blowup on an LDE coset, 1 on
the trace domain) are transposed once into a window, row by row so that every cache
line of the trace is read once; loads copy from the window.  The selectors is_first,
is_last, is_transition come in as base-field columns (`selectors` computes them on a
domain, `selectors_at` at one extension point).

`evaluate_at_point` runs the same program on extension values in Python (the verifier's
one out-of-domain point), `evaluate_each` returns every constraint's value separately
(for `Air.check`).

Measured with `python -m prover.constraints` (`bench`, best of 3) on one core of the
2-core AMD EPYC development machine (AVX-512; the other core busy, so +-20%): 60 main
columns, 60 constraints of degree 2 and 3 over local and next rows, 376 instructions,
11 base registers, BLOCK = 512:
    N = 2^17:  0.024 s, 183 ns per point, 3.0 ns per point per constraint
    N = 2^21:  0.39-0.45 s, 184-216 ns per point, 3.1-3.6 ns per point per constraint
Of the ~190 ns per point, the window transposition of 60 columns is ~60 (0.9-1.1 ns per
element; variants column by column or in tiles measured 1.5-1.7), the arithmetic
(~0.2 ns per base add, 0.4 per product) and the acc4 combination the rest.  BLOCK = 256
and 1024 measured slower (2^21: 0.80 s and 0.48 s).
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from numba import njit

from . import extension as ext
from . import field
from .expr import Add, Col, Const, Expr, Mul, Neg, Pow, Selector, Sub, neg, ref_eval
from .extension import mul_inline
from .field import MONT_R, P, add_std, mont_mul_std, redc, sub_std

BLOCK = 512                 # rows per block

# name, destination kind, operand kinds, arithmetic family.  Kinds: B base register,
# E extension register, S scalar slot, I immediate (column, next flag, constraint index),
# - none (acc4's column 1 is its group index).
_OPS = (
    ("load_main", "B", "II", "load"), ("load_fixed", "B", "II", "load"),
    ("load_sel", "B", "II", "load"), ("load_aux", "E", "II", "load"),
    ("b_add", "B", "BB", "add"), ("b_sub", "B", "BB", "sub"), ("b_mul", "B", "BB", "mul"),
    ("b_add_s", "B", "BS", "add"), ("b_rsub_s", "B", "BS", "rsub"), ("b_mul_s", "B", "BS", "mul"),
    ("e_add", "E", "EE", "add"), ("e_sub", "E", "EE", "sub"), ("e_mul", "E", "EE", "mul"),
    ("e_add_b", "E", "EB", "add"), ("e_sub_b", "E", "EB", "sub"),
    ("e_rsub_b", "E", "EB", "rsub"), ("e_mul_b", "E", "EB", "mul"),
    ("e_add_s", "E", "ES", "add"), ("e_rsub_s", "E", "ES", "rsub"), ("e_mul_s", "E", "ES", "mul"),
    ("be_add_s", "E", "BS", "add"), ("be_rsub_s", "E", "BS", "rsub"), ("be_mul_s", "E", "BS", "mul"),
    ("acc4", "-", "BBBB", "acc"), ("acc_e", "-", "EI", "acc"), ("acc_s", "-", "SI", "acc"),
)
OPCODE = {spec[0]: i for i, spec in enumerate(_OPS)}
(LOAD_MAIN, LOAD_FIXED, LOAD_SEL, LOAD_AUX, B_ADD, B_SUB, B_MUL, B_ADD_S, B_RSUB_S, B_MUL_S,
 E_ADD, E_SUB, E_MUL, E_ADD_B, E_SUB_B, E_RSUB_B, E_MUL_B, E_ADD_S, E_RSUB_S, E_MUL_S,
 BE_ADD_S, BE_RSUB_S, BE_MUL_S, ACC4, ACC_E, ACC_S) = range(len(_OPS))
_WINDOWED = ("main", "fixed", "sel")       # base matrices read through per-block windows
_WIDTH = 2 * BLOCK + 16                     # window row: local and next rows; not a multiple of 4 KB
_GROUP = 4                                  # base constraints combined by one acc4

_R2_32 = np.uint32(field.MONT_R2)
_PR = np.uint64(P << 32)
_ONE = np.uint32(1)


# ---------------------------------------------------------------- compiler

@dataclass(frozen=True)
class Program:
    """A compiled constraint list: `code` rows are (opcode, dst, operands...).

    Loads of main, fixed and selector columns name a window slot: slot q of matrix
    `_WINDOWED[i]` is column used[i][q], copied (transposed) once per block.  Base-field
    constraints are combined four at a time: acc4 g adds sum_i alpha^groups[g, i] times
    its operand i (index -1: padding, coefficient 0)."""
    code: np.ndarray                    # (n, 6) int32, read-only
    scalars: tuple[Expr, ...]           # degree-0 operands, evaluated once per evaluation
    used: tuple[np.ndarray, ...]        # per windowed matrix: the column of each slot
    next_used: tuple[bool, ...]         # per windowed matrix: whether any next row is read
    n_base: int                         # base registers (vectors of BLOCK rows)
    n_ext: int                          # extension registers
    n_constraints: int
    ext_constraints: tuple[bool, ...]   # whether constraint k is extension-valued
    groups: np.ndarray                  # (G, 4) int64: the constraints of each acc4

    def listing(self) -> list[str]:
        """The program as text, one instruction a line (r: base, e: ext, s: scalar)."""
        prefix = {"B": "r", "E": "e", "S": "s", "I": "", "-": ""}
        lines = []
        for op, d, *operands in self.code.tolist():
            name, dk, kinds, family = _OPS[op]
            dst = f"{prefix[dk]}{d} = " if dk != "-" else ""
            if family == "load":
                matrix, (a, b) = name[5:], operands[:2]
                col = a if matrix == "aux" else int(self.used[_WINDOWED.index(matrix)][a])
                lines.append(f"{dst}{name} {matrix}[{col}]" + ("'" if b else ""))
            else:
                group = f" {d}:" if op == ACC4 else ""
                args = ", ".join(f"{prefix[k]}{v}" for k, v in zip(kinds, operands))
                lines.append(f"{dst}{name}{group} {args}")
        return lines


class _Compiler:
    def __init__(self):
        self.ssa: list[tuple] = []      # (opcode, immediate, operands...); value id = position
        self.cse: dict = {}
        self.by_node: dict = {}
        self.scalars: list[Expr] = []
        self.slots: dict[str, int] = {}
        self.windows = {m: {} for m in _WINDOWED}     # column -> window slot
        self.next_used = {m: False for m in _WINDOWED}

    # handles: (is_scalar, index, is_ext); index is a slot or an SSA value id
    def scalar(self, expr: Expr):
        key = str(expr)
        if key not in self.slots:
            self.slots[key] = len(self.scalars)
            self.scalars.append(expr)
        return (True, self.slots[key], expr.is_ext)

    def emit(self, name: str, a: int, b: int, commutative=False):
        if commutative and a > b:
            a, b = b, a
        key = (OPCODE[name], 0, a, b)
        if key not in self.cse:
            self.cse[key] = len(self.ssa)
            self.ssa.append(key)
        return (False, self.cse[key], _OPS[OPCODE[name]][1] == "E")

    def load(self, matrix: str, index: int, is_next: bool):
        if matrix == "aux":
            return self.emit("load_aux", index, int(is_next))
        slots = self.windows[matrix]
        self.next_used[matrix] |= is_next
        return self.emit("load_" + matrix, slots.setdefault(index, len(slots)), int(is_next))

    def binop(self, family: str, x, y):
        """x (family) y for handles, at least one of them a vector."""
        if family == "sub":
            if x[0]:                                     # s - v
                return self.emit(("e_rsub_s" if y[2] else "be_rsub_s" if x[2] else "b_rsub_s"), y[1], x[1])
            if y[0]:                                     # v - s = v + (-s)
                return self.binop("add", x, self.scalar(neg(self.scalars[y[1]])))
            if x[2] and y[2]:
                return self.emit("e_sub", x[1], y[1])
            if x[2] or y[2]:
                return self.emit("e_sub_b", x[1], y[1]) if x[2] else self.emit("e_rsub_b", y[1], x[1])
            return self.emit("b_sub", x[1], y[1])
        if x[0] or (not y[0] and y[2] and not x[2]):     # vector first, extension first
            x, y = y, x
        if y[0]:
            prefix = "e" if x[2] else "be" if y[2] else "b"
            return self.emit(f"{prefix}_{family}_s", x[1], y[1])
        if x[2] and y[2]:
            return self.emit(f"e_{family}", x[1], y[1], True)
        if x[2]:
            return self.emit(f"e_{family}_b", x[1], y[1])
        return self.emit(f"b_{family}", x[1], y[1], True)

    def value(self, node: Expr):
        h = self.by_node.get(id(node))
        if h is not None:
            return h
        if node.degree == 0:
            h = self.scalar(node)
        elif isinstance(node, Col):
            h = self.load(node.matrix, node.index, node.is_next)
        elif isinstance(node, Selector):
            h = self.load("sel", node.index, False)
        elif isinstance(node, (Add, Sub, Mul)):
            family = {Add: "add", Sub: "sub", Mul: "mul"}[type(node)]
            h = self.binop(family, self.value(node.a), self.value(node.b))
        elif isinstance(node, Neg):
            h = self.binop("sub", self.scalar(Const(0)), self.value(node.a))
        elif isinstance(node, Pow):
            base, acc, e = self.value(node.a), None, node.e
            while e:                                     # square and multiply
                if e & 1:
                    acc = base if acc is None else self.binop("mul", acc, base)
                e >>= 1
                if e:
                    base = self.binop("mul", base, base)
            h = acc
        else:
            raise TypeError(f"cannot compile {node!r}")
        self.by_node[id(node)] = h
        return h

    def finish(self, exprs: list[Expr]) -> Program:
        is_ext, groups, pending = [], [], []             # pending: (k, value) of base constraints
        for k, e in enumerate(exprs):
            h = self.value(e)
            if h[0] or h[2]:
                self.ssa.append((ACC_S if h[0] else ACC_E, 0, h[1], k))    # never merged by CSE
            else:
                pending.append((k, h[1]))
            is_ext.append(h[2])
            if len(pending) == _GROUP or (pending and k == len(exprs) - 1):
                pending += [(-1, pending[0][1])] * (_GROUP - len(pending))
                self.ssa.append((ACC4, len(groups), *(v for _, v in pending)))
                groups.append([k for k, _ in pending])
                pending = []
        code, n_base, n_ext = _allocate(self.ssa)
        used = tuple(field.readonly(np.array(sorted(w, key=w.get), dtype=np.int64))
                     for w in self.windows.values())
        return Program(field.readonly(code), tuple(self.scalars), used, tuple(self.next_used.values()),
                       n_base, n_ext, len(exprs), tuple(is_ext),
                       field.readonly(np.array(groups, dtype=np.int64).reshape(-1, _GROUP)))


def _allocate(ssa):
    """SSA values to registers by last use; a destination never shares an operand's register."""
    last = {}
    for t, (op, _, *operands) in enumerate(ssa):
        for v, k in zip(operands, _OPS[op][2]):
            if k in "BE":
                last[v] = t
    free = {"B": [], "E": []}
    count = {"B": 0, "E": 0}
    reg = {}
    code = np.zeros((len(ssa), 6), dtype=np.int32)
    for t, (op, imm, *operands) in enumerate(ssa):
        _, dk, kinds, _ = _OPS[op]
        rd = imm
        if dk != "-":
            rd = free[dk].pop() if free[dk] else count[dk]
            count[dk] = max(count[dk], rd + 1)
            reg[t] = rd
        code[t, :2 + len(operands)] = (op, rd, *(reg[v] if k in "BE" else v for v, k in zip(operands, kinds)))
        for v, k in set(zip(operands, kinds)):
            if k in "BE" and last[v] == t:
                free[k].append(reg[v])
    return code, count["B"], count["E"]


def compile_constraints(exprs: list[Expr]) -> Program:
    """Compiles constraints (in order: constraint k gets alpha^k) to one register program."""
    return _Compiler().finish(list(exprs))


# ---------------------------------------------------------------- the interpreter (numba)

@njit(cache=True, inline="always")
def _fill_rows(src, used, w, r, cnt, off):
    """w[q, off + j] = src[r + j, used[q]] for j < cnt, rows r + j < N.  Row by row, so
    each cache line of the block is read once (measured 0.9 ns per element, against 1.6
    column by column and 1.7 in tiles of 16 rows)."""
    for j in range(cnt):
        row = src[r + j]
        for q in range(used.size):
            w[q, off + j] = row[used[q]]


@njit(cache=True, inline="always")
def _fill_span(src, used, w, r, cnt, off, n):
    """_fill_rows for rows r, r + 1, ... (r < n) wrapping around past n."""
    while cnt > 0:
        c = min(cnt, n - r)
        _fill_rows(src, used, w, r, c, off)
        cnt -= c
        off += c
        r = 0


@njit(cache=True, inline="always")
def _fill(src, used, w, i0, m, shift, nxt, n):
    """The block's window of a matrix, transposed: slot q of local row i0 + j at w[q, j],
    of next row at w[q, j + min(shift, BLOCK)].  (Loads convert to Montgomery form, in
    contiguous vectorized loops: 0.15 ns per element, against 1.3 ns here.)"""
    if used.size == 0:
        return
    if nxt and shift <= BLOCK:
        _fill_span(src, used, w, i0, m + shift, 0, n)
    else:
        _fill_span(src, used, w, i0, m, 0, n)
        if nxt:
            _fill_span(src, used, w, (i0 + shift) % n, m, BLOCK, n)


@njit(cache=True, nogil=True)
def _run(code, main, fixed, sel, aux, used_m, used_f, used_s, nxt, shift, sb, se, alpha, alpha4, groups,
         each, start, stop, n_base, n_ext, out, out_each):
    """Rows [start, stop): out[i - start] = sum_k alpha[k] C_k(i) (alpha4[g, i] = alpha[k]
    for k = groups[g, i], or 0), or with `each`, out_each[i - start, k] = C_k(i).
    Base registers hold Montgomery forms (x R); windows, extension registers and the
    scalars `se` standard forms; `sb` Montgomery forms.  Register rows are padded by 16
    words like the window rows (an exact 4 KB stride put every window slot in the same
    L1 sets: the padding made a program of loads 2.6x faster)."""
    n = sel.shape[0]
    noff = min(shift, BLOCK)
    rb = np.empty((max(n_base, 1), BLOCK + 16), dtype=np.uint32)
    re = np.empty((max(n_ext, 1), 4, BLOCK), dtype=np.uint32)
    wm = np.empty((used_m.size, _WIDTH), dtype=np.uint32)
    wf = np.empty((used_f.size, _WIDTH), dtype=np.uint32)
    ws = np.empty((used_s.size, _WIDTH), dtype=np.uint32)
    acc = np.zeros((4, BLOCK), dtype=np.uint32)
    for i0 in range(start, stop, BLOCK):
        m = min(BLOCK, stop - i0)
        _fill(main, used_m, wm, i0, m, shift, nxt[0], n)
        _fill(fixed, used_f, wf, i0, m, shift, nxt[1], n)
        _fill(sel, used_s, ws, i0, m, shift, nxt[2], n)
        acc[:, :] = 0
        for t in range(code.shape[0]):
            op = code[t, 0]
            d = code[t, 1]
            a = code[t, 2]
            b = code[t, 3]
            if op <= LOAD_AUX:
                if op == LOAD_AUX:
                    r0 = (i0 + b * shift) % n
                    ze = re[d]
                    for j in range(m):
                        r = r0 + j
                        if r >= n:
                            r -= n
                        for c in range(4):
                            ze[c, j] = aux[r, a, c]
                else:
                    src = wm[a] if op == LOAD_MAIN else (wf[a] if op == LOAD_FIXED else ws[a])
                    z = rb[d]
                    o = b * noff
                    for j in range(m):
                        z[j] = mont_mul_std(src[o + j], _R2_32)
            elif op <= B_MUL_S:
                x = rb[a]
                z = rb[d]
                if op == B_ADD:
                    y = rb[b]
                    for j in range(m):
                        z[j] = add_std(x[j], y[j])
                elif op == B_SUB:
                    y = rb[b]
                    for j in range(m):
                        z[j] = sub_std(x[j], y[j])
                elif op == B_MUL:
                    y = rb[b]
                    for j in range(m):
                        z[j] = mont_mul_std(x[j], y[j])
                elif op == B_ADD_S:
                    s = sb[b]
                    for j in range(m):
                        z[j] = add_std(x[j], s)
                elif op == B_RSUB_S:
                    s = sb[b]
                    for j in range(m):
                        z[j] = sub_std(s, x[j])
                else:
                    s = sb[b]
                    for j in range(m):
                        z[j] = mont_mul_std(x[j], s)
            elif op <= E_MUL:
                x3 = re[a]
                y3 = re[b]
                z3 = re[d]
                if op == E_MUL:
                    for j in range(m):
                        c0, c1, c2, c3 = mul_inline(x3[0, j], x3[1, j], x3[2, j], x3[3, j],
                                                    y3[0, j], y3[1, j], y3[2, j], y3[3, j])
                        z3[0, j] = c0
                        z3[1, j] = c1
                        z3[2, j] = c2
                        z3[3, j] = c3
                elif op == E_ADD:
                    for c in range(4):
                        for j in range(m):
                            z3[c, j] = add_std(x3[c, j], y3[c, j])
                else:
                    for c in range(4):
                        for j in range(m):
                            z3[c, j] = sub_std(x3[c, j], y3[c, j])
            elif op <= E_MUL_B:
                x3 = re[a]
                y = rb[b]
                z3 = re[d]
                if op == E_MUL_B:
                    for c in range(4):
                        for j in range(m):
                            z3[c, j] = mont_mul_std(x3[c, j], y[j])
                else:
                    for j in range(m):
                        v = mont_mul_std(y[j], _ONE)
                        if op == E_ADD_B:
                            z3[0, j] = add_std(x3[0, j], v)
                        elif op == E_SUB_B:
                            z3[0, j] = sub_std(x3[0, j], v)
                        else:
                            z3[0, j] = sub_std(v, x3[0, j])
                    for c in range(1, 4):
                        for j in range(m):
                            z3[c, j] = sub_std(0, x3[c, j]) if op == E_RSUB_B else x3[c, j]
            elif op <= E_MUL_S:
                x3 = re[a]
                z3 = re[d]
                s0 = se[b, 0]
                s1 = se[b, 1]
                s2 = se[b, 2]
                s3 = se[b, 3]
                if op == E_MUL_S:
                    for j in range(m):
                        c0, c1, c2, c3 = mul_inline(x3[0, j], x3[1, j], x3[2, j], x3[3, j], s0, s1, s2, s3)
                        z3[0, j] = c0
                        z3[1, j] = c1
                        z3[2, j] = c2
                        z3[3, j] = c3
                else:
                    for c in range(4):
                        s = se[b, c]
                        for j in range(m):
                            z3[c, j] = add_std(x3[c, j], s) if op == E_ADD_S else sub_std(s, x3[c, j])
            elif op <= BE_MUL_S:
                x = rb[a]
                z3 = re[d]
                if op == BE_MUL_S:
                    for c in range(4):
                        s = se[b, c]
                        for j in range(m):
                            z3[c, j] = mont_mul_std(s, x[j])
                else:
                    for j in range(m):
                        v = mont_mul_std(x[j], _ONE)
                        z3[0, j] = add_std(v, se[b, 0]) if op == BE_ADD_S else sub_std(se[b, 0], v)
                    for c in range(1, 4):
                        s = se[b, c]
                        for j in range(m):
                            z3[c, j] = s
            elif each:
                if op == ACC4:
                    for i in range(_GROUP):
                        k = groups[d, i]
                        if k >= 0:
                            x = rb[code[t, 2 + i]]
                            o = out_each[i0 - start:i0 - start + m, k]
                            for j in range(m):
                                o[j, 0] = mont_mul_std(x[j], _ONE)
                                o[j, 1] = 0
                                o[j, 2] = 0
                                o[j, 3] = 0
                else:
                    o = out_each[i0 - start:i0 - start + m, b]
                    for j in range(m):
                        for c in range(4):
                            o[j, c] = re[a][c, j] if op == ACC_E else se[a, c]
            elif op == ACC4:
                # alpha^k (standard) times x R: four products < 4 p^2 < 2 p 2^32, so one
                # subtraction brings the sum into redc's range, and redc gives a standard form
                x0 = rb[a]
                x1 = rb[b]
                x2 = rb[code[t, 4]]
                x3 = rb[code[t, 5]]
                for c in range(4):
                    s0 = np.uint64(alpha4[d, 0, c])
                    s1 = np.uint64(alpha4[d, 1, c])
                    s2 = np.uint64(alpha4[d, 2, c])
                    s3 = np.uint64(alpha4[d, 3, c])
                    ac = acc[c]
                    for j in range(m):
                        v = (s0 * np.uint64(x0[j]) + s1 * np.uint64(x1[j])
                             + s2 * np.uint64(x2[j]) + s3 * np.uint64(x3[j]))
                        if v >= _PR:
                            v -= _PR
                        ac[j] = add_std(ac[j], np.uint32(redc(v)))
            else:
                a0 = alpha[b, 0]
                a1 = alpha[b, 1]
                a2 = alpha[b, 2]
                a3 = alpha[b, 3]
                x3 = re[a] if op == ACC_E else re[0]
                for j in range(m):
                    if op == ACC_E:
                        c0, c1, c2, c3 = mul_inline(x3[0, j], x3[1, j], x3[2, j], x3[3, j], a0, a1, a2, a3)
                    else:
                        c0, c1, c2, c3 = mul_inline(se[a, 0], se[a, 1], se[a, 2], se[a, 3], a0, a1, a2, a3)
                    acc[0, j] = add_std(acc[0, j], c0)
                    acc[1, j] = add_std(acc[1, j], c1)
                    acc[2, j] = add_std(acc[2, j], c2)
                    acc[3, j] = add_std(acc[3, j], c3)
        if not each:
            for j in range(m):
                for c in range(4):
                    out[i0 - start + j, c] = acc[c, j]


# ---------------------------------------------------------------- evaluation API

def _scalar_tables(program: Program, public, challenges):
    """Scalar operands: `sb` Montgomery forms of the base ones, `se` all of them as extension values."""
    public = [int(v) for v in np.asarray(public, dtype=np.uint32).reshape(-1)]
    chal = [] if challenges is None else [tuple(int(c) for c in row)
                                          for row in np.asarray(challenges, dtype=np.uint32).reshape(-1, 4)]
    values = [ref_eval(e, public=public, challenges=chal) for e in program.scalars]
    sb = np.array([0 if isinstance(v, tuple) else v * MONT_R % P for v in values], dtype=np.uint32)
    se = np.array([v if isinstance(v, tuple) else (v, 0, 0, 0) for v in values], dtype=np.uint32).reshape(-1, 4)
    return field.readonly(sb), field.readonly(se), values


def _alpha_powers(alpha, k: int) -> list[tuple]:
    a = tuple(int(c) for c in np.asarray(alpha, dtype=np.uint32).reshape(4))
    out, x = [], (1, 0, 0, 0)
    for _ in range(k):
        out.append(x)
        x = ext.ref_mul(x, a)
    return out


def _alpha_tables(program: Program, alpha):
    """alpha^k per constraint (K, 4), and per acc4 group (G, 4, 4) with zeros for padding."""
    powers = np.array(_alpha_powers(alpha, program.n_constraints) + [(0, 0, 0, 0)], dtype=np.uint32)
    return field.readonly(powers[:-1]), field.readonly(powers[program.groups])


def _windows(program: Program):
    return (*program.used, field.readonly(np.array(program.next_used, dtype=np.int64)))


def _inputs(main, fixed, aux, selectors):
    sel = np.asarray(selectors, dtype=np.uint32)
    n = sel.shape[0]
    if sel.shape != (n, 3):
        raise ValueError(f"selectors need shape (N, 3), got {sel.shape}")

    def matrix(a, shape):
        a = np.zeros(shape, dtype=np.uint32) if a is None else np.ascontiguousarray(a, dtype=np.uint32)
        if a.shape[0] != n or a.ndim != len(shape):
            raise ValueError(f"trace matrix of shape {a.shape} does not match {n} selector rows")
        return field.readonly(a)

    return (matrix(main, (n, 0)), matrix(fixed, (n, 0)), field.readonly(np.ascontiguousarray(sel)),
            matrix(aux, (n, 0, 4)), n)


def evaluate_on_domain(program: Program, *, main, fixed=None, aux=None, next_shift: int, selectors,
                       public=(), challenges=None, alpha, threads: int = 1) -> np.ndarray:
    """(N, 4): sum_k alpha^k C_k at every row of a domain; rows split across `threads`."""
    main, fixed, sel, aux, n = _inputs(main, fixed, aux, selectors)
    sb, se, _ = _scalar_tables(program, public, challenges)
    alphas, alpha4 = _alpha_tables(program, alpha)
    out = np.empty((n, 4), dtype=np.uint32)
    none = np.empty((0, max(program.n_constraints, 1), 4), dtype=np.uint32)
    shift = np.int64(next_shift % n)

    def run(lo, hi):
        _run(program.code, main, fixed, sel, aux, *_windows(program), shift, sb, se, alphas, alpha4,
             program.groups, False,
             np.int64(lo), np.int64(hi), np.int64(program.n_base), np.int64(program.n_ext), out[lo:hi], none)

    per = -(-n // max(threads, 1) // BLOCK) * BLOCK or BLOCK
    ranges = [(lo, min(n, lo + per)) for lo in range(0, n, per)]
    if len(ranges) == 1:
        run(*ranges[0])
    else:
        with ThreadPoolExecutor(len(ranges)) as pool:
            list(pool.map(lambda r: run(*r), ranges))
    return out


def evaluate_each(program, *, main, fixed=None, aux=None, next_shift: int, selectors, public=(),
                  challenges=None, start: int = 0, stop: int | None = None) -> np.ndarray:
    """Every constraint's value at rows [start, stop): (rows, K) if all are base-field,
    else (rows, K, 4).  `program` may be a list of expressions."""
    if not isinstance(program, Program):
        program = compile_constraints(program)
    main, fixed, sel, aux, n = _inputs(main, fixed, aux, selectors)
    stop = n if stop is None else stop
    sb, se, _ = _scalar_tables(program, public, challenges)
    k = program.n_constraints
    out_each = np.empty((stop - start, max(k, 1), 4), dtype=np.uint32)
    alphas, alpha4 = _alpha_tables(program, np.zeros(4, dtype=np.uint32))
    _run(program.code, main, fixed, sel, aux, *_windows(program), np.int64(next_shift % n), sb, se,
         alphas, alpha4, program.groups, True, np.int64(start), np.int64(stop),
         np.int64(program.n_base), np.int64(program.n_ext), np.empty((0, 4), dtype=np.uint32), out_each)
    out_each = out_each[:, :k]
    return out_each if any(program.ext_constraints) else out_each[..., 0].copy()


def evaluate_at_point(program: Program, *, main_local, main_next, fixed_local=None, fixed_next=None,
                      aux_local=None, aux_next=None, selectors, public=(), challenges=None, alpha) -> np.ndarray:
    """(4,): sum_k alpha^k C_k at one extension point, from the columns' values there
    ((m, 4) arrays, local and next) and the selectors' ((3, 4)).  Pure Python."""
    def rows(a):
        a = () if a is None else np.asarray(a, dtype=np.uint32).reshape(-1, 4)
        return [tuple(int(c) for c in r) for r in a]

    sources = {LOAD_MAIN: (rows(main_local), rows(main_next)), LOAD_FIXED: (rows(fixed_local), rows(fixed_next)),
               LOAD_SEL: (rows(selectors),) * 2, LOAD_AUX: (rows(aux_local), rows(aux_next))}
    columns = dict(zip((LOAD_MAIN, LOAD_FIXED, LOAD_SEL), program.used))
    _, _, values = _scalar_tables(program, public, challenges)
    scal = [v if isinstance(v, tuple) else (v, 0, 0, 0) for v in values]
    alphas = _alpha_powers(alpha, program.n_constraints)
    arith = {"add": ext.ref_add, "sub": ext.ref_sub, "mul": ext.ref_mul,
             "rsub": lambda u, v: ext.ref_sub(v, u)}
    regs = {"B": {}, "E": {}, "S": dict(enumerate(scal))}
    acc = (0, 0, 0, 0)
    for op, d, *operands in program.code.tolist():
        _, dk, kinds, family = _OPS[op]
        a, b = operands[:2]
        if family == "load":
            regs[dk][d] = sources[op][b][a if op == LOAD_AUX else columns[op][a]]
        elif op == ACC4:
            for k, v in zip(program.groups[d].tolist(), operands):
                if k >= 0:
                    acc = ext.ref_add(acc, ext.ref_mul(alphas[k], regs["B"][v]))
        elif family == "acc":
            acc = ext.ref_add(acc, ext.ref_mul(alphas[b], regs[kinds[0]][a]))
        else:
            regs[dk][d] = arith[family](regs[kinds[0]][a], regs[kinds[1]][b])
    return np.array(acc, dtype=np.uint32)


# ---------------------------------------------------------------- selectors

def selectors(log_n: int, points) -> np.ndarray:
    """(N, 3): is_first, is_last, is_transition of a trace of 2^log_n rows at base points.

    is_first(x) = (x^n - 1) / (n (x - 1)) and is_last(x) = (x^n - 1) / (n (w x - 1)) are
    the Lagrange polynomials of rows 0 and n - 1 (w^0 and w^-1): at points of the trace
    domain H they are the 0/1 row indicators.  (The form (x^n - 1) / (n (x - w^-1)) is
    w times is_last: w, not 1, on the last row.)  is_transition(x) = x - w^-1."""
    x = np.asarray(points, dtype=np.uint32).reshape(-1)
    n = 1 << log_n
    w = field.root_of_unity(log_n)
    w_inv = np.uint32(field.ref_inv(w))
    num = field.sub(field.pow(x, n), np.uint32(1))
    on_h = num == 0
    den = np.stack([field.sub(x, np.uint32(1)), field.sub(field.mul(x, np.uint32(w)), np.uint32(1))])
    den = np.where(on_h, np.uint32(1), field.mul(den, np.uint32(n % P)))
    frac = field.mul(field.inv(den), num)
    out = np.empty((x.size, 3), dtype=np.uint32)
    out[:, 0] = np.where(on_h, (x == 1).astype(np.uint32), frac[0])
    out[:, 1] = np.where(on_h, (x == w_inv).astype(np.uint32), frac[1])
    out[:, 2] = field.sub(x, w_inv)
    return out


def selectors_at(log_n: int, zeta) -> np.ndarray:
    """(3, 4): the selectors at one extension point (the verifier's OOD point)."""
    z = tuple(int(c) for c in np.asarray(zeta, dtype=np.uint32).reshape(4))
    n = 1 << log_n
    w = field.root_of_unity(log_n)
    w_inv = (field.ref_inv(w), 0, 0, 0)
    one = (1, 0, 0, 0)
    num = ext.ref_sub(ext.ref_pow(z, n), one)
    if not any(num):                                   # zeta in H: the indicators
        first, last = (one if z == one else (0,) * 4), (one if z == w_inv else (0,) * 4)
    else:
        scale = (n % P, 0, 0, 0)
        first = ext.ref_mul(num, ext.ref_inv(ext.ref_mul(scale, ext.ref_sub(z, one))))
        wz_1 = ext.ref_sub(ext.ref_mul((w, 0, 0, 0), z), one)
        last = ext.ref_mul(num, ext.ref_inv(ext.ref_mul(scale, wz_1)))
    return np.array([first, last, ext.ref_sub(z, w_inv)], dtype=np.uint32)


# ---------------------------------------------------------------- benchmark

def bench(log_sizes=(17, 21), width: int = 60, threads: int = 1) -> list[str]:
    """Times evaluate_on_domain on a synthetic table: `width` main columns and as many
    constraints, alternately of degree 2 and 3, over local and next rows."""
    import time

    from .expr import IS_TRANSITION
    cols = [Col("main", i, f"c{i}") for i in range(width)]
    exprs = []
    for k in range(width):
        x, y, z, u = (cols[(k + j) % width] for j in range(4))
        if k % 2:
            exprs.append((x * y - z.next) * IS_TRANSITION)
        else:
            exprs.append(x * y * (u - 1) - 3 * z + u.next)
    program = compile_constraints(exprs)
    rng = np.random.default_rng(1)
    lines = [f"{width} columns, {width} constraints, {len(program.code)} instructions, "
             f"{program.n_base} base registers"]
    for log_n in log_sizes:
        n = 1 << log_n
        main = rng.integers(0, P, (n, width), dtype=np.uint32)
        sel = rng.integers(0, P, (n, 3), dtype=np.uint32)
        alpha = rng.integers(0, P, 4, dtype=np.uint32)
        evaluate_on_domain(program, main=main[:BLOCK], next_shift=2, selectors=sel[:BLOCK], alpha=alpha)
        dt = float("inf")
        for _ in range(3):
            t = time.perf_counter()
            evaluate_on_domain(program, main=main, next_shift=2, selectors=sel, alpha=alpha, threads=threads)
            dt = min(dt, time.perf_counter() - t)
        lines.append(f"N = 2^{log_n}: {dt:.3f} s, {dt / n * 1e9:.0f} ns per point, "
                     f"{dt / n / width * 1e9:.2f} ns per point per constraint")
    return lines


if __name__ == "__main__":
    import sys
    print("\n".join(bench(threads=int(sys.argv[1]) if len(sys.argv) > 1 else 1)))
