"""The host side of the guest's calls, shared by every executor: the I/O they reach, the
region cycle counts they mark and the dispatch through a registry of calls
(runtime/calls.py says what each call is)."""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Sequence

from runtime.memory import GuestMemory

if TYPE_CHECKING:
    from runtime.calls import Registry


class GuestExit(Exception):
    """The guest called exit; code is its a0 as a signed 32-bit int (C's int main)."""

    def __init__(self, code: int):
        super().__init__(code)
        self.code = code


class EcallError(Exception):
    """An ecall the ABI does not allow (unknown number, bad fd, misaligned state pointer)."""


class RegionCycles:
    """Retired instructions per region name, marked at steps (a step is the number of
    instructions retired before the marking ecall).  A region holds the instructions
    strictly between its start and end marks, so the marking ecalls are outside it and an
    empty region counts 0.  Regions are summed per name; a name started again before its
    end (recursion) nests, and only the outermost start and end count, so cycles are
    never counted twice.  An end without a start is ignored (as SP1 does), and a region
    still open when the run ends is not counted."""

    def __init__(self):
        self.totals: dict[str, int] = {}
        self._open: dict[str, list[int]] = {}       # name -> [start step, depth]

    def start(self, name: str, step: int) -> None:
        region = self._open.setdefault(name, [step, 0])
        region[1] += 1

    def end(self, name: str, step: int) -> None:
        region = self._open.get(name)
        if region is None:
            return
        region[1] -= 1
        if region[1] == 0:
            del self._open[name]
            self.totals[name] = self.totals.get(name, 0) + step - region[0] - 1


# SP1's console convention: a stdout line `cycle-tracker-start: NAME` marks a region
# (the -report- variants too: both count here).
MARKER = b"cycle-tracker-"
MARKS = {b"cycle-tracker-start:": RegionCycles.start, b"cycle-tracker-end:": RegionCycles.end,
         b"cycle-tracker-report-start:": RegionCycles.start, b"cycle-tracker-report-end:": RegionCycles.end}


@dataclass
class HostIO:
    output: bytearray = field(default_factory=bytearray)   # fd 3: committed public output
    console: bytearray = field(default_factory=bytearray)  # fd 1 and 2: shown, not committed
    on_console: Callable[[int, bytes], None] | None = None
    on_precompile: Callable[[int, int, int, bytes, bytes], None] | None = None  # kind, a0, a1, in, out
    regions: RegionCycles = field(default_factory=RegionCycles)
    frames: deque = field(default_factory=deque)           # input frames that calls hand out, in order
    hint_stream: bytearray = field(default_factory=bytearray)   # OpenVM's hint stream (runtime/openvm.py)
    process: object = None                                 # a profile's per-run state (runtime/linux.py)
    scratch: dict = field(default_factory=dict)            # a profile's calls' own state (ZisK's free-call parameters)
    # Set by a call that may hand the hart to another thread (runtime/linux_threads.py): after the
    # call's register writes it gets the registers and the pc the caller would go on at, and returns
    # the pc to go on at, having replaced the registers when another thread is to run.
    resume: Callable[[list[int], int], int] | None = None
    _line: bytearray = field(default_factory=bytearray)     # the start of a stdout line that may be a marker
    _mid_line: bool = False                                # the current stdout line is shown: no marker

    def write_console(self, fd: int, data: bytes, step: int) -> None:
        """Show console bytes, taking SP1's marker lines out of stdout (fd 1).  A line may
        come in several writes, so the start of a stdout line is held back while it may
        still become a marker; a marker takes effect at the write that ends its line."""
        self._show(fd, self._unmarked(data, step) if fd == 1 else data)

    def flush(self) -> None:
        """The end of the run: a held-back stdout line without its newline is output after all."""
        held = bytes(self._line)
        self._line.clear()
        self._show(1, held)

    def _show(self, fd: int, data: bytes) -> None:
        if data:
            self.console += data
            if self.on_console:
                self.on_console(fd, data)

    def _unmarked(self, data: bytes, step: int) -> bytes:
        shown = bytearray()
        pos = 0
        while pos < len(data):
            end = data.find(b"\n", pos) + 1 or len(data)
            piece, pos = data[pos:end], end
            ended = piece.endswith(b"\n")
            if self._mid_line:
                shown += piece
            else:
                self._line += piece
                if ended and self._mark(bytes(self._line[:-1]), step):
                    self._line.clear()
                elif ended or not MARKER.startswith(self._line[:len(MARKER)]):
                    shown += self._line
                    self._line.clear()
                else:
                    continue                # held back: may still become a marker
            self._mid_line = not ended
        return bytes(shown)

    def _mark(self, line: bytes, step: int) -> bool:
        """Mark a region if `line` is a marker (its name trimmed); says whether it was."""
        kind, colon, name = line.partition(b":")
        mark = MARKS.get(kind + colon)
        if mark:
            mark(self.regions, name.strip().decode("utf-8", "replace"), step)
        return mark is not None


def handle_ecall(calls: Registry, regs: Sequence[int], memory: GuestMemory, io: HostIO,
                 step: int) -> list[tuple[int, int]]:
    """Run the call of `calls` that the registers `regs` select at `step` (instructions
    retired before this ecall); returns (register, new value) for each register the call
    writes.  EcallError when no call is selected."""
    call = calls.selected(regs)
    return list(zip(call.writes, call.handler(call, regs, memory, io, step), strict=True))


def handle_instruction(calls: Registry, ins, regs: Sequence[int], memory: GuestMemory, io: HostIO,
                       step: int) -> list[tuple[int, int]]:
    """Run the call that the vendor instruction `ins` (translator.decoder.Instruction)
    selects in `calls`; returns (register, new value) for each register it writes."""
    call = calls.by_instruction[ins.opcode.id]
    return list(zip(call.writes, call.handler(call, regs, memory, io, step, ins), strict=True))


def handle_csr(calls: Registry, number: int, access: str, regs: Sequence[int], operands: tuple[int, int, int],
               memory: GuestMemory, io: HostIO, step: int) -> int:
    """Run the call a CSR instruction selects (runtime/calls.py Csr) on the registers and its
    operands (rs1's value or the zimm, rd's number, the rs1 field); returns the value rd gets."""
    call = calls.csr(number, access)
    values = call.handler(call, [*regs[:32], *operands], memory, io, step)
    return values[0] if values else 0
