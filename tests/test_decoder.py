"""The decoder is strict (reserved and unsupported encodings are illegal) and agrees with
capstone 5.0.9, an independent decoder, on a million random words and on every word of
the bundled example guests."""
import itertools
import re
from pathlib import Path

import capstone
import numpy as np
import pytest

from runtime.isa import REGISTER_NUMBERS
from translator.assembler import assemble_line, encode
from translator.decoder import IllegalInstruction, decode, try_decode
from translator.disasm import format_instruction
from translator.elf import load_elf
from runtime.encoding import PROFILE_CLASSES, TABLE, decodable, decode_words
from runtime.profiles import PROFILES

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
CS_MODES = {64: capstone.CS_MODE_RISCV64, 32: capstone.CS_MODE_RISCV32}
ROWS = [(op, xlen) for op in TABLE for xlen in op.xlens]


def row_id(row) -> str:
    op, xlen = row
    return f"{op.name}-rv{xlen}"


# ---- the table itself --------------------------------------------------------------------

@pytest.mark.parametrize("row", ROWS, ids=row_id)
def test_every_row_decodes_from_its_own_match_with_zero_operands(row):
    op, xlen = row
    instr = decode(op.match, xlen, op.needs)
    assert instr.opcode is op
    assert (instr.rd, instr.rs1, instr.rs2, instr.imm, instr.aqrl) == (0, 0, 0, 0, 0)


@pytest.mark.parametrize("row", [r for r in ROWS if r[0].ext], ids=row_id)
def test_a_vendor_row_is_illegal_without_its_extension(row):
    op, xlen = row
    with pytest.raises(IllegalInstruction):
        decode(op.match, xlen)
    assert decode_words(np.array([op.match], np.uint32), xlen)["op"][0] == -1
    assert decode_words(np.array([op.match], np.uint32), xlen, frozenset({op.ext}))["op"][0] == op.id


def test_no_two_rows_one_profile_decodes_can_match_the_same_word():
    """Within what a profile's decoder tries (OpenVM's `csrrw x0, csr, x0` row overlaps csrrw,
    which only profiles with CSR calls decode)."""
    profiles = {registry.extensions for profile in PROFILES.values() for registry in profile.calls.values()}
    for extensions in profiles:
        for xlen in (32, 64):
            rows = [op for op in TABLE if decodable(op, xlen, extensions)]
            for a, b in itertools.combinations(rows, 2):
                assert (a.match ^ b.match) & a.mask & b.mask, f"{a.name} and {b.name} overlap"


def test_every_rows_match_lies_inside_its_mask():
    for op in TABLE:
        assert op.match & ~op.mask == 0, op.name
        assert op.match & 3 == 3, f"{op.name} sits in the compressed space"


# ---- reserved and unsupported encodings --------------------------------------------------

def _reserved_words():
    """(xlen, word, why): each must be illegal."""
    cases = []
    jalr = encode("jalr", rd=1, rs1=2, imm=4)
    cases += [(x, jalr | f3 << 12, f"jalr funct3={f3}") for f3 in range(1, 8) for x in (32, 64)]
    for name in ("slli", "srli", "srai"):
        cases.append((32, encode(name, 32, rd=10, rs1=11, imm=3) | 1 << 25, f"rv32 {name} shamt[5]=1"))
    for name in ("slliw", "srliw", "sraiw"):
        cases.append((64, encode(name, rd=10, rs1=11, imm=3) | 1 << 25, f"{name} with bit 25 set"))
    for x, name in ((32, "lr.w"), (64, "lr.w"), (64, "lr.d")):
        cases += [(x, encode(name, x, rd=10, rs1=11) | rs2 << 20, f"{name} rs2={rs2}") for rs2 in (1, 31)]
    named = {
        "fence.i (Zifencei)": 0x0000100F,
        "csrrw (unimp)": 0xC0001073,
        "csrrs rdcycle": 0xC0002573,
        "csrrc": 0x30053073,
        "csrrwi": 0x3402D073,
        "csrrsi": 0x30046573,
        "csrrci": 0x30047073,
        "mret": 0x30200073,
        "wfi": 0x10500073,
        "sfence.vma": 0x12000073,
        "ecall with rd=1": 0x000000F3,
        "ecall with rs1=1": 0x00008073,
        "ebreak with rd=1": 0x001000F3,
        "all zeros": 0x00000000,
        "all ones": 0xFFFFFFFF,
        "c.nop": 0x00000001,
        "c.li a0, 0": 0x00004501,
        "c.ret": 0x00008082,
        "c.addi4spn": 0x00000040,
        "flw (F)": 0x0005A507,
        "fld (D)": 0x0005B507,
        "fadd.s (F)": 0x00B50553,
        "load funct3=111": 0x0005F503,
        "store funct3=100": 0x00A5C023,
        "branch funct3=010": 0x00B52063,
        "branch funct3=011": 0x00B53063,
        "OP funct7=0000010": 0x04B50533,
        "OP sub-form of sll": 0x40B51533,
        "OP-IMM srli with funct6=010001": 0x4415D513,
        "OP-32 mulhw does not exist": 0x02B5153B,
        "AMO funct5=00101": 0x28B5A52F,
        "AMO byte width": 0x08B5852F,
        "AMO halfword width": 0x08B5952F,
        "opcode 0x7f (>=80-bit space)": 0x0000007F,
        "opcode 0x3f (48-bit space)": 0x0000003F,
    }
    cases += [(x, w, why) for why, w in named.items() for x in (32, 64)]
    rv64_only = ["ld", "lwu", "sd", "addiw", "slliw", "srliw", "sraiw", "addw", "subw", "sllw", "srlw",
                 "sraw", "mulw", "divw", "divuw", "remw", "remuw", "lr.d", "sc.d", "amoswap.d",
                 "amoadd.d", "amoxor.d", "amoand.d", "amoor.d", "amomin.d", "amomax.d",
                 "amominu.d", "amomaxu.d"]
    for op in TABLE:
        if op.xlens == (64,) and op.name not in ("slli", "srli", "srai") and op.cls not in ("float", "floatret"):
            assert op.name in rv64_only
            cases.append((32, op.match, f"{op.name} is RV64-only"))
    return cases


