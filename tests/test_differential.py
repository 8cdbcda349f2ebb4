"""The LLVM-translated executor (translator/executor.py) against the reference interpreter:
every bundled example, and the ISA suite's programs, in both native modes ("fast" and
"minimal").  Every check compares everything a run leaves behind (tests/differential.py):
exit code, fault message and pc, final pc, output, console, steps, misaligned count, all
32 registers and the whole of RAM.  Where a case table gives the spec's answer, that is
checked too, so that the two executors cannot agree on a wrong value unnoticed.

Tables are run many cases to a program (one LLVM compile per table), once with the
operands loaded from memory (opaque to LLVM) and once as constants (which LLVM folds at
compile time: its folding of division, shifts and overflow must give RISC-V's answers).
"""
from pathlib import Path

import pytest

import test_isa_alu as alu
import test_isa_atomics as atomics
import test_isa_control as control
import test_isa_memory as memory
import test_isa_muldiv as muldiv
import test_isa_rv32 as rv32
from differential import CODE, DATA, SMALL_RAM, asm, check, keyed, li
from guest_asm import EXIT
from runtime.memory_map import INPUT_BASE, MemoryMap
from translator.elf import Program, Segment, load_elf

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
GUESTS = sorted(EXAMPLES.glob("*/guest.*.elf"))
M64 = (1 << 64) - 1


def parametrized_rows(test_function) -> list:
    """The rows of an ISA test's (single) parametrize mark, for tables kept inline there."""
    (mark,) = [m for m in test_function.pytestmark if m.name == "parametrize"]
    return list(mark.args[1])


def word(machine, address: int, size: int) -> int:
    return int.from_bytes(machine.memory.read(address, size), "little")


# ---- every example ------------------------------------------------------------------------------

def test_every_example_is_covered():
    assert len(GUESTS) >= 10


@pytest.mark.parametrize("tier_up", [True, False], ids=["cold-start", "default-tier"])
@pytest.mark.parametrize("elf", GUESTS, ids=lambda p: f"{p.parent.name}-{p.name.split('.')[1]}")
def test_example_runs_the_same_on_the_jit(elf, tier_up, jit_cache):
    """A cold start runs the quick tier's code first (the default tier's once its background compile is
    done); with tier_up off, the default tier's code (small loops, translator/loops.py) runs throughout."""
    program = load_elf(elf)
    result, _ = check(program, (elf.parent / "input.bin").read_bytes(), MemoryMap(), step_limit=None,
                      cache_dir=jit_cache, tier_up=tier_up)
    assert result.fault is None and result.exit_code == 0, str(result.fault)
    assert result.output == (elf.parent / "expected_output.bin").read_bytes()


def test_example_runs_the_same_with_tiny_chunks_and_a_step_limit(jit_cache):
    elf = EXAMPLES / "sort" / "guest.rv64im.elf"
    program, data = load_elf(elf), (elf.parent / "input.bin").read_bytes()
    result, _ = check(program, data, MemoryMap(), step_limit=None, cache_dir=jit_cache, modes=("minimal",),
                      chunk_log2=5)
    limit = result.steps // 2 + 3
    cut, _ = check(program, data, MemoryMap(), step_limit=limit, cache_dir=jit_cache)
    assert cut.steps == limit and "step limit" in str(cut.fault)


# ---- ALU, W and M operations on their case tables ----------------------------------------------

def table_program(rows, kind: str, variant: str, xlen: int) -> Program:
    """Each row `(op, a, b, expected, why)` as `op a0, a1, a2` (rr) or `op a0, a1, b` (ri), its
    result stored at DATA + w*k.  Operands come from memory ("loaded") or from `li`
    ("constant"); "aliased" writes the result over a source register."""
    w = xlen // 8
    load, store = ("ld", "sd") if xlen == 64 else ("lw", "sw")
    operands = 0x4000
    lines = [li("s0", DATA, xlen), li("s1", DATA + operands, xlen)]
    data = bytearray(operands)
    assert 2 * w * len(rows) < 2048
    for k, (op, a, b, *_) in enumerate(rows):
        if variant == "constant":
            lines.append(li("a1", a, xlen))
            if kind == "rr":
                lines.append(li("a2", b, xlen))
        else:
            lines.append(f"{load} a1, {2 * w * k}(s1)\n")
            if kind == "rr":
                lines.append(f"{load} a2, {2 * w * k + w}(s1)\n")
        data += (a & ((1 << xlen) - 1)).to_bytes(w, "little")
        data += ((b if kind == "rr" else 0) & ((1 << xlen) - 1)).to_bytes(w, "little")
        rd = "a0"
        if variant == "aliased":
            rd = "a2" if kind == "rr" and k % 2 else "a1"
        second = "a2" if kind == "rr" else str(b)
        lines.append(f"{op} {rd}, a1, {second}\n{store} {rd}, {w * k}(s0)\n")
    lines.append("addi a0, zero, 0\n" + EXIT)
    return asm("".join(lines), xlen, bytes(data))


TABLES = {
    "rv64-rr": (alu.RR_CASES, "rr", 64), "rv64-ri": (alu.RI_CASES, "ri", 64),
    "rv64-w-rr": (alu.W_RR_CASES, "rr", 64), "rv64-w-ri": (alu.W_RI_CASES, "ri", 64),
    "rv64-mul": (muldiv.MUL_CASES, "rr", 64), "rv64-div": (muldiv.DIV_CASES, "rr", 64),
    "rv64-mulw": (muldiv.MUL_W_CASES, "rr", 64), "rv64-divw": (muldiv.DIV_W_CASES, "rr", 64),
    "rv32-rr": (rv32.RR_CASES, "rr", 32), "rv32-ri": (rv32.RI_CASES, "ri", 32),
}


@pytest.mark.parametrize("variant", ["loaded", "constant", "aliased"])
@pytest.mark.parametrize("table", list(TABLES))
def test_operation_table_on_the_jit(table, variant, jit_cache):
    rows, kind, xlen = TABLES[table]
    result, machine = check(table_program(rows, kind, variant, xlen), cache_dir=jit_cache)
    assert result.exit_code == 0, str(result.fault)
    w = xlen // 8
    wrong = [f"{op} {a:#x}, {b:#x}: {word(machine, DATA + w * k, w):#x}, expected {expected:#x} ({why})"
             for k, (op, a, b, expected, why) in enumerate(rows) if word(machine, DATA + w * k, w) != expected]
    assert not wrong, wrong


