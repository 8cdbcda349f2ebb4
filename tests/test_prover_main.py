"""The Main (CPU) table, the register file and the op-class table (prover/riscv/main.py,
registers.py, optable.py): real runs satisfy them and prove with every table they talk to;
forged runs (branch targets, skipped or repeated steps, register reads, ALU results, pcs,
op classes) are refused."""
import struct
from functools import cache

import numpy as np
import pytest

from guest_asm import CODE, program_from_asm
from prover.air import ConstraintError
from prover.field import P
from prover.riscv.alu import alu_trace
from prover.riscv.limbs import from_limbs, n_limbs, to_limbs
from prover.riscv.main import (MAIN, PUBLICS, main_air, main_columns, main_lookups, main_trace, prove_steps,
                               steps_airs, steps_key, steps_traces)
from prover.riscv.optable import FIELDS, PAD_OP, optable_fixed, optable_rows
from prover.riscv.rom import rom_multiplicities
from prover.stark import prove, verify
from riscv_helpers import FAST
from runtime.encoding import TABLE
from translator.elf import load_elf
from translator.expand import reference_trace

OP = {(op.name, x): op.id for op in TABLE for x in op.xlens}
CAP = 1 << 15


def example(name, xlen, data=None, step_limit=None):
    program = load_elf(f"examples/{name}/guest.rv{xlen}im.elf")
    if data is None:
        with open(f"examples/{name}/input.bin", "rb") as f:
            data = f.read()
    result, rows, _ = reference_trace(program, data, step_limit=step_limit)
    return program, rows, result


@cache
def fib(xlen):
    """A whole fibonacci run (fib(60)) to its exit."""
    return example("fibonacci", xlen, struct.pack("<I", 60))


@cache
def sort64():
    """A whole sort run (100 random u32) to its exit."""
    rng = np.random.default_rng(1)
    data = struct.pack("<I", 100) + rng.integers(0, 1 << 32, 100, dtype=np.uint64).astype("<u4").tobytes()
    return example("sort", 64, data)


@cache
def key(xlen):
    return steps_key(fib(xlen)[0], FAST)


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
    """The tables balance nowhere: prove refuses, and a proof made anyway does not verify."""
    traces = dict(steps_traces(program, mt, lookups), **overrides)
    public = {MAIN: mt.public}
    for air in steps_airs(mt.xlen):                       # every table's own constraints hold
        fixed = k.fixed[air.name].values if air.name in k.fixed else None
        air.check(traces[air.name], fixed, public.get(air.name, ()))
    with pytest.raises(ValueError, match="does not balance"):
        prove(k, traces, public)
    verdict = verify(k.verifying_key, public, prove(k, traces, public, check=False))
    assert not verdict and "bus" in verdict.reason


# ---------------------------------------------------------------- a program with every class

