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


def sha256_soft(rounds: int = 1) -> tuple[bytes, bytes]:
    data = stream("sha256_soft", 64 * 1024)
    h = bytes(32)
    for _ in range(rounds):
        h = hashlib.sha256(h + data).digest()
    return struct.pack("<I", rounds) + data, h


# ---- coremark_like: a Python model of examples/coremark_like/main.c --------

def _crc16(crc: int, data: bytes) -> int:
    """CRC-16/ARC: reflected polynomial 0xA001, no final xor."""
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


assert _crc16(0, b"123456789") == 0xBB3D


def _coremark_tokens(rng) -> bytes:
    def sign() -> bytes:
        return [b"", b"+", b"-"][rng(3)]

    def digits(count: int) -> bytes:
        return bytes(ord("0") + rng(10) for _ in range(count))

    kind = rng(5)
    if kind == 0:                                   # integer
        t = sign()
        return t + digits(1 + rng(6))
    if kind == 1:                                   # decimal
        t = sign()
        t += digits(rng(5)) + b"."
        return t + digits(1 + rng(4))
    if kind == 2:                                   # scientific
        t = sign()
        t += digits(1 + rng(3))
        if rng(2):
            t += b"." + digits(1 + rng(3))
        t += b"E" if rng(2) else b"e"
        t += sign()
        return t + digits(1 + rng(3))
    if kind == 3:                                   # number-like junk
        return bytes(b"0123456789+-.eE"[rng(15)] for _ in range(1 + rng(6)))
    return bytes(b"abcxyz_Q"[rng(8)] for _ in range(1 + rng(5)))  # word


def _classify(text: bytes) -> tuple[list[int], list[int]]:
    """Final state of each comma-separated token, and transitions into each state."""
    START, SIGN, INT, DOT, FRAC, EXP, EXP_SIGN, SCI, INVALID = range(9)
    digit = set(b"0123456789")
    fin, trans = [0] * 9, [0] * 9
    for tok in text.split(b","):
        s = START
        for c in tok:
            if c in digit:
                t = {START: INT, SIGN: INT, INT: INT, DOT: FRAC, FRAC: FRAC,
                     EXP: SCI, EXP_SIGN: SCI, SCI: SCI}.get(s, INVALID)
            elif c in b"+-":
                t = {START: SIGN, EXP: EXP_SIGN}.get(s, INVALID)
            elif c == ord("."):
                t = {START: DOT, SIGN: DOT, INT: DOT}.get(s, INVALID)
            elif c in b"eE":
                t = {INT: EXP, FRAC: EXP}.get(s, INVALID)
            else:
                t = INVALID
            if t != s:
                trans[t] += 1
            s = t
        fin[s] += 1
    return fin, trans


def coremark_like(iterations: int = 40) -> tuple[bytes, bytes]:
    seed = int.from_bytes(stream("coremark_like", 4), "little")
    M32 = 0xFFFFFFFF
    nnodes, n, text_cap, mutations = 64, 10, 768, 8
    state = seed

    def rng_next() -> int:
        nonlocal state
        state = (state * 1664525 + 1013904223) & M32
        return state

    def rng(k: int) -> int:
        return (rng_next() >> 16) % k

    def sx16(v: int) -> int:                        # int16 bit pattern -> Python int
        return v - 0x10000 if v & 0x8000 else v

    val = [rng_next() >> 16 for _ in range(nnodes)]  # val[idx]
    a = [[rng_next() >> 16 for _ in range(n)] for _ in range(n)]
    b = [[sx16(rng_next() >> 16) for _ in range(n)] for _ in range(n)]
    text = b""
    while True:
        tok = _coremark_tokens(rng)
        if len(text) + len(tok) + (1 if text else 0) > text_cap:
            break
        text = text + b"," + tok if text else tok

    order = list(range(nnodes))                     # the list, as node indices
    crc_list = crc_mat = crc_state = 0
    found = steps = 0
    fin_total = [0] * 9
    u32 = lambda v: struct.pack("<I", v & M32)      # noqa: E731
    for it in range(iterations):
        # list: find with move-to-front, reverse, stable sort by value, rewrite, sort by index
        for k in range(4):
            key = (it * 0x9E37 + k * 0x1234) & 0xFFFF if k & 1 else val[(it * 5 + k * 17) % nnodes]
            pos = next((p for p, i in enumerate(order) if val[i] == key), None)
            if pos is None:
                steps += nnodes
            else:
                steps += pos + 1
                found += 1
                order.insert(0, order.pop(pos))
        order.reverse()
        order.sort(key=lambda i: val[i])            # stable, like the guest's merge sort
        wsum = sum(val[i] * (p + 1) for p, i in enumerate(order))
        for p, i in enumerate(order):
            val[i] = (val[i] * 5 + p + it) & 0xFFFF
        order.sort()
        mix = 0
        for i in order:
            mix ^= ((val[i] << (i & 15)) + i) & M32
        crc_list = _crc16(crc_list, u32(wsum) + u32(mix))

        # matrices: A + k as int16, then A*v, A*B, and A*B over bit fields of each product
        k16 = ((seed >> 3) ^ (it * 0x2F1)) & 0xFFFF
        ak = [[sx16((x + k16) & 0xFFFF) for x in row] for row in a]
        v = [b[j][it % n] for j in range(n)]
        s_vec = sum(ak[i][j] * v[j] for i in range(n) for j in range(n))
        s_mat = s_bits = positive = 0
        for i in range(n):
            for j in range(n):
                prods = [(ak[i][q] * b[q][j]) & M32 for q in range(n)]
                c = sum(prods) & M32
                s_mat += c
                s_bits += sum(((p >> 4) & 0x3F) * ((p >> 11) & 0xFF) for p in prods)
                positive += 0 < c < 1 << 31
        crc_mat = _crc16(crc_mat, u32(s_vec) + u32(s_mat) + u32(s_bits) + struct.pack("<H", positive))

        # state machine over the text with a few characters replaced
        t = bytearray(text)
        for m in range(mutations):
            t[(it * 131 + m * 61 + 7) % len(text)] = b"0123456789+-.eE,x"[(it + 3 * m) % 17]
        fin, trans = _classify(bytes(t))
        crc_state = _crc16(crc_state, struct.pack("<9H", *(f & 0xFFFF for f in fin)))
        crc_state = _crc16(crc_state, u32(sum(tr * (s + 1) for s, tr in enumerate(trans))))
        fin_total = [x + y for x, y in zip(fin_total, fin)]

    crc_final = _crc16(0, struct.pack("<3H", crc_list, crc_mat, crc_state))
    out = struct.pack("<II4HII9I", seed, iterations, crc_list, crc_mat, crc_state, crc_final,
                      found, steps & M32, *(x & M32 for x in fin_total))
    return struct.pack("<II", seed, iterations), out


