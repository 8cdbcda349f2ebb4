"""Translated code as the dispatcher sees it: a cold start that compiles only what runs, and the
background compile of the requested tier that ends up in the cache whatever happens to the run.

When the requested tier is in the cache, it is loaded whole.  When it is not, the run starts at
once with an empty dispatch table: each miss at the entry of a region that has no code yet
compiles that region and a batch of the regions it leads to (its direct branch and call targets,
then its neighbours in address order) at the quick tier (jit.QUICK_OPT), links them into an MCJIT
engine of their own and points the table at them.  Batches grow as a run keeps missing, so a run
that reaches a lot of code pays a few large compiles, not one per region.  Every region is
what lifter.lift_module makes of it, so lazy code runs exactly as the whole program would.

Once the guest has run for TIER_UP_AFTER seconds, the requested tier of the whole program compiles
in a child process (python -m translator.tiering, at low priority, in parallel partitions), which
stores it in the cache; a thread waiting for the child then loads it and its region addresses
replace the quick ones.  The swap is safe at any moment: regions keep nothing between calls (guest
registers and counters live in the context), a table entry is one aligned 8-byte store, and the
quick code stays loaded in case it is still running.  Machines started while a compile is under
way share it, and a child that finds another one compiling the same entry (a lock file beside the
entry) leaves it to that one.

A compile that has not started when the last machine waiting for it is gone, or when the process
exits, is handed off: the child is started in its own session and outlives this process, so the
next run finds the requested tier in the cache.  A child that is compiling when the process exits
goes on.  With ZKAOT_HAND_OFF=0 (the tests set it), nothing outlives the process: compiles that
never started are dropped, the process waits at exit for those under way, and a child whose parent
is gone anyway (a pool worker ends without exit handlers) ends too.
"""
import atexit
import ctypes
import fcntl
import os
import pickle
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections import deque
from pathlib import Path

import numpy as np

from translator.jit import (QUICK_OPT, LoadedCode, Translation, cache_key, cached_translation, compile_regions,
                            default_cache_dir, dispatcher_object, tier_code_map, translate)
from translator.lifter import region_name
from translator.regions import BRANCH, JAL, CodeMap

TIER_UP_AFTER = 0.05    # seconds of running: from then on the requested tier's compile time pays off
FIRST_BATCH = 2_000     # instructions compiled at the first miss (about 60 ms at the quick tier)
MAX_BATCH = 32_000      # a batch doubles at each miss up to this (about 1 s)
_ROOT = str(Path(__file__).resolve().parent.parent)     # where the child process imports translator from
_lock = threading.Lock()
_exiting = False        # set at exit, under _lock: no thread loads code into LLVM from then on
# cache entry -> the compile under way; held by its machines and, once started, by its watcher thread
_upgrades: "weakref.WeakValueDictionary[str, _Upgrade]" = weakref.WeakValueDictionary()


def hand_off_enabled() -> bool:
    """Whether a background compile may outlive this process (off with ZKAOT_HAND_OFF=0)."""
    return os.environ.get("ZKAOT_HAND_OFF", "1") != "0"


