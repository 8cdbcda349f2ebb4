"""A deterministic Linux process for static linux/riscv64 programs: the `linux` profile's
start (the initial stack with argc, argv, envp and the auxiliary vector) and its system calls.

This is the basic tier of eth-act's Linux ABI for zkVMs (riscv-compilation
`linux-syscalls/REPORT.md`): brk and anonymous mmap over a sparse address space, read from
stdin (the input frames, concatenated) and from files given on the command line, write,
exit_group, and the calls a libc makes while it starts (set_tid_address, ioctl, ...).
Everything a real kernel would take from the world is fixed or derived from the input: the
clock counts steps, getrandom and AT_RANDOM are a hash of the input, the pid is 1.
Threads and the scheduler are the advanced tier (runtime/linux_threads.py); signals are
recorded and never delivered.  A call zkaot does not have ends the run with one line naming
it.  Every value a call takes from this process state goes through
`memory.host_value`/`host_bytes`, so that a replay of the minimal trace (which has no
process state) reads it back from the load log.
"""
from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass, field
from typing import Mapping

from runtime.calls import A0, A1, A2, A7, Call, Ecall, Registry, Span
from runtime.counters import COUNTERS, unknown_csr
from runtime.host import EcallError, GuestExit, HostIO
from runtime.isa import REGISTER_NUMBERS
from runtime import linux_threads as threads
from runtime.linux_threads import QUANTUM, SIGNALS, clock, tick
from runtime import linux_poll as poll
from runtime.linux_poll import Poll, wake_watchers
from runtime.scheduler import Scheduler
from runtime.memory import GuestMemory
from runtime.memory_map import MemoryMap
from runtime import softfp

A3, A4, A5, SP = (REGISTER_NUMBERS[name] for name in ("a3", "a4", "a5", "sp"))

PAGE = 4096
ADDRESS_SPACE = 1 << 40              # a sparse window: pages cost host memory only when touched
STACK_TOP = 0x3F_FFFF_F000           # as below qemu-user's; the stack grows down from here
MMAP_BASE = 0x20_0000_0000           # anonymous mappings are handed out upwards from here
MMAP_END = 0x3F_0000_0000            # ... up to 4 GiB below the stack top
LINUX_MAP = MemoryMap(ram_base=PAGE, ram_size=ADDRESS_SPACE - PAGE, stack_size=None, input_base=None)

# errno values (asm-generic/errno-base.h), returned negated as the kernel does
ENOENT, EBADF, EAGAIN, ENOMEM, EFAULT, EINVAL, ESPIPE, ENOTTY, ENOSYS, EROFS = 2, 9, 11, 12, 14, 22, 29, 25, 38, 30

# auxiliary vector keys (linux/auxvec.h)
AT_NULL, AT_PHDR, AT_PHENT, AT_PHNUM, AT_PAGESZ, AT_BASE, AT_FLAGS, AT_ENTRY = 0, 3, 4, 5, 6, 7, 8, 9
AT_UID, AT_EUID, AT_GID, AT_EGID, AT_HWCAP, AT_CLKTCK, AT_SECURE, AT_RANDOM = 11, 12, 13, 14, 16, 17, 23, 25
HWCAP_RV64IMAFDC = sum(1 << (ord(c) - ord("a")) for c in "imafdc")    # the extensions zkaot runs (F, D: lowered)

STEPS_PER_SECOND = 1_000_000_000     # the clock: one step is one nanosecond


@dataclass
class OpenFile:
    data: bytes
    position: int = 0
    name: str = ""


@dataclass
class Process:
    """The state a kernel would keep for the process; lives in HostIO.process for one run."""
    files: Mapping[str, bytes]               # what openat can open, by path
    stdin: OpenFile
    seed: bytes                              # getrandom's and AT_RANDOM's source: a hash of the input
    brk_start: int
    brk: int
    mmap_next: int = MMAP_BASE
    fds: dict[int, OpenFile] = field(default_factory=dict)
    random_counter: int = 0
    sigactions: dict[int, bytes] = field(default_factory=dict)    # rt_sigaction's record, by signal
    scheduler: Scheduler = field(default_factory=Scheduler)     # its threads and the virtual clock
    poll: Poll = field(default_factory=Poll)                     # epoll instances, pipes, eventfds

    def new_fd(self) -> int:
        """The next descriptor: one above every open one (never below 3)."""
        return max((2, *self.fds, *self.poll.descriptors())) + 1

    def random_bytes(self, n: int) -> bytes:
        out = bytearray()
        while len(out) < n:
            out += hashlib.sha256(self.seed + self.random_counter.to_bytes(8, "little")).digest()
            self.random_counter += 1
        return bytes(out[:n])