def test_the_tables_cover_every_alu_and_m_operation():
    from runtime.encoding import TABLE
    covered64 = {row[0] for name, (rows, _, x) in TABLES.items() if x == 64 for row in rows}
    covered32 = {row[0] for name, (rows, _, x) in TABLES.items() if x == 32 for row in rows}
    for xlen, covered in ((64, covered64), (32, covered32)):
        ops = {op.name for op in TABLE if xlen in op.xlens and op.format.name in ("R", "I", "SHIFT")}
        assert ops - {"jalr"} <= covered, (ops - {"jalr"}) - covered


@pytest.mark.parametrize("xlen", [64, 32])
def test_x0_as_destination_discards_and_as_source_reads_zero(xlen, jit_cache):
    ops = ["addi zero, a1, 5", "add zero, a1, a1", "sub zero, zero, a1", "lui zero, 0x12345",
           "auipc zero, 1", "slli zero, a1, 3", "xori zero, zero, -1", "slt zero, zero, a1",
           "mul zero, a1, a1", "div zero, a1, zero", "lw zero, 0(s0)", "jal zero, next"]
    source = "".join(f"{op}\n" for op in ops) + "next:\n"
    source += "add a0, zero, zero\nsub a2, zero, a1\nor a3, zero, zero\nsltu a4, zero, a1\naddi a5, zero, -1\n"
    result, _ = check(asm(source + EXIT, xlen), regs={"a1": 7, "a0": 99, "a3": 99, "s0": DATA},
                      cache_dir=jit_cache)
    mask = (1 << xlen) - 1
    assert result.regs[0] == 0 and result.exit_code == 0
    assert result.regs[12] == -7 & mask and result.regs[13] == 0 and result.regs[14] == 1


@pytest.mark.parametrize("xlen", [64, 32])
def test_lui_and_auipc(xlen, jit_cache):
    source = ("lui a0, 0x12345\nlui a1, 0x80000\nlui a2, 0xfffff\nlui a3, 0\n"
              "auipc a4, 0\nauipc a5, 1\nauipc a6, 0xfffff\nauipc a7, 0x80000\naddi a0, zero, 0\n"
              "addi t0, a7, 0\n" + EXIT)
    result, _ = check(asm(source, xlen), cache_dir=jit_cache)
    sign_extended = {64: 0xFFFF_FFFF_0000_0000, 32: 0}[xlen]
    assert result.regs[11:17] == [sign_extended | 0x8000_0000, sign_extended | 0xFFFF_F000, 0,
                                  CODE + 16, CODE + 20 + 0x1000, CODE + 24 - 0x1000]
    assert result.regs[5] == 28                  # 0x8000001c + sext(0x80000000 << 12) wraps


def test_registers_preset_wider_than_32_bits_are_held_to_32_on_rv32(jit_cache):
    result, _ = check(asm(f"addi a0, a1, 0\nadd a2, a1, a1\n{EXIT}", 32), regs={"a1": 0x1_8000_0001},
                      cache_dir=jit_cache)
    assert result.regs[12] == 0x0000_0002


# ---- loads and stores ---------------------------------------------------------------------------

PATTERN = memory.PATTERN                       # 32 bytes, top bits set and clear
LOADS = {64: ["lb", "lbu", "lh", "lhu", "lw", "lwu", "ld"], 32: ["lb", "lbu", "lh", "lhu", "lw"]}
STORES = {64: ["sb", "sh", "sw", "sd"], 32: ["sb", "sh", "sw"]}
SIZES = memory.SIZES
PAGE_EDGE = 0xFF0                              # PATTERN at DATA + 0xff0 crosses a 4 KiB page


def expected_load(op: str, raw: bytes, offset: int, xlen: int) -> int:
    value = int.from_bytes(raw[offset: offset + SIZES[op]], "little", signed=op in ("lb", "lh", "lw", "ld"))
    return value & ((1 << xlen) - 1)


def data_with_patterns() -> bytes:
    data = bytearray(0x2000)
    data[0x100:0x120] = PATTERN
    data[PAGE_EDGE: PAGE_EDGE + 32] = PATTERN
    return bytes(data)


@pytest.mark.parametrize("where", ["data", "page-edge", "input"])
@pytest.mark.parametrize("xlen, op", [(x, op) for x in (64, 32) for op in LOADS[x]])
def test_load_of_every_width_at_every_offset(xlen, op, where, jit_cache):
    """Aligned and misaligned (within and across 8-byte words, across a page), from RAM and input."""
    w, size = xlen // 8, SIZES[op]
    store = "sd" if xlen == 64 else "sw"
    if where == "input":
        input_bytes = PATTERN[:29]
        raw = len(input_bytes).to_bytes(8, "little") + input_bytes + b"\0" * 3      # the readable span
        base = INPUT_BASE
    else:
        input_bytes, raw = b"", PATTERN
        base = DATA + (0x100 if where == "data" else PAGE_EDGE)
    offsets = range(0, len(raw) - size + 1)
    lines = [li("s0", DATA + 0x3000, xlen), li("s1", base, xlen)]
    lines += [f"{op} a0, {off}(s1)\n{store} a0, {w * k}(s0)\n" for k, off in enumerate(offsets)]
    result, machine = check(asm("".join(lines) + "addi a0, zero, 0\n" + EXIT, xlen, data_with_patterns()),
                            input_bytes, cache_dir=jit_cache)
    assert result.exit_code == 0, str(result.fault)
    for k, off in enumerate(offsets):
        assert word(machine, DATA + 0x3000 + w * k, w) == expected_load(op, raw, off, xlen), (op, off)
    assert result.misaligned == sum(1 for off in offsets if off % size)


