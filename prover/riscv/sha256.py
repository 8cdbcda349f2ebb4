"""The SHA-256 precompile table: proves SHA-256 compressions (the sha256_compress ecall).

See `sha256_air` for exactly what is proven and how; docs/riscv-air.md for the contract
(limbs, buses, the range-check rule); `runtime/precompiles.py` `sha256_compress` for the
reference semantics.  `sha256_trace` builds the table's main trace from
`runtime/trace.py` PRECOMPILE_ROW rows (kind SYS_SHA256_COMPRESS), vectorized over the
calls (a Python loop runs over the 64 rounds only), and returns the range16 lookups it
makes and the round table's multiplicities.

Bus layout ("sha256", received here, to be sent by the Main/memory side): one message
per 32-bit word of a call, 32 per call,

    ("sha256", [step, index, lo, hi])       multiplicity 1

where step is the ecall's step (PRECOMPILE_ROW `step`, < p), lo and hi are the word's
16-bit limbs (value = lo + 2^16 hi) and index says which word it is:
- index 0..7: state word k before the call, the little-endian u32 at a0 + 4k (as
  `sha256_compress_bytes` reads it: SHA-256's H_k);
- index 8..23: message word j = index - 8 of the block, the BIG-endian u32 of block bytes
  a1 + 4j .. a1 + 4j + 3 (SHA-256's W_j; a sender holding the bytes b0..b3 sends
  lo = 256 b2 + b3, hi = 256 b0 + b1);
- index 24..31: state word k = index - 24 after the call, the little-endian u32 written to
  a0 + 4k.
`sha256_messages` lists exactly these messages for PRECOMPILE_ROW rows.  Every limb
received is range-checked here (the rule of docs/riscv-air.md), so the table's soundness
does not depend on the sender's limbs.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from runtime.calls import ZKAOT
from runtime.precompiles import SHA256_K
from runtime.trace import PRECOMPILE_ROW

from ..air import Air
from ..expr import xor_bits
from ..field import P
from .ranges import RANGE16, TableTrace

SHA256 = "sha256"                   # the message bus (receives the calls' words)
SYS_SHA256_COMPRESS = ZKAOT.proven_by(SHA256).selector.number   # the call it proves (PRECOMPILE_ROW kind)
SHA256_ROUND = "sha256_round"       # this table -> the fixed round table
ROUNDS_TABLE = "sha256_rounds"
ROWS_PER_CALL = 64
M32 = np.uint64(0xFFFF_FFFF)

# The fixed round table's columns, in bus order.
ROUND_FIELDS = ["t", "K_lo", "K_hi", "idx", "is_w", "is_in", "is_out", "first", "last"]
# Schedule window: w_j holds W_(t+j); w1 and w14 are bits (the sigmas read them), the rest limbs.
_WINDOW_BITS = (1, 14)
_WINDOW_LIMBS = tuple(j for j in range(16) if j not in _WINDOW_BITS)


def _bits(name):
    return [f"{name}_{i}" for i in range(32)]


def _limbs(name):
    return [f"{name}_lo", f"{name}_hi"]


def sha256_columns() -> list[str]:
    cols = ["step", "real", "mult"] + ROUND_FIELDS + ["m_lo", "m_hi"]
    for v in "abcefg":
        cols += _bits(v)
    for v in ("d", "h", "an", "en"):
        cols += _limbs(v)
    cols += [f"ka_{i}" for i in range(6)] + [f"ke_{i}" for i in range(6)]
    for j in range(16):
        cols += _bits(f"w{j}") if j in _WINDOW_BITS else _limbs(f"w{j}")
    cols += _limbs("wn") + [f"ks_{i}" for i in range(4)]
    for k in range(8):
        cols += _limbs(f"r{k}")
    for k in range(8):
        cols += _limbs(f"o{k}")
    for k in range(8):
        cols += [f"co{k}_lo", f"co{k}_hi"]
    return cols


def _idx(t: int) -> int:
    """The message index received on round row t (0 on rows without a message)."""
    if t < 16:
        return 8 + t                    # block word W_t (window w0)
    if t < 24:
        return 23 - t                   # state word in_(23 - t) (register r7)
    if t >= 56:
        return 24 + 63 - t              # state word out_(63 - t) (register o7)
    return 0


def rounds_fixed() -> np.ndarray:
    """The fixed round table (64, 9): per round t, ROUND_FIELDS."""
    out = np.zeros((ROWS_PER_CALL, len(ROUND_FIELDS)), dtype=np.uint32)
    for t in range(ROWS_PER_CALL):
        out[t] = [t, SHA256_K[t] & 0xFFFF, SHA256_K[t] >> 16, _idx(t), t < 16, 16 <= t < 24, t >= 56,
                  t == 0, t == 63]
    return out


def rounds_air() -> tuple[Air, np.ndarray]:
    """The round table "sha256_rounds": 64 fixed rows (round number, K_t, the message index
    and the row-kind flags of round row t), received with a multiplicity column (the
    number of compressions in the SHA-256 table).  The Air and its fixed columns."""
    air = Air(ROUNDS_TABLE, main=["mult"], fixed=ROUND_FIELDS)
    air.receive(SHA256_ROUND, [air.col(f) for f in ROUND_FIELDS], air.col("mult"))
    return air, rounds_fixed()


def sha256_air() -> Air:
    """The SHA-256 table "sha256": one row per round, 64 rows per compression.

    Receives the 32 word messages of each call (module docstring: ("sha256", [step, index,
    lo, hi])) and proves, for every call whose messages it receives, that the output words
    are `sha256_compress(state, block)` of its input words (FIPS 180-4, as
    runtime/precompiles.py).  Rows 64 j .. 64 j + 63 are compression j; padding
    compressions (real = 0) are honest compressions that receive nothing.

    Row t of a compression holds the state before round t and the schedule window:
    - a, b, c, e, f, g as 32 bit columns each (boolean), d and h as 16-bit limbs: a = A_(t-1),
      b = A_(t-2), c = A_(t-3), d = A_(t-4), with A_-1..A_-4 the input words a, b, c, d
      (and the same for e, f, g, h with E);
    - an, en (limbs): A_t and E_t, the round's new a and e; carries ka, ke (3 bits per limb);
    - w0 .. w15: W_t .. W_(t+15), w1 and w14 as bits, the others limbs; wn = W_(t+16) with
      carries ks (2 bits per limb) (the schedule is extended past W_63; nothing reads that);
    - t, K_t, idx, is_w, is_in, is_out, first, last: looked up in the fixed round table
      ("sha256_round", [...], multiplicity 1 on every row), so they are round t's constants;
    - step and real, constant over a compression; mult = real * (is_w + is_in + is_out);
    - r0..r7 (limbs): the input words, rotated by one place per row (r_k' = r_(k-1 mod 8), so
      r_k = in_(k - t mod 8)); o0..o7 the output words, the same way; co: output carries;
    - m (limbs): the word this row receives.
    Every constraint has degree <= 3, every bus field degree 1.  nl = 1 - last gates the
    constraints between a row and the next one of the same compression.

    Compressions.  (1 - last)(t' - t - 1) = 0 and last * t' = 0 (on every row, the last
    row's next being the first), with (t, last) in the round table (t < 64, last = [t = 63]):
    rows form runs t = 0, 1, .., 63, one per compression (possibly rotated against row 0,
    which changes nothing).  nl (step' - step) = nl (real' - real) = 0, real boolean.

    Messages.  The table receives ("sha256", [step, idx, m_lo, m_hi]) with multiplicity
    mult and sends ("range16", [m_lo]), ("range16", [m_hi]) with mult, where
    m = is_w w0 + is_in r7 + is_out o7: rows 0..15 receive W_t (idx 8 + t), rows 16..23
    the input word r7 = in_(23 - t) (idx 23 - t), rows 56..63 the output word
    o7 = out_(63 - t) (idx 87 - t).  The rotations carry each register limb unchanged
    (exact field equalities), so all 8 input and output words, and the block words, are
    proven 16-bit limbs.

    Round t (on every row, degree 3):
        an_lo + 2^16 ka_lo = h_lo + X_lo + K_lo + w0_lo
        an_hi + 2^16 ka_hi = h_hi + X_hi + K_hi + w0_hi + ka_lo
    with X = Sigma1(e) + Ch(e, f, g) + Sigma0(a) + Maj(a, b, c) summed bit by bit:
    X_lo = sum_(i<16) 2^i (S1_i + Ch_i + S0_i + Maj_i) where S1_i = e_(i+6) ^ e_(i+11) ^ e_(i+25)
    (indices mod 32: rotations are free), S0_i = a_(i+2) ^ a_(i+13) ^ a_(i+22), x ^ y ^ z =
    x + y + z - 2(xy + yz + zx) + 4xyz, Ch_i = e_i f_i + (1 - e_i) g_i and
    Maj_i = a_i b_i + c_i (a_i + b_i - 2 a_i b_i), each exactly 0 or 1 on bits.  The same for
    en = d + h + Sigma1(e) + Ch(e, f, g) + K_t + W_t (carries ke).  So, on two limbs,
    A_t = T1 + T2 and E_t = d + T1 mod 2^32.
    No wrap mod p: the right sides are integers below 7 * 2^16 + 7; on rows 0..62 an and en
    are limbs (below), and the carries are 3 bits, so both sides are below 2^19 < p and the
    identities hold over the integers: an is the low 16 bits, ka the carry.
    Transitions (nl *, degree 2, as limbs: bits compose to limbs, and two limbs of boolean
    bits are equal iff their bits are): a' = an, b' = a, c' = b, d' = c, e' = en, f' = e,
    g' = f, h' = g.  So an, en are limbs on rows 0..62 and d, h on rows 1..63.

    Schedule (every row, degree 3):
        wn_lo + 2^16 ks_lo = s_lo + w9_lo + w0_lo,   wn_hi + 2^16 ks_hi = s_hi + w9_hi + w0_hi + ks_lo
    with s = sigma0(w1) + sigma1(w14) bit by bit (sigma0_i = w1_(i+7) ^ w1_(i+18) ^ w1_(i+3),
    the last term only for i + 3 < 32; sigma1_i = w14_(i+17) ^ w14_(i+19) ^ w14_(i+10), the
    last for i + 10 < 32); right sides below 4 * 2^16 + 4, carries 2 bits.  Transitions
    (nl *): w_(j-1)' = w_j (j = 1..15), w15' = wn.  By these, w_j at row 0 is W_j (the
    received block) and w0 at row t is W_t for every t < 64, each a limb (w1 is bits, and
    w2..w13 and w15, wn reach w1 or w14 in later rows of the compression for every word that
    a round reads: W_t for t <= 63 is computed at row t - 16 <= 47 from words read at rows
    <= 47 + 14).  Round t adds w0 = W_t.

    Input and output.  first (r_k - s_k) = 0 (degree 2) with s = (a, b, c, d, e, f, g, h) on
    row 0: the compression starts from the received input words (r_k = in_k at t = 0).
    On row 63 (last *, degree 2): r_k = in_(k+1 mod 8) and o_k = out_(k+1 mod 8), and per
    word j:  out_j_lo + 2^16 co_j_lo = in_j_lo + F_j_lo,
             out_j_hi + 2^16 co_j_hi = in_j_hi + F_j_hi + co_j_lo   (co boolean)
    with F = (an, a, b, c, en, e, f, g) = (A_63, A_62, A_61, A_60, E_63, .., E_60), the
    state after round 63.  The words a, b, c, e, f, g are bits, in and out limbs; an and en
    on row 63 have no next row to make them limbs, but no range is needed for them:
    substituting an's round identity, out_lo + 2^16 (co_lo + ka_lo) = in_lo + R_lo (R the
    round's right side) with both sides below 10 * 2^16, and then the same for hi with the
    carry co_lo + ka_lo, so out = in + T1 + T2 mod 2^32 exactly (the same for en).

    Size: 372 main columns, 414 constraints, 4 interactions per row (1 receive, 2 range16,
    1 round-table lookup).
    """
    air = Air(SHA256, main=sha256_columns())
    C = air.col

    def bits(name):
        return [C(n) for n in _bits(name)]

    def limbs(name):
        return [C(n) for n in _limbs(name)]

    def compose(bs):
        """A bit word's two limbs."""
        return [sum((1 << i) * bs[16 * k + i] for i in range(16)) for k in range(2)]

    def wordsum(terms):
        """Two limbs of sum over bits of per-bit terms (each 0/1 on bits)."""
        return [sum((1 << i) * terms[16 * k + i] for i in range(16)) for k in range(2)]

    def carry(name, lo, width):
        cs = [C(f"{name}_{lo + i}") for i in range(width)]
        return sum((1 << i) * c for i, c in enumerate(cs))

    step, real, mult = C("step"), C("real"), C("mult")
    rf = {f: C(f) for f in ROUND_FIELDS}
    t, last, first = rf["t"], rf["last"], rf["first"]
    is_w, is_in, is_out = rf["is_w"], rf["is_in"], rf["is_out"]
    nl = 1 - last
    a, b, c, e, f, g = (bits(v) for v in "abcefg")
    d, h, an, en = (limbs(v) for v in ("d", "h", "an", "en"))
    A, B, Cw, E, F, G = (compose(x) for x in (a, b, c, e, f, g))
    w = {j: (bits(f"w{j}") if j in _WINDOW_BITS else limbs(f"w{j}")) for j in range(16)}
    wl = {j: (compose(w[j]) if j in _WINDOW_BITS else w[j]) for j in range(16)}
    wn = limbs("wn")
    r = [limbs(f"r{k}") for k in range(8)]
    o = [limbs(f"o{k}") for k in range(8)]
    m = limbs("m")
    K = [rf["K_lo"], rf["K_hi"]]

    # ---- booleans
    bit_cols = [n for n in air.main_names if n[0] in "abcefg" and n[1] == "_" or n.startswith(("w1_", "w14_"))
                or n.startswith(("ka_", "ke_", "ks_", "co"))]
    for n in bit_cols + ["real"]:
        x = C(n)
        air.constrain(x * (x - 1), f"{n} is boolean")

    # ---- the round table and the compression structure
    air.send(SHA256_ROUND, [rf[x] for x in ROUND_FIELDS], 1)
    air.constrain(nl * (t.next - t - 1), "t' = t + 1 inside a compression")
    air.constrain(last * t.next, "a compression starts at t = 0")
    air.constrain(nl * (step.next - step), "step is constant over a compression")
    air.constrain(nl * (real.next - real), "real is constant over a compression")

    # ---- messages
    air.constrain(mult - real * (is_w + is_in + is_out), "mult = real * (is_w + is_in + is_out)")
    for k, part in enumerate(("lo", "hi")):
        air.constrain(m[k] - is_w * w[0][k] - is_in * r[7][k] - is_out * o[7][k], f"m_{part} is the received word")
    air.receive(SHA256, [step, rf["idx"], m[0], m[1]], mult)
    air.send(RANGE16, [m[0]], mult)
    air.send(RANGE16, [m[1]], mult)

    # ---- round t
    S1 = [xor_bits(e[(i + 6) % 32], e[(i + 11) % 32], e[(i + 25) % 32]) for i in range(32)]
    S0 = [xor_bits(a[(i + 2) % 32], a[(i + 13) % 32], a[(i + 22) % 32]) for i in range(32)]
    ch = [e[i] * f[i] + (1 - e[i]) * g[i] for i in range(32)]
    maj = [a[i] * b[i] + c[i] * (a[i] + b[i] - 2 * a[i] * b[i]) for i in range(32)]
    X = wordsum([S1[i] + ch[i] + S0[i] + maj[i] for i in range(32)])
    Y = wordsum([S1[i] + ch[i] for i in range(32)])
    ka = [carry("ka", 0, 3), carry("ka", 3, 3)]
    ke = [carry("ke", 0, 3), carry("ke", 3, 3)]
    air.constrain(an[0] + 65536 * ka[0] - (h[0] + X[0] + K[0] + wl[0][0]), "an_lo = T1 + T2 (low limb)")
    air.constrain(an[1] + 65536 * ka[1] - (h[1] + X[1] + K[1] + wl[0][1] + ka[0]), "an_hi = T1 + T2 (high limb)")
    air.constrain(en[0] + 65536 * ke[0] - (d[0] + h[0] + Y[0] + K[0] + wl[0][0]), "en_lo = d + T1 (low limb)")
    air.constrain(en[1] + 65536 * ke[1] - (d[1] + h[1] + Y[1] + K[1] + wl[0][1] + ke[0]),
                  "en_hi = d + T1 (high limb)")
    nxt = lambda limbs_: [x.next for x in limbs_]          # noqa: E731
    nxt_word = lambda bs: compose([x.next for x in bs])    # noqa: E731
    for name, new, old in (("a", nxt_word(a), an), ("b", nxt_word(b), A), ("c", nxt_word(c), B),
                           ("d", nxt(d), Cw), ("e", nxt_word(e), en), ("f", nxt_word(f), E),
                           ("g", nxt_word(g), F), ("h", nxt(h), G)):
        for k, part in enumerate(("lo", "hi")):
            air.constrain(nl * (new[k] - old[k]), f"{name}'_{part} = the next state's {name}")

    # ---- schedule
    w1, w14 = w[1], w[14]
    sig0 = [xor_bits(w1[(i + 7) % 32], w1[(i + 18) % 32], *([w1[i + 3]] if i + 3 < 32 else [])) for i in range(32)]
    sig1 = [xor_bits(w14[(i + 17) % 32], w14[(i + 19) % 32], *([w14[i + 10]] if i + 10 < 32 else []))
            for i in range(32)]
    s = wordsum([sig0[i] + sig1[i] for i in range(32)])
    ks = [carry("ks", 0, 2), carry("ks", 2, 2)]
    air.constrain(wn[0] + 65536 * ks[0] - (s[0] + wl[9][0] + wl[0][0]), "wn_lo = W_(t+16) (low limb)")
    air.constrain(wn[1] + 65536 * ks[1] - (s[1] + wl[9][1] + wl[0][1] + ks[0]), "wn_hi = W_(t+16) (high limb)")
    for j in range(1, 17):
        new = nxt_word(w[j - 1]) if j - 1 in _WINDOW_BITS else nxt(w[j - 1])
        old = wn if j == 16 else wl[j]
        for k, part in enumerate(("lo", "hi")):
            air.constrain(nl * (new[k] - old[k]), f"w{j - 1}'_{part} = {'wn' if j == 16 else f'w{j}'}")

    # ---- the registers of input and output words
    for k in range(8):
        for q, part in enumerate(("lo", "hi")):
            air.constrain(nl * (r[k][q].next - r[(k - 1) % 8][q]), f"r{k}'_{part} = r{(k - 1) % 8}")
            air.constrain(nl * (o[k][q].next - o[(k - 1) % 8][q]), f"o{k}'_{part} = o{(k - 1) % 8}")
    state0 = [A, B, Cw, d, E, F, G, h]
    for k in range(8):
        for q, part in enumerate(("lo", "hi")):
            air.constrain(first * (r[k][q] - state0[k][q]), f"row 0: r{k}_{part} is the state's word {k}")
    final = [an, A, B, Cw, en, E, F, G]
    for j in range(8):
        inj, outj = r[(j - 1) % 8], o[(j - 1) % 8]
        co_lo, co_hi = C(f"co{j}_lo"), C(f"co{j}_hi")
        air.constrain(last * (outj[0] + 65536 * co_lo - inj[0] - final[j][0]), f"out{j}_lo = in{j} + final{j}")
        air.constrain(last * (outj[1] + 65536 * co_hi - inj[1] - final[j][1] - co_lo),
                      f"out{j}_hi = in{j} + final{j}")
    return air


# ------------------------------------------------------------------ trace

@dataclass
class Sha256Trace(TableTrace):
    """The SHA-256 table's trace, its range16 lookups and the round table's multiplicities."""
    rounds: np.ndarray = None            # (64, 1): the "sha256_rounds" table's mult column


def _rotr(x, n):
    return ((x >> np.uint64(n)) | (x << np.uint64(32 - n))) & M32


def _split(rows: np.ndarray):
    """(steps, state in (n, 8), block words (n, 16), state out (n, 8)) as uint64, checked."""
    if rows.dtype != PRECOMPILE_ROW or rows.ndim != 1:
        raise TypeError(f"sha256 takes a 1-d PRECOMPILE_ROW array, not {rows.dtype} with shape {rows.shape}")
    if rows.size and (rows["kind"] != SYS_SHA256_COMPRESS).any():
        raise ValueError(f"a row is not a sha256_compress call (kind {SYS_SHA256_COMPRESS:#x})")
    if rows.size and rows["step"].max() >= P:
        raise ValueError("a step does not fit in a field element")
    inp = np.ascontiguousarray(rows["input"])
    out = np.ascontiguousarray(rows["output"][:, :32])
    state = np.ascontiguousarray(inp[:, :32]).view("<u4").astype(np.uint64)
    block = np.ascontiguousarray(inp[:, 32:96]).view(">u4").astype(np.uint64)
    return (rows["step"].astype(np.uint64), state.reshape(-1, 8), block.reshape(-1, 16),
            out.view("<u4").astype(np.uint64).reshape(-1, 8))


def sha256_messages(rows: np.ndarray) -> np.ndarray:
    """The ("sha256", [step, index, lo, hi]) messages of the calls (n * 32, 4), call by
    call in index order: what a sender must send for the table to balance."""
    steps, state, block, out = _split(rows)
    words = np.concatenate([state, block, out], axis=1)               # (n, 32), index order
    msg = np.zeros((rows.size, 32, 4), dtype=np.uint32)
    msg[:, :, 0] = steps[:, None]
    msg[:, :, 1] = np.arange(32)
    msg[:, :, 2] = words & np.uint64(0xFFFF)
    msg[:, :, 3] = words >> np.uint64(16)
    return msg.reshape(-1, 4)


def sha256_trace(rows: np.ndarray, height: int | None = None) -> Sha256Trace:
    """The main trace of `sha256_air()` for PRECOMPILE_ROW rows of sha256_compress calls:
    64 rows per call, padded to a power of two (or `height`) with honest compressions of a
    zero state and block that receive nothing.  The output words are taken from the rows as
    given, so a wrong output gives a trace that fails the constraints."""
    steps, state_in, block, given_out = _split(rows)
    n_real = rows.size
    n_calls = max(1, 1 << max(0, (n_real - 1).bit_length())) if height is None else height // ROWS_PER_CALL
    if n_calls < n_real or n_calls & (n_calls - 1) or (height is not None and height != n_calls * ROWS_PER_CALL):
        raise ValueError(f"height {height} is not 64 times a power of two >= {n_real}")
    N = n_calls
    pad = lambda x: np.concatenate([x, np.zeros((N - n_real,) + x.shape[1:], x.dtype)])   # noqa: E731
    steps, state_in, block, given_out = pad(steps), pad(state_in), pad(block), pad(given_out)
    real = (np.arange(N) < n_real).astype(np.uint64)
    lo = lambda x: x & np.uint64(0xFFFF)       # noqa: E731
    hi = lambda x: x >> np.uint64(16)          # noqa: E731
    sh = np.uint64(16)

    # message schedule, extended to W_79 (the window of row 63 and its wn)
    W = np.zeros((N, 80), dtype=np.uint64)
    W[:, :16] = block
    for j in range(16, 80):
        x15, x2 = W[:, j - 15], W[:, j - 2]
        s0 = _rotr(x15, 7) ^ _rotr(x15, 18) ^ (x15 >> np.uint64(3))
        s1 = _rotr(x2, 17) ^ _rotr(x2, 19) ^ (x2 >> np.uint64(10))
        W[:, j] = (W[:, j - 16] + s0 + W[:, j - 7] + s1) & M32
    # schedule carries at row t: wn = sigma0(w1) + sigma1(w14) + w9 + w0
    x1, x14, x9, x0 = W[:, 1:65], W[:, 14:78], W[:, 9:73], W[:, 0:64]
    s0 = _rotr(x1, 7) ^ _rotr(x1, 18) ^ (x1 >> np.uint64(3))
    s1 = _rotr(x14, 17) ^ _rotr(x14, 19) ^ (x14 >> np.uint64(10))
    r_lo = lo(s0) + lo(s1) + lo(x9) + lo(x0)
    ks_lo = r_lo >> sh
    ks_hi = (hi(s0) + hi(s1) + hi(x9) + hi(x0) + ks_lo) >> sh

    # rounds: A[:, j] = A_(j-4), so A[:, 0..3] = d, c, b, a of the input
    A = np.zeros((N, 68), dtype=np.uint64)
    E = np.zeros((N, 68), dtype=np.uint64)
    A[:, 3::-1] = state_in[:, 0:4]
    E[:, 3::-1] = state_in[:, 4:8]
    ka = np.zeros((N, 64, 2), dtype=np.uint64)
    ke = np.zeros((N, 64, 2), dtype=np.uint64)
    for t in range(64):
        a, b, c, d = A[:, t + 3], A[:, t + 2], A[:, t + 1], A[:, t]
        e, f, g, h = E[:, t + 3], E[:, t + 2], E[:, t + 1], E[:, t]
        S1 = _rotr(e, 6) ^ _rotr(e, 11) ^ _rotr(e, 25)
        ch = (e & f) ^ (~e & M32 & g)
        S0 = _rotr(a, 2) ^ _rotr(a, 13) ^ _rotr(a, 22)
        mj = (a & b) ^ (a & c) ^ (b & c)
        k = np.uint64(SHA256_K[t])
        y_lo = lo(h) + lo(S1) + lo(ch) + lo(k) + lo(W[:, t])
        y_hi = hi(h) + hi(S1) + hi(ch) + hi(k) + hi(W[:, t])
        a_lo = y_lo + lo(S0) + lo(mj)
        ka[:, t, 0] = a_lo >> sh
        a_hi = y_hi + hi(S0) + hi(mj) + ka[:, t, 0]
        ka[:, t, 1] = a_hi >> sh
        e_lo = y_lo + lo(d)
        ke[:, t, 0] = e_lo >> sh
        e_hi = y_hi + hi(d) + ke[:, t, 0]
        ke[:, t, 1] = e_hi >> sh
        A[:, t + 4] = lo(a_lo) | (lo(a_hi) << sh)
        E[:, t + 4] = lo(e_lo) | (lo(e_hi) << sh)
    final = np.stack([A[:, 67], A[:, 66], A[:, 65], A[:, 64], E[:, 67], E[:, 66], E[:, 65], E[:, 64]], axis=1)
    honest_out = (state_in + final) & M32
    out = np.where(real[:, None].astype(bool), given_out, honest_out)
    co_lo = (lo(state_in) + lo(final)) >> sh
    co_hi = (hi(state_in) + hi(final) + co_lo) >> sh

    names = sha256_columns()
    pos = {nm: i for i, nm in enumerate(names)}
    buf = np.zeros((N, 64, len(names)), dtype=np.uint32)
    shifts = np.arange(32, dtype=np.uint64)

    def put_bits(name, x):                        # x (N, 64) words
        buf[:, :, pos[f"{name}_0"]:pos[f"{name}_0"] + 32] = (x[:, :, None] >> shifts) & np.uint64(1)

    def put_limbs(name, x):
        buf[:, :, pos[f"{name}_lo"]] = lo(x)
        buf[:, :, pos[f"{name}_hi"]] = hi(x)

    def put_carry(name, first, width, x):
        for i in range(width):
            buf[:, :, pos[f"{name}_{first + i}"]] = (x >> np.uint64(i)) & np.uint64(1)

    fixed = rounds_fixed()
    for i, nm in enumerate(ROUND_FIELDS):
        buf[:, :, pos[nm]] = fixed[:, i][None, :]
    buf[:, :, pos["step"]] = steps[:, None]
    buf[:, :, pos["real"]] = real[:, None]
    flags = fixed[:, ROUND_FIELDS.index("is_w")] + fixed[:, ROUND_FIELDS.index("is_in")] + \
        fixed[:, ROUND_FIELDS.index("is_out")]
    mult = real[:, None] * flags[None, :].astype(np.uint64)
    buf[:, :, pos["mult"]] = mult
    for name, col0 in (("a", 3), ("b", 2), ("c", 1)):
        put_bits(name, A[:, col0:col0 + 64])
    for name, col0 in (("e", 3), ("f", 2), ("g", 1)):
        put_bits(name, E[:, col0:col0 + 64])
    put_limbs("d", A[:, 0:64])
    put_limbs("h", E[:, 0:64])
    put_limbs("an", A[:, 4:68])
    put_limbs("en", E[:, 4:68])
    for q in range(2):
        put_carry("ka", 3 * q, 3, ka[:, :, q])
        put_carry("ke", 3 * q, 3, ke[:, :, q])
    for j in range(16):
        (put_bits if j in _WINDOW_BITS else put_limbs)(f"w{j}", W[:, j:j + 64])
    put_limbs("wn", W[:, 16:80])
    put_carry("ks", 0, 2, ks_lo)
    put_carry("ks", 2, 2, ks_hi)
    rot = (np.arange(8)[:, None] - np.arange(64)[None, :]) % 8          # r_k at row t = in_(k - t)
    for k in range(8):
        put_limbs(f"r{k}", state_in[:, rot[k]])
        put_limbs(f"o{k}", out[:, rot[k]])
    for j in range(8):
        buf[:, 63, pos[f"co{j}_lo"]] = co_lo[:, j]
        buf[:, 63, pos[f"co{j}_hi"]] = co_hi[:, j]
    msg = np.zeros((N, 64), dtype=np.uint64)
    msg[:, :16] = W[:, :16]
    msg[:, 16:24] = state_in[:, 7::-1]
    msg[:, 56:64] = out[:, 7::-1]
    put_limbs("m", msg)

    main = buf.reshape(N * 64, len(names))
    sel = mult.reshape(-1) > 0
    m_lo, m_hi = main[sel, pos["m_lo"]], main[sel, pos["m_hi"]]
    rounds = np.full((64, 1), N, dtype=np.uint32)
    return Sha256Trace(main, [m_lo, m_hi], {}, rounds)
