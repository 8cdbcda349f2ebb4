"""The whole machine (prover/riscv/machine.py): Main joined with the memory argument, the
register file, ROM, op classes, ALU, Arith and the range tables.  Whole real runs prove and
verify; forged loads, stores, AMOs and SCs are refused."""
from functools import cache

import numpy as np
import pytest

from guest_asm import DATA, program_from_asm
from prover.air import ConstraintError
from prover.field import P
from prover.riscv.alu import alu_trace
from prover.riscv.limbs import from_limbs, n_limbs, to_limbs
from prover.riscv.machine import machine_airs, machine_traces, prove_run
from prover.riscv.main import MAIN, PUBLICS, main_air, main_columns, main_lookups, main_trace
from prover.riscv.memory import memop_times
from prover.stark import prove, verify
from riscv_helpers import every_class, example, fib, key_of, refuse_run_bus, sort64
from runtime.encoding import TABLE
from runtime.trace import derive_tables
from translator.expand import reference_trace

OP = {(op.name, x): op.id for op in TABLE for x in op.xlens}
EXIT = """
        addi a0, zero, 0
        addi a7, zero, 93
        ecall
"""


def memory_source(xlen):
    """Loads of every size and signedness (negative and positive values, misaligned, a
    negative offset), stores of every size, a word stored several times; every loaded
    register (t0) is read by nothing, so a forged load changes nothing else."""
    wide = """
        sd a2, 16(a1)
        lwu t0, 0(a1)
        ld t0, 16(a1)
        ld t0, -8(a4)
        ld t0, 13(a1)               # misaligned, crosses into the next word
    """ if xlen == 64 else ""
    return f"""
        auipc a1, 16                # a1 = DATA
        lui a2, 0x8f9a6
        addi a2, a2, 0x7b5          # a2 = 0x8f9a67b5, sign-extended
        addi a3, zero, 0x123
        addi a4, a1, 24
        sw a2, 0(a1)
        sw a3, 4(a1)
        sw a3, 8(a1)                # then partly overwritten: a stale value
        sh a2, 8(a1)
        sb a2, 10(a1)
        sb a3, 11(a1)               # word 8 is now 0x23b567b5
        lb t0, 0(a1)                # 0xb5: negative
        lbu t0, 0(a1)
        lb t0, 1(a1)                # 0x67: positive
        lh t0, 2(a1)                # 0x8f9a: negative
        lhu t0, 2(a1)
        lw t0, 0(a1)                # negative
        lw t0, 8(a1)
        lh t0, 7(a1)                # misaligned, crosses into the next word
        lw t0, -24(a4)              # a negative offset: the address adder carries
        {wide}
    """ + EXIT


def atomics_source(xlen):
    """Every AMO (.w, and .d on RV64), LR and SC: a success, a failure without a
    reservation and one on another address."""
    def block(w, off):
        return f"""
        addi a5, a1, {off}
        s{w} a3, 0(a5)              # 7
        amomin.{w} t0, a2, (a5)     # min(7, -5) = -5
        amomaxu.{w} t0, a3, (a5)    # maxu(-5, 7) = -5
        amomax.{w} t0, a3, (a5)     # max(-5, 7) = 7
        amominu.{w} t0, a2, (a5)    # minu(7, -5) = 7
        amoadd.{w} t0, a2, (a5)     # 2
        amoxor.{w} t0, a3, (a5)
        amoand.{w} t0, a2, (a5)
        amoor.{w} t0, a3, (a5)
        amoswap.{w} t0, a2, (a5)
        lr.{w} t0, (a5)
        sc.{w} t1, a3, (a5)         # succeeds
        sc.{w} t1, a2, (a5)         # fails: no reservation
        lr.{w} t0, (a5)
        sc.{w} t1, a3, (a4)         # fails: another address
        l{w} t2, 0(a5)
        """
    wide = block("d", 16) if xlen == 64 else ""
    return """
        auipc a1, 16                # a1 = DATA
        addi a2, zero, -5
        addi a3, zero, 7
        addi a4, a1, 64
    """ + block("w", 0) + wide + EXIT


SOURCES = {"memory": memory_source, "atomics": atomics_source}


@cache
def asm_run(name, xlen):
    program = program_from_asm(SOURCES[name](xlen), xlen)
    result, rows, _ = reference_trace(program, b"")
    assert result.exit_code == 0, result.fault
    return program.image(), rows, result, b""