@pytest.mark.parametrize("xlen, op", [(x, op) for x in (64, 32) for op in STORES[x]])
def test_store_of_every_width_at_every_offset(xlen, op, jit_cache):
    """Each store into its own 32-byte cell of 0xaa bytes; the cells run across a page boundary."""
    size, value = SIZES[op], 0x1122_3344_5566_7788
    first = DATA + 0x1000 - 8 * 32
    lines = [li("a0", value, xlen), li("s1", first, xlen)]
    for off in range(16):
        lines.append(f"{op} a0, {off}(s1)\naddi s1, s1, 32\n")
    data = bytearray(0x2000)
    data[first - DATA: first - DATA + 16 * 32] = b"\xaa" * (16 * 32)
    result, machine = check(asm("".join(lines) + "addi a0, zero, 0\n" + EXIT, xlen, bytes(data)),
                            cache_dir=jit_cache)
    assert result.exit_code == 0 and result.misaligned == sum(1 for off in range(16) if off % size)
    written = (value & ((1 << xlen) - 1)).to_bytes(8, "little")[:size]
    for off in range(16):
        cell = machine.memory.read(first + 32 * off, 32)
        assert cell == b"\xaa" * off + written + b"\xaa" * (32 - off - size), (op, off)


@pytest.mark.parametrize("xlen", [64, 32])
def test_stores_then_loads_in_a_loop(xlen, jit_cache):
    """A loop writing misaligned words and reading them back: the JIT's stores must be visible to
    its own later loads and to the interpreter's view of RAM."""
    store, load, w = ("sd", "ld", 8) if xlen == 64 else ("sw", "lw", 4)
    source = (li("s0", DATA + 0x100, xlen) + "addi s1, zero, 20\naddi a0, zero, 0\nloop:\n"
              f"{store} s1, 3(s0)\nsh s1, 1(s0)\n{load} a1, 3(s0)\nlhu a2, 1(s0)\nadd a0, a0, a1\n"
              f"add a0, a0, a2\naddi s0, s0, {w + 3}\naddi s1, s1, -1\nbne s1, zero, loop\n"
              "andi a0, a0, 255\n" + EXIT)
    result, _ = check(asm(source, xlen), cache_dir=jit_cache)
    assert result.fault is None and result.misaligned > 20


def test_load_offsets_are_sign_extended_and_base_plus_offset_wraps(jit_cache):
    data = bytearray(0x1000)
    data[0:8] = (0x1111).to_bytes(8, "little")
    data[0xFF8:0x1000] = (0x2222).to_bytes(8, "little")
    source = f"ld a0, -2048(a1)\nld a2, 2040(a3)\nld a4, -8(a5)\nsd a0, 2047(a1)\nsb a2, -2048(a3)\n{EXIT}"
    result, _ = check(asm(source, data=bytes(data)), cache_dir=jit_cache,
                      regs={"a1": DATA + 2048, "a3": DATA + 0xFF8 - 2040, "a5": DATA + 8})
    assert (result.regs[10], result.regs[12], result.regs[14]) == (0x1111, 0x2222, 0x1111)


def test_loads_from_code_and_read_only_data(jit_cache):
    rodata = 0x8002_0000
    base = asm(f"auipc a1, 0\nlw a0, 0(a1)\nlwu a2, 4(a1)\nld a3, 0(a4)\nlh a5, 3(a4)\n{EXIT}")
    program = keyed(Program(base.name, 64, base.entry,
                            base.segments + (Segment(rodata, bytes(range(1, 17)), True, False, False),),
                            {}, (), ""))
    result, _ = check(program, regs={"a4": rodata}, cache_dir=jit_cache)
    assert result.exit_code is not None and result.regs[13] == int.from_bytes(bytes(range(1, 9)), "little")


def test_stores_below_read_only_data_take_the_slow_path_and_still_work(jit_cache):
    """A read-only segment above the data makes every data store a slow-path store."""
    rodata = 0x8002_0000
    base = asm("addi s1, zero, 10\nloop:\nsd s1, 0(a1)\nsw s1, 5(a1)\nld a0, 0(a1)\naddi a1, a1, 16\n"
               f"addi s1, s1, -1\nbne s1, zero, loop\n{EXIT}")
    program = keyed(Program(base.name, 64, base.entry,
                            base.segments + (Segment(rodata, b"\x07" * 16, True, False, False),), {}, (), ""))
    result, _ = check(program, regs={"a1": DATA}, cache_dir=jit_cache)
    assert result.exit_code == 1 and result.misaligned == 10


# ---- branches, jal, jalr -----------------------------------------------------------------------

def branch_table_program(rows, xlen: int) -> Program:
    """Every row `(op, a, b, taken, ...)` with constant operands, once forward, once backward;
    the path taken writes 1 (taken) or 2 (not taken) into its own byte at DATA + k."""
    lines = [li("s0", DATA, xlen)]
    for k, (op, a, b, *_) in enumerate(rows):
        lines += [li("a1", a, xlen), li("a2", b, xlen),
                  f"{op} a1, a2, t{k}\naddi t0, zero, 2\nsb t0, {2 * k}(s0)\njal zero, n{k}\n"
                  f"t{k}:\naddi t0, zero, 1\nsb t0, {2 * k}(s0)\nn{k}:\n"]
        lines += [f"jal zero, s{k}\nbt{k}:\naddi t0, zero, 1\nsb t0, {2 * k + 1}(s0)\njal zero, bn{k}\ns{k}:\n",
                  li("a1", a, xlen), li("a2", b, xlen),
                  f"{op} a1, a2, bt{k}\naddi t0, zero, 2\nsb t0, {2 * k + 1}(s0)\nbn{k}:\n"]
    return asm("".join(lines) + "addi a0, zero, 0\n" + EXIT, xlen)


@pytest.mark.parametrize("xlen", [64, 32])
def test_branch_tables_with_constant_operands(xlen, jit_cache):
    if xlen == 64:
        rows = control.BRANCH_CASES
    else:
        rows = [(*r, "rv32") for r in parametrized_rows(rv32.test_rv32_branch_compares_32_bit_values)]
    result, machine = check(branch_table_program(rows, xlen), cache_dir=jit_cache)
    assert result.exit_code == 0
    got = machine.memory.read(DATA, 2 * len(rows))
    for k, (op, a, b, taken, *_) in enumerate(rows):
        assert got[2 * k: 2 * k + 2] == (b"\x01\x01" if taken else b"\x02\x02"), (op, hex(a), hex(b))


