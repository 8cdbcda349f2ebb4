"""The LogUp bus: tables exchange messages, and the sums of their fractions must cancel.

A table's interaction sends (or receives) the tuple `fields` with multiplicity m on a named
bus.  With verifier challenges beta and gamma from the extension field, a message's
fingerprint is d = gamma + bus_id + sum_j beta^(j+1) field_j, and the interaction
contributes the fraction +-m/d on its row.  If every sent multiset equals the received
one, the fractions over all rows of all tables sum to zero; if not, the sum is a nonzero
rational function of (beta, gamma) that vanishes at the random point with probability at
most about (rows * fields) / |K| (Schwartz-Zippel, after clearing denominators; the
security calculator reports the term).

Per table the prover adds extension-valued aux columns:
- one helper column per group of interactions, h = sum_{i in group} +-m_i / d_i, checked
  by h * prod d_i = sum_i +-m_i prod_{j != i} d_j.  Interactions are grouped greedily so
  that this constraint stays within the maximum degree (two degree-1 messages per group
  at degree 3);
- a running sum s: s[0] = sum_g h_g[0], s[i+1] = s[i] + sum_g h_g[i+1], and on the last row
  s = S, the table's claimed sum.  S is sent in the proof and enters the constraints as a
  challenge-like value; the verifier checks that the claimed sums of all tables add to zero.

The prover computes these columns in one pass over the rows (`_blocks`, blocks of rows
on threads): fields and multiplicities that are affine forms in the trace columns (nearly
all) are read from the columns themselves, so a fingerprint is one sparse dot product of
the row with extension coefficients; a group's fractions are added up as one fraction
num/den and reduced to num'/N with N in the base field (the norm), and all norms of a
block are inverted with one exponentiation (Montgomery's trick).  On one core this takes
0.31 s for RISC-V Main's 55 messages on 2^17 rows (2.5 s when each message went through
numpy temporaries and its own extension inversion).
"""
from __future__ import annotations

import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import blake3
import numba
import numpy as np
from numba import njit

from . import extension as ext
from . import field
from .air import Air
from .constraints import compile_constraints, evaluate_each
from .expr import Add, Col, Const, Mul, Neg, Sub
from .extension import _norm_parts, mul_inline
from .field import P, add_std, mont_mul_std, mul_std, pow_std, sub_std
from .opening import _to_mont

_P64 = np.uint64(P)
CHALLENGES = ("logup.beta", "logup.gamma", "logup.sum")


def bus_id(name: str) -> int:
    """A field element naming the bus: distinct buses get unrelated fingerprints."""
    return int.from_bytes(blake3.blake3(b"zkaot-bus:" + name.encode()).digest()[:8], "little") % P


@dataclass(frozen=True)
class LogUpColumns:
    """Where a table's bus columns are: helper columns per group, then the running sum."""
    groups: tuple[tuple[int, ...], ...]       # interaction indices per helper column
    n_aux: int                                # helper columns + 1 (the running sum)


_attached: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def attach(air: Air, max_degree: int) -> LogUpColumns | None:
    """Add the bus columns and constraints to a table with interactions (once per table)."""
    if air in _attached:
        return _attached[air]
    if not air.interactions:
        _attached[air] = None
        return None
    beta, gamma, claimed = (air.challenge(name) for name in CHALLENGES)
    denominators = [_fingerprint(i, beta, gamma) for i in air.interactions]
    groups = _group(air, denominators, max_degree)
    helpers = [air.aux_col(f"logup.h{g}") for g in range(len(groups))]
    running = air.aux_col("logup.running_sum")
    for h, group in zip(helpers, groups):
        product = _product([denominators[i] for i in group])
        numerator = 0
        for i in group:
            others = _product([denominators[j] for j in group if j != i])
            numerator = numerator + _signed_multiplicity(air.interactions[i]) * others
        air.constrain(h * product - numerator, f"logup: helper column {h} is the sum of its fractions")
    row_sum = _sum(helpers)
    next_sum = _sum([h.next for h in helpers])
    air.when_first(running - row_sum, "logup: the running sum starts with row 0's fractions")
    air.when_transition(running.next - running - next_sum, "logup: the running sum adds each row's fractions")
    air.when_last(running - claimed, "logup: the running sum ends at the claimed sum")
    layout = LogUpColumns(tuple(tuple(g) for g in groups), len(helpers) + 1)
    _attached[air] = layout
    return layout


