"""F and D lowered to the soft-float library (docs/float.md, translator/fp_sites.py): a profile
that takes them runs each F/D instruction and FP CSR access as integer code of the library, in
both engines alike; the zkaot profile still refuses them."""
import struct
from pathlib import Path

import pytest

from elf_factory import PF_R, PF_W, PF_X, Seg, build_elf
from profile_runs import both_engines, expansion_matches_reference
from runtime import softfp
from runtime.calls import FLOAT_CLASSES
from runtime.encoding import TABLE, decodable
from runtime.linux import STACK_TOP
from runtime.profiles import PROFILES
from translator import executor, fp_lift
from translator.assembler import assemble, encode
from translator.executor import NativeMachine
from translator.interpreter import Interpreter
from zkaot.callstacks import call_profile
from zkaot.recognise import load_guest

GUEST_DIR = Path(__file__).parent / "guests" / "linux_fd"
GUEST = GUEST_DIR / "fd_guest.elf"
LINUX = PROFILES["linux"]
CODE, DATA = 0x10000, 0x20000
EXIT_A0 = "addi a7, zero, 94\necall"            # exit_group(a0)


def expected() -> tuple[int, bytes]:
    status, _, stdout = (GUEST_DIR / "expected.txt").read_bytes().partition(b"\n")
    return int(status), stdout


def run_linux(source: str, jit_cache, data: bytes = bytes(64)):
    """Assemble `source` at CODE, with DATA read/write, as a static Linux program; run it on
    both engines (they must agree) and return the result."""
    elf = build_elf([Seg(CODE, PF_R | PF_X, assemble(source, CODE)), Seg(DATA, PF_R | PF_W, data)])
    guest = load_guest(elf, "linux")
    return both_engines(guest.program, LINUX.maps[64], LINUX.calls[64], jit_cache,
                        windows=[(softfp.LINUX.block_page, softfp.LINUX.entry), (DATA, DATA + len(data))])


def test_the_library_sits_just_below_a_program_linked_at_16_mib_and_below_64_kib_otherwise():
    assert load_guest(GUEST).program.float_lowering is softfp.LINUX_16M        # Zig's linker: 0x1000000
    elf = build_elf([Seg(CODE, PF_R | PF_X, assemble(f"fmv.x.d a0, f0\n{EXIT_A0}", CODE))])
    assert load_guest(elf, "linux").program.float_lowering is softfp.LINUX    # GNU ld and Go: 0x10000


def test_a_program_without_fd_is_loaded_without_the_library():
    elf = build_elf([Seg(0x3000, PF_R | PF_X, assemble(EXIT_A0, 0x3000))])
    program = load_guest(elf, "linux").program
    assert program.float_lowering is None and min(s.vaddr for s in program.segments) == 0x3000


def test_a_musl_program_with_floats_and_doubles_prints_and_exits_as_under_qemu_user(jit_cache):
    guest = load_guest(GUEST)
    assert guest.profile is LINUX
    lib = guest.program.float_lowering
    result = both_engines(guest.program, LINUX.maps[64], LINUX.calls[64], jit_cache,
                          windows=[(STACK_TOP - 0x4000, STACK_TOP), (lib.block_page, lib.entry)])
    assert (result.exit_code, result.output) == expected()


def test_the_minimal_trace_of_a_float_program_expands_to_the_interpreters_full_trace(jit_cache):
    expansion_matches_reference(load_guest(GUEST), jit_cache, 17, min_chunks=3)


def test_a_float_programs_minimal_trace_is_exact_with_a_log_buffer_of_a_few_steps(jit_cache, monkeypatch):
    """A float routine's return appends fp_lift.RETURN_LOADS entries in one step: the step budget leaves
    room for that many per step, however small the buffer."""
    monkeypatch.setattr(executor, "LOG_CAPACITY", 64)
    expansion_matches_reference(load_guest(GUEST), jit_cache, 17, min_chunks=3)


def test_double_arithmetic_loads_computes_and_stores_through_the_library(jit_cache):
    source = f"""
        lui a1, {DATA >> 12:#x}
        fld f1, 0(a1)
        fld f2, 8(a1)
        fmul.d f3, f1, f2, dyn
        fsd f3, 16(a1)
        fmv.x.d a0, f3
        ld a2, 16(a1)
        addi a7, zero, 94
        ecall"""
    result = run_linux(source, jit_cache, struct.pack("<3d", 1.5, 2.5, 0.0))
    assert result.regs[10] == result.regs[12] == struct.unpack("<Q", struct.pack("<d", 3.75))[0]