# ---- dispatch: a Python model of examples/dispatch/main.c -------------------

def _fib(n: int) -> int:
    a, b = 0, 1
    for _ in range(n):
        a, b = b, (a + b) & 0xFFFFFFFF
    return a


def _dispatch_pass(code: bytes, acc: int) -> int:
    n, m = len(code), 0xFFFFFFFF
    ops = (lambda a, b: a + b, lambda a, b: a * b + 1, lambda a, b: a ^ (b << 1))
    for i, byte in enumerate(code):
        c = byte & 7
        if c == 0:
            acc += 3
        elif c == 1:
            acc ^= acc >> 3
        elif c == 2:
            acc *= 5
        elif c == 3:
            acc -= i
        elif c == 4:
            acc = ops[i % 3](acc, i)
        elif c == 5:
            acc = (acc << 1) | (acc >> 31)
        elif c == 6:
            acc += code[(i * 7) % n]
        else:
            acc ^= 0x9E3779B9
        acc &= m
    return acc


def dispatch(fib_n: int = 12, rounds: int = 2) -> tuple[bytes, bytes]:
    code = stream("dispatch", 1024)
    acc = fib = _fib(fib_n)
    for _ in range(rounds):
        acc = _dispatch_pass(code, acc)
    return struct.pack("<III", fib_n, rounds, len(code)) + code, struct.pack("<II", fib, acc)


GENERATORS = {
    "fibonacci": fibonacci,
    "sha256": sha256,
    "keccak": keccak,
    "bignum": bignum,
    "sort": sort,
    "zig_collatz": zig_collatz,
    "misaligned_atomics": misaligned_atomics,
    "coremark_like": coremark_like,
    "sha256_soft": sha256_soft,
    "dispatch": dispatch,
}


# Benchmark-sized inputs (about 30 M steps), beside the test-sized input.bin.
BENCH_SIZES = {"coremark_like": {"iterations": 450}, "sha256_soft": {"rounds": 6},
               "dispatch": {"fib_n": 27, "rounds": 400}}


def generate_all() -> dict[tuple[str, str], tuple[bytes, bytes]]:
    """{(example name, file prefix): (input bytes, expected output bytes)}"""
    files = {(name, ""): gen() for name, gen in GENERATORS.items()}
    files.update({(name, "bench_"): GENERATORS[name](**size) for name, size in BENCH_SIZES.items()})
    return files


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with the files on disk, write nothing")
    ap.add_argument("--dir", type=Path, default=EXAMPLES, help="examples directory (default: this one)")
    args = ap.parse_args(argv)
    bad = 0
    for (name, prefix), (inp, exp) in generate_all().items():
        d = args.dir / name
        for fname, data in ((f"{prefix}input.bin", inp), (f"{prefix}expected_output.bin", exp)):
            path = d / fname
            if args.check:
                if not path.is_file() or path.read_bytes() != data:
                    print(f"{path}: differs from the regenerated bytes")
                    bad += 1
            else:
                d.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
        print(f"{name} {prefix}input: {len(inp)} B, expected output {len(exp)} B")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
