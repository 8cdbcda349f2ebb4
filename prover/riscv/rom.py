"""The Program ROM: the program's instructions as a fixed table, and the program ID.

What it proves.  The ROM receives ("rom", [pc_lo, pc_hi, op, rd, rs1, rs2, imm limbs],
mult) from its fixed columns.  Main sends one such message per executed step, so once
the bus balances every step Main proves executes an instruction that is really at that
pc in this program, decoded as the decoder decodes it (`runtime/encoding.py`
`decode_words`): the op id, the register numbers and the immediate come from the
program, not from the prover.  The fixed columns are committed in the verifying key
(and in the program ID), so a proof is about this program only; the prover chooses only
`mult`, how many times each instruction ran, which changes nothing about what each step
is allowed to do.

Layout (`rom_fixed`): one row per 4-byte-aligned word of the executable segments that
decodes to an RV`xlen` instruction, in increasing pc order, then padding up to a power
of two (at least 4 rows).  Columns:
- pc_lo, pc_hi: the word's address as two 16-bit limbs (pcs fit in 32 bits);
- op: its `TABLE` row id (the trace's `op`);
- rd, rs1, rs2: its register fields, 0 where the format has none;
- imm_0 .. imm_{L-1}: its immediate as 16-bit limbs (L = xlen / 16), two's complement
  masked to XLEN.  Rule: for I, SHIFT, LOAD, JALR, U and J formats this is exactly what
  the trace's MAIN_ROW `b` holds (tests check it on real traces: U is the shifted,
  sign-extended upper immediate, J and B the byte offset from pc); S and B formats carry
  their decoded immediate the same way (store offset, branch offset), since Main needs
  them and the trace's `b` holds rs2's value there; every other format (R, AMO, LR,
  FENCE, NONE) has imm 0 (FENCE's fm/pred/succ bits are dropped: fence does nothing here).
  AMO/LR aq/rl bits are not in the ROM either (one hart: they change nothing).

Illegal words (data in code segments, padding) get no row: no step can be proven there,
which is what the VM does (it faults).

Padding rows are (pc 0, op = p - 1, everything else 0).  They can never match a message
of a step that Main proves, for two independent reasons: (1) op p - 1 (-1, the
decoder's "illegal" marker) is not the id of any TABLE row, and Main's op must be one
of those for its constraints to give the step a meaning; (2) pc 0 is below RAM
(RAM_BASE = 0x8000_0000, and `load_elf` refuses segments outside RAM), so no step of a
program that has not already faulted runs there.  So a prover that puts a nonzero
multiplicity on a padding row only unbalances the bus.

The program ID (`program_id`) is BLAKE3 of a canonical encoding of what fixes a run:
    "zkaot-program-v3\\0" || xlen (u32) || entry (u64) || log2 ROM rows (u32)
    || ROM fixed root (32 bytes) || image digest (32 bytes)
    || log2 Image rows (u32) || Image fixed root (32 bytes)
    || log2 Regions rows (u32) || Regions fixed root (32 bytes)
    [|| the machine profile's name, UTF-8, for a profile other than zkaot]
(integers little-endian).  The roots are the Merkle roots `prover.stark.setup` computes
for the ROM's, the Image table's (`image.py`) and the Regions table's (`regions.py`, the
default memory map) fixed columns with default StarkParameters (`TableKey.fixed_root`:
the same code path, so a verifying key and the ID cannot disagree).  They are every
fixed commitment of a proof of a run (`machine.run_key`, `segments.segment_key`) that
depends on the program; the others (op-class table, register file, range tables)
depend on xlen and the profile only (`proof_profiles.py`: the profile's calls are Main's
columns and constraints, so its name pins them).  So the ID alone pins the verifying key: a verifier given the ID
and these parts (`ProgramCommitment`, which a proof file carries: `claim.py`) rebuilds
the key with `machine.machine_verifying_key` or `segments.segment_verifying_key` and
checks that the parts hash to the ID, without the ELF.  The image digest is BLAKE3 of
    "zkaot-image-v1\\0" || segment count (u32) || per PT_LOAD segment in address order:
    vaddr (u64) || memsz (u64) || flags (u8: R=4, W=2, X=1) || n (u64) || n bytes
where the n bytes are the segment's initial contents without their trailing zeros
(the file bytes; the zero fill and trailing zero file bytes are the same memory).  The
ID therefore depends on the loaded image only, not on the file's layout, symbols or
path, and is the same on every machine.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from functools import lru_cache

import blake3
import numpy as np

from runtime.encoding import by_id, decode_words
from runtime.program_image import ProgramImage

from ..air import Air
from ..field import P
from ..stark import StarkParameters, setup
from .image import IMAGE, image_air, image_fixed
from .regions import REGIONS, regions_air, regions_fixed
from .limbs import n_limbs, to_limbs
from .proof_profiles import proof_profile

ROM = "rom"
PROGRAM_DOMAIN = b"zkaot-program-v3\0"
IMAGE_DOMAIN = b"zkaot-image-v1\0"
PAD_PC = 0                      # below RAM: no segment, no step, is ever there
PAD_OP = P - 1                  # -1: not a TABLE id
MIN_ROWS = 4                    # prover.stark.MIN_LOG_ROWS

# Whether an op's immediate is in the ROM (its format has one; others: 0), by op id.
_HAS_IMM = by_id(lambda op: bool(op.format.imm_parts), bool)


def rom_columns(xlen: int) -> list[str]:
    """The fixed columns, in order (also the fields of a "rom" message)."""
    return ["pc_lo", "pc_hi", "op", "rd", "rs1", "rs2"] + [f"imm_{k}" for k in range(n_limbs(xlen))]


def rom_air(xlen: int) -> Air:
    """The Program ROM table (see the module docstring): fixed columns `rom_columns(xlen)`,
    main column `mult`; receives ("rom", [pc_lo, pc_hi, op, rd, rs1, rs2, imm...], mult)."""
    air = Air(ROM, main=["mult"], fixed=rom_columns(xlen))
    air.receive(ROM, [air.col(c) for c in rom_columns(xlen)], air.col("mult"))
    return air


@lru_cache(maxsize=8)
def rom_instructions(program: ProgramImage) -> tuple[np.ndarray, np.ndarray]:
    """The ROM's real rows: (pcs int64, ascending; messages (n, 6 + L) uint32) for the
    words of the executable segments decodable under the program's profile (CSR
    instructions for ZisK's: runtime/encoding.py decodable), before padding; decoded once per program
    (its key, each segment's Main trace and ROM multiplicities all read them)."""
    pcs, words = program.code
    decoded = decode_words(words, program.xlen, proof_profile(program.profile).main.extensions)
    legal = decoded["op"] >= 0
    pcs, decoded = pcs[legal], decoded[legal]
    if pcs.size and pcs[-1] >= 1 << 32:
        raise ValueError(f"{program.name}: code above 4 GiB: pcs must fit in 32 bits")
    op = decoded["op"].astype(np.int64)
    mask = np.uint64((1 << program.xlen) - 1)
    imm = np.where(_HAS_IMM[op], decoded["imm"], 0).astype(np.int64).view(np.uint64) & mask
    out = np.empty((pcs.size, 6 + n_limbs(program.xlen)), dtype=np.uint32)
    out[:, 0] = pcs & 0xFFFF
    out[:, 1] = pcs >> 16
    out[:, 2] = op
    out[:, 3] = decoded["rd"]
    out[:, 4] = decoded["rs1"]
    out[:, 5] = decoded["rs2"]
    out[:, 6:] = to_limbs(imm, program.xlen)
    pcs.setflags(write=False)
    out.setflags(write=False)
    return pcs, out


def _padded_rows(n: int) -> int:
    return max(MIN_ROWS, 1 << max(0, n - 1).bit_length())


def rom_fixed(program: ProgramImage) -> np.ndarray:
    """The ROM's fixed columns (2^k, 6 + L) uint32: `rom_instructions`, then padding rows
    (pc 0, op p - 1, zeros) up to a power of two."""
    _, rows = rom_instructions(program)
    out = np.zeros((_padded_rows(rows.shape[0]), rows.shape[1]), dtype=np.uint32)
    out[:rows.shape[0]] = rows
    out[rows.shape[0]:, 0] = PAD_PC & 0xFFFF
    out[rows.shape[0]:, 1] = PAD_PC >> 16
    out[rows.shape[0]:, 2] = PAD_OP
    return out


def _row_index(rom_pcs: np.ndarray, pcs: np.ndarray, program: ProgramImage) -> np.ndarray:
    """The ROM row of each pc; ValueError for a pc with no decodable instruction."""
    pcs = np.asarray(pcs, dtype=np.int64)
    i = np.searchsorted(rom_pcs, pcs)
    ok = i < rom_pcs.size
    ok[ok] = rom_pcs[i[ok]] == pcs[ok]
    if not ok.all():
        bad = int(pcs[np.argmin(ok)])
        raise ValueError(f"{program.name}: a step ran at pc 0x{bad:x}, where there is no instruction")
    return i


def rom_messages(program: ProgramImage, pcs) -> np.ndarray:
    """The "rom" message (6 + L uint32 fields) of a step at each pc: what Main sends."""
    rom_pcs, rows = rom_instructions(program)
    return rows[_row_index(rom_pcs, pcs, program)]


def rom_multiplicities(program: ProgramImage, pcs=None, *, pc_histogram=None,
                       code_start: int | None = None) -> np.ndarray:
    """The ROM's main column `mult` (rows of `rom_fixed`, 1) uint32: how many steps ran each
    instruction, from the pcs of the main rows or from the minimal trace's per-PC
    histogram (index (pc - code_start) / 4; code_start defaults to the lowest address of
    the executable segments, as the trace writes it).  Padding rows get 0.  ValueError if
    a step ran where the ROM has no instruction, or a count reaches p."""
    if (pcs is None) == (pc_histogram is None):
        raise TypeError("give either pcs or pc_histogram")
    rom_pcs, rows = rom_instructions(program)
    counts = np.zeros(_padded_rows(rom_pcs.size), dtype=np.int64)
    if pcs is not None:
        counts[:rom_pcs.size] = np.bincount(_row_index(rom_pcs, pcs, program), minlength=rom_pcs.size)
    else:
        hist = np.asarray(pc_histogram, dtype=np.uint64)
        if code_start is None:
            code_start = program.code_start
        index = (rom_pcs - code_start) // 4
        inside = (rom_pcs >= code_start) & ((rom_pcs - code_start) % 4 == 0) & (index < hist.size)
        got = np.zeros(rom_pcs.size, dtype=np.uint64)
        got[inside] = hist[index[inside]]
        if int(got.sum()) != int(hist.sum()):
            ran = hist.copy()
            ran[index[inside]] = 0
            bad = code_start + 4 * int(np.flatnonzero(ran)[0])
            raise ValueError(f"{program.name}: a step ran at pc 0x{bad:x}, where there is no instruction")
        counts[:rom_pcs.size] = np.minimum(got, np.uint64(P)).astype(np.int64)
    if counts.max(initial=0) >= P:
        raise ValueError(f"{program.name}: an instruction ran p = {P} times or more (multiplicities are field elements)")
    return counts.astype(np.uint32).reshape(-1, 1)


# ---------------------------------------------------------------- program ID

@dataclass(frozen=True)
class ProgramCommitment:
    """The parts the program ID hashes; `id` is the ID (hex)."""
    xlen: int
    entry: int
    rom_log_rows: int
    rom_root: bytes
    image_digest: bytes
    image_log_rows: int
    image_root: bytes
    regions_log_rows: int
    regions_root: bytes
    profile: str = "zkaot"          # the machine profile (proof_profiles.PROOF_PROFILES)

    def encode(self) -> bytes:
        return (PROGRAM_DOMAIN + struct.pack("<IQI", self.xlen, self.entry, self.rom_log_rows)
                + self.rom_root + self.image_digest + struct.pack("<I", self.image_log_rows) + self.image_root
                + struct.pack("<I", self.regions_log_rows) + self.regions_root
                + (b"" if self.profile == "zkaot" else self.profile.encode()))

    @property
    def proof_profile(self):
        """The profile's `proof_profiles.ProofProfile` (ValueError: none proves it)."""
        return proof_profile(self.profile)

    def fixed_roots(self) -> dict[str, tuple[int, bytes]]:
        """{table name: (log2 rows, root)} of the program's fixed tables."""
        return {ROM: (self.rom_log_rows, self.rom_root), IMAGE: (self.image_log_rows, self.image_root),
                REGIONS: (self.regions_log_rows, self.regions_root)}

    @property
    def id(self) -> str:
        return blake3.blake3(self.encode()).hexdigest()


def image_digest(program: ProgramImage) -> bytes:
    """32-byte BLAKE3 of the initial memory image (module docstring: encoding)."""
    h = blake3.blake3(IMAGE_DOMAIN)
    h.update(struct.pack("<I", len(program.segments)))
    for seg in sorted(program.segments, key=lambda s: s.vaddr):
        content = bytes(seg.data).rstrip(b"\0")
        flags = 4 * seg.readable + 2 * seg.writable + seg.executable
        h.update(struct.pack("<QQBQ", seg.vaddr, len(seg.data), flags, len(content)))
        h.update(content)
    return h.digest()


def _fixed_root(air, fixed) -> tuple[int, bytes]:
    """(log2 rows, Merkle root) of a table's fixed columns, as `prover.stark.setup`
    commits them with default parameters."""
    table = setup([air], fixed={air.name: fixed}, params=StarkParameters()).verifying_key.tables[0]
    return table.fixed_log_rows, table.fixed_root


def program_commitment(program: ProgramImage) -> ProgramCommitment:
    return ProgramCommitment(program.xlen, program.entry, *_fixed_root(rom_air(program.xlen), rom_fixed(program)),
                             image_digest(program), *_fixed_root(image_air(), image_fixed(program)),
                             *_fixed_root(regions_air(), regions_fixed(program)), program.profile)


def program_id(program: ProgramImage) -> str:
    """The program ID (64 hex digits): see the module docstring."""
    return program_commitment(program).id
