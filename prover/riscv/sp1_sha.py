"""SP1's SHA-256 calls: the SHA_EXTEND table proves message schedules, the SHA_COMPRESS
table the 64 rounds over a schedule as memory holds it (docs/riscv-air.md, "Precompiles";
`runtime/sp1.py` for the semantics).

SP1 splits a compression in two calls: SHA_EXTEND writes W_16..W_63 after the 16 words
W_0..W_15 at a0, and SHA_COMPRESS runs the rounds over the 64 words at a0, which need not
be a schedule (the guest may have written anything there), adding the result into the 8
state words at a1.  Both tables are built from the parts of the SHA-256 table
(`sha256.py`): the same fixed round table, row layout (64 rows per call, row t holding
round t) and constraints; what differs is which words they receive.  They receive on the
"sha256" bus, one message per u32 word of a call, with indices no other table receives:

    ("sha256", [step, index, lo, hi])       multiplicity 1
- SHA_EXTEND: index EXTEND_INDEX + i for w_i, i = 0..63 (0..15 read, 16..63 written);
- SHA_COMPRESS: index SCHEDULE_INDEX + i for the schedule word w_i, i = 0..63, and
  STATE_INDEX + k for state word k before the call, STATE_INDEX + 24 + k after it
  (STATE_INDEX plus the SHA-256 table's index of a state word).
The SHA-256 table receives indices 0..31 only, so each message can only be received by
the table its index names.  lo, hi are the word's 16-bit limbs (value = lo + 2^16 hi, the
little-endian u32 of memory: SP1's words are not byte-swapped), range-checked here.
`extend_messages` and `compress_messages` list the messages of PRECOMPILE_ROW rows
(`runtime/sp1.py`: the u32 words each call read and wrote).
"""
from __future__ import annotations

import numpy as np

from runtime.sp1 import SHA_COMPRESS, SHA_EXTEND
from ..air import Air
from .sha256 import (ROUND_FIELDS, CallRows, Sha256Trace, calls_height, check_calls, extend_schedule, fill_rounds,
                     fill_schedule, fill_state, fill_structure, pad_calls, receive_word, round_columns, round_part,
                     round_structure, rounds_fixed, schedule_columns, schedule_part, state_columns, state_part)

EXTEND_TABLE, COMPRESS_TABLE = "sha_extend", "sha_compress"
SYS_SHA_EXTEND, SYS_SHA_COMPRESS = SHA_EXTEND, SHA_COMPRESS     # the calls they prove (PRECOMPILE_ROW kind)
EXTEND_INDEX, SCHEDULE_INDEX, STATE_INDEX = 32, 96, 160         # their messages' first indices (module docstring)
EXTEND_WORDS, COMPRESS_WORDS = 64, 80                           # words per call: in and out


def extend_columns() -> list[str]:
    return ["step", "real"] + ROUND_FIELDS + schedule_columns()


def extend_air() -> Air:
    """The SHA_EXTEND table: the SHA-256 table's schedule window (`sha256.schedule_part`)
    on rows t = 0..63 of each call, receiving w0 = W_t on every row.

    W_0..W_15 are received on rows 0..15 as they are, and W_(t+16), computed on row t
    (t <= 47) from the window, is w0 on row t + 16 and received there: so the 48 written
    words are exactly the recurrence on the 16 read ones.  Every W_t (t < 64) is received,
    hence range-checked (16-bit limbs), which is all the schedule identity's no-wrap
    argument needs (its right side is below 4 * 2^16 + 4).  Rows 48..63 compute W_64..W_79,
    which nothing receives.  Padding calls (real = 0) are honest schedules of zeros that
    receive nothing.  109 main columns, 107 constraints (degree <= 3), 4 interactions per row
    (1 receive, 2 range16, 1 round-table lookup)."""
    air = Air(EXTEND_TABLE, main=extend_columns())
    step, real, rf, nl = round_structure(air)
    w0 = schedule_part(air, nl)
    receive_word(air, [step, rf["t"] + EXTEND_INDEX, w0[0], w0[1]], real)
    return air


def compress_columns() -> list[str]:
    return ["step", "real", "mult"] + ROUND_FIELDS + ["w_lo", "w_hi", "m_lo", "m_hi"] + round_columns() \
        + state_columns()


def compress_air() -> Air:
    """The SHA_COMPRESS table: the SHA-256 table's rounds and input/output registers
    (`sha256.round_part`, `state_part`) with W_t a received column w instead of the
    schedule window.

    Row t receives w = W_t (index SCHEDULE_INDEX + t, multiplicity real) and round t adds
    it; rows 16..23 and 56..63 also receive the input word r7 and the output word o7 (index
    STATE_INDEX + the round table's idx, multiplicity mult = real (is_in + is_out)), as the
    SHA-256 table does.  Every received limb is range-checked, so w's limbs are 16-bit and
    the round identity's no-wrap argument of `sha256_air` holds as it is: the outputs are
    the input plus the state after 64 rounds over the received words, mod 2^32.  276 main
    columns, 312 constraints (degree <= 3), 7 interactions per row (2 receives, 4 range16, 1
    round-table lookup)."""
    air = Air(COMPRESS_TABLE, main=compress_columns())
    C = air.col
    step, real, rf, nl = round_structure(air)
    w = [C("w_lo"), C("w_hi")]
    state0, final = round_part(air, rf, nl, w)
    r, o = state_part(air, rf, nl, state0, final)
    mult, m = C("mult"), [C("m_lo"), C("m_hi")]
    air.constrain(mult - real * (rf["is_in"] + rf["is_out"]), "mult = real * (is_in + is_out)")
    for k, part in enumerate(("lo", "hi")):
        air.constrain(m[k] - rf["is_in"] * r[7][k] - rf["is_out"] * o[7][k], f"m_{part} is the received state word")
    receive_word(air, [step, rf["t"] + SCHEDULE_INDEX, w[0], w[1]], real)
    receive_word(air, [step, rf["idx"] + STATE_INDEX, m[0], m[1]], mult)
    return air