def test_an_fp_csr_access_reads_and_writes_the_librarys_fcsr(jit_cache):
    source = f"""
        csrrwi zero, 0x2, 1
        fcvt.d.l f1, zero, dyn
        addi t0, zero, 1
        fcvt.d.l f2, t0, dyn
        addi t0, zero, 3
        fcvt.d.l f3, t0, dyn
        fdiv.d f4, f2, f3, dyn
        csrrs a0, 0x3, zero
        {EXIT_A0}"""
    result = run_linux(source, jit_cache)
    assert result.exit_code == (1 << 5) | 1     # frm = RTZ, fflags = NX (1/3 is inexact)


def test_every_integer_register_but_rd_keeps_its_value_across_a_lowered_instruction(jit_cache):
    fill = "\n".join(f"addi x{r}, zero, {r}" for r in range(1, 32))
    result = run_linux(f"{fill}\nfcvt.l.d t6, f0, dyn\naddi a7, zero, 94\necall", jit_cache)
    assert result.regs[:31] == [0] + list(range(1, 17)) + [94] + list(range(18, 31))
    assert result.regs[31] == 0                 # t6 = (long) +0.0


def test_a_lowered_instruction_is_the_site_step_the_librarys_steps_and_the_return_step(jit_cache):
    without = run_linux(EXIT_A0, jit_cache)
    once = run_linux(f"fmv.x.d a0, f0\n{EXIT_A0}", jit_cache)
    twice = run_linux(f"fmv.x.d a0, f0\nfmv.x.d a0, f0\n{EXIT_A0}", jit_cache)
    cost = once.steps - without.steps
    assert twice.steps - once.steps == cost and 2 + 36 < cost < 200


def test_a_zisk_guest_runs_fd_through_the_library_below_zisks_rom(jit_cache):
    zisk, rom, ram = PROFILES["zisk"], 0x8000_0000, 0xA000_0000
    source = f"""
        lui a1, {ram >> 13:#x}
        slli a1, a1, 1
        fld f1, 0(a1)
        fsqrt.d f2, f1, dyn
        fcvt.w.d a0, f2, rtz
        csrrs a2, 0x1, zero
        add a0, a0, a2
        addi a7, zero, 93
        ecall"""
    elf = build_elf([Seg(rom, PF_R | PF_X, assemble(source, rom)), Seg(ram, PF_R | PF_W, struct.pack("<d", 2.0))])
    guest = load_guest(elf, "zisk")
    result = both_engines(guest.program, zisk.maps[64], zisk.calls[64], jit_cache,
                          windows=[(softfp.ZISK.block_page, softfp.ZISK.entry)])
    assert result.exit_code == 1 + 1            # (int) sqrt(2) + fflags NX
    expansion_matches_reference(guest, jit_cache, 7)


def test_translated_code_runs_the_site_and_return_steps_itself(jit_cache):
    """Only the ecalls and the FP CSR accesses of the musl program leave translated code."""
    guest = load_guest(GUEST)
    run = NativeMachine(guest.program, b"", LINUX.maps[64], cache_dir=jit_cache, calls=LINUX.calls[64]).run()
    assert run.result.exit_code == expected()[0] and run.stats["untranslated_steps"] < 30


def test_a_call_stack_profile_shows_the_library_called_from_the_function_using_floats(jit_cache):
    guest = load_guest(GUEST)
    prof = call_profile(guest.program, cache_dir=jit_cache, machine=LINUX)
    stacks = dict(prof.folded())
    assert sum(stacks.values()) == prof.total == prof.result.steps
    entry = [stack for stack in stacks if stack.endswith(";zkfp_entry")]
    assert entry and all(";main;" in stack for stack in entry)
    inclusive = dict(zip(prof.names, prof.inclusive().tolist()))
    assert inclusive["zkfp_entry"] > inclusive["zkfp_execute"] > 0


@pytest.mark.parametrize("op", [op for op in TABLE if decodable(op, 64, FLOAT_CLASSES) and op.cls in ("float", "csr")],
                         ids=lambda op: op.name)
def test_the_translators_rule_for_an_integer_rd_is_the_encoding_tables(op):
    assert fp_lift.writes_integer(op.match) == (op.cls == "csr" or op.fn == "x")


def test_a_reserved_rounding_mode_is_an_illegal_instruction_at_the_guests_pc(jit_cache):
    word = encode("fadd.d", rd=1, rs1=2, rs2=3, rm=5)
    result = run_linux(f"addi a0, zero, 1\nfadd.d f1, f2, f3, rm5\n{EXIT_A0}", jit_cache)
    assert str(result.fault) == (f"pc 0x{CODE + 4:08x} (fadd.d f1, f2, f3, rm5): illegal instruction: "
                                 f"0x{word:08x}: reserved rounding mode")


def test_a_dynamic_rounding_mode_with_a_reserved_frm_is_an_illegal_instruction(jit_cache):
    result = run_linux(f"csrrwi zero, 0x2, 6\nfadd.d f1, f2, f3, dyn\n{EXIT_A0}", jit_cache)
    assert str(result.fault).startswith(f"pc 0x{CODE + 4:08x} (fadd.d f1, f2, f3, dyn): illegal instruction")


