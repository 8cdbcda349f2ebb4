"""The soft-float library (runtime/guest/softfp), built for the host, against Berkeley
SoftFloat (softfloatpy): results and fflags of every F/D operation under every rounding
mode, on edge cases and random operands; reserved encodings; CSRs; loads and stores.
The million-case campaign is bench/softfp_campaign.py."""
import ctypes

import numpy as np
import pytest

pytest.importorskip("softfloatpy")
pytest.importorskip("ziglang")

from runtime import softfp  # noqa: E402
from softfp_cases import DYN, OPS, edge_cases, random_cases  # noqa: E402
from softfp_native import Native  # noqa: E402

RANDOM_CASES = 3000
ROUNDING_OPS = [name for name, op in OPS.items() if op.rounds]
OTHER_OPS = [name for name, op in OPS.items() if not op.rounds]


@pytest.fixture(scope="module")
def native(tmp_path_factory):
    return Native(tmp_path_factory.mktemp("softfp"))


def _mismatches(native, name, rm, cases, insn_rm=None, frm=0):
    op = OPS[name]
    a, b, c, x = cases
    out, flags, status = native.run(op.encode(rm if insn_rm is None else insn_rm), frm << 5, op.writes_x, a, b, c, x)
    ref, ref_flags = native.reference(name, rm, a, b, c, x)
    assert (status == softfp.OK).all()
    bad = np.flatnonzero((out != ref) | (flags != ref_flags))
    return [f"a={a[i]:#x} b={b[i]:#x} c={c[i]:#x} x={x[i]:#x}: {out[i]:#x} fflags {flags[i]:#x}, "
            f"SoftFloat {ref[i]:#x} fflags {ref_flags[i]:#x}" for i in bad[:5]]


@pytest.mark.parametrize("rm", range(5))
@pytest.mark.parametrize("name", ROUNDING_OPS)
def test_rounding_operation_matches_softfloat_on_edge_cases(native, name, rm):
    assert _mismatches(native, name, rm, edge_cases(OPS[name])) == []


@pytest.mark.parametrize("rm", range(5))
@pytest.mark.parametrize("name", ROUNDING_OPS)
def test_rounding_operation_matches_softfloat_on_random_operands(native, name, rm):
    rng = np.random.default_rng([rm, ROUNDING_OPS.index(name)])
    assert _mismatches(native, name, rm, random_cases(OPS[name], rng, RANDOM_CASES)) == []


@pytest.mark.parametrize("name", OTHER_OPS)
def test_non_rounding_operation_matches_reference_on_edge_cases(native, name):
    assert _mismatches(native, name, 0, edge_cases(OPS[name])) == []


@pytest.mark.parametrize("name", OTHER_OPS)
def test_non_rounding_operation_matches_reference_on_random_operands(native, name):
    rng = np.random.default_rng(OTHER_OPS.index(name))
    assert _mismatches(native, name, 0, random_cases(OPS[name], rng, RANDOM_CASES)) == []


@pytest.mark.parametrize("frm", range(5))
@pytest.mark.parametrize("name", ["FADD_S", "FDIV_D", "FMADD_D", "FSQRT_S", "FCVT_W_D", "FCVT_S_LU", "FCVT_S_D"])
def test_dynamic_rounding_mode_rounds_as_frm_says(native, name, frm):
    rng = np.random.default_rng(frm)
    assert _mismatches(native, name, frm, random_cases(OPS[name], rng, RANDOM_CASES), insn_rm=DYN, frm=frm) == []