# ------------------------------------------------------------------ traces

def _words(rows: np.ndarray, kind: int, n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    """(steps, the words each call read then wrote (n, n_in + n_out)) as uint64, checked."""
    check_calls(rows, kind, "SP1's SHA table", "SHA_EXTEND" if kind == SYS_SHA_EXTEND else "SHA_COMPRESS")
    inp = np.ascontiguousarray(rows["input"][:, :4 * n_in]).view("<u4")
    out = np.ascontiguousarray(rows["output"][:, :4 * n_out]).view("<u4")
    return rows["step"].astype(np.uint64), np.concatenate([inp, out], axis=1).astype(np.uint64)


def _messages(steps: np.ndarray, words: np.ndarray, index: np.ndarray) -> np.ndarray:
    msg = np.zeros(words.shape + (4,), dtype=np.uint32)
    msg[:, :, 0] = steps[:, None]
    msg[:, :, 1] = index
    msg[:, :, 2] = words & np.uint64(0xFFFF)
    msg[:, :, 3] = words >> np.uint64(16)
    return msg.reshape(-1, 4)


def extend_messages(rows: np.ndarray) -> np.ndarray:
    """The ("sha256", ...) messages of SHA_EXTEND calls (n * 64, 4), call by call."""
    steps, words = _words(rows, SYS_SHA_EXTEND, 16, 48)
    return _messages(steps, words, EXTEND_INDEX + np.arange(EXTEND_WORDS))


def compress_index() -> np.ndarray:
    """The message index of each word of a SHA_COMPRESS row: w_0..w_63, state in, state out."""
    return np.concatenate([SCHEDULE_INDEX + np.arange(64), STATE_INDEX + np.arange(8), STATE_INDEX + 24 + np.arange(8)])


def compress_messages(rows: np.ndarray) -> np.ndarray:
    """The ("sha256", ...) messages of SHA_COMPRESS calls (n * 80, 4), call by call."""
    steps, words = _words(rows, SYS_SHA_COMPRESS, 72, 8)
    return _messages(steps, words, compress_index())


def _received_limbs(main: np.ndarray, names: list[str], sel: np.ndarray, limbs: str) -> list[np.ndarray]:
    pos = {nm: i for i, nm in enumerate(names)}
    return [main[sel, pos[f"{limbs}_lo"]], main[sel, pos[f"{limbs}_hi"]]]


def extend_trace(rows: np.ndarray, height: int | None = None) -> Sha256Trace:
    """The main trace of `extend_air()` for PRECOMPILE_ROW rows of SHA_EXTEND calls, padded
    like `sha256.sha256_trace`.  The written words are the rows' as given, so a wrong one
    fails the constraints."""
    steps, words = _words(rows, SYS_SHA_EXTEND, 16, 48)
    n_real = rows.size
    N = calls_height(n_real, height)
    steps, words = pad_calls(steps, N), pad_calls(words, N)
    real = (np.arange(N) < n_real).astype(np.uint64)
    W = np.zeros((N, 80), dtype=np.uint64)
    W[:, :16] = words[:, :16]
    extend_schedule(W, 16)                          # the padding calls' schedules
    W[:n_real, 16:64] = words[:n_real, 16:]
    extend_schedule(W, 64)                          # W_64..W_79 of the window's last rows
    t = CallRows(N, extend_columns())
    fill_structure(t, steps, real)
    fill_schedule(t, W)
    main = t.main()
    sel = np.repeat(real, 64) == 1
    return Sha256Trace(main, _received_limbs(main, t.names, sel, "w0"), {}, np.full((64, 1), N, dtype=np.uint32))


def compress_trace(rows: np.ndarray, height: int | None = None) -> Sha256Trace:
    """The main trace of `compress_air()` for PRECOMPILE_ROW rows of SHA_COMPRESS calls,
    padded with honest compressions of zeros that receive nothing.  The output words are
    the rows' as given, so a wrong one fails the constraints."""
    steps, words = _words(rows, SYS_SHA_COMPRESS, 72, 8)
    n_real = rows.size
    N = calls_height(n_real, height)
    steps, words = pad_calls(steps, N), pad_calls(words, N)
    real = (np.arange(N) < n_real).astype(np.uint64)
    W, state_in, given_out = words[:, :64], words[:, 64:72], words[:, 72:]
    t = CallRows(N, compress_columns())
    fill_structure(t, steps, real)
    fixed = rounds_fixed()
    flags = sum(fixed[:, ROUND_FIELDS.index(f)] for f in ("is_in", "is_out")).astype(np.uint64)
    mult = real[:, None] * flags[None, :]
    t.put("mult", mult)
    t.limbs("w", W)
    final = fill_rounds(t, state_in, W)
    out = fill_state(t, state_in, final, given_out, real)
    msg = np.zeros((N, 64), dtype=np.uint64)
    msg[:, 16:24] = state_in[:, 7::-1]
    msg[:, 56:64] = out[:, 7::-1]
    t.limbs("m", msg)
    main = t.main()
    sel_w, sel_m = np.repeat(real, 64) == 1, mult.reshape(-1) > 0
    range16 = _received_limbs(main, t.names, sel_w, "w") + _received_limbs(main, t.names, sel_m, "m")
    return Sha256Trace(main, range16, {}, np.full((64, 1), N, dtype=np.uint32))
