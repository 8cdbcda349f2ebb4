"""The precompiles are checked through the hashes built on them, against published values
and hashlib, which share no code with them."""
import hashlib
import struct

from hypothesis import given, settings, strategies as st

from runtime.precompiles import (KECCAK_RATE, SHA256_IV, keccak256, keccak_f1600, keccakf_bytes, sha256,
                                 sha256_compress, sha256_compress_bytes)



def sponge(message: bytes, domain: int, permute) -> bytes:
    """A 256-bit Keccak sponge; domain 0x01 is Ethereum's keccak256, 0x06 is SHA3-256."""
    padded = bytearray(message) + bytes([domain])
    padded += bytes(-len(padded) % KECCAK_RATE)
    padded[-1] |= 0x80
    state = bytes(200)
    for i in range(0, len(padded), KECCAK_RATE):
        block = padded[i:i + KECCAK_RATE] + bytes(200 - KECCAK_RATE)
        state = permute(bytes(s ^ b for s, b in zip(state, block)))
    return state[:32]


def permute_lanes(state: bytes) -> bytes:
    return struct.pack("<25Q", *keccak_f1600(list(struct.unpack("<25Q", state))))




def test_keccak256_of_empty_message_matches_ethereum():
    expected = "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    assert sponge(b"", 0x01, permute_lanes).hex() == expected


def test_keccak256_of_abc_matches_ethereum():
    expected = "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"
    assert sponge(b"abc", 0x01, permute_lanes).hex() == expected


def test_keccak256_is_the_sponge_across_rate_boundaries():
    message = bytes(range(256)) * 2
    for n in (0, 3, 135, 136, 137, 271, 272, 500):
        assert keccak256(message[:n]) == sponge(message[:n], 0x01, permute_lanes), n


def test_keccakf_bytes_matches_the_lane_function():
    assert sponge(b"x" * 300, 0x01, keccakf_bytes) == sponge(b"x" * 300, 0x01, permute_lanes)


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=400))
def test_sha3_256_built_on_the_permutation_matches_hashlib(message):
    assert sponge(message, 0x06, keccakf_bytes) == hashlib.sha3_256(message).digest()


def test_sha256_matches_hashlib_across_padding_boundaries():
    for n in (0, 1, 3, 55, 56, 63, 64, 65, 119, 120, 128, 1000):
        message = bytes(range(256)) * 4
        assert sha256(message[:n]) == hashlib.sha256(message[:n]).digest(), n


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=300))
def test_sha256_matches_hashlib_on_random_messages(message):
    assert sha256(message) == hashlib.sha256(message).digest()


def test_sha256_compress_bytes_uses_little_endian_state_words():
    block = bytes(range(64))
    state = list(SHA256_IV)
    got = sha256_compress_bytes(struct.pack("<8I", *state), block)
    assert list(struct.unpack("<8I", got)) == sha256_compress(state, block)
