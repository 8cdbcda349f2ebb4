"""Memory: what loads, stores, sc and AMOs read and write (docs/riscv-air.md, "Memory";
`prover/riscv/memory.py` receives the messages).

- address: ea = rs1 + imm on load, store and sc rows (mem = f_load + f_store + f_sc) by
  an L-limb adder a_i + imm_i + ek_i = Z_i + 2^16 ek_(i+1), ek boolean,
  Z = (ea_lo, ea_hi, 0, ..): the limbs above 32 bits are 0 (such an access faults), the
  top carry is dropped.  MemAccess range-checks ea_lo and ea_hi of every access it
  receives (a failing sc sends none: `atomics.py` range-checks them there).
- ("memop", [MEM_SLOTS ts + 1, ea_lo, ea_hi, size, f_store + f_sc, mv]) with
  multiplicity f_load + f_store + succ - device (loads, lr, AMO reads, stores, successful
  sc; device, the profile's term, `profile.py`: 1 on a store that reaches a device, such
  as ZisK's UART, which is no memory access; 0 for zkaot) and
  ("memop", [MEM_SLOTS ts + 2, ea_lo, ea_hi, size, 1, mw]) with multiplicity f_amo (the
  AMO's write): slots 0 and 1 of step ts (MEM_SLOTS = 128); size = m1 + 2 m2 + 4 m4 +
  8 m8 from the op-class flags.  MemAccess proves that mv / mw are zero-extended raw
  bytes (bytes at and above size are 0, every byte range-checked) and that a read's mv
  is what memory holds.
- reads (f_load): c = mv extended: c_0 = mv_0 + 0xFF00 sg m1, c_i = mv_i + 0xFFFF sg
  [i-th limb above size]; sg boolean, 0 unless f_signed, and the top bit of
  sgtop = 256 m1 mv_0 + m2 mv_0 + m4 mv_1 (RV64) by ("range16", [2 sgtop - 2^16 sg]) with
  multiplicity f_signed (as the ALU proves signs).  A load into x0 still reads (its c is
  constrained, not written).
- writes of rs2 (f_store, f_sc): mv_i = s_i on the limbs inside size (degree 3); a byte
  store: s_0 = mv_0 + 256 hb with hb in range16 (multiplicity m1), so mv_0 = s_0 mod 256.
- AMOs (f_amo, also f_load: rd = the old value extended): B = rs2 at the width (RV64 .w:
  B_2 = B_3 = 0xFFFF sb2, sb2 the sign of s_1 by range16 with multiplicity m4; else
  B = s), X the result: amoswap X = s; amomin/max(u) send ("alu", [slt | sltu, c, B,
  lt, 0..]) and X = B + sel (c - B), sel = lt (min) or 1 - lt (max); the others send
  ("alu", [add | xor | and | or, c, B, X]); then mw_i = X_i on the limbs inside size.
  On RV64 .w, c and B are the sign-extended 32-bit values, whose signed and unsigned
  64-bit orders are the 32-bit ones, and whose sum / bitwise ops have the right low 32
  bits.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from runtime.trace import MEMORY_ROW

from ..alu import ALU
from ...field import P
from ..layout import limbs
from ..limbs import n_limbs, to_limbs, write_limbs
from ..memory import MEM_SLOTS, MEMOP
from ..optable import OP_ID, SIZE_FLAGS
from ..ranges import RANGE16
from .execute import alu_rows


def fields(xlen: int) -> dict:
    L = n_limbs(xlen)
    wide = {"B2": "B2", "B3": "B3", "sb2": "sb2"} if xlen == 64 else {}       # rs2 sign-extended from 32 bits
    return {"ea_lo": "ea_lo", "ea_hi": "ea_hi", "ek": limbs("ek", L, 1),       # the address rs1 + imm
            "mv": limbs("mv", L), "sg": "sg", "sgtop": "sgtop", "hb": "hb",     # the value read or stored
            **wide, "X": limbs("X", L), "mw": limbs("mw", L), "lt": "lt", "sel": "sel"}   # AMO results


def sizes(m) -> dict:
    """{size in bytes: its flag}."""
    return {size: m.f[name] for size, name in SIZE_FLAGS.items()}


def constrain(air, m, xlen: int) -> None:
    L = n_limbs(xlen)
    f, a, s, c, mv, mw, X = m.f, m.a, m.s, m.c, m.mv, m.mw, m.X
    sg, sgtop, lt, sel = m.sg, m.sgtop, m.lt, m.sel
    ek = [0] + m.ek
    mem = f["load"] + f["store"] + f["sc"]
    for bit in ek[1:]:
        air.constrain(bit * (bit - 1), f"{bit} is boolean")
    for i in range(L):
        z = m.ea_lo if i == 0 else (m.ea_hi if i == 1 else 0)
        air.constrain(mem * (a[i] + m.imm[i] + ek[i] - z - 65536 * ek[i + 1]), f"address adder limb {i}")
    sz = sizes(m)
    size = sz[1] + 2 * sz[2] + 4 * sz[4] + 8 * sz[8]
    t1 = MEM_SLOTS * m.ts + 1                       # slot 0 of step ts (memory.py), the AMO's write slot 1
    air.send(MEMOP, [t1, m.ea_lo, m.ea_hi, size, f["store"] + f["sc"]] + mv,
             f["load"] + f["store"] + m.succ - m.device)
    air.send(MEMOP, [t1 + 1, m.ea_lo, m.ea_hi, size, 1] + mw, f["amo"])

    air.constrain(sg * (sg - 1), "sg is boolean")
    air.constrain(sg * (1 - f["signed"]), "sg = 0 unless the load sign-extends")
    top = 256 * sz[1] * mv[0] + sz[2] * mv[0] + (sz[4] * mv[1] if xlen == 64 else 0)
    air.constrain(sgtop - top, "sgtop is the value's top 16 bits at its size")
    air.send(RANGE16, [2 * sgtop - 65536 * sg], f["signed"])
    air.constrain(f["load"] * (c[0] - mv[0]) - 0xFF00 * sg * sz[1], "load: c0 is the value's, extended")
    for i in range(1, L):
        ext = sz[1] + sz[2] + (sz[4] if i >= 2 else 0)
        air.constrain(f["load"] * (c[i] - mv[i]) - 0xFFFF * sg * ext, f"load: c{i} is the value's, extended")

    wv = f["store"] + f["sc"]
    for i in range(L):
        covers = sz[8] + (sz[4] if i < 2 else 0) + (sz[2] if i < 1 else 0)
        air.constrain(wv * covers * (mv[i] - s[i]), f"store: value limb {i} is rs2's")
    air.constrain(wv * sz[1] * (s[0] - mv[0] - 256 * m.hb), "store byte: s0 = value + 256 hb")
    air.send(RANGE16, [m.hb], sz[1])

    B = _rs2_at_width(air, m, xlen)
    alu_amo = f["amo"] - f["swap"] - f["amin"] - f["amax"]
    minmax = f["amin"] + f["amax"]
    air.constrain(lt * (lt - 1), "lt is boolean")
    air.constrain(sel - lt - f["amax"] * (1 - 2 * lt), "sel = lt (min) or 1 - lt (max)")
    for i in range(L):
        air.constrain(f["swap"] * (X[i] - s[i]), f"amoswap: X{i} = rs2")
        air.constrain(minmax * (X[i] - B[i] - sel * (c[i] - B[i])), f"amomin/max: X{i} is the selected operand")
        air.constrain(f["amo"] * (1 if i < 2 else sz[8]) * (mw[i] - X[i]), f"AMO: the written limb {i} is X's")
    air.send(ALU, [m.alu_op] + c + B + X, alu_amo)
    air.send(ALU, [m.alu_op] + c + B + [lt] + [0] * (L - 1), minmax)


def _rs2_at_width(air, m, xlen: int) -> list:
    """B, the AMO's rs2 operand: sign-extended from 32 bits on RV64 .w AMOs."""
    if xlen != 64:
        return m.s
    s, m4 = m.s, sizes(m)[4]
    B = s[:2] + [m.B2, m.B3]
    air.constrain(m.sb2 * (m.sb2 - 1), "sb2 is boolean")
    air.send(RANGE16, [2 * s[1] - 65536 * m.sb2], m4)
    for i in (2, 3):
        air.constrain(m.f["amo"] * (B[i] - s[i] - m4 * (65535 * m.sb2 - s[i])), f"AMO: B{i} is rs2 at the width")
    return B


