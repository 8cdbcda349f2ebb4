"""Memory for replaying a chunk of a minimal trace: reads come from the load log, not an image.

The log holds, in execution order, every value memory returned (runtime/memory.py
logs them), so a replay takes the same path without the memory image.  Stores
have no effect: every later read of what they wrote is in the log too.
"""
import numpy as np


class ReplayMemory:
    def __init__(self, log: np.ndarray, position: int = 0):
        self.log = log
        self.position = position
        self.misaligned = 0

    def load(self, addr: int, size: int) -> int:
        value = int(self.log[self.position])
        self.position += 1
        if addr & (size - 1):
            self.misaligned += 1
        return value

    def store(self, addr: int, size: int, value: int) -> None:
        if addr & (size - 1):
            self.misaligned += 1

    def writable_offset(self, addr: int, size: int) -> int:
        return 0

    def attach_device(self, address: int, size: int, device) -> None:
        """A device store has no effect in a replay either (its output is the run's, not the trace's)."""

    def read(self, addr: int, n: int) -> bytes:
        words = (n + 7) // 8
        data = self.log[self.position: self.position + words].astype("<u8").tobytes()[:n]
        self.position += words
        return data

    def host_value(self, compute) -> int:
        value = int(self.log[self.position])
        self.position += 1
        return value

    def host_bytes(self, compute) -> bytes:
        n = self.host_value(compute)
        return self.read(0, n)

    def write(self, addr: int, data: bytes) -> None:
        pass
