"""The fixed range and bitwise tables prove lookups, and refuse values outside them."""
import numpy as np
import pytest

from prover.air import Air
from prover.fri import FriParameters
from prover.riscv import ranges
from prover.riscv.limbs import from_limbs, to_limbs
from prover.stark import StarkParameters, prove, setup, verify

FAST = StarkParameters(FriParameters(num_queries=8, pow_bits=0))


def _sender(values: np.ndarray) -> tuple[Air, np.ndarray]:
    air = Air("sender", main=["v"])
    air.send(ranges.RANGE16, [air.col("v")])
    return air, values.reshape(-1, 1).astype(np.uint32)


def test_limbs_round_trip_for_both_widths():
    values = np.array([0, 1, 0xFFFF, 0x1_0000, 0xDEAD_BEEF_0123_4567, (1 << 64) - 1], dtype=np.uint64)
    assert np.array_equal(from_limbs(to_limbs(values, 64)), values)
    assert np.array_equal(from_limbs(to_limbs(values & 0xFFFF_FFFF, 32)), values & 0xFFFF_FFFF)


def test_sixteen_bit_values_pass_the_range_check():
    sender, trace = _sender(np.array([0, 1, 65535, 4660] * 4))
    table, fixed = ranges.range16_table()
    key = setup([sender, table], fixed={"range16": fixed}, params=FAST)
    traces = {"sender": trace, "range16": ranges.count_range16(trace)}
    assert verify(key.verifying_key, {}, prove(key, traces))


def test_a_value_of_seventeen_bits_fails_the_range_check():
    sender, trace = _sender(np.array([0, 1, 65536, 4660] * 4))
    table, fixed = ranges.range16_table()
    key = setup([sender, table], fixed={"range16": fixed}, params=FAST)
    mult = ranges.count_range16(trace[trace < 65536])
    proof = prove(key, {"sender": trace, "range16": mult}, check=False)
    assert not verify(key.verifying_key, {}, proof)


def test_bitwise_lookups_prove_and_or_xor_on_bytes():
    air = Air("user", main=["x", "y", "z"])
    x, y, z = air.cols("x", "y", "z")
    air.send(ranges.BITWISE, [ranges.BITWISE_OPS["xor"], x, y, z])
    xs = np.arange(16, dtype=np.uint32) * 13 % 256
    ys = np.arange(16, dtype=np.uint32) * 7 % 256
    trace = np.stack([xs, ys, xs ^ ys], axis=1)
    table, fixed = ranges.bitwise_table()
    key = setup([air, table], fixed={"bitwise": fixed}, params=FAST)
    mult = ranges.count_bitwise({"xor": [(xs, ys)]})
    assert verify(key.verifying_key, {}, prove(key, {"user": trace, "bitwise": mult}))
    wrong = trace.copy()
    wrong[3, 2] ^= 1
    assert not verify(key.verifying_key, {}, prove(key, {"user": wrong, "bitwise": mult}, check=False))


def test_counting_refuses_a_value_outside_the_table():
    with pytest.raises(ValueError, match="16-bit"):
        ranges.count_range16(np.array([70000]))
