"""The Arith table proves the RISC-V M extension: honest rows pass, forged ones fail.

The reference below is written from the RISC-V spec (unprivileged ISA, chapter M), not
from the interpreter; the end-to-end tests also check it against the interpreter's rows.
"""
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from prover.air import ConstraintError
from prover.constraints import evaluate_each
from prover.riscv import arith
from prover.riscv.ranges import TableTrace
from prover.stark import prove, setup, verify
from runtime.trace import ALU_ROW, derive_tables
from riscv_helpers import FAST, range_tables, sender_air, sender_trace

ROOT = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------- reference semantics

def _signed(v: int, width: int) -> int:
    v &= (1 << width) - 1
    return v - (1 << width) if v >> (width - 1) else v


def _divide(x: int, y: int, signed: bool, width: int) -> tuple[int, int]:
    """RISC-V quotient and remainder of width-bit operands (as Python ints of that sign)."""
    if y == 0:
        return -1, x                                    # all ones; the dividend
    if signed and x == -(1 << (width - 1)) and y == -1:
        return x, 0                                     # overflow: INT_MIN, 0
    q = abs(x) // abs(y)
    q = q if (x < 0) == (y < 0) else -q                 # rounds towards zero
    return q, x - q * y


def reference(op: str, a: int, b: int, xlen: int) -> int:
    mask = (1 << xlen) - 1
    a, b = a & mask, b & mask
    if op in ("mulw", "divw", "divuw", "remw", "remuw"):
        a32, b32 = a & 0xFFFF_FFFF, b & 0xFFFF_FFFF
        if op == "mulw":
            word = a32 * b32
        else:
            signed = op in ("divw", "remw")
            x, y = (_signed(a32, 32), _signed(b32, 32)) if signed else (a32, b32)
            q, r = _divide(x, y, signed, 32)
            word = q if op.startswith("div") else r
        return _signed(word, 32) & mask
    sa, sb = _signed(a, xlen), _signed(b, xlen)
    if op == "mul":
        return (a * b) & mask
    if op == "mulh":
        return ((sa * sb) >> xlen) & mask
    if op == "mulhsu":
        return ((sa * b) >> xlen) & mask
    if op == "mulhu":
        return ((a * b) >> xlen) & mask
    signed = op in ("div", "rem")
    q, r = _divide(sa, sb, True, xlen) if signed else _divide(a, b, False, xlen)
    return (q if op.startswith("div") else r) & mask


def edge_values(xlen: int) -> list[int]:
    mask = (1 << xlen) - 1
    int_min, int_max = 1 << (xlen - 1), (1 << (xlen - 1)) - 1
    values = [0, 1, 2, 3, 7, mask, mask - 1, mask - 6, int_min, int_max, int_min + 1,
              0x8000_0000, 0x7FFF_FFFF, 0xFFFF_FFFF, 0xFFFF, 0x1_0000, 0xFFFF_8000]
    if xlen == 64:      # W forms with garbage in the high word
        values += [0xDEAD_BEEF_8000_0000, 0x1234_5678_FFFF_FFFF, 0xFFFF_FFFF_0000_0000,
                   0x8000_0000_0000_0007, 0x0000_0001_FFFF_FFF9, 0xCAFE_0000_0000_0000]
    rng = np.random.default_rng(xlen)
    values += [int(v) & mask for v in rng.integers(0, 1 << 63, 12, dtype=np.uint64) * 3]
    return values


def make_rows(triples, xlen: int, results=None) -> np.ndarray:
    """ALU_ROW rows for (op, a, b), with c from the reference unless `results` are given."""
    rows = np.zeros(len(triples), dtype=ALU_ROW)
    rows["step"] = np.arange(len(triples))
    rows["op"] = [arith.OP_IDS[op] for op, _, _ in triples]
    rows["a"] = [a for _, a, _ in triples]
    rows["b"] = [b for _, _, b in triples]
    rows["c"] = results if results is not None else [reference(op, a, b, xlen) for op, a, b in triples]
    return rows


@cache
def table(xlen: int):
    return arith.arith_air(xlen)


def check(rows, xlen: int, **witness) -> None:
    table(xlen).check(arith.arith_trace(rows, xlen, **witness).main)


def column(xlen: int, name: str) -> int:
    return arith.arith_columns(xlen).index(name)


# ---------------------------------------------------------------- proofs

@cache
def keys(xlen: int):
    ranges, fixed = range_tables()
    return setup([sender_air(arith.ARITH, xlen), table(xlen)] + ranges, fixed=fixed, params=FAST)


