"""SP1's SHA_EXTEND and SHA_COMPRESS calls through the precompile bridge into their tables
(prover/riscv/sp1_sha.py, precompile.py): with a stand-in for Main's "pcall" messages and the
real memory tables, calls the host made prove and verify, and written words other than the
host's are refused.  Expected values come from runtime/sp1.py's handlers and hashlib."""
import hashlib
import struct
from functools import cache

import numpy as np
import pytest

from guest_asm import DATA, EXIT, program_from_asm
from prover.air import ConstraintError
from prover.riscv import ranges
from prover.riscv.image import IMAGE, image_fixed, image_main
from prover.riscv.memory import MEM_SLOTS, memory_tables, memory_traces
from prover.riscv.optable import OP_ID
from prover.riscv.precompile import (CALL_KINDS, LAYOUT_FIELDS, PCALL, PRECOMPILE, SP1_STATE, UNITS, bridge_air,
                                     bridge_columns, layout_rows, precompile_airs, precompile_traces)
from prover.riscv.sp1_sha import (COMPRESS_TABLE, EXTEND_TABLE, SYS_SHA_COMPRESS, SYS_SHA_EXTEND, compress_air,
                                  compress_messages, compress_trace, extend_air, extend_messages, extend_trace)
from prover.stark import prove, setup, verify
from riscv_helpers import FAST, bus_sender_air, bus_sender_trace
from runtime.host import HostIO, handle_ecall
from runtime.isa import REGISTER_NUMBERS
from runtime.memory import GuestMemory
from runtime.precompiles import SHA256_IV, sha256_extend, sha256_rounds
from runtime.profiles import PROFILES
from runtime.trace import PRECOMPILE_ROW, precompile_record

XLENS = [32, 64]
T0, A0, A1 = (REGISTER_NUMBERS[r] for r in ("t0", "a0", "a1"))
RNG = np.random.default_rng(15)


# ---------------------------------------------------------------- the host's calls

def slots(words, xlen: int, high: int = 0) -> bytes:
    """u32 words as SP1 lays them out: 4 bytes each on rv32, the low half of 8 on rv64."""
    if xlen == 32:
        return struct.pack(f"<{len(words)}I", *words)
    return struct.pack(f"<{len(words)}Q", *((w | high << 32) for w in words))


@cache
def program(xlen: int, data: bytes):
    return program_from_asm(EXIT, xlen, data)


def host(xlen: int, data: bytes, calls) -> tuple[np.ndarray, GuestMemory]:
    """Run SP1's calls [(t0, a0, a1)] on memory holding `data` at DATA, at steps 1, 2, ..:
    their PRECOMPILE_ROW rows and the memory after them."""
    elf = program(xlen, data)
    memory = GuestMemory(elf.segments, b"")
    rows = []
    io = HostIO()
    for ts, (number, a0, a1) in enumerate(calls, 1):
        io.on_precompile = lambda *call, ts=ts: rows.append(precompile_record(ts, *call))
        regs = [0] * 33
        regs[T0], regs[A0], regs[A1] = number, a0, a1
        handle_ecall(PROFILES["sp1"].calls[xlen], regs, memory, io, ts)
    return np.array(rows, PRECOMPILE_ROW), memory


# ---------------------------------------------------------------- the harness: Main's messages, the tables

def pcalls(rows: np.ndarray) -> np.ndarray:
    """The ("pcall", [ts, kind, base_lo, base_hi]) messages Main sends for the calls, each
    UNITS[kind] times."""
    out = []
    for row in rows:
        for kind in CALL_KINDS[int(row["kind"])]:
            base = int(row["a1"] if kind == SP1_STATE else row["a0"])
            out += [[int(row["step"]), kind, base & 0xFFFF, base >> 16]] * UNITS[kind]
    return np.array(out, dtype=np.uint32)


def main_calls(rows: np.ndarray) -> np.ndarray:
    return np.stack([rows["step"], rows["kind"], rows["a0"], rows["a1"]], axis=1).astype(np.uint64)


@cache
def key(xlen: int, data: bytes):
    pre_airs, pre_fixed = precompile_airs(xlen, sp1_sha=True)
    mem_airs, mem_fixed = memory_tables(program(xlen, data).image())
    (r16, r16_fixed), (bw, bw_fixed) = ranges.range16_table(), ranges.bitwise_table()
    sender = bus_sender_air(PCALL, ["ts", "kind", "blo", "bhi"])
    return setup([sender] + pre_airs + mem_airs + [r16, bw],
                 fixed={**pre_fixed, **mem_fixed, "range16": r16_fixed, "bitwise": bw_fixed}, params=FAST)


