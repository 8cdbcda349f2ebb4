"""Proofs of sp1 runs (issue 15, point 4; prover/riscv/cpu/sp1.py, hints.py): guests written
here to SP1's ABI (t0 selects the call), rv32 and rv64, prove and verify with the bytes
written to fd 13 as the public output and the frames HINT_LEN/HINT_READ read bound to the
input hash, KECCAK_PERMUTE goes through the Keccak table and SHA_EXTEND/SHA_COMPRESS
through the SP1 SHA tables (the committed C guest, whose halt hashes its public values
with them, proves end to end), a forged row or a lying host breaks a constraint or a bus,
and calls no table proves are refused in one line before proving."""
import dataclasses
import functools
import hashlib
from pathlib import Path

import numpy as np
import pytest

import zkaot
from elf_factory import PF_R, PF_W, PF_X, Seg, build_elf
from proof_files import edited, verify
from prover.air import ConstraintError
from prover.riscv.claim import RunClaim
from prover.riscv.hints import hint_stream
from prover.riscv.machine import initial_memory
from prover.riscv.main import main_air, main_columns, main_trace
from prover.riscv.proof_profiles import PROOF_PROFILES
from riscv_helpers import key_of, refuse_run_bus
from runtime.calls import Registry
from runtime.precompiles import keccakf_bytes
from runtime.profiles import PROFILES
from runtime.trace import MAIN_ROW, records
from translator.assembler import assemble
from translator.expand import reference_trace
from translator.interpreter import Interpreter
from zkaot.cli import EXIT_GUEST_FAILED, EXIT_OK, main
from zkaot.recognise import load_guest

TEXT, DATA = 0x20_0800, 0x21_0000            # where SP1 links rv32 text; the guests' data
STATE = bytes(range(200))
PROFILE = PROOF_PROFILES["sp1"]


def call(number: int, *args: str) -> str:
    """An SP1 ecall: t0 = number (lui + addi), then the argument moves."""
    hi, lo = (number + 0x800) >> 12, number & 0xFFF
    lo = lo - 0x1000 if lo >= 0x800 else lo
    t0 = f"lui t0, {hi:#x}\naddi t0, t0, {lo}\n" if hi else f"addi t0, zero, {lo}\n"
    return "".join(f"{a}\n" for a in args) + t0 + "ecall\n"


# public values "hello", "hi\n" to the console, keccak_permute on a 4-aligned state (not
# 8-aligned), its first 8 bytes to the public values, the 8 digest words of both commits
PUBLIC = (call(0x02, "addi a0, zero, 13", "addi a1, s0, 0", "addi a2, zero, 5")
          + call(0x02, "addi a0, zero, 1", "addi a1, s0, 8", "addi a2, zero, 3")
          + call(0x00_01_01_09, "addi a0, s0, 0x104", "addi a1, zero, 0")
          + call(0x02, "addi a0, zero, 13", "addi a1, s0, 0x104", "addi a2, zero, 8")
          + "addi s1, zero, 0\nloop:\n"
          + call(0x10, "addi a0, s1, 0", "addi a1, zero, 0x55") + call(0x1A)
          + "addi s1, s1, 1\naddi t2, zero, 8\nblt s1, t2, loop\n")
DATA_BYTES = b"hello\0\0\0hi\n".ljust(0x104, b"\0") + STATE


# reads every frame (HINT_LEN until u32::MAX, HINT_READ to DATA + 0x400) and writes it to
# the public values, then exits with the first byte of the last nonempty frame read
def hints_body(xlen: int = 32) -> str:
    """Reads every frame (HINT_LEN until u32::MAX, HINT_READ to DATA + 0x400) and writes it to
    the public values, then leaves the first byte of the last nonempty frame read in a0."""
    no_frame = "addi t1, zero, -1\n" + ("srli t1, t1, 32\n" if xlen == 64 else "")     # u32::MAX, zero-extended
    return ("addi s2, s0, 0x400\nnext:\n" + call(0xF0) + no_frame + "beq t0, t1, done\naddi s3, t0, 0\n"
            + call(0xF1, "addi a0, s2, 0", "addi a1, s3, 0")
            + call(0x02, "addi a0, zero, 13", "addi a1, s2, 0", "addi a2, s3, 0") + "jal zero, next\ndone:\n"
            + "lbu a0, 0(s2)\n")


