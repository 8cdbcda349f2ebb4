"""The ALU table proves c = op(a, b) with RISC-V semantics and refuses wrong results."""
import random
from functools import cache

import numpy as np
import pytest

from prover.air import ConstraintError
from prover.riscv.alu import alu_air, alu_ops, alu_trace
from prover.stark import prove, setup, verify
from runtime.encoding import TABLE
from runtime.trace import ALU_ROW, DERIVED_OPS, derive_tables
from riscv_helpers import FAST, range_tables, sender_air, sender_trace
from translator.elf import load_elf
from translator.expand import reference_trace

OP_ID = {(op.name, x): op.id for op in TABLE for x in op.xlens}


# ---------------------------------------------------------------- the reference

def _signed(v: int, bits: int) -> int:
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


IMMEDIATE_FORMS = {"addi": "add", "slti": "slt", "sltiu": "sltu", "xori": "xor", "ori": "or", "andi": "and",
                   "slli": "sll", "srli": "srl", "srai": "sra", "addiw": "addw", "slliw": "sllw",
                   "srliw": "srlw", "sraiw": "sraw"}


def riscv(name: str, a: int, b: int, xlen: int) -> int:
    """RISC-V semantics of the ALU ops, from the spec (b: rs2 or the masked immediate)."""
    mask = (1 << xlen) - 1
    base = IMMEDIATE_FORMS.get(name, name)
    if base == "lui":
        return b & mask
    if base.endswith("w"):                                   # RV64 word forms
        s, x32 = b & 31, a & 0xFFFF_FFFF
        r = {"addw": a + b, "subw": a - b, "sllw": x32 << s, "srlw": x32 >> s,
             "sraw": _signed(a, 32) >> s}[base]
        return _signed(r, 32) & mask
    s = b & (xlen - 1)
    r = {"add": a + b, "sub": a - b, "slt": _signed(a, xlen) < _signed(b, xlen), "sltu": a < b,
         "xor": a ^ b, "or": a | b, "and": a & b, "sll": a << s, "srl": a >> s,
         "sra": _signed(a, xlen) >> s}[base]
    return int(r) & mask


def test_the_reference_follows_the_spec_on_known_values():
    assert riscv("addw", 0x7FFF_FFFF, 1, 64) == 0xFFFF_FFFF_8000_0000
    assert riscv("sraiw", 0x8000_0000, 31, 64) == (1 << 64) - 1
    assert riscv("srliw", 0xFFFF_FFFF_8000_0000, 0, 64) == 0xFFFF_FFFF_8000_0000
    assert riscv("sra", 1 << 63, 63 | 0x40, 64) == (1 << 64) - 1
    assert riscv("slt", (1 << 64) - 1, 0, 64) == 1 and riscv("sltu", (1 << 64) - 1, 0, 64) == 0
    assert riscv("sltiu", 5, (1 << 32) - 1, 32) == 1
    assert riscv("sll", 1, 33, 32) == 2


# ---------------------------------------------------------------- operands and rows

def _edges(xlen):
    m = (1 << xlen) - 1
    return [0, 1, 2, m, 1 << (xlen - 1), (1 << (xlen - 1)) - 1, 0x8000_0000, 0x7FFF_FFFF, 0xFFFF_FFFF,
            0xFFFF, 0x1_0000, 0xFF, 0x80, 0x1234_5678 & m, m ^ 0xFFFF]


def shift_width(name: str, xlen: int) -> int:
    return 6 if xlen == 64 and not name.endswith("w") else 5


def operands(name: str, xlen: int, rng: random.Random, count: int = 40):
    """Edge cases (0, -1, INT_MIN, INT32 limits, limb and byte borders) and random pairs;
    shifts by 0/1/7/8/15/16/31/32/63 with, for the register forms, random bits set above
    the shift width (RV32 and W forms: 32 and 63 then shift by 0 and 31)."""
    m = (1 << xlen) - 1
    edges = _edges(xlen)
    pairs = [(a, b) for a in edges[:8] for b in edges[:8]]
    if name[:3] in ("sll", "srl", "sra"):
        width = shift_width(name, xlen)
        amounts = [0, 1, 7, 8, 9, 15, 16, 17, 24, 31, 32, 63]
        pairs = [(a, s) for a in edges for s in amounts]
        pairs += [(a, s | (rng.getrandbits(xlen) << width) & m) for a in edges[:6] for s in amounts]
    for _ in range(count):
        pairs.append((rng.getrandbits(xlen), rng.getrandbits(xlen)))
    if name == "lui":
        pairs = [(0, b) for _, b in pairs]
    if name in ("slli", "srli", "srai", "slliw", "srliw", "sraiw"):      # the immediate is the shamt
        pairs = [(a, b & ((1 << shift_width(name, xlen)) - 1)) for a, b in pairs]
    return pairs


def rows_of(items, xlen) -> np.ndarray:
    """ALU_ROW rows for [(name, a, b)], with c from the reference."""
    rows = np.zeros(len(items), ALU_ROW)
    rows["step"] = np.arange(len(items))
    rows["op"] = [OP_ID[name, xlen] for name, _, _ in items]
    rows["a"] = [a for _, a, _ in items]
    rows["b"] = [b for _, _, b in items]
    rows["c"] = [riscv(name, a, b, xlen) for name, a, b in items]
    return rows


