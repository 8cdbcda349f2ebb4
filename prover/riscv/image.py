"""The two sources of initial memory other than zero: the program image and the input.

Memory cells are aligned 8-byte words (docs/riscv-air.md, "Memory"): word w holds the
bytes at addresses 8w .. 8w + 7.  MemInit (`memory.py`) gives every word it lists an
initial value, and takes it from one of these tables or makes it zero.

Image (fixed).  One row per word of the ELF image (the PT_LOAD segments with their zero
fill) that has at least one nonzero byte, in increasing w, then padding rows.  Fixed
columns w, byte_0 .. byte_7 and mult (1 on image rows, 0 on padding); it sends
("image", [w, byte_0..byte_7]) with multiplicity mult.  Every column is fixed, so the
table is the program's, committed in the verifying key like the ROM, and the prover
cannot choose its multiplicities: each image word is sent exactly once, so MemInit must
receive it exactly once (with w unique in MemInit, by the word it describes).  Words of
the image that are all zero are left out: MemInit starts every word that receives
nothing at zero, which is what the image holds there.  No main columns, no constraints.

Input (witness).  One row per word of the input region as the interpreter lays it out
(`runtime/memory.py` GuestMemory.input, `MemoryMap.input_span`): at INPUT_BASE the
input length as a u64, then the input bytes, zero-filled to a multiple of 8.  Real rows
form a prefix; each sends ("input", [w, byte_0..byte_7]) with multiplicity is_real.
Columns: is_real, first, last, w, b0..b7 (the word's bytes), z0..z3 (b_2i & b_2i+1: the
bitwise lookups that prove the bytes are bytes), left (data words after this row),
u0..u7 (one-hot of r below).  Constraints (degree <= 3):
- first = 1 on row 0 only; is_real = 1 on row 0; is_real' = is_real - last (so real rows
  are a prefix ending at the one row with last = 1; last implies is_real), and on the
  trace's last row is_real = last (the table cannot stop inside the input);
- w = INPUT_BASE / 8 on row 0, w' = w + 1 on every transition: row k is word
  INPUT_BASE / 8 + k, so the table cannot skip, repeat or move a word;
- row 0 is the length word: len = b0 + 2^8 b1 + 2^16 b2 + 2^24 b3, b4 = .. = b7 = 0 and
  ("range16", [2^13 b3]) so len < 2^27 (MAX_INPUT is 2^26); len + 7 = 8 left + r with
  r = sum j u_j in [0, 8), i.e. left = ceil(len / 8); left' = left - 1 on real rows and
  left = 0 on the last: the table has exactly 1 + ceil(len / 8) real rows (left < 2^27
  because it counts rows, so 8 left cannot wrap mod p either);
- the u_j are boolean, one-hot, copied to every row; on the last row the bytes past
  the input's end are 0 (b_j = 0 for j > r), as the interpreter's zero fill.
A memory map without an input region (SP1's: its frames come through calls) has the
hint stream as its Input table instead (`stream_air`, hints.py): no word of memory
starts as input, and the stream's units are what the hint calls read.
The bytes are bound to a given input from outside the table: the Input table's main
commitment is the run's public input hash (`machine.input_root`), which the verifier
compares with `verify(commitments=)`; without that comparison a proof shows a run on
*some* input laid out as above.
"""
from __future__ import annotations

import numpy as np

from runtime.memory_map import MemoryMap
from runtime.program_image import ProgramImage

from ..air import Air
from .ranges import BITWISE, BITWISE_OPS, RANGE16, TableTrace, pow2_height

IMAGE = "image"
INPUT = "input"
WORD_BYTES = 8
HINTUNIT = "hintunit"           # the stream's units, to the Hints table (hints.py)
UNIT = 4
AND = BITWISE_OPS["and"]


# ---------------------------------------------------------------- words

def words_of(addresses, data) -> tuple[np.ndarray, np.ndarray]:
    """The words holding bytes `data` at byte `addresses` (both (n,), addresses < 2^32 and
    distinct): (w (k,) int64 increasing, bytes (k, 8) uint8), bytes not given 0."""
    addr = np.asarray(addresses, dtype=np.int64)
    data = np.asarray(data, dtype=np.uint8)
    w, inverse = np.unique(addr >> 3, return_inverse=True)
    out = np.zeros((w.size, WORD_BYTES), dtype=np.uint8)
    out[inverse, addr & 7] = data
    return w, out


