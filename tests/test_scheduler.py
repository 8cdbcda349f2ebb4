"""The Linux profile's scheduler (runtime/scheduler.py) on its own: who runs next, who a wake
wakes, where the virtual clock goes.  A context is pc then x1..x31; here a thread's pc names it."""
import pytest

from runtime.host import EcallError
from runtime.scheduler import A0_SLOT, CONTEXT, ETIMEDOUT, STILL_RUNNING, Scheduler

REGS = [0] * 33


def context(pc: int) -> list[int]:
    return [pc] + [0] * 31


def running(switch: bytes) -> tuple[int, int]:
    """(pc, a0) of the context a switch hands the hart to."""
    values = CONTEXT.unpack(switch)
    return values[0], values[A0_SLOT]


def three_threads() -> Scheduler:
    s = Scheduler()
    s.spawn(context(0x200), 0)
    s.spawn(context(0x300), 0)
    return s


def test_threads_take_turns_in_the_order_they_became_ready():
    s = three_threads()
    assert running(s.preempt(REGS, 0x100, step=10))[0] == 0x200
    assert running(s.preempt(REGS, 0x204, step=20))[0] == 0x300
    assert running(s.preempt(REGS, 0x304, step=30))[0] == 0x100
    assert s.current == 1


def test_a_preemption_with_no_other_thread_ready_keeps_the_running_one():
    assert Scheduler().preempt(REGS, 0x100, step=5) == b""


def test_new_threads_get_tids_from_two_up():
    s = three_threads()
    assert sorted(s.threads) == [1, 2, 3] and s.next_tid == 4


def test_a_wake_wakes_waiters_in_the_order_they_began_waiting_and_returns_zero_to_them():
    s = three_threads()
    s.block(REGS, 0x104, 1, futex=0x1000, deadline=None)             # tid 1 waits, tid 2 runs
    s.block(REGS, 0x204, 2, futex=0x1000, deadline=None)             # tid 2 waits, tid 3 runs
    assert s.wake(0x1000, 1) == 1
    assert s.threads[1].futex is None and s.threads[2].futex == 0x1000
    assert running(s.block(REGS, 0x304, 3, futex=0x2000, deadline=None)) == (0x104, 0)


def test_a_wake_of_zero_waiters_still_wakes_one_as_linux_does():
    s = three_threads()
    s.block(REGS, 0x104, 1, futex=0x1000, deadline=None)
    assert s.wake(0x1000, 0) == 1


def test_a_bitset_wake_wakes_only_waiters_whose_bitset_it_meets():
    s = three_threads()
    s.block(REGS, 0x104, 1, futex=0x1000, deadline=None, bitset=0b01)
    s.block(REGS, 0x204, 2, futex=0x1000, deadline=None, bitset=0b10)
    assert s.wake(0x1000, 10, bitset=0b10) == 1
    assert s.threads[1].futex == 0x1000 and s.threads[2].futex is None


def test_a_requeue_wakes_some_and_moves_the_others_to_the_second_futex():
    s = three_threads()
    s.block(REGS, 0x104, 1, futex=0x1000, deadline=None)
    s.block(REGS, 0x204, 2, futex=0x1000, deadline=None)
    assert s.requeue(0x1000, 1, 0x2000, 5) == 2
    assert s.threads[1].futex is None and s.threads[2].futex == 0x2000


def test_with_every_thread_blocked_the_clock_jumps_to_the_earliest_deadline_and_that_wait_times_out():
    s = three_threads()
    s.block(REGS, 0x104, 100, futex=0x1000, deadline=None)
    s.block(REGS, 0x204, 110, futex=0x1000, deadline=9_000, timeout_result=-ETIMEDOUT)
    pc, a0 = running(s.block(REGS, 0x304, 120, futex=None, deadline=5_000))       # a sleep
    assert (pc, a0) == (0x304, 0) and s.now(120) == 5_000


def test_a_timed_out_futex_wait_returns_etimedout():
    s = Scheduler()
    pc, a0 = running(s.block(REGS, 0x104, 100, futex=0x1000, deadline=700, timeout_result=-ETIMEDOUT))
    assert (pc, a0 - (1 << 64)) == (0x104, -ETIMEDOUT)
    assert s.now(100) == 700


def test_a_deadline_that_has_passed_ends_its_wait_at_the_next_tick():
    s = three_threads()
    s.block(REGS, 0x104, 10, futex=0x1000, deadline=50, timeout_result=-ETIMEDOUT)
    assert running(s.preempt(REGS, 0x204, step=60))[0] == 0x300
    assert list(s.ready) == [1, 2]


def test_every_thread_waiting_with_no_timeout_is_a_deadlock():
    s = Scheduler()
    s.spawn(context(0x200), 0)
    s.block(REGS, 0x104, 1, futex=0x1000, deadline=None)
    with pytest.raises(EcallError, match=r"deadlock: every thread waits with no timeout \(tid 1 on futex 0x1000, "
                                         r"tid 2 on futex 0x2000\)"):
        s.block(REGS, 0x204, 2, futex=0x2000, deadline=None)


def test_the_process_exit_status_is_the_first_threads_even_when_another_thread_exits_last():
    s = Scheduler()
    s.spawn(context(0x200), 0)
    assert s.exit_status(9) == STILL_RUNNING
    s.exit_current(step=5)
    assert s.exit_status(4) == 9