def traces(xlen: int, data: bytes, rows: np.ndarray):
    """Every table's trace for the calls' rows: the bridge's memops go to the memory tables."""
    image = program(xlen, data).image()
    pre = precompile_traces(main_calls(rows), rows, xlen, OP_ID["ecall"], sp1_sha=True)
    memory = memory_traces(image, pre.memory_rows, b"", xlen, times=pre.memory_times)
    bitwise = {op: pre.bridge.bitwise.get(op, []) + memory.bitwise().get(op, []) for op in ranges.BITWISE_OPS}
    tables = {"sender": bus_sender_trace(pcalls(rows)), **pre.tables(), **memory.tables(),
              IMAGE: image_main(image_fixed(image)), "range16": ranges.count_range16(*(pre.range16 + memory.range16())),
              "bitwise": ranges.count_bitwise(bitwise)}
    return tables, memory


def proves(xlen: int, data: bytes, tables) -> bool:
    """Whether a proof made without the witness check verifies."""
    k = key(xlen, data)
    return bool(verify(k.verifying_key, {}, prove(k, tables, check=False).to_bytes()))


def words_at(memory, addr: int, n: int, xlen: int) -> list[int]:
    step = xlen // 8
    return [int.from_bytes(memory.read(addr + step * i, 4), "little") for i in range(n)]


W_AT, H_AT = DATA + 0x100, DATA + 0x800


def block_words(block: bytes) -> list[int]:
    return list(struct.unpack(">16I", block))


def padded(message: bytes) -> bytes:
    return message + b"\x80" + bytes(-(len(message) + 9) % 64) + struct.pack(">Q", 8 * len(message))


# ---------------------------------------------------------------- the layout

@pytest.mark.parametrize("xlen", XLENS)
@pytest.mark.parametrize("call", [SYS_SHA_EXTEND, SYS_SHA_COMPRESS])
def test_a_calls_units_are_read_before_written_within_the_slot_budget_once_per_index(call, xlen):
    lay = layout_rows(xlen)
    f = {name: lay[:, j] for j, name in enumerate(LAYOUT_FIELDS)}
    mine = np.isin(f["kind"], CALL_KINDS[call])
    assert mine.sum() == sum(UNITS[k] for k in CALL_KINDS[call])
    assert len(set(f["idx"][mine])) == len(set(f["slot"][mine])) == mine.sum()
    assert f["slot"][mine & (f["wr"] == 0)].max() < f["slot"][mine & (f["wr"] == 1)].min()
    assert f["slot"][mine].max() < MEM_SLOTS
    assert (f["wide"][mine] == ((f["wr"][mine] == 1) & (xlen == 64))).all()


# ---------------------------------------------------------------- proofs of the host's calls

