"""All 19 zkvm_accelerators.h functions of the guest SDK, run as a guest (tests/guests/accel,
rv64im and rv32im, under the interpreter and the JIT) on valid and invalid vectors, against
independent implementations: coincurve (secp256k1 recovery), cryptography (ECDSA on
secp256k1 and P-256), py_ecc (BN254), pycryptodome (RIPEMD-160), hashlib (BLAKE2b) and the
EIP-152 vectors; BLS12-381 G1 against py_ecc too.  The vectors run in one execution per engine and width; the slow
pairing vectors in one execution per engine, on rv64im for one and rv32im for the other."""
import functools
import hashlib
import math
import random
import struct
from pathlib import Path

import coincurve
import numpy as np
import pytest
from Crypto.Hash import RIPEMD160, keccak
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, decode_dss_signature, encode_dss_signature
from py_ecc import bls12_381, bn128
from py_ecc import optimized_bls12_381 as fast_bls
from py_ecc.bls.hash_to_curve import clear_cofactor_G1, clear_cofactor_G2, map_to_curve_G1, map_to_curve_G2
from py_ecc.bls.point_compression import compress_G1
from py_ecc.fields import bls12_381_FQ2, bn128_FQ2 as FQ2

import zkaot
from runtime.curves import BLS12_381_G1, BN254_G1, SECP256K1, SECP256R1
from runtime.memory_map import MemoryMap
from translator.elf import load_elf
from translator.executor import NativeMachine
from translator.expand import chunks_of, expand_chunk, reference_trace
from zkaot.build import build

GUEST = Path(__file__).resolve().parent / "guests" / "accel"
ARCHS = ("rv64im", "rv32im")
ENGINES = ("interp", "jit")
ECRECOVER, K1_VERIFY, R1_VERIFY, BN_ADD, BN_MUL, RIPEMD, BLAKE2F, BLAKE2B, BN_PAIRING, BLS_ADD, BLS_MSM, BLS_G2_ADD, BLS_G2_MSM, BLS_PAIRING, KZG, MAP_G1, MAP_G2, KECCAK, SHA256, MODEXP = range(1, 21)
OUT_SIZE = {ECRECOVER: 64, K1_VERIFY: 1, R1_VERIFY: 1, BN_ADD: 64, BN_MUL: 64, RIPEMD: 32, BLAKE2F: 64, BLAKE2B: 64, BN_PAIRING: 1, BLS_ADD: 96, BLS_MSM: 96,
            BLS_G2_ADD: 192, BLS_G2_MSM: 192, BLS_PAIRING: 1, KZG: 1, MAP_G1: 96, MAP_G2: 192, KECCAK: 32, SHA256: 32,
            MODEXP: 32}
EFAIL = 0xFF
RNG = random.Random(152)


def be(v: int, n: int = 32) -> bytes:
    return v.to_bytes(n, "big")


# ---- the vectors: (name, op, payload, expected output or None for ZKVM_EFAIL) ----------------

def _recover(msg: bytes, r: int, s: int, recid: int):
    """coincurve's recovered key as x || y, None where it refuses the signature."""
    try:
        key = coincurve.PublicKey.from_signature_and_message(be(r) + be(s) + bytes([recid]), msg, hasher=None)
    except Exception:           # coincurve raises ValueError or its own errors for invalid input
        return None
    return key.format(compressed=False)[1:]


