"""Guest code cut into basic blocks and regions: the units the lifter translates.

A region is a stretch of code between two region starts (the entry, function
symbols, call targets); it becomes one LLVM function whose blocks branch to
each other directly, so LLVM can keep guest registers in host registers across
loops.  Control leaving a region goes back through the dispatcher.

Computed jumps land on block leaders where the program keeps their targets in
data (translator/code_pointers.py: jump tables, label and function-pointer tables).
Regions are cut at MAX_REGION instructions, except, in fast mode, a dispatch loop
(an interpreter's bytecode loop, told by the code's shape: a loop around a
computed jump with many code pointers into its span), kept whole up to DISPATCH_WHOLE
so that its dispatch is a switch inside its region, and a longer one cut at
DISPATCH_MAX_REGION.

Instructions the translator leaves to the interpreter ("slow": ecall, ebreak,
LR/SC and AMOs outside fast mode, CSR accesses (calls of the profiles that decode them), illegal words, jumps
whose static target is not code) end the
block before them, so a block never stops half-way except on a memory fault,
and have no block of their own: reaching one is a miss (no code at that pc),
and the interpreter runs it or reports it.  So a run of illegal words (zero
fill in a code segment) costs nothing until it is reached.

The code is cut into slots of 4 bytes, or of 2 for a program whose profile takes the C
extension (Program.compressed): there an instruction takes one or two slots, and which
slots start instructions is what a linear sweep from each code segment's start says
(as objdump reads code); a slot the sweep finds inside an instruction is slow, so a
jump there is the interpreter's.
"""
import dataclasses
import functools
from dataclasses import dataclass

import numpy as np

from runtime.compressed import COMPRESSED, expansions
from runtime.encoding import by_id, illegal_words
from translator.code_pointers import code_pointer_targets
from translator.code_slots import read_slots
from translator.fp_sites import code_end

NORMAL, BRANCH, JAL, JALR, SLOW, FLOAT_SITE, FLOAT_RETURN = range(7)


_KIND_OF_CLASS = {"branch": BRANCH, "jal": JAL, "jalr": JALR,
                  "ecall": SLOW, "ebreak": SLOW, "lr": SLOW, "sc": SLOW, "amo": SLOW, "csr": SLOW,
                  "float": FLOAT_SITE, "floatret": FLOAT_RETURN}    # lowered F/D: translator/fp_lift.py
OP_CLASSES = by_id(lambda op: _KIND_OF_CLASS.get(op.cls, NORMAL), np.int8)
ATOMICS = by_id(lambda op: op.cls in ("lr", "sc", "amo"), bool)


@dataclass(frozen=True)
class Region:
    start: int
    end: int
    leaders: tuple[int, ...]     # every block start (slow words have no block)
    entries: tuple[int, ...]     # the block starts the dispatcher may enter at (not the cuts of long blocks)


def for_extensions(program, extensions: frozenset[str]):
    """The program as a profile with these decoder extensions (runtime/calls.py Registry) runs it:
    in 2-byte slots when they name the C extension."""
    compressed = COMPRESSED in extensions
    return program if program.compressed == compressed else dataclasses.replace(program, compressed=compressed)


_MASKS = ("is_code", "is_leader", "is_target", "wide", "is_start")     # CodeMap's bit masks, pickled packed