@pytest.mark.parametrize("xlen", XLENS)
def test_extend_then_compress_of_each_block_proves_hashlibs_sha256(xlen):
    """Two blocks, each in its own schedule array, and the state at H_AT starting at the IV:
    the host's state after the four calls is hashlib's digest, and the proof of them verifies."""
    message = b"SP1 hashes with two precompiles: " + bytes(range(40))
    blocks = [padded(message)[i:i + 64] for i in (0, 64)]
    data = bytes(0x100) + b"".join(slots(block_words(b), xlen).ljust(0x200, b"\0") for b in blocks) \
        + bytes(0x300) + slots(SHA256_IV, xlen)
    calls = [c for j in range(2) for c in ((SYS_SHA_EXTEND, W_AT + 0x200 * j, 0),
                                             (SYS_SHA_COMPRESS, W_AT + 0x200 * j, H_AT))]
    rows, memory = host(xlen, data, calls)
    digest = b"".join(struct.pack(">I", w) for w in words_at(memory, H_AT, 8, xlen))
    assert digest == hashlib.sha256(message).digest()
    tables, mem = traces(xlen, data, rows)
    assert proves(xlen, data, tables)
    assert mem.final.read(H_AT, 8 * xlen // 8) == memory.read(H_AT, 8 * xlen // 8)


@pytest.mark.parametrize("xlen", XLENS)
def test_compress_over_words_that_are_not_a_schedule_proves_sp1s_result(xlen):
    w = [int(x) for x in RNG.integers(0, 1 << 32, 64)]
    h = [int(x) for x in RNG.integers(0, 1 << 32, 8)]
    data = bytes(0x100) + slots(w, xlen).ljust(0x700, b"\0") + slots(h, xlen)
    rows, memory = host(xlen, data, [(SYS_SHA_COMPRESS, W_AT, H_AT)])
    assert words_at(memory, H_AT, 8, xlen) == sha256_rounds(h, w)
    assert proves(xlen, data, traces(xlen, data, rows)[0])


def test_rv64_slots_high_halves_are_ignored_when_read_and_zeroed_when_written():
    w = [int(x) for x in RNG.integers(0, 1 << 32, 16)]
    data = bytes(0x100) + slots(w, 64, high=0xDEAD_BEEF) + slots([0] * 48, 64, high=0xFFFF_FFFF)
    rows, memory = host(64, data, [(SYS_SHA_EXTEND, W_AT, 0)])
    tables, mem = traces(64, data, rows)
    assert mem.final.read(W_AT + 128, 384) == memory.read(W_AT + 128, 384) == slots(sha256_extend(w)[16:], 64)
    assert proves(64, data, tables)


@pytest.mark.parametrize("xlen", XLENS)
def test_a_compress_whose_state_lies_inside_its_schedule_reads_it_before_writing(xlen):
    """The state at w[60..68): the host reads the schedule and the state, then writes the
    state; the bridge's reads come before its writes, so the proof holds."""
    words = [int(x) for x in RNG.integers(0, 1 << 32, 68)]
    data = bytes(0x100) + slots(words, xlen)
    h_at = W_AT + 60 * xlen // 8
    rows, memory = host(xlen, data, [(SYS_SHA_COMPRESS, W_AT, h_at)])
    assert words_at(memory, h_at, 8, xlen) == sha256_rounds(words[60:], words[:64])
    assert proves(xlen, data, traces(xlen, data, rows)[0])


# ---------------------------------------------------------------- what is refused

def _tampered(rows: np.ndarray, kind: int, word: int) -> np.ndarray:
    """The rows with output word `word` of the first call of `kind` off by one bit."""
    bad = rows.copy()
    i = int(np.flatnonzero(bad["kind"] == kind)[0])
    bad["output"][i, 4 * word] ^= 1
    return bad


@cache
def hashed(xlen: int):
    """(data, rows) of an extend and a compress of one block."""
    data = bytes(0x100) + slots(block_words(padded(b"abc")), xlen).ljust(0x700, b"\0") + slots(SHA256_IV, xlen)
    return data, host(xlen, data, [(SYS_SHA_EXTEND, W_AT, 0), (SYS_SHA_COMPRESS, W_AT, H_AT)])[0]


@pytest.mark.parametrize("xlen", XLENS)
def test_a_written_schedule_word_other_than_the_recurrences_is_refused(xlen):
    data, rows = hashed(xlen)
    bad = _tampered(rows, SYS_SHA_EXTEND, 30)         # w[46]
    with pytest.raises(ConstraintError):
        extend_air().check(extend_trace(bad[bad["kind"] == SYS_SHA_EXTEND]).main)
    assert not proves(xlen, data, traces(xlen, data, bad)[0])


@pytest.mark.parametrize("xlen", XLENS)
def test_a_written_state_word_other_than_the_compressions_is_refused(xlen):
    data, rows = hashed(xlen)
    bad = _tampered(rows, SYS_SHA_COMPRESS, 5)
    with pytest.raises(ConstraintError):
        compress_air().check(compress_trace(bad[bad["kind"] == SYS_SHA_COMPRESS]).main)
    assert not proves(xlen, data, traces(xlen, data, bad)[0])


def test_a_word_read_other_than_what_memory_held_is_refused():
    """The extend's input word 3 changed and its outputs recomputed: the table's recurrence
    holds, but the bridge's read claims bytes memory did not hold."""
    data, rows = hashed(32)
    bad = rows.copy()
    w = list(struct.unpack("<16I", bad["input"][0, :64].tobytes()))
    w[3] ^= 1 << 20
    bad["input"][0, :64] = np.frombuffer(struct.pack("<16I", *w), np.uint8)
    bad["output"][0, :192] = np.frombuffer(struct.pack("<48I", *sha256_extend(w)[16:]), np.uint8)
    extend_air().check(extend_trace(bad[:1]).main)
    assert not proves(32, data, traces(32, data, bad)[0])


def test_a_wide_write_with_a_nonzero_high_half_fails_the_bridge():
    _, rows = hashed(64)
    main = precompile_traces(main_calls(rows), rows, 64, OP_ID["ecall"], sp1_sha=True).bridge.main.copy()
    col = {name: j for j, name in enumerate(bridge_columns())}
    row = int(np.flatnonzero(main[:, col["wide"]] == 1)[0])
    main[row, col["l2"]] = 7
    with pytest.raises(ConstraintError):
        bridge_air(64).check(main)


def test_the_tables_receive_exactly_the_words_the_calls_read_and_wrote():
    _, rows = hashed(32)
    ext, comp = rows[:1], rows[1:]
    w = sha256_extend(block_words(padded(b"abc")))
    assert extend_messages(ext)[:, 2:].tolist() == [[x & 0xFFFF, x >> 16] for x in w]
    h_out = sha256_rounds(list(SHA256_IV), w)
    assert compress_messages(comp)[:, 2:].tolist() == [[x & 0xFFFF, x >> 16] for x in w + list(SHA256_IV) + h_out]
    assert len(set(extend_messages(ext)[:, 1]) | set(compress_messages(comp)[:, 1])) == 64 + 80


def test_sp1s_calls_need_a_key_with_their_tables():
    _, rows = hashed(32)
    with pytest.raises(ValueError, match="needs the SHA_EXTEND and SHA_COMPRESS tables"):
        precompile_traces(main_calls(rows), rows, 32, OP_ID["ecall"])


def test_only_a_key_with_sp1s_calls_has_their_tables():
    names = lambda sp1: {a.name for a in precompile_airs(64, sp1)[0]}     # noqa: E731
    assert names(True) - names(False) == {EXTEND_TABLE, COMPRESS_TABLE}
    assert PRECOMPILE in names(False)