def prove_rows(rows, xlen: int, trace: TableTrace | None = None, check: bool = True):
    """Proves the sender (Main's stand-in), Arith, range16 and bitwise; returns the verdict."""
    trace = trace or arith.arith_trace(rows, xlen)
    key = keys(xlen)
    traces = {"sender": sender_trace(rows, xlen, height=trace.main.shape[0]), "arith": trace.main,
              "range16": trace.range16_mult(), "bitwise": trace.bitwise_mult()}
    return verify(key.verifying_key, {}, prove(key, traces, check=check))


def sent_multiplicities(air, main):
    """range16 and bitwise multiplicities counted from the messages the AIR itself sends on
    `main` (evaluating its declared fields), keeping only messages the tables can match:
    what a prover of a forged trace would best supply."""
    n = main.shape[0]
    r16 = np.zeros(1 << 16, dtype=np.int64)
    bw = np.zeros((1 << 16, 3), dtype=np.int64)
    for inter in air.interactions:
        if inter.bus not in ("range16", "bitwise"):
            continue
        values = evaluate_each([inter.multiplicity, *inter.fields], main=main, next_shift=1,
                               selectors=np.zeros((n, 3), dtype=np.uint32)).astype(np.int64)
        mult, fields = values[:, 0], values[:, 1:]
        if inter.bus == "range16":
            ok = fields[:, 0] < 1 << 16
            r16 += np.bincount(fields[ok, 0], weights=mult[ok], minlength=1 << 16).astype(np.int64)
        else:
            op, x, y = fields[:, 0], fields[:, 1], fields[:, 2]
            ok = (x < 256) & (y < 256)
            np.add.at(bw, (x[ok] * 256 + y[ok], op[ok] - 1), mult[ok])
    return r16.astype(np.uint32).reshape(-1, 1), bw.astype(np.uint32)


def example_rows(name: str, xlen: int, step_limit: int | None) -> np.ndarray:
    from translator.elf import load_elf
    from translator.expand import reference_trace

    directory = ROOT / "examples" / name
    elf = next(directory.glob(f"guest.rv{xlen}*.elf"))
    _, main, _ = reference_trace(load_elf(str(elf)), (directory / "input.bin").read_bytes(),
                                 step_limit=step_limit)
    return derive_tables(main, 0, xlen)["arith"]


# ---------------------------------------------------------------- honest rows

OPS = [(xlen, op) for xlen in (64, 32) for op in arith.arith_ops(xlen)]


@pytest.mark.parametrize("xlen,op", OPS, ids=[f"rv{x}-{op}" for x, op in OPS])
def test_each_op_on_edge_values_passes_the_constraints(xlen, op):
    values = edge_values(xlen)
    check(make_rows([(op, a, b) for a in values for b in values], xlen), xlen)


def test_reference_spot_values_follow_the_spec():
    m64 = (1 << 64) - 1
    assert reference("div", 1 << 63, m64, 64) == 1 << 63                 # overflow
    assert reference("rem", 1 << 63, m64, 64) == 0
    assert reference("divu", 5, 0, 64) == m64 and reference("remu", 5, 0, 64) == 5
    assert reference("div", -7 & m64, 2, 64) == -3 & m64                 # towards zero
    assert reference("rem", -7 & m64, 2, 64) == -1 & m64
    assert reference("divw", 0xFFFF_FFFF_8000_0000, m64, 64) == 0xFFFF_FFFF_8000_0000
    assert reference("divuw", 0x1_0000_0000, 0x1_0000_0000, 64) == m64   # low words 0 / 0
    assert reference("remuw", 0xAB_8000_0000, 0, 64) == 0xFFFF_FFFF_8000_0000
    assert reference("mulw", 0x1_0001_0000, 0x1_0000_8000, 64) == 0xFFFF_FFFF_8000_0000
    assert reference("mulhsu", m64, 2, 64) == m64                        # -1 * 2 = -2
    assert reference("mulh", 1 << 31, 1 << 31, 32) == 0x4000_0000


def test_trace_is_padded_to_a_power_of_two_with_rows_that_receive_nothing():
    rows = make_rows([("mul", 3, 5), ("divu", 7, 0), ("rem", 1, 2), ("mulh", 9, 9), ("div", 4, 2)], 64)
    main = arith.arith_trace(rows, 64).main
    flags = [column(64, f"is_{op}") for op in arith.arith_ops(64)]
    assert main.shape == (8, len(arith.arith_columns(64)))
    assert not main[5:].any()
    assert main[:, flags].sum(axis=1).tolist() == [1] * 5 + [0] * 3


