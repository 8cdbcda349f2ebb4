"""Every bad path or file gets one error line and exit status 3, never a traceback; no file fills memory."""
import os
import threading

import pytest

from runtime.files import read_limited
from test_cli import FIB
from zkaot.cli import EXIT_BAD_INPUT, main

ELF = str(FIB / "guest.rv64im.elf")
A_PROGRAM_ID = "ab" * 32


def one_error(capsys, phrase: str) -> None:
    """The command printed one `zkaot: error:` line, and it carries `phrase`."""
    err = capsys.readouterr().err
    assert err.startswith("zkaot: error: ") and err.count("\n") == 1 and phrase in err, err


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
