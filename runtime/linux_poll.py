"""epoll, pipes and eventfds for the linux profile: what Go's runtime builds its timers and its
netpoller on (netpollinit makes an epoll instance and a pipe or eventfd to break its wait).

Deterministic: a pipe is a byte buffer and an eventfd a counter in the process; epoll_pwait
reports the registered descriptors that are readable, and with none it waits on the scheduler
(runtime/scheduler.py) until its timeout on the virtual clock or until a write to one of its
descriptors wakes it.  Reads of an empty pipe or eventfd return -EAGAIN (Go's are
non-blocking); no socket or file is ever readable through epoll.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

from runtime.calls import A0, A2, Call
from runtime.host import HostIO
from runtime.isa import REGISTER_NUMBERS
from runtime.linux_threads import _switch, scheduler

A1, A3 = REGISTER_NUMBERS["a1"], REGISTER_NUMBERS["a3"]
EBADF, EINVAL, EEXIST, ENOENT = 9, 22, 17, 2
EPOLLIN = 1
EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD = 1, 2, 3
EVENT = struct.Struct("<I4xQ")          # riscv64's struct epoll_event: events, (padding), data
MILLISECOND = 1_000_000                 # the virtual clock counts nanoseconds


@dataclass
class Poll:
    """The descriptors of this module in one process: epoll instances (fd -> watched fd -> data),
    pipes (both ends -> one buffer) and eventfds (fd -> counter)."""
    epolls: dict[int, dict[int, int]] = field(default_factory=dict)
    pipes: dict[int, bytearray] = field(default_factory=dict)
    read_ends: set[int] = field(default_factory=set)
    eventfds: dict[int, int] = field(default_factory=dict)

    def owns(self, fd: int) -> bool:
        return fd in self.epolls or fd in self.pipes or fd in self.eventfds

    def descriptors(self) -> set[int]:
        return {*self.epolls, *self.pipes, *self.eventfds}

    def readable(self, fd: int) -> bool:
        return (fd in self.read_ends and bool(self.pipes[fd])) or self.eventfds.get(fd, 0) > 0

    def ready(self, epfd: int) -> list[tuple[int, int]]:
        """(events, data) of the watched descriptors that are readable, in the order they were added."""
        return [(EPOLLIN, data) for fd, data in self.epolls[epfd].items() if self.readable(fd)]

    def read(self, fd: int, n: int) -> bytes:
        """Up to n bytes of a pipe's read end, or an eventfd's counter (8 bytes) which it resets;
        b"" when there is nothing (the caller answers -EAGAIN)."""
        if fd in self.eventfds:
            if n < 8 or not self.eventfds[fd]:
                return b""
            value, self.eventfds[fd] = self.eventfds[fd], 0
            return struct.pack("<Q", value)
        if fd not in self.read_ends:
            return b""
        data = bytes(self.pipes[fd][:n])
        del self.pipes[fd][:n]
        return data

    def write(self, fd: int, data: bytes) -> int:
        """Into a pipe's write end or an eventfd (adds the u64 written); -EBADF for others."""
        if fd in self.eventfds:
            if len(data) < 8:
                return -EINVAL
            self.eventfds[fd] += struct.unpack("<Q", data[:8])[0]
            return 8
        if fd not in self.pipes or fd in self.read_ends:
            return -EBADF
        self.pipes[fd] += data
        return len(data)

    def close(self, fd: int) -> bool:
        found = self.owns(fd)
        self.epolls.pop(fd, None)
        self.eventfds.pop(fd, None)
        if fd in self.pipes:
            del self.pipes[fd]
            self.read_ends.discard(fd)
        for watched in self.epolls.values():
            watched.pop(fd, None)
        return found


def _key(epfd: int) -> int:
    """The wait-queue key of an epoll instance: negative, so no futex address has it."""
    return -1 - epfd


