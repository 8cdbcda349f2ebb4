"""`zkaot prove` and `zkaot verify` on runs of other machine profiles (issue 15, point 4):
ZisK runs prove and verify with their frames bound to the input hash and their output
slots as the public output; calls and profiles no proof holds are refused in one line."""
import dataclasses
import hashlib
import struct
from pathlib import Path

import pytest

import zkaot
from elf_factory import PF_R, PF_X, Seg, build_elf
from guest_asm import DATA, program_from_asm
from proof_files import edited, verify
from prover.riscv.claim import RunClaim
from runtime.precompiles import keccakf_bytes
from runtime.zisk import OUTPUT_SLOTS
from translator.assembler import assemble
from zkaot.cli import EXIT_GUEST_FAILED, EXIT_OK, main

GUESTS = Path(__file__).resolve().parent / "guests"
ZISK = GUESTS / "zisk" / "zisk_guest.elf"
ZISK_LEGACY = GUESTS / "zisk" / "zisk_legacy_guest.elf"
STATE = bytes(range(200))
ECHO = ("6502", "6869", "7a69736b21")          # "e", 2 frames: "hi", "zisk!"


def slots(data: bytes) -> bytes:
    """The 256-byte public output holding `data` in its first slots."""
    return data.ljust(4 * OUTPUT_SLOTS, b"\0")


def hex_frames(*frames: str) -> list[str]:
    return [arg for frame in frames for arg in ("--input-hex", frame)]


@pytest.fixture(scope="module")
def proofs(tmp_path_factory):
    """Three proven runs, with the interpreter's trace: the zisk guest echoing two frames in
    segments of 256 steps (its input-ready free calls, UART and output slots, across a
    cut) and hashing a frame (sha256f), and the legacy guest's keccakf on a 200-byte blob."""
    d = tmp_path_factory.mktemp("profile-proofs")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ZKAOT_CACHE", str(d / "cache"))
        out = {"dir": d}
        for name, elf, frames, extra in (("echo", ZISK, ECHO, ["--segment-steps", "256"]),
                                         ("sha", ZISK, ("73", b"zisk".hex()), []),
                                         ("keccak", ZISK_LEGACY, ("6b00" + STATE.hex(),), ["--profile", "zisk-legacy"])):
            out[name] = d / f"{name}.proof"
            status = main(["prove", str(elf), *hex_frames(*frames), "-o", str(out[name]), "--engine", "interp",
                           *extra])
            assert status == EXIT_OK
        yield out


def test_a_zisk_run_proves_and_verifies_on_its_frames_with_the_output_slots_as_output(proofs, capsys, monkeypatch):
    monkeypatch.setenv("ZKAOT_CACHE", str(proofs["dir"] / "cache"))
    claim = RunClaim.decode(proofs["echo"].read_bytes())
    assert claim.program.profile == "zisk" and len(claim.segments) == 2
    assert claim.output == slots(b"hizisk!")
    status, out, _ = verify(capsys, proofs["echo"], *hex_frames(*ECHO))
    assert status == EXIT_OK and f"output:      {slots(b'hizisk!').hex()}" in out


def test_a_zisk_legacy_run_with_keccakf_proves_and_verifies(proofs, capsys, monkeypatch):
    """(Every ZisK run that exits also proves marchid: _start exits only after reading it.)"""
    monkeypatch.setenv("ZKAOT_CACHE", str(proofs["dir"] / "cache"))
    claim = RunClaim.decode(proofs["keccak"].read_bytes())
    assert claim.program.profile == "zisk-legacy" and claim.output == slots(keccakf_bytes(STATE))
    status, _, _ = verify(capsys, proofs["keccak"], *hex_frames("6b00" + STATE.hex()))
    assert status == EXIT_OK


def test_a_zisk_run_with_sha256f_proves_and_verifies(proofs, capsys, monkeypatch):
    monkeypatch.setenv("ZKAOT_CACHE", str(proofs["dir"] / "cache"))
    assert RunClaim.decode(proofs["sha"].read_bytes()).output == slots(hashlib.sha256(b"zisk").digest())
    status, _, _ = verify(capsys, proofs["sha"], *hex_frames("73", b"zisk".hex()))
    assert status == EXIT_OK


