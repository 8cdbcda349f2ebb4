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

The table is built from parts that SP1's SHA tables (`sp1_sha.py`) share: the round
structure (`round_structure`), the schedule window (`schedule_part`), the rounds
(`round_part`) and the input and output registers (`state_part`), each with its trace
filler (`fill_*`).
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


def round_columns() -> list[str]:
    """The round state of `round_part`: a, b, c, e, f, g as bits, d, h, an, en as limbs, carries."""
    cols = []
    for v in "abcefg":
        cols += _bits(v)
    for v in ("d", "h", "an", "en"):
        cols += _limbs(v)
    return cols + [f"ka_{i}" for i in range(6)] + [f"ke_{i}" for i in range(6)]


def schedule_columns() -> list[str]:
    """The schedule window of `schedule_part`: w0..w15 (w1, w14 bits), wn and its carries."""
    cols = []
    for j in range(16):
        cols += _bits(f"w{j}") if j in _WINDOW_BITS else _limbs(f"w{j}")
    return cols + _limbs("wn") + [f"ks_{i}" for i in range(4)]


def state_columns() -> list[str]:
    """The input and output registers of `state_part` and the output carries."""
    cols = []
    for v in "ro":
        for k in range(8):
            cols += _limbs(f"{v}{k}")
    for k in range(8):
        cols += [f"co{k}_lo", f"co{k}_hi"]
    return cols


def sha256_columns() -> list[str]:
    return (["step", "real", "mult"] + ROUND_FIELDS + ["m_lo", "m_hi"] + round_columns() + schedule_columns()
            + state_columns())


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
    step, real, rf, nl = round_structure(air)
    w0 = schedule_part(air, nl)
    state0, final = round_part(air, rf, nl, w0)
    r, o = state_part(air, rf, nl, state0, final)
    mult, m = air.col("mult"), [air.col("m_lo"), air.col("m_hi")]
    air.constrain(mult - real * (rf["is_w"] + rf["is_in"] + rf["is_out"]), "mult = real * (is_w + is_in + is_out)")
    for k, part in enumerate(("lo", "hi")):
        air.constrain(m[k] - rf["is_w"] * w0[k] - rf["is_in"] * r[7][k] - rf["is_out"] * o[7][k],
                      f"m_{part} is the received word")
    receive_word(air, [step, rf["idx"], m[0], m[1]], mult)
    return air


def _limb_cols(air, name):
    return [air.col(n) for n in _limbs(name)]


def _bit_cols(air, name):
    return [air.col(n) for n in _bits(name)]


def _compose(bs):
    """A bit word's two limbs (also: two limbs of a sum over bits of per-bit 0/1 terms)."""
    return [sum((1 << i) * bs[16 * k + i] for i in range(16)) for k in range(2)]


def _carry(air, name, lo, width):
    return sum((1 << i) * air.col(f"{name}_{lo + i}") for i in range(width))


def _booleans(air, names):
    for n in names:
        x = air.col(n)
        air.constrain(x * (x - 1), f"{n} is boolean")


def _shift(air, nl, name, new, old):
    """nl (new' - old) = 0 limb by limb: a value moved one row down inside a compression."""
    for k, part in enumerate(("lo", "hi")):
        air.constrain(nl * (new[k] - old[k]), f"{name}'_{part} moves down")


def receive_word(air, fields, mult):
    """Receive one ("sha256", [step, index, lo, hi]) word and range-check its limbs."""
    air.receive(SHA256, fields, mult)
    air.send(RANGE16, [fields[2]], mult)
    air.send(RANGE16, [fields[3]], mult)


def round_structure(air):
    """The rows of one call are rounds t = 0..63 of the fixed round table, with one step and
    one real flag (`sha256_air`, "Compressions").  (step, real, {round field: column}, nl)."""
    C = air.col
    step, real = C("step"), C("real")
    rf = {f: C(f) for f in ROUND_FIELDS}
    t, last = rf["t"], rf["last"]
    nl = 1 - last
    _booleans(air, ["real"])
    air.send(SHA256_ROUND, [rf[x] for x in ROUND_FIELDS], 1)
    air.constrain(nl * (t.next - t - 1), "t' = t + 1 inside a compression")
    air.constrain(last * t.next, "a compression starts at t = 0")
    air.constrain(nl * (step.next - step), "step is constant over a compression")
    air.constrain(nl * (real.next - real), "real is constant over a compression")
    return step, real, rf, nl


