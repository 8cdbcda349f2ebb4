"""The Program ROM (prover/riscv/rom.py): its rows, real executions proven against it,
forged steps refused, and the program ID."""
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from elftools.elf.elffile import ELFFile

from prover.air import Air
from prover.fri import FriParameters
from prover.riscv.limbs import n_limbs, to_limbs
from prover.riscv.rom import (PAD_OP, ROM, image_digest, program_commitment, program_id, rom_air, rom_columns, rom_fixed,
                              rom_messages, rom_multiplicities)
from prover.stark import StarkParameters, prove, setup, verify
from runtime.encoding import TABLE, decode_words
from runtime.memory_map import RAM_BASE
from translator.elf import load_elf
from translator.expand import reference_trace
from zkaot.cli import EXIT_OK, main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
FIB64 = EXAMPLES / "fibonacci" / "guest.rv64im.elf"
SHA32 = EXAMPLES / "sha256" / "guest.rv32im.elf"
CORE64 = EXAMPLES / "coremark_like" / "guest.rv64im.elf"
FAST = StarkParameters(FriParameters(num_queries=16, pow_bits=4))

# examples/fibonacci/guest.rv64im.elf is committed and built reproducibly: its ID changes
# only when the ID's definition (or the default StarkParameters) changes.  Update on purpose.
FIB64_PROGRAM_ID = "f8fde8e2c60eab82d7c57a3895e307824310ab4df4321d9d8a42dcd9b337519d"

B_IS_IMM = frozenset({"I", "SHIFT", "LOAD", "JALR", "U", "J"})     # trace b holds the immediate
FORMAT = np.array([op.format.name for op in TABLE])


def code_words(program):
    """(pcs, words) of the executable segments, read here independently of rom.py."""
    pcs, words = [], []
    for seg in program.segments:
        if seg.executable:
            n = len(seg.data) // 4
            words.append(np.frombuffer(seg.data[:4 * n], "<u4"))
            pcs.append(seg.vaddr + 4 * np.arange(n, dtype=np.int64))
    return np.concatenate(pcs), np.concatenate(words)


def sender_air(xlen: int) -> Air:
    """A stand-in for Main: one row per step, sending the step's ROM message when active."""
    air = Air("steps", main=rom_columns(xlen) + ["active"])
    air.send(ROM, [air.col(c) for c in rom_columns(xlen)], air.col("active"))
    return air


def step_messages(program, rows) -> np.ndarray:
    """The ROM message of each step: pc, op and (for B_IS_IMM formats) the immediate from the
    trace rows; rd, rs1, rs2 (and the S/B immediates) from decoding the word at pc."""
    pcs, words = code_words(program)
    at = np.searchsorted(pcs, rows["pc"].astype(np.int64))
    decoded = decode_words(words[at], program.xlen)
    assert np.array_equal(decoded["op"], rows["op"])
    fmt = FORMAT[rows["op"]]
    mask = np.uint64((1 << program.xlen) - 1)
    imm = np.where(np.isin(fmt, ["S", "B"]), decoded["imm"].view(np.uint64) & mask, 0).astype(np.uint64)
    imm = np.where(np.isin(fmt, list(B_IS_IMM)), rows["b"], imm)
    out = np.zeros((len(rows), 6 + n_limbs(program.xlen)), dtype=np.uint32)
    out[:, 0] = rows["pc"] & 0xFFFF
    out[:, 1] = rows["pc"] >> 16
    out[:, 2] = rows["op"]
    out[:, 3], out[:, 4], out[:, 5] = decoded["rd"], decoded["rs1"], decoded["rs2"]
    out[:, 6:] = to_limbs(imm, program.xlen)
    return out


def sender_trace(messages: np.ndarray) -> np.ndarray:
    n = max(4, 1 << (len(messages) - 1).bit_length())
    out = np.zeros((n, messages.shape[1] + 1), dtype=np.uint32)
    out[:len(messages), :-1] = messages
    out[:len(messages), -1] = 1
    return out


