"""A proof of a run as one file: the public claim and the STARK proofs of its segments.

The claim (`RunClaim`): the program (its ID and the parts the ID hashes,
`rom.ProgramCommitment`), the run's entry, exit code and input commitment (the first
segment's Input table main root, `machine.input_root`), then per segment
(`segments.py`: a run is proven as a chain of segments, one when it is short) its final
pc, steps, whether it exits, its public output bytes and its STARK proof.  The verifier
needs no ELF: `verify_claim` checks that the parts hash to the program ID it was given,
rebuilds the segment verifying keys from the commitment's fixed roots
(`segments.segment_verifying_key`, or reads them from the on-disk cache, `keycache.py`),
and verifies the chain (`segments.verify_segments`).

File format, version 3 (integers little-endian; version 2 had no profile):
    "ZKAOTRUN" || version (u16)
    || xlen (u32) || entry (u64) || log2 ROM rows (u32) || ROM root (32)
       || image digest (32) || log2 Image rows (u32) || Image root (32)
       || log2 Regions rows (u32) || Regions root (32)
       || profile name length (u8) || profile name (UTF-8)                  (the ProgramCommitment)
    || program ID (32) || entry (u64) || exit code (i32) || input root (32)
    || segments (u32), then per segment:
       final pc (u64) || steps (u64) || flags (u8: 1 = exits, 2 = its key has the
       precompile tables)
       || output length (u32) || output bytes || proof length (u32) || proof (`Proof.to_bytes`)
`decode` is strict: a short file, trailing bytes, another magic or version, or a field out
of range is a `ClaimFormatError` with a one-line message.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from runtime.program_image import ProgramImage

from ..codec import ProofFormatError
from ..stark import Proof, StarkParameters, Verdict, security
from .keycache import cached_verifying_keys
from .machine import input_root
from .rom import ProgramCommitment, program_commitment
from .segment_jobs import verify_on
from .segments import SegmentProof, prove_segments, segment_keys, segment_verifying_keys, verify_segments

MAGIC = b"ZKAOTRUN"
VERSION = 3
MAX_FILE_BYTES = 1 << 32
MAX_SEGMENTS = 1 << 20
_COMMITMENT = struct.Struct("<IQI32s32sI32sI32s")
_CLAIM = struct.Struct("<32sQi32sI")
_NAME = 32                          # a profile name's longest
_SEGMENT = struct.Struct("<QQB")


class ClaimFormatError(ValueError):
    """The bytes are not a zkaot proof file of a version this code reads."""


@dataclass(frozen=True)
class SegmentClaim:
    final_pc: int
    steps: int
    exits: bool
    output: bytes
    proof: bytes                # prover.stark.Proof.to_bytes()
    precompiles: bool = False   # its key has the precompile tables

@dataclass(frozen=True)
class RunClaim:
    program: ProgramCommitment
    program_id: str             # 64 hex digits, as stored (the verifier checks it is program.id)
    entry: int
    exit_code: int              # signed 32-bit
    input_root: bytes           # the first segment's Input table main root: the input's commitment
    segments: tuple[SegmentClaim, ...]

    @property
    def output(self) -> bytes:
        return b"".join(s.output for s in self.segments)

    @property
    def steps(self) -> int:
        return sum(s.steps for s in self.segments)

    def encode(self) -> bytes:
        c = self.program
        parts = [MAGIC, struct.pack("<H", VERSION),
                 _COMMITMENT.pack(c.xlen, c.entry, c.rom_log_rows, c.rom_root, c.image_digest, c.image_log_rows,
                                  c.image_root, c.regions_log_rows, c.regions_root),
                 struct.pack("<B", len(c.profile.encode())), c.profile.encode(),
                 _CLAIM.pack(bytes.fromhex(self.program_id), self.entry, self.exit_code, self.input_root,
                             len(self.segments))]
        for seg in self.segments:
            parts += [_SEGMENT.pack(seg.final_pc, seg.steps, int(seg.exits) | 2 * int(seg.precompiles)),
                      struct.pack("<I", len(seg.output)), seg.output, struct.pack("<I", len(seg.proof)), seg.proof]
        return b"".join(parts)

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
        xlen, entry, rom_rows, rom_root, digest, image_rows, image_root, region_rows, region_root = _COMMITMENT.unpack(
            take(_COMMITMENT.size, "the program commitment"))
        if xlen not in (32, 64) or max(rom_rows, image_rows, region_rows) > 30:
            raise ClaimFormatError(f"bad program commitment (xlen {xlen}, log2 rows {rom_rows}, {image_rows} and "
                                   f"{region_rows})")
        (n,) = struct.unpack("<B", take(1, "the profile name's length"))
        try:
            profile = take(n, "the profile name").decode()
        except UnicodeDecodeError:
            raise ClaimFormatError("the profile name is not UTF-8") from None
        if not 0 < n <= _NAME:
            raise ClaimFormatError(f"a profile name of {n} bytes (1 to {_NAME})")
        pid, claim_entry, exit_code, in_root, n_segments = _CLAIM.unpack(take(_CLAIM.size, "the claim"))
        if not 1 <= n_segments <= MAX_SEGMENTS:
            raise ClaimFormatError(f"{n_segments} segments: a proof file holds 1 to {MAX_SEGMENTS:,}")
        segments = []
        for k in range(n_segments):
            final_pc, steps, flags = _SEGMENT.unpack(take(_SEGMENT.size, f"segment {k}"))
            if flags > 3:
                raise ClaimFormatError(f"segment {k}: flags 0x{flags:02x} (only 1 = exits and 2 = precompiles exist)")
            (n,) = struct.unpack("<I", take(4, f"segment {k}'s output length"))
            output = take(n, f"segment {k}'s output")
            (n,) = struct.unpack("<I", take(4, f"segment {k}'s proof length"))
            segments.append(SegmentClaim(final_pc, steps, bool(flags & 1), output, take(n, f"segment {k}'s proof"),
                                         bool(flags & 2)))
        if pos != len(data):
            raise ClaimFormatError(f"{len(data) - pos} trailing bytes after the proof")
        program = ProgramCommitment(xlen, entry, rom_rows, rom_root, digest, image_rows, image_root, region_rows,
                                    region_root, profile)
        return RunClaim(program, pid.hex(), claim_entry, exit_code, in_root, tuple(segments))


def prove_claim(program: ProgramImage, segments, input_bytes: bytes = b"", *, threads: int = 1, check: bool = True,
                on_segment=None, keys=None) -> RunClaim:
    """Prove a whole run, given as its segments (a `translator.segments.SegmentedRun` from
    the entry to the exit ecall), with default parameters, the ones the program ID's roots
    are computed with.  check=True evaluates every constraint on the traces first (a
    ConstraintError names a bad witness's table, constraint and row).
    on_segment(k, SegmentProof) is called as each segment is proven.  keys: the
    program's segment proving keys (default: built here).  The program image names the
    machine profile the run is of (its input_bytes: the input region's, `zkaot.recognise.frames_for`)."""
    commitment = program_commitment(program)
    keys = keys or segment_keys(program)
    proofs = prove_segments(program, segments, input_bytes, keys, threads=threads, check=check,
                            on_segment=on_segment)
    return run_claim(commitment, proofs, input_root(keys.of(0), input_bytes, program.memory_map))


def run_claim(commitment: ProgramCommitment, proofs: list[SegmentProof], input_root: bytes) -> RunClaim:
    """The claim of a whole run proven as `proofs` (in order, the last one exiting)."""
    if not proofs or not proofs[-1].exited:
        raise ValueError("the run does not end in an exit ecall: only whole runs can be proven")
    return RunClaim(commitment, commitment.id, commitment.entry, proofs[-1].exit_code, input_root,
                    tuple(SegmentClaim(p.final_pc, p.steps, p.exited, p.output, p.proof.to_bytes(), p.precompiles)
                          for p in proofs))


@dataclass(frozen=True)
class ClaimVerdict(Verdict):
    """Accepted or not, and the security level of the weakest segment: conjectured (the
    level each proof states, ethSTARK convention) and proven (unique-decoding regime),
    both in bits (prover/security.py)."""
    security_bits: float = 0.0
    proven_bits: float = 0.0


def verify_claim(claim: RunClaim, program_id: str, expect_exit: int = 0,
                 input_bytes: bytes | None = None, key_cache: Path | None = None, executor=None) -> ClaimVerdict:
    """Accept iff the claim is about the program `program_id` (hex), its run exited with
    `expect_exit`, the input is `input_bytes` (when given) and the STARK proof proves it
    all.  The reason says what failed.  With `key_cache` (a cache root directory) the
    verifying keys are read from it, or built and written there (`keycache.py`);
    without, they are built in memory.  With an `executor` (translator/parallel.py) and
    a key cache, the segments of a chain are checked as parallel jobs (`segment_jobs.py`)."""
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
    try:
        profile = c.proof_profile
    except ValueError as e:
        return no(str(e))
    keys = (segment_verifying_keys(c, StarkParameters()) if key_cache is None
            else cached_verifying_keys(c, key_cache))
    if input_bytes is not None and input_root(keys.of(0), input_bytes, profile.memory_map) != claim.input_root:
        return no(f"the input given ({len(input_bytes)} bytes) is not the input the proof's input hash names")
    proofs = []
    for k, seg in enumerate(claim.segments):
        try:
            proof = Proof.from_bytes(seg.proof)
        except ProofFormatError as e:
            return no(f"segment {k}: bad STARK proof: {e}")
        proofs.append(SegmentProof(seg.final_pc, seg.steps, seg.exits, expect_exit if seg.exits else 0,
                                   seg.output, proof, seg.precompiles))
    if executor is not None and key_cache is not None and len(proofs) > 1:
        verdict = verify_on(executor, c, key_cache, keys, proofs, expect_exit, input_root=claim.input_root)
    else:
        verdict = verify_segments(keys, proofs, c.xlen, c.entry, expect_exit, input_root=claim.input_root)
    if not verdict:
        return no(f"the STARK proof does not verify: {verdict.reason}")
    proven = min(security(keys.of(k, p.precompiles), [t.log_rows for t in p.proof.tables]).proven_bits
                 for k, p in enumerate(proofs))
    return ClaimVerdict(True, "", min(p.proof.meta.security_bits for p in proofs), proven)
