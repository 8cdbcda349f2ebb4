"""ZisK's curve, complex-field and modular-arithmetic precompiles, on zkaot's host math
(runtime/curves.py, the functions behind its own 0x820-0x82d calls).

Read from 0xPolygonHermez/zisk `ziskos/entrypoint/src/syscalls/` (syscall.rs for the ids,
secp256k1_add.rs, secp256k1_dbl.rs, bn254_*, bls12_381_*, secp256r1_*, arith256_mod.rs):
`csrs 0x800+id, rs1` with rd = x0, rs1 pointing at
- an add's parameter block: a pointer to p1 and one to p2 (u64 each); p1 = p1 + p2;
- a double's point itself: p = 2p;
- a complex (Fp2) operation's block: pointers to f1 and f2; f1 = f1 op f2;
- arith256_mod's block: pointers to a, b, c, module and d; d = (a * b + c) mod module.
Points are x then y and Fp2 elements c0 then c1, each coordinate little-endian u64 limbs (4,
or 6 for BLS12-381), 8-byte aligned.  ZisK leaves the point at infinity, p1 = +-p2 and a zero
module undefined (the guest's duty); zkaot answers as the curve law says, and a zero module
ends the run.
"""
from __future__ import annotations

import struct
from typing import Callable, Sequence

from runtime.calls import CSR_OPERAND, CSR_RD, Call, Csr
from runtime.curves import BLS12_381_FP2, BLS12_381_G1, BN254_FP2, BN254_G1, SECP256K1, SECP256R1, Curve, Fp2
from runtime.host import EcallError, HostIO
from runtime.memory import GuestMemory

CURVES = ((0x803, 0x804, SECP256K1), (0x806, 0x807, BN254_G1), (0x80C, 0x80D, BLS12_381_G1),
          (0x815, 0x816, SECP256R1))
COMPLEX = ((0x808, 0x809, 0x80A, BN254_FP2), (0x80E, 0x80F, 0x810, BLS12_381_FP2))
ARITH256_MOD = 0x802


def precompile_rd(call: Call, regs: Sequence[int]) -> None:
    """ZisK makes `csrs 0x800+id, rs1` a precompile only with rd = x0 (else a plain CSR)."""
    if regs[CSR_RD]:
        raise EcallError(f"zisk: {call.name} with rd = x{regs[CSR_RD]}: ZisK runs the precompile only for "
                         f"csrs with rd = x0 (it keeps other accesses as a plain CSR, which zkaot does not have)")


def _pointers(call: Call, memory: GuestMemory, block: int, count: int) -> tuple[int, ...]:
    """The u64 pointers of a parameter block, each 8-byte aligned."""
    if block % 8:
        raise EcallError(f"zisk: {call.name} parameter block at 0x{block:08x} is not 8-byte aligned")
    pointers = struct.unpack(f"<{count}Q", memory.read(block, 8 * count))
    for ptr in pointers:
        if ptr % 8:
            raise EcallError(f"zisk: {call.name} operand at 0x{ptr:08x} is not 8-byte aligned")
    return pointers


def _binary(size: int, compute: Callable[[bytes, bytes], bytes]):
    """x = compute(x, y), x and y behind the two pointers of the parameter block."""
    def handler(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int) -> tuple[int, ...]:
        precompile_rd(call, regs)
        x, y = _pointers(call, memory, regs[CSR_OPERAND], 2)
        memory.write(x, compute(memory.read(x, size), memory.read(y, size)))
        return ()
    return handler


def _double(curve: Curve):
    def handler(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int) -> tuple[int, ...]:
        """p = 2p, the point at the operand itself."""
        precompile_rd(call, regs)
        p = regs[CSR_OPERAND]
        if p % 8:
            raise EcallError(f"zisk: {call.name} point at 0x{p:08x} is not 8-byte aligned")
        memory.write(p, curve.double_bytes(memory.read(p, 2 * curve.size)))
        return ()
    return handler


def _fp2_sub(fp2: Fp2) -> Callable[[bytes, bytes], bytes]:
    def sub(x: bytes, y: bytes) -> bytes:
        (a0, a1), (b0, b1) = fp2.decode(x), fp2.decode(y)
        return fp2.encode(((a0 - b0) % fp2.p, (a1 - b1) % fp2.p))
    return sub


def _arith256_mod(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int) -> tuple[int, ...]:
    """d = (a * b + c) mod module, 256-bit little-endian operands."""
    precompile_rd(call, regs)
    a, b, c, module, d = (int.from_bytes(memory.read(ptr, 32), "little") if i < 4 else ptr
                          for i, ptr in enumerate(_pointers(call, memory, regs[CSR_OPERAND], 5)))
    if module == 0:
        raise EcallError("zisk: arith256_mod with module 0 (ZisK leaves it undefined)")
    memory.write(d, ((a * b + c) % module).to_bytes(32, "little"))
    return ()


def calls() -> list[Call]:
    out = [Call("arith256_mod", Csr(ARITH256_MOD, "set"), _arith256_mod)]
    for add, double, curve in CURVES:
        out += [Call(f"{curve.name}_add", Csr(add, "set"), _binary(2 * curve.size, curve.add_bytes)),
                Call(f"{curve.name}_dbl", Csr(double, "set"), _double(curve))]
    for add, sub, mul, fp2 in COMPLEX:
        out += [Call(f"{fp2.name}_add", Csr(add, "set"), _binary(2 * fp2.size, fp2.add_bytes)),
                Call(f"{fp2.name}_sub", Csr(sub, "set"), _binary(2 * fp2.size, _fp2_sub(fp2))),
                Call(f"{fp2.name}_mul", Csr(mul, "set"), _binary(2 * fp2.size, fp2.mul_bytes))]
    return out
