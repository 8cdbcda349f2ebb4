"""The precompile ecalls (prover/riscv/precompile.py, main.py): runs calling keccakf and
sha256_compress prove and verify with every table; a call's values, inputs, base and
bridge rows cannot be forged."""
from functools import cache

import numpy as np
import pytest

from guest_asm import DATA, program_from_asm
from prover.air import ConstraintError
from prover.riscv.keccak import KECCAKF
from prover.riscv.machine import machine_traces, prove_run, verify_run
from prover.riscv.main import main_air, main_columns, main_lookups, main_trace
from prover.riscv.precompile import PRECOMPILE, bridge_columns
from prover.riscv.sha256 import SHA256
from riscv_helpers import key_of, refuse_run_bus
from runtime.precompiles import keccakf_bytes, sha256_compress_bytes
from translator.elf import load_elf
from translator.expand import reference_trace

KECCAK_A7 = "lui a7, 1\naddi a7, a7, -2048"        # 0x800
SHA_A7 = "lui a7, 1\naddi a7, a7, -2047"           # 0x801
WRITE_AND_EXIT = """
        addi a0, zero, 3
        addi a7, zero, 64
        ecall                       # write(3, a1, a2)
        addi a0, zero, 0
        addi a7, zero, 93
        ecall
"""
# keccakf twice on the 200 bytes at DATA, then the state is the output
KECCAK_SRC = f"""
        auipc a0, 16                # a0 = DATA
        {KECCAK_A7}
        ecall
        ecall
        addi a1, a0, 0
        addi a2, zero, 200
""" + WRITE_AND_EXIT
# a state at DATA + 4 (straddling 8-byte words) and a misaligned block at DATA + 37
# (sharing the word DATA + 32 with the state's last word), then a block overlapping the
# state (the host reads both before writing); the state is the output
SHA_SRC = f"""
        auipc a0, 16
        addi a0, a0, 4              # a0 = DATA + 4
        addi a1, a0, 33             # a1 = DATA + 37
        {SHA_A7}
        ecall
        addi a1, a0, 0              # the block is the state and the 32 bytes after it
        ecall
        addi a2, zero, 32
""" + WRITE_AND_EXIT
# keccakf on the zero state at DATA, nothing read after it
KECCAK_ZERO_SRC = f"""
        auipc a0, 16
        {KECCAK_A7}
        ecall
        addi a0, zero, 0
        addi a7, zero, 93
        ecall
"""
RNG = np.random.default_rng(7)
KECCAK_DATA = RNG.integers(0, 256, 200, dtype=np.uint8).tobytes()
SHA_DATA = RNG.integers(0, 256, 128, dtype=np.uint8).tobytes()


def keccak_expected() -> bytes:
    return keccakf_bytes(keccakf_bytes(KECCAK_DATA))


def sha_expected() -> bytes:
    mem = bytearray(SHA_DATA)
    mem[4:36] = sha256_compress_bytes(bytes(mem[4:36]), bytes(mem[37:101]))
    mem[4:36] = sha256_compress_bytes(bytes(mem[4:36]), bytes(mem[4:68]))
    return bytes(mem[4:36])


@cache
def run_of(src: str, xlen: int, data: bytes = b""):
    """(program, MAIN_ROW rows, PRECOMPILE_ROW rows, result) of a hand-written program."""
    elf = program_from_asm(src, xlen, data)
    result, rows, pre = reference_trace(elf, b"")
    program = elf.image()
    assert result.exit_code == 0, result.fault
    return program, rows, pre, result


def prove_and_verify(program, rows, pre, data, output):
    k, proof, pub = prove_run(program, rows, data, key=key_of(program), precompiles=pre)
    assert pub.output == output
    return verify_run(k.verifying_key, proof, output, 0, entry=pub.entry, final_pc=pub.final_pc, steps=pub.steps)


@pytest.mark.parametrize("name, xlen", [("sha256", 64), ("keccak", 64)])
def test_an_example_using_a_precompile_proves_and_verifies_with_its_expected_output(name, xlen):
    program = load_elf(f"examples/{name}/guest.rv{xlen}im.elf")
    with open(f"examples/{name}/input.bin", "rb") as f:
        data = f.read()
    with open(f"examples/{name}/expected_output.bin", "rb") as f:
        expected = f.read()
    result, rows, pre = reference_trace(program, data)
    assert pre.size > 50
    verdict = prove_and_verify(program.image(), rows, pre, data, expected)
    assert verdict, verdict.reason


@pytest.mark.parametrize("xlen", [64, 32])
def test_keccakf_calls_prove_and_verify(xlen):
    program, rows, pre, result = run_of(KECCAK_SRC, xlen, KECCAK_DATA)
    assert result.output == keccak_expected()
    verdict = prove_and_verify(program, rows, pre, b"", keccak_expected())
    assert verdict, verdict.reason


@pytest.mark.parametrize("xlen", [64, 32])
def test_sha256_compress_calls_with_a_straddling_state_a_misaligned_block_and_a_shared_word_prove_and_verify(xlen):
    program, rows, pre, result = run_of(SHA_SRC, xlen, SHA_DATA)
    assert result.output == sha_expected()
    verdict = prove_and_verify(program, rows, pre, b"", sha_expected())
    assert verdict, verdict.reason


