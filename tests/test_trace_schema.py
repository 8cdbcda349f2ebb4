"""The trace schema: the derived tables computed from hand-built MAIN_ROW rows, and trace
directories (atomic .npy writes, memory-mapped reads)."""
import json
import os

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from runtime.encoding import BY_ID, TABLE
from runtime.trace import (
    ALU_ROW, BRANCH_ROW, DERIVED_DTYPES, DERIVED_OPS, FLAG_MISALIGNED, MAIN_ROW, MEMORY_ROW,
    UNTABLED_OPS, derive_tables,
)
from runtime import trace_files
from runtime.trace_files import (create_trace_array, read_trace, write_summary, write_trace_array,
                                 write_trace_segments)
from translator.interpreter import amo_operations

M64 = (1 << 64) - 1
ADDR = 0x8000_1000


def op_id(name: str, xlen: int = 64) -> int:
    (op,) = [op for op in TABLE if op.name == name and xlen in op.xlens]
    return op.id


def rows(*specs: tuple[str, dict], xlen: int = 64) -> np.ndarray:
    """MAIN_ROW rows from (mnemonic, fields) pairs; pc advances by 4 unless given."""
    out = np.zeros(len(specs), dtype=MAIN_ROW)
    for i, (name, fields) in enumerate(specs):
        out[i]["pc"] = 0x8000_0000 + 4 * i
        out[i]["next_pc"] = 0x8000_0004 + 4 * i
        out[i]["op"] = op_id(name, xlen)
        for field, value in fields.items():
            out[i][field] = value
    return out


def memory_of(*specs, xlen=64, first_step=0) -> list[tuple]:
    """The memory table as (step, addr, value, size, is_write) tuples."""
    mem = derive_tables(rows(*specs, xlen=xlen), first_step, xlen)["memory"]
    return [(int(r["step"]), int(r["addr"]), int(r["value"]), int(r["size"]), bool(r["is_write"])) for r in mem]


# ---- the memory table ------------------------------------------------------------------

@pytest.mark.parametrize("name, size", [("lb", 1), ("lbu", 1), ("lh", 2), ("lhu", 2), ("lw", 4), ("lwu", 4), ("ld", 8)])
def test_a_load_is_one_read_row_with_its_size(name, size):
    value = 0x1122_3344_5566_7788 & ((1 << (8 * size)) - 1)
    assert memory_of((name, dict(addr=ADDR, mem=value, c=value, a=ADDR))) == [(0, ADDR, value, size, False)]


@pytest.mark.parametrize("name, size", [("sb", 1), ("sh", 2), ("sw", 4), ("sd", 8)])
def test_a_store_is_one_write_row_of_the_stored_value(name, size):
    value = 0xFEDC_BA98_7654_3210 & ((1 << (8 * size)) - 1)
    got = memory_of((name, dict(addr=ADDR + 8, b=8, a=ADDR, c=value)))
    assert got == [(0, ADDR + 8, value, size, True)]


def test_loads_and_stores_on_rv32():
    got = memory_of(("lw", dict(addr=ADDR, mem=0xFFFF_FFFF)), ("sw", dict(addr=ADDR, c=5)),
                    ("lb", dict(addr=ADDR + 1, mem=0x80)), xlen=32)
    assert got == [(0, ADDR, 0xFFFF_FFFF, 4, False), (1, ADDR, 5, 4, True), (2, ADDR + 1, 0x80, 1, False)]


def test_non_memory_steps_make_no_memory_rows():
    got = memory_of(("addi", dict(c=1)), ("ecall", dict(a=0, b=93)), ("fence", {}), ("jal", dict(c=4)))
    assert got == []


