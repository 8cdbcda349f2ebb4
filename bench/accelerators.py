"""Benchmark: guest steps per call of each zkvm_accelerators.h function, with the curve and
big-integer precompiles (the committed tests/guests/accel ELF) and without them (the same
source built with -DZKAOT_SOFT_ACCEL, which emulates each precompile in guest software).

A call's steps are the steps of a run with one record of the function minus those of a
run with no record (start-up, input parsing and output are the same in both).  The
precompile column counts the precompile ecalls of that call (the interpreter's
on_precompile hook).  Results go to bench/results/accelerators.{json,md}.

    python bench/accelerators.py
"""
import hashlib
import json
import platform
import struct
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

import coincurve  # noqa: E402
from py_ecc import bls12_381, bn128  # noqa: E402

import zkaot  # noqa: E402
from runtime.calls import ZKAOT  # noqa: E402
from runtime.files import write_atomic  # noqa: E402
from translator.elf import load_elf  # noqa: E402
from translator.interpreter import Interpreter  # noqa: E402
from zkaot.build import build  # noqa: E402

GUEST = ROOT / "tests" / "guests" / "accel"
RESULTS = Path(__file__).resolve().parent / "results"
ECRECOVER, K1_VERIFY, R1_VERIFY, BN_ADD, BN_MUL, RIPEMD, BLAKE2F, BLAKE2B, BN_PAIRING, BLS_ADD, BLS_MSM, BLS_G2_ADD, BLS_G2_MSM, BLS_PAIRING, KZG, MAP_G1, MAP_G2 = range(1, 18)
NO_SOFTWARE = {BLS_ADD, BLS_MSM, BLS_G2_ADD, BLS_G2_MSM, BLS_PAIRING, KZG, MAP_G1, MAP_G2}      # the -DZKAOT_SOFT_ACCEL build has no BLS12-381
# EIP-4844's point evaluation vector (go-ethereum's pointEvaluation.json): commitment, z, y, proof
KZG_EIP_OPENING = ("8f59a8d2a1a625a17f3fea0fe5eb8c896db3764f3185481bc22f91b4aaffcca25f26936857bc3a7c2539ea8ec3a952b7"
                   "564c0a11a0f704f4fc3e8acfe0f8245f0ad1347b378fbf96e206da11a5d36306"
                   "24d25032e67a7e6a4910df5834b8fe70e6bcfeeac0352434196bdf4b2485d5a1"
                   "873033e038326e87ed3e1276fd140253fa08e9fc25fb2d9a98527fc22a2c9612fbeafdad446cbc7bcdbdcd780af2c16a")
NAMES = {call.selector.number: call.name for call in ZKAOT.calls}


def record(op: int, payload: bytes) -> bytes:
    return bytes([op]) + struct.pack("<I", len(payload)) + payload


def workloads() -> list[tuple[str, bytes]]:
    """One valid call of each function (fixed keys and messages)."""
    key = coincurve.PrivateKey(bytes(range(1, 33)))
    msg = bytes(range(32, 64))
    sig = key.sign_recoverable(msg, hasher=None)
    pub = key.public_key.format(compressed=False)[1:]
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, decode_dss_signature
    r1 = ec.derive_private_key(12345678901234567890, ec.SECP256R1())
    r, s = decode_dss_signature(r1.sign(msg, ec.ECDSA(Prehashed(hashes.SHA256()), deterministic_signing=True)))
    n1 = r1.public_key().public_numbers()
    r1_sig = r.to_bytes(32, "big") + s.to_bytes(32, "big") + n1.x.to_bytes(32, "big") + n1.y.to_bytes(32, "big")
    P = bn128.multiply(bn128.G1, 7)
    Q = bn128.multiply(bn128.G1, 11)
    bn = lambda pt: int(pt[0]).to_bytes(32, "big") + int(pt[1]).to_bytes(32, "big")     # noqa: E731
    bls = lambda pt: int(pt[0]).to_bytes(48, "big") + int(pt[1]).to_bytes(48, "big")   # noqa: E731
    bls2 = lambda pt: b"".join(int(c).to_bytes(48, "big") for c in pt[0].coeffs + pt[1].coeffs)  # noqa: E731
    g2 = lambda pt: b"".join(int(c).to_bytes(32, "big")                                  # noqa: E731
                             for c in (pt[0].coeffs[1], pt[0].coeffs[0], pt[1].coeffs[1], pt[1].coeffs[0]))
    return [
        ("zkvm_secp256k1_ecrecover", record(ECRECOVER, msg + sig)),
        ("zkvm_secp256k1_verify", record(K1_VERIFY, msg + sig[:64] + pub)),
        ("zkvm_secp256r1_verify", record(R1_VERIFY, msg + r1_sig)),
        ("zkvm_bn254_g1_add", record(BN_ADD, bn(P) + bn(Q))),
        ("zkvm_bn254_g1_mul", record(BN_MUL, bn(P) + hashlib.sha256(b"bn254 scalar").digest())),
        ("zkvm_bn254_pairing (2 pairs)", record(BN_PAIRING, bn(P) + g2(bn128.G2) + bn(bn128.neg(P)) + g2(bn128.G2))),
        ("zkvm_bls12_g1_add", record(BLS_ADD, bls(bls12_381.multiply(bls12_381.G1, 7))
                                     + bls(bls12_381.multiply(bls12_381.G1, 11)))),
        ("zkvm_bls12_g1_msm (2 pairs)", record(BLS_MSM, b"".join(
            bls(bls12_381.multiply(bls12_381.G1, k)) + hashlib.sha256(bytes([k])).digest() for k in (7, 11)))),
        ("zkvm_bls12_g2_add", record(BLS_G2_ADD, bls2(bls12_381.multiply(bls12_381.G2, 7))
                                     + bls2(bls12_381.multiply(bls12_381.G2, 11)))),
        ("zkvm_bls12_g2_msm (2 pairs)", record(BLS_G2_MSM, b"".join(
            bls2(bls12_381.multiply(bls12_381.G2, k)) + hashlib.sha256(bytes([k])).digest() for k in (7, 11)))),
        ("zkvm_bls12_pairing (2 pairs)", record(BLS_PAIRING, bls(bls12_381.G1) + bls2(bls12_381.G2)
                                                + bls(bls12_381.neg(bls12_381.G1)) + bls2(bls12_381.G2))),
        ("zkvm_kzg_point_eval", record(KZG, bytes.fromhex(KZG_EIP_OPENING))),
        ("zkvm_bls12_map_fp_to_g1", record(MAP_G1, hashlib.sha384(b"map to G1").digest()[:47].rjust(48, b"\0"))),
        ("zkvm_bls12_map_fp2_to_g2", record(MAP_G2, b"".join(hashlib.sha384(bytes([i])).digest()[:47].rjust(48, b"\0")
                                                             for i in range(2)))),
        ("zkvm_ripemd160 (64 bytes)", record(RIPEMD, bytes(64))),
        ("zkvm_blake2f (12 rounds)", record(BLAKE2F, (12).to_bytes(4, "big") + bytes(208) + b"\x01")),
    ]