def wake_watchers(process, fd: int) -> None:
    """After a write to fd: every thread waiting in epoll_pwait on an instance that watches the
    pipe end or eventfd that became readable goes on."""
    poll, s = process.poll, process.scheduler
    targets = {fd} | ({end for end, buffer in poll.pipes.items() if buffer is poll.pipes[fd]} if fd in poll.pipes
                      else set())
    for epfd, watched in poll.epolls.items():
        if targets & watched.keys():
            s.wake(_key(epfd), 1 << 30)


def epoll_create1(call: Call, regs, memory, io: HostIO, step: int) -> tuple[int, ...]:
    def create() -> int:
        fd = io.process.new_fd()
        io.process.poll.epolls[fd] = {}
        return fd
    return (memory.host_value(create),)


def epoll_ctl(call: Call, regs, memory, io: HostIO, step: int) -> tuple[int, ...]:
    """ADD, MOD and DEL; the events asked for are not kept (readable is the one event there is)."""
    epfd, op, fd, event = regs[A0], regs[A1], regs[A2], regs[A3]
    data = EVENT.unpack(memory.read(event, EVENT.size))[1] if op != EPOLL_CTL_DEL else 0

    def control() -> int:
        watched = io.process.poll.epolls.get(epfd)
        if watched is None:
            return -EBADF
        if op == EPOLL_CTL_ADD:
            if fd in watched:
                return -EEXIST
            watched[fd] = data
        elif op in (EPOLL_CTL_MOD, EPOLL_CTL_DEL):
            if fd not in watched:
                return -ENOENT
            if op == EPOLL_CTL_MOD:
                watched[fd] = data
            else:
                del watched[fd]
        else:
            return -EINVAL
        return 0
    return (_signed(memory.host_value(lambda: control() & MASK)),)


def epoll_pwait(call: Call, regs, memory, io: HostIO, step: int) -> tuple[int, ...]:
    """The readable watched descriptors, at most maxevents; with none, a timeout of 0 returns 0,
    else the thread waits until the timeout (ms, negative: none) or a write wakes it, then
    returns 0 (the caller asks again)."""
    epfd, events, maxevents, timeout = regs[A0], regs[A1], regs[A2], _signed(regs[A3])
    if maxevents <= 0 or maxevents > 1 << 20:
        return (-EINVAL,)
    ready = memory.host_bytes(lambda: b"" if epfd not in io.process.poll.epolls else
                              b"\x01" + b"".join(EVENT.pack(*e) for e in io.process.poll.ready(epfd)[:maxevents]))
    if not ready:
        return (-EBADF,)
    if len(ready) > 1:
        memory.write(events, ready[1:])
        return ((len(ready) - 1) // EVENT.size,)
    if timeout == 0:
        return (0,)

    def wait(regs: list[int], pc: int) -> bytes:
        s = scheduler(io)
        deadline = None if timeout < 0 else s.now(step) + timeout * MILLISECOND
        return s.block(regs, pc, step, _key(epfd), deadline)
    io.resume = _switch(memory, wait)
    return (0,)


def pipe2(call: Call, regs, memory, io: HostIO, step: int) -> tuple[int, ...]:
    def make() -> int:
        p = io.process
        read_end = p.new_fd()
        p.poll.pipes[read_end] = buffer = bytearray()
        p.poll.read_ends.add(read_end)
        write_end = p.new_fd()
        p.poll.pipes[write_end] = buffer
        return read_end
    read_end = memory.host_value(make)
    memory.write(regs[A0], struct.pack("<ii", read_end, read_end + 1))
    return (0,)


def eventfd2(call: Call, regs, memory, io: HostIO, step: int) -> tuple[int, ...]:
    def make() -> int:
        fd = io.process.new_fd()
        io.process.poll.eventfds[fd] = regs[A0] & 0xFFFF_FFFF
        return fd
    return (memory.host_value(make),)


MASK = (1 << 64) - 1


def _signed(value: int) -> int:
    return value - (1 << 64) if value >> 63 else value

