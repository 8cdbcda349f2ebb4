"""Shared helpers for the RISC-V table tests: a stand-in for Main that sends table rows
on a bus, the fixed range16/bitwise tables, and small proof parameters."""
import struct
from functools import cache

import numpy as np

from prover.air import Air
from prover.fri import FriParameters
from prover.riscv import ranges
from prover.riscv.limbs import n_limbs, to_limbs
from prover.riscv.machine import run_key
from prover.stark import StarkParameters

FAST = StarkParameters(FriParameters(num_queries=8, pow_bits=0))


def sender_air(bus: str, xlen: int, name: str = "sender") -> Air:
    """Main's stand-in: columns op, a limbs, b limbs, c limbs, mult; sends
    (bus, [op, a, b, c]) with multiplicity mult (0 on padding rows)."""
    L = n_limbs(xlen)
    cols = ["op"] + [f"{v}{i}" for v in "abc" for i in range(L)] + ["mult"]
    air = Air(name, main=cols)
    air.send(bus, [air.col(c) for c in cols[:-1]], air.col("mult"))
    return air


def sender_trace(rows: np.ndarray, xlen: int, height: int | None = None) -> np.ndarray:
    """The sender's trace for rows with fields op, a, b, c (e.g. ALU_ROW), padded with
    mult = 0 rows to a power of two (at least 4) or to `height`."""
    n = height or max(4, 1 << max(0, (rows.size - 1).bit_length()))
    mask = np.uint64((1 << xlen) - 1)
    limbs = [to_limbs(rows[v] & mask, xlen) for v in "abc"]
    body = np.concatenate([rows["op"].astype(np.uint32)[:, None]] + limbs
                          + [np.ones((rows.size, 1), dtype=np.uint32)], axis=1)
    out = np.zeros((n, body.shape[1]), dtype=np.uint32)
    out[:rows.size] = body
    return out


@cache
def range_tables():
    """([range16 Air, bitwise Air], {name: fixed columns}), built once per session."""
    r16, r16_fixed = ranges.range16_table()
    bw, bw_fixed = ranges.bitwise_table()
    return [r16, bw], {"range16": r16_fixed, "bitwise": bw_fixed}


def bus_sender_air(bus: str, fields: list[str], name: str = "sender") -> Air:
    """A stand-in sender with one column per field and `mult`: sends (bus, fields) with
    multiplicity mult (0 on padding rows)."""
    air = Air(name, main=list(fields) + ["mult"])
    air.send(bus, [air.col(f) for f in fields], air.col("mult"))
    return air


def bus_sender_trace(messages: np.ndarray, height: int | None = None) -> np.ndarray:
    """`bus_sender_air`'s trace for (n, fields) messages: mult = 1 on those rows, padded
    with zero rows to a power of two (at least 4) or to `height`."""
    messages = np.asarray(messages, dtype=np.uint32)
    n = height or max(4, 1 << max(0, (messages.shape[0] - 1).bit_length()))
    out = np.zeros((n, messages.shape[1] + 1), dtype=np.uint32)
    out[:messages.shape[0], :-1] = messages
    out[:messages.shape[0], -1] = 1
    return out


# ---------------------------------------------------------------- real runs for the Main and machine tests

FIB_INPUT = struct.pack("<I", 60)


def example(name, xlen, data=None, step_limit=None, elf=None):
    """(program image, MAIN_ROW rows, result, input) of the interpreter's run of an example."""
    from translator.elf import load_elf
    from translator.expand import reference_trace
    program = load_elf(f"examples/{name}/{elf or f'guest.rv{xlen}im.elf'}")
    if data is None:
        with open(f"examples/{name}/input.bin", "rb") as f:
            data = f.read()
    result, rows, _ = reference_trace(program, data, step_limit=step_limit)
    return program.image(), rows, result, data


@cache
def fib(xlen):
    """A whole fibonacci run (fib(60)) to its exit."""
    return example("fibonacci", xlen, FIB_INPUT)


@cache
def sort64():
    """A whole sort run (100 random u32) to its exit."""
    rng = np.random.default_rng(1)
    data = struct.pack("<I", 100) + rng.integers(0, 1 << 32, 100, dtype=np.uint64).astype("<u4").tobytes()
    return example("sort", 64, data)


def range16_tolerant(*values) -> np.ndarray:
    """range16 multiplicities counting only the values in the table: a forged column's
    out-of-range value gets no match, which is what a proof must refuse."""
    counts = np.zeros(1 << 16, dtype=np.int64)
    for v in values:
        v = np.asarray(v, dtype=np.int64).reshape(-1)
        counts += np.bincount(v[(v >= 0) & (v < 1 << 16)], minlength=1 << 16)
    return counts.astype(np.uint32).reshape(-1, 1)


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
    """(program image, rows, result, input) of `every_class_source` run to its exit."""
    from guest_asm import program_from_asm
    from translator.expand import reference_trace
    program = program_from_asm(every_class_source(xlen), xlen)
    result, rows, _ = reference_trace(program, b"")
    assert result.exit_code == 0, result.fault
    return program.image(), rows, result, b""


def refuse_run_bus(program, k, mt, input_bytes, lookups=None, *, memory=None, precompiles=None, **overrides):
    """A forged run whose every table satisfies its own constraints, built with
    `prover.riscv.machine.machine_traces` (tables in `overrides` replaced; range16 counts
    only the in-range values sent) under the program image's profile: the buses do not
    balance, so prove refuses, and a proof made anyway does not verify."""
    import pytest
    from prover.riscv.machine import machine_airs, machine_traces
    from prover.riscv.main import MAIN
    from prover.stark import prove, verify
    traces = dict(machine_traces(program, mt, input_bytes, lookups, memory=memory, precompiles=precompiles,
                                 count_range16=range16_tolerant).tables, **overrides)
    public = {MAIN: mt.public}
    for air in machine_airs(program)[0]:           # every table's own constraints hold
        fixed = k.fixed[air.name].values if air.name in k.fixed else None
        air.check(traces[air.name], fixed, public.get(air.name, ()))
    with pytest.raises(ValueError, match="does not balance"):
        prove(k, traces, public)
    verdict = verify(k.verifying_key, public, prove(k, traces, public, check=False))
    assert not verdict and "bus" in verdict.reason


_KEYS: dict = {}


def key_of(program):
    """The run key of a program image at FAST parameters, made once per session and image."""
    if program not in _KEYS:
        _KEYS[program] = run_key(program, FAST)
    return _KEYS[program]