@pytest.mark.parametrize("op, a, b, taken", [pytest.param(*c[:4], id=f"{c[0]}-{c[4]}") for c in control.BRANCH_CASES])
@pytest.mark.parametrize("layout", [control.FORWARD, control.BACKWARD], ids=["forward", "backward"])
def test_branch_with_register_operands(op, a, b, taken, layout, jit_cache):
    result, _ = check(asm(layout.format(op=op)), regs={"a1": a, "a2": b}, cache_dir=jit_cache)
    assert result.exit_code == int(taken)


JUMP_PROGRAMS = {
    "jal-links-and-skips": (f"jal ra, 0x{CODE + 8:x}\nebreak\n{EXIT}", {}),
    "jal-backward": (f"jal zero, 0x{CODE + 16:x}\naddi a0, zero, 3\naddi a7, zero, 93\necall\n"
                     f"jal t1, 0x{CODE + 4:x}\n", {}),
    "jalr-links": (f"jalr ra, 8(a1)\nebreak\n{EXIT}", {"a1": CODE}),
    "jalr-negative-offset": (f"jal zero, 0x{CODE + 12:x}\naddi a7, zero, 93\necall\njalr t0, -8(a1)\n",
                             {"a1": CODE + 12}),
    "jalr-rd-is-rs1": (f"jalr a1, 0(a1)\nebreak\n{EXIT}", {"a1": CODE + 8}),
    "jalr-clears-bit-0": (f"jalr ra, 0(a1)\nebreak\n{EXIT}", {"a1": CODE + 9}),
    "jalr-clears-bit-0-of-the-sum": (f"jalr ra, 1(a1)\nebreak\n{EXIT}", {"a1": CODE + 8}),
    "call-and-ret": (f"jal ra, 0x{CODE + 16:x}\naddi a0, zero, 9\naddi a7, zero, 93\necall\njalr zero, 0(ra)\n", {}),
    "call-in-a-loop": ("addi s1, zero, 7\naddi a0, zero, 0\nloop:\njal ra, f\naddi s1, s1, -1\n"
                       f"bne s1, zero, loop\n{EXIT}f:\naddi a0, a0, 3\nslli a0, a0, 1\njalr zero, 0(ra)\n", {}),
    "jalr-into-the-middle-of-a-block": ("auipc a1, 0\njalr ra, 20(a1)\naddi a0, zero, 1\naddi a0, a0, 2\n"
                                        f"addi a0, a0, 4\naddi a0, a0, 8\naddi a0, a0, 16\n{EXIT}", {}),
    "jalr-to-the-next-instruction": (f"auipc a1, 0\njalr ra, 8(a1)\naddi a0, zero, 5\n{EXIT}", {}),
    "computed-jump-table": ("auipc s0, 0\naddi s1, zero, 3\nloop:\nslli t0, s1, 3\nadd t0, t0, s0\n"
                            "jalr zero, 36(t0)\nback:\naddi s1, s1, -1\nbge s1, zero, loop\n"
                            f"{EXIT}addi a0, a0, 1\njal zero, back\naddi a0, a0, 10\njal zero, back\n"
                            "addi a0, a0, 100\njal zero, back\naddi a0, a0, 1000\njal zero, back\n", {}),
    "not-taken-branch-to-a-misaligned-target": (f"bne zero, zero, 0x{CODE + 6:x}\n{EXIT}", {}),
    "branch-to-itself-not-taken": (f"blt a1, a1, 0x{CODE:x}\nbge a1, a1, 0x{CODE + 12:x}\nebreak\n{EXIT}",
                                   {"a1": M64}),
    "illegal-word-never-executed": (f"jal zero, 0x{CODE + 8:x}\n.word 0x00000000\naddi a0, zero, 4\n{EXIT}", {}),
    "fence-is-a-no-op": (f"fence iorw, iorw\nfence w, r\n.word 0x8330000f\naddi a0, zero, 2\n{EXIT}", {}),
}


@pytest.mark.parametrize("xlen", [64, 32])
@pytest.mark.parametrize("name", list(JUMP_PROGRAMS))
def test_jumps(name, xlen, jit_cache):
    source, regs = JUMP_PROGRAMS[name]
    result, _ = check(asm(source, xlen), regs=regs, cache_dir=jit_cache)
    assert result.fault is None or "ebreak" not in str(result.fault), str(result.fault)


# ---- faults -------------------------------------------------------------------------------------

GUARD_LO, GUARD_HI = SMALL_RAM.stack_guard
END = SMALL_RAM.ram_end

