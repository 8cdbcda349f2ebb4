"""Soundness by mutation: whatever is changed in a witness or a proof, verification fails."""
import copy

import numpy as np
import pytest

import airs
from prover.field import P
from prover.fri import FriParameters
from prover.stark import Proof, StarkParameters, prove, setup, verify

PARAMS = StarkParameters(FriParameters(num_queries=16, pow_bits=8))


@pytest.fixture(scope="module")
def fibonacci():
    air, trace, public = airs.fibonacci(log_rows=5)
    key = setup([air], params=PARAMS)
    proof = prove(key, {"fibonacci": trace}, {"fibonacci": public})
    return key, trace, {"fibonacci": public}, proof


@pytest.fixture(scope="module")
def counter():
    counter, trace, public = airs.counter(log_rows=5)
    table, bytes_fixed = airs.byte_table()
    key = setup([counter, table], fixed={"bytes": bytes_fixed}, params=PARAMS)
    traces = {"counter": trace, "bytes": airs.byte_multiplicities(trace[:, 1], trace[:, 2])}
    proof = prove(key, traces, {"counter": public})
    return key, traces, {"counter": public}, proof


def _refused(key, traces, public) -> bool:
    """A dishonest witness either cannot be proven or gives a proof that does not verify."""
    try:
        proof = prove(key, traces, public, check=False)
    except ValueError:
        return True
    return not verify(key.verifying_key, public, proof)


def _mutated(proof: Proof, change) -> Proof:
    other = copy.deepcopy(proof)
    change(other)
    return other


def _flip(array: np.ndarray, index=0) -> None:
    flat = array.reshape(-1)
    flat[index] = (int(flat[index]) + 1) % P


def test_the_honest_proofs_verify(fibonacci, counter):
    for key, _, public, proof in (fibonacci, counter):
        assert verify(key.verifying_key, public, proof)


@pytest.mark.parametrize("row, col", [(0, 0), (9, 1), (31, 1), (31, 0)])
def test_a_flipped_trace_cell_is_refused(fibonacci, row, col):
    key, trace, public, _ = fibonacci
    bad = trace.copy()
    bad[row, col] = (int(bad[row, col]) + 1) % P
    assert _refused(key, {"fibonacci": bad}, public)


def test_a_flipped_counter_cell_is_refused_even_where_its_own_constraints_cannot_see_it(counter):
    key, traces, public, _ = counter
    bad = {k: v.copy() for k, v in traces.items()}
    bad["counter"][5, 1] += 256           # lo out of byte range, value = lo + 256 hi broken too
    bad["counter"][5, 2] -= 1             # ...and repaired: only the byte lookup catches it
    assert _refused(key, bad, public)


def test_a_changed_bus_multiplicity_is_refused(counter):
    key, traces, public, _ = counter
    bad = dict(traces, bytes=traces["bytes"].copy())
    bad["bytes"][7, 0] += 1
    assert _refused(key, bad, public)


def test_an_unbalanced_bus_is_rejected_by_the_verifier(counter):
    key, traces, public, _ = counter
    bad = dict(traces, bytes=traces["bytes"].copy())
    bad["bytes"][7, 0] += 1
    proof = prove(key, bad, public, check=False)
    verdict = verify(key.verifying_key, public, proof)
    assert not verdict and "does not balance" in verdict.reason


def test_a_claimed_bus_sum_that_is_made_to_balance_is_rejected(counter):
    key, traces, public, _ = counter
    bad = dict(traces, bytes=traces["bytes"].copy())
    bad["bytes"][7, 0] += 1
    proof = prove(key, bad, public, check=False)
    sums = [t.bus_sum for t in proof.tables]
    proof.tables[1].bus_sum = ((P - sums[0].astype(np.int64)) % P).astype(np.uint32)
    assert not verify(key.verifying_key, public, proof)


def test_changed_public_inputs_are_rejected(fibonacci):
    key, _, public, proof = fibonacci
    wrong = {"fibonacci": [public["fibonacci"][0], public["fibonacci"][1], public["fibonacci"][2] + 1]}
    assert not verify(key.verifying_key, wrong, proof)


@pytest.mark.parametrize("field_name", ["main_root", "quotient_root", "at_zeta", "at_zeta_next",
                                        "main_rows", "main_paths", "quotient_rows", "quotient_paths"])
