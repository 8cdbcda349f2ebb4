"""The exit and write ecalls (prover/riscv/main.py, output.py): whole runs prove their
exit code and public output; another output, exit code or a0, or a run cut before its
exit, is refused."""
from functools import cache

import numpy as np
import pytest

from guest_asm import program_from_asm
from prover.air import ConstraintError
from prover.riscv.machine import prove_run, verify_run
from prover.riscv.main import PUBLICS, main_air, main_trace
from riscv_helpers import fib, key_of
from runtime.encoding import TABLE
from translator.expand import reference_trace

ECALL = next(op.id for op in TABLE if op.name == "ecall")

# a misaligned 13-byte output write (partial first and last chunks), an empty one, a
# console write, then exit(-3)
WRITES = """
        auipc a1, 16                # a1 = DATA
        lui a2, 0x64636
        addi a2, a2, 0x261          # "abcd" little-endian
        sw a2, 0(a1)
        sw a2, 4(a1)
        sw a2, 8(a1)
        sw a2, 12(a1)
        sw a2, 16(a1)
        addi a0, zero, 3
        addi a1, a1, 1
        addi a2, zero, 13
        addi a7, zero, 64
        ecall                       # write(3, DATA + 1, 13)
        addi a0, zero, 3
        addi a2, zero, 0
        ecall                       # write(3, ., 0)
        addi a0, zero, 1
        addi a2, zero, 5
        ecall                       # write(1, DATA + 1, 5): console
        addi a0, zero, -3
        addi a7, zero, 93
        ecall
"""


@cache
def writes_run(xlen):
    program = program_from_asm(WRITES, xlen)
    result, rows, _ = reference_trace(program, b"")
    assert result.exit_code == -3 and result.output == b"bcdabcdabcdab", (result.fault, result.output)
    return program.image(), rows, result


@cache
def proved_fib(xlen):
    program, rows, result, data = fib(xlen)
    return prove_run(program, rows, data, key=key_of(program)), result


def check(xlen, output, code, proved=None):
    (k, proof, pub), _ = proved or proved_fib(xlen)
    return verify_run(k.verifying_key, proof, output, code, entry=pub.entry, final_pc=pub.final_pc, steps=pub.steps)


@pytest.mark.parametrize("xlen", [64, 32])
def test_a_whole_fibonacci_run_verifies_with_its_real_output_and_exit_code_0(xlen):
    (k, proof, pub), result = proved_fib(xlen)
    assert pub.exit_code == 0 and pub.output == result.output and len(result.output) == 8
    verdict = check(xlen, result.output, 0)
    assert verdict, verdict.reason


def test_a_different_output_byte_is_refused():
    _, result = proved_fib(64)
    forged = bytearray(result.output)
    forged[3] ^= 1
    verdict = check(64, bytes(forged), 0)
    assert not verdict and "commitment" in verdict.reason


def test_a_truncated_output_is_refused():
    _, result = proved_fib(32)
    assert not check(32, result.output[:-1], 0)
    assert not check(32, result.output + b"\0", 0)


def test_a_different_exit_code_is_refused():
    _, result = proved_fib(64)
    for code in (1, -1, 1 << 16):
        assert not check(64, result.output, code)


def test_a_failed_run_verifies_only_with_its_signed_exit_code_and_a_misaligned_multi_chunk_output():
    for xlen in (64, 32):
        program, rows, result = writes_run(xlen)
        proved = prove_run(program, rows, b"", key=key_of(program)), result
        assert proved[0][2].exit_code == -3 and proved[0][2].output == result.output
        verdict = check(xlen, result.output, -3, proved)
        assert verdict, verdict.reason
        assert not check(xlen, result.output, 0, proved)
        assert not check(xlen, result.output, (1 << 32) - 3, proved)
        assert not check(xlen, result.output[1:], -3, proved)


def test_a_write_ecall_whose_a0_is_not_len_fails_the_constraints():
    for xlen in (64, 32):
        program, rows, _ = writes_run(xlen)
        forged = rows.copy()
        i = int(np.flatnonzero(rows["op"] == ECALL)[0])
        assert rows["b"][i] == 64 and rows["c"][i] == 13
        forged["c"][i] = 12
        with pytest.raises(ValueError, match="not the call's result"):
            main_trace(program, forged)
        mt = main_trace(program, forged, strict=False)
        with pytest.raises(ConstraintError, match="write: a0 limb 0 = len's"):
            main_air(xlen).check(mt.main, public=mt.public)


def test_a_console_write_returns_len_too():
    program, rows, _ = writes_run(64)
    forged = rows.copy()
    i = int(np.flatnonzero(rows["op"] == ECALL)[2])
    assert rows["a"][i] == 1
    forged["c"][i] = 0
    mt = main_trace(program, forged, strict=False)
    with pytest.raises(ConstraintError, match="write: a0 limb 0 = len's"):
        main_air(64).check(mt.main, public=mt.public)


def test_a_run_cut_before_its_exit_ecall_is_refused():
    program, rows, result, data = fib(64)
    k, proof, pub = prove_run(program, rows[:-1], data, key=key_of(program))
    assert not pub.exited and pub.exit_code is None
    assert not verify_run(k, proof, result.output, 0, entry=pub.entry, final_pc=pub.final_pc, steps=pub.steps)
    mt = main_trace(program, rows[:-1])                     # and its table cannot claim to have exited
    public = list(mt.public)
    public[PUBLICS.index("exited")] = 1
    with pytest.raises(ConstraintError, match="ends in an exit"):
        main_air(64).check(mt.main, public=public)


def test_an_unknown_ecall_and_a_write_to_another_fd_cannot_be_proven():
    """The registers a7 (0x802, no such ecall) or a0 (fd 4) hold at the first write: no
    ecall kind matches, so no table exists (and a forged one fails the ecall constraints)."""
    program, rows, _ = writes_run(64)
    i = int(np.flatnonzero(rows["op"] == ECALL)[0])
    for back, value, reason in ((1, 0x802, "only exit"), (4, 4, "fd 4")):
        forged = rows.copy()
        forged["c"][i - back] = value                       # addi a7, zero, 64 / addi a0, zero, 3
        with pytest.raises(ValueError, match=reason):
            main_trace(program, forged, strict=False)
