"""The SHA-256 table proves sha256_compress calls and refuses wrong outputs, rounds and schedules."""
import hashlib
import struct
from functools import cache

import numpy as np
import pytest

from prover.air import ConstraintError
from prover.riscv import ranges
from prover.riscv.sha256 import (ROUNDS_TABLE, SHA256, SYS_SHA256_COMPRESS, rounds_air, sha256_air, sha256_columns,
                                 sha256_messages, sha256_trace)
from prover.stark import prove, setup, verify
from riscv_helpers import FAST, bus_sender_air, bus_sender_trace
from runtime.precompiles import SHA256_IV, sha256_compress, sha256_compress_bytes
from runtime.trace import PRECOMPILE_ROW
from translator.elf import load_elf
from translator.expand import reference_trace


# ---------------------------------------------------------------- calls

def calls(states, blocks, steps=None) -> np.ndarray:
    """PRECOMPILE_ROW rows for (8 u32 words, 64-byte block) pairs, outputs from the host."""
    rows = np.zeros(len(states), PRECOMPILE_ROW)
    rows["kind"] = SYS_SHA256_COMPRESS
    rows["step"] = np.arange(len(states)) * 5 + 11 if steps is None else steps
    for i, (state, block) in enumerate(zip(states, blocks)):
        data = struct.pack("<8I", *state) + bytes(block)
        rows["input"][i, :96] = np.frombuffer(data, np.uint8)
        rows["output"][i, :32] = np.frombuffer(sha256_compress_bytes(data[:32], data[32:]), np.uint8)
    return rows