@dataclass
class Access:
    """The memory access of each step (real rows), for `atomics.py`."""
    ea: np.ndarray              # (n,) int64: the address (0 where the step makes none)
    size: np.ndarray            # (n,) int64: bytes (0 where none)


def fill(m, s, v) -> Access:
    """Fills the memory columns (and c of loads into x0).  ValueError for an access above
    2^32 (it faults) and, when strict, for a trace whose address, stored value or loaded
    rd is not the instruction's."""
    n, xlen, mask, is_, F = s.n, s.xlen, s.mask, s.is_, s.flags
    load, store, sc = is_["load"], is_["store"], is_["sc"]
    size = sum(F[f"f_{name}"] * k for k, name in SIZE_FLAGS.items()).astype(np.int64)
    memrow = load | store | sc
    width = np.where(size >= 8, np.uint64(0xFFFF_FFFF_FFFF_FFFF),
                     (np.uint64(1) << (np.uint64(8) * size.astype(np.uint64))) - np.uint64(1)) & mask
    width = np.where(memrow, width, np.uint64(0))

    ea = _address(m, s, v, memrow)
    # the value read (loads: the trace's raw bytes) or written (stores: the trace's; sc: rs2's)
    mv = np.where(load, s.rows["mem"].astype(np.uint64), np.uint64(0)) & width
    mv = np.where(store, s.rows["c"].astype(np.uint64) & width, mv)
    if s.strict and not np.array_equal(mv[store], v.s[store] & width[store]):
        raise ValueError("a store's value in the trace is not rs2's low bytes")
    mv = np.where(sc, v.s & width, mv)
    top_bit = np.where(size > 0, np.uint64(8) * size.astype(np.uint64) - np.uint64(1), np.uint64(0))
    sg = F["f_signed"].astype(bool) & (((mv >> top_bit) & np.uint64(1)) == 1)
    ext = np.where(sg, mv | (mask & ~width), mv)
    if s.strict and not np.array_equal(v.written[load & v.wr], ext[load & v.wr]):
        bad = int(np.flatnonzero(load & v.wr & (v.written != ext))[0])
        raise ValueError(f"step {bad}: the value the trace loads into rd is not the value read, extended")
    rows = np.flatnonzero(load & ~v.wr)                 # a load into x0 still reads: c = the value read
    write_limbs(m.c, ext[rows], xlen, rows)
    mvl = to_limbs(mv, xlen).astype(np.int64)
    sl = to_limbs(v.s, xlen).astype(np.int64)
    sz = {k: F[f"f_{name}"] for k, name in SIZE_FLAGS.items()}
    write_limbs(m.mv, mv, xlen, slice(0, n))
    m.sg[:n] = sg
    m.sgtop[:n] = 256 * sz[1] * mvl[:, 0] + sz[2] * mvl[:, 0] + (sz[4] * mvl[:, 1] if xlen == 64 else 0)
    m.hb[:n] = np.where(store & (sz[1] == 1), (sl[:, 0] - mvl[:, 0]) >> 8, 0)
    _amo(m, s, v, ext, width)
    return Access(ea, size)


