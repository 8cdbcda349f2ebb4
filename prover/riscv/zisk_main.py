"""ZisK's calls in the Main table (`main_profile.MainProfile` hooks; runtime/zisk.py is the
reference semantics, docs/profiles.md the ABI).

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
Not proven (refused before proving, `proof_profiles.py`): sha256f (its parameter block
holds pointers that Main would have to read, a shape the bridge does not take), the curve,
complex-field and arith256_mod precompiles (no tables), free calls under the legacy layout.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from runtime.trace import MEMORY_ROW
from runtime.zisk import ARCH_ID_ZISK, FCALL, FCALL_INPUT_READY_ID, FCALL_PARAM, KECCAKF, MARCHID, ZISK, Layout

from .limbs import n_limbs, to_limbs
from .main_profile import MainProfile, ProfileLookups
from .memory import MEM_SLOTS, MEMOP
from .optable import OP_ID
from .output import OUTRD
from .precompile import KECCAK, PCALL, UNITS
from .ranges import RANGE16

OUTPUT_BYTES = 256
EXIT = next(c for c in ZISK[64].calls if c.name == "exit").selector.number    # ZisK's one ecall (a7 = 93)
INPUT_WINDOW = 1 << 30          # a free call's parameter lies in [INPUT_BASE, INPUT_BASE + 2^30)
# kind -> (op, CSR number): the CSR instructions ZisK's proven calls are
CSR_CALLS = {"k_march": ("csrrs", MARCHID), "k_kec": ("csrrs", KECCAKF), "k_par": ("csrrs", FCALL_PARAM),
             "k_fc": ("csrrwi", FCALL)}


@dataclass(frozen=True)
class ZiskMain(MainProfile):
    """ZisK's calls for one `runtime.zisk.Layout`; `free_calls`: the input-ready free call is
    proven (the current layout, whose input region is followed by ZisK's ROM)."""
    layout: Layout = None
    free_calls: bool = True

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(k for k in CSR_CALLS if self.free_calls or k not in ("k_par", "k_fc"))

    def kinds_of(self, op, rd, rs1, imm) -> dict[str, np.ndarray]:
        """Each kind's rows among CSR instructions (op ids and ROM fields), as the constraints pin them."""
        out = {}
        for k in self.kinds:
            name, number = CSR_CALLS[k]
            out[k] = (op == OP_ID[name]) & (imm == number)
        out["k_march"] &= rs1 == 0
        out["k_kec"] &= rd == 0
        if self.free_calls:
            out["k_fc"] &= rs1 == FCALL_INPUT_READY_ID
        return out

    def proven_csr(self, op, rd, rs1, imm) -> np.ndarray:
        return np.logical_or.reduce(list(self.kinds_of(op, rd, rs1, imm).values()))

    def constrain(self, air, xlen: int) -> None:
        L = n_limbs(xlen)
        C = air.col
        op, rd, rs1, ts, oi = C("op"), C("rd"), C("rs1"), C("ts"), C("oi")
        imm, a, c = ([C(f"{v}{i}") for i in range(L)] for v in ("imm", "a", "c"))
        kind = {k: C(k) for k in self.kinds}
        dev = C("dev")
        for x in [*kind.values(), dev]:
            air.constrain(x * (x - 1), f"{x} is boolean")
        air.constrain(sum(kind.values()) - (C("f_wit") - C("f_ecall")), "a CSR instruction is one of zisk's calls")
        for k, x in kind.items():
            name, number = CSR_CALLS[k]
            air.constrain(x * (op - OP_ID[name]), f"{k}: the op is {name}")
            air.constrain(x * (imm[0] - number), f"{k}: the CSR is 0x{number:x}")
            for i in range(1, L):
                air.constrain(x * imm[i], f"{k}: imm limb {i} is 0")
        # marchid: rd = ARCH_ID_ZISK; the others: rd = 0
        air.constrain(kind["k_march"] * rs1, "marchid: a read (rs1 = x0)")
        arch = to_limbs(np.array([ARCH_ID_ZISK], dtype=np.uint64), xlen)[0]
        for i in range(L):
            air.constrain(kind["k_march"] * (c[i] - int(arch[i])), f"marchid: c{i} is ARCH_ID_ZISK's")
            air.constrain((sum(kind.values()) - kind["k_march"]) * c[i], f"zisk calls: c{i} = 0")
        # keccakf: rd = x0, the state below 2^32 and 8-aligned; the bridge does the rest
        k_kec, zpa = kind["k_kec"], C("zpa")
        air.constrain(k_kec * rd, "keccakf: rd is x0")
        for i in range(2, L):
            air.constrain(k_kec * a[i], f"keccakf: a limb {i} is 0")
        air.constrain(k_kec * (a[0] - 8 * zpa), "keccakf: the state is 8-aligned")
        air.send(RANGE16, [zpa], k_kec)
        air.send(PCALL, [ts, KECCAK, a[0], a[1]], UNITS[KECCAK] * k_kec)
        if self.free_calls:
            self._constrain_free_call(air, L, kind, rs1, a, ts, C("fb"))
        # ecalls: exit only; it reads the output slots into the public output
        for e in ("e_con", "e_out", "e_kec", "e_sha"):
            air.constrain(C(e), f"zisk: no {e} ecall")
        e_exit, chunk = C("e_exit"), self.layout.output_addr // 4
        air.send(OUTRD, [ts, chunk, 0, oi], e_exit)
        air.receive(OUTRD, [ts, chunk + OUTPUT_BYTES // 4, 0, oi + OUTPUT_BYTES], e_exit)
        # the UART: a byte store there is a device write, no memop
        uart = self.layout.uart
        air.constrain(dev * (1 - C("f_store") * C("f_m1")), "dev only on byte stores")
        air.constrain(dev * (C("ea_lo") - (uart & 0xFFFF)), "dev: the store is at the UART (lo)")
        air.constrain(dev * (C("ea_hi") - (uart >> 16)), "dev: the store is at the UART (hi)")

    def _constrain_free_call(self, air, L, kind, rs1, a, ts, fb) -> None:
        k_par, k_fc = kind["k_par"], kind["k_fc"]
        in_hi = self.layout.input_addr >> 16
        air.constrain(k_fc * (rs1 - FCALL_INPUT_READY_ID), "free call: input ready (zimm 23)")
        for i in range(2, L):
            air.constrain(k_par * a[i], f"free-call parameter: a limb {i} is 0")
        air.send(RANGE16, [a[1] - in_hi], k_par)
        air.send(RANGE16, [4 * (a[1] - in_hi)], k_par)
        air.send(MEMOP, [MEM_SLOTS * ts + 1, a[0], a[1], 1, 0, fb] + [0] * (L - 1), k_par)
        air.when_transition(k_par * (1 - k_fc.next), "a free-call parameter is followed by the call")
        air.when_transition((1 - k_par) * k_fc.next, "a free call follows its parameter")
        air.when_first(k_fc, "a segment does not start with a free call")
        air.when_last(k_par, "a segment does not end with a free-call parameter")

    def device(self, C):
        return C("dev")

    def fill(self, steps: dict, initial_memory) -> dict[str, np.ndarray]:
        op, rs1, rd, imm, a = steps["op"], steps["rs1"], steps["rd"], steps["imm"], steps["a"]
        csr = steps["csr"]
        out = {k: csr & rows for k, rows in self.kinds_of(op, rd, rs1, imm).items()}
        unproven = csr & ~np.logical_or.reduce([out[k] for k in self.kinds])
        if unproven.any():
            bad = int(np.flatnonzero(unproven)[0])
            raise ValueError(f"step {bad}: the CSR access (csr 0x{int(imm[bad]):x}) is not a zisk call the "
                             "prover has")
        out["zpa"] = np.where(out["k_kec"], (a & np.uint64(0xFFFF)) >> np.uint64(3), 0)
        if self.free_calls:
            par = np.flatnonzero(out["k_par"])
            out["fb"] = np.zeros(op.size, dtype=np.int64)
            out["fb"][par] = initial_memory(a[par].astype(np.int64)) if par.size else 0
        out["dev"] = steps["store1"] & (steps["addr"] == self.layout.uart)
        return out

    def lookups(self, col, value, xlen: int) -> ProfileLookups:
        ts = col["ts"]
        a = value("a")
        kec = np.flatnonzero(col["k_kec"] == 1)
        pcalls = np.stack([ts[kec].astype(np.uint64), np.full(kec.size, KECCAKF, np.uint64), a[kec],
                           np.zeros(kec.size, np.uint64)], axis=1)
        exits = np.flatnonzero(col["e_exit"] == 1)
        outputs = np.stack([ts[exits], np.full(exits.size, self.layout.output_addr),
                            np.full(exits.size, OUTPUT_BYTES), col["oi"][exits]], axis=1)
        range16 = [col["zpa"][kec]]
        rows = np.zeros(0, dtype=MEMORY_ROW)
        times = np.zeros(0, dtype=np.int64)
        if self.free_calls:
            par = np.flatnonzero(col["k_par"] == 1)
            hi = col["a1"][par] - (self.layout.input_addr >> 16)
            range16 += [hi, 4 * hi]
            rows = np.zeros(par.size, dtype=MEMORY_ROW)
            rows["step"], rows["addr"], rows["value"] = ts[par], a[par], col["fb"][par]
            rows["size"], rows["op"] = 1, col["op"][par]
            times = MEM_SLOTS * ts[par] + 1
        return ProfileLookups(rows, times, outputs, pcalls, range16, col["dev"])


def zisk_main(layout: Layout, free_calls: bool) -> ZiskMain:
    kinds = tuple(k for k in CSR_CALLS if free_calls or k not in ("k_par", "k_fc"))
    return ZiskMain(name="zisk", columns=kinds + ("zpa", "dev") + (("fb",) if free_calls else ()), csr=True,
                    ecalls=(EXIT,), layout=layout, free_calls=free_calls)