def start_compile(job: tuple) -> subprocess.Popen:
    """A low-priority child process, in a session of its own, that compiles job = (program, mode, layout,
    opt, cache_dir) into the cache.  The job goes through a file: writing a large program into the
    child's stdin would wait for its imports."""
    cache_dir = Path(job[-1])
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=cache_dir, prefix=".job-", delete=False) as f:
        pickle.dump(job, f, protocol=pickle.HIGHEST_PROTOCOL)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [_ROOT, os.environ.get("PYTHONPATH")])))
    return subprocess.Popen([sys.executable, "-m", "translator.tiering", f.name, str(os.getpid())], env=env,
                            start_new_session=True,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _lock_file(program, mode: str, layout, opt: int, cache_dir: Path) -> Path:
    return cache_dir / f"{cache_key(program, mode, layout, opt)}.lock"


def _compile_job(path: str, parent: int) -> None:
    """The child: compile the job's whole program into the cache, unless another process holds the lock."""
    os.nice(10)
    if not hand_off_enabled():
        threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()
    program, mode, layout, opt, cache_dir = pickle.loads(Path(path).read_bytes())
    os.unlink(path)
    with open(_lock_file(program, mode, layout, opt, cache_dir), "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return
        translate(program, tier_code_map(program, mode, opt), mode, layout, opt, cache_dir)


def _exit_with(parent: int) -> None:
    """End this process soon after the one that started it, which may be a pool worker that never runs
    its exit handlers: with hand-off off, nothing outlives the process that started a compile."""
    while os.getppid() == parent:       # once the parent is gone, another process adopts this one
        time.sleep(0.2)
    os._exit(1)


def _wait_for_lock(path: Path) -> None:
    """Block until no process compiles into the entry of this lock file."""
    with open(path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)


def _hand_off(job: tuple, state: dict) -> None:
    """Finalizer of an upgrade: start its compile, detached, if nothing started it."""
    if not state["started"] and hand_off_enabled():
        start_compile(job)


class _Upgrade:
    """One background compile of a translation and the machines waiting to install it."""

    def __init__(self, entry: str, job: tuple):
        self.entry, self.job = entry, job
        self.waiting: weakref.WeakSet[RegionCode] = weakref.WeakSet()    # a machine that is gone waits no more
        self.error: BaseException | None = None
        self.process: subprocess.Popen | None = None     # the child, once started
        self.watcher: threading.Thread | None = None     # made when started: it keeps the upgrade alive
        self._state = {"started": False}
        weakref.finalize(self, _hand_off, job, self._state)

    def start(self) -> None:
        with _lock:
            if self._state["started"] or _exiting:
                return
            self._state["started"] = True
            self.process = start_compile(self.job)
            self.watcher = threading.Thread(target=self._watch, daemon=True, name=f"zkaot tier-up {self.entry[-8:]}")
            self.watcher.start()

    def _watch(self) -> None:
        """Wait for the child (and for another process compiling the same entry), then install its code."""
        status = self.process.wait()
        program, mode, layout, opt, cache_dir = self.job
        _wait_for_lock(_lock_file(program, mode, layout, opt, cache_dir))
        with _lock:
            _upgrades.pop(self.entry, None)
            if _exiting:
                return
            waiting = list(self.waiting)
            for code in waiting:
                translation = cached_translation(program, code.cm, mode, layout, opt, cache_dir)
                if translation is None:
                    self.error = RuntimeError(f"the background compile exited with status {status} "
                                              f"and left nothing in the cache")
                    return
                code._install(translation, rank=1)


@atexit.register
def _at_exit() -> None:
    """No code is loaded into LLVM once the interpreter starts tearing it down.  Compiles under way
    go on in their child processes; with hand-off off, wait for them (tests leave no process behind)."""
    global _exiting
    with _lock:
        _exiting = True
        children = [u.watcher for u in list(_upgrades.values()) if u.watcher is not None]
    if not hand_off_enabled():
        for watcher in children:
            watcher.join()


class RegionCode:
    """The region functions of one program in one mode: `table[slot index]` is the address of the
    function that starts a block there (0 if none yet), and `dispatch(ctx)` runs them."""

    def __init__(self, program, cm: CodeMap, mode: str, layout, opt: int, cache_dir=None, tier_up: bool = True):
        self.program, self.cm, self.mode, self.layout = program, cm, mode, layout
        self.table = np.zeros(len(cm.kind), np.uint64)
        self._loaded: list[LoadedCode] = []
        self._rank = -1
        self._install_lock = threading.Lock()
        self._upgrade: _Upgrade | None = None
        self._ran = 0.0
        self._entry_region: np.ndarray | None = None       # lazily compiled code only
        self._lazy: CodeMap | None = None                  # its regions: the quick tier's (jit.tier_code_map)
        translation = None
        if tier_up:
            cache_dir = Path(cache_dir or default_cache_dir())
            entry = str(cache_dir / cache_key(program, mode, layout, opt))
            with _lock:         # a compile that ends meanwhile has filled the cache before it takes the lock
                translation = cached_translation(program, cm, mode, layout, opt, cache_dir)
                if translation is None:
                    self._upgrade = _upgrades.get(entry)
                    if self._upgrade is None:
                        self._upgrade = _upgrades[entry] = _Upgrade(entry, (program, mode, layout, opt, cache_dir))
                    self._upgrade.waiting.add(self)
        if self._upgrade is not None:
            self._start_lazily()
            code = self._loaded[0]
        else:
            self.translation = translation or translate(program, cm, mode, layout, opt, cache_dir)
            code = self._install(self.translation, rank=0)
        self.dispatch = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_void_p)(code.address("dispatch"))

    # ---- lazy compilation ------------------------------------------------------
    def _start_lazily(self) -> None:
        """An empty table and the dispatcher: regions are compiled as the run reaches them, at the quick
        tier and so cut as quick code is (the background compile's code follows `cm`; the two cover the
        same entries, so either can fill any slot of the table)."""
        self._lazy = cm = tier_code_map(self.program, self.mode, QUICK_OPT) if self.cm.dispatch_loops else self.cm
        regions = cm.regions
        counts = np.fromiter((len(r.entries) for r in regions), np.int64, len(regions))
        entries = np.fromiter((pc for r in regions for pc in r.entries), np.int64, int(counts.sum()))
        self._entry_region = np.full(len(cm.kind), -1, np.int32)     # slot index -> the region entered there
        self._entry_region[(entries - cm.base) >> cm.shift] = np.repeat(np.arange(len(regions), dtype=np.int32), counts)
        self._compiled = np.zeros(len(regions), bool)
        self._batch = FIRST_BATCH
        self.translation = Translation([], {}, 0.0, False, cache_key(self.program, self.mode, self.layout, QUICK_OPT))
        self._loaded.append(LoadedCode([dispatcher_object(cm.shift)]))

    def compile_at(self, pc: int) -> bool:
        """Called on a miss at pc: compile the region entered there (and a batch of others) if it has no
        code yet.  True when it did (run on); False when pc is no region's entry or already has code."""
        i = self.cm.index(pc)
        if self._entry_region is None or pc % (1 << self.cm.shift) or not 0 <= i < len(self.table) or self.table[i]:
            return False
        region = int(self._entry_region[i])
        if region < 0:
            return False
        start = time.perf_counter()
        batch = self._batch_from(region)
        part = [self._lazy.regions[r] for r in batch]
        obj = compile_regions(self._lazy, part, self.mode, self.layout, QUICK_OPT)
        self._compiled[batch] = True
        self._install(Translation([obj], {pc: region_name(r) for r in part for pc in r.entries}, 0.0, False, ""),
                      rank=0)
        self.translation.compile_seconds += time.perf_counter() - start
        self._batch = min(2 * self._batch, MAX_BATCH)
        return True

    def _batch_from(self, first: int) -> list[int]:
        """Regions to compile with `first`: breadth first along direct branches and calls, then the
        regions after it in address order, up to the batch size in instructions."""
        batch, seen, queue, size = [], {first}, deque([first]), 0
        following = iter((first + 1 + np.flatnonzero(~self._compiled[first + 1:])).tolist())
        while size < self._batch:
            if not queue:
                r = next((r for r in following if r not in seen), None)
                if r is None:
                    break
                seen.add(r)
                queue.append(r)
            r = queue.popleft()
            batch.append(r)
            region = self._lazy.regions[r]
            size += (region.end - region.start) >> self._lazy.shift
            for s in self._successors(r):
                if s not in seen and not self._compiled[s]:
                    seen.add(s)
                    queue.append(s)
        return batch

    def _successors(self, r: int) -> list[int]:
        """The regions region r branches or calls into directly."""
        region, cm = self._lazy.regions[r], self._lazy
        lo, hi = cm.index(region.start), cm.index(region.end)
        direct = lo + np.flatnonzero(np.isin(cm.kind[lo:hi], (BRANCH, JAL)))
        targets = self._entry_region[direct + (cm.decoded["imm"][direct] >> cm.shift)]
        return np.unique(targets[(targets >= 0) & (targets != r)]).tolist()

    # ---- installing code -------------------------------------------------------
    def _install(self, translation: Translation, rank: int) -> LoadedCode:
        """Load a translation and point the table at it, unless a better one is there already."""
        code = LoadedCode(translation.objects)
        with self._install_lock:
            self._loaded.append(code)           # kept loaded: a region of it may still be running
            if rank >= self._rank:
                self._rank = rank
                names = translation.region_names
                addresses = {name: code.address(name) for name in set(names.values())}
                self.table[[self.cm.index(pc) for pc in names]] = [addresses[names[pc]] for pc in names]
        return code

    def ran(self, seconds: float) -> None:
        """Account for time spent in this code; a run long enough starts the background compile."""
        self._ran += seconds
        if self._upgrade is not None and self._ran >= TIER_UP_AFTER:
            self._upgrade.start()

    def wait(self) -> None:
        """Block until a background compile has been installed; raise what made it fail."""
        if self._upgrade is not None:
            self._upgrade.start()
            self._upgrade.watcher.join()
            if self._upgrade.error is not None:
                raise self._upgrade.error


if __name__ == "__main__":
    _compile_job(sys.argv[1], int(sys.argv[2]))
