"""The guest's memory as the machine contract defines it: RAM, the read-only input, guards.

The interpreter uses it directly; faster executors use the same RAM buffer and
call back into it for host handlers, so every executor enforces one set of rules.
"""
import mmap
import struct

from runtime.memory_map import MemoryMap

_UNPACK = {1: struct.Struct("<B").unpack_from, 2: struct.Struct("<H").unpack_from,
           4: struct.Struct("<I").unpack_from, 8: struct.Struct("<Q").unpack_from}
_PACK = {1: struct.Struct("<B").pack_into, 2: struct.Struct("<H").pack_into,
         4: struct.Struct("<I").pack_into, 8: struct.Struct("<Q").pack_into}


MAP_NORESERVE = getattr(mmap, "MAP_NORESERVE", 0x4000)     # Linux's value; Python 3.11's mmap lacks the name


class MemoryFault(Exception):
    """An access the memory map forbids; the executor adds the pc and instruction."""


class InputTooLarge(ValueError):
    pass


class GuestMemory:
    """RAM with its guard page and read-only segments, plus the input region.

    `segments` are objects with vaddr, data, writable and executable (the ELF
    loader's Segment): their bytes initialise RAM, and the non-writable ones
    (code, read-only data) reject stores.
    """

    def __init__(self, segments, input_bytes: bytes, memory_map: MemoryMap = MemoryMap()):
        if len(input_bytes) > memory_map.max_input:
            raise InputTooLarge(f"input is {len(input_bytes)} bytes, more than the input region's "
                                f"{memory_map.max_input} bytes (MemoryMap.max_input)")
        self.map = memory_map
        self.base = memory_map.ram_base
        self.size = memory_map.ram_size
        # zero pages on demand, and no reservation: fresh machines and 2^40-byte maps are cheap
        self.ram = mmap.mmap(-1, memory_map.ram_size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | MAP_NORESERVE)
        guard_lo, guard_hi = memory_map.stack_guard
        self.guard_lo, self.guard_hi = guard_lo - self.base, guard_hi - self.base
        self.read_only: list[tuple[int, int, str]] = []
        for seg in segments:
            off = seg.vaddr - self.base
            self.ram[off: off + len(seg.data)] = seg.data
            if not seg.writable:
                kind = "code" if seg.executable else "read-only data"
                self.read_only.append((off, off + len(seg.data), kind))
        lo, hi = memory_map.input_span(len(input_bytes))
        self.input_base = lo
        self.input = b""                 # no input region: input_span is empty, every access misses it
        if memory_map.input_base is not None:
            self.input = bytes(len(input_bytes).to_bytes(8, "little") + input_bytes).ljust(hi - lo, b"\0")
        self.misaligned = 0
        self.log: list[int] | None = None    # when a list, every value read is appended (minimal trace)
        self.devices: dict[int, tuple[int, object]] = {}      # address -> (size, the store's handler)
        if memory_map.holes:
            self._holes = [(lo - self.base, hi - self.base) for lo, hi, _ in memory_map.holes]
            self._ram_offset = self._ram_offset_outside_holes
            self.store = self._store_or_device

    def attach_device(self, address: int, size: int, device) -> None:
        """A store of `size` bytes at `address` (in a hole of the map) calls device(value) instead."""
        self.devices[address] = (size, device)

    def _ram_offset_outside_holes(self, addr: int, size: int) -> int | None:
        off = GuestMemory._ram_offset(self, addr, size)
        if off is not None and any(off < hi and off + size > lo for lo, hi in self._holes):
            return None
        return off

    def _store_or_device(self, addr: int, size: int, value: int) -> None:
        device = self.devices.get(addr)
        if device is not None and device[0] == size:
            device[1](value & ((1 << (8 * size)) - 1))
            return
        GuestMemory.store(self, addr, size, value)

    def _ram_offset(self, addr: int, size: int) -> int | None:
        off = addr - self.base
        if (0 <= off and off + size <= self.guard_lo) or (self.guard_hi <= off and off + size <= self.size):
            return off
        return None

    def _fault(self, what: str, addr: int, size: int) -> MemoryFault:
        first, last = self.map.region_name(addr), self.map.region_name(addr + size - 1)
        where = first if first == last else f"crosses from {first} into {last}"
        return MemoryFault(f"{what} of {size} bytes at 0x{addr:08x}: {where}")

    def load(self, addr: int, size: int) -> int:
        """Unsigned little-endian load; misaligned loads work and are counted (Zicclsm)."""
        off = self._ram_offset(addr, size)
        if off is not None:
            value = _UNPACK[size](self.ram, off)[0]
        else:
            off = addr - self.input_base
            if not (0 <= off and off + size <= len(self.input)):
                raise self._fault("load", addr, size)
            value = _UNPACK[size](self.input, off)[0]
        if addr & (size - 1):
            self.misaligned += 1
        if self.log is not None:
            self.log.append(value)
        return value

    def store(self, addr: int, size: int, value: int) -> None:
        off = self.writable_offset(addr, size)
        _PACK[size](self.ram, off, value & ((1 << (8 * size)) - 1))
        if addr & (size - 1):
            self.misaligned += 1

    def writable_offset(self, addr: int, size: int) -> int:
        off = self._ram_offset(addr, size)
        if off is None:
            if self.input and 0 <= addr - self.input_base < self.map.max_input + 8:
                raise MemoryFault(f"store of {size} bytes at 0x{addr:08x}: the input region is read-only")
            raise self._fault("store", addr, size)
        for lo, hi, kind in self.read_only:
            if off < hi and off + size > lo:
                raise MemoryFault(f"store of {size} bytes at 0x{addr:08x}: into {kind}")
        return off

    def read(self, addr: int, n: int) -> bytes:
        """Bytes for a host handler (write, precompiles); not counted as guest accesses.

        When logging, they are logged as ceil(n/8) little-endian u64 words.
        """
        if n == 0:
            return b""
        off = self._ram_offset(addr, n)
        if off is not None:
            data = bytes(self.ram[off: off + n])
        else:
            off = addr - self.input_base
            if not (0 <= off and off + n <= len(self.input)):
                raise self._fault("host read", addr, n)
            data = self.input[off: off + n]
        if self.log is not None:
            padded = data.ljust((n + 7) & ~7, b"\0")
            self.log.extend(struct.unpack(f"<{len(padded) // 8}Q", padded))
        return data

    def host_value(self, compute) -> int:
        """A value a host call gives the guest from host state (an input length): computed,
        and logged when logging, so that a replay, which has no host state, reads it back."""
        value = compute()
        if self.log is not None:
            self.log.append(value)
        return value

    def host_bytes(self, compute) -> bytes:
        """Bytes a host call gives the guest from host state (an input frame): logged as
        their length and then ceil(n/8) little-endian u64 words, like `read`."""
        data = compute()
        if self.log is not None:
            self.log.append(len(data))
            padded = data.ljust((len(data) + 7) & ~7, b"\0")
            self.log.extend(struct.unpack(f"<{len(padded) // 8}Q", padded))
        return data

    def write(self, addr: int, data: bytes) -> None:
        if data:
            off = self.writable_offset(addr, len(data))
            self.ram[off: off + len(data)] = data