def steps(elf: Path, input_bytes: bytes) -> int:
    run = zkaot.execute(elf, input_bytes, engine="jit")
    assert run.succeeded and (not input_bytes or run.output[:1] == b"\x00"), (elf, run.fault)   # ZKVM_EOK
    if input_bytes[:1] in (bytes([BN_PAIRING]), bytes([BLS_PAIRING]), bytes([KZG])):
        assert run.output[1:2] == b"\x01", "the pairing check of e(P, Q) e(-P, Q) failed"
    return run.steps


def precompile_calls(elf: Path, input_bytes: bytes) -> Counter:
    machine = Interpreter(load_elf(elf), input_bytes)
    counts = Counter()
    machine.io.on_precompile = lambda kind, *rest: counts.update([NAMES[kind]])
    assert machine.run().succeeded
    return counts


def markdown(rows: list[dict], meta: dict) -> str:
    lines = [f"# Accelerator benchmark ({meta['date']})", "",
             "Guest steps per call (rv64im, -O2): `with` uses the precompile ecalls 0x820.. "
             "(docs/accelerators.md), `without` emulates each in guest software (-DZKAOT_SOFT_ACCEL: "
             "the same algorithm, field arithmetic on 32-bit limbs, inversion by binary Euclid).", "",
             "| function | steps with precompiles | precompile calls | steps without | ratio |",
             "| --- | ---: | --- | ---: | ---: |"]
    for r in rows:
        calls = ", ".join(f"{n} {name}" for name, n in sorted(r["precompile_calls"].items())) or "none"
        if r["steps_without"] is None:
            without, ratio = "n/a (no software BLS12-381)", "n/a"
        else:
            without = f"{r['steps_without']:,}"
            ratio = f"{r['steps_without'] / r['steps_with']:,.0f}x" if r["precompile_calls"] else "same code"
        lines.append(f"| {r['function']} | {r['steps_with']:,} | {calls} | {without} | {ratio} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    hard = GUEST / "guest.rv64im.elf"
    with tempfile.TemporaryDirectory() as tmp:
        soft = Path(tmp) / "soft.elf"
        build([GUEST / "main.c"], soft, arch="rv64im", defines={"ZKAOT_SOFT_ACCEL": None})
        base_hard, base_soft = steps(hard, b""), steps(soft, b"")
        rows = []
        for name, rec in workloads():
            row = {"function": name, "steps_with": steps(hard, rec) - base_hard,
                   "steps_without": None if rec[0] in NO_SOFTWARE else steps(soft, rec) - base_soft,
                   "precompile_calls": dict(precompile_calls(hard, rec))}
            print(row, flush=True)
            rows.append(row)
    meta = {"date": time.strftime("%Y-%m-%d"), "machine": f"{platform.machine()}", "python": platform.python_version()}
    RESULTS.mkdir(exist_ok=True)
    write_atomic(RESULTS / "accelerators.json", json.dumps({"meta": meta, "rows": rows}, indent=1).encode())
    write_atomic(RESULTS / "accelerators.md", markdown(rows, meta).encode())


if __name__ == "__main__":
    main()
