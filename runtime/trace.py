"""The trace schema: numpy dtypes every executor writes and the prover reads.

One row of MAIN_ROW per step (retired instruction).  Its fields, for the
instruction at `pc` (documented in full in docs/trace-format.md):
  pc, next_pc   the instruction's address and the address executed after it
  op            the op id: the id column of runtime/encoding.py TABLE
  a             rs1's value before the step (ecall: a0)
  b             rs2's value before the step for R, S, B and AMO formats; the
                immediate (two's complement, masked to XLEN) for I, SHIFT,
                LOAD, JALR, U and J formats (ecall: the profile's selector register:
                a7, or t0 for SP1, Pico and RISC Zero)
  c             the value written to rd (0 when rd is x0 or there is none);
                stores: the value stored, masked to its width; branches: 1 if
                taken; ecall: a0 after the call (t0 after SP1's and Pico's HINT_LEN,
                the one call that writes another register); SC: its result code (0 = stored)
                even when rd is x0
  addr          the effective address of loads, stores, LR/SC and AMOs, else 0
  mem           the value memory returned to loads, LR and AMOs (zero-extended
                raw bytes, also when rd is x0), else 0
  flags         FLAG_MISALIGNED when the access was misaligned
  len           the instruction's length in bytes: 4, or 2 for a compressed one (C extension)
All values are unsigned, masked to the guest's XLEN.
"""
import numpy as np

from runtime.calls import ZKAOT
from runtime.encoding import AMO_FNS, BY_ID, OP_AMO, OP_LEGAL, OP_SIZE, OP_TABLE, TABLE, TABLES, by_id
from runtime.runs import run_positions

FLAG_MISALIGNED = 1

MAIN_ROW = np.dtype([
    ("pc", "<u8"), ("next_pc", "<u8"), ("a", "<u8"), ("b", "<u8"), ("c", "<u8"),
    ("addr", "<u8"), ("mem", "<u8"), ("op", "<u2"), ("flags", "<u2"), ("len", "<u2"), ("pad", "<u2"),
])
assert MAIN_ROW.itemsize == 64

# One row per precompile ecall: its inputs as memory held them and its outputs.  The byte
# fields are the file format's room, fixed so that trace files keep their layout; every
# precompile of runtime/calls.py must fit (a call that needs more changes the format), and
# so must SP1's SHA calls, which record their u32 words (SHA_COMPRESS reads 64 + 8: 288 bytes).
PRECOMPILE_ROW = np.dtype([
    ("step", "<u8"), ("kind", "<u8"), ("a0", "<u8"), ("a1", "<u8"),
    ("input", "u1", (288,)), ("output", "u1", (200,)),
])
assert all(call.input_size <= PRECOMPILE_ROW["input"].shape[0] for call in ZKAOT.precompiles())
assert all(call.output_size <= PRECOMPILE_ROW["output"].shape[0] for call in ZKAOT.precompiles())



def precompile_record(step: int, kind: int, a0: int, a1: int, data: bytes, out: bytes) -> tuple:
    """One PRECOMPILE_ROW row as a tuple (for np.array): the call's bytes in and out,
    zero-filled to the fields' sizes."""
    return (step, kind, a0, a1, np.frombuffer(data.ljust(PRECOMPILE_ROW["input"].shape[0], b"\0"), np.uint8),
            np.frombuffer(out.ljust(PRECOMPILE_ROW["output"].shape[0], b"\0"), np.uint8))


def trace_slice(rows: np.ndarray, precompiles: np.ndarray, start: int, end: int) -> tuple[np.ndarray, np.ndarray]:
    """Steps start..end of a full trace: its MAIN_ROW rows (a copy, so a memory-mapped
    trace is read only there) and its PRECOMPILE_ROW rows with steps counted from start."""
    steps = precompiles["step"].astype(np.int64)
    pre = precompiles[(steps >= start) & (steps < end)].copy()
    pre["step"] -= start
    return np.ascontiguousarray(rows[start:end]), pre