def all_rows(xlen, seed=0, count=40):
    rng = random.Random(seed)
    return rows_of([(name, a, b) for name, _ in alu_ops(xlen) for a, b in operands(name, xlen, rng, count)], xlen)


@cache
def air(xlen):
    return alu_air(xlen)


@cache
def key(xlen):
    tables, fixed = range_tables()
    return setup([sender_air("alu", xlen), air(xlen)] + tables, fixed=fixed, params=FAST)


def alu_traces(rows, xlen, main=None, sender=None):
    """The four tables' traces for ALU rows; main/sender override the ALU / sender traces."""
    t = alu_trace(rows, xlen)
    return {"sender": sender_trace(rows, xlen) if sender is None else sender,
            "alu": t.main if main is None else main,
            "range16": t.range16_mult(), "bitwise": t.bitwise_mult()}


def prove_alu_rows(rows, xlen, check=True, **overrides):
    """(key, proof) for the sender, ALU, range16 and bitwise tables of these ALU rows."""
    k = key(xlen)
    return k, prove(k, alu_traces(rows, xlen, **overrides), check=check)


def column(xlen, name):
    return air(xlen).main_names.index(name)


# ---------------------------------------------------------------- completeness

XLEN_OPS = [(x, name) for x in (64, 32) for name, _ in alu_ops(x)]


@pytest.mark.parametrize("xlen,name", XLEN_OPS, ids=[f"rv{x}-{n}" for x, n in XLEN_OPS])
def test_each_op_satisfies_the_air_on_edge_and_random_operands(xlen, name):
    rows = rows_of([(name, a, b) for a, b in operands(name, xlen, random.Random(name))], xlen)
    air(xlen).check(alu_trace(rows, xlen).main)


def test_the_op_set_is_every_alu_op_but_auipc():
    for x in (64, 32):
        legal = {op.name for op in TABLE if x in op.xlens}
        assert {n for n, _ in alu_ops(x)} == (DERIVED_OPS["alu"] & legal) - {"auipc"}
    assert len(alu_ops(64)) == 29 and len(alu_ops(32)) == 20
    assert "auipc" not in dict(alu_ops(64)) and "addw" not in dict(alu_ops(32))


def test_constraints_have_degree_at_most_three_and_bus_fields_degree_one():
    for x in (64, 32):
        a = air(x)
        assert a.max_degree <= 3
        assert all(f.degree <= 1 for i in a.interactions for f in i.fields)
        assert all(i.multiplicity.degree <= 1 for i in a.interactions)


@pytest.mark.parametrize("xlen", [64, 32])
def test_all_ops_prove_and_verify_with_sender_range_and_bitwise_tables(xlen):
    rows = all_rows(xlen, count=4)
    k, proof = prove_alu_rows(rows, xlen)
    verdict = verify(k.verifying_key, {}, proof.to_bytes())
    assert verdict, verdict.reason


def test_padding_rows_send_nothing_and_the_height_is_a_power_of_two():
    rows = all_rows(64, count=1)[:37]
    t = alu_trace(rows, 64)
    assert t.main.shape == (64, air(64).n_main)
    sel = [column(64, f"s_{n}") for n, _ in alu_ops(64)]
    assert t.main[37:, sel].sum() == 0 and (t.main[:37, sel].sum(axis=1) == 1).all()
    air(64).check(t.main)


def test_the_trace_refuses_ops_of_other_tables():
    rows = rows_of([("add", 1, 2)], 64)
    for name in ("auipc", "mul"):
        rows["op"] = OP_ID[name, 64]
        with pytest.raises(ValueError, match="not an RV64 ALU op"):
            alu_trace(rows, 64)
    rows["op"] = OP_ID["addw", 64]
    with pytest.raises(ValueError, match="not an RV32 ALU op"):
        alu_trace(rows, 32)


# ---------------------------------------------------------------- real guests

def _guest_alu_rows(example, xlen, steps, cap):
    with open(f"examples/{example}/guest.rv{xlen}im.elf", "rb") as f:
        program = load_elf(f.read())
    with open(f"examples/{example}/input.bin", "rb") as f:
        data = f.read()
    _, main, _ = reference_trace(program, data, step_limit=steps)
    alu = derive_tables(main, 0, xlen)["alu"]
    alu = alu[alu["op"] != OP_ID["auipc", xlen]]
    # every op kind the guest ran, then the first rows up to the cap
    firsts = np.unique(alu["op"], return_index=True)[1]
    take = np.unique(np.concatenate([firsts, np.arange(min(cap, alu.size))]))
    return alu[take]


@pytest.mark.parametrize("example,xlen", [("coremark_like", 64), ("bignum", 32)])
def test_the_alu_rows_of_a_real_guest_prove_and_verify(example, xlen):
    rows = _guest_alu_rows(example, xlen, steps=20_000, cap=4000)
    assert len(np.unique(rows["op"])) >= 12
    k, proof = prove_alu_rows(rows, xlen)
    verdict = verify(k.verifying_key, {}, proof.to_bytes())
    assert verdict, verdict.reason


