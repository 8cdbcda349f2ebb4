"""The calls of RISC Zero's user-level guests (risc0/risc0 `risc0/zkvm/platform/src/syscall.rs`),
as the v1 executor and the v1compat kernel (`risc0/zkos/v1compat/src/kernel.s`, `main.rs`) with
the host's handlers (`risc0/zkvm/src/host/server/exec/syscall/`) define them: an `ecall` with
the kind in t0.  HALT (0) ends the run, INPUT (1) reads a word of the input digest, SHA (3)
compresses blocks, and SOFTWARE (2) is a host call chosen by the NUL-terminated *name* at a2,
as the host looks it up (t6 holds the kernel's number for it since v1compat; older guests do
not set it, so zkaot goes by the name).  A SOFTWARE call hands a0 = the host-to-guest buffer
and a1 its length to the host, which returns a0 and a1.
"""
from __future__ import annotations

import hashlib
import struct
from typing import Sequence

from runtime.calls import A0, A1, A2, Call, Ecall, Registry
from runtime.host import EcallError, GuestExit, HostIO
from runtime.isa import REGISTER_NUMBERS
from runtime.memory import GuestMemory
from runtime.precompiles import sha256_compress

T0, A3, A4, A5 = (REGISTER_NUMBERS[name] for name in ("t0", "a3", "a4", "a5"))

HALT, INPUT, SOFTWARE, SHA = 0, 1, 2, 3
TERMINATE, PAUSE = 0, 1             # halt types, in a0's low byte; the user exit code is a0 >> 8
DIGEST_WORDS = 8
FD_STDIN, FD_STDOUT, FD_STDERR, FD_JOURNAL = 0, 1, 2, 3
NAME_PREFIX = "risc0_zkvm_platform::syscall::nr::"
MAX_NAME = 256                      # a longer name is not one (the names are ~45 bytes)
NOT_SET = 0xFFFF_FFFF               # SYS_GETENV's answer for a variable that is not set
RANDOM_SEED = b"zkaot risc0 SYS_RANDOM"


def _u32(value: int) -> int:
    return value & 0xFFFF_FFFF


def _halt(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int) -> tuple[int, ...]:
    """a0 = halt type | user exit << 8; TERMINATE ends the run with the user exit code.  PAUSE
    stops the vendor's session for the host to resume, which zkaot does not do."""
    kind, code = regs[A0] & 0xFF, (regs[A0] >> 8) & 0xFF
    if kind == TERMINATE:
        raise GuestExit(code)
    if kind == PAUSE:
        raise EcallError(f"risc0: HALT with PAUSE (exit code {code}): zkaot does not resume paused sessions")
    raise EcallError(f"risc0: HALT of type {kind}: only TERMINATE (0) and PAUSE (1) exist")


def _input(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int) -> tuple[int, ...]:
    """A word of the input digest, which is zero: zkaot's runs have none (the vendor's default)."""
    if _u32(regs[A0]) >= DIGEST_WORDS:
        raise EcallError(f"risc0: INPUT of word {_u32(regs[A0])}: the input digest has {DIGEST_WORDS} words")
    return (0,)


def _sha(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int) -> tuple[int, ...]:
    """a0 = out state, a1 = in state (8 words in the digest's big-endian byte order), a2 and
    a3 the two 32-byte halves of the first block, a4 the number of blocks: contiguous blocks
    from a2 when a3 = a2 + 32, else the one block a2 || a3 (what the v1compat kernel does)."""
    out, state_at, half1, half2, count = (_u32(regs[r]) for r in (A0, A1, A2, A3, A4))
    for what, addr in (("out state", out), ("in state", state_at), ("block", half1), ("block", half2)):
        if addr % 4:
            raise EcallError(f"risc0: SHA {what} pointer 0x{addr:08x} is not 4-byte aligned")
    state = list(struct.unpack(">8I", memory.read(state_at, 32)))
    if count and half2 == half1 + 32:
        data = memory.read(half1, 64 * count)
    elif count == 1:
        data = memory.read(half1, 32) + memory.read(half2, 32)
    elif count:
        raise EcallError(f"risc0: SHA of {count} blocks whose halves are apart (0x{half1:08x}, 0x{half2:08x}): "
                         f"only one block may be given in two halves")
    else:
        data = b""
    for offset in range(0, len(data), 64):
        state = sha256_compress(state, data[offset:offset + 64])
    memory.write(out, struct.pack(">8I", *state))
    return ()


