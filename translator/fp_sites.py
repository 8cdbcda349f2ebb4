"""F and D as calls of the soft-float library (docs/float.md): the two steps that enter and
leave it, the image added to a program, and faults inside it reported at the guest's pc.

zkaot's engines give each step one pc, so the call is two engine steps around the library's
own integer steps.  The F/D word at P (or an access to fflags, frm or fcsr) is one *site
step*: it stores rs1's value, the word (a compressed transfer's expansion) and its length, the
guest's t6 and the next pc in the block, sets t6 to the block and jumps to zkfp_entry.  The trampoline ends in `zkfp.ret`, a word only the image
holds: one *return step* that stops the run if the library found the instruction illegal,
restores t6, writes the library's result to the instruction's integer rd if it has one, and
goes on at the next pc.  Everything between is ordinary RV64IM code, traced and counted as any.
This module is the interpreter's statement of both steps; translator/fp_lift.py is the
translator's.
"""
from __future__ import annotations

import dataclasses
import hashlib
from functools import lru_cache
from typing import Callable

import numpy as np

from runtime import softfp
from runtime.calls import FLOAT_CLASSES
from runtime.encoding import CLASSES, OP_CLASS
from runtime.memory_map import MemoryMap
from runtime.compressed import expansions
from translator.code_slots import read_slots
from translator.decoder import IllegalInstruction, Instruction, decode
from translator.disasm import format_instruction
from translator.elf import ElfError, Program, load_elf

FP_CSRS = (1, 2, 3)                 # fflags, frm, fcsr
T6 = 31
_ANYWHERE = MemoryMap(ram_base=0, ram_size=1 << 64, stack_size=None, input_base=None)
_CSR, _FLOAT = CLASSES.index("csr"), [CLASSES.index("float"), CLASSES.index("floatret")]
_WHY = {softfp.BAD_RM: "reserved rounding mode", softfp.BAD_INSN: "not an RV64 F/D instruction"}


@lru_cache(maxsize=None)
def library(placement: softfp.Placement) -> Program:
    """The placement's committed image (runtime/guest/softfp/zkfp-<profile>.elf), loaded once."""
    return load_elf(placement.image, _ANYWHERE, placement.image.name)


def code_end(placement: softfp.Placement) -> int:
    """The end of the image's code: zkfp.ret is legal below it."""
    return max(s.end for s in library(placement).segments if s.executable)


def with_library(program: Program, placements: tuple[softfp.Placement, ...]) -> Program:
    """`program` with the library's segments and function symbols added, for a profile that
    lowers F/D, at the first of its placements that lies wholly below the program (the
    translator's code span stays short); the block page below the image is RAM the loader
    leaves zeroed."""
    lowest = min(s.vaddr for s in program.segments)
    fits = [p for p in placements if max(s.end for s in library(p).segments) <= lowest]
    if not fits:
        lo, hi = placements[-1].block_page, max(s.end for s in library(placements[-1]).segments)
        raise ElfError(f"{program.name}: segment at 0x{lowest:x} overlaps the soft-float library's "
                       f"0x{lo:x}-0x{hi:x} (docs/float.md)")
    placement = fits[0]
    lib = library(placement)
    sha256 = hashlib.sha256(f"{program.sha256} {lib.sha256}".encode()).hexdigest()   # caches key on both
    return dataclasses.replace(program, segments=lib.segments + program.segments,
                               functions=tuple(sorted(lib.functions + program.functions)), sha256=sha256,
                               float_lowering=placement)


def uses_float(program: Program, compressed: bool) -> bool:
    """Whether the program's code holds an F/D word, an FP CSR access or zkfp.ret: a program that
    does not runs without the library (which would lengthen the translator's code span).
    `compressed`: its profile takes the C extension, so the code is read as C code."""
    _, _, is_code, decoded, _, is_start = read_slots(program, 1 if compressed else 2, FLOAT_CLASSES)
    starts = decoded[is_code if is_start is None else is_code & is_start]
    op = starts["op"]
    cls = OP_CLASS[np.maximum(op, 0)]
    fp_csr = (cls == _CSR) & np.isin(starts["imm"], FP_CSRS)
    return bool(((op >= 0) & (np.isin(cls, _FLOAT) | fp_csr)).any())


