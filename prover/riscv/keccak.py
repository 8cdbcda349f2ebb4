"""The Keccak-f[1600] precompile table: proves keccakf calls (the keccakf ecall).

See `keccak_air` for exactly what is proven and how; docs/riscv-air.md for the contract
(limbs, buses, the range-check rule); `runtime/precompiles.py` `keccak_f1600` for the
reference semantics.  `keccak_trace` builds the table's main trace from
`runtime/trace.py` PRECOMPILE_ROW rows (kind SYS_KECCAKF), vectorized over the calls (a
Python loop runs over the 24 rounds only), and returns the round table's multiplicities
(the table makes no range16 or bitwise lookups: every limb it receives is a sum of bits).

Bus layout ("keccakf", received here, to be sent by the Main/memory side): one message
per 64-bit lane of a call, 50 per call,

    ("keccakf", [step, index, l0, l1, l2, l3])      multiplicity 1

where step is the ecall's step (PRECOMPILE_ROW `step`, < p), l0..l3 the lane's 16-bit
limbs, least significant first (lane = l0 + 2^16 l1 + 2^32 l2 + 2^48 l3), and
- index 0..24: lane i = index of the state before the call, the little-endian u64 at
  a0 + 8 i (lane i is A[x, y] with i = x + 5 y, as runtime/precompiles.py);
- index 25..49: lane i = index - 25 after the call, the little-endian u64 written to
  a0 + 8 i.
`keccak_messages` lists exactly these messages for PRECOMPILE_ROW rows.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from runtime.calls import ZKAOT
from runtime.precompiles import KECCAK_ROTATIONS, KECCAK_ROUND_CONSTANTS
from runtime.trace import PRECOMPILE_ROW

from ..air import Air
from ..expr import xor_bits
from ..field import P
from .ranges import TableTrace

KECCAKF = "keccakf"                     # the message bus (receives the calls' lanes)
SYS_KECCAKF = ZKAOT.proven_by(KECCAKF).selector.number   # the call it proves (PRECOMPILE_ROW kind)
KECCAK_ROUND = "keccak_round"           # this table -> the fixed round table
ROUNDS_TABLE = "keccak_rounds"
ROUNDS = 24
IDLE = 24                               # the round number of idle rows
RC_BITS = (0, 1, 3, 7, 15, 31, 63)      # the only bit positions a round constant uses
ROUND_FIELDS = ["t"] + [f"rc_{j}" for j in range(len(RC_BITS))] + ["first", "last", "idle"]
PI_DEST = tuple(y + 5 * ((2 * x + 3 * y) % 5) for y in range(5) for x in range(5))  # B[PI_DEST[i]] <- A[i]
assert all(sum(1 << b for b in RC_BITS if rc >> b & 1) == rc for rc in KECCAK_ROUND_CONSTANTS)


def keccak_columns() -> list[str]:
    cols = ["step"] + ROUND_FIELDS
    cols += [f"a{i}_{k}" for i in range(25) for k in range(4)]            # the round's input, limbs
    cols += [f"c{x}_{z}" for x in range(5) for z in range(64)]            # column parities of a
    cols += [f"cp{x}_{z}" for x in range(5) for z in range(64)]           # c ^ D = column parities of a'
    cols += [f"ap{i}_{z}" for i in range(25) for z in range(64)]          # a' = theta(a), bits
    cols += [f"app0_{z}" for z in range(64)]                               # a'' = chi(rho(pi(a'))): lane 0 bits
    cols += [f"app{i}_{k}" for i in range(1, 25) for k in range(4)]        # ... the other lanes as limbs
    cols += [f"appp0_{k}" for k in range(4)]                               # lane 0 after iota, limbs
    return cols


def rounds_fixed() -> np.ndarray:
    """The fixed round table (32, 11): rounds 0..23 (t, the round constant's bits at
    RC_BITS, first, last, idle = 0), then 8 idle entries (t = 24, all else 0 but idle)."""
    out = np.zeros((32, len(ROUND_FIELDS)), dtype=np.uint32)
    for t in range(32):
        if t < ROUNDS:
            rc = KECCAK_ROUND_CONSTANTS[t]
            out[t] = [t] + [rc >> b & 1 for b in RC_BITS] + [t == 0, t == ROUNDS - 1, 0]
        else:
            out[t, 0], out[t, -1] = IDLE, 1
    return out


def rounds_air() -> tuple[Air, np.ndarray]:
    """The round table "keccak_rounds" (32 fixed rows: the 24 rounds' numbers, constants and
    flags, then idle entries), received with a multiplicity column.  The Air and its
    fixed columns."""
    air = Air(ROUNDS_TABLE, main=["mult"], fixed=ROUND_FIELDS)
    air.receive(KECCAK_ROUND, [air.col(f) for f in ROUND_FIELDS], air.col("mult"))
    return air, rounds_fixed()


def _limb(bits, k):
    return sum((1 << z) * bits[16 * k + z] for z in range(16))


def keccak_air() -> Air:
    """The Keccak-f[1600] table "keccakf": one row per round, 24 rows per permutation, then
    idle rows up to the height.

    Receives the 50 lane messages of each call (module docstring: ("keccakf", [step,
    index, l0..l3])) and proves, for every call whose messages it receives, that the output
    lanes are `keccak_f1600` of its input lanes (FIPS 202, as runtime/precompiles.py).

    Row t of a permutation (the layout of Plonky3's keccak-air, with a as limbs):
    - a[i] (4 limbs per lane i = x + 5 y): the state before round t;
    - c[x][z], cp[x][z] (bits): the column parities of a, and cp = c ^ D, D[x][z] =
      c[x-1][z] ^ c[x+1][z-1] (theta's D);
    - ap[i][z] (bits): a' = theta(a) = a ^ D;
    - app: a'' = chi(rho(pi(a'))), lane 0 as 64 bits, lanes 1..24 as limbs; appp0: lane 0
      after iota (limbs);
    - t, rc_0..rc_6, first, last, idle: looked up in the fixed round table ("keccak_round",
      [...], multiplicity 1 on every row): round t's number, the bits of its round constant
      (which has bits only at 0, 1, 3, 7, 15, 31, 63), [t = 0], [t = 23], and idle rows
      (t = 24, constant 0); step, constant over a permutation.
    Every constraint has degree <= 3, every bus field degree 1.  ng = 1 - last - idle gates
    the constraints between a row and the next one of the same permutation.

    Permutations.  ng (t' - t - 1) = 0 and (last + idle) t' (t' - 24) = 0 on every row (the
    last row's next being the first): a round row t < 23 is followed by round t + 1, round 23
    and idle rows by round 0 or an idle row.  So the non-idle rows form complete runs
    t = 0..23, one per permutation (no partial one: round k > 0 is reached only from round
    k - 1).  ng (step' - step) = 0.

    Theta (on every row): c and ap are boolean; cp = c[x] ^ c[x-1] ^ c[x+1][z-1] (x ^ y ^ z =
    x + y + z - 2(xy + yz + zx) + 4xyz, so cp is boolean); every limb of a is
    a_k = sum_(z in limb k) 2^z (ap ^ c ^ cp)[z]; and (s - cp)(s - cp - 2)(s - cp - 4) = 0 with
    s = sum_y ap[x + 5y][z].  Why this is theta: the limb identity is exact over the
    integers (a sum of 16 weighted 0/1 values is below 2^16 < p) and 16-bit values have one
    bit decomposition, so a's bits are ap ^ c ^ cp = ap ^ D, i.e. ap = a ^ D; s in [0, 5] and
    cp in {0, 1} make s - cp in {0, 2, 4} mean parity(ap column) = cp; and parity(ap column)
    = parity(a column) ^ D (five copies of D), cp = c ^ D, hence c is a's true column
    parity, D is theta's D and ap = theta(a).  a's limbs are therefore 16-bit limbs too.

    Rho, pi, chi (on every row, degree 3): with b[PI_DEST[i]][z] = ap[i][z - r_i] (rotations
    are renamings), a''[x + 5y][z] = b0 ^ (~b1 & b2) = b0 + (1 - b1) b2 - 2 b0 (1 - b1) b2 for
    (b0, b1, b2) = b[x, y], b[x+1, y], b[x+2, y]; app0's bits equal that expression (so
    they are bits), and each other lane's limbs equal the sum of 2^z times it (exact, below
    2^16).  Iota (degree 2): appp0_k = sum 2^z (app0 ^ rc)[z], rc the round constant's bits.
    Transitions (ng *, degree 2): a' (next row) = appp0 (lane 0) and app (lanes 1..24), limb
    by limb.  So each round row's a is the previous round's output.

    Messages: the table receives, for every lane i, ("keccakf", [step, i, a_i limbs]) with
    multiplicity first (the input, at round 0) and ("keccakf", [step, 25 + i, out_i limbs])
    with multiplicity last, out = appp0 (lane 0) and app (others) at round 23.  All these
    limbs are sums of bits, so they are 16-bit limbs whatever the sender did (no range16
    lookups needed).

    Size: 2516 main columns, 2927 constraints, 51 interactions per row (50 receives and one
    round-table lookup).
    """
    air = Air(KECCAKF, main=keccak_columns())
    C = air.col
    step = C("step")
    rf = {f: C(f) for f in ROUND_FIELDS}
    t, first, last, idle = rf["t"], rf["first"], rf["last"], rf["idle"]
    rc = {b: rf[f"rc_{j}"] for j, b in enumerate(RC_BITS)}
    ng = 1 - last - idle
    a = [[C(f"a{i}_{k}") for k in range(4)] for i in range(25)]
    c = [[C(f"c{x}_{z}") for z in range(64)] for x in range(5)]
    cp = [[C(f"cp{x}_{z}") for z in range(64)] for x in range(5)]
    ap = [[C(f"ap{i}_{z}") for z in range(64)] for i in range(25)]
    app0 = [C(f"app0_{z}") for z in range(64)]
    app = [None] + [[C(f"app{i}_{k}") for k in range(4)] for i in range(1, 25)]
    appp0 = [C(f"appp0_{k}") for k in range(4)]

    # ---- the round table and the permutation structure
    air.send(KECCAK_ROUND, [rf[f] for f in ROUND_FIELDS], 1)
    air.constrain(ng * (t.next - t - 1), "t' = t + 1 inside a permutation")
    air.constrain((last + idle) * t.next * (t.next - IDLE), "after round 23 or idle: round 0 or idle")
    air.constrain(ng * (step.next - step), "step is constant over a permutation")

    # ---- theta
    for x in range(5):
        for z in range(64):
            air.constrain(c[x][z] * (c[x][z] - 1), f"c{x}_{z} is boolean")
    for i in range(25):
        for z in range(64):
            air.constrain(ap[i][z] * (ap[i][z] - 1), f"ap{i}_{z} is boolean")
    for x in range(5):
        for z in range(64):
            air.constrain(cp[x][z] - xor_bits(c[x][z], c[(x - 1) % 5][z], c[(x + 1) % 5][(z - 1) % 64]),
                          f"cp{x}_{z} = c ^ D")
            s = sum(ap[x + 5 * y][z] for y in range(5))
            air.constrain((s - cp[x][z]) * (s - cp[x][z] - 2) * (s - cp[x][z] - 4),
                          f"the column parity of a' at ({x}, {z}) is cp")
    for i in range(25):
        x = i % 5
        bits = [xor_bits(ap[i][z], c[x][z], cp[x][z]) for z in range(64)]
        for k in range(4):
            air.constrain(a[i][k] - _limb(bits, k), f"a{i}_{k} = a' ^ D")

    # ---- rho, pi, chi, iota
    b = [None] * 25
    for i in range(25):
        r = KECCAK_ROTATIONS[i]
        b[PI_DEST[i]] = [ap[i][(z - r) % 64] for z in range(64)]
    for i in range(25):
        x, y = i % 5, i // 5
        b0, b1, b2 = b[i], b[(x + 1) % 5 + 5 * y], b[(x + 2) % 5 + 5 * y]
        chi = [b0[z] + (1 - b1[z]) * b2[z] - 2 * b0[z] * (1 - b1[z]) * b2[z] for z in range(64)]
        if i == 0:
            for z in range(64):
                air.constrain(app0[z] - chi[z], f"app0_{z} = chi")
        else:
            for k in range(4):
                air.constrain(app[i][k] - _limb(chi, k), f"app{i}_{k} = chi")
    iota = [xor_bits(app0[z], rc[z]) if z in rc else app0[z] for z in range(64)]
    for k in range(4):
        air.constrain(appp0[k] - _limb(iota, k), f"appp0_{k} = iota")
    out = [appp0] + app[1:]
    for i in range(25):
        for k in range(4):
            air.constrain(ng * (a[i][k].next - out[i][k]), f"a{i}_{k}' = the round's output")

    # ---- messages
    for i in range(25):
        air.receive(KECCAKF, [step, i] + a[i], first)
    for i in range(25):
        air.receive(KECCAKF, [step, 25 + i] + out[i], last)
    return air


# ------------------------------------------------------------------ trace

@dataclass
class KeccakTrace(TableTrace):
    """The Keccak table's trace (no range16/bitwise lookups) and the round table's multiplicities."""
    rounds: np.ndarray = None            # (32, 1): the "keccak_rounds" table's mult column


def _split(rows: np.ndarray):
    """(steps, lanes in (n, 25), lanes out (n, 25)) as uint64, checked."""
    if rows.dtype != PRECOMPILE_ROW or rows.ndim != 1:
        raise TypeError(f"keccak takes a 1-d PRECOMPILE_ROW array, not {rows.dtype} with shape {rows.shape}")
    if rows.size and (rows["kind"] != SYS_KECCAKF).any():
        raise ValueError(f"a row is not a keccakf call (kind {SYS_KECCAKF:#x})")
    if rows.size and rows["step"].max() >= P:
        raise ValueError("a step does not fit in a field element")
    lanes_in = np.ascontiguousarray(rows["input"][:, :200]).view("<u8").reshape(-1, 25)
    lanes_out = np.ascontiguousarray(rows["output"][:, :200]).view("<u8").reshape(-1, 25)
    return rows["step"].astype(np.uint64), lanes_in.astype(np.uint64), lanes_out.astype(np.uint64)


def _limbs4(x) -> np.ndarray:
    """(..., ) uint64 -> (..., 4) 16-bit limbs."""
    return ((x[..., None] >> (np.arange(4, dtype=np.uint64) * np.uint64(16))) & np.uint64(0xFFFF))


def _bits64(x) -> np.ndarray:
    return ((x[..., None] >> np.arange(64, dtype=np.uint64)) & np.uint64(1)).astype(np.uint8)


def keccak_messages(rows: np.ndarray) -> np.ndarray:
    """The ("keccakf", [step, index, l0, l1, l2, l3]) messages of the calls (n * 50, 6),
    call by call in index order: what a sender must send for the table to balance."""
    steps, lanes_in, lanes_out = _split(rows)
    lanes = np.concatenate([lanes_in, lanes_out], axis=1)              # (n, 50)
    msg = np.zeros((rows.size, 50, 6), dtype=np.uint32)
    msg[:, :, 0] = steps[:, None]
    msg[:, :, 1] = np.arange(50)
    msg[:, :, 2:] = _limbs4(lanes)
    return msg.reshape(-1, 6)


def _rotl(v, r):
    if r == 0:
        return v
    return (v << np.uint64(r)) | (v >> np.uint64(64 - r))


def keccak_trace(rows: np.ndarray, height: int | None = None) -> KeccakTrace:
    """The main trace of `keccak_air()` for PRECOMPILE_ROW rows of keccakf calls: 24 rows
    per call, then idle rows (all zero but t = 24 and idle = 1) up to a power of two (at
    least 32, or `height`).  The output lanes at round 23 are taken from the rows as given,
    so a wrong output gives a trace that fails the constraints."""
    steps, lanes_in, given_out = _split(rows)
    N = rows.size
    n = height or max(32, 1 << max(0, (ROUNDS * N - 1).bit_length()))
    if n < ROUNDS * N or n & (n - 1):
        raise ValueError(f"height {n} is not a power of two >= {ROUNDS * N}")
    names = keccak_columns()
    pos = {nm: i for i, nm in enumerate(names)}
    buf = np.zeros((N, ROUNDS, len(names)), dtype=np.uint32)
    fixed = rounds_fixed()
    for j, nm in enumerate(ROUND_FIELDS):
        buf[:, :, pos[nm]] = fixed[:ROUNDS, j][None, :]
    buf[:, :, pos["step"]] = steps[:, None]
    a_at, c_at, cp_at, ap_at = pos["a0_0"], pos["c0_0"], pos["cp0_0"], pos["ap0_0"]
    app0_at, app_at, appp0_at = pos["app0_0"], pos["app1_0"], pos["appp0_0"]
    state = lanes_in.copy()
    for t in range(ROUNDS):
        row = buf[:, t]
        row[:, a_at:a_at + 100] = _limbs4(state).reshape(N, 100)
        cpar = state[:, 0:5] ^ state[:, 5:10] ^ state[:, 10:15] ^ state[:, 15:20] ^ state[:, 20:25]
        d = np.roll(cpar, 1, axis=1) ^ _rotl(np.roll(cpar, -1, axis=1), 1)   # D[x] = C[x-1] ^ rot(C[x+1], 1)
        row[:, c_at:c_at + 320] = _bits64(cpar).reshape(N, 320)
        row[:, cp_at:cp_at + 320] = _bits64(cpar ^ d).reshape(N, 320)
        ap = state ^ np.tile(d, 5)
        row[:, ap_at:ap_at + 1600] = _bits64(ap).reshape(N, 1600)
        bb = np.empty_like(ap)
        for i in range(25):
            bb[:, PI_DEST[i]] = _rotl(ap[:, i], KECCAK_ROTATIONS[i])
        bb = bb.reshape(N, 5, 5)                                            # [call, y, x]
        chi = (bb ^ (~np.roll(bb, -1, axis=2) & np.roll(bb, -2, axis=2))).reshape(N, 25)
        if t == ROUNDS - 1:
            chi[:, 1:] = given_out[:, 1:]            # the claimed output (wrong ones fail app's identity)
        row[:, app0_at:app0_at + 64] = _bits64(chi[:, 0])
        row[:, app_at:app_at + 96] = _limbs4(chi[:, 1:]).reshape(N, 96)
        lane0 = chi[:, 0] ^ np.uint64(KECCAK_ROUND_CONSTANTS[t])
        if t == ROUNDS - 1:
            lane0 = given_out[:, 0]
        row[:, appp0_at:appp0_at + 4] = _limbs4(lane0)
        state = chi.copy()
        state[:, 0] = lane0
    main = np.zeros((n, len(names)), dtype=np.uint32)
    main[:ROUNDS * N] = buf.reshape(ROUNDS * N, len(names))
    main[ROUNDS * N:, pos["t"]] = IDLE
    main[ROUNDS * N:, pos["idle"]] = 1
    mult = np.zeros((32, 1), dtype=np.uint32)
    mult[:ROUNDS, 0] = N
    mult[ROUNDS, 0] = n - ROUNDS * N
    return KeccakTrace(main, [], {}, mult)
