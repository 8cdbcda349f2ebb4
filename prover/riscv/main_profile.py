"""What a machine profile adds to the Main table: its calls' columns, constraints and
messages (docs/profiles.md; `zisk_main.py` is the one profile that adds any).

The zkaot machine's own calls (exit, write, keccakf, sha256_compress ecalls) are Main's
(`main.py`); a profile whose calls differ adds what proves them through the hooks of
`MainProfile`, which `main.main_air`, `main.main_trace` and `main.main_lookups` call:
its columns after Main's, its constraints on the whole row, a device term (rows whose
store goes to a device and sends no memop), its columns' values on the real rows, and the
messages they send (memops, precompile calls, output reads, range16 lookups), so that
the receiving tables are built from them as from Main's own.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from runtime.calls import ZKAOT
from runtime.trace import MEMORY_ROW

_ZKAOT_ECALLS = tuple(c.selector.number for c in ZKAOT.calls if c.proven_by)     # exit, write and the precompiles


@dataclass
class ProfileLookups:
    """The messages a profile's columns send, read off Main's columns (`MainProfile.lookups`)."""
    memory_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=MEMORY_ROW))
    memory_times: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    output_calls: np.ndarray = field(default_factory=lambda: np.zeros((0, 4), dtype=np.int64))
    precompile_calls: np.ndarray = field(default_factory=lambda: np.zeros((0, 4), dtype=np.uint64))
    range16: list = field(default_factory=list)
    device: np.ndarray | int = 0            # 1 on rows whose store goes to a device (no memop)


@dataclass(frozen=True)
class MainProfile:
    """The zkaot machine: Main's own calls and nothing more.  `csr`: the op-class table has
    rows for the CSR instructions (a profile whose calls a CSR selects).  `ecalls`: the
    a7 values of the ecalls Main proves."""
    name: str = "zkaot"
    columns: tuple[str, ...] = ()
    csr: bool = False
    ecalls: tuple[int, ...] = _ZKAOT_ECALLS

    @property
    def extensions(self) -> frozenset[str]:
        """The optional parts of the encoding table its programs decode (runtime/encoding.py)."""
        return frozenset({"csr"}) if self.csr else frozenset()

    def constrain(self, air, xlen: int) -> None:
        """Add the profile's constraints and messages to Main's Air."""

    def proven_csr(self, op, rd, rs1, imm) -> np.ndarray:
        """Which CSR instructions (op ids and ROM fields, arrays) are calls the profile proves."""
        return np.zeros(np.shape(op), dtype=bool)

    def table_rows(self, precompiles):
        """The trace's PRECOMPILE_ROW rows with each kind the number of the zkaot call whose
        table proves it (`precompile.py` picks tables by kind)."""
        return precompiles

    def device(self, C):
        """The expression that is 1 on rows whose store reaches a device, not memory."""
        return 0

    def fill(self, steps: dict, initial_memory) -> dict[str, np.ndarray]:
        """The profile's columns on Main's real rows, from `steps` (per real row: op, rd,
        rs1, imm, a (rs1's value), addr, store1 (a byte store), csr (a CSR instruction:
        wit, not ecall); and the trace's PRECOMPILE_ROW rows, precompiles); `initial_memory(addrs)`
        gives memory's bytes at the segment's start.  ValueError for a call no proof holds."""
        return {}

    def lookups(self, col, value, xlen: int) -> ProfileLookups:
        """The messages of the profile's columns (col: Main's columns by name, int64;
        value(v): the XLEN value of limb columns v0..)."""
        return ProfileLookups()


ZKAOT_MAIN = MainProfile()
