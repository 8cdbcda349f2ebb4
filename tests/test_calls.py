"""The registry of the machine's calls (runtime/calls.py): every call does what its entry
declares, and the guest SDK and docs/machine.md use the registry's numbers."""
import random
import re
from pathlib import Path

import pytest

from guest_asm import CODE, DATA, assert_fault, run
from runtime import calls
from runtime.calls import PRECOMPILE, PRECOMPILE_BASE, ZKAOT, Registry
from runtime.host import GuestExit, HostIO, handle_ecall
from runtime.isa import ABI_NAMES

ROOT = Path(__file__).resolve().parent.parent
GUEST = ROOT / "runtime" / "guest"
NUMBERS = {call.name: call.selector.number for call in ZKAOT.calls}
FDS = {"STDOUT": calls.FD_STDOUT, "STDERR": calls.FD_STDERR, "PUBLIC_OUTPUT": calls.FD_PUBLIC_OUTPUT}


class RecordingMemory:
    """Guest memory of random bytes that logs every host access as (addr, size)."""

    def __init__(self, rng: random.Random):
        self.rng, self.bytes, self.reads, self.writes = rng, {}, [], []

    def read(self, addr: int, n: int) -> bytes:
        self.reads.append((addr, n))
        return bytes(self.bytes.setdefault(addr + i, self.rng.randrange(256)) for i in range(n))

    def write(self, addr: int, data: bytes) -> None:
        self.writes.append((addr, len(data)))
        self.bytes.update((addr + i, b) for i, b in enumerate(data))


def registers_for(call, rng: random.Random) -> list[int]:
    """Random registers that select `call`, with aligned pointers, a valid fd and a short length."""
    regs = [rng.randrange(1 << 64) for _ in range(33)]
    regs[0] = 0
    regs[ZKAOT.register] = call.selector.number
    for span in call.memory_reads + call.memory_writes:
        regs[span.base] = DATA + span.align * rng.randrange(64)
        if span.size_reg is not None:
            regs[span.size_reg] = rng.randrange(16)
    if call is calls.WRITE:
        regs[calls.A0] = rng.choice(list(FDS.values()))
    return regs


def effects(call, regs: list[int], seed: int, step: int = 7):
    """What running `call` at `step` does: its register results (or exit code), memory
    accesses and final bytes, the I/O it makes and the regions it counts."""
    memory, records, io = RecordingMemory(random.Random(seed)), [], HostIO()
    io.on_precompile = lambda *record: records.append(record)
    try:
        result = handle_ecall(ZKAOT, regs, memory, io, step)
    except GuestExit as e:
        result = ("exit", e.code)
    return (result, memory.reads, memory.writes, memory.bytes, bytes(io.output), bytes(io.console), records,
            io.regions.totals, io.regions._open)


@pytest.mark.parametrize("call", ZKAOT.calls, ids=lambda c: c.name)
def test_a_call_depends_only_on_the_registers_it_declares(call):
    rng = random.Random(call.name)
    for _ in range(20):
        regs = registers_for(call, rng)
        other = [v if r in call.reads + (ZKAOT.register,) else rng.randrange(1 << 64) for r, v in enumerate(regs)]
        other[calls.A1] = regs[calls.A1]          # a precompile's record holds a1 as the register did
        assert effects(call, other, 1) == effects(call, regs, 1)


@pytest.mark.parametrize("call", [c for c in ZKAOT.calls if not c.reads_step], ids=lambda c: c.name)
def test_a_call_that_does_not_declare_the_step_does_not_depend_on_it(call):
    regs = registers_for(call, random.Random(call.name))
    assert effects(call, regs, 1, step=0) == effects(call, regs, 1, step=12345)


@pytest.mark.parametrize("call", ZKAOT.calls, ids=lambda c: c.name)
def test_a_call_touches_exactly_the_memory_and_registers_it_declares(call):
    rng = random.Random(call.name)
    for _ in range(20):
        regs = registers_for(call, rng)
        result, reads, writes, *_ = effects(call, regs, 1)
        assert reads == [(regs[s.base], s.size if s.size_reg is None else regs[s.size_reg])
                         for s in call.memory_reads]
        assert writes == [(regs[s.base], s.size) for s in call.memory_writes]
        if call is not calls.EXIT:
            assert [reg for reg, _ in result] == list(call.writes)


