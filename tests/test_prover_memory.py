"""The memory argument (MemAccess, MemInit, Image, Input) proves that every load reads the
last value stored, the program's image, the input or zero, and refuses runs that do not."""
import dataclasses
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from prover.air import ConstraintError
from prover.field import P
from prover.riscv.image import (IMAGE, INPUT, image_fixed, image_main, image_words, input_air, input_columns,
                                input_lookups, input_trace, input_words)
from prover.riscv.memory import (MEMACCESS, MEMINIT, MEMOP, final_memory, memaccess_air, memaccess_columns,
                                 memaccess_lookups, meminit_air, meminit_columns, meminit_lookups, memop_columns,
                                 memory_tables, memory_traces, regions_trace)
from prover.riscv.ranges import count_bitwise, count_range16
from prover.riscv.regions import REGIONS, regions, regions_fixed
from prover.stark import prove, setup, verify
from riscv_helpers import FAST, bus_sender_air, bus_sender_trace, range_tables
from runtime.memory import GuestMemory
from runtime.memory_map import MemoryMap
from runtime.trace import derive_tables
from translator.elf import load_elf
from translator.expand import reference_trace
from translator.interpreter import Interpreter

RUNS = {                                        # name: (example, elf, step limit)
    "sort-rv64": ("sort", "guest.rv64im.elf", 30_000),
    "misaligned-rv64": ("misaligned_atomics", "guest.rv64ima.elf", None),
    "bignum-rv32": ("bignum", "guest.rv32im.elf", 20_000),
}
MIS = "misaligned-rv64"
ZISK_ELF = Path(__file__).resolve().parent / "guests" / "zisk" / "zisk_guest.elf"


@cache
def program_of(name):
    example, elf, _ = RUNS[name]
    return load_elf(f"examples/{example}/{elf}"), open(f"examples/{example}/input.bin", "rb").read()


def run(program, input_bytes, limit):
    _, main, _ = reference_trace(program, input_bytes, step_limit=limit)
    return derive_tables(main, 0, program.xlen)["memory"]


@cache
def honest(name):
    """(program, input, memory rows, MemoryTraces) of a real run."""
    program, input_bytes = program_of(name)
    rows = run(program, input_bytes, RUNS[name][2])
    return program, input_bytes, rows, memory_traces(program.image(), rows, input_bytes, program.xlen)


def build_key(program):
    airs, fixed = memory_tables(program.image())
    ranges, range_fixed = range_tables()
    sender = bus_sender_air(MEMOP, memop_columns(program.xlen))
    return setup([sender] + airs + ranges, fixed={**fixed, **range_fixed}, params=FAST)


@cache
def key(name):
    return build_key(program_of(name)[0])


def _range16_tolerant(values):
    """range16 multiplicities counting only the values in the table (a forged column's
    out-of-range limb gets no match: that is what the proof must refuse)."""
    counts = np.zeros(1 << 16, dtype=np.int64)
    for v in values:
        v = np.asarray(v, dtype=np.int64).reshape(-1)
        counts += np.bincount(v[(v >= 0) & (v < 1 << 16)], minlength=1 << 16)
    return counts.astype(np.uint32).reshape(-1, 1)


def all_traces(name, mt=None, access=None, init=None, inp=None, memop=None, regions=None):
    """Every table's trace for the key of run `name` (default: its honest traces); the
    range16, bitwise and region multiplicities are read off the (possibly forged)
    MemAccess, MemInit and Input traces (`regions` overrides the last)."""
    program = program_of(name)[0]
    mt = mt or honest(name)[3]
    a = memaccess_lookups(mt.access.main if access is None else access, program.xlen)
    i = meminit_lookups(mt.init.main if init is None else init)
    n = input_lookups(mt.input.main if inp is None else inp)
    bitwise = {}
    for t in (a, i, n):
        for op, pairs in t.bitwise.items():
            bitwise.setdefault(op, []).extend(pairs)
    return {"sender": bus_sender_trace(mt.memop if memop is None else memop),
            MEMACCESS: a.main, MEMINIT: i.main, INPUT: n.main, IMAGE: image_main(image_fixed(program.image())),
            REGIONS: regions_trace(i.main, regions_fixed(program.image())) if regions is None else regions,
            "range16": _range16_tolerant(a.range16 + i.range16 + n.range16), "bitwise": count_bitwise(bitwise)}