# id: (source, regs, input bytes, step limit, a phrase of the interpreter's message)
FAULTS = {
    "null-page-load": (f"ld a0, 16(zero)\n{EXIT}", {}, b"", None, "null guard page"),
    "null-page-last-byte": (f"addi t0, zero, 1\nlb a0, 0(a1)\n{EXIT}", {"a1": 0xFFF}, b"", None, "null guard"),
    "null-page-store": (f"addi t0, zero, 1\nsd a0, 0(a1)\n{EXIT}", {"a1": 8}, b"", None, "null guard"),
    "load-into-x0-still-faults": (f"ld zero, 0(zero)\n{EXIT}", {}, b"", None, "null guard"),
    "unmapped-low": (f"addi t0, zero, 1\nlw a0, 0(a1)\n{EXIT}", {"a1": 0x1000, "a0": 77}, b"", None, "unmapped"),
    "unmapped-high": (f"addi t0, zero, 1\nld a0, 0(a1)\n{EXIT}", {"a1": 0x1_0000_0000}, b"", None, "unmapped"),
    "unmapped-all-ones": (f"addi t0, zero, 1\nlb a0, 0(a1)\n{EXIT}", {"a1": M64}, b"", None, "unmapped"),
    "unmapped-store": (f"addi t0, zero, 1\nsw a0, 0(a1)\n{EXIT}", {"a1": 0x1000_0000}, b"", None, "unmapped"),
    "below-the-input": (f"addi t0, zero, 1\nlw a0, 0(a1)\n{EXIT}", {"a1": INPUT_BASE - 4}, b"", None, "unmapped"),
    "end-of-ram-load": (f"addi t0, zero, 1\nld a0, 0(a1)\n{EXIT}", {"a1": END}, b"", None, "unmapped"),
    "end-of-ram-store": (f"addi t0, zero, 1\nsb a0, 0(a1)\n{EXIT}", {"a1": END}, b"", None, "unmapped"),
    "straddles-the-end-of-ram": (f"addi t0, zero, 1\nld a0, 0(a1)\n{EXIT}", {"a1": END - 4}, b"", None,
                                 "load of 8 bytes"),
    "store-into-code": (f"auipc a1, 0\nsw zero, 0(a1)\n{EXIT}", {}, b"", None, "into code"),
    "misaligned-store-reaching-into-code": (f"sd a0, 0(a1)\n{EXIT}\nebreak\n", {"a1": CODE + 12}, b"", None,
                                            "into code"),
    "store-to-the-input-region": (f"sw a0, 8(a1)\n{EXIT}", {"a1": INPUT_BASE}, b"abcdefgh", None,
                                  "input region is read-only"),
    "load-past-the-input": (f"ld a0, 16(a1)\n{EXIT}", {"a1": INPUT_BASE}, b"hello", None, "the input region"),
    "load-straddling-the-end-of-the-input": (f"lw a0, 14(a1)\n{EXIT}", {"a1": INPUT_BASE}, b"hello", None,
                                             "input"),
    "empty-input-has-only-the-length": (f"ld a0, 0(a1)\nlb a2, 8(a1)\n{EXIT}", {"a1": INPUT_BASE}, b"", None,
                                        "the input region"),
    "stack-guard-low": (f"sd a0, 0(a1)\n{EXIT}", {"a1": GUARD_LO}, b"", None, "stack guard"),
    "stack-guard-high": (f"lb a0, 0(a1)\n{EXIT}", {"a1": GUARD_HI - 1}, b"", None, "stack guard"),
    "stack-guard-straddle": (f"addi t0, zero, 3\nsd a0, 0(a1)\n{EXIT}", {"a1": GUARD_HI - 4}, b"", None,
                             "stack guard"),
    "stack-guard-straddle-load": (f"ld a0, 0(a1)\n{EXIT}", {"a1": GUARD_LO - 4}, b"", None, "stack guard"),
    "stack-overflow-in-a-loop": ("addi a0, zero, 0\nloop:\naddi a1, a1, -8\nsd a0, 0(a1)\naddi a0, a0, 1\n"
                                 "jal zero, loop\n", {"a1": GUARD_HI + 40}, b"", None, "stack guard"),
    "fault-mid-block-after-register-writes": ("addi a0, zero, 1\naddi a2, a2, 5\nsd a2, 0(s0)\nlui a3, 7\n"
                                              f"ld a4, 0(a5)\naddi a6, zero, 1\n{EXIT}",
                                              {"s0": DATA, "a5": 24, "a2": 3}, b"", None, "null guard"),
    "misaligned-jalr-2": (f"addi t0, zero, 1\njalr ra, 2(a1)\n{EXIT}", {"a1": CODE + 8, "ra": 5}, b"", None,
                          "not 4-byte aligned"),
    "misaligned-jalr-3": (f"addi t0, zero, 1\njalr ra, 3(a1)\n{EXIT}", {"a1": CODE + 8, "ra": 5}, b"", None,
                          "not 4-byte aligned"),
    "misaligned-jalr-6": (f"addi t0, zero, 1\njalr ra, 6(a1)\n{EXIT}", {"a1": CODE + 8, "ra": 5}, b"", None,
                          "not 4-byte aligned"),
    "misaligned-jalr-minus-2": (f"addi t0, zero, 1\njalr ra, -2(a1)\n{EXIT}", {"a1": CODE + 8, "ra": 5}, b"",
                                None, "not 4-byte aligned"),
    "misaligned-jal": (f"jal ra, 0x{CODE + 6:x}\n{EXIT}", {"ra": 5}, b"", None, "not 4-byte aligned"),
    "misaligned-taken-branch": (f"addi t0, zero, 1\nbeq zero, zero, 0x{CODE + 10:x}\n{EXIT}", {}, b"", None,
                                "not 4-byte aligned"),
    "jump-outside-code-to-data": (f"jalr ra, 0(a1)\n{EXIT}", {"a1": DATA}, b"", None, "outside code"),
    "jump-outside-code-to-zero": (f"addi t0, zero, 1\njalr ra, 0(a1)\n{EXIT}", {"a1": 0}, b"", None,
                                  "outside code"),
    "jump-outside-code-to-the-input": (f"jalr ra, 0(a1)\n{EXIT}", {"a1": INPUT_BASE}, b"", None, "outside code"),
    "jal-outside-code": (f"addi t0, zero, 1\njal ra, 0x{CODE + 0x100:x}\n{EXIT}", {}, b"", None, "outside code"),
    "branch-outside-code": (f"addi t0, zero, 1\nbeq a0, a0, 0x{CODE + 0x100:x}\n{EXIT}", {}, b"", None,
                            "outside code"),
    "ebreak": (f"addi a0, zero, 1\nebreak\n{EXIT}", {}, b"", None, "ebreak"),
    "running-past-the-end-of-code": ("addi a0, zero, 1\naddi a0, a0, 1\n", {}, b"", None, "ran past the end"),
    "running-past-the-end-after-a-loop": ("addi a1, zero, 3\nloop:\naddi a1, a1, -1\nbne a1, zero, loop\n"
                                          "addi a0, zero, 1\n", {}, b"", None, "ran past the end"),
    "running-past-the-end-after-an-ecall": ("addi a0, zero, 3\naddi a1, s0, 0\naddi a2, zero, 2\n"
                                            "addi a7, zero, 64\necall\n", {"s0": DATA}, b"", None,
                                            "ran past the end"),
    "endless-loop": ("addi a0, zero, 0\nloop:\naddi a0, a0, 1\njal zero, loop\n", {}, b"", 1001, "step limit"),
    "endless-loop-even-limit": ("addi a0, zero, 0\nloop:\naddi a0, a0, 1\njal zero, loop\n", {}, b"", 1000,
                                "step limit"),
    "endless-self-loop": ("loop:\njal zero, loop\n", {}, b"", 77, "step limit"),
    "step-limit-one-short-of-the-exit": (f"addi a0, zero, 0\naddi a0, a0, 0\n{EXIT}", {}, b"", 3, "step limit"),
    "step-limit-of-one": (f"addi a0, zero, 7\naddi a0, a0, 1\n{EXIT}", {}, b"", 1, "step limit"),
    "unknown-ecall": ("addi a0, zero, 7\necall\n", {"a7": 1234}, b"", None, "unknown ecall"),
    "unknown-ecall-all-ones": ("ecall\n", {"a7": M64}, b"", None, "unknown ecall"),
    "write-to-a-bad-fd": ("addi a7, zero, 64\necall\n" + EXIT, {"a0": 4, "a1": DATA, "a2": 1}, b"", None,
                          "write to fd 4"),
    "write-to-fd-0": ("addi a7, zero, 64\necall\n" + EXIT, {"a0": 0, "a1": DATA, "a2": 1}, b"", None,
                      "write to fd 0"),
    "write-from-the-null-page": ("addi a7, zero, 64\necall\n" + EXIT, {"a0": 3, "a1": 0, "a2": 4}, b"", None,
                                 "host read"),
    "write-straddling-the-end-of-ram": ("addi a7, zero, 64\necall\n" + EXIT, {"a0": 3, "a1": END - 2, "a2": 4},
                                        b"", None, "host read"),
    "output-before-a-fault-is-kept": ("addi a7, zero, 64\necall\nebreak\n", {"a0": 3, "a1": CODE, "a2": 2}, b"",
                                      None, "ebreak"),
    "misaligned-amo": (f"amoadd.w a0, a2, (a1)\n{EXIT}", {"a1": DATA + 2, "a0": 99}, b"", None, "aligned"),
    "misaligned-lr": (f"addi t0, zero, 1\nlr.d a0, (a1)\n{EXIT}", {"a1": DATA + 4}, b"", None, "aligned"),
    "misaligned-sc": (f"sc.d a0, a2, (a1)\n{EXIT}", {"a1": DATA + 12}, b"", None, "aligned"),
    "lr-from-the-null-page": (f"lr.w a0, (a1)\n{EXIT}", {"a1": 0}, b"", None, "null guard"),
    "amo-into-code": (f"amoadd.w a0, a2, (a1)\n{EXIT}", {"a1": CODE}, b"", None, "into code"),
    "amo-on-the-input": (f"amoswap.d a0, a2, (a1)\n{EXIT}", {"a1": INPUT_BASE + 8}, b"12345678", None,
                         "read-only"),
    "sc-into-code-without-a-reservation": (f"sc.w a0, a2, (a1)\n{EXIT}", {"a1": CODE}, b"", None, "into code"),
    "amo-on-the-stack-guard": (f"amomax.d a0, a2, (a1)\n{EXIT}", {"a1": GUARD_LO}, b"", None, "stack guard"),
}
ILLEGAL_WORDS = [0x0000_0000, 0xFFFF_FFFF, 0xC000_2573, 0x0000_100F, 0x0005_A507, 0x0000_4501,
                 0x0000_0073 | 1 << 7]