@pytest.fixture(scope="module", params=[FIB64, SHA32], ids=["fibonacci-rv64", "sha256-rv32"])
def run(request):
    elf = load_elf(request.param)
    _, rows, _ = reference_trace(elf, (request.param.parent / "input.bin").read_bytes())
    program = elf.image()
    key = setup([sender_air(program.xlen), rom_air(program.xlen)], fixed={ROM: rom_fixed(program)}, params=FAST)
    return program, rows, key, step_messages(program, rows)


def prove_steps(program, key, messages, pcs):
    traces = {"steps": sender_trace(messages), ROM: rom_multiplicities(program, pcs)}
    return verify(key.verifying_key, {}, prove(key, traces, check=False))


# ---------------------------------------------------------------- the table

def test_the_rom_has_one_row_per_decodable_code_word_and_agrees_with_decode_words():
    program = load_elf(CORE64).image()
    fixed = rom_fixed(program)
    pcs, words = code_words(program)
    decoded = decode_words(words, 64)
    legal = decoded["op"] >= 0
    n = int(legal.sum())
    assert fixed.shape == (1 << (n - 1).bit_length(), 10) and fixed.dtype == np.uint32
    real, padding = fixed[:n], fixed[n:]
    assert np.array_equal(real[:, 0] + (real[:, 1].astype(np.int64) << 16), pcs[legal])
    assert np.array_equal(real[:, 2], decoded["op"][legal])
    for k, name in enumerate(("rd", "rs1", "rs2")):
        assert np.array_equal(real[:, 3 + k], decoded[name][legal])
    imm = decoded["imm"][legal].view(np.uint64)
    has_imm = np.isin(FORMAT[decoded["op"][legal]], list(B_IS_IMM | {"S", "B"}))
    assert np.array_equal(to_limbs(np.where(has_imm, imm, 0), 64), real[:, 6:])
    assert (padding[:, 2] == PAD_OP).all() and not padding[:, [0, 1, 3, 4, 5, 6, 7, 8, 9]].any()


def test_the_rom_immediate_is_what_the_trace_b_holds_for_the_immediate_formats(run):
    program, rows, _, _ = run
    fixed = rom_fixed(program)
    pcs = fixed[:, 0].astype(np.int64) + (fixed[:, 1].astype(np.int64) << 16)
    at = np.searchsorted(pcs[fixed[:, 2] != PAD_OP], rows["pc"].astype(np.int64))
    sel = np.isin(FORMAT[rows["op"]], list(B_IS_IMM))
    assert sel.sum() > 100
    imm = fixed[at[sel], 6:].astype(np.uint64) << (16 * np.arange(n_limbs(program.xlen), dtype=np.uint64))
    assert np.array_equal(np.bitwise_or.reduce(imm, axis=1), rows["b"][sel])


def test_rom_messages_give_each_step_the_message_built_from_its_trace_row(run):
    program, rows, _, messages = run
    assert np.array_equal(rom_messages(program, rows["pc"]), messages)