@pytest.mark.parametrize("xlen, word, why", _reserved_words(),
                         ids=[f"{why}-rv{x}" for x, _, why in _reserved_words()])
def test_reserved_and_unsupported_encodings_are_illegal(xlen, word, why):
    with pytest.raises(IllegalInstruction):
        decode(word, xlen)
    assert try_decode(word, xlen) is None


def test_rv64_reads_shamt_bit_5_that_rv32_reserves():
    word = encode("srai", 32, rd=10, rs1=11, imm=3) | 1 << 25
    instr = decode(word, 64)
    assert (instr.name, instr.imm) == ("srai", 35)


def test_compressed_words_are_called_compressed_in_the_error():
    with pytest.raises(IllegalInstruction, match="compressed"):
        decode(0x4501)


def test_illegal_word_error_names_the_word_and_the_isa():
    with pytest.raises(IllegalInstruction, match=r"0xc0002573.*RV32IMA"):
        decode(0xC0002573, 32)


def test_spec_reserved_fence_fields_decode_as_an_ordinary_fence():
    # The base ISA: "implementations shall ignore" rd/rs1 of FENCE and treat reserved
    # fm/pred/succ combinations as a normal fence.
    for word in (0x8330000F, 0x0FF0008F, 0x0FF5800F, 0xF000000F, 0x0000000F):
        assert decode(word).name == "fence"
        assert decode(word, 32).name == "fence"


# ---- agreement with capstone ---------------------------------------------------------------

CS_REG = {name: number for name, number in REGISTER_NUMBERS.items()}
_MEM = re.compile(r"^(-?(?:0x[0-9a-f]+|\d+))?\((\w+)\)$")
_ORDER = {"": 0, ".rl": 1, ".aq": 2, ".aqrl": 3}
_FENCE_BITS = {"i": 8, "o": 4, "r": 2, "w": 1}