def _name(memory: GuestMemory, addr: int) -> str:
    """The NUL-terminated name at `addr`, read in pieces that end at 64-byte boundaries so that
    a read never reaches a page the name does not touch."""
    name = b""
    while len(name) < MAX_NAME:
        piece = memory.read(addr + len(name), 64 - (addr + len(name)) % 64)
        end = piece.find(b"\0")
        if end >= 0:
            try:
                return (name + piece[:end]).decode("utf-8")
            except UnicodeDecodeError:
                raise EcallError(f"risc0: SOFTWARE call name at 0x{addr:08x} is not UTF-8") from None
        name += piece
    raise EcallError(f"risc0: SOFTWARE call name at 0x{addr:08x} has no NUL in {MAX_NAME} bytes")


def _take_stdin(io: HostIO, n: int) -> bytes:
    """Up to n bytes of stdin, the frames read as one stream."""
    taken = bytearray()
    while io.frames and len(taken) < n:
        frame = io.frames.popleft()
        want = n - len(taken)
        taken += frame[:want]
        if len(frame) > want:
            io.frames.appendleft(frame[want:])
    return bytes(taken)


def _sys_read(regs, memory: GuestMemory, io: HostIO, step: int) -> tuple[int, int]:
    """a3 = fd (0: stdin), a4 = the bytes wanted.  Two protocols, told apart by a1: the v1
    one (a1 = words at a0, a1 * 4 <= a4) fills those words and returns the next 0-3 bytes
    in a1 when they complete the read; the v1compat one (a1 = a4 bytes) reads all of them
    to a0.  a0 = the bytes read (fewer at the end of the input)."""
    ptr, size, fd, nbytes = _u32(regs[A0]), _u32(regs[A1]), _u32(regs[A3]), _u32(regs[A4])
    if fd != FD_STDIN:
        raise EcallError(f"risc0: SYS_READ of fd {fd}: only stdin (0) can be read")
    if size * 4 <= nbytes:                                  # v1: a word buffer, the tail in a1
        if size and ptr % 4:
            raise EcallError(f"risc0: SYS_READ of {size} words to 0x{ptr:08x}, which is not 4-byte aligned")
        main = memory.host_bytes(lambda: _take_stdin(io, 4 * size))
        memory.write(ptr, main.ljust(4 * size, b"\0"))
        tail = b""
        if nbytes - len(main) <= 4:
            tail = memory.host_bytes(lambda: _take_stdin(io, nbytes - len(main)))
        return len(main) + len(tail), int.from_bytes(tail.ljust(4, b"\0"), "little")
    if size != nbytes:
        raise EcallError(f"risc0: SYS_READ with a1 = {size} and a4 = {nbytes}: a1 is either the words of "
                         f"the buffer (at most a4 / 4) or the bytes (a4)")
    data = memory.host_bytes(lambda: _take_stdin(io, nbytes))      # v1compat: bytes, anywhere
    memory.write(ptr, data)
    return len(data), size


def _console(fd: int, data: bytes, io: HostIO, step: int) -> None:
    io.write_console(fd, data, step)


def _sys_write(regs, memory: GuestMemory, io: HostIO, step: int) -> tuple[int, int]:
    """a3 = fd, a4 = buffer, a5 = length: 1 and 2 console, 3 the journal (the public output)."""
    _no_buffer(regs, "SYS_WRITE")
    fd = _u32(regs[A3])
    data = memory.read(_u32(regs[A4]), _u32(regs[A5]))
    if fd in (FD_STDOUT, FD_STDERR):
        _console(fd, data, io, step)
    elif fd == FD_JOURNAL:
        io.output += data
    else:
        raise EcallError(f"risc0: SYS_WRITE to fd {fd}: only 1 and 2 (console) and 3 (journal) exist")
    return 0, 0


def _no_buffer(regs, name: str) -> None:
    if _u32(regs[A1]):
        raise EcallError(f"risc0: {name} with a host-to-guest buffer of {_u32(regs[A1])} words: it takes none")