def records(items: list[tuple], dtype: np.dtype) -> np.ndarray:
    """Recorded rows (tuples) as an array of `dtype`, empty when there are none."""
    return np.array(items, dtype) if items else np.zeros(0, dtype)


# The minimal trace: a checkpoint at the start of each chunk.
CHECKPOINT = np.dtype([("step", "<u8"), ("pc", "<u8"), ("regs", "<u8", (32,)), ("log_pos", "<u8")])

# ---- Derived tables: the prover's per-component views of MAIN_ROW ------------------------
# derive_tables() computes them from the main rows alone (see docs/trace-format.md).  Fields
# keep MAIN_ROW's order and meaning; padding keeps every u8 field 8-byte aligned.

# One row per memory access: loads, stores, LR, successful SC; an AMO gives a read row, then
# a write row.  `value` is the raw bytes read or written, zero-extended.
MEMORY_ROW = np.dtype([
    ("step", "<u8"), ("addr", "<u8"), ("value", "<u8"), ("size", "u1"), ("is_write", "u1"),
    ("op", "<u2"), ("flags", "<u2"), ("pad", "<u2"),
])
assert MEMORY_ROW.itemsize == 32

# One row per ALU operation ("alu" table) or multiply/divide ("arith" table).
ALU_ROW = np.dtype([
    ("step", "<u8"), ("op", "<u2"), ("pad", "u1", (6,)), ("a", "<u8"), ("b", "<u8"), ("c", "<u8"),
])
assert ALU_ROW.itemsize == 40

# One row per branch, jal and jalr.
BRANCH_ROW = np.dtype([
    ("step", "<u8"), ("op", "<u2"), ("pad", "u1", (6,)), ("a", "<u8"), ("b", "<u8"), ("c", "<u8"),
    ("pc", "<u8"), ("next_pc", "<u8"),
])
assert BRANCH_ROW.itemsize == 56

DERIVED_DTYPES = {"memory": MEMORY_ROW, "alu": ALU_ROW, "arith": ALU_ROW, "branch": BRANCH_ROW}


# Which ops each derived table holds: the encoding table's `table` column.
DERIVED_OPS = {t: frozenset(op.name for op in TABLE if op.table == t) for t in DERIVED_DTYPES}
UNTABLED_OPS = frozenset(op.name for op in TABLE if op.table == "main")   # only in main (ecalls: also precompile)

_N_OPS = len(BY_ID)                 # op ids are below it (reserved ids are holes)
_IN_TABLE = {t: OP_TABLE == TABLES.index(t) for t in DERIVED_DTYPES}     # indexed by op id

_MEM_NONE, _MEM_READ, _MEM_WRITE, _MEM_SC, _MEM_AMO = range(5)   # LR counts as a read
_MEM_KIND = by_id(lambda op: {"load": _MEM_READ, "lr": _MEM_READ, "store": _MEM_WRITE, "sc": _MEM_SC,
                               "amo": _MEM_AMO}.get(op.cls, _MEM_NONE), np.uint8)
_WIDTH_MASK = np.array([(1 << (8 * s)) - 1 for s in range(9)], dtype=np.uint64)    # indexed by size
_SIGN_BIT = np.array([1 << (8 * s - 1) if s else 0 for s in range(9)], dtype=np.uint64)