HINTS = hints_body()
FRAMES = (b"hello", b"", b"zkVM frames!")


def sp1_elf(body: str, code: int | None = 0, xlen: int = 32, data: bytes = DATA_BYTES) -> bytes:
    """An SP1-ABI guest: s0 = DATA holding `data`, `body`, HALT with `code` (None: a0 as the
    body left it)."""
    source = f"lui s0, {DATA >> 12:#x}\n{body}" + call(0x00, *([] if code is None else [f"addi a0, zero, {code}"]))
    return build_elf([Seg(TEXT, PF_R | PF_X, assemble(source, TEXT, xlen)), Seg(DATA, PF_R | PF_W, data)],
                     elfclass=xlen)


# SHA_EXTEND of the block at DATA + 0x200, SHA_COMPRESS of it into the state at DATA + 0x600
# (SHA-256's IV), the state to the public values: one u32 word per slot, the low half of 8
# bytes on rv64.  The block is "abc" padded, so the state is hashlib's digest of "abc".
SHA_BODY = (call(0x00_30_01_05, "addi a0, s0, 0x200", "addi a1, zero, 0")
            + call(0x00_01_01_06, "addi a0, s0, 0x200", "addi a1, s0, 0x600"))
SHA_IV = (0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19)


def sha_guest(xlen: int) -> bytes:
    slot = xlen // 8
    block = b"abc\x80".ljust(62, b"\0") + (24).to_bytes(2, "big")
    words = [int.from_bytes(block[i:i + 4], "big") for i in range(0, 64, 4)]
    data = bytes(0x200) + b"".join(w.to_bytes(slot, "little") for w in words)
    data = data.ljust(0x600, b"\0") + b"".join(w.to_bytes(slot, "little") for w in SHA_IV)
    body = SHA_BODY + call(0x02, "addi a0, zero, 13", "addi a1, s0, 0x600", f"addi a2, zero, {8 * slot}")
    return sp1_elf(body, 0, xlen, data)