def random_calls(n, seed=0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    states = [list(rng.integers(0, 1 << 32, 8, dtype=np.uint64)) for _ in range(n)]
    edges = [[0] * 8, [0xFFFF_FFFF] * 8, list(SHA256_IV)]
    blocks = [rng.integers(0, 256, 64, dtype=np.uint8).tobytes() for _ in range(n)]
    edge_blocks = [bytes(64), b"\xff" * 64, bytes(range(64))]
    return calls(edges + states, edge_blocks + blocks)


ABC_BLOCK = b"abc" + b"\x80" + bytes(52) + struct.pack(">Q", 24)


def out_words(rows) -> np.ndarray:
    return np.ascontiguousarray(rows["output"][:, :32]).view("<u4")


@cache
def guest_calls():
    with open("examples/sha256/guest.rv64im.elf", "rb") as f:
        program = load_elf(f.read())
    with open("examples/sha256/input.bin", "rb") as f:
        data = f.read()
    _, _, pre = reference_trace(program, data)
    return pre[pre["kind"] == SYS_SHA256_COMPRESS]


# ---------------------------------------------------------------- tables and proofs

@cache
def air():
    return sha256_air()


@cache
def key():
    r16, r16_fixed = ranges.range16_table()
    rounds, rounds_fixed = rounds_air()
    sender = bus_sender_air(SHA256, ["step", "index", "lo", "hi"])
    return setup([sender, air(), rounds, r16], fixed={"range16": r16_fixed, ROUNDS_TABLE: rounds_fixed},
                 params=FAST)


def traces_of(rows, main=None, sender=None):
    t = sha256_trace(rows)
    return {"sender": bus_sender_trace(sha256_messages(rows)) if sender is None else sender,
            SHA256: t.main if main is None else main, ROUNDS_TABLE: t.rounds, "range16": t.range16_mult()}


def proves(traces) -> bool:
    """Whether a proof made without the witness check verifies."""
    proof = prove(key(), traces, check=False)
    return bool(verify(key().verifying_key, {}, proof.to_bytes()))


COL = {name: i for i, name in enumerate(sha256_columns())}


# ---------------------------------------------------------------- the reference

def test_the_reference_compresses_abc_to_the_fips_digest():
    words = sha256_compress(list(SHA256_IV), ABC_BLOCK)
    assert struct.pack(">8I", *words).hex() == \
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert struct.pack(">8I", *words) == hashlib.sha256(b"abc").digest()


# ---------------------------------------------------------------- completeness

def test_constraints_have_degree_at_most_three_and_bus_fields_degree_one():
    a = air()
    assert a.max_degree <= 3
    assert all(f.degree <= 1 for i in a.interactions for f in i.fields)
    assert all(i.multiplicity.degree <= 1 for i in a.interactions)
    assert len(a.interactions) == 4


def test_the_abc_block_satisfies_the_air_and_its_output_is_the_digest():
    rows = calls([SHA256_IV], [ABC_BLOCK])
    t = sha256_trace(rows)
    air().check(t.main)
    out = [int(t.main[63, COL[f"o{(j - 1) % 8}_lo"]]) | int(t.main[63, COL[f"o{(j - 1) % 8}_hi"]]) << 16
           for j in range(8)]
    assert struct.pack(">8I", *out) == hashlib.sha256(b"abc").digest()


def test_random_and_edge_calls_satisfy_the_air():
    rows = random_calls(13, seed=1)
    t = sha256_trace(rows)
    assert t.main.shape == (16 * 64, air().n_main)
    air().check(t.main)


def test_the_messages_are_the_calls_words_and_padding_receives_nothing():
    rows = random_calls(2, seed=2)          # 5 calls, padded to 8 compressions
    msgs = sha256_messages(rows).reshape(5, 32, 4)
    state = np.ascontiguousarray(rows["input"][:, :32]).view("<u4")
    block = np.ascontiguousarray(rows["input"][:, 32:96]).view(">u4")
    words = np.concatenate([state, block, out_words(rows)], axis=1)
    assert (msgs[:, :, 0] == rows["step"][:, None]).all() and (msgs[:, :, 1] == np.arange(32)).all()
    assert (msgs[:, :, 2] + (msgs[:, :, 3].astype(np.uint64) << 16) == words).all()
    t = sha256_trace(rows)
    mult = t.main[:, COL["mult"]].reshape(8, 64)
    assert (mult[:5].sum(axis=1) == 32).all() and mult[5:].sum() == 0
    assert (t.rounds == 8).all()
    assert sum(v.size for v in t.range16) == 2 * 5 * 32


def test_random_calls_prove_and_verify_with_a_sender_and_the_range_table():
    proof = prove(key(), traces_of(random_calls(5, seed=3)))
    verdict = verify(key().verifying_key, {}, proof.to_bytes())
    assert verdict, verdict.reason


def test_the_calls_of_the_sha256_example_prove_and_verify():
    rows = guest_calls()
    assert rows.size >= 60
    proof = prove(key(), traces_of(rows))
    verdict = verify(key().verifying_key, {}, proof.to_bytes())
    assert verdict, verdict.reason


def test_the_trace_refuses_other_calls():
    rows = random_calls(1)
    rows["kind"][0] = 0x800
    with pytest.raises(ValueError, match="not a sha256_compress call"):
        sha256_trace(rows)


# ---------------------------------------------------------------- soundness

def test_a_wrong_output_word_fails_the_constraints_and_the_proof():
    """Each output word, one at a time, off by one bit (the sender sending the same wrong
    word): the final addition refuses it."""
    rows = random_calls(1, seed=4)
    rng = np.random.default_rng(4)
    for j in range(8):
        bad = rows.copy()
        word = out_words(bad)[0, j] ^ (1 << int(rng.integers(32)))
        bad["output"][0, 4 * j:4 * j + 4] = np.frombuffer(struct.pack("<I", word), np.uint8)
        with pytest.raises(ConstraintError):
            air().check(sha256_trace(bad).main)
    assert not proves(traces_of(bad))


def test_a_sender_claiming_another_output_does_not_balance_the_bus():
    rows = random_calls(1, seed=5)
    traces = traces_of(rows)
    sender = traces["sender"].copy()
    sender[3 * 32 + 24 + 2, 2] ^= 1         # call 3, output word 2, low limb
    with pytest.raises(ValueError, match="does not balance"):
        prove(key(), dict(traces, sender=sender))
    assert not proves(dict(traces, sender=sender))


@pytest.mark.parametrize("column", ["a_5", "e_17", "b_0", "g_31", "an_lo", "en_hi", "d_hi", "h_lo"])
def test_a_wrong_round_value_fails_the_constraints(column):
    rows = random_calls(1, seed=6)
    main = sha256_trace(rows).main
    for row in (64 + 0, 64 + 1, 64 + 30, 64 + 62, 64 + 63):
        bad = main.copy()
        bad[row, COL[column]] ^= 1
        with pytest.raises(ConstraintError):
            air().check(bad)


@pytest.mark.parametrize("column", ["w0_lo", "w1_3", "w9_hi", "w14_30", "w15_lo", "wn_hi"])
def test_a_wrong_schedule_word_fails_the_constraints(column):
    rows = random_calls(1, seed=7)
    main = sha256_trace(rows).main
    for row in (128 + 0, 128 + 5, 128 + 20, 128 + 47):
        bad = main.copy()
        bad[row, COL[column]] ^= 4
        with pytest.raises(ConstraintError):
            air().check(bad)


def test_a_consistently_changed_schedule_word_is_refused_by_the_proof():
    """W_20 of call 0 replaced everywhere it sits in the window (and its carries redone
    where it is w0): every rotation constraint holds, the schedule identity that
    defines W_20 fails, and a proof made anyway does not verify."""
    rows = random_calls(1, seed=8)
    traces = traces_of(rows)
    main = traces[SHA256].copy()
    for t in range(5, 21):                  # W_20 is w_(20 - t) at row t
        j = 20 - t
        main[t, COL[f"w{j}_0" if j in (1, 14) else f"w{j}_lo"]] ^= 1
    main[4, COL["wn_lo"]] ^= 1
    with pytest.raises(ConstraintError):
        air().check(main)
    assert not proves(dict(traces, sha256=main))


def test_an_output_limb_of_sixteen_bits_with_a_compensating_carry_is_refused():
    """out_j's low limb plus 2^16, its low carry 1 -> 0 and its high limb minus 1: the same
    integer, every constraint holds; only the range check on the received limbs refuses it."""
    rows = random_calls(1, seed=9)[3:]     # one call on random words
    tr = sha256_trace(rows)
    main = tr.main.copy()
    j = next(j for j in range(8) if main[63, COL[f"co{j}_lo"]] == 1 and main[63, COL[f"o{(j - 1) % 8}_hi"]] > 0)
    for t in range(64):                     # out_j is o_k at row t with k - t = j (mod 8)
        k = (j + t) % 8
        main[t, COL[f"o{k}_lo"]] += 1 << 16
        main[t, COL[f"o{k}_hi"]] -= 1
    row = 63 - j                            # the row that receives out_j
    main[row, COL["m_lo"]] += 1 << 16
    main[row, COL["m_hi"]] -= 1
    main[63, COL[f"co{j}_lo"]] = 0
    air().check(main)
    sender = bus_sender_trace(sha256_messages(rows))
    sender[24 + j, 2] += 1 << 16
    sender[24 + j, 3] -= 1
    mult = tr.range16_mult().copy()
    lo, hi = int(tr.main[row, COL["m_lo"]]), int(tr.main[row, COL["m_hi"]])
    mult[lo] -= 1                           # the forged low limb cannot be counted: no such row
    mult[hi] -= 1
    mult[hi - 1] += 1
    forged = {"sender": sender, SHA256: main, ROUNDS_TABLE: tr.rounds, "range16": mult}
    assert not proves(forged)