def derive_tables(main: np.ndarray, first_step: int, xlen: int) -> dict[str, np.ndarray]:
    """The derived tables ("memory", "alu", "arith", "branch") of MAIN_ROW rows.

    Row i of `main` is step first_step + i.  Every table is in step order (an AMO's read
    row before its write row).  Raises ValueError on an op id that is not an RV`xlen`
    instruction.
    """
    if main.dtype != MAIN_ROW or main.ndim != 1:
        raise TypeError(f"derive_tables takes a 1-d MAIN_ROW array, not {main.dtype} with shape {main.shape}")
    if xlen not in OP_LEGAL:
        raise ValueError(f"xlen must be 32 or 64, not {xlen}")
    op = main["op"].astype(np.intp)
    bad = np.flatnonzero(op >= _N_OPS)
    if not bad.size:
        bad = np.flatnonzero(~OP_LEGAL[xlen][op])
    if bad.size:
        i = int(bad[0])
        what = BY_ID[op[i]].name if op[i] < _N_OPS else "unknown"
        raise ValueError(f"step {first_step + i}: op {int(op[i])} ({what}) is not an RV{xlen} instruction")
    steps = np.uint64(first_step) + np.arange(len(main), dtype=np.uint64)
    tables = {name: _select(main, steps, _IN_TABLE[name][op], DERIVED_DTYPES[name])
              for name in ("alu", "arith", "branch")}
    tables["memory"] = _memory_rows(main, op, steps)
    return {name: tables[name] for name in DERIVED_DTYPES}


def _select(main: np.ndarray, steps: np.ndarray, mask: np.ndarray, dtype: np.dtype) -> np.ndarray:
    rows = np.flatnonzero(mask)
    out = np.zeros(rows.size, dtype=dtype)
    out["step"] = steps[rows]
    for field in dtype.names:
        if field not in ("step", "pad"):
            out[field] = main[field][rows]
    return out


def _memory_rows(main: np.ndarray, op: np.ndarray, steps: np.ndarray) -> np.ndarray:
    rows = np.flatnonzero(_MEM_KIND[op])
    m = main[rows]
    kind = _MEM_KIND[op[rows]]
    size = OP_SIZE[op[rows]]
    width = _WIDTH_MASK[size]

    count = np.where(kind == _MEM_AMO, 2, 1)
    count[(kind == _MEM_SC) & (m["c"] != 0)] = 0           # a failed SC writes nothing
    src, position = run_positions(count)
    second = position == 1

    written = np.zeros(rows.size, dtype=np.uint64)
    stores = kind == _MEM_WRITE
    written[stores] = m["c"][stores]
    sc = kind == _MEM_SC
    written[sc] = m["b"][sc] & width[sc]
    amo = np.flatnonzero(kind == _MEM_AMO)
    written[amo] = _amo_results(OP_AMO[op[rows[amo]]], m["mem"][amo], m["b"][amo], size[amo])

    is_write = (kind[src] == _MEM_WRITE) | (kind[src] == _MEM_SC) | second
    out = np.zeros(src.size, dtype=MEMORY_ROW)
    out["step"] = steps[rows[src]]
    out["addr"] = m["addr"][src]
    out["value"] = np.where(is_write, written[src], m["mem"][src])
    out["size"] = size[src]
    out["is_write"] = is_write
    out["op"] = m["op"][src]
    out["flags"] = m["flags"][src]
    return out


def _amo_results(kinds: np.ndarray, old: np.ndarray, b: np.ndarray, size: np.ndarray) -> np.ndarray:
    """The value each AMO writes: its operation on the old memory value and rs2, at its width."""
    width = _WIDTH_MASK[size]
    sign = _SIGN_BIT[size]
    old = old & width
    v = b & width
    result = np.zeros(old.size, dtype=np.uint64)
    for k, name in enumerate(AMO_FNS):
        sel = kinds == k
        if not sel.any():
            continue
        o, x = old[sel], v[sel]
        if name in ("min", "max"):                  # compare as signed at the access width
            s = sign[sel]
            signed_o, signed_x = ((o ^ s) - s).view(np.int64), ((x ^ s) - s).view(np.int64)
        if name == "swap":
            r = x
        elif name == "add":
            r = o + x
        elif name == "xor":
            r = o ^ x
        elif name == "and":
            r = o & x
        elif name == "or":
            r = o | x
        elif name == "min":
            r = np.where(signed_o <= signed_x, o, x)
        elif name == "max":
            r = np.where(signed_o >= signed_x, o, x)
        elif name == "minu":
            r = np.minimum(o, x)
        else:
            r = np.maximum(o, x)
        result[sel] = r
    return result & width
