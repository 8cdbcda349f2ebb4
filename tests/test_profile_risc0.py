"""The risc0 profile on a guest written here to RISC Zero's ABI (tests/guests/risc0/), as a plain
user ELF and in an R0BF container, in both engines, with expected outputs from hashlib."""
import hashlib
import re
import struct
from pathlib import Path

import pytest

from profile_runs import both_engines, expansion_matches_reference
from runtime.profiles import PROFILES
from translator.elf import ElfError
from translator.expand import reference_trace
from translator.r0bf import encode_container
from zkaot.recognise import load_guest

GUESTS = Path(__file__).parent / "guests" / "risc0"
ELF = GUESTS / "risc0_guest.elf"
CONTAINER = GUESTS / "risc0_guest.r0bf"
WINDOWS = [(0x1F_0000, 0x20_0400), (0x20_0800, 0x21_8000)]   # the stack below its top, the image and heap


def frame(data: bytes) -> bytes:
    """A frame as risc0's env::write_frame puts it on stdin: a u32 LE length, then the bytes."""
    return struct.pack("<I", len(data)) + data


def stdin(command: bytes, *frames: bytes) -> list[bytes]:
    return [frame(command) + b"".join(frame(f) for f in frames)]


def run_both(chunks: list[bytes], cache_dir, path: Path = ELF):
    guest = load_guest(path)
    return both_engines(guest.program, guest.profile.maps[32], guest.profile.calls[32], cache_dir, chunks,
                        windows=WINDOWS)


FRAMES = [b"hello", b"", b"zkVM frames!", bytes(range(7))]


@pytest.mark.parametrize("protocol", [b"e", b"E"])       # SYS_READ's v1 word protocol, v1compat's bytes
def test_frames_are_read_from_stdin_and_written_to_the_journal(protocol, jit_cache):
    result = run_both(stdin(protocol, *FRAMES), jit_cache)
    assert (result.exit_code, result.output) == (0, b"".join(FRAMES))
    assert re.fullmatch(rb"frames: 4\nR0VM\[\d+\] echo done\n", result.console)


def test_stdin_is_one_stream_whatever_the_inputs_boundaries(jit_cache):
    stream = stdin(b"e", *FRAMES)[0]
    result = run_both([stream[i:i + 3] for i in range(0, len(stream), 3)], jit_cache)
    assert result.output == b"".join(FRAMES)


def test_the_container_runs_its_user_elf(jit_cache):
    from_elf = run_both(stdin(b"e", *FRAMES), jit_cache)
    from_container = run_both(stdin(b"e", *FRAMES), jit_cache, CONTAINER)
    assert (from_container.output, from_container.steps) == (from_elf.output, from_elf.steps)


@pytest.mark.parametrize("length", [0, 3, 55, 56, 64, 119, 300])
def test_the_sha_call_gives_hashlibs_sha256(length, jit_cache):
    message = bytes((7 * i + length) & 0xFF for i in range(length))
    result = run_both(stdin(b"s", message, b"abc"), jit_cache)
    assert result.exit_code == 0
    assert result.output == hashlib.sha256(message).digest() + hashlib.sha256(b"abc").digest()


def test_sys_random_is_the_same_in_every_run_and_differs_between_calls(jit_cache):
    first, again = (run_both(stdin(b"r"), jit_cache).output for _ in range(2))
    assert first == again and len(first) == 96
    assert first[:48] != first[48:] and first.count(0) < 16


def test_no_variable_is_set_no_argument_given_and_the_input_digest_is_zero(jit_cache):
    result = run_both(stdin(b"g"), jit_cache)
    assert result.output == struct.pack("<3I", 0xFFFF_FFFF, 0, 0)


def _word_at(program, pc: int) -> int:
    (segment,) = [s for s in program.segments if s.vaddr <= pc < s.end]
    return int.from_bytes(segment.data[pc - segment.vaddr: pc - segment.vaddr + 4], "little")


def test_cycle_count_is_the_user_instructions_retired_before_the_call(jit_cache):
    hi, lo = struct.unpack("<2I", run_both(stdin(b"c"), jit_cache).output)
    guest = load_guest(ELF)
    rows = reference_trace(guest.program, b"", guest.profile.maps[32], profile="risc0", frames=stdin(b"c"))[1]
    assert hi == 0 and _word_at(guest.program, int(rows["pc"][lo])) == 0x73     # step lo is the ecall


def test_the_exit_code_is_the_user_exit_in_halts_a0(jit_cache):
    assert run_both(stdin(b"x\x07"), jit_cache).exit_code == 7


