"""The Main (CPU) table, the register file and the op-class table (prover/riscv/main.py,
registers.py, optable.py): real runs satisfy them; forged runs (branch targets, skipped or
repeated steps, register reads, ALU results, pcs, op classes) are refused with every table
of the machine (tests/test_prover_machine.py proves whole runs and the memory join)."""
import dataclasses
from functools import cache

import numpy as np
import pytest

from guest_asm import CODE
from prover.air import ConstraintError
from prover.field import P
from prover.riscv.alu import alu_trace
from prover.riscv.limbs import from_limbs, n_limbs, to_limbs
from prover.riscv.machine import machine_traces, run_key
from prover.riscv.main import MAIN, main_air, main_columns, main_lookups, main_trace
from prover.riscv.optable import FIELDS, NO_STEP, PAD_OP, optable_fixed, optable_rows
from prover.riscv.rom import rom_multiplicities
from prover.stark import prove
from riscv_helpers import FAST, FIB_INPUT, every_class, example, fib, refuse_run_bus
from runtime.encoding import BY_ID, TABLE

OP = {(op.name, x): op.id for op in TABLE for x in op.xlens}
CAP = 1 << 15


@cache
def key(xlen):
    return run_key(fib(xlen)[0], FAST)


def col(xlen, name):
    return main_columns(xlen).index(name)


def limbs_of(main, xlen, v, row):
    return int(from_limbs(main[row:row + 1, [col(xlen, f"{v}{i}") for i in range(n_limbs(xlen))]])[0])


def set_value(main, xlen, v, row, value):
    main[row, [col(xlen, f"{v}{i}") for i in range(n_limbs(xlen))]] = to_limbs([value], xlen)[0]


def refresh_eq(main, xlen, row):
    """Recompute a row's equality witness (eq, inv) after its a or s changed."""
    L = n_limbs(xlen)
    diff = [(int(main[row, col(xlen, f"a{i}")]) - int(main[row, col(xlen, f"s{i}")])) % P for i in range(L)]
    main[row, [col(xlen, f"inv{i}") for i in range(L)]] = 0
    main[row, col(xlen, "eq")] = int(not any(diff))
    if any(diff):
        j = next(i for i, d in enumerate(diff) if d)
        main[row, col(xlen, f"inv{j}")] = pow(diff[j], P - 2, P)


def refuse_bus(program, k, mt, lookups=None, **overrides):
    """`refuse_run_bus` for a fibonacci run's forgeries (its input)."""
    refuse_run_bus(program, k, mt, FIB_INPUT, lookups, **overrides)


# ---------------------------------------------------------------- declarations

@pytest.mark.parametrize("xlen", [64, 32])
def test_constraints_have_degree_at_most_three_bus_fields_degree_one_and_multiplicities_at_most_two(xlen):
    air = main_air(xlen)
    assert air.max_degree <= 3
    assert all(f.degree <= 1 for i in air.interactions for f in i.fields)
    assert all(i.multiplicity.degree <= 2 for i in air.interactions)


def test_the_op_class_table_has_one_row_per_op_a_step_can_retire_and_none_for_ebreak_or_a_vendor_op():
    for xlen in (64, 32):
        rows = optable_rows(xlen)
        legal = [op.id for op in TABLE if xlen in op.xlens and op.cls not in NO_STEP]
        assert rows[:, 0].tolist() == legal
        fixed = optable_fixed(xlen)
        assert (fixed[len(legal):, 0] == PAD_OP).all() and not fixed[len(legal):, 1:].any()
        flags = {BY_ID[r[0]].name: dict(zip(FIELDS, r.tolist())) for r in rows}
        assert flags["add"]["f_alu_r"] and flags["addi"]["f_alu_i"] and flags["lui"]["f_alu_i"]
        assert flags["bltu"]["f_blt"] and flags["bltu"]["alu_op"] == OP["sltu", xlen]
        assert flags["bge"]["f_alu_r"] and flags["bge"]["alu_op"] == OP["slt", xlen]
        assert flags["ecall"]["f_wit"] and flags["ecall"]["f_ecall"]
        assert not any(v for f, v in flags.items() if f != "ecall" and v["f_wit"])      # only ecall's result is free
        on = {name: {k for k, v in row.items() if v and k != "op"} for name, row in flags.items()}
        assert on["sw"] == {"f_store", "f_m4"} and on["sb"] == {"f_store", "f_m1"}
        assert on["lb"] == {"f_load", "f_writes", "f_m1", "f_signed"} and on["lbu"] == {"f_load", "f_writes", "f_m1"}
        assert ("f_signed" in on["lw"]) == (xlen == 64)              # RV32 lw is the whole register
        assert on["lr.w"] >= {"f_load", "f_lr"} and on["sc.w"] == {"f_sc", "f_writes", "f_m4"}
        assert on["amoswap.w"] >= {"f_load", "f_amo", "f_swap"} and flags["amoadd.w"]["alu_op"] == OP["add", xlen]
        assert "f_amax" in on["amomaxu.w"] and flags["amomaxu.w"]["alu_op"] == OP["sltu", xlen]
        assert not any(v for k, v in flags["fence"].items() if k != "op")
        assert sum(flags["mul"][f] for f in FIELDS[1:-1]) == 2     # arith, writes