def sha_state(digest: bytes, xlen: int) -> bytes:
    """A SHA-256 digest as SHA_COMPRESS leaves its state in memory: u32 words in slots."""
    return b"".join(int.from_bytes(digest[i:i + 4], "big").to_bytes(xlen // 8, "little") for i in range(0, 32, 4))


def hex_frames(frames) -> list[str]:
    return [arg for frame in frames for arg in ("--input-hex", frame.hex())]


@pytest.fixture(scope="module")
def proved(tmp_path_factory):
    """`zkaot prove --profile sp1` of the public-values guest, in segments of 48 steps, and of
    the frame reader on FRAMES."""
    d = tmp_path_factory.mktemp("sp1-proofs")
    out = {"dir": d}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ZKAOT_CACHE", str(d / "cache"))
        for name, elf, args in (("proof", sp1_elf(PUBLIC, code=3), ["--segment-steps", "48"]),
                                ("hints", sp1_elf(HINTS, None), hex_frames(FRAMES))):
            (d / f"{name}.elf").write_bytes(elf)
            out[name] = d / f"{name}.proof"
            assert main(["prove", str(d / f"{name}.elf"), *args, "--profile", "sp1", "-o", str(out[name]),
                         "--engine", "interp"]) == EXIT_OK
    return out


def test_an_sp1_run_proves_with_the_public_values_and_keccak_permute_as_its_output(proved, capsys, monkeypatch):
    monkeypatch.setenv("ZKAOT_CACHE", str(proved["dir"] / "cache"))
    claim = RunClaim.decode(proved["proof"].read_bytes())
    assert claim.program.profile == "sp1" and claim.exit_code == 3 and len(claim.segments) == 3
    assert claim.output == b"hello" + keccakf_bytes(STATE)[:8]
    status, out, _ = verify(capsys, proved["proof"], "--expect-exit", "3")
    assert status == EXIT_OK and f"output:      {claim.output.hex()}" in out


def test_other_public_values_do_not_verify(proved, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ZKAOT_CACHE", str(proved["dir"] / "cache"))
    claim = RunClaim.decode(proved["proof"].read_bytes())
    first = claim.segments[0]
    assert first.output[:5] == b"hello"
    for output in (b"jello" + first.output[5:], first.output[:-1]):
        segments = (dataclasses.replace(first, output=output),) + claim.segments[1:]
        status, _, err = verify(capsys, edited(proved["proof"], tmp_path, segments=segments), "--expect-exit", "3")
        assert status == EXIT_GUEST_FAILED and "does not verify" in err


def test_another_exit_code_does_not_verify(proved, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ZKAOT_CACHE", str(proved["dir"] / "cache"))
    status, _, err = verify(capsys, edited(proved["proof"], tmp_path, exit_code=0), "--expect-exit", "0")
    assert status == EXIT_GUEST_FAILED and err.count("\n") == 1


def test_the_profile_is_part_of_the_program_id(proved, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ZKAOT_CACHE", str(proved["dir"] / "cache"))
    claim = RunClaim.decode(proved["proof"].read_bytes())
    path = edited(proved["proof"], tmp_path, program=dataclasses.replace(claim.program, profile="zkaot"))
    status, _, err = verify(capsys, path, "--expect-exit", "3")
    assert status == EXIT_GUEST_FAILED and "hash to" in err


def test_a_guest_reading_frames_proves_and_verifies_on_its_frames(proved, capsys, monkeypatch):
    monkeypatch.setenv("ZKAOT_CACHE", str(proved["dir"] / "cache"))
    claim = RunClaim.decode(proved["hints"].read_bytes())
    assert claim.output == b"".join(FRAMES) and claim.exit_code == ord("z")
    status, _, _ = verify(capsys, proved["hints"], *hex_frames(FRAMES), "--expect-exit", str(ord("z")))
    assert status == EXIT_OK


@pytest.mark.parametrize("frames", [(b"hello", b"", b"zkVM frames?"), (b"hello", b"zkVM frames!"),
                                    (b"hello", b"", b"zkVM frames!", b"")],
                         ids=["a byte", "a frame less", "a frame more"])
def test_other_frames_do_not_verify(proved, capsys, monkeypatch, frames):
    monkeypatch.setenv("ZKAOT_CACHE", str(proved["dir"] / "cache"))
    status, _, err = verify(capsys, proved["hints"], *hex_frames(frames), "--expect-exit", str(ord("z")))
    assert status == EXIT_GUEST_FAILED and "input" in err and err.count("\n") == 1


def test_an_input_hash_of_other_frames_does_not_verify(proved, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ZKAOT_CACHE", str(proved["dir"] / "cache"))
    other = zkaot.input_hash(hint_stream([b"hello", b"", b"zkVM frames?"]), "sp1")
    status, _, err = verify(capsys, edited(proved["hints"], tmp_path, input_root=other), "--expect-exit",
                            str(ord("z")))
    assert status == EXIT_GUEST_FAILED and "does not verify" in err


# ------------------------------------------------------------------ Main's SP1 rows

@functools.cache
def honest_main(name: str):
    """(Main trace, column index) of an rv32 guest's run: "public" (the public-values guest)
    or "sha" (the SHA guest)."""
    guest = load_guest(sp1_elf(PUBLIC) if name == "public" else sha_guest(32), "sp1")
    result, rows, precompiles = reference_trace(guest.program, b"", PROFILE.memory_map, profile="sp1")
    assert result.exit_code == 0, result.fault
    image = guest.program.image(PROFILE.memory_map, "sp1")
    mt = main_trace(image, rows, precompiles=precompiles, initial_memory=initial_memory(image, b""))
    return mt, {name: i for i, name in enumerate(main_columns(32, PROFILE.main))}


@pytest.fixture(scope="module")
def honest():
    return honest_main("public")


def check(mt, main=None):
    main_air(32, PROFILE.main).check(mt.main if main is None else main, None, mt.public)


def forged(mt, col, row_of, column, change):
    main = mt.main.copy()
    row = int(np.flatnonzero(main[:, col[row_of]] == 1)[0])
    main[row, col[column]] = change(int(main[row, col[column]]))
    return main


def test_an_honest_sp1_run_satisfies_mains_constraints(honest):
    check(honest[0])


def test_keccak_permute_is_selected_by_t0_and_by_no_other_value(honest):
    mt, col = honest
    with pytest.raises(ConstraintError, match="ecall 0x10109: selector limb 1"):
        check(mt, forged(mt, col, "k_kec", "s1", lambda v: v + 1))


def test_a_write_is_not_a_commit(honest):
    mt, col = honest
    main = forged(mt, col, "e_out", "e_out", lambda v: 0)
    row = int(np.flatnonzero(mt.main[:, col["e_out"]] == 1)[0])
    main[row, col["k_com"]] = 1
    with pytest.raises(ConstraintError, match="ecall 0x10: selector limb 0"):
        check(mt, main)


@pytest.mark.parametrize("guest, row_of, column, change, broken", [
    ("public", "k_kec", "zpa", 1, "sp1 k_kec: a0 is 4-aligned"),
    ("public", "k_com", "c0", 1, "sp1 k_com: a0 limb 0 is unchanged"),
    ("sha", "k_shc", "x0", 2, "sp1 k_shc: a1 is 4-aligned"),
    ("sha", "k_she", "x0", 4, "sp1 k_she: a1 limb 0 is 0")],
    ids=["keccak_permute on a misaligned state", "a call that changes a0", "sha_compress on a misaligned state",
         "sha_extend with a nonzero a1"])
def test_a_forged_call_row_breaks_a_constraint(guest, row_of, column, change, broken):
    mt, col = honest_main(guest)
    with pytest.raises(ConstraintError, match=broken):
        check(mt, forged(mt, col, row_of, column, lambda v: v + change))


def test_an_honest_sha_run_satisfies_mains_constraints():
    check(honest_main("sha")[0])


def test_sha_compress_with_its_state_at_its_schedule_breaks_a_constraint():
    """a1 forged to a0, aligned (zpb = zpa): only a0 != a1 fails."""
    mt, col = honest_main("sha")
    main = mt.main.copy()
    row = int(np.flatnonzero(main[:, col["k_shc"]] == 1)[0])
    for i in range(2):
        main[row, col[f"x{i}"]] = main[row, col[f"a{i}"]]
    main[row, col["zpb"]] = main[row, col["zpa"]]
    with pytest.raises(ConstraintError, match="sp1 k_shc: a0 != a1"):
        check(mt, main)


def hint_trace(calls=None, frames=(b"hello",)):
    """(image, Main trace, hint stream) of the frame reader on `frames` under `calls` (default
    SP1's own registry)."""
    program = load_guest(sp1_elf(HINTS, None), "sp1").program
    rows = []
    result = Interpreter(program, b"", PROFILE.memory_map, 10_000, calls=calls or PROFILES["sp1"].calls[32],
                         frames=frames, record=rows.append).run()
    assert result.exit_code == ord("h"), result.fault
    image = program.image(PROFILE.memory_map, "sp1")
    stream = hint_stream(frames)
    return image, main_trace(image, records(rows, MAIN_ROW), initial_memory=initial_memory(image, stream)), stream


def lying(name: str, handler) -> Registry:
    calls = PROFILES["sp1"].calls[32]
    return Registry([dataclasses.replace(c, handler=handler) if c.name == name else c for c in calls.calls],
                    vendor="sp1")


@pytest.fixture(scope="module")
def honest_hints():
    _, mt, _ = hint_trace()
    return mt, {name: i for i, name in enumerate(main_columns(32, PROFILE.main))}


def test_an_honest_frame_reader_satisfies_mains_constraints(honest_hints):
    check(honest_hints[0])


def test_hint_read_copies_its_length_in_whole_units(honest_hints):
    mt, col = honest_hints
    with pytest.raises(ConstraintError, match="hint_read: 4 hn = len \\+ pad"):
        check(mt, forged(mt, col, "k_hr", "hr0", lambda v: 1 - v))


def test_the_cursor_moves_past_each_frame_read(honest_hints):
    mt, col = honest_hints
    main = mt.main.copy()
    after = int(np.flatnonzero(main[:, col["k_hr"]] == 1)[0]) + 1
    main[after:, col["hp"]] -= 1
    with pytest.raises(ConstraintError, match="hp moves past each frame read"):
        check(mt, main)


def test_a_hint_len_that_is_not_the_frames_length_cannot_be_proven():
    """A host whose HINT_LEN says 4 for "hello" (and whose HINT_READ copies 4 bytes) gives a run
    whose Main rows hold; the length is looked up in the committed stream, whose bus fails."""
    def short_len(call, regs, memory, io, step):
        return (len(io.frames[0]) - 1 if io.frames else 0xFFFF_FFFF,)

    def short_read(call, regs, memory, io, step):
        memory.write(regs[10], io.frames.popleft()[:regs[11]].ljust(4, b"\0"))
        return ()
    calls = lying("hint_len", short_len)
    calls = Registry([dataclasses.replace(c, handler=short_read) if c.name == "hint_read" else c for c in calls.calls],
                     vendor="sp1")
    image, mt, stream = hint_trace(calls)
    check(mt)
    refuse_run_bus(image, key_of(image), mt, stream)


def test_a_hint_read_that_writes_other_bytes_cannot_be_proven():
    """A host whose HINT_READ writes "jello" for the frame "hello": the guest's load of its first
    byte reads 'j', while the HintCopy table writes the committed frame's 'h'."""
    def jello(call, regs, memory, io, step):
        memory.write(regs[10], b"jello\0\0\0")
        io.frames.popleft()
        return ()
    program = load_guest(sp1_elf(HINTS, None), "sp1").program
    rows = []
    Interpreter(program, b"", PROFILE.memory_map, 10_000, calls=lying("hint_read", jello), frames=(b"hello",),
                record=rows.append).run()
    image = program.image(PROFILE.memory_map, "sp1")
    stream = hint_stream([b"hello"])
    mt = main_trace(image, records(rows, MAIN_ROW), initial_memory=initial_memory(image, stream))
    check(mt)
    refuse_run_bus(image, key_of(image), mt, stream)


# ------------------------------------------------------------------ refused in one line

def refusal(elf: bytes, tmp_path) -> str:
    with pytest.raises(zkaot.CannotProve) as refused:
        zkaot.prove(elf, [], engine="interp", profile="sp1", cache_dir=tmp_path)
    assert "\n" not in str(refused.value)
    return str(refused.value)


# ------------------------------------------------------------------ SHA_EXTEND and SHA_COMPRESS

@pytest.mark.parametrize("xlen", [32, 64])
def test_sha_extend_and_sha_compress_prove_hashlibs_state(xlen, tmp_path):
    result = zkaot.prove(sha_guest(xlen), [], engine="interp", profile="sp1", cache_dir=tmp_path)
    assert result.claim.output == sha_state(hashlib.sha256(b"abc").digest(), xlen)
    verdict, _ = zkaot.verify(result.proof, result.claim.program_id, 0, [], cache_dir=tmp_path)
    assert verdict


def test_the_sp1_guest_whose_halt_hashes_its_public_values_proves_and_verifies(tmp_path, capsys, monkeypatch):
    """tests/guests/sp1's runtime hashes the public values with SHA_EXTEND/SHA_COMPRESS at
    halt, as sp1_zkvm does; mode "e" echoes the frames after the first to fd 13."""
    monkeypatch.setenv("ZKAOT_CACHE", str(tmp_path / "cache"))
    elf = Path(__file__).parent / "guests" / "sp1" / "sp1_guest.elf"
    proof = tmp_path / "p"
    assert main(["prove", str(elf), "--input-hex", "65", "--input-hex", "6869", "-o", str(proof),
                 "--engine", "interp"]) == EXIT_OK
    claim = RunClaim.decode(proof.read_bytes())
    assert (claim.program.profile, claim.exit_code, claim.output) == ("sp1", 0, b"hi")
    status, out, _ = verify(capsys, proof, "--input-hex", "65", "--input-hex", "6869")
    assert status == EXIT_OK and f"output:      {b'hi'.hex()}" in out
    status, _, err = verify(capsys, proof, "--input-hex", "65", "--input-hex", "6868")
    assert status == EXIT_GUEST_FAILED and "input" in err


def test_a_curve_call_is_refused_in_one_line_before_proving(tmp_path):
    body = call(0x00_01_01_0A, "addi a0, s0, 0x104", "addi a1, s0, 0x144")
    assert "the sp1 call secp256k1_add (ecall t0 = 0x1010a) has no proof table yet" in refusal(sp1_elf(body), tmp_path)


def test_a_write_to_the_hint_descriptor_is_refused_in_one_line_before_proving(tmp_path):
    body = call(0x02, "addi a0, zero, 14", "addi a1, s0, 0", "addi a2, zero, 5")
    assert "the sp1 call write (ecall t0 = 0x2, fd 14) has no proof table yet" in refusal(sp1_elf(body), tmp_path)


def test_frames_read_after_the_first_segment_are_refused_in_one_line_before_proving(tmp_path):
    with pytest.raises(zkaot.CannotProve) as refused:
        zkaot.prove(sp1_elf(HINTS, None), list(FRAMES), engine="interp", profile="sp1", cache_dir=tmp_path,
                    segment_steps=16)
    assert str(refused.value) == (
        "<bytes>: the sp1 run reads frames at step 18, after its first segment (16 steps): frames are read in the "
        "first segment only; give a larger --segment-steps")


# ------------------------------------------------------------------ rv64 (SP1 v6)

def test_an_rv64_guest_reading_frames_proves_and_verifies_on_them(tmp_path):
    """HINT_READ pads to 8 bytes on rv64 ("hello": 3 bytes, "zkVM frames!": 4), and HINT_LEN's
    u32::MAX is zero-extended."""
    result = zkaot.prove(sp1_elf(hints_body(64), None, 64), list(FRAMES), engine="interp", profile="sp1",
                         cache_dir=tmp_path)
    assert (result.claim.output, result.claim.exit_code) == (b"".join(FRAMES), ord("z"))
    verdict, _ = zkaot.verify(result.proof, result.claim.program_id, ord("z"), list(FRAMES), cache_dir=tmp_path)
    assert verdict
    verdict, _ = zkaot.verify(result.proof, result.claim.program_id, ord("z"), [b"hello", b"", b"zkVM frames?"],
                              cache_dir=tmp_path)
    assert not verdict and "input" in verdict.reason


def test_an_rv64_keccak_permute_proves_on_an_8_aligned_state(tmp_path):
    body = (call(0x00_01_01_09, "addi a0, s0, 0x400", "addi a1, zero, 0")
            + call(0x02, "addi a0, zero, 13", "addi a1, s0, 0x400", "addi a2, zero, 8"))
    result = zkaot.prove(sp1_elf(body, 0, 64), [], engine="interp", profile="sp1", cache_dir=tmp_path)
    assert result.claim.output == keccakf_bytes(bytes(200))[:8]