def image_words(program: ProgramImage) -> tuple[np.ndarray, np.ndarray]:
    """The program image's words with a nonzero byte: (w increasing, bytes (k, 8) uint8).
    Only the nonzero bytes are looked at, so a large zero fill costs one scan."""
    addr, data = [np.zeros(0, np.int64)], [np.zeros(0, np.uint8)]
    for s in program.segments:
        seg = np.frombuffer(s.data, dtype=np.uint8)
        nz = np.flatnonzero(seg)
        addr.append(s.vaddr + nz.astype(np.int64))
        data.append(seg[nz])
    return words_of(np.concatenate(addr), np.concatenate(data))


def input_words(input_bytes: bytes, memory_map: MemoryMap = MemoryMap()) -> tuple[np.ndarray, np.ndarray]:
    """The input region's words as the interpreter lays them out: (w, bytes (k, 8) uint8)
    for k = 1 + ceil(len / 8): the length (u64 LE), then the bytes, zero-filled."""
    if memory_map.input_base is None:        # the input is a hint stream, not memory
        return np.zeros(0, dtype=np.int64), np.zeros((0, WORD_BYTES), dtype=np.uint8)
    if len(input_bytes) > memory_map.max_input:
        raise ValueError(f"input is {len(input_bytes)} bytes, more than MemoryMap.max_input")
    lo, hi = memory_map.input_span(len(input_bytes))
    region = (len(input_bytes).to_bytes(8, "little") + bytes(input_bytes)).ljust(hi - lo, b"\0")
    data = np.frombuffer(region, dtype=np.uint8).reshape(-1, WORD_BYTES)
    return (lo >> 3) + np.arange(data.shape[0], dtype=np.int64), data.copy()


# ---------------------------------------------------------------- Image

def image_columns() -> list[str]:
    return ["w"] + [f"byte_{j}" for j in range(WORD_BYTES)] + ["mult"]


def image_air() -> Air:
    """The Image table (module docstring): every column fixed, sends ("image", [w, bytes])."""
    air = Air(IMAGE, main=[], fixed=image_columns())
    C = air.col
    air.send(IMAGE, [C("w")] + [C(f"byte_{j}") for j in range(WORD_BYTES)], C("mult"))
    return air


def image_fixed(program: ProgramImage) -> np.ndarray:
    """The Image table's fixed columns (2^k, 10) uint32 for a program."""
    w, data = image_words(program)
    out = np.zeros((pow2_height(w.size), 10), dtype=np.uint32)
    out[:w.size, 0] = w
    out[:w.size, 1:9] = data
    out[:w.size, 9] = 1
    return out


def image_main(fixed: np.ndarray) -> np.ndarray:
    """The Image table's (empty) main trace for its fixed columns."""
    return np.zeros((fixed.shape[0], 0), dtype=np.uint32)


# ---------------------------------------------------------------- Input

