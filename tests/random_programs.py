"""The random-program generator (hypothesis strategies) shared by the differential tests
(tests/test_differential_random.py) and the fuzz targets (tests/fuzzing.py), and the oracle
both apply: the JIT in every mode agrees with the interpreter.

A generated program is straight-line code with forward branches, forward computed jumps
(which land in the middle of translated blocks), bounded loops, calls to small subroutines,
loads and stores around a data window (misaligned ones included), loads from the input
region, AMOs and LR/SC on aligned addresses, console and output writes, and then an ending:
exit, or one of the faults, or a step limit anywhere.  Every program terminates: loops
count down a register the generator reserves (s1), and nothing else jumps backwards.

Registers the generator reserves (random instructions read them but never write them):
ra (calls), s0 (the data window's base, DATA + 0x800), s1 (loop counter), s2 (INPUT_BASE).
t5 and t6 are set right before the jumps and atomics that use them (and may be clobbered
by random instructions elsewhere, which is harmless).
"""
import dataclasses
from dataclasses import dataclass, field

from hypothesis import strategies as st

from differential import CODE, DATA, MODES, SMALL_RAM, asm, assert_same, run_interpreter, run_native
from runtime.memory_map import INPUT_BASE, MemoryMap

BASE = DATA + 0x800
RA, S0, S1, S2, T5, T6 = 1, 8, 9, 18, 30, 31
RESERVED = {RA, S0, S1, S2}
WRITABLE = [r for r in range(32) if r not in RESERVED]          # x0 included: writes are discarded
FAVOURITES = [0, 10, 11, 12, 13, 14, 5]                           # so that results feed later instructions

RR = ["add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or", "and",
      "mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu"]
RR_W = ["addw", "subw", "sllw", "srlw", "sraw", "mulw", "divw", "divuw", "remw", "remuw"]
RI = ["addi", "slti", "sltiu", "xori", "ori", "andi"]
SHIFTS = ["slli", "srli", "srai"]
SHIFTS_W = ["slliw", "srliw", "sraiw"]
BRANCHES = ["beq", "bne", "blt", "bge", "bltu", "bgeu"]
AMOS = ["amoswap", "amoadd", "amoxor", "amoand", "amoor", "amomin", "amomax", "amominu", "amomaxu"]
LOADS = {64: {"lb": 1, "lbu": 1, "lh": 2, "lhu": 2, "lw": 4, "lwu": 4, "ld": 8},
         32: {"lb": 1, "lbu": 1, "lh": 2, "lhu": 2, "lw": 4}}
STORES = {64: {"sb": 1, "sh": 2, "sw": 4, "sd": 8}, 32: {"sb": 1, "sh": 2, "sw": 4}}

M64 = (1 << 64) - 1
EDGES = [0, 1, 2, 31, 32, 63, 64, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x1_0000_0000,
         1 << 63, (1 << 63) - 1, M64, M64 - 1]
VALUES = st.one_of(st.sampled_from(EDGES), st.integers(0, M64), st.integers(-300, 300).map(lambda v: v & M64))
IMM12 = st.one_of(st.sampled_from([-2048, -1, 0, 1, 2047]), st.integers(-2048, 2047))
SOURCE = st.one_of(st.sampled_from(FAVOURITES), st.integers(0, 31))
DEST = st.one_of(st.sampled_from(FAVOURITES), st.sampled_from(WRITABLE))


@dataclass
class Options:
    xlen: int
    oracle: bool = False        # unicorn: aligned accesses only, no ecalls, LR/SC only in clean pairs, exit


@dataclass
class Spec:
    xlen: int
    main: list
    subs: list
    tail: str
    regs: dict
    input_bytes: bytes
    cut: bool                   # stop the run at a step limit somewhere inside it
    source: str = field(default="", repr=False)


def x(r: int) -> str:
    return f"x{r}"


# ---- items: each a list of assembly lines, or a ("skip", ...) marker resolved at rendering ----

