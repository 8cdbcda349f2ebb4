"""`zkaot prove` and `zkaot verify`: a proof file verifies against the program ID alone,
and only for its own program, output, exit code and input."""
import dataclasses
import re
import struct
from pathlib import Path

import pytest

from prover.riscv import keycache
from prover.riscv.claim import RunClaim
from prover.riscv.keycache import key_path
from prover.riscv.machine import machine_verifying_key, run_key
from prover.riscv.rom import program_commitment, program_id
from prover.riscv.segments import DEFAULT_SEGMENT_STEPS, segment_key, segment_verifying_key
from prover.stark import security
from translator.elf import load_elf
from zkaot.cli import EXIT_BAD_INPUT, EXIT_GUEST_FAILED, EXIT_OK, EXIT_USAGE, main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
FIB = EXAMPLES / "fibonacci" / "guest.rv64im.elf"
FIB_ID = program_id(load_elf(FIB).image())


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Inputs and proof files of three fibonacci runs: fib(60), fib(61), and the run on
    an empty input (fewer than 4 bytes: it exits 1)."""
    d = tmp_path_factory.mktemp("proofs")
    out = {}
    for name, data in (("in60", struct.pack("<I", 60)), ("in61", struct.pack("<I", 61)), ("empty", b"")):
        (d / f"{name}.bin").write_bytes(data)
        out[name] = d / f"{name}.bin"
        out[f"proof_{name}"] = d / f"{name}.proof"
        status = main(["prove", str(FIB), "--input", str(out[name]), "-o", str(out[f"proof_{name}"])])
        assert status == EXIT_OK                            # a failing run (exit 1) is proven too
    out["dir"] = d
    return out


def verify(capsys, proof, *extra, program=FIB_ID):
    capsys.readouterr()
    status = main(["verify", str(proof), "--program-id", program, *extra])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def edited(files, tmp_path, name="proof_in60", segment=None, **fields) -> Path:
    """The proof file with claim fields replaced, and with `segment` (a dict) the last
    segment's fields (final_pc, steps, output, proof)."""
    claim = RunClaim.decode(files[name].read_bytes())
    if segment:
        fields["segments"] = claim.segments[:-1] + (dataclasses.replace(claim.segments[-1], **segment),)
    path = tmp_path / "edited.proof"
    path.write_bytes(dataclasses.replace(claim, **fields).encode())
    return path


def test_prove_prints_the_program_id_steps_exit_code_output_size_time_and_security(tmp_path, files, capsys):
    capsys.readouterr()
    assert main(["prove", str(FIB), "--input", str(files["in60"]), "-o", str(tmp_path / "p.proof")]) == EXIT_OK
    out = capsys.readouterr().out
    for label in (f"program id:  {FIB_ID}", "steps:       385", "exit code:   0", "output:      d012836c68010000",
                  "prove time:"):
        assert label in out
    assert_security_line(out)
    assert f"({(tmp_path / 'p.proof').stat().st_size:,} bytes)" in out


def test_a_proof_of_fibonacci_verifies_against_its_program_id_and_prints_the_public_values(files, capsys):
    status, out, err = verify(capsys, files["proof_in60"])
    assert status == EXIT_OK, err
    claim = RunClaim.decode(files["proof_in60"].read_bytes())
    assert struct.unpack("<Q", claim.output)[0] == 1548008755920                 # fib(60)
    for label in ("output:      d012836c68010000", "exit code:   0", "steps:       385",
                  f"input hash:  {claim.input_root.hex()}"):
        assert label in out
    assert_security_line(out)


def assert_security_line(out: str) -> None:
    """A default proof states at least 100 bits conjectured, and the proven level beside it."""
    found = re.search(r"^security:    ([\d.]+) bits conjectured \(.*\), ([\d.]+) bits proven \(unique decoding\)$",
                      out, re.M)
    assert found, out
    assert float(found[1]) >= 100 > float(found[2]) > 50


def test_a_default_segment_of_the_largest_size_states_at_least_100_bits():
    """Every table of a segment of DEFAULT_SEGMENT_STEPS steps at the height of its Main
    table (more bus messages than any such segment has), with the precompile tables."""
    vk = segment_verifying_key(program_commitment(load_elf(FIB).image()), "first", precompiles=True)
    log_main = (DEFAULT_SEGMENT_STEPS + 1).bit_length() - 1
    log_rows = [t.fixed_log_rows or log_main for t in vk.tables]
    report = security(vk, log_rows)
    assert report.conjectured_bits >= 100, report.describe()
    assert report.terms["LogUp challenges"] >= 100 and report.terms["FRI folding challenges"] >= 100


def test_the_verifying_key_rebuilt_from_the_program_commitment_is_the_provers():
    program = load_elf(FIB).image()
    c = program_commitment(program)
    vk = machine_verifying_key(c)
    assert vk.digest == run_key(program).verifying_key.digest
    assert c.id == FIB_ID


