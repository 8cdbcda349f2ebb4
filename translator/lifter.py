"""Guest regions to LLVM IR: the semantics stated a second time, independently of the interpreter.

One region (translator/regions.py) becomes one function
`i32 region_<start>(ptr ctx, i64 pc, i64 depth)` that starts at the block for `pc`, runs
guest blocks that branch to each other directly, and returns a status with
ctx[SLOT_PC] set to where execution goes next.  Every guest memory access is
checked against the memory map in the generated code: inline, only where it almost
always goes (aligned, one range after another, the stack's alone for an sp-relative
access; then the input region for a load), and accesses of a block through one base
register value share one check (translator/access_groups.py).  Anything else calls
one of the module's cold exact helpers (exact_lines, exact_group_lines), so that the
rare cases cost a call site each rather than blocks of their own; an access those
do not cover or a misaligned jalr target leaves the function with STATUS_SLOW so
that the interpreter performs exactly that step.  Rare paths (slow exits, the
budget, the helpers' calls) carry branch weights, so LLVM lays them out of the
straight line.  Instructions
left to the interpreter (ecalls, atomics, illegal words, bad jumps) have no
block: control reaching one leaves the function for a pc the dispatcher has no
code for (STATUS_MISS).

The IR is written as text, not built through llvmlite.ir: building bignum's
IR object by object and printing it took 0.23 s, as long as compiling it
would take now; as text it takes 0.015 s.

Guest registers live in their context slots (RV32: the low half; the upper
half stays zero): a block reads a register from
its slot on first use and keeps it as an SSA value, and stores the last value
it gave each register where it leaves (its branch, and each side exit on its
own cold path).  So blocks share no values, every exit finds the
registers where the dispatcher and the interpreter look for them, and LLVM's
instruction selector and register allocator see short live ranges only.
Measured against registers promoted to SSA values across the whole region
(loaded on entry, written back on exit): half the code-generation time, the
same run speed.  Small loops (translator/loops.py) are the exception: the
registers they write live in allocas (SSA values after SROA) while the run goes
around them, loaded where it enters the loop and stored where it leaves.  The
step and log counters are SSA values across the region and reach the context on
exit.  The misaligned count is added to in its context slot, on a path of its own: misaligned accesses are
rare, and a counter in the context needs no phis at the exits and nothing
saved or reloaded around a call.

A region function takes the host depth of guest calls as an argument
(`i32 region_<start>(ptr ctx, i64 pc, i64 depth)`, 0 from the dispatcher, one
more in a call, the same in a tail call), so a call and a return keep it in a
register rather than in the context.

Modes: "fast" counts steps and misaligned accesses; "minimal" also appends
every value memory returns to the load log and counts block executions (the
log always has room: the executor's step budget leaves it, log_entries_per_step);
"full" replays a chunk: loads take their values from the log, stores touch no
memory, and every step writes its runtime.trace.MAIN_ROW.
"""
from dataclasses import dataclass

import numpy as np

from runtime.encoding import BY_ID, Opcode
from runtime.isa import LINK_REGISTERS
from runtime.trace import MAIN_ROW
from translator import fp_lift
from translator.access_groups import Group, access_groups
from translator.loops import Loop, small_loops
from translator.regions import BRANCH, FLOAT_RETURN, FLOAT_SITE, JAL, JALR, NORMAL, CodeMap, Region

MODES = ("fast", "minimal", "full")

# The context: an array of u64 slots shared with translator/executor.py.
SLOT_PC, SLOT_STEPS, SLOT_BUDGET, SLOT_MISALIGNED = 32, 33, 34, 35
SLOT_RAM, SLOT_INPUT, SLOT_INPUT_LEN, SLOT_BLOCK_START = 36, 37, 38, 39
SLOT_LOG, SLOT_LOG_POS, SLOT_COUNTS = 40, 41, 42
SLOT_ROWS, SLOT_ROW_BASE, SLOT_PREV_PC = 43, 44, 45
SLOT_CODE_BASE, SLOT_CODE_WORDS, SLOT_TABLE, SLOT_LOOKUPS = 46, 47, 48, 49
SLOT_RESERVED_ADDR, SLOT_RESERVED_SIZE = 50, 51      # the LR reservation in fast mode (size 0: none)
CTX_SLOTS = 52

STATUS_CONTINUE, STATUS_YIELD, STATUS_SLOW, STATUS_MISS = 0, 1, 2, 3
_STATUS_RETURN = 4              # inside a region's exit only: a guest return, which goes back to a host caller
MAX_DEPTH = 256                 # guest calls made as host calls at once (host stack: a region frame each)

ROW_WORDS = MAIN_ROW.itemsize // 8
_ROW_FIELDS = ("pc", "next_pc", "a", "b", "c", "addr", "mem")

_WORD_OPS = {"addw", "subw", "sllw", "srlw", "sraw", "mulw", "divw", "divuw", "remw", "remuw"}
_COMPARE = {"beq": "eq", "bne": "ne", "blt": "slt", "bge": "sge", "bltu": "ult", "bgeu": "uge"}
_SIMPLE = {"add": "add", "sub": "sub", "xor": "xor", "or": "or", "and": "and", "mul": "mul"}
_SHIFT = {"sll": "shl", "srl": "lshr", "sra": "ashr"}
_COUNTERS = ("steps", "logpos")
SP = 2
# Branch weights for the paths a run almost never takes (slow exits, the budget), so that LLVM lays
# them out of the way of the straight line: `br ...{LIKELY}` expects its first target.
LIKELY, UNLIKELY = ", !prof !0", ", !prof !1"
_WEIGHTS = ['!0 = !{!"branch_weights", i32 2000, i32 1}', '!1 = !{!"branch_weights", i32 1, i32 2000}']


@dataclass(frozen=True, repr=False)
class Layout:
    """Memory-map constants baked into the code (part of the cache key: its repr)."""
    ram_base: int
    ram_size: int
    guard_lo: int        # offsets from ram_base
    guard_hi: int
    writable_lo: int     # stores below this offset take the slow path (code, read-only data)...
    input_base: int | None      # None: no input region, loads outside RAM take the slow path
    read_only_lo: int = 0       # ...unless they are below this one (a stack below the code)
    holes: tuple[tuple[int, int], ...] = ()     # more offsets that are not RAM (MemoryMap.holes): slow path

    def __repr__(self) -> str:
        """The dataclass repr, read_only_lo and holes only when set: zkaot's cache keys stay as they were."""
        fields = ["ram_base", "ram_size", "guard_lo", "guard_hi", "writable_lo", "input_base"]
        fields += ["read_only_lo"] if self.read_only_lo else []
        fields += ["holes"] if self.holes else []
        return f"Layout({', '.join(f'{name}={getattr(self, name)!r}' for name in fields)})"


def region_name(region: Region) -> str:
    return f"region_{region.start:x}"


def lit(value: int, bits: int) -> str:
    """An integer constant as LLVM reads it for an i<bits> operand (two's complement, signed)."""
    value &= (1 << bits) - 1
    return str(value - (1 << bits) if value >> (bits - 1) else value)


def _is_const(value: str) -> bool:
    return not value.startswith("%")


class _Function:
    """Text of one LLVM function under construction: numbered values and labelled blocks."""

    def __init__(self):
        self.lines: list[str] = []
        self.count = 0
        self.label_now = "entry"

    def let(self, text: str) -> str:
        self.count += 1
        name = f"%v{self.count}"
        self.lines.append(f"  {name} = {text}")
        return name

    def do(self, text: str) -> None:
        self.lines.append(f"  {text}")

    def new_label(self) -> str:
        self.count += 1
        return f"L{self.count}"

    def place(self, label: str) -> None:
        self.lines.append(f"{label}:")
        self.label_now = label


def _own_block(f: _Function) -> None:
    """End the block here and go on in a new one.  LLVM's fast instruction selector (the quick
    tier's) cannot select i128, and hands a whole block's instructions up to the one it cannot select
    to SelectionDAG, several times slower: so an RV64 mulh gets a block of its own (measured on a
    200,000-instruction guest: 40% less code-generation time for full mode).  The default tier's CFG
    simplification merges the blocks again."""
    label = f.new_label()
    f.do(f"br label %{label}")
    f.place(label)


