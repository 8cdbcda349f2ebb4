"""What a run is refused for before anything is proven: the first call no proof holds.

`zkaot prove` checks a run's trace here after running it, so a run that makes a call of
its profile that Main has no part for (ZisK's curve or arith256_mod precompiles, SP1's
curve and uint256 calls, an unknown ecall) is refused in one line naming the call, rather
than failing deep inside the witness or the bus.
"""
from __future__ import annotations

import numpy as np

from runtime.calls import Csr, Ecall
from runtime.encoding import TABLE
from runtime.isa import ABI_NAMES
from runtime.profiles import PROFILES
from runtime.program_image import ProgramImage

from .optable import OP_ID
from .proof_profiles import profile_of
from .rom import rom_messages

_ECALL = OP_ID["ecall"]
_CSR_OPS = {op.id: op for op in TABLE if op.cls == "csr"}
_CSR_ACCESS = {"rw": "write", "rs": "set", "rc": "clear"}


def unproven_call(program: ProgramImage, rows: np.ndarray, first_segment: int | None = None) -> str | None:
    """The first call of a run (its MAIN_ROW rows) that no proof of its profile holds, as
    the line `zkaot prove` refuses the run with, or None when every call is proven;
    `first_segment`: the steps of the run's first segment, where the calls the profile
    proves there only must be (SP1's hint calls: the committed frames are that segment's)."""
    main = profile_of(program).main
    ops = np.asarray(rows["op"])
    unproven_instructions = _unproven_instruction(program, np.asarray(rows["len"]))
    if unproven_instructions:
        return unproven_instructions
    if first_segment is not None and main.first_segment_calls:
        selectors = np.asarray(rows["b"][first_segment:])
        late = (ops[first_segment:] == _ECALL) & np.isin(selectors, main.first_segment_calls)
        if late.any():
            return (f"the {program.profile} run reads frames at step {first_segment + int(np.argmax(late)):,}, after "
                    f"its first segment ({first_segment:,} steps): frames are read in the first segment only; "
                    "give a larger --segment-steps")
    sel = np.flatnonzero((ops == _ECALL) | np.isin(ops, list(_CSR_OPS)))
    if not sel.size:
        return None
    r = np.asarray(rows[sel])
    rom = rom_messages(program, r["pc"]).astype(np.int64)
    op, rd, rs1, imm = rom[:, 2], rom[:, 3], rom[:, 4], rom[:, 6]
    ecall = op == _ECALL
    ok = np.where(ecall, main.proven_ecall(r["b"], r["a"]), main.proven_csr(op, rd, rs1, imm))
    if ok.all():
        return None
    j = int(np.argmin(ok))
    return f"the {program.profile} call {_call_name(program, r['b'][j], r['a'][j], op[j], rs1[j], imm[j], ecall[j])} " \
           "has no proof table yet; runs that use it cannot be proven"


def _unproven_instruction(program: ProgramImage, lengths: np.ndarray) -> str | None:
    """Compressed instructions, which the zisk profile runs and no table proves yet (the ROM
    holds 32-bit words).  (F and D are refused before the run: zkaot.prove.)"""
    if (lengths == 2).any():
        return f"the {program.profile} run executes compressed (C extension) instructions, which no proof " \
               "holds yet; runs that use them cannot be proven"
    return None


def _call_name(program: ProgramImage, selector, a0, op, rs1, imm, ecall) -> str:
    """A call as its profile names it, with its selector (and a write's descriptor)."""
    calls = PROFILES[program.profile].calls[program.xlen]
    if ecall:
        call = calls.by_selector.get(Ecall(calls.register, int(selector)))
        what = f"ecall {ABI_NAMES[calls.register]} = 0x{int(selector):x}"
        if call and call.name == "write":
            what += f", fd {int(a0)}"
    else:
        fn = _CSR_OPS[int(op)].fn
        access = "read" if fn != "rw" and rs1 == 0 else _CSR_ACCESS[fn]
        call = calls.by_selector.get(Csr(int(imm), access))
        what = f"csr 0x{int(imm):x}, {access}"
    return f"{call.name if call else 'call'} ({what})"