def test_a_truncated_frame_makes_the_guest_panic(jit_cache):
    truncated = [frame(b"e") + frame(b"hello")[:6]]
    result = run_both(truncated, jit_cache)
    assert (result.exit_code, result.output) == (None, b"")
    assert str(result.fault).endswith("risc0: the guest panicked: unexpected end of file (frame data)")


def test_a_missing_frame_makes_the_guest_panic(jit_cache):
    result = run_both(stdin(b"k", b"only one"), jit_cache)
    assert str(result.fault).endswith("risc0: the guest panicked: unexpected end of file (no frame)")


def test_a_read_whose_buffer_fits_neither_protocol_faults(jit_cache):
    result = run_both(stdin(b"w"), jit_cache)
    assert str(result.fault).endswith("risc0: SYS_READ with a1 = 3 and a4 = 5: a1 is either the words of "
                                      "the buffer (at most a4 / 4) or the bytes (a4)")


def test_a_read_of_another_fd_than_stdin_faults(jit_cache):
    assert str(run_both(stdin(b"f"), jit_cache).fault).endswith("risc0: SYS_READ of fd 5: only stdin (0) can be read")


@pytest.mark.parametrize("command, fault", [
    (b"u", "(ecall): risc0: SOFTWARE call risc0_zkvm_platform::syscall::nr::SYS_FORK is not implemented "
           "(docs/profiles.md lists the risc0 calls zkaot has)"),
    (b"b", "(ecall): risc0: call t0=0x4 is not implemented (docs/profiles.md lists the risc0 calls zkaot has)"),
    (b"v", "(ecall): risc0: SYS_ARGV of argument 0, and the guest has no arguments"),
    (b"h", "(ecall): risc0: HALT with PAUSE (exit code 5): zkaot does not resume paused sessions"),
    (b"p", "(ecall): risc0: the guest panicked: boom: the guest gave up"),
])
def test_a_call_zkaot_does_not_have_ends_the_run_naming_risc0_and_the_call(command, fault, jit_cache):
    result = run_both(stdin(command), jit_cache)
    assert result.exit_code is None and str(result.fault).endswith(fault)


@pytest.mark.parametrize("command", [b"e", b"E", b"s", b"r"])
def test_minimal_trace_expands_to_the_interpreters_full_trace(command, jit_cache):
    """What SYS_READ and SYS_RANDOM hand the guest comes from host state: the load log carries
    it, so chunks replay without the input."""
    _, result, _, _ = expansion_matches_reference(load_guest(ELF), jit_cache, 6,
                                                  stdin(command, bytes(range(200)), b"", b"abc"))
    assert result.exit_code == 0


def test_auto_recognises_risc0_from_its_symbols():
    guest = load_guest(ELF)
    assert guest.profile is PROFILES["risc0"]
    assert guest.why == "symbol risc0_zkvm_platform_marker names risc0_zkvm"


def test_auto_recognises_the_r0bf_container():
    guest = load_guest(CONTAINER)
    assert guest.profile is PROFILES["risc0"]
    assert guest.why == "an R0BF container (V1Compat 1.0.0): its user ELF runs, the kernel ELF does not"
    assert guest.program.entry == load_guest(ELF).program.entry


def test_a_container_of_another_format_version_is_refused_in_one_line():
    data = bytearray(CONTAINER.read_bytes())
    data[4] = 2
    with pytest.raises(ElfError, match=r"^x\.r0bf: R0BF container format version 2, zkaot reads version 1$"):
        load_guest(bytes(data), name="x.r0bf")


def test_a_truncated_container_is_refused_in_one_line():
    with pytest.raises(ElfError, match=r"^x\.r0bf: R0BF container ends inside its user ELF$"):
        load_guest(CONTAINER.read_bytes()[:200], name="x.r0bf")


def test_a_container_for_the_linux_abi_is_refused():
    user = ELF.read_bytes()
    data = encode_container(user, user).replace(b"\x00\x00\x051.0.0", b"\x00\x01\x051.0.0", 1)
    with pytest.raises(ElfError, match="R0BF container for the Linux 1.0.0 ABI: the risc0 profile runs V1Compat"):
        load_guest(data, name="x.r0bf")


def test_a_container_under_another_profile_is_refused():
    with pytest.raises(ElfError, match="an R0BF container holds a RISC Zero program: run it with --profile risc0"):
        load_guest(CONTAINER, "sp1")
