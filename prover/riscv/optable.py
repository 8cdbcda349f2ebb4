"""The op-class table: a fixed table that gives each opcode the class flags Main uses.

What it proves.  The table receives ("optable", [op, f_alu_r, ..., f_writes, alu_op],
mult) from its fixed columns.  Main sends one such message per real step (with the op
its ROM message fixed), so once the bus balances every flag a Main row uses, and the op
id it sends to the ALU, are the ones this table assigns to the step's opcode: the prover
cannot, say, clear `alu_r` on an `add` and make its result a free witness.  The flags
need no constraints of their own in Main (booleanity, exclusivity): they are fixed
values, correct by construction.

Rows (`optable_fixed(xlen)`): one per `runtime/encoding.py` TABLE entry legal for the
XLEN that a step can retire, in TABLE order, then padding.  `ebreak` has no row: it
always faults (docs/machine.md), so no step can be proven to run it.  Padding rows have
op = p - 2: not a TABLE id, and not the ROM's padding op (p - 1) either, so a Main row
can match a padding row of neither table.

Flags (`FLAGS`, the fields after op, in order; alu_op last):
- alu_r: sends ("alu", [alu_op, rs1, rs2, result]): the R-format ALU ops, and the
  order branches blt/bge/bltu/bgeu, whose comparison result is the ALU's slt/sltu;
- alu_i: sends ("alu", [alu_op, rs1, imm, result]): the I/SHIFT ALU ops and lui
  (rs1 = x0 in the ROM, so a = 0 as the ALU requires);
- auipc: sends ("alu", [add, pc, imm, result]);
- arith: sends ("arith", [op, rs1, rs2, result]) (the M extension);
- beq, bne: taken = [rs1 == rs2] / [rs1 != rs2];
- blt, bge: taken = lt / 1 - lt, lt the comparison result (blt, bltu / bge, bgeu);
- jal, jalr: the jumps (next pc pc + imm / (rs1 + imm) & ~1, link pc + 4);
- wit: the value written to rd is range-checked here and fixed by Main's ecall kinds
  (exit and the precompiles: a0 unchanged; write: len): ecall only;
- ecall: the step reads a0, a7, a1, a2 and writes a0 (Main: exit, write, keccakf or
  sha256_compress, nothing else);
- writes: the step writes rd (every class but branches, stores and fence).
CSR instructions have rows only in the table of a profile whose calls a CSR selects
(`csr=True`: ZisK's, `cpu/zisk.py`): wit and writes, no ecall, so Main tells them
apart (wit - ecall) and its profile part gives them their call.
Memory classes (Main computes the address rs1 + imm for load, store and sc):
- load: reads memory at slot 0 (t = 128 ts + 1, memory.py MEM_SLOTS) and writes rd =
  the value read, sign-extended (signed) or zero-extended from its size: the plain
  loads, lr and the AMOs;
- store: writes the low size bytes of rs2 at slot 0 (sb, sh, sw, sd);
- lr: also sets the reservation; sc: store-conditional (writes the low bytes of rs2 when
  the reservation holds, rd = 0 on success, 1 on failure);
- amo: after its read, writes the AMO's result at slot 1 (t = 128 ts + 2); swap: the
  result is rs2; amin / amax: min / max (minu / maxu) by an ALU slt / sltu (alu_op) of the old value
  and rs2; any other AMO: the result is the ALU's alu_op (add, xor, and, or) of them;
- m1, m2, m4, m8: the access size (one-hot on memory classes, 0 elsewhere);
- signed: the load sign-extends (lb, lh, and on RV64 lw, lr.w and the .w AMOs).
alu_op: the op id of the ALU message (the op itself for ALU ops; slt/sltu for order
branches and AMO min/max; add for auipc and amoadd; xor/and/or for those AMOs; 0 where
no ALU message is sent).
Every other step (fence) has all flags 0: next pc = pc + 4, no write.
"""
from __future__ import annotations

import numpy as np

from runtime.encoding import MEMORY_CLASSES, TABLE

from ..air import Air
from ..field import P
from .limbs import n_limbs

OPTABLE = "optable"
PAD_OP = P - 2
FLAGS = ("alu_r", "alu_i", "auipc", "arith", "beq", "bne", "blt", "bge", "jal", "jalr", "wit", "ecall",
         "writes", "load", "store", "lr", "sc", "amo", "swap", "amin", "amax", "m1", "m2", "m4", "m8", "signed")
SIZE_FLAGS = {1: "m1", 2: "m2", 4: "m4", 8: "m8"}
_AMO_ALU = {"add": "add", "xor": "xor", "and": "and", "or": "or",        # by the AMO's fn
            "min": "slt", "max": "slt", "minu": "sltu", "maxu": "sltu"}
_BRANCH = {"beq": ("beq", ""), "bne": ("bne", ""), "blt": ("blt", "slt"), "bge": ("bge", "slt"),
           "bltu": ("blt", "sltu"), "bgeu": ("bge", "sltu")}       # branch -> (its flag, the ALU compare)
FIELDS = ("op",) + tuple(f"f_{f}" for f in FLAGS) + ("alu_op",)
OP_ID = {}
for _op in TABLE:
    OP_ID.setdefault(_op.name, _op.id)