# ---------------------------------------------------------------- real runs

@pytest.mark.parametrize("name,xlen", [("fibonacci", 64), ("fibonacci", 32), ("sort", 64)])
def test_the_main_table_of_a_real_trace_satisfies_the_air(name, xlen):
    program, rows, _, _ = example(name, xlen, step_limit=CAP)
    assert len(rows) == CAP
    mt = main_trace(program, rows)
    main_air(xlen).check(mt.main, public=mt.public)
    assert mt.public[-1] == CAP


def test_the_register_file_ends_with_the_interpreters_final_registers():
    for xlen in (64, 32):
        program, rows, result, _ = fib(xlen)
        final = main_trace(program, rows).lookups.final_values
        assert final.tolist() == result.regs


def test_main_sends_auipc_as_an_add_of_the_pc_order_branches_as_compares_and_no_result_for_x0():
    program, rows, _, _ = every_class(64)
    mt = main_trace(program, rows)
    alu = mt.lookups.alu_rows
    i = int(np.flatnonzero(rows["op"] == OP["auipc", 64])[0])
    row = alu[alu["step"] == i]
    assert row["op"].tolist() == [OP["add", 64]] and row["a"][0] == CODE and row["c"][0] == CODE + 0x10000
    bltu = np.flatnonzero(rows["op"] == OP["bltu", 64])
    sent = alu[np.isin(alu["step"], bltu)]
    assert (sent["op"] == OP["sltu", 64]).all() and sent["c"].tolist() == rows["c"][bltu].tolist()
    x0 = np.flatnonzero((rows["op"] == OP["add", 64]) & (rows["c"] == 0))[0]
    assert not (alu["step"] == x0).any()          # add zero, 5, -3: written nowhere, so not checked


# ---------------------------------------------------------------- forged runs

def test_a_forged_branch_outcome_and_target_fail_the_constraints():
    """A taken beq claimed not taken, its next pc and carries recomputed for pc + 4."""
    program, rows, _, _ = fib(64)
    mt = main_trace(program, rows)
    main = mt.main.copy()
    taken = np.flatnonzero((main[:, col(64, "taken")] == 1) & (main[:, col(64, "f_bne")] == 1))
    i = int(taken[0])
    npc = int(rows["pc"][i]) + 4
    main[i, col(64, "taken")] = 0
    main[i, col(64, "nq")], main[i, col(64, "npc_hi")] = (npc & 0xFFFF) >> 2, npc >> 16
    main[i, [col(64, f"k{j}") for j in range(1, 5)]] = 0
    main[i + 1, col(64, "pc_lo")], main[i + 1, col(64, "pc_hi")] = npc & 0xFFFF, npc >> 16
    with pytest.raises(ConstraintError, match="taken is the branch condition"):
        main_air(64).check(main, public=mt.public)
    main[i, col(64, "taken")] = 1                              # taken, but to pc + 4
    with pytest.raises(ConstraintError, match="next pc adder"):
        main_air(64).check(main, public=mt.public)


def test_a_skipped_step_is_refused():
    program, rows, _, _ = fib(64)
    i = len(rows) // 2
    mt = main_trace(program, np.delete(rows, i), strict=False)
    with pytest.raises(ConstraintError, match="the next step's pc is npc"):
        main_air(64).check(mt.main, public=mt.public)


def test_a_repeated_step_is_refused():
    program, rows, _, _ = fib(64)
    i = len(rows) // 2
    assert rows["next_pc"][i] != rows["pc"][i]
    mt = main_trace(program, np.insert(rows, i, rows[i]), strict=False)
    with pytest.raises(ConstraintError, match="the next step's pc is npc"):
        main_air(64).check(mt.main, public=mt.public)