@dataclass
class CodeMap:
    """The decoded code span [base, base + (len(decoded) << shift)) and its division into regions.
    Per slot (4 bytes; 2 with the C extension, shift 1)."""
    base: int
    xlen: int
    decoded: np.ndarray            # runtime.encoding.DECODED per slot
    is_code: np.ndarray            # bool: inside an executable segment
    kind: np.ndarray               # NORMAL/BRANCH/JAL/JALR/SLOW per slot (SLOW also outside code)
    is_leader: np.ndarray          # a block boundary: a block starts here, or the slot is SLOW
    regions: list[Region]
    shift: int = 2                 # log2 of the slot's bytes
    wide: np.ndarray | None = None      # 2-byte slots: an instruction starting here takes two
    is_start: np.ndarray | None = None  # 2-byte slots: the sweep starts an instruction here (or not code)
    is_target: np.ndarray | None = None  # a code pointer lands here (code_pointers.py): computed jumps' switch cases
    dispatch_loops: int = 0        # spans cut with a dispatch loop's cap (0: the quick tier's map is the same)
    float_lowering: object = None  # the soft-float library's placement (Program.float_lowering)
    site_words: np.ndarray = None  # (index, insn) of each FLOAT_SITE slot, by index: what it stores (fp_sites.site_word)

    def targets(self, region: Region) -> tuple[int, ...]:
        """The leaders of a region that code pointers land on: where a computed jump may go inside it
        (a jump elsewhere leaves through the dispatch table); every leader if the map does not say."""
        if self.is_target is None:
            return region.leaders
        return tuple(pc for pc in region.leaders if self.is_target[self.index(pc)])

    def __getstate__(self) -> dict:
        """Compact, for the compile workers: the decodable words and bit masks, not per-word arrays
        that are mostly zero fill in a program with a large code segment."""
        legal = np.flatnonzero(self.decoded["op"] >= 0)
        masks = {name: np.packbits(getattr(self, name)) for name in _MASKS
                 if getattr(self, name) is not None}
        return {"base": self.base, "xlen": self.xlen, "words": len(self.kind), "legal": legal,
                "decoded": self.decoded[legal], "kind": self.kind[legal], "regions": self.regions,
                "shift": self.shift, "dispatch_loops": self.dispatch_loops, "float_lowering": self.float_lowering,
                "site_words": self.site_words, **masks}

    def __setstate__(self, state: dict) -> None:
        n, legal = state["words"], state["legal"]
        self.base, self.xlen, self.regions, self.shift = state["base"], state["xlen"], state["regions"], state["shift"]
        self.dispatch_loops = state["dispatch_loops"]
        self.float_lowering, self.site_words = state["float_lowering"], state["site_words"]
        self.decoded = illegal_words(n)
        self.decoded[legal] = state["decoded"]
        self.kind = np.full(n, SLOW, np.int8)            # every word that does not decode is slow
        self.kind[legal] = state["kind"]
        for name in _MASKS:
            setattr(self, name, np.unpackbits(state[name], count=n).astype(bool) if name in state else None)

    @property
    def instructions(self) -> int:
        """Instructions of code that decode: what gets translated (filler and data in code do not)."""
        legal = (self.decoded["op"] >= 0) & self.is_code
        return int((legal if self.is_start is None else legal & self.is_start).sum())

    def site_word(self, i: int) -> int:
        """What the FLOAT_SITE at index i stores as insn (fp_sites.site_word): the lifter's constant."""
        return int(self.site_words[np.searchsorted(self.site_words[:, 0], i), 1])

    def index(self, pc: int) -> int:
        return (pc - self.base) >> self.shift

    def address(self, i: int) -> int:
        return self.base + (i << self.shift)

    def length(self, i: int) -> int:
        """The bytes of the instruction at slot i."""
        return 4 if self.wide is None or self.wide[i] else 2

    def next_slots(self, indices: np.ndarray) -> np.ndarray:
        """The slot after the instruction at each slot."""
        return indices + 1 if self.wide is None else indices + 1 + (self.wide[indices] & self.is_start[indices])

    @functools.cached_property
    def starts(self) -> np.ndarray:
        """The slots instructions start at, in order (every slot when slots are words)."""
        return word_indices(len(self.kind)) if self.is_start is None else np.flatnonzero(self.is_start)

    def blocks(self, region: Region) -> dict[int, list[int]]:
        """leader -> the slot indices of its block (block), for every block of `region`."""
        return {leader: self.block(leader, region) for leader in region.leaders}

    def block(self, leader: int, region: Region) -> list[int]:
        """Slot indices of the block starting at `leader`, up to a control transfer or the next leader."""
        i, end = self.index(leader), self.index(region.end)
        block = [i]
        while self.kind[i] == NORMAL:
            nxt = i + self.length(i) // (1 << self.shift)
            if nxt >= end or self.is_leader[nxt]:
                break
            i = nxt
            block.append(i)
        return block


MAX_REGION = 128                # instructions: LLVM code generation is superlinear in function size (measured)
DISPATCH_WHOLE = 4096           # a dispatch loop up to this long is one region: its dispatch a switch in it (measured)
DISPATCH_MAX_REGION = 2048      # a longer one is cut at this: larger pieces cost compile time, gained SQLite nothing
DISPATCH_TARGETS = 64           # code pointers into a span that make its loop a dispatch loop (measured)
FULL_MODE_MAX_BLOCK = 32        # full mode writes a row per step: long blocks make LLVM's scheduler quadratic


