"""The Keccak-f[1600] table proves keccakf calls and refuses wrong outputs and rounds."""
import hashlib
import struct
from functools import cache

import numpy as np
import pytest

from prover.air import ConstraintError
from prover.riscv.keccak import (IDLE, KECCAKF, ROUNDS_TABLE, SYS_KECCAKF, keccak_air, keccak_columns,
                                 keccak_messages, keccak_trace, rounds_air)
from prover.stark import prove, setup, verify
from riscv_helpers import FAST, bus_sender_air, bus_sender_trace
from runtime.precompiles import keccak_f1600, keccakf_bytes
from runtime.trace import PRECOMPILE_ROW
from translator.elf import load_elf
from translator.expand import reference_trace


# ---------------------------------------------------------------- calls

def calls(states, steps=None) -> np.ndarray:
    """PRECOMPILE_ROW rows for 200-byte states, outputs from the host."""
    rows = np.zeros(len(states), PRECOMPILE_ROW)
    rows["kind"] = SYS_KECCAKF
    rows["step"] = np.arange(len(states)) * 3 + 7 if steps is None else steps
    for i, state in enumerate(states):
        rows["input"][i, :200] = np.frombuffer(bytes(state), np.uint8)
        rows["output"][i, :200] = np.frombuffer(keccakf_bytes(bytes(state)), np.uint8)
    return rows