def _ecrecover_cases():
    n = SECP256K1.n
    cases = []
    for i in range(3):
        key = coincurve.PrivateKey(be(RNG.randrange(1, n)))
        msg = RNG.randbytes(32) if i else bytes(32)          # the zero hash too
        sig = key.sign_recoverable(msg, hasher=None)
        r, s, recid = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:64], "big"), sig[64]
        cases += [(f"ecrecover valid {i}", msg, r, s, recid),
                  (f"ecrecover high s {i}", msg, r, n - s, recid ^ 1),
                  (f"ecrecover other parity {i}", msg, r, s, recid ^ 1)]
    msg, r, s = cases[3][1], cases[3][2], cases[3][3]
    nonresidue = next(x for x in range(1, 100) if pow(x ** 3 + 7, (SECP256K1.p - 1) // 2, SECP256K1.p) != 1)
    cases += [("ecrecover r = 0", msg, 0, s, 0), ("ecrecover s = 0", msg, r, 0, 0),
              ("ecrecover r = n", msg, n, s, 0), ("ecrecover s = n", msg, r, n, 0),
              ("ecrecover r = p - 1", msg, SECP256K1.p - 1, s, 0),
              ("ecrecover r is no point's x", msg, nonresidue, s, 0),
              ("ecrecover hash of all ones", b"\xff" * 32, r, s, 1)]
    out = [(name, ECRECOVER, msg + be(r) + be(s) + bytes([recid]), _recover(msg, r, s, recid))
           for name, msg, r, s, recid in cases]
    # The EVM's v is 27 or 28: recovery ids 2 and 3 (R.x = r + n) are refused by definition.
    out += [(f"ecrecover recid {v}", ECRECOVER, cases[0][1] + be(cases[0][2]) + be(cases[0][3]) + bytes([v]), None)
            for v in (2, 27)]
    return out


def _verified(curve, msg: bytes, r: int, s: int, x: int, y: int) -> bytes:
    """cryptography's (OpenSSL's) verdict, b"\\x01" or b"\\x00"; a key it cannot build fails."""
    try:
        key = ec.EllipticCurvePublicNumbers(x, y, curve).public_key()
        key.verify(encode_dss_signature(r, s), msg, ec.ECDSA(Prehashed(hashes.SHA256())))
    except (ValueError, InvalidSignature):
        return b"\x00"
    return b"\x01"


def _verify_cases(op, curve, params):
    n, p = params.n, params.p
    cases = []
    for i in range(2):
        key = ec.derive_private_key(RNG.randrange(1, n), curve)
        pub = key.public_key().public_numbers()
        msg = RNG.randbytes(32) if i else b"\xff" * 32        # a hash above n too
        r, s = decode_dss_signature(key.sign(msg, ec.ECDSA(Prehashed(hashes.SHA256()))))
        x, y = pub.x, pub.y
        cases += [(f"valid {i}", msg, r, s, x, y), (f"high s {i}", msg, r, n - s, x, y),
                  (f"other message {i}", bytes(32) if i else b"\x01" * 32, r, s, x, y)]
    msg, r, s, x, y = cases[0][1:]
    cases += [("r = 0", msg, 0, s, x, y), ("s = 0", msg, r, 0, x, y), ("r = n", msg, n, s, x, y),
              ("s = n", msg, r, n, x, y), ("key off the curve", msg, r, s, x, (y + 1) % p),
              ("key at infinity", msg, r, s, 0, 0), ("key x = p", msg, r, s, p, y)]
    tag = params.name
    return [(f"{tag} verify {name}", op, msg + be(r) + be(s) + be(x) + be(y), _verified(curve, msg, r, s, x, y))
            for name, msg, r, s, x, y in cases]


def _bn(pt) -> bytes:
    return bytes(64) if pt is None else be(int(pt[0])) + be(int(pt[1]))


def _bn_cases():
    n, p = BN254_G1.n, BN254_G1.p
    P, Q = bn128.multiply(bn128.G1, RNG.randrange(1, n)), bn128.multiply(bn128.G1, RNG.randrange(1, n))
    minus_P = bn128.neg(P)
    inf, off_curve, x_is_p = bytes(64), be(1) + be(3), be(p) + be(2)
    cases = [("bn254 add", BN_ADD, _bn(P) + _bn(Q), _bn(bn128.add(P, Q))),
             ("bn254 add of a point to itself", BN_ADD, _bn(P) * 2, _bn(bn128.double(P))),
             ("bn254 add of a point and its negation", BN_ADD, _bn(P) + _bn(minus_P), inf),
             ("bn254 add of infinity", BN_ADD, inf + _bn(Q), _bn(Q)),
             ("bn254 add to infinity", BN_ADD, _bn(P) + inf, _bn(P)),
             ("bn254 add of infinity to itself", BN_ADD, inf * 2, inf),
             ("bn254 add of a point off the curve", BN_ADD, _bn(P) + off_curve, None),
             ("bn254 add of a coordinate equal to p", BN_ADD, x_is_p + _bn(Q), None),
             ("bn254 add of p, p (infinity not reduced)", BN_ADD, be(p) * 2 + _bn(Q), None)]
    for name, k in (("random", RNG.randrange(1 << 256)), ("0", 0), ("1", 1), ("n", n), ("n + 1", n + 1),
                    ("2^256 - 1", (1 << 256) - 1)):
        cases.append((f"bn254 mul by {name}", BN_MUL, _bn(P) + be(k), _bn(bn128.multiply(P, k) if k else None)))
    cases += [("bn254 mul of infinity", BN_MUL, inf + be(12345), inf),
              ("bn254 mul of a point off the curve", BN_MUL, off_curve + be(2), None),
              ("bn254 mul of a coordinate equal to p", BN_MUL, x_is_p + be(2), None)]
    return cases


def _bls(pt) -> bytes:
    return bytes(96) if pt is None else be(int(pt[0]), 48) + be(int(pt[1]), 48)


@functools.cache
def _bls_point_outside_g1():
    """A point of y^2 = x^3 + 4 whose order is not r (BLS12-381 G1 has cofactor > 1)."""
    p = BLS12_381_G1.p
    for x in range(1, 100):
        y = pow(x ** 3 + 4, (p + 1) // 4, p)
        point = (bls12_381.FQ(x), bls12_381.FQ(y))
        if y * y % p == (x ** 3 + 4) % p and bls12_381.multiply(point, BLS12_381_G1.n) is not None:
            return point
    raise AssertionError("no point found")


def _bls_cases():
    n, p = BLS12_381_G1.n, BLS12_381_G1.p
    P, Q = bls12_381.multiply(bls12_381.G1, RNG.randrange(1, n)), bls12_381.multiply(bls12_381.G1, RNG.randrange(1, n))
    outside, inf = _bls_point_outside_g1(), bytes(96)
    off_curve, x_is_p = be(1, 48) + be(3, 48), be(p, 48) + _bls(P)[48:]
    k1, k2 = RNG.randrange(1 << 256), (1 << 256) - 1
    cases = [("bls12_381 g1 add", BLS_ADD, _bls(P) + _bls(Q), _bls(bls12_381.add(P, Q))),
             ("bls12_381 g1 add of a point to itself", BLS_ADD, _bls(P) * 2, _bls(bls12_381.double(P))),
             ("bls12_381 g1 add of a point and its negation", BLS_ADD, _bls(P) + _bls(bls12_381.neg(P)), inf),
             ("bls12_381 g1 add of infinity", BLS_ADD, inf + _bls(Q), _bls(Q)),
             ("bls12_381 g1 add to infinity", BLS_ADD, _bls(P) + inf, _bls(P)),
             ("bls12_381 g1 add of a point outside the subgroup", BLS_ADD, _bls(outside) + _bls(Q),
              _bls(bls12_381.add(outside, Q))),
             ("bls12_381 g1 add of a point off the curve", BLS_ADD, _bls(P) + off_curve, None),
             ("bls12_381 g1 add of a coordinate equal to p", BLS_ADD, x_is_p + _bls(Q), None),
             ("bls12_381 g1 msm of one pair", BLS_MSM, _bls(P) + be(k1), _bls(bls12_381.multiply(P, k1))),
             ("bls12_381 g1 msm of three pairs", BLS_MSM, _bls(P) + be(k1) + _bls(Q) + be(k2) + inf + be(k1),
              _bls(bls12_381.add(bls12_381.multiply(P, k1), bls12_381.multiply(Q, k2)))),
             ("bls12_381 g1 msm by 0 and by r", BLS_MSM, _bls(P) + be(0) + _bls(Q) + be(n), inf),
             ("bls12_381 g1 msm of no pairs", BLS_MSM, b"", None),
             ("bls12_381 g1 msm of a point outside the subgroup", BLS_MSM, _bls(P) + be(1) + _bls(outside) + be(1),
              None),
             ("bls12_381 g1 msm of a point off the curve", BLS_MSM, off_curve + be(1), None)]
    return cases


def _g2(Q) -> bytes:
    """EIP-197's encoding: x1 || x0 || y1 || y0 for x = x0 + x1 u, y likewise."""
    if Q is None:
        return bytes(128)
    (x, y), (x0, x1), (y0, y1) = Q, Q[0].coeffs, Q[1].coeffs
    return be(int(x1)) + be(int(x0)) + be(int(y1)) + be(int(y0))


def _fp2_sqrt(a, p: int, fq2):
    """A square root in Fp2 for p = 3 mod 4 (None when a is not a square)."""
    a1 = a ** ((p - 3) // 4)
    alpha, x0 = a1 * a1 * a, a1 * a
    x = fq2([0, 1]) * x0 if alpha == fq2([-1, 0]) else (fq2([1, 0]) + alpha) ** ((p - 1) // 2) * x0
    return x if x * x == a else None


@functools.cache
def _twist_point_outside_g2(lib=bn128, fq2=FQ2, curve=BN254_G1):
    """A point of the curve's twist (BN254: y^2 = x^3 + 3/(9+u), BLS12-381: y^2 = x^3 + 4(1+u))
    whose order is not r."""
    for k in range(1, 100):
        x = fq2([k, 1])
        y = _fp2_sqrt(x ** 3 + lib.b2, curve.p, fq2)
        if y is not None and lib.multiply((x, y), curve.n) is not None:
            return x, y
    raise AssertionError("no point found")


def _pairing_cases():
    a, b = RNG.randrange(1, BN254_G1.n), RNG.randrange(1, BN254_G1.n)
    P, Q = bn128.multiply(bn128.G1, a), bn128.multiply(bn128.G2, b)
    minus_abP = bn128.neg(bn128.multiply(bn128.G1, a * b))
    x, y = bn128.G2
    off_twist = (x, y + FQ2([1, 0]))
    # The verdicts follow from bilinearity (e(aP, bQ) = e(abP, Q)) and non-degeneracy (e(P, Q) != 1
    # for P, Q not infinity); py_ecc's own pairing agrees but takes 17 s for the two.
    check_true, check_false = True, False
    cases = [("e(aP, bQ) e(-abP, Q) = 1", _bn(P) + _g2(Q) + _bn(minus_abP) + _g2(bn128.G2), bytes([check_true])),
             ("e(aP, bQ) != 1", _bn(P) + _g2(Q), bytes([check_false])),
             ("of no pairs", b"", b"\x01"),
             ("of infinity in G1", bytes(64) + _g2(Q), b"\x01"),
             ("of infinity in G2", _bn(P) + bytes(128), b"\x01"),
             ("of a G2 point outside the group of order r", _bn(P) + _g2(_twist_point_outside_g2()), None),
             ("of a G2 point off the twist", _bn(P) + _g2(off_twist), None),
             ("of a G2 coordinate equal to p", _bn(P) + be(BN254_G1.p) + _g2(Q)[32:], None),
             ("of a G1 point off the curve", be(1) + be(3) + _g2(Q), None)]
    return [(f"bn254 pairing {name}", BN_PAIRING, payload, expected) for name, payload, expected in cases]


def _bls_g2(Q) -> bytes:
    """EIP-2537's order (x0 || x1 || y0 || y1), 48-byte coordinates as the standard's."""
    return bytes(192) if Q is None else b"".join(be(int(c), 48) for c in Q[0].coeffs + Q[1].coeffs)


def _bls_g2_cases(msm: bool):
    n, p = BLS12_381_G1.n, BLS12_381_G1.p
    Q, R = bls12_381.multiply(bls12_381.G2, RNG.randrange(1, n)), bls12_381.multiply(bls12_381.G2, RNG.randrange(1, n))
    outside = _twist_point_outside_g2(bls12_381, bls12_381_FQ2, BLS12_381_G1)
    x, y = bls12_381.G2
    off_twist, coord_p, inf = _bls_g2((x, y + bls12_381_FQ2([1, 0]))), be(p, 48) + _bls_g2(Q)[48:], bytes(192)
    k = RNG.randrange((1 << 256) - n)
    cases = [("bls12_381 g2 add", BLS_G2_ADD, _bls_g2(Q) + _bls_g2(R), _bls_g2(bls12_381.add(Q, R))),
            ("bls12_381 g2 add of a point to itself", BLS_G2_ADD, _bls_g2(Q) * 2, _bls_g2(bls12_381.double(Q))),
            ("bls12_381 g2 add of a point and its negation", BLS_G2_ADD, _bls_g2(Q) + _bls_g2(bls12_381.neg(Q)), inf),
            ("bls12_381 g2 add of infinity", BLS_G2_ADD, inf + _bls_g2(R), _bls_g2(R)),
            ("bls12_381 g2 add to infinity", BLS_G2_ADD, _bls_g2(Q) + inf, _bls_g2(Q)),
            ("bls12_381 g2 add of a point outside the subgroup", BLS_G2_ADD, _bls_g2(outside) + _bls_g2(R),
             _bls_g2(bls12_381.add(outside, R))),
            ("bls12_381 g2 add of a point off the twist", BLS_G2_ADD, _bls_g2(Q) + off_twist, None),
            ("bls12_381 g2 add of a coordinate equal to p", BLS_G2_ADD, coord_p + _bls_g2(R), None),
            ("bls12_381 g2 msm of three pairs (scalars above r and 0, infinity)", BLS_G2_MSM,
             _bls_g2(Q) + be(n + k) + _bls_g2(R) + be(0) + inf + be(k), _bls_g2(bls12_381.multiply(Q, k))),
            ("bls12_381 g2 msm of no pairs", BLS_G2_MSM, b"", None),
            ("bls12_381 g2 msm of a point outside the subgroup", BLS_G2_MSM, _bls_g2(outside) + be(1), None)]
    return [c for c in cases if (c[1] == BLS_G2_MSM) == msm]


def _bls_pairing_cases():
    n = BLS12_381_G1.n
    a, b = RNG.randrange(1, n), RNG.randrange(1, n)
    P, Q = bls12_381.multiply(bls12_381.G1, a), bls12_381.multiply(bls12_381.G2, b)
    minus_abP = bls12_381.neg(bls12_381.multiply(bls12_381.G1, a * b))
    cases = [("e(aP, bQ) e(-abP, Q) = 1", _bls(P) + _bls_g2(Q) + _bls(minus_abP) + _bls_g2(bls12_381.G2), b"\x01"),
             ("e(aP, bQ) != 1", _bls(P) + _bls_g2(Q), b"\x00"),
             ("of infinity in G1 and in G2", bytes(96) + _bls_g2(Q) + _bls(P) + bytes(192), b"\x01"),
             ("of no pairs", b"", None),
             ("of a G1 point outside the subgroup", _bls(_bls_point_outside_g1()) + _bls_g2(Q), None),
             ("of a G2 point outside the subgroup",
              _bls(P) + _bls_g2(_twist_point_outside_g2(bls12_381, bls12_381_FQ2, BLS12_381_G1)), None)]
    return [(f"bls12_381 pairing {name}", BLS_PAIRING, payload, expected) for name, payload, expected in cases]


# EIP-4844's point evaluation vectors (go-ethereum's pointEvaluation.json and the execution spec
# tests): one commitment opened at two points.
KZG_COMMITMENT = bytes.fromhex("8f59a8d2a1a625a17f3fea0fe5eb8c896db3764f3185481bc22f91b4aaffcca2"
                               "5f26936857bc3a7c2539ea8ec3a952b7")
KZG_OPENINGS = [
    ("564c0a11a0f704f4fc3e8acfe0f8245f0ad1347b378fbf96e206da11a5d36306",
     "24d25032e67a7e6a4910df5834b8fe70e6bcfeeac0352434196bdf4b2485d5a1",
     "873033e038326e87ed3e1276fd140253fa08e9fc25fb2d9a98527fc22a2c9612fbeafdad446cbc7bcdbdcd780af2c16a"),
    ("73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000000",
     "1522a4a7f34e1ea350ae07c29c96c7e79655aa926122e95fe69fcbd932ca49e9",
     "a62ad71d14c5719385c0686f1871430475bf3a00f0aa3f7b8dd99a9abc2160744faf0070725e00b60ad9a026a15b1a8c")]
G1_INFINITY = b"\xc0" + bytes(47)


def _kzg_cases():
    n = BLS12_381_G1.n
    (z, y, proof), (z2, y2, proof2) = [tuple(bytes.fromhex(h) for h in o) for o in KZG_OPENINGS]
    c = RNG.randrange(1, n - 1)     # the constant polynomial c: commitment c G1, every opening y = c, proof infinity
    constant = compress_G1(fast_bls.multiply(fast_bls.G1, c)).to_bytes(48, "big")
    no_root = next(x for x in range(1, 100) if pow(x ** 3 + 4, (BLS12_381_G1.p - 1) // 2, BLS12_381_G1.p) != 1)
    ox, oy = _bls_point_outside_g1()
    outside = compress_G1((fast_bls.FQ(int(ox)), fast_bls.FQ(int(oy)), fast_bls.FQ.one())).to_bytes(48, "big")
    cases = [("the EIP's first opening", KZG_COMMITMENT + z + y + proof, b"\x01"),
             ("the EIP's second opening (z = r - 1)", KZG_COMMITMENT + z2 + y2 + proof2, b"\x01"),
             ("of a constant polynomial", constant + be(RNG.randrange(n)) + be(c) + G1_INFINITY, b"\x01"),
             ("of a constant polynomial to a wrong value", constant + be(RNG.randrange(n)) + be(c + 1) + G1_INFINITY,
              b"\x00"),
             ("of z = r", KZG_COMMITMENT + be(n) + y + proof, None),
             ("of y = r", KZG_COMMITMENT + z + be(n) + proof, None),
             ("of a commitment without its compression bit", bytes([KZG_COMMITMENT[0] & 0x7F]) + KZG_COMMITMENT[1:]
              + z + y + proof, None),
             ("of an infinity with another bit set", b"\xc0" + bytes(46) + b"\x01" + z + y + proof, None),
             ("of an x that is no point's", bytes([0x80]) + be(no_root, 47) + z + y + proof, None),
             ("of a point outside the subgroup", outside + z + y + proof, None),
             ("of a proof of all ones bytes", KZG_COMMITMENT + z + y + b"\xff" * 48, None)]
    return [(f"kzg point evaluation {name}", KZG, payload, expected) for name, payload, expected in cases]


def _map_cases():
    p = BLS12_381_G1.p

    def mapped(u: int) -> bytes:
        x, y, z = clear_cofactor_G1(map_to_curve_G1(fast_bls.FQ(u)))
        return bytes(96) if z == fast_bls.FQ.zero() else _bls((x / z, y / z))
    cases = [(f"bls12_381 map of {name}", MAP_G1, be(u, 48), mapped(u))
             for name, u in (("0", 0), ("1", 1), ("a random element", RNG.randrange(p)), ("p - 1", p - 1))]
    return cases + [("bls12_381 map of p", MAP_G1, be(p, 48), None),
                    ("bls12_381 map of 2^384 - 1", MAP_G1, b"\xff" * 48, None)]


def _map_g2_cases():
    p = BLS12_381_G1.p

    def mapped(c0: int, c1: int) -> bytes:
        x, y, z = clear_cofactor_G2(map_to_curve_G2(fast_bls.FQ2([c0, c1])))
        return bytes(192) if z == fast_bls.FQ2.zero() else _bls_g2((x / z, y / z))
    cases = [(f"bls12_381 map2 of {name}", MAP_G2, be(c0, 48) + be(c1, 48), mapped(c0, c1))
             for name, c0, c1 in (("0", 0, 0), ("a random element", RNG.randrange(p), RNG.randrange(p)))]
    return cases + [("bls12_381 map2 of c0 = p", MAP_G2, be(p, 48) + be(1, 48), None),
                    ("bls12_381 map2 of c1 = p", MAP_G2, be(1, 48) + be(p, 48), None)]


def _hash_cases():
    cases = []
    for length in (0, 1, 3, 55, 56, 63, 64, 65, 119, 120, 128, 1000):
        data = RNG.randbytes(length)
        cases.append((f"ripemd160 of {length} bytes", RIPEMD, data, bytes(12) + RIPEMD160.new(data).digest()))
    for length in (0, 1, 127, 128, 129, 300):
        data = RNG.randbytes(length)
        cases.append((f"blake2b of {length} bytes", BLAKE2B, data, hashlib.blake2b(data).digest()))
    for length in (0, 135, 136, 300):
        data = RNG.randbytes(length)
        cases.append((f"keccak256 of {length} bytes", KECCAK, data, keccak.new(data=data, digest_bits=256).digest()))
        cases.append((f"sha256 of {length} bytes", SHA256, data, hashlib.sha256(data).digest()))
    for name, base, exp, mod in (("random", RNG.randrange(1 << 256), RNG.randrange(1 << 256), RNG.randrange(1 << 256)),
                                 ("a zero modulus", 5, 7, 0), ("0^0", 0, 0, 1 << 255)):
        cases.append((f"modexp of {name}", MODEXP, be(base) + be(exp) + be(mod), be(pow(base, exp, mod) if mod else 0)))
    # EIP-152's test vectors 4, 5 and 6 (0, 12 rounds; final and not), and an f of 2 (vector 3)
    head = bytes.fromhex("48c9bdf267e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5d182e6ad7f520e511f6c3e"
                         "2b8c68059b6bbd41fbabd9831f79217e1319cde05b616263") + bytes(125) + bytes([3]) + bytes(15)
    cases += [
        ("blake2f EIP-152 vector 4", BLAKE2F, be(0, 4) + head + b"\x01", bytes.fromhex(
            "08c9bcf367e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5"
            "d282e6ad7f520e511f6c3e2b8c68059b9442be0454267ce079217e1319cde05b")),
        ("blake2f EIP-152 vector 5", BLAKE2F, be(12, 4) + head + b"\x01", bytes.fromhex(
            "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
            "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923")),
        ("blake2f EIP-152 vector 6", BLAKE2F, be(12, 4) + head + b"\x00", bytes.fromhex(
            "75ab69d3190a562c51aef8d88f1c2775876944407270c42c9844252c26d28752"
            "98743e7f6d5ea2f2d3e8d226039cd31b4e426ac4f2d3d666a610c2116fde4735")),
        ("blake2f final flag 2", BLAKE2F, be(12, 4) + head + b"\x02", None),
    ]
    return cases


@functools.cache
def vectors(group: str) -> tuple:
    """The cases of a group, built once, the same whichever group is built first: "pairing"
    (the slow ones: pairings, KZG, the G2 map and MSM; one run per engine, on one width each)
    or "other"."""
    RNG.seed(group)
    if group == "pairing":
        return tuple(_pairing_cases() + _bls_pairing_cases() + _kzg_cases() + _map_g2_cases()
                     + _bls_g2_cases(msm=True))
    return tuple(_ecrecover_cases() + _verify_cases(K1_VERIFY, ec.SECP256K1(), SECP256K1)
                 + _verify_cases(R1_VERIFY, ec.SECP256R1(), SECP256R1) + _bn_cases() + _bls_cases() + _bls_g2_cases(msm=False) + _map_cases() + _hash_cases())


def expected_record(op: int, expected) -> bytes:
    return b"\xff" + bytes(OUT_SIZE[op]) if expected is None else b"\x00" + expected


@functools.cache
def results(group: str, arch: str, engine: str, cache_dir) -> dict[str, bytes]:
    """Every case's output record (status byte and result) from one run of the guest."""
    cases = vectors(group)
    data = b"".join(bytes([op]) + struct.pack("<I", len(payload)) + payload for _, op, payload, _ in cases)
    run = zkaot.execute(GUEST / f"guest.{arch}.elf", data, engine=engine, cache_dir=cache_dir)
    assert run.exit_code == 0, run
    out, pos, records = run.output, 0, {}
    for name, op, _, _ in cases:
        records[name] = out[pos:pos + 1 + OUT_SIZE[op]]
        pos += 1 + OUT_SIZE[op]
    assert pos == len(out)
    return records


MACHINES = [(arch, engine) for arch in ARCHS for engine in ENGINES]
PAIRING_MACHINES = [("rv64im", "interp"), ("rv32im", "jit")]     # each engine and each width once


def check(arch, engine, cache_dir, prefix: str, group: str = "other") -> None:
    got = results(group, arch, engine, cache_dir)
    cases = [c for c in vectors(group) if c[0].startswith(prefix)]
    assert cases
    for name, op, _, expected in cases:
        assert got[name] == expected_record(op, expected), name


@pytest.mark.parametrize("arch, engine", MACHINES)
def test_ecrecover_agrees_with_coincurve_on_valid_and_invalid_signatures(arch, engine, jit_cache):
    check(arch, engine, jit_cache, "ecrecover")


@pytest.mark.parametrize("arch, engine", MACHINES)
def test_secp256k1_verify_agrees_with_openssl(arch, engine, jit_cache):
    check(arch, engine, jit_cache, "secp256k1 verify")


@pytest.mark.parametrize("arch, engine", MACHINES)
def test_secp256r1_verify_agrees_with_openssl(arch, engine, jit_cache):
    check(arch, engine, jit_cache, "secp256r1 verify")


@pytest.mark.parametrize("arch, engine", MACHINES)
def test_bn254_g1_add_and_mul_agree_with_py_ecc_and_refuse_invalid_points(arch, engine, jit_cache):
    check(arch, engine, jit_cache, "bn254 add")
    check(arch, engine, jit_cache, "bn254 mul")


@pytest.mark.parametrize("arch, engine", MACHINES)
def test_bls12_381_g1_add_and_msm_agree_with_py_ecc_and_refuse_invalid_points(arch, engine, jit_cache):
    check(arch, engine, jit_cache, "bls12_381 g1")


@pytest.mark.parametrize("arch, engine", MACHINES)
def test_bls12_381_g2_add_agrees_with_py_ecc_and_refuses_invalid_points(arch, engine, jit_cache):
    check(arch, engine, jit_cache, "bls12_381 g2 add")


@pytest.mark.parametrize("arch, engine", PAIRING_MACHINES)
def test_bls12_381_g2_msm_agrees_with_py_ecc_and_refuses_points_outside_the_subgroup(arch, engine, jit_cache):
    check(arch, engine, jit_cache, "bls12_381 g2 msm", "pairing")


@pytest.mark.parametrize("arch, engine", MACHINES)
def test_bls12_381_map_fp_to_g1_agrees_with_py_ecc_and_refuses_non_canonical_elements(arch, engine, jit_cache):
    check(arch, engine, jit_cache, "bls12_381 map")


@pytest.mark.parametrize("arch, engine", PAIRING_MACHINES)
def test_bls12_381_map_fp2_to_g2_agrees_with_py_ecc_and_refuses_non_canonical_elements(arch, engine, jit_cache):
    check(arch, engine, jit_cache, "bls12_381 map2", "pairing")


@pytest.mark.parametrize("arch, engine", PAIRING_MACHINES)
def test_bls12_381_pairing_check_follows_bilinearity_and_refuses_invalid_points(arch, engine, jit_cache):
    check(arch, engine, jit_cache, "bls12_381 pairing", "pairing")


@pytest.mark.parametrize("arch, engine", PAIRING_MACHINES)
def test_kzg_point_evaluation_accepts_the_eip_openings_and_refuses_bad_ones(arch, engine, jit_cache):
    check(arch, engine, jit_cache, "kzg point evaluation", "pairing")


@pytest.mark.parametrize("arch, engine", PAIRING_MACHINES)
def test_bn254_pairing_check_follows_bilinearity_and_refuses_invalid_g1_and_g2_points(arch, engine, jit_cache):
    check(arch, engine, jit_cache, "bn254 pairing", "pairing")


@pytest.mark.parametrize("arch, engine", MACHINES)
def test_ripemd160_agrees_with_pycryptodome_across_padding_boundaries(arch, engine, jit_cache):
    check(arch, engine, jit_cache, "ripemd160")


@pytest.mark.parametrize("arch, engine", MACHINES)
def test_blake2f_gives_the_eip152_vectors_and_refuses_a_final_flag_of_2(arch, engine, jit_cache):
    check(arch, engine, jit_cache, "blake2f")


@pytest.mark.parametrize("arch, engine", MACHINES)
def test_blake2b_built_on_blake2f_agrees_with_hashlib(arch, engine, jit_cache):
    check(arch, engine, jit_cache, "blake2b")


@pytest.mark.parametrize("arch, engine", MACHINES)
def test_keccak256_sha256_and_modexp_agree_with_pycryptodome_hashlib_and_pow(arch, engine, jit_cache):
    for prefix in ("keccak256", "sha256", "modexp"):
        check(arch, engine, jit_cache, prefix)


def test_the_vectors_include_failures_and_successes_of_every_function():
    cases = vectors("other") + vectors("pairing")
    for op in OUT_SIZE:
        outcomes = {expected is None or expected == b"\x00" for _, o, _, expected in cases if o == op}
        assert outcomes == ({False} if op in (RIPEMD, BLAKE2B, KECCAK, SHA256, MODEXP) else {True, False}), op
    for op in (BN_PAIRING, BLS_PAIRING, KZG):
        assert {expected for _, o, _, expected in cases if o == op} == {b"\x00", b"\x01", None}


@pytest.mark.parametrize("arch", ARCHS)
def test_the_committed_guest_is_the_build_of_its_source(arch, tmp_path):
    out = tmp_path / "guest.elf"
    build([GUEST / "main.c"], out, arch=arch)
    assert out.read_bytes() == (GUEST / f"guest.{arch}.elf").read_bytes(), \
        f"rebuild with: zkaot build tests/guests/accel/main.c --arch {arch} -o tests/guests/accel/guest.{arch}.elf"


def test_prove_refuses_a_run_that_used_a_curve_precompile_naming_it(tmp_path):
    one_add = bytes([BN_ADD]) + struct.pack("<I", 128) + bytes(128)
    with pytest.raises(zkaot.CannotProve, match=r": the zkaot call bn254_g1_add \(ecall a7 = 0x826\) has no proof table "
                                                r"yet; runs that use it cannot be proven$"):
        zkaot.prove(GUEST / "guest.rv64im.elf", one_add, engine="interp", cache_dir=tmp_path)


def test_the_translators_full_trace_records_the_curve_precompiles_as_the_interpreter_does(jit_cache):
    wanted = ("bn254 add", "bn254 mul by random", "bls12_381 g1 add", "bls12_381 g1 msm of one pair")
    data = b"".join(bytes([op]) + struct.pack("<I", len(payload)) + payload
                    for name, op, payload, _ in vectors("other") if name in wanted)
    program = load_elf(GUEST / "guest.rv64im.elf")
    run = NativeMachine(program, data, mode="minimal", chunk_log2=12, cache_dir=jit_cache).run()
    parts = [expand_chunk(c) for c in chunks_of(program, run.trace, run.result.steps, MemoryMap(), cache_dir=jit_cache)]
    result, want_main, want_precompiles = reference_trace(program, data)
    precompiles = np.concatenate([p for _, p in parts])
    assert len(want_precompiles) > 1000 and result.exit_code == 0
    assert np.array_equal(np.concatenate([rows for rows, _ in parts]), want_main)
    assert np.array_equal(precompiles, want_precompiles)


ZIG_GUEST = Path(__file__).resolve().parent / "guests" / "accel_zig"


def _blake2b_iv() -> list[int]:
    """BLAKE2b's IV, SHA-512's: the fractional parts of the square roots of the first 8 primes."""
    return [math.isqrt(p << 128) & ((1 << 64) - 1) for p in (2, 3, 5, 7, 11, 13, 17, 19)]


@pytest.mark.parametrize("engine", ENGINES)
def test_the_zig_module_wraps_every_accelerator_function(engine, jit_cache):
    key = coincurve.PrivateKey(bytes(range(1, 33)))
    msg, tail = bytes(range(32)), b"zig calls the SDK"
    sig = key.sign_recoverable(msg, hasher=None)
    P, Q = bn128.multiply(bn128.G1, 3), bn128.multiply(bn128.G1, 4)
    run = zkaot.execute(ZIG_GUEST / "guest.rv64im.elf", msg + sig + _bn(P) + _bn(Q) + tail,
                        engine=engine, cache_dir=jit_cache)
    iv = _blake2b_iv()
    iv[6] ^= (1 << 64) - 1                                  # f = 1 inverts v14
    assert run.exit_code == 0, run
    assert run.output == (key.public_key.format(compressed=False)[1:] + b"\x01\x00" + _bn(bn128.add(P, Q))
                          + _bn(bn128.double(P)) + b"\x01" + bytes(96) + b"\x01"
                          + b"".join(w.to_bytes(8, "little") for w in iv) + bytes(192) + b"\x01\x01\x01\x01\x01"
                          + RIPEMD160.new(tail).digest())


def test_the_committed_zig_guest_is_the_build_of_its_source(tmp_path):
    out = tmp_path / "guest.elf"
    build([ZIG_GUEST / "main.zig"], out, arch="rv64im")
    assert out.read_bytes() == (ZIG_GUEST / "guest.rv64im.elf").read_bytes(), \
        "rebuild with: zkaot build tests/guests/accel_zig/main.zig -o tests/guests/accel_zig/guest.rv64im.elf"


def test_the_software_emulation_of_the_precompiles_gives_the_same_answers(tmp_path, jit_cache):
    """The benchmark's baseline (-DZKAOT_SOFT_ACCEL) computes what the precompiles do."""
    wanted = ("ecrecover valid 0", "secp256r1 verify valid 0", "secp256r1 verify r = n", "bn254 add",
              "bn254 add of a point to itself", "bn254 add of a point and its negation", "bn254 mul by n + 1")
    cases = [c for c in vectors("other") if c[0] in wanted]
    assert len(cases) == len(wanted)
    soft = tmp_path / "soft.elf"
    build([GUEST / "main.c"], soft, arch="rv64im", defines={"ZKAOT_SOFT_ACCEL": None})
    data = b"".join(bytes([op]) + struct.pack("<I", len(payload)) + payload for _, op, payload, _ in cases)
    run = zkaot.execute(soft, data, engine="jit", cache_dir=jit_cache)
    assert run.exit_code == 0, run
    assert run.output == b"".join(expected_record(op, expected) for _, op, _, expected in cases)
