"""What a machine profile adds to the Main table: the component that proves its calls
(docs/profiles.md; `zisk.py` and `sp1.py` are the profile parts that add any).

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

from runtime.calls import A0, A7, ZKAOT

from ..keccak import SYS_KECCAKF
from ..ranges import RANGE16
from ..sha256 import SYS_SHA256_COMPRESS

_ZKAOT_ECALLS = tuple(c.selector.number for c in ZKAOT.calls if c.proven_by)     # exit, write and the precompiles
SYS_EXIT, SYS_WRITE = (ZKAOT.proven_by(kind).selector.number for kind in ("exit", "write"))   # Main's own calls


def constrain_pointer(air, k, limbs, zp, align: int, limb_name: str, pointer_name: str) -> None:
    """On rows where k = 1, the pointer whose 16-bit limbs are `limbs` is below 2^32 and
    `align`-aligned, as a call's host requires of it: its limbs above the first two are 0
    and limbs[0] = align zp with zp in range16 (so the low limb has no other bits)."""
    for i in range(2, len(limbs)):
        air.constrain(k * limbs[i], f"{limb_name} limb {i} is 0")
    air.constrain(k * (limbs[0] - align * zp), f"{pointer_name} is {align}-aligned")
    air.send(RANGE16, [zp], k)


@dataclass(frozen=True)
class CoreCalls:
    """What these kinds are under a machine profile (`profile.MainProfile.core`): the selector
    numbers of exit, write and the two precompiles (None: the profile has no such call, its
    kind is 0), the public output's descriptor, and whether a write returns its length in
    a0 (zkaot's) or leaves a0 as it was (SP1's)."""
    exit: int = SYS_EXIT
    write: int = SYS_WRITE
    keccak: int | None = SYS_KECCAKF
    sha: int | None = SYS_SHA256_COMPRESS
    output_fd: int = 3
    write_returns_len: bool = True

    def kinds(self, m) -> list[tuple[object, int]]:
        """(kind, selector number) of each of these kinds the profile has."""
        return [(k, n) for k, n in ((m.e_exit, self.exit), (m.e_con + m.e_out, self.write), (m.e_kec, self.keccak),
                                    (m.e_sha, self.sha)) if n is not None]


ZKAOT_CORE = CoreCalls()


@dataclass(frozen=True)
class MainProfile:
    """The zkaot machine: Main's own calls and nothing more.  `csr`: the op-class table has
    rows for the CSR instructions (a profile whose calls a CSR selects).  `ecalls`: the
    selector values of the ecalls Main proves; `selector`: the register that selects an
    ecall's call; `core`: what Main's own call kinds are under the profile;
    `first_segment_calls`: the selector values of calls proven only in a run's first
    segment (SP1's hint calls, which read the frames its Input table commits to);
    `sp1_sha`: Main sends SP1's SHA_EXTEND and SHA_COMPRESS calls, so the proof has their
    tables (`precompile.py`, `sp1_sha.py`)."""
    name: str = "zkaot"
    csr: bool = False
    ecalls: tuple[int, ...] = _ZKAOT_ECALLS
    selector: int = A7
    core: CoreCalls = ZKAOT_CORE
    first_segment_calls: tuple[int, ...] = ()
    sp1_sha: bool = False

    @property
    def extensions(self) -> frozenset[str]:
        """The optional parts of the encoding table its programs decode (runtime/encoding.py)."""
        return frozenset({"csr"}) if self.csr else frozenset()

    def fields(self, xlen: int) -> dict:
        return {}

    def constrain(self, air, m, xlen: int) -> None:
        """The profile's constraints and messages on Main's rows."""

    def ecall_rd(self, m, ecall):
        """The register an ecall row writes (an expression): a0."""
        return A0 * ecall

    def ecall_rd_rows(self, s):
        """The register each step writes if it is an ecall (0 elsewhere), from the trace's rows;
        None: a0 on every ecall."""
        return None

    def ecall_kinds(self, m) -> list:
        """(kind, selector number) of the profile's own ecall kinds, beside Main's (`calls.py`)."""
        return []

    def own_ecalls(self, s, v):
        """The rows of the steps that are the profile's own ecalls (`ecall_kinds`), or None."""
        return None

    def device(self, m):
        """1 on rows whose store reaches a device, not memory (an expression or a column)."""
        return 0

    def fill(self, m, s, v, initial_memory, precompiles) -> None:
        """The profile's columns on Main's real rows, from the steps `s` (`control.Steps`), their
        operands `v`, memory's bytes at the segment's start (`initial_memory(addrs)`) and the
        trace's PRECOMPILE_ROW rows.  ValueError for a call no proof holds."""

    def messages(self, m, out) -> None:
        """The messages of the profile's columns, added to Main's (`main._Messages`)."""

    def proven_ecall(self, selector, a0) -> np.ndarray:
        """Which ecalls (their selector and a0 values, arrays) are calls the profile proves."""
        return np.isin(selector, self.ecalls)

    def proven_csr(self, op, rd, rs1, imm) -> np.ndarray:
        """Which CSR instructions (op ids and ROM fields, arrays) are calls the profile proves."""
        return np.zeros(np.shape(op), dtype=bool)

    def table_rows(self, precompiles):
        """The trace's PRECOMPILE_ROW rows with each kind the number of the zkaot call whose
        table proves it (`precompile.py` picks tables by kind)."""
        return precompiles


ZKAOT_MAIN = MainProfile()
