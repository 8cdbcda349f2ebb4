"""The command line: what it prints, and that its exit status says how the guest ended."""
import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from elf_factory import PF_R, PF_X, Seg, Sym, build_elf
from runtime.memory_map import DEFAULT_MAX_INPUT, RAM_BASE
from translator.assembler import assemble
from zkaot.cli import EXIT_BAD_INPUT, EXIT_GUEST_FAILED, EXIT_GUEST_FAULT, EXIT_OK, main

ROOT = Path(__file__).resolve().parent.parent
FIB = ROOT / "examples" / "fibonacci"


def guest_elf(tmp_path: Path, source: str, name: str = "guest.elf") -> Path:
    code = assemble(source, RAM_BASE)
    path = tmp_path / name
    path.write_bytes(build_elf([Seg(RAM_BASE, PF_R | PF_X, code)], entry=RAM_BASE,
                               symbols=[Sym("main", RAM_BASE, len(code))]))
    return path


def exiting_with(code: int) -> str:
    return f"addi a0, zero, {code}\naddi a7, zero, 93\necall\n"


def test_run_prints_output_exit_code_steps_misaligned_and_speed(capsys):
    status = main(["run", str(FIB / "guest.rv64im.elf"), "--input", str(FIB / "input.bin")])
    out = capsys.readouterr().out
    assert status == EXIT_OK
    assert f"output:      {(FIB / 'expected_output.bin').read_bytes().hex()}" in out
    for label in ("exit code:   0", "steps:       500,085", "misaligned:  0", "instructions/s"):
        assert label in out


def test_run_writes_the_public_output_file(tmp_path, capsys):
    out_file = tmp_path / "out.bin"
    main(["run", str(FIB / "guest.rv64im.elf"), "--input", str(FIB / "input.bin"), "--output", str(out_file)])
    assert out_file.read_bytes() == (FIB / "expected_output.bin").read_bytes()


def test_guest_exiting_non_zero_gives_exit_status_1(tmp_path, capsys):
    assert main(["run", str(guest_elf(tmp_path, exiting_with(7)))]) == EXIT_GUEST_FAILED
    assert "exit code:   7" in capsys.readouterr().out


def test_faulting_guest_gives_exit_status_2_and_names_pc_and_reason(tmp_path, capsys):
    elf = guest_elf(tmp_path, "addi a0, zero, 0\nlw a1, 0(a0)\n" + exiting_with(0))
    assert main(["run", str(elf)]) == EXIT_GUEST_FAULT
    fault_line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("fault:"))
    assert "guest.elf: pc 0x80000004 <main+0x4> (lw a1, 0(a0)): load of 4 bytes at 0x00000000" in fault_line


def test_step_limit_ends_an_endless_loop(tmp_path, capsys):
    elf = guest_elf(tmp_path, "spin: jal zero, spin\n")
    assert main(["run", str(elf), "--max-steps", "1000"]) == EXIT_GUEST_FAULT
    assert "step limit of 1000 steps reached" in capsys.readouterr().out


@pytest.mark.parametrize("make_file, phrase", [
    (lambda p: p.write_bytes(b"#!/bin/sh\necho not an elf\n"), "not an ELF"),
    (lambda p: None, "cannot read file"),
])
def test_bad_elf_gives_one_line_error_and_exit_status_3(tmp_path, capsys, make_file, phrase):
    path = tmp_path / "bad.elf"
    make_file(path)
    assert main(["run", str(path)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert phrase in err and err.count("\n") == 1 and err.startswith("zkaot: error: ")


def test_missing_input_file_is_a_one_line_error(capsys):
    assert main(["run", str(FIB / "guest.rv64im.elf"), "--input", "/nonexistent/input.bin"]) == EXIT_BAD_INPUT
    assert "cannot read input" in capsys.readouterr().err


def test_oversized_input_is_a_one_line_error(tmp_path, capsys):
    big = tmp_path / "big.bin"
    big.write_bytes(bytes(DEFAULT_MAX_INPUT + 1))
    assert main(["run", str(FIB / "guest.rv64im.elf"), "--input", str(big)]) == EXIT_BAD_INPUT
    assert f"cannot read input: larger than {DEFAULT_MAX_INPUT:,} bytes" in capsys.readouterr().err


def test_disasm_lists_instructions_under_their_symbols(tmp_path, capsys):
    elf = guest_elf(tmp_path, exiting_with(0))
    assert main(["disasm", str(elf)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "80000000 <main>:" in out
    assert "80000000:  00000513  addi a0, zero, 0" in out
    assert "80000008:  00000073  ecall" in out


def test_disasm_folds_a_run_of_identical_illegal_words_into_one_line(tmp_path, capsys):
    from test_regions import zero_filled
    from translator.disasm import listing
    lines = list(listing(zero_filled("addi a0, zero, 0\n", 64 << 20)))
    assert lines[-2:] == ["  80000004:  00000000  .word 0x00000000  # illegal",
                          f"  ...       the same word {(16 << 20) - 2:,} more times, to 83fffffc"]


def test_process_survives_a_garbage_elf_and_reports_it(tmp_path):
    path = tmp_path / "garbage.elf"
    path.write_bytes(b"\x7fELF" + bytes(range(256)) * 4)
    proc = subprocess.run([sys.executable, "-m", "zkaot", "run", str(path)], capture_output=True, text=True)
    assert proc.returncode == EXIT_BAD_INPUT
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("zkaot: error: ") and proc.stderr.count("\n") == 1


def test_build_prints_the_sha256_of_the_elf(tmp_path, capsys):
    out = tmp_path / "fib.elf"
    assert main(["build", str(FIB / "main.c"), "-o", str(out)]) == EXIT_OK
    assert f"sha256 {hashlib.sha256(out.read_bytes()).hexdigest()}" in capsys.readouterr().out


def test_build_prints_the_program_id_of_the_elf(tmp_path, capsys):
    from prover.riscv.rom import program_id
    from translator.elf import load_elf
    out = tmp_path / "fib.elf"
    assert main(["build", str(FIB / "main.c"), "-o", str(out)]) == EXIT_OK
    want = program_id(load_elf(out).image())
    assert f"program id: {want}" in capsys.readouterr().out.splitlines()
    assert want == program_id(load_elf(FIB / "guest.rv64im.elf").image())     # reproducible build, same ID


def test_build_passes_defines_include_dirs_and_the_optimisation_level(tmp_path, capsys):
    """-D, -I and -O reach the compiler: the guest exits with a macro from a header of another directory."""
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "code.h").write_text("#define CODE (BASE + 2)\n")
    (tmp_path / "main.c").write_text('#include "code.h"\nint main(void) { return CODE; }\n')
    elf = tmp_path / "guest.elf"
    assert main(["build", str(tmp_path / "main.c"), "-DBASE=5", "-I", str(tmp_path / "inc"), "-O0",
                 "-o", str(elf)]) == EXIT_OK
    assert main(["run", str(elf), "--engine", "interp"]) == EXIT_GUEST_FAILED
    assert "exit code:   7" in capsys.readouterr().out


def test_build_shows_every_compiler_error_on_its_own_line(tmp_path, capsys):
    (tmp_path / "two.c").write_text("int main(void) { return a + b; }\n")
    assert main(["build", str(tmp_path / "two.c"), "-o", str(tmp_path / "x.elf")]) == EXIT_BAD_INPUT
    assert [line.split(": error: ")[-1] for line in capsys.readouterr().err.splitlines()] == [
        "use of undeclared identifier 'a'", "use of undeclared identifier 'b'"]