@st.composite
def alu_item(draw, o: Options):
    kind = draw(st.sampled_from(["rr", "ri", "shift", "lui", "auipc"] + (["rr_w", "ri_w", "shift_w"] if o.xlen == 64 else [])))
    rd, rs1, rs2 = draw(DEST), draw(SOURCE), draw(SOURCE)
    if kind == "rr":
        return [f"{draw(st.sampled_from(RR))} {x(rd)}, {x(rs1)}, {x(rs2)}"]
    if kind == "rr_w":
        return [f"{draw(st.sampled_from(RR_W))} {x(rd)}, {x(rs1)}, {x(rs2)}"]
    if kind == "ri":
        return [f"{draw(st.sampled_from(RI))} {x(rd)}, {x(rs1)}, {draw(IMM12)}"]
    if kind == "ri_w":
        return [f"addiw {x(rd)}, {x(rs1)}, {draw(IMM12)}"]
    if kind == "shift":
        amount = draw(st.one_of(st.sampled_from([0, 1, o.xlen - 1]), st.integers(0, o.xlen - 1)))
        return [f"{draw(st.sampled_from(SHIFTS))} {x(rd)}, {x(rs1)}, {amount}"]
    if kind == "shift_w":
        amount = draw(st.one_of(st.sampled_from([0, 1, 31]), st.integers(0, 31)))
        return [f"{draw(st.sampled_from(SHIFTS_W))} {x(rd)}, {x(rs1)}, {amount}"]
    upper = draw(st.one_of(st.sampled_from([0, 0x7FFFF, 0x80000, 0xFFFFF]), st.integers(0, 0xFFFFF)))
    return [f"{kind} {x(rd)}, {upper:#x}"]


def offset(draw, size: int, aligned: bool, lo: int = -2048, hi: int = 2047) -> int:
    """An offset whose `size` bytes lie in [lo, hi] (lo is a multiple of 8): mostly near the start,
    so that stores and loads meet, sometimes at the edges."""
    top = hi - size + 1
    near = st.integers(lo, top) if top - lo < 128 else st.integers(-64, 64)
    off = draw(st.one_of(near, near, st.sampled_from([lo, top]), st.integers(lo, top)))
    off = min(max(off, lo), top)
    return off - off % size if aligned else off


@st.composite
def memory_item(draw, o: Options, input_len: int):
    load = draw(st.booleans())
    if load:
        op, size = draw(st.sampled_from(sorted(LOADS[o.xlen].items())))
        rd = draw(DEST)
        span = 8 + ((input_len + 7) & ~7)
        if draw(st.integers(0, 3)) == 0:                                  # from the input region
            off = offset(draw, size, o.oracle, 0, span - 1)
            return [f"{op} {x(rd)}, {off}({x(S2)})"]
        return [f"{op} {x(rd)}, {offset(draw, size, o.oracle)}({x(S0)})"]
    op, size = draw(st.sampled_from(sorted(STORES[o.xlen].items())))
    return [f"{op} {x(draw(SOURCE))}, {offset(draw, size, o.oracle)}({x(S0)})"]


def atomic_address(draw, size: int) -> str:
    off = draw(st.one_of(st.integers(-8, 8), st.integers(-255, 255))) * size
    return f"addi {x(T6)}, {x(S0)}, {off}"


@st.composite
def atomic_item(draw, o: Options):
    widths = ["w", "d"] if o.xlen == 64 else ["w"]
    width = draw(st.sampled_from(widths))
    size = 4 if width == "w" else 8
    kind = draw(st.sampled_from(["amo", "amo", "pair"] + ([] if o.oracle else ["lr", "sc"])))
    if kind == "amo":
        return [atomic_address(draw, size), f"{draw(st.sampled_from(AMOS))}.{width} {x(draw(DEST))}, "
                                            f"{x(draw(SOURCE))}, ({x(T6)})"]
    if kind == "lr":
        return [atomic_address(draw, size), f"lr.{width} {x(draw(DEST))}, ({x(T6)})"]
    if kind == "sc":
        return [atomic_address(draw, size), f"sc.{width} {x(draw(DEST))}, {x(draw(SOURCE))}, ({x(T6)})"]
    # a pair: LR, a few ALU instructions, SC (to the same address unless the generator says otherwise)
    address = atomic_address(draw, size)
    lines = [address, f"lr.{width} {x(draw(DEST))}, ({x(T6)})"]
    for item in draw(st.lists(alu_item(o), max_size=3)):
        lines += item
    if o.oracle or draw(st.integers(0, 3)):
        lines.append(address)
    else:
        lines.append(atomic_address(draw, draw(st.sampled_from([4, 8] if o.xlen == 64 else [4]))))
        width = draw(st.sampled_from(widths))
    lines.append(f"sc.{width} {x(draw(DEST))}, {x(draw(SOURCE))}, ({x(T6)})")
    return lines