def input_columns() -> list[str]:
    return (["is_real", "first", "last", "w"] + [f"b{j}" for j in range(WORD_BYTES)]
            + [f"z{i}" for i in range(WORD_BYTES // 2)] + ["left"] + [f"u{j}" for j in range(WORD_BYTES)])


def input_air(memory_map: MemoryMap = MemoryMap()) -> Air:
    """The Input table (module docstring) for the input region of `memory_map`, or the
    hint stream of a map without one (`stream_air`)."""
    if memory_map.input_base is None:
        return stream_air(INPUT)
    air = Air(INPUT, main=input_columns())
    C = air.col
    is_real, first, last, w, left = C("is_real"), C("first"), C("last"), C("w"), C("left")
    b = [C(f"b{j}") for j in range(WORD_BYTES)]
    z = [C(f"z{i}") for i in range(WORD_BYTES // 2)]
    u = [C(f"u{j}") for j in range(WORD_BYTES)]

    air.when_first(first - 1, "first = 1 on row 0")
    air.when_transition(first.next, "first = 0 after row 0")
    air.when_first(is_real - 1, "row 0 (the length word) is real")
    air.constrain(last * (last - 1), "last is boolean")
    air.constrain(last * (1 - is_real), "last is a real row")
    air.when_transition(is_real.next - is_real + last, "is_real' = is_real - last")
    air.when_last(is_real - last, "the table does not end inside the input")

    air.when_first(w - (memory_map.input_base >> 3), "row 0 is the word at INPUT_BASE")
    air.when_transition(w.next - w - 1, "w' = w + 1")

    length = b[0] + 256 * b[1] + 65536 * b[2] + (1 << 24) * b[3]
    for j in range(4, WORD_BYTES):
        air.constrain(first * b[j], f"length word: b{j} = 0")
    air.send(RANGE16, [(1 << 13) * b[3]], first)
    for uj in u:
        air.constrain(uj * (uj - 1), f"{uj} is boolean")
        air.when_transition(uj.next - uj, f"{uj} is the same on every row")
    air.constrain(sum(u) - 1, "u is one-hot")
    r = sum(j * u[j] for j in range(1, WORD_BYTES))
    air.constrain(first * (length + 7 - 8 * left - r), "len + 7 = 8 left + r")
    air.when_transition(is_real.next * (left - 1 - left.next), "left' = left - 1 on real rows")
    air.constrain(last * left, "left = 0 on the last row")
    for j in range(1, WORD_BYTES):
        air.constrain(last * sum(u[:j]) * b[j], f"last word: b{j} = 0 past the input's end")

    for i in range(WORD_BYTES // 2):
        air.send(BITWISE, [AND, b[2 * i], b[2 * i + 1], z[i]], is_real)
    air.send(INPUT, [w] + b, is_real)
    return air


def input_trace(input_bytes: bytes, memory_map: MemoryMap = MemoryMap(), height: int | None = None) -> TableTrace:
    """The Input table's trace for an input, padded to a power of two (or `height`); for a
    map without an input region, the hint stream's (`input_bytes` is the stream)."""
    if memory_map.input_base is None:
        return stream_trace(input_bytes, height)
    w, data = input_words(input_bytes, memory_map)
    k = w.size
    n = height or pow2_height(k)
    if n < k or n & (n - 1):
        raise ValueError(f"height {n} is not a power of two >= {k}")
    cols = input_columns()
    out = np.zeros((n, len(cols)), dtype=np.uint32)
    pos = {c: i for i, c in enumerate(cols)}
    out[:k, pos["is_real"]] = 1
    out[0, pos["first"]] = 1
    out[k - 1, pos["last"]] = 1
    out[:, pos["w"]] = w[0] + np.arange(n)
    out[:k, pos["b0"]:pos["b0"] + WORD_BYTES] = data
    pairs = data.reshape(k, WORD_BYTES // 2, 2).astype(np.uint32)
    out[:k, pos["z0"]:pos["z0"] + WORD_BYTES // 2] = pairs[:, :, 0] & pairs[:, :, 1]
    out[:k, pos["left"]] = (k - 1) - np.arange(k)
    r = (len(input_bytes) + 7) % 8
    out[:, pos["u0"] + r] = 1
    return input_lookups(out)


def input_lookups(main: np.ndarray) -> TableTrace:
    """An Input trace with the range16 and bitwise lookups its AIR makes, read off its columns."""
    col = {name: i for i, name in enumerate(input_columns())}
    a = main.astype(np.int64)
    real, first = a[:, col["is_real"]] == 1, a[:, col["first"]] == 1
    bitwise = {"and": [(a[real, col[f"b{2 * i}"]], a[real, col[f"b{2 * i + 1}"]]) for i in range(WORD_BYTES // 2)]}
    return TableTrace(main, [a[first, col["b3"]] << 13], bitwise)


# ---------------------------------------------------------------- the hint stream

def units(stream: bytes) -> np.ndarray:
    """(k, 2) int64: each 4-byte unit's 16-bit limbs v0, v1 (hints.py)."""
    if len(stream) % UNIT:
        raise ValueError(f"a hint stream is whole {UNIT}-byte units, not {len(stream)} bytes")
    return np.frombuffer(bytes(stream), dtype="<u2").reshape(-1, 2).astype(np.int64)


STREAM_COLUMNS = ["is_real", "idx", "v0", "v1"]


def stream_air(name: str) -> Air:
    """The hint stream (hints.py) as the table `name` (the machine's Input table): idx
    counts the rows, real rows a prefix, each sends ("hintunit", [idx, v0, v1])."""
    air = Air(name, main=STREAM_COLUMNS)
    is_real, idx, v0, v1 = air.cols(*STREAM_COLUMNS)
    air.constrain(is_real * (is_real - 1), "is_real is boolean")
    air.when_transition(is_real.next * (1 - is_real), "real rows are a prefix")
    air.when_first(idx, "idx starts at 0")
    air.when_transition(idx.next - idx - 1, "idx' = idx + 1")
    air.send(HINTUNIT, [idx, v0, v1], is_real)
    return air


def stream_trace(stream: bytes, height: int | None = None) -> TableTrace:
    """The stream table of a unit stream, padded to a power of two (or `height`)."""
    u = units(stream)
    k = u.shape[0]
    n = height or pow2_height(k)
    if n < k or n & (n - 1):
        raise ValueError(f"height {n} is not a power of two >= {k}")
    main = np.zeros((n, len(STREAM_COLUMNS)), dtype=np.uint32)
    main[:k, 0] = 1
    main[:, 1] = np.arange(n)
    main[:k, 2:4] = u
    return TableTrace(main, [], {})