def _block(insn, fcsr=0, xin=0):
    blk = np.zeros(softfp.SIZE // 8, np.uint64)
    blk[: 32] = np.arange(32, dtype=np.uint64) * np.uint64(0x0101_0101_0101) + np.uint64(0x3FF0_0000_0000_0000)
    blk[softfp.FCSR // 8] = fcsr
    blk[softfp.INSN // 8] = insn
    blk[softfp.XIN // 8] = xin
    return blk


@pytest.mark.parametrize("name", ["FADD_D", "FSQRT_S", "FMADD_S", "FCVT_L_D", "FCVT_D_W", "FCVT_D_S"])
@pytest.mark.parametrize("rm, frm", [(5, 0), (6, 0), (DYN, 5), (DYN, 6), (DYN, 7)])
def test_reserved_rounding_mode_is_reported_and_changes_nothing(native, name, rm, frm):
    blk = _block(OPS[name].encode(rm), fcsr=frm << 5 | 0b10101)
    before = blk.copy()
    native.execute(blk)
    assert blk[softfp.STATUS // 8] == softfp.BAD_RM
    blk[softfp.STATUS // 8] = 0
    assert (blk == before).all()


RESERVED = {
    "half precision (fmt 2)": OPS["FADD_S"].encode(0) | 2 << 25,
    "quad precision (fmt 3)": OPS["FMADD_S"].encode(0) | 3 << 25,
    "fsgnj funct3 3": OPS["FSGNJ_D"].encode() | 3 << 12,
    "fmin funct3 2": OPS["FMIN_S"].encode() | 2 << 12,
    "fle/flt/feq funct3 3": OPS["FEQ_D"].encode() | 3 << 12,
    "fsqrt with rs2 != 0": OPS["FSQRT_D"].encode(0) | 1 << 20,
    "fcvt.s.s": OPS["FCVT_S_D"].encode(0) & ~(31 << 20),
    "fcvt.w.d with rs2 4": OPS["FCVT_W_D"].encode(0) | 4 << 20,
    "fmv.x.d with rs2 1": OPS["FMV_X_D"].encode() | 1 << 20,
    "fclass funct3 2": OPS["FCLASS_D"].encode() | 3 << 12,
    "fmv.d.x funct3 1": OPS["FMV_D_X"].encode() | 1 << 12,
    "funct5 0x06": 0x06 << 27 | 0x53,
    "flq (funct3 4)": 4 << 12 | 0x07,
    "csrrw cycle": 0xC00 << 20 | 1 << 12 | 0x73,
    "csrrw fcsr with funct3 4": 3 << 20 | 4 << 12 | 0x73,
    "integer add": 0x0000_0033,
}


@pytest.mark.parametrize("what", RESERVED)
def test_reserved_encoding_is_reported_as_illegal_and_changes_nothing(native, what):
    blk = _block(RESERVED[what], fcsr=0x25)
    before = blk.copy()
    native.execute(blk)
    assert blk[softfp.STATUS // 8] == softfp.BAD_INSN
    blk[softfp.STATUS // 8] = 0
    assert (blk == before).all()


def test_fflags_accrue_over_earlier_flags(native):
    blk = _block(OPS["FDIV_D"].encode(0), fcsr=0b0_0001 | 2 << 5)  # NX already set, frm = RDN
    blk[1], blk[2] = 0x3FF0_0000_0000_0000, 0                  # 1 / 0
    native.execute(blk)
    assert blk[softfp.FCSR // 8] == 0b0_1001 | 2 << 5           # DZ joins NX; frm kept


CSR_NUM = {"fflags": 1, "frm": 2, "fcsr": 3}


def _csr_model(fcsr, csr, op, value):
    """(old value read, new fcsr) per the Zicsr and F chapters."""
    shift, mask = {"fflags": (0, 0x1F), "frm": (5, 0x7), "fcsr": (0, 0xFF)}[csr]
    old = fcsr >> shift & mask
    new = {"w": value, "s": old | value, "c": old & ~value}[op] & mask
    return old, fcsr & ~(mask << shift) | new << shift


@pytest.mark.parametrize("csr", CSR_NUM)
@pytest.mark.parametrize("op", ["w", "s", "c"])
@pytest.mark.parametrize("immediate", [False, True])
def test_fp_csr_access_reads_the_old_value_and_writes_the_new(native, csr, op, immediate):
    rng = np.random.default_rng([CSR_NUM[csr], ord(op), immediate])
    for fcsr, value in zip(rng.integers(0, 256, 20), rng.integers(0, 1 << 12, 20)):
        src = int(value) & 31 if immediate else int(value) | 0xFFFF_0000_0000
        funct3 = {"w": 1, "s": 2, "c": 3}[op] | (4 if immediate else 0)
        rs1 = src if immediate else 9
        blk = _block(CSR_NUM[csr] << 20 | rs1 << 15 | funct3 << 12 | 7 << 7 | 0x73, int(fcsr), 0 if immediate else src)
        native.execute(blk)
        old, new = _csr_model(int(fcsr), csr, op, src)
        assert blk[softfp.STATUS // 8] == softfp.OK
        assert (int(blk[softfp.XOUT // 8]), int(blk[softfp.FCSR // 8])) == (old, new)


def _load_store(native, word, buf):
    blk = _block(word, 0, ctypes.addressof(buf) + 64)
    native.execute(blk)
    assert blk[softfp.STATUS // 8] == softfp.OK
    return blk


def _mem(word, off):
    return word | (off & 0xFFF) << 20


def test_flw_nan_boxes_and_fld_loads_64_bits(native):
    buf = (ctypes.c_uint8 * 128).from_buffer(bytearray(range(128)))
    blk = _load_store(native, _mem(2 << 12 | 4 << 7 | 0x07, -8), buf)       # flw f4, -8(x)
    assert blk[4] == 0xFFFF_FFFF_0000_0000 | int.from_bytes(bytes(buf)[56:60], "little")
    blk = _load_store(native, _mem(3 << 12 | 4 << 7 | 0x07, 13), buf)       # fld f4, 13(x), misaligned
    assert blk[4] == int.from_bytes(bytes(buf)[77:85], "little")


def test_fsw_stores_the_low_32_bits_without_unboxing_and_fsd_stores_64(native):
    data = bytearray(128)
    buf = (ctypes.c_uint8 * 128).from_buffer(data)
    store = lambda f3, off: 6 << 20 | f3 << 12 | ((off >> 5) & 0x7F) << 25 | (off & 31) << 7 | 0x27
    blk = _block(store(2, -4), 0, ctypes.addressof(buf) + 64)
    blk[6] = 0x1234_5678_9ABC_DEF0                                               # not a boxed single
    native.execute(blk)
    assert bytes(data[60:64]) == (0x9ABC_DEF0).to_bytes(4, "little") and not any(data[64:])
    blk[softfp.INSN // 8] = store(3, 40)
    native.execute(blk)
    assert bytes(data[104:112]) == (0x1234_5678_9ABC_DEF0).to_bytes(8, "little")