def arith(f: _Function, name: str, a: str, c: str, bits: int) -> str:
    """One RV operation on `bits`-wide values, with RISC-V's answers where LLVM's would be undefined."""
    T = f"i{bits}"
    if name in _SIMPLE:
        return f.let(f"{_SIMPLE[name]} {T} {a}, {c}")
    if name in _SHIFT:
        return f.let(f"{_SHIFT[name]} {T} {a}, {f.let(f'and {T} {c}, {bits - 1}')}")
    if name in ("slt", "sltu"):
        less = f.let(f"icmp {'slt' if name == 'slt' else 'ult'} {T} {a}, {c}")
        return f.let(f"zext i1 {less} to {T}")
    if name.startswith("mulh"):
        W, wide = f"i{2 * bits}", bits == 64        # i128: in a block of its own (_own_block)
        if wide:
            _own_block(f)
        x = f.let(f"{'zext' if name == 'mulhu' else 'sext'} {T} {a} to {W}")
        y = f.let(f"{'sext' if name == 'mulh' else 'zext'} {T} {c} to {W}")
        product = f.let(f"mul {W} {x}, {y}")
        high = f.let(f"trunc {W} {f.let(f'lshr {W} {product}, {bits}')} to {T}")
        if wide:
            _own_block(f)
        return high
    int_min, ones = lit(1 << (bits - 1), bits), "-1"
    by_zero = f.let(f"icmp eq {T} {c}, 0")
    if name in ("div", "rem"):
        overflow = f.let(f"and i1 {f.let(f'icmp eq {T} {a}, {int_min}')}, {f.let(f'icmp eq {T} {c}, -1')}")
        safe = f.let(f"select i1 {f.let(f'or i1 {by_zero}, {overflow}')}, {T} 1, {T} {c}")
        if name == "div":
            inner = f.let(f"select i1 {overflow}, {T} {int_min}, {T} {f.let(f'sdiv {T} {a}, {safe}')}")
            return f.let(f"select i1 {by_zero}, {T} {ones}, {T} {inner}")
        inner = f.let(f"select i1 {overflow}, {T} 0, {T} {f.let(f'srem {T} {a}, {safe}')}")
        return f.let(f"select i1 {by_zero}, {T} {a}, {T} {inner}")
    safe = f.let(f"select i1 {by_zero}, {T} 1, {T} {c}")
    if name == "divu":
        return f.let(f"select i1 {by_zero}, {T} {ones}, {T} {f.let(f'udiv {T} {a}, {safe}')}")
    if name == "remu":
        return f.let(f"select i1 {by_zero}, {T} {a}, {T} {f.let(f'urem {T} {a}, {safe}')}")
    raise ValueError(f"no semantics for {name}")


class _Checks:
    """The memory map's range tests, written into a function's text (a region's, or an exact helper's)."""

    def __init__(self, f: _Function, layout: Layout):
        self.f, self.layout = f, layout

    def slot(self, index: int) -> str:
        return f"getelementptr i64, ptr %ctx, i64 {index}"

    def input_data(self) -> str:
        """The host pointer to the input region's first byte, from its context slot."""
        f = self.f
        return f.let(f"inttoptr i64 {f.let(f'load i64, ptr {f.let(self.slot(SLOT_INPUT))}')} to ptr")

    def ram_ranges(self, size: int, stores: bool) -> list[tuple[int, int]]:
        """The [first, last] offsets (from ram_base) at which `size` bytes lie in RAM, clear of the guard
        page and the map's holes; for a store (`stores`), also at or above writable_lo or below
        read_only_lo (not over code and read-only data)."""
        lay = self.layout
        lowest, below = (lay.writable_lo, lay.read_only_lo) if stores else (0, 0)
        edges = [lowest]
        for lo, hi in sorted([(lay.guard_lo, lay.guard_hi), *lay.holes]):
            edges += [lo, max(hi, lowest)]
        ranges = [(a, b - size) for a, b in zip(edges[::2], [*edges[1::2], lay.ram_size])]
        return [(lo, hi) for lo, hi in [*ranges, (0, below - size)] if lo <= hi]

    def within(self, off: str, lo: int, hi: int) -> str:
        """off in [lo, hi], as one unsigned compare: off - lo <= hi - lo."""
        f = self.f
        return f.let(f"icmp ule i64 {f.let(f'sub i64 {off}, {lit(lo, 64)}')}, {lit(hi - lo, 64)}")

    def in_ram(self, off: str, size: int, stores: bool) -> str:
        """The i1 that off (from ram_base) covers size bytes of RAM where ram_ranges allows."""
        ok = "false"
        for lo, hi in self.ram_ranges(size, stores):
            test = self.within(off, lo, hi)
            ok = test if ok == "false" else self.f.let(f"or i1 {ok}, {test}")
        return ok