def test_main_sends_exactly_the_traces_precompile_calls():
    program, rows, pre, _ = run_of(SHA_SRC, 64, SHA_DATA)
    calls = main_trace(program, rows).lookups.precompile_calls
    assert np.array_equal(calls, np.stack([pre["step"], pre["kind"], pre["a0"], pre["a1"]], axis=1))


def test_a_run_with_precompile_calls_needs_the_traces_precompile_rows():
    program, rows, _, _ = run_of(KECCAK_SRC, 64, KECCAK_DATA)
    with pytest.raises(ValueError, match="PRECOMPILE_ROW"):
        machine_traces(program, main_trace(program, rows))


def test_a_precompile_that_changes_a0_is_refused():
    program, rows, _, _ = run_of(KECCAK_SRC, 64, KECCAK_DATA)
    mt = main_trace(program, rows)
    col = {name: i for i, name in enumerate(main_columns(64))}
    main = mt.main.copy()
    row = int(np.flatnonzero(main[:, col["e_kec"]] == 1)[0])
    main[row, col["c0"]] += 8
    with pytest.raises(ConstraintError, match="a0 limb 0 is unchanged"):
        main_air(64).check(main, None, mt.public)


def forged(pre, at: str, byte: int):
    """A copy of the PRECOMPILE_ROW rows with one byte of the last call's input or
    output changed (what the call reads or writes; the calls before it are honest)."""
    out = pre.copy()
    out[at][-1, byte] ^= 1
    return out


def test_a_keccakf_lane_written_other_than_the_permutations_output_is_refused():
    program, rows, pre, _ = run_of(KECCAK_SRC, 64, KECCAK_DATA)
    mt = main_trace(program, rows)
    honest = machine_traces(program, mt, precompiles=pre)
    bad = forged(pre, "output", 8 * 5 + 3)                     # lane 5 as the call writes it
    refuse_run_bus(program, key_of(program), mt, b"", precompiles=bad, **{KECCAKF: honest.tables[KECCAKF]})


def test_a_sha256_state_word_written_other_than_the_compressions_output_is_refused():
    program, rows, pre, _ = run_of(SHA_SRC, 64, SHA_DATA)
    mt = main_trace(program, rows)
    honest = machine_traces(program, mt, precompiles=pre)
    bad = forged(pre, "output", 4 * 6)                         # state word 6 after the call
    refuse_run_bus(program, key_of(program), mt, b"", precompiles=bad, **{SHA256: honest.tables[SHA256]})


def test_a_block_word_other_than_what_memory_held_is_refused():
    program, rows, pre, _ = run_of(SHA_SRC, 64, SHA_DATA)
    mt = main_trace(program, rows)
    bad = forged(pre, "input", 32 + 4 * 3 + 1)                 # block word 3
    state, block = bytes(bad["input"][-1, :32]), bytes(bad["input"][-1, 32:96])
    bad["output"][-1, :32] = np.frombuffer(sha256_compress_bytes(state, block), np.uint8)   # the compression holds
    refuse_run_bus(program, key_of(program), mt, b"", precompiles=bad)


def test_a_base_other_than_a0_is_refused():
    program, rows, pre, _ = run_of(KECCAK_ZERO_SRC, 64)
    mt = main_trace(program, rows)
    lk = main_lookups(mt.main, 64)
    lk.precompile_calls = lk.precompile_calls.copy()
    lk.precompile_calls[0, 2] += 256                            # the bridge reads and writes zeros at DATA + 256
    bad = pre.copy()
    bad["a0"] += 256
    assert bad[0]["a0"] == DATA + 256
    refuse_run_bus(program, key_of(program), mt, b"", lk, precompiles=bad)


def bridge_rows_forged(program, mt, pre, change):
    """The honest traces, with the bridge's rows changed by `change(main)` and memory
    built from the honest memops."""
    honest = machine_traces(program, mt, precompiles=pre)
    main = honest.tables[PRECOMPILE].copy()
    change(main)
    return honest, main


def test_a_call_with_a_missing_bridge_row_is_refused():
    program, rows, pre, _ = run_of(KECCAK_ZERO_SRC, 64)
    mt = main_trace(program, rows)
    honest, main = bridge_rows_forged(program, mt, pre, lambda m: m.__setitem__(3, 0))   # lane 3's read: gone
    col = {name: i for i, name in enumerate(bridge_columns())}
    assert main[3, col["is_real"]] == 0 and honest.tables[PRECOMPILE][3, col["idx"]] == 3
    refuse_run_bus(program, key_of(program), mt, b"", memory=honest.memory, precompiles=pre, **{PRECOMPILE: main})


def test_a_call_with_a_duplicated_bridge_row_is_refused():
    program, rows, pre, _ = run_of(KECCAK_ZERO_SRC, 64)
    mt = main_trace(program, rows)
    honest, main = bridge_rows_forged(program, mt, pre, lambda m: m.__setitem__(3, m[2]))   # lane 2 twice, no 3
    refuse_run_bus(program, key_of(program), mt, b"", memory=honest.memory, precompiles=pre, **{PRECOMPILE: main})
