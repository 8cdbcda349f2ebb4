"""Guest code cut into basic blocks and regions: the units the lifter translates.

A region is a stretch of code between two region starts (the entry, function
symbols, call targets); it becomes one LLVM function whose blocks branch to
each other directly, so LLVM can keep guest registers in host registers across
loops.  Control leaving a region goes back through the dispatcher.

Instructions the translator leaves to the interpreter ("slow": ecall, ebreak,
LR/SC and AMOs, illegal words, jumps whose static target is not code) are blocks
of their own, so a block never stops half-way except on a memory fault.
"""
from dataclasses import dataclass

import numpy as np

from runtime.encoding import TABLE, decode_words

NORMAL, BRANCH, JAL, JALR, SLOW = range(5)


def _op_classes() -> np.ndarray:
    classes = np.full(len(TABLE), NORMAL, np.int8)
    for op in TABLE:
        if op.format.name == "B":
            classes[op.id] = BRANCH
        elif op.name == "jal":
            classes[op.id] = JAL
        elif op.name == "jalr":
            classes[op.id] = JALR
        elif op.name in ("ecall", "ebreak") or op.format.name in ("AMO", "LR"):
            classes[op.id] = SLOW
    return classes


OP_CLASSES = _op_classes()


@dataclass(frozen=True)
class Region:
    start: int
    end: int
    leaders: tuple[int, ...]     # every block start
    entries: tuple[int, ...]     # the block starts the dispatcher may enter at (not the cuts of long blocks)


@dataclass
class CodeMap:
    """The decoded code span [base, base + 4 * len(decoded)) and its division into regions."""
    base: int
    xlen: int
    decoded: np.ndarray            # runtime.encoding.DECODED per word
    is_code: np.ndarray            # bool: inside an executable segment
    kind: np.ndarray               # NORMAL/BRANCH/JAL/JALR/SLOW per word
    target: np.ndarray             # static target of branches and jal
    is_leader: np.ndarray
    regions: list[Region]

    def index(self, pc: int) -> int:
        return (pc - self.base) >> 2

    def block(self, leader: int, region: Region) -> list[int]:
        """Word indices of the block starting at `leader`, up to a control transfer or the next leader."""
        i, end = self.index(leader), self.index(region.end)
        block = [i]
        while self.kind[i] == NORMAL and i + 1 < end and not self.is_leader[i + 1]:
            i += 1
            block.append(i)
        return block


MAX_REGION = 128                # instructions: LLVM code generation is superlinear in function size (measured)
FULL_MODE_MAX_BLOCK = 32        # full mode writes a row per step: long blocks make LLVM's scheduler quadratic


def code_map(program, mode: str) -> CodeMap:
    """The code map a mode is translated with: full mode cuts long blocks (compile time), the others
    keep them whole (cutting costs run time; both measured in bench/translator.py)."""
    return discover(program, FULL_MODE_MAX_BLOCK if mode == "full" else None)


def _loops_split(heads: np.ndarray, tails: np.ndarray, n: int) -> np.ndarray:
    """For each word, how many loops (a backward branch at `tail` to `head`) a region start there would cut."""
    delta = np.zeros(n + 1, np.int64)
    np.add.at(delta, heads + 1, 1)
    np.add.at(delta, tails + 1, -1)
    return np.cumsum(delta)[:n]


def _cut_long_regions(region_start: np.ndarray, is_leader: np.ndarray, splits: np.ndarray) -> None:
    """Cut regions longer than MAX_REGION at block leaders, where the fewest loops are cut (the latest
    such leader): a loop cut in two goes through the dispatcher twice per iteration (bignum's inner
    loop did, at the 128th instruction of its function)."""
    starts_at = np.flatnonzero(region_start)
    for lo, hi in zip(starts_at, list(starts_at[1:]) + [len(region_start)]):
        leaders_in = np.flatnonzero(is_leader[lo + 1:hi]) + lo + 1
        last = lo
        while hi - last > MAX_REGION:
            rest = leaders_in[leaders_in > last]
            if not len(rest):
                break
            window = rest[rest - last <= MAX_REGION]
            if not len(window):
                window = rest[:1]                       # one block longer than the cap
            cost = splits[window]
            last = int(window[np.flatnonzero(cost == cost.min())[-1]])
            region_start[last] = True


