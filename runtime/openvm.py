"""The calls of OpenVM guests: its custom-0 instructions (runtime/encoding.py, extension
"openvm"), as openvm-org/openvm defines them in `extensions/rv32im/guest/src/lib.rs` and
`io.rs` (the encodings), `extensions/rv32im/transpiler/src/lib.rs` (what each becomes),
`extensions/rv32im/circuit/src/hintstore/execution.rs` and the phantom sub-executors of
`extensions/rv32im/circuit/src/extension` (the hint stream), and the keccak256 and sha256
extensions of OpenVM 1.x (`extensions/keccak256`, `extensions/sha256`: guest, transpiler,
executor).  The input is a list of vectors (the frames); HintInput moves the next one onto
the hint stream as a u32 LE length, the bytes and zero padding to 4, which HINT_STOREW and
HINT_BUFFER then copy to memory.  The public output is 32 bytes that REVEAL fills.
"""
from __future__ import annotations

import hashlib
import struct
from typing import Sequence

from runtime.calls import Call, Insn, Registry
from runtime.host import EcallError, GuestExit, HostIO
from runtime.memory import GuestMemory
from runtime.precompiles import keccak256, keccakf_bytes, sha256

PUBLIC_VALUES = 32                      # bytes of public output (REVEAL's address space 3)
MAX_HINT_BUFFER_WORDS = (1 << 18) - 1   # HINT_BUFFER's limit (MAX_HINT_BUFFER_BITS = 18)
RANDOM_SEED = b"zkaot openvm HintRandom"


def _u32(value: int) -> int:
    return value & 0xFFFF_FFFF


def _terminate(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int, ins) -> tuple[int, ...]:
    """The exit code is the immediate, which the transpiler takes as a byte."""
    if not 0 <= ins.imm <= 0xFF:
        raise EcallError(f"openvm: TERMINATE with exit code {ins.imm}: the transpiler takes a byte (0..255)")
    raise GuestExit(ins.imm)


def _hints(io: HostIO, n: int, what: str) -> bytes:
    """The next n bytes of the hint stream; too few is the executor's HintOutOfBounds."""
    if len(io.hint_stream) < n:
        raise EcallError(f"openvm: {what} of {n} bytes with {len(io.hint_stream)} left in the hint stream "
                         f"(HintOutOfBounds)")
    taken = bytes(io.hint_stream[:n])
    del io.hint_stream[:n]
    return taken


def _hint_storew(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int, ins) -> tuple[int, ...]:
    """The next 4 bytes of the hint stream to the address in rd."""
    memory.write(_u32(regs[ins.rd]), memory.host_bytes(lambda: _hints(io, 4, "HINT_STOREW")))
    return ()


def _hint_buffer(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int, ins) -> tuple[int, ...]:
    """The next 4 * rs1 bytes of the hint stream to the address in rd."""
    words = _u32(regs[ins.rs1])
    if words > MAX_HINT_BUFFER_WORDS:
        raise EcallError(f"openvm: HINT_BUFFER of {words} words: at most {MAX_HINT_BUFFER_WORDS}")
    if words:
        memory.write(_u32(regs[ins.rd]), memory.host_bytes(lambda: _hints(io, 4 * words, "HINT_BUFFER")))
    return ()


def _reveal(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int, ins) -> tuple[int, ...]:
    """rs1's word to byte [rd] + imm of the public values (a word store: 4-byte aligned)."""
    offset = _u32(regs[ins.rd] + ins.imm)
    if offset % 4 or offset + 4 > PUBLIC_VALUES:
        raise EcallError(f"openvm: REVEAL to public-value byte {offset}: the {PUBLIC_VALUES} bytes take "
                         f"aligned words")
    io.output[offset:offset + 4] = struct.pack("<I", _u32(regs[ins.rs1]))
    return ()


def _next_vector(io: HostIO) -> int:
    if not io.frames:
        raise EcallError("openvm: HintInput with the input exhausted (EndOfInputStream): give one --input "
                         "per input vector")
    vector = io.frames.popleft()
    io.hint_stream[:] = struct.pack("<I", len(vector)) + vector + bytes(-len(vector) % 4)
    return len(io.hint_stream)


