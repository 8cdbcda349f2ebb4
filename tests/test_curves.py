"""The host math of the big-integer, curve and Fp2 precompiles (runtime/bigint.py,
runtime/curves.py) against independent implementations: py_ecc (BN254, BLS12-381),
coincurve (secp256k1), cryptography (P-256) and Python's own integers."""
import random

import coincurve
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from py_ecc import bls12_381, bn128
from py_ecc.fields import bls12_381_FQ2, bn128_FQ2

from runtime.bigint import addmod_bytes, from_le, mulmod_bytes, to_le
from runtime.curves import (BLS12_381_FP2, BLS12_381_G1, BN254_FP2, BN254_G1, SECP256K1, SECP256R1)

RNG = random.Random(16)


def scalar(curve) -> int:
    return RNG.randrange(1, curve.n)


def test_mulmod_matches_python_integers_for_reduced_and_unreduced_operands():
    for _ in range(50):
        x, y, m = (RNG.randrange(1 << 256) for _ in range(3))
        assert from_le(mulmod_bytes(to_le(x), to_le(y), to_le(m))) == x * y % m


def test_addmod_matches_python_integers_for_reduced_and_unreduced_operands():
    for _ in range(50):
        x, y, m = (RNG.randrange(1 << 256) for _ in range(3))
        assert from_le(addmod_bytes(to_le(x), to_le(y), to_le(m))) == (x + y) % m


def test_a_zero_modulus_means_two_to_the_256():
    x, y = (1 << 256) - 1, (1 << 256) - 3
    assert from_le(mulmod_bytes(to_le(x), to_le(y), bytes(32))) == x * y % (1 << 256)
    assert from_le(addmod_bytes(to_le(x), to_le(y), bytes(32))) == (x + y) % (1 << 256)


def coincurve_point(k: int) -> tuple[int, int]:
    data = coincurve.PrivateKey(k.to_bytes(32, "big")).public_key.format(compressed=False)
    return int.from_bytes(data[1:33], "big"), int.from_bytes(data[33:], "big")


def p256_point(k: int) -> tuple[int, int]:
    numbers = ec.derive_private_key(k, ec.SECP256R1()).public_key().public_numbers()
    return numbers.x, numbers.y


@pytest.mark.parametrize("curve, reference", [(SECP256K1, coincurve_point), (SECP256R1, p256_point)],
                         ids=["secp256k1", "secp256r1"])
def test_add_and_double_of_multiples_of_the_generator_match_the_library(curve, reference):
    G = (curve.gx, curve.gy)
    for _ in range(4):
        a, b = scalar(curve), scalar(curve)
        P, Q = curve.encode(reference(a)), curve.encode(reference(b))
        assert curve.decode(curve.add_bytes(P, Q)) == reference((a + b) % curve.n)
        assert curve.decode(curve.double_bytes(P)) == reference(2 * a % curve.n)
    assert curve.mul(curve.n, G) is None


@pytest.mark.parametrize("curve, lib", [(BN254_G1, bn128), (BLS12_381_G1, bls12_381)], ids=["bn254", "bls12_381"])
def test_pairing_friendly_g1_add_and_double_match_py_ecc(curve, lib):
    for _ in range(3):
        a, b = scalar(curve), scalar(curve)
        P, Q = lib.multiply(lib.G1, a), lib.multiply(lib.G1, b)
        encode = lambda pt: curve.encode((int(pt[0]), int(pt[1])))       # noqa: E731
        assert curve.add_bytes(encode(P), encode(Q)) == encode(lib.add(P, Q))
        assert curve.double_bytes(encode(P)) == encode(lib.double(P))


@pytest.mark.parametrize("curve", [SECP256K1, SECP256R1, BN254_G1, BLS12_381_G1], ids=lambda c: c.name)
def test_infinity_is_all_zero_bytes_and_the_identity_of_add(curve):
    P = curve.encode(curve.mul(scalar(curve), (curve.gx, curve.gy)))
    zero = bytes(2 * curve.size)
    assert curve.add_bytes(P, zero) == P and curve.add_bytes(zero, P) == P
    assert curve.double_bytes(zero) == zero


@pytest.mark.parametrize("curve", [SECP256K1, SECP256R1, BN254_G1, BLS12_381_G1], ids=lambda c: c.name)
def test_adding_a_point_to_itself_doubles_and_to_its_negation_gives_infinity(curve):
    x, y = curve.mul(scalar(curve), (curve.gx, curve.gy))
    P, minus_P = curve.encode((x, y)), curve.encode((x, curve.p - y))
    assert curve.add_bytes(P, P) == curve.double_bytes(P)
    assert curve.add_bytes(P, minus_P) == bytes(2 * curve.size)


@pytest.mark.parametrize("curve", [BN254_G1, BLS12_381_G1], ids=lambda c: c.name)
def test_non_canonical_coordinates_act_as_their_residue_mod_p(curve):
    x, y = curve.mul(scalar(curve), (curve.gx, curve.gy))
    Q = curve.encode(curve.mul(scalar(curve), (curve.gx, curve.gy)))
    big = (x + curve.p).to_bytes(curve.size, "little") + y.to_bytes(curve.size, "little")
    assert curve.add_bytes(big, Q) == curve.add_bytes(curve.encode((x, y)), Q)


@pytest.mark.parametrize("curve", [SECP256K1, SECP256R1, BN254_G1, BLS12_381_G1], ids=lambda c: c.name)
def test_p_as_both_coordinates_is_the_point_at_infinity(curve):
    P = curve.encode(curve.mul(scalar(curve), (curve.gx, curve.gy)))
    p_p = 2 * curve.p.to_bytes(curve.size, "little")
    assert curve.add_bytes(p_p, P) == P


@pytest.mark.parametrize("fp2, FQ2", [(BN254_FP2, bn128_FQ2), (BLS12_381_FP2, bls12_381_FQ2)],
                         ids=["bn254", "bls12_381"])
def test_fp2_mul_and_add_match_py_ecc(fp2, FQ2):
    for _ in range(10):
        x, y = [(RNG.randrange(fp2.p), RNG.randrange(fp2.p)) for _ in range(2)]
        assert fp2.mul_bytes(fp2.encode(x), fp2.encode(y)) == fp2.encode(tuple(int(c) for c in (FQ2(x) * FQ2(y)).coeffs))
        assert fp2.add_bytes(fp2.encode(x), fp2.encode(y)) == fp2.encode(tuple(int(c) for c in (FQ2(x) + FQ2(y)).coeffs))
