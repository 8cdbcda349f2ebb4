"""Every bad command line, path or file gets one error line and its own exit status, never a
traceback; outputs are checked before any work; no file fills memory; SIGTERM unwinds like Ctrl-C."""
import errno
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

import zkaot
import zkaot.build
from runtime.files import read_limited
from translator import executor, load_log
from test_cli import FIB, exiting_with, guest_elf
from zkaot.cli import EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_OK, EXIT_TERMINATED, EXIT_USAGE, main

ELF = str(FIB / "guest.rv64im.elf")
A_PROGRAM_ID = "ab" * 32


def one_error(capsys, phrase: str) -> None:
    """The command printed one `zkaot: error:` line, and it carries `phrase`."""
    err = capsys.readouterr().err
    assert err.startswith("zkaot: error: ") and err.count("\n") == 1 and phrase in err, err


@pytest.fixture
def read_only_dir(tmp_path):
    """A directory no file can be created in.  Root ignores permission bits, but not sysfs's."""
    if os.geteuid() == 0:
        folder = Path("/sys")
    else:
        folder = tmp_path / "read-only"
        folder.mkdir(mode=0o555)
    try:
        tempfile.TemporaryFile(dir=folder).close()
    except OSError:
        return folder
    pytest.skip(f"{folder} is writable here")


@pytest.fixture
def no_work(monkeypatch):
    """Running, proving or building fails the test: an output check must come first."""
    def work(*args, **kwargs):
        raise AssertionError("the work started before the output was checked")
    for module, name in ((zkaot, "execute"), (zkaot, "prove"), (zkaot.build, "build")):
        monkeypatch.setattr(module, name, work)


# ---------------------------------------------------------------- usage errors: status 64

@pytest.mark.parametrize("argv, prog", [
    (["run", ELF, "--engine", "fast"], "zkaot run"),
    (["run", ELF, "--no-such-flag"], "zkaot run"),
    (["run", ELF, "--max-steps", "many"], "zkaot run"),
    (["run"], "zkaot run"),
    (["no-such-command"], "zkaot"),
    ([], "zkaot"),
])
def test_a_bad_command_line_exits_64_with_one_error_line_and_a_hint(argv, prog, capsys):
    assert main(argv) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.splitlines() == [err.splitlines()[0], f"try '{prog} --help'"]
    assert err.startswith(f"{prog}: error: ")


@pytest.mark.parametrize("argv, phrase", [
    (["run", ELF, "--max-steps", "-5"], "argument --max-steps: -5 is out of range (at least 0)"),
    (["trace", ELF, "-o", "OUT", "--chunk-log2", "-1"], "argument --chunk-log2: -1 is out of range (0 to 63)"),
    (["trace", ELF, "-o", "OUT", "--workers", "0"], "argument --workers: 0 is out of range (at least 1)"),
    (["prove", ELF, "-o", "OUT", "--segment-steps", "0"], "argument --segment-steps: 0 is out of range"),
    (["profile", ELF, "--top", "0"], "argument --top: 0 is out of range"),
    (["verify", "x.proof", "--program-id", "xyz"], "'xyz' is not a program ID (64 hex digits)"),
])
def test_numeric_options_out_of_range_are_usage_errors_before_any_work(argv, phrase, tmp_path, capsys, no_work):
    argv = [str(tmp_path / "out") if a == "OUT" else a for a in argv]
    assert main(argv) == EXIT_USAGE
    assert phrase in capsys.readouterr().err.splitlines()[0]
    assert not (tmp_path / "out").exists()


def test_help_lists_the_exit_statuses(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["--help"])
    assert exit.value.code == 0
    out = capsys.readouterr().out
    for line in ("exit status:", "  3    bad input", "  64   usage", "  130  interrupted", "  141  the reader",
                 "  143  terminated"):
        assert line in out


@pytest.mark.parametrize("doc", ["README.md", "docs/machine.md"])
def test_the_docs_list_the_exit_statuses_of_the_help(doc):
    from zkaot.cli import EXIT_STATUS
    statuses = {line.split()[0] for line in EXIT_STATUS.splitlines()[1:] if line[:3].strip().isdigit()}
    text = (Path(__file__).parent.parent / doc).read_text()
    rows = text[text.index("| status | meaning |"):].split("\n\n")[0].splitlines()[2:]
    assert {row.split("|")[1].strip() for row in rows} == statuses


# ---------------------------------------------------------------- outputs: checked first, status 3

