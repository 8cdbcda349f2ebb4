"""The sp1 and pico profiles on guests written here to their ABI (tests/guests/sp1/), rv32
(SP1 v4/v5) and rv64 (SP1 v6), in both engines, with expected outputs from hashlib."""
import hashlib
from pathlib import Path

import coincurve
import numpy as np
import py_ecc.optimized_bls12_381
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from py_ecc import bn128

from profile_runs import both_engines, expansion_matches_reference
from runtime.host import HostIO, handle_ecall
from runtime.isa import REGISTER_NUMBERS
from runtime.memory import GuestMemory
from runtime.precompiles import sha256_extend, sha256_rounds
from runtime.profiles import PROFILES
from runtime.sp1 import SHA_COMPRESS, SHA_EXTEND
from translator.expand import reference_trace
from translator.interpreter import Interpreter
from zkaot.recognise import NoProfile, load_guest

GUESTS = Path(__file__).parent / "guests" / "sp1"
# what the guests touch: the stack below its top, the image and its heap above it
WINDOWS = {32: [(0x1F_0000, 0x20_0400), (0x20_0800, 0x21_4000)],
           64: [(0x77F0_0000, 0x7800_0000), (0x7800_0000, 0x7802_0000)]}
XLENS = [32, 64]


def elf(vendor: str, xlen: int) -> Path:
    return GUESTS / f"{vendor.replace('-', '_')}{'_64' if xlen == 64 else ''}_guest.elf"


def run_both(vendor: str, frames: list[bytes], cache_dir, xlen: int = 32, profile: str | None = None):
    guest = load_guest(elf(vendor, xlen), profile or vendor)
    return both_engines(guest.program, guest.profile.maps[xlen], guest.profile.calls[xlen], cache_dir, frames,
                        windows=WINDOWS[xlen])


@pytest.mark.parametrize("xlen", XLENS)
@pytest.mark.parametrize("vendor", ["sp1", "pico"])
def test_frames_are_read_in_order_and_written_to_the_public_values(vendor, xlen, jit_cache):
    frames = [b"hello", b"", b"zkVM frames!"]
    result = run_both(vendor, [b"e", *frames], jit_cache, xlen)
    if vendor == "sp1":         # reads until HINT_LEN says u32::MAX
        assert (result.exit_code, result.output, result.console) == (0, b"".join(frames), b"frames: 3\n")
    else:                       # Pico has no end-of-input marker: HINT_LEN past the last frame stops the run
        assert result.fault is not None and result.output == b"".join(frames)
        assert str(result.fault).endswith("pico: HINT_LEN with the input exhausted (give one --input per frame)")


@pytest.mark.parametrize("xlen", XLENS)
@pytest.mark.parametrize("length", [0, 3, 55, 56, 64, 119, 300])
def test_sha_extend_and_compress_give_hashlibs_sha256(length, xlen, jit_cache):
    message = bytes((7 * i + length) & 0xFF for i in range(length))
    result = run_both("sp1", [b"s", message, b"abc"], jit_cache, xlen)
    assert result.exit_code == 0
    assert result.output == hashlib.sha256(message).digest() + hashlib.sha256(b"abc").digest()


def _absorbed(message: bytes, rate: int, domain: int) -> bytes:
    """A keccak state (200 bytes) that has absorbed one padded block of `message`."""
    block = bytearray(message + bytes([domain]) + bytes(rate - len(message) - 1))
    block[-1] |= 0x80
    return bytes(block) + bytes(200 - rate)


@pytest.mark.parametrize("xlen", XLENS)
def test_keccak_permute_squeezes_hashlibs_sha3_and_shake(xlen, jit_cache):
    message = b"the quick brown fox"
    sha3 = run_both("sp1", [b"k", _absorbed(message, 136, 0x06)], jit_cache, xlen)
    shake = run_both("pico", [b"k", _absorbed(message, 168, 0x1F)], jit_cache, xlen)
    assert sha3.output[:32] == hashlib.sha3_256(message).digest()
    assert shake.output[:168] == hashlib.shake_128(message).digest(168)


def test_an_sp1_guest_before_v4_commits_on_fd_3_and_has_no_end_of_input(jit_cache):
    result = run_both("sp1-v3", [b"s", b"abc"], jit_cache)
    assert result.output == hashlib.sha256(b"abc").digest()
    assert str(result.fault).endswith("sp1: HINT_LEN with the input exhausted (give one --input per frame)")


