"""The Main (CPU) table: one row per step, proving the pc flow, the register effects and
(with the memory argument) what loads, stores, AMOs and LR/SC read and write.

See `main_air` for what is proven, with which columns and constraints, and what is not
yet (the memory map); docs/riscv-air.md for the contract.  `main_trace` builds the
table from the trace's MAIN_ROW rows (vectorized numpy) and `main_lookups` derives, from
the table alone, every message it sends to the other tables: the ROM pcs, the op
classes, the ALU and Arith rows (ALU_ROW arrays, with the extra ALU messages of auipc
and of the order branches and AMOs), the "memop" messages (MEMORY_ROW rows and their
times: what the memory argument is built from), the output writes and precompile
calls, the range16 limbs and the register file's final state.
`prover/riscv/machine.py` proves a whole run with every table.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from runtime.calls import A0, A1, A2, A7, ZKAOT, Ecall
from runtime.encoding import BY_ID, CLASSES, OP_CLASS, by_id
from runtime.trace import ALU_ROW, MEMORY_ROW

from .. import field
from ..air import Air
from ..field import P
from .alu import ALU
from .arith import ARITH
from .keccak import SYS_KECCAKF
from .limbs import from_limbs, n_limbs, to_limbs
from .main_profile import ZKAOT_MAIN, MainProfile
from .memory import MEM_SLOTS, MEMOP
from .optable import FIELDS as OPTABLE_FIELDS, FLAGS, OP_ID, OPTABLE, SIZE_FLAGS, op_flags
from .precompile import KECCAK, PCALL, SHA_BLOCK, SHA_STATE, UNITS
from .ranges import RANGE16, pow2_height
from .registers import N_REGS, REG, initial_registers
from .rom import ROM, rom_messages
from .sha256 import SYS_SHA256_COMPRESS

MAIN = "main"
PUBLICS = ["entry_lo", "entry_hi", "final_lo", "final_hi", "exited", "exit_lo", "exit_hi", "steps"]
ACCESSES = (("rs1", 1), ("rs2", 2), ("rd", 3))      # register accesses of a step at t = 4 ts + k
ECALL_READS = ((A1, "x", 4, 1), (A2, "y", 5, 2))     # (register, value columns, access k, time offset): an
                                                     # ecall reads a0 and a7 as rs1 and rs2, writes a0 as rd
SYS_EXIT, SYS_WRITE = (ZKAOT.proven_by(kind).selector.number for kind in ("exit", "write"))   # Main's own calls
OUTRD = "outrd"                                      # the output-read chain (output.py)
_PROVEN = ", ".join(f"{c.name} ({c.selector.number})" for c in ZKAOT.calls if c.proven_by)   # the calls Main knows
_FORMAT = by_id(lambda op: op.format.name, object)
_INV_SMALL = np.array([0] + [field.ref_inv(i) for i in range(1, 64)], dtype=np.uint32)


def main_columns(xlen: int, profile: MainProfile = ZKAOT_MAIN) -> list[str]:
    """Main's columns, then those of the machine profile's calls (`main_profile.py`)."""
    L = n_limbs(xlen)
    cols = ["is_real", "ts", "pc_lo", "pc_hi", "op", "rd", "rs1", "rs2"] + [f"imm{i}" for i in range(L)]
    cols += [f"f_{f}" for f in FLAGS] + ["alu_op"]
    for v in "asco":                    # rs1's value, rs2's value, the result, rd's old value
        cols += [f"{v}{i}" for i in range(L)]
    cols += ["npc_hi", "nq", "jbit"] + [f"k{i + 1}" for i in range(L)]
    cols += ["eq"] + [f"inv{i}" for i in range(L)] + ["taken", "kc", "wr", "rinv"]
    for _, k in ACCESSES:
        cols += [f"d0_{k}", f"d1_{k}"]
    cols += ["ea_lo", "ea_hi"] + [f"ek{i + 1}" for i in range(L)]        # the effective address rs1 + imm
    cols += [f"mv{i}" for i in range(L)] + ["sg", "sgtop", "hb"]         # the value read or stored, its sign
    if xlen == 64:
        cols += ["B2", "B3", "sb2"]                                      # rs2 sign-extended from 32 bits
    cols += [f"X{i}" for i in range(L)] + [f"mw{i}" for i in range(L)] + ["lt", "sel"]    # AMO results
    cols += ["aq", "rv", "rk1", "rk2", "succ", "nm", "ri1", "ri2"]      # alignment, the reservation
    cols += ["e_exit", "e_con", "e_out", "e_kec", "e_sha"]               # ecall kinds: exit, console / output write,
    cols += ["pa"]                                                       # ... precompiles; their state's alignment
    cols += [f"x{i}" for i in range(L)] + [f"y{i}" for i in range(L)]   # a1 (ptr) and a2 (len) of an ecall
    cols += ["d0_4", "d1_4", "d0_5", "d1_5"]                             # their register time gaps
    cols += ["oi", "pq", "pb0", "pb1", "zk", "zq", "zb0", "zb1", "zhi"]  # output index; ptr, ptr + len as 4 q + o
    return cols + list(profile.columns)


@cache
def main_air(xlen: int, profile: MainProfile = ZKAOT_MAIN) -> Air:
    """The Main table "main" for RV`xlen` (L = xlen / 16 limbs of 16 bits), with the
    columns and constraints of a machine profile's calls (`main_profile.py`; the zkaot
    machine's add none, `zisk_main.py` has ZisK's: its stores to a device send no memop).

    Rows.  One per step, real rows first: is_real is boolean, 1 on row 0, and never
    goes from 0 back to 1; ts = the row number (0 on row 0, ts' = ts + 1), the step
    number.  Public values: entry_lo/hi (row 0's pc), final_lo/hi (the last real row's
    next pc: where the run continues, or pc + 4 of the exiting ecall), exited (boolean:
    1 = the last real row is an exit ecall), exit_lo/hi (exited * the low 32 bits of
    that row's a0: the exit code, two 16-bit limbs) and steps (the last real row's
    ts + 1).  Padding rows have every flag 0 ((1 - is_real) f = 0), so
    they send nothing: every multiplicity is is_real, a sum or product of flags, wr or
    succ (0 unless f_sc).

    What a real row proves, and with what:
    - ("rom", [pc_lo, pc_hi, op, rd, rs1, rs2, imm_0..imm_L-1]): the instruction really
      is at pc in this program, decoded as the decoder decodes it; so pc is in the ROM,
      hence a 4-aligned code address below 2^32 with 16-bit limbs, and imm's limbs are
      16-bit.
    - ("optable", [op, f_alu_r, f_alu_i, f_auipc, f_arith, f_beq, f_bne, f_blt, f_bge,
      f_jal, f_jalr, f_wit, f_ecall, f_writes, f_load, f_store, f_lr, f_sc, f_amo,
      f_swap, f_amin, f_amax, f_m1, f_m2, f_m4, f_m8, f_signed, alu_op]): the class
      flags are op's (`optable.py` lists the classes); ebreak and illegal ops have no row.
    - registers, offline memory checking on "reg" with the register file table
      (`registers.py`): three accesses at t = 4 ts + k, k = 1 (rs1), 2 (rs2), 3 (rd);
      each receives ("reg", [r, old limbs, t_prev]) and sends ("reg", [r, new limbs, t])
      with t_prev = t - 1 - d0 - 2^16 d1, d0, d1 and 4 d1 in range16, so 0 <= t - t_prev
      - 1 < 2^30 and t_prev < t cannot wrap mod p (t < 2^24 + 4: at most 2^22 rows).
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
      - f_wit (ecall only): c is range-checked and fixed by the ecall's kind (below).
      - loads, lr, AMOs (f_load), sc: below.
      Every value written to a register is therefore made of 16-bit limbs, so every
      register value read is too.
    - memory (docs/riscv-air.md, "Memory"; `memory.py` receives the messages):
      - address: ea = rs1 + imm on load, store and sc rows (mem = f_load + f_store +
        f_sc) by an L-limb adder a_i + imm_i + ek_i = Z_i + 2^16 ek_(i+1), ek boolean,
        Z = (ea_lo, ea_hi, 0, ..): the limbs above 32 bits are 0 (such an access faults),
        the top carry is dropped.  MemAccess range-checks ea_lo (offset + 8 q) and ea_hi
        of every access it receives; a failing sc sends none, so sc rows range-check
        both here.
      - ("memop", [MEM_SLOTS ts + 1, ea_lo, ea_hi, size, f_store + f_sc, mv]) with
        multiplicity f_load + f_store + succ (loads, lr, AMO reads, stores, successful sc)
        and ("memop", [MEM_SLOTS ts + 2, ea_lo, ea_hi, size, 1, mw]) with multiplicity
        f_amo (the AMO's write): slots 0 and 1 of step ts (memory.py, MEM_SLOTS = 128);
        size = m1 + 2 m2 + 4 m4 + 8 m8 from the op-class flags.  MemAccess proves that
        mv / mw are zero-extended raw bytes (bytes at and above size are 0, every byte
        range-checked) and that a read's mv is what memory holds.
      - reads (f_load): c = mv extended: c_0 = mv_0 + 0xFF00 sg m1, c_i = mv_i +
        0xFFFF sg [i-th limb above size]; sg boolean, 0 unless f_signed, and the top
        bit of sgtop = 256 m1 mv_0 + m2 mv_0 + m4 mv_1 (RV64) by ("range16", [2 sgtop -
        2^16 sg]) with multiplicity f_signed (as the ALU proves signs).  A load into x0
        still reads (its c is constrained, not written).
      - writes of rs2 (f_store, f_sc): mv_i = s_i on the limbs inside size (degree 3:
        (f_store + f_sc) * size flags * (mv_i - s_i)); a byte store: s_0 = mv_0 + 256 hb
        with hb in range16 (multiplicity m1), so mv_0 = s_0 mod 256.  No register write.
      - AMOs (f_amo, also f_load: rd = the old value extended): B = rs2 at the width
        (RV64 .w: B_2 = B_3 = 0xFFFF sb2, sb2 the sign of s_1 by range16 with
        multiplicity m4; else B = s), X the result: amoswap X = s; amomin/max(u) send
        ("alu", [slt | sltu, c, B, lt, 0..]) and X = B + sel (c - B), sel = lt (min) or
        1 - lt (max); the others send ("alu", [add | xor | and | or, c, B, X]); then
        mw_i = X_i on the limbs inside size.  On RV64 .w, c and B are the sign-extended
        32-bit values, whose signed and unsigned 64-bit orders are the 32-bit ones, and
        whose sum / bitwise ops have the right low 32 bits.
      - atomics (lr, sc, AMOs) are naturally aligned: ea_lo = size aq, aq in range16.
      - the reservation: rv (boolean, 0 on row 0), rk1 = ea_lo + m8 and rk2 = ea_hi of
        the last lr (rk1 is one-to-one on aligned (address, size)); rv' = 1 after lr,
        0 after sc, else rv; rk' = the lr's key after lr, else rk.  On sc rows rv = succ +
        nm (both boolean, 0 elsewhere): succ forces rk = (key, ea_hi); nm proves a
        difference by inverses, 1 = (rk1 - key) ri1 + (rk2 - ea_hi) ri2; rd = 1 - succ.
        So sc succeeds exactly when the last lr/sc before it was an lr of the same
        address and size (docs/machine.md); plain stores do not clear it.

    - ecalls (f_ecall; they also read a1 = x and a2 = y at 4 ts + 1 and 4 ts + 2, other
      registers than a0 and a7, so the same times are fine): exactly one kind, e_exit +
      e_con + e_out + e_kec + e_sha = f_ecall, with a7 (s) = 93 (exit), 64 (write), 0x800
      (keccakf) or 0x801 (sha256_compress), its other limbs 0, so any other a7 cannot be
      proven.  exit: c = a (a0 unchanged), no
      real row after it (e_exit is_real' = 0) and, when the public exited is 1, the last
      real row is an exit and exit_lo/hi are its a0's low limbs.  write: c = y (a0 =
      len); fd a = 3 (e_out) or 1, 2 (e_con: (a_0 - 1)(a_0 - 2) = 0), its limbs above 0
      zero.  e_out: ptr and len below 2^32 (limbs >= 2 zero), ptr = 4 (pq + 2^14 x_1) +
      pb0 + 2 pb1 and ptr + len = 4 (zq + 2^14 zhi) + zb0 + 2 zb1 (carry zk, no carry
      out: zhi in range16; pq, zq < 2^14 by range16 of v and 4 v); oi (0 on row 0, +len
      after each e_out row) is the output index; Main sends ("outrd", [ts, ptr as
      (c, o), oi]) and receives ("outrd", [ts, ptr + len as (c, o), oi + len]): OutputRead
      (`output.py`) reads the bytes between from memory and sends them to the Output
      table, which `verify(commitments={"output": root})` pins to the claimed output.
      Precompiles (e_pre = e_kec + e_sha): c = a (a0 unchanged, as the host leaves it);
      a0's limbs above 32 bits are 0, and a1's for sha256_compress (higher pointers
      fault); a_0 = 8 pa (keccakf) or 4 pa (sha256_compress) with pa in range16, so the
      state is aligned as the host requires; Main sends ("pcall", [ts, KECCAK | SHA_STATE,
      a_0, a_1]) with multiplicity 50 e_kec + 16 e_sha and ("pcall", [ts, SHA_BLOCK, x_0,
      x_1]) with multiplicity 16 e_sha: one message per memory unit of the call, received
      by the bridge (`precompile.py`), which reads and writes the units by memops at
      slots of step ts and sends them to the Keccak-f / SHA-256 tables.

    NOT PROVEN (the remaining gap): a failing sc makes no memory access, so its address
    is not checked against the memory map (the interpreter faults on a failing sc to
    unmapped or read-only memory; a proof shows it failing, rd = 1).  Every other
    access is checked (memory.py: the Regions table).  A segment's reservation at its start
    is empty (row 0 has rv = 0), and so is the reservation after the last step of a
    segment that does not exit, so segments chain without carrying one (the prover
    cuts a run where no reservation is held, `segments.py`).
    Everything else a step does to the pc, the registers and memory is proven.

    Deviation from the contract's draft: register access times are 4 ts + k with
    k = 1, 2, 3 (not 0, 1, 3), so that no access shares time 0 with the register
    file's initial values (the first step's rs1 read would otherwise need t_prev < 0).

    Degree <= 3 everywhere, every bus field has degree 1 and every multiplicity degree
    <= 2.  Size: RV64 138 main columns, 172 constraints, 58 interactions (rom, optable,
    10 reg, 5 alu, arith, 2 memop, 2 outrd, 2 pcall, 34 range16); RV32 109 columns, 129
    constraints, 55 interactions.
    """
    L = n_limbs(xlen)
    air = Air(MAIN, main=main_columns(xlen, profile), public=PUBLICS)
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
    xv, yv = [C(f"x{i}") for i in range(L)], [C(f"y{i}") for i in range(L)]
    for reg, v, kk, off in ECALL_READS:             # ecalls also read a1 and a2 (other registers, same times)
        d0, d1 = C(f"d0_{kk}"), C(f"d1_{kk}")
        t = 4 * ts + off
        vals = xv if v == "x" else yv
        air.receive(REG, [reg] + vals + [t - 1 - d0 - 65536 * d1], f["ecall"])
        air.send(REG, [reg] + vals + [t], f["ecall"])
        for w in (d0, d1, 4 * d1):
            air.send(RANGE16, [w], f["ecall"])

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

    # ---- memory: the effective address rs1 + imm, below 2^32 (L-limb adder, top carry dropped)
    ea_lo, ea_hi = C("ea_lo"), C("ea_hi")
    ek = [0] + [C(f"ek{i + 1}") for i in range(L)]
    mem = f["load"] + f["store"] + f["sc"]
    for bit in ek[1:]:
        air.constrain(bit * (bit - 1), f"{bit} is boolean")
    for i in range(L):
        z = ea_lo if i == 0 else (ea_hi if i == 1 else 0)
        air.constrain(mem * (a[i] + imm[i] + ek[i] - z - 65536 * ek[i + 1]), f"address adder limb {i}")
    m = {size: f[name] for size, name in SIZE_FLAGS.items()}
    size = m[1] + 2 * m[2] + 4 * m[4] + 8 * m[8]
    mv = [C(f"mv{i}") for i in range(L)]
    mw = [C(f"mw{i}") for i in range(L)]
    X = [C(f"X{i}") for i in range(L)]
    sg, sgtop, hb, lt, sel = C("sg"), C("sgtop"), C("hb"), C("lt"), C("sel")
    aq, rv, rk1, rk2, succ, nm, ri1, ri2 = (C(x) for x in ("aq", "rv", "rk1", "rk2", "succ", "nm", "ri1", "ri2"))
    t1 = MEM_SLOTS * ts + 1                         # slot 0 of step ts (memory.py), the AMO's write slot 1
    air.send(MEMOP, [t1, ea_lo, ea_hi, size, f["store"] + f["sc"]] + mv,
             f["load"] + f["store"] + succ - profile.device(C))
    air.send(MEMOP, [t1 + 1, ea_lo, ea_hi, size, 1] + mw, f["amo"])

    # ---- reads (loads, lr, AMOs): rd = the value read, sign- or zero-extended from its size
    air.constrain(sg * (sg - 1), "sg is boolean")
    air.constrain(sg * (1 - f["signed"]), "sg = 0 unless the load sign-extends")
    top = 256 * m[1] * mv[0] + m[2] * mv[0] + (m[4] * mv[1] if xlen == 64 else 0)
    air.constrain(sgtop - top, "sgtop is the value's top 16 bits at its size")
    air.send(RANGE16, [2 * sgtop - 65536 * sg], f["signed"])
    air.constrain(f["load"] * (c[0] - mv[0]) - 0xFF00 * sg * m[1], "load: c0 is the value's, extended")
    for i in range(1, L):
        ext = m[1] + m[2] + (m[4] if i >= 2 else 0)
        air.constrain(f["load"] * (c[i] - mv[i]) - 0xFFFF * sg * ext, f"load: c{i} is the value's, extended")

    # ---- writes of rs2 (stores, sc): the value is rs2's low size bytes
    wv = f["store"] + f["sc"]
    for i in range(L):
        covers = m[8] + (m[4] if i < 2 else 0) + (m[2] if i < 1 else 0)
        air.constrain(wv * covers * (mv[i] - s[i]), f"store: value limb {i} is rs2's")
    air.constrain(wv * m[1] * (s[0] - mv[0] - 256 * hb), "store byte: s0 = value + 256 hb")
    air.send(RANGE16, [hb], m[1])

    # ---- AMOs: the value written after the read, from c (the old value, extended) and B
    if xlen == 64:
        sb2 = C("sb2")
        B = s[:2] + [C("B2"), C("B3")]
        air.constrain(sb2 * (sb2 - 1), "sb2 is boolean")
        air.send(RANGE16, [2 * s[1] - 65536 * sb2], m[4])
        for i in (2, 3):
            air.constrain(f["amo"] * (B[i] - s[i] - m[4] * (65535 * sb2 - s[i])), f"AMO: B{i} is rs2 at the width")
    else:
        B = s
    alu_amo = f["amo"] - f["swap"] - f["amin"] - f["amax"]
    minmax = f["amin"] + f["amax"]
    air.constrain(lt * (lt - 1), "lt is boolean")
    air.constrain(sel - lt - f["amax"] * (1 - 2 * lt), "sel = lt (min) or 1 - lt (max)")
    for i in range(L):
        air.constrain(f["swap"] * (X[i] - s[i]), f"amoswap: X{i} = rs2")
        air.constrain(minmax * (X[i] - B[i] - sel * (c[i] - B[i])), f"amomin/max: X{i} is the selected operand")
        air.constrain(f["amo"] * (1 if i < 2 else m[8]) * (mw[i] - X[i]), f"AMO: the written limb {i} is X's")
    air.send(ALU, [alu_op] + c + B + X, alu_amo)
    air.send(ALU, [alu_op] + c + B + [lt] + [0] * (L - 1), minmax)

    # ---- atomics: naturally aligned; lr / sc and the reservation
    atomic = f["lr"] + f["sc"] + f["amo"]
    air.constrain(atomic * (ea_lo - (4 * m[4] + 8 * m[8]) * aq), "atomics are aligned")
    air.send(RANGE16, [aq], atomic)
    key = ea_lo + m[8]
    air.constrain(rv * (rv - 1), "rv is boolean")
    air.when_first(rv, "no reservation before the first step")
    air.when_transition(rv.next - rv - f["lr"] * (1 - rv) + f["sc"] * rv, "lr sets the reservation, sc clears it")
    air.when_transition(rk1.next - rk1 - f["lr"] * (key - rk1), "lr reserves its address and size (lo)")
    air.when_transition(rk2.next - rk2 - f["lr"] * (ea_hi - rk2), "lr reserves its address (hi)")
    # a segment that does not exit hands over no reservation (the next one starts
    # without): the padding row after its last step, which it must have, holds none
    air.when_transition((1 - pub("exited")) * ends * rv.next, "no reservation after a segment's last step")
    air.when_last((1 - pub("exited")) * is_real, "a segment that does not exit has a padding row")
    for x in (succ, nm):
        air.constrain(x * (x - 1), f"{x} is boolean")
        air.constrain(x * (1 - f["sc"]), f"{x} only on sc")
    air.constrain(f["sc"] * (rv - succ - nm), "sc: a reservation either matches or not")
    air.constrain(succ * (rk1 - key), "sc succeeds on its reservation (lo, size)")
    air.constrain(succ * (rk2 - ea_hi), "sc succeeds on its reservation (hi)")
    air.constrain(nm * (1 - (rk1 - key) * ri1 - (rk2 - ea_hi) * ri2), "sc fails on another reservation")
    air.constrain(f["sc"] * (c[0] - 1 + succ), "sc: rd = 0 on success, 1 on failure")
    for i in range(1, L):
        air.constrain(f["sc"] * c[i], f"sc: c{i} = 0")
    for v in (ea_lo, ea_hi):
        air.send(RANGE16, [v], f["sc"])

    # ---- ecalls: exit, write and the precompiles (any other a7 has no kind: unprovable)
    e_exit, e_con, e_out, e_kec, e_sha = C("e_exit"), C("e_con"), C("e_out"), C("e_kec"), C("e_sha")
    e_wr, e_pre = e_con + e_out, e_kec + e_sha
    oi, pq, pb0, pb1, zk, zq, zb0, zb1, zhi = (C(x) for x in ("oi", "pq", "pb0", "pb1", "zk", "zq", "zb0", "zb1",
                                                              "zhi"))
    for x in (e_exit, e_con, e_out, e_kec, e_sha, pb0, pb1, zk, zb0, zb1):
        air.constrain(x * (x - 1), f"{x} is boolean")
    air.constrain(e_exit + e_con + e_out + e_pre - f["ecall"], "an ecall is an exit, a write or a precompile")
    air.constrain(f["ecall"] * s[0] - SYS_EXIT * e_exit - SYS_WRITE * e_wr - SYS_KECCAKF * e_kec
                  - SYS_SHA256_COMPRESS * e_sha, f"ecall: a7 is one of {_PROVEN}")
    for i in range(1, L):
        air.constrain(f["ecall"] * s[i], f"ecall: a7 limb {i} is 0")
    for i in range(L):
        air.constrain((e_exit + e_pre) * (c[i] - a[i]), f"exit, precompile: a0 limb {i} is unchanged")
        air.constrain(e_wr * (c[i] - yv[i]), f"write: a0 limb {i} = len's")
    for i in range(1, L):
        air.constrain(e_wr * a[i], f"write: fd limb {i} is 0")
    air.constrain(e_out * (a[0] - 3), "output write: fd 3")
    air.constrain(e_con * (a[0] - 1) * (a[0] - 2), "console write: fd 1 or 2")
    air.when_transition(e_exit * is_real.next, "no step after exit")
    exited = pub("exited")
    air.when_first(exited * (exited - 1), "exited is boolean")
    for what, e in (("ends in an exit", exited * (1 - e_exit)), ("exit code lo", exited * a[0] - pub("exit_lo")),
                    ("exit code hi", exited * a[1] - pub("exit_hi"))):
        air.when_transition(ends * e, f"an exited run: the last real row {what}")
        air.when_last(is_real * e, f"an exited run: a real last row {what}")
    # the public output: oi = bytes written to fd 3 before this step; [ptr, ptr + len) below 2^32
    length = yv[0] + 65536 * yv[1]
    air.when_first(oi, "no output before the first step")
    air.when_transition(oi.next - oi - e_out * length, "oi counts the output bytes")
    for i in range(2, L):
        air.constrain(e_out * xv[i], f"output write: ptr limb {i} is 0")
        air.constrain(e_out * yv[i], f"output write: len limb {i} is 0")
    air.constrain(e_out * (xv[0] - 4 * pq - pb0 - 2 * pb1), "output write: ptr_lo = 4 pq + pb")
    air.constrain(e_out * (xv[0] + yv[0] - 4 * zq - zb0 - 2 * zb1 - 65536 * zk), "output write: end lo")
    air.constrain(e_out * (xv[1] + yv[1] + zk - zhi), "output write: end hi (below 2^32)")
    for v in (pq, 4 * pq, zq, 4 * zq, zhi):
        air.send(RANGE16, [v], e_out)
    air.send(OUTRD, [ts, pq + 16384 * xv[1], pb0 + 2 * pb1, oi], e_out)
    air.receive(OUTRD, [ts, zq + 16384 * zhi, zb0 + 2 * zb1, oi + length], e_out)
    # the precompiles: a0 (and a1) below 2^32, the state aligned; the bridge does the rest
    pa = C("pa")
    for i in range(2, L):
        air.constrain(e_pre * a[i], f"precompile: a0 limb {i} is 0")
        air.constrain(e_sha * xv[i], f"sha256_compress: a1 limb {i} is 0")
    air.constrain(e_pre * a[0] - (8 * e_kec + 4 * e_sha) * pa, "precompile: the state is 8- (keccakf) or 4-aligned")
    air.send(RANGE16, [pa], e_pre)
    air.send(PCALL, [ts, KECCAK * e_kec + SHA_STATE * e_sha, a[0], a[1]],
             UNITS[KECCAK] * e_kec + UNITS[SHA_STATE] * e_sha)
    air.send(PCALL, [ts, SHA_BLOCK, xv[0], xv[1]], UNITS[SHA_BLOCK] * e_sha)
    profile.constrain(air, xlen)
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
    memory_rows: np.ndarray             # MEMORY_ROW: every "memop" message, in time order
    memory_times: np.ndarray            # (memops,) int64: their times t (MEM_SLOTS ts + 1, AMO writes + 1)
    output_calls: np.ndarray            # (writes to fd 3, 4) int64: ts, ptr, len, output index before it
    precompile_calls: np.ndarray        # (precompile ecalls, 4) uint64: ts, a7, a0, a1 ("pcall", precompile.py)


@dataclass
class MainTrace:
    """The Main table's trace, its public values and its lookups."""
    main: np.ndarray                    # (2^k, columns) uint32
    public: list[int]                   # PUBLICS
    lookups: MainLookups
    xlen: int


def _col_index(xlen: int, profile: MainProfile = ZKAOT_MAIN) -> dict[str, int]:
    return {name: i for i, name in enumerate(main_columns(xlen, profile))}


def _register_chain(regs, offsets, valid, writes, values, init):
    """Values before, and previous times of, every register access (vectorized offline
    memory checking): row i's access j is of register regs[i, j] at 4 i + offsets[j],
    made when valid[i, j], a write of values[i, j] when writes[i, j] (offsets may repeat
    for distinct registers).  Returns (before (n, A) uint64, t_prev (n, A) int64, final
    values, final times)."""
    n, A = regs.shape
    reg = regs.reshape(-1).astype(np.int64)
    t = (4 * np.arange(n, dtype=np.int64)[:, None] + np.asarray(offsets)[None, :]).reshape(-1)
    valid = valid.reshape(-1)
    is_write = (writes & valid.reshape(n, A)).reshape(-1)
    value = values.reshape(-1)
    idx = np.flatnonzero(valid)
    order = idx[np.lexsort((t[idx], reg[idx]))]             # by register, then time
    sr, st, sw, sv = reg[order], t[order], is_write[order], value[order]
    m = order.size
    pos = np.arange(m)
    start = np.ones(m, dtype=bool)
    start[1:] = sr[1:] != sr[:-1]
    first = np.maximum.accumulate(np.where(start, pos, 0)) if m else pos
    last_write = np.maximum.accumulate(np.where(sw, pos, -1)) if m else pos
    prior = np.concatenate([[-1], last_write[:-1]])
    before = np.where(prior >= first, sv[np.maximum(prior, 0)], init[sr])
    prev_t = np.concatenate([[0], st[:-1]])
    prev_t[start] = 0
    out_before = np.zeros(n * A, dtype=np.uint64)
    out_prev = np.zeros(n * A, dtype=np.int64)
    out_before[order] = before
    out_prev[order] = prev_t
    end = np.ones(m, dtype=bool)
    end[:-1] = start[1:]
    final_v, final_t = init.copy(), np.zeros(N_REGS, dtype=np.int64)
    final_v[sr[end]] = np.where(sw, sv, before)[end]
    final_t[sr[end]] = st[end]
    return out_before.reshape(n, A), out_prev.reshape(n, A), final_v, final_t


def _memory_columns(rows, is_, F, av, sv, imm, xlen, strict) -> dict:
    """The memory columns of Main's real rows (address, values read and written, sign
    bits, AMO results, alignment, the reservation): {"columns": {name: values}, "ext":
    the value read, extended as rd gets it, "padding": {name: value} for padding rows}."""
    L = n_limbs(xlen)
    n = rows.size
    mask = np.uint64((1 << xlen) - 1)
    load, store, sc, amo, lr = is_["load"], is_["store"], is_["sc"], is_["amo"], is_["lr"]
    size = sum(F[f"f_{name}"] * k for k, name in SIZE_FLAGS.items()).astype(np.int64)
    memrow = load | store | sc
    width = np.where(size >= 8, np.uint64(0xFFFF_FFFF_FFFF_FFFF),
                     (np.uint64(1) << (np.uint64(8) * size.astype(np.uint64))) - np.uint64(1)) & mask
    width = np.where(memrow, width, np.uint64(0))
    cols: dict[str, np.ndarray] = {}

    # the effective address: taken from the trace (a forged one fails the adder, whose
    # carries are rs1 + imm's)
    ea = np.where(memrow, rows["addr"].astype(np.uint64), np.uint64(0))
    if strict and not np.array_equal(ea[memrow], (av + imm)[memrow] & mask):
        bad = int(np.flatnonzero(memrow & (ea != (av + imm) & mask))[0])
        raise ValueError(f"step {bad}: the trace's address is not rs1 + imm")
    if (ea >> np.uint64(32)).any():
        bad = int(np.flatnonzero(ea >> np.uint64(32))[0])
        raise ValueError(f"step {bad}: an access above 2^32 faults, it cannot retire")
    ea = ea.astype(np.int64)
    ez = np.zeros((n, L), dtype=np.int64)
    ez[:, 0], ez[:, 1] = ea & 0xFFFF, ea >> 16
    al, il = to_limbs(av, xlen).astype(np.int64), to_limbs(imm, xlen).astype(np.int64)
    carry = np.zeros(n, dtype=np.int64)
    cols["ea_lo"], cols["ea_hi"] = ez[:, 0], ez[:, 1]
    for i in range(L):
        carry = np.where(memrow, (al[:, i] + il[:, i] + carry) >> 16, 0)
        cols[f"ek{i + 1}"] = carry

    # the value read (loads: the trace's raw bytes) or written (stores: the trace's; sc: rs2's)
    mv = np.where(load, rows["mem"].astype(np.uint64), np.uint64(0)) & width
    mv = np.where(store, rows["c"].astype(np.uint64) & width, mv)
    if strict and not np.array_equal(mv[store], sv[store] & width[store]):
        raise ValueError("a store's value in the trace is not rs2's low bytes")
    mv = np.where(sc, sv & width, mv)
    signed = F["f_signed"].astype(bool)
    top_bit = np.where(size > 0, np.uint64(8) * size.astype(np.uint64) - np.uint64(1), np.uint64(0))
    sg = signed & (((mv >> top_bit) & np.uint64(1)) == 1)
    ext = np.where(sg, mv | (mask & ~width), mv)
    mvl = to_limbs(mv, xlen).astype(np.int64)
    for i in range(L):
        cols[f"mv{i}"] = mvl[:, i]
    m = {k: F[f"f_{name}"] for k, name in SIZE_FLAGS.items()}
    cols["sg"] = sg
    cols["sgtop"] = 256 * m[1] * mvl[:, 0] + m[2] * mvl[:, 0] + (m[4] * mvl[:, 1] if xlen == 64 else 0)
    sl = to_limbs(sv, xlen).astype(np.int64)
    cols["hb"] = np.where(store & (m[1] == 1), (sl[:, 0] - mvl[:, 0]) >> 8, 0)

    # AMOs: A = the old value extended (rd's value), B = rs2 at the width, X the result
    A = ext
    if xlen == 64:
        sb2 = np.where(m[4] == 1, sl[:, 1] >> 15, 0)
        low = sv & np.uint64(0xFFFF_FFFF)
        B = np.where(amo & (m[4] == 1), np.where(sb2 == 1, low | np.uint64(0xFFFF_FFFF_0000_0000), low), sv)
        B = np.where(amo, B, np.uint64(0))
        Bl = to_limbs(B, xlen).astype(np.int64)
        cols["B2"], cols["B3"], cols["sb2"] = Bl[:, 2], Bl[:, 3], sb2
    else:
        B = sv
    alu_op = F["alu_op"]
    sign = np.uint64(1 << (xlen - 1))
    minmax = is_["amin"] | is_["amax"]
    lt = np.where(alu_op == OP_ID["sltu"], A < B, (A ^ sign) < (B ^ sign)) & minmax
    sel = np.where(is_["amax"], ~lt, lt)
    X = np.zeros(n, dtype=np.uint64)
    for name, value in (("add", (A + B) & mask), ("xor", A ^ B), ("and", A & B), ("or", A | B)):
        X = np.where(amo & (alu_op == OP_ID[name]), value, X)
    X = np.where(is_["swap"], sv, X)
    X = np.where(minmax, np.where(sel, A, B), X)
    X = np.where(amo, X, np.uint64(0))
    Xl, mwl = to_limbs(X, xlen).astype(np.int64), to_limbs(X & width, xlen).astype(np.int64)
    for i in range(L):
        cols[f"X{i}"], cols[f"mw{i}"] = Xl[:, i], mwl[:, i]
    cols["lt"], cols["sel"] = lt, sel & minmax

    # atomics: aligned; the reservation (state before each step) and sc's outcome
    atomic = lr | sc | amo
    cols["aq"] = np.where(atomic, ez[:, 0] // np.maximum(size, 1), 0)
    key = ez[:, 0] + m[8]
    pos = np.arange(n)
    last_ev = np.maximum.accumulate(np.where(lr | sc, pos, -1))
    last_lr = np.maximum.accumulate(np.where(lr, pos, -1))
    after_rv = (last_ev >= 0) & lr[np.maximum(last_ev, 0)]
    after_k1 = np.where(last_lr >= 0, key[np.maximum(last_lr, 0)], 0)
    after_k2 = np.where(last_lr >= 0, ez[np.maximum(last_lr, 0), 1], 0)
    rv = np.concatenate([[False], after_rv[:-1]])
    rk1 = np.concatenate([[0], after_k1[:-1]])
    rk2 = np.concatenate([[0], after_k2[:-1]])
    succ = sc & (rows["c"] == 0)
    matches = rv & (rk1 == key) & (rk2 == ez[:, 1])
    if strict and not np.array_equal(succ[sc], matches[sc]):
        bad = int(np.flatnonzero(sc & (succ != matches))[0])
        raise ValueError(f"step {bad}: the trace's sc outcome is not its reservation's")
    nm = sc & rv & ~succ
    d1, d2 = (rk1 - key) % P, (rk2 - ez[:, 1]) % P
    ri1, ri2 = np.zeros(n, dtype=np.uint32), np.zeros(n, dtype=np.uint32)
    first = nm & (d1 != 0)
    second = nm & (d1 == 0) & (d2 != 0)
    if first.any():
        ri1[first] = field.inv(d1[first].astype(np.uint32))
    if second.any():
        ri2[second] = field.inv(d2[second].astype(np.uint32))
    cols.update(rv=rv, rk1=rk1, rk2=rk2, succ=succ, nm=nm, ri1=ri1, ri2=ri2)
    padding = {"rv": int(after_rv[-1]), "rk1": int(after_k1[-1]), "rk2": int(after_k2[-1])}
    return {"columns": cols, "ext": ext, "padding": padding}


def _ecall_columns(ecall, av, sv, xv, yv, written, n, strict) -> dict:
    """The ecall columns of Main's real rows (kinds, the output-write decomposition, the
    output index, the precompile state's alignment): {"columns": {name: values}, "total":
    output bytes}.  ValueError for an ecall no proof can contain (another a7, a write to
    another fd, an exit before the last step, an output range reaching 2^32, a
    precompile that faults: its pointers at or above 2^32, a misaligned state)."""
    exit_ = ecall & (sv == SYS_EXIT)
    write = ecall & (sv == SYS_WRITE)
    kec = ecall & (sv == SYS_KECCAKF)
    sha = ecall & (sv == SYS_SHA256_COMPRESS)
    pre = kec | sha
    if (ecall & ~exit_ & ~write & ~pre).any():
        bad = int(np.flatnonzero(ecall & ~exit_ & ~write & ~pre)[0])
        call = ZKAOT.by_selector.get(Ecall(A7, int(sv[bad])))
        named = f" ({call.name}: nothing proves it)" if call else ""
        raise ValueError(f"step {bad}: ecall a7 = {int(sv[bad])}{named}: only {_PROVEN} exist")
    align = np.where(kec, 8, 4)
    bad_pre = pre & (((av >> np.uint64(32)) != 0) | (sha & ((xv >> np.uint64(32)) != 0))
                     | ((av & np.uint64(7)).astype(np.int64) % align != 0))
    if bad_pre.any():
        bad = int(np.flatnonzero(bad_pre)[0])
        raise ValueError(f"step {bad}: a precompile with a0 = {int(av[bad]):#x}, a1 = {int(xv[bad]):#x} faults "
                         "(a misaligned state or a pointer above 2^32), it cannot retire")
    out = write & (av == 3)
    con = write & ((av == 1) | (av == 2))
    if (write & ~out & ~con).any():
        bad = int(np.flatnonzero(write & ~out & ~con)[0])
        raise ValueError(f"step {bad}: a write to fd {int(av[bad])} faults, it cannot retire")
    if exit_[:-1].any():
        raise ValueError(f"step {int(np.flatnonzero(exit_[:-1])[0])}: a step after the exit")
    keep = exit_ | pre
    if strict and not (np.array_equal(written[keep], av[keep]) and np.array_equal(written[write], yv[write])):
        raise ValueError("an ecall's a0 in the trace is not the call's result (exit, precompiles: a0, write: len)")
    ptr = np.where(out, xv, np.uint64(0)).astype(np.uint64)
    ln = np.where(out, yv, np.uint64(0)).astype(np.uint64)
    if ((ptr >> np.uint64(32)) | (ln >> np.uint64(32)) | ((ptr + ln) >> np.uint64(32))).any():
        bad = int(np.flatnonzero((ptr >> np.uint64(32)) | (ln >> np.uint64(32)) | ((ptr + ln) >> np.uint64(32)))[0])
        raise ValueError(f"step {bad}: an output write reaching 2^32 cannot be proven")
    ptr, ln = ptr.astype(np.int64), ln.astype(np.int64)
    end = ptr + ln
    oi = np.concatenate([[0], np.cumsum(ln)[:-1]]) if n else ln
    cols = {"e_exit": exit_, "e_con": con, "e_out": out, "e_kec": kec, "e_sha": sha,
            "pa": np.where(pre, (av & np.uint64(0xFFFF)).astype(np.int64) // align, 0), "oi": oi % P,
            "pq": (ptr & 0xFFFF) >> 2, "pb0": ptr & 1, "pb1": (ptr >> 1) & 1,
            "zk": ((ptr & 0xFFFF) + (ln & 0xFFFF)) >> 16, "zq": (end & 0xFFFF) >> 2, "zb0": end & 1,
            "zb1": (end >> 1) & 1, "zhi": end >> 16}
    return {"columns": cols, "total": int(ln.sum()) % P}


def main_trace(program, rows: np.ndarray, xlen: int | None = None, *, initial=None, height: int | None = None,
               strict: bool = True, profile: MainProfile = ZKAOT_MAIN, initial_memory=None,
               precompiles: np.ndarray | None = None) -> MainTrace:
    """The Main table of MAIN_ROW rows (steps 0.. of a run from `rows[0].pc`, with the
    registers `initial` before it, default all 0), padded to a power of two (at least 4,
    with a padding row after a run that does not exit, or `height`), with its public
    values and lookups.

    Taken from the trace: the pcs (the ROM gives each step's instruction), the value
    each writing step writes to rd (c; 0 for rd = x0, whose result is not checked)
    and nothing else: register values are those the writes leave, next pcs are computed
    from the instruction.  strict=True also requires the trace to agree (its op, a, b,
    next_pc and branch outcomes); strict=False builds the table of whatever steps are
    given (the soundness tests feed it forged runs).  `profile`: the machine profile's
    calls (`main_profile.py`), whose columns may read `initial_memory(addrs)`, memory's
    bytes at the segment's start, and the trace's PRECOMPILE_ROW rows (`precompiles`)."""
    xlen = xlen or program.xlen
    L = n_limbs(xlen)
    if rows.ndim != 1 or rows.size == 0:
        raise ValueError("main_trace needs at least one step")
    n_real = rows.size
    init = initial_registers(initial)
    mask = np.uint64((1 << xlen) - 1)
    pc = rows["pc"].astype(np.uint64)
    rom = rom_messages(program, pc, profile.extensions).astype(np.int64)
    op = rom[:, 2]
    if strict and not np.array_equal(op, rows["op"]):
        raise ValueError("the trace's op ids are not the ROM's")
    flags, legal = op_flags(xlen, profile.csr)
    if not legal[op].all():
        bad = int(op[~legal[op]][0])
        raise ValueError(f"a step runs {BY_ID[bad].name}, which no step can retire")
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

    ecall_b = ecall.astype(bool)
    ones, zeros = np.ones(n_real, bool), np.zeros(n_real, bool)
    regs = np.stack([r1, r2, rw, np.full(n_real, A1), np.full(n_real, A2)], axis=1)
    zero_v = np.zeros(n_real, np.uint64)
    before, t_prev, _, _ = _register_chain(regs, [1, 2, 3, 1, 2], np.stack([ones, ones, wr, ecall_b, ecall_b], 1),
                                           np.stack([zeros, zeros, wr, zeros, zeros], 1),
                                           np.stack([zero_v, zero_v, written, zero_v, zero_v], 1), init)
    av, sv, ov = before[:, 0], before[:, 1], np.where(wr, before[:, 2], np.uint64(0))
    xv, yv = np.where(ecall_b, before[:, 3], np.uint64(0)), np.where(ecall_b, before[:, 4], np.uint64(0))
    ec = _ecall_columns(ecall_b, av, sv, xv, yv, written, n_real, strict)
    if strict:
        fmt = _FORMAT[op]
        has_a = ~np.isin(fmt, ["U", "J", "FENCE", "CSRI"])      # (a CSRI's a is its zimm)
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
    memory = _memory_columns(rows, is_, F, av, sv, imm, xlen, strict)
    load = is_["load"]
    if strict and not np.array_equal(written[load & wr], memory["ext"][load & wr]):
        bad = int(np.flatnonzero(load & wr & (written != memory["ext"]))[0])
        raise ValueError(f"step {bad}: the value the trace loads into rd is not the value read, extended")
    cv = np.where(load & ~wr, memory["ext"], cv)              # a load into x0 still reads: c = the value read
    cv = np.where(is_["sc"], rows["c"].astype(np.uint64) & mask, cv)    # sc's result code, also for x0

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
        branch = OP_CLASS[op] == CLASSES.index("branch")
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

    # the table, column-major while filling; a run cut before its exit ends with a padding row
    exited = bool(ec["columns"]["e_exit"][-1])
    n = height or pow2_height(n_real + (not exited))
    if n < n_real or n & (n - 1):
        raise ValueError(f"height {n} is not a power of two >= {n_real}")
    if n > 1 << 22:
        raise ValueError(f"{n_real} steps: Main has at most 2^22 rows (memory times must stay below 2^29)")
    index = _col_index(xlen, profile)
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
    t_now = 4 * np.arange(n_real, dtype=np.int64)[:, None] + np.array([1, 2, 3, 1, 2])
    gap = np.where(np.stack([ones, ones, wr, ecall_b, ecall_b], axis=1), t_now - t_prev - 1, 0)
    for col, kk in enumerate((1, 2, 3, 4, 5)):
        put(f"d0_{kk}", gap[:, col] & 0xFFFF)
        put(f"d1_{kk}", gap[:, col] >> 16)
    for v, values in (("x", xv), ("y", yv)):
        vl = to_limbs(values, xlen)
        for i in range(L):
            put(f"{v}{i}", vl[:, i])
    for name, values in ec["columns"].items():
        put(name, values)
    buf[index["oi"], n_real:] = ec["total"]             # padding keeps the output count
    for name, values in memory["columns"].items():
        put(name, values)
    for name, value in memory["padding"].items():       # the reservation after the last step
        buf[index[name], n_real:] = value
    steps = {"op": op, "rd": rd, "rs1": rs1, "imm": imm, "a": av, "addr": rows["addr"],
             "store1": is_["store"] & is_["m1"], "csr": is_["wit"] & ~ecall_b, "precompiles": precompiles}
    for name, values in profile.fill(steps, initial_memory).items():
        put(name, values)
    # padding rows: pc 0, every flag 0, so the adder gives npc = 4 (nq = 1); a = s = 0, so eq = 1
    buf[index["nq"], n_real:] = 1
    buf[index["eq"], n_real:] = 1
    main = np.ascontiguousarray(buf.T)
    last = int(npc[-1])
    code = int(av[-1]) & 0xFFFF_FFFF if exited else 0
    public = [int(pc[0]) & 0xFFFF, int(pc[0]) >> 16, last & 0xFFFF, last >> 16, int(exited), code & 0xFFFF,
              code >> 16, n_real]
    return MainTrace(main, public, _lookups(buf, xlen, init, profile), xlen)


def main_lookups(main: np.ndarray, xlen: int, *, initial=None, profile: MainProfile = ZKAOT_MAIN) -> MainLookups:
    """Every message a Main table sends, read off its columns: what the receiving tables'
    traces and multiplicities must be built from for the bus to balance."""
    return _lookups(np.ascontiguousarray(np.asarray(main, dtype=np.uint32).T), xlen, initial, profile)


class _ColumnView(dict):
    """Columns of a column-major table by name, as int64, converted on first use."""

    def __init__(self, buf, index):
        super().__init__()
        self.buf, self.index = buf, index

    def __missing__(self, name):
        v = self.buf[self.index[name]].astype(np.int64)
        self[name] = v
        return v


def _lookups(buf: np.ndarray, xlen: int, initial, profile: MainProfile = ZKAOT_MAIN) -> MainLookups:
    """`main_lookups` on the column-major table buf (columns, rows)."""
    L = n_limbs(xlen)
    index = _col_index(xlen, profile)
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
    B = value("s")
    if xlen == 64:
        B = (B & np.uint64(0xFFFF_FFFF)) | (col["B2"].astype(np.uint64) << np.uint64(32)) \
            | (col["B3"].astype(np.uint64) << np.uint64(48))
    X, lt = value("X"), col["lt"].astype(np.uint64)
    minmax = (flag["amin"] == 1) | (flag["amax"] == 1)
    alu_amo = (flag["amo"] == 1) & (flag["swap"] == 0) & ~minmax

    def amo_rows(sel, result):
        sel = np.flatnonzero(sel)
        out = np.zeros(sel.size, dtype=ALU_ROW)
        out["step"], out["op"], out["a"], out["b"], out["c"] = ts[sel], col["alu_op"][sel], c[sel], B[sel], result[sel]
        return out

    alu = np.concatenate([alu, amo_rows(alu_amo, X), amo_rows(minmax, lt)])
    alu = alu[np.argsort(alu["step"], kind="stable")]
    arith = alu_rows((flag["arith"] == 1) & writes, col["op"], a, s)
    extra = profile.lookups(col, value, xlen)
    memory_rows, memory_times = _memops(col, flag, value, xlen, extra)

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
    atomic = flag["lr"] + flag["sc"] + flag["amo"]
    range16 += [repeat((2 * col["sgtop"] - 65536 * col["sg"]) % P, flag["signed"]), repeat(col["hb"], flag["m1"]),
                repeat(col["aq"], atomic), repeat(col["ea_lo"], flag["sc"]), repeat(col["ea_hi"], flag["sc"])]
    if xlen == 64:
        range16 += [repeat((2 * col["s1"] - 65536 * col["sb2"]) % P, flag["m4"])]
    for _, _, kk, _ in ECALL_READS:
        d0, d1 = col[f"d0_{kk}"], col[f"d1_{kk}"]
        range16 += [repeat(d0, flag["ecall"]), repeat(d1, flag["ecall"]), repeat(4 * d1, flag["ecall"])]
    e_out = col["e_out"]
    range16 += [repeat(col["pq"], e_out), repeat(4 * col["pq"], e_out), repeat(col["zq"], e_out),
                repeat(4 * col["zq"], e_out), repeat(col["zhi"], e_out)]
    e_pre = col["e_kec"] + col["e_sha"]
    range16 += [repeat(col["pa"], e_pre)] + extra.range16

    # the register file's final state: each register's last access
    ecall = flag["ecall"]
    x, y = value("x"), value("y")
    regs = np.concatenate([col["rs1"] + A0 * ecall, col["rs2"] + A7 * ecall, col["rd"] + A0 * ecall,
                           np.full_like(ecall, A1), np.full_like(ecall, A2)])
    times = np.concatenate([4 * col["ts"] + 1, 4 * col["ts"] + 2, 4 * col["ts"] + 3, 4 * col["ts"] + 1,
                            4 * col["ts"] + 2])
    values = np.concatenate([a, s, c, x, y])
    active = np.concatenate([real, real, wr == 1, ecall == 1, ecall == 1])
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
    outs = np.flatnonzero(e_out == 1)
    calls = np.stack([col["ts"][outs], (x[outs] & np.uint64(0xFFFF_FFFF)).astype(np.int64),
                      (y[outs] & np.uint64(0xFFFF_FFFF)).astype(np.int64), col["oi"][outs]], axis=1)
    pre = np.flatnonzero(e_pre == 1)
    pcalls = np.concatenate([np.stack([ts[pre], s[pre], a[pre], x[pre]], axis=1).reshape(-1, 4),
                             extra.precompile_calls.astype(np.uint64)])
    calls = np.concatenate([calls.reshape(-1, 4), extra.output_calls.astype(np.int64)])
    pcalls, calls = pcalls[np.argsort(pcalls[:, 0], kind="stable")], calls[np.argsort(calls[:, 0], kind="stable")]
    return MainLookups(pc[real], col["op"][real], alu, arith, range16, final_v, final_t, memory_rows, memory_times,
                       calls, pcalls)


def _memops(col, flag, value, xlen: int, extra) -> tuple[np.ndarray, np.ndarray]:
    """The "memop" messages of a Main table as MEMORY_ROW rows and their times, in time
    order: the access of loads, stores (but a profile's device stores), lr, successful sc
    and AMO reads at slot 0 (MEM_SLOTS ts + 1), the AMO writes at slot 1, and the memops
    of the profile's calls (`extra`, main_profile.ProfileLookups)."""
    size = col["f_m1"] + 2 * col["f_m2"] + 4 * col["f_m4"] + 8 * col["f_m8"]
    addr = col["ea_lo"] + (col["ea_hi"] << 16)
    first = np.flatnonzero((flag["load"] + flag["store"] + col["succ"] - extra.device) == 1)
    second = np.flatnonzero(flag["amo"] == 1)
    sel = np.concatenate([first, second])
    out = np.zeros(sel.size, dtype=MEMORY_ROW)
    out["step"] = col["ts"][sel]
    out["addr"] = addr[sel]
    out["value"] = np.concatenate([value("mv")[first], value("mw")[second]])
    out["size"] = size[sel]
    out["is_write"] = np.concatenate([flag["store"][first] + flag["sc"][first], np.ones(second.size, np.int64)])
    out["op"] = col["op"][sel]
    times = np.concatenate([MEM_SLOTS * col["ts"][first] + 1, MEM_SLOTS * col["ts"][second] + 2, extra.memory_times])
    out = np.concatenate([out, extra.memory_rows])
    order = np.argsort(times, kind="stable")
    return out[order], times[order]
