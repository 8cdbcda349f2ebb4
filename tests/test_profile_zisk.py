"""The zisk profiles on guests written here to ziskos' ABI (tests/guests/zisk/), in both
engines, with expected outputs from hashlib; and the CSR rows, which only a profile whose
calls a CSR selects decodes."""
import hashlib
from pathlib import Path

import struct

import coincurve
import pytest
from py_ecc import bn128

from profile_runs import both_engines, expansion_matches_reference
from guest_asm import program_from_asm
from runtime.host import HostIO, handle_csr
from runtime.memory import GuestMemory
from runtime.profiles import PROFILES
from runtime.zisk import ARCH_ID_ZISK, CURRENT, LEGACY, OUTPUT_SLOTS
from translator.interpreter import Interpreter
from zkaot.recognise import frames_for, load_guest

GUESTS = Path(__file__).parent / "guests" / "zisk"
ELF = {"zisk": GUESTS / "zisk_guest.elf", "zisk-legacy": GUESTS / "zisk_legacy_guest.elf"}
LAYOUT = {"zisk": CURRENT, "zisk-legacy": LEGACY}


def windows(profile: str) -> list[tuple[int, int]]:
    """What the guests touch: the top of the stack, the output slots, the data."""
    layout = LAYOUT[profile]
    data = 0xA043_0000 if profile == "zisk" else 0xA003_0000
    stack = 0xA03F_0000 if profile == "zisk" else 0xBFFE_0000
    return [(stack, stack + 0x1_0000), (layout.output_addr, layout.output_addr + 4 * OUTPUT_SLOTS),
            (data, data + 0x1000)]


def run_both(frames: list[bytes], cache_dir, profile: str = "zisk", step_limit: int = 1_000_000):
    guest = load_guest(ELF[profile], profile)
    input_bytes, _ = frames_for(guest.profile, frames)
    return both_engines(guest.program, guest.profile.maps[64], guest.profile.calls[64], cache_dir,
                        input_bytes=input_bytes, windows=windows(profile), step_limit=step_limit)


def slots(data: bytes) -> bytes:
    """The 256-byte public output holding `data` in its first slots."""
    return data.ljust(4 * OUTPUT_SLOTS, b"\0")


def test_frames_are_read_as_records_and_committed_to_the_output_slots(jit_cache):
    frames = [b"hello", b"", b"zkVM frames!"]
    result = run_both([b"e\x03", *frames], jit_cache)
    assert (result.exit_code, result.output, result.console) == (0, slots(b"".join(frames)), b"frames: 3\n")


@pytest.mark.parametrize("length", [0, 3, 55, 56, 64, 119, 200])
def test_sha256f_gives_hashlibs_sha256(length, jit_cache):
    message = bytes((7 * i + length) & 0xFF for i in range(length))
    result = run_both([b"s", message], jit_cache)
    assert (result.exit_code, result.output) == (0, slots(hashlib.sha256(message).digest()))


def _absorbed(message: bytes, rate: int, domain: int) -> bytes:
    """A keccak state (200 bytes) that has absorbed one padded block of `message`."""
    block = bytearray(message + bytes([domain]) + bytes(rate - len(message) - 1))
    block[-1] |= 0x80
    return bytes(block) + bytes(200 - rate)


def test_keccakf_squeezes_hashlibs_sha3_and_shake(jit_cache):
    message = b"the quick brown fox"
    sha3 = run_both([b"k", _absorbed(message, 136, 0x06)], jit_cache)
    shake = run_both([b"k", _absorbed(message, 168, 0x1F)], jit_cache)
    assert sha3.output[:32] == hashlib.sha3_256(message).digest()
    assert shake.output[:168] == hashlib.shake_128(message).digest(168)


def test_marchid_reads_zisks_architecture_id(jit_cache):
    assert run_both([b"m"], jit_cache).output == slots(ARCH_ID_ZISK.to_bytes(4, "little"))


def test_the_exit_code_is_a0_and_the_uart_is_the_console(jit_cache):
    result = run_both([b"x\x07"], jit_cache)
    assert (result.exit_code, result.console, result.output) == (7, b"exiting\n", slots(b""))


@pytest.mark.parametrize("command, fault", [
    (b"u", "(csrrs zero, 0x801, a0): zisk: csr 0x801 (set) is not implemented "
           "(docs/profiles.md lists the zisk calls zkaot has)"),
    (b"c", "(csrrs a4, 0x300, zero): zisk: csr 0x300 (read) is not implemented "
           "(docs/profiles.md lists the zisk calls zkaot has)"),
    (b"f", "(csrrwi zero, 0x8c0, 5): zisk: free call 5 is not implemented (only 23, input ready)"),
    (b"b", "(csrrs zero, 0x800, a0): host read of 200 bytes at 0x00001000: unmapped memory"),
])
def test_a_call_zkaot_does_not_have_or_a_bad_pointer_ends_the_run_on_one_line(command, fault, jit_cache):
    result = run_both([command], jit_cache)
    assert result.exit_code is None and str(result.fault).endswith(fault)