def test_an_sp1_guest_before_v4_under_the_sp1_profile_is_told_which_profile_it_needs(jit_cache):
    result = run_both("sp1-v3", [b"e", b"abc"], jit_cache, profile="sp1")
    assert str(result.fault).endswith("sp1: write to reserved fd 3 (SP1 >= v4 writes public values to fd 13; "
                                      "a guest of an older SP1 runs with --profile sp1-v3)")


@pytest.mark.parametrize("xlen", XLENS)
def test_the_exit_code_is_halts_a0(xlen, jit_cache):
    assert run_both("sp1", [b"x\x07"], jit_cache, xlen).exit_code == 7


@pytest.mark.parametrize("xlen", XLENS)
def test_hint_read_of_another_length_than_the_frames_faults(xlen, jit_cache):
    result = run_both("sp1", [b"w", b"abc"], jit_cache, xlen)
    assert str(result.fault).endswith("sp1: HINT_READ of 4 bytes, but the next frame has 3")


def test_hint_read_with_no_frame_left_faults(jit_cache):
    result = run_both("sp1", [b"w"], jit_cache)       # HINT_LEN says u32::MAX, the guest reads anyway
    assert str(result.fault).endswith("sp1: the input is exhausted: no frame left to read "
                                      "(give one --input per frame)")


@pytest.mark.parametrize("xlen", XLENS)
@pytest.mark.parametrize("vendor", ["sp1", "pico"])
def test_a_call_zkaot_does_not_have_ends_the_run_naming_vendor_and_call(vendor, xlen, jit_cache):
    result = run_both(vendor, [b"u"], jit_cache, xlen)
    assert result.exit_code is None
    assert str(result.fault).endswith(f"(ecall): {vendor}: call t0=0x10107 is not implemented "
                                      f"(docs/profiles.md lists the {vendor} calls zkaot has)")


@pytest.mark.parametrize("vendor, xlen", [("sp1", 32), ("sp1", 64), ("pico", 64), ("sp1-v3", 32)])
def test_minimal_trace_expands_to_the_interpreters_full_trace(vendor, xlen, jit_cache):
    """HINT_LEN's answer and HINT_READ's frame come from host state: the load log carries
    them, so chunks replay without the input (up to the end of input, which stops Pico's and
    old SP1's runs)."""
    _, result, _, precompiles = expansion_matches_reference(load_guest(elf(vendor, xlen), vendor), jit_cache, 10,
                                                            [b"s", bytes(range(200)), b"", b"abc"], min_chunks=4)
    assert (result.exit_code == 0) == (vendor == "sp1")
    assert len(precompiles) > 0


@pytest.mark.parametrize("xlen", XLENS)
def test_sha_calls_leave_rows_of_the_u32_words_they_read_and_wrote(xlen):
    guest = load_guest(elf("sp1", xlen), "sp1")
    result, _, rows = reference_trace(guest.program, b"", guest.profile.maps[xlen], profile="sp1",
                                      frames=[b"s", bytes(range(100))])
    assert result.output == hashlib.sha256(bytes(range(100))).digest()
    words = lambda field, n: np.ascontiguousarray(field[:4 * n]).view("<u4").tolist()   # noqa: E731
    extend, compress = rows[rows["kind"] == SHA_EXTEND], rows[rows["kind"] == SHA_COMPRESS]
    assert len(extend) == len(compress) >= 2          # two blocks of the message at least
    for row in extend:
        assert words(row["output"], 48) == sha256_extend(words(row["input"], 16))[16:]
    for row in compress:
        w_and_h = words(row["input"], 72)
        assert words(row["output"], 8) == sha256_rounds(w_and_h[64:], w_and_h[:64])


@pytest.mark.parametrize("xlen", XLENS)
@pytest.mark.parametrize("vendor", ["sp1", "pico"])
def test_auto_recognises_the_vendor_from_its_symbols(vendor, xlen):
    guest = load_guest(elf(vendor, xlen))
    assert guest.profile is PROFILES[vendor]
    assert guest.why == f"symbol {vendor}_{'zkvm' if vendor == 'sp1' else 'sdk'}_runtime names " \
                        f"{vendor}_{'zkvm' if vendor == 'sp1' else 'sdk'}"


def test_auto_refuses_vendor_text_without_a_vendor_symbol_in_one_line():
    data = bytearray((GUESTS / "sp1_guest.elf").read_bytes())
    data[0x20:0x24] = bytes(4)                 # e_shoff: no section headers, so no symbols
    data[0x30:0x32] = bytes(2)                 # e_shnum
    with pytest.raises(NoProfile) as refused:
        load_guest(bytes(data), name="stripped.elf")
    assert str(refused.value) == ("stripped.elf: rv32 text at 0x200800, where SP1, Pico, RISC Zero and OpenVM "
                                  "link their guests, and no symbol names the vendor: choose one with "
                                  f"--profile ({', '.join(PROFILES)})")