@pytest.mark.parametrize("precompiles", [False, True])
@pytest.mark.parametrize("kind", ["first", "next"])
def test_a_segment_key_rebuilt_from_the_program_commitment_is_the_provers(kind, precompiles):
    program = load_elf(FIB).image()
    vk = segment_verifying_key(program_commitment(program), kind, precompiles=precompiles)
    assert vk.digest == segment_key(program, kind, precompiles=precompiles).verifying_key.digest


def test_a_second_verify_of_the_same_program_reads_its_keys_from_the_cache(files, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ZKAOT_CACHE", str(tmp_path))
    assert verify(capsys, files["proof_in60"])[0] == EXIT_OK
    assert key_path(tmp_path, FIB_ID, "first", False).is_file()

    def no_rebuild(*args, **kwargs):
        raise AssertionError("the key was rebuilt, not read from the cache")
    monkeypatch.setattr(keycache, "segment_verifying_key", no_rebuild)
    assert verify(capsys, files["proof_in60"])[0] == EXIT_OK
    assert verify(capsys, files["proof_in61"])[0] == EXIT_OK      # another run of the same program


def test_a_damaged_or_foreign_cached_key_is_rebuilt_and_replaced(files, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ZKAOT_CACHE", str(tmp_path))
    path = key_path(tmp_path, FIB_ID, "first", False)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a pickle")
    assert verify(capsys, files["proof_in60"])[0] == EXIT_OK
    commitment = RunClaim.decode(files["proof_in60"].read_bytes()).program
    assert keycache._load(path, commitment) is not None
    other = dataclasses.replace(commitment, rom_root=bytes(32))
    assert keycache._load(path, other) is None


def test_a_wrong_program_id_is_rejected(files, capsys):
    status, _, err = verify(capsys, files["proof_in60"], program="00" * 32)
    assert status == EXIT_GUEST_FAILED
    assert err.count("\n") == 1 and f"the proof is for program {FIB_ID}" in err


def test_the_id_of_another_program_is_rejected(files, capsys):
    for other in (EXAMPLES / "fibonacci" / "guest.rv32im.elf", EXAMPLES / "sort" / "guest.rv64im.elf"):
        status, _, err = verify(capsys, files["proof_in60"], program=program_id(load_elf(other).image()))
        assert status == EXIT_GUEST_FAILED and "proof rejected" in err


def test_a_file_whose_program_parts_are_of_another_program_is_rejected(files, tmp_path, capsys):
    other = program_commitment(load_elf(EXAMPLES / "sort" / "guest.rv64im.elf").image())
    path = edited(files, tmp_path, program=other, program_id=other.id)
    status, _, err = verify(capsys, path, program=other.id)          # consistent ID, but not this proof's key
    assert status == EXIT_GUEST_FAILED and "STARK proof does not verify" in err
    path = edited(files, tmp_path, program=other)                    # parts that do not hash to the ID
    status, _, err = verify(capsys, path)
    assert status == EXIT_GUEST_FAILED and "hash to" in err


def test_an_edited_output_is_rejected_with_a_reason(files, tmp_path, capsys):
    claim = RunClaim.decode(files["proof_in60"].read_bytes())
    for output in (bytes([claim.output[0] ^ 1]) + claim.output[1:], claim.output[:-1], claim.output + b"\0"):
        status, _, err = verify(capsys, edited(files, tmp_path, segment={"output": output}))
        assert status == EXIT_GUEST_FAILED and "does not verify" in err and err.count("\n") == 1


def test_an_edited_exit_code_is_rejected_with_a_reason(files, tmp_path, capsys):
    path = edited(files, tmp_path, name="proof_empty", exit_code=0)   # the run exited 1
    status, _, err = verify(capsys, path)
    assert status == EXIT_GUEST_FAILED and "does not verify" in err


def test_edited_steps_and_final_pc_are_rejected(files, tmp_path, capsys):
    claim = RunClaim.decode(files["proof_in60"].read_bytes())
    for change in ({"steps": claim.steps + 1}, {"final_pc": claim.segments[-1].final_pc + 4}):
        status, _, err = verify(capsys, edited(files, tmp_path, segment=change))
        assert status == EXIT_GUEST_FAILED and "does not verify" in err


def test_an_edited_input_hash_is_rejected_with_a_reason(files, tmp_path, capsys):
    claim = RunClaim.decode(files["proof_in60"].read_bytes())
    path = edited(files, tmp_path, input_root=bytes([claim.input_root[0] ^ 1]) + claim.input_root[1:])
    status, _, err = verify(capsys, path)
    assert status == EXIT_GUEST_FAILED and "input" in err


def test_a_proof_for_another_input_of_the_program_is_rejected_against_the_other_inputs_hash(files, tmp_path, capsys):
    other = RunClaim.decode(files["proof_in61"].read_bytes())
    mine = RunClaim.decode(files["proof_in60"].read_bytes())
    assert other.input_root != mine.input_root
    status, _, err = verify(capsys, edited(files, tmp_path, input_root=other.input_root))
    assert status == EXIT_GUEST_FAILED and "input" in err
    status, _, err = verify(capsys, files["proof_in60"], "--input", str(files["in61"]))
    assert status == EXIT_GUEST_FAILED


def test_the_input_option_accepts_the_proofs_input_and_rejects_another(files, tmp_path, capsys):
    status, out, _ = verify(capsys, files["proof_in60"], "--input", str(files["in60"]))
    assert status == EXIT_OK and "(the given input's)" in out
    (tmp_path / "x.bin").write_bytes(struct.pack("<I", 60) + b"\0")
    status, _, err = verify(capsys, files["proof_in60"], "--input", str(tmp_path / "x.bin"))
    assert status == EXIT_GUEST_FAILED and "is not the input" in err


def test_expect_exit_accepts_a_failing_run_only_with_its_exit_code(files, capsys):
    status, _, err = verify(capsys, files["proof_empty"])
    assert status == EXIT_GUEST_FAILED and "exited with code 1" in err
    status, out, _ = verify(capsys, files["proof_empty"], "--expect-exit", "1")
    assert status == EXIT_OK and "exit code:   1" in out
    for code in ("2", "-1", str(1 + (1 << 32))):
        assert verify(capsys, files["proof_empty"], "--expect-exit", code)[0] == EXIT_GUEST_FAILED
    assert verify(capsys, files["proof_in60"], "--expect-exit", "1")[0] == EXIT_GUEST_FAILED


def test_a_truncated_or_damaged_file_is_a_one_line_error(files, tmp_path, capsys):
    data = files["proof_in60"].read_bytes()
    for name, body in (("short", data[:len(data) // 2]), ("header", data[:20]), ("trailing", data + b"\0"),
                       ("magic", b"X" + data[1:]), ("empty", b"")):
        path = tmp_path / f"{name}.proof"
        path.write_bytes(body)
        status, _, err = verify(capsys, path)
        assert status == EXIT_BAD_INPUT and err.startswith("zkaot: error:") and err.count("\n") == 1, (name, err)


def test_a_damaged_stark_proof_inside_a_well_formed_file_is_rejected(files, tmp_path, capsys):
    claim = RunClaim.decode(files["proof_in60"].read_bytes())
    proof = bytearray(claim.segments[-1].proof)
    proof[len(proof) // 2] ^= 1
    status, _, err = verify(capsys, edited(files, tmp_path, segment={"proof": bytes(proof)}))
    assert status == EXIT_GUEST_FAILED and err.count("\n") == 1
    status, _, err = verify(capsys, edited(files, tmp_path, segment={"proof": proof[:-3]}))
    assert status == EXIT_GUEST_FAILED and "bad STARK proof" in err


def test_a_program_id_that_is_not_64_hex_digits_is_a_usage_error(files, capsys):
    status, _, err = verify(capsys, files["proof_in60"], program="xyz")
    assert status == EXIT_USAGE and "64 hex digits" in err


def test_a_run_longer_than_the_step_limit_cannot_be_proven(tmp_path, files, capsys):
    status = main(["prove", str(FIB), "--input", str(files["in60"]), "-o", str(tmp_path / "p"), "--max-steps", "100"])
    err = capsys.readouterr().err
    assert status == EXIT_BAD_INPUT and "longer than 100 steps" in err and not (tmp_path / "p").exists()


def test_a_long_run_is_proven_in_segments_and_verifies(tmp_path, files, capsys):
    capsys.readouterr()
    path = tmp_path / "seg.proof"
    assert main(["prove", str(FIB), "--input", str(files["in60"]), "-o", str(path), "--segment-steps", "150"]) == EXIT_OK
    assert "steps:       385 in 3 segments" in capsys.readouterr().out
    status, out, err = verify(capsys, path, "--input", str(files["in60"]))
    assert status == EXIT_OK, err
    assert "output:      d012836c68010000" in out and "385 in 3 segments" in out


def test_a_segment_size_below_one_step_is_a_usage_error(tmp_path, files, capsys):
    status = main(["prove", str(FIB), "--input", str(files["in60"]), "-o", str(tmp_path / "p"), "--segment-steps", "0"])
    assert status == EXIT_USAGE and "argument --segment-steps: 0 is out of range" in capsys.readouterr().err


def test_input_hash_prints_the_input_hash_the_proof_commits_to(files, capsys):
    for name in ("in60", "empty"):
        capsys.readouterr()
        assert main(["input-hash", str(files[name])]) == EXIT_OK
        assert capsys.readouterr().out == RunClaim.decode(files[f"proof_{name}"].read_bytes()).input_root.hex() + "\n"