def round_part(air, rf, nl, w):
    """Round t on every row with W_t = w (two limb expressions) (`sha256_air`, "Round t").
    (state0, final): the state on the row (the call's input at t = 0) and after the round
    (its output less the input on row 63), as limb pairs a..h."""
    _booleans(air, [n for n in round_columns() if n[0] in "abcefg" and n[1] == "_" or n[:3] in ("ka_", "ke_")])
    a, b, c, e, f, g = (_bit_cols(air, v) for v in "abcefg")
    d, h, an, en = (_limb_cols(air, v) for v in ("d", "h", "an", "en"))
    A, B, Cw, E, F, G = (_compose(x) for x in (a, b, c, e, f, g))
    K = [rf["K_lo"], rf["K_hi"]]
    S1 = [xor_bits(e[(i + 6) % 32], e[(i + 11) % 32], e[(i + 25) % 32]) for i in range(32)]
    S0 = [xor_bits(a[(i + 2) % 32], a[(i + 13) % 32], a[(i + 22) % 32]) for i in range(32)]
    ch = [e[i] * f[i] + (1 - e[i]) * g[i] for i in range(32)]
    maj = [a[i] * b[i] + c[i] * (a[i] + b[i] - 2 * a[i] * b[i]) for i in range(32)]
    X = _compose([S1[i] + ch[i] + S0[i] + maj[i] for i in range(32)])
    Y = _compose([S1[i] + ch[i] for i in range(32)])
    ka = [_carry(air, "ka", 0, 3), _carry(air, "ka", 3, 3)]
    ke = [_carry(air, "ke", 0, 3), _carry(air, "ke", 3, 3)]
    air.constrain(an[0] + 65536 * ka[0] - (h[0] + X[0] + K[0] + w[0]), "an_lo = T1 + T2 (low limb)")
    air.constrain(an[1] + 65536 * ka[1] - (h[1] + X[1] + K[1] + w[1] + ka[0]), "an_hi = T1 + T2 (high limb)")
    air.constrain(en[0] + 65536 * ke[0] - (d[0] + h[0] + Y[0] + K[0] + w[0]), "en_lo = d + T1 (low limb)")
    air.constrain(en[1] + 65536 * ke[1] - (d[1] + h[1] + Y[1] + K[1] + w[1] + ke[0]), "en_hi = d + T1 (high limb)")
    nxt = lambda limbs_: [x.next for x in limbs_]          # noqa: E731
    nxt_word = lambda bs: _compose([x.next for x in bs])    # noqa: E731
    for name, new, old in (("a", nxt_word(a), an), ("b", nxt_word(b), A), ("c", nxt_word(c), B),
                           ("d", nxt(d), Cw), ("e", nxt_word(e), en), ("f", nxt_word(f), E),
                           ("g", nxt_word(g), F), ("h", nxt(h), G)):
        _shift(air, nl, name, new, old)
    return [A, B, Cw, d, E, F, G, h], [an, A, B, Cw, en, E, F, G]


def schedule_part(air, nl):
    """The schedule window on every row (`sha256_air`, "Schedule"): w0 at row t is W_t and
    W_(t+16) = sigma1(W_(t+14)) + W_(t+9) + sigma0(W_(t+1)) + W_t.  W_t's limbs (w0)."""
    _booleans(air, [n for n in schedule_columns() if n.startswith(("w1_", "w14_", "ks_"))])
    w = {j: (_bit_cols(air, f"w{j}") if j in _WINDOW_BITS else _limb_cols(air, f"w{j}")) for j in range(16)}
    wl = {j: (_compose(w[j]) if j in _WINDOW_BITS else w[j]) for j in range(16)}
    wn = _limb_cols(air, "wn")
    w1, w14 = w[1], w[14]
    sig0 = [xor_bits(w1[(i + 7) % 32], w1[(i + 18) % 32], *([w1[i + 3]] if i + 3 < 32 else [])) for i in range(32)]
    sig1 = [xor_bits(w14[(i + 17) % 32], w14[(i + 19) % 32], *([w14[i + 10]] if i + 10 < 32 else []))
            for i in range(32)]
    s = _compose([sig0[i] + sig1[i] for i in range(32)])
    ks = [_carry(air, "ks", 0, 2), _carry(air, "ks", 2, 2)]
    air.constrain(wn[0] + 65536 * ks[0] - (s[0] + wl[9][0] + wl[0][0]), "wn_lo = W_(t+16) (low limb)")
    air.constrain(wn[1] + 65536 * ks[1] - (s[1] + wl[9][1] + wl[0][1] + ks[0]), "wn_hi = W_(t+16) (high limb)")
    for j in range(1, 17):
        new = _compose([x.next for x in w[j - 1]]) if j - 1 in _WINDOW_BITS else [x.next for x in w[j - 1]]
        _shift(air, nl, f"w{j - 1}", new, wn if j == 16 else wl[j])
    return wl[0]