# capstone's alias spellings -> (base instruction, function of the printed operands giving
# the base instruction's operands).  Operand values, not spellings, are compared.
_ALIASES = {
    "nop": ("addi", lambda: dict(rd=0, rs1=0, imm=0)),
    "mv": ("addi", lambda rd, rs: dict(rd=rd, rs1=rs, imm=0)),
    "li": ("addi", lambda rd, imm: dict(rd=rd, rs1=0, imm=imm)),
    "not": ("xori", lambda rd, rs: dict(rd=rd, rs1=rs, imm=-1)),
    "zext.b": ("andi", lambda rd, rs: dict(rd=rd, rs1=rs, imm=255)),
    "seqz": ("sltiu", lambda rd, rs: dict(rd=rd, rs1=rs, imm=1)),
    "sext.w": ("addiw", lambda rd, rs: dict(rd=rd, rs1=rs, imm=0)),
    "neg": ("sub", lambda rd, rs: dict(rd=rd, rs1=0, rs2=rs)),
    "negw": ("subw", lambda rd, rs: dict(rd=rd, rs1=0, rs2=rs)),
    "snez": ("sltu", lambda rd, rs: dict(rd=rd, rs1=0, rs2=rs)),
    "sltz": ("slt", lambda rd, rs: dict(rd=rd, rs1=rs, rs2=0)),
    "sgtz": ("slt", lambda rd, rs: dict(rd=rd, rs1=0, rs2=rs)),
    "beqz": ("beq", lambda rs, off: dict(rs1=rs, rs2=0, imm=off)),
    "bnez": ("bne", lambda rs, off: dict(rs1=rs, rs2=0, imm=off)),
    "blez": ("bge", lambda rs, off: dict(rs1=0, rs2=rs, imm=off)),
    "bgez": ("bge", lambda rs, off: dict(rs1=rs, rs2=0, imm=off)),
    "bltz": ("blt", lambda rs, off: dict(rs1=rs, rs2=0, imm=off)),
    "bgtz": ("blt", lambda rs, off: dict(rs1=0, rs2=rs, imm=off)),
    "bgt": ("blt", lambda a, b, off: dict(rs1=b, rs2=a, imm=off)),
    "ble": ("bge", lambda a, b, off: dict(rs1=b, rs2=a, imm=off)),
    "bgtu": ("bltu", lambda a, b, off: dict(rs1=b, rs2=a, imm=off)),
    "bleu": ("bgeu", lambda a, b, off: dict(rs1=b, rs2=a, imm=off)),
    "j": ("jal", lambda off: dict(rd=0, imm=off)),
    "jr": ("jalr", lambda rs, off=0: dict(rd=0, rs1=rs, imm=off)),
    "ret": ("jalr", lambda: dict(rd=0, rs1=1, imm=0)),
    "fence.tso": ("fence", lambda: dict(imm=0x833)),
    "pause": ("fence", lambda: dict(imm=0x010)),
}


def _value(token: str):
    """A capstone operand: register number, integer, or ('mem', disp, base)."""
    if token in CS_REG:
        return CS_REG[token]
    m = _MEM.match(token)
    if m:
        return ("mem", int(m.group(1) or "0", 0), CS_REG[m.group(2)])
    if token == "unknown":          # capstone's spelling of an empty fence set
        return 0
    if set(token) <= set(_FENCE_BITS):
        return sum(_FENCE_BITS[c] for c in token)
    return int(token, 0)


_FORMAT_OF = {op.name: op.format.name for op in TABLE if op.cls not in PROFILE_CLASSES}   # zkaot's ISA


def _sext(value: int, bits: int) -> int:
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def capstone_view(mnemonic: str, op_str: str) -> tuple[str, dict] | None:
    """capstone's text as (base mnemonic, operand values in our Instruction's terms),
    or None for an instruction outside RV32IMA/RV64IMA.

    The printed text is parsed rather than capstone's `detail` operands: for an alias,
    capstone 5.0.9 fills `detail` only with the operands it prints (`ret` has none, `jalr a0`
    one, `sltz a0, a1` two), so the implied ones must come from the alias rules anyway; and
    `disasm_lite` over the whole buffer is what keeps a million words under a few seconds."""
    aqrl = 0
    for suffix in (".aqrl", ".aq", ".rl"):
        if mnemonic.endswith(suffix) and mnemonic.startswith(("lr.", "sc.", "amo")):
            mnemonic, aqrl = mnemonic[: -len(suffix)], _ORDER[suffix]
    fmt = _FORMAT_OF.get(mnemonic)
    if fmt is None and mnemonic not in _ALIASES:
        return None
    vals = [_value(t.strip()) for t in op_str.split(",")] if op_str.strip() else []
    if mnemonic in _ALIASES:
        base, rule = _ALIASES[mnemonic]
        return base, rule(*vals)
    if fmt == "R":
        rd, rs1, rs2 = vals
        return mnemonic, dict(rd=rd, rs1=rs1, rs2=rs2)
    if fmt in ("I", "SHIFT"):
        rd, rs1, imm = vals
        return mnemonic, dict(rd=rd, rs1=rs1, imm=imm)
    if fmt == "LOAD":
        rd, (_, disp, base) = vals
        return mnemonic, dict(rd=rd, rs1=base, imm=disp)
    if fmt == "JALR":
        if len(vals) == 1:                       # jalr rs: the link register ra is implied
            return mnemonic, dict(rd=1, rs1=vals[0], imm=0)
        if len(vals) == 2 and isinstance(vals[1], tuple):
            return mnemonic, dict(rd=vals[0], rs1=vals[1][2], imm=vals[1][1])
        rd, rs1, imm = vals
        return mnemonic, dict(rd=rd, rs1=rs1, imm=imm)
    if fmt == "S":
        rs2, (_, disp, base) = vals
        return mnemonic, dict(rs1=base, rs2=rs2, imm=disp)
    if fmt == "B":
        rs1, rs2, off = vals
        return mnemonic, dict(rs1=rs1, rs2=rs2, imm=off)
    if fmt == "U":
        rd, upper = vals
        return mnemonic, dict(rd=rd, imm=_sext(upper << 12, 32))
    if fmt == "J":
        if len(vals) == 1:                       # jal offset: the link register ra is implied
            return mnemonic, dict(rd=1, imm=vals[0])
        rd, off = vals
        return mnemonic, dict(rd=rd, imm=off)
    if fmt == "AMO":
        rd, rs2, (_, _, base) = vals
        return mnemonic, dict(rd=rd, rs1=base, rs2=rs2, aqrl=aqrl)
    if fmt == "LR":
        rd, (_, _, base) = vals
        return mnemonic, dict(rd=rd, rs1=base, aqrl=aqrl)
    if fmt == "FENCE":
        if not vals:                             # plain "fence" is fence iorw, iorw
            return mnemonic, dict(imm=0x0FF)
        pred, succ = vals
        return mnemonic, dict(imm=pred << 4 | succ)
    assert fmt == "NONE", fmt
    return mnemonic, {}


