"""A proof of a run as one file: the STARK proof and the public claim it proves.

The claim (`RunClaim`): the program (its ID and the parts the ID hashes,
`rom.ProgramCommitment`), the run's entry, final pc, steps and exit code, its public
output bytes and the input commitment (the Input table's main root, `machine.input_root`).
The verifier needs no ELF: `verify_claim` rebuilds the verifying key from the
commitment's fixed roots (`machine.machine_verifying_key`), checks that the parts hash to
the program ID it was given, and verifies the STARK proof against the claim
(`machine.verify_run` with the output and input commitments).

File format, version 1 (integers little-endian):
    "ZKAOTRUN" || version (u16)
    || xlen (u32) || entry (u64) || log2 ROM rows (u32) || ROM root (32)
       || image digest (32) || log2 Image rows (u32) || Image root (32)   (the ProgramCommitment)
    || program ID (32)
    || entry (u64) || final pc (u64) || steps (u64) || exit code (i32)
    || input root (32)
    || output length (u32) || output bytes
    || proof length (u32) || proof (`prover.stark.Proof.to_bytes`)
`decode` is strict: a short file, trailing bytes, another magic or version, or a field out
of range is a `ClaimFormatError` with a one-line message.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

from ..codec import ProofFormatError
from ..stark import Proof, StarkParameters, Verdict
from .machine import input_root, machine_verifying_key, prove_run, verify_run
from .rom import ProgramCommitment, program_commitment

MAGIC = b"ZKAOTRUN"
VERSION = 1
MAX_FILE_BYTES = 1 << 30
_COMMITMENT = struct.Struct("<IQI32s32sI32s")
_CLAIM = struct.Struct("<32sQQQi32s")


class ClaimFormatError(ValueError):
    """The bytes are not a zkaot proof file of a version this code reads."""


@dataclass(frozen=True)
class RunClaim:
    program: ProgramCommitment
    program_id: str             # 64 hex digits, as stored (the verifier checks it is program.id)
    entry: int
    final_pc: int
    steps: int
    exit_code: int              # signed 32-bit
    input_root: bytes           # the Input table's main root: the input's commitment
    output: bytes
    proof: bytes                # prover.stark.Proof.to_bytes()

    def encode(self) -> bytes:
        c = self.program
        return b"".join([
            MAGIC, struct.pack("<H", VERSION),
            _COMMITMENT.pack(c.xlen, c.entry, c.rom_log_rows, c.rom_root, c.image_digest, c.image_log_rows,
                             c.image_root),
            _CLAIM.pack(bytes.fromhex(self.program_id), self.entry, self.final_pc, self.steps, self.exit_code,
                        self.input_root),
            struct.pack("<I", len(self.output)), self.output,
            struct.pack("<I", len(self.proof)), self.proof,
        ])

    @staticmethod
    def decode(data: bytes) -> RunClaim:
        data = bytes(data)
        if len(data) > MAX_FILE_BYTES:
            raise ClaimFormatError(f"{len(data):,} bytes is over the {MAX_FILE_BYTES:,}-byte limit")
        if data[:len(MAGIC)] != MAGIC:
            raise ClaimFormatError("not a zkaot proof file (bad magic bytes)")
        pos = len(MAGIC)

        def take(n: int, what: str) -> bytes:
            nonlocal pos
            if pos + n > len(data):
                raise ClaimFormatError(f"the file ends inside {what} (truncated?)")
            pos += n
            return data[pos - n:pos]

        (version,) = struct.unpack("<H", take(2, "the version"))
        if version != VERSION:
            raise ClaimFormatError(f"proof file version {version}, this verifier reads version {VERSION}")
        xlen, entry, rom_rows, rom_root, digest, image_rows, image_root = _COMMITMENT.unpack(
            take(_COMMITMENT.size, "the program commitment"))
        if xlen not in (32, 64) or not rom_rows <= 30 or not image_rows <= 30:
            raise ClaimFormatError(f"bad program commitment (xlen {xlen}, log2 rows {rom_rows} and {image_rows})")
        pid, claim_entry, final_pc, steps, exit_code, in_root = _CLAIM.unpack(take(_CLAIM.size, "the claim"))
        (n,) = struct.unpack("<I", take(4, "the output length"))
        output = take(n, "the output")
        (n,) = struct.unpack("<I", take(4, "the proof length"))
        proof = take(n, "the proof")
        if pos != len(data):
            raise ClaimFormatError(f"{len(data) - pos} trailing bytes after the proof")
        program = ProgramCommitment(xlen, entry, rom_rows, rom_root, digest, image_rows, image_root)
        return RunClaim(program, pid.hex(), claim_entry, final_pc, steps, exit_code, in_root, output, proof)


def prove_claim(program, rows, input_bytes: bytes = b"", *, progress: bool = False, threads: int = 1) -> RunClaim:
    """Prove a whole run (MAIN_ROW rows from the entry to its exit ecall) with default
    parameters, the ones the program ID's roots are computed with."""
    key, proof, pub = prove_run(program, rows, input_bytes, progress=progress, threads=threads)
    if not pub.exited:
        raise ValueError("the run does not end in an exit ecall: only whole runs can be proven")
    commitment = program_commitment(program)
    return RunClaim(commitment, commitment.id, pub.entry, pub.final_pc, pub.steps, pub.exit_code,
                    input_root(key, input_bytes), pub.output, proof.to_bytes())


@dataclass(frozen=True)
class ClaimVerdict(Verdict):
    security_bits: float = 0.0


def verify_claim(claim: RunClaim, program_id: str, expect_exit: int = 0,
                 input_bytes: bytes | None = None) -> ClaimVerdict:
    """Accept iff the claim is about the program `program_id` (hex), its run exited with
    `expect_exit`, the input is `input_bytes` (when given) and the STARK proof proves it
    all.  The reason says what failed."""
    def no(reason: str) -> ClaimVerdict:
        return ClaimVerdict(False, reason)

    want = program_id.strip().lower()
    parts = claim.program.id
    if claim.program_id != parts:
        return no(f"the file's program parts hash to {parts}, not to its program ID {claim.program_id}")
    if parts != want:
        return no(f"the proof is for program {parts}, not {want}")
    if claim.entry != claim.program.entry:
        return no(f"the claimed entry 0x{claim.entry:x} is not the program's entry 0x{claim.program.entry:x}")
    if claim.exit_code != expect_exit:
        return no(f"the run exited with code {claim.exit_code}, and exit code {expect_exit} is the one accepted")
    c = claim.program
    vk = machine_verifying_key(c.xlen, (c.rom_log_rows, c.rom_root), (c.image_log_rows, c.image_root),
                               StarkParameters())
    if input_bytes is not None and input_root(vk, input_bytes) != claim.input_root:
        return no(f"the input given ({len(input_bytes)} bytes) is not the input the proof's input hash names")
    try:
        proof = Proof.from_bytes(claim.proof)
    except ProofFormatError as e:
        return no(f"bad STARK proof: {e}")
    verdict = verify_run(vk, proof, claim.output, expect_exit, entry=c.entry, final_pc=claim.final_pc,
                         steps=claim.steps, input_root=claim.input_root)
    if not verdict:
        return no(f"the STARK proof does not verify: {verdict.reason}")
    return ClaimVerdict(True, "", proof.meta.security_bits)
