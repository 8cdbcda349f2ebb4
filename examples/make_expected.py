#!/usr/bin/env python3
"""Regenerate every example's input.bin and expected_output.bin, deterministically.

The expected outputs are computed here in plain Python, independently of the guest
code: hashlib for SHA-256, a from-scratch Keccak-256, Python's pow() for modexp,
sorted() for sort, and a byte-level model for misaligned_atomics.

    python examples/make_expected.py           # rewrite the files
    python examples/make_expected.py --check   # compare only; exit 1 on a difference
"""
from __future__ import annotations

import argparse
import hashlib
import struct
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent
M64 = (1 << 64) - 1


def stream(label: str, n: int) -> bytes:
    """n deterministic pseudorandom bytes named by label."""
    return hashlib.shake_256(b"zkaot example: " + label.encode()).digest(n)


def fnv1a64(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & M64
    return h


# ---- Keccak-256 (Ethereum's; padding 0x01 ... 0x80), written from the spec ----

_RC = [
    0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
    0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
    0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
    0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
    0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
]


def _rotations() -> list[int]:
    """rho offsets r[x + 5y], from the (x, y) -> (y, 2x + 3y) walk."""
    r = [0] * 25
    x, y = 1, 0
    for t in range(24):
        r[x + 5 * y] = ((t + 1) * (t + 2) // 2) % 64
        x, y = y, (2 * x + 3 * y) % 5
    return r


_ROT = _rotations()


def keccak_f(a: list[int]) -> list[int]:
    for rc in _RC:
        c = [a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20] for x in range(5)]
        d = [c[(x - 1) % 5] ^ (((c[(x + 1) % 5] << 1) | (c[(x + 1) % 5] >> 63)) & M64) for x in range(5)]
        a = [a[i] ^ d[i % 5] for i in range(25)]
        b = [0] * 25
        for x in range(5):
            for y in range(5):
                v, r = a[x + 5 * y], _ROT[x + 5 * y]
                b[y + 5 * ((2 * x + 3 * y) % 5)] = ((v << r) | (v >> (64 - r))) & M64 if r else v
        a = [b[i] ^ (~b[(i + 1) % 5 + 5 * (i // 5)] & b[(i + 2) % 5 + 5 * (i // 5)]) for i in range(25)]
        a[0] ^= rc
    return a


def keccak256(data: bytes) -> bytes:
    rate = 136
    msg = bytearray(data)
    msg.append(0x01)
    msg.extend(b"\0" * (-len(msg) % rate))
    msg[-1] |= 0x80
    st = [0] * 25
    for off in range(0, len(msg), rate):
        lanes = struct.unpack("<17Q", msg[off:off + rate])
        st = keccak_f([s ^ l for s, l in zip(st, lanes)] + st[17:])
    return struct.pack("<25Q", *st)[:32]


assert keccak256(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
assert keccak256(b"abc").hex() == "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"


# ---- the examples -----------------------------------------------------------

def fibonacci() -> tuple[bytes, bytes]:
    n = 100_000
    a, b = 0, 1
    for _ in range(n):
        a, b = b, (a + b) & M64
    return struct.pack("<I", n), struct.pack("<Q", a)


def sha256() -> tuple[bytes, bytes]:
    data = stream("sha256", 4096)
    return data, hashlib.sha256(data).digest()


def keccak() -> tuple[bytes, bytes]:
    data = stream("keccak", 4000)  # 4000 = 29 * 136 + 56: a partial last block
    return data, keccak256(data) + keccak256(data[1:])


def _modexp(base: bytes, exp: bytes, mod: bytes) -> bytes:
    m = int.from_bytes(mod, "big")
    r = pow(int.from_bytes(base, "big"), int.from_bytes(exp, "big"), m) if m else 0
    return r.to_bytes(len(mod), "big")


def bignum() -> tuple[bytes, bytes]:
    s = stream("bignum", 4096)
    pos = [0]

    def rnd(n: int) -> bytes:
        out = s[pos[0]:pos[0] + n]
        pos[0] += n
        return out

    odd256 = bytearray(rnd(32))
    odd256[0] |= 0x80
    odd256[-1] |= 1
    even512 = bytearray(rnd(64))
    even512[0] |= 0x80
    even512[-1] &= 0xFE
    cases = [
        (rnd(32), rnd(32), bytes(odd256)),            # 256-bit base, exponent, odd modulus
        (rnd(64), rnd(8), bytes(even512)),            # 512-bit, 64-bit exponent, even modulus
        (rnd(75), rnd(2), b"\x01" + rnd(24)),         # base longer than a 25-byte modulus
        (rnd(32), rnd(32), bytes(32)),                # zero modulus -> zeros
        (rnd(8), rnd(8), b""),                        # empty modulus -> empty output
        (rnd(16), b"", b"\x05"),                      # exponent 0 -> 1
        (rnd(16), bytes(4), b"\x00\x01"),             # modulus 1 -> 0
        (b"", b"", rnd(4)),                           # 0^0 = 1
        (b"", rnd(3), rnd(4)),                        # 0^e = 0
        (rnd(32), rnd(4), bytes(8) + rnd(32)),        # modulus with leading zero bytes
        (rnd(32), rnd(4), b"\xff\xff\xff\xfb"),       # one-limb modulus
        (rnd(5), rnd(6), b"\x80\x00\x00\x00\x00\x00\x00\x01"),  # two limbs, top bit set
        (b"\x02", b"\x02\x00", b"\x01" + bytes(31)),  # 2^512 mod 2^248 = 0
    ]
    inp = bytearray(struct.pack("<I", len(cases)))
    out = bytearray()
    for b, e, m in cases:
        for part in (b, e, m):
            inp += struct.pack("<I", len(part)) + part
        out += _modexp(b, e, m)
    return bytes(inp), bytes(out)


def sort() -> tuple[bytes, bytes]:
    n = 20_000
    values = list(struct.unpack(f"<{n}I", stream("sort", 4 * n)))
    s = sorted(values)
    packed = struct.pack(f"<{n}I", *s)
    return (struct.pack("<I", n) + struct.pack(f"<{n}I", *values),
            struct.pack("<IIIQ", n, s[0], s[-1], fnv1a64(packed)))


def zig_collatz() -> tuple[bytes, bytes]:
    n = 3000
    total, best, best_steps = 0, 1, 0
    for i in range(1, n + 1):
        x, steps = i, 0
        while x != 1:
            x = x // 2 if x % 2 == 0 else 3 * x + 1
            steps += 1
        total += steps
        if steps > best_steps:
            best, best_steps = i, steps
    return struct.pack("<I", n), struct.pack("<QII", total, best, best_steps)


def misaligned_atomics() -> tuple[bytes, bytes]:
    """A byte-level model of examples/misaligned_atomics/main.c."""
    seed = int.from_bytes(stream("misaligned_atomics", 8), "little")
    buf = bytearray(((seed >> (8 * (i % 8))) ^ (i * 37)) & 0xFF for i in range(64))
    digest = 0xCBF29CE484222325
    misaligned = 0

    def mix(v: int) -> None:
        nonlocal digest
        for k in range(8):
            digest = ((digest ^ ((v >> (8 * k)) & 0xFF)) * 0x100000001B3) & M64

    def load(off: int, size: int, signed: bool) -> int:
        return int.from_bytes(buf[off:off + size], "little", signed=signed) & M64

    def store(off: int, size: int, v: int) -> None:
        buf[off:off + size] = (v & ((1 << (8 * size)) - 1)).to_bytes(size, "little")

    kinds = [(1, True), (1, False), (2, True), (2, False), (4, True), (4, False), (8, True)]
    for off in range(17):
        for size, signed in kinds:
            mix(load(off, size, signed))
            misaligned += off % size != 0
    golden = 0x9E3779B97F4A7C15
    for i, off in enumerate([1, 6, 11, 19, 28, 37]):
        store(off, 8, seed ^ (golden * (i + 1)))
        misaligned += off % 8 != 0
    for i, off in enumerate([2, 7, 13, 22, 31, 45, 59]):
        store(off, 4, (seed >> 7) + golden * (i + 3))
        misaligned += off % 4 != 0
    for i, off in enumerate([3, 15, 23, 39, 55, 61]):
        store(off, 2, (seed >> 13) * (i + 5))
        misaligned += off % 2 != 0
    for off in range(3, 64 - 8 + 1, 5):
        mix(load(off, 8, True))
        misaligned += off % 8 != 0

    def s32(v: int) -> int:
        v &= 0xFFFFFFFF
        return v - (1 << 32) if v >> 31 else v

    def s64(v: int) -> int:
        v &= M64
        return v - (1 << 64) if v >> 63 else v

    res: list[int] = []
    a64 = seed
    res.append(a64); a64 = (a64 + 0x1111) & M64
    res.append(a64); a64 ^= 0xFF00FF00FF00FF00
    res.append(a64); a64 &= ~0xF0 & M64
    res.append(a64); a64 |= 0x8000000000000001
    res.append(a64); a64 = 42
    ok = a64 == 42
    res.append(int(ok)); a64 = 7 if ok else a64
    expected = 99
    ok = a64 == expected
    res.append(int(ok))
    if ok:
        a64 = 8
    else:
        expected = a64
    res += [expected, a64]

    a32 = (seed & 0xFFFFFFFF) | 0x80000000
    res.append(a32); a32 = (a32 + 0xFFFFFFFF) & 0xFFFFFFFF
    res.append(a32); a32 = max(a32, 5)
    res.append(a32); a32 = min(a32, 5)
    ok = a32 == 5
    res.append(int(ok)); a32 = 0xDEADBEEF if ok else a32
    res.append(a32)

    v32 = -5
    res.append(v32 & M64); v32 = max(v32, 3)
    res.append(v32 & M64); v32 = min(v32, -100)
    res.append(v32 & M64); v32 = s32(seed)
    res.append(v32 & M64)

    v64 = s64(seed)
    res.append(v64 & M64); v64 = min(v64, -1)
    res.append(v64 & M64); v64 = max(v64, 1)
    res.append(v64 & M64)
    v64 = s64(v64 + 1)                 # lr.d / addi / sc.d succeeds
    res += [0, 1, v64 & M64]           # the second sc.d fails

    out = struct.pack("<QQ", misaligned, digest) + bytes(buf) + struct.pack(f"<{len(res)}Q", *res)
    return struct.pack("<Q", seed), out


GENERATORS = {
    "fibonacci": fibonacci,
    "sha256": sha256,
    "keccak": keccak,
    "bignum": bignum,
    "sort": sort,
    "zig_collatz": zig_collatz,
    "misaligned_atomics": misaligned_atomics,
}


def generate_all() -> dict[str, tuple[bytes, bytes]]:
    """{example name: (input bytes, expected output bytes)}"""
    return {name: gen() for name, gen in GENERATORS.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with the files on disk, write nothing")
    ap.add_argument("--dir", type=Path, default=EXAMPLES, help="examples directory (default: this one)")
    args = ap.parse_args(argv)
    bad = 0
    for name, (inp, exp) in generate_all().items():
        d = args.dir / name
        for fname, data in (("input.bin", inp), ("expected_output.bin", exp)):
            path = d / fname
            if args.check:
                if not path.is_file() or path.read_bytes() != data:
                    print(f"{path}: differs from the regenerated bytes")
                    bad += 1
            else:
                d.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
        print(f"{name}: input {len(inp)} B, expected output {len(exp)} B")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