def test_a_bad_fp_load_address_faults_at_the_guests_pc_naming_its_instruction(jit_cache):
    result = run_linux(f"addi a1, zero, 16\nfld f1, 8(a1)\n{EXIT_A0}", jit_cache)
    assert str(result.fault).startswith(f"pc 0x{CODE + 4:08x} (fld f1, 8(a1)): load of 8 bytes at 0x00000018: "
                                        f"the null guard page (in the soft-float library at 0x")


def test_a_bad_fp_store_address_faults_at_the_guests_pc_naming_its_instruction(jit_cache):
    result = run_linux(f"lui a1, {CODE >> 12:#x}\nfsw f1, 0(a1)\n{EXIT_A0}", jit_cache)
    assert str(result.fault).startswith(f"pc 0x{CODE + 4:08x} (fsw f1, 0(a1)): store of 4 bytes at "
                                        f"0x{CODE:08x}: into code")


def test_a_csr_other_than_the_fp_ones_is_refused_in_one_line(jit_cache):
    result = run_linux(f"csrrs a0, 0x300, zero\n{EXIT_A0}", jit_cache)
    assert str(result.fault) == (f"pc 0x{CODE:08x} (csrrs a0, 0x300, zero): illegal instruction: csr 0x300 (read) "
                                 f"is not a CSR of the linux profile, which reads cycle (0xc00), time (0xc01) and "
                                 f"instret (0xc02), and fflags, frm and fcsr (1-3) only")


def test_the_librarys_return_instruction_is_illegal_in_guest_code(jit_cache):
    result = run_linux(f"zkfp.ret\n{EXIT_A0}", jit_cache)
    assert str(result.fault) == (f"pc 0x{CODE:08x} (0x0000002b): illegal instruction: 0x0000002b (zkfp.ret) "
                                 f"is the soft-float library's own instruction")


def test_a_program_overlapping_the_library_is_refused_in_one_line():
    elf = build_elf([Seg(0x3000, PF_R | PF_X, assemble(f"fmv.x.d a0, f0\n{EXIT_A0}", 0x3000))])
    with pytest.raises(Exception, match=r"segment at 0x3000 overlaps the soft-float library's 0x1000-0x"):
        load_guest(elf, "linux")


@pytest.mark.parametrize("name", ["zkaot", "sp1", "risc0", "zisk-legacy"])
def test_profiles_that_do_not_lower_fd_still_refuse_an_fd_word(name):
    word = encode("fadd.d", rd=1, rs1=2, rs2=3, rm=7)
    profile = PROFILES[name]
    xlen = max(profile.xlens)
    base = {"zkaot": 0x8010_0000, "zisk-legacy": 0x8000_0000}.get(name, 0x20_0800)
    elf = build_elf([Seg(base, PF_R | PF_X, word.to_bytes(4, "little"))], elfclass=xlen)
    guest = load_guest(elf, name)
    result = Interpreter(guest.program, memory_map=profile.maps[xlen], calls=profile.calls[xlen]).run()
    assert str(result.fault) == (f"pc 0x{base:08x} (0x{word:08x}): illegal instruction: 0x{word:08x} "
                                 f"is not a valid RV{xlen}IMA instruction")


C_FLD_FS0_A0 = (0x2100).to_bytes(2, "little")      # c.fld f8, 0(a0)


def run_c_fld(address: int, jit_cache):
    """`c.fld f8, 0(a0)` at CODE + 4 with a0 = address, then exit with f8's low byte."""
    code = assemble(f"lui a0, {address >> 12:#x}", CODE) + C_FLD_FS0_A0 + \
        assemble(f"fmv.x.d a0, f8\n{EXIT_A0}", CODE + 6)
    elf = build_elf([Seg(CODE, PF_R | PF_X, code), Seg(DATA, PF_R | PF_W, struct.pack("<Q", 0x4142) + bytes(56))])
    guest = load_guest(elf, "linux")
    return both_engines(guest.program, LINUX.maps[64], LINUX.calls[64], jit_cache,
                        windows=[(softfp.LINUX.block_page, softfp.LINUX.entry), (DATA, DATA + 64)])


def test_a_compressed_fp_load_runs_through_the_library_and_goes_on_two_bytes_later(jit_cache):
    assert run_c_fld(DATA, jit_cache).exit_code == 0x42


def test_a_compressed_fp_loads_bad_address_faults_at_its_own_pc(jit_cache):
    result = run_c_fld(0, jit_cache)
    assert str(result.fault).startswith(f"pc 0x{CODE + 4:08x} (fld f8, 0(a0)): load of 8 bytes at 0x00000000: "
                                        f"the null guard page (in the soft-float library at 0x")
