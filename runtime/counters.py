"""Zicsr's unprivileged counters, for the linux profile: `rdcycle`, `rdtime` and `rdinstret`
(csrrs rd, cycle/time/instret, x0, and every other read of them) as calls of its registry.

Deterministic, as the profile's clock is (runtime/linux.py): each reads the number of
instructions retired before it, the step.  A step is one cycle and one nanosecond, so
`rdtime` counts in the units of clock_gettime (a 1 GHz timebase) and agrees with it.  Any
other CSR, and a write to these, is an illegal instruction with one line naming it.
"""
from runtime.calls import Call, Csr

CYCLE, TIME, INSTRET = 0xC00, 0xC01, 0xC02


def _steps(call: Call, regs, memory, io, step: int) -> tuple[int, ...]:
    return (step,)


COUNTERS = tuple(Call(name, Csr(number, "read"), _steps, reads_step=True)
                 for name, number in (("rdcycle", CYCLE), ("rdtime", TIME), ("rdinstret", INSTRET)))


def unknown_csr(number: int, access: str) -> str:
    """The fault of any other CSR access."""
    return (f"illegal instruction: csr 0x{number:03x} ({access}) is not a CSR of the linux profile, which "
            f"reads cycle (0xc00), time (0xc01) and instret (0xc02) only")
