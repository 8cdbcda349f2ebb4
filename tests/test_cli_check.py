"""`zkaot check`: a guest that passes exits 0; each broken rule is one line naming its fix, exit 3."""
import struct

import pytest

from elf_factory import PF_R, PF_W, PF_X, Seg, build_elf
from runtime.memory_map import RAM_BASE
from test_cli import FIB
from translator.assembler import assemble
from zkaot.check import COMPRESSED_FIX, FLOAT_FIX, RWX_FIX
from zkaot.cli import EXIT_BAD_INPUT, EXIT_OK, main

EXIT = assemble("addi a7, zero, 93\necall\n", RAM_BASE)


def check(tmp_path, capsys, elf: bytes) -> tuple[int, list[str]]:
    path = tmp_path / "guest.elf"
    path.write_bytes(elf)
    status = main(["check", str(path)])
    return status, capsys.readouterr().out.splitlines()


def with_e_flags(elf: bytes, flags: int) -> bytes:
    return elf[:0x30] + struct.pack("<I", flags) + elf[0x34:]


def code_elf(code: bytes) -> bytes:
    return build_elf([Seg(RAM_BASE, PF_R | PF_X, EXIT + code)], entry=RAM_BASE)


def test_a_good_elf_passes_with_status_0(capsys):
    assert main(["check", str(FIB / "guest.rv64im.elf")]) == EXIT_OK
    assert capsys.readouterr().out.strip().endswith("ok: zkaot can load and run it")


def test_an_rwx_segment_gets_the_phdrs_fix(tmp_path, capsys):
    status, lines = check(tmp_path, capsys, build_elf([Seg(RAM_BASE, PF_R | PF_W | PF_X, EXIT)]))
    assert status == EXIT_BAD_INPUT
    assert lines == [f"{tmp_path / 'guest.elf'}: PT_LOAD segment 0 [0x80000000, 0x80000008) (RWX) "
                     f"is both writable and executable: {RWX_FIX}"]


def test_the_rvc_flag_gets_the_compressed_fix(tmp_path, capsys):
    status, lines = check(tmp_path, capsys, with_e_flags(code_elf(b""), 0x1))
    assert status == EXIT_BAD_INPUT
    assert lines == [f"{tmp_path / 'guest.elf'}: e_flags 0x1 has EF_RISCV_RVC: {COMPRESSED_FIX}"]


def test_a_float_abi_flag_gets_the_soft_float_fix(tmp_path, capsys):
    _, lines = check(tmp_path, capsys, with_e_flags(code_elf(b""), 0x4))
    assert lines == [f"{tmp_path / 'guest.elf'}: e_flags 0x4 has the double-float ABI (EF_RISCV_FLOAT_ABI): "
                     f"{FLOAT_FIX}"]


def test_compressed_code_is_listed_with_pcs_and_the_compressed_fix(tmp_path, capsys):
    c_li = bytes.fromhex("0545")                                    # c.li a0, 1
    status, [line] = check(tmp_path, capsys, code_elf(c_li * 10))
    assert status == EXIT_BAD_INPUT
    assert line.startswith(f"{tmp_path / 'guest.elf'}: 5 compressed instructions in code (0x80000008 c.li a0, 1; "
                           f"0x8000000c c.li a0, 1; 0x80000010 c.li a0, 1; and 2 more): ")
    assert line.endswith(COMPRESSED_FIX)


def test_a_misaligned_jump_target_gets_the_compressed_fix(tmp_path, capsys):
    _, [line] = check(tmp_path, capsys, code_elf(assemble("jal zero, 0x8000000e\n", RAM_BASE + 8)))
    assert f"1 misaligned jump targets in code (0x80000008 jal to 0x8000000e): {COMPRESSED_FIX}" in line


@pytest.mark.parametrize("word, kind", [(0x00007053, "1 F/D instructions in code (0x80000008 fadd.s"),
                                        (0xC0002573, "1 CSR instructions in code (0x80000008 rdcycle a0)")])
def test_instructions_the_isa_lacks_are_listed_with_their_pc(word, kind, tmp_path, capsys):
    _, [line] = check(tmp_path, capsys, code_elf(struct.pack("<I", word)))
    assert kind in line


def test_data_in_code_is_not_a_problem(tmp_path, capsys):
    """The machine faults on a word only when it runs it: bytes no decoder knows are data."""
    status, _ = check(tmp_path, capsys, code_elf(bytes.fromhex("ffffffff")))
    assert status == EXIT_OK



def test_atomics_are_refused_only_where_the_build_has_no_a_extension(tmp_path):
    from zkaot.check import check as check_elf
    path = tmp_path / "guest.elf"
    path.write_bytes(code_elf(assemble("amoadd.w a0, a1, (a2)\n", RAM_BASE + 8)))
    assert check_elf(str(path)) == []
    [line] = check_elf(str(path), atomics=False)
    assert "1 atomic instructions in code (0x80000008 amoadd.w)" in line and "rv64ima" in line
