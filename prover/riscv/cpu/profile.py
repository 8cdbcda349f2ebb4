"""What a machine profile adds to the Main table: the component that proves its calls
(docs/profiles.md; `zisk.py` is the one profile part that adds any).

The zkaot machine's own calls (exit, write, keccakf, sha256_compress ecalls) are Main's
(`calls.py`).  A profile whose calls differ is one more component of Main, with the
same contract as the others (`cpu/__init__.py`): it owns its columns (`fields`, after
the other components'), its constraints, its witness (`fill`) and its messages
(`messages`), and names the term of rows whose store reaches a device and sends no
memop (`device`, which `memory.py` subtracts from its memop's multiplicity).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from runtime.calls import ZKAOT

_ZKAOT_ECALLS = tuple(c.selector.number for c in ZKAOT.calls if c.proven_by)     # exit, write and the precompiles


@dataclass(frozen=True)
class MainProfile:
    """The zkaot machine: Main's own calls and nothing more.  `csr`: the op-class table has
    rows for the CSR instructions (a profile whose calls a CSR selects).  `ecalls`: the
    a7 values of the ecalls Main proves.  `sp1_sha`: Main sends SP1's SHA_EXTEND and
    SHA_COMPRESS calls, so the proof has their tables (`precompile.py`, `sp1_sha.py`)."""
    name: str = "zkaot"
    csr: bool = False
    ecalls: tuple[int, ...] = _ZKAOT_ECALLS
    sp1_sha: bool = False

    @property
    def extensions(self) -> frozenset[str]:
        """The optional parts of the encoding table its programs decode (runtime/encoding.py)."""
        return frozenset({"csr"}) if self.csr else frozenset()

    def fields(self, xlen: int) -> dict:
        return {}

    def constrain(self, air, m, xlen: int) -> None:
        """The profile's constraints and messages on Main's rows."""

    def device(self, m):
        """1 on rows whose store reaches a device, not memory (an expression or a column)."""
        return 0

    def fill(self, m, s, v, initial_memory, precompiles) -> None:
        """The profile's columns on Main's real rows, from the steps `s` (`control.Steps`), their
        operands `v`, memory's bytes at the segment's start (`initial_memory(addrs)`) and the
        trace's PRECOMPILE_ROW rows.  ValueError for a call no proof holds."""

    def messages(self, m, out) -> None:
        """The messages of the profile's columns, added to Main's (`main._Messages`)."""

    def proven_csr(self, op, rd, rs1, imm) -> np.ndarray:
        """Which CSR instructions (op ids and ROM fields, arrays) are calls the profile proves."""
        return np.zeros(np.shape(op), dtype=bool)

    def table_rows(self, precompiles):
        """The trace's PRECOMPILE_ROW rows with each kind the number of the zkaot call whose
        table proves it (`precompile.py` picks tables by kind)."""
        return precompiles


ZKAOT_MAIN = MainProfile()
