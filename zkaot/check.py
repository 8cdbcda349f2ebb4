"""`zkaot check`: whether an ELF runs on zkaot, and if not, which rule it breaks and how to fix the build.

The loader's checks (translator/elf.py) come first; a file that loads is then checked for
what the loader leaves to run time: e_flags asking for the C extension or a hardware float
ABI, and, by decoding every 4-byte word of the executable segments, instructions of
extensions the machine lacks (C, F/D, CSRs...) and jumps to addresses that are not 4-byte
aligned.  Data in code is allowed, so a word no decoder knows is not reported.  The words
are decoded as arrays (runtime.encoding.decode_words); only those the machine refuses are
named by capstone.
"""
import struct

import numpy as np

from runtime.encoding import BY_ID, CLASSES, OP_CLASS, decode_words
from runtime.files import read_limited
from translator.elf import MAX_ELF_BYTES, ElfError, load_elf

EF_RISCV_RVC, EF_RISCV_FLOAT_ABI = 0x1, 0x6
_FLOAT_ABIS = {0x2: "single", 0x4: "double", 0x6: "quad"}
_E_FLAGS_OFFSET = {32: 0x24, 64: 0x30}
LISTED = 3                          # instructions shown per kind of problem

COMPRESSED_FIX = ("compiled with compressed instructions: use -march=rv64im (zkaot build does), "
                  "or a profile that accepts C")
FLOAT_FIX = "the machine has no F or D: compile for soft float, -march=rv64im -mabi=lp64 (zkaot build does)"
RWX_FIX = ("a linker script with one memory region puts code and data in one segment: give code, "
           "read-only data and data their own segments with PHDRS, as runtime/guest/zkaot.ld does "
           "(docs/guest-sdk.md)")
_FIXES = {"compressed instructions": COMPRESSED_FIX, "misaligned jump targets": COMPRESSED_FIX,
          "F/D instructions": FLOAT_FIX, "CSR instructions": "the machine has no CSRs (Zicsr): remove them",
          "instructions of other extensions": "the machine runs RV64IM/RV32IM plus A: remove them",
          "atomic instructions": "this build is RV64IM/RV32IM without A: build with --arch rv64ima"}
_DIRECT = np.isin(OP_CLASS, [CLASSES.index("branch"), CLASSES.index("jal")])
_ATOMIC = np.isin(OP_CLASS, [CLASSES.index(c) for c in ("lr", "sc", "amo")])


def check(path: str, atomics: bool = True) -> list[str]:
    """Every problem that keeps the ELF at `path` from running on zkaot, one line each; [] if none.
    `atomics=False` also refuses the A extension (what an rv64im or rv32im build must not hold)."""
    try:
        data = read_limited(path, MAX_ELF_BYTES)
    except OSError as e:
        return [f"{path}: cannot read file: {e.strerror or e}"]
    try:
        program = load_elf(data, name=path)
    except ElfError as e:
        return [f"{e}: {RWX_FIX}" if "both writable and executable" in str(e) else str(e)]
    (flags,) = struct.unpack_from("<I", data, _E_FLAGS_OFFSET[program.xlen])
    problems = []
    if flags & EF_RISCV_RVC:
        problems.append(f"{path}: e_flags 0x{flags:x} has EF_RISCV_RVC: {COMPRESSED_FIX}")
    if flags & EF_RISCV_FLOAT_ABI:
        abi = _FLOAT_ABIS[flags & EF_RISCV_FLOAT_ABI]
        problems.append(f"{path}: e_flags 0x{flags:x} has the {abi}-float ABI (EF_RISCV_FLOAT_ABI): {FLOAT_FIX}")
    for kind, found in _scan(program, atomics).items():
        shown = "; ".join(f"0x{pc:x} {text}" for pc, text in found[:LISTED])
        more = f"; and {len(found) - LISTED} more" if len(found) > LISTED else ""
        problems.append(f"{path}: {len(found)} {kind} in code ({shown}{more}): {_FIXES[kind]}")
    return problems


def _scan(program, atomics: bool) -> dict[str, list[tuple[int, str]]]:
    """The words of the executable segments that the machine would refuse, by kind, in address order."""
    import capstone
    mode = capstone.CS_MODE_RISCV64 if program.xlen == 64 else capstone.CS_MODE_RISCV32
    disasm = capstone.Cs(capstone.CS_ARCH_RISCV, mode | capstone.CS_MODE_RISCVC)
    found: dict[str, list[tuple[int, str]]] = {}
    for segment in program.segments:
        if not segment.executable:
            continue
        words = np.frombuffer(segment.data, "<u4", len(segment.data) // 4)
        decoded = decode_words(words, program.xlen)
        op = decoded["op"]
        pcs = segment.vaddr + 4 * np.arange(len(words), dtype=np.int64)
        legal = op >= 0
        direct = legal & _DIRECT[np.maximum(op, 0)]
        targets = pcs + decoded["imm"]
        for i in np.flatnonzero(direct & (targets % 4 != 0)).tolist():
            found.setdefault("misaligned jump targets", []).append(
                (int(pcs[i]), f"{BY_ID[op[i]].name} to 0x{int(targets[i]) % (1 << program.xlen):x}"))
        if not atomics:
            for i in np.flatnonzero(legal & _ATOMIC[np.maximum(op, 0)]).tolist():
                found.setdefault("atomic instructions", []).append((int(pcs[i]), BY_ID[op[i]].name))
        for i in np.flatnonzero(~legal).tolist():           # usually none: named one by one
            other = next(disasm.disasm_lite(words[i].tobytes(), int(pcs[i])), None)
            if other is None or other[2] in ("unimp", "c.unimp"):
                continue                                    # data, or the deliberate trap
            _, size, mnemonic, operands = other
            kind = ("compressed instructions" if size == 2 else
                    "F/D instructions" if mnemonic.startswith("f") and not mnemonic.startswith("fence") else
                    "CSR instructions" if mnemonic.startswith(("csr", "rd")) else
                    "instructions of other extensions")
            found.setdefault(kind, []).append((int(pcs[i]), f"{mnemonic} {operands}".rstrip()))
    return {kind: sorted(pairs) for kind, pairs in found.items()}