def state_part(air, rf, nl, state0, final):
    """The registers of input and output words and the final addition (`sha256_air`,
    "Input and output").  (r, o): the registers' limb pairs (r7, o7 are received)."""
    _booleans(air, [n for n in state_columns() if n.startswith("co")])
    first, last = rf["first"], rf["last"]
    r = [_limb_cols(air, f"r{k}") for k in range(8)]
    o = [_limb_cols(air, f"o{k}") for k in range(8)]
    for k in range(8):
        _shift(air, nl, f"r{k}", [x.next for x in r[k]], r[(k - 1) % 8])
        _shift(air, nl, f"o{k}", [x.next for x in o[k]], o[(k - 1) % 8])
    for k in range(8):
        for q, part in enumerate(("lo", "hi")):
            air.constrain(first * (r[k][q] - state0[k][q]), f"row 0: r{k}_{part} is the state's word {k}")
    for j in range(8):
        inj, outj = r[(j - 1) % 8], o[(j - 1) % 8]
        co_lo, co_hi = air.col(f"co{j}_lo"), air.col(f"co{j}_hi")
        air.constrain(last * (outj[0] + 65536 * co_lo - inj[0] - final[j][0]), f"out{j}_lo = in{j} + final{j}")
        air.constrain(last * (outj[1] + 65536 * co_hi - inj[1] - final[j][1] - co_lo),
                      f"out{j}_hi = in{j} + final{j}")
    return r, o


# ------------------------------------------------------------------ trace

@dataclass
class Sha256Trace(TableTrace):
    """The SHA-256 table's trace, its range16 lookups and the round table's multiplicities."""
    rounds: np.ndarray = None            # (64, 1): the "sha256_rounds" table's mult column


def _rotr(x, n):
    return ((x >> np.uint64(n)) | (x << np.uint64(32 - n))) & M32


def check_calls(rows: np.ndarray, kind: int, table: str, call: str) -> None:
    """TypeError or ValueError unless `rows` is a 1-d PRECOMPILE_ROW array of `call`s
    (PRECOMPILE_ROW kind `kind`) whose steps fit in a field element."""
    if rows.dtype != PRECOMPILE_ROW or rows.ndim != 1:
        raise TypeError(f"{table} takes a 1-d PRECOMPILE_ROW array, not {rows.dtype} with shape {rows.shape}")
    if rows.size and (rows["kind"] != kind).any():
        raise ValueError(f"a row is not a {call} call (kind {kind:#x})")
    if rows.size and rows["step"].max() >= P:
        raise ValueError("a step does not fit in a field element")


def _split(rows: np.ndarray):
    """(steps, state in (n, 8), block words (n, 16), state out (n, 8)) as uint64, checked."""
    check_calls(rows, SYS_SHA256_COMPRESS, "sha256", "sha256_compress")
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


def calls_height(n_real: int, height: int | None) -> int:
    """The calls a table of `n_real` calls is padded to: a power of two (at least 1), or
    `height` / 64.  ValueError for a height that is not 64 times a power of two >= n_real."""
    n = max(1, 1 << max(0, (n_real - 1).bit_length())) if height is None else height // ROWS_PER_CALL
    if n < n_real or n & (n - 1) or (height is not None and height != n * ROWS_PER_CALL):
        raise ValueError(f"height {height} is not 64 times a power of two >= {n_real}")
    return n


def pad_calls(x: np.ndarray, n: int) -> np.ndarray:
    """x (calls first) with zero calls appended up to n."""
    return np.concatenate([x, np.zeros((n - x.shape[0],) + x.shape[1:], x.dtype)])


def _lo(x):
    return x & np.uint64(0xFFFF)


def _hi(x):
    return x >> np.uint64(16)


def _sigmas(x1, x14):
    """sigma0(x1), sigma1(x14) of the schedule (uint64 arrays)."""
    return (_rotr(x1, 7) ^ _rotr(x1, 18) ^ (x1 >> np.uint64(3)),
            _rotr(x14, 17) ^ _rotr(x14, 19) ^ (x14 >> np.uint64(10)))


