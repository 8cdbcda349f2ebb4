"""The C extension and the counters under the linux profile, on a musl program built rv64imac
(tests/guests/linux_rvc: about half its instructions compressed).  Its output and exit status
are qemu-user's, recorded when it was built; both engines and every trace mode agree."""
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from profile_runs import both_engines, expansion_matches_reference
from runtime.encoding import TABLE
from runtime.linux import LinuxOptions, linux_calls
from runtime.profiles import PROFILES
from translator.assembler import assemble
from translator.disasm import listing
from translator.elf import load_elf
from translator.executor import NativeMachine
from translator.expand import reference_trace
from translator.interpreter import Interpreter
from elf_factory import PF_R, PF_X, Seg, build_elf
from runtime.memory_map import RAM_BASE, MemoryMap
from zkaot.recognise import load_guest

HERE = Path(__file__).parent / "guests" / "linux_rvc"
LINUX = PROFILES["linux"]
CSRRS = next(op.id for op in TABLE if op.name == "csrrs")


def guest():
    return load_guest(HERE / "linux_rvc_guest.elf", "linux")


def run_both(jit_cache, *argv: bytes):
    calls = linux_calls(LinuxOptions(argv=(b"guest", *argv)))
    return both_engines(guest().program, LINUX.maps[64], calls, jit_cache)


def test_a_compressed_program_prints_what_qemu_user_printed_in_both_engines(jit_cache):
    result = run_both(jit_cache)
    assert result.output == (HERE / "expected.stdout").read_bytes()
    assert result.exit_code == int((HERE / "expected.exit").read_text())


def test_rdcycle_rdtime_and_rdinstret_read_the_step_they_run_at(jit_cache):
    result = run_both(jit_cache, b"counters")
    seen = dict(line.split("=") for line in result.output.decode().splitlines())
    cycle = int(seen["cycle"])
    assert (int(seen["time"]), int(seen["instret"])) == (cycle + 1, cycle + 2)     # read back to back
    program, calls = guest().program, linux_calls(LinuxOptions(argv=(b"guest", b"counters")))
    rows = []
    Interpreter(program, b"", LINUX.maps[64], calls=calls, record=rows.append).run()
    assert [row[4] for row in rows[cycle: cycle + 3]] == [cycle, cycle + 1, cycle + 2]
    assert {row[7] for row in rows[cycle: cycle + 3]} == {CSRRS}


def test_any_other_csr_is_an_illegal_instruction_named_in_one_line(jit_cache):
    result = run_both(jit_cache, b"mstatus")
    assert result.exit_code is None
    assert "(csrrs a1, 0x300, zero): illegal instruction: csr 0x300 (read) is not a CSR of the linux profile" \
        in str(result.fault)


def test_the_full_trace_records_each_length_and_expands_from_the_minimal_trace(jit_cache):
    _, result, main, _ = expansion_matches_reference(guest(), jit_cache, chunk_log2=14, min_chunks=4)
    assert result.exit_code == int((HERE / "expected.exit").read_text())
    assert set(np.unique(main["len"]).tolist()) == {2, 4}
    straight = main["next_pc"] != main["pc"] + main["len"]
    assert (main["pc"][~straight] % 4 == 2).any()                      # 2-byte aligned instructions run
    assert ((main["pc"] % 4 == 2) & (main["len"] == 4)).any()          # and 32-bit ones across a boundary


def test_the_histogram_counts_each_instruction_at_its_2_byte_slot(jit_cache):
    program = guest().program
    run = NativeMachine(program, b"", LINUX.maps[64], mode="minimal", cache_dir=jit_cache,
                        calls=linux_calls()).run()
    _, main, _ = reference_trace(program, memory_map=LINUX.maps[64], profile="linux")
    want = np.bincount((main["pc"] - run.trace.code_base) // 2, minlength=len(run.trace.pc_histogram))
    assert np.array_equal(run.trace.pc_histogram, want)


@pytest.mark.parametrize("engine", ["interp", "jit"])
def test_the_zkaot_profile_still_rejects_a_compressed_word(engine, jit_cache):
    code = assemble("addi a0, zero, 1\n.word 0x00000505\n", RAM_BASE)
    program = load_elf(build_elf([Seg(RAM_BASE, PF_R | PF_X, code)]))
    machine = Interpreter(program, b"", MemoryMap()) if engine == "interp" else \
        NativeMachine(program, b"", MemoryMap(), cache_dir=jit_cache)
    result = machine.run() if engine == "interp" else machine.run().result
    assert str(result.fault) == ("pc 0x80000004 (0x00000505): illegal instruction: "
                                 "0x00000505 is a compressed (C extension) encoding, not supported")


@pytest.mark.skipif(shutil.which("riscv64-linux-gnu-objdump") is None, reason="binutils is not installed")
def test_disasm_lists_compressed_code_at_the_addresses_objdump_finds():
    g = guest()
    ours = [line.split(":")[0].strip() for line in listing(g.program, g.profile.calls[64].extensions)
            if re.match(r"  [0-9a-f]{8}:", line)]
    dump = subprocess.run(["riscv64-linux-gnu-objdump", "-d", str(HERE / "linux_rvc_guest.elf")],
                          capture_output=True, text=True, check=True).stdout
    theirs = [f"{int(m, 16):08x}" for m in re.findall(r"^\s+([0-9a-f]+):\s", dump, re.M)]
    assert ours == theirs


def test_the_profiles_that_take_the_c_extension_are_linux_and_zisk():
    assert {name for name, profile in PROFILES.items() if profile.compressed} == {"linux", "zisk", "zisk-legacy"}
