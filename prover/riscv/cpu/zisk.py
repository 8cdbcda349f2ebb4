"""ZisK's calls: Main's component for the zisk and zisk-legacy profiles (`profile.py`;
runtime/zisk.py is the reference semantics, docs/profiles.md the ABI).

What a ZisK run's Main rows prove beyond Main's own (every step effect but the calls):
- ecalls: only exit (a7 = 93): e_con = e_out = e_kec = e_sha = 0, so Main's "a7 is one
  of the kinds" leaves 93 alone.  The exit step reads the 64 u32 output slots (256 bytes
  at the layout's output address) as a write to the public output: Main's exit row sends
  ("outrd", [ts, OUT / 4, 0, oi]) and receives ("outrd", [ts, OUT / 4 + 64, 0, oi + 256]),
  and OutputRead (`output.py`) reads the chunks between from memory at the exit step
  (no other write reaches the output: oi is 0 there), so the Output table, which the
  verifier pins, is the 256 bytes the slots hold when the run exits.
- CSR instructions (the op-class table's rows with wit and not ecall: `optable`, csr)
  are exactly one kind, each pinned to its op, CSR number (imm) and operands by the ROM:
  - k_march: `csrrs rd, marchid, x0`: rd gets 0xFFFEEEE (c's limbs);
  - k_kec: `csrrs x0, 0x800, rs1`: keccak-f on the 25 lanes at rs1's value a, which is
    below 2^32 (a's limbs above 1 are 0) and 8-aligned (a_0 = 8 zpa, zpa in range16);
    Main sends ("pcall", [ts, KECCAK, a_0, a_1]) 50 times, and the precompile bridge and
    Keccak-f table prove it as they prove zkaot's keccakf ecall (`precompile.py`);
  - k_sha: `csrs x0, 0x805, rs1`: one SHA-256 compression (sha256_compress's function of
    the same bytes) of the state and block whose u64 pointers are at a (`_constrain_sha256f`
    says how the pointers are read and why that read sees them as the host did); the
    bridge and SHA-256 table prove it as zkaot's sha256_compress ecall;
  - k_par, k_fc (current layout only): `csrs 0x8F0, rs1` then `csrwi 0x8C0, 23`, the
    free call "input ready" with rs1's value as its one parameter.  The interpreter faults
    unless the parameter lies before the end of the input region.  The parameter row
    reads the byte at a by a memop (slot 0; its value fb is the byte memory holds) with
    a's limbs above 1 zero and a_1 - IN_HI, 4 (a_1 - IN_HI) in range16, so
    INPUT_BASE <= a < INPUT_BASE + 2^30 = ROM_BASE: the only words there are the Input
    table's, so the read proves a < the end of the input region.  A parameter row is
    followed by a free-call row and a free-call row follows a parameter row (so each call
    has exactly one parameter, as the interpreter requires); a segment's first row is not
    a free call and its last real row not a parameter (translator/segments.py never cuts
    between them).
  Every kind but marchid writes 0 to rd (k_kec: rd is x0, as ZisK requires).
- the UART: a byte store to the UART address (dev = 1, only on byte stores at that
  address) sends no memop (Main's memop multiplicity subtracts dev): it is console
  output, not memory.  Any other access to ZisK's system page or its gap is a memop to a
  word no region holds (`regions.py`), which no proof contains.
Not proven (refused before proving, `proof_profiles.py`): the curve, complex-field and
arith256_mod precompiles (no tables), free calls under the legacy layout, and a sha256f
whose parameter block overlaps its state (the host reads the pointers before it writes the
state; Main reads them after the bridge's writes, so it requires them apart).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from runtime.trace import MEMORY_ROW, PRECOMPILE_ROW
from runtime.zisk import (ARCH_ID_ZISK, FCALL, FCALL_INPUT_READY_ID, FCALL_PARAM, KECCAKF, MARCHID, ROM_BASE,
                          SHA256F, ZISK, Layout)

from ..limbs import n_limbs, to_limbs
from ..memory import MEM_SLOTS, MEMOP
from ..optable import OP_ID
from ..output import OUTRD
from ..precompile import KECCAK, PCALL, SHA_BLOCK, SHA_STATE, UNITS
from ..ranges import RANGE16
from ..sha256 import SYS_SHA256_COMPRESS
from .profile import MainProfile, constrain_pointer

OUTPUT_BYTES = 256
EXIT = next(c for c in ZISK[64].calls if c.name == "exit").selector.number    # ZisK's one ecall (a7 = 93)
INPUT_WINDOW = 1 << 30          # a free call's parameter lies in [INPUT_BASE, INPUT_BASE + 2^30)
# kind -> (op, CSR number): the CSR instructions ZisK's proven calls are
CSR_CALLS = {"k_march": ("csrrs", MARCHID), "k_kec": ("csrrs", KECCAKF), "k_sha": ("csrrs", SHA256F),
             "k_par": ("csrrs", FCALL_PARAM), "k_fc": ("csrrwi", FCALL)}
SHA_COLUMNS = ("h_qs", "h_ps1", "h_qb", "h_pb1", "h_kp", "h_side", "h_d0", "h_d1")   # sha256f's pointers and their checks
PARAM_SLOT = 32                 # sha256f reads its parameter block after the bridge's 32 memops (slots 0-31)


@dataclass(frozen=True)
class ZiskMain(MainProfile):
    """ZisK's calls for one `runtime.zisk.Layout`; `free_calls`: the input-ready free call is
    proven (the current layout, whose input region is followed by ZisK's ROM)."""
    layout: Layout = None
    free_calls: bool = True

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(k for k in CSR_CALLS if self.free_calls or k not in ("k_par", "k_fc"))

    def fields(self, xlen: int) -> dict:
        names = self.kinds + ("zpa", "dev") + SHA_COLUMNS + (("fb",) if self.free_calls else ())
        return {name: name for name in names}

    def kinds_of(self, op, rd, rs1, imm) -> dict[str, np.ndarray]:
        """Each kind's rows among CSR instructions (op ids and ROM fields), as the constraints pin them."""
        out = {}
        for k in self.kinds:
            name, number = CSR_CALLS[k]
            out[k] = (op == OP_ID[name]) & (imm == number)
        out["k_march"] &= rs1 == 0
        out["k_kec"] &= rd == 0
        out["k_sha"] &= rd == 0
        if self.free_calls:
            out["k_fc"] &= rs1 == FCALL_INPUT_READY_ID
        return out

    def proven_csr(self, op, rd, rs1, imm) -> np.ndarray:
        return np.logical_or.reduce(list(self.kinds_of(op, rd, rs1, imm).values()))

    def device(self, m):
        return m.dev

    def constrain(self, air, m, xlen: int) -> None:
        L = n_limbs(xlen)
        kind = {k: getattr(m, k) for k in self.kinds}
        for x in [*kind.values(), m.dev]:
            air.constrain(x * (x - 1), f"{x} is boolean")
        air.constrain(sum(kind.values()) - (m.f["wit"] - m.f["ecall"]), "a CSR instruction is one of zisk's calls")
        for k, x in kind.items():
            name, number = CSR_CALLS[k]
            air.constrain(x * (m.op - OP_ID[name]), f"{k}: the op is {name}")
            air.constrain(x * (m.imm[0] - number), f"{k}: the CSR is 0x{number:x}")
            for i in range(1, L):
                air.constrain(x * m.imm[i], f"{k}: imm limb {i} is 0")
        self._constrain_marchid(air, m, kind, xlen)
        self._constrain_keccakf(air, m, m.k_kec)
        self._constrain_sha256f(air, m, L)
        if self.free_calls:
            self._constrain_free_call(air, m, L)
        self._constrain_exit(air, m)
        self._constrain_uart(air, m)

    @staticmethod
    def _constrain_marchid(air, m, kind, xlen: int) -> None:
        """marchid: rd = ARCH_ID_ZISK; the other calls: rd = 0."""
        air.constrain(m.k_march * m.rs1, "marchid: a read (rs1 = x0)")
        arch = to_limbs(np.array([ARCH_ID_ZISK], dtype=np.uint64), xlen)[0]
        for i, c in enumerate(m.c):
            air.constrain(m.k_march * (c - int(arch[i])), f"marchid: c{i} is ARCH_ID_ZISK's")
            air.constrain((sum(kind.values()) - m.k_march) * c, f"zisk calls: c{i} = 0")

    @staticmethod
    def _aligned_state(air, m, k, what: str, pointee: str) -> None:
        """rd = x0 and a below 2^32, 8-aligned (a_0 = 8 zpa, zpa in range16)."""
        air.constrain(k * m.rd, f"{what}: rd is x0")
        constrain_pointer(air, k, m.a, m.zpa, 8, f"{what}: a", f"{what}: the {pointee}")

    def _constrain_keccakf(self, air, m, k_kec) -> None:
        """keccakf: the state at a; the bridge does the rest."""
        self._aligned_state(air, m, k_kec, "keccakf", "state")
        air.send(PCALL, [m.ts, KECCAK, m.a[0], m.a[1]], UNITS[KECCAK] * k_kec)

    def _constrain_sha256f(self, air, m, L: int) -> None:
        """sha256f: the parameter block at a (8-aligned, below 2^32) holds the state's and
        the block's pointers, read by two memops after the bridge's (slots 32, 33) as
        8 qs + 2^16 ps1 and 8 qb + 2^16 pb1 (their upper bytes 0, qs and qb in range16: below
        2^32 and 8-aligned, as the host requires); the block does not overlap the state's
        words (side: which side it lies on, the gap in [0, 2^30)), so those reads see the
        pointers as they were before the state was written; then the bridge compresses."""
        k_sha, a, zpa = m.k_sha, m.a, m.zpa
        qs, ps1, qb, pb1, kp, side, sd0, sd1 = (getattr(m, x) for x in SHA_COLUMNS)
        self._aligned_state(air, m, k_sha, "sha256f", "parameter block")
        for x in (kp, side):
            air.constrain(x * (x - 1), f"{x} is boolean")
        air.constrain(kp * (1 - k_sha), "kp only on sha256f")
        t = MEM_SLOTS * m.ts + 1 + PARAM_SLOT
        air.send(MEMOP, [t, a[0], a[1], 8, 0, 8 * qs, ps1] + [0] * (L - 2), k_sha)
        air.send(MEMOP, [t + 1, a[0] + 8 - 65536 * kp, a[1] + kp, 8, 0, 8 * qb, pb1] + [0] * (L - 2), k_sha)
        for v in (qs, qb):
            air.send(RANGE16, [v], k_sha)
        params, state = zpa + 8192 * a[1], qs + 8192 * ps1       # word indices
        gap = side * (params - state - 4) + (1 - side) * (state - params - 2)
        air.constrain(k_sha * (gap - sd0 - 65536 * sd1), "sha256f: the parameters lie apart from the state")
        for v in (sd0, sd1, 4 * sd1):
            air.send(RANGE16, [v], k_sha)
        air.send(PCALL, [m.ts, SHA_STATE, 8 * qs, ps1], UNITS[SHA_STATE] * k_sha)
        air.send(PCALL, [m.ts, SHA_BLOCK, 8 * qb, pb1], UNITS[SHA_BLOCK] * k_sha)

    def _constrain_free_call(self, air, m, L: int) -> None:
        """input ready: the parameter's byte read (a in the input window), then the call."""
        k_par, k_fc, a = m.k_par, m.k_fc, m.a
        in_hi = self.layout.input_addr >> 16
        air.constrain(k_fc * (m.rs1 - FCALL_INPUT_READY_ID), "free call: input ready (zimm 23)")
        for i in range(2, L):
            air.constrain(k_par * a[i], f"free-call parameter: a limb {i} is 0")
        air.send(RANGE16, [a[1] - in_hi], k_par)
        air.send(RANGE16, [4 * (a[1] - in_hi)], k_par)
        air.send(MEMOP, [MEM_SLOTS * m.ts + 1, a[0], a[1], 1, 0, m.fb] + [0] * (L - 1), k_par)
        air.when_transition(k_par * (1 - k_fc.next), "a free-call parameter is followed by the call")
        air.when_transition((1 - k_par) * k_fc.next, "a free call follows its parameter")
        air.when_first(k_fc, "a segment does not start with a free call")
        air.when_last(k_par, "a segment does not end with a free-call parameter")

    def _constrain_exit(self, air, m) -> None:
        """ecalls: exit only; it reads the output slots into the public output."""
        for e in ("e_con", "e_out", "e_kec", "e_sha"):
            air.constrain(getattr(m, e), f"zisk: no {e} ecall")
        chunk = self.layout.output_addr // 4
        air.send(OUTRD, [m.ts, chunk, 0, m.oi], m.e_exit)
        air.receive(OUTRD, [m.ts, chunk + OUTPUT_BYTES // 4, 0, m.oi + OUTPUT_BYTES], m.e_exit)

    def _constrain_uart(self, air, m) -> None:
        """A byte store to the UART is a device write, no memop."""
        uart = self.layout.uart
        air.constrain(m.dev * (1 - m.f["store"] * m.f["m1"]), "dev only on byte stores")
        air.constrain(m.dev * (m.ea_lo - (uart & 0xFFFF)), "dev: the store is at the UART (lo)")
        air.constrain(m.dev * (m.ea_hi - (uart >> 16)), "dev: the store is at the UART (hi)")

    def fill(self, m, s, v, initial_memory, precompiles) -> None:
        n, a = s.n, v.a
        kinds = {k: s.is_["wit"] & ~s.is_["ecall"] & rows
                 for k, rows in self.kinds_of(s.op, s.rom[:, 3], s.rom[:, 4], s.imm).items()}
        unproven = s.is_["wit"] & ~s.is_["ecall"] & ~np.logical_or.reduce(list(kinds.values()))
        if unproven.any():
            bad = int(np.flatnonzero(unproven)[0])
            raise ValueError(f"step {bad}: the CSR access (csr 0x{int(s.imm[bad]):x}) is not a zisk call the "
                             "prover has")
        for k, rows in kinds.items():
            getattr(m, k)[:n] = rows
        m.zpa[:n] = np.where(kinds["k_kec"] | kinds["k_sha"], (a & np.uint64(0xFFFF)) >> np.uint64(3), 0)
        for name, values in _sha256f_columns(kinds["k_sha"], a, precompiles).items():
            getattr(m, name)[:n] = values
        if self.free_calls:
            par = np.flatnonzero(kinds["k_par"])
            m.fb[par] = initial_memory(a[par].astype(np.int64)) if par.size else 0
        m.dev[:n] = s.is_["store"] & s.is_["m1"] & (s.rows["addr"] == self.layout.uart)

    def table_rows(self, precompiles):
        """sha256f's rows are sha256_compress's (the same function of the same bytes)."""
        if precompiles is None:
            return None
        rows = precompiles.copy()
        rows["kind"][rows["kind"] == SHA256F] = SYS_SHA256_COMPRESS
        return rows

    def messages(self, m, out) -> None:
        ts, a = m.ts, out.value(m.a)
        kec, sha = np.flatnonzero(m.k_kec == 1), np.flatnonzero(m.k_sha == 1)
        state = (8 * m.h_qs + (m.h_ps1 << 16))[sha]
        block = (8 * m.h_qb + (m.h_pb1 << 16))[sha]
        out.add_precompile_calls(np.concatenate([
            np.stack([ts[kec], np.full(kec.size, KECCAKF), a[kec].astype(np.int64), np.zeros(kec.size, np.int64)], 1),
            np.stack([ts[sha], np.full(sha.size, SYS_SHA256_COMPRESS), state, block], 1)]).astype(np.uint64))
        exits = np.flatnonzero(m.e_exit == 1)
        out.add_output_calls(np.stack([ts[exits], np.full(exits.size, self.layout.output_addr),
                                       np.full(exits.size, OUTPUT_BYTES), m.oi[exits]], axis=1))
        out.range16 += [m.zpa[kec], m.zpa[sha], m.h_qs[sha], m.h_qb[sha], m.h_d0[sha], m.h_d1[sha], 4 * m.h_d1[sha]]
        reads = [(sha, a[sha].astype(np.int64), 8, state, PARAM_SLOT),
                 (sha, a[sha].astype(np.int64) + 8, 8, block, PARAM_SLOT + 1)]
        if self.free_calls:
            par = np.flatnonzero(m.k_par == 1)
            hi = m.a[1][par] - (self.layout.input_addr >> 16)
            out.range16 += [hi, 4 * hi]
            reads.append((par, a[par].astype(np.int64), 1, m.fb[par], 0))
        out.add_memops(np.concatenate([_reads(m, *read) for read in reads]),
                       np.concatenate([MEM_SLOTS * ts[at] + 1 + slot for at, _, _, _, slot in reads]))


def _sha256f_columns(k_sha, a, precompiles) -> dict[str, np.ndarray]:
    """sha256f's columns: its pointers are its PRECOMPILE_ROW's a0 (state) and a1 (block)."""
    rows = np.flatnonzero(k_sha)
    calls = np.zeros(0, PRECOMPILE_ROW) if precompiles is None else precompiles[precompiles["kind"] == SHA256F]
    if calls.size != rows.size or not np.array_equal(calls["step"].astype(np.int64), rows):
        raise ValueError("the trace's sha256f PRECOMPILE_ROW rows are not its sha256f steps")
    state, block = calls["a0"].astype(np.int64), calls["a1"].astype(np.int64)
    params, words = (a[rows] >> np.uint64(3)).astype(np.int64), state >> 3
    out = {name: np.zeros(k_sha.size, dtype=np.int64) for name in SHA_COLUMNS}
    gap = np.where(params >= words + 4, params - words - 4, words - params - 2)
    if (gap < 0).any():
        raise ValueError("a sha256f parameter block overlaps its state: such a call cannot be proven")
    for name, values in (("h_qs", (state & 0xFFFF) >> 3), ("h_ps1", state >> 16), ("h_qb", (block & 0xFFFF) >> 3),
                         ("h_pb1", block >> 16), ("h_kp", (a[rows] & np.uint64(0xFFFF)).astype(np.int64) == 0xFFF8),
                         ("h_side", params >= words + 4), ("h_d0", gap & 0xFFFF), ("h_d1", gap >> 16)):
        out[name][rows] = values
    return out


def _reads(m, at, addr, size, value, slot) -> np.ndarray:
    """MEMORY_ROW rows of reads of `size` bytes by Main's rows `at` (the slot is their time's)."""
    rows = np.zeros(at.size, dtype=MEMORY_ROW)
    rows["step"], rows["addr"], rows["value"], rows["size"], rows["op"] = m.ts[at], addr, value, size, m.op[at]
    return rows


def zisk_main(layout: Layout, free_calls: bool) -> ZiskMain:
    """ZisK's Main calls for a layout; the free call's bound needs the input region to be the
    only memory in [input_addr, input_addr + 2^30), with input_addr's low 16 bits 0."""
    if free_calls and (layout.input_addr & 0xFFFF or layout.input_addr + INPUT_WINDOW > ROM_BASE):
        raise ValueError(f"the input-ready bound does not fit an input region at 0x{layout.input_addr:x}")
    return ZiskMain(name="zisk", csr=True, ecalls=(EXIT,), layout=layout, free_calls=free_calls)
