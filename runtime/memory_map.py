"""Where things live in the guest's address space.

Everything fits below 4 GiB, so RV32 and RV64 guests share one map.  The linker
script in runtime/guest/zkaot.ld is written against the defaults here; a guest
linked for other sizes must be run with a matching MemoryMap.
"""
from dataclasses import dataclass

NULL_GUARD_END = 0x1000            # [0, 0x1000) always traps
INPUT_BASE = 0x4000_0000           # u64 little-endian length, then the input bytes
RAM_BASE = 0x8000_0000             # code, data, heap, stack
DEFAULT_RAM_SIZE = 128 << 20
DEFAULT_STACK_SIZE = 4 << 20       # the stack ends at the top of RAM
GUARD_SIZE = 0x1000                # unmapped page below the stack
DEFAULT_MAX_INPUT = 64 << 20


@dataclass(frozen=True)
class MemoryMap:
    """One RAM window, a guard page below the stack and an input region.  Other vendors'
    maps (runtime/profiles.py) have no guard (stack_size None: nothing marks where their
    stack ends) and take input as calls, not from a region (input_base None); `holes` are
    stretches of the window that are not RAM (ZisK's gap between ROM and RAM, and its system
    page, where only the UART's device store is allowed)."""
    ram_base: int = RAM_BASE
    ram_size: int = DEFAULT_RAM_SIZE
    stack_size: int | None = DEFAULT_STACK_SIZE
    input_base: int | None = INPUT_BASE
    max_input: int = DEFAULT_MAX_INPUT
    holes: tuple[tuple[int, int, str], ...] = ()   # (lo, hi, name): not RAM, but devices may sit there

    def hole_at(self, addr: int) -> str | None:
        for lo, hi, name in self.holes:
            if lo <= addr < hi:
                return name
        return None

    @property
    def ram_end(self) -> int:
        return self.ram_base + self.ram_size

    @property
    def stack_top(self) -> int:
        return self.ram_end

    @property
    def stack_guard(self) -> tuple[int, int]:
        """The page just below the stack: touching it means the stack overflowed (empty, at
        the end of RAM, without a stack size)."""
        if self.stack_size is None:
            return self.ram_end, self.ram_end
        lo = self.ram_end - self.stack_size - GUARD_SIZE
        return lo, lo + GUARD_SIZE

    def input_span(self, input_len: int) -> tuple[int, int]:
        """Readable input bytes: the length word plus the data rounded up to 8 bytes."""
        if self.input_base is None:
            return 0, 0
        return self.input_base, self.input_base + 8 + ((input_len + 7) & ~7)

    def in_ram(self, lo: int, hi: int) -> bool:
        """[lo, hi) lies in RAM, clear of the holes (a segment there would be unreachable)."""
        return self.ram_base <= lo and hi <= self.ram_end and not any(lo < h_hi and hi > h_lo
                                                                      for h_lo, h_hi, _ in self.holes)

    def region_name(self, addr: int) -> str:
        """A human name for an address, for error messages."""
        if addr < NULL_GUARD_END:
            return "the null guard page"
        g_lo, g_hi = self.stack_guard
        if g_lo <= addr < g_hi:
            return "the stack guard page (stack overflow?)"
        in_input = self.input_base is not None and self.input_base <= addr < self.input_base + 8 + self.max_input
        hole = self.hole_at(addr)
        if hole and not in_input:           # an input region may lie in a hole (older ZisK guests')
            return hole
        if self.ram_base <= addr < self.ram_end and not hole:
            return "RAM"
        if in_input:
            return "the input region"
        return "unmapped memory"
