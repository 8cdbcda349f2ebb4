"""Loads and stores: widths, sign and zero extension, byte order, misaligned accesses
(Zicclsm: they work and are counted), and every way an access can fault on the zkaot
memory map (null page, code, read-only data, input region, stack guard, outside the map)."""
import pytest

from guest_asm import CODE, DATA, EXIT, SMALL_RAM, assert_fault, program_from_asm, reg, run, run_ok
from runtime.memory_map import INPUT_BASE, MemoryMap
from translator.assembler import encode
from translator.elf import Program, Segment
from runtime.encoding import TABLE

M = 0xFFFF_FFFF_FFFF_FFFF
PATTERN = bytes([0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88,      # every byte's top bit set
                 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,      # every byte's top bit clear
                 0xF0, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7,
                 0x7F, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F])
SIZES = {"lb": 1, "lbu": 1, "lh": 2, "lhu": 2, "lw": 4, "lwu": 4, "ld": 8,
         "sb": 1, "sh": 2, "sw": 4, "sd": 8}
SIGNED = {"lb", "lh", "lw", "ld"}


def expected_load(op: str, data: bytes, offset: int) -> int:
    """What the load returns, from the bytes themselves (little-endian, then extension)."""
    raw = data[offset: offset + SIZES[op]]
    return int.from_bytes(raw, "little", signed=op in SIGNED) & M


# ---- loads ------------------------------------------------------------------------------------

@pytest.mark.parametrize("op, offset, expected", [
    ("lb", 0, 0xFFFF_FFFF_FFFF_FF81), ("lb", 8, 0x01), ("lb", 24, 0x7F),
    ("lbu", 0, 0x81), ("lbu", 25, 0xFF),
    ("lh", 0, 0xFFFF_FFFF_FFFF_8281), ("lh", 8, 0x0201), ("lh", 24, 0xFFFF_FFFF_FFFF_FF7F),
    ("lhu", 0, 0x8281), ("lhu", 26, 0xFF7F),
    ("lw", 0, 0xFFFF_FFFF_8483_8281), ("lw", 8, 0x0403_0201), ("lw", 28, 0x7FFF_FFFF),
    ("lwu", 0, 0x8483_8281), ("lwu", 16, 0xF3F2_F1F0),
    ("ld", 0, 0x8887_8685_8483_8281), ("ld", 8, 0x0807_0605_0403_0201), ("ld", 24, 0x7FFF_FFFF_FF7F_FF7F),
], ids=lambda v: str(v) if not isinstance(v, int) or v < 64 else hex(v))
def test_load_extends_by_its_width_and_signedness(op, offset, expected):
    result, _ = run_ok(f"{op} a0, {offset}(a1)\n{EXIT}", regs={"a1": DATA}, data=PATTERN)
    assert reg(result, "a0") == expected == expected_load(op, PATTERN, offset)


def test_load_offsets_are_sign_extended_12_bit_displacements():
    data = bytearray(0x1000)
    data[0:8] = (0x1111).to_bytes(8, "little")
    data[0xFF8:0x1000] = (0x2222).to_bytes(8, "little")
    source = f"ld a0, -2048(a1)\nld a2, 2040(a3)\nld a4, -8(a5)\n{EXIT}"
    result, _ = run_ok(source, data=bytes(data),
                       regs={"a1": DATA + 2048, "a3": DATA + 0xFF8 - 2040, "a5": DATA + 8})
    assert (reg(result, "a0"), reg(result, "a2"), reg(result, "a4")) == (0x1111, 0x2222, 0x1111)


def test_load_base_plus_offset_wraps_modulo_2_pow_64():
    result, _ = run_ok(f"ld a0, -8(a1)\n{EXIT}", regs={"a1": DATA + 8}, data=PATTERN)
    assert reg(result, "a0") == 0x8887_8685_8483_8281


def test_load_from_code_reads_the_instruction_words():
    result, _ = run_ok(f"auipc a1, 0\nlw a0, 0(a1)\nlwu a2, 4(a1)\n{EXIT}")
    assert reg(result, "a0") == encode("auipc", rd=11, imm=0)
    assert reg(result, "a2") == encode("lw", rd=10, rs1=11, imm=0)


def test_load_into_x0_is_discarded_but_still_accesses_memory():
    result, _ = run_ok(f"ld zero, 0(a1)\nadd a0, zero, zero\n{EXIT}", regs={"a1": DATA}, data=PATTERN)
    assert reg(result, "a0") == 0
    result, _ = run(f"ld zero, 0(zero)\n{EXIT}")
    assert_fault(result, CODE, "null guard page")


