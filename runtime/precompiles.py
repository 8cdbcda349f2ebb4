"""Host implementations of the precompile ecalls (runtime/calls.py: keccakf, sha256_compress).

A guest hashes by calling these instead of running the permutation in RISC-V code; the
executor computes the result here and records the call for the precompile tables.  Plain
Python, written to mirror FIPS 202 and FIPS 180-4 so it can be checked by eye; one call
takes a fraction of a millisecond.
"""
import struct

MASK64 = (1 << 64) - 1
MASK32 = (1 << 32) - 1

# Keccak-f[1600] (FIPS 202). Lanes are indexed x + 5*y.
KECCAK_ROUND_CONSTANTS = (
    0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
    0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
    0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
    0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
    0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
)
KECCAK_ROTATIONS = (      # rho offsets r[x + 5*y]
    0, 1, 62, 28, 27,
    36, 44, 6, 55, 20,
    3, 10, 43, 25, 39,
    41, 45, 15, 21, 8,
    18, 2, 61, 56, 14,
)
# pi moves lane (x, y) to (y, 2x + 3y); with rho folded in: B[PI_DEST[i]] = rot(A[i], r[i]).
_PI_DEST = tuple(y + 5 * ((2 * x + 3 * y) % 5) for y in range(5) for x in range(5))
_RHO_PI = tuple(zip(range(25), _PI_DEST, KECCAK_ROTATIONS))


def keccak_f1600(lanes: list[int]) -> list[int]:
    """Keccak-f[1600] on 25 u64 lanes; returns the new lanes."""
    if len(lanes) != 25:
        raise ValueError(f"keccak-f[1600] takes 25 lanes, got {len(lanes)}")
    a = list(lanes)
    b = [0] * 25
    for rc in KECCAK_ROUND_CONSTANTS:
        # theta
        c = [a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20] for x in range(5)]
        d = [c[(x - 1) % 5] ^ (((c[(x + 1) % 5] << 1) | (c[(x + 1) % 5] >> 63)) & MASK64)
             for x in range(5)]
        for i in range(25):
            a[i] ^= d[i % 5]
        # rho and pi
        for src, dst, r in _RHO_PI:
            v = a[src]
            b[dst] = ((v << r) | (v >> (64 - r))) & MASK64 if r else v
        # chi
        for y in range(0, 25, 5):
            b0, b1, b2, b3, b4 = b[y:y + 5]
            a[y] = b0 ^ (~b1 & b2)
            a[y + 1] = b1 ^ (~b2 & b3)
            a[y + 2] = b2 ^ (~b3 & b4)
            a[y + 3] = b3 ^ (~b4 & b0)
            a[y + 4] = b4 ^ (~b0 & b1)
        # iota
        a[0] ^= rc
    return a


# SHA-256 (FIPS 180-4).
SHA256_K = (
    0x428A2F98, 0x71374491, 0xB5C0FBCF, 0xE9B5DBA5, 0x3956C25B, 0x59F111F1, 0x923F82A4, 0xAB1C5ED5,
    0xD807AA98, 0x12835B01, 0x243185BE, 0x550C7DC3, 0x72BE5D74, 0x80DEB1FE, 0x9BDC06A7, 0xC19BF174,
    0xE49B69C1, 0xEFBE4786, 0x0FC19DC6, 0x240CA1CC, 0x2DE92C6F, 0x4A7484AA, 0x5CB0A9DC, 0x76F988DA,
    0x983E5152, 0xA831C66D, 0xB00327C8, 0xBF597FC7, 0xC6E00BF3, 0xD5A79147, 0x06CA6351, 0x14292967,
    0x27B70A85, 0x2E1B2138, 0x4D2C6DFC, 0x53380D13, 0x650A7354, 0x766A0ABB, 0x81C2C92E, 0x92722C85,
    0xA2BFE8A1, 0xA81A664B, 0xC24B8B70, 0xC76C51A3, 0xD192E819, 0xD6990624, 0xF40E3585, 0x106AA070,
    0x19A4C116, 0x1E376C08, 0x2748774C, 0x34B0BCB5, 0x391C0CB3, 0x4ED8AA4A, 0x5B9CCA4F, 0x682E6FF3,
    0x748F82EE, 0x78A5636F, 0x84C87814, 0x8CC70208, 0x90BEFFFA, 0xA4506CEB, 0xBEF9A3F7, 0xC67178F2,
)
SHA256_IV = (0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A,
             0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19)