def refused(k, traces):
    """A dishonest proof (check=False) is rejected by the verifier, because the bus
    does not balance (the forged traces satisfy their own constraints)."""
    proof = prove(k, traces, check=False)
    verdict = verify(k.verifying_key, {}, proof.to_bytes())
    return not verdict and "bus does not balance" in verdict.reason


def col(xlen, name):
    return memaccess_columns(xlen).index(name)


ICOL = {name: i for i, name in enumerate(meminit_columns())}


# ---------------------------------------------------------------- completeness

@pytest.mark.parametrize("name", list(RUNS))
def test_real_runs_satisfy_every_memory_table(name):
    program, _, _, mt = honest(name)
    memaccess_air(program.xlen).check(mt.access.main)
    meminit_air().check(mt.init.main)
    input_air().check(mt.input.main)


@pytest.mark.parametrize("name", list(RUNS))
def test_real_runs_prove_and_verify(name):
    mt = honest(name)[3]
    traces = all_traces(name)
    traces["range16"] = count_range16(*mt.range16())          # the builder's own lookups, all in range
    traces["bitwise"] = count_bitwise(mt.bitwise())
    k = key(name)
    proof = prove(k, traces)
    verdict = verify(k.verifying_key, {}, proof.to_bytes())
    assert verdict, verdict.reason


def test_misaligned_accesses_cross_into_the_next_word():
    program, _, rows, mt = honest(MIS)
    crossing = (rows["addr"] & 7) + rows["size"] > 8
    assert crossing.sum() > 10
    c8 = mt.access.main[:rows.size, col(64, "c8")]
    assert np.array_equal(c8 == 1, crossing)


def test_amo_writes_follow_their_read_at_the_next_time():
    _, _, rows, mt = honest(MIS)
    t = mt.memop[:, 0].astype(np.int64)
    second = np.flatnonzero(rows["step"][1:] == rows["step"][:-1]) + 1
    assert second.size > 5 and rows["is_write"][second].all() and not rows["is_write"][second - 1].any()
    assert np.array_equal(t[second], t[second - 1] + 1)
    tp0 = mt.access.main[second, col(64, "tp0")]
    assert np.array_equal(tp0, t[second - 1])


def test_the_final_memory_is_the_interpreters():
    program, input_bytes, rows, mt = honest(MIS)
    interp = Interpreter(program, input_bytes)
    interp.run()
    fm = mt.final
    ram = fm.words >= MemoryMap().ram_base >> 3
    for w, final in zip(fm.words[ram], fm.final[ram]):
        assert bytes(final) == interp.memory.load(int(w) * 8, 8).to_bytes(8, "little"), hex(int(w) * 8)
    again = final_memory(mt.init.main)
    assert np.array_equal(again.words, fm.words) and np.array_equal(again.final, fm.final)


def test_the_input_table_is_the_interpreters_input_region():
    program, input_bytes = program_of("bignum-rv32")
    w, data = input_words(input_bytes)
    region = GuestMemory(program.segments, input_bytes).input
    assert data.tobytes() == region and w[0] == MemoryMap().input_base >> 3
    trace = input_trace(input_bytes).main
    b0 = input_columns().index("b0")
    assert trace[:w.size, b0:b0 + 8].astype(np.uint8).tobytes() == region


def test_the_image_holds_every_nonzero_word_of_the_segments():
    program, _ = program_of(MIS)
    w, data = image_words(program.image())
    expected = {}
    for s in program.segments:
        for i, byte in enumerate(s.data):
            if byte:
                expected.setdefault((s.vaddr + i) >> 3, bytearray(8))[(s.vaddr + i) & 7] = byte
    assert [int(x) for x in w] == sorted(expected)
    assert all(bytes(row) == bytes(expected[int(x)]) for x, row in zip(w, data))
    fixed = image_fixed(program.image())
    assert fixed[:w.size, 9].all() and not fixed[w.size:, 9].any()


# ---------------------------------------------------------------- forged runs

def _reads(rows):
    return np.flatnonzero((rows["is_write"] == 0) & ((rows["addr"] & 7) + rows["size"] <= 8))


def test_a_load_of_a_value_never_written_is_refused():
    program, input_bytes, rows, _ = honest(MIS)
    forged = rows.copy()
    r = _reads(rows)[100]
    forged["value"][r] ^= 0x5A                       # its low byte: nobody wrote that there
    mt = memory_traces(program.image(), forged, input_bytes, 64)
    memaccess_air(64).check(mt.access.main)          # locally consistent: only the bus sees it
    assert refused(key(MIS), all_traces(MIS, mt))