RUNS = {
    "fibonacci-rv64": lambda: fib(64),
    "fibonacci-rv32": lambda: fib(32),
    "sort-rv64": sort64,
    "atomics-rv64": lambda: example("misaligned_atomics", 64, elf="guest.rv64ima.elf"),
    "every-class-rv64": lambda: every_class(64),
    "every-class-rv32": lambda: every_class(32),
    "memory-rv64": lambda: asm_run("memory", 64),
    "memory-rv32": lambda: asm_run("memory", 32),
    "atomics-asm-rv64": lambda: asm_run("atomics", 64),
    "atomics-asm-rv32": lambda: asm_run("atomics", 32),
}


@cache
def proved(name):
    program, rows, result, data = RUNS[name]()
    return key_of(program), *prove_run(program, rows, data, key=key_of(program))[1:]


def col(xlen, name):
    return main_columns(xlen).index(name)


def step_of(rows, name, xlen, k=0):
    """The k-th step running `name`."""
    return int(np.flatnonzero(rows["op"] == OP[name, xlen])[k])


def forged_main(name, xlen, i, **fields):
    """(program, input, MainTrace) of run `name` with row i's trace fields changed."""
    program, rows, _, data = RUNS[name]() if name in RUNS else asm_run(name, xlen)
    forged = rows.copy()
    for f, v in fields.items():
        forged[f][i] = v
    return program, data, main_trace(program, forged, strict=False)


def rebuilt(mt, main):
    """A MainTrace of a hand-edited Main table, its lookups read off its columns."""
    return type(mt)(main, mt.public, main_lookups(main, mt.xlen), mt.xlen)


def set_limbs(main, xlen, v, row, value):
    main[row, [col(xlen, f"{v}{i}") for i in range(n_limbs(xlen))]] = to_limbs([value], xlen)[0]


def limbs(main, xlen, v, row):
    return int(from_limbs(main[row:row + 1, [col(xlen, f"{v}{i}") for i in range(n_limbs(xlen))]])[0])


# ---------------------------------------------------------------- whole runs

@pytest.mark.parametrize("name", ["fibonacci-rv64", "fibonacci-rv32", "sort-rv64"])
def test_a_whole_run_proves_and_verifies_with_every_table_and_its_entry_exit_and_step_count(name):
    program, rows, result, _ = RUNS[name]()
    assert result.exit_code == 0 and result.fault is None
    k, proof, publics = proved(name)
    entry, final = program.entry, int(rows["next_pc"][-1])
    assert publics[MAIN] == [entry & 0xFFFF, entry >> 16, final & 0xFFFF, final >> 16, 1, 0, 0, result.steps]
    assert [t.air.name for t in k.verifying_key.tables] == [air.name for air in machine_airs(program)[0]]
    verdict = verify(k.verifying_key, publics, proof.to_bytes())
    assert verdict, verdict.reason
    assert main_trace(program, rows).lookups.final_values.tolist() == result.regs


@pytest.mark.parametrize("name", ["atomics-rv64", "every-class-rv64", "every-class-rv32", "memory-rv64",
                                  "memory-rv32", "atomics-asm-rv64", "atomics-asm-rv32"])
def test_a_run_of_every_load_store_and_atomic_proves_and_verifies(name):
    k, proof, publics = proved(name)
    verdict = verify(k.verifying_key, publics, proof.to_bytes())
    assert verdict, verdict.reason


@pytest.mark.parametrize("field", ["final_lo", "steps", "entry_lo"])
def test_a_proof_does_not_verify_for_other_public_values(field):
    k, proof, publics = proved("fibonacci-rv64")
    forged = list(publics[MAIN])
    forged[PUBLICS.index(field)] += 4
    assert not verify(k.verifying_key, {MAIN: forged}, proof)


@pytest.mark.parametrize("name", ["sort-rv64", "atomics-rv64", "atomics-asm-rv32"])
def test_main_sends_exactly_the_traces_memory_rows_at_their_times(name):
    program, rows, _, _ = RUNS[name]()
    sent = main_trace(program, rows).lookups
    expected = derive_tables(rows, 0, program.xlen)["memory"]
    for f in ("step", "addr", "value", "size", "is_write", "op"):
        assert np.array_equal(sent.memory_rows[f], expected[f]), f
    assert np.array_equal(sent.memory_times, memop_times(expected))