def extend_schedule(W: np.ndarray, start: int) -> None:
    """W[:, start:] (N, 80) from the words before by the schedule's recurrence, in place."""
    for j in range(start, W.shape[1]):
        s0, s1 = _sigmas(W[:, j - 15], W[:, j - 2])
        W[:, j] = (W[:, j - 16] + s0 + W[:, j - 7] + s1) & M32


class CallRows:
    """A table's trace being filled: (N calls, 64 rounds, columns), column by name."""

    def __init__(self, n: int, names: list[str]):
        self.names, self.pos = names, {nm: i for i, nm in enumerate(names)}
        self.buf = np.zeros((n, ROWS_PER_CALL, len(names)), dtype=np.uint32)

    def put(self, name, x):
        self.buf[:, :, self.pos[name]] = x

    def bits(self, name, x):                    # x (N, 64) words
        i = self.pos[f"{name}_0"]
        self.buf[:, :, i:i + 32] = (x[:, :, None] >> np.arange(32, dtype=np.uint64)) & np.uint64(1)

    def limbs(self, name, x):
        self.put(f"{name}_lo", _lo(x))
        self.put(f"{name}_hi", _hi(x))

    def carry(self, name, first, width, x):
        for i in range(width):
            self.put(f"{name}_{first + i}", (x >> np.uint64(i)) & np.uint64(1))

    def main(self) -> np.ndarray:
        return self.buf.reshape(-1, len(self.names))


def fill_structure(t: CallRows, steps, real) -> None:
    """The round table's fields, step and real (`round_structure`)."""
    fixed = rounds_fixed()
    for i, nm in enumerate(ROUND_FIELDS):
        t.put(nm, fixed[:, i][None, :])
    t.put("step", steps[:, None])
    t.put("real", real[:, None])


def fill_schedule(t: CallRows, W: np.ndarray) -> None:
    """The window, wn and carries of `schedule_part` for W (N, 80): row t holds W_t..W_(t+16)."""
    x1, x14, x9, x0 = W[:, 1:65], W[:, 14:78], W[:, 9:73], W[:, 0:64]
    s0, s1 = _sigmas(x1, x14)
    ks_lo = (_lo(s0) + _lo(s1) + _lo(x9) + _lo(x0)) >> np.uint64(16)
    ks_hi = (_hi(s0) + _hi(s1) + _hi(x9) + _hi(x0) + ks_lo) >> np.uint64(16)
    for j in range(16):
        (t.bits if j in _WINDOW_BITS else t.limbs)(f"w{j}", W[:, j:j + 64])
    t.limbs("wn", W[:, 16:80])
    t.carry("ks", 0, 2, ks_lo)
    t.carry("ks", 2, 2, ks_hi)


def fill_rounds(t: CallRows, state_in: np.ndarray, W: np.ndarray) -> np.ndarray:
    """The round columns of `round_part` from the input state (N, 8) and W_0..W_63; returns
    the state after round 63 (N, 8)."""
    N, sh = state_in.shape[0], np.uint64(16)
    A = np.zeros((N, 68), dtype=np.uint64)          # A[:, j] = A_(j-4): A[:, 0..3] = d, c, b, a
    E = np.zeros((N, 68), dtype=np.uint64)
    A[:, 3::-1] = state_in[:, 0:4]
    E[:, 3::-1] = state_in[:, 4:8]
    ka = np.zeros((N, 64, 2), dtype=np.uint64)
    ke = np.zeros((N, 64, 2), dtype=np.uint64)
    for r in range(64):
        a, b, c, d = A[:, r + 3], A[:, r + 2], A[:, r + 1], A[:, r]
        e, f, g, h = E[:, r + 3], E[:, r + 2], E[:, r + 1], E[:, r]
        S1 = _rotr(e, 6) ^ _rotr(e, 11) ^ _rotr(e, 25)
        ch = (e & f) ^ (~e & M32 & g)
        S0 = _rotr(a, 2) ^ _rotr(a, 13) ^ _rotr(a, 22)
        mj = (a & b) ^ (a & c) ^ (b & c)
        k = np.uint64(SHA256_K[r])
        y_lo = _lo(h) + _lo(S1) + _lo(ch) + _lo(k) + _lo(W[:, r])
        y_hi = _hi(h) + _hi(S1) + _hi(ch) + _hi(k) + _hi(W[:, r])
        a_lo = y_lo + _lo(S0) + _lo(mj)
        ka[:, r, 0] = a_lo >> sh
        a_hi = y_hi + _hi(S0) + _hi(mj) + ka[:, r, 0]
        ka[:, r, 1] = a_hi >> sh
        e_lo = y_lo + _lo(d)
        ke[:, r, 0] = e_lo >> sh
        e_hi = y_hi + _hi(d) + ke[:, r, 0]
        ke[:, r, 1] = e_hi >> sh
        A[:, r + 4] = _lo(a_lo) | (_lo(a_hi) << sh)
        E[:, r + 4] = _lo(e_lo) | (_lo(e_hi) << sh)
    for name, col0 in (("a", 3), ("b", 2), ("c", 1)):
        t.bits(name, A[:, col0:col0 + 64])
    for name, col0 in (("e", 3), ("f", 2), ("g", 1)):
        t.bits(name, E[:, col0:col0 + 64])
    t.limbs("d", A[:, 0:64])
    t.limbs("h", E[:, 0:64])
    t.limbs("an", A[:, 4:68])
    t.limbs("en", E[:, 4:68])
    for q in range(2):
        t.carry("ka", 3 * q, 3, ka[:, :, q])
        t.carry("ke", 3 * q, 3, ke[:, :, q])
    return np.stack([A[:, 67], A[:, 66], A[:, 65], A[:, 64], E[:, 67], E[:, 66], E[:, 65], E[:, 64]], axis=1)


