"""The openvm profile on a guest written here to OpenVM's custom-0 ABI (tests/guests/openvm/),
in both engines, with expected outputs from hashlib and pycryptodome."""
import hashlib
import re
import struct
from pathlib import Path

import pytest
from Crypto.Hash import keccak

from profile_runs import both_engines, expansion_matches_reference
from runtime.profiles import PROFILES
from translator.interpreter import Interpreter
from zkaot.recognise import load_guest

ELF = Path(__file__).parent / "guests" / "openvm" / "openvm_guest.elf"
WINDOWS = [(0x1F_0000, 0x20_0400), (0x20_0800, 0x21_8000)]   # the stack below its top, the image and heap
VECTORS = [b"hello", b"", b"zkVM vectors, thirty-two bytes plus some"]


def run_both(vectors: list[bytes], cache_dir):
    guest = load_guest(ELF)
    return both_engines(guest.program, guest.profile.maps[32], guest.profile.calls[32], cache_dir, vectors,
                        windows=WINDOWS)


def test_vectors_are_read_through_the_hint_stream_and_revealed(jit_cache):
    result = run_both([b"e\x03", *VECTORS], jit_cache)
    assert (result.exit_code, result.output) == (0, b"".join(VECTORS)[:32])
    assert result.console == b"vectors: 3\n"


def test_the_public_output_is_32_bytes_even_when_little_is_revealed(jit_cache):
    result = run_both([b"z"], jit_cache)           # csrrw x0, csr, x0 is a no-op, then REVEAL of word 0
    assert result.output == struct.pack("<I", 1) + bytes(28)


@pytest.mark.parametrize("length", [0, 3, 55, 56, 135, 136, 137, 300])
def test_keccak256_gives_pycryptodomes_keccak256(length, jit_cache):
    message = bytes((5 * i + length) & 0xFF for i in range(length))
    assert run_both([b"k", message], jit_cache).output == keccak.new(data=message, digest_bits=256).digest()


def test_keccakf_with_x0_operands_permutes_the_state_at_rd(jit_cache):
    message = b"the quick brown fox"
    block = bytearray(message + b"\x06" + bytes(136 - len(message) - 1))
    block[-1] |= 0x80                                        # SHA3-256's padding, one block absorbed
    assert run_both([b"f", bytes(block) + bytes(64)], jit_cache).output == hashlib.sha3_256(message).digest()


@pytest.mark.parametrize("length", [0, 3, 55, 56, 64, 119, 300])
def test_sha256_gives_hashlibs_sha256(length, jit_cache):
    message = bytes((7 * i + length) & 0xFF for i in range(length))
    assert run_both([b"s", message], jit_cache).output == hashlib.sha256(message).digest()


def test_hint_random_is_the_same_in_every_run(jit_cache):
    first, again = (run_both([b"r"], jit_cache).output for _ in range(2))
    assert first == again and first.count(0) < 8


def test_the_exit_code_is_terminates_immediate(jit_cache):
    assert run_both([b"x"], jit_cache).exit_code == 7


def test_a_hint_buffer_longer_than_the_hint_stream_faults(jit_cache):
    result = run_both([b"w", b"abc"], jit_cache)     # the stream holds 8 bytes: the length and "abc\0"
    assert str(result.fault).endswith("openvm: HINT_BUFFER of 16 bytes with 8 left in the hint stream "
                                      "(HintOutOfBounds)")


def test_a_missing_input_vector_faults(jit_cache):
    result = run_both([b"m\x01", b"only one"], jit_cache)
    assert str(result.fault).endswith("openvm: HintInput with the input exhausted (EndOfInputStream): "
                                      "give one --input per input vector")


@pytest.mark.parametrize("command, fault", [
    (b"c", "(ecall): openvm: ecall is not one of the machine's instructions (the openvm transpiler makes it "
           "a fault; docs/profiles.md)"),
    (b"v", "(reveal a0, a1, 0): openvm: REVEAL to public-value byte 32: the 32 bytes take aligned words"),
    (b"l", "(hint_load_by_key a0, a1): openvm: PHANTOM HintLoadByKey is not implemented "
           "(zkaot has no key-value store)"),
    (b"t", "(terminate zero, zero, 300): openvm: TERMINATE with exit code 300: the transpiler takes a byte (0..255)"),
    (b"u", "openvm: custom instruction 0x00a5550b is not implemented "
           "(docs/profiles.md lists the openvm instructions zkaot has)"),
])
def test_an_instruction_zkaot_does_not_have_ends_the_run_naming_openvm(command, fault, jit_cache):
    result = run_both([command], jit_cache)
    assert result.exit_code is None and str(result.fault).endswith(fault)


def test_the_zkaot_profile_keeps_custom_0_illegal(jit_cache):
    guest = load_guest(ELF)
    result = Interpreter(guest.program, b"", guest.profile.maps[32], 1000, frames=[b"x"]).run()
    assert re.search(r"illegal instruction: 0x0000300b is not a valid RV32IMA instruction$", str(result.fault))


@pytest.mark.parametrize("vectors", [[b"e\x03", *VECTORS], [b"k", bytes(range(200))], [b"r"]])
def test_minimal_trace_expands_to_the_interpreters_full_trace(vectors, jit_cache):
    """What HINT_STOREW and HINT_BUFFER take from the hint stream is host state: the load log
    carries it, so chunks replay without the input."""
    _, result, rows, _ = expansion_matches_reference(load_guest(ELF), jit_cache, 5, vectors)
    assert result.exit_code == 0
    assert set(rows["op"].tolist()) & set(range(96, 107))      # the custom instructions are in it


def test_auto_recognises_openvm_from_its_symbols():
    guest = load_guest(ELF)
    assert guest.profile is PROFILES["openvm"]
    assert guest.why == "symbol openvm_platform_marker names openvm"
