"""translator/segments.py: a run's full trace cut into segments for continuations."""
import tempfile

import numpy as np
import pytest

from guest_asm import program_from_asm
from runtime.encoding import TABLE
from translator.elf import load_elf
from translator.expand import reference_trace
from translator.segments import SegmentedRun, TraceSegments, cut_points, write_run_trace

LR = next(op.id for op in TABLE if op.name == "lr.w")
SC = next(op.id for op in TABLE if op.name == "sc.w")
ADD = next(op.id for op in TABLE if op.name == "add")
CSRRS, CSRRWI = (next(op.id for op in TABLE if op.name == name) for name in ("csrrs", "csrrwi"))

# lr.w / sc.w pairs inside a loop, and a precompile-free run long enough for many segments
LOOP = """
        auipc s0, 16
        addi t2, zero, 20
loop:
        lr.w t3, (s0)
        addi t3, t3, 1
        sc.w t4, t3, (s0)
        addi t2, t2, -1
        bne t2, zero, loop
        addi a0, zero, 0
        addi a7, zero, 93
        ecall
"""


def test_segments_without_reservations_are_cut_every_segment_steps():
    assert cut_points(np.full(10, ADD), 4).tolist() == [4, 8, 10]


def test_a_cut_moves_past_a_held_reservation_to_its_sc():
    ops = np.array([ADD, ADD, ADD, LR, ADD, SC, ADD, ADD])
    assert cut_points(ops, 4).tolist() == [6, 8]


def test_a_reservation_held_to_the_end_makes_one_segment():
    ops = np.array([ADD, LR, ADD, ADD, ADD, ADD])
    assert cut_points(ops, 2).tolist() == [6]


def test_no_cut_falls_right_after_a_csr_instruction():
    ops = np.array([ADD, ADD, ADD, CSRRS, CSRRWI, ADD, ADD, ADD])     # ZisK's free-call parameter, then its call
    assert cut_points(ops, 4).tolist() == [6, 8]


def test_segment_steps_below_one_are_refused():
    with pytest.raises(ValueError, match="at least 1"):
        cut_points(np.full(3, ADD), 0)


def held_after_cut(rows, cuts):
    """For each cut but the last: whether an LR reservation is held after the step before it."""
    held = []
    for end in cuts[:-1]:
        ops = rows["op"][:end]
        events = np.flatnonzero(np.isin(ops, [LR, SC]))
        held.append(bool(events.size) and ops[events[-1]] == LR)
    return held


def test_the_interpreter_stream_is_the_reference_trace_cut_where_no_reservation_is_held():
    program = program_from_asm(LOOP)
    _, rows, _ = reference_trace(program)
    pieces = list(SegmentedRun(program, b"", 4))
    assert np.array_equal(np.concatenate([p for p, _ in pieces]), rows)
    cuts = np.cumsum([p.size for p, _ in pieces])
    assert not any(held_after_cut(rows, cuts))
    assert cuts.tolist() == cut_points(rows["op"], 4).tolist()


def test_trace_segments_of_a_written_trace_are_its_rows_in_order_with_local_precompile_steps():
    program = load_elf("examples/keccak/guest.rv64im.elf")
    data = open("examples/keccak/input.bin", "rb").read()
    _, rows, precompiles = reference_trace(program, data)
    assert precompiles.size
    pieces = list(TraceSegments(rows, precompiles, 5000))
    assert np.array_equal(np.concatenate([p for p, _ in pieces]), rows)
    starts = np.concatenate([[0], np.cumsum([p.size for p, _ in pieces])[:-1]])
    global_steps = np.concatenate([pre["step"] + s for (_, pre), s in zip(pieces, starts)])
    assert np.array_equal(global_steps, precompiles["step"])
    assert all(((pre["step"] >= 0) & (pre["step"] < p.size)).all() for p, pre in pieces)


def test_the_interpreter_stream_gives_precompile_steps_counted_from_the_segment():
    program = load_elf("examples/keccak/guest.rv64im.elf")
    data = open("examples/keccak/input.bin", "rb").read()
    _, rows, precompiles = reference_trace(program, data)
    streamed = list(SegmentedRun(program, data, 5000))
    expected = list(TraceSegments(rows, precompiles, 5000))
    assert len(streamed) == len(expected)
    for (rows_a, pre_a), (rows_b, pre_b) in zip(streamed, expected):
        assert np.array_equal(rows_a, rows_b) and np.array_equal(pre_a, pre_b)


def test_a_streamed_run_written_to_trace_files_is_the_reference_trace():
    program = load_elf("examples/keccak/guest.rv64im.elf")
    data = open("examples/keccak/input.bin", "rb").read()
    result, rows, precompiles = reference_trace(program, data)
    with tempfile.TemporaryDirectory() as directory:
        write_run_trace(SegmentedRun(program, data, 5000), directory, rows.size)
        assert np.array_equal(np.load(f"{directory}/main.npy"), rows)
        assert np.array_equal(np.load(f"{directory}/precompile.npy"), precompiles)