# ---- stores -----------------------------------------------------------------------------------

VALUE = 0x1122_3344_5566_7788
FILL = b"\xaa" * 16


@pytest.mark.parametrize("op, written", [
    ("sb", b"\x88"), ("sh", b"\x88\x77"), ("sw", b"\x88\x77\x66\x55"),
    ("sd", b"\x88\x77\x66\x55\x44\x33\x22\x11"),
])
def test_store_writes_the_low_bytes_little_endian_and_nothing_else(op, written):
    _, machine = run_ok(f"{op} a0, 4(a1)\n{EXIT}", regs={"a0": VALUE, "a1": DATA}, data=FILL)
    assert machine.memory.read(DATA, 16) == b"\xaa" * 4 + written + b"\xaa" * (12 - len(written))


def test_stored_word_reads_back_byte_by_byte_in_little_endian_order():
    source = f"sw a0, 0(a1)\nlbu a2, 0(a1)\nlbu a3, 1(a1)\nlbu a4, 2(a1)\nlbu a5, 3(a1)\n{EXIT}"
    result, _ = run_ok(source, regs={"a0": 0x1122_3344, "a1": DATA})
    assert [reg(result, r) for r in ("a2", "a3", "a4", "a5")] == [0x44, 0x33, 0x22, 0x11]


@pytest.mark.parametrize("store, load, value, expected", [
    ("sd", "ld", VALUE, VALUE),
    ("sw", "lw", 0xDEAD_BEEF, 0xFFFF_FFFF_DEAD_BEEF),
    ("sw", "lwu", 0xDEAD_BEEF, 0xDEAD_BEEF),
    ("sh", "lh", 0x8001, 0xFFFF_FFFF_FFFF_8001),
    ("sh", "lhu", 0x1_8001, 0x8001),
    ("sb", "lb", 0x1FF, M),
    ("sb", "lbu", 0x1FF, 0xFF),
])
def test_store_then_load_round_trips(store, load, value, expected):
    result, _ = run_ok(f"{store} a0, 16(a1)\n{load} a2, 16(a1)\n{EXIT}", regs={"a0": value, "a1": DATA})
    assert reg(result, "a2") == expected


def test_store_offsets_are_sign_extended_12_bit_displacements():
    _, machine = run_ok(f"sd a0, -2048(a1)\nsb a0, 2047(a1)\n{EXIT}", regs={"a0": VALUE, "a1": DATA + 2048})
    assert machine.memory.read(DATA, 8) == VALUE.to_bytes(8, "little")
    assert machine.memory.read(DATA + 4095, 1) == b"\x88"


# ---- misaligned accesses (Zicclsm) ----------------------------------------------------------------

MISALIGNED_LOADS = [
    ("lh", 1, "within-8-bytes"), ("lh", 7, "across-8-byte-boundary"), ("lhu", 3, "within-8-bytes"),
    ("lhu", 15, "across-8-byte-boundary"), ("lw", 1, "within-8-bytes"), ("lw", 2, "within-8-bytes"),
    ("lw", 5, "across-8-byte-boundary"), ("lw", 6, "across-8-byte-boundary"), ("lwu", 7, "across-8-byte-boundary"),
    ("lwu", 3, "within-8-bytes"), ("ld", 1, "across-8-byte-boundary"), ("ld", 4, "across-8-byte-boundary"),
    ("ld", 7, "across-8-byte-boundary"),
]


@pytest.mark.parametrize("op, offset", [pytest.param(o, off, id=f"{o}-at-{off}-{why}")
                                        for o, off, why in MISALIGNED_LOADS])
def test_misaligned_load_works_and_is_counted(op, offset):
    result, _ = run_ok(f"{op} a0, {offset}(a1)\n{EXIT}", regs={"a1": DATA}, data=PATTERN)
    assert reg(result, "a0") == expected_load(op, PATTERN, offset)
    assert result.misaligned == 1


def test_misaligned_ld_across_8_byte_boundary_works_and_is_counted():
    result, _ = run_ok(f"ld a0, 5(a1)\n{EXIT}", regs={"a1": DATA}, data=PATTERN)
    assert reg(result, "a0") == 0x0504_0302_0188_8786
    assert result.misaligned == 1