def _rotr32(x: int, n: int) -> int:
    return (x >> n) | ((x << (32 - n)) & MASK32)


def sha256_extend(w16: list[int]) -> list[int]:
    """The message schedule: 16 u32 words to 64."""
    w = list(w16)
    for t in range(16, 64):
        w15, w2 = w[t - 15], w[t - 2]
        s0 = _rotr32(w15, 7) ^ _rotr32(w15, 18) ^ (w15 >> 3)
        s1 = _rotr32(w2, 17) ^ _rotr32(w2, 19) ^ (w2 >> 10)
        w.append((w[t - 16] + s0 + w[t - 7] + s1) & MASK32)
    return w


def sha256_rounds(state: list[int], w: list[int]) -> list[int]:
    """The 64 rounds and the final addition on a given schedule (SP1 passes its own)."""
    a, b, c, d, e, f, g, h = state
    for k, wt in zip(SHA256_K, w):
        s1 = _rotr32(e, 6) ^ _rotr32(e, 11) ^ _rotr32(e, 25)
        ch = (e & f) ^ (~e & g)
        t1 = (h + s1 + ch + k + wt) & MASK32
        s0 = _rotr32(a, 2) ^ _rotr32(a, 13) ^ _rotr32(a, 22)
        maj = (a & b) ^ (a & c) ^ (b & c)
        h, g, f, e, d, c, b, a = g, f, e, (d + t1) & MASK32, c, b, a, (t1 + s0 + maj) & MASK32
    return [(x + y) & MASK32 for x, y in zip(state, (a, b, c, d, e, f, g, h))]


def sha256_compress(state: list[int], block: bytes) -> list[int]:
    """One SHA-256 compression: 8 u32 state words and a 64-byte block (big-endian words)."""
    if len(state) != 8 or len(block) != 64:
        raise ValueError(f"sha256 compression takes 8 state words and a 64-byte block, "
                         f"got {len(state)} words and {len(block)} bytes")
    return sha256_rounds(state, sha256_extend(list(struct.unpack(">16I", block))))


def keccakf_bytes(state200: bytes) -> bytes:
    """The SYS_KECCAKF ecall on guest memory: 25 little-endian u64 lanes in, 200 bytes out."""
    if len(state200) != 200:
        raise ValueError(f"keccak-f[1600] state is 200 bytes, got {len(state200)}")
    return struct.pack("<25Q", *keccak_f1600(list(struct.unpack("<25Q", state200))))


def sha256_compress_bytes(state32: bytes, block64: bytes) -> bytes:
    """The SYS_SHA256_COMPRESS ecall on guest memory: the state is 8 u32 words in the guest's
    native little-endian layout; the block is the raw 64 message bytes."""
    if len(state32) != 32:
        raise ValueError(f"sha256 state is 32 bytes, got {len(state32)}")
    return struct.pack("<8I", *sha256_compress(list(struct.unpack("<8I", state32)), block64))


KECCAK_RATE = 136        # bytes: keccak256's sponge rate (256-bit output)


def keccak256(data: bytes) -> bytes:
    """Ethereum's keccak256: the Keccak sponge (rate 136, padding 0x01 ... 0x80) on keccak-f."""
    padded = bytearray(data + b"\x01" + bytes(-(len(data) + 1) % KECCAK_RATE))
    padded[-1] |= 0x80
    state = bytes(200)
    for offset in range(0, len(padded), KECCAK_RATE):
        block = padded[offset:offset + KECCAK_RATE]
        state = keccakf_bytes(bytes(a ^ b for a, b in zip(state, block + bytes(200 - KECCAK_RATE))))
    return state[:32]


def sha256(data: bytes) -> bytes:
    """SHA-256 (FIPS 180-4): the padded message's blocks through the compression function."""
    padded = data + b"\x80" + bytes(-(len(data) + 9) % 64) + struct.pack(">Q", 8 * len(data))
    state = list(SHA256_IV)
    for offset in range(0, len(padded), 64):
        state = sha256_compress(state, padded[offset:offset + 64])
    return struct.pack(">8I", *state)