def test_run_output_into_a_missing_directory_creates_it(tmp_path, capsys):
    out = tmp_path / "new" / "dir" / "out.bin"
    assert main(["run", ELF, "--input", str(FIB / "input.bin"), "--output", str(out)]) == EXIT_OK
    assert out.read_bytes() == (FIB / "expected_output.bin").read_bytes()


def test_run_output_into_a_read_only_directory_is_an_error_before_running(read_only_dir, capsys, no_work):
    assert main(["run", ELF, "--output", str(read_only_dir / "out.bin")]) == EXIT_BAD_INPUT
    one_error(capsys, f"{read_only_dir / 'out.bin'}: cannot write the output file: ")


def test_run_output_onto_an_existing_directory_is_an_error_before_running(tmp_path, capsys, no_work):
    assert main(["run", ELF, "--output", str(tmp_path)]) == EXIT_BAD_INPUT
    one_error(capsys, "cannot write the output file: it is a directory")


def test_run_output_under_a_regular_file_is_an_error_before_running(tmp_path, capsys, no_work):
    (tmp_path / "file").write_bytes(b"")
    assert main(["run", ELF, "--output", str(tmp_path / "file" / "sub" / "out.bin")]) == EXIT_BAD_INPUT
    one_error(capsys, f"{tmp_path / 'file'} is not a directory")


def test_trace_into_a_read_only_directory_is_an_error(read_only_dir, capsys):
    assert main(["trace", ELF, "-o", str(read_only_dir / "trace")]) == EXIT_BAD_INPUT
    one_error(capsys, "cannot write the output directory: ")


def test_trace_onto_an_existing_file_is_an_error(tmp_path, capsys):
    (tmp_path / "file").write_bytes(b"keep")
    assert main(["trace", ELF, "-o", str(tmp_path / "file")]) == EXIT_BAD_INPUT
    one_error(capsys, f"cannot write the output directory: {tmp_path / 'file'} is not a directory")
    assert (tmp_path / "file").read_bytes() == b"keep"


def test_profile_chart_into_a_missing_directory_creates_it(tmp_path, capsys):
    chart = tmp_path / "new" / "chart.png"
    assert main(["profile", str(guest_elf(tmp_path, exiting_with(0))), "-o", str(chart)]) == EXIT_OK
    assert chart.read_bytes().startswith(b"\x89PNG")


def test_build_into_a_read_only_directory_is_an_error_before_compiling(read_only_dir, capsys, no_work):
    assert main(["build", str(FIB / "main.c"), "-o", str(read_only_dir / "guest.elf")]) == EXIT_BAD_INPUT
    one_error(capsys, "cannot write the output file: ")


def test_prove_into_a_read_only_directory_is_an_error_before_proving(read_only_dir, capsys, no_work):
    assert main(["prove", ELF, "-o", str(read_only_dir / "p.proof")]) == EXIT_BAD_INPUT
    one_error(capsys, "cannot write the output file: ")


def test_prove_into_a_missing_directory_creates_it_before_proving(tmp_path, monkeypatch, capsys):
    proof = tmp_path / "new" / "p.proof"

    def prove(*args, **kwargs):
        assert proof.parent.is_dir()
        raise zkaot.CannotProve("stopped after the check")
    monkeypatch.setattr(zkaot, "prove", prove)
    assert main(["prove", ELF, "-o", str(proof)]) == EXIT_BAD_INPUT
    one_error(capsys, "stopped after the check")


# ---------------------------------------------------------------- reads: bounded, status 3

@pytest.mark.parametrize("argv, phrase", [
    (["run", "/dev/zero"], "/dev/zero: cannot read file: not a regular file or a pipe"),
    (["disasm", "/dev/zero"], "/dev/zero: cannot read file: not a regular file or a pipe"),
    (["run", ELF, "--input", "/dev/zero"], "/dev/zero: cannot read input: not a regular file or a pipe"),
    (["verify", "/dev/zero", "--program-id", A_PROGRAM_ID],
     "/dev/zero: cannot read the proof: not a regular file or a pipe"),
])
def test_an_endless_device_is_refused_before_reading(argv, phrase, capsys):
    assert main(argv) == EXIT_BAD_INPUT
    one_error(capsys, phrase)


def test_an_elf_larger_than_the_limit_is_refused_by_its_size(monkeypatch, capsys):
    monkeypatch.setattr("translator.elf.MAX_ELF_BYTES", 100)
    assert main(["disasm", ELF]) == EXIT_BAD_INPUT
    one_error(capsys, "cannot read file: larger than 100 bytes")


