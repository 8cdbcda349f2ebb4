"""The command line's conventions (issues 12 and 14): --version, help for every option,
input from stdin or hex, `(empty)` outputs, 0x program IDs, `input-hash`, and `--json` on
run, prove and verify."""
import argparse
import io
import json
import subprocess
import sys
from contextlib import redirect_stdout
from importlib.metadata import version

import pytest

from runtime.memory_map import RAM_BASE
from fuzzing import tiny_elf
from test_cli import FIB, exiting_with, guest_elf
from translator.assembler import assemble
from zkaot.cli import EXIT_GUEST_FAILED, EXIT_GUEST_FAULT, EXIT_OK, EXIT_USAGE, main, parser

FIB_ELF = str(FIB / "guest.rv64im.elf")


def test_version_prints_the_package_version_and_the_translator_hash(capsys):
    from translator.jit import translator_version
    with pytest.raises(SystemExit) as exit:
        main(["--version"])
    assert exit.value.code == 0
    assert capsys.readouterr().out == f"zkaot {version('zkaot')} (translator {translator_version()})\n"


def test_every_argument_of_every_command_has_help_text():
    def parsers(p):
        yield p
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    yield from parsers(sub)

    for p in parsers(parser()):
        for action in p._actions:
            if not isinstance(action, argparse._SubParsersAction):
                assert action.help and action.help.strip(), f"{p.prog} {action.option_strings or action.dest}"


def test_an_empty_public_output_prints_as_empty(tmp_path, capsys):
    assert main(["run", str(guest_elf(tmp_path, exiting_with(0)))]) == EXIT_OK
    assert "output:      (empty)" in capsys.readouterr().out.splitlines()


def test_a_program_id_may_have_a_0x_prefix():
    args = parser().parse_args(["verify", "x.proof", "--program-id", "0x" + "AB" * 32])
    assert args.program_id == "ab" * 32


def test_input_dash_reads_standard_input():
    proc = subprocess.run([sys.executable, "-m", "zkaot", "run", FIB_ELF, "--engine", "interp", "--input", "-"],
                          input=(FIB / "input.bin").read_bytes(), capture_output=True)
    assert proc.returncode == EXIT_OK, proc.stderr
    assert f"output:      {(FIB / 'expected_output.bin').read_bytes().hex()}" in proc.stdout.decode()


def test_input_hex_gives_the_guest_those_bytes(capsys):
    hex_input = "0x" + (FIB / "input.bin").read_bytes().hex().upper()
    assert main(["run", FIB_ELF, "--input-hex", hex_input]) == EXIT_OK
    assert f"output:      {(FIB / 'expected_output.bin').read_bytes().hex()}" in capsys.readouterr().out


@pytest.mark.parametrize("argv, phrase", [
    (["--input-hex", "abc"], "argument --input-hex: 'abc' is not hex (pairs of hex digits)"),
    (["--input-hex", "zz"], "argument --input-hex: 'zz' is not hex"),
    (["--input-hex", "00", "--input", "x.bin"], "argument --input: not allowed with argument --input-hex"),
])
def test_bad_input_hex_is_a_usage_error(argv, phrase, capsys):
    assert main(["run", FIB_ELF, *argv]) == EXIT_USAGE
    assert phrase in capsys.readouterr().err.splitlines()[0]


def run_json(capsys, *argv) -> tuple[int, dict]:
    """The status of `zkaot run --json ...` and the object it printed, which must be all of stdout."""
    capsys.readouterr()
    status = main(["run", *argv, "--json"])
    return status, json.loads(capsys.readouterr().out)


def test_run_json_prints_one_object_with_the_execution_report_fields(capsys):
    status, report = run_json(capsys, FIB_ELF, "--input", str(FIB / "input.bin"))
    assert status == EXIT_OK
    duration = report.pop("execution_duration")
    assert set(duration) == {"secs", "nanos"} and 0 <= duration["nanos"] < 10**9
    assert report == {"total_num_cycles": 500_085, "region_cycles": {}, "profile": "zkaot", "exit_code": 0,
                      "fault": None, "public_output": (FIB / "expected_output.bin").read_bytes().hex(),
                      "stdout": "", "stderr": "", "misaligned": 0}