def our_view(instr, keys) -> dict:
    return {k: getattr(instr, k) for k in keys}


def _excluded(word: int, xlen: int, ours, theirs) -> bool:
    """Word classes where capstone departs from the RISC-V spec; our decoder follows the spec."""
    # FENCE with fm other than 0/TSO or with nonzero rd/rs1: capstone rejects them, but the
    # unprivileged spec (RV32I "Memory Ordering Instructions") says base implementations
    # ignore rd/rs1 and treat reserved fm/pred/succ configurations as a normal fence.
    if ours is not None and ours.name == "fence" and theirs is None:
        return True
    # RV32 SLLI/SRLI/SRAI with shamt[5] set: reserved on RV32 ("an illegal instruction"
    # when imm[5] != 0), but capstone 5.0.9 decodes them as shifts by 32..63.
    if (xlen == 32 and ours is None and theirs is not None and theirs[0] in ("slli", "srli", "srai")
            and word >> 25 & 1):
        return True
    return False


def compare_with_capstone(words, xlen: int, base: int = 0):
    """Every disagreement between our decoder and capstone over consecutive words.

    Returns (mismatches, outside): mismatches as (word, ours, theirs) strings, and the
    mnemonics capstone decodes that are outside our ISA (which we must reject)."""
    md = capstone.Cs(capstone.CS_ARCH_RISCV, CS_MODES[xlen])
    md.skipdata = True                           # undecodable words come back as ".byte"
    words = np.asarray(words, dtype="<u4")
    decoded = list(md.disasm_lite(words.tobytes(), base))
    assert len(decoded) == len(words) and all(size == 4 for _, size, _, _ in decoded)
    mismatches, outside = [], set()
    for word, (_, _, mnem, op_str) in zip(words.tolist(), decoded):
        ours = try_decode(word, xlen)
        theirs = None if mnem == ".byte" else capstone_view(mnem, op_str)
        if theirs is None and mnem != ".byte":
            outside.add(mnem)
        if ours is None and theirs is None:
            continue
        if _excluded(word, xlen, ours, theirs):
            continue
        if ours is None or theirs is None or ours.name != theirs[0] \
                or our_view(ours, theirs[1]) != theirs[1]:
            mine = format_instruction(ours, 0) if ours else "illegal"
            mismatches.append((f"0x{word:08x}", mine, f"{mnem} {op_str}".strip()))
    return mismatches, outside