def _address(m, s, v, memrow) -> np.ndarray:
    """The effective address, taken from the trace (a forged one fails the adder, whose
    carries are rs1 + imm's), and its columns."""
    n, xlen, L = s.n, s.xlen, n_limbs(s.xlen)
    ea = np.where(memrow, s.rows["addr"].astype(np.uint64), np.uint64(0))
    if s.strict and not np.array_equal(ea[memrow], (v.a + s.imm)[memrow] & s.mask):
        bad = int(np.flatnonzero(memrow & (ea != (v.a + s.imm) & s.mask))[0])
        raise ValueError(f"step {bad}: the trace's address is not rs1 + imm")
    if (ea >> np.uint64(32)).any():
        bad = int(np.flatnonzero(ea >> np.uint64(32))[0])
        raise ValueError(f"step {bad}: an access above 2^32 faults, it cannot retire")
    ea = ea.astype(np.int64)
    m.ea_lo[:n], m.ea_hi[:n] = ea & 0xFFFF, ea >> 16
    al, il = to_limbs(v.a, xlen).astype(np.int64), to_limbs(s.imm, xlen).astype(np.int64)
    carry = np.zeros(n, dtype=np.int64)
    for i in range(L):
        carry = np.where(memrow, (al[:, i] + il[:, i] + carry) >> 16, 0)
        m.ek[i][:n] = carry
    return ea


