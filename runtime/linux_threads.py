"""The `linux` profile's threads: clone, exit, futex, sched_yield, nanosleep, tgkill and the
calls that read the thread or the clock, on the scheduler of runtime/scheduler.py.

A call that may switch threads sets `io.resume` (runtime/host.py): after its own result is
in a0, the scheduler saves the caller's context and hands the hart to the next thread.  The
context it switches to comes from process state, so it goes through `memory.host_bytes`: a
replay of the minimal trace (which has no process) reads the same switch back from the load
log.  So does every answer taken from the scheduler (a tid, a count of woken waiters, the
clock's offset), through `memory.host_value`; reads of guest memory (a futex word, a timespec)
are logged by the memory itself.
"""
from __future__ import annotations

import struct
from typing import Callable

from runtime.calls import A0, A1, A2, Call
from runtime.host import EcallError, GuestExit, HostIO
from runtime.isa import REGISTER_NUMBERS
from runtime.memory import GuestMemory, MemoryFault
from runtime.scheduler import CONTEXT, ETIMEDOUT, STILL_RUNNING, Scheduler

A3, A4, A5, SP, TP = (REGISTER_NUMBERS[name] for name in ("a3", "a4", "a5", "sp", "tp"))

QUANTUM = 1 << 20           # steps between ticks: about 1 ms of virtual time (one step is 1 ns)
NANOSECONDS = 1_000_000_000
EAGAIN, ESRCH, EINVAL = 11, 3, 22


def scheduler(io: HostIO) -> Scheduler:
    return io.process.scheduler


def _switch(memory: GuestMemory, decide: Callable[[list[int], int], bytes]) -> Callable[[list[int], int], int]:
    """A hand-over (io.resume, Registry.tick): `decide(regs, pc)` saves the caller and returns
    the next thread's context, or b"" when the caller goes on; logged, so a replay switches alike."""
    def resume(regs: list[int], pc: int) -> int:
        context = memory.host_bytes(lambda: decide(regs, pc))
        if not context:
            return pc
        values = CONTEXT.unpack(context)
        regs[1:32] = values[1:]
        return values[0]
    return resume


def tick(regs: list[int], pc: int, memory: GuestMemory, io: HostIO, step: int) -> int:
    """Every QUANTUM steps the running thread gives the hart to the next ready one, if any."""
    return _switch(memory, lambda r, p: scheduler(io).preempt(r, p, step))(regs, pc)


# ---- clone and exit -----------------------------------------------------------------
CLONE_VM, CLONE_FS, CLONE_FILES, CLONE_SIGHAND = 0x100, 0x200, 0x400, 0x800
CLONE_THREAD, CLONE_SYSVSEM, CLONE_SETTLS, CLONE_PARENT_SETTID = 0x10000, 0x40000, 0x80000, 0x100000
CLONE_CHILD_CLEARTID, CLONE_DETACHED, CLONE_CHILD_SETTID = 0x200000, 0x400000, 0x1000000
CSIGNAL = 0xFF                 # the signal a child process sends its parent at exit: unused by threads
THREAD_NEEDS = CLONE_VM | CLONE_SIGHAND | CLONE_THREAD
THREAD_FLAGS = (THREAD_NEEDS | CLONE_FS | CLONE_FILES | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID
                | CLONE_CHILD_CLEARTID | CLONE_DETACHED | CLONE_CHILD_SETTID | CSIGNAL)


def clone(call: Call, regs, memory, io: HostIO, step: int) -> tuple[int, ...]:
    """A thread (clone(flags, stack, parent_tid, tls, child_tid), riscv64's order): the child
    starts after the ecall with the caller's registers but sp = stack (if given), tp = tls
    (CLONE_SETTLS) and a0 = 0; the caller goes on and gets the child's tid."""
    flags, stack, parent_tid, tls, child_tid = regs[A0], regs[A1], regs[A2], regs[A3], regs[A4]
    if flags & THREAD_NEEDS != THREAD_NEEDS:
        raise EcallError(f"linux: clone with flags 0x{flags:x} makes a process, not a thread (that needs "
                         f"CLONE_VM|CLONE_SIGHAND|CLONE_THREAD): zkaot runs one process")
    if flags & ~THREAD_FLAGS:
        raise EcallError(f"linux: clone flags 0x{flags & ~THREAD_FLAGS:x} are not supported (docs/linux.md)")
    tid = memory.host_value(lambda: scheduler(io).next_tid)
    for flag, where in ((CLONE_PARENT_SETTID, parent_tid), (CLONE_CHILD_SETTID, child_tid)):
        if flags & flag:
            memory.write(where, tid.to_bytes(4, "little"))

    def spawn(regs: list[int], pc: int) -> bytes:
        context = [pc, *regs[1:32]]
        context[A0] = 0
        if stack:
            context[SP] = stack
        if flags & CLONE_SETTLS:
            context[TP] = tls
        scheduler(io).spawn(context, child_tid if flags & CLONE_CHILD_CLEARTID else 0)
        return b""
    io.resume = _switch(memory, spawn)
    return (tid,)