def test_run_json_puts_the_guests_fd_1_and_fd_2_apart_as_hex(tmp_path, capsys):
    source = ("auipc a1, 0\naddi a7, zero, 64\n"
              "addi a0, zero, 1\naddi a2, zero, 4\necall\n"      # fd 1: the first 4 bytes of the code
              "addi a0, zero, 2\naddi a2, zero, 8\necall\n"      # fd 2: the first 8
              "addi a0, zero, 3\naddi a2, zero, 2\necall\n"      # fd 3, the public output: the first 2
              + exiting_with(0))
    code = assemble(source, RAM_BASE)
    status, report = run_json(capsys, str(guest_elf(tmp_path, source)))
    assert status == EXIT_OK
    assert (report["stdout"], report["stderr"], report["public_output"]) == (code[:4].hex(), code[:8].hex(),
                                                                            code[:2].hex())


def test_run_json_reports_a_fault_with_a_null_exit_code_and_exit_status_2(tmp_path, capsys):
    status, report = run_json(capsys, str(guest_elf(tmp_path, "spin: jal zero, spin\n")), "--max-steps", "1000")
    assert status == EXIT_GUEST_FAULT
    assert report["exit_code"] is None and "step limit of 1000 steps reached" in report["fault"]
    assert report["total_num_cycles"] == 1000


def test_input_hash_of_a_file_and_of_its_bytes_as_hex_agree(capsys):
    assert main(["input-hash", str(FIB / "input.bin")]) == EXIT_OK
    of_file = capsys.readouterr().out
    assert main(["input-hash", "--input-hex", (FIB / "input.bin").read_bytes().hex()]) == EXIT_OK
    assert capsys.readouterr().out == of_file and len(of_file.strip()) == 64


def test_input_hash_needs_a_file_or_hex(capsys):
    assert main(["input-hash"]) == EXIT_USAGE
    assert "one of the arguments FILE --input-hex is required" in capsys.readouterr().err


@pytest.fixture(scope="module")
def proved(tmp_path_factory):
    """`zkaot prove --json` of the fuzz suite's tiny guest, run once: (status, stdout, ELF, proof file)."""
    d = tmp_path_factory.mktemp("tiny")
    elf, proof = d / "tiny.elf", d / "tiny.proof"
    elf.write_bytes(tiny_elf())
    with redirect_stdout(io.StringIO()) as out:
        status = main(["prove", str(elf), "-o", str(proof), "--engine", "interp", "--json"])
    return status, out.getvalue(), elf, proof


def test_prove_json_prints_the_proving_report_and_the_proofs_public_values(proved):
    import zkaot
    from prover.riscv.rom import program_id
    from translator.elf import load_elf
    status, out, elf, proof = proved
    assert status == EXIT_OK
    report = json.loads(out)
    assert set(report.pop("proving_time")) == {"secs", "nanos"}
    assert report.pop("security_bits") >= 100 > report.pop("proven_security_bits") > 50
    assert report == {"program_id": program_id(load_elf(elf).image()), "total_num_cycles": 8, "segments": 1,
                      "exit_code": 0, "public_output": load_elf(elf).segments[0].data[:8].hex(),
                      "input_hash": zkaot.input_hash(b"").hex(), "proof": str(proof),
                      "proof_size": proof.stat().st_size}


def test_verify_json_accepts_with_the_proofs_public_values(proved, capsys):
    _, proving, _, proof = proved
    report = json.loads(proving)
    assert main(["verify", str(proof), "--program-id", report["program_id"], "--input-hex", "", "--json"]) == EXIT_OK
    verdict = json.loads(capsys.readouterr().out)
    for key in ("program_id", "total_num_cycles", "segments", "exit_code", "public_output", "input_hash"):
        assert verdict[key] == report[key]
    assert (verdict["accepted"], verdict["reason"], verdict["input_checked"]) == (True, None, True)
    assert verdict["security_bits"] == report["security_bits"]
    assert verdict["proven_security_bits"] == report["proven_security_bits"]


def test_verify_json_rejects_with_the_reason_and_exit_status_1(proved, capsys):
    _, _, _, proof = proved
    assert main(["verify", str(proof), "--program-id", "00" * 32, "--json"]) == EXIT_GUEST_FAILED
    captured = capsys.readouterr()
    verdict = json.loads(captured.out)
    assert verdict["accepted"] is False and verdict["security_bits"] is verdict["proven_security_bits"] is None
    assert verdict["reason"].startswith("the proof is for program ") and captured.err == ""