def every_class_source(xlen):
    """Straight-line code through every instruction class, with both branch outcomes,
    writes to x0, a jalr whose rs1 + imm is odd, loads/stores/atomics and both ecalls."""
    top = xlen - 4
    wide = """
        addw t0, a2, a3
        subw t0, a2, a3
        sllw t0, a3, a2
        srlw t0, a3, a2
        sraw t0, a3, a2
        addiw t0, a3, 7
        slliw t0, a3, 31
        srliw t0, a3, 3
        sraiw t0, a3, 3
        mulw t0, a2, a3
        divw t0, a3, a2
        divuw t0, a3, a2
        remw t0, a3, a2
        remuw t0, a3, a2
        sd a3, 16(a1)
        ld t1, 16(a1)
        lwu t1, 16(a1)
        lr.d t1, (a1)
        sc.d t2, a2, (a1)
        amoadd.d t1, a2, (a1)
    """ if xlen == 64 else ""
    return f"""
        auipc a1, 16                # a1 = the data segment
        addi a2, zero, 5
        addi a3, zero, -3
        add t0, a2, a3
        sub t0, a2, a3
        sll t0, a2, a2
        slt t0, a3, a2
        sltu t0, a3, a2
        xor t0, a2, a3
        srl t0, a3, a2
        sra t0, a3, a2
        or t0, a2, a3
        and t0, a2, a3
        slti t0, a3, 0
        sltiu t0, a2, 7
        xori t0, a2, -1
        ori t0, a2, 16
        andi t0, a3, 255
        slli t0, a2, 3
        srli t0, a3, {top}
        srai t0, a3, 1
        lui t0, 0x12345
        lui t0, 0xfffff
        add zero, a2, a3            # rd = x0: the result goes to the ALU, the write is dropped
        addi zero, zero, 0
        mul t0, a2, a3
        mulh t0, a3, a3
        mulhsu t0, a3, a2
        mulhu t0, a3, a3
        div t0, a3, a2
        divu t0, a3, a2
        rem t0, a3, a2
        remu t0, a3, a2
        div t0, a3, zero
        mul zero, a3, a3
        {wide}
        sw a3, 0(a1)
        sh a2, 4(a1)
        sb a3, 6(a1)
        lw t1, 0(a1)
        lh t1, 0(a1)
        lhu t1, 0(a1)
        lb t1, 6(a1)
        lbu t1, 6(a1)
        lw zero, 0(a1)
        lr.w t1, (a1)
        sc.w t2, a2, (a1)
        sc.w t2, a2, (a1)           # no reservation: fails
        amoswap.w t1, a2, (a1)
        amoadd.w zero, a2, (a1)
        fence rw, rw
        beq a2, a2, l1              # taken
        addi t0, zero, 1
l1:     beq a2, a3, l1              # not taken
        bne a2, a3, l2              # taken
        addi t0, zero, 2
l2:     bne a2, a2, l2              # not taken
        blt a3, a2, l3              # taken (signed)
        addi t0, zero, 3
l3:     blt a2, a3, l3              # not taken
        bge a2, a3, l4              # taken
        addi t0, zero, 4
l4:     bge a3, a2, l4              # not taken
        bltu a2, a3, l5             # taken (unsigned)
        addi t0, zero, 5
l5:     bltu a3, a2, l5             # not taken
        bgeu a3, a2, l6             # taken
        addi t0, zero, 6
l6:     bgeu a2, a3, l6             # not taken
        jal ra, f1                  # call
        auipc t0, 0
        addi t0, t0, 13             # rs1 + imm is odd: jalr clears bit 0
        jalr ra, 4(t0)
        addi t0, zero, 7
        addi t0, zero, 8
        addi t0, zero, 9
        jal zero, l7
f1:     jalr zero, 0(ra)            # return
l7:     addi a0, zero, 3            # write(3, a1, 8)
        addi a2, zero, 8
        addi a7, zero, 64
        ecall
        addi a0, zero, 0
        addi a7, zero, 93
        ecall
    """


@cache
def every_class(xlen):
    program = program_from_asm(every_class_source(xlen), xlen)
    result, rows, _ = reference_trace(program, b"")
    assert result.exit_code == 0, result.fault
    return program, rows, result


# ---------------------------------------------------------------- declarations

@pytest.mark.parametrize("xlen", [64, 32])
def test_constraints_have_degree_at_most_three_bus_fields_degree_one_and_multiplicities_at_most_two(xlen):
    air = main_air(xlen)
    assert air.max_degree <= 3
    assert all(f.degree <= 1 for i in air.interactions for f in i.fields)
    assert all(i.multiplicity.degree <= 2 for i in air.interactions)


def test_the_op_class_table_has_one_row_per_op_a_step_can_retire_and_none_for_ebreak():
    for xlen in (64, 32):
        rows = optable_rows(xlen)
        legal = [op.id for op in TABLE if xlen in op.xlens and op.name != "ebreak"]
        assert rows[:, 0].tolist() == legal
        fixed = optable_fixed(xlen)
        assert (fixed[len(legal):, 0] == PAD_OP).all() and not fixed[len(legal):, 1:].any()
        flags = {TABLE[r[0]].name: dict(zip(FIELDS, r.tolist())) for r in rows}
        assert flags["add"]["f_alu_r"] and flags["addi"]["f_alu_i"] and flags["lui"]["f_alu_i"]
        assert flags["bltu"]["f_blt"] and flags["bltu"]["alu_op"] == OP["sltu", xlen]
        assert flags["bge"]["f_alu_r"] and flags["bge"]["alu_op"] == OP["slt", xlen]
        assert flags["lw"]["f_wit"] and flags["ecall"]["f_wit"] and flags["ecall"]["f_ecall"]
        assert not any(v for k, v in flags["sw"].items() if k != "op")
        assert not any(v for k, v in flags["fence"].items() if k != "op")
        assert sum(flags["mul"][f] for f in FIELDS[1:-1]) == 2     # arith, writes


