"""The committed soft-float guest image (runtime/guest/softfp/zkfp.elf): it rebuilds to the
same bytes, holds integer code only, and, run on unicorn (an independent RV64 emulator)
between the engines' site and return steps (translator/fp_sites.py, done here in Python), executes
F/D instructions on the block below the image while every register but rd keeps its value."""
import numpy as np
import pytest

pytest.importorskip("ziglang")
unicorn = pytest.importorskip("unicorn")

from elftools.elf.elffile import ELFFile  # noqa: E402
from runtime import softfp  # noqa: E402
from softfp_cases import OPS  # noqa: E402
from translator.decoder import decode  # noqa: E402
from zkaot.softfp_build import build_image  # noqa: E402

FP_OPCODES = {0x07, 0x27, 0x43, 0x47, 0x4B, 0x4F, 0x53, 0x73}   # FP loads/stores, FMA, OP-FP, SYSTEM
SITE = 0x10000                      # the guest pc of the instruction: the site step stores SITE + 4
PAGE = 0x1000


P = softfp.LINUX                    # the placement the unicorn tests run (the images differ only in addresses)


def _image(placement: softfp.Placement = P):
    with open(placement.image, "rb") as fh:
        elf = ELFFile(fh)
        text = elf.get_section_by_name(".text")
        syms = {s.name: s["st_value"] for s in elf.get_section_by_name(".symtab").iter_symbols() if s.name}
        segs = [(s["p_vaddr"], s.data()) for s in elf.iter_segments() if s["p_type"] == "PT_LOAD"]
        return text["sh_addr"], text.data(), syms, elf.header.e_entry, segs


@pytest.mark.parametrize("placement", softfp.PLACEMENTS, ids=lambda p: p.name)
def test_committed_image_rebuilds_to_the_same_bytes(placement, tmp_path):
    out = tmp_path / "zkfp.elf"
    build_image(placement, out)
    assert out.read_bytes() == placement.image.read_bytes()


def test_image_holds_only_integer_instructions():
    base, code, syms, _, _ = _image()
    ret = (syms["zkfp_ret"] - base) // 4
    for i, w in enumerate(np.frombuffer(code, np.uint32)):
        if i == ret:
            assert w == 0x2B           # zkfp.ret, the return step the engines execute
            continue
        ins = decode(int(w), 64)       # raises on anything outside RV64IMA
        assert int(w) & 0x7F not in FP_OPCODES, f"{base + 4 * i:#x}: {ins.name}"
        assert not ins.name.startswith(("amo", "lr.", "sc.")), f"{base + 4 * i:#x}: {ins.name}"


@pytest.mark.parametrize("placement", softfp.PLACEMENTS, ids=lambda p: p.name)
def test_image_enters_at_the_trampoline_the_page_above_its_block_page(placement):
    base, _, syms, entry, _ = _image(placement)
    assert entry == syms["zkfp_entry"] == base == placement.entry == placement.block_page + PAGE


def test_image_stack_frames_fit_below_the_block():
    """The sum of every function's frame bounds the stack depth (nothing recurses)."""
    _, code, _, _, _ = _image()
    frames = []
    for w in np.frombuffer(code, np.uint32):
        if int(w) & 0x7F == 0x13:
            ins = decode(int(w), 64)
            if ins.name == "addi" and ins.rd == ins.rs1 == 2 and ins.imm < 0:
                frames.append(-ins.imm)
    assert frames and sum(frames) <= 2048 - 16


