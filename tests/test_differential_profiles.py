"""Random valid programs (tests/random_programs.py) under another profile's kind of memory map
and calls, on the JIT and the interpreter: no input region (loads there take the slow path
and fault), no stack guard, RAM below the code (stores under the lowest read-only byte stay on
the fast path), and ecalls selected by t0 (SP1's and RISC Zero's calls, with input frames), or OpenVM's
calls (every ecall a fault), or Ceno's (t0, with the hints in a read-only region inside a hole)."""
from hypothesis import given, settings, strategies as st

from differential import li
from guest_asm import DATA
from random_programs import STEP_LIMIT, jit_matches_interpreter, programs, render
from runtime import zisk
from runtime.airbender import AIRBENDER
from runtime.ceno import CENO, hints
from runtime.linux import linux_calls
from runtime.memory_map import INPUT_BASE, RAM_BASE, MemoryMap
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


# ZisK's kind of map, scaled down: the input region at 0x4000_0000, a gap and a system page as
# holes in the window, and its calls with the UART in that page.
ZISK_SYS, ZISK_GAP = RAM_BASE + 0x8_0000, (RAM_BASE + 0x4_0000, RAM_BASE + 0x6_0000)
ZISK_LIKE = MemoryMap(ram_base=RAM_BASE, ram_size=1 << 20, stack_size=None,
                      holes=((*ZISK_GAP, "the gap"), (ZISK_SYS, ZISK_SYS + 0x1000, "the system page")))
ZISK_CALLS = zisk.registry(zisk.Layout(input_addr=INPUT_BASE, sys_addr=ZISK_SYS, output_addr=DATA))


@st.composite
def zisk_item(draw):
    """Lines that reach the zisk calls or the holes: UART bytes, marchid, keccakf on the data
    window; rarely a store of the wrong size to the UART, a load from the gap or an unknown CSR."""
    rd, rs = draw(st.sampled_from(["a3", "a4", "zero"])), draw(st.sampled_from(["a0", "a3", "s1", "zero"]))
    kind = draw(st.sampled_from(["uart"] * 4 + ["marchid", "marchid-i", "keccakf", "uart-word", "gap", "csr"]))
    sys_page = li("t6", ZISK_SYS).splitlines()
    return {"uart": sys_page + [f"sb {rs}, 0x200(t6)"],
            "marchid": [f"csrrs {rd}, 0xf12, zero"],
            "marchid-i": [f"csrrci {rd}, 0xf12, 0"],
            "keccakf": ["csrrs zero, 0x800, x8"],
            "uart-word": sys_page + [f"sh {rs}, 0x200(t6)"],
            "gap": li("t6", ZISK_GAP[0] + 8).splitlines() + [f"ld {rd}, 0(t6)"],
            "csr": [f"csrrw {rd}, 0x123, {rs}"]}[kind]


@st.composite
def zisk_programs(draw):
    spec = draw(programs(64))
    for lines in draw(st.lists(zisk_item(), max_size=4)):
        spec.main.insert(draw(st.integers(0, len(spec.main))), lines)
    spec.source = render(spec)
    return spec


@settings(max_examples=40, **SETTINGS)
@given(spec=zisk_programs())
def test_random_rv64_program_runs_the_same_on_the_jit_under_zisks_calls_and_map(spec, jit_cache):
    jit_matches_interpreter(spec, STEP_LIMIT, jit_cache, ZISK_LIKE, calls=ZISK_CALLS)