def test_trace_generation_is_vectorized_and_fast():
    import time

    rng = np.random.default_rng(5)
    n = 1 << 17
    ops = arith.arith_ops(64)
    rows = np.zeros(n, dtype=ALU_ROW)
    rows["op"] = np.array([arith.OP_IDS[o] for o in ops])[rng.integers(0, len(ops), n)]
    rows["a"] = rng.integers(0, 1 << 63, n, dtype=np.uint64) * 2
    rows["b"] = rng.integers(0, 1 << 63, n, dtype=np.uint64) >> rng.integers(0, 64, n).astype(np.uint64)
    start = time.perf_counter()
    arith.arith_trace(rows, 64)
    assert time.perf_counter() - start < 5.0


@pytest.mark.parametrize("xlen", [64, 32])
def test_the_lookups_the_trace_reports_are_the_messages_the_table_sends(xlen):
    values = edge_values(xlen)[::2]
    rows = make_rows([(op, a, b) for op in arith.arith_ops(xlen) for a in values for b in values], xlen)
    trace = arith.arith_trace(rows, xlen)
    r16, bw = sent_multiplicities(table(xlen), trace.main)
    assert np.array_equal(trace.range16_mult(), r16)
    assert np.array_equal(trace.bitwise_mult(), bw)


def test_an_op_outside_the_table_is_refused():
    rows = make_rows([("mul", 1, 1)], 64)
    rows["op"] = 0                                     # lui
    with pytest.raises(ValueError, match="not an RV64 arith op"):
        arith.arith_trace(rows, 64)
    rows["op"] = 999
    with pytest.raises(ValueError, match="not an RV64 arith op"):
        arith.arith_trace(rows, 64)
    with pytest.raises(ValueError, match="not an RV32 arith op"):
        arith.arith_trace(make_rows([("mulw", 1, 1)], 64), 32)


def test_constraints_have_degree_at_most_three_and_bus_fields_degree_one():
    for xlen in (32, 64):
        air = table(xlen)
        assert air.max_degree <= 3
        assert all(f.degree <= 1 for i in air.interactions for f in i.fields)


# ---------------------------------------------------------------- forged rows fail

def assert_rejected(rows, xlen, match=None, **witness):
    with pytest.raises(ConstraintError, match=match):
        check(rows, xlen, **witness)


@pytest.mark.parametrize("op", ["mul", "mulw"])
def test_a_wrong_low_product_fails(op):
    triples = [(op, 0x1234_5678_9ABC_DEF1, 0x0FED_CBA9_8765_4321)]
    good = reference(op, *triples[0][1:], 64)
    for wrong in (good ^ 1, good ^ (1 << 40), good ^ (1 << 63)):
        assert_rejected(make_rows(triples, 64, [wrong]), 64)


def test_a_wrong_product_with_a_matching_product_limb_fails_the_multiplier():
    rows = make_rows([("mul", 0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFF)], 64)
    trace = arith.arith_trace(rows, 64)
    trace.main[0, column(64, "c0")] += 1
    trace.main[0, column(64, "p0")] += 1
    with pytest.raises(ConstraintError, match="multiplier limb 0"):
        table(64).check(trace.main)


@pytest.mark.parametrize("xlen,op", [(64, "mulh"), (64, "mulhsu"), (64, "mulhu"), (32, "mulh"), (32, "mulhu")])
def test_a_wrong_high_word_fails(xlen, op):
    a, b = (1 << (xlen - 1)) + 12345, (1 << xlen) - 99
    good = reference(op, a, b, xlen)
    for wrong in (good ^ 1, good ^ (1 << (xlen - 1)), reference("mul", a, b, xlen)):
        assert_rejected(make_rows([(op, a, b)], xlen, [wrong]), xlen)


def test_mulh_claimed_with_unsigned_sign_bits_fails_the_proof():
    """mulhu's honest witness relabelled as mulh satisfies every polynomial identity; only
    the sign-bit lookup (the top byte of a is >= 128 but sx = 0) refuses it."""
    xlen = 64
    a, b = 0xF000_0000_0000_0001, 0x8000_0000_0000_0003
    rows = make_rows([("mulhu", a, b)] * 4, xlen)
    trace = arith.arith_trace(rows, xlen)
    rows["op"] = arith.OP_IDS["mulh"]
    main = trace.main
    main[:, column(xlen, "op")] = arith.OP_IDS["mulh"]
    main[:, column(xlen, "is_mulhu")] = 0
    main[:, column(xlen, "is_mulh")] = 1
    table(xlen).check(main)                                 # the polynomials alone accept it
    r16, bw = sent_multiplicities(table(xlen), main)
    key = keys(xlen)
    traces = {"sender": sender_trace(rows, xlen), "arith": main, "range16": r16, "bitwise": bw}
    assert not verify(key.verifying_key, {}, prove(key, traces, check=False))