@st.composite
def wild_memory_item(draw, o: Options):
    """A load or store through any register: usually a fault (unmapped, null page, code, input)."""
    table = LOADS if draw(st.booleans()) else STORES
    op = draw(st.sampled_from(sorted(table[o.xlen])))
    first = x(draw(DEST)) if table is LOADS else x(draw(SOURCE))
    return [f"{op} {first}, {draw(IMM12)}({x(draw(SOURCE))})"]


@st.composite
def write_item(draw):
    fd = draw(st.sampled_from([1, 2, 3, 3]))
    return [f"addi a0, zero, {fd}", f"addi a1, {x(S0)}, {draw(st.integers(-64, 64))}",
            f"addi a2, zero, {draw(st.integers(0, 16))}", "addi a7, zero, 64", "ecall"]


@st.composite
def skip_item(draw, o: Options):
    """A forward branch or a forward computed jump over the next k items of the same list."""
    k = draw(st.integers(0, 3))
    if draw(st.integers(0, 2)):
        return ("branch", draw(st.sampled_from(BRANCHES)), draw(SOURCE), draw(SOURCE), k)
    return ("jump", draw(DEST), k)


def item(o: Options, input_len: int, calls: int, top: bool):
    """One item, weighted: ALU 6, memory 4, atomics 2, forward skips 2, calls 1, writes 1, wild accesses 1."""
    choices = [alu_item(o)] * 6 + [memory_item(o, input_len)] * 4 + [atomic_item(o)] * 2 + [skip_item(o)] * 2
    if not o.oracle:
        choices += [write_item(), wild_memory_item(o)]
    if calls:
        choices.append(st.integers(0, calls - 1).map(lambda k: [f"jal ra, sub{k}"]))
    return st.one_of(*choices)


@st.composite
def loop_item(draw, o: Options, input_len: int, calls: int):
    count = draw(st.integers(1, 6))
    body = draw(st.lists(item(o, input_len, calls, False), min_size=1, max_size=8))
    return ("loop", count, body)


TAILS = ["exit"] * 5 + ["null-load", "store-into-code", "ebreak", "illegal", "misaligned-jalr", "bad-ecall",
                        "off-the-end", "misaligned-amo", "endless", "jump-outside-code"]


def tail_lines(tail: str, xlen: int) -> list[str]:
    return {
        "exit": ["addi a7, zero, 93", "ecall"],
        "null-load": [f"{'ld' if xlen == 64 else 'lw'} a3, 8(zero)"],
        "store-into-code": ["auipc t5, 0", "sw a3, 0(t5)"],
        "ebreak": ["ebreak"],
        "illegal": [".word 0xffffffff"],
        "misaligned-jalr": ["auipc t5, 0", "jalr zero, 6(t5)"],
        "bad-ecall": ["addi a7, zero, 1234", "ecall"],
        "off-the-end": [],
        "misaligned-amo": [f"addi t6, {x(S0)}, 2", "amoadd.w a3, a4, (t6)"],
        "endless": ["endless:", "jal zero, endless"],
        "jump-outside-code": [f"jalr zero, 0({x(S0)})"],
    }[tail]


@st.composite
def programs(draw, xlen: int, oracle: bool = False):
    o = Options(xlen, oracle)
    input_bytes = draw(st.binary(max_size=40))
    n_subs = draw(st.integers(0, 2))
    subs = [draw(st.lists(item(o, len(input_bytes), 0, False), max_size=5)) for _ in range(n_subs)]
    entries = st.one_of(item(o, len(input_bytes), n_subs, True), loop_item(o, len(input_bytes), n_subs))
    main = draw(st.lists(entries, min_size=1, max_size=20))
    tail = "exit" if oracle else draw(st.sampled_from(TAILS))
    regs = {r: draw(VALUES) for r in range(1, 32) if r not in RESERVED}
    regs.update({RA: 0, S0: BASE, S1: 0, S2: INPUT_BASE})
    cut = not oracle and draw(st.integers(0, 2)) == 0
    spec = Spec(xlen, main, subs, tail, regs, input_bytes, cut)
    spec.source = render(spec)
    return spec