@pytest.mark.parametrize("name, old, rs2, new", [
    ("amoadd.w", 0xFFFF_FFFF, 2, 1),                         # wraps at 32 bits
    ("amoadd.d", M64, 2, 1),
    ("amomax.w", 0xFFFF_FFFF, 1, 1),                         # signed: -1 < 1
    ("amomaxu.w", 0xFFFF_FFFF, 1, 0xFFFF_FFFF),              # unsigned: 0xffffffff > 1
    ("amomax.d", M64, 1, 1),
    ("amomaxu.d", M64, 1, M64),
    ("amomin.w", 0x7FFF_FFFF, 0xFFFF_FFFF_8000_0000, 0x8000_0000),   # rs2's low word, signed
    ("amominu.w", 0x7FFF_FFFF, 0xFFFF_FFFF_8000_0000, 0x7FFF_FFFF),
    ("amoswap.w", 5, 0xFFFF_FFFF_0000_0007, 7),              # only the low word is stored
    ("amoxor.d", 0xF0F0, 0xFF00, 0x0FF0),
    ("amoand.w", 0xF0F0, 0xFF00, 0xF000),
    ("amoor.d", 0xF0F0, 0x0F0F, 0xFFFF),
])
def test_an_amo_is_a_read_then_a_write_of_the_combined_value(name, old, rs2, new):
    size = 4 if name.endswith(".w") else 8
    got = memory_of((name, dict(addr=ADDR, a=ADDR, b=rs2, mem=old, c=old)), first_step=10)
    assert got == [(10, ADDR, old, size, False), (10, ADDR, new, size, True)]


AMOS = sorted((op for op in TABLE if op.cls == "amo"), key=lambda op: op.name)


@given(st.sampled_from(AMOS), st.data())
@settings(max_examples=200, deadline=None)
def test_amo_values_match_the_interpreter(op, data):
    """A batch of one AMO op against the interpreter's scalar combining functions."""
    name, size = op.name, op.size
    olds = data.draw(st.lists(st.integers(0, (1 << (8 * size)) - 1), min_size=1, max_size=8))
    rs2s = data.draw(st.lists(st.integers(0, M64), min_size=len(olds), max_size=len(olds)))
    main = rows(*[(name, dict(addr=ADDR, b=b, mem=old)) for old, b in zip(olds, rs2s)])
    mem = derive_tables(main, 0, 64)["memory"]
    combine = amo_operations(8 * size)[op.fn]
    assert list(mem["is_write"]) == [0, 1] * len(olds)
    assert list(mem["value"][0::2]) == olds
    assert list(mem["value"][1::2]) == [combine(old, b) for old, b in zip(olds, rs2s)]


def test_lr_reads_and_a_successful_sc_writes_rs2_at_its_width():
    got = memory_of(("lr.w", dict(addr=ADDR, a=ADDR, mem=0x8000_0000, c=0xFFFF_FFFF_8000_0000)),
                    ("sc.w", dict(addr=ADDR, a=ADDR, b=0xAAAA_BBBB_CCCC_DDDD, c=0)),
                    ("lr.d", dict(addr=ADDR, a=ADDR, mem=3, c=3)),
                    ("sc.d", dict(addr=ADDR, a=ADDR, b=M64, c=0)))
    assert got == [(0, ADDR, 0x8000_0000, 4, False), (1, ADDR, 0xCCCC_DDDD, 4, True),
                   (2, ADDR, 3, 8, False), (3, ADDR, M64, 8, True)]


def test_a_failed_sc_makes_no_memory_row():
    got = memory_of(("sc.w", dict(addr=ADDR, a=ADDR, b=7, c=1)), ("sc.d", dict(addr=ADDR, a=ADDR, b=7, c=1)),
                    ("sw", dict(addr=ADDR, c=9)))
    assert got == [(2, ADDR, 9, 4, True)]


