"""The calls of SP1 (v4 and v5 on rv32, v6 on rv64; before v4 on rv32) and of Pico, its
derivative, as their executors define them: an `ecall` with the call id in t0, arguments in a0 and a1 (a2 for
WRITE), and t0 left as it was unless the call returns a value (HINT_LEN).  On rv64 memory
is made of 8-byte slots: HINT_READ pads to 8 and wants 8-byte alignment, and the SHA calls
keep each u32 word in the low half of a u64 slot.

Read from succinctlabs/sp1 `crates/core/executor/src/syscalls/` (halt.rs, write.rs,
hint.rs, commit.rs, precompiles/sha256/, precompiles/keccak256/) and
brevis-network/pico `vm/src/emulator/riscv/syscalls/` (hint.rs, write.rs, code.rs).
Where their executors panic, the run faults with the reason on one line.
"""
from __future__ import annotations

import struct
from typing import Sequence

from runtime.bigint import mulmod_bytes
from runtime.calls import A0, A1, A2, PRECOMPILE, Call, Ecall, Registry, Span, precompile
from runtime.curves import BLS12_381_G1, BN254_G1, SECP256K1, SECP256R1
from runtime.host import EcallError, GuestExit, HostIO
from runtime.isa import REGISTER_NUMBERS
from runtime.memory import GuestMemory
from runtime.precompiles import keccakf_bytes, sha256_extend, sha256_rounds

T0 = REGISTER_NUMBERS["t0"]

HALT, WRITE, COMMIT, COMMIT_DEFERRED_PROOFS = 0x00, 0x02, 0x10, 0x1A
HINT_LEN, HINT_READ = 0xF0, 0xF1
SHA_EXTEND, SHA_COMPRESS, KECCAK_PERMUTE = 0x00_30_01_05, 0x00_01_01_06, 0x00_01_01_09
# (add, double) of each short Weierstrass curve, and UINT256_MUL (SP1's syscalls/mod.rs, Pico's
# syscalls/code.rs): the same host math as zkaot's own curve calls (runtime/curves.py).  Pico's
# 0x2C is SECP256K1_FP_ADD: its secp256r1 calls are 0x30 and 0x31; SP1 before v4 has none.
CURVE_CALLS = ((0x00_01_01_0A, 0x00_00_01_0B, SECP256K1), (0x00_01_01_0E, 0x00_00_01_0F, BN254_G1),
               (0x00_01_01_1E, 0x00_00_01_1F, BLS12_381_G1))
SP1_SECP256R1, PICO_SECP256R1 = (0x00_01_01_2C, 0x00_00_01_2D, SECP256R1), (0x00_01_01_30, 0x00_00_01_31, SECP256R1)
UINT256_MUL = 0x00_01_01_1D

# SP1 >= v4 (sp1-primitives consts.rs): named descriptors are offset by LOWEST_ALLOWED_FD,
# and the descriptors up to it (other than the console) are reserved.
LOWEST_ALLOWED_FD = 10
SP1_FD_PUBLIC_VALUES, SP1_FD_HINT = 3 + LOWEST_ALLOWED_FD, 4 + LOWEST_ALLOWED_FD
SP1_HOOK_FDS = range(5 + LOWEST_ALLOWED_FD, 12 + LOWEST_ALLOWED_FD)    # host hooks (ecrecover, ...)
PICO_FD_PUBLIC_VALUES, PICO_FD_HINT = 3, 4      # and SP1's before v4
SP1_V3_HOOK_FDS = range(5, 10)
NO_FRAME = 0xFFFF_FFFF          # SP1 >= v4's HINT_LEN when the input is exhausted (u32::MAX)
DIGEST_WORDS = 8                # COMMIT and COMMIT_DEFERRED_PROOFS index 8 words


def _halt(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int) -> tuple[int, ...]:
    """The exit code is a0 as an unsigned 32-bit value (the guest passes a u8)."""
    raise GuestExit(regs[A0] & 0xFFFF_FFFF)


