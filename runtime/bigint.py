"""Host implementations of the 256-bit modular arithmetic precompiles (runtime/calls.py:
uint256_mulmod, uint256_addmod), the building block of the guest SDK's curve code.

Operands are 32-byte little-endian integers (the same bytes as four LE u64 or eight LE
u32 limbs, so RV64 and RV32 guests share the layout).  Any 256-bit values are accepted:
operands need not be reduced, the result always is; a zero modulus means 2^256 (plain
wrapping arithmetic, as SP1's uint256_mul), so every input has a defined result.
"""
WIDTH = 32                    # bytes of one operand
MOD_2_256 = 1 << 256


def from_le(data: bytes) -> int:
    return int.from_bytes(data, "little")


def to_le(value: int, size: int = WIDTH) -> bytes:
    return value.to_bytes(size, "little")


def _modulus(m: bytes) -> int:
    """The modulus the bytes stand for (0 stands for 2^256)."""
    return from_le(m) or MOD_2_256


def mulmod_bytes(x: bytes, y: bytes, m: bytes) -> bytes:
    """x * y mod m on 32-byte little-endian operands."""
    return to_le(from_le(x) * from_le(y) % _modulus(m))


def addmod_bytes(x: bytes, y: bytes, m: bytes) -> bytes:
    """(x + y) mod m on 32-byte little-endian operands."""
    return to_le((from_le(x) + from_le(y)) % _modulus(m))