# ---------------------------------------------------------------- real runs

@pytest.mark.parametrize("name,xlen", [("fibonacci", 64), ("fibonacci", 32), ("sort", 64)])
def test_the_main_table_of_a_real_trace_satisfies_the_air(name, xlen):
    program, rows, _ = example(name, xlen, step_limit=CAP)
    assert len(rows) == CAP
    mt = main_trace(program, rows)
    main_air(xlen).check(mt.main, public=mt.public)
    assert mt.public[-1] == CAP


@pytest.mark.parametrize("xlen", [64, 32])
def test_a_program_running_every_instruction_class_proves_and_verifies(xlen):
    program, rows, _ = every_class(xlen)
    k = steps_key(program, FAST)
    mt = main_trace(program, rows)
    proof = prove(k, steps_traces(program, mt), {MAIN: mt.public})
    verdict = verify(k.verifying_key, {MAIN: mt.public}, proof.to_bytes())
    assert verdict, verdict.reason


def test_a_whole_fibonacci_run_proves_and_verifies_with_its_entry_exit_and_step_count():
    program, rows, result = fib(64)
    k, proof, publics = prove_fib(64)
    entry, final = program.entry, int(rows["next_pc"][-1])
    assert publics[MAIN] == [entry & 0xFFFF, entry >> 16, final & 0xFFFF, final >> 16, result.steps]
    verdict = verify(k.verifying_key, publics, proof.to_bytes())
    assert verdict, verdict.reason


def test_a_whole_sort_run_proves_and_verifies():
    program, rows, result = sort64()
    assert result.exit_code == 0 and len(rows) > 5000
    k, proof, publics = prove_steps(program, rows, FAST)
    verdict = verify(k.verifying_key, publics, proof.to_bytes())
    assert verdict, verdict.reason
    assert main_trace(program, rows).lookups.final_values.tolist() == result.regs


@cache
def prove_fib(xlen):
    program, rows, _ = fib(xlen)
    return prove_steps(program, rows, key=key(xlen))


@pytest.mark.parametrize("field", ["final_lo", "steps", "entry_lo"])
def test_a_proof_does_not_verify_for_other_public_values(field):
    k, proof, publics = prove_fib(64)
    forged = list(publics[MAIN])
    forged[PUBLICS.index(field)] += 4
    verdict = verify(k.verifying_key, {MAIN: forged}, proof)
    assert not verdict


def test_the_register_file_ends_with_the_interpreters_final_registers():
    for xlen in (64, 32):
        program, rows, result = fib(xlen)
        final = main_trace(program, rows).lookups.final_values
        assert final.tolist() == result.regs


def test_main_sends_auipc_as_an_add_of_the_pc_order_branches_as_compares_and_no_result_for_x0():
    program, rows, _ = every_class(64)
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
    program, rows, _ = fib(64)
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
    program, rows, _ = fib(64)
    i = len(rows) // 2
    mt = main_trace(program, np.delete(rows, i), strict=False)
    with pytest.raises(ConstraintError, match="the next step's pc is npc"):
        main_air(64).check(mt.main, public=mt.public)


def test_a_repeated_step_is_refused():
    program, rows, _ = fib(64)
    i = len(rows) // 2
    assert rows["next_pc"][i] != rows["pc"][i]
    mt = main_trace(program, np.insert(rows, i, rows[i]), strict=False)
    with pytest.raises(ConstraintError, match="the next step's pc is npc"):
        main_air(64).check(mt.main, public=mt.public)


