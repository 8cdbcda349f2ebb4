"""Running translated code: the context, the dispatcher loop and the hand-offs to the interpreter.

Generated code runs until something it leaves to others happens: a step budget
(chunk boundary, step limit, the room left in the load log: STATUS_YIELD), an access its
fast checks do not cover (STATUS_SLOW), or a pc with no translated block: an
instruction it does not translate, or the middle of a block (STATUS_MISS).  The
interpreter then performs exactly the steps in question on the same registers
and the same memory, so faults, ecalls and atomics have one implementation and
the two executors cannot drift apart on them.
"""
import ctypes
import time
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from runtime.calls import ZKAOT, Registry
from runtime.host import GuestExit
from runtime.memory_map import MemoryMap
from runtime.runs import run_positions
from runtime.trace import CHECKPOINT
from translator.interpreter import PROGRESS_SLICE, GuestFault, Interpreter, RunResult
from translator.jit import DEFAULT_OPT, tier_code_map
from translator.load_log import LoadLog, LogWriter
from translator.lifter import (CTX_SLOTS, SLOT_BLOCK_START, SLOT_BUDGET, SLOT_CODE_BASE, SLOT_CODE_WORDS,
                               SLOT_COUNTS, SLOT_INPUT, SLOT_INPUT_LEN, SLOT_LOG, SLOT_LOG_POS, SLOT_LOOKUPS,
                               SLOT_MISALIGNED, SLOT_PC, SLOT_PREV_PC, SLOT_RAM, SLOT_RESERVED_ADDR,
                               SLOT_RESERVED_SIZE, SLOT_STEPS, SLOT_TABLE,
                               STATUS_MISS, STATUS_SLOW, STATUS_YIELD, Layout, log_entries_per_step)
from translator.regions import NORMAL, SLOW, CodeMap, for_extensions, word_indices
from translator.tiering import RegionCode

NO_LIMIT = (1 << 63) - 1
LOG_CAPACITY = 1 << 20          # u64 entries per buffer of the load log that native code appends to


def layout_for(program, memory_map: MemoryMap) -> Layout:
    """Stores between the lowest and the highest read-only byte take the slow path (vendors
    put the stack below their code, so stores under it stay fast)."""
    base = memory_map.ram_base
    read_only = [s for s in program.segments if not s.writable]
    read_only_end = max((s.end - base for s in read_only), default=0)
    read_only_lo = min((s.vaddr - base for s in read_only), default=0)
    guard_lo, guard_hi = memory_map.stack_guard
    holes = tuple((lo - base, hi - base) for lo, hi, _ in memory_map.holes)
    return Layout(base, memory_map.ram_size, guard_lo - base, guard_hi - base, read_only_end,
                  memory_map.input_base, read_only_lo, holes)


def block_lengths(cm: CodeMap) -> np.ndarray:
    """Instructions from each slot to the end of its block (what a block starting there would run; 1
    inside an instruction)."""
    starts = cm.starts
    index = word_indices(len(starts))
    ends = (cm.kind[starts] != NORMAL) | np.append(cm.is_leader, True)[cm.next_slots(starts)]
    lengths = np.where(ends, index, len(index) - 1)
    np.minimum.accumulate(lengths[::-1], out=lengths[::-1])
    lengths -= index
    lengths += 1
    if cm.is_start is None:
        return lengths
    per_slot = np.ones(len(cm.kind), lengths.dtype)
    per_slot[starts] = lengths
    return per_slot


def straight_line(cm: CodeMap, first: int, count: int) -> np.ndarray | slice:
    """The slots of `count` instructions run in a row from slot `first` (an instruction's start)."""
    if cm.is_start is None:
        return slice(first, first + count)
    rank = int(np.searchsorted(cm.starts, first))
    return cm.starts[rank: rank + count]


@dataclass
class MinimalTrace:
    """What a minimal-trace run leaves behind (runtime/trace.py, docs/trace-format.md)."""
    checkpoints: np.ndarray
    load_log: LoadLog
    pc_histogram: np.ndarray
    code_base: int
    chunk_log2: int
    slot_bytes: int = 4         # the histogram counts per slot: 4 bytes, 2 with the C extension