def random_words(n: int = 1_000_000, seed: int = 20240601) -> np.ndarray:
    """Mostly 32-bit-space words; half of those carry one of our major opcodes."""
    rng = np.random.default_rng(seed)
    words = rng.integers(0, 1 << 32, size=n, dtype=np.uint64).astype(np.uint32)
    words[n // 20:] |= 3                                     # 5% stay anywhere (compressed space too)
    majors = np.array(sorted({op.match & 0x7F for op in TABLE}), dtype=np.uint32)
    half = slice(n // 2, n)
    words[half] = (words[half] & ~np.uint32(0x7F)) | rng.choice(majors, size=n - n // 2)
    return words


# Classes capstone 5.0.9 decodes that are not in RV32IMA/RV64IMA and so are illegal for us.
# (capstone 5.0.9 on this sample: csr*/csrr/csrw..., f* of F and D, fsrm/fsflagsi, sfence.vma.)
OUTSIDE_OUR_ISA = re.compile(r"^(f[\w.]*|csr\w*|rd\w+|unimp|wfi|mret|sret|uret|sfence\.vma|hfence.*|hlv.*|hsv.*)$")


@pytest.mark.parametrize("xlen", [64, 32])
def test_a_million_random_words_decode_as_capstone_decodes_them(xlen):
    mismatches, outside = compare_with_capstone(random_words(), xlen)
    assert not mismatches, f"{len(mismatches)} disagreements, e.g. {mismatches[:10]}"
    # What we reject and capstone accepts: F, D, CSR and privileged instructions only.
    assert outside, "the sample should reach beyond RV*IMA"
    assert all(OUTSIDE_OUR_ISA.match(m) for m in outside), sorted(outside)


def test_capstone_comparison_detects_a_wrong_operand():
    """The comparison itself must not be vacuous: a mismatched immediate is reported."""
    word = encode("addi", rd=10, rs1=11, imm=5)
    assert compare_with_capstone([word], 64) == ([], set())
    view = capstone_view("addi", "a0, a1, 6")
    assert view != ("addi", our_view(decode(word), view[1]))
    assert capstone_view("mv", "a0, a1") == ("addi", dict(rd=10, rs1=11, imm=0))
    assert capstone_view("jalr", "a1") == ("jalr", dict(rd=1, rs1=11, imm=0))
    assert capstone_view("lui", "a0, 0xfffff") == ("lui", dict(rd=10, imm=-4096))


# ---- the bundled example guests --------------------------------------------------------------

GUESTS = sorted(EXAMPLES.glob("*/guest.*.elf"))


def test_example_guests_are_present_to_compare():
    assert GUESTS, f"no examples/*/guest.*.elf under {EXAMPLES}"


def _code_words(path: Path):
    program = load_elf(path)
    for lo, hi in program.code_ranges():
        seg = next(s for s in program.segments if s.vaddr == lo)
        data = seg.data[: (hi - lo) & ~3]
        yield program.xlen, lo, np.frombuffer(data, dtype="<u4")


@pytest.mark.parametrize("elf", GUESTS, ids=lambda p: f"{p.parent.name}-{p.name}")
def test_every_code_word_of_an_example_decodes_as_capstone_decodes_it(elf):
    for xlen, base, words in _code_words(elf):
        mismatches, _ = compare_with_capstone(words, xlen, base)
        assert not mismatches, f"{elf.name}: {len(mismatches)} disagreements, e.g. {mismatches[:10]}"


@pytest.mark.parametrize("elf", GUESTS, ids=lambda p: f"{p.parent.name}-{p.name}")
def test_every_decoded_code_word_of_an_example_round_trips_through_the_assembler(elf):
    failures = []
    for xlen, base, words in _code_words(elf):
        for i, word in enumerate(words.tolist()):
            instr = try_decode(word, xlen)
            if instr is None:
                continue
            pc = base + 4 * i
            text = format_instruction(instr, pc)
            again = assemble_line(text, pc, xlen)
            if again != word:
                failures.append((hex(pc), hex(word), text, hex(again)))
    assert not failures, f"{len(failures)} words do not round trip, e.g. {failures[:10]}"


@pytest.mark.parametrize("xlen", [64, 32])
def test_csr_words_decode_only_for_a_profile_that_takes_them_one_word_or_an_array_at_once(xlen):
    words = [encode(name, xlen, rd=rd, rs1=rs1, imm=csr) for name in ("csrrw", "csrrs", "csrrc", "csrrwi",
                                                                        "csrrsi", "csrrci")
             for rd, rs1, csr in ((0, 10, 0x800), (5, 0, 0xF12), (31, 17, 0x7C0))]
    assert all(try_decode(w, xlen) is None for w in words)
    assert (decode_words(np.array(words, np.uint32), xlen)["op"] == -1).all()
    one_by_one = [decode(w, xlen, PROFILE_CLASSES) for w in words]
    at_once = decode_words(np.array(words, np.uint32), xlen, PROFILE_CLASSES)
    assert at_once["op"].tolist() == [i.opcode.id for i in one_by_one]
    assert at_once["imm"].tolist() == [i.imm for i in one_by_one] and at_once["rs1"].tolist() == [i.rs1 for i in one_by_one]