def test_memory_rows_are_in_step_order_and_keep_op_and_flags():
    main = rows(("sw", dict(addr=ADDR, c=1)),
                ("amoswap.d", dict(addr=ADDR + 8, b=2, mem=3)),
                ("sc.w", dict(addr=ADDR, b=4, c=1)),
                ("lh", dict(addr=ADDR + 1, mem=0xBEEF, flags=FLAG_MISALIGNED)),
                ("sd", dict(addr=ADDR + 16, c=5)))
    mem = derive_tables(main, 1000, 64)["memory"]
    assert mem.dtype == MEMORY_ROW
    assert list(mem["step"]) == [1000, 1001, 1001, 1003, 1004]
    assert list(mem["is_write"]) == [1, 0, 1, 0, 1]
    assert list(mem["value"]) == [1, 3, 2, 0xBEEF, 5]
    assert [BY_ID[o].name for o in mem["op"]] == ["sw", "amoswap.d", "amoswap.d", "lh", "sd"]
    assert list(mem["flags"]) == [0, 0, 0, FLAG_MISALIGNED, 0]


# ---- the ALU, arith and branch tables ----------------------------------------------------

def tables_of(*specs, xlen=64, first_step=0):
    return derive_tables(rows(*specs, xlen=xlen), first_step, xlen)


def names(table: np.ndarray) -> list[str]:
    return [BY_ID[o].name for o in table["op"]]


def test_alu_and_arith_rows_land_in_their_tables():
    t = tables_of(("add", dict(a=1, b=2, c=3)), ("mul", dict(a=6, b=7, c=42)), ("addi", dict(a=1, b=M64, c=0)),
                  ("lui", dict(b=0x1000, c=0x1000)), ("divuw", dict(a=9, b=2, c=4)), ("sraiw", dict(a=8, b=1, c=4)),
                  ("auipc", dict(b=0x2000, c=0x8000_2014)), ("remu", dict(a=9, b=4, c=1)), ("ld", dict(addr=ADDR)),
                  ("sltiu", dict(a=0, b=1, c=1)), ("ecall", dict(b=93)), first_step=7)
    assert t["alu"].dtype == ALU_ROW and t["arith"].dtype == ALU_ROW
    assert names(t["alu"]) == ["add", "addi", "lui", "sraiw", "auipc", "sltiu"]
    assert list(t["alu"]["step"]) == [7, 9, 10, 12, 13, 16]
    assert [tuple(int(x) for x in r[["a", "b", "c"]]) for r in t["alu"]][:2] == [(1, 2, 3), (1, M64, 0)]
    assert names(t["arith"]) == ["mul", "divuw", "remu"]
    assert list(t["arith"]["step"]) == [8, 11, 14]
    assert list(t["arith"]["c"]) == [42, 4, 1]
    assert len(t["branch"]) == 0


def test_branch_rows_carry_pc_and_next_pc():
    t = tables_of(("beq", dict(a=1, b=1, c=1, next_pc=0x8000_0040)), ("bltu", dict(a=2, b=1, c=0)),
                  ("jal", dict(b=16, c=0x8000_000C, next_pc=0x8000_0018)), ("jalr", dict(a=0x8000_0100, c=0x8000_0010,
                                                                                        next_pc=0x8000_0100)))
    b = t["branch"]
    assert b.dtype == BRANCH_ROW
    assert names(b) == ["beq", "bltu", "jal", "jalr"]
    assert list(b["pc"]) == [0x8000_0000, 0x8000_0004, 0x8000_0008, 0x8000_000C]
    assert list(b["next_pc"]) == [0x8000_0040, 0x8000_0008, 0x8000_0018, 0x8000_0100]
    assert list(b["c"]) == [1, 0, 0x8000_000C, 0x8000_0010]
    assert len(t["alu"]) == len(t["arith"]) == len(t["memory"]) == 0


def test_rv32_shifts_use_their_own_ids():
    t = tables_of(("slli", dict(a=1, b=31, c=0x8000_0000)), ("srai", dict(a=0x8000_0000, b=31, c=0xFFFF_FFFF)),
                  xlen=32)
    assert list(t["alu"]["op"]) == [op_id("slli", 32), op_id("srai", 32)]