def test_multiplicities_from_the_pc_histogram_equal_those_from_the_main_rows(run):
    program, rows, _, _ = run
    code_start = min(s.vaddr for s in program.segments if s.executable)
    hist = np.bincount((rows["pc"] - code_start) // 4)
    from_rows = rom_multiplicities(program, rows["pc"])
    assert np.array_equal(rom_multiplicities(program, pc_histogram=hist), from_rows)
    assert from_rows.sum() == len(rows)


def test_a_step_where_there_is_no_instruction_has_no_multiplicity():
    program = load_elf(FIB64).image()
    with pytest.raises(ValueError, match="no instruction"):
        rom_multiplicities(program, [program.entry, 0x1000])
    with pytest.raises(ValueError, match="no instruction"):
        rom_multiplicities(program, pc_histogram=np.ones(4096, dtype=np.uint64))


# ---------------------------------------------------------------- proofs

def test_the_steps_of_a_real_execution_prove_and_verify_against_the_rom(run):
    program, rows, key, messages = run
    verdict = prove_steps(program, key, messages, rows["pc"])
    assert verdict, verdict.reason


def _forge(run, change):
    program, rows, key, messages = run
    bad = messages.copy()
    i = len(bad) // 2
    change(bad[i])
    verdict = prove_steps(program, key, bad, rows["pc"])
    assert not verdict and "bus" in verdict.reason


def test_a_step_with_a_forged_op_is_refused(run):
    add, sub = (next(op.id for op in TABLE if op.name == n) for n in ("add", "sub"))
    _forge(run, lambda m: m.__setitem__(2, sub if m[2] == add else add))


def test_a_step_with_a_forged_immediate_is_refused(run):
    _forge(run, lambda m: m.__setitem__(6, (int(m[6]) + 4) & 0xFFFF))


def test_a_step_at_a_pc_outside_the_code_is_refused(run):
    program, rows, key, messages = run
    bad = messages.copy()
    end = max(s.end for s in program.segments if s.executable)
    bad[-1, 0], bad[-1, 1] = end & 0xFFFF, end >> 16
    verdict = prove_steps(program, key, bad, rows["pc"])
    assert not verdict and "bus" in verdict.reason


def test_padding_rows_name_no_instruction_that_a_step_could_run():
    program = load_elf(FIB64).image()
    fixed = rom_fixed(program)
    padding = fixed[fixed[:, 2] == PAD_OP]
    assert len(padding) == len(fixed) - int((decode_words(code_words(program)[1], 64)["op"] >= 0).sum()) > 0
    assert PAD_OP >= len(TABLE)                                   # not an op id
    pcs = padding[:, 0] + (padding[:, 1].astype(np.int64) << 16)
    assert (pcs < RAM_BASE).all()                                 # below RAM: in no segment


# ---------------------------------------------------------------- program ID

def test_the_program_id_of_the_fibonacci_example_is_the_committed_value():
    assert program_id(load_elf(FIB64).image()) == FIB64_PROGRAM_ID


def test_the_program_id_is_the_same_in_another_process_and_directory(tmp_path):
    copy = tmp_path / "elsewhere" / "renamed.elf"
    copy.parent.mkdir()
    shutil.copyfile(FIB64, copy)
    code = "import sys; from translator.elf import load_elf; from prover.riscv.rom import program_id; " \
           "print(program_id(load_elf(sys.argv[1]).image()))"
    out = subprocess.run([sys.executable, "-c", code, str(copy)], cwd=tmp_path, capture_output=True, text=True,
                         env={"PYTHONPATH": str(ROOT), "PATH": ""}, check=True).stdout.strip()
    assert out == program_id(load_elf(FIB64).image())


def test_different_programs_have_different_ids():
    ids = {program_id(load_elf(p).image()) for p in sorted(EXAMPLES.glob("*/*.elf"))}
    assert len(ids) == len(list(EXAMPLES.glob("*/*.elf")))


def test_changing_one_data_byte_changes_the_id_but_not_the_rom():
    data = bytearray(CORE64.read_bytes())
    with open(CORE64, "rb") as f:
        seg = next(s for s in ELFFile(f).iter_segments()
                   if s["p_type"] == "PT_LOAD" and not s["p_flags"] & 1 and s["p_filesz"])
        offset = seg["p_offset"]
    data[offset] ^= 1
    before, after = load_elf(CORE64).image(), load_elf(bytes(data), name="changed.elf").image()
    c_before, c_after = program_commitment(before), program_commitment(after)
    assert (c_before.rom_log_rows, c_before.rom_root) == (c_after.rom_log_rows, c_after.rom_root)
    assert image_digest(before) != image_digest(after)
    assert program_id(before) != program_id(after)


def test_translate_prints_the_program_id(capsys, jit_cache, monkeypatch):
    monkeypatch.setenv("ZKAOT_CACHE", str(jit_cache))
    assert main(["translate", str(FIB64), "--mode", "fast"]) == EXIT_OK
    assert f"program id: {FIB64_PROGRAM_ID}" in capsys.readouterr().out.splitlines()