def code_map(program, mode: str, quick: bool = False) -> CodeMap:
    """The code map a mode is translated with: full mode cuts long blocks (compile time), the others
    keep them whole (cutting costs run time; both measured in bench/translator.py).  Fast mode runs
    LR/SC and AMOs in translated code (a libc's locks take them in every malloc); the trace modes
    leave them to the interpreter, whose reservation the trace and its replay follow.  Fast mode keeps
    dispatch loops whole up to DISPATCH_WHOLE (longer ones cut at DISPATCH_MAX_REGION); in minimal
    mode that made LLVM's code generation of Lua's interpreter loop 8x longer (measured,
    docs/translator.md), and so it did for `quick` code
    (the quick tier, jit.QUICK_OPT: LLVM's O0 code generator keeps a large function's values in
    memory, and Lua rv32im ran 1.7x slower on it)."""
    fast = mode == "fast"
    return discover(program, FULL_MODE_MAX_BLOCK if mode == "full" else None, atomics=fast,
                    dispatch_loops=fast and not quick)


def word_indices(n: int) -> np.ndarray:
    """0 .. n-1 in the narrowest type that holds them: per-word arrays of large code are large."""
    return np.arange(n, dtype=np.int32 if n < 1 << 31 else np.int64)


def _loops_split(heads: np.ndarray, tails: np.ndarray, at: np.ndarray) -> np.ndarray:
    """For each index in `at`, how many loops (a backward branch at `tail` to `head`) a region start
    there would cut: those with head < at <= tail."""
    return np.searchsorted(np.sort(heads), at) - np.searchsorted(np.sort(tails), at)


def _dispatch_spans(bounds: np.ndarray, jumps: np.ndarray, heads: np.ndarray, tails: np.ndarray,
                    targets: np.ndarray) -> np.ndarray:
    """For each span from a bound to the next (slot indices): whether it is a dispatch loop, a loop of
    the span around a computed jump (`jumps`; loops run from `heads` back to `tails`) with at least
    DISPATCH_TARGETS code pointers (`targets`) landing past the span's start: an interpreter's
    bytecode loop.  Cut at MAX_REGION, each dispatch leaves the region through the dispatcher."""
    if not len(bounds):
        return np.zeros(0, bool)

    def span(at: np.ndarray) -> np.ndarray:
        return np.searchsorted(bounds, at, "right") - 1
    own = span(tails)
    own = (own >= 0) & (heads >= bounds[np.maximum(own, 0)])          # loops within their span
    heads, tails = np.sort(heads[own]), np.sort(tails[own])
    looped = jumps[np.searchsorted(heads, jumps, "right") > np.searchsorted(tails, jumps)]
    dispatch = np.zeros(len(bounds) + 1, bool)
    dispatch[span(looped)] = True                     # index -1 (before the first bound) lands on the spare
    at = span(targets)
    landed = np.bincount(at[targets > bounds[np.maximum(at, 0)]], minlength=len(bounds))
    return dispatch[:-1] & (landed >= DISPATCH_TARGETS)