def exit_thread(call: Call, regs, memory, io: HostIO, step: int) -> tuple[int, ...]:
    """exit ends the calling thread: its clear_child_tid word is zeroed and its futex woken (how
    pthread_join waits), and the next thread runs.  The last thread's exit ends the process,
    whose status is then the first thread's (the leader's, as a parent's wait sees it)."""
    status = memory.host_value(lambda: scheduler(io).exit_status(regs[A0] & 0xFF))
    if status != STILL_RUNNING:
        raise GuestExit(status)

    def leave(regs: list[int], pc: int) -> bytes:
        s = scheduler(io)
        address = s.threads[s.current].clear_child_tid
        if address:
            try:
                memory.write(address, bytes(4))
                s.wake(address, 1)
            except MemoryFault:        # Linux ignores a clear_child_tid it cannot write
                pass
        return s.exit_current(step)
    io.resume = _switch(memory, leave)
    return (0,)


def set_tid_address(call: Call, regs, memory, io: HostIO, step: int) -> tuple[int, ...]:
    """Remembers the word to clear at the thread's exit; returns the tid."""
    def remember() -> int:
        s = scheduler(io)
        s.threads[s.current].clear_child_tid = regs[A0]
        return s.current
    return (memory.host_value(remember),)


def gettid(call: Call, regs, memory, io: HostIO, step: int) -> tuple[int, ...]:
    return (memory.host_value(lambda: scheduler(io).current),)


# ---- futexes, yielding and sleeping --------------------------------------------------
FUTEX_WAIT, FUTEX_WAKE, FUTEX_REQUEUE, FUTEX_CMP_REQUEUE, FUTEX_WAIT_BITSET, FUTEX_WAKE_BITSET = 0, 1, 3, 4, 9, 10
FUTEX_PRIVATE_FLAG, FUTEX_CLOCK_REALTIME = 128, 256
FUTEX_NAMES = {2: "FUTEX_FD", 5: "FUTEX_WAKE_OP", 6: "FUTEX_LOCK_PI", 7: "FUTEX_UNLOCK_PI", 8: "FUTEX_TRYLOCK_PI",
               11: "FUTEX_WAIT_REQUEUE_PI", 12: "FUTEX_CMP_REQUEUE_PI", 13: "FUTEX_LOCK_PI2"}


def _timespec(memory: GuestMemory, address: int) -> int | None:
    """A struct timespec as nanoseconds; None when it is not a valid one."""
    seconds, nanoseconds = struct.unpack("<qq", memory.read(address, 16))
    if seconds < 0 or not 0 <= nanoseconds < NANOSECONDS:
        return None
    return seconds * NANOSECONDS + nanoseconds


