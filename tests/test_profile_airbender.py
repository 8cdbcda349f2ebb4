"""The airbender profile on a raw binary written here to riscv_common's ABI
(tests/guests/airbender/), in both engines, with BLAKE2s checked against hashlib."""
import hashlib
import struct
from pathlib import Path

import pytest

from profile_runs import both_engines, expansion_matches_reference
from runtime.airbender import AIRBENDER, MEMORY_MAP
from runtime.calls import CSR_OPERAND
from runtime.host import HostIO
from runtime.memory import GuestMemory
from runtime.profiles import PROFILES
from translator.elf import ElfError
from zkaot.recognise import load_guest

APP = Path(__file__).parent / "guests" / "airbender" / "app.bin"
SP1_ELF = Path(__file__).parent / "guests" / "sp1" / "sp1_guest.elf"
WINDOWS = [(0x23F_0000, 0x240_0000), (0x240_0000, 0x240_1000)]      # the stack's top, the data above it


def words(*values: int) -> bytes:
    return struct.pack(f"<{len(values)}I", *values)


def run_both(frames: list[bytes], cache_dir, step_limit: int = 1_000_000):
    guest = load_guest(APP, "airbender")
    return both_engines(guest.program, guest.profile.maps[32], guest.profile.calls[32], cache_dir, frames,
                        windows=WINDOWS, step_limit=step_limit)


def test_the_input_is_a_word_stream_that_reads_0_when_used_up_and_x10_to_x17_are_the_output(jit_cache):
    result = run_both([words(1, 5, 10, 20), words(30)], jit_cache)       # frames join into one stream
    assert (result.exit_code, result.output) == (0, words(5, 10, 20, 30, 0, 0, 0, 0))


def test_the_run_ends_at_the_jump_to_itself_which_counts_as_a_step(jit_cache):
    result = run_both([words(1, 0)], jit_cache)
    assert result.exit_code == 0 and result.pc == 0x34      # start.S's `1: j 1b`
    cut = run_both([words(1, 0)], jit_cache, step_limit=result.steps - 1)
    assert (cut.exit_code, cut.pc, cut.steps) == (None, 0x34, result.steps - 1)
    assert str(cut.fault).endswith(f"step limit of {result.steps - 1} steps reached")


@pytest.mark.parametrize("length", [0, 1, 3, 63, 64, 65, 128, 200, 1000])
def test_the_blake2s_round_delegation_gives_hashlibs_blake2s(length, jit_cache):
    message = bytes((11 * i + length) & 0xFF for i in range(length))
    result = run_both([words(2, length), message], jit_cache)
    assert (result.exit_code, result.output) == (0, hashlib.blake2s(message).digest())


def test_words_written_to_the_non_determinism_csr_are_quasi_uart_console_lines(jit_cache):
    result = run_both([words(3)], jit_cache)
    assert (result.exit_code, result.console, result.output) == (0, b"hello from airbender\n", words(3, *[0] * 7))


@pytest.mark.parametrize("command, fault", [
    (4, "(csrrw zero, 0xc00, zero): airbender: the guest finished with an error "
        "(zksync_os_finish_error: csrrw x0, cycle, x0)"),
    (5, "(csrrw a0, 0x7c0, a0): airbender: csr 0x7c0 both read (into x10) and written (from x10): "
        "the non-determinism port is read-only or write-only"),
    (6, "(csrrw zero, 0x7c9, a0): airbender: csr 0x7c9 (write) is not implemented "
        "(docs/profiles.md lists the airbender calls zkaot has)"),
    (7, "(csrrw zero, 0x7c7, zero): airbender: blake2s round (csr 0x7c7): x10 = 0x2400084 is not 128-byte aligned"),
])
def test_an_error_finish_a_bad_csr_access_or_call_ends_the_run_on_one_line(command, fault, jit_cache):
    result = run_both([words(command)], jit_cache)
    assert result.exit_code is None and str(result.fault).endswith(fault)


def test_minimal_trace_expands_to_the_interpreters_full_trace(jit_cache):
    """The words read are host state: the load log carries them, so chunks replay without the input."""
    _, result, _, precompiles = expansion_matches_reference(
        load_guest(APP, "airbender"), jit_cache, 8, [words(2, 100), bytes(range(100))], min_chunks=4)
    assert (result.exit_code, result.output) == (0, hashlib.blake2s(bytes(range(100))).digest())
    assert len(precompiles) == 0


def test_a_raw_binary_needs_the_profile_named_auto_refuses_it_as_the_elf_loader_does():
    with pytest.raises(ElfError, match=r"app.bin: not an ELF file: magic bytes 17 01 40 02, expected 7f 45 4c 46$"):
        load_guest(APP)


def test_the_airbender_profile_refuses_an_elf():
    with pytest.raises(ElfError, match="an ELF file, and the airbender profile runs the raw binary"):
        load_guest(SP1_ELF, "airbender")


def test_the_raw_binary_is_read_only_code_at_0_entered_there():
    program = load_guest(APP, "airbender").program
    (segment,) = program.segments
    assert (program.entry, program.xlen, segment.vaddr, segment.writable, segment.executable) == (0, 32, 0, False, True)
    assert segment.data == APP.read_bytes() and PROFILES["airbender"].calls[32].self_loop is not None


@pytest.mark.parametrize("right", [False, True])
def test_the_compression_mode_hashes_a_merkle_node_as_hashlibs_blake2s_of_its_64_bytes(right):
    """Ten rounds in compression mode: the state and the message's first 8 words are the two
    halves of one 64-byte block (the message first with the right-node bit)."""
    memory = GuestMemory((), b"", MEMORY_MAP)
    node, message = bytes(range(32)), bytes(range(100, 164))
    state_at, message_at = 0x40_0000, 0x40_0100
    memory.write(state_at, node + bytes(64))
    memory.write(message_at, message)
    (call,) = [c for c in AIRBENDER.calls if c.name == "blake2s_round"]
    for r in range(10):
        regs = [0] * 35
        regs[10], regs[11], regs[12], regs[13] = state_at, message_at, 1 << r, 4 | 2 * right | (r == 9)
        regs[CSR_OPERAND] = 0
        call.handler(call, regs, memory, HostIO(), 0)
    block = message[:32] + node if right else node + message[:32]
    assert memory.read(state_at, 32) == hashlib.blake2s(block).digest()


def test_run_json_takes_the_raw_binary_under_the_named_profile(tmp_path, capsys, monkeypatch):
    import json
    from zkaot.cli import EXIT_OK, main
    monkeypatch.setenv("ZKAOT_CACHE", str(tmp_path / "cache"))
    (tmp_path / "input").write_bytes(words(2, 3) + b"abc")
    assert main(["run", str(APP), "--profile", "airbender", "--input", str(tmp_path / "input"), "--json"]) == EXIT_OK
    report = json.loads(capsys.readouterr().out)
    assert (report["profile"], report["exit_code"], report["public_output"]) == \
           ("airbender", 0, hashlib.blake2s(b"abc").hexdigest())