@dataclass
class NativeRun:
    result: RunResult
    compile_seconds: float
    run_seconds: float
    cached: bool
    trace: MinimalTrace | None = None
    stats: dict = field(default_factory=dict)


class NativeMachine:
    """A guest run by its translated code, in mode "fast" or "minimal"."""

    def __init__(self, program, input_bytes: bytes = b"", memory_map: MemoryMap = MemoryMap(),
                 mode: str = "fast", step_limit: int | None = None, on_console=None,
                 chunk_log2: int = 18, opt: int = DEFAULT_OPT, cache_dir=None, tier_up: bool = True,
                 calls: Registry = ZKAOT, frames: Sequence[bytes] = (), log_dir=None):
        """`log_dir`: where a minimal run's load log goes once it outgrows its buffers (default: the
        temporary directory; translator/load_log.py)."""
        if mode not in ("fast", "minimal"):
            raise ValueError(f"a native run is 'fast' or 'minimal', not {mode!r} (full traces are expanded)")
        program = for_extensions(program, calls.extensions)     # the C extension cuts code in 2-byte slots
        self.program, self.mode = program, mode
        self.interp = Interpreter(program, input_bytes, memory_map, None, on_console, calls=calls, frames=frames)
        self.memory = self.interp.memory
        self.cm = tier_code_map(program, mode, opt)
        self.block_len = block_lengths(self.cm)
        self.code = RegionCode(program, self.cm, mode, layout_for(program, memory_map), opt, cache_dir, tier_up)
        self.translation = self.code.translation
        self.table, self.dispatch = self.code.table, self.code.dispatch
        self.step_limit = NO_LIMIT if step_limit is None else step_limit
        self.chunk = 1 << chunk_log2
        self.chunk_log2 = chunk_log2
        self.ctx = np.zeros(CTX_SLOTS, np.uint64)
        self._ram_view = ctypes.c_char.from_buffer(self.memory.ram)
        self._input = np.frombuffer(self.memory.input, np.uint8)
        self.log = LogWriter(LOG_CAPACITY, log_dir)     # native code appends to self.log.current
        self.block_counts = np.zeros(len(self.cm.kind), np.uint64)
        self.extra_counts = np.zeros(len(self.cm.kind), np.uint64)
        ctx = self.ctx
        ctx[SLOT_RAM] = ctypes.addressof(self._ram_view)
        ctx[SLOT_INPUT] = self._input.ctypes.data
        ctx[SLOT_INPUT_LEN] = len(self._input)
        ctx[SLOT_CODE_BASE] = self.cm.base
        ctx[SLOT_CODE_WORDS] = len(self.table)
        ctx[SLOT_TABLE] = self.table.ctypes.data
        ctx[SLOT_LOG] = self.log.current.ctypes.data
        self.log_per_step = log_entries_per_step(self.cm)
        ctx[SLOT_COUNTS] = self.block_counts.ctypes.data
        ctx[SLOT_PC] = program.entry
        ctx[1:32] = self.interp.regs[1:32]          # what the profile's start set (a Linux stack pointer)
        self.checkpoints: list[tuple] = []
        # Where the time goes (bench/): calls of the native code, and the steps the interpreter took
        # because a memory access left the fast checks, the word is not translated (ecall, atomic,
        # illegal), or the pc is in the middle of a block (a computed jump no table revealed).
        self.stats = {"dispatches": 0, "slow_steps": 0, "untranslated_steps": 0, "mid_block_steps": 0,
                      "interpreter_seconds": 0.0}

    @property
    def pc(self) -> int:
        """The guest's pc between blocks: where a run stopped by a signal was."""
        return int(self.ctx[SLOT_PC])

    @property
    def steps(self) -> int:
        return int(self.ctx[SLOT_STEPS])

    # ---- state shared with the interpreter --------------------------------
    def _to_interpreter(self) -> None:
        self.interp.regs[1:32] = self.ctx[1:32].tolist()
        self.interp.pc = int(self.ctx[SLOT_PC])
        self.interp.steps = int(self.ctx[SLOT_STEPS])
        size = int(self.ctx[SLOT_RESERVED_SIZE])       # fast mode's translated LR (lifter.lift_atomic)
        self.interp.reservation = (int(self.ctx[SLOT_RESERVED_ADDR]), size) if size else None

    def _from_interpreter(self) -> None:
        self.ctx[1:32] = self.interp.regs[1:32]
        self.ctx[SLOT_PC] = self.interp.pc
        self.ctx[SLOT_STEPS] = self.interp.steps
        self.ctx[SLOT_RESERVED_ADDR], self.ctx[SLOT_RESERVED_SIZE] = self.interp.reservation or (0, 0)

    def _log_room(self, entries: int) -> None:
        """Room for `entries` more log entries in the buffer native code writes to, else the next
        buffer (translator/load_log.py).  Copying the log out of one buffer at every yield took
        half of sha256_soft's minimal-trace run."""
        pos = int(self.ctx[SLOT_LOG_POS])
        if pos + entries > len(self.log.current):
            self.ctx[SLOT_LOG_POS] = self.log.room(pos, entries)
            self.ctx[SLOT_LOG] = self.log.current.ctypes.data

    def _log_budget(self, steps: int, budget: int, block: int) -> int:
        """The budget cut to the steps whose log entries fit in the buffer (at least the next block's,
        with a new buffer if need be): native code appends without checking for room."""
        per_step = self.log_per_step
        if (len(self.log.current) - int(self.ctx[SLOT_LOG_POS])) // per_step < budget - steps:
            self._log_room(max(block, min(budget - steps, LOG_CAPACITY // 2 // per_step)) * per_step)
        return min(budget, steps + (len(self.log.current) - int(self.ctx[SLOT_LOG_POS])) // per_step)

    def _interpret(self, steps: int) -> None:
        """Let the interpreter run `steps` steps from the current state (logging reads when tracing)."""
        self._to_interpreter()
        if self.mode == "minimal":
            self.memory.log = []
        start_steps, started = self.interp.steps, time.perf_counter()
        try:
            self.interp.execute(steps)
            self.ctx[SLOT_PREV_PC] = self.interp.prev_pc
        finally:
            start_pc = self.interp.first_pc         # after a scheduler tick's hand-over, the other thread's
            if self.mode == "minimal":
                if self.memory.log:
                    read = np.array(self.memory.log, np.uint64)
                    self._log_room(len(read))
                    pos = int(self.ctx[SLOT_LOG_POS])
                    self.log.current[pos: pos + len(read)] = read
                    self.ctx[SLOT_LOG_POS] = pos + len(read)
                self.memory.log = None
                if steps <= self._block_len(start_pc):          # straight-line: the instructions from start_pc
                    ran = straight_line(self.cm, self.cm.index(start_pc), self.interp.steps - start_steps)
                    self.extra_counts[ran] += 1
            self._from_interpreter()
            self.stats["interpreter_seconds"] += time.perf_counter() - started

    def _checkpoint(self) -> None:
        self.checkpoints.append((int(self.ctx[SLOT_STEPS]), int(self.ctx[SLOT_PC]), self.ctx[:32].copy(),
                                 self.log.logged + int(self.ctx[SLOT_LOG_POS])))

    def _block_len(self, pc: int) -> int:
        i = self.cm.index(pc)
        return int(self.block_len[i]) if 0 <= i < len(self.block_len) and pc % (1 << self.cm.shift) == 0 else 1

    # ---- the run loop --------------------------------------------------------
    def run(self, progress=None) -> NativeRun:
        start = time.perf_counter()
        ctx, minimal = self.ctx, self.mode == "minimal"
        next_checkpoint = 0 if minimal else NO_LIMIT
        next_progress = PROGRESS_SLICE
        exit_code = fault = None
        try:
            while True:
                pc, steps = int(ctx[SLOT_PC]), int(ctx[SLOT_STEPS])
                n = self._block_len(pc)
                if minimal and steps + n > next_checkpoint:
                    self._checkpoint()
                    next_checkpoint = ((steps + n) // self.chunk + 1) * self.chunk
                if steps + n > self.step_limit:
                    for _ in range(self.step_limit - steps):     # one by one, so the histogram sees each
                        self._interpret(1)
                    self._step_limit_fault()
                tick = self.interp.next_tick(steps)
                if steps + n > tick:        # the block would cross a scheduler tick: the interpreter takes the
                    self._interpret(tick - steps if steps < tick else 1)   # steps up to it, then the tick and its step
                    continue
                if progress and steps >= next_progress:
                    progress(steps)
                    next_progress = steps + PROGRESS_SLICE * 16
                budget = min(next_checkpoint, self.step_limit, steps + (PROGRESS_SLICE << 8), tick)
                ctx[SLOT_BUDGET] = self._log_budget(steps, budget, n) if minimal else budget
                entered = time.perf_counter()
                status = self.dispatch(ctx.ctypes.data)
                self.stats["dispatches"] += 1
                self.code.ran(time.perf_counter() - entered)
                if status == STATUS_YIELD:          # the budget: the loop's top sees to what comes next
                    continue
                if int(ctx[SLOT_STEPS]) >= self.step_limit:
                    self._step_limit_fault()
                elif status == STATUS_SLOW:
                    block_start = int(ctx[SLOT_BLOCK_START])
                    if minimal and block_start < int(ctx[SLOT_PC]):
                        ran = slice(self.cm.index(block_start), self.cm.index(int(ctx[SLOT_PC])))
                        self.extra_counts[ran] += 1 if self.cm.is_start is None else self.cm.is_start[ran]
                    self.stats["slow_steps"] += 1
                    self._interpret(1)
                elif status == STATUS_MISS:
                    self._miss()
        except GuestExit as e:
            exit_code = e.code
        except GuestFault as e:
            fault = e
        seconds = time.perf_counter() - start
        io = self.interp.io
        io.flush()
        result = RunResult(exit_code, bytes(io.output), bytes(io.console),
                           int(ctx[SLOT_STEPS]), int(ctx[SLOT_MISALIGNED]) + self.memory.misaligned, seconds,
                           int(ctx[SLOT_PC]), [0] + ctx[1:32].tolist(), fault, region_cycles=io.regions.totals)
        trace = self._minimal_trace() if minimal else None
        return NativeRun(result, self.translation.compile_seconds, seconds, self.translation.cached, trace,
                         {**self.stats, "dispatcher_lookups": int(ctx[SLOT_LOOKUPS])})

    def _step_limit_fault(self):
        pc = int(self.ctx[SLOT_PC])
        raise GuestFault(pc, f"step limit of {self.step_limit} steps reached", self.interp._text_at(pc),
                         self.program.symbol_at(pc))

    def _miss(self) -> None:
        """No translated block here: a region not compiled yet is compiled (lazily, tiering.py) and run;
        other code (an instruction left to the interpreter, or the middle of a block) runs in the
        interpreter; anything else faults."""
        pc = int(self.ctx[SLOT_PC])
        if self.code.compile_at(pc):
            return
        if self.interp._in_code(pc):
            if self.cm.kind[self.cm.index(pc)] == SLOW:
                self.stats["untranslated_steps"] += 1
                self._interpret(1)
                return
            # The middle of a block: the interpreter runs the rest of it in one go, unless that would
            # cross the budget (a checkpoint or the step limit), which the run loop then handles.
            n = self._block_len(pc)
            if self.steps + n > int(self.ctx[SLOT_BUDGET]):
                n = 1
            self.stats["mid_block_steps"] += n
            self._interpret(n)
            return
        self._to_interpreter()
        self.interp._handler_at(pc, int(self.ctx[SLOT_PREV_PC]))     # raises the interpreter's fault

    def _minimal_trace(self) -> MinimalTrace:
        checkpoints = np.zeros(len(self.checkpoints), CHECKPOINT)
        for i, (step, pc, regs, log_pos) in enumerate(self.checkpoints):
            checkpoints[i] = (step, pc, regs, log_pos)
        log = self.log.finish(int(self.ctx[SLOT_LOG_POS]))
        histogram = self.extra_counts.copy()
        leaders = np.flatnonzero(self.block_counts)
        if len(leaders):
            lengths = self.block_len[leaders]
            starts = self.cm.starts
            ranks = leaders if self.cm.is_start is None else np.searchsorted(starts, leaders)
            block, position = run_positions(lengths)
            index = ranks[block] + position
            np.add.at(histogram, index if self.cm.is_start is None else starts[index],
                      np.repeat(self.block_counts[leaders], lengths))
        return MinimalTrace(checkpoints, log, histogram, self.cm.base, self.chunk_log2, 1 << self.cm.shift)