MISALIGNED_STORES = [("sh", 1, "within-8-bytes"), ("sh", 7, "across-8-byte-boundary"),
                     ("sw", 2, "within-8-bytes"), ("sw", 6, "across-8-byte-boundary"),
                     ("sw", 7, "across-8-byte-boundary"), ("sd", 3, "across-8-byte-boundary"),
                     ("sd", 7, "across-8-byte-boundary")]


@pytest.mark.parametrize("op, offset", [pytest.param(o, off, id=f"{o}-at-{off}-{why}")
                                        for o, off, why in MISALIGNED_STORES])
def test_misaligned_store_works_and_is_counted(op, offset):
    result, machine = run_ok(f"{op} a0, {offset}(a1)\n{EXIT}", regs={"a0": VALUE, "a1": DATA}, data=FILL)
    size = SIZES[op]
    expected = FILL[:offset] + VALUE.to_bytes(8, "little")[:size] + FILL[offset + size:]
    assert machine.memory.read(DATA, 16) == expected
    assert result.misaligned == 1


def test_misaligned_access_across_a_4_kib_page_works():
    source = f"sd a0, 0(a1)\nld a2, 0(a1)\n{EXIT}"
    result, _ = run_ok(source, regs={"a0": VALUE, "a1": DATA + 0xFFC})
    assert reg(result, "a2") == VALUE and result.misaligned == 2


def test_aligned_accesses_are_not_counted_as_misaligned():
    source = ("lb a2, 1(a1)\nlbu a2, 3(a1)\nlh a2, 2(a1)\nlhu a2, 6(a1)\nlw a2, 4(a1)\nlwu a2, 8(a1)\n"
              "ld a2, 8(a1)\nsb a0, 5(a1)\nsh a0, 2(a1)\nsw a0, 12(a1)\nsd a0, 16(a1)\n" + EXIT)
    result, _ = run_ok(source, regs={"a1": DATA}, data=PATTERN)
    assert result.misaligned == 0


def test_each_misaligned_access_is_counted_once():
    source = f"lw a2, 1(a1)\nld a3, 8(a1)\nsh a0, 3(a1)\nld a4, 2(a1)\nlb a5, 3(a1)\n{EXIT}"
    result, _ = run_ok(source, regs={"a1": DATA}, data=PATTERN)
    assert result.misaligned == 3


# ---- faults -------------------------------------------------------------------------------------

@pytest.mark.parametrize("instruction, address, reason", [
    ("ld a0, 0(a1)", 0, "the null guard page"),
    ("lb a0, 0(a1)", 0xFFF, "the null guard page"),
    ("sd a0, 0(a1)", 8, "the null guard page"),
    ("lw a0, 0(a1)", 0x1000, "unmapped memory"),
    ("ld a0, 0(a1)", 0x1000_0000, "unmapped memory"),
    ("sw a0, 0(a1)", 0x1000_0000, "unmapped memory"),
    ("ld a0, 0(a1)", 0x1_0000_0000, "unmapped memory"),
    ("lb a0, 0(a1)", M, "unmapped memory"),
    ("ld a0, 0(a1)", SMALL_RAM.ram_end, "unmapped memory"),
    ("sb a0, 0(a1)", SMALL_RAM.ram_end, "unmapped memory"),
    ("ld a0, 0(a1)", SMALL_RAM.ram_end - 4, "load of 8 bytes"),   # straddles the end of RAM
    ("lw a0, 0(a1)", INPUT_BASE - 4, "unmapped memory"),
], ids=lambda v: hex(v) if isinstance(v, int) else v.split(",")[0].replace(" ", "-"))
def test_access_outside_the_map_faults(instruction, address, reason):
    result, _ = run(f"addi t0, zero, 1\n{instruction}\n{EXIT}", regs={"a1": address, "a0": 77})
    assert_fault(result, CODE + 4, f"at 0x{address:08x}", reason)
    assert result.steps == 1                          # the addi retired, the access did not
    assert reg(result, "a0") == 77                    # a faulting load writes nothing


def test_load_from_null_page_faults():
    result, _ = run(f"ld a0, 16(zero)\n{EXIT}")
    assert_fault(result, CODE, "ld a0, 16(zero)", "load of 8 bytes at 0x00000010", "null guard page")


def test_store_into_code_faults_and_leaves_the_code_unchanged():
    result, machine = run(f"auipc a1, 0\nsw zero, 0(a1)\n{EXIT}")
    assert_fault(result, CODE + 4, "store of 4 bytes at 0x80000000", "into code")
    assert machine.memory.read(CODE, 4) == encode("auipc", rd=11, imm=0).to_bytes(4, "little")