def test_a_load_of_a_stale_value_is_refused():
    program, input_bytes, rows, mt = honest(MIS)
    last: dict[int, int] = {}
    target = None
    main = mt.access.main
    for i in range(rows.size):
        a, size = int(rows["addr"][i]), int(rows["size"][i])
        w, o = a >> 3, a & 7
        j = last.get(w)
        if (not rows["is_write"][i] and o + size <= 8 and j is not None and rows["is_write"][j]
                and (int(rows["addr"][j]) >> 3) == w):
            old = [int(main[j, col(64, f"old{p}")]) for p in range(o, o + size)]
            new = [int(main[j, col(64, f"new{p}")]) for p in range(o, o + size)]
            if old != new:
                target = i, int.from_bytes(bytes(old), "little")
                break
        last[w] = i
        if o + size > 8:
            last[w + 1] = i
    assert target is not None
    i, stale = target
    forged = rows.copy()
    forged["value"][i] = stale                       # the bytes before the last store
    fmt = memory_traces(program.image(), forged, input_bytes, 64)
    memaccess_air(64).check(fmt.access.main)
    assert refused(key(MIS), all_traces(MIS, fmt))


def _with_image_byte(program, addr, xor):
    segs = []
    for s in program.segments:
        if s.vaddr <= addr < s.end:
            data = bytearray(s.data)
            data[addr - s.vaddr] ^= xor
            s = dataclasses.replace(s, data=bytes(data))
        segs.append(s)
    return dataclasses.replace(program, segments=tuple(segs))


def test_a_run_from_a_changed_image_byte_is_refused():
    program, input_bytes = program_of(MIS)
    digest = program.symbols["digest"]                 # a .data word the run reads
    changed = _with_image_byte(program, digest, 0x01)
    rows = run(changed, input_bytes, None)
    assert ((rows["addr"] >> 3) == digest >> 3).any()
    mt = memory_traces(changed.image(), rows, input_bytes, 64)
    for air, trace in ((memaccess_air(64), mt.access.main), (meminit_air(), mt.init.main)):
        air.check(trace)
    claimed = mt.init.main[mt.init.main[:, ICOL["is_image"]] == 1]
    fixed = image_fixed(changed.image())
    assert np.array_equal(claimed[:, ICOL["wl"]] + (claimed[:, ICOL["wh"]] << 16), fixed[fixed[:, 9] == 1, 0])
    assert refused(key(MIS), all_traces(MIS, mt))  # an honest run, of another image


def test_an_image_word_started_at_zero_is_refused():
    _, _, _, mt = honest(MIS)
    init = mt.init.main.copy()
    rows = np.flatnonzero((init[:, ICOL["is_image"]] == 1) & (init[:, ICOL["t_final"]] == 0))
    i = rows[0]                                       # an image word no access touches
    init[i, ICOL["is_image"]] = 0
    for j in range(8):
        init[i, ICOL[f"init{j}"]] = init[i, ICOL[f"final{j}"]] = 0
    meminit_air().check(init)
    assert refused(key(MIS), all_traces(MIS, init=init))


def test_a_word_claimed_twice_in_meminit_is_refused():
    program, input_bytes, rows, _ = honest(MIS)
    mt = memory_traces(program.image(), rows, input_bytes, 64, heights={MEMINIT: 1024})
    init = mt.init.main
    K = int(init[:, ICOL["is_real"]].sum())
    i = int(np.flatnonzero((init[:K, ICOL["is_image"]] == 0) & (init[:K, ICOL["is_input"]] == 0)
                           & (init[:K, ICOL["t_final"]] > 0))[0])
    dup = init[i].copy()                              # the same word again: a zero word, untouched
    for j in range(8):
        dup[ICOL[f"init{j}"]] = dup[ICOL[f"final{j}"]] = 0
    dup[ICOL["t_final"]] = 0
    forged = np.concatenate([init[:i + 1], dup[None], init[i + 1:-1]])
    gap = P - 1                                      # w' - w - 1 = -1, "decomposed" mod p
    forged[i, ICOL["d0"]], forged[i, ICOL["d1"]] = gap & 0xFFFF, gap >> 16
    meminit_air().check(forged)                      # every polynomial holds; 4 d1 is not 16-bit
    assert refused(key(MIS), all_traces(MIS, mt, init=forged))


