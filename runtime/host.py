"""The host side of the guest's calls, shared by every executor: the I/O they reach and
the dispatch through a registry of calls (runtime/calls.py says what each call is)."""
from __future__ import annotations

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


@dataclass
class HostIO:
    output: bytearray = field(default_factory=bytearray)   # fd 3: committed public output
    console: bytearray = field(default_factory=bytearray)  # fd 1 and 2: shown, not committed
    on_console: Callable[[int, bytes], None] | None = None
    on_precompile: Callable[[int, int, int, bytes, bytes], None] | None = None  # kind, a0, a1, in, out


def handle_ecall(calls: Registry, regs: Sequence[int], memory: GuestMemory, io: HostIO) -> list[tuple[int, int]]:
    """Run the call of `calls` that the registers `regs` select; returns (register, new
    value) for each register the call writes.  EcallError when no call is selected."""
    call = calls.selected(regs)
    return list(zip(call.writes, call.handler(call, regs, memory, io), strict=True))