@dataclass(frozen=True)
class LinuxOptions:
    """What `zkaot run --profile linux` takes besides the input: argv (argv[0] included),
    environment strings `K=V`, files by the path the program opens them with, and the seed of
    its (not random) randomness."""
    argv: tuple[bytes, ...] = ()
    env: tuple[bytes, ...] = ()
    files: tuple[tuple[str, bytes], ...] = ()
    seed: bytes | None = None       # what getrandom and AT_RANDOM derive from (None: the input)


# ---- the initial stack ---------------------------------------------------------------
def program_headers(program) -> tuple[int, int, int]:
    """(address, entry size, count) of the program headers as loaded, for AT_PHDR: static
    linkers put the ELF header at the start of the first PT_LOAD segment, and libc reads its
    PT_TLS from there.  (0, 64, 0) when no segment holds the header."""
    for seg in program.segments:
        head = seg.data[:64]
        if head[:4] == b"\x7fELF" and len(head) == 64:
            phoff, = struct.unpack_from("<Q", head, 0x20)
            phentsize, phnum = struct.unpack_from("<HH", head, 0x36)
            return seg.vaddr + phoff, phentsize, phnum
    return 0, 64, 0


def initial_stack(program, options: LinuxOptions, random16: bytes, top: int = STACK_TOP) -> tuple[int, bytes]:
    """(sp, the bytes from sp up to `top`) of a new process, as Linux lays them out:
    argc, argv pointers and NULL, envp pointers and NULL, the auxiliary vector, then the
    strings and AT_RANDOM's 16 bytes; sp 16-byte aligned."""
    argv = options.argv or (program.name.encode(),)
    strings = bytearray()
    offsets = []
    for s in (*argv, *options.env):
        offsets.append(len(strings))
        strings += s + b"\0"
    random_at = len(strings)
    strings += random16
    strings_size = -(-len(strings) // 16) * 16
    phdr, phent, phnum = program_headers(program)
    auxv = [(AT_PHDR, phdr), (AT_PHENT, phent), (AT_PHNUM, phnum), (AT_PAGESZ, PAGE), (AT_BASE, 0),
            (AT_FLAGS, 0), (AT_ENTRY, program.entry), (AT_UID, 0), (AT_EUID, 0), (AT_GID, 0),
            (AT_EGID, 0), (AT_HWCAP, HWCAP_RV64IMAFDC), (AT_CLKTCK, 100), (AT_SECURE, 0),
            (AT_RANDOM, None), (AT_NULL, 0)]
    words = 1 + len(argv) + 1 + len(options.env) + 1 + 2 * len(auxv)
    table_size = -(-8 * words // 16) * 16
    sp = top - strings_size - table_size
    strings_at = sp + table_size
    pointers = [strings_at + o for o in offsets]
    table = [len(argv), *pointers[:len(argv)], 0, *pointers[len(argv):], 0]
    for key, value in auxv:
        table += [key, strings_at + random_at if key == AT_RANDOM else value]
    packed = struct.pack(f"<{len(table)}Q", *table).ljust(table_size, b"\0")
    return sp, packed + bytes(strings).ljust(strings_size, b"\0")


def _page_up(addr: int) -> int:
    return -(-addr // PAGE) * PAGE


def start(options: LinuxOptions):
    """The profile's start for one run: lays out the stack, makes the Process from the input
    frames (stdin is their concatenation), returns sp."""
    def start_process(program, memory: GuestMemory, io: HostIO) -> dict[int, int]:
        stdin = b"".join(io.frames)
        io.frames.clear()
        seed = hashlib.sha256(b"zkaot linux random\0" + (stdin if options.seed is None else options.seed)).digest()
        image_end = max(s.end for s in program.segments)
        process = Process(files=dict(options.files), stdin=OpenFile(stdin, name="stdin"), seed=seed,
                          brk_start=_page_up(image_end), brk=_page_up(image_end))
        top = min(STACK_TOP, memory.map.ram_end)          # a smaller map (the tests') ends lower
        sp, stack = initial_stack(program, options, process.random_bytes(16), top)
        memory.write(sp, stack)
        io.process = process
        return {SP: sp}
    return start_process


# ---- system calls -----------------------------------------------------------------------
def _process(io: HostIO) -> Process:
    return io.process


def _exit_group(call: Call, regs, memory, io: HostIO, step: int) -> tuple[int, ...]:
    """The status is a0's low byte, as a parent's wait() sees it."""
    raise GuestExit(regs[A0] & 0xFF)


def _string(memory: GuestMemory, addr: int, limit: int = 4096) -> str:
    """A NUL-terminated path from guest memory."""
    out = bytearray()
    while len(out) < limit:
        chunk = memory.read(addr + len(out), 64)
        end = chunk.find(b"\0")
        if end >= 0:
            return (out + chunk[:end]).decode("utf-8", "replace")
        out += chunk
    raise EcallError(f"linux: path at 0x{addr:x} is longer than {limit} bytes")


def _open_file(io: HostIO, fd: int) -> OpenFile | None:
    p = _process(io)
    return p.stdin if fd == 0 else p.fds.get(fd)


def _emit(io: HostIO, fd: int, data: bytes, step: int) -> int:
    """stdout is the public output and shown; stderr is shown; other descriptors are EBADF
    (the files openat gives are read-only)."""
    if fd == 1:
        io.output += data
        io.write_console(1, data, step)
    elif fd == 2:
        io.write_console(2, data, step)
    else:
        return -EBADF
    return len(data)


def _write(call: Call, regs, memory, io: HostIO, step: int) -> tuple[int, ...]:
    fd, data = regs[A0], memory.read(regs[A1], regs[A2])     # read (and logged) in a replay too
    if fd > 2:                              # a pipe or an eventfd (runtime/linux_poll.py), or EBADF
        return (_host_int(memory, lambda: _write_polled(_process(io), fd, data)),)
    return (_emit(io, fd, data, step),)


def _write_polled(p: Process, fd: int, data: bytes) -> int:
    written = p.poll.write(fd, data)
    if written > 0:
        wake_watchers(p, fd)
    return written


def _iovecs(memory: GuestMemory, addr: int, count: int) -> list[tuple[int, int]]:
    """(base, length) of the `count` struct iovec at addr (readv and writev bound count first)."""
    raw = memory.read(addr, 16 * count)
    return list(zip(*[iter(struct.unpack(f"<{2 * count}Q", raw))] * 2))


def _writev(call: Call, regs, memory, io: HostIO, step: int) -> tuple[int, ...]:
    fd, vec, count = regs[A0], regs[A1], regs[A2]
    if count > 1024:
        return (-EINVAL,)
    data = b"".join(memory.read(base, length) for base, length in _iovecs(memory, vec, count))
    return (_emit(io, fd, data, step),)


def _take(io: HostIO, fd: int, n: int) -> bytes | None:
    """Up to n bytes from fd's position (None: not an open descriptor)."""
    f = _open_file(io, fd)
    if f is None:
        return None
    data = f.data[f.position: f.position + n]
    f.position += len(data)
    return data


def _read_into(memory: GuestMemory, io: HostIO, fd: int, spans: list[tuple[int, int]]) -> int:
    """Fill the spans in order from fd; the count read, or -EBADF.  The bytes come from process
    state, so they are logged (host_bytes) and a replay writes the same."""
    total = sum(n for _, n in spans)
    if _host_int(memory, lambda: 0 if _open_file(io, fd) is not None else -EBADF):
        return -EBADF
    data = memory.host_bytes(lambda: _take(io, fd, total))
    at = 0
    for base, n in spans:
        piece = data[at: at + n]
        memory.write(base, piece)
        at += len(piece)
    return len(data)


def _read(call: Call, regs, memory, io: HostIO, step: int) -> tuple[int, ...]:
    fd, addr, n = regs[A0], regs[A1], regs[A2]
    if fd > 2 and _host_int(memory, lambda: _process(io).poll.owns(fd)):
        data = memory.host_bytes(lambda: _process(io).poll.read(fd, n))
        memory.write(addr, data)
        return (len(data) if data else -EAGAIN,)
    return (_read_into(memory, io, fd, [(addr, n)]),)


def _readv(call: Call, regs, memory, io: HostIO, step: int) -> tuple[int, ...]:
    if regs[A2] > 1024:
        return (-EINVAL,)
    return (_read_into(memory, io, regs[A0], _iovecs(memory, regs[A1], regs[A2])),)


O_ACCMODE = 3


def _openat(call: Call, regs, memory, io: HostIO, step: int) -> tuple[int, ...]:
    """Opens the files given with --file, read-only; any other path does not exist."""
    path, flags = _string(memory, regs[A1]), regs[A2]

    def open_() -> int:
        p = _process(io)
        if path not in p.files:
            return -ENOENT
        if flags & O_ACCMODE:
            return -EROFS
        fd = p.new_fd()
        p.fds[fd] = OpenFile(p.files[path], name=path)
        return fd
    return (_host_int(memory, open_),)


def _close(call: Call, regs, memory, io: HostIO, step: int) -> tuple[int, ...]:
    fd = regs[A0]
    return (_host_int(memory, lambda: 0 if fd in (0, 1, 2) or _process(io).fds.pop(fd, None)
                      or _process(io).poll.close(fd) else -EBADF),)


SEEK_SET, SEEK_CUR, SEEK_END = 0, 1, 2


def _lseek(call: Call, regs, memory, io: HostIO, step: int) -> tuple[int, ...]:
    fd, offset, whence = regs[A0], _signed(regs[A1]), regs[A2]

    def seek() -> int:
        f = _process(io).fds.get(fd)
        if f is None:
            return -ESPIPE if fd in (0, 1, 2) else -EBADF
        base = {SEEK_SET: 0, SEEK_CUR: f.position, SEEK_END: len(f.data)}.get(whence)
        if base is None or base + offset < 0:
            return -EINVAL
        f.position = base + offset
        return f.position
    return (_host_int(memory, seek),)


S_IFCHR, S_IFREG = 0o020000, 0o100000
STAT_SIZE = 128                       # struct stat of asm-generic/stat.h (riscv64)


def _stat_bytes(size: int | None) -> bytes:
    """st_mode, st_nlink, st_size, st_blksize, st_blocks; a character device without a size."""
    stat = bytearray(STAT_SIZE)
    mode = S_IFCHR | 0o620 if size is None else S_IFREG | 0o444
    struct.pack_into("<II", stat, 16, mode, 1)                       # st_mode, st_nlink
    struct.pack_into("<q", stat, 48, size or 0)                      # st_size
    struct.pack_into("<iiq", stat, 56, PAGE, 0, -(-(size or 0) // 512))  # st_blksize, pad, st_blocks
    return bytes(stat)


def _fstat_of(memory: GuestMemory, io: HostIO, fd: int, out: int) -> int:
    def size() -> int:
        f = _process(io).fds.get(fd)
        return len(f.data) if f is not None else _TERMINAL if fd in (0, 1, 2) else -EBADF
    n = _host_int(memory, size)
    if n == -EBADF:
        return n
    memory.write(out, _stat_bytes(None if n == _TERMINAL else n))
    return 0


def _fstat(call: Call, regs, memory, io: HostIO, step: int) -> tuple[int, ...]:
    return (_fstat_of(memory, io, regs[A0], regs[A1]),)


AT_EMPTY_PATH = 0x1000


def _newfstatat(call: Call, regs, memory, io: HostIO, step: int) -> tuple[int, ...]:
    """With AT_EMPTY_PATH and "" the descriptor's stat; a path given with --file; else ENOENT."""
    path = _string(memory, regs[A1])
    if path == "" and regs[A3] & AT_EMPTY_PATH:
        return (_fstat_of(memory, io, regs[A0], regs[A2]),)
    n = _host_int(memory, lambda: len(_process(io).files[path]) if path in _process(io).files else -ENOENT)
    if n < 0:
        return (n,)
    memory.write(regs[A2], _stat_bytes(n))
    return (0,)


def _brk(call: Call, regs, memory, io: HostIO, step: int) -> tuple[int, ...]:
    """Moves the break within [its start, MMAP_BASE); returns the break (the old one on failure)."""
    want = regs[A0]

    def brk() -> int:
        p = _process(io)
        if p.brk_start <= want < MMAP_BASE:
            p.brk = want
        return p.brk
    return (memory.host_value(brk),)


MAP_FIXED, MAP_ANONYMOUS = 0x10, 0x20
MAX_FIXED = 64 << 20        # a MAP_FIXED mapping is zeroed byte by byte: Go's 64 MiB heap arenas fit


def _mmap(call: Call, regs, memory, io: HostIO, step: int) -> tuple[int, ...]:
    """Anonymous mappings come from a bump pointer in [MMAP_BASE, MMAP_END) (fresh, so zero);
    MAP_FIXED maps where asked (at most MAX_FIXED bytes), zeroed; a file mapping is a private copy of the file's bytes.
    munmap gives nothing back: addresses are never reused, so a run stays deterministic."""
    addr, length, flags, fd, offset = regs[A0], regs[A1], regs[A3], _signed(regs[A4]), regs[A5]
    if length == 0:
        return (-EINVAL,)
    size = _page_up(length)
    if size > MMAP_END - MMAP_BASE or (flags & MAP_FIXED and size > MAX_FIXED):
        return (-ENOMEM,)

    def place() -> int:
        p = _process(io)
        if not flags & MAP_ANONYMOUS and p.fds.get(fd) is None:
            return -EBADF
        if flags & MAP_FIXED:
            if addr % PAGE or not PAGE <= addr < ADDRESS_SPACE - size:
                return -EINVAL
            return addr
        if p.mmap_next + size > MMAP_END:
            return -ENOMEM
        at, p.mmap_next = p.mmap_next, p.mmap_next + size
        return at
    at = _host_int(memory, place)
    if at < 0:
        return (at,)
    if flags & MAP_FIXED:
        memory.write(at, bytes(size))
    if not flags & MAP_ANONYMOUS:
        data = memory.host_bytes(lambda: _process(io).fds[fd].data[offset: offset + length])
        memory.write(at, data)
    return (at,)


_MASK = (1 << 64) - 1
_TERMINAL = -1              # _fstat_of: a console descriptor, which has no size


def _signed(value: int) -> int:
    return value - (1 << 64) if value >> 63 else value


def _host_int(memory: GuestMemory, compute) -> int:
    """A signed result computed from process state, logged for replays as a u64."""
    return _signed(memory.host_value(lambda: compute() & _MASK))


def _value(result: int):
    def handler(call: Call, regs, memory, io: HostIO, step: int) -> tuple[int, ...]:
        return (result,)
    handler.__doc__ = f"Returns {result} and changes nothing."
    return handler


def _clock_gettime(call: Call, regs, memory, io: HostIO, step: int) -> tuple[int, ...]:
    """Every clock reads the virtual clock (the step count, plus what waits skipped) as
    nanoseconds since the epoch's start."""
    now = clock(memory, io, step)
    memory.write(regs[A1], struct.pack("<qq", now // STEPS_PER_SECOND, now % STEPS_PER_SECOND))
    return (0,)


def _getrandom(call: Call, regs, memory, io: HostIO, step: int) -> tuple[int, ...]:
    """Bytes derived from the input (SHA-256 in counter mode over a hash of it)."""
    n = min(regs[A1], 1 << 25)
    memory.write(regs[A0], memory.host_bytes(lambda: _process(io).random_bytes(n)))
    return (n,)


def _uname(call: Call, regs, memory, io: HostIO, step: int) -> tuple[int, ...]:
    fields = (b"Linux", b"zkaot", b"6.1.0", b"#1 zkaot", b"riscv64", b"(none)")
    memory.write(regs[A0], b"".join(f.ljust(65, b"\0") for f in fields))
    return (0,)


RLIM_INFINITY = (1 << 64) - 1
RLIMIT_STACK = 3


def _limit(memory: GuestMemory, resource: int, out: int) -> None:
    """Limits read as infinite (the stack as 8 MiB)."""
    if out:
        memory.write(out, struct.pack("<QQ", 8 << 20 if resource == RLIMIT_STACK else RLIM_INFINITY, RLIM_INFINITY))


def _prlimit64(call: Call, regs, memory, io: HostIO, step: int) -> tuple[int, ...]:
    """Reads the limit (_limit); setting one is accepted and changes nothing."""
    _limit(memory, regs[A1], regs[A3])
    return (0,)


def _getrlimit(call: Call, regs, memory, io: HostIO, step: int) -> tuple[int, ...]:
    _limit(memory, regs[A0], regs[A1])
    return (0,)


def _sched_getaffinity(call: Call, regs, memory, io: HostIO, step: int) -> tuple[int, ...]:
    """One CPU: the mask has bit 0 set; returns the bytes written (a u64)."""
    if regs[A1] < 8:
        return (-EINVAL,)
    memory.write(regs[A2], (1).to_bytes(8, "little"))
    return (8,)


def _gettimeofday(call: Call, regs, memory, io: HostIO, step: int) -> tuple[int, ...]:
    """The virtual clock in seconds and microseconds; no time zone."""
    if regs[A0]:
        now = clock(memory, io, step)
        memory.write(regs[A0], struct.pack("<qq", now // STEPS_PER_SECOND, now % STEPS_PER_SECOND // 1000))
    return (0,)


def _clock_getres(call: Call, regs, memory, io: HostIO, step: int) -> tuple[int, ...]:
    """One nanosecond, the step clock's tick."""
    if regs[A1]:
        memory.write(regs[A1], struct.pack("<qq", 0, 1))
    return (0,)


SS_DISABLE = 2


SIGACTION_BYTES = 24         # riscv64's struct sigaction: handler, flags, mask (no restorer)
SIGKILL, SIGSTOP = 9, 19


def _rt_sigaction(call: Call, regs, memory, io: HostIO, step: int) -> tuple[int, ...]:
    """Handlers are recorded and given back as the old action, and never run (no signal is
    delivered); SIGKILL's and SIGSTOP's cannot be set, as in Linux."""
    signal, act, oldact, setsize = regs[A0], regs[A1], regs[A2], regs[A3]
    if not 1 <= signal <= SIGNALS or setsize != 8 or (act and signal in (SIGKILL, SIGSTOP)):
        return (-EINVAL,)
    new = memory.read(act, SIGACTION_BYTES) if act else None

    def exchange() -> bytes:
        actions = _process(io).sigactions
        old = actions.get(signal, bytes(SIGACTION_BYTES))
        if new is not None:
            actions[signal] = new
        return old
    old = memory.host_bytes(exchange)
    if oldact:
        memory.write(oldact, old)
    return (0,)


def _sigaltstack(call: Call, regs, memory, io: HostIO, step: int) -> tuple[int, ...]:
    """Accepted and forgotten (no signal is delivered); the old stack reads as disabled."""
    if regs[A1]:
        memory.write(regs[A1], struct.pack("<QiiQ", 0, SS_DISABLE, 0, 0))
    return (0,)


# riscv64's system call names (include/uapi/asm-generic/unistd.h), for the one line that ends a
# run at a call zkaot does not have.
SYSCALL_NAMES = {
    17: "getcwd", 19: "eventfd2", 20: "epoll_create1", 21: "epoll_ctl", 22: "epoll_pwait", 23: "dup", 24: "dup3",
    25: "fcntl", 34: "mkdirat", 35: "unlinkat", 37: "linkat", 38: "renameat", 43: "statfs", 44: "fstatfs",
    46: "ftruncate", 48: "faccessat", 49: "chdir", 59: "pipe2", 61: "getdents64", 67: "pread64", 68: "pwrite64",
    71: "sendfile", 72: "pselect6", 73: "ppoll", 82: "fsync", 98: "futex", 115: "clock_nanosleep",
    122: "sched_setaffinity", 129: "kill", 130: "tkill", 131: "tgkill", 133: "rt_sigsuspend", 139: "rt_sigreturn",
    153: "times", 164: "setrlimit", 165: "getrusage", 167: "prctl", 173: "getppid", 179: "sysinfo", 198: "socket",
    203: "connect", 220: "clone", 221: "execve", 260: "wait4", 279: "memfd_create", 435: "clone3"}


def _unsupported(number: int) -> str:
    name = SYSCALL_NAMES.get(number, "(unnamed)")
    return f"linux: unsupported Linux syscall {name} ({number}) (docs/linux.md lists the calls zkaot has)"


F_GETFD, F_SETFD, F_GETFL, F_SETFL = 1, 2, 3, 4
O_WRONLY = 1


def _fcntl(call: Call, regs, memory, io: HostIO, step: int) -> tuple[int, ...]:
    """The descriptor flags read as none (no FD_CLOEXEC), the status flags as the access mode
    (stdout and stderr write-only, the rest read-only, never O_NONBLOCK); setting either
    is accepted and changes nothing.  Other commands (F_DUPFD, locks, ...) are -EINVAL."""
    fd, command = regs[A0], regs[A1]
    if not _host_int(memory, lambda: fd in (0, 1, 2) or fd in _process(io).fds):
        return (-EBADF,)
    if command == F_GETFL:
        return (O_WRONLY if fd in (1, 2) else 0,)
    return (0,) if command in (F_GETFD, F_SETFD, F_SETFL) else (-EINVAL,)


def _rt_sigreturn(call: Call, regs, memory, io: HostIO, step: int) -> tuple[int, ...]:
    raise EcallError("linux: rt_sigreturn with no signal being handled: zkaot delivers no signals")


def _syscall(name: str, number: int, handler, reads=(A0,), memory_reads=(), memory_writes=(),
             reads_step=False) -> Call:
    """A syscall's Call: its result (a negative errno on failure) goes to a0 as a u64."""
    def returning(call: Call, regs, memory, io: HostIO, step: int) -> tuple[int, ...]:
        return tuple(value & _MASK for value in handler(call, regs, memory, io, step))
    returning.__doc__ = handler.__doc__
    return Call(name, Ecall(A7, number), returning, reads=reads, writes=(A0,), memory_reads=memory_reads,
                memory_writes=memory_writes, reads_step=reads_step)


# Numbers from the generic syscall table (include/uapi/asm-generic/unistd.h), which riscv64 uses.
_BUFFER_IN = (Span(A1, "write buffer", size_reg=A2),)
_BUFFER_OUT = (Span(A1, "read buffer", size_reg=A2),)
SYSCALLS = [
    _syscall("eventfd2", 19, poll.eventfd2, reads=(A0, A1)),
    _syscall("epoll_create1", 20, poll.epoll_create1, reads=(A0,)),
    _syscall("epoll_ctl", 21, poll.epoll_ctl, reads=(A0, A1, A2, A3)),
    _syscall("epoll_pwait", 22, poll.epoll_pwait, reads=(A0, A1, A2, A3, A4)),
    _syscall("fcntl", 25, _fcntl, reads=(A0, A1, A2)),
    _syscall("ioctl", 29, _value(-ENOTTY)),
    _syscall("openat", 56, _openat, reads=(A0, A1, A2, A3)),
    _syscall("close", 57, _close),
    _syscall("pipe2", 59, poll.pipe2, reads=(A0, A1)),
    _syscall("lseek", 62, _lseek, reads=(A0, A1, A2)),
    _syscall("read", 63, _read, reads=(A0, A1, A2), memory_writes=_BUFFER_OUT),
    _syscall("write", 64, _write, reads=(A0, A1, A2), memory_reads=_BUFFER_IN, reads_step=True),
    _syscall("readv", 65, _readv, reads=(A0, A1, A2)),
    _syscall("writev", 66, _writev, reads=(A0, A1, A2), reads_step=True),
    _syscall("readlinkat", 78, _value(-ENOENT), reads=(A0, A1, A2, A3)),
    _syscall("newfstatat", 79, _newfstatat, reads=(A0, A1, A2, A3)),
    _syscall("fstat", 80, _fstat, reads=(A0, A1)),
    _syscall("exit", 93, threads.exit_thread, reads_step=True),
    _syscall("exit_group", 94, _exit_group),
    _syscall("set_tid_address", 96, threads.set_tid_address),
    _syscall("futex", 98, threads.futex, reads=(A0, A1, A2, A3, A4, A5), reads_step=True),
    _syscall("set_robust_list", 99, _value(0), reads=(A0, A1)),
    _syscall("nanosleep", 101, threads.nanosleep, reads=(A0, A1), reads_step=True),
    _syscall("clock_gettime", 113, _clock_gettime, reads=(A0, A1), reads_step=True),
    _syscall("clock_getres", 114, _clock_getres, reads=(A0, A1)),
    _syscall("clock_nanosleep", 115, threads.clock_nanosleep, reads=(A0, A1, A2, A3), reads_step=True),
    _syscall("sched_getaffinity", 123, _sched_getaffinity, reads=(A0, A1, A2)),
    _syscall("sched_yield", 124, threads.sched_yield, reads=(), reads_step=True),
    _syscall("tkill", 130, threads.tkill, reads=(A0, A1), reads_step=True),
    _syscall("tgkill", 131, threads.tgkill, reads=(A0, A1, A2), reads_step=True),
    _syscall("sigaltstack", 132, _sigaltstack, reads=(A0, A1)),
    _syscall("rt_sigaction", 134, _rt_sigaction, reads=(A0, A1, A2, A3)),
    _syscall("rt_sigprocmask", 135, _value(0), reads=(A0, A1, A2)),
    _syscall("rt_sigreturn", 139, _rt_sigreturn, reads=()),
    _syscall("uname", 160, _uname),
    _syscall("getrlimit", 163, _getrlimit, reads=(A0, A1)),
    _syscall("gettimeofday", 169, _gettimeofday, reads=(A0, A1), reads_step=True),
    _syscall("getpid", 172, _value(1), reads=()),
    _syscall("getuid", 174, _value(0), reads=()),
    _syscall("geteuid", 175, _value(0), reads=()),
    _syscall("getgid", 176, _value(0), reads=()),
    _syscall("getegid", 177, _value(0), reads=()),
    _syscall("gettid", 178, threads.gettid, reads=()),
    _syscall("brk", 214, _brk),
    _syscall("munmap", 215, _value(0), reads=(A0, A1)),
    _syscall("mremap", 216, _value(-ENOMEM), reads=(A0, A1, A2)),
    _syscall("clone", 220, threads.clone, reads=(A0, A1, A2, A3, A4)),
    _syscall("mmap", 222, _mmap, reads=(A0, A1, A2, A3, A4, A5)),
    _syscall("mprotect", 226, _value(0), reads=(A0, A1, A2)),
    _syscall("madvise", 233, _value(0), reads=(A0, A1, A2)),
    _syscall("prlimit64", 261, _prlimit64, reads=(A0, A1, A2, A3)),
    _syscall("getrandom", 278, _getrandom, reads=(A0, A1, A2)),
    _syscall("statx", 291, _value(-ENOSYS), reads=(A0, A1, A2, A3, A4)),     # libc falls back to newfstatat
    _syscall("rseq", 293, _value(-ENOSYS), reads=(A0, A1, A2, A3)),          # glibc goes on without it
    _syscall("clone3", 435, _value(-ENOSYS), reads=(A0, A1)),                # glibc falls back to clone
]


def linux_calls(options: LinuxOptions = LinuxOptions()) -> Registry:
    """The system calls, and the start of a process with these argv, env and files."""
    return Registry([*SYSCALLS, *COUNTERS], vendor="linux", start=start(options), unknown=_unsupported,
                    quantum=QUANTUM, tick=tick, float_lowering=(softfp.LINUX_16M, softfp.LINUX), compressed=True,
                    unknown_csr=unknown_csr)
