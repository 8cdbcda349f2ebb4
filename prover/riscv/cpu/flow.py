"""Flow: branch outcomes, the next pc, and the link value of jal/jalr.

- branches: taken = f_beq eq + f_bne (1 - eq) + f_blt c_0 + f_bge (1 - c_0); eq = [a == s]
  by eq (a_i - s_i) = 0 and 1 - eq = sum_i (a_i - s_i) inv_i; the order branches send
  their comparison to the ALU (`execute.py`), which proves c = (lt, 0, ...).  taken is 0
  on every other row (flags 0).
- next pc: npc = 4 nq + 2^16 npc_hi with nq and 4 nq in range16 (nq < 2^14: npc is
  4-aligned) and npc_hi in range16; one adder, every row (degree 2):
    X_i + Y_i + k_i = Z_i + 2^16 k_(i+1),  k_0 = 0, k_1..k_L boolean,
  X = pc zero-extended (jalr: a), Y = imm if u else 4, u = f_jal + f_jalr + taken,
  Z_0 = 4 nq + jbit, Z_1 = npc_hi, Z_i = 0 for i >= 2 (a target above 2^32 traps: no
  such step retires), the top carry k_L dropped (the sum is mod 2^XLEN); jbit is boolean
  and 0 unless jalr (jalr clears bit 0 of rs1 + imm).  So npc = pc + 4, pc + imm (jal,
  taken branches) or (a + imm) & ~1 (jalr), and a target that is not 4-aligned (a trap)
  cannot be proven.  The next real row's pc is npc (is_real' (pc' - npc) = 0 on
  transitions), and the last real row's npc is the public final_lo/hi: every pc reached
  is in the ROM.  Padding rows (pc 0, flags 0) have npc = 4 (nq = 1), and eq = 1.
- link: jal, jalr write c = pc + 4 (c_0 + 2^16 kc = pc_lo + 4, c_1 = pc_hi + kc, kc
  boolean, c_i = 0 above).  Their c limbs, and an ecall's (whose value `calls.py` fixes),
  are range-checked here: no other table receives them.
"""
from __future__ import annotations

import numpy as np

from runtime.encoding import CLASSES, OP_CLASS

from ... import field
from ...field import P
from ..layout import limbs
from ..limbs import n_limbs, to_limbs, write_limbs
from ..optable import OP_ID
from ..ranges import RANGE16
from .control import last_real


def fields(xlen: int) -> dict:
    L = n_limbs(xlen)
    return {"eq": "eq", "inv": limbs("inv", L), "taken": "taken",           # branches
            "npc_hi": "npc_hi", "nq": "nq", "jbit": "jbit", "k": limbs("k", L, 1),  # next pc and its carries
            "kc": "kc"}                                                     # the link's carry


def constrain(air, m, xlen: int) -> None:
    L = n_limbs(xlen)
    f, a, s, c, pc, imm = m.f, m.a, m.s, m.c, m.pc, m.imm
    eq, taken, nq, npc_hi, jbit, kc = m.eq, m.taken, m.nq, m.npc_hi, m.jbit, m.kc
    k = [0] + m.k
    diff = [a[i] - s[i] for i in range(L)]
    for i in range(L):
        air.constrain(eq * diff[i], f"eq => a{i} = s{i}")
    air.constrain(1 - eq - sum(diff[i] * m.inv[i] for i in range(L)), "not eq => some a_i != s_i")
    air.constrain(taken - f["beq"] * eq - f["bne"] * (1 - eq) - f["blt"] * c[0] - f["bge"] * (1 - c[0]),
                  "taken is the branch condition")

    npc_lo = 4 * nq
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
        air.send(RANGE16, [v], m.is_real)
    for what, e in (("final pc lo", npc_lo - air.pub("final_lo")), ("final pc hi", npc_hi - air.pub("final_hi"))):
        air.when_transition(last_real(m) * e, f"the last real row gives the public {what}")
        air.when_last(m.is_real * e, f"a real last row gives the public {what}")
    air.when_transition(m.is_real.next * (pc[0].next - npc_lo), "the next step's pc is npc (lo)")
    air.when_transition(m.is_real.next * (pc[1].next - npc_hi), "the next step's pc is npc (hi)")

    link = f["jal"] + f["jalr"]
    air.constrain(link * (c[0] + 65536 * kc - pc[0] - 4), "link: c0 = pc_lo + 4 - 2^16 kc")
    air.constrain(link * (c[1] - pc[1] - kc), "link: c1 = pc_hi + kc")
    for i in range(2, L):
        air.constrain(link * c[i], f"link: c{i} = 0")
    for v in c:
        air.send(RANGE16, [v], link + f["wit"])