def discover(program, max_block: int | None = None) -> CodeMap:
    code = program.code_ranges()
    base, end = min(lo for lo, _ in code), max(hi for _, hi in code)
    words = np.zeros((end - base) // 4, np.uint32)
    is_code = np.zeros(len(words), bool)
    for seg in program.segments:
        if seg.executable:
            n = len(seg.data) // 4
            i = (seg.vaddr - base) // 4
            words[i: i + n] = np.frombuffer(seg.data[: 4 * n], "<u4")
            is_code[i: i + n] = True
    decoded = decode_words(words, program.xlen)
    pcs = base + 4 * np.arange(len(words), dtype=np.int64)
    op = decoded["op"]
    kind = np.where(op >= 0, OP_CLASSES[np.maximum(op, 0)], SLOW).astype(np.int8)
    kind[~is_code] = SLOW
    target = pcs + decoded["imm"]                   # out-of-span targets are invalid, wrapped or not
    direct = (kind == BRANCH) | (kind == JAL)
    t_index = (target - base) >> 2
    valid = (target & 3 == 0) & (target >= base) & (t_index < len(words))
    valid[valid] &= is_code[t_index[valid]]
    t_index = np.where(valid, t_index, 0)
    kind[direct & ~valid] = SLOW                     # the interpreter reports the bad jump
    direct &= valid

    is_leader = np.zeros(len(words) + 1, bool)
    region_start = np.zeros(len(words) + 1, bool)
    starts = [program.entry] + [s for s, _, _ in program.functions] + [lo for lo, _ in code]
    for pc in starts:
        if base <= pc < end and pc % 4 == 0:
            is_leader[(pc - base) >> 2] = region_start[(pc - base) >> 2] = True
    is_leader[t_index[direct]] = True
    calls = direct & (kind == JAL) & (decoded["rd"] != 0)
    region_start[t_index[calls]] = True
    ends_block = kind != NORMAL
    is_leader[1:][ends_block] = True
    is_leader[:-1][kind == SLOW] = True
    is_leader, region_start = is_leader[:-1], region_start[:-1]
    is_leader &= is_code
    region_start &= is_code
    # With max_block, long straight-line runs are cut into blocks of that many instructions; the
    # cuts are not entry points, so the dispatcher's table and the region switches stay the same.
    is_entry = is_leader.copy()
    if max_block:
        index = np.arange(len(words))
        since_leader = index - np.maximum.accumulate(np.where(is_leader, index, 0))
        is_leader |= (since_leader % max_block == 0) & (since_leader > 0) & is_code

    index = np.arange(len(words))
    backward = direct & (t_index <= index)
    _cut_long_regions(region_start, is_leader, _loops_split(t_index[backward], index[backward], len(words)))
    regions = []
    bounds = list(np.flatnonzero(region_start)) + [len(words)]
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        # a region never spans a gap between executable segments
        gap = np.flatnonzero(~is_code[lo:hi])
        if len(gap):
            hi = lo + int(gap[0])
        leaders = base + 4 * np.flatnonzero(is_leader[lo:hi]) + 4 * lo
        entries = base + 4 * np.flatnonzero(is_entry[lo:hi] | region_start[lo:hi]) + 4 * lo
        regions.append(Region(base + 4 * lo, base + 4 * hi, tuple(int(x) for x in leaders),
                              tuple(int(x) for x in entries)))
    return CodeMap(base, program.xlen, decoded, is_code, kind, target, is_leader, regions)