# ---- rendering ----------------------------------------------------------------------------------

class _Labels:
    def __init__(self):
        self.n = 0

    def new(self, stem: str) -> str:
        self.n += 1
        return f"{stem}{self.n}"


def _instructions(lines: list[str]) -> int:
    return sum(1 for line in lines if not line.endswith(":"))


def render_list(items: list, labels: _Labels) -> list[str]:
    rendered = [render_item(it, labels) if not (isinstance(it, tuple) and it[0] in ("branch", "jump")) else None
                for it in items]
    after: dict[int, list[str]] = {}
    for i, it in enumerate(items):
        if rendered[i] is not None:
            continue
        k = min(it[-1], len(items) - 1 - i)
        skipped = sum(_instructions(rendered[j] or ["skip"] * (1 if items[j][0] == "branch" else 2))
                      for j in range(i + 1, i + 1 + k))
        if it[0] == "branch":
            label = labels.new("fwd")
            rendered[i] = [f"{it[1]} {x(it[2])}, {x(it[3])}, {label}"]
            after.setdefault(i + k, []).append(f"{label}:")
        else:
            rendered[i] = [f"auipc {x(T5)}, 0", f"jalr {x(it[1])}, {8 + 4 * skipped}({x(T5)})"]
    lines = []
    for i, r in enumerate(rendered):
        lines += r + after.get(i, [])
    return lines


def render_item(it, labels: _Labels) -> list[str]:
    if isinstance(it, tuple) and it[0] == "loop":
        _, count, body = it
        top = labels.new("loop")
        return ([f"addi {x(S1)}, zero, {count}", f"{top}:"] + render_list(body, labels)
                + [f"addi {x(S1)}, {x(S1)}, -1", f"bne {x(S1)}, zero, {top}"])
    return list(it)


def render(spec: Spec) -> str:
    labels = _Labels()
    lines = ["jal zero, main"]
    for k, body in enumerate(spec.subs):
        lines += [f"sub{k}:"] + render_list(body, labels) + ["jalr zero, 0(ra)"]
    lines += ["main:"] + render_list(spec.main, labels) + tail_lines(spec.tail, spec.xlen)
    return "\n".join(lines) + "\n"


def code_end(source: str) -> int:
    return CODE + 4 * _instructions([ln for ln in source.splitlines() if ln])


STEP_LIMIT = 10_000


def run_length(spec: Spec) -> int:
    """Steps of the whole run (up to STEP_LIMIT): where a step limit can cut it."""
    result, _ = run_interpreter(asm(spec.source, spec.xlen), spec.input_bytes, SMALL_RAM, STEP_LIMIT, spec.regs)
    return result.steps


def jit_matches_interpreter(spec: Spec, step_limit: int, cache_dir, memory_map: MemoryMap = SMALL_RAM,
                            self_loop_halts: bool = False, **profile) -> None:
    """The JIT in every mode ends exactly as the interpreter does; AssertionError (with the
    program, its registers, input and step limit) when not.  `profile`: another profile's
    calls and frames, with its kind of memory map (and whether a jump to itself halts)."""
    program = dataclasses.replace(asm(spec.source, spec.xlen), self_loop_halts=self_loop_halts)
    result, interp = run_interpreter(program, spec.input_bytes, memory_map, step_limit, spec.regs, **profile)
    note = f"\n{spec.source}regs={spec.regs} input={spec.input_bytes!r} step_limit={step_limit}"
    for mode in MODES:
        native_run, native = run_native(program, spec.input_bytes, memory_map, step_limit, spec.regs, mode, cache_dir,
                                        **profile)
        try:
            assert_same(result, interp, native_run, native, what=mode)
        except AssertionError as e:
            raise AssertionError(f"{e}{note}") from None