def fill(m, s, v) -> int:
    """Fills the branch, next-pc and link columns; returns the last step's next pc (the
    public final pc).  ValueError for a step that traps (a misaligned target or one above
    2^32) and, when strict, for a trace whose branch outcomes or next pcs are not these."""
    n, xlen, L, is_ = s.n, s.xlen, n_limbs(s.xlen), s.is_
    sign = np.uint64(1 << (xlen - 1))
    lt = np.where(s.flags["alu_op"] == OP_ID["sltu"], v.a < v.s, (v.a ^ sign) < (v.s ^ sign))
    order_branch = is_["blt"] | is_["bge"]
    link = is_["jal"] | is_["jalr"]
    rows = np.flatnonzero(order_branch)                 # the comparison the ALU proves
    write_limbs(m.c, lt[rows].astype(np.uint64), xlen, rows)
    rows = np.flatnonzero(link & ~v.wr)                 # a link to x0 still has its value
    write_limbs(m.c, (s.pc[rows] + np.uint64(4)) & s.mask, xlen, rows)

    al, sl = to_limbs(v.a, xlen).astype(np.int64), to_limbs(v.s, xlen).astype(np.int64)
    eq = (al == sl).all(axis=1)
    diff = (al - sl) % P
    invs = np.zeros((n, L), dtype=np.uint32)
    ne = np.flatnonzero(~eq)
    if ne.size:
        j = np.argmax(diff[ne] != 0, axis=1)
        invs[ne, j] = field.inv(diff[ne, j].astype(np.uint32))
    taken = (is_["beq"] & eq) | (is_["bne"] & ~eq) | (is_["blt"] & lt) | (is_["bge"] & ~lt)
    if s.strict:
        branch = OP_CLASS[s.op] == CLASSES.index("branch")
        if not np.array_equal(taken[branch], s.rows["c"][branch] == 1):
            raise ValueError("a branch outcome of the trace is not the comparison of its registers")

    pcl = np.zeros((n, L), dtype=np.int64)
    pcl[:, 0], pcl[:, 1] = s.pc & np.uint64(0xFFFF), s.pc >> np.uint64(16)
    Z, carries = _adder(np.where(is_["jalr"][:, None], al, pcl),
                        np.where((link | taken)[:, None], s.imm_limbs, _four(n, L)))
    jbit = np.where(is_["jalr"], Z[:, 0] & 1, 0)
    target_lo = Z[:, 0] - jbit
    trap = (target_lo & 3).astype(bool) | Z[:, 2:].any(axis=1)
    if trap.any():
        raise ValueError(f"step {int(np.flatnonzero(trap)[0])}: the target is misaligned or above 2^32: such a "
                         "step traps, it cannot retire")
    npc = target_lo + (Z[:, 1] << 16)
    if s.strict and not np.array_equal(npc.astype(np.uint64), s.rows["next_pc"]):
        bad = int(np.flatnonzero(npc.astype(np.uint64) != s.rows["next_pc"])[0])
        raise ValueError(f"step {bad}: the trace's next pc is not the instruction's")

    m.eq[:n], m.taken[:n] = eq, taken
    for i in range(L):
        m.inv[i][:n], m.k[i][:n] = invs[:, i], carries[:, i]
    m.npc_hi[:n], m.nq[:n], m.jbit[:n] = Z[:, 1], target_lo >> 2, jbit
    m.kc[:n] = np.where(link, (pcl[:, 0] + 4) >> 16, 0)
    m.nq[n:], m.eq[n:] = 1, 1                           # padding: npc = 0 + 4, a = s = 0
    return int(npc[-1])


def _four(n: int, L: int) -> np.ndarray:
    out = np.zeros((n, L), dtype=np.int64)
    out[:, 0] = 4
    return out


def _adder(X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(Z, carries): X + Y limb by limb, Z_i + 2^16 k_(i+1) = X_i + Y_i + k_i."""
    Z, carries = np.zeros_like(X), np.zeros_like(X)
    carry = np.zeros(X.shape[0], dtype=np.int64)
    for i in range(X.shape[1]):
        tot = X[:, i] + Y[:, i] + carry
        Z[:, i], carry = tot & 0xFFFF, tot >> 16
        carries[:, i] = carry
    return Z, carries


def messages(m, out) -> None:
    out.range16 += [out.repeat(m.nq, m.is_real), out.repeat(4 * m.nq, m.is_real), out.repeat(m.npc_hi, m.is_real)]
    out.range16 += [out.repeat(c, m.f["jal"] + m.f["jalr"] + m.f["wit"]) for c in m.c]