@pytest.mark.parametrize("call", ZKAOT.precompiles(), ids=lambda c: c.name)
def test_a_precompile_records_the_bytes_it_read_and_wrote(call):
    regs = registers_for(call, random.Random(call.name))
    _, _, _, memory, _, _, records, *_ = effects(call, regs, 1)
    ((kind, a0, a1, data, out),) = records
    assert (kind, a0, a1) == (call.selector.number, regs[calls.A0], regs[calls.A1])
    assert (len(data), len(out)) == (call.input_size, call.output_size)
    span = call.memory_writes[0]
    assert out[:span.size] == bytes(memory[regs[span.base] + i] for i in range(span.size))


def test_zkaot_calls_below_the_vendor_range_are_linux_numbered_and_precompiles_lie_in_it():
    for call in ZKAOT.calls:
        assert (call.selector.number < PRECOMPILE_BASE) == (call in (calls.EXIT, calls.WRITE)), call.name
        assert call.record != PRECOMPILE or call.selector.number >= PRECOMPILE_BASE, call.name


def test_a_registry_refuses_two_calls_with_one_selector():
    with pytest.raises(ValueError, match="share a selector"):
        Registry([calls.EXIT, calls.EXIT])


@pytest.mark.parametrize("call", ZKAOT.precompiles(), ids=lambda c: c.name)
def test_a_precompile_with_a_misaligned_state_faults_before_touching_memory(call):
    (state,) = call.memory_writes
    result, _ = run("ecall\n", regs={"a7": call.selector.number, "a0": DATA + state.align // 2, "a1": DATA})
    assert_fault(result, CODE, "(ecall)", f"{state.what} pointer 0x{DATA + state.align // 2:08x}",
                 f"not {state.align}-byte aligned")


# ---- the guest SDK and the docs follow the registry ---------------------------------------------

def test_the_c_header_defines_every_call_number_fd_and_the_precompile_base():
    text = (GUEST / "zkaot.h").read_text()
    defined = {m[1]: int(m[2], 0) for m in re.finditer(r"#define ZKAOT_(\w+)\s+(0x[0-9a-fA-F]+|\d+)u?\b", text)}
    assert {k[4:].lower(): v for k, v in defined.items() if k.startswith("SYS_")} == NUMBERS
    assert {k[3:]: v for k, v in defined.items() if k.startswith("FD_")} == FDS
    assert defined["PRECOMPILE_BASE"] == PRECOMPILE_BASE


def test_the_zig_module_defines_every_call_number_fd_and_the_precompile_base():
    text = (GUEST / "zkaot.zig").read_text()
    defined = {m[1]: int(m[2].replace("_", ""), 0) for m in re.finditer(r"pub const (\w+): \w+ = ([0-9a-fx_]+);", text)}
    assert {k[4:].lower(): v for k, v in defined.items() if k.startswith("SYS_")} == NUMBERS
    assert {k[3:]: v for k, v in defined.items() if k.startswith("FD_")} == FDS
    assert defined["PRECOMPILE_BASE"] == PRECOMPILE_BASE


def test_the_guest_sdk_puts_the_call_number_in_the_selector_register():
    selector = ABI_NAMES[ZKAOT.register]
    assert re.search(r'register long \w+ __asm__\("(\w+)"\) = num;', (GUEST / "zkaot.c").read_text())[1] == selector
    zig = int(re.search(r'\[num\] "\{x(\d+)\}" \(num\)', (GUEST / "zkaot.zig").read_text())[1])
    assert zig == ZKAOT.register
    crt0 = re.search(r"li\s+(\w+),\s*(\d+)\s+ecall", (GUEST / "crt0.S").read_text())
    assert (crt0[1], int(crt0[2])) == (selector, calls.EXIT.selector.number)


def test_the_machine_doc_lists_exactly_the_registry_calls():
    text = (ROOT / "docs" / "machine.md").read_text()
    section = re.search(r"^## Ecalls \((\w+) selects.*?\n(.*?)\n\n", text, re.S | re.M)
    assert section[1] == ABI_NAMES[ZKAOT.register]
    rows = re.findall(r"^\| (0x[0-9a-f]+|\d+) \| `(\w+)\(", section[2], re.M)
    assert {name: int(number, 0) for number, name in rows} == NUMBERS and len(rows) == len(NUMBERS)

