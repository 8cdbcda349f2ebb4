"""Where computed jumps land: the code addresses a program keeps in data.

Switch statements compiled to jump tables, computed goto (`&&label` tables, as in
Lua's interpreter loop) and tables of function pointers send a `jalr` to a pc that
static control flow does not know.  Unless such a pc starts a block, the jump finds
no translated code there and the interpreter takes the steps up to the next block
(SQLite's `sqlite3VdbeExec` handed millions of steps over that way).  Two forms are
recognised:

- absolute addresses: a 32-bit word (or, for code above 4 GiB, a 64-bit one) in a
  data segment, or among the words of a code segment that are not instructions,
  whose value is an instruction's address;
- tables of 32-bit offsets from the table's own address (GCC's pc-relative jump
  tables, used by every code model but medlow), at an address the code forms with
  `auipc`/`lui` and `addi`: the entries from there on, while each lands on an
  instruction.

A word taken for a pointer by mistake only adds a block boundary; a target missed
still runs, in the interpreter.  Code in 2-byte slots (the C extension, translator/regions.py)
is read the same way, its pointers 2-byte aligned.
"""
import numpy as np

from runtime.encoding import TABLE

_AUIPC, _LUI, _ADDI = (next(op.id for op in TABLE if op.name == name) for name in ("auipc", "lui", "addi"))
_PAIR_WINDOW = 4            # the addi may follow its auipc/lui this many instructions later
_MAX_TABLE = 1 << 16        # entries: more than any switch has


def _aligned(seg, dtype: str) -> np.ndarray:
    """The naturally aligned words of a segment's bytes."""
    size = np.dtype(dtype).itemsize
    skip = -seg.vaddr % size
    return np.frombuffer(seg.data, dtype, max(len(seg.data) - skip, 0) // size, skip)


class _Image:
    """The aligned 32-bit words of a program's segments, read at many addresses at once."""

    def __init__(self, segments):
        starts, words = [], []
        for seg in sorted(segments, key=lambda s: s.vaddr):
            starts.append(seg.vaddr + -seg.vaddr % 4)
            words.append(_aligned(seg, "<u4"))
        self.starts = np.array(starts, np.int64)
        self.counts = np.array([len(w) for w in words], np.int64)
        self.offsets = np.concatenate([[0], np.cumsum(self.counts)[:-1]]).astype(np.int64)
        self.words = np.concatenate(words) if words else np.zeros(0, np.uint32)

    def read(self, addresses: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(words, whether each address holds one): addresses must be 4-aligned to hold one."""
        if not len(self.starts):
            return np.zeros(len(addresses), np.uint32), np.zeros(len(addresses), bool)
        seg = np.maximum(np.searchsorted(self.starts, addresses, "right") - 1, 0)
        index = (addresses - self.starts[seg]) >> 2
        ok = (addresses >= self.starts[seg]) & (index < self.counts[seg]) & (addresses & 3 == 0)
        return self.words[np.where(ok, self.offsets[seg] + index, 0)], ok


def code_pointer_targets(program, words: np.ndarray, decoded: np.ndarray, base: int,
                         lands: np.ndarray, starts: np.ndarray | None = None, shift: int = 2) -> np.ndarray:
    """Slot indices (into the code span at `base`, slots of 1 << shift bytes) that data points at;
    `lands[i]` says whether a computed jump to slot i can start a block there (an instruction the
    translator runs); `starts` are the slots instructions start at, in order (None: every slot)."""
    n = len(lands)
    found = [np.zeros(0, np.int64)]

    def landing(addresses: np.ndarray) -> np.ndarray:
        index = (addresses - base) >> shift
        ok = (addresses & ((1 << shift) - 1) == 0) & (addresses >= base) & (index < n)
        ok[ok] = lands[index[ok]]
        return ok

    data_segments = [seg for seg in program.segments if not seg.executable]
    if starts is not None:
        words, decoded = words[starts], decoded[starts]
    pcs = base + ((np.arange(len(decoded), dtype=np.int64) if starts is None else starts.astype(np.int64)) << shift)
    data = np.concatenate([_aligned(seg, "<u4") for seg in data_segments] + [words[decoded["op"] < 0]]).astype(np.int64)
    found.append(data[landing(data)])
    if base + (n << shift) > 1 << 32:    # code above 4 GiB: its pointers are 64-bit words
        wide = np.concatenate([_aligned(seg, "<u8") for seg in data_segments] + [np.zeros(0, np.uint64)])
        wide = wide[wide < 1 << 62].astype(np.int64)
        found.append(wide[landing(wide)])

    image = _Image(program.segments)
    tables = np.unique(_formed_addresses(decoded, pcs, program.xlen))
    tables = tables[image.read(tables)[1]]
    for k in range(_MAX_TABLE):
        if not len(tables):
            break
        offset, held = image.read(tables + 4 * k)
        targets = tables + offset.astype(np.int32)
        good = held & landing(targets)
        found.append(targets[good])
        tables = tables[good]
    return np.unique((np.concatenate(found) - base) >> shift)


def _formed_addresses(decoded: np.ndarray, pcs: np.ndarray, xlen: int) -> np.ndarray:
    """Addresses the code forms with auipc or lui followed (within a few instructions) by an addi of
    the same register; `decoded` the instructions in order, `pcs` their addresses."""
    op, rd, rs1, imm = decoded["op"], decoded["rd"], decoded["rs1"], decoded["imm"].astype(np.int64)
    upper = np.flatnonzero(((op == _AUIPC) | (op == _LUI)) & (rd != 0))
    high = np.where(op[upper] == _AUIPC, pcs[upper] + imm[upper], imm[upper])
    formed = []
    for gap in range(1, _PAIR_WINDOW + 1):
        nxt = upper + gap
        inside = nxt < len(op)
        i, j, hi = upper[inside], nxt[inside], high[inside]
        pair = (op[j] == _ADDI) & (rs1[j] == rd[i])
        formed.append(hi[pair] + imm[j][pair])
    formed = np.concatenate(formed)
    return formed & 0xFFFF_FFFF if xlen == 32 else formed    # a 64-bit address that wraps is never data