def _fault_params():
    params = [pytest.param(name, *case, id=name) for name, case in FAULTS.items()]
    params += [pytest.param(f"illegal-{w:#010x}", f"addi a0, zero, 1\n.word {w:#x}\n{EXIT}", {}, b"", None,
                            "illegal instruction", id=f"illegal-{w:#010x}") for w in ILLEGAL_WORDS]
    return params


@pytest.mark.parametrize("name, source, regs, input_bytes, step_limit, phrase", _fault_params())
def test_fault_is_reported_identically(name, source, regs, input_bytes, step_limit, phrase, jit_cache):
    result, _ = check(asm(source), input_bytes, regs=regs, step_limit=step_limit, cache_dir=jit_cache)
    assert result.fault is not None and phrase in str(result.fault), str(result.fault)


@pytest.mark.parametrize("name, source, regs, phrase", [pytest.param(*case, id=case[0]) for case in [
    ("null-page", f"lw a0, 4(a1)\n{EXIT}", {"a1": 0xFFFF_FFFC}, "null guard"),     # the address wraps at 2^32
    ("misaligned-jalr", f"jalr ra, 2(a1)\n{EXIT}", {"a1": CODE + 8}, "not 4-byte aligned"),
    ("store-into-code", f"auipc a1, 0\nsh zero, 2(a1)\n{EXIT}", {}, "into code"),
    ("stack-guard", f"sw a0, 0(a1)\n{EXIT}", {"a1": GUARD_LO + 4}, "stack guard"),
    ("illegal-ld", f"addi t0, zero, 1\n.word {0x0005b503:#x}\n{EXIT}", {}, "illegal instruction"),
    ("past-the-end", "addi a0, zero, 1\n", {}, "ran past the end"),
    ("misaligned-amo", f"amoor.w a0, a2, (a1)\n{EXIT}", {"a1": DATA + 1}, "aligned"),
    ("bad-fd", f"addi a7, zero, 64\necall\n{EXIT}", {"a0": 5, "a1": DATA, "a2": 1}, "write to fd 5"),
]])
def test_rv32_fault_is_reported_identically(name, source, regs, phrase, jit_cache):
    result, _ = check(asm(source, 32), regs=regs, cache_dir=jit_cache)
    assert result.fault is not None and phrase in str(result.fault), str(result.fault)


def test_store_into_read_only_data_faults_identically(jit_cache):
    rodata = 0x8002_0000
    base = asm(f"ld a0, 0(a1)\nsd a0, 8(a1)\n{EXIT}")
    program = keyed(Program(base.name, 64, base.entry,
                            base.segments + (Segment(rodata, b"\x07" + b"\0" * 15, True, False, False),), {}, (), ""))
    result, _ = check(program, regs={"a1": rodata}, cache_dir=jit_cache)
    assert "read-only data" in str(result.fault) and result.regs[10] == 7


