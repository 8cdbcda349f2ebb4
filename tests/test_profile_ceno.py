"""The ceno profile on a guest written here to ceno_rt's ABI (tests/guests/ceno/), in both
engines, with the expected public output from pycryptodome's Keccak-256."""
import dataclasses
import json
import struct
from pathlib import Path

import pytest
from Crypto.Hash import keccak

from profile_runs import both_engines, expansion_matches_reference
from runtime.ceno import HINTS_BASE, hints
from runtime.profiles import PROFILES
from zkaot.recognise import frames_for, load_guest

ELF = Path(__file__).parent / "guests" / "ceno" / "ceno_guest.elf"
WINDOWS = [(0x3FFF_0000, 0x4000_0000), (0x1000_0000, 0x1000_1000)]   # the stack below its top, the data


def keccak256(data: bytes) -> bytes:
    return keccak.new(digest_bits=256, data=data).digest()


def run_both(frames: list[bytes], cache_dir):
    guest = load_guest(ELF)
    input_bytes, _ = frames_for(guest.profile, frames)
    return both_engines(guest.program, guest.profile.maps[32], guest.profile.calls[32], cache_dir,
                        input_bytes=input_bytes, windows=WINDOWS)


FRAMES = [b"hello", b"", bytes(range(135)), bytes(range(136)), bytes(137), bytes(range(256)) * 2]


def test_each_hint_is_read_and_its_keccak_digest_committed(jit_cache):
    result = run_both([b"e" + bytes([len(FRAMES)]), *FRAMES], jit_cache)
    assert (result.exit_code, result.output) == (0, b"".join(keccak256(f) for f in FRAMES))


def test_one_commit_of_several_hints_is_the_digest_of_their_bytes(jit_cache):
    result = run_both([b"c\x03", b"abc", b"123", bytes(300)], jit_cache)
    assert (result.exit_code, result.output) == (0, keccak256(b"abc123" + bytes(300)))


def test_the_hints_are_laid_out_as_ceno_host_writes_them():
    """data offset, alignment, the lengths (u32 LE), then each hint zero-padded to 4 bytes."""
    assert hints([b"abcde", b"", b"xy"]) == (struct.pack("<5I", 20, 4, 5, 0, 2) + b"abcde\0\0\0" + b"xy\0\0")


def test_the_exit_code_is_a0_at_halt(jit_cache):
    assert run_both([b"x\x07"], jit_cache).exit_code == 7


@pytest.mark.parametrize("frames, fault", [
    ([], "(lw a2, 0(a4)): load of 4 bytes at 0x28000008: the input region"),        # no hint at all
    ([b"e\x03", b"abc"], "(lbu a0, 0(t5)): load of 1 bytes at 0x28000018: the input region"),  # one hint short
    ([b"w"], "(sb a1, 0(a0)): store of 1 bytes at 0x2800000c: the input region is read-only"),
    ([b"u"], "(ecall): ceno: call t0=0x300105 is not implemented (docs/profiles.md lists the ceno calls "
             "zkaot has)"),
    ([b"a"], "(ecall): keccak state pointer 0x3fffff2a is not 4-byte aligned"),
])
def test_missing_hints_a_store_to_them_and_an_unknown_call_end_the_run_on_one_line(frames, fault, jit_cache):
    result = run_both(frames, jit_cache)
    assert result.exit_code is None and str(result.fault).endswith(fault)


@pytest.mark.parametrize("frames", [[b"e\x02", b"abc", bytes(range(200))], [b"c\x02", b"x" * 150, b"y"]])
def test_minimal_trace_expands_to_the_interpreters_full_trace(frames, jit_cache):
    """The hints are read from the input region, KECCAK_PERMUTE leaves a PRECOMPILE_ROW: the
    chunks replay from the load log without the input."""
    guest = load_guest(ELF)
    input_bytes, _ = frames_for(guest.profile, frames)
    _, result, _, precompiles = expansion_matches_reference(guest, jit_cache, 8, input_bytes=input_bytes,
                                                            min_chunks=4)
    assert result.exit_code == 0 and len(precompiles) > 0


def test_auto_recognises_ceno_from_its_symbols():
    guest = load_guest(ELF)
    assert guest.profile is PROFILES["ceno"]
    assert guest.why == "symbol ceno_rt_marker names ceno_rt"


def test_auto_recognises_a_stripped_ceno_binary_by_its_rom():
    program = dataclasses.replace(load_guest(ELF).program, symbols={})
    assert PROFILES["ceno"].recognise(program) == "rv32 code at Ceno's ROM (0x8000000)"


def test_the_hints_start_where_ceno_rt_links_them():
    memory_map = PROFILES["ceno"].maps[32]
    assert memory_map.input_span(0)[0] + 8 == HINTS_BASE == 0x2800_0000


def test_run_json_gives_each_input_as_a_hint(tmp_path, capsys, monkeypatch):
    from zkaot.cli import EXIT_OK, main
    monkeypatch.setenv("ZKAOT_CACHE", str(tmp_path / "cache"))
    (tmp_path / "a").write_bytes(b"e\x01")
    (tmp_path / "b").write_bytes(b"abc")
    assert main(["run", str(ELF), "--input", str(tmp_path / "a"), "--input", str(tmp_path / "b"),
                 "--json"]) == EXIT_OK
    report = json.loads(capsys.readouterr().out)
    assert (report["profile"], report["exit_code"]) == ("ceno", 0)
    assert report["public_output"] == keccak256(b"abc").hex()