# ---------------------------------------------------------------- forged loads

def test_a_load_whose_rd_value_differs_from_memory_is_refused():
    """lw claims to read (and write to rd) a value memory does not hold there: Main and
    MemAccess each hold, the memory bus does not."""
    program, rows, _, _ = asm_run("memory", 64)
    i = step_of(rows, "lw", 64, 1)                              # lw t0, 8(a1): 0x23b567b5
    value = int(rows["mem"][i]) ^ 0x100
    program, data, mt = forged_main("memory", 64, i, mem=value, c=value)
    refuse_run_bus(program, key_of(program), mt, data)


def test_a_stale_load_is_refused():
    """lw reads the value an earlier store left, before the last stores to its bytes."""
    program, rows, _, _ = asm_run("memory", 32)
    i = step_of(rows, "lw", 32, 1)
    assert rows["mem"][i] == 0x23b567b5
    program, data, mt = forged_main("memory", 32, i, mem=0x123, c=0x123)      # sw a3, 8(a1)'s value
    refuse_run_bus(program, key_of(program), mt, data)


def test_a_load_claimed_zero_extended_instead_of_sign_extended_fails_the_constraints():
    program, rows, _, _ = asm_run("memory", 64)
    i = step_of(rows, "lb", 64)                                 # lb t0, 0(a1): 0xb5
    assert rows["c"][i] == 0xFFFF_FFFF_FFFF_FFB5
    _, _, mt = forged_main("memory", 64, i, c=0xB5)
    with pytest.raises(ConstraintError, match="load: c0 is the value's, extended"):
        main_air(64).check(mt.main, public=mt.public)


def test_a_load_with_a_wrong_sign_bit_is_refused():
    """lb of 0xb5 zero-extended with its sign bit claimed 0: Main's constraints hold, the
    range16 lookup of the sign (2 * 256 * 0xb5 is not 16-bit) does not."""
    for xlen in (64, 32):
        program, rows, _, _ = asm_run("memory", xlen)
        i = step_of(rows, "lb", xlen)
        program, data, mt = forged_main("memory", xlen, i, c=0xB5)
        main = mt.main.copy()
        main[i, col(xlen, "sg")] = 0
        main_air(xlen).check(main, public=mt.public)
        refuse_run_bus(program, key_of(program), rebuilt(mt, main), data)


def test_a_load_from_an_address_other_than_rs1_plus_imm_fails_the_constraints():
    program, rows, _, _ = asm_run("memory", 64)
    i = step_of(rows, "lw", 64)                                 # lw t0, 0(a1), claimed at 8(a1)
    j = step_of(rows, "lw", 64, 1)
    _, _, mt = forged_main("memory", 64, i, addr=int(rows["addr"][i]) + 8, mem=rows["mem"][j], c=rows["c"][j])
    with pytest.raises(ConstraintError, match="address adder limb 0"):
        main_air(64).check(mt.main, public=mt.public)


def test_a_load_address_with_non_canonical_limbs_is_refused():
    """lw t0, -24(a4): the adder's low limb carries; claimed without the carry, with
    ea_lo = the sum (>= 2^16) and ea_hi one less, every Main constraint holds (the same
    integer address), but MemAccess receives only 16-bit limbs: the memop bus refuses."""
    program, rows, _, data = asm_run("memory", 32)
    i = step_of(rows, "lw", 32, 2)
    mt = main_trace(program, rows)
    main = mt.main.copy()
    assert main[i, col(32, "ek1")] == 1
    main[i, col(32, "ek1")] = 0
    main[i, col(32, "ea_lo")] += 1 << 16
    main[i, col(32, "ea_hi")] -= 1
    main_air(32).check(main, public=mt.public)
    refuse_run_bus(program, key_of(program), rebuilt(mt, main), data)


# ---------------------------------------------------------------- forged stores

def test_a_store_of_another_value_than_rs2_fails_the_constraints():
    for name in ("sw", "sh", "sd"):
        program, rows, _, _ = asm_run("memory", 64)
        i = step_of(rows, name, 64)
        _, _, mt = forged_main("memory", 64, i, c=int(rows["c"][i]) ^ 1)
        with pytest.raises(ConstraintError, match="store: value limb 0 is rs2's"):
            main_air(64).check(mt.main, public=mt.public)