def _cut_long_regions(bounds: np.ndarray, end: int, leaders: np.ndarray, splits: np.ndarray,
                      caps: np.ndarray) -> np.ndarray:
    """Cuts for regions (from each bound to the next, the last to `end`; positions count instructions)
    longer than their cap (`caps`, per bound), at block leaders where the fewest loops are cut (the
    latest such leader): a loop cut in two goes through the dispatcher twice per iteration (bignum's
    inner loop did, at the 128th instruction of its function).  From a position, the next cut is the
    best leader within the cap, else the first leader after it; that choice is computed for every
    leader at once for each cap (a sparse table of window minima), so following the chain of cuts
    costs a step per cut."""
    m = len(leaders)
    his = np.append(bounds[1:], end)
    long = his - bounds > caps
    if not m or not long.any():
        return np.zeros(0, np.int64)
    levels = [splits * (m + 1) + (m - np.arange(m))]     # least splits first, then the latest leader
    while 1 << len(levels) <= caps[long].max():         # levels[k][i]: the least over ranks i .. i + 2**k - 1
        half = 1 << (len(levels) - 1)
        levels.append(np.minimum(levels[-1][:-half], levels[-1][half:]))
    table = np.full((len(levels), m), np.iinfo(np.int64).max)
    for k, level in enumerate(levels):
        table[k, :len(level)] = level

    def next_cut(position: np.ndarray, cap: int) -> np.ndarray:
        """The rank of the leader a region reaching past position + cap is cut at (m: none)."""
        a = np.searchsorted(leaders, position, "right")
        b = np.minimum(np.maximum(np.searchsorted(leaders, position + cap, "right"), a + 1), m)
        k = np.log2(np.maximum(b - a, 1)).astype(np.int64)
        best = np.minimum(table[k, np.minimum(a, m - 1)], table[k, np.maximum(b - (1 << k), 0)])
        return np.where(a < m, m - best % (m + 1), m)

    at, cuts = leaders.tolist() + [end], []
    for cap in np.unique(caps[long]).tolist():
        cut = long & (caps == cap)
        after = next_cut(leaders, cap).tolist()
        for lo, hi, rank in zip(bounds[cut].tolist(), his[cut].tolist(), next_cut(bounds[cut], cap).tolist()):
            last = lo
            while hi - last > cap and at[rank] < hi:
                last = at[rank]
                cuts.append(last)
                rank = after[rank]
    return np.sort(np.array(cuts, np.int64))