class _RegionLifter(_Checks):
    def __init__(self, cm: CodeMap, region: Region, mode: str, layout: Layout, loops: bool = True):
        super().__init__(_Function(), layout)
        self.cm, self.region, self.mode = cm, region, mode
        self.xlen = cm.xlen
        self.T = f"i{self.xlen}"
        self.mask = (1 << self.xlen) - 1
        self.used: set[int] = set()           # guest registers the region touches
        self.values: dict = {}                # register or counter -> its SSA value in the current block
        self.dirty: set = set()
        self.exits: list[tuple] = []          # (label, next_pc, status, prev_pc, steps, logpos)
        self.blocks = cm.blocks(region)       # leader -> its slot indices
        self.leaders = set(region.leaders)
        self.loops = small_loops(cm, self.blocks) if loops else {}    # leader -> its small loop (loops.py)
        self.loop: Loop | None = None         # the current block's
        self.edges: list[tuple[str, int]] = []    # (label, target) of edges out of it (label())
        for loop in self.loops.values():
            self.used.update(loop.registers)
        self.targets = cm.targets(region)     # a computed jump's switch cases
        self.calls = 0                        # guest calls made as host calls
        self.helpers: set[tuple[bool, int]] = set()     # (stores, size) of the exact helpers it calls
        self.rotates = False                  # it calls llvm.fshr.i64 (access)
        self.group_helper = False             # it calls @exact_group (member_pointer)

    # ---- registers and counters ----------------------------------------------
    def home(self, key) -> tuple[str, str]:
        """(type, pointer) of a register (its context slot, the low half for RV32; in a small loop, an
        alloca) or a counter (an alloca)."""
        if isinstance(key, str):
            return "i64", f"%c_{key}"
        self.used.add(key)
        if self.loop is not None and key in self.loop.registers:
            return self.T, f"%a{key}"
        return self.T, f"%p{key}"

    def get(self, key) -> str:
        if key == 0:
            return "0"
        if key not in self.values:
            T, pointer = self.home(key)
            # Volatile: else LLVM's code generator merges the loads and stores of a guest register
            # copy (`mv a0, s2; mv a1, s3`) into one 16-byte load and store, and a wide load of two
            # slots stored apart a moment before cannot take their values from the store buffer: it
            # waits for the stores to reach the cache (coremark_like ran 15% slower).
            volatile = "volatile " if pointer.startswith("%p") else ""
            self.values[key] = self.f.let(f"load {volatile}{T}, ptr {pointer}")
        return self.values[key]

    def peek(self, key) -> str:
        """The current value without remembering a load: for paths that leave the function."""
        if key == "logpos" and self.mode == "fast":
            return "0"
        if key in self.values:
            return self.values[key]
        T, pointer = self.home(key)
        return self.f.let(f"load {T}, ptr {pointer}")

    def put(self, key, value: str) -> None:
        """Give a register or counter a new value, stored to its home only where the block leaves it
        (write_back, exit_edge): a register written twice in a block is stored once."""
        if key == 0:
            return
        self.values[key] = value
        self.dirty.add(key)

    def write_back(self) -> None:
        """Store the registers and counters the block changed (before it leaves or calls another region,
        or a store to a register it cannot name)."""
        self.store_dirty(self.dirty)
        self.dirty = set()

    def dirty_registers(self) -> set[int]:
        """The registers (not counters) the block changed and has not stored."""
        return {key for key in self.dirty if isinstance(key, int)}

    def store_registers(self) -> None:
        """Store the registers the block changed, for a callee (or a store through a computed slot)."""
        registers = self.dirty_registers()
        self.store_dirty(registers)
        self.dirty -= registers

    def leave_loop(self, dirty: set[int]) -> None:
        """Store the registers a path out of the current block's loop must find in their context slots:
        the loop's own (from this block's values, else their allocas) and `dirty`."""
        f = self.f
        for r in sorted(dirty | set(self.loop.registers)):
            value = self.values[r] if r in self.values else f.let(f"load {self.T}, ptr %a{r}")
            f.do(f"store {self.T} {value}, ptr %p{r}")

    def label(self, target: int) -> str:
        """The label a branch from the current block to the block at `target` (a leader of the region)
        goes to: within the current block's loop (or from no loop to no loop), the block itself; out of
        the current block's loop, an edge block (edge) that stores its registers; else entry_label."""
        if self.loops.get(target) is self.loop:
            return f"b_{target:x}"
        return self.edge(target) if self.loop is not None else self.entry_label(target)

    def entry_label(self, target: int) -> str:
        """Where a run from outside any loop enters the block at `target`: a small loop's blocks through
        the load of its registers (loop_entries)."""
        return f"e_{target:x}" if target in self.loops else f"b_{target:x}"

    def edge(self, target: int) -> str:
        """A new label for a branch out of the current block's loop to `target` (a leader of the region, or
        a pc the region leaves for), whose block place_edges writes after the branch."""
        label = self.f.new_label()
        self.edges.append((label, target))
        return label

    def place_edges(self, prev_pc: int) -> None:
        """The blocks of the edges that edge() made, after the current block's terminator (at prev_pc):
        each stores the loop's registers, then goes on to its target's entry or leaves the region."""
        f = self.f
        edges, self.edges = self.edges, []
        for label, target in edges:
            f.place(label)
            if target in self.leaders:
                self.leave_loop(set())
                f.do(f"br label %{self.entry_label(target)}")
            else:
                self.leave(str(target), STATUS_CONTINUE, prev_pc)

    def loop_entries(self) -> list[str]:
        """Where the run enters a small loop (from the entry switch or a block outside it): its
        registers are loaded from their context slots into their allocas."""
        lines = []
        for leader, loop in sorted(self.loops.items()):
            lines.append(f"e_{leader:x}:")
            for r in loop.registers:
                value = f"%e_{leader:x}_{r}"
                lines += [f"  {value} = load {self.T}, ptr %p{r}", f"  store {self.T} {value}, ptr %a{r}"]
            lines.append(f"  br label %b_{leader:x}")
        return lines

    def store_dirty(self, keys) -> None:
        for key in sorted(keys, key=str):
            T, pointer = self.home(key)
            self.f.do(f"store {T} {self.values[key]}, ptr {pointer}")

    def end_block(self) -> None:
        self.write_back()
        self.forget()

    def forget(self) -> None:
        self.values, self.dirty = {}, set()

    def to64(self, value: str) -> str:
        if self.xlen == 64:
            return value
        return str(int(value) & self.mask) if _is_const(value) else self.f.let(f"zext i32 {value} to i64")

    # ---- leaving the function ----------------------------------------------------
    def leave(self, next_pc: str, status: int, prev_pc: int, steps: str | None = None) -> None:
        """Branch to the shared exit from the current block, which takes the counters as phis.

        The block's values stay known: a slow exit is a side path and the block goes on after it.
        """
        self.exit_edge(next_pc, status, prev_pc, steps)
        self.f.do("br label %exit")

    def exit_edge(self, next_pc: str, status: int, prev_pc: int, steps: str | None = None) -> None:
        """Record the exit phis' incoming values for an edge from the current block (emitted before it),
        and store the registers the block has changed so far on this edge alone: a side exit's stores
        stay on its cold path, and the block goes on with them still to store."""
        if self.loop is None:
            self.store_dirty(self.dirty_registers())
        else:
            self.leave_loop(self.dirty_registers())
        self.exits.append((self.f.label_now, next_pc, status, prev_pc, steps or self.peek("steps"),
                           self.peek("logpos")))

    def slow_exit(self, pc: int, k: int) -> None:
        """Leave before the instruction at pc (the k-th of its block) so the interpreter runs it, with the
        block's start in the context (only a slow exit sets it: only then does the executor read it)."""
        f = self.f
        steps = f.let(f"add i64 {self.block_steps}, {k}")
        f.do(f"store i64 {self.leader}, ptr {f.let(self.slot(SLOT_BLOCK_START))}")
        self.leave(str(pc), STATUS_SLOW, pc, steps)

    def slow_unless(self, ok: str, pc: int, k: int) -> None:
        """Go on where the i1 `ok` holds; else hand step k (at pc) to the interpreter."""
        f = self.f
        go_on, slow = f.new_label(), f.new_label()
        f.do(f"br i1 {ok}, label %{go_on}, label %{slow}{LIKELY}")
        f.place(slow)
        self.slow_exit(pc, k)
        f.place(go_on)

    def goto(self, target: int, prev_pc: int) -> None:
        """Continue at a static target: a direct branch inside the region, else via the dispatcher."""
        if target in self.leaders:
            self.end_block()
            self.f.do(f"br label %{self.label(target)}")
            self.place_edges(prev_pc)
        else:
            self.leave(str(target), STATUS_CONTINUE, prev_pc)

    # ---- the function ----------------------------------------------------------
    def lift(self) -> str:
        f = self.f
        body_start = len(f.lines)
        for leader in self.region.leaders:
            f.place(f"b_{leader:x}")
            self.lift_block(leader)
        self.loop = None
        body = f.lines[body_start:]
        f.lines = []
        f.place("miss")
        self.exits.append(("miss", "%pc", STATUS_MISS, self.region.start, "%steps0",
                           "%logpos0" if self.mode != "fast" else "0"))
        f.do("br label %exit")
        miss = f.lines
        return "\n".join([f"define i32 @{region_name(self.region)}(ptr noalias %ctx, i64 %pc, i64 %depth) {{",
                          *self.entry_lines(), *miss, *body, *self.loop_entries(), *self.exit_lines(), "}", ""])

    def entry_lines(self) -> list[str]:
        """The entry block: the context's fields, then a switch on the pc over every entry of the region.
        It cannot be trimmed as a computed jump's switch is: a budget yield leaves at the start of any
        block and the run resumes there through the dispatcher, as it does after a slow exit or a miss
        (the interpreter's steps end at the next block), a branch from another region or a return with
        no host caller.  The region's start, where a guest call enters, is tested first: one compare
        instead of a walk down the switch's tree or its table's indirect jump (measured: Lua 0.97,
        SQLite 0.96 of fast mode's time)."""
        lines = ["entry:"]
        fields = {"steps0": SLOT_STEPS, "budget": SLOT_BUDGET, "ram_addr": SLOT_RAM}
        if self.mode != "fast":
            fields.update(logpos0=SLOT_LOG_POS, log_addr=SLOT_LOG, counts_addr=SLOT_COUNTS)
        if self.mode == "full":
            fields.update(rows_addr=SLOT_ROWS, row_base=SLOT_ROW_BASE)
        for name, index in fields.items():
            lines += [f"  %s_{name} = {self.slot(index)}", f"  %{name} = load i64, ptr %s_{name}"]
        for name in fields:
            if name.endswith("_addr"):
                lines.append(f"  %{name[:-5]} = inttoptr i64 %{name} to ptr")
        lines.append(f"  %guest = getelementptr i8, ptr %ram, i64 {lit(-self.layout.ram_base, 64)}")
        lines.append(f"  %s_mis = {self.slot(SLOT_MISALIGNED)}")
        for counter in _COUNTERS if self.mode != "fast" else _COUNTERS[:1]:
            lines += [f"  %c_{counter} = alloca i64", f"  store i64 %{counter}0, ptr %c_{counter}"]
        for r in sorted(self.used):
            lines.append(f"  %p{r} = {self.slot(r)}")
        for r in sorted({r for loop in self.loops.values() for r in loop.registers}):
            lines.append(f"  %a{r} = alloca {self.T}")
        start, others = self.region.start, [pc for pc in self.region.entries if pc != self.region.start]
        if others and len(others) < len(self.region.entries):
            lines.append(f"  %at_start = icmp eq i64 %pc, {start}")
            lines.append(f"  br i1 %at_start, label %{self.label(start)}, label %entry_switch{LIKELY}")
            lines.append("entry_switch:")
        cases = " ".join(f"i64 {pc}, label %{self.label(pc)}" for pc in others or self.region.entries)
        lines.append(f"  switch i64 %pc, label %miss [ {cases} ]")
        return lines

    def exit_lines(self) -> list[str]:
        lines = ["exit:"]
        names = ("next", "status", "prev", "steps", "logpos")
        types = ("i64", "i32", "i64", "i64", "i64")
        for k, (name, T) in enumerate(zip(names, types)):
            if name == "logpos" and self.mode == "fast":
                continue
            incoming = ", ".join(f"[ {e[k + 1]}, %{e[0]} ]" for e in self.exits)
            lines.append(f"  %e_{name} = phi {T} {incoming}")
        stores = [("next", "%s_pc", SLOT_PC), ("prev", "%s_prev", SLOT_PREV_PC), ("steps", "%s_steps0", None)]
        if self.mode != "fast":
            stores.append(("logpos", "%s_logpos0", None))
        for name, pointer, index in stores:
            if index is not None:
                lines.append(f"  {pointer} = {self.slot(index)}")
            lines.append(f"  store i64 %e_{name}, ptr {pointer}")
        return lines + self.chain_lines()

    def chain_lines(self) -> list[str]:
        """Go on to the next region without the dispatcher: a return goes back to the host caller that
        made the guest call, if any; any other continue looks the pc up in the dispatch table and
        tail-calls what it finds (musttail: the host stack does not grow).  Other statuses, and a pc
        with no code, go back to the dispatcher."""
        f = self.f
        f.lines = []
        f.do(f"%is_return = icmp eq i32 %e_status, {_STATUS_RETURN}")
        f.do("br i1 %is_return, label %returning, label %not_return")
        f.place("returning")
        f.do("%nested = icmp ne i64 %depth, 0")
        f.do("br i1 %nested, label %to_caller, label %chain")
        f.place("to_caller")
        f.do(f"ret i32 {STATUS_CONTINUE}")
        f.place("not_return")
        f.do(f"%is_continue = icmp eq i32 %e_status, {STATUS_CONTINUE}")
        f.do("br i1 %is_continue, label %chain, label %stop")
        f.place("stop")
        f.do("ret i32 %e_status")
        incoming = ["[ %e_next, %returning ]", "[ %e_next, %not_return ]"]
        if self.calls:
            f.place("rechain")
            f.do(f"%pc_now = load i64, ptr {f.let(self.slot(SLOT_PC))}")
            f.do("br label %chain")
            incoming.append("[ %pc_now, %rechain ]")
        f.place("chain")
        f.do(f"%x_pc = phi i64 {', '.join(incoming)}")
        found, fn_addr = self.region_at("%x_pc", aligned=True)
        f.do(f"br i1 {found}, label %x_call, label %x_none")
        f.place("x_call")
        f.do(f"%x_status = musttail call i32 {f.let(f'inttoptr i64 {fn_addr} to ptr')}(ptr %ctx, i64 %x_pc, "
             "i64 %depth)")
        f.do("ret i32 %x_status")
        f.place("x_none")
        f.do(f"ret i32 {STATUS_CONTINUE}")
        return f.lines

    def region_at(self, pc: str, aligned: bool = False, allowed: str = "true") -> tuple[str, str]:
        """(found, address) of the region function the dispatch table holds for the slot at `pc`, the
        lookup region code makes before it calls another region: found only if `pc` lies in the code
        span (and on a slot boundary in it, if `aligned`), `allowed` holds and the entry is not 0."""
        f, shift = self.f, self.cm.shift
        delta = f.let(f"sub i64 {pc}, {lit(self.cm.base, 64)}")
        ok = f.let(f"and i1 {allowed}, {f.let(f'icmp ult i64 {delta}, {len(self.cm.kind) << shift}')}")
        if aligned:
            low = f.let(f"and i64 {delta}, {(1 << shift) - 1}")
            ok = f.let(f"and i1 {ok}, {f.let(f'icmp eq i64 {low}, 0')}")
        index = f.let(f"select i1 {ok}, i64 {f.let(f'lshr i64 {delta}, {shift}')}, i64 0")
        table = f.let(f"inttoptr i64 {f.let(f'load i64, ptr {f.let(self.slot(SLOT_TABLE))}')} to ptr")
        fn_addr = f.let(f"load i64, ptr {f.let(f'getelementptr i64, ptr {table}, i64 {index}')}")
        return f.let(f"and i1 {ok}, {f.let(f'icmp ne i64 {fn_addr}, 0')}"), fn_addr

    # ---- blocks ---------------------------------------------------------------
    def lift_block(self, leader: int) -> None:
        f, cm = self.f, self.cm
        indices = self.blocks[leader]
        self.leader = leader
        self.groups = access_groups(cm, indices) if self.mode != "full" else {}
        self.group_base: dict[Group, str] = {}       # a group -> the host address of guest address 0
        self.loop = self.loops.get(leader)
        n = len(indices)
        steps = self.get("steps")
        over = f.let(f"icmp ugt i64 {f.let(f'add i64 {steps}, {n}')}, %budget")
        body = f.new_label()
        if self.loop is None:
            self.exit_edge(str(leader), STATUS_YIELD, 0)
            f.do(f"br i1 {over}, label %exit, label %{body}{UNLIKELY}")
        else:                   # the loop's registers are stored on the way out
            yielding = f.new_label()
            f.do(f"br i1 {over}, label %{yielding}, label %{body}{UNLIKELY}")
            f.place(yielding)
            self.leave(str(leader), STATUS_YIELD, 0)
        f.place(body)
        self.block_steps = steps
        self.put("steps", f.let(f"add i64 {steps}, {n}"))
        if self.mode == "full":
            offset = f.let(f"mul i64 {f.let(f'sub i64 {steps}, %row_base')}, {ROW_WORDS}")
            self.row_pointer = f.let(f"getelementptr i64, ptr %rows, i64 {offset}")
        for k, i in enumerate(indices):
            self.lift_instruction(i, k, k == n - 1)
        self.forget()           # the last instruction ended the block with a branch

    def count_block(self) -> None:
        if self.mode == "minimal":
            f = self.f
            p = f.let(f"getelementptr i64, ptr %counts, i64 {self.cm.index(self.leader)}")
            count = f.let(f"load i64, ptr {p}")
            f.do(f"store i64 {f.let(f'add i64 {count}, 1')}, ptr {p}")

    # ---- instructions -------------------------------------------------------
    def lift_instruction(self, i: int, k: int, last: bool) -> None:
        f, cm = self.f, self.cm
        d = cm.decoded[i]
        op_id, rd, rs1, rs2, imm = int(d["op"]), int(d["rd"]), int(d["rs1"]), int(d["rs2"]), int(d["imm"])
        opcode = BY_ID[op_id]
        pc, length = cm.address(i), cm.length(i)
        nxt = (pc + length) & self.mask
        kind = cm.kind[i]
        row = dict(pc=str(pc), next_pc=str(nxt), a="0", b="0", c="0", addr="0", mem="0", flags=None, len=length)
        if kind == NORMAL:
            if opcode.cls in ("lr", "sc", "amo"):
                self.lift_atomic(opcode, rd, rs1, rs2, pc, k)
            elif opcode.cls == "load":
                self.lift_load(opcode, rd, rs1, imm, pc, k, row)
            elif opcode.cls == "store":
                self.lift_store(opcode, rs1, rs2, imm, pc, k, row)
            elif opcode.cls != "fence":
                self.lift_alu(opcode, rd, rs1, rs2, imm, pc, row)
            self.write_row(k, op_id, row)
            if last:
                self.count_block()
                self.goto(nxt, pc)
            return
        if kind == FLOAT_SITE:
            fp_lift.lift_site(self, op_id, rs1, cm.site_word(i), pc, k, row)
            return
        if kind == FLOAT_RETURN:
            fp_lift.lift_return(self, op_id, pc, k, row)
            return
        a = self.get(rs1) if kind in (BRANCH, JALR) else "0"
        if kind == BRANCH:
            c = self.get(rs2)
            taken = f.let(f"icmp {_COMPARE[opcode.name]} {self.T} {a}, {c}")
            target = (pc + imm) & self.mask
            row.update(a=self.to64(a), b=self.to64(c), c=f.let(f"zext i1 {taken} to i64"),
                       next_pc=f.let(f"select i1 {taken}, i64 {lit(target, 64)}, i64 {lit(nxt, 64)}"))
            self.write_row(k, op_id, row)
            self.count_block()
            self.branch(taken, target, nxt, pc, row["next_pc"])
        elif kind == JAL:
            target = (pc + imm) & self.mask
            self.put(rd, lit(nxt, self.xlen))
            row.update(b=lit(imm & self.mask, 64), c=lit(nxt if rd else 0, 64), next_pc=lit(target, 64))
            self.write_row(k, op_id, row)
            self.count_block()
            if rd in LINK_REGISTERS and nxt in self.leaders:
                self.host_call(str(target), nxt, pc)
            else:
                self.goto(target, pc)
        elif kind == JALR:
            target = f.let(f"and {self.T} {f.let(f'add {self.T} {a}, {lit(imm, self.xlen)}')}, -2")
            if cm.shift == 2:           # 4-byte slots: a target on a 2-byte boundary faults in the interpreter
                self.slow_unless(f.let(f"icmp eq {self.T} {f.let(f'and {self.T} {target}, 3')}, 0"), pc, k)
            self.put(rd, lit(nxt, self.xlen))
            target64 = self.to64(target)
            row.update(a=self.to64(a), b=lit(imm & self.mask, 64), c=lit(nxt if rd else 0, 64), next_pc=target64)
            self.write_row(k, op_id, row)
            self.count_block()
            if rd in LINK_REGISTERS and nxt in self.leaders:
                self.host_call(target64, nxt, pc)
            elif rd == 0 and rs1 in LINK_REGISTERS:
                self.leave(target64, _STATUS_RETURN, pc)
            else:
                self.computed_jump(target64, pc)

    def computed_jump(self, target: str, pc: int) -> None:
        """A jump through a register (a jump table, say): to a block of this region that a code pointer
        lands on directly, by a switch on the target that LLVM makes a table; anywhere else by the exit
        (its table lookup finds this region's function for a leader of its own, entered by its entry
        switch).  Listing every leader made LLVM's code generation of a large dispatch loop a quarter
        longer, edges to blocks that no computed jump reaches but by chance (docs/translator.md)."""
        f = self.f
        self.write_back()
        elsewhere = f.new_label()
        cases = " ".join(f"i64 {leader}, label %{self.label(leader)}" for leader in self.targets)
        f.do(f"switch i64 {target}, label %{elsewhere} [ {cases} ]")
        f.place(elsewhere)
        self.leave(target, STATUS_CONTINUE, pc)

    def host_call(self, target: str, nxt: int, pc: int) -> None:
        """A guest call as a host call of the target's region function: when it comes back with the
        guest at the return address, the block after the call goes on here, so a return costs a host
        return instead of a table lookup and an entry switch.  It comes back early with any other
        status (that goes up to the dispatcher), or at another pc (a longjmp, say; that is looked up).
        Past MAX_DEPTH nested calls, and for a target with no code, the call leaves like a jump."""
        f = self.f
        self.calls += 1
        self.store_registers()
        slots = {"steps": SLOT_STEPS}
        if self.mode != "fast":
            slots["logpos"] = SLOT_LOG_POS
        for key, index in slots.items():      # the callee sets the pc (and prev) wherever it leaves
            f.do(f"store i64 {self.peek(key)}, ptr {f.let(self.slot(index))}")
        found, fn_addr = self.region_at(target, allowed=f.let(f"icmp ult i64 %depth, {MAX_DEPTH}"))
        call, jump = f.new_label(), f.new_label()
        f.do(f"br i1 {found}, label %{call}, label %{jump}")
        f.place(jump)
        self.leave(target, STATUS_CONTINUE, pc)
        f.place(call)
        fn = f.let(f"inttoptr i64 {fn_addr} to ptr")
        status = f.let(f"call i32 {fn}(ptr %ctx, i64 {target}, i64 {f.let('add i64 %depth, 1')})")
        back = f.let(f"icmp eq i32 {status}, {STATUS_CONTINUE}")
        here = f.let(f"icmp eq i64 {f.let(f'load i64, ptr {f.let(self.slot(SLOT_PC))}')}, {nxt}")
        resume, elsewhere, up = f.new_label(), f.new_label(), f.new_label()
        f.do(f"br i1 {f.let(f'and i1 {back}, {here}')}, label %{resume}, label %{elsewhere}")
        f.place(elsewhere)
        f.do(f"br i1 {back}, label %rechain, label %{up}")
        f.place(up)
        f.do(f"ret i32 {status}")
        f.place(resume)
        for key, index in slots.items():
            f.do(f"store i64 {f.let(f'load i64, ptr {f.let(self.slot(index))}')}, ptr %c_{key}")
        self.forget()
        f.do(f"br label %{self.label(nxt)}")

    def branch(self, taken: str, target: int, nxt: int, pc: int, next_pc: str) -> None:
        """The end of a block with a conditional branch: targets inside the region directly, others by exit."""
        f = self.f
        inside = [t in self.leaders for t in (target, nxt)]
        if not any(inside):
            self.leave(next_pc, STATUS_CONTINUE, pc)
            return
        self.write_back()
        labels = []
        for t, internal in zip((target, nxt), inside):
            if internal:
                labels.append(self.label(t))
            elif self.loop is None:
                labels.append("exit")
                self.exit_edge(str(t), STATUS_CONTINUE, pc)
            else:                   # out of a loop: its registers are stored on that edge alone
                labels.append(self.edge(t))
        f.do(f"br i1 {taken}, label %{labels[0]}, label %{labels[1]}")
        self.place_edges(pc)
        self.forget()

    def write_row(self, k: int, op_id: int, row: dict) -> None:
        if self.mode != "full":
            return
        f = self.f
        for offset, name in enumerate(_ROW_FIELDS):
            field = f.let(f"getelementptr i64, ptr {self.row_pointer}, i64 {k * ROW_WORDS + offset}")
            f.do(f"store i64 {row[name]}, ptr {field}")
        op_id |= row["len"] << 32               # the word of op, flags and len (MAIN_ROW)
        tail = str(op_id)
        if row["flags"] is not None:
            flags = row["flags"]
            tail = f.let(f"or i64 {f.let(f'shl i64 {flags}, 16')}, {op_id}")
        field = f.let(f"getelementptr i64, ptr {self.row_pointer}, i64 {k * ROW_WORDS + len(_ROW_FIELDS)}")
        f.do(f"store i64 {tail}, ptr {field}")

    # ---- memory -------------------------------------------------------------
    def address(self, rs1: int, imm: int) -> tuple[str, str]:
        base = self.get(rs1)
        return base, self.to64(self.f.let(f"add {self.T} {base}, {lit(imm, self.xlen)}"))

    def fast_ranges(self, size: int, stores: bool, stack: bool) -> list[tuple[int, int]]:
        """The ranges an access's inline check tries, in order: every range of ram_ranges (the one below
        the guard page first), or for an sp-relative access (`stack`) under a map with a guard page
        only the stack's: anything else (an sp-relative access outside the stack, a misaligned access,
        the input region, a slow exit) is the exact helper's (exact_lines)."""
        ranges = self.ram_ranges(size, stores)
        lay = self.layout
        if stack and lay.guard_lo < lay.guard_hi:
            stack_ranges = [r for r in ranges if r[0] >= lay.guard_hi]
            return stack_ranges[:1] or ranges
        return ranges

    def aligned_bounds(self, size: int, stores: bool, stack: bool) -> list[tuple[int, int]]:
        """For each of fast_ranges, (first, count): an access of `size` bytes at guest address a is
        aligned and lies in that range iff rotr(a, log2(size)) - first <= count, unsigned (one
        subtraction and one compare): the rotation moves a misaligned address's low bits to the top,
        past every range's end."""
        base, shift = self.layout.ram_base, size.bit_length() - 1
        bounds = []
        for lo, hi in self.fast_ranges(size, stores, stack):
            first = -(-(base + lo) // size) * size           # the lowest aligned address of the range
            if first <= base + hi:
                bounds.append((first >> shift, (base + hi - first) >> shift))
        return bounds

    def count_misaligned(self, addr64: str, size: int) -> str:
        """Full mode: add one to the misaligned counter if the access is misaligned; the 0/1 flag for the
        row (by arithmetic: the row needs the flag)."""
        if size == 1:
            return "0"
        f = self.f
        misaligned = f.let(f"icmp ne i64 {f.let(f'and i64 {addr64}, {size - 1}')}, 0")
        flag = f.let(f"zext i1 {misaligned} to i64")
        self.add_misaligned(flag)
        return flag

    def add_misaligned(self, count: str) -> None:
        """Add to the misaligned counter in its context slot."""
        f = self.f
        old = f.let("load i64, ptr %s_mis")
        f.do(f"store i64 {f.let(f'add i64 {old}, {count}')}, ptr %s_mis")

    def next_log_position(self) -> str:
        pos = self.get("logpos")
        self.put("logpos", self.f.let(f"add i64 {pos}, 1"))
        return self.f.let(f"getelementptr i64, ptr %log, i64 {pos}")

    def lift_load(self, opcode: Opcode, rd: int, rs1: int, imm: int, pc: int, k: int, row: dict) -> None:
        f = self.f
        size = opcode.size
        S = f"i{8 * size}"
        base, a64 = self.address(rs1, imm)
        if self.mode == "full":
            raw64 = f.let(f"load i64, ptr {self.next_log_position()}")
            raw = f.let(f"trunc i64 {raw64} to {S}") if size < 8 else raw64
            flag = self.count_misaligned(a64, size)
        else:
            at = self.access(k, base, imm, a64, size, False, rs1 == SP, pc)
            raw = f.let(f"load {S}, ptr {at}, align 1")
            raw64 = f.let(f"zext {S} {raw} to i64") if size < 8 else raw
            if self.mode == "minimal":
                f.do(f"store i64 {raw64}, ptr {self.next_log_position()}")
            flag = "0"
        if size * 8 == self.xlen:
            value = raw
        elif size * 8 > self.xlen:
            value = f.let(f"trunc {S} {raw} to {self.T}")
        else:
            value = f.let(f"{'sext' if opcode.signed else 'zext'} {S} {raw} to {self.T}")
        self.put(rd, value)
        row.update(a=self.to64(base), b=lit(imm & self.mask, 64), c=self.to64(value) if rd else "0",
                   addr=a64, mem=raw64, flags=flag)

    def lift_store(self, opcode: Opcode, rs1: int, rs2: int, imm: int, pc: int, k: int, row: dict) -> None:
        f = self.f
        size = opcode.size
        S = f"i{8 * size}"
        base, a64 = self.address(rs1, imm)
        value = self.get(rs2)
        narrow = self.narrow(value, S)
        flag = "0"
        if self.mode == "full":
            flag = self.count_misaligned(a64, size)
        else:
            at = self.access(k, base, imm, a64, size, True, rs1 == SP, pc)
            f.do(f"store {S} {narrow}, ptr {at}, align 1")
        stored = f.let(f"zext {S} {narrow} to i64") if size < 8 else narrow
        row.update(a=self.to64(base), b=self.to64(value), c=stored, addr=a64, flags=flag)

    def access(self, k: int, base: str, imm: int, a64: str, size: int, stores: bool, stack: bool,
               pc: int) -> str:
        """The host pointer for the access at position k (at pc), in a block where the access may go on,
        counted if misaligned.  A member of a group (translator/access_groups.py): member_pointer.
        Any other: where one of aligned_bounds' tests holds (a branch each), %guest + the guest
        address; for a load that is not sp-relative, then the input region (aligned, the length loaded
        here: rare, not at entry); else what the module's exact helper for the
        access (exact_lines) returns: it checks every range (and, for a load, the input region) and
        counts a misaligned access, or returns null, and step k leaves for the interpreter."""
        f = self.f
        group = self.groups.get(k)
        if group is not None:
            return self.member_pointer(group, base, imm, size, k, pc)
        cold, join = f.new_label(), f.new_label()
        fast = f.let(f"getelementptr i8, ptr %guest, i64 {a64}")
        lay = self.layout
        shift = size.bit_length() - 1
        rotated = a64 if shift == 0 else f.let(f"call i64 @llvm.fshr.i64(i64 {a64}, i64 {a64}, i64 {shift})")
        self.rotates |= shift > 0
        incoming, ok = [], "false"
        for first, count in self.aligned_bounds(size, stores, stack):
            if ok != "false":             # a branch per range: LLVM keeps an `or` of tests as setcc and or
                after = f.new_label()
                f.do(f"br i1 {ok}, label %{join}, label %{after}{LIKELY}")
                incoming.append(f"[ {fast}, %{f.label_now} ]")
                f.place(after)
            ok = f.let(f"icmp ule i64 {f.let(f'sub i64 {rotated}, {lit(first, 64)}')}, {lit(count, 64)}")
        inline_input = not stores and not stack and lay.input_base is not None and lay.input_base % size == 0
        if inline_input:
            input_test = f.new_label()
            f.do(f"br i1 {ok}, label %{join}, label %{input_test}{LIKELY}")
            incoming.append(f"[ {fast}, %{f.label_now} ]")
            f.place(input_test)
            length = f.let(f"load i64, ptr {f.let(self.slot(SLOT_INPUT_LEN))}")
            last = f.let(f"lshr i64 {f.let(f'sub i64 {length}, {size}')}, {shift}") if shift else \
                f.let(f"sub i64 {length}, {size}")
            skewed = f.let(f"sub i64 {rotated}, {lit(lay.input_base >> shift, 64)}")
            inside = f.let(f"icmp ule i64 {skewed}, {last}")
            in_off = f.let(f"sub i64 {a64}, {lit(lay.input_base, 64)}")
            at_input = f.let(f"getelementptr i8, ptr {self.input_data()}, i64 {in_off}")
            f.do(f"br i1 {inside}, label %{join}, label %{cold}{LIKELY}")
            incoming.append(f"[ {at_input}, %{input_test} ]")
        else:
            f.do(f"br i1 {ok}, label %{join}, label %{cold}{LIKELY}")
            incoming.append(f"[ {fast}, %{f.label_now} ]")
        f.place(cold)
        helper = f"@exact_{'store' if stores else 'load'}{size}"
        self.helpers.add((stores, size))
        at = f.let(f"call preserve_mostcc ptr {helper}(ptr %ctx, i64 {a64}, i64 {self.leader})")
        steps = f.let(f"add i64 {self.block_steps}, {k}")
        self.exit_edge(str(pc), STATUS_SLOW, pc, steps)
        f.do(f"br i1 {f.let(f'icmp eq ptr {at}, null')}, label %exit, label %{join}{UNLIKELY}")
        incoming.append(f"[ {at}, %{cold} ]")
        f.place(join)
        return f.let(f"phi ptr {', '.join(incoming)}")

    def member_pointer(self, group: Group, base: str, imm: int, size: int, k: int, pc: int) -> str:
        """The host pointer of a group member (at position k, at pc), counted if misaligned.  At the first
        member, the group's check (group_check) once for all of them: where it holds, members are
        plain accesses at %guest + base + offset (x86 folds that into one operand).  Where it fails, a
        group of loads calls the module's exact_group helper (exact_group_lines), which gives the
        input region's base for a span in it; anything else (a store group, a span reaching past RAM
        or the input, a misaligned widest member) leaves for the interpreter at the first member, and
        the interpreter runs the rest of the block (a miss in its middle): a fault stops at exactly
        the faulting member, and misaligned members are counted as the interpreter counts them."""
        f = self.f
        if group not in self.group_base:
            ok, low = self.group_check(group, base)
            cold, join = f.new_label(), f.new_label()
            f.do(f"br i1 {ok}, label %{join}, label %{cold}{LIKELY}")
            here = f.label_now
            f.place(cold)
            steps = f.let(f"add i64 {self.block_steps}, {k}")
            self.exit_edge(str(pc), STATUS_SLOW, pc, steps)
            if group.stores or self.layout.input_base is None:
                f.do(f"store i64 {self.leader}, ptr {f.let(self.slot(SLOT_BLOCK_START))}")
                f.do("br label %exit")
                self.group_base[group] = "%guest"
            else:
                self.group_helper = True
                skew = group.phase - group.low            # low + skew is the widest member's address, mod align
                hb = f.let(f"call preserve_mostcc ptr @exact_group(ptr %ctx, i64 {low}, i64 {group.span}, "
                           f"i64 {skew}, i64 {group.align}, i64 {self.leader})")
                f.do(f"br i1 {f.let(f'icmp eq ptr {hb}, null')}, label %exit, label %{join}{UNLIKELY}")
                self.group_base[group] = f"%g{join}"
                f.place(join)
                f.do(f"%g{join} = phi ptr [ %guest, %{here} ], [ {hb}, %{cold} ]")
            if f.label_now != join:
                f.place(join)
        if group.misaligned(imm, size):
            self.add_misaligned("1")
        return self.guest_pointer(base, imm, self.group_base[group])

    def guest_pointer(self, base: str, imm: int, guest: str = "%guest") -> str:
        """%guest + base + imm, formed in the block of the access so that x86 folds it into one operand."""
        f = self.f
        if self.xlen == 64:
            return f.let(f"getelementptr i8, ptr {f.let(f'getelementptr i8, ptr {guest}, i64 {base}')}, i64 {imm}")
        return f.let(f"getelementptr i8, ptr {guest}, i64 {self.to64(f.let(f'add i32 {base}, {lit(imm, 32)}'))}")

    def group_check(self, group: Group, base: str) -> tuple[str, str]:
        """(ok, low): the i1 that a group's span lies where its members may go and its widest member is
        aligned, and the span's first address (i64)."""
        f, lay = self.f, self.layout
        low = self.to64(f.let(f"add {self.T} {base}, {lit(group.low, self.xlen)}"))
        off = f.let(f"sub i64 {low}, {lit(lay.ram_base, 64)}")
        ok = self.in_ram(off, group.span, group.stores)
        if group.align > 1:
            anchor = f.let(f"add {self.T} {base}, {lit(group.phase, self.xlen)}") if group.phase else base
            aligned = f.let(f"icmp eq {self.T} {f.let(f'and {self.T} {anchor}, {group.align - 1}')}, 0")
            ok = f.let(f"and i1 {ok}, {aligned}")
        return ok, low

    def lift_atomic(self, opcode: Opcode, rd: int, rs1: int, rs2: int, pc: int, k: int) -> None:
        """LR/SC and AMOs, in fast mode only (regions.code_map): an access the fast checks cover
        (aligned, in RAM; SC and AMOs where a store may go) runs here, with the reservation in the
        context where the interpreter finds it (executor._to_interpreter); any other leaves for
        the interpreter, which performs or faults it."""
        f, size, S = self.f, opcode.size, f"i{8 * opcode.size}"
        addr = self.to64(self.get(rs1))
        off = f.let(f"sub i64 {addr}, {lit(self.layout.ram_base, 64)}")
        room = self.in_ram(off, size, opcode.cls != "lr")
        aligned = f.let(f"icmp eq i64 {f.let(f'and i64 {addr}, {size - 1}')}, 0")
        self.slow_unless(f.let(f"and i1 {aligned}, {room}"), pc, k)
        at = f.let(f"getelementptr i8, ptr %ram, i64 {off}")
        reserved_addr, reserved_size = f.let(self.slot(SLOT_RESERVED_ADDR)), f.let(self.slot(SLOT_RESERVED_SIZE))
        if opcode.cls == "sc":
            held_addr, held_size = f.let(f"load i64, ptr {reserved_addr}"), f.let(f"load i64, ptr {reserved_size}")
            held = f.let(f"and i1 {f.let(f'icmp eq i64 {held_addr}, {addr}')}, "
                         f"{f.let(f'icmp eq i64 {held_size}, {size}')}")
            f.do(f"store i64 0, ptr {reserved_size}")
            value = self.narrow(self.get(rs2), S)        # before the branch: later blocks reuse the load
            store, done = f.new_label(), f.new_label()
            f.do(f"br i1 {held}, label %{store}, label %{done}")
            f.place(store)
            f.do(f"store {S} {value}, ptr {at}, align {size}")
            f.do(f"br label %{done}")
            f.place(done)
            self.put(rd, f.let(f"zext i1 {f.let(f'xor i1 {held}, true')} to {self.T}"))
            return
        old = f.let(f"load {S}, ptr {at}, align {size}")
        if opcode.cls == "lr":
            f.do(f"store i64 {addr}, ptr {reserved_addr}")
            f.do(f"store i64 {size}, ptr {reserved_size}")
        else:
            f.do(f"store {S} {self.amo_value(opcode.fn, old, self.narrow(self.get(rs2), S), S)}, ptr {at}, align {size}")
        self.put(rd, old if S == self.T else f.let(f"sext {S} {old} to {self.T}"))

    def narrow(self, value: str, S: str) -> str:
        """A register's value cut to the S bits a store writes."""
        return value if S == self.T else self.f.let(f"trunc {self.T} {value} to {S}")

    def amo_value(self, fn: str, old: str, operand: str, S: str) -> str:
        """What an AMO stores: `fn` (encoding.AMO_FNS) of the old value and rs2's."""
        f = self.f
        if fn == "swap":
            return operand
        if fn in ("add", "xor", "and", "or"):
            return f.let(f"{fn} {S} {old}, {operand}")
        compare = {"min": "slt", "max": "sgt", "minu": "ult", "maxu": "ugt"}[fn]
        return f.let(f"select i1 {f.let(f'icmp {compare} {S} {old}, {operand}')}, {S} {old}, {S} {operand}")

    # ---- arithmetic ---------------------------------------------------------
    def lift_alu(self, opcode: Opcode, rd: int, rs1: int, rs2: int, imm: int, pc: int, row: dict) -> None:
        if opcode.name == "lui":
            value, a, bv = lit(imm, self.xlen), "0", lit(imm, self.xlen)
        elif opcode.name == "auipc":
            value, a, bv = lit(pc + imm, self.xlen), "0", lit(imm, self.xlen)
        else:
            a = self.get(rs1)
            bv = self.get(rs2) if opcode.format.operand == "rs2" else lit(imm, self.xlen)
            value = self.operation(opcode.fn, a, bv)
        self.put(rd, value)
        row.update(a=self.to64(a), b=self.to64(bv), c=self.to64(value) if rd else "0")

    def operation(self, name: str, a: str, c: str) -> str:
        if name in _WORD_OPS:
            f = self.f
            narrow = arith(f, name[:-1], f.let(f"trunc i64 {a} to i32"), f.let(f"trunc i64 {c} to i32"), 32)
            return f.let(f"sext i32 {narrow} to i64")
        return arith(self.f, name, a, c, self.xlen)


def log_entries_per_step(cm: CodeMap) -> int:
    """The most load-log entries one step of native code appends: a load's one, or a lowered float
    routine's return (fp_lift.RETURN_LOADS).  A minimal run's step budget leaves room in the log for
    that many per step (translator/executor.py), so native code never checks for room."""
    return fp_lift.RETURN_LOADS if bool(np.any(cm.kind == FLOAT_RETURN)) else 1


def exact_lines(layout: Layout, stores: bool, size: int) -> list[str]:
    """`ptr @exact_load<size>(ptr ctx, i64 addr, i64 leader)` (`@exact_store<size>` for a store): the
    exact check of an access that a region's inline check did not cover, emitted once per module (an
    internal, cold function; preserve_mostcc, so its caller saves nothing around the call).  The host
    pointer to access, with the access counted in ctx[SLOT_MISALIGNED] if misaligned, where the access
    lies in RAM where ram_ranges allows (a load also in the input region); else null, with the
    block's start (`leader`) in ctx[SLOT_BLOCK_START], and the caller leaves for the interpreter."""
    checks = _helper_checks(layout)
    f, slot = checks.f, checks.slot
    off = f.let(f"sub i64 %addr, {lit(layout.ram_base, 64)}")
    ram = f.let(f"inttoptr i64 {f.let(f'load i64, ptr {f.let(slot(SLOT_RAM))}')} to ptr")
    f.do(f"br i1 {checks.in_ram(off, size, stores)}, label %ram, label %not_ram")
    f.place("ram")
    incoming = [f"[ {f.let(f'getelementptr i8, ptr {ram}, i64 {off}')}, %ram ]"]
    f.do("br label %found")
    f.place("not_ram")
    if stores or layout.input_base is None:
        f.do("br label %slow")
    else:
        in_off = f.let(f"sub i64 %addr, {lit(layout.input_base, 64)}")
        length = f.let(f"load i64, ptr {f.let(slot(SLOT_INPUT_LEN))}")
        in_ok = f.let(f"icmp ule i64 {in_off}, {f.let(f'sub i64 {length}, {size}')}")
        f.do(f"br i1 {in_ok}, label %input, label %slow")
        f.place("input")
        incoming.append(f"[ {f.let(f'getelementptr i8, ptr {checks.input_data()}, i64 {in_off}')}, %input ]")
        f.do("br label %found")
    f.place("found")
    at = f.let(f"phi ptr {', '.join(incoming)}")
    if size > 1:
        misaligned = f.let(f"icmp ne i64 {f.let(f'and i64 %addr, {size - 1}')}, 0")
        count = f.let(slot(SLOT_MISALIGNED))
        old = f.let(f"load i64, ptr {count}")
        flag = f.let(f"zext i1 {misaligned} to i64")
        f.do(f"store i64 {f.let(f'add i64 {old}, {flag}')}, ptr {count}")
    f.do(f"ret ptr {at}")
    return _exact_function(f"exact_{'store' if stores else 'load'}{size}", "i64 %addr", checks)


def exact_group_lines(layout: Layout) -> list[str]:
    """`ptr @exact_group(ptr ctx, i64 low, i64 span, i64 skew, i64 align, i64 leader)`: where a group of
    loads whose inline check failed may go on (emitted once per module, like exact_lines): the host
    address of guest address 0 for the input region if the span [low, low + span) lies in it and
    low + skew (the widest member's address) is a multiple of align, else null, with the block's start
    in ctx[SLOT_BLOCK_START]."""
    checks = _helper_checks(layout)
    f, slot = checks.f, checks.slot
    in_off = f.let(f"sub i64 %low, {lit(layout.input_base, 64)}")
    length = f.let(f"load i64, ptr {f.let(slot(SLOT_INPUT_LEN))}")
    fits = f.let(f"icmp ule i64 %span, {length}")             # a span longer than the input is not in it
    room = f.let(f"sub i64 {length}, %span")
    inside = f.let(f"and i1 {fits}, {f.let(f'icmp ule i64 {in_off}, {room}')}")
    mask = f.let("sub i64 %align, 1")
    widest = f.let("add i64 %low, %skew")
    aligned = f.let(f"icmp eq i64 {f.let(f'and i64 {widest}, {mask}')}, 0")
    f.do(f"br i1 {f.let(f'and i1 {inside}, {aligned}')}, label %input, label %slow")
    f.place("input")
    f.do(f"ret ptr {f.let(f'getelementptr i8, ptr {checks.input_data()}, i64 {lit(-layout.input_base, 64)}')}")
    return _exact_function("exact_group", "i64 %low, i64 %span, i64 %skew, i64 %align", checks)


def _helper_checks(layout: Layout) -> _Checks:
    """The range tests of an exact helper, written into a new function from its entry block."""
    checks = _Checks(_Function(), layout)
    checks.f.place("entry")
    return checks


def _exact_function(name: str, params: str, checks: _Checks) -> list[str]:
    """An exact helper's definition: its body so far, then the `slow` block its checks branch to (the
    block's start into ctx[SLOT_BLOCK_START], null back)."""
    f = checks.f
    f.place("slow")
    f.do(f"store i64 %leader, ptr {f.let(checks.slot(SLOT_BLOCK_START))}")
    f.do("ret ptr null")
    return [f"define internal preserve_mostcc ptr @{name}(ptr %ctx, {params}, i64 %leader) cold noinline "
            "nounwind {", *f.lines, "}", ""]


def lift_module(cm: CodeMap, regions: list[Region], mode: str, layout: Layout, name: str = "guest",
                loops: bool = True) -> str:
    """The IR text of one module holding the given regions, and the exact helpers they call.  `loops`:
    keep small loops' registers in allocas, which pays only where SROA makes them SSA values (not at the
    quick tier, jit.lift_regions: there they cost full mode's compile a tenth more, for nothing)."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}")
    lifters = [_RegionLifter(cm, region, mode, layout, loops) for region in regions]
    functions = [lifter.lift() for lifter in lifters]
    helpers = sorted(set().union(*(lifter.helpers for lifter in lifters)))
    rotates = any(lifter.rotates for lifter in lifters)
    group_helper = any(lifter.group_helper for lifter in lifters)
    return "\n".join([f"; ModuleID = '{name}'", *functions,
                      *(line for stores, size in helpers for line in exact_lines(layout, stores, size)),
                      *(exact_group_lines(layout) if group_helper else []),
                      *(["declare i64 @llvm.fshr.i64(i64, i64, i64)"] if rotates else []), *_WEIGHTS])


def dispatcher_module(shift: int = 2) -> str:
    """`i32 dispatch(ptr ctx)`: look the pc up in the table of region functions and call, until a status.
    Counts its lookups in ctx[SLOT_LOOKUPS]: region code goes on to the next region by itself, so these
    are the entries from the host and the continues that found no code or came back to it.  The table
    has a slot per 1 << shift bytes of code (translator/regions.py CodeMap)."""
    def slot(index: int) -> str:
        return f"getelementptr i64, ptr %ctx, i64 {index}"
    return f"""; ModuleID = 'dispatch'
define i32 @dispatch(ptr %ctx) {{
entry:
  %s_base = {slot(SLOT_CODE_BASE)}
  %code_base = load i64, ptr %s_base
  %s_words = {slot(SLOT_CODE_WORDS)}
  %code_words = load i64, ptr %s_words
  %s_table = {slot(SLOT_TABLE)}
  %table_addr = load i64, ptr %s_table
  %table = inttoptr i64 %table_addr to ptr
  %s_pc = {slot(SLOT_PC)}
  %s_lookups = {slot(SLOT_LOOKUPS)}
  br label %loop
loop:
  %pc = load i64, ptr %s_pc
  %lookups = load i64, ptr %s_lookups
  %lookups1 = add i64 %lookups, 1
  store i64 %lookups1, ptr %s_lookups
  %delta = sub i64 %pc, %code_base
  %index = lshr i64 %delta, {shift}
  %low = and i64 %delta, {(1 << shift) - 1}
  %aligned = icmp eq i64 %low, 0
  %below = icmp ult i64 %index, %code_words
  %inside = and i1 %aligned, %below
  %safe = select i1 %inside, i64 %index, i64 0
  %entry_ptr = getelementptr i64, ptr %table, i64 %safe
  %address = load i64, ptr %entry_ptr
  %nonzero = icmp ne i64 %address, 0
  %found = and i1 %inside, %nonzero
  br i1 %found, label %call, label %out
call:
  %fn = inttoptr i64 %address to ptr
  %status = call i32 %fn(ptr %ctx, i64 %pc, i64 0)
  %again = icmp eq i32 %status, {STATUS_CONTINUE}
  br i1 %again, label %loop, label %out
out:
  %result = phi i32 [ {STATUS_MISS}, %loop ], [ %status, %call ]
  ret i32 %result
}}
"""
