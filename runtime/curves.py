"""Host implementations of the elliptic-curve and Fp2 precompiles (runtime/calls.py):
affine point addition and doubling on short Weierstrass curves y^2 = x^3 + a x + b
(secp256k1, secp256r1, BN254 G1, BLS12-381 G1) and multiplication and addition in
Fp2 = Fp[u]/(u^2 + 1) (BN254 and BLS12-381, whose G2 and pairings are built on it).

The calls are total functions of their bytes, so that a guest can never make the host
fail and the interpreter and the JIT agree on any input:
- a coordinate or Fp2 coefficient is `size` little-endian bytes (32, or 48 for BLS12-381);
  values at or above p are reduced mod p (non-canonical inputs are accepted, the results
  are canonical): checking canonical encodings is the SDK's job, as the EVM's rules say;
- a point is x then y; the point at infinity is x = y = 0 (after reduction), which lies on
  none of these curves (b != 0), as in the EVM's encodings (EIP-196, EIP-2537);
- add(P, Q): infinity is the identity; P = Q is a doubling; equal x with other y gives
  infinity (P + (-P) when both are on the curve); double(P) with y = 0 gives infinity;
- the formulas are applied without checking that points lie on the curve (the SDK checks).
"""
from __future__ import annotations

from dataclasses import dataclass

Point = tuple[int, int] | None          # affine (x, y); None is the point at infinity


@dataclass(frozen=True)
class Curve:
    """A short Weierstrass curve over Fp with its group order n and generator (gx, gy)."""
    name: str
    p: int
    a: int
    b: int
    n: int
    gx: int
    gy: int
    size: int                           # bytes of one coordinate

    def on_curve(self, point: Point) -> bool:
        if point is None:
            return True
        x, y = point
        return (y * y - x * x * x - self.a * x - self.b) % self.p == 0

    def add(self, P: Point, Q: Point) -> Point:
        if P is None:
            return Q
        if Q is None:
            return P
        (x1, y1), (x2, y2) = P, Q
        if x1 == x2:
            return self.double(P) if y1 == y2 else None
        lam = (y2 - y1) * pow(x2 - x1, -1, self.p) % self.p
        x3 = (lam * lam - x1 - x2) % self.p
        return x3, (lam * (x1 - x3) - y1) % self.p

    def double(self, P: Point) -> Point:
        if P is None or P[1] == 0:
            return None
        x, y = P
        lam = (3 * x * x + self.a) * pow(2 * y, -1, self.p) % self.p
        x3 = (lam * lam - 2 * x) % self.p
        return x3, (lam * (x - x3) - y) % self.p

    def mul(self, k: int, P: Point) -> Point:
        """k * P by double-and-add (for tests and the SDK's reference values)."""
        result = None
        for bit in bin(k)[2:] if k > 0 else "":
            result = self.double(result)
            if bit == "1":
                result = self.add(result, P)
        return result

    # ---- the bytes of guest memory ----
    def decode(self, data: bytes) -> Point:
        x = int.from_bytes(data[:self.size], "little") % self.p
        y = int.from_bytes(data[self.size:2 * self.size], "little") % self.p
        return None if x == y == 0 else (x, y)

    def encode(self, point: Point) -> bytes:
        x, y = point if point is not None else (0, 0)
        return x.to_bytes(self.size, "little") + y.to_bytes(self.size, "little")

    def add_bytes(self, p: bytes, q: bytes) -> bytes:
        return self.encode(self.add(self.decode(p), self.decode(q)))

    def double_bytes(self, p: bytes) -> bytes:
        return self.encode(self.double(self.decode(p)))


SECP256K1 = Curve(
    "secp256k1", p=2**256 - 2**32 - 977, a=0, b=7,
    n=0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141,
    gx=0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798,
    gy=0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8, size=32)
SECP256R1 = Curve(
    "secp256r1", p=2**256 - 2**224 + 2**192 + 2**96 - 1,
    a=2**256 - 2**224 + 2**192 + 2**96 - 1 - 3,
    b=0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B,
    n=0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    gx=0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
    gy=0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5, size=32)
BN254_G1 = Curve(
    "bn254_g1", p=0x30644E72E131A029B85045B68181585D97816A916871CA8D3C208C16D87CFD47, a=0, b=3,
    n=0x30644E72E131A029B85045B68181585D2833E84879B9709143E1F593F0000001, gx=1, gy=2, size=32)
BLS12_381_G1 = Curve(
    "bls12_381_g1",
    p=0x1A0111EA397FE69A4B1BA7B6434BACD764774B84F38512BF6730D2A0F6B0F6241EABFFFEB153FFFFB9FEFFFFFFFFAAAB,
    a=0, b=4, n=0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001,
    gx=0x17F1D3A73197D7942695638C4FA9AC0FC3688C4F9774B905A14E3A3F171BAC586C55E83FF97A1AEFFB3AF00ADB22C6BB,
    gy=0x08B3F481E3AAA0F1A09E30ED741D8AE4FCF5E095D5D00AF600DB18CB2C04B3EDD03CC744A2888AE40CAA232946C5E7E1,
    size=48)


@dataclass(frozen=True)
class Fp2:
    """Fp[u]/(u^2 + 1): an element c0 + c1 u is c0 then c1, `size` LE bytes each."""
    name: str
    p: int
    size: int

    def decode(self, data: bytes) -> tuple[int, int]:
        return (int.from_bytes(data[:self.size], "little") % self.p,
                int.from_bytes(data[self.size:2 * self.size], "little") % self.p)

    def encode(self, c: tuple[int, int]) -> bytes:
        return c[0].to_bytes(self.size, "little") + c[1].to_bytes(self.size, "little")

    def mul(self, x: tuple[int, int], y: tuple[int, int]) -> tuple[int, int]:
        (a0, a1), (b0, b1) = x, y
        return (a0 * b0 - a1 * b1) % self.p, (a0 * b1 + a1 * b0) % self.p

    def add(self, x: tuple[int, int], y: tuple[int, int]) -> tuple[int, int]:
        return (x[0] + y[0]) % self.p, (x[1] + y[1]) % self.p

    def mul_bytes(self, x: bytes, y: bytes) -> bytes:
        return self.encode(self.mul(self.decode(x), self.decode(y)))

    def add_bytes(self, x: bytes, y: bytes) -> bytes:
        return self.encode(self.add(self.decode(x), self.decode(y)))


BN254_FP2 = Fp2("bn254_fp2", BN254_G1.p, 32)
BLS12_381_FP2 = Fp2("bls12_381_fp2", BLS12_381_G1.p, 48)