@st.composite
def airbender_item(draw):
    """Lines that reach Airbender's calls: words read from and written to CSR 0x7c0 (a QuasiUART
    message start among them), a blake2s round on the data window; rarely a bad access."""
    rd, rs = draw(st.sampled_from(["a3", "a4", "t1"])), draw(st.sampled_from(["a0", "a3", "s1"]))
    kind = draw(st.sampled_from(["read"] * 3 + ["write"] * 2 + ["hello", "blake2s", "both", "round"]))
    round_bit = 1 << draw(st.integers(0, 9))
    control = draw(st.integers(0, 7))
    blake = ["addi a0, x8, 0", "addi a1, x8, 128", *li("a2", round_bit, 32).splitlines(),
             f"addi a3, zero, {control}", "csrrw zero, 0x7c7, zero"]
    return {"read": [f"csrrw {rd}, 0x7c0, zero"], "write": [f"csrrw zero, 0x7c0, {rs}"],
            "hello": ["addi t1, zero, -1", "csrrw zero, 0x7c0, t1"], "blake2s": blake,
            "both": [f"csrrw {rd}, 0x7c0, {rs}"], "round": ["addi a2, zero, 3", "csrrw zero, 0x7c7, zero"]}[kind]


@st.composite
def airbender_programs(draw):
    """Random programs as Airbender's guests end: at a jump to itself, not an exit ecall (and
    without the generator's write ecalls, which Airbender does not have)."""
    spec = draw(programs(32))
    spec.main = [it for it in spec.main if not (isinstance(it, list) and "ecall" in it)] or [["addi a3, a3, 1"]]
    spec.tail = "endless" if spec.tail == "exit" else spec.tail
    for lines in draw(st.lists(airbender_item(), max_size=5)):
        spec.main.insert(draw(st.integers(0, len(spec.main))), lines)
    spec.source = render(spec)
    return spec


@settings(max_examples=40, **SETTINGS)
@given(spec=airbender_programs())
def test_random_rv32_program_runs_the_same_on_the_jit_under_airbenders_calls(spec, jit_cache):
    jit_matches_interpreter(spec, STEP_LIMIT, jit_cache, VENDOR_LIKE, self_loop_halts=True, calls=AIRBENDER,
                            frames=FRAMES)


# Ceno's kind of map, scaled down: the hints region a hole in the window, with the read-only input
# region (zkaot's u64 length, then the hints as ceno_host lays them out) inside it.
CENO_HOLE = (RAM_BASE + 0x4_0000, RAM_BASE + 0x6_0000)
CENO_HINTS = RAM_BASE + 0x5_0000
CENO_LIKE = MemoryMap(ram_base=RAM_BASE - 0x1_0000, ram_size=1 << 20, stack_size=None, input_base=CENO_HINTS - 8,
                      max_input=0x1_0000 - 8, holes=((*CENO_HOLE, "the hints region"),))


@st.composite
def ceno_item(draw):
    """Lines that reach Ceno's calls and its hints: loads of hint words (some past the hints),
    PUB_IO_COMMIT and KECCAK_PERMUTE on the data window; rarely a store to the hints, a HALT or a
    call Ceno's profile does not have."""
    rd, rs = draw(st.sampled_from(["a3", "a4", "s1"])), draw(st.sampled_from(["a0", "a3", "s1"]))
    offset = draw(st.sampled_from([0, 4, 8, 12, 16, 40, 4096]))
    hint = li("t6", CENO_HINTS + offset, 32).splitlines()
    kind = draw(st.sampled_from(["load"] * 3 + ["commit", "keccak", "store", "halt", "unknown"]))
    call = {"commit": 0x10, "keccak": 0x00_01_01_09, "halt": 0, "unknown": 0x00_30_01_05}.get(kind, 0)
    return {"load": hint + [f"lw {rd}, 0(t6)"], "store": hint + [f"sw {rs}, 0(t6)"]}.get(
        kind, li("t0", call, 32).splitlines() + ["addi a0, x8, 0", "ecall"])


@st.composite
def ceno_programs(draw):
    spec = draw(programs(32))
    for lines in draw(st.lists(ceno_item(), max_size=5)):
        spec.main.insert(draw(st.integers(0, len(spec.main))), lines)
    spec.input_bytes = hints(FRAMES)
    spec.source = render(spec)
    return spec


@settings(max_examples=30, **SETTINGS)
@given(spec=ceno_programs())
def test_random_rv32_program_runs_the_same_on_the_jit_under_cenos_calls_and_hints(spec, jit_cache):
    jit_matches_interpreter(spec, STEP_LIMIT, jit_cache, CENO_LIKE, calls=CENO[32])