def test_misaligned_store_reaching_into_code_faults():
    code_end = CODE + 4 * 4
    result, _ = run(f"sd a0, 0(a1)\n{EXIT}\nebreak\n", regs={"a1": code_end - 4})
    assert_fault(result, CODE, "into code")


def test_store_into_read_only_data_faults_and_loads_from_it_work():
    rodata = 0x8002_0000
    base = program_from_asm(f"ld a0, 0(a1)\nsd a0, 8(a1)\n{EXIT}")
    program = Program(base.name, 64, base.entry,
                      base.segments + (Segment(rodata, b"\x07" + b"\0" * 15, True, False, False),), {}, (), "")
    result, _ = run("", program=program, regs={"a1": rodata})
    assert reg(result, "a0") == 7
    assert_fault(result, CODE + 4, f"at 0x{rodata + 8:08x}", "into read-only data")


def test_store_to_the_read_only_input_region_faults():
    result, _ = run(f"sw a0, 8(a1)\n{EXIT}", input_bytes=b"abcdefgh", regs={"a1": INPUT_BASE})
    assert_fault(result, CODE, f"at 0x{INPUT_BASE + 8:08x}", "the input region is read-only")


def test_loads_from_the_input_region_return_the_length_word_and_the_bytes():
    source = f"ld a2, 0(a1)\nlbu a3, 8(a1)\nld a4, 8(a1)\nlbu a5, 12(a1)\nlw a6, 9(a1)\n{EXIT}"
    result, _ = run_ok(source, input_bytes=b"hello", regs={"a1": INPUT_BASE})
    assert reg(result, "a2") == 5
    assert reg(result, "a3") == ord("h")
    assert reg(result, "a4") == int.from_bytes(b"hello\0\0\0", "little")     # zero padding to 8
    assert reg(result, "a5") == ord("o")
    assert reg(result, "a6") == int.from_bytes(b"ello", "little")
    assert result.misaligned == 1


def test_load_past_the_input_bytes_faults():
    result, _ = run(f"ld a0, 16(a1)\n{EXIT}", input_bytes=b"hello", regs={"a1": INPUT_BASE})
    assert_fault(result, CODE, f"at 0x{INPUT_BASE + 16:08x}", "the input region")


def test_empty_input_has_a_zero_length_word_and_no_bytes():
    result, _ = run(f"ld a0, 0(a1)\nlb a2, 8(a1)\n{EXIT}", regs={"a1": INPUT_BASE, "a0": 99})
    assert reg(result, "a0") == 0
    assert_fault(result, CODE + 4, "the input region")


def test_stack_guard_page_faults():
    guard_lo, guard_hi = SMALL_RAM.stack_guard
    for address, size in ((guard_lo, "sd"), (guard_hi - 1, "sb"), (guard_hi - 4, "sd")):
        result, _ = run(f"{size} a0, 0(a1)\n{EXIT}", regs={"a1": address})
        assert_fault(result, CODE, "stack guard page")
    result, _ = run(f"sd a0, 0(a1)\nld a2, -8(a3)\n{EXIT}", regs={"a1": guard_hi, "a3": SMALL_RAM.ram_end})
    assert result.fault is None                       # the stack's bottom and top are usable


def test_stack_guard_page_of_the_default_map_faults():
    default = MemoryMap()
    guard_lo, guard_hi = default.stack_guard
    assert guard_hi == default.ram_end - default.stack_size
    result, _ = run(f"ld a0, 0(a1)\nsd a0, 0(a2)\nsd a0, -8(a3)\n{EXIT}", memory_map=default,
                    regs={11: guard_hi, 12: guard_lo + 8, 13: default.ram_end})
    assert_fault(result, CODE + 4, f"store of 8 bytes at 0x{guard_lo + 8:08x}", "stack guard page")


def test_access_past_the_end_of_the_default_ram_faults():
    end = MemoryMap().ram_end
    result, _ = run(f"sd a0, -8(a1)\nld a0, 0(a1)\n{EXIT}", memory_map=MemoryMap(), regs={11: end})
    assert_fault(result, CODE + 4, f"at 0x{end:08x}", "unmapped memory")


def test_every_load_and_store_instruction_is_covered():
    memory_ops = {op.name for op in TABLE if 64 in op.xlens and op.format.name in ("LOAD", "S")}
    assert memory_ops == set(SIZES)
