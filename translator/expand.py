"""Full traces: the chunks of a minimal trace expanded, independently and in parallel, into rows.

A chunk needs only its checkpoint (pc, registers, step) and its slice of the
load log: the translated code in "full" mode replays it, taking every memory
read from the log and writing one runtime.trace.MAIN_ROW per step; the steps it
leaves to the interpreter (ecalls, atomics) are replayed by the interpreter on
a ReplayMemory over the same log.  So expansion needs no memory image and any
worker can take any chunk.
"""
import os
import time
from dataclasses import dataclass

import numpy as np

from runtime.host import GuestExit
from runtime.memory_map import MemoryMap
from runtime.profiles import PROFILES
from runtime.trace import MAIN_ROW, PRECOMPILE_ROW, precompile_record, records
from translator.executor import layout_for
from translator.interpreter import Interpreter
from translator.jit import DEFAULT_OPT
from translator.lifter import (CTX_SLOTS, SLOT_BUDGET, SLOT_CODE_BASE, SLOT_CODE_WORDS, SLOT_LOG, SLOT_LOG_POS,
                               SLOT_PC, SLOT_ROW_BASE, SLOT_ROWS, SLOT_STEPS, SLOT_TABLE)
from translator.regions import code_map, for_extensions
from translator.replay import ReplayMemory
from translator.tiering import RegionCode


@dataclass(frozen=True)
class Chunk:
    """Everything a worker needs to expand one chunk (picklable)."""
    program: object
    memory_map: MemoryMap
    opt: int
    cache_dir: str | None
    first_step: int
    end_step: int
    pc: int
    regs: np.ndarray
    log: np.ndarray
    out_path: str | None = None     # a MAIN_ROW .npy covering the whole run: rows go straight into it
    profile: str = "zkaot"          # whose calls the interpreter replays (runtime/profiles.py)


_loaded: dict[tuple, RegionCode] = {}


def _full_code(chunk: Chunk) -> RegionCode:
    """Full-mode code, loaded once per worker process and reused for every chunk it expands."""
    program = for_extensions(chunk.program, PROFILES[chunk.profile].calls[chunk.program.xlen].extensions)
    key = (program.sha256, program.compressed, chunk.memory_map, chunk.opt, chunk.cache_dir)
    if key not in _loaded:
        _loaded[key] = RegionCode(program, code_map(program, "full"), "full", layout_for(program, chunk.memory_map),
                                  chunk.opt, chunk.cache_dir)
    return _loaded[key]


def expand_chunk(chunk: Chunk) -> tuple[np.ndarray, np.ndarray]:
    """Replay one chunk: its MAIN_ROW rows (one per step) and its PRECOMPILE_ROW rows."""
    full = _full_code(chunk)
    count = chunk.end_step - chunk.first_step
    rows = _scratch(count) if chunk.out_path else np.empty(count, MAIN_ROW)    # every row gets written
    precompiles: list[tuple] = []
    memory = ReplayMemory(chunk.log)
    cursor = {"row": 0}

    def record(row) -> None:
        rows[cursor["row"]] = row

    calls = PROFILES[chunk.profile].calls[chunk.program.xlen]
    interp = Interpreter(chunk.program, memory=memory, record=record, calls=calls)
    interp.io.on_precompile = lambda *call: precompiles.append(precompile_record(interp.steps, *call))
    ctx = np.zeros(CTX_SLOTS, np.uint64)
    ctx[:32] = chunk.regs
    ctx[SLOT_PC], ctx[SLOT_STEPS] = chunk.pc, chunk.first_step
    ctx[SLOT_LOG] = chunk.log.ctypes.data if len(chunk.log) else 0
    ctx[SLOT_ROWS], ctx[SLOT_ROW_BASE] = rows.ctypes.data, chunk.first_step
    ctx[SLOT_CODE_BASE], ctx[SLOT_CODE_WORDS], ctx[SLOT_TABLE] = full.cm.base, len(full.table), full.table.ctypes.data
    while int(ctx[SLOT_STEPS]) < chunk.end_step:
        ctx[SLOT_BUDGET] = min(chunk.end_step, interp.next_tick(int(ctx[SLOT_STEPS])))    # a tick: interpreted
        entered = time.perf_counter()
        full.dispatch(ctx.ctypes.data)
        full.ran(time.perf_counter() - entered)
        if int(ctx[SLOT_STEPS]) >= chunk.end_step:
            break
        if full.compile_at(int(ctx[SLOT_PC])):         # a region not compiled yet (translator/tiering.py)
            continue
        # whatever stopped the translated code (budget, slow step, mid-block pc), the interpreter takes one step
        interp.regs[1:32] = ctx[1:32].tolist()
        interp.pc, interp.steps = int(ctx[SLOT_PC]), int(ctx[SLOT_STEPS])
        memory.position = int(ctx[SLOT_LOG_POS])
        cursor["row"] = interp.steps - chunk.first_step
        try:
            interp.execute(1)
        except GuestExit:
            pass
        ctx[1:32] = interp.regs[1:32]
        ctx[SLOT_PC], ctx[SLOT_STEPS], ctx[SLOT_LOG_POS] = interp.pc, interp.steps, memory.position
    precompile_rows = np.array(precompiles, PRECOMPILE_ROW) if precompiles else np.zeros(0, PRECOMPILE_ROW)
    if chunk.out_path:
        _write_rows(chunk.out_path, chunk.first_step, rows)
        return np.zeros(0, MAIN_ROW), precompile_rows       # the rows are in the file already
    return rows, precompile_rows