def _console(fd: int, data: bytes, io: HostIO, step: int, vendor: str) -> None:
    """Both executors unwrap the console bytes as UTF-8 (a panic when they are not)."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise EcallError(f"{vendor}: write to fd {fd} of bytes that are not UTF-8 "
                         f"(the {vendor} executor panics)") from None
    io.write_console(fd, data, step)


def _sp1_write(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int) -> tuple[int, ...]:
    """fd 1/2 console, 13 public values, 14 a frame put first in the input; the other
    descriptors up to 10 are reserved (a panic), the hook descriptors are host computations
    zkaot does not have, and any other descriptor is ignored, as SP1 ignores it (with a warning)."""
    (buffer,) = call.memory_reads
    data = buffer.read(regs, memory)
    fd = regs[A0] & 0xFFFF_FFFF
    if fd in (1, 2):
        _console(fd, data, io, step, "sp1")
    elif fd <= LOWEST_ALLOWED_FD:
        raise EcallError(f"sp1: write to reserved fd {fd} (SP1 >= v4 writes public values to fd "
                         f"{SP1_FD_PUBLIC_VALUES}; a guest of an older SP1 runs with --profile sp1-v3)")
    elif fd == SP1_FD_PUBLIC_VALUES:
        io.output += data
    elif fd == SP1_FD_HINT:
        io.frames.appendleft(data)
    elif fd in SP1_HOOK_FDS:
        raise EcallError(f"sp1: write to hook fd {fd} is not implemented (a host hook such as ecrecover)")
    return ()


def _pico_write(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int,
                vendor: str = "pico") -> tuple[int, ...]:
    """fd 1/2 console, 3 public values, 4 a frame added at the end of the input; other
    descriptors are ignored (Pico warns)."""
    (buffer,) = call.memory_reads
    data = buffer.read(regs, memory)
    fd = regs[A0] & 0xFFFF_FFFF
    if fd in (1, 2):
        _console(fd, data, io, step, vendor)
    elif fd == PICO_FD_PUBLIC_VALUES:
        io.output += data
    elif fd == PICO_FD_HINT:
        io.frames.append(data)
    return ()


def _sp1_v3_write(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int) -> tuple[int, ...]:
    """SP1 before v4, as Pico: fd 1/2 console, 3 public values, 4 a frame added at the end of
    the input; 5-9 are host hooks (ecrecover, ...) zkaot does not have; others are ignored."""
    fd = regs[A0] & 0xFFFF_FFFF
    if fd in SP1_V3_HOOK_FDS:
        raise EcallError(f"sp1: write to hook fd {fd} is not implemented (a host hook such as ecrecover)")
    return _pico_write(call, regs, memory, io, step, "sp1")


def _commit(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int) -> tuple[int, ...]:
    """One word of the public values digest (or of the deferred proofs digest); only the
    index is checked: the executors store the word for the prover, which zkaot has not."""
    index = regs[A0] & 0xFFFF_FFFF
    if index >= DIGEST_WORDS:
        raise EcallError(f"{call.name} of word {index}: the digest has {DIGEST_WORDS} words")
    return ()


def _next_frame(io: HostIO, vendor: str) -> bytes:
    if not io.frames:
        raise EcallError(f"{vendor}: the input is exhausted: no frame left to read "
                         f"(give one --input per frame)")
    return io.frames.popleft()


def _sp1_hint_len(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int) -> tuple[int, ...]:
    """The length of the next frame, u32::MAX when none is left (SP1 >= v4)."""
    return (memory.host_value(lambda: len(io.frames[0]) if io.frames else NO_FRAME),)


def _exhausting_hint_len(vendor: str):
    def hint_len(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int) -> tuple[int, ...]:
        """The length of the next frame; none left is an error (Pico and SP1 before v4 panic)."""
        def length() -> int:
            if not io.frames:
                raise EcallError(f"{vendor}: HINT_LEN with the input exhausted (give one --input per frame)")
            return len(io.frames[0])
        return (memory.host_value(length),)
    return hint_len


def _hint_read(vendor: str, slot: int):
    def hint_read(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int) -> tuple[int, ...]:
        """Copy the next frame, which must be exactly a1 bytes, to a0 (slot-aligned), zero
        padding its last slot as the executors do.  Checked in the executors' order: a frame
        left, its length, the alignment."""
        frame = memory.host_bytes(lambda: _next_frame(io, vendor))
        ptr, length = regs[A0], regs[A1]
        if len(frame) != length:
            raise EcallError(f"{vendor}: HINT_READ of {length} bytes, but the next frame has {len(frame)}")
        if ptr % slot:
            raise EcallError(f"{vendor}: HINT_READ to 0x{ptr:08x}, which is not {slot}-byte aligned")
        memory.write(ptr, frame.ljust(-(-length // slot) * slot, b"\0"))
        return ()
    return hint_read


_SLOT = {4: "I", 8: "Q"}


def _words(data: bytes, slot: int) -> list[int]:
    """u32 words, one per slot (the low half of a u64 slot on rv64)."""
    return [w & 0xFFFF_FFFF for w in struct.unpack(f"<{len(data) // slot}{_SLOT[slot]}", data)]


def _slots(words: list[int], slot: int) -> bytes:
    return struct.pack(f"<{len(words)}{_SLOT[slot]}", *words)


def _zero_a1(call: Call, regs: Sequence[int]) -> None:
    if regs[A1]:
        raise EcallError(f"{call.name} with a1 = 0x{regs[A1]:x}: it must be 0")


def _sha_extend(slot: int):
    def sha_extend(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int) -> tuple[int, ...]:
        """w[16..64] from w[0..16], 64 words at a0, in place (a1 must be 0).  Its
        PRECOMPILE_ROW holds the 16 words read and the 48 written (on rv64 the slots' low
        halves: the high halves it reads are ignored, the ones it writes are zero)."""
        _zero_a1(call, regs)
        (schedule,) = call.memory_reads
        ptr = schedule.address(regs)
        head = _words(memory.read(ptr, 16 * slot), slot)
        tail = sha256_extend(head)[16:]
        memory.write(ptr + 16 * slot, _slots(tail, slot))
        if io.on_precompile:
            io.on_precompile(call.selector.number, regs[A0], regs[A1], _slots(head, 4), _slots(tail, 4))
        return ()
    return sha_extend


def _sha_compress(slot: int):
    def sha_compress(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int) -> tuple[int, ...]:
        """The rounds over the 64 schedule words at a0 (as they are: SHA_EXTEND made them),
        added into the 8 state words at a1.  Its PRECOMPILE_ROW holds the words read (the
        schedule, then the state) and written."""
        w_span, h_span = call.memory_reads
        if regs[A0] == regs[A1]:
            raise EcallError(f"{call.name} with the schedule and the state both at 0x{regs[A0]:08x}")
        h_ptr = h_span.address(regs)
        w = _words(w_span.read(regs, memory), slot)
        state = _words(h_span.read(regs, memory), slot)
        out = sha256_rounds(state, w)
        memory.write(h_ptr, _slots(out, slot))
        if io.on_precompile:
            io.on_precompile(call.selector.number, regs[A0], regs[A1], _slots(w + state, 4), _slots(out, 4))
        return ()
    return sha_compress


def _keccak_permute(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int) -> tuple[int, ...]:
    """keccak-f[1600] in place on 25 little-endian u64 lanes at a0 (a1 must be 0; 4-byte
    aligned on rv32, 8 on rv64)."""
    _zero_a1(call, regs)
    (state,) = call.memory_reads
    ptr = state.address(regs)
    before = memory.read(ptr, 200)
    after = keccakf_bytes(before)
    memory.write(ptr, after)
    if io.on_precompile:
        io.on_precompile(call.selector.number, regs[A0], regs[A1], before, after)
    return ()


def _curve_and_bigint_calls(slot: int, curves) -> list[Call]:
    """p = p + q and p = 2p on little-endian affine points at a0 (and a1), and x = x * y mod m with
    y and then m (0: 2^256) at a1, as SP1's executor computes them (precompiles/weierstrass/,
    uint256.rs); its words are u32 on rv32 and u64 on rv64, the same little-endian bytes."""
    calls = []
    for add, double, curve in curves:
        point = 2 * curve.size
        p, q = Span(A0, f"{curve.name} point p", size=point, align=slot), Span(A1, f"{curve.name} point q",
                                                                               size=point, align=slot)
        calls += [precompile(f"{curve.name}_add", add, curve.add_bytes, (p, q), (p,), None, T0),
                  precompile(f"{curve.name}_double", double, curve.double_bytes, (p,), (p,), None, T0)]
    x, y_and_m = Span(A0, "uint256 x", size=32, align=slot), Span(A1, "uint256 y and modulus", size=64, align=slot)
    calls.append(precompile("uint256_mul", UINT256_MUL, lambda a, b: mulmod_bytes(a, b[:32], b[32:]),
                            (x, y_and_m), (x,), None, T0))
    return calls


def _calls(write, hint_len, vendor: str, slot: int, curves=CURVE_CALLS) -> Registry:
    def ecall(number: int) -> Ecall:
        return Ecall(T0, number)
    schedule = Span(A0, "sha schedule", size=64 * slot, align=slot)
    state = Span(A1, "sha state", size=8 * slot, align=slot)
    keccak = Span(A0, "keccak state", size=200, align=slot)
    return Registry([
        Call("halt", ecall(HALT), _halt, reads=(A0,)),
        Call("write", ecall(WRITE), write, reads=(A0, A1, A2),
             memory_reads=(Span(A1, "write buffer", size_reg=A2),), reads_step=True),
        Call("commit", ecall(COMMIT), _commit, reads=(A0, A1)),
        Call("commit_deferred_proofs", ecall(COMMIT_DEFERRED_PROOFS), _commit, reads=(A0, A1)),
        Call("hint_len", ecall(HINT_LEN), hint_len, writes=(T0,)),
        Call("hint_read", ecall(HINT_READ), _hint_read(vendor, slot), reads=(A0, A1),
             memory_writes=(Span(A0, "hint buffer", size_reg=A1, align=slot),)),
        Call("sha_extend", ecall(SHA_EXTEND), _sha_extend(slot), reads=(A0, A1),
             memory_reads=(Span(A0, "sha schedule", size=16 * slot, align=slot),),
             memory_writes=(schedule,), record=PRECOMPILE),
        Call("sha_compress", ecall(SHA_COMPRESS), _sha_compress(slot), reads=(A0, A1),
             memory_reads=(schedule, state), memory_writes=(state,), record=PRECOMPILE),
        Call("keccak_permute", ecall(KECCAK_PERMUTE), _keccak_permute, reads=(A0, A1),
             memory_reads=(keccak,), memory_writes=(keccak,), record=PRECOMPILE),
        *_curve_and_bigint_calls(slot, curves),
    ], vendor=vendor)


# by xlen: SP1 v4/v5 and the rv32 Pico, SP1 v6 and the rv64 Pico
SP1 = {xlen: _calls(_sp1_write, _sp1_hint_len, "sp1", slot, (*CURVE_CALLS, SP1_SECP256R1))
       for xlen, slot in ((32, 4), (64, 8))}
PICO = {xlen: _calls(_pico_write, _exhausting_hint_len("pico"), "pico", slot, (*CURVE_CALLS, PICO_SECP256R1))
        for xlen, slot in ((32, 4), (64, 8))}
SP1_V3 = {32: _calls(_sp1_v3_write, _exhausting_hint_len("sp1"), "sp1", 4)}