def random_calls(n, seed=0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return calls([bytes(200), b"\xff" * 200] + [rng.integers(0, 256, 200, dtype=np.uint8).tobytes()
                                                for _ in range(n)])


def sha3_block(message: bytes) -> bytes:
    """SHA3-256's single padded block (rate 136) xored into the zero state: 200 bytes."""
    block = bytearray(message + b"\x06" + bytes(135 - len(message)))
    block[135] |= 0x80
    return bytes(block) + bytes(64)


def lanes(rows, field) -> np.ndarray:
    return np.ascontiguousarray(rows[field][:, :200]).view("<u8")


@cache
def guest_calls():
    with open("examples/keccak/guest.rv64im.elf", "rb") as f:
        program = load_elf(f.read())
    with open("examples/keccak/input.bin", "rb") as f:
        data = f.read()
    _, _, pre = reference_trace(program, data)
    return pre[pre["kind"] == SYS_KECCAKF]


# ---------------------------------------------------------------- tables and proofs

@cache
def air():
    return keccak_air()


@cache
def key():
    rounds, rounds_fixed = rounds_air()
    sender = bus_sender_air(KECCAKF, ["step", "index", "l0", "l1", "l2", "l3"])
    return setup([sender, air(), rounds], fixed={ROUNDS_TABLE: rounds_fixed}, params=FAST)


def traces_of(rows, main=None, sender=None):
    t = keccak_trace(rows)
    return {"sender": bus_sender_trace(keccak_messages(rows)) if sender is None else sender,
            KECCAKF: t.main if main is None else main, ROUNDS_TABLE: t.rounds}


def proves(traces) -> bool:
    """Whether a proof made without the witness check verifies."""
    proof = prove(key(), traces, check=False)
    return bool(verify(key().verifying_key, {}, proof.to_bytes()))


COL = {name: i for i, name in enumerate(keccak_columns())}


def out_lane(main, row, i) -> int:
    """Output lane i as the table holds it on round row 23 (`row`)."""
    names = [f"appp0_{k}" for k in range(4)] if i == 0 else [f"app{i}_{k}" for k in range(4)]
    return sum(int(main[row, COL[n]]) << (16 * k) for k, n in enumerate(names))


# ---------------------------------------------------------------- the reference

def test_the_reference_matches_the_known_permutation_of_zero_and_sha3():
    assert keccak_f1600([0] * 25)[0] == 0xF1258F7940E1DDE7
    for msg in (b"", b"abc"):
        out = keccakf_bytes(sha3_block(msg))
        assert out[:32] == hashlib.sha3_256(msg).digest()


# ---------------------------------------------------------------- completeness

def test_constraints_have_degree_at_most_three_and_bus_fields_degree_one():
    a = air()
    assert a.max_degree <= 3
    assert all(f.degree <= 1 for i in a.interactions for f in i.fields)
    assert all(i.multiplicity.degree <= 1 for i in a.interactions)
    assert len(a.interactions) == 51


def test_sha3_blocks_satisfy_the_air_and_the_output_is_the_digest():
    rows = calls([sha3_block(b""), sha3_block(b"abc")])
    t = keccak_trace(rows)
    air().check(t.main)
    for j, msg in enumerate((b"", b"abc")):
        out = [out_lane(t.main, 24 * j + 23, i) for i in range(25)]
        assert struct.pack("<25Q", *out)[:32] == hashlib.sha3_256(msg).digest()


def test_random_and_edge_calls_satisfy_the_air_with_idle_rows_after_them():
    rows = random_calls(3, seed=1)          # 5 calls: 120 rows, 8 idle
    t = keccak_trace(rows)
    assert t.main.shape == (128, air().n_main)
    assert (t.main[120:, COL["t"]] == IDLE).all() and (t.main[120:, COL["idle"]] == 1).all()
    assert t.rounds[:24, 0].tolist() == [5] * 24 and t.rounds[24, 0] == 8 and t.rounds.sum() == 128
    air().check(t.main)


def test_the_messages_are_the_calls_lanes():
    rows = random_calls(1, seed=2)
    msgs = keccak_messages(rows).reshape(3, 50, 6)
    values = np.concatenate([lanes(rows, "input"), lanes(rows, "output")], axis=1)
    assert (msgs[:, :, 0] == rows["step"][:, None]).all() and (msgs[:, :, 1] == np.arange(50)).all()
    limbs = msgs[:, :, 2:].astype(np.uint64) << (np.arange(4, dtype=np.uint64) * np.uint64(16))
    assert (np.bitwise_or.reduce(limbs, axis=2) == values).all()


def test_random_calls_prove_and_verify_with_a_sender():
    proof = prove(key(), traces_of(random_calls(4, seed=3)))
    verdict = verify(key().verifying_key, {}, proof.to_bytes())
    assert verdict, verdict.reason


def test_the_calls_of_the_keccak_example_prove_and_verify():
    rows = guest_calls()
    assert rows.size >= 50
    proof = prove(key(), traces_of(rows))
    verdict = verify(key().verifying_key, {}, proof.to_bytes())
    assert verdict, verdict.reason


def test_the_trace_refuses_other_calls():
    rows = random_calls(0)
    rows["kind"][1] = 0x801
    with pytest.raises(ValueError, match="not a keccakf call"):
        keccak_trace(rows)


# ---------------------------------------------------------------- soundness

def test_a_wrong_output_lane_fails_the_constraints_and_the_proof():
    """Output lanes 0 (after iota), 1, 12 and 24, one at a time, one bit off (the sender
    sending the same wrong lane): chi's or iota's identity on round 23 refuses it."""
    rows = random_calls(1, seed=4)
    rng = np.random.default_rng(4)
    for i in (0, 1, 12, 24):
        bad = rows.copy()
        lane = int(lanes(bad, "output")[2, i]) ^ (1 << int(rng.integers(64)))
        bad["output"][2, 8 * i:8 * i + 8] = np.frombuffer(struct.pack("<Q", lane), np.uint8)
        with pytest.raises(ConstraintError):
            air().check(keccak_trace(bad).main)
    assert not proves(traces_of(bad))


def test_a_sender_claiming_another_output_does_not_balance_the_bus():
    rows = random_calls(1, seed=5)
    traces = traces_of(rows)
    sender = traces["sender"].copy()
    sender[2 * 50 + 25 + 7, 3] ^= 1          # call 2, output lane 7, limb 1
    with pytest.raises(ValueError, match="does not balance"):
        prove(key(), dict(traces, sender=sender))
    assert not proves(dict(traces, sender=sender))


@pytest.mark.parametrize("column", ["a3_1", "c2_40", "cp4_0", "ap17_63", "ap0_5", "app0_9", "app8_2", "appp0_3"])
def test_a_wrong_round_value_fails_the_constraints(column):
    rows = random_calls(1, seed=6)
    main = keccak_trace(rows).main
    for row in (24 + 0, 24 + 1, 24 + 11, 24 + 22, 24 + 23):
        bad = main.copy()
        bad[row, COL[column]] ^= 1
        with pytest.raises(ConstraintError):
            air().check(bad)


def test_a_consistently_changed_state_is_refused_by_the_proof():
    """Round 5 of call 1 starts from another state: lane 3's bit 0 flipped in a and in a'
    (so a = a' ^ D still holds), everything else left as it was: the previous round's
    output, the column parity and chi's identities fail, and a proof made anyway does not
    verify."""
    rows = random_calls(1, seed=7)
    traces = traces_of(rows)
    main = traces[KECCAKF].copy()
    row = 24 + 5
    main[row, COL["a3_0"]] ^= 1
    main[row, COL["ap3_0"]] ^= 1
    with pytest.raises(ConstraintError):
        air().check(main)
    assert not proves(dict(traces, keccakf=main))


def test_a_permutation_cut_short_by_an_idle_row_fails_the_constraints():
    rows = random_calls(1, seed=8)
    main = keccak_trace(rows).main.copy()
    row = 24 + 10
    main[row] = 0
    main[row, COL["t"]], main[row, COL["idle"]] = IDLE, 1
    with pytest.raises(ConstraintError, match="t' = t \\+ 1"):
        air().check(main)