@pytest.mark.parametrize("xlen", XLENS)
def test_the_vendor_map_costs_memory_only_where_touched(xlen):
    guest = load_guest(elf("sp1", xlen), "sp1")
    memory_map, calls = guest.profile.maps[xlen], guest.profile.calls[xlen]
    assert memory_map.ram_size >= (1 << 32) - 0x1000
    machine = Interpreter(guest.program, b"", memory_map, calls=calls, frames=[b"e"])
    assert machine.run().exit_code == 0
    with open("/proc/self/status") as status:
        rss_kib = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    assert rss_kib < 2 << 20


# ---- the curve and uint256 calls: zkaot's host math (runtime/curves.py) under SP1's and Pico's numbers

def _call(registry, number: int, a0: bytes, a1: bytes = b"") -> bytes:
    """Run call `number` on operands at 0x10_0000 (a0) and 0x10_1000 (a1); what a0 holds after."""
    memory = GuestMemory((), b"", PROFILES["sp1"].maps[32])
    memory.write(0x10_0000, a0)
    memory.write(0x10_1000, a1)
    regs = [0] * 33
    regs[REGISTER_NUMBERS["t0"]], regs[REGISTER_NUMBERS["a0"]], regs[REGISTER_NUMBERS["a1"]] = number, 0x10_0000, 0x10_1000
    handle_ecall(registry, regs, memory, HostIO(), 0)
    return memory.read(0x10_0000, len(a0))


def _le_point(x: int, y: int, size: int) -> bytes:
    return x.to_bytes(size, "little") + y.to_bytes(size, "little")


def _secp256k1(k: int) -> bytes:
    raw = coincurve.PublicKey.from_secret(k.to_bytes(32, "big")).format(compressed=False)
    return _le_point(int.from_bytes(raw[1:33], "big"), int.from_bytes(raw[33:], "big"), 32)


def _secp256r1(k: int) -> bytes:
    numbers = ec.derive_private_key(k, ec.SECP256R1()).public_key().public_numbers()
    return _le_point(numbers.x, numbers.y, 32)


def _bn254(k: int) -> bytes:
    x, y = bn128.multiply(bn128.G1, k)
    return _le_point(int(x), int(y), 32)


def _bls12_381(k: int) -> bytes:
    x, y = py_ecc.optimized_bls12_381.normalize(py_ecc.optimized_bls12_381.multiply(py_ecc.optimized_bls12_381.G1, k))
    return _le_point(int(x), int(y), 48)


CURVES = {"secp256k1": (0x00_01_01_0A, 0x00_00_01_0B, _secp256k1), "bn254": (0x00_01_01_0E, 0x00_00_01_0F, _bn254),
          "bls12_381": (0x00_01_01_1E, 0x00_00_01_1F, _bls12_381)}


@pytest.mark.parametrize("vendor", ["sp1", "pico"])
@pytest.mark.parametrize("curve", sorted(CURVES))
def test_curve_add_and_double_give_what_an_independent_library_computes(curve, vendor):
    add, double, point = CURVES[curve]
    registry = PROFILES[vendor].calls[32]
    assert _call(registry, add, point(1234567), point(7654321)) == point(1234567 + 7654321)
    assert _call(registry, double, point(98765)) == point(2 * 98765)


@pytest.mark.parametrize("vendor, add, double", [("sp1", 0x00_01_01_2C, 0x00_00_01_2D),
                                                 ("pico", 0x00_01_01_30, 0x00_00_01_31)])
def test_secp256r1_add_and_double_use_each_vendors_numbers(vendor, add, double):
    registry = PROFILES[vendor].calls[64]
    assert _call(registry, add, _secp256r1(11), _secp256r1(31)) == _secp256r1(42)
    assert _call(registry, double, _secp256r1(21)) == _secp256r1(42)


@pytest.mark.parametrize("modulus", [0, 2**255 - 19, 97])
def test_uint256_mul_multiplies_modulo_the_word_after_y_zero_meaning_2_to_the_256(modulus):
    x, y = 2**256 - 12345, 2**200 + 77
    got = _call(PROFILES["sp1"].calls[32], 0x00_01_01_1D, x.to_bytes(32, "little"),
                y.to_bytes(32, "little") + modulus.to_bytes(32, "little"))
    assert int.from_bytes(got, "little") == x * y % (modulus or 2**256)