def test_every_instruction_is_in_exactly_one_table_or_only_in_main():
    for op in TABLE:
        homes = [t for t, ops in DERIVED_OPS.items() if op.name in ops]
        assert len(homes) + (op.name in UNTABLED_OPS) == 1, op.name


def test_an_empty_main_gives_empty_tables_of_the_right_dtypes():
    t = derive_tables(np.zeros(0, MAIN_ROW), 0, 64)
    assert {k: (v.dtype, len(v)) for k, v in t.items()} == {k: (d, 0) for k, d in DERIVED_DTYPES.items()}


def test_ops_the_xlen_lacks_and_unknown_ids_are_rejected():
    with pytest.raises(ValueError, match="step 5: .*ld.* not an RV32"):
        derive_tables(rows(("ld", {})), 5, 32)
    bad = np.zeros(1, MAIN_ROW)
    bad["op"] = len(BY_ID)
    with pytest.raises(ValueError, match="unknown"):
        derive_tables(bad, 0, 64)
    with pytest.raises(TypeError):
        derive_tables(np.zeros(3, np.uint64), 0, 64)


def test_dtypes_keep_u8_fields_aligned():
    for dtype in (MEMORY_ROW, ALU_ROW, BRANCH_ROW):
        assert dtype.itemsize % 8 == 0
        assert all(dtype.fields[f][1] % 8 == 0 for f in dtype.names if dtype[f] == np.dtype("<u8"))


# ---- trace files ---------------------------------------------------------------------------

def sample_arrays():
    main = rows(("lw", dict(addr=ADDR, mem=1)), ("amoadd.d", dict(addr=ADDR, b=2, mem=3)), ("add", dict(c=3)))
    return {"main": main, "load_log": np.array([1, 3], dtype="<u8"), "pc_histogram": np.arange(5, dtype="<u8"),
            **derive_tables(main, 0, 64)}


def test_read_trace_memory_maps_what_was_written(tmp_path):
    arrays = sample_arrays()
    for name, array in arrays.items():
        assert write_trace_array(tmp_path, name, array) == tmp_path / f"{name}.npy"
    summary = {"steps": np.uint64(3), "mode": "full", "xlen": 64, "run_seconds": 0.5}
    write_summary(tmp_path, summary)
    trace = read_trace(tmp_path)
    assert trace["summary"] == {"steps": 3, "mode": "full", "xlen": 64, "run_seconds": 0.5}
    assert set(trace) == set(arrays) | {"summary"}
    for name, array in arrays.items():
        got = trace[name]
        assert isinstance(got, np.memmap) and not got.flags.writeable
        assert got.dtype == array.dtype
        np.testing.assert_array_equal(got, array)
        np.testing.assert_array_equal(np.load(tmp_path / f"{name}.npy"), array)   # plain numpy reads it
    assert sorted(os.listdir(tmp_path)) == sorted([f"{n}.npy" for n in arrays] + ["summary.json"])


def test_large_arrays_go_through_a_memory_map(tmp_path, monkeypatch):
    monkeypatch.setattr(trace_files, "MEMMAP_BYTES", 0)
    calls = []
    real = np.lib.format.open_memmap
    monkeypatch.setattr(np.lib.format, "open_memmap", lambda *a, **k: calls.append(a) or real(*a, **k))
    main = sample_arrays()["main"]
    write_trace_array(tmp_path, "main", main)
    write_summary(tmp_path, {})
    assert calls
    np.testing.assert_array_equal(read_trace(tmp_path)["main"], main)


def test_create_trace_array_appears_only_when_complete(tmp_path):
    with create_trace_array(tmp_path, "load_log", "<u8", (4,)) as out:
        assert os.listdir(tmp_path) != ["load_log.npy"]
        out[:] = [1, 2, 3, 4]
    assert os.listdir(tmp_path) == ["load_log.npy"]
    assert list(np.load(tmp_path / "load_log.npy")) == [1, 2, 3, 4]


