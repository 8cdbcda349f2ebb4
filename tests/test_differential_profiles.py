"""Random valid programs (tests/random_programs.py) under another profile's kind of memory map
and calls, on the JIT and the interpreter: no input region (loads there take the slow path
and fault), no stack guard, RAM below the code (stores under the lowest read-only byte stay on
the fast path), and ecalls selected by t0 (SP1's and RISC Zero's calls, with input frames), or OpenVM's
calls (every ecall a fault)."""
from hypothesis import given, settings, strategies as st

from random_programs import STEP_LIMIT, jit_matches_interpreter, programs
from runtime.linux import linux_calls
from runtime.memory_map import RAM_BASE, MemoryMap
from runtime.openvm import OPENVM
from runtime.risc0 import RISC0
from runtime.sp1 import PICO, SP1
from test_differential_random import SETTINGS

VENDOR_LIKE = MemoryMap(ram_base=RAM_BASE - 0x1_0000, ram_size=1 << 20, stack_size=None, input_base=None)
FRAMES = [b"", b"frame", bytes(range(40))]


@settings(max_examples=60, **SETTINGS)
@given(spec=programs(64), data=st.data())
def test_random_rv64_program_runs_the_same_on_the_jit_under_sp1s_calls_and_a_vendor_map(spec, data, jit_cache):
    limit = data.draw(st.sampled_from([STEP_LIMIT, 1, 7]), label="step_limit")
    jit_matches_interpreter(spec, limit, jit_cache, VENDOR_LIKE, calls=SP1[64], frames=FRAMES)


@settings(max_examples=40, **SETTINGS)
@given(spec=programs(32))
def test_random_rv32_program_runs_the_same_on_the_jit_under_picos_calls_and_a_vendor_map(spec, jit_cache):
    jit_matches_interpreter(spec, STEP_LIMIT, jit_cache, VENDOR_LIKE, calls=PICO[32], frames=FRAMES)


@settings(max_examples=40, **SETTINGS)
@given(spec=programs(32))
def test_random_rv32_program_runs_the_same_on_the_jit_under_risc0s_calls_and_a_vendor_map(spec, jit_cache):
    jit_matches_interpreter(spec, STEP_LIMIT, jit_cache, VENDOR_LIKE, calls=RISC0[32], frames=FRAMES)


@settings(max_examples=30, **SETTINGS)
@given(spec=programs(32))
def test_random_rv32_program_runs_the_same_on_the_jit_under_openvms_calls_and_a_vendor_map(spec, jit_cache):
    jit_matches_interpreter(spec, STEP_LIMIT, jit_cache, VENDOR_LIKE, calls=OPENVM[32], frames=FRAMES)


@settings(max_examples=30, **SETTINGS)
@given(spec=programs(64))
def test_random_rv64_program_runs_the_same_on_the_jit_as_a_linux_process(spec, jit_cache):
    """A Linux initial stack at sp (at the end of the map, smaller than the profile's 2^40 bytes so
    that the whole of it can be compared), and the system calls (exit and write are numbered as
    zkaot's own; stdin is the frames)."""
    jit_matches_interpreter(spec, STEP_LIMIT, jit_cache, VENDOR_LIKE, calls=linux_calls(), frames=FRAMES)