def test_a_changed_table_proof_part_is_rejected(fibonacci, field_name):
    key, _, public, proof = fibonacci
    bad = _mutated(proof, lambda p: _flip(getattr(p.tables[0], field_name), 3))
    assert not verify(key.verifying_key, public, bad)


@pytest.mark.parametrize("field_name", ["aux_root", "bus_sum", "aux_rows", "aux_paths", "fixed_rows", "fixed_paths"])
def test_a_changed_bus_or_fixed_part_is_rejected(counter, field_name):
    key, _, public, proof = counter
    table = 0 if field_name.startswith(("aux", "bus")) else 1
    bad = _mutated(proof, lambda p: _flip(getattr(p.tables[table], field_name), 1))
    assert not verify(key.verifying_key, public, bad)


def test_changed_fri_layer_values_are_rejected(fibonacci):
    key, _, public, proof = fibonacci
    fri_arrays = [(name, i) for name, value in vars(proof.fri).items() if isinstance(value, list)
                  for i, a in enumerate(value) if isinstance(a, np.ndarray) and a.size]
    assert fri_arrays
    for name, i in fri_arrays:
        bad = _mutated(proof, lambda p: _flip(getattr(p.fri, name)[i], 0))
        assert not verify(key.verifying_key, public, bad), f"fri.{name}[{i}] changed, still accepted"


def test_a_changed_final_polynomial_is_rejected(fibonacci):
    key, _, public, proof = fibonacci
    assert not verify(key.verifying_key, public, _mutated(proof, lambda p: _flip(p.fri.final_poly, 0)))


def test_a_changed_grinding_nonce_is_rejected(fibonacci):
    key, _, public, proof = fibonacci
    bad = _mutated(proof, lambda p: setattr(p.fri, "pow_nonce", p.fri.pow_nonce + 1))
    assert not verify(key.verifying_key, public, bad)


def test_a_changed_logup_grinding_nonce_is_rejected_with_a_reason(counter, fibonacci):
    key, _, public, proof = counter
    bad = _mutated(proof, lambda p: setattr(p, "logup_pow_nonce", p.logup_pow_nonce + 1))
    verdict = verify(key.verifying_key, public, bad)
    assert not verdict and "LogUp proof of work" in verdict.reason
    key, _, public, proof = fibonacci                   # no bus: no grinding, and no nonce
    assert proof.logup_pow_nonce == 0
    assert not verify(key.verifying_key, public, _mutated(proof, lambda p: setattr(p, "logup_pow_nonce", 1)))


def test_every_flipped_proof_byte_is_rejected(fibonacci):
    key, _, public, proof = fibonacci
    data = proof.to_bytes()
    for position in np.linspace(0, len(data) - 1, 97).astype(int):
        bad = bytearray(data)
        bad[position] ^= 0x01
        verdict = verify(key.verifying_key, public, bytes(bad))
        assert not verdict, f"byte {position} of {len(data)} flipped, still accepted"


def test_a_truncated_or_extended_proof_is_rejected_with_a_reason(fibonacci):
    key, _, public, proof = fibonacci
    data = proof.to_bytes()
    for bad in (data[:-1], data + b"\0", data[:20], b"not a proof"):
        verdict = verify(key.verifying_key, public, bad)
        assert not verdict and verdict.reason


def test_a_proof_for_another_key_is_rejected(fibonacci):
    key, _, public, proof = fibonacci
    other_air, _, _ = airs.fibonacci(log_rows=5)
    other_air.when_first(other_air.col("a") * 0, "an extra constraint")
    other = setup([other_air], params=PARAMS)
    assert not verify(other.verifying_key, public, proof)


def test_a_proof_made_with_other_parameters_is_rejected_with_a_reason(fibonacci):
    key, trace, public, _ = fibonacci
    air, _, _ = airs.fibonacci(log_rows=5)
    weaker = setup([air], params=StarkParameters(FriParameters(num_queries=8, pow_bits=8)))
    proof = prove(weaker, {"fibonacci": trace}, public)
    verdict = verify(key.verifying_key, public, proof)
    assert not verdict and "parameters" in verdict.reason


def test_a_proof_that_overstates_its_security_is_rejected(fibonacci):
    key, _, public, proof = fibonacci
    bad = _mutated(proof, lambda p: setattr(p.meta, "security_centibits", p.meta.security_centibits + 100))
    assert not verify(key.verifying_key, public, bad)
