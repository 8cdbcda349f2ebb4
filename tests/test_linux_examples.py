"""The Go and glibc programs of examples/linux run under the linux profile as they ran under
qemu-user when they were built (examples/linux/build.py records expected.json), and the
interpreter agrees with the JIT on a Go program with goroutines, a Go program and a glibc one."""
import json
from pathlib import Path

import pytest

from profile_runs import both_engines, expansion_matches_reference
from runtime.linux import STACK_TOP, LinuxOptions, linux_calls
from runtime.profiles import PROFILES
from translator.executor import NativeMachine
from zkaot.recognise import load_guest

EXAMPLES = Path(__file__).parent.parent / "examples" / "linux"
PROGRAMS = sorted(p.name for p in EXAMPLES.iterdir() if (p / "expected.json").exists())
LINUX = PROFILES["linux"]


def expected(name: str) -> dict:
    return json.loads((EXAMPLES / name / "expected.json").read_text())


def stdin(name: str) -> bytes:
    file = expected(name)["stdin"]
    return (EXAMPLES / name / file).read_bytes() if file else b""


def guest_and_calls(name: str):
    guest = load_guest(EXAMPLES / name / "prog.elf", "linux")
    options = LinuxOptions(argv=(b"prog.elf", *(a.encode() for a in expected(name)["args"])))
    return guest, linux_calls(options)


@pytest.mark.parametrize("name", PROGRAMS)
def test_the_program_prints_and_exits_as_under_qemu_user(name, jit_cache):
    guest, calls = guest_and_calls(name)
    result = NativeMachine(guest.program, b"", LINUX.maps[64], cache_dir=jit_cache, calls=calls,
                           frames=(stdin(name),)).run().result
    assert result.fault is None
    assert (result.output.decode(), result.exit_code) == (expected(name)["stdout"], expected(name)["exit"])


def test_goroutines_on_threads_run_the_same_on_both_engines(jit_cache):
    guest, calls = guest_and_calls("go_concurrency")
    result = both_engines(guest.program, LINUX.maps[64], calls, jit_cache, frames=(b"",),
                          windows=[(STACK_TOP - 0x4000, STACK_TOP)], step_limit=200_000_000)
    assert result.output.decode() == expected("go_concurrency")["stdout"]


@pytest.mark.parametrize("name", ["go_hello", "c_libc_float"])
def test_a_minimal_trace_expands_to_the_interpreters_full_trace(name, jit_cache):
    """The interpreter's run (the reference) ends as the JIT's, and its full trace is the expansion."""
    guest = load_guest(EXAMPLES / name / "prog.elf", "linux")
    expansion_matches_reference(guest, jit_cache, chunk_log2=16, frames=(stdin(name),))