def test_running_past_the_end_after_a_jump_into_the_middle_of_a_block(jit_cache):
    source = "auipc a1, 0\njalr zero, 16(a1)\naddi a0, zero, 1\naddi a0, zero, 2\naddi a0, zero, 3\n"
    result, _ = check(asm(source), cache_dir=jit_cache)
    assert str(result.fault) == "pc 0x80000010 (addi a0, zero, 3): ran past the end of code"


def test_jump_outside_code_after_a_jump_into_the_middle_of_a_block(jit_cache):
    source = "auipc a1, 0\njalr zero, 16(a1)\naddi a0, zero, 1\naddi a0, zero, 2\njalr ra, 0(a2)\n"
    result, _ = check(asm(source), regs={"a2": DATA}, cache_dir=jit_cache)
    assert str(result.fault).startswith("pc 0x80000010 (jalr ra, 0(a2)): jumped to 0x80010000")


def test_running_past_the_end_after_a_slow_path_store(jit_cache):
    rodata = 0x8002_0000
    base = asm("sd a0, 0(a1)\naddi a0, zero, 1\n")            # the read-only segment makes the sd slow
    program = keyed(Program(base.name, 64, base.entry,
                            base.segments + (Segment(rodata, b"\x07" * 16, True, False, False),), {}, (), ""))
    result, _ = check(program, regs={"a1": DATA}, cache_dir=jit_cache)
    assert "ran past the end of code" in str(result.fault)


def two_code_segments(first: str, second: str, xlen: int = 64) -> Program:
    """Code at CODE and at CODE + 0x8000 (a gap of non-code between), data at DATA."""
    from translator.assembler import assemble
    base = asm(first, xlen)
    far = Segment(CODE + 0x8000, assemble(second, CODE + 0x8000, xlen), True, False, True)
    return keyed(Program(base.name, xlen, base.entry, (base.segments[0], far, base.segments[1]), {}, (), ""))


@pytest.mark.parametrize("xlen", [64, 32])
def test_jumps_between_two_code_segments(xlen, jit_cache):
    program = two_code_segments(f"addi a0, zero, 1\njal ra, 0x{CODE + 0x8000:x}\naddi a0, a0, 4\n{EXIT}",
                                "addi a0, a0, 2\njalr zero, 0(ra)\n", xlen)
    result, _ = check(program, cache_dir=jit_cache)
    assert result.exit_code == 7


@pytest.mark.parametrize("first, second, phrase", [
    ("addi a0, zero, 1\naddi a0, a0, 1\n", f"{EXIT}", "ran past the end of code"),
    (f"jal zero, 0x{CODE + 0x8000:x}\n", "addi a0, zero, 1\n", "ran past the end of code"),
    (f"jal zero, 0x{CODE + 0x8000:x}\n", f"jal zero, 0x{CODE + 0x4000:x}\n", "outside code"),
    (f"jal zero, 0x{CODE + 0x8000:x}\n", f"jal zero, 0x{CODE + 0x7ffc:x}\n", "outside code"),
], ids=["off-the-first", "off-the-second", "into-the-gap", "just-below-the-second"])
def test_leaving_a_code_segment_faults_identically(first, second, phrase, jit_cache):
    result, _ = check(two_code_segments(first, second), cache_dir=jit_cache)
    assert phrase in str(result.fault), str(result.fault)


def test_entry_in_the_middle_of_the_code(jit_cache):
    import dataclasses
    base = asm(f"addi a0, a0, 5\n{EXIT}addi a0, zero, 1\njal zero, 0x{CODE:x}\n")
    program = keyed(dataclasses.replace(base, entry=CODE + 12, sha256=""))
    result, _ = check(program, cache_dir=jit_cache)
    assert result.exit_code == 6


# ---- step limits and chunk boundaries at every step ------------------------------------------------

LOOP = ("addi a0, zero, 0\naddi a1, zero, 5\nloop:\naddi a0, a0, 1\nld t0, 0(s0)\namoadd.d t1, a0, (s0)\n"
        "sw a0, 9(s0)\naddi a1, a1, -1\nbne a1, zero, loop\naddi a7, zero, 64\naddi a0, zero, 3\naddi a1, s0, 0\n"
        f"addi a2, zero, 3\necall\naddi a0, zero, 0\n{EXIT}")


def _full_length(source: str, regs: dict) -> int:
    from differential import run_interpreter
    return run_interpreter(asm(source), regs=regs)[0].steps


LOOP_STEPS = _full_length(LOOP, {"s0": DATA})


@pytest.mark.parametrize("limit", range(0, LOOP_STEPS + 2))
def test_step_limit_at_every_step_of_a_loop(limit, jit_cache):
    """Including the limits that fall just before a slow instruction (AMO, ecall) that translated
    code runs straight into, and the one just before the exit."""
    result, _ = check(asm(LOOP), regs={"s0": DATA}, step_limit=limit, cache_dir=jit_cache)
    assert (result.fault is None) == (limit >= LOOP_STEPS), limit


@pytest.mark.parametrize("chunk_log2", [0, 1, 2, 3])
def test_minimal_mode_with_tiny_chunks(chunk_log2, jit_cache):
    result, _ = check(asm(LOOP), regs={"s0": DATA}, cache_dir=jit_cache, modes=("minimal",),
                      chunk_log2=chunk_log2)
    assert result.exit_code == 0


# ---- ecalls -------------------------------------------------------------------------------------

@pytest.mark.parametrize("xlen", [64, 32])
@pytest.mark.parametrize("a0", [0, 1, 255, 256, 0x7FFF_FFFF, M64, 0xFFFF_FFFF, 0x8000_0000, 0x1_0000_0005,
                                0xFFFF_FFFF_0000_0000], ids=hex)
def test_exit_code(a0, xlen, jit_cache):
    result, _ = check(asm(f"addi t0, zero, 1\n{EXIT}ebreak\n", xlen), regs={"a0": a0}, cache_dir=jit_cache)
    assert result.exit_code is not None and result.steps == 3


WRITE = "addi a7, zero, 64\necall\n"