def test_a_misaligned_access_skipping_its_second_word_fails_the_constraints():
    program, input_bytes, rows, mt = honest(MIS)
    i = int(np.flatnonzero((rows["addr"] & 7) + rows["size"] > 8)[0])
    main = mt.access.main.copy()
    for p in range(8, 15):                           # no covered byte in the next word: no access to it
        main[i, col(64, f"c{p}")] = 0
        main[i, col(64, f"new{p}")] = main[i, col(64, f"old{p}")]
    with pytest.raises(ConstraintError, match=r"c8 = "):
        memaccess_air(64).check(main)


def test_a_changed_input_byte_is_refused():
    _, _, rows, mt = honest(MIS)
    inp = mt.input.main.copy()
    c = {name: i for i, name in enumerate(input_columns())}
    inp[1, c["b0"]] ^= 0x10                          # the seed's low byte, which the run reads
    inp[1, c["z0"]] = inp[1, c["b0"]] & inp[1, c["b1"]]
    input_air().check(inp)
    base = MemoryMap().input_base
    assert ((rows["addr"] >= base + 8) & (rows["addr"] < base + 16)).any()
    assert refused(key(MIS), all_traces(MIS, inp=inp))


def test_an_access_with_a_timestamp_going_backwards_is_refused():
    _, _, rows, mt = honest(MIS)
    main = mt.access.main.copy()
    memop = mt.memop.copy()
    T, TP = col(64, "t"), col(64, "tp0")
    n = rows.size
    simple = (main[:n, col(64, "c8")] == 0) & (main[:n, TP] >= 2)
    i = int(np.flatnonzero(simple)[len(np.flatnonzero(simple)) // 2])
    w = lambda r: int(main[r, col(64, "addr_hi")]) * 8192 + int(main[r, col(64, "q")])   # noqa: E731
    t_old, t_new = int(main[i, T]), int(main[i, TP]) - 1             # before the access it follows
    main[i, T] = memop[i, 0] = t_new
    gap = (t_new - int(main[i, TP]) - 1) % P
    main[i, col(64, "da0")], main[i, col(64, "db0")] = gap & 0xFFFF, gap >> 16
    followers = 0
    for r in range(n):                                # the word's next access now follows t_new
        for h in (0, 1):
            if main[r, col(64, f"tp{h}")] == t_old and w(r) + h == w(i) and (h == 0 or main[r, col(64, "c8")]):
                main[r, col(64, f"tp{h}")] = t_new
                d = int(main[r, T]) - t_new - 1
                main[r, col(64, f"da{h}")], main[r, col(64, f"db{h}")] = d & 0xFFFF, d >> 16
                followers += 1
    assert followers == 1                             # so "mem" still balances (MemInit's t_final is unchanged)
    memaccess_air(64).check(main)                    # every polynomial holds; 4 db0 is not 16-bit
    assert refused(key(MIS), all_traces(MIS, access=main, memop=memop))


def _input_rows(input_bytes):
    trace = input_trace(input_bytes).main.copy()
    return trace, {name: i for i, name in enumerate(input_columns())}, int(trace[:, 0].sum())


def test_an_input_table_missing_its_last_word_fails_the_constraints():
    _, input_bytes = program_of("bignum-rv32")
    trace, c, k = _input_rows(input_bytes)
    trace[k - 1] = 0                                  # drop the last word: the row before ends the table
    trace[k - 1, c["w"]] = trace[k - 2, c["w"]] + 1
    trace[k - 1, c["u0"]:c["u0"] + 8] = trace[0, c["u0"]:c["u0"] + 8]
    trace[k - 2, c["last"]] = 1
    with pytest.raises(ConstraintError, match="left = 0 on the last row"):
        input_air().check(trace)


def test_nonzero_bytes_past_the_input_end_fail_the_constraints():
    _, input_bytes = program_of("bignum-rv32")
    assert len(input_bytes) % 8 == 2
    trace, c, k = _input_rows(input_bytes)
    trace[k - 1, c["b5"]] = 1                         # the zero fill after the input's 2 last bytes
    with pytest.raises(ConstraintError, match="past the input's end"):
        input_air().check(trace)


def test_an_input_table_starting_elsewhere_fails_the_constraints():
    _, input_bytes = program_of("bignum-rv32")
    trace, c, _ = _input_rows(input_bytes)
    trace[:, c["w"]] += 1
    with pytest.raises(ConstraintError, match="INPUT_BASE"):
        input_air().check(trace)


# ---------------------------------------------------------------- the memory map (regions.py)

def test_the_regions_are_ram_without_the_guard_page_with_read_only_segments_unwritable():
    program, _ = program_of(MIS)
    mm = MemoryMap()
    table = regions(program.image())
    assert table[0, 0] == mm.ram_base >> 3 and table[-1, 1] == mm.ram_end >> 3
    guard_lo, guard_hi = mm.stack_guard
    assert [guard_lo >> 3, guard_hi >> 3] in [[a[1], b[0]] for a, b in zip(table[:-1], table[1:])]
    for seg in program.segments:
        lo, hi = seg.vaddr >> 3, (seg.vaddr + len(seg.data) - 1) >> 3
        for w in (lo, hi):
            row = table[(table[:, 0] <= w) & (w < table[:, 1])]
            assert row.shape == (1, 3) and row[0, 2] == int(seg.writable)


def test_the_regions_leave_out_the_holes_of_zisks_map():
    from runtime.zisk import CURRENT
    from zkaot.recognise import load_guest
    mm = CURRENT.memory_map()
    table = regions(load_guest(ZISK_ELF, "zisk").program.image(mm, "zisk"))
    for lo, hi, _ in mm.holes:
        assert not ((table[:, 0] < hi >> 3) & (table[:, 1] > lo >> 3)).any()
    assert table[0, 0] == mm.ram_base >> 3 and table[-1, 1] == mm.ram_end >> 3


def _forged_store(name, addr):
    """The run's memory rows with its first store moved to `addr`."""
    program, input_bytes, rows, _ = honest(name)
    forged = rows.copy()
    k = int(np.flatnonzero((rows["is_write"] == 1) & (rows["size"] == 4))[0])
    forged["addr"][k] = addr
    return program, input_bytes, forged


@pytest.mark.parametrize("target", ["code", "input"])
def test_a_store_into_read_only_memory_is_refused(target):
    program, input_bytes = program_of(MIS)
    addr = program.entry if target == "code" else MemoryMap().input_base
    program, input_bytes, forged = _forged_store(MIS, addr)
    mt = memory_traces(program.image(), forged, input_bytes, 64)
    with pytest.raises(ConstraintError, match="a write needs a writable word"):
        memaccess_air(64).check(mt.access.main)
    proof = prove(key(MIS), all_traces(MIS, mt), check=False)
    assert not verify(key(MIS).verifying_key, {}, proof.to_bytes())


def test_a_read_only_word_claimed_writable_is_refused():
    program, _, _, mt = honest(MIS)
    init, access = mt.init.main.copy(), mt.access.main.copy()
    touched = (init[:, ICOL["is_real"]] == 1) & (init[:, ICOL["wr"]] == 0) & (init[:, ICOL["t_final"]] > 0) \
        & (init[:, ICOL["is_input"]] == 0)
    i = int(np.flatnonzero(touched)[0])                    # a read-only image word the run reads
    w = int(init[i, ICOL["wl"]]) + (int(init[i, ICOL["wh"]]) << 16)
    init[i, ICOL["wr"]] = 1
    w0 = (access[:, col(64, "addr_hi")].astype(np.int64) << 13) + access[:, col(64, "q")]
    access[(w0 == w) & (access[:, col(64, "is_real")] == 1), col(64, "wr0")] = 1
    meminit_air().check(init)                              # every table is consistent on its own
    memaccess_air(64).check(access)
    assert refused(key(MIS), all_traces(MIS, mt, access=access, init=init, regions=mt.regions))


@pytest.mark.parametrize("where", ["guard", "null", "unmapped"])
def test_an_access_outside_the_memory_map_cannot_be_traced(where):
    mm = MemoryMap()
    addr = {"guard": mm.stack_guard[0] + 64, "null": 0x100, "unmapped": 0x2000_0000}[where]
    program, input_bytes, forged = _forged_store(MIS, addr)
    with pytest.raises(ValueError, match=f"0x{addr & ~7:08x} .*outside the memory map"):
        memory_traces(program.image(), forged, input_bytes, 64)
