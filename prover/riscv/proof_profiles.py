"""The machine profiles zkaot proves runs of.

A `ProofProfile` is what the prover needs of a machine profile (runtime/profiles.py): its
memory map (the Regions table, the Input table's region) and its calls in the Main table
(`cpu/profile.py`; the op-class table has the CSR instructions when a CSR selects its
calls).  A program's profile travels with it (`runtime.program_image.ProgramImage.profile`,
`profile_of`); a verifier without the program reads it from the program commitment, which
the program ID hashes (`rom.ProgramCommitment`), so it rebuilds the keys of the profile the
proof was made for, and a proof made under one profile never verifies as another's.

Proven: `zkaot` (every call but none), `zisk` and `zisk-legacy` (`cpu/zisk.py`: exit with
the output slots, marchid, keccakf, sha256f, the UART, and on the current layout the
input-ready free call), and `sp1`, rv32 and rv64 (`cpu/sp1.py`: HALT, WRITE to the
console and the public values, COMMIT, HINT_LEN and HINT_READ against the committed
frames, KECCAK_PERMUTE, SHA_EXTEND and SHA_COMPRESS; the rv64 map reaches 2^40, of which the Regions table holds the
part below 2^32, where the memory argument's addresses are).  Every other profile is
refused by name (`proof_profile`), and a run that makes a call no proof holds before
proving (`refusals.py`).
"""
from __future__ import annotations

from dataclasses import dataclass

from runtime.memory_map import MemoryMap
from runtime.profiles import PROFILES
from runtime.program_image import ProgramImage
from runtime.zisk import CURRENT, LEGACY

from .cpu.profile import ZKAOT_MAIN, MainProfile
from .cpu.sp1 import SP1_MAIN
from .cpu.zisk import zisk_main
from .hints import hint_stream


@dataclass(frozen=True)
class ProofProfile:
    """A machine profile as the prover sees it: its name, memory map (per width) and Main calls."""
    name: str
    memory_map: MemoryMap
    main: MainProfile
    rv64_map: MemoryMap | None = None           # the rv64 runs' map, when not `memory_map`

    def map_for(self, xlen: int) -> MemoryMap:
        """The memory map of the profile's rv`xlen` runs."""
        return self.rv64_map if xlen == 64 and self.rv64_map is not None else self.memory_map

    def proof_input(self, input_bytes: bytes, frames, xlen: int) -> bytes:
        """What a proof's input commitment covers: the input region's bytes, or the hint stream
        of the frames (`hints.hint_stream`, padded to the rv`xlen` HINT_READ's slot) for a
        machine that reads them through calls."""
        return hint_stream(frames, xlen // 8) if self.memory_map.input_base is None else bytes(input_bytes)


ZKAOT_PROOF = ProofProfile("zkaot", MemoryMap(), ZKAOT_MAIN)
PROOF_PROFILES = {p.name: p for p in (
    ZKAOT_PROOF,
    ProofProfile("zisk", PROFILES["zisk"].maps[64], zisk_main(CURRENT, free_calls=True)),
    ProofProfile("zisk-legacy", PROFILES["zisk-legacy"].maps[64], zisk_main(LEGACY, free_calls=False)),
    ProofProfile("sp1", PROFILES["sp1"].maps[32], SP1_MAIN, rv64_map=PROFILES["sp1"].maps[64]),
)}


def proof_profile(name: str) -> ProofProfile:
    """The named profile's ProofProfile; ValueError (one line) for a profile no proof holds."""
    if name not in PROOF_PROFILES:
        proven = ", ".join(PROOF_PROFILES)
        raise ValueError(f"runs of the {name} profile cannot be proven yet: no proof holds its calls "
                         f"(zkaot proves runs of {proven}: docs/profiles.md)")
    return PROOF_PROFILES[name]


def profile_of(program: ProgramImage) -> ProofProfile:
    """The ProofProfile of a program's runs; ValueError when none proves them, or when the
    image's memory map is not its profile's (the verifier knows only the profile's)."""
    profile = proof_profile(program.profile)
    if program.memory_map != profile.map_for(program.xlen):
        raise ValueError(f"{program.name}: a {program.profile} run in another memory map than the "
                         f"{program.profile} profile's cannot be proven")
    return profile