@pytest.mark.parametrize("xlen", [64, 32])
def test_writes_to_every_stream_interleaved(xlen, jit_cache):
    source = ("addi a0, zero, 3\naddi a2, zero, 2\n" + WRITE + "add s1, a0, zero\n"
              "addi a0, zero, 1\naddi a1, a1, 2\n" + WRITE +
              "addi a0, zero, 3\naddi a1, a1, 2\n" + WRITE +
              "addi a0, zero, 2\naddi a1, a1, 2\n" + WRITE +
              "addi a0, zero, 3\naddi a1, s2, 8\naddi a2, zero, 5\n" + WRITE +       # from the input
              "addi a0, zero, 1\naddi a1, s3, 0\naddi a2, zero, 4\n" + WRITE +       # from code
              "addi a0, zero, 3\naddi a2, zero, 0\naddi a1, zero, 0\n" + WRITE +     # empty: no read
              "addi a0, zero, 0\n" + EXIT)
    result, _ = check(asm(source, xlen, b"aabbccdd"), b"input bytes", regs={"a1": DATA, "s2": INPUT_BASE,
                                                                           "s3": CODE}, cache_dir=jit_cache)
    assert result.output == b"aacc" + b"input" and result.console[:4] == b"bbdd" and result.regs[9] == 2


def test_write_changes_only_a0(jit_cache):
    result, _ = check(asm(f"{WRITE}addi a7, zero, 93\necall\n"), cache_dir=jit_cache,
                      regs={"a0": 3, "a1": DATA, "a2": 4, "a3": 33, "t0": 44}, )
    assert result.exit_code == 4


# ---- atomics ------------------------------------------------------------------------------------

def amo_table_program(rows, xlen: int) -> tuple[Program, int]:
    """Each row `(op, old, rs2, new, ...)` on its own 16-byte slot holding `old`; the value each
    AMO returns is stored at RESULTS + 8*k."""
    results = 0x2000
    data = bytearray(0x3000)
    lines = [li("s0", DATA, xlen), li("s1", DATA + results, xlen)]
    for k, (op, old, operand, *_) in enumerate(rows):
        size = 4 if op.endswith(".w") else 8
        data[16 * k: 16 * k + size] = old.to_bytes(size, "little")
        lines += [f"addi t6, s0, {16 * k}\n", li("a2", operand, xlen),
                  f"{op} a0, a2, (t6)\n{'sd' if xlen == 64 else 'sw'} a0, {8 * k}(s1)\n"]
    return asm("".join(lines) + "addi a0, zero, 0\n" + EXIT, xlen, bytes(data)), results


@pytest.mark.parametrize("xlen", [64, 32])
def test_amo_table(xlen, jit_cache):
    if xlen == 64:
        rows = atomics.AMO_CASES
    else:
        rows = parametrized_rows(rv32.test_rv32_amo_returns_the_old_word_and_stores_the_combination)
    program, results = amo_table_program(rows, xlen)
    result, machine = check(program, cache_dir=jit_cache)
    assert result.exit_code == 0
    for k, (op, old, operand, new, *_) in enumerate(rows):
        size = 4 if op.endswith(".w") else 8
        assert word(machine, DATA + 16 * k, size) == new, op
        returned = atomics.sext(old, size) & ((1 << xlen) - 1)
        assert word(machine, DATA + results + 8 * k, xlen // 8) == returned, op


LR_SC_PROGRAMS = {
    "pair-succeeds-w": "lr.w a0, (a1)\naddi a0, a0, 1\nsc.w a3, a0, (a1)\n",
    "pair-succeeds-d": "lr.d a0, (a1)\naddi a0, a0, 1\nsc.d a3, a0, (a1)\n",
    "sc-without-reservation": "sc.d a3, a2, (a1)\n",
    "second-sc-fails": "lr.d a0, (a1)\nsc.d a3, a2, (a1)\nsc.d a4, a5, (a1)\n",
    "sc-to-another-address-fails": "lr.w a0, (a1)\nsc.w a3, a2, (a4)\nsc.w a5, a2, (a1)\n",
    "size-mismatch-fails": "lr.w a0, (a1)\nsc.d a3, a2, (a1)\n",
    "new-lr-moves-the-reservation": "lr.d a0, (a1)\nlr.d a0, (a4)\nsc.d a3, a2, (a1)\n",
    "plain-store-keeps-the-reservation": "lr.d a0, (a1)\nsd a2, 0(a1)\nsc.d a3, a5, (a1)\n",
    "ecall-keeps-the-reservation": "lr.w a0, (a1)\nadd s1, a0, zero\naddi a0, zero, 1\naddi a7, zero, 64\n"
                                   "add s2, a1, zero\naddi a2, zero, 1\necall\nsc.w a3, a5, (s2)\n",
    "amo-rd-is-rs2": "amoadd.d a2, a2, (a1)\namoswap.w a5, a5, (a1)\n",
    "amo-rd-is-rs1": "amoadd.d a1, a2, (a1)\n",
    "amo-to-x0": "amoor.w zero, a2, (a1)\n",
    "ordering-bits": "amoadd.w.aqrl a0, a2, (a1)\nlr.d.aq a3, (a1)\nsc.d.rl a3, a2, (a1)\n",
    "lr-sc-retry-loop": "addi s1, zero, 5\nloop:\nlr.w a0, (a1)\naddi a0, a0, 3\nsc.w a3, a0, (a1)\n"
                        "bne a3, zero, loop\naddi s1, s1, -1\nbne s1, zero, loop\n",
}


@pytest.mark.parametrize("name, xlen", [(name, xlen) for name, source in LR_SC_PROGRAMS.items()
                                        for xlen in (64, 32) if xlen == 64 or ".d" not in source])
def test_lr_sc_and_amo_sequences(name, xlen, jit_cache):
    source = LR_SC_PROGRAMS[name]
    result, _ = check(asm(source + "addi a0, zero, 0\n" + EXIT, xlen, bytes(range(0xA0, 0xC0))),
                      regs={"a1": DATA + 16, "a4": DATA + 24, "a2": 0x1234_5678_9ABC_DEF0, "a5": 3},
                      cache_dir=jit_cache)
    assert result.fault is None, str(result.fault)