def aux_trace(air: Air, layout: LogUpColumns, main: np.ndarray, fixed: np.ndarray | None, public: np.ndarray,
              beta: np.ndarray, gamma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The bus columns (n, n_aux, 4) and the table's claimed sum (4,): one kernel pass over
    the rows computes every fingerprint, every helper column and the row sums."""
    n = main.shape[0]
    plan = _plan(air, layout)
    coeffs, offsets = plan.fingerprints(beta, gamma)
    extra = (evaluate_each(plan.extra, main=main, fixed=fixed, next_shift=1, selectors=np.zeros((n, 3), np.uint32),
                           public=public) if plan.extra is not None else np.zeros((n, 0), np.uint32))
    aux = np.empty((n, layout.n_aux, ext.DEGREE), dtype=np.uint32)
    empty = np.zeros((n, 0), np.uint32)
    args = (_readonly(main), _readonly(empty if fixed is None else fixed), _readonly(extra), plan.main_cols,
            plan.fixed_cols, plan.fp_ptr, plan.fp_slot, field.readonly(_to_mont(coeffs)), offsets, plan.m_form,
            plan.m_ptr, plan.m_slot, plan.m_coeff, plan.m_const, plan.g_ptr, plan.g_item, aux)
    blocks = -(-n // _B)
    runs = max(1, min(blocks, numba.get_num_threads()))
    bounds = [(blocks * t // runs, blocks * (t + 1) // runs) for t in range(runs)]
    if runs == 1:
        bad = [_blocks(*args, *bounds[0])]
    else:                                     # the kernel releases the GIL
        with ThreadPoolExecutor(runs) as pool:
            bad = list(pool.map(lambda b: _blocks(*args, *b), bounds))
    bad = [b for b in bad if b >= 0]
    if bad:
        raise ValueError(f"table {air.name}: a bus fingerprint is zero on row {min(bad)}; prove again with "
                         "another transcript (probability about rows/2^123)")
    aux[:, -1] = (np.cumsum(aux[:, -1], axis=0, dtype=np.uint64) % _P64).astype(np.uint32)
    return aux, aux[-1, -1].copy()


def _readonly(a: np.ndarray) -> np.ndarray:
    return field.readonly(np.ascontiguousarray(a, dtype=np.uint32))


@dataclass(frozen=True, eq=False)
class _Plan:
    """How the kernel reads a table's messages.  Every field and multiplicity that is an
    affine form in main and fixed columns (almost all are) is read as that form from the
    columns themselves; any other expression is evaluated once into an extra column.
    Kernel slots are the used main columns, then fixed columns, then extra columns.
    A message's fingerprint is then offset + sum over slots of coeff * slot value, with
    coeff = sum_j a_j beta^(j+1) over the fields j holding the slot with factor a_j."""
    main_cols: np.ndarray        # (S_main,) int64
    fixed_cols: np.ndarray       # (S_fixed,) int64
    extra: object                # compiled extra expressions (constraints.Program), or None
    fp_ptr: np.ndarray           # (T + 1,) int64: message t's fingerprint terms
    fp_slot: np.ndarray          # (E,) int64
    fp_terms: np.ndarray         # (F, 3) int64 rows (term e, field j, factor a): coeff e += a beta^(j+1)
    offset_terms: np.ndarray     # (C, 3) int64 rows (message t, field j, constant a): offset t += a beta^(j+1)
    bus_ids: np.ndarray          # (T,) int64
    m_form: np.ndarray           # (T,) int64: message t's signed multiplicity, one of U distinct forms
    m_ptr: np.ndarray            # (U + 1,) int64: form u's terms
    m_slot: np.ndarray           # (M,) int64
    m_coeff: np.ndarray          # (M,) uint32: factor a as a R^2, so that a product gives m R
    m_const: np.ndarray          # (U,) uint32: the constant c as c R
    g_ptr: np.ndarray            # (G + 1,) int64: group g's messages
    g_item: np.ndarray           # (T,) int64
    width: int                   # fields of the widest message

    def fingerprints(self, beta, gamma):
        """The terms' extension coefficients (E, 4) and the messages' offsets (T, 4)."""
        powers = np.empty((self.width + 1, ext.DEGREE), dtype=np.uint32)
        powers[0] = ext.from_base(np.uint32(1))
        for j in range(self.width):
            powers[j + 1] = ext.mul(powers[j], beta)
        coeffs = np.zeros((self.fp_slot.size, ext.DEGREE), dtype=np.uint64)
        e, j, a = (self.fp_terms[:, i] for i in range(3))
        np.add.at(coeffs, e, powers[j + 1].astype(np.uint64) * a.astype(np.uint64)[:, None] % _P64)
        offsets = np.zeros((self.bus_ids.size, ext.DEGREE), dtype=np.uint64)
        offsets += gamma.astype(np.uint64)
        offsets[:, 0] += self.bus_ids.astype(np.uint64)
        t, j, a = (self.offset_terms[:, i] for i in range(3))
        np.add.at(offsets, t, powers[j + 1].astype(np.uint64) * a.astype(np.uint64)[:, None] % _P64)
        return (coeffs % _P64).astype(np.uint32), field.readonly((offsets % _P64).astype(np.uint32))


_plans: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _plan(air: Air, layout: LogUpColumns) -> _Plan:
    if air in _plans:
        return _plans[air]
    slots: dict = {}                                   # ("main" | "fixed", column) or expression text -> slot
    extra: list = []

    def form(e) -> dict:
        """e as {slot key: factor, None: constant}, with non-affine parts in extra columns."""
        terms = _affine(e)
        if terms is None:
            key = str(e)
            if key not in slots:
                slots[key] = None
                extra.append(e)
            terms = {key: 1}
        for k in terms:
            if k is not None and k not in slots:
                slots[k] = None
        return terms

    fields, mults = [], []
    for i in air.interactions:
        fields.append([form(f) for f in i.fields])
        mults.append(form(_signed_multiplicity(i)))
    main_cols = sorted(k[1] for k in slots if isinstance(k, tuple) and k[0] == "main")
    fixed_cols = sorted(k[1] for k in slots if isinstance(k, tuple) and k[0] == "fixed")
    order = [("main", c) for c in main_cols] + [("fixed", c) for c in fixed_cols] + [str(e) for e in extra]
    index = {k: s for s, k in enumerate(order)}

    fp_ptr, fp_slot, fp_terms, offset_terms = [0], [], [], []
    m_form, forms = [], {}
    m_ptr, m_slot, m_coeff, m_const = [0], [], [], []
    for t, (fs, m) in enumerate(zip(fields, mults)):
        term_of = {}
        for j, f in enumerate(fs):
            for k, a in f.items():
                if k is None:
                    offset_terms.append((t, j, a))
                    continue
                if k not in term_of:
                    term_of[k] = len(fp_slot)
                    fp_slot.append(index[k])
                fp_terms.append((term_of[k], j, a))
        fp_ptr.append(len(fp_slot))
        key = tuple(sorted(m.items(), key=str))
        if key not in forms:
            forms[key] = len(forms)
            for k, a in m.items():
                if k is not None:
                    m_slot.append(index[k])
                    m_coeff.append(a * field.MONT_R2 % P)
            m_const.append(m.get(None, 0) * field.MONT_R % P)
            m_ptr.append(len(m_slot))
        m_form.append(forms[key])

    def ints(values, dtype=np.int64, shape=(-1,)):
        return field.readonly(np.array(values, dtype=dtype).reshape(shape))

    plan = _Plan(ints(main_cols), ints(fixed_cols), compile_constraints(extra) if extra else None,
                 ints(fp_ptr), ints(fp_slot), ints(fp_terms, shape=(-1, 3)), ints(offset_terms, shape=(-1, 3)),
                 ints([bus_id(i.bus) for i in air.interactions]), ints(m_form), ints(m_ptr), ints(m_slot),
                 ints(m_coeff, np.uint32), ints(m_const, np.uint32),
                 ints(np.cumsum([0] + [len(g) for g in layout.groups])), ints([i for g in layout.groups for i in g]),
                 max(len(i.fields) for i in air.interactions))
    _plans[air] = plan
    return plan


def _affine(e) -> dict | None:
    """e as {("main" | "fixed", column): factor, None: constant} if it is an affine form in
    local main and fixed columns with constant factors, else None."""
    if isinstance(e, Const):
        return {None: e.value} if e.value else {}
    if isinstance(e, Col):
        return {(e.matrix, e.index): 1} if e.matrix in ("main", "fixed") and not e.is_next else None
    if isinstance(e, Neg):
        a = _affine(e.a)
        return None if a is None else {k: -v % P for k, v in a.items()}
    if isinstance(e, (Add, Sub)):
        a, b = _affine(e.a), _affine(e.b)
        if a is None or b is None:
            return None
        sign = 1 if isinstance(e, Add) else -1
        out = dict(a)
        for k, v in b.items():
            out[k] = (out.get(k, 0) + sign * v) % P
        return {k: v for k, v in out.items() if v}
    if isinstance(e, Mul):
        a, b = _affine(e.a), _affine(e.b)
        if a is None or b is None:
            return None
        if set(a) <= {None}:
            a, b = b, a
        if not set(b) <= {None}:
            return None
        c = b.get(None, 0)
        return {k: v * c % P for k, v in a.items() if v * c % P}
    return None


_B = 256                     # rows per block: the block's buffers stay in L2
_R2_32 = np.uint32(field.MONT_R2)
_W_MONT = np.uint32(ext.W * field.MONT_R % P)


@njit(cache=True, nogil=True)
def _row_fingerprints(win, t, fp_ptr, fp_slot, coeffs, offsets, d, m):
    """d[:, r] = offsets[t] + sum_e coeffs[e] win[fp_slot[e], r] for message t."""
    for k in range(4):
        dk = d[k]
        for r in range(m):
            dk[r] = offsets[t, k]
    for e in range(fp_ptr[t], fp_ptr[t + 1]):
        w = win[fp_slot[e]]
        for k in range(4):
            c = coeffs[e, k]
            dk = d[k]
            for r in range(m):
                dk[r] = add_std(dk[r], mont_mul_std(w[r], c))


@njit(cache=True, nogil=True)
def _multiplicities(win, m_ptr, m_slot, m_coeff, m_const, out, m):
    """out[u, r] = multiplicity form u in Montgomery form (m R)."""
    for u in range(m_const.size):
        o = out[u]
        for r in range(m):
            o[r] = m_const[u]
        for e in range(m_ptr[u], m_ptr[u + 1]):
            w = win[m_slot[e]]
            c = m_coeff[e]
            for r in range(m):
                o[r] = add_std(o[r], mont_mul_std(w[r], c))


@njit(cache=True, nogil=True)
def _mul_into(a, b, m):
    """a[:, r] *= b[:, r] in K for r < m."""
    for r in range(m):
        c0, c1, c2, c3 = mul_inline(a[0, r], a[1, r], a[2, r], a[3, r], b[0, r], b[1, r], b[2, r], b[3, r])
        a[0, r] = c0
        a[1, r] = c1
        a[2, r] = c2
        a[3, r] = c3


@njit(cache=True, nogil=True)
def _over_norm(num, den, norm, m):
    """num[:, r] *= conj(den), the product of den's conjugates, so that num / den =
    num' / N(den) with N(den) = den conj(den) in F_p (written to norm).  With Y = X^2:
    den = u + X v, u = a0 + a2 Y, v = a1 + a3 Y; den (u - X v) = n0 + n1 Y, and
    (n0 + n1 Y)(n0 - n1 Y) = n0^2 - W n1^2 (see extension._inv_kernel): conj(den) =
    (u - X v)(n0 - n1 Y)."""
    for r in range(m):
        a0, a1, a2, a3 = den[0, r], den[1, r], den[2, r], den[3, r]
        n0, n1 = _norm_parts(a0, a1, a2, a3)
        x0, x1, x2, x3 = mul_inline(num[0, r], num[1, r], num[2, r], num[3, r], a0, sub_std(0, a1), a2, sub_std(0, a3))
        y0 = mont_mul_std(n0, _R2_32)                    # Montgomery forms of n0 and -n1
        y2 = mont_mul_std(sub_std(0, n1), _R2_32)
        num[0, r] = add_std(mont_mul_std(x0, y0), mont_mul_std(mont_mul_std(x2, y2), _W_MONT))
        num[1, r] = add_std(mont_mul_std(x1, y0), mont_mul_std(mont_mul_std(x3, y2), _W_MONT))
        num[2, r] = add_std(mont_mul_std(x2, y0), mont_mul_std(x0, y2))
        num[3, r] = add_std(mont_mul_std(x3, y0), mont_mul_std(x1, y2))
        norm[r] = sub_std(mont_mul_std(n0, y0), mont_mul_std(mont_mul_std(n1, mont_mul_std(n1, _R2_32)), _W_MONT))


@njit(cache=True, nogil=True)
def _blocks(main, fixed, extra, main_cols, fixed_cols, fp_ptr, fp_slot, coeffs, offsets,
            m_form, m_ptr, m_slot, m_coeff, m_const, g_ptr, g_item, out, first_block, end_block):
    """out[:, g] = group g's fractions, out[:, -1] = the row sums, for the rows of blocks
    [first_block, end_block); returns the first row with a zero fingerprint, or -1.

    Group g's fractions sum to
    num_g / den_g with den_g = prod_i d_i; `_over_norm` turns that into num'_g / N_g with
    N_g in F_p, and the block's norms are inverted together (`_invert_norms`)."""
    n = out.shape[0]
    groups = g_ptr.size - 1
    s_main, s_fixed = main_cols.size, fixed_cols.size
    win = np.empty((s_main + s_fixed + extra.shape[1], _B), dtype=np.uint32)
    d = np.empty((4, _B), dtype=np.uint32)
    den = np.empty((4, _B), dtype=np.uint32)
    mults = np.empty((m_const.size, _B), dtype=np.uint32)
    num = np.empty((groups, 4, _B), dtype=np.uint32)
    norm = np.empty((groups, _B), dtype=np.uint32)
    pre = np.empty((groups, _B), dtype=np.uint32)
    total = np.empty((4, _B), dtype=np.uint32)
    for b in range(first_block, end_block):
        r0 = b * _B
        m = min(_B, n - r0)
        for r in range(m):                                        # the block's slots, transposed
            row = main[r0 + r]
            for q in range(s_main):
                win[q, r] = row[main_cols[q]]
            row = fixed[r0 + r]
            for q in range(s_fixed):
                win[s_main + q, r] = row[fixed_cols[q]]
            row = extra[r0 + r]
            for q in range(extra.shape[1]):
                win[s_main + s_fixed + q, r] = row[q]
        _multiplicities(win, m_ptr, m_slot, m_coeff, m_const, mults, m)
        for g in range(groups):                                   # num_g / den_g
            lo, hi = g_ptr[g], g_ptr[g + 1]
            nu = num[g]
            first = mults[m_form[g_item[lo]]]
            _row_fingerprints(win, g_item[lo], fp_ptr, fp_slot, coeffs, offsets, den, m)
            for r in range(m):
                nu[0, r] = mont_mul_std(first[r], np.uint32(1))
            for k in range(1, 4):
                for r in range(m):
                    nu[k, r] = 0
            for i in range(lo + 1, hi):                           # (num d + m den) / (den d)
                mv = mults[m_form[g_item[i]]]
                _row_fingerprints(win, g_item[i], fp_ptr, fp_slot, coeffs, offsets, d, m)
                _add_fraction(nu, den, d, mv, first, i == lo + 1, m)
            nm, pg = norm[g], pre[g]
            _over_norm(nu, den, nm, m)
            if g == 0:
                for r in range(m):
                    pg[r] = nm[r]
            else:
                pp = pre[g - 1]
                for r in range(m):
                    pg[r] = mul_std(pp[r], nm[r])
        bad = _invert_norms(norm, pre, m)
        if bad >= 0:
            return r0 + bad
        for k in range(4):
            for r in range(m):
                total[k, r] = 0
        for g in range(groups):                                   # h_g = num'_g / N_g
            nm = norm[g]
            for k in range(4):
                nk, tk = num[g, k], total[k]
                for r in range(m):
                    h = mont_mul_std(nk[r], nm[r])
                    nk[r] = h
                    tk[r] = add_std(tk[r], h)
        for r in range(m):                                        # out of the block buffers
            o = out[r0 + r]
            for g in range(groups):
                for k in range(4):
                    o[g, k] = num[g, k, r]
            for k in range(4):
                o[groups, k] = total[k, r]
    return -1


@njit(cache=True, nogil=True)
def _add_fraction(num, den, d, mv, first, num_is_first, m):
    """num / den + m / d = (num d + m den) / (den d) in place; mv and first are
    multiplicities in Montgomery form, and while num_is_first, num is first's value."""
    if num_is_first:                                              # base times extension
        for k in range(4):
            dk, nk, ek = d[k], num[k], den[k]
            for r in range(m):
                nk[r] = add_std(mont_mul_std(dk[r], first[r]), mont_mul_std(ek[r], mv[r]))
    else:
        for r in range(m):
            c0, c1, c2, c3 = mul_inline(num[0, r], num[1, r], num[2, r], num[3, r], d[0, r], d[1, r], d[2, r], d[3, r])
            num[0, r] = add_std(c0, mont_mul_std(den[0, r], mv[r]))
            num[1, r] = add_std(c1, mont_mul_std(den[1, r], mv[r]))
            num[2, r] = add_std(c2, mont_mul_std(den[2, r], mv[r]))
            num[3, r] = add_std(c3, mont_mul_std(den[3, r], mv[r]))
    _mul_into(den, d, m)


@njit(cache=True, nogil=True)
def _invert_norms(norm, pre, m):
    """norm[g, r] = 1 / norm[g, r] in Montgomery form, given the prefix products pre[g, r]
    over g: Montgomery's trick back across the groups, vectorized over the rows, after
    one across the rows of pre[-1].  Returns the first row with a zero norm, or -1."""
    groups = norm.shape[0]
    last = pre[groups - 1]
    chain = np.empty(m, dtype=np.uint32)
    acc = np.uint32(1)
    for r in range(m):
        if last[r] == 0:
            return r
        chain[r] = acc
        acc = mul_std(acc, last[r])
    inv = pow_std(acc, np.uint64(P - 2))
    for r in range(m - 1, -1, -1):
        x = last[r]
        chain[r] = mul_std(inv, chain[r])
        inv = mul_std(inv, x)
    for g in range(groups - 1, 0, -1):
        nm, pp = norm[g], pre[g - 1]
        for r in range(m):
            x = nm[r]
            nm[r] = mont_mul_std(mul_std(chain[r], pp[r]), _R2_32)
            chain[r] = mul_std(chain[r], x)
    for r in range(m):
        norm[0, r] = mont_mul_std(chain[r], _R2_32)
    return -1


def _fingerprint(interaction, beta, gamma):
    d = gamma + bus_id(interaction.bus)
    power = beta
    for f in interaction.fields:
        d = d + power * f
        power = power * beta
    return d


def _signed_multiplicity(interaction):
    return interaction.multiplicity if interaction.direction > 0 else -interaction.multiplicity


def _group(air: Air, denominators, max_degree: int) -> list[list[int]]:
    groups: list[list[int]] = []
    for i, d in enumerate(denominators):
        if groups and _group_degree(air, groups[-1] + [i], denominators) <= max_degree:
            groups[-1].append(i)
            continue
        if _group_degree(air, [i], denominators) > max_degree:
            raise ValueError(f"table {air.name}: bus message {i} on '{air.interactions[i].bus}' needs degree "
                             f"{_group_degree(air, [i], denominators)} > {max_degree}: use degree-1 fields")
        groups.append([i])
    return groups


def _group_degree(air: Air, group: list[int], denominators) -> int:
    total = sum(denominators[i].degree for i in group)
    numerator = max(air.interactions[i].multiplicity.degree + total - denominators[i].degree for i in group)
    return max(1 + total, numerator)


def _product(items):
    out = 1
    for x in items:
        out = out * x
    return out


def _sum(items):
    out = 0
    for x in items:
        out = out + x
    return out