def test_a_pipe_is_read_up_to_the_limit_and_no_further():
    read_end, write_end = os.pipe()
    written = []

    def writer():
        with open(write_end, "wb", buffering=0) as f:
            try:
                while True:             # /dev/zero through a pipe: it ends only when the reader leaves
                    f.write(bytes(1 << 16))
                    written.append(1 << 16)
            except BrokenPipeError:
                pass
    thread = threading.Thread(target=writer)
    thread.start()
    with pytest.raises(OSError, match="larger than 100,000 bytes"):
        read_limited(f"/dev/fd/{read_end}", 100_000)
    os.close(read_end)
    thread.join()
    assert sum(written) < 1 << 20
    small_read, small_write = os.pipe()
    os.write(small_write, b"guest input")
    os.close(small_write)
    assert read_limited(f"/dev/fd/{small_read}", 11) == b"guest input"
    os.close(small_read)


# ---------------------------------------------------------------- signals

SPIN_AFTER_A_BYTE = """
    auipc a1, 0
    addi a0, zero, 1
    addi a2, zero, 1
    addi a7, zero, 64
    ecall
spin: jal zero, spin
"""


@pytest.mark.parametrize("engine", ["jit", "interp"])
@pytest.mark.parametrize("sig, status, word", [
    (signal.SIGTERM, EXIT_TERMINATED, "terminated"),
    (signal.SIGINT, EXIT_INTERRUPTED, "interrupted"),
])
def test_a_signal_ends_the_run_with_its_own_status_and_one_line_saying_where(sig, status, word, engine, tmp_path,
                                                                             jit_cache):
    elf = guest_elf(tmp_path, SPIN_AFTER_A_BYTE)
    # A shell starts background jobs with SIGINT ignored, and Python then leaves it ignored:
    # the child gets the default disposition, as a command typed at a terminal has.
    proc = subprocess.Popen([sys.executable, "-m", "zkaot", "run", str(elf), "--engine", engine],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "ZKAOT_CACHE": str(jit_cache)},
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        assert proc.stdout.read(1)          # the guest is running, the handlers are in place
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()                         # the guest spins forever: never leave it behind
    assert proc.returncode == status
    # at the spin loop, or still at the ecall whose write the test saw
    assert re.fullmatch(rf"zkaot: {word} at pc 0x8000001[04] <main\+0x1[04]> after [0-9,]+ steps\n", err.decode())


WRITE_FOREVER = """
again: auipc a1, 0
    addi a0, zero, 1
    addi a2, zero, 1
    addi a7, zero, 64
    ecall
    jal zero, again
"""


def test_a_closed_pipe_on_stdout_ends_quietly_with_status_141(tmp_path):
    # The guest never stops writing, so the closed pipe is met whatever the timing.
    elf = guest_elf(tmp_path, WRITE_FOREVER)
    proc = subprocess.Popen([sys.executable, "-m", "zkaot", "run", str(elf), "--engine", "interp"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout.read(1)
        proc.stdout.close()             # the reader goes away, as `| head -1` does
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 141 and err == b""


SIGTERM_IN_A_FINALIZER = """
import gc, os, signal, time
from zkaot import cli
signal.signal(signal.SIGTERM, cli._terminated)
class Finalized:
    def __del__(self):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.05)
Finalized()
try:
    time.sleep(30)
except cli.Terminated:
    print("terminated after the finalizer")
"""


def test_sigterm_inside_a_finalizer_is_delivered_once_it_returns():
    """An exception raised in __del__ is dropped by Python; the signal must not be."""
    proc = subprocess.run([sys.executable, "-c", SIGTERM_IN_A_FINALIZER], capture_output=True, text=True,
                          timeout=60, cwd=Path(__file__).parent.parent)
    assert proc.stdout == "terminated after the finalizer\n" and "Exception ignored" not in proc.stderr


def test_a_load_log_that_cannot_be_written_is_one_error(tmp_path, monkeypatch, capsys):
    def full(fd, data, offset):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(executor, "LOG_CAPACITY", 1024)
    monkeypatch.setattr(load_log, "_write_all", full)
    sha = FIB.parent / "sha256_soft"
    assert main(["trace", str(sha / "guest.rv64im.elf"), "--input", str(sha / "input.bin"), "--mode", "minimal",
                 "-o", str(tmp_path / "trace")]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == (f"zkaot: error: the load log could not be written to a file in {tmp_path / 'trace'}: No space "
                       "left on device (make room there, or write the trace elsewhere)")
    assert not (tmp_path / "trace" / "load_log.npy").exists()
