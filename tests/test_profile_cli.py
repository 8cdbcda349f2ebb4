"""The command line's --profile and repeated --input frames."""
import hashlib
import json
from pathlib import Path

from elf_factory import ECALL, NOP, PF_R, PF_X, Seg, build_elf
from zkaot.cli import EXIT_BAD_INPUT, EXIT_GUEST_FAILED, EXIT_OK, main

GUESTS = Path(__file__).parent / "guests" / "sp1"
SP1 = str(GUESTS / "sp1_guest.elf")
FIB = str(Path(__file__).parent.parent / "examples" / "fibonacci" / "guest.rv64im.elf")


def test_run_json_names_the_recognised_profile_and_reads_each_input_as_a_frame(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ZKAOT_CACHE", str(tmp_path / "cache"))
    (tmp_path / "a").write_bytes(b"s")
    (tmp_path / "b").write_bytes(b"frame two")
    assert main(["run", SP1, "--input", str(tmp_path / "a"), "--input", str(tmp_path / "b"), "--json"]) == EXIT_OK
    report = json.loads(capsys.readouterr().out)
    assert report["profile"] == "sp1" and report["exit_code"] == 0
    assert report["public_output"] == hashlib.sha256(b"frame two").hexdigest()


def test_run_says_which_profile_it_chose_and_why(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ZKAOT_CACHE", str(tmp_path / "cache"))
    assert main(["run", SP1, "--input-hex", "7803"]) == EXIT_GUEST_FAILED
    out = capsys.readouterr().out
    assert "profile:     sp1 (symbol sp1_zkvm_runtime names sp1_zkvm)" in out and "exit code:   3" in out
    assert main(["run", SP1, "--profile", "pico", "--input-hex", "7803", "--engine", "interp"]) == EXIT_GUEST_FAILED
    assert "profile:     pico (--profile pico)" in capsys.readouterr().out


def test_a_zkaot_guest_takes_one_frame_in_one_error_line(capsys):
    assert main(["run", FIB, "--input-hex", "00", "--input-hex", "01"]) == EXIT_BAD_INPUT
    assert capsys.readouterr().err == (f"zkaot: error: {FIB}: the zkaot profile reads one input (its input "
                                       f"region), not 2 frames\n")


def test_prove_refuses_another_profiles_guest_in_one_line(tmp_path, capsys):
    assert main(["prove", SP1, "--profile", "pico", "-o", str(tmp_path / "p")]) == EXIT_BAD_INPUT
    assert capsys.readouterr().err == (f"zkaot: error: {SP1}: runs of the pico profile cannot be proven yet: no "
                                       f"proof holds its calls (zkaot proves runs of zkaot, zisk, zisk-legacy, sp1: "
                                       f"docs/profiles.md)\n")


def test_a_binary_no_profile_takes_is_refused_with_the_zkaot_loaders_reason(tmp_path, capsys):
    low = tmp_path / "low.elf"
    low.write_bytes(build_elf([Seg(0x1_0000, PF_R | PF_X, NOP * 3 + ECALL)], entry=0x1_0000))
    assert main(["disasm", str(low)]) == EXIT_BAD_INPUT
    assert capsys.readouterr().err == (f"zkaot: error: {low}: PT_LOAD segment 0 [0x10000, 0x10010) (R-X) lies "
                                       f"outside RAM [0x80000000, 0x88000000)\n")


def test_a_named_profile_that_does_not_fit_says_why(capsys):
    assert main(["run", SP1, "--profile", "zkaot"]) == EXIT_BAD_INPUT
    assert "lies outside RAM [0x80000000, 0x88000000)" in capsys.readouterr().err


def test_trace_writes_a_full_trace_of_an_sp1_guest(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ZKAOT_CACHE", str(tmp_path / "cache"))
    assert main(["trace", SP1, "--input-hex", "6b", "--input-hex", "00" * 200, "-o", str(tmp_path / "t"),
                 "--workers", "1"]) == EXIT_OK
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert summary["exit_code"] == 0 and len(bytes.fromhex(summary["output_hex"])) == 200
    assert "profile: sp1" in captured.err


def test_disasm_and_translate_name_the_profile(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ZKAOT_CACHE", str(tmp_path / "cache"))
    assert main(["disasm", SP1]) == EXIT_OK
    assert "profile sp1 (symbol sp1_zkvm_runtime names sp1_zkvm)" in capsys.readouterr().out.splitlines()[0]
    assert main(["translate", SP1, "--mode", "fast"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "profile: sp1" in out and "program id" in out             # sp1 runs are proven
    assert main(["translate", SP1, "--profile", "pico", "--mode", "fast"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "profile: pico" in out and "program id" not in out        # pico runs are not


def test_profile_counts_an_sp1_guests_steps_by_function(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ZKAOT_CACHE", str(tmp_path / "cache"))
    assert main(["profile", str(GUESTS / "sp1_64_guest.elf"), "--input-hex", "73", "--input-hex", "00" * 300]) \
        == EXIT_OK
    out = capsys.readouterr().out
    assert ", profile sp1 (symbol sp1_zkvm_runtime names sp1_zkvm)" in out.splitlines()[0]
    assert "sha256_update" in out


def test_run_json_of_an_r0bf_container_says_it_runs_its_user_elf(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ZKAOT_CACHE", str(tmp_path / "cache"))
    container = str(Path(__file__).parent / "guests" / "risc0" / "risc0_guest.r0bf")
    stdin = (1).to_bytes(4, "little") + b"s" + (3).to_bytes(4, "little") + b"abc"
    assert main(["run", container, "--input-hex", stdin.hex(), "--json"]) == EXIT_OK
    report = json.loads(capsys.readouterr().out)
    assert report["profile"] == "risc0" and report["public_output"] == hashlib.sha256(b"abc").hexdigest()
    assert main(["run", container, "--input-hex", stdin.hex(), "--engine", "interp"]) == EXIT_OK
    assert ("profile:     risc0 (an R0BF container (V1Compat 1.0.0): its user ELF runs, the kernel ELF does "
            "not)") in capsys.readouterr().out


def test_disasm_of_an_openvm_guest_spells_its_custom_instructions(capsys):
    guest = str(Path(__file__).parent / "guests" / "openvm" / "openvm_guest.elf")
    assert main(["disasm", guest]) == EXIT_OK
    out = capsys.readouterr().out
    assert "profile openvm (symbol openvm_platform_marker names openvm)" in out.splitlines()[0]
    assert "0000300b  hint_input zero, zero" in out and "  terminate zero, zero, 7" in out
