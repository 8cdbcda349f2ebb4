"""The machine profiles zkaot proves runs of, and what it refuses before proving.

A `ProofProfile` is what the prover needs of a machine profile (runtime/profiles.py): its
memory map (the Regions table, the Input table's region) and its calls in the Main table
(`main_profile.MainProfile`; the op-class table has the CSR instructions when a CSR
selects its calls).  The program ID hashes the profile's name (`rom.ProgramCommitment`),
so a verifier rebuilds the keys of the profile the proof was made for, and a proof made
under one profile never verifies as another's.

Proven: `zkaot` (every call but none), `zisk` and `zisk-legacy` (`zisk_main.py`: exit with
the output slots, marchid, keccakf, the UART, and on the current layout the input-ready
free call).  `unproven_call` names the first call of a run no proof holds, so `zkaot
prove` refuses that run in one line before it proves anything; every other profile is
refused by name.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from runtime.calls import Csr, Ecall
from runtime.encoding import TABLE
from runtime.isa import ABI_NAMES
from runtime.memory_map import MemoryMap
from runtime.profiles import PROFILES
from runtime.zisk import CURRENT, LEGACY

from .main_profile import ZKAOT_MAIN, MainProfile
from .optable import OP_ID
from .rom import rom_messages
from .zisk_main import zisk_main


@dataclass(frozen=True)
class ProofProfile:
    """A machine profile as the prover sees it: its name, memory map and Main calls."""
    name: str
    memory_map: MemoryMap
    main: MainProfile


ZKAOT_PROOF = ProofProfile("zkaot", MemoryMap(), ZKAOT_MAIN)
PROOF_PROFILES = {p.name: p for p in (
    ZKAOT_PROOF,
    ProofProfile("zisk", CURRENT.memory_map(), zisk_main(CURRENT, free_calls=True)),
    ProofProfile("zisk-legacy", LEGACY.memory_map(), zisk_main(LEGACY, free_calls=False)),
)}


def proof_profile(name: str) -> ProofProfile:
    """The named profile's ProofProfile; ValueError (one line) for a profile no proof holds."""
    if name not in PROOF_PROFILES:
        proven = ", ".join(PROOF_PROFILES)
        raise ValueError(f"runs of the {name} profile cannot be proven yet: no proof holds its calls "
                         f"(zkaot proves runs of {proven}: docs/profiles.md)")
    return PROOF_PROFILES[name]


_ECALL = OP_ID["ecall"]
_CSR_OPS = {op.id: op for op in TABLE if op.cls == "csr"}
_CSR_ACCESS = {"rw": "write", "rs": "set", "rc": "clear"}


def unproven_call(profile: ProofProfile, program, rows: np.ndarray) -> str | None:
    """The first call of a run (its MAIN_ROW rows) that no proof of `profile` holds, as the
    line `zkaot prove` refuses the run with, or None when every call is proven."""
    ops = np.asarray(rows["op"])
    sel = np.flatnonzero((ops == _ECALL) | np.isin(ops, list(_CSR_OPS)))
    if not sel.size:
        return None
    r = np.asarray(rows[sel])
    rom = rom_messages(program, r["pc"], profile.main.extensions).astype(np.int64)
    op, rd, rs1, imm = rom[:, 2], rom[:, 3], rom[:, 4], rom[:, 6]
    ecall = op == _ECALL
    ok = np.where(ecall, np.isin(r["b"], profile.main.ecalls), profile.main.proven_csr(op, rd, rs1, imm))
    if ok.all():
        return None
    j = int(np.argmin(ok))
    calls = PROFILES[profile.name].calls[program.xlen]
    if ecall[j]:
        number = int(r["b"][j])
        call = calls.by_selector.get(Ecall(calls.register, number))
        what = f"ecall {ABI_NAMES[calls.register]} = 0x{number:x}"
    else:
        fn = _CSR_OPS[int(op[j])].fn
        access = "read" if fn != "rw" and rs1[j] == 0 else _CSR_ACCESS[fn]
        call = calls.by_selector.get(Csr(int(imm[j]), access))
        what = f"csr 0x{int(imm[j]):x}, {access}"
    name = call.name if call else "call"
    return f"the {profile.name} call {name} ({what}) has no proof table yet; runs that use it cannot be proven"