def _fail_after(real):
    """`real`, then a failure: the temporary file exists, with content, when the write fails."""
    def fail(*args, **kwargs):
        real(*args, **kwargs)
        raise OSError("disk full")
    return fail


@pytest.mark.parametrize("large", [False, True])
def test_a_failed_write_leaves_no_partial_file_and_keeps_the_old_one(tmp_path, monkeypatch, large):
    write_trace_array(tmp_path, "load_log", np.arange(3, dtype="<u8"))
    before = (tmp_path / "load_log.npy").read_bytes()
    if large:
        monkeypatch.setattr(trace_files, "MEMMAP_BYTES", 0)
        monkeypatch.setattr(np.lib.format, "open_memmap", _fail_after(np.lib.format.open_memmap))
    else:
        monkeypatch.setattr(np, "save", _fail_after(np.save))
    for name in ("load_log", "fresh"):
        with pytest.raises(OSError, match="disk full"):
            write_trace_array(tmp_path, name, np.arange(100, dtype="<u8"))
    assert os.listdir(tmp_path) == ["load_log.npy"]
    assert (tmp_path / "load_log.npy").read_bytes() == before


def test_segments_are_written_as_the_array_they_make_end_to_end(tmp_path):
    segments = [np.arange(5, dtype="<u8"), np.zeros(0, "<u8"), np.arange(7, 10, dtype="<u8")[::1]]
    whole = np.concatenate(segments)
    write_trace_segments(tmp_path / "parts", "load_log", segments)
    write_trace_array(tmp_path / "whole", "load_log", whole)
    assert (tmp_path / "parts" / "load_log.npy").read_bytes() == (tmp_path / "whole" / "load_log.npy").read_bytes()
    np.testing.assert_array_equal(np.load(tmp_path / "parts" / "load_log.npy"), whole)


def test_a_failed_segment_write_leaves_no_partial_file_and_keeps_the_old_one(tmp_path, monkeypatch):
    write_trace_segments(tmp_path, "load_log", [np.arange(3, dtype="<u8")])
    before = (tmp_path / "load_log.npy").read_bytes()
    real, written = np.ascontiguousarray, []

    def second_fails(array):
        if written:
            raise OSError("disk full")
        written.append(array)
        return real(array)
    monkeypatch.setattr(np, "ascontiguousarray", second_fails)
    with pytest.raises(OSError, match="disk full"):
        write_trace_segments(tmp_path, "load_log", [np.arange(100, dtype="<u8")] * 2)
    assert os.listdir(tmp_path) == ["load_log.npy"]
    assert (tmp_path / "load_log.npy").read_bytes() == before


def test_segments_of_different_types_are_refused(tmp_path):
    with pytest.raises(TypeError, match="load_log"):
        write_trace_segments(tmp_path, "load_log", [np.arange(3, dtype="<u8"), np.arange(3, dtype="<u4")])
    assert not (tmp_path / "load_log.npy").exists()


def test_a_failed_summary_write_keeps_the_old_summary(tmp_path):
    write_summary(tmp_path, {"steps": 1})
    with pytest.raises(TypeError):
        write_summary(tmp_path, {"steps": object()})
    assert json.loads((tmp_path / "summary.json").read_text()) == {"steps": 1}
    assert os.listdir(tmp_path) == ["summary.json"]


def test_a_directory_without_summary_is_not_a_trace(tmp_path):
    write_trace_array(tmp_path, "main", np.zeros(1, MAIN_ROW))
    with pytest.raises(FileNotFoundError, match="summary.json"):
        read_trace(tmp_path)


@pytest.mark.parametrize("name", ["../main", "summary", "Main", "a.b", ""])
def test_array_names_are_plain(tmp_path, name):
    with pytest.raises(ValueError):
        write_trace_array(tmp_path, name, np.zeros(1))


def test_object_arrays_are_refused(tmp_path):
    with pytest.raises(TypeError):
        write_trace_array(tmp_path, "x", np.array([object()]))
    assert os.listdir(tmp_path) == []