def _amo(m, s, v, A, width) -> None:
    """The AMO columns: A = the old value extended (rd's value), B = rs2 at the width, X
    the result and mw what is written."""
    n, xlen, mask, is_ = s.n, s.xlen, s.mask, s.is_
    amo = is_["amo"]
    B = v.s
    if xlen == 64:
        m4 = s.flags["f_m4"] == 1
        sb2 = np.where(m4, to_limbs(v.s, xlen)[:, 1].astype(np.int64) >> 15, 0)
        low = v.s & np.uint64(0xFFFF_FFFF)
        B = np.where(amo & m4, np.where(sb2 == 1, low | np.uint64(0xFFFF_FFFF_0000_0000), low), v.s)
        B = np.where(amo, B, np.uint64(0))
        Bl = to_limbs(B, xlen)
        m.B2[:n], m.B3[:n], m.sb2[:n] = Bl[:, 2], Bl[:, 3], sb2
    alu_op = s.flags["alu_op"]
    sign = np.uint64(1 << (xlen - 1))
    minmax = is_["amin"] | is_["amax"]
    lt = np.where(alu_op == OP_ID["sltu"], A < B, (A ^ sign) < (B ^ sign)) & minmax
    sel = np.where(is_["amax"], ~lt, lt)
    X = np.zeros(n, dtype=np.uint64)
    for name, value in (("add", (A + B) & mask), ("xor", A ^ B), ("and", A & B), ("or", A | B)):
        X = np.where(amo & (alu_op == OP_ID[name]), value, X)
    X = np.where(is_["swap"], v.s, X)
    X = np.where(minmax, np.where(sel, A, B), X)
    X = np.where(amo, X, np.uint64(0))
    write_limbs(m.X, X, xlen, slice(0, n))
    write_limbs(m.mw, X & width, xlen, slice(0, n))
    m.lt[:n], m.sel[:n] = lt, sel & minmax


def messages(m, out, xlen: int) -> None:
    f, sz = m.f, sizes(m)
    out.range16 += [out.repeat((2 * m.sgtop - 65536 * m.sg) % P, f["signed"]), out.repeat(m.hb, sz[1])]
    B = out.value(m.s)
    if xlen == 64:
        out.range16.append(out.repeat((2 * m.s[1] - 65536 * m.sb2) % P, sz[4]))
        B = (B & np.uint64(0xFFFF_FFFF)) | (m.B2.astype(np.uint64) << np.uint64(32)) \
            | (m.B3.astype(np.uint64) << np.uint64(48))
    c, X, lt = out.value(m.c), out.value(m.X), m.lt.astype(np.uint64)
    minmax = (f["amin"] == 1) | (f["amax"] == 1)
    alu_amo = (f["amo"] == 1) & (f["swap"] == 0) & ~minmax
    out.alu += [alu_rows(m, alu_amo, m.alu_op, c, B, X), alu_rows(m, minmax, m.alu_op, c, B, lt)]
    out.memory_rows, out.memory_times = _memops(m, out.value)


def _memops(m, value) -> tuple[np.ndarray, np.ndarray]:
    """The "memop" messages as MEMORY_ROW rows and their times, in time order: the access
    of loads, stores (but device stores), lr, successful sc and AMO reads at slot 0 (MEM_SLOTS ts + 1), the
    AMO writes at slot 1."""
    f, sz = m.f, sizes(m)
    size = sz[1] + 2 * sz[2] + 4 * sz[4] + 8 * sz[8]
    addr = m.ea_lo + (m.ea_hi << 16)
    first = np.flatnonzero((f["load"] + f["store"] + m.succ - m.device) == 1)
    second = np.flatnonzero(f["amo"] == 1)
    sel = np.concatenate([first, second])
    rows = np.zeros(sel.size, dtype=MEMORY_ROW)
    rows["step"] = m.ts[sel]
    rows["addr"] = addr[sel]
    rows["value"] = np.concatenate([value(m.mv)[first], value(m.mw)[second]])
    rows["size"] = size[sel]
    rows["is_write"] = np.concatenate([f["store"][first] + f["sc"][first], np.ones(second.size, np.int64)])
    rows["op"] = m.op[sel]
    times = np.concatenate([MEM_SLOTS * m.ts[first] + 1, MEM_SLOTS * m.ts[second] + 2])
    order = np.argsort(times, kind="stable")
    return rows[order], times[order]
