"""Host handlers for the guest's ecalls (runtime/abi.py), shared by every executor."""
from dataclasses import dataclass, field
from typing import Callable

from runtime import abi
from runtime.memory import GuestMemory
from runtime.precompiles import keccakf_bytes, sha256_compress_bytes


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


def _signed32(value: int) -> int:
    value &= 0xFFFF_FFFF
    return value - (1 << 32) if value >> 31 else value


def _require_aligned(addr: int, alignment: int, what: str) -> None:
    if addr % alignment:
        raise EcallError(f"{what} pointer 0x{addr:08x} is not {alignment}-byte aligned")


def handle_ecall(number: int, a0: int, a1: int, a2: int, memory: GuestMemory, io: HostIO) -> int | None:
    """Run ecall `number`; returns the new a0, or None when a0 is unchanged."""
    if number == abi.SYS_EXIT:
        raise GuestExit(_signed32(a0))
    if number == abi.SYS_WRITE:
        data = memory.read(a1, a2)
        if a0 == abi.FD_PUBLIC_OUTPUT:
            io.output += data
        elif a0 in (abi.FD_STDOUT, abi.FD_STDERR):
            io.console += data
            if io.on_console:
                io.on_console(a0, data)
        else:
            raise EcallError(f"write to fd {a0}: only 1 and 2 (console) and 3 (public output) exist")
        return a2
    if number == abi.SYS_KECCAKF:
        _require_aligned(a0, 8, "keccak-f state")
        state = memory.read(a0, 200)
        result = keccakf_bytes(state)
    elif number == abi.SYS_SHA256_COMPRESS:
        _require_aligned(a0, 4, "sha256 state")
        state = memory.read(a0, 32) + memory.read(a1, 64)
        result = sha256_compress_bytes(state[:32], state[32:])
    else:
        raise EcallError(f"unknown ecall a7={number} (see runtime/abi.py)")
    memory.write(a0, result)
    if io.on_precompile:
        io.on_precompile(number, a0, a1, state, result)
    return None