@pytest.mark.parametrize("xlen,op", [(64, "divu"), (64, "div"), (64, "divuw"), (64, "divw"), (32, "divu"), (32, "div")])
def test_a_quotient_one_too_small_with_a_remainder_too_large_fails(xlen, op):
    """a = b (q - 1) + (r + b) holds, so only the remainder comparison refuses it."""
    a, b = 1000003, 1000
    q, r = a // b, a % b
    rows = make_rows([(op, a, b)], xlen, [q - 1])
    assert_rejected(rows, xlen, "remainder", quotients=[q - 1], remainders=[r + b])


@pytest.mark.parametrize("xlen,op", [(64, "remu"), (64, "remuw"), (32, "remu")])
def test_a_remainder_equal_to_the_divisor_fails(xlen, op):
    a, b = 20, 5                                        # q = 4, r = 0; forged: q = 3, r = 5
    assert_rejected(make_rows([(op, a, b)], xlen, [5]), xlen, quotients=[3], remainders=[5])


@pytest.mark.parametrize("xlen,op", [(64, "rem"), (64, "remw"), (32, "rem")])
def test_a_remainder_with_the_wrong_sign_fails(xlen, op):
    """-7 = 2 (-4) + 1 has |1| < 2, but the remainder must take the dividend's sign."""
    mask = (1 << xlen) - 1
    rows = make_rows([(op, -7 & mask, 2)], xlen, [1])
    assert_rejected(rows, xlen, "remainder", quotients=[-4 & mask], remainders=[1])


def test_a_positive_remainder_of_a_negative_dividend_with_a_negative_divisor_fails():
    mask = (1 << 64) - 1
    rows = make_rows([("rem", -7 & mask, -2 & mask)], 64, [1])     # -7 = -2 * 4 + 1
    assert_rejected(rows, 64, "remainder", quotients=[4], remainders=[1])


@pytest.mark.parametrize("xlen,op", [(64, "divu"), (64, "div"), (64, "divw"), (64, "divuw"), (32, "divu"), (32, "div")])
def test_a_division_by_zero_with_a_quotient_other_than_all_ones_fails(xlen, op):
    a = 0xABCD_0000_1234
    rows = make_rows([(op, a, 0)], xlen, [0])
    assert_rejected(rows, xlen, "bz: q_0 = 0xFFFF", quotients=[0])


def test_a_division_by_zero_that_hides_the_zero_divisor_flag_fails():
    rows = make_rows([("divu", 12, 0)], 64)
    trace = arith.arith_trace(rows, 64)
    trace.main[0, column(64, "bz")] = 0
    with pytest.raises(ConstraintError, match="X != 0|bz"):
        table(64).check(trace.main)


@pytest.mark.parametrize("xlen,op", [(64, "remu"), (64, "rem"), (64, "remuw"), (32, "remu"), (32, "rem")])
def test_a_remainder_by_zero_other_than_the_dividend_fails(xlen, op):
    a = 0x8765_4321
    rows = make_rows([(op, a, 0)], xlen, [0])
    assert_rejected(rows, xlen, quotients=[(1 << xlen) - 1], remainders=[0])


@pytest.mark.parametrize("xlen", [64, 32])
def test_signed_overflow_without_its_flag_fails(xlen):
    int_min, minus_one = 1 << (xlen - 1), (1 << xlen) - 1
    rows = make_rows([("div", int_min, minus_one)], xlen)
    trace = arith.arith_trace(rows, xlen)
    assert trace.main[0, column(xlen, "ovf")] == 1
    trace.main[0, column(xlen, "ovf")] = 0
    with pytest.raises(ConstraintError, match="0xFFFF"):
        table(xlen).check(trace.main)


@pytest.mark.parametrize("xlen", [64, 32])
def test_signed_overflow_with_another_quotient_fails(xlen):
    int_min, minus_one = 1 << (xlen - 1), (1 << xlen) - 1
    for q, r in ((0, int_min), (int_min - 1, minus_one), (1, 0)):
        rows = make_rows([("div", int_min, minus_one)], xlen, [q])
        assert_rejected(rows, xlen, quotients=[q], remainders=[r])


