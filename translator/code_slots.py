"""The program's code span read as slots (4 bytes, or 2 with the C extension), decoded at once:
the one place that finds where instructions start in C code, for the code map and for the
question whether a program holds F/D code."""
from __future__ import annotations

import numpy as np

from runtime.compressed import COMPRESSED, decode_stream, sweep
from runtime.encoding import decode_words


def read_slots(program, shift: int, extensions: frozenset[str]) -> tuple:
    """(base, the slots' 32-bit words, is_code, decoded, wide, is_start) of the program's code span;
    wide and is_start are None for 4-byte slots.  With 2-byte slots each slot is decoded as an
    instruction starting there, and the sweep from each segment's start (compressed.sweep) says
    which do."""
    code = program.code_ranges()
    base, end = min(lo for lo, _ in code), max(hi for _, hi in code)
    n, size = (end - base) >> shift, 1 << shift
    slots = np.zeros(n, np.uint32 if shift == 2 else np.uint16)
    is_code, segment_start = np.zeros(n, bool), np.zeros(n, bool)
    for seg in program.segments:
        if seg.executable:
            count, i = len(seg.data) // size, (seg.vaddr - base) >> shift
            slots[i: i + count] = np.frombuffer(seg.data, slots.dtype, count)
            is_code[i: i + count] = segment_start[i] = True
    if shift == 2:
        return base, slots, is_code, decode_words(slots, program.xlen, extensions), None, None
    decoded = decode_stream(slots, program.xlen, frozenset({COMPRESSED}) | extensions)
    wide = (slots & 3 == 3) & is_code
    decoded["op"][wide & ~np.append(is_code[1:], False)] = -1       # its second half is not code
    is_start = sweep(wide, segment_start) | ~is_code
    words = slots.astype(np.uint32) | np.append(slots[1:], 0).astype(np.uint32) << 16
    return base, words, is_code, decoded, wide, is_start
