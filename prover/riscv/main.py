"""The Main (CPU) table: one row per step, proving the pc flow and the register effects.

See `main_air` for what is proven, with which columns and constraints, and what is not
yet (the memory values); docs/riscv-air.md for the contract.  `main_trace` builds the
table from the trace's MAIN_ROW rows (vectorized numpy) and `main_lookups` derives, from
the table alone, every message it sends to the other tables: the ROM pcs, the op
classes, the ALU and Arith rows (ALU_ROW arrays, with the extra ALU messages of auipc
and of the order branches), the range16 limbs and the register file's final state.
`prove_steps` proves a run's control flow and registers with every table involved:
Main, the register file, the ROM, the op-class table, ALU, Arith, range16 and bitwise.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from runtime.encoding import TABLE
from runtime.trace import ALU_ROW

from .. import field
from ..air import Air
from ..field import P
from ..stark import StarkParameters, prove, setup
from . import ranges
from .alu import ALU, alu_air, alu_trace
from .arith import ARITH, arith_air, arith_trace
from .limbs import from_limbs, n_limbs, to_limbs
from .optable import FIELDS as OPTABLE_FIELDS, FLAGS, OP_ID, OPTABLE, op_flags, optable_air, optable_fixed, \
    optable_multiplicities
from .ranges import RANGE16, count_bitwise, count_range16, pow2_height
from .registers import N_REGS, REG, REGFILE, initial_registers, regfile_air, regfile_fixed, regfile_trace
from .rom import ROM, rom_air, rom_fixed, rom_messages, rom_multiplicities

MAIN = "main"
PUBLICS = ["entry_lo", "entry_hi", "final_lo", "final_hi", "steps"]
ACCESSES = (("rs1", 1), ("rs2", 2), ("rd", 3))      # register accesses of a step at t = 4 ts + k
A0, A7 = 10, 17                                      # ecall reads a0 and a7 and writes a0
_FORMAT = np.array([op.format.name for op in TABLE])
_INV_SMALL = np.array([0] + [field.ref_inv(i) for i in range(1, 64)], dtype=np.uint32)


def main_columns(xlen: int) -> list[str]:
    L = n_limbs(xlen)
    cols = ["is_real", "ts", "pc_lo", "pc_hi", "op", "rd", "rs1", "rs2"] + [f"imm{i}" for i in range(L)]
    cols += [f"f_{f}" for f in FLAGS] + ["alu_op"]
    for v in "asco":                    # rs1's value, rs2's value, the result, rd's old value
        cols += [f"{v}{i}" for i in range(L)]
    cols += ["npc_hi", "nq", "jbit"] + [f"k{i + 1}" for i in range(L)]
    cols += ["eq"] + [f"inv{i}" for i in range(L)] + ["taken", "kc", "wr", "rinv"]
    for _, k in ACCESSES:
        cols += [f"d0_{k}", f"d1_{k}"]
    return cols


@cache
def main_air(xlen: int) -> Air:
    """The Main table "main" for RV`xlen` (L = xlen / 16 limbs of 16 bits).

    Rows.  One per step, real rows first: is_real is boolean, 1 on row 0, and never
    goes from 0 back to 1; ts = the row number (0 on row 0, ts' = ts + 1), the step
    number.  Public values: entry_lo/hi (row 0's pc), final_lo/hi (the last real row's
    next pc: where the run continues, or pc + 4 of the exiting ecall) and steps (the
    last real row's ts + 1).  Padding rows have every flag 0 ((1 - is_real) f = 0), so
    they send nothing: every multiplicity is is_real, a flag or wr.

    What a real row proves, and with what:
    - ("rom", [pc_lo, pc_hi, op, rd, rs1, rs2, imm_0..imm_L-1]): the instruction really
      is at pc in this program, decoded as the decoder decodes it; so pc is in the ROM,
      hence a 4-aligned code address below 2^32 with 16-bit limbs, and imm's limbs are
      16-bit.
    - ("optable", [op, f_alu_r, f_alu_i, f_auipc, f_arith, f_beq, f_bne, f_blt, f_bge,
      f_jal, f_jalr, f_wit, f_ecall, f_writes, alu_op]): the class flags are op's
      (`optable.py` lists the classes); ebreak and illegal ops have no row.
    - registers, offline memory checking on "reg" with the register file table
      (`registers.py`): three accesses at t = 4 ts + k, k = 1 (rs1), 2 (rs2), 3 (rd);
      each receives ("reg", [r, old limbs, t_prev]) and sends ("reg", [r, new limbs, t])
      with t_prev = t - 1 - d0 - 2^16 d1, d0, d1 and 4 d1 in range16, so 0 <= t - t_prev
      - 1 < 2^30 and t_prev < t cannot wrap mod p (t < 2^28 + 4: at most 2^26 rows).
      Reads (multiplicity is_real) send back what they received: a (rs1's value) for
      register rs1 + 10 f_ecall, s (rs2's value) for rs2 + 17 f_ecall (ecall reads a0
      and a7; the ROM has rs1 = rs2 = 0 there).  The write (multiplicity wr) receives
      rd's old value o and sends the result c, for register rw = rd + 10 f_ecall; wr =
      f_writes * [rw != 0] (wr (1 - f_writes) = 0, f_writes rw (1 - wr) = 0, wr (1 - rw
      rinv) = 0), so writes to x0 are dropped and x0 stays 0 (the register file starts
      it at 0).  Formats without rs1/rs2 have 0 there in the ROM, so they read x0 = 0.
    - next pc: npc = 4 nq + 2^16 npc_hi with nq and 4 nq in range16 (nq < 2^14: npc is
      4-aligned) and npc_hi in range16; one adder, every row (degree 2):
        X_i + Y_i + k_i = Z_i + 2^16 k_(i+1),  k_0 = 0, k_1..k_L boolean,
      X = pc zero-extended (jalr: a), Y = imm if u else 4, u = f_jal + f_jalr + taken,
      Z_0 = 4 nq + jbit, Z_1 = npc_hi, Z_i = 0 for i >= 2 (a target above 2^32 traps:
      no such step retires), the top carry k_L dropped (the sum is mod 2^XLEN); jbit is
      boolean and 0 unless jalr (jalr clears bit 0 of rs1 + imm).  So npc = pc + 4,
      pc + imm (jal, taken branches) or (a + imm) & ~1 (jalr), and a target that is not
      4-aligned (a trap) cannot be proven.  The next real row's pc is npc (is_real'
      (pc' - npc) = 0 on transitions), and the last real row's npc is the public final
      pc: every pc reached is in the ROM.
    - branches: taken = f_beq eq + f_bne (1 - eq) + f_blt c_0 + f_bge (1 - c_0);
      eq = [a == s] by eq (a_i - s_i) = 0 and 1 - eq = sum_i (a_i - s_i) inv_i; the
      order branches are in class alu_r, so they send ("alu", [slt | sltu, a, s, c]):
      the ALU proves c = (lt, 0, ...).  taken is 0 on every other row (flags 0).
    - results c:
      - f_alu_r: ("alu", [alu_op, a, s, c]); f_alu_i: ("alu", [alu_op, a, imm, c])
        (lui: rs1 = x0, a = 0); f_auipc: ("alu", [add, pc_lo, pc_hi, 0.., imm, c]);
        f_arith: ("arith", [op, a, s, c]).  These tables range-check c's limbs.  Sent
        only when the step writes (wr): a result that goes to x0 has no effect, so it
        is not checked (order branches always send their comparison).
      - jal, jalr: c = pc + 4 (c_0 + 2^16 kc = pc_lo + 4, c_1 = pc_hi + kc, kc boolean,
        c_i = 0 above), its limbs in range16.
      - f_wit (loads, lr, sc, AMOs, ecall): c is a WITNESS, range-checked (every limb
        in range16) and otherwise unconstrained: see below.
      Every value written to a register is therefore made of 16-bit limbs, so every
      register value read is too.

    NOT PROVEN YET (the remaining gap; Main is not a sound proof of execution until it
    is closed): the value a load, lr, sc or AMO writes to rd, and the value a0 holds
    after an ecall, are unconstrained witnesses (class f_wit); stores, AMOs and sc
    change memory, which nothing here models; and ecall side effects (exit code,
    output, precompiles) are not checked.  The memory argument (docs/riscv-air.md,
    "Memory") will bind them.  Everything else a step does to the pc and the registers
    is proven.

    Deviation from the contract's draft: register access times are 4 ts + k with
    k = 1, 2, 3 (not 0, 1, 3), so that no access shares time 0 with the register
    file's initial values (the first step's rs1 read would otherwise need t_prev < 0).

    Degree <= 3 everywhere, every bus field and multiplicity has degree 1.  Size: RV64
    64 main columns, 52 constraints, 28 interactions (rom, optable, 6 reg, 3 alu, arith,
    16 range16) in 15 aux columns; RV32 50 columns, 44 constraints, 26 interactions.
    """
    L = n_limbs(xlen)
    air = Air(MAIN, main=main_columns(xlen), public=PUBLICS)
    C = air.col
    is_real, ts = C("is_real"), C("ts")
    pc = [C("pc_lo"), C("pc_hi")]
    op, rd, rs1, rs2 = C("op"), C("rd"), C("rs1"), C("rs2")
    imm = [C(f"imm{i}") for i in range(L)]
    f = {name: C(f"f_{name}") for name in FLAGS}
    alu_op = C("alu_op")
    a, s, c, o = ([C(f"{v}{i}") for i in range(L)] for v in "asco")
    npc_hi, nq, jbit = C("npc_hi"), C("nq"), C("jbit")
    k = [0] + [C(f"k{i + 1}") for i in range(L)]
    eq, inv = C("eq"), [C(f"inv{i}") for i in range(L)]
    taken, kc, wr, rinv = C("taken"), C("kc"), C("wr"), C("rinv")
    pub = air.pub

    # ---- rows: real prefix, step numbers, the public entry, final pc and step count
    air.constrain(is_real * (is_real - 1), "is_real is boolean")
    air.when_first(is_real - 1, "row 0 is a step")
    air.when_transition(is_real.next * (1 - is_real), "real rows are a prefix")
    air.when_first(ts, "ts starts at 0")
    air.when_transition(ts.next - ts - 1, "ts' = ts + 1")
    air.when_first(pc[0] - pub("entry_lo"), "row 0's pc is the entry (lo)")
    air.when_first(pc[1] - pub("entry_hi"), "row 0's pc is the entry (hi)")
    npc_lo = 4 * nq
    ends = is_real - is_real.next                   # 1 on the last real row (transitions)
    for what, e in (("final pc lo", npc_lo - pub("final_lo")), ("final pc hi", npc_hi - pub("final_hi")),
                    ("steps", ts + 1 - pub("steps"))):
        air.when_transition(ends * e, f"the last real row gives the public {what}")
        air.when_last(is_real * e, f"a real last row gives the public {what}")
    air.when_transition(is_real.next * (pc[0].next - npc_lo), "the next step's pc is npc (lo)")
    air.when_transition(is_real.next * (pc[1].next - npc_hi), "the next step's pc is npc (hi)")
    for name in FLAGS:
        air.constrain((1 - is_real) * f[name], f"padding rows have f_{name} = 0")

    # ---- the ROM and the op classes
    air.send(ROM, pc + [op, rd, rs1, rs2] + imm, is_real)
    air.send(OPTABLE, [op] + [f[name] for name in FLAGS] + [alu_op], is_real)

    # ---- registers
    r1, r2, rw = rs1 + A0 * f["ecall"], rs2 + A7 * f["ecall"], rd + A0 * f["ecall"]
    air.constrain(wr * (1 - f["writes"]), "only writing classes write")
    air.constrain(f["writes"] * rw * (1 - wr), "a write to a register other than x0 happens")
    air.constrain(wr * (1 - rw * rinv), "no write to x0")
    for (what, kk), reg, old, new, mult in ((ACCESSES[0], r1, a, a, is_real), (ACCESSES[1], r2, s, s, is_real),
                                            (ACCESSES[2], rw, o, c, wr)):
        d0, d1 = C(f"d0_{kk}"), C(f"d1_{kk}")
        t = 4 * ts + kk
        air.receive(REG, [reg] + old + [t - 1 - d0 - 65536 * d1], mult)
        air.send(REG, [reg] + new + [t], mult)
        for v in (d0, d1, 4 * d1):
            air.send(RANGE16, [v], mult)

    # ---- branches
    diff = [a[i] - s[i] for i in range(L)]
    for i in range(L):
        air.constrain(eq * diff[i], f"eq => a{i} = s{i}")
    air.constrain(1 - eq - sum(diff[i] * inv[i] for i in range(L)), "not eq => some a_i != s_i")
    air.constrain(taken - f["beq"] * eq - f["bne"] * (1 - eq) - f["blt"] * c[0] - f["bge"] * (1 - c[0]),
                  "taken is the branch condition")

    # ---- next pc
    u = f["jal"] + f["jalr"] + taken
    for bit in k[1:] + [jbit, kc]:
        air.constrain(bit * (bit - 1), f"{bit} is boolean")
    air.constrain(jbit * (1 - f["jalr"]), "jbit only on jalr")
    for i in range(L):
        x = (pc[i] + f["jalr"] * (a[i] - pc[i])) if i < 2 else f["jalr"] * a[i]
        y = u * imm[i] + ((1 - u) * 4 if i == 0 else 0)
        z = (npc_lo + jbit) if i == 0 else (npc_hi if i == 1 else 0)
        air.constrain(x + y + k[i] - z - 65536 * k[i + 1], f"next pc adder limb {i}")
    for v in (nq, 4 * nq, npc_hi):
        air.send(RANGE16, [v], is_real)

    # ---- results
    link = f["jal"] + f["jalr"]
    air.constrain(link * (c[0] + 65536 * kc - pc[0] - 4), "link: c0 = pc_lo + 4 - 2^16 kc")
    air.constrain(link * (c[1] - pc[1] - kc), "link: c1 = pc_hi + kc")
    for i in range(2, L):
        air.constrain(link * c[i], f"link: c{i} = 0")
    for v in c:
        air.send(RANGE16, [v], link + f["wit"])
    # a result written nowhere (rd = x0) is not checked: it has no effect (order branches
    # write no register but always send their comparison)
    air.send(ALU, [alu_op] + a + s + c, f["alu_r"] * wr + f["blt"] + f["bge"])
    air.send(ALU, [alu_op] + a + imm + c, f["alu_i"] * wr)
    air.send(ALU, [OP_ID["add"]] + pc + [0] * (L - 2) + imm + c, f["auipc"] * wr)
    air.send(ARITH, [op] + a + s + c, f["arith"] * wr)
    return air


# ------------------------------------------------------------------ trace

@dataclass
class MainLookups:
    """Everything a Main table sends, derived from its columns (`main_lookups`)."""
    pcs: np.ndarray                     # (steps,) the pcs of the real rows: ROM multiplicities
    ops: np.ndarray                     # (steps,) their op ids: op-class multiplicities
    alu_rows: np.ndarray                # ALU_ROW: every "alu" message (auipc, order branches included)
    arith_rows: np.ndarray              # ALU_ROW: every "arith" message
    range16: list[np.ndarray]           # the values sent to range16, one array per lookup
    final_values: np.ndarray            # (32,) uint64: the registers after the last step
    final_times: np.ndarray             # (32,) int64: the time of each register's last access


@dataclass
class MainTrace:
    """The Main table's trace, its public values and its lookups."""
    main: np.ndarray                    # (2^k, columns) uint32
    public: list[int]                   # PUBLICS
    lookups: MainLookups
    xlen: int


def _col_index(xlen: int) -> dict[str, int]:
    return {name: i for i, name in enumerate(main_columns(xlen))}


def _register_chain(r1, r2, rw, wr, written, init):
    """Values before, and previous times of, every register access (vectorized offline
    memory checking, reads at 4 i + 1, 4 i + 2, the write at 4 i + 3 where wr), and the
    final state.  Returns (before (n, 3) uint64, t_prev (n, 3) int64, final values, final times)."""
    n = r1.size
    reg = np.stack([r1, r2, rw], axis=1).reshape(-1).astype(np.int64)
    t = (4 * np.arange(n, dtype=np.int64)[:, None] + np.array([1, 2, 3])).reshape(-1)
    zeros = np.zeros(n, dtype=bool)
    valid = np.stack([~zeros, ~zeros, wr], axis=1).reshape(-1)
    is_write = np.stack([zeros, zeros, wr], axis=1).reshape(-1)
    value = np.stack([np.zeros(n, np.uint64), np.zeros(n, np.uint64), written], axis=1).reshape(-1)
    idx = np.flatnonzero(valid)
    order = idx[np.argsort(reg[idx], kind="stable")]       # by register, then time
    sr, st, sw, sv = reg[order], t[order], is_write[order], value[order]
    m = order.size
    pos = np.arange(m)
    start = np.ones(m, dtype=bool)
    start[1:] = sr[1:] != sr[:-1]
    first = np.maximum.accumulate(np.where(start, pos, 0))
    last_write = np.maximum.accumulate(np.where(sw, pos, -1))
    prior = np.concatenate([[-1], last_write[:-1]])
    before = np.where(prior >= first, sv[np.maximum(prior, 0)], init[sr])
    prev_t = np.concatenate([[0], st[:-1]])
    prev_t[start] = 0
    out_before = np.zeros(3 * n, dtype=np.uint64)
    out_prev = np.zeros(3 * n, dtype=np.int64)
    out_before[order] = before
    out_prev[order] = prev_t
    end = np.ones(m, dtype=bool)
    end[:-1] = start[1:]
    final_v, final_t = init.copy(), np.zeros(N_REGS, dtype=np.int64)
    final_v[sr[end]] = np.where(sw, sv, before)[end]
    final_t[sr[end]] = st[end]
    return out_before.reshape(n, 3), out_prev.reshape(n, 3), final_v, final_t


def main_trace(program, rows: np.ndarray, xlen: int | None = None, *, initial=None, height: int | None = None,
               strict: bool = True) -> MainTrace:
    """The Main table of MAIN_ROW rows (steps 0.. of a run from `rows[0].pc`, with the
    registers `initial` before it, default all 0), padded to a power of two (at least 4,
    or `height`), with its public values and lookups.

    Taken from the trace: the pcs (the ROM gives each step's instruction), the value
    each writing step writes to rd (c; 0 for rd = x0, whose result is not checked)
    and nothing else: register values are those the writes leave, next pcs are computed
    from the instruction.  strict=True also requires the trace to agree (its op, a, b,
    next_pc and branch outcomes); strict=False builds the table of whatever steps are
    given (the soundness tests feed it forged runs)."""
    xlen = xlen or program.xlen
    L = n_limbs(xlen)
    if rows.ndim != 1 or rows.size == 0:
        raise ValueError("main_trace needs at least one step")
    n_real = rows.size
    n = height or pow2_height(n_real)
    if n < n_real or n & (n - 1):
        raise ValueError(f"height {n} is not a power of two >= {n_real}")
    if n > 1 << 26:
        raise ValueError(f"{n_real} steps: Main has at most 2^26 rows (register times must stay below 2^28)")
    init = initial_registers(initial)
    mask = np.uint64((1 << xlen) - 1)
    pc = rows["pc"].astype(np.uint64)
    rom = rom_messages(program, pc).astype(np.int64)
    op = rom[:, 2]
    if strict and not np.array_equal(op, rows["op"]):
        raise ValueError("the trace's op ids are not the ROM's")
    flags, legal = op_flags(xlen)
    if not legal[op].all():
        bad = int(op[~legal[op]][0])
        raise ValueError(f"a step runs {TABLE[bad].name}, which no step can retire")
    fl = flags[op].astype(np.int64)
    F = {name: fl[:, j] for j, name in enumerate(OPTABLE_FIELDS)}
    is_ = {name: F[f"f_{name}"].astype(bool) for name in FLAGS}
    rd, rs1, rs2 = rom[:, 3], rom[:, 4], rom[:, 5]
    imm_l = rom[:, 6:]
    imm = from_limbs(imm_l)
    ecall = F["f_ecall"]
    r1, r2, rw = rs1 + A0 * ecall, rs2 + A7 * ecall, rd + A0 * ecall
    wr = is_["writes"] & (rw != 0)
    written = rows["c"].astype(np.uint64) & mask

    before, t_prev, _, _ = _register_chain(r1, r2, rw, wr, written, init)
    av, sv, ov = before[:, 0], before[:, 1], np.where(wr, before[:, 2], np.uint64(0))
    if strict:
        fmt = _FORMAT[op]
        has_a = ~np.isin(fmt, ["U", "J", "FENCE"])
        has_b = np.isin(fmt, ["R", "S", "B", "AMO", "NONE"])
        if not (np.array_equal(av[has_a], rows["a"][has_a]) and np.array_equal(sv[has_b], rows["b"][has_b])):
            bad = int(np.flatnonzero((has_a & (av != rows["a"])) | (has_b & (sv != rows["b"])))[0])
            raise ValueError(f"step {bad}: the trace's register operands are not the values the registers hold")

    # results
    sign = np.uint64(1 << (xlen - 1))
    order_branch = is_["blt"] | is_["bge"]
    unsigned = F["alu_op"] == OP_ID["sltu"]
    lt = np.where(unsigned, av < sv, (av ^ sign) < (sv ^ sign))
    cv = np.where(wr, written, np.uint64(0))
    cv = np.where(order_branch, lt.astype(np.uint64), cv)
    link = is_["jal"] | is_["jalr"]
    cv = np.where(link & ~wr, (pc + np.uint64(4)) & mask, cv)
    cv = np.where(is_["wit"] & ~wr, written, cv)

    # branches
    al, sl = to_limbs(av, xlen).astype(np.int64), to_limbs(sv, xlen).astype(np.int64)
    eq = (al == sl).all(axis=1)
    diff = (al - sl) % P
    invs = np.zeros((n_real, L), dtype=np.uint32)
    ne = np.flatnonzero(~eq)
    if ne.size:
        j = np.argmax(diff[ne] != 0, axis=1)
        invs[ne, j] = field.inv(diff[ne, j].astype(np.uint32))
    cl = to_limbs(cv, xlen).astype(np.int64)
    taken = ((is_["beq"] & eq) | (is_["bne"] & ~eq) | (is_["blt"] & (cl[:, 0] == 1))
             | (is_["bge"] & (cl[:, 0] == 0)))
    if strict:
        branch = _FORMAT[op] == "B"
        if not np.array_equal(taken[branch], rows["c"][branch] == 1):
            raise ValueError("a branch outcome of the trace is not the comparison of its registers")

    # next pc: X + Y over L limbs
    pcl = np.zeros((n_real, L), dtype=np.int64)
    pcl[:, 0], pcl[:, 1] = pc & np.uint64(0xFFFF), pc >> np.uint64(16)
    X = np.where(is_["jalr"][:, None], al, pcl)
    u = link | taken
    four = np.zeros((n_real, L), dtype=np.int64)
    four[:, 0] = 4
    Y = np.where(u[:, None], imm_l, four)
    Z = np.zeros((n_real, L), dtype=np.int64)
    carries = np.zeros((n_real, L), dtype=np.int64)
    carry = np.zeros(n_real, dtype=np.int64)
    for i in range(L):
        tot = X[:, i] + Y[:, i] + carry
        Z[:, i], carry = tot & 0xFFFF, tot >> 16
        carries[:, i] = carry
    jbit = np.where(is_["jalr"], Z[:, 0] & 1, 0)
    target_lo = Z[:, 0] - jbit
    trap = (target_lo & 3).astype(bool) | Z[:, 2:].any(axis=1)
    if trap.any():
        bad = int(np.flatnonzero(trap)[0])
        raise ValueError(f"step {bad}: the target is misaligned or above 2^32: such a step traps, it cannot retire")
    npc = target_lo + (Z[:, 1] << 16)
    if strict and not np.array_equal(npc.astype(np.uint64), rows["next_pc"]):
        bad = int(np.flatnonzero(npc.astype(np.uint64) != rows["next_pc"])[0])
        raise ValueError(f"step {bad}: the trace's next pc is not the instruction's")

    # the table, column-major while filling
    index = _col_index(xlen)
    buf = np.zeros((len(index), n), dtype=np.uint32)

    def put(name, values):
        buf[index[name], :n_real] = values

    buf[index["ts"]] = np.arange(n, dtype=np.uint32)
    put("is_real", 1)
    put("pc_lo", rom[:, 0])
    put("pc_hi", rom[:, 1])
    for j, name in enumerate(("op", "rd", "rs1", "rs2")):
        put(name, rom[:, 2 + j])
    for i in range(L):
        put(f"imm{i}", imm_l[:, i])
    for name in FLAGS:
        put(f"f_{name}", F[f"f_{name}"])
    put("alu_op", F["alu_op"])
    for v, values in (("a", al), ("s", sl), ("c", cl), ("o", to_limbs(ov, xlen))):
        for i in range(L):
            put(f"{v}{i}", values[:, i])
    put("npc_hi", Z[:, 1])
    put("nq", target_lo >> 2)
    put("jbit", jbit)
    for i in range(L):
        put(f"k{i + 1}", carries[:, i])
    put("eq", eq)
    for i in range(L):
        put(f"inv{i}", invs[:, i])
    put("taken", taken)
    put("kc", np.where(link, (pcl[:, 0] + 4) >> 16, 0))
    put("wr", wr)
    put("rinv", _INV_SMALL[rw])
    t_now = 4 * np.arange(n_real, dtype=np.int64)[:, None] + np.array([1, 2, 3])
    gap = np.where(np.stack([np.ones(n_real, bool), np.ones(n_real, bool), wr], axis=1), t_now - t_prev - 1, 0)
    for col, (_, kk) in enumerate(ACCESSES):
        put(f"d0_{kk}", gap[:, col] & 0xFFFF)
        put(f"d1_{kk}", gap[:, col] >> 16)
    # padding rows: pc 0, every flag 0, so the adder gives npc = 4 (nq = 1); a = s = 0, so eq = 1
    buf[index["nq"], n_real:] = 1
    buf[index["eq"], n_real:] = 1
    main = np.ascontiguousarray(buf.T)
    last = int(npc[-1])
    public = [int(pc[0]) & 0xFFFF, int(pc[0]) >> 16, last & 0xFFFF, last >> 16, n_real]
    return MainTrace(main, public, _lookups(buf, xlen, init), xlen)


def main_lookups(main: np.ndarray, xlen: int, *, initial=None) -> MainLookups:
    """Every message a Main table sends, read off its columns: what the receiving tables'
    traces and multiplicities must be built from for the bus to balance."""
    return _lookups(np.ascontiguousarray(np.asarray(main, dtype=np.uint32).T), xlen, initial)


class _ColumnView(dict):
    """Columns of a column-major table by name, as int64, converted on first use."""

    def __init__(self, buf, index):
        super().__init__()
        self.buf, self.index = buf, index

    def __missing__(self, name):
        v = self.buf[self.index[name]].astype(np.int64)
        self[name] = v
        return v


def _lookups(buf: np.ndarray, xlen: int, initial) -> MainLookups:
    """`main_lookups` on the column-major table buf (columns, rows)."""
    L = n_limbs(xlen)
    index = _col_index(xlen)
    col = _ColumnView(buf, index)
    real = col["is_real"] == 1
    flag = {name: col[f"f_{name}"] for name in FLAGS}

    def value(v):
        return from_limbs(buf[[index[f"{v}{i}"] for i in range(L)]].T)

    a, s, c, imm = value("a"), value("s"), value("c"), value("imm")
    pc = (col["pc_lo"] + (col["pc_hi"] << 16)).astype(np.uint64)
    ts = col["ts"].astype(np.uint64)

    def alu_rows(sel, op, x, y):
        sel = np.flatnonzero(sel)
        out = np.zeros(sel.size, dtype=ALU_ROW)
        out["step"], out["op"], out["a"], out["b"], out["c"] = ts[sel], op[sel], x[sel], y[sel], c[sel]
        return out

    add = np.full(buf.shape[1], OP_ID["add"])
    writes = col["wr"] == 1
    order_branch = (flag["blt"] == 1) | (flag["bge"] == 1)
    alu = np.concatenate([alu_rows(((flag["alu_r"] == 1) & writes) | order_branch, col["alu_op"], a, s),
                          alu_rows((flag["alu_i"] == 1) & writes, col["alu_op"], a, imm),
                          alu_rows((flag["auipc"] == 1) & writes, add, pc, imm)])
    alu = alu[np.argsort(alu["step"], kind="stable")]
    arith = alu_rows((flag["arith"] == 1) & writes, col["op"], a, s)

    def repeat(v, mult):
        return np.repeat(v, np.asarray(mult, dtype=np.int64))

    wr = col["wr"]
    range16 = []
    for _, kk in ACCESSES:
        mult = wr if kk == 3 else col["is_real"]
        d0, d1 = col[f"d0_{kk}"], col[f"d1_{kk}"]
        range16 += [repeat(d0, mult), repeat(d1, mult), repeat(4 * d1, mult)]
    range16 += [repeat(col["nq"], col["is_real"]), repeat(4 * col["nq"], col["is_real"]),
                repeat(col["npc_hi"], col["is_real"])]
    cmult = flag["jal"] + flag["jalr"] + flag["wit"]
    range16 += [repeat(col[f"c{i}"], cmult) for i in range(L)]

    # the register file's final state: each register's last access
    ecall = flag["ecall"]
    regs = np.concatenate([col["rs1"] + A0 * ecall, col["rs2"] + A7 * ecall, col["rd"] + A0 * ecall])
    times = np.concatenate([4 * col["ts"] + 1, 4 * col["ts"] + 2, 4 * col["ts"] + 3])
    values = np.concatenate([a, s, c])
    active = np.concatenate([real, real, wr == 1])
    regs, times, values = regs[active], times[active], values[active]
    final_v = initial_registers(initial).copy()
    final_t = np.zeros(N_REGS, dtype=np.int64)
    if regs.size:
        if regs.min() < 0 or regs.max() >= N_REGS:
            raise ValueError("a Main row accesses a register number outside 0..31")
        order = np.lexsort((times, regs))
        last = np.ones(order.size, dtype=bool)
        last[:-1] = regs[order][1:] != regs[order][:-1]
        final_v[regs[order][last]] = values[order][last]
        final_t[regs[order][last]] = times[order][last]
    return MainLookups(pc[real], col["op"][real], alu, arith, range16, final_v, final_t)


# ------------------------------------------------------------------ the whole proof

@cache
def steps_airs(xlen: int) -> tuple[Air, ...]:
    """The tables of a proof of a run's steps: Main, the register file, the ROM, the
    op-class table, ALU, Arith, range16 and bitwise."""
    r16, _ = ranges.range16_table()
    bw, _ = ranges.bitwise_table()
    return (main_air(xlen), regfile_air(xlen), rom_air(xlen), optable_air(xlen), alu_air(xlen), arith_air(xlen),
            r16, bw)


@cache
def _range_fixed():
    return ranges.range16_table()[1], ranges.bitwise_table()[1]


def steps_key(program, params: StarkParameters | None = None, *, initial=None):
    """The proving key (`prover.stark.setup`) for `steps_airs(program.xlen)` with the
    program's ROM, the op-class table, the register file's initial values and the range
    tables as fixed columns."""
    xlen = program.xlen
    r16, bw = _range_fixed()
    fixed = {ROM: rom_fixed(program), OPTABLE: optable_fixed(xlen), REGFILE: regfile_fixed(xlen, initial),
             "range16": r16, "bitwise": bw}
    return setup(list(steps_airs(xlen)), fixed=fixed, params=params)


def steps_traces(program, mt: MainTrace, lookups: MainLookups | None = None) -> dict[str, np.ndarray]:
    """Every table's trace for a Main trace: the receiving tables are built from the
    messages Main sends (`lookups`, default `mt.lookups`)."""
    lk = lookups or mt.lookups
    xlen = mt.xlen
    alu = alu_trace(lk.alu_rows, xlen)
    arith = arith_trace(lk.arith_rows, xlen)
    bitwise = {op: alu.bitwise.get(op, []) + arith.bitwise.get(op, []) for op in ranges.BITWISE_OPS}
    return {
        MAIN: mt.main,
        REGFILE: regfile_trace(lk.final_values, lk.final_times, xlen),
        ROM: rom_multiplicities(program, lk.pcs),
        OPTABLE: optable_multiplicities(lk.ops, xlen),
        ALU: alu.main,
        ARITH: arith.main,
        "range16": count_range16(*(lk.range16 + alu.range16 + arith.range16)),
        "bitwise": count_bitwise(bitwise),
    }


def prove_steps(program, rows: np.ndarray, params: StarkParameters | None = None, *, key=None, initial=None,
                check: bool = True, threads: int = 1):
    """(key, proof, publics): a proof that the MAIN_ROW rows are a run of `program` from
    its first row's pc with registers `initial` (default 0): its control flow and register
    effects, with the memory values still unconstrained (`main_air`).  publics =
    {"main": [entry_lo, entry_hi, final_lo, final_hi, steps]}, what `verify` needs."""
    key = key or steps_key(program, params, initial=initial)
    mt = main_trace(program, rows, initial=initial)
    publics = {MAIN: mt.public}
    proof = prove(key, steps_traces(program, mt), publics, check=check, threads=threads)
    return key, proof, publics