def test_a_byte_store_of_another_byte_than_rs2s_low_byte_is_refused():
    """sb writes 0x5a instead of rs2's low byte, with hb = (s0 - 0x5a) / 256 in the field:
    Main's constraint holds, the range16 lookup of hb does not."""
    program, rows, _, data = asm_run("memory", 64)
    i = step_of(rows, "sb", 64)
    program, data, mt = forged_main("memory", 64, i, c=0x5A)
    main = mt.main.copy()
    s0 = int(main[i, col(64, "s0")])
    assert s0 & 0xFF != 0x5A
    main[i, col(64, "hb")] = (s0 - 0x5A) * pow(256, P - 2, P) % P
    main_air(64).check(main, public=mt.public)
    refuse_run_bus(program, key_of(program), rebuilt(mt, main), data)


# ---------------------------------------------------------------- forged atomics

def test_an_amo_writing_another_value_than_its_alu_result_is_refused():
    """amoadd.w writes old + rs2 + 1: Main's constraints hold with X = that, the ALU
    refuses the add Main sends, and an ALU table of the true rows leaves the bus unbalanced."""
    program, rows, _, data = asm_run("atomics", 64)
    i = step_of(rows, "amoadd.w", 64)
    mt = main_trace(program, rows)
    honest_alu = alu_trace(mt.lookups.alu_rows, 64).main
    main = mt.main.copy()
    x = limbs(main, 64, "X", i) + 1
    set_limbs(main, 64, "X", i, x)
    set_limbs(main, 64, "mw", i, x & 0xFFFF_FFFF)
    main_air(64).check(main, public=mt.public)
    forged = rebuilt(mt, main)
    with pytest.raises(ConstraintError, match="table 'alu'"):
        prove(key_of(program), machine_traces(program, forged, data).tables, {MAIN: mt.public})
    refuse_run_bus(program, key_of(program), forged, data, alu=honest_alu)


def test_an_amomin_choosing_the_other_operand_fails_the_constraints():
    program, rows, _, _ = asm_run("atomics", 64)
    for name in ("amomin.w", "amomaxu.d"):
        i = step_of(rows, name, 64)
        mt = main_trace(program, rows)
        main = mt.main.copy()
        a, b = limbs(main, 64, "c", i), int(rows["b"][i])
        chosen = limbs(main, 64, "X", i)
        other = b if chosen == a else a
        assert other != chosen
        main[i, col(64, "sel")] ^= 1
        set_limbs(main, 64, "X", i, other)
        set_limbs(main, 64, "mw", i, other & (0xFFFF_FFFF if name.endswith(".w") else (1 << 64) - 1))
        with pytest.raises(ConstraintError, match="sel = lt"):
            main_air(64).check(main, public=mt.public)


def test_an_sc_claiming_success_without_a_reservation_fails_the_constraints():
    for xlen in (64, 32):
        program, rows, _, _ = asm_run("atomics", xlen)
        i = step_of(rows, "sc.w", xlen, 1)                      # after a successful sc: no reservation
        assert rows["c"][i] == 1
        _, _, mt = forged_main("atomics", xlen, i, c=0)
        with pytest.raises(ConstraintError, match="a reservation either matches or not"):
            main_air(xlen).check(mt.main, public=mt.public)


def test_an_sc_claiming_failure_on_its_reservation_fails_the_constraints():
    program, rows, _, _ = asm_run("atomics", 64)
    i = step_of(rows, "sc.d", 64)
    assert rows["c"][i] == 0
    _, _, mt = forged_main("atomics", 64, i, c=1)
    with pytest.raises(ConstraintError, match="sc fails on another reservation"):
        main_air(64).check(mt.main, public=mt.public)


def test_an_sc_on_another_address_fails_and_writes_nothing():
    program, rows, _, _ = asm_run("atomics", 64)
    i = step_of(rows, "sc.w", 64, 2)
    assert rows["c"][i] == 1 and rows["addr"][i] == DATA + 64
    mt = main_trace(program, rows)
    assert mt.main[i, col(64, "nm")] == 1 and mt.main[i, col(64, "succ")] == 0
    assert not (mt.lookups.memory_rows["step"] == i).any()