def test_the_overflow_flag_on_another_division_fails():
    rows = make_rows([("div", 1 << 63, 3)], 64)
    trace = arith.arith_trace(rows, 64)
    trace.main[0, column(64, "ovf")] = 1
    with pytest.raises(ConstraintError, match="ovf"):
        table(64).check(trace.main)


@pytest.mark.parametrize("op,b", [("mulw", 0x1234_5678_0000_0003), ("divw", 0x1234_5678_0000_0003),
                                  ("divuw", 0x1234_5678_0000_0001), ("remw", 0x1234_5678_0000_0010),
                                  ("remuw", 0x1234_5678_F000_0002)])
def test_a_w_result_that_is_not_sign_extended_fails(op, b):
    a = 0xDEAD_BEEF_F000_0001
    good = reference(op, a, b, 64)
    assert good >> 63, "the test needs a negative 32-bit result"
    assert_rejected(make_rows([(op, a, b)], 64, [good & 0xFFFF_FFFF]), 64)


def test_divw_that_ignores_the_sign_of_the_low_word_fails():
    """divw of 0x..._FFFF_FFF9 (-7) by 2 is -3; forging divuw's answer must fail."""
    a, b = 0x0000_0001_FFFF_FFF9, 2
    wrong = reference("divuw", a, b, 64)
    assert_rejected(make_rows([("divw", a, b)], 64, [wrong]), 64,
                    quotients=[0x7FFF_FFFC], remainders=[1])


def test_a_product_limb_that_wraps_modulo_p_fails_only_the_carry_range_check():
    """Adding p to limb 0's sum keeps every identity true mod p and yields another
    'product' (low word and high word); only the carry bound k < 2^14 refuses it."""
    from prover.field import P

    xlen = 64
    rows = make_rows([("mul", 0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFF)] * 4, xlen)
    main = arith.arith_trace(rows, xlen).main.astype(np.int64)
    p = [column(xlen, f"p{i}") for i in range(8)]
    k = [column(xlen, f"k{i}") for i in range(8)]
    sums = [main[:, p[i]] + (main[:, k[i]] << 16) - (main[:, k[i - 1]] if i else 0) for i in range(8)]
    sums[0] = sums[0] + P
    carry = 0
    for i in range(8):
        v = sums[i] + carry
        main[:, p[i]], carry = v & 0xFFFF, v >> 16
        main[:, k[i]] = carry
    assert main[:, k].max() < 1 << 16 and main[:, k].max() >= 1 << 14
    forged = sum(int(main[0, p[i]]) << (16 * i) for i in range(4))
    assert forged != reference("mul", int(rows["a"][0]), int(rows["b"][0]), xlen)
    rows["c"] = forged
    for i in range(4):
        main[:, column(xlen, f"c{i}")] = main[:, p[i]]
    main = main.astype(np.uint32)
    table(xlen).check(main)                                 # the polynomials accept it
    r16, bw = sent_multiplicities(table(xlen), main)
    key = keys(xlen)
    traces = {"sender": sender_trace(rows, xlen), "arith": main, "range16": r16, "bitwise": bw}
    assert not verify(key.verifying_key, {}, prove(key, traces, check=False))


def test_a_wrong_product_proof_does_not_verify():
    rows = make_rows([("mul", 0x1234_5678, 0x9ABC_DEF0)] * 4, 32)
    rows["c"] ^= 1 << 20
    assert not prove_rows(rows, 32, check=False)


def test_a_wrong_quotient_proof_does_not_verify():
    rows = make_rows([("divu", 1000003, 1000)] * 4, 32, [999] * 4)
    trace = arith.arith_trace(rows, 32, quotients=[999] * 4, remainders=[2003] * 4)
    assert not prove_rows(rows, 32, trace, check=False)


# ---------------------------------------------------------------- real programs

@pytest.mark.parametrize("xlen,examples", [
    (64, [("misaligned_atomics", None), ("bignum", 30_000)]),
    (32, [("bignum", 20_000)]),
], ids=["rv64", "rv32"])
def test_a_real_programs_arith_rows_prove_and_verify(xlen, examples):
    rows = np.concatenate([example_rows(name, xlen, limit) for name, limit in examples])
    name = {i: op for op, i in arith.OP_IDS.items()}
    assert {"mul", "divu"} <= {name[i] for i in rows["op"].tolist()} and len(rows) > 1000
    expected = [reference(name[op], a, b, xlen)
                for op, a, b in zip(rows["op"].tolist(), rows["a"].tolist(), rows["b"].tolist())]
    assert rows["c"].tolist() == expected                  # the interpreter agrees with the spec
    assert prove_rows(rows, xlen)
