"""The linux profile's threads and scheduler on the no-libc test guest
(tests/guests/linux/guest.c), whose thread tests clone with raw system calls, lock and wait on
futexes, spin, sleep and exit threads, and on a musl program with POSIX threads
(pthreads.c).  What they print does not depend on how threads are scheduled, so it must be
what qemu-riscv64 printed when they were built (expected.json); both engines must agree step
for step, and the minimal trace must replay every switch."""
import json
from pathlib import Path

from profile_runs import both_engines, expansion_matches_reference
from runtime.linux import STACK_TOP, LinuxOptions, linux_calls
from runtime.linux_threads import QUANTUM
from runtime.profiles import PROFILES
from translator.interpreter import Interpreter
from zkaot.recognise import load_guest

HERE = Path(__file__).parent / "guests" / "linux"
GUEST = HERE / "linux_guest.elf"
PTHREADS = HERE / "pthreads.elf"
QEMU = json.loads((HERE / "expected.json").read_text())
LINUX = PROFILES["linux"]


def run_both(test: str, jit_cache, step_limit: int = 3_000_000, elf: Path = GUEST):
    guest = load_guest(elf, "linux")
    calls = linux_calls(LinuxOptions(argv=(b"guest", test.encode())))
    return both_engines(guest.program, LINUX.maps[64], calls, jit_cache, step_limit=step_limit,
                        windows=[(STACK_TOP - 0x4000, STACK_TOP)])


def interpreter(test: str) -> Interpreter:
    guest = load_guest(GUEST, "linux")
    return Interpreter(guest.program, memory_map=LINUX.maps[64], step_limit=3_000_000,
                       calls=linux_calls(LinuxOptions(argv=(b"guest", test.encode()))))


def prints_what_qemu_prints(test: str, jit_cache, elf: Path = GUEST):
    result = run_both(test, jit_cache, elf=elf)
    qemu = QEMU[f"{elf.name} {test}"]
    assert (result.output.decode(), result.exit_code) == (qemu["stdout"], qemu["exit"])
    return result


def test_threads_made_by_clone_share_memory_under_a_futex_mutex_and_are_joined_by_their_cleared_tid(jit_cache):
    prints_what_qemu_prints("threads", jit_cache)


def test_a_futex_condition_variable_hands_every_item_from_producer_to_consumer(jit_cache):
    prints_what_qemu_prints("condvar", jit_cache)


def test_a_thread_spinning_without_system_calls_is_preempted_by_the_quantum(jit_cache):
    result = prints_what_qemu_prints("preempt", jit_cache)
    assert QUANTUM < result.steps < 2 * QUANTUM      # the spinner ran one quantum, then the setter ran


def test_exit_ends_one_thread_and_the_last_threads_exit_ends_the_process(jit_cache):
    prints_what_qemu_prints("thread_exit", jit_cache)


def test_a_timed_wait_with_every_other_thread_blocked_advances_the_clock_to_its_timeout(jit_cache):
    prints_what_qemu_prints("timeout", jit_cache)


def test_thread_ids_set_tid_address_and_signals_that_are_recorded_not_delivered(jit_cache):
    prints_what_qemu_prints("ids", jit_cache)
    interp = interpreter("ids")
    interp.run()
    assert [(tid, signal) for _, tid, signal in interp.io.process.scheduler.signals] == [(1, 23)]


def test_every_thread_waiting_with_no_timeout_is_a_deadlock_that_ends_the_run_in_one_line(jit_cache):
    result = run_both("deadlock", jit_cache)
    assert result.exit_code is None
    assert "linux: deadlock: every thread waits with no timeout (tid 1 on futex 0x" in str(result.fault)
    assert "\n" not in str(result.fault)


def test_waits_that_no_thread_can_fill_skip_virtual_time_instead_of_spending_steps():
    interp = interpreter("timeout")
    assert interp.run().exit_code == 0
    skipped = interp.io.process.scheduler.clock_offset      # the 5 ms wait, the 2 ms and the 1 ms sleeps, less
    assert 8_000_000 - 1_000 < skipped < 8_000_000          # the few steps between their starts


def test_musl_pthreads_create_lock_wait_join_detach_and_keep_thread_local_storage(jit_cache):
    prints_what_qemu_prints("1000", jit_cache, elf=PTHREADS)


def test_a_clone_that_would_make_a_process_ends_the_run_naming_its_flags(jit_cache):
    result = run_both("clone", jit_cache)
    assert "linux: clone with flags 0x0 makes a process, not a thread" in str(result.fault)


def replays_to_what_qemu_prints(test: str, jit_cache, chunk_log2: int, elf: Path = GUEST):
    """The minimal trace of `elf test` expands to the interpreter's full trace."""
    calls = linux_calls(LinuxOptions(argv=(b"guest", test.encode())))
    _, result, _, _ = expansion_matches_reference(load_guest(elf, "linux"), jit_cache, chunk_log2, min_chunks=4,
                                                  calls=calls)
    assert result.output.decode() == QEMU[f"{elf.name} {test}"]["stdout"]


def test_minimal_trace_replays_thread_switches_at_blocking_calls(jit_cache):
    replays_to_what_qemu_prints("threads", jit_cache, 10)


def test_minimal_trace_replays_a_preemption_by_the_quantum(jit_cache):
    replays_to_what_qemu_prints("preempt", jit_cache, 18)


def test_minimal_trace_of_a_musl_pthreads_program_replays(jit_cache):
    replays_to_what_qemu_prints("1000", jit_cache, 11, elf=PTHREADS)