class Machine:
    """unicorn with the image and its block page mapped; the site and return steps in Python."""

    def __init__(self):
        from unicorn import UC_ARCH_RISCV, UC_MODE_RISCV64, UC_PROT_ALL, Uc

        self.uc = Uc(UC_ARCH_RISCV, UC_MODE_RISCV64)
        for vaddr, data in _image()[4]:
            lo = vaddr & ~(PAGE - 1)
            self.uc.mem_map(lo, (vaddr + len(data) - lo + PAGE - 1) & ~(PAGE - 1), UC_PROT_ALL)
            self.uc.mem_write(vaddr, data)
        self.uc.mem_map(P.block_page, PAGE, UC_PROT_ALL)
        from unicorn import riscv_const as rc

        self.rc = rc
        self.ids = [getattr(rc, f"UC_RISCV_REG_X{i}") for i in range(32)]

    def block(self, field: int, value: int | None = None) -> int:
        addr = P.block + field
        if value is not None:
            self.uc.mem_write(addr, value.to_bytes(8, "little"))
        return int.from_bytes(self.uc.mem_read(addr, 8), "little")

    def call(self, insn: int, regs: list[int], rs1=0, rd=0):
        """The site step for insn at SITE with x1..x31 = regs[1:], the image up to zkfp_ret, and
        the return step (rd: the integer register the instruction writes); the registers after."""
        for field, value in ((softfp.XIN, regs[rs1]), (softfp.INSN, insn), (softfp.T6, regs[31]),
                             (softfp.RET, SITE + 4)):
            self.block(field, value)
        for i in range(1, 32):
            self.uc.reg_write(self.ids[i], P.block if i == 31 else regs[i])
        self.uc.emu_start(P.entry, _image()[2]["zkfp_ret"], count=10_000)
        assert self.uc.reg_read(self.rc.UC_RISCV_REG_PC) == _image()[2]["zkfp_ret"]
        after = [0] + [self.uc.reg_read(self.ids[i]) for i in range(1, 32)]
        after[31] = self.block(softfp.T6)
        if rd:
            after[rd] = self.block(softfp.XOUT)
        return after


def _random_regs(rng):
    return [0] + [int(v) for v in rng.integers(0, 2**64, 31, dtype=np.uint64)]


def test_fadd_d_through_the_image_writes_f_rd_and_keeps_every_register():
    m, rng = Machine(), np.random.default_rng(1)
    m.block(softfp.F + 8, 0x3FF8_0000_0000_0000)       # f1 = 1.5
    m.block(softfp.F + 16, 0x4004_0000_0000_0000)      # f2 = 2.5
    regs = _random_regs(rng)
    assert m.call(OPS["FADD_D"].encode(0), regs) == regs
    assert m.block(softfp.F + 32) == 0x4010_0000_0000_0000   # f4 = 4.0
    assert m.block(softfp.FCSR) == 0


@pytest.mark.parametrize("rd", [13, 31, 1, 2])   # a3; t6, which the sequence borrows; ra and sp, which the trampoline saves
def test_fcvt_w_d_through_the_image_writes_rd_only(rd):
    m, rng = Machine(), np.random.default_rng(rd)
    m.block(softfp.F + 8, 0xC059_0CCC_CCCC_CCCD)       # f1 = -100.2
    insn = OPS["FCVT_W_D"].encode(1) & ~(31 << 7) | rd << 7
    regs = _random_regs(rng)
    after = m.call(insn, regs, rd=rd)
    assert after[rd] == (1 << 64) - 100                    # rtz, sign-extended
    assert after[:rd] + after[rd + 1:] == regs[:rd] + regs[rd + 1:]
    assert m.block(softfp.FCSR) == 1                       # inexact


@pytest.mark.parametrize("rs1", [21, 31])        # s5; t6, which the sequence borrows
def test_fcvt_d_l_through_the_image_reads_rs1(rs1):
    m, rng = Machine(), np.random.default_rng(rs1)
    regs = _random_regs(rng)
    regs[rs1] = (1 << 64) - 3                              # -3
    insn = OPS["FCVT_D_L"].encode(0) & ~(31 << 15) | rs1 << 15
    assert m.call(insn, regs, rs1=rs1) == regs
    assert m.block(softfp.F + 32) == 0xC008_0000_0000_0000   # f4 = -3.0


def test_illegal_instruction_reaches_the_return_with_its_status_and_changes_no_register():
    m = Machine()
    insn = OPS["FADD_D"].encode(5)                         # rm 5 is reserved
    regs = _random_regs(np.random.default_rng(3))
    assert m.call(insn, regs) == regs
    assert m.block(softfp.STATUS) == softfp.BAD_RM
    assert m.block(softfp.INSN) & 0xFFFF_FFFF == insn