def fill_state(t: CallRows, state_in: np.ndarray, final: np.ndarray, given_out: np.ndarray, real) -> np.ndarray:
    """The registers and output carries of `state_part`: the real calls' outputs as given,
    the padding calls' honest; returns the outputs (N, 8)."""
    out = np.where(real[:, None].astype(bool), given_out, (state_in + final) & M32)
    co_lo = (_lo(state_in) + _lo(final)) >> np.uint64(16)
    co_hi = (_hi(state_in) + _hi(final) + co_lo) >> np.uint64(16)
    rot = (np.arange(8)[:, None] - np.arange(64)[None, :]) % 8          # r_k at row t = in_(k - t)
    for k in range(8):
        t.limbs(f"r{k}", state_in[:, rot[k]])
        t.limbs(f"o{k}", out[:, rot[k]])
    for j in range(8):
        t.buf[:, 63, t.pos[f"co{j}_lo"]] = co_lo[:, j]
        t.buf[:, 63, t.pos[f"co{j}_hi"]] = co_hi[:, j]
    return out


def sha256_trace(rows: np.ndarray, height: int | None = None) -> Sha256Trace:
    """The main trace of `sha256_air()` for PRECOMPILE_ROW rows of sha256_compress calls:
    64 rows per call, padded to a power of two (or `height`) with honest compressions of a
    zero state and block that receive nothing.  The output words are taken from the rows as
    given, so a wrong output gives a trace that fails the constraints."""
    steps, state_in, block, given_out = _split(rows)
    n_real = rows.size
    N = calls_height(n_real, height)
    steps, state_in, block, given_out = (pad_calls(x, N) for x in (steps, state_in, block, given_out))
    real = (np.arange(N) < n_real).astype(np.uint64)
    W = np.zeros((N, 80), dtype=np.uint64)          # extended to W_79 (the window of row 63 and its wn)
    W[:, :16] = block
    extend_schedule(W, 16)

    t = CallRows(N, sha256_columns())
    fill_structure(t, steps, real)
    fixed = rounds_fixed()
    flags = sum(fixed[:, ROUND_FIELDS.index(f)] for f in ("is_w", "is_in", "is_out"))
    mult = real[:, None] * flags[None, :].astype(np.uint64)
    t.put("mult", mult)
    fill_schedule(t, W)
    final = fill_rounds(t, state_in, W)
    out = fill_state(t, state_in, final, given_out, real)
    msg = np.zeros((N, 64), dtype=np.uint64)
    msg[:, :16] = W[:, :16]
    msg[:, 16:24] = state_in[:, 7::-1]
    msg[:, 56:64] = out[:, 7::-1]
    t.limbs("m", msg)

    main = t.main()
    sel = mult.reshape(-1) > 0
    rounds = np.full((64, 1), N, dtype=np.uint32)
    return Sha256Trace(main, [main[sel, t.pos["m_lo"]], main[sel, t.pos["m_hi"]]], {}, rounds)