def lowered(ins: Instruction) -> bool:
    """Whether, under a profile that lowers F/D, the step is a site or return step: F/D words,
    the FP CSRs, zkfp.ret."""
    cls = ins.opcode.cls
    return cls in ("float", "floatret") or (cls == "csr" and ins.imm in FP_CSRS)


def step(interp, ins: Instruction, pc: int) -> Callable[[], int]:
    """The closure that runs the site or return step `ins` at `pc` on the interpreter's state,
    recording its MAIN_ROW when the interpreter records."""
    placement = interp.float_lowering
    if ins.opcode.cls == "floatret":
        if not placement.entry <= pc < code_end(placement):
            raise IllegalInstruction(f"0x{ins.word:08x} (zkfp.ret) is the soft-float library's own instruction")
        return _return_step(interp, placement, ins.opcode.id, pc)
    return _site_step(interp, placement, ins, pc)


def site_word(ins: Instruction) -> int:
    """What the site step stores as `insn`: the 32-bit F/D word (a compressed transfer's
    expansion), and above it the site's length, which the library ignores and a fault report
    subtracts from `ret` to find the guest's pc."""
    word = ins.word if ins.length == 4 else int(expansions(64)[ins.word])
    return word | ins.length << 32


def _site_step(interp, placement: softfp.Placement, ins: Instruction, pc: int) -> Callable[[], int]:
    """Row: a = rs1's value (xin), b = the old t6, c = t6 (the block), addr = the block."""
    r, store, record = interp.regs, interp.memory.store, interp.record
    rs1, length, op = ins.rs1, ins.length, ins.opcode.id
    nxt, word = (pc + length) & interp.mask, site_word(ins)
    block, entry = placement.block, placement.entry

    def site() -> int:
        xin, t6 = r[rs1], r[T6]
        store(block + softfp.XIN, 8, xin)
        store(block + softfp.INSN, 8, word)
        store(block + softfp.T6, 8, t6)
        store(block + softfp.RET, 8, nxt)
        r[T6] = block
        if record:
            record((pc, entry, xin, t6, block, block, 0, op, 0, length, 0))
        return entry
    return site


def _return_step(interp, placement: softfp.Placement, op: int, pc: int) -> Callable[[], int]:
    """Reads status, insn, ret, t6 and xout, in this order (the translator reads them so too).
    Row: a = the status, b = the restored t6, c = the value rd gets (0: none), addr = the
    block, mem = xout."""
    r, load, record = interp.regs, interp.memory.load, interp.record
    block = placement.block

    def ret() -> int:
        status = load(block + softfp.STATUS, 8)
        stored = load(block + softfp.INSN, 8)
        insn = stored & 0xFFFF_FFFF
        back = load(block + softfp.RET, 8)
        if status:
            site = back - (stored >> 32)
            raise interp.fault(site, f"illegal instruction: 0x{insn:08x}: {_WHY.get(status, status)}",
                               _text(insn, site))
        r[T6] = t6 = load(block + softfp.T6, 8)
        xout = load(block + softfp.XOUT, 8)
        rd = _integer_rd(insn)
        if rd:
            r[rd] = xout
        if record:
            record((pc, back, status, t6, xout if rd else 0, block, xout, op, 0, 4, 0))
        return back
    return ret


@lru_cache(maxsize=None)
def _integer_rd(insn: int) -> int:
    """The integer register the instruction writes (0: none): CSR accesses and F/D rows whose
    rd is an x register (the encoding table's fn column)."""
    ins = decode(insn, 64, FLOAT_CLASSES)
    return ins.rd if ins.opcode.cls == "csr" or ins.opcode.fn == "x" else 0


def _text(insn: int, pc: int) -> str:
    try:
        return format_instruction(decode(insn, 64, FLOAT_CLASSES), pc)
    except IllegalInstruction:
        return f"0x{insn:08x}"


def guest_site(memory, placement: softfp.Placement, pc: int) -> tuple[int, str] | None:
    """For a fault at `pc` inside the library's code (a bad FP load or store address): the
    guest's pc and instruction from the block, read without logging; None elsewhere, and in a
    replay (which has no memory to read)."""
    if not placement.entry <= pc < code_end(placement) or not hasattr(memory, "ram"):
        return None
    off = placement.block - memory.base

    def field(at: int) -> int:
        return int.from_bytes(memory.ram[off + at: off + at + 8], "little")
    stored = field(softfp.INSN)
    site = field(softfp.RET) - (stored >> 32)
    return site, _text(stored & 0xFFFF_FFFF, site)
