"""A program as the prover sees it: its loaded image, and nothing of the loader's.

The prover needs of a program its width, entry, the bytes it starts memory with (the
PT_LOAD segments: the Image table, the Regions table's read-only spans, the ROM's code
words), the memory map it runs in and its profile (which calls it makes).  A
`ProgramImage` carries exactly those, made once where a run is handed to the prover
(`translator.elf.Program.image`), so the prover reads a record of this layer and never
reaches back up into the translator's objects.  It is small to send to a worker process
(no symbols), and the code words it derives are computed once per record.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from runtime.memory_map import MemoryMap


@dataclass(frozen=True)
class Segment:
    """A PT_LOAD segment as guest memory sees it, so that no later stage has to know ELF."""
    vaddr: int
    data: bytes          # p_memsz bytes: the file bytes, then zero fill
    readable: bool
    writable: bool
    executable: bool

    @property
    def end(self) -> int:
        return self.vaddr + len(self.data)


@dataclass(frozen=True, eq=False)
class ProgramImage:
    """What a proof of a program's runs depends on (module docstring).  Compared by
    identity: a record is made once per program and its derived arrays cached on it."""
    name: str                           # names the program in error messages
    xlen: int
    entry: int
    segments: tuple[Segment, ...]
    memory_map: MemoryMap = MemoryMap()
    profile: str = "zkaot"

    @cached_property
    def code(self) -> tuple[np.ndarray, np.ndarray]:
        """(pcs int64 ascending, words uint32) of every aligned 4-byte word of the
        executable segments: what the Program ROM decodes."""
        pcs, words = [], []
        for seg in sorted(self.segments, key=lambda s: s.vaddr):
            if not seg.executable:
                continue
            skip = -seg.vaddr % 4
            n = (len(seg.data) - skip) // 4
            if n <= 0:
                continue
            words.append(np.frombuffer(seg.data, "<u4", count=n, offset=skip))
            pcs.append(seg.vaddr + skip + 4 * np.arange(n, dtype=np.int64))
        if not pcs:
            return np.zeros(0, np.int64), np.zeros(0, np.uint32)
        return np.concatenate(pcs), np.concatenate(words)

    @property
    def code_start(self) -> int:
        """The lowest address of the executable segments (where the per-PC histogram starts)."""
        return min(s.vaddr for s in self.segments if s.executable)

    @property
    def read_only(self) -> list[tuple[int, int]]:
        """[start, end) of every non-empty read-only segment (code, read-only data)."""
        return sorted((s.vaddr, s.end) for s in self.segments if not s.writable and len(s.data))