def discover(program, max_block: int | None = None, atomics: bool = False, dispatch_loops: bool = False) -> CodeMap:
    """The code map of a program, linear in the size of the code (n log n in the number of blocks);
    `atomics`: LR/SC and AMOs are ordinary instructions of a block, not slow ones; `dispatch_loops`:
    a dispatch loop's span is one region up to DISPATCH_WHOLE instructions, else cut at
    DISPATCH_MAX_REGION, not MAX_REGION."""
    shift = 1 if program.compressed else 2
    placement = program.float_lowering      # F/D words and the library's return are lifted (fp_lift)
    lowered = frozenset({"float", "floatret"}) if placement else frozenset()
    base, words, is_code, decoded, wide, is_start = read_slots(program, shift, lowered)
    n, end = len(words), base + (len(words) << shift)
    op = decoded["op"]
    kind = np.where(op >= 0, OP_CLASSES[np.maximum(op, 0)], SLOW).astype(np.int8)
    if placement:                           # zkfp.ret is the library's own: anywhere else, illegal
        returns = np.flatnonzero(kind == FLOAT_RETURN)
        pcs = base + (returns << shift)
        kind[returns[(pcs < placement.entry) | (pcs >= code_end(placement))]] = SLOW
    if atomics:
        kind[(op >= 0) & ATOMICS[np.maximum(op, 0)]] = NORMAL
    kind[~is_code] = SLOW
    if is_start is not None:
        kind[~is_start] = SLOW                                # inside an instruction: the interpreter's
    if program.self_loop_halts:            # the interpreter ends the run there (the profile's SelfLoop call)
        jumps = np.flatnonzero((kind == BRANCH) | (kind == JAL))
        kind[jumps[decoded["imm"][jumps] == 0]] = SLOW
    direct = np.flatnonzero((kind == BRANCH) | (kind == JAL))
    target = base + (direct << shift) + decoded["imm"][direct]   # out-of-span targets are invalid, wrapped or not
    t_index = (target - base) >> shift
    valid = (target & ((1 << shift) - 1) == 0) & (target >= base) & (t_index < n)
    valid[valid] &= is_code[t_index[valid]] & (True if is_start is None else is_start[t_index[valid]])
    kind[direct[~valid]] = SLOW                               # the interpreter reports the bad jump
    direct, t_index = direct[valid], t_index[valid]
    slow = kind == SLOW

    cm = CodeMap(base, program.xlen, decoded, is_code, kind, np.zeros(0, bool), [], shift, wide, is_start)
    is_leader = np.zeros(n + 1, bool)
    region_start = np.zeros(n + 1, bool)
    starts = [program.entry] + [s for s, _, _ in program.functions] + [lo for lo, _ in program.code_ranges()]
    for pc in starts:
        if base <= pc < end and pc % (1 << shift) == 0:
            is_leader[(pc - base) >> shift] = region_start[(pc - base) >> shift] = True
    is_leader[t_index] = True
    pointed = code_pointer_targets(program, words, decoded, base, is_code & ~slow,
                                   None if is_start is None else cm.starts, shift)
    is_leader[pointed] = True
    cm.is_target = np.zeros(n, bool)
    cm.is_target[pointed] = True
    calls = (kind[direct] == JAL) & (decoded["rd"][direct] != 0)
    region_start[t_index[calls]] = True
    instructions = cm.starts
    ends = instructions[kind[instructions] != NORMAL]
    is_leader[cm.next_slots(ends)] = True                     # after a control transfer or a slow word
    is_leader, region_start = is_leader[:-1], region_start[:-1]
    is_leader |= slow                                         # no block runs into a slow word
    region_start &= is_code
    is_entry = is_leader & ~slow
    # With max_block, long straight-line runs are cut into blocks of that many instructions; the
    # cuts are not entry points, so the dispatcher's table and the region switches stay the same.
    if max_block:
        since_leader = word_indices(len(instructions))
        last_leader = np.where(is_leader[instructions], since_leader, 0)
        since_leader -= np.maximum.accumulate(last_leader, out=last_leader)
        is_leader[instructions[(since_leader % max_block == 0) & (since_leader > 0)]] = True

    leaders = np.flatnonzero(is_leader & ~slow)
    backward = t_index <= direct
    splits = _loops_split(t_index[backward], direct[backward], leaders)
    # Regions are measured in the instructions they translate: a position counts the words before it
    # that are not slow, so a stretch of slow words takes no room.
    counted = np.flatnonzero(~slow)
    at = np.searchsorted(counted, leaders)
    bounds = np.flatnonzero(region_start)
    computed = np.flatnonzero((kind == JALR) & (decoded["rd"] == 0) & (decoded["rs1"] != 1))   # not a return
    dispatch = dispatch_loops & _dispatch_spans(bounds, computed, t_index[backward], direct[backward], pointed)
    positions = np.searchsorted(counted, bounds)
    whole = np.diff(np.append(positions, len(counted))) <= DISPATCH_WHOLE      # spans that fit, in instructions
    caps = np.where(dispatch, np.where(whole, DISPATCH_WHOLE, DISPATCH_MAX_REGION), MAX_REGION)
    cuts = _cut_long_regions(positions, len(counted), at, splits, caps)
    region_start[leaders[np.searchsorted(at, cuts)]] = True
    entries = np.flatnonzero((region_start | is_entry) & ~slow)
    boundary = np.append(is_leader if is_start is None else is_leader & is_start, True)
    cm.is_leader, cm.dispatch_loops = is_leader, int(dispatch.sum())
    cm.regions = _regions(base, shift, np.flatnonzero(region_start), leaders, entries, boundary)
    sites = np.flatnonzero(kind == FLOAT_SITE)
    site_words = words[sites].astype(np.int64) | 4 << 32        # what the site stores (fp_sites.site_word)
    if wide is not None:                    # a compressed F/D transfer stores its 32-bit expansion
        half = ~wide[sites]
        site_words[half] = expansions(program.xlen)[site_words[half] & 0xFFFF].astype(np.int64) | 2 << 32
    cm.float_lowering, cm.site_words = placement, np.stack([sites, site_words], 1)
    return cm


def _regions(base: int, shift: int, bounds: np.ndarray, leaders: np.ndarray, entries: np.ndarray,
             boundary: np.ndarray) -> list[Region]:
    """A Region for each stretch from a bound to the next that has blocks, from its first block to the
    end of its last: a stretch of slow words (zero fill) is no region at all."""
    ends = np.append(bounds[1:], len(boundary) - 1)
    first, stop = np.searchsorted(leaders, bounds), np.searchsorted(leaders, ends)
    entry_first, entry_stop = np.searchsorted(entries, bounds), np.searchsorted(entries, ends)
    regions = []
    for lo, hi, e_lo, e_hi in zip(first.tolist(), stop.tolist(), entry_first.tolist(), entry_stop.tolist()):
        if lo == hi:
            continue
        last = int(leaders[hi - 1])
        block_end = last + 1 + int(boundary[last + 1:].argmax())      # argmax stops at the first True
        regions.append(Region(base + (int(leaders[lo]) << shift), base + (block_end << shift),
                              tuple((base + (leaders[lo:hi] << shift)).tolist()),
                              tuple((base + (entries[e_lo:e_hi] << shift)).tolist())))
    return regions