def test_a_changed_register_value_read_is_refused():
    """A store reads rs2 as another value: nothing but the register bus sees it (the stored
    value is not checked yet), and the register bus refuses it."""
    program, rows, _ = fib(64)
    mt = main_trace(program, rows)
    stores = np.flatnonzero(np.isin(rows["op"], [OP[n, 64] for n in ("sb", "sh", "sw", "sd")]))
    i = int(stores[len(stores) // 2])
    main = mt.main.copy()
    set_value(main, 64, "s", i, limbs_of(main, 64, "s", i) ^ 1)
    refresh_eq(main, 64, i)
    main_air(64).check(main, public=mt.public)
    forged = type(mt)(main, mt.public, main_lookups(main, 64), 64)
    refuse_bus(program, key(64), forged)


def test_a_wrong_alu_result_is_refused():
    """An addi claims result + 1 (and every later read sees it): the ALU refuses the row
    Main sends, and an ALU table of the true rows leaves the bus unbalanced."""
    program, rows, _ = fib(64)
    forged = rows.copy()
    addi = np.flatnonzero((rows["op"] == OP["addi", 64]) & (rows["c"] != 0))
    i = int(addi[len(addi) // 2])
    forged["c"][i] += 1
    mt = main_trace(program, forged, strict=False)
    main_air(64).check(mt.main, public=mt.public)
    with pytest.raises(ConstraintError, match="table 'alu'"):
        prove(key(64), steps_traces(program, mt), {MAIN: mt.public})
    honest = main_trace(program, rows).lookups.alu_rows
    refuse_bus(program, key(64), mt, alu=alu_trace(honest, 64).main,
               range16=steps_traces(program, main_trace(program, rows))["range16"])


def test_a_step_at_a_pc_outside_the_rom_is_refused():
    """A run segment starting at a return (jalr x0, 0(ra)): its next pc does not depend on
    its own pc, so the segment can claim to start anywhere and every constraint still
    holds; only the ROM has no instruction there."""
    program, rows, _ = fib(64)
    ret = np.flatnonzero((rows["op"] == OP["jalr", 64]))
    j = int(ret[-1])
    initial = main_trace(program, rows[:j]).lookups.final_values
    k = steps_key(program, FAST, initial=initial)
    mt = main_trace(program, rows[j:], initial=initial)
    main = mt.main.copy()
    nowhere = max(hi for _, hi in program.code_ranges()) + 64 & ~3
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
    program, rows, _ = fib(64)
    mt = main_trace(program, rows)
    main = mt.main.copy()
    adds = np.flatnonzero((main[:, col(64, "op")] == OP["add", 64]) & (main[:, col(64, "wr")] == 1))
    i = int(adds[len(adds) // 2])
    main[i, col(64, "f_alu_r")], main[i, col(64, "f_wit")] = 0, 1
    main_air(64).check(main, public=mt.public)
    refuse_bus(program, key(64), type(mt)(main, mt.public, main_lookups(main, 64), 64))


def test_a_padding_row_with_a_flag_set_fails_the_constraints():
    program, rows, _ = fib(64)
    mt = main_trace(program, rows)
    assert mt.main.shape[0] > len(rows)
    main = mt.main.copy()
    main[len(rows), col(64, "f_writes")] = 1
    with pytest.raises(ConstraintError, match="padding rows have f_writes = 0"):
        main_air(64).check(main, public=mt.public)


def test_a_write_to_x0_cannot_be_claimed():
    program, rows, _ = every_class(64)
    mt = main_trace(program, rows)
    main = mt.main.copy()
    x0 = np.flatnonzero((main[:, col(64, "f_writes")] == 1) & (main[:, col(64, "rd")] == 0)
                        & (main[:, col(64, "is_real")] == 1))
    assert x0.size >= 4                                   # add/addi/mul/lw/amoadd to zero
    main[x0[0], col(64, "wr")] = 1
    with pytest.raises(ConstraintError, match="no write to x0"):
        main_air(64).check(main, public=mt.public)


def test_a_trace_whose_operands_are_not_the_registers_values_is_refused_when_strict():
    program, rows, _ = fib(64)
    forged = rows.copy()
    i = int(np.flatnonzero(rows["op"] == OP["add", 64])[0])
    forged["a"][i] ^= 1
    with pytest.raises(ValueError, match="register operands"):
        main_trace(program, forged)
    main_trace(program, forged, strict=False)             # the table takes the registers' values