_buffer = np.zeros(0, MAIN_ROW)


def _scratch(count: int) -> np.ndarray:
    """Rows to replay into before they go to the file, reused by every chunk a worker expands (fresh
    memory for each chunk would cost a page fault per 4 KiB again)."""
    global _buffer
    if len(_buffer) < count:
        _buffer = np.empty(count, MAIN_ROW)
    return _buffer[:count]


def _write_rows(path: str, first_step: int, rows: np.ndarray) -> None:
    """Put rows into the MAIN_ROW .npy at their step with pwrite: one copy into the page cache, which every
    process on this machine reads.  Writing through a memory map of the file instead faulted in every page
    and then waited in msync for the disk: 12 M rows/s on one core, against 70-90 M rows/s this way."""
    with open(path, "r+b") as f:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            np.lib.format.read_array_header_1_0(f)
        else:
            np.lib.format.read_array_header_2_0(f)
        offset = f.tell() + first_step * MAIN_ROW.itemsize
        data = memoryview(rows.view(np.uint8))
        while data:
            written = os.pwrite(f.fileno(), data, offset)
            data, offset = data[written:], offset + written


def chunks_of(program, trace, total_steps: int, memory_map: MemoryMap, opt: int = DEFAULT_OPT,
              cache_dir=None, out_path: str | None = None, profile: str = "zkaot") -> list[Chunk]:
    """Cut a minimal trace (translator.executor.MinimalTrace) into expansion jobs.

    With out_path (a MAIN_ROW .npy of total_steps rows that every worker can open),
    workers write their rows into it instead of sending them back.
    """
    cps = trace.checkpoints
    ends = list(cps["step"][1:]) + [total_steps]
    log_ends = list(cps["log_pos"][1:]) + [len(trace.load_log)]
    return [Chunk(program, memory_map, opt, None if cache_dir is None else str(cache_dir),
                  int(cp["step"]), int(end), int(cp["pc"]), cp["regs"].copy(),
                  np.ascontiguousarray(trace.load_log[int(cp["log_pos"]): int(log_end)]), out_path, profile)
            for cp, end, log_end in zip(cps, ends, log_ends) if int(end) > int(cp["step"])]


def reference_trace(program, input_bytes: bytes = b"", memory_map: MemoryMap = MemoryMap(),
                    step_limit: int | None = None, profile: str = "zkaot", frames=(), calls=None):
    """The interpreter's own full trace, for differential tests: (result, main rows, precompile rows).
    `calls`: the profile's registry for this run (a Linux process's arguments), if not its default."""
    rows: list[tuple] = []
    precompiles: list[tuple] = []
    interp = Interpreter(program, input_bytes, memory_map, step_limit, record=rows.append,
                         calls=calls or PROFILES[profile].calls[program.xlen], frames=frames)
    interp.io.on_precompile = lambda *call: precompiles.append(precompile_record(len(rows), *call))
    result = interp.run()
    return result, records(rows, MAIN_ROW), records(precompiles, PRECOMPILE_ROW)