NO_STEP = frozenset({"ebreak", "custom", "csr", "float", "floatret"})   # classes no zkaot step retires: ebreak faults, the rest are other profiles'


def _flags(op, xlen: int, csr: bool = False) -> dict[str, int] | None:
    """The flags and alu_op of one opcode (from its encoding-table columns), or None when
    no step can retire it; with csr, the CSR instructions are calls (wit, writes)."""
    if xlen not in op.xlens or (op.cls in NO_STEP and not (csr and op.cls == "csr")):
        return None
    cls = op.cls
    f = dict.fromkeys(FLAGS, 0)
    alu_op = 0
    if op.name == "auipc":
        f.update(auipc=1, writes=1)
        alu_op = OP_ID["add"]
    elif cls == "alu":
        f["alu_r" if op.format.operand == "rs2" else "alu_i"] = 1
        f["writes"] = 1
        alu_op = op.id
    elif cls == "arith":
        f.update(arith=1, writes=1)
    elif cls == "branch":
        flag, compare = _BRANCH[op.name]
        f[flag] = 1
        if compare:
            f["alu_r"] = 1
            alu_op = OP_ID[compare]
    elif cls in ("jal", "jalr"):
        f.update({cls: 1, "writes": 1})
    elif cls in MEMORY_CLASSES:
        f[SIZE_FLAGS[op.size]] = 1
        if cls == "store":
            f["store"] = 1
        elif cls == "sc":
            f.update(sc=1, writes=1)
        else:
            f.update(load=1, writes=1)
            f["signed"] = int(op.signed and op.size < xlen // 8)
            if cls == "lr":
                f["lr"] = 1
            elif cls == "amo":
                f["amo"] = 1
                if op.fn == "swap":
                    f["swap"] = 1
                else:
                    alu_op = OP_ID[_AMO_ALU[op.fn]]
                    if op.fn in ("min", "minu"):
                        f["amin"] = 1
                    elif op.fn in ("max", "maxu"):
                        f["amax"] = 1
    elif cls == "ecall":
        f.update(wit=1, ecall=1, writes=1)
    elif cls == "csr":
        f.update(wit=1, writes=1)
    elif cls != "fence":                    # pragma: no cover - a new class needs flags here
        raise ValueError(f"op {op.name} has no class in the op-class table")
    f["alu_op"] = alu_op
    return f


def optable_rows(xlen: int, csr: bool = False) -> np.ndarray:
    """The real rows (TABLE order), (k, len(FIELDS)) uint32: op, flags, alu_op."""
    n_limbs(xlen)
    out = []
    for op in TABLE:
        f = _flags(op, xlen, csr)
        if f is not None:
            out.append([op.id] + [f[x] for x in FLAGS] + [f["alu_op"]])
    return np.array(out, dtype=np.uint32)


def optable_fixed(xlen: int, csr: bool = False) -> np.ndarray:
    """The fixed columns (2^k, len(FIELDS)): `optable_rows`, then padding rows (op p - 2, 0s)."""
    rows = optable_rows(xlen, csr)
    n = 1 << (rows.shape[0] - 1).bit_length()
    out = np.zeros((n, rows.shape[1]), dtype=np.uint32)
    out[:rows.shape[0]] = rows
    out[rows.shape[0]:, 0] = PAD_OP
    return out


def optable_air(xlen: int) -> Air:
    """The op-class table: fixed columns FIELDS, main column mult; receives
    ("optable", FIELDS, mult)."""
    n_limbs(xlen)
    air = Air(OPTABLE, main=["mult"], fixed=list(FIELDS))
    air.receive(OPTABLE, [air.col(c) for c in FIELDS], air.col("mult"))
    return air


def op_flags(xlen: int, csr: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(flags, legal): flags[(op id, field)] as `optable_rows` gives them (len(TABLE),
    len(FIELDS)) and whether an op id has a row."""
    rows = optable_rows(xlen, csr)
    flags = np.zeros((len(TABLE), rows.shape[1]), dtype=np.uint32)
    legal = np.zeros(len(TABLE), dtype=bool)
    flags[rows[:, 0]] = rows
    legal[rows[:, 0]] = True
    return flags, legal


def optable_multiplicities(ops, xlen: int, csr: bool = False) -> np.ndarray:
    """The table's `mult` column (rows of `optable_fixed`, 1) for the op ids Main's real
    rows send; ValueError for an op without a row."""
    rows = optable_rows(xlen, csr)
    index = np.full(len(TABLE), -1, dtype=np.int64)
    index[rows[:, 0]] = np.arange(rows.shape[0])
    ops = np.asarray(ops, dtype=np.int64)
    if ops.size and (ops.max() >= len(TABLE) or (index[ops] < 0).any()):
        bad = int(ops[(ops >= len(TABLE)) | (index[np.minimum(ops, len(TABLE) - 1)] < 0)][0])
        raise ValueError(f"op {bad} has no row in the RV{xlen} op-class table: no step can retire it")
    counts = np.zeros(optable_fixed(xlen, csr).shape[0], dtype=np.int64)
    counts[:rows.shape[0]] = np.bincount(index[ops], minlength=rows.shape[0])
    return counts.astype(np.uint32).reshape(-1, 1)