def test_reading_past_the_input_faults_at_the_input_ready_call(jit_cache):
    result = run_both([b"s"], jit_cache)           # the command, and no frame to hash
    assert str(result.fault).endswith("zisk: the guest waits for input up to 0x4000001f, and the input ends "
                                      "at 0x40000018 (give its frames with --input)")


def test_no_input_at_all_faults_at_the_first_input_ready_call(jit_cache):
    result = run_both([], jit_cache)
    assert str(result.fault).endswith("zisk: the guest waits for input up to 0x4000000f, and the input ends "
                                      "at 0x40000008 (give its frames with --input)")


def test_a_legacy_guest_reads_one_blob_at_0x90000000(jit_cache):
    assert run_both([b"s\0abc"], jit_cache, "zisk-legacy").output == slots(hashlib.sha256(b"abc").digest())
    result = run_both([b"x\x05"], jit_cache, "zisk-legacy")
    assert (result.exit_code, result.console) == (5, b"exiting\n")


def test_a_legacy_guest_takes_one_input():
    with pytest.raises(ValueError, match="zisk-legacy profile reads one input"):
        frames_for(PROFILES["zisk-legacy"], [b"a", b"b"])


@pytest.mark.parametrize("frames, chunk_log2", [([b"s", bytes(range(200))], 9), ([b"e\x02", b"ab", b"cd"], 1)])
def test_minimal_trace_expands_to_the_interpreters_full_trace(frames, chunk_log2, jit_cache):
    """The input-ready call's answer comes from host state, the output slots are read at exit:
    both go into the load log, so chunks replay without the input (2-step chunks: some start
    between a free call's parameter and the call)."""
    guest = load_guest(ELF["zisk"], "zisk")
    input_bytes, _ = frames_for(guest.profile, frames)
    _, result, _, _ = expansion_matches_reference(guest, jit_cache, chunk_log2, input_bytes=input_bytes, min_chunks=4)
    assert result.exit_code == 0


def test_auto_recognises_zisk_by_its_layout():
    guest = load_guest(ELF["zisk"])
    assert guest.profile is PROFILES["zisk"]
    assert guest.why == "code at ZisK's ROM (0x80000000) and data in its RAM (0xa0000000-0xc0000000)"


# ---- the CSR rows and the map's holes, on hand-written code ------------------------------------

def test_the_zkaot_profile_still_finds_a_csr_instruction_illegal():
    program = program_from_asm("csrrs a0, 0xf12, zero\naddi a7, zero, 93\necall\n")
    result = Interpreter(program).run()
    assert str(result.fault) == "pc 0x80000000 (0xf1202573): illegal instruction: " \
                                "0xf1202573 is not a valid RV64IMA instruction"


def _zisk_run(source: str):
    """Hand-written code in ZisK's ROM under the zisk profile's map and calls."""
    profile = PROFILES["zisk"]
    return Interpreter(program_from_asm(source), b"", profile.maps[64], 100, calls=profile.calls[64]).run()


@pytest.mark.parametrize("source, fault", [
    ("lui t0, 0xa0400\nslli t0, t0, 32\nsrli t0, t0, 32\nsw a0, 0x200(t0)\n",
     "store of 4 bytes at 0xa0400200: ZisK's system page (a guest may only store bytes to the UART at 0xa0400200)"),
    ("lui t0, 0xa0400\nslli t0, t0, 32\nsrli t0, t0, 32\nlbu a0, 0x200(t0)\n",
     "load of 1 bytes at 0xa0400200: ZisK's system page (a guest may only store bytes to the UART at 0xa0400200)"),
    ("lui t0, 0x90000\nslli t0, t0, 32\nsrli t0, t0, 32\nld a0, 0(t0)\n",
     "load of 8 bytes at 0x90000000: the gap between ZisK's ROM and RAM"),
])
def test_zisks_holes_fault_but_for_the_uarts_byte_store(source, fault):
    assert str(_zisk_run(source).fault).endswith(fault)


def test_a_precompile_csr_with_rd_other_than_x0_faults_naming_zisks_rule():
    result = _zisk_run("csrrs a0, 0x800, a1\n")
    assert str(result.fault).endswith("zisk: keccakf with rd = x10: ZisK runs the precompile only for csrs with "
                                      "rd = x0 (it keeps other accesses as a plain CSR, which zkaot does not have)")


def test_the_disassembly_under_the_zisk_profile_spells_csr_instructions():
    from translator.disasm import listing
    guest = load_guest(ELF["zisk"])
    lines = list(listing(guest.program, guest.profile.calls[64].extensions))
    assert any(line.endswith("f12022f3  csrrs t0, 0xf12, zero") for line in lines)