def test_another_input_frame_is_rejected(proofs, capsys, monkeypatch):
    monkeypatch.setenv("ZKAOT_CACHE", str(proofs["dir"] / "cache"))
    status, _, err = verify(capsys, proofs["echo"], *hex_frames("6502", "6869", "7a69736b22"))
    assert status == EXIT_GUEST_FAILED and "input" in err and err.count("\n") == 1


def test_an_input_hash_of_other_frames_does_not_verify(proofs, tmp_path, capsys, monkeypatch):
    from zkaot import input_hash
    from zkaot.recognise import frames_for
    from runtime.profiles import PROFILES
    monkeypatch.setenv("ZKAOT_CACHE", str(proofs["dir"] / "cache"))
    other = frames_for(PROFILES["zisk"], [bytes.fromhex(f) for f in ("6502", "6869", "7a69736b22")])[0]
    status, _, err = verify(capsys, edited(proofs["echo"], tmp_path, input_root=input_hash(other, "zisk")))
    assert status == EXIT_GUEST_FAILED and "does not verify" in err


def test_an_edited_public_output_is_rejected(proofs, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ZKAOT_CACHE", str(proofs["dir"] / "cache"))
    claim = RunClaim.decode(proofs["echo"].read_bytes())
    last = claim.segments[-1]
    for output in (b"HI" + last.output[2:], last.output[:-4]):
        segments = claim.segments[:-1] + (dataclasses.replace(last, output=output),)
        status, _, err = verify(capsys, edited(proofs["echo"], tmp_path, segments=segments))
        assert status == EXIT_GUEST_FAILED and "does not verify" in err


def test_the_profile_is_part_of_the_program_id(proofs, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ZKAOT_CACHE", str(proofs["dir"] / "cache"))
    claim = RunClaim.decode(proofs["keccak"].read_bytes())
    path = edited(proofs["keccak"], tmp_path, program=dataclasses.replace(claim.program, profile="zisk"))
    status, _, err = verify(capsys, path)
    assert status == EXIT_GUEST_FAILED and "hash to" in err


def test_a_run_that_makes_a_call_no_table_proves_is_refused_in_one_line_before_proving(tmp_path):
    params = struct.pack("<QQ", DATA + 64, DATA + 128)            # two zero BN254 Fp2 elements
    program = program_from_asm(f"lui a0, {DATA >> 12:#x}\nslli a0, a0, 32\nsrli a0, a0, 32\ncsrrs zero, 0x808, a0\n"
                               "addi a7, zero, 93\naddi a0, zero, 0\necall\n", data=params)
    with pytest.raises(zkaot.CannotProve) as refused:
        zkaot.prove(program, [], engine="interp", profile="zisk", cache_dir=tmp_path)
    assert str(refused.value) == ("test.s: the zisk call bn254_fp2_add (csr 0x808, set) has no proof table yet; "
                                  "runs that use it cannot be proven")


ZISK_ROM = 0x8000_0000
EXIT = "addi a7, zero, 93\naddi a0, zero, 0\necall\n"


def test_a_zisk_program_with_fd_is_refused_in_one_line_before_it_runs(tmp_path):
    code = assemble(f"fmv.d.x f1, zero\nfadd.d f2, f1, f1, dyn\n{EXIT}", ZISK_ROM)
    with pytest.raises(zkaot.CannotProve) as refused:
        zkaot.prove(build_elf([Seg(ZISK_ROM, PF_R | PF_X, code)]), [], engine="interp", profile="zisk",
                    cache_dir=tmp_path)
    assert str(refused.value) == ("<bytes>: the program has F/D instructions (lowered to the soft-float library), "
                                  "which no proof holds yet; such programs cannot be proven")


def test_a_zisk_run_with_compressed_code_is_refused_in_one_line_before_proving(tmp_path):
    code = (0x4501).to_bytes(2, "little") + (0x0001).to_bytes(2, "little") + assemble(EXIT, ZISK_ROM + 4)  # c.li, c.nop
    with pytest.raises(zkaot.CannotProve) as refused:
        zkaot.prove(build_elf([Seg(ZISK_ROM, PF_R | PF_X, code)]), [], engine="interp", profile="zisk",
                    cache_dir=tmp_path)
    assert str(refused.value) == ("<bytes>: the zisk run executes compressed (C extension) instructions, which no "
                                  "proof holds yet; runs that use them cannot be proven")
