"""Zicsr's unprivileged counters, for the linux profile: `rdcycle`, `rdtime` and `rdinstret`
(csrrs rd, cycle/time/instret, x0, and every other read of them) as calls of its registry.

Deterministic, as the profile's clock is (runtime/linux.py): each reads the number of
instructions retired before it, the step; `rdtime` reads the profile's virtual clock, the step
plus the time the scheduler skipped (runtime/linux_threads.py clock).  A step is one cycle and
one nanosecond, so `rdtime` counts in the units of clock_gettime (a 1 GHz timebase) and agrees
with it.  Any
other CSR, and a write to these, is an illegal instruction with one line naming it.
"""
from runtime.calls import Call, Csr
from runtime.linux_threads import clock

CYCLE, TIME, INSTRET = 0xC00, 0xC01, 0xC02


def _steps(call: Call, regs, memory, io, step: int) -> tuple[int, ...]:
    return (step,)


def _time(call: Call, regs, memory, io, step: int) -> tuple[int, ...]:
    """The profile's virtual clock: the step, plus the time the scheduler skipped while every thread slept."""
    return (clock(memory, io, step),)


COUNTERS = (Call("rdcycle", Csr(CYCLE, "read"), _steps, reads_step=True),
            Call("rdtime", Csr(TIME, "read"), _time, reads_step=True),
            Call("rdinstret", Csr(INSTRET, "read"), _steps, reads_step=True))


def unknown_csr(number: int, access: str) -> str:
    """The fault of any other CSR access."""
    return (f"illegal instruction: csr 0x{number:03x} ({access}) is not a CSR of the linux profile, which "
            f"reads cycle (0xc00), time (0xc01) and instret (0xc02), and fflags, frm and fcsr (1-3) only")
