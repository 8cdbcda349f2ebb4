"""The STARK accepts honest proofs: single tables, tables joined by a bus, fixed tables."""
import pytest

import airs
from prover.fri import FriParameters
from prover.stark import Proof, ProofStats, StarkParameters, main_root, prove, security, setup, verify, verifying_key

FAST = StarkParameters(FriParameters(num_queries=20, pow_bits=4))


def test_a_fibonacci_proof_verifies():
    air, trace, public = airs.fibonacci(log_rows=5)
    key = setup([air], params=FAST)
    proof = prove(key, {"fibonacci": trace}, {"fibonacci": public})
    assert verify(key.verifying_key, {"fibonacci": public}, proof)


def test_a_proof_survives_serialization():
    air, trace, public = airs.fibonacci(log_rows=4)
    key = setup([air], params=FAST)
    data = prove(key, {"fibonacci": trace}, {"fibonacci": public}).to_bytes()
    assert data.startswith(b"ZKAOTPRF")
    assert verify(key.verifying_key, {"fibonacci": public}, Proof.from_bytes(data))
    assert verify(key.verifying_key, {"fibonacci": public}, data)


def test_a_range_checked_counter_verifies_against_a_fixed_byte_table():
    counter, trace, public = airs.counter(log_rows=6)
    table, bytes_fixed = airs.byte_table()
    key = setup([counter, table], fixed={"bytes": bytes_fixed}, params=FAST)
    mult = airs.byte_multiplicities(trace[:, 1], trace[:, 2])
    traces = {"counter": trace, "bytes": mult}
    proof = prove(key, traces, {"counter": public})
    assert verify(key.verifying_key, {"counter": public}, proof)


def test_two_tables_of_different_heights_joined_by_a_bus_verify():
    users, trace, table_trace = airs.square_users(log_rows=6, table_log_rows=3)
    squares = airs.squares()
    key = setup([users, squares], params=FAST)
    proof = prove(key, {"users": trace, "squares": table_trace})
    assert verify(key.verifying_key, {}, proof)


@pytest.mark.parametrize("log_arity", [1, 2])
def test_proofs_verify_with_other_fri_arities(log_arity):
    air, trace, public = airs.fibonacci(log_rows=6)
    params = StarkParameters(FriParameters(num_queries=20, pow_bits=4, log_arity=log_arity))
    key = setup([air], params=params)
    assert verify(key.verifying_key, {"fibonacci": public}, prove(key, {"fibonacci": trace}, {"fibonacci": public}))


def test_the_default_parameters_prove_and_report_the_proof_size():
    air, trace, public = airs.fibonacci(log_rows=6)
    key = setup([air])
    stats = ProofStats({}, 0)
    proof = prove(key, {"fibonacci": trace}, {"fibonacci": public}, stats=stats)
    assert stats.proof_bytes == len(proof.to_bytes()) and set(stats.seconds) >= {"commit main", "fri"}
    assert verify(key.verifying_key, {"fibonacci": public}, proof)


def test_a_wide_degree_three_table_verifies():
    air, trace = airs.wide(log_rows=7, columns=21)
    key = setup([air], params=FAST)
    assert verify(key.verifying_key, {}, prove(key, {"wide": trace}))


def test_a_witness_that_breaks_a_constraint_is_refused_with_the_row():
    air, trace, public = airs.fibonacci(log_rows=4)
    trace[7, 1] += 1
    key = setup([air], params=FAST)
    with pytest.raises(AssertionError, match="row 6"):
        prove(key, {"fibonacci": trace}, {"fibonacci": public})


def test_a_witness_with_an_unbalanced_bus_is_refused():
    counter, trace, public = airs.counter(log_rows=5)
    table, bytes_fixed = airs.byte_table()
    key = setup([counter, table], fixed={"bytes": bytes_fixed}, params=FAST)
    mult = airs.byte_multiplicities(trace[:, 1], trace[:, 2])
    mult[3] += 1
    with pytest.raises(ValueError, match="does not balance"):
        prove(key, {"counter": trace, "bytes": mult}, {"counter": public})


def test_a_trace_of_the_wrong_shape_is_refused_with_the_table_name():
    air, trace, public = airs.fibonacci(log_rows=4)
    key = setup([air], params=FAST)
    with pytest.raises(ValueError, match="fibonacci"):
        prove(key, {"fibonacci": trace[:10]}, {"fibonacci": public})


def test_a_proof_states_the_security_level_of_its_parameters():
    air, trace, public = airs.fibonacci(log_rows=6)
    key = setup([air])
    proof = prove(key, {"fibonacci": trace}, {"fibonacci": public})
    assert 96 <= proof.meta.security_bits <= 128
    assert proof.meta.security_bits == round(security(key.verifying_key, [6]).conjectured_bits, 2)


def test_a_verifying_key_built_from_fixed_commitments_alone_verifies():
    counter, trace, public = airs.counter(log_rows=5)
    table, bytes_fixed = airs.byte_table()
    key = setup([counter, table], fixed={"bytes": bytes_fixed}, params=FAST)
    mult = airs.byte_multiplicities(trace[:, 1], trace[:, 2])
    proof = prove(key, {"counter": trace, "bytes": mult}, {"counter": public})
    root = key.verifying_key.tables[1].fixed_root
    counter2, _, _ = airs.counter(log_rows=5)
    table2, _ = airs.byte_table()
    vk = verifying_key([counter2, table2], {"bytes": (8, root)}, params=FAST)
    assert vk.digest == key.verifying_key.digest
    assert verify(vk, {"counter": public}, proof)


def test_a_table_named_by_its_commitment_must_have_that_trace():
    air, trace, public = airs.fibonacci(log_rows=4)
    key = setup([air], params=FAST)
    proof = prove(key, {"fibonacci": trace}, {"fibonacci": public})
    root = main_root(key, "fibonacci", trace)
    assert verify(key.verifying_key, {"fibonacci": public}, proof, commitments={"fibonacci": root})
    other = main_root(key, "fibonacci", airs.fibonacci(log_rows=4, a0=2)[1])
    verdict = verify(key.verifying_key, {"fibonacci": public}, proof, commitments={"fibonacci": other})
    assert not verdict and "commitment" in verdict.reason