def _sys_random(regs, memory: GuestMemory, io: HostIO, step: int) -> tuple[int, int]:
    """a1 words at a0 of deterministic bytes: SHA-256 of a fixed seed, the step and a counter,
    so a run is reproducible and two calls differ (the vendor's host uses the OS's randomness)."""
    ptr, words = _u32(regs[A0]), _u32(regs[A1])
    if words and ptr % 4:
        raise EcallError(f"risc0: SYS_RANDOM to 0x{ptr:08x}, which is not 4-byte aligned")

    def generate() -> bytes:
        blocks = (4 * words + 31) // 32
        stream = b"".join(hashlib.sha256(RANDOM_SEED + struct.pack("<QQ", step, i)).digest() for i in range(blocks))
        return stream[:4 * words]
    memory.write(ptr, memory.host_bytes(generate))
    return 0, 0


def _sys_getenv(regs, memory: GuestMemory, io: HostIO, step: int) -> tuple[int, int]:
    """a3/a4 the variable's name: zkaot gives the guest no environment, so none is set."""
    memory.read(_u32(regs[A3]), _u32(regs[A4]))
    return NOT_SET, 0


def _sys_argc(regs, memory: GuestMemory, io: HostIO, step: int) -> tuple[int, int]:
    """No arguments: zkaot passes the guest none."""
    return 0, 0


def _sys_argv(regs, memory: GuestMemory, io: HostIO, step: int) -> tuple[int, int]:
    raise EcallError(f"risc0: SYS_ARGV of argument {_u32(regs[A3])}, and the guest has no arguments")


def _sys_log(regs, memory: GuestMemory, io: HostIO, step: int) -> tuple[int, int]:
    """a3/a4 a message, printed on stdout as the host does (`R0VM[cycle] message`; here the
    cycle is zkaot's step)."""
    _no_buffer(regs, "SYS_LOG")
    message = memory.read(_u32(regs[A3]), _u32(regs[A4]))
    _console(FD_STDOUT, f"R0VM[{step}] ".encode() + message + b"\n", io, step)
    return 0, 0


def _sys_panic(regs, memory: GuestMemory, io: HostIO, step: int) -> tuple[int, int]:
    message = memory.read(_u32(regs[A3]), _u32(regs[A4])).decode("utf-8", "replace")
    raise EcallError(f"risc0: the guest panicked: {' '.join(message.split())}")


def _sys_cycle_count(regs, memory: GuestMemory, io: HostIO, step: int) -> tuple[int, int]:
    """a0 = the count's high word, a1 its low word: zkaot's count, the user instructions
    retired before this call (the vendor's counts its kernel too)."""
    return step >> 32, step & 0xFFFF_FFFF


SOFTWARE_CALLS = {NAME_PREFIX + name: handler for name, handler in (
    ("SYS_READ", _sys_read), ("SYS_WRITE", _sys_write), ("SYS_RANDOM", _sys_random),
    ("SYS_GETENV", _sys_getenv), ("SYS_ARGC", _sys_argc), ("SYS_ARGV", _sys_argv), ("SYS_LOG", _sys_log),
    ("SYS_PANIC", _sys_panic), ("SYS_CYCLE_COUNT", _sys_cycle_count))}


def _software(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int) -> tuple[int, ...]:
    """The host call named at a2; its two results go to a0 and a1."""
    name = _name(memory, _u32(regs[A2]))
    handler = SOFTWARE_CALLS.get(name)
    if handler is None:
        raise EcallError(f"risc0: SOFTWARE call {name} is not implemented "
                         f"(docs/profiles.md lists the risc0 calls zkaot has)")
    return handler(regs, memory, io, step)


RISC0 = {32: Registry([
    Call("halt", Ecall(T0, HALT), _halt, reads=(A0, A1)),
    Call("input", Ecall(T0, INPUT), _input, reads=(A0,), writes=(A0,)),
    Call("software", Ecall(T0, SOFTWARE), _software, reads=(A0, A1, A2, A3, A4, A5), writes=(A0, A1),
         reads_step=True),
    Call("sha", Ecall(T0, SHA), _sha, reads=(A0, A1, A2, A3, A4)),
], vendor="risc0")}
