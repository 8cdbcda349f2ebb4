"""The threads of a Linux process on zkaot's one hart, and the deterministic scheduler that
shares the hart between them.

A thread that does not run is its saved context: pc and x1..x31.  The scheduler keeps a
first-in first-out run queue and switches threads only at a call that blocks, yields or ends
a thread, and at a tick every quantum of steps (runtime/linux_threads.py); it never looks at
the host, so the same program and inputs give the same switches everywhere.  Time is the
virtual clock, the step count plus what waits have skipped: when every thread is blocked and
some wait has a deadline, the clock jumps to the earliest deadline instead of deadlocking.
"""
from __future__ import annotations

import struct
from collections import deque
from dataclasses import dataclass

from runtime.host import EcallError

CONTEXT = struct.Struct("<32Q")      # pc, then x1..x31: what the load log holds for a switch
A0_SLOT = 10                         # a0's place in a context
ETIMEDOUT = 110
STILL_RUNNING = 256                 # exit_status: other threads go on


@dataclass
class Thread:
    tid: int
    context: list[int] | None = None         # pc and x1..x31 while it does not run
    clear_child_tid: int = 0                  # set_tid_address / CLONE_CHILD_CLEARTID: zeroed and woken at exit
    futex: int | None = None                  # the futex word it waits on
    bitset: int = 0xFFFF_FFFF                 # FUTEX_WAIT_BITSET's mask
    deadline: int | None = None               # when its wait ends on the virtual clock
    timeout_result: int = 0                   # a0 when the deadline passes
    waiting_since: int = 0                    # the order waiters are woken in


class Scheduler:
    """The process's threads (tid 1 is the first, as its pid), the run queue and the clock."""

    def __init__(self):
        self.threads: dict[int, Thread] = {1: Thread(1)}
        self.current = 1
        self.ready: deque[int] = deque()
        self.next_tid = 2
        self.clock_offset = 0                 # nanoseconds the clock is ahead of the step count
        self.waits = 0
        self.signals: list[tuple[int, int, int]] = []     # (step, tid, signal) sent and not delivered
        self.leader_status: int | None = None             # the first thread's exit status, once it has exited

    def now(self, step: int) -> int:
        return step + self.clock_offset

    # ---- what changes which threads exist or wait ---------------------------------
    def spawn(self, context: list[int], clear_child_tid: int) -> int:
        """A new thread that will run `context`; it joins the back of the run queue."""
        tid, self.next_tid = self.next_tid, self.next_tid + 1
        self.threads[tid] = Thread(tid, context, clear_child_tid)
        self.ready.append(tid)
        return tid

    def wake(self, futex: int, count: int, bitset: int = 0xFFFF_FFFF) -> int:
        """Wake up to `count` (at least one) waiters on `futex` whose bitset meets `bitset`, in the
        order they began waiting; their wait returns 0.  Returns how many woke."""
        woken = 0
        for thread in self._waiters(futex):
            if woken >= max(count, 1):
                break
            if thread.bitset & bitset:
                self._make_ready(thread, 0)
                woken += 1
        return woken

    def requeue(self, futex: int, count: int, target: int, moved: int) -> int:
        """FUTEX_REQUEUE: wake `count` waiters, move up to `moved` others to `target`; returns both."""
        woken = self.wake(futex, count)
        waiters = self._waiters(futex)[:max(moved, 0)]
        for thread in waiters:
            thread.futex = target
        return woken + len(waiters)

    def exit_status(self, status: int) -> int:
        """The process's exit status if the running thread, exiting with `status`, is the last;
        else STILL_RUNNING.  The process's status is its first thread's, as Linux reports it."""
        if self.current == 1:
            self.leader_status = status
        if len(self.threads) > 1:
            return STILL_RUNNING
        return status if self.leader_status is None else self.leader_status

    def _waiters(self, futex: int) -> list[Thread]:
        return sorted((t for t in self.threads.values() if t.futex == futex), key=lambda t: t.waiting_since)

    def _make_ready(self, thread: Thread, result: int) -> None:
        thread.context[A0_SLOT] = result & ((1 << 64) - 1)
        thread.futex, thread.deadline = None, None
        self.ready.append(thread.tid)

    # ---- switches: each returns the context to go on with, or b"" to go on as before ----
    def preempt(self, regs: list[int], pc: int, step: int) -> bytes:
        """A tick or sched_yield: the running thread goes to the back of the run queue if another
        thread is ready (after waits whose deadline has passed end)."""
        self._expire(self.now(step))
        if not self.ready:
            return b""
        self._save(regs, pc)
        self.ready.append(self.current)
        return self._pick(step)

    def block(self, regs: list[int], pc: int, step: int, futex: int | None, deadline: int | None,
              timeout_result: int = 0, bitset: int = 0xFFFF_FFFF) -> bytes:
        """The running thread waits on `futex` (None: only for its deadline, nanosleep) until woken
        or until `deadline` on the virtual clock (None: no timeout)."""
        thread = self._save(regs, pc)
        thread.futex, thread.deadline, thread.timeout_result, thread.bitset = futex, deadline, timeout_result, bitset
        thread.waiting_since, self.waits = self.waits, self.waits + 1
        return self._pick(step)

    def exit_current(self, step: int) -> bytes:
        """The running thread is gone (its clear_child_tid handled by the caller); another runs."""
        del self.threads[self.current]
        return self._pick(step)

    def _save(self, regs: list[int], pc: int) -> Thread:
        thread = self.threads[self.current]
        thread.context = [pc, *regs[1:32]]
        return thread

    def _expire(self, now: int) -> None:
        """Waits whose deadline has come end, earliest deadline first."""
        due = sorted((t for t in self.threads.values() if t.deadline is not None and t.deadline <= now),
                     key=lambda t: (t.deadline, t.waiting_since))
        for thread in due:
            self._make_ready(thread, thread.timeout_result)

    def _pick(self, step: int) -> bytes:
        """The front of the run queue runs.  With none ready, the clock jumps to the earliest
        deadline; with no deadline either, every thread waits forever: the run ends."""
        now = self.now(step)
        self._expire(now)
        if not self.ready:
            deadlines = [t.deadline for t in self.threads.values() if t.deadline is not None]
            if not deadlines:
                waits = ", ".join(f"tid {t.tid} on futex 0x{t.futex:x}" if t.futex is not None else f"tid {t.tid}"
                                  for t in self.threads.values())
                raise EcallError(f"linux: deadlock: every thread waits with no timeout ({waits})")
            self.clock_offset += min(deadlines) - now
            self._expire(self.now(step))
        self.current = self.ready.popleft()
        thread = self.threads[self.current]
        context, thread.context = thread.context, None
        return CONTEXT.pack(*context)