def test_a_segment_in_a_hole_of_zisks_map_is_refused_at_load():
    from elf_factory import PF_R, PF_W, PF_X, Seg, build_elf
    from translator.elf import ElfError
    data = build_elf([Seg(0x8000_0000, PF_R | PF_X, bytes(16)), Seg(0x9000_0000, PF_R | PF_W, bytes(16))])
    with pytest.raises(ElfError, match=r"lies in the gap between ZisK's ROM and RAM$"):
        load_guest(data, "zisk", name="gap.elf")


def test_run_json_packs_each_input_as_a_record(tmp_path, capsys, monkeypatch):
    import json
    from zkaot.cli import EXIT_OK, main
    monkeypatch.setenv("ZKAOT_CACHE", str(tmp_path / "cache"))
    (tmp_path / "a").write_bytes(b"s")
    (tmp_path / "b").write_bytes(b"abc")
    assert main(["run", str(ELF["zisk"]), "--input", str(tmp_path / "a"), "--input", str(tmp_path / "b"),
                 "--json"]) == EXIT_OK
    report = json.loads(capsys.readouterr().out)
    assert (report["profile"], report["exit_code"]) == ("zisk", 0)
    assert report["public_output"] == slots(hashlib.sha256(b"abc").digest()).hex()


def test_a_legacy_guest_reading_past_its_blob_faults_in_the_input_region():
    profile = PROFILES["zisk-legacy"]
    source = "lui t0, 0x90001\nslli t0, t0, 32\nsrli t0, t0, 32\nld a0, 0(t0)\n"
    result = Interpreter(program_from_asm(source), b"abc", profile.maps[64], 100, calls=profile.calls[64]).run()
    assert str(result.fault).endswith("load of 8 bytes at 0x90001000: the input region")


def test_unimp_is_an_abort_on_one_line():
    fault = str(_zisk_run("csrrw zero, 0xc00, zero\n").fault)       # unimp
    assert fault.endswith("(csrrw zero, 0xc00, zero): zisk: the guest aborted (unimp: csrrw x0, cycle, x0)")


# ---- curve, complex-field and arith256_mod precompiles: zkaot's host math under ZisK's ids

BLOCK, X, Y, Z, W, D = 0xA050_0000, 0xA050_1000, 0xA050_2000, 0xA050_3000, 0xA050_4000, 0xA050_5000


def _zisk_csr(number: int, operand: int, writes: dict[int, bytes]) -> GuestMemory:
    """`csrs number, rs1` with rs1 = operand on a memory holding `writes`; the memory after."""
    profile = PROFILES["zisk"]
    memory = GuestMemory((), b"", profile.maps[64])
    for addr, data in writes.items():
        memory.write(addr, data)
    handle_csr(profile.calls[64], number, "set", [0] * 32, (operand, 0, 10), memory, HostIO(), 0)
    return memory


def _le_point(x: int, y: int, size: int = 32) -> bytes:
    return x.to_bytes(size, "little") + y.to_bytes(size, "little")


def _secp256k1(k: int) -> bytes:
    raw = coincurve.PublicKey.from_secret(k.to_bytes(32, "big")).format(compressed=False)
    return _le_point(int.from_bytes(raw[1:33], "big"), int.from_bytes(raw[33:], "big"))


def _bn254(k: int) -> bytes:
    x, y = bn128.multiply(bn128.G1, k)
    return _le_point(int(x), int(y))


@pytest.mark.parametrize("add, double, point", [(0x803, 0x804, _secp256k1), (0x806, 0x807, _bn254)])
def test_curve_add_and_double_give_what_an_independent_library_computes(add, double, point):
    added = _zisk_csr(add, BLOCK, {BLOCK: struct.pack("<QQ", X, Y), X: point(1111), Y: point(2222)})
    assert added.read(X, 64) == point(3333)
    assert _zisk_csr(double, X, {X: point(4321)}).read(X, 64) == point(8642)


def _fq2(element) -> bytes:
    return _le_point(int(element.coeffs[0]), int(element.coeffs[1]))


def test_bn254_complex_mul_multiplies_in_fp2_with_u_squared_minus_one():
    a, b = bn128.FQ2([3, 2**250 + 5]), bn128.FQ2([2**253 + 7, 11])
    memory = _zisk_csr(0x80A, BLOCK, {BLOCK: struct.pack("<QQ", X, Y), X: _fq2(a), Y: _fq2(b)})
    assert memory.read(X, 64) == _fq2(a * b)


def test_arith256_mod_computes_a_times_b_plus_c_modulo_the_module():
    a, b, c, m = 2**255 + 3, 2**200 - 1, 12345, 2**255 - 19
    blocks = {BLOCK: struct.pack("<5Q", X, Y, Z, W, D), X: a.to_bytes(32, "little"), Y: b.to_bytes(32, "little"),
              Z: c.to_bytes(32, "little"), W: m.to_bytes(32, "little")}
    assert int.from_bytes(_zisk_csr(0x802, BLOCK, blocks).read(D, 32), "little") == (a * b + c) % m