def test_a_changed_register_value_read_is_refused():
    """A bne reads rs2 as another value that still differs from rs1: nothing but the
    register bus sees it (the branch outcome is the same), and the register bus refuses it."""
    program, rows, _, _ = fib(64)
    mt = main_trace(program, rows)
    main = mt.main.copy()
    bne = [int(r) for r in np.flatnonzero((main[:, col(64, "f_bne")] == 1) & (main[:, col(64, "eq")] == 0))
           if limbs_of(main, 64, "s", r) ^ 1 != limbs_of(main, 64, "a", r)]
    i = bne[len(bne) // 2]
    set_value(main, 64, "s", i, limbs_of(main, 64, "s", i) ^ 1)
    refresh_eq(main, 64, i)
    main_air(64).check(main, public=mt.public)
    forged = type(mt)(main, mt.public, main_lookups(main, 64), 64)
    refuse_bus(program, key(64), forged)


def test_a_wrong_alu_result_is_refused():
    """An addi claims result + 1 (and every later read sees it): the ALU refuses the row
    Main sends, and an ALU table of the true rows leaves the bus unbalanced."""
    program, rows, _, _ = fib(64)
    forged = rows.copy()
    addi = np.flatnonzero((rows["op"] == OP["addi", 64]) & (rows["c"] != 0))
    i = int(addi[len(addi) // 2])
    forged["c"][i] += 1
    mt = main_trace(program, forged, strict=False)
    main_air(64).check(mt.main, public=mt.public)
    with pytest.raises(ConstraintError, match="table 'alu'"):
        prove(key(64), machine_traces(program, mt, FIB_INPUT).tables, {MAIN: mt.public})
    honest = main_trace(program, rows).lookups.alu_rows
    refuse_bus(program, key(64), mt, alu=alu_trace(honest, 64).main,
               range16=machine_traces(program, main_trace(program, rows), FIB_INPUT).tables["range16"])


def test_a_step_at_a_pc_outside_the_rom_is_refused():
    """A run segment starting at a return (jalr x0, 0(ra)): its next pc does not depend on
    its own pc, so the segment can claim to start anywhere and every constraint still
    holds; only the ROM has no instruction there."""
    program, rows, _, _ = fib(64)
    ret = np.flatnonzero((rows["op"] == OP["jalr", 64]))
    j = int(ret[-1])
    initial = main_trace(program, rows[:j]).lookups.final_values
    k = run_key(program, FAST, initial=initial)
    mt = main_trace(program, rows[j:], initial=initial)
    main = mt.main.copy()
    nowhere = max(s.end for s in program.segments if s.executable) + 64 & ~3
    main[0, col(64, "pc_lo")], main[0, col(64, "pc_hi")] = nowhere & 0xFFFF, nowhere >> 16
    link = nowhere + 4
    set_value(main, 64, "c", 0, link)
    main[0, col(64, "kc")] = 0
    public = [nowhere & 0xFFFF, nowhere >> 16] + mt.public[2:]
    main_air(64).check(main, public=public)
    lookups = main_lookups(main, 64, initial=initial)
    with pytest.raises(ValueError, match="no instruction"):
        rom_multiplicities(program, lookups.pcs)
    lookups.pcs = np.concatenate([[rows["pc"][j]], lookups.pcs[1:]])     # the best a prover can count
    refuse_bus(program, k, type(mt)(main, public, lookups, 64))


def test_a_forged_op_class_flag_is_refused():
    """An add claimed to be of the witness class: its result would escape the ALU.  Main's
    constraints hold and the ALU gets no message; the op-class table refuses the flags."""
    program, rows, _, _ = fib(64)
    mt = main_trace(program, rows)
    main = mt.main.copy()
    adds = np.flatnonzero((main[:, col(64, "op")] == OP["add", 64]) & (main[:, col(64, "wr")] == 1))
    i = int(adds[len(adds) // 2])
    main[i, col(64, "f_alu_r")], main[i, col(64, "f_wit")] = 0, 1
    main_air(64).check(main, public=mt.public)
    refuse_bus(program, key(64), type(mt)(main, mt.public, main_lookups(main, 64), 64))


def test_a_padding_row_with_a_flag_set_fails_the_constraints():
    program, rows, _, _ = fib(64)
    mt = main_trace(program, rows)
    assert mt.main.shape[0] > len(rows)
    main = mt.main.copy()
    main[len(rows), col(64, "f_writes")] = 1
    with pytest.raises(ConstraintError, match="padding rows have f_writes = 0"):
        main_air(64).check(main, public=mt.public)


def test_a_write_to_x0_cannot_be_claimed():
    program, rows, _, _ = every_class(64)
    mt = main_trace(program, rows)
    main = mt.main.copy()
    x0 = np.flatnonzero((main[:, col(64, "f_writes")] == 1) & (main[:, col(64, "rd")] == 0)
                        & (main[:, col(64, "is_real")] == 1))
    assert x0.size >= 4                                   # add/addi/mul/lw/amoadd to zero
    main[x0[0], col(64, "wr")] = 1
    with pytest.raises(ConstraintError, match="no write to x0"):
        main_air(64).check(main, public=mt.public)


def test_a_trace_whose_operands_are_not_the_registers_values_is_refused_when_strict():
    program, rows, _, _ = fib(64)
    forged = rows.copy()
    i = int(np.flatnonzero(rows["op"] == OP["add", 64])[0])
    forged["a"][i] ^= 1
    with pytest.raises(ValueError, match="register operands"):
        main_trace(program, forged)
    main_trace(program, forged, strict=False)             # the table takes the registers' values


def test_a_run_of_another_profile_is_refused_not_proven_with_the_zkaot_calls():
    program, rows, _, _ = fib(64)
    with pytest.raises(ValueError, match="runs of the pico profile cannot be proven yet"):
        main_trace(dataclasses.replace(program, profile="pico"), rows)
    with pytest.raises(ValueError, match="a zisk run in another memory map than the zisk profile's"):
        main_trace(dataclasses.replace(program, profile="zisk"), rows)