def futex(call: Call, regs, memory, io: HostIO, step: int) -> tuple[int, ...]:
    """WAIT and WAIT_BITSET block while the word at uaddr holds val (a timeout ends the wait
    with -ETIMEDOUT: relative for WAIT, absolute for WAIT_BITSET); WAKE and WAKE_BITSET wake
    waiters in the order they came; REQUEUE and CMP_REQUEUE move the rest to uaddr2.  Private
    and shared futexes are the same in one process; the realtime and monotonic clocks are one."""
    uaddr, op, val, timeout, uaddr2, val3 = (regs[r] for r in (A0, A1, A2, A3, A4, A5))
    command, val = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME), val & 0xFFFF_FFFF
    if command not in (FUTEX_WAIT, FUTEX_WAKE, FUTEX_REQUEUE, FUTEX_CMP_REQUEUE, FUTEX_WAIT_BITSET, FUTEX_WAKE_BITSET):
        raise EcallError(f"linux: futex operation {FUTEX_NAMES.get(command, command)} is not supported "
                         f"(docs/linux.md lists the ones zkaot has)")
    bitset = val3 & 0xFFFF_FFFF if command in (FUTEX_WAIT_BITSET, FUTEX_WAKE_BITSET) else 0xFFFF_FFFF
    if uaddr % 4 or not bitset:
        return (-EINVAL,)
    count = val - (1 << 32) if val >> 31 else val
    if command in (FUTEX_WAKE, FUTEX_WAKE_BITSET):
        return (memory.host_value(lambda: scheduler(io).wake(uaddr, count, bitset)),)
    if command in (FUTEX_REQUEUE, FUTEX_CMP_REQUEUE):
        if command == FUTEX_CMP_REQUEUE and int.from_bytes(memory.read(uaddr, 4), "little") != val3 & 0xFFFF_FFFF:
            return (-EAGAIN,)
        return (memory.host_value(lambda: scheduler(io).requeue(uaddr, count, uaddr2, timeout & 0x7FFF_FFFF)),)
    if int.from_bytes(memory.read(uaddr, 4), "little") != val:
        return (-EAGAIN,)
    length = _timespec(memory, timeout) if timeout else 0
    if length is None:
        return (-EINVAL,)
    absolute = command == FUTEX_WAIT_BITSET

    def wait(regs: list[int], pc: int) -> bytes:
        s = scheduler(io)
        deadline = None if not timeout else length if absolute else s.now(step) + length
        return s.block(regs, pc, step, uaddr, deadline, -ETIMEDOUT, bitset)
    io.resume = _switch(memory, wait)
    return (0,)


def sched_yield(call: Call, regs, memory, io: HostIO, step: int) -> tuple[int, ...]:
    """The caller goes to the back of the run queue if another thread is ready."""
    io.resume = _switch(memory, lambda r, p: scheduler(io).preempt(r, p, step))
    return (0,)


def _sleep(memory: GuestMemory, io: HostIO, step: int, request: int, absolute: bool) -> int:
    """The caller waits until its deadline on the virtual clock: other threads run meanwhile,
    and when none can, the clock jumps there.  A zero sleep is a yield."""
    length = _timespec(memory, request)
    if length is None:
        return -EINVAL

    def sleep(regs: list[int], pc: int) -> bytes:
        s = scheduler(io)
        deadline = length if absolute else s.now(step) + length
        if deadline <= s.now(step):
            return s.preempt(regs, pc, step)
        return s.block(regs, pc, step, None, deadline)
    io.resume = _switch(memory, sleep)
    return 0


def nanosleep(call: Call, regs, memory, io: HostIO, step: int) -> tuple[int, ...]:
    return (_sleep(memory, io, step, regs[A0], absolute=False),)


TIMER_ABSTIME = 1


def clock_nanosleep(call: Call, regs, memory, io: HostIO, step: int) -> tuple[int, ...]:
    """Any clock (they are one); TIMER_ABSTIME sleeps until a time, else for a while."""
    return (_sleep(memory, io, step, regs[A2], absolute=bool(regs[A1] & TIMER_ABSTIME)),)


def clock(memory: GuestMemory, io: HostIO, step: int) -> int:
    """The virtual clock at `step`, in nanoseconds (logged: the offset is process state)."""
    return step + memory.host_value(lambda: scheduler(io).clock_offset)


# ---- signals ---------------------------------------------------------------------------
SIGNALS = 64


def _send(memory: GuestMemory, io: HostIO, step: int, tgid: int, tid: int, signal: int) -> int:
    """tkill and tgkill: a signal to a live thread is recorded (Process.scheduler.signals) and not
    delivered; -ESRCH for another process or a thread that is gone."""
    if signal > SIGNALS:
        return -EINVAL

    def send() -> int:
        s = scheduler(io)
        if tgid != 1 or tid not in s.threads:
            return -ESRCH
        if signal:
            s.signals.append((step, tid, signal))
        return 0
    return memory.host_value(lambda: send() & ((1 << 64) - 1))


def tkill(call: Call, regs, memory, io: HostIO, step: int) -> tuple[int, ...]:
    return (_send(memory, io, step, 1, regs[A0], regs[A1]),)


def tgkill(call: Call, regs, memory, io: HostIO, step: int) -> tuple[int, ...]:
    return (_send(memory, io, step, regs[A0], regs[A1], regs[A2]),)