# ---------------------------------------------------------------- soundness

FAMILIES = {   # family -> (xlen, ops); one test each
    "add": (64, ["add", "addi"]), "sub": (64, ["sub"]), "slt": (64, ["slt", "slti"]),
    "sltu": (64, ["sltu", "sltiu"]), "sll": (64, ["sll", "slli"]), "srl": (64, ["srl", "srli"]),
    "sra": (64, ["sra", "srai"]), "addw": (64, ["addw", "addiw"]), "subw": (64, ["subw"]),
    "sllw": (64, ["sllw", "slliw"]), "srlw": (64, ["srlw", "srliw"]), "sraw": (64, ["sraw", "sraiw"]),
    "lui": (64, ["lui"]), "rv32-add-sub": (32, ["add", "sub"]), "rv32-slt": (32, ["slt", "sltu"]),
    "rv32-shifts": (32, ["sll", "srl", "sra", "srai"]),
}


def _wrong(c, xlen, rng):
    """A different XLEN-bit result: a flipped bit, c +- 1 or 0/1 swapped."""
    m = (1 << xlen) - 1
    return rng.choice([c ^ (1 << rng.randrange(xlen)), (c + 1) & m, (c - 1) & m, c ^ 1, c ^ (1 << (xlen - 1))])


@pytest.mark.parametrize("family", FAMILIES)
def test_a_wrong_result_fails_the_constraints(family):
    """Every row of the family, one at a time, with a wrong c: Air.check refuses it."""
    xlen, names = FAMILIES[family]
    rng = random.Random(family)
    rows = rows_of([(n, a, b) for n in names for a, b in operands(n, xlen, rng, 8)], xlen)
    picks = rng.sample(range(rows.size), min(60, rows.size))
    for i in picks:
        bad = rows.copy()
        bad["c"][i] = _wrong(int(bad["c"][i]), xlen, rng)
        with pytest.raises(ConstraintError):
            air(xlen).check(alu_trace(bad, xlen).main)


@pytest.mark.parametrize("name", ["xor", "or", "and"])
def test_a_wrong_bitwise_result_makes_the_proof_fail(name):
    """and/or/xor results are bound by the bitwise lookups only: the constraints hold on the
    wrong trace, the bus does not balance, and a proof made anyway does not verify."""
    rng = random.Random(name)
    rows = rows_of([(n, a, b) for n in (name, name + "i") for a, b in operands(n, 64, rng, 8)], 64)
    rows["c"][5] = _wrong(int(rows["c"][5]), 64, rng)
    traces = alu_traces(rows, 64)
    air(64).check(traces["alu"])
    with pytest.raises(ValueError, match="does not balance"):
        prove(key(64), traces)
    assert not verify(key(64).verifying_key, {}, prove(key(64), traces, check=False))


def test_a_limb_of_sixteen_bits_with_a_compensating_borrow_is_refused():
    """sub 0x10000 - 0 with c as limbs (2^16, 0, 0, 0) and borrow 1 out of limb 0 satisfies
    every constraint; only the range check on c's limbs refuses it."""
    rows = rows_of([("sub", 0x1_0000, 0)] + [("add", i, 3 * i) for i in range(7)], 64)
    traces = alu_traces(rows, 64)
    main, sender = traces["alu"].copy(), traces["sender"].copy()
    c0, c1, k1 = (column(64, n) for n in ("c0", "c1", "k1"))
    assert main[0, c0] == 0 and main[0, c1] == 1
    main[0, c0], main[0, c1], main[0, k1] = 1 << 16, 0, 1
    sender[0, 1 + 2 * 4], sender[0, 1 + 2 * 4 + 1] = 1 << 16, 0      # the sender's c0, c1
    air(64).check(main)
    mult = traces["range16"].copy()      # row 0's c limbs were (0, 1, 0, 0), are (2^16, 0, 0, 0)
    mult[1] -= 1                         # 2^16 cannot be counted: the table has no such row
    forged = dict(traces, alu=main, sender=sender, range16=mult)
    assert not verify(key(64).verifying_key, {}, prove(key(64), forged, check=False))


def test_a_forged_sign_bit_is_refused_by_its_range_check():
    """slt -1 < 0 with sa forged to 0 (so c = 0) satisfies the constraints; the sign's
    range16 message 2 top - 2^16 sa is then 2^17 - 2, outside the table."""
    rows = rows_of([("slt", (1 << 64) - 1, 0)] + [("add", i, i) for i in range(3)], 64)
    rows["c"][0] = 0
    traces = alu_traces(rows, 64)
    main = traces["alu"].copy()
    for name, v in (("sa", 0), ("sx", 0)):
        main[0, column(64, name)] = v
    air(64).check(main)
    mult = traces["range16"].copy()
    mult[0xFFFE] -= 1                    # row 0's sign message for a was 0xFFFE, is 0x1FFFE
    forged = dict(traces, alu=main, range16=mult)
    assert not verify(key(64).verifying_key, {}, prove(key(64), forged, check=False))