def _hint_input(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int, ins) -> tuple[int, ...]:
    """The hint stream becomes the next input vector: its u32 LE length, its bytes, zeros to 4.
    Host state only: a replay reads what HINT_STOREW and HINT_BUFFER took from the load log."""
    memory.host_value(lambda: _next_vector(io))
    return ()


def _random_hints(io: HostIO, words: int, step: int) -> int:
    blocks = (4 * words + 31) // 32
    stream = b"".join(hashlib.sha256(RANDOM_SEED + struct.pack("<QQ", step, i)).digest() for i in range(blocks))
    io.hint_stream[:] = stream[:4 * words]
    return len(io.hint_stream)


def _hint_random(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int, ins) -> tuple[int, ...]:
    """The hint stream becomes rd's count of words of deterministic bytes: SHA-256 of a fixed
    seed, the step and a counter (the vendor's host draws them from its RNG)."""
    words = _u32(regs[ins.rd])
    if words > MAX_HINT_BUFFER_WORDS:
        raise EcallError(f"openvm: HintRandom of {words} words: at most {MAX_HINT_BUFFER_WORDS}")
    memory.host_value(lambda: _random_hints(io, words, step))
    return ()


def _print_str(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int, ins) -> tuple[int, ...]:
    """rs1 bytes at the address in rd to stdout; they must be UTF-8 (the executor's from_utf8)."""
    data = memory.read(_u32(regs[ins.rd]), _u32(regs[ins.rs1]))
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise EcallError("openvm: PrintStr of bytes that are not UTF-8") from None
    io.write_console(1, data, step)
    return ()


def _hint_load_by_key(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int,
                      ins) -> tuple[int, ...]:
    raise EcallError("openvm: PHANTOM HintLoadByKey is not implemented (zkaot has no key-value store)")




def _hash(function):
    def handler(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int, ins) -> tuple[int, ...]:
        """rd = the digest's address, rs1 = the message's, rs2 = its length in bytes."""
        message = memory.read(_u32(regs[ins.rs1]), _u32(regs[ins.rs2]))
        memory.write(_u32(regs[ins.rd]), function(message))
        return ()
    return handler


def _keccak(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int, ins) -> tuple[int, ...]:
    """OpenVM 1.x's KECCAK256 (rd = the digest's address, rs1 = the message's, rs2 = its
    length); with rs1 = rs2 = x0 it is the development branch's KECCAKF, keccak-f[1600] on
    the 200-byte state at rd (a 1.x guest would not name x0 for both)."""
    if ins.rs1 == 0 and ins.rs2 == 0:
        state = _u32(regs[ins.rd])
        memory.write(state, keccakf_bytes(memory.read(state, 200)))
        return ()
    return _hash(keccak256)(call, regs, memory, io, step, ins)


def _nop(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int, ins) -> tuple[int, ...]:
    """csrrw x0, csr, x0: the transpiler makes it a no-op (OpenVM has no CSRs)."""
    return ()


OPENVM = {32: Registry([
    Call("terminate", Insn("terminate"), _terminate),
    Call("hint_storew", Insn("hint_storew"), _hint_storew),
    Call("hint_buffer", Insn("hint_buffer"), _hint_buffer),
    Call("reveal", Insn("reveal"), _reveal),
    Call("hint_input", Insn("hint_input"), _hint_input),
    Call("print_str", Insn("print_str"), _print_str, reads_step=True),
    Call("hint_random", Insn("hint_random"), _hint_random, reads_step=True),
    Call("hint_load_by_key", Insn("hint_load_by_key"), _hint_load_by_key),
    Call("keccak256", Insn("keccak256"), _keccak),
    Call("sha256", Insn("sha256"), _hash(sha256)),
    Call("csrrw.zero", Insn("csrrw.zero"), _nop),
], vendor="openvm", public_output_size=PUBLIC_VALUES)}
