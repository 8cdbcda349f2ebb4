"""Translated code as the dispatcher sees it, and the tier-up that makes a cold start quick.

When the requested tier is not in the cache, the quick tier (jit.QUICK_OPT:
LLVM's O0 code generator) is compiled first, several times faster, and the
guest starts on it.  Once the code has run for TIER_UP_AFTER seconds, the
requested tier compiles in a background thread (short runs, like most tests,
never pay for it); when that is ready, its region addresses replace the quick
ones in the dispatch table (and it is in the cache for the next run).  The swap is safe
at any moment: regions keep nothing between calls (guest registers and
counters live in the context), a table entry is one aligned 8-byte store, and
the quick code stays loaded in case it is still running.  llvmlite runs LLVM
under one lock with the GIL released, and the guest runs in native code
without the GIL, so the compile overlaps the run on another core.  Machines
started while a compile is under way share it.  A compile that has not started
when the last machine waiting for it is gone is dropped with them (short runs
leave nothing behind); one under way finishes and fills the cache.
"""
import atexit
import ctypes
import threading
import weakref
from pathlib import Path

import numpy as np

from translator.jit import (QUICK_OPT, LoadedCode, Translation, cache_key, cached_translation, default_cache_dir,
                            translate)
from translator.regions import CodeMap

TIER_UP_AFTER = 0.05    # seconds of running: from then on the requested tier's compile time pays off
_lock = threading.Lock()
# cache entry -> the compile under way; held by its machines and, once started, by its thread
_upgrades: "weakref.WeakValueDictionary[str, _Upgrade]" = weakref.WeakValueDictionary()


class _Upgrade:
    """One background compile of a translation and the machines waiting to install it."""

    def __init__(self, entry: str, compile_it):
        self.entry, self.compile_it = entry, compile_it
        self.waiting: weakref.WeakSet[RegionCode] = weakref.WeakSet()    # a machine that is gone waits no more
        self.error: BaseException | None = None
        self.thread: threading.Thread | None = None     # made when started: it would keep the upgrade alive

    def start(self) -> None:
        with _lock:
            if self.thread is None:
                self.thread = threading.Thread(target=self._run, name=f"zkaot tier-up {self.entry[-8:]}",
                                               daemon=True)
                self.thread.start()

    def _run(self) -> None:
        translation = None
        try:
            translation = self.compile_it()
        except BaseException as e:          # the quick code goes on running; wait() reports the failure
            self.error = e
        with _lock:
            del _upgrades[self.entry]
            waiting = list(self.waiting)
        for code in waiting:
            if translation is not None:
                code._install(translation, rank=1)


@atexit.register
def _finish_upgrades() -> None:
    """Let background compiles end (and fill the cache) before the interpreter tears LLVM down."""
    with _lock:
        threads = [u.thread for u in list(_upgrades.values()) if u.thread is not None]
    for thread in threads:
        thread.join()


class RegionCode:
    """The region functions of one program in one mode: `table[word index]` is the address of the
    function that starts a block there (0 if none), and `dispatch(ctx)` runs them."""

    def __init__(self, program, cm: CodeMap, mode: str, layout, opt: int, cache_dir=None, tier_up: bool = True):
        self.cm = cm
        self.table = np.zeros(len(cm.kind), np.uint64)
        self._loaded: list[LoadedCode] = []
        self._rank = -1
        self._install_lock = threading.Lock()
        self._upgrade: _Upgrade | None = None
        self._ran = 0.0
        translation = None
        if tier_up and opt != QUICK_OPT:
            entry = str(Path(cache_dir or default_cache_dir()) / cache_key(program, mode, layout, opt))
            with _lock:         # a compile that ends meanwhile has filled the cache before it takes the lock
                translation = cached_translation(program, cm, mode, layout, opt, cache_dir)
                if translation is None:
                    self._upgrade = _upgrades.get(entry)
                    if self._upgrade is None:
                        self._upgrade = _upgrades[entry] = _Upgrade(
                            entry, lambda: translate(program, cm, mode, layout, opt, cache_dir))
                    self._upgrade.waiting.add(self)
        if self._upgrade is not None:
            translation = translate(program, cm, mode, layout, QUICK_OPT, cache_dir, workers=1)
        elif translation is None:
            translation = translate(program, cm, mode, layout, opt, cache_dir)
        self.translation = translation            # what the run started on (compile time, cached or not)
        code = self._install(translation, rank=0)
        self.dispatch = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_void_p)(code.address("dispatch"))

    def _install(self, translation: Translation, rank: int) -> LoadedCode:
        """Load a translation and point the table at it, unless a better one is there already."""
        code = LoadedCode(translation.objects)
        with self._install_lock:
            self._loaded.append(code)           # kept loaded: a region of it may still be running
            if rank > self._rank:
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
            self._upgrade.thread.join()
            if self._upgrade.error is not None:
                raise self._upgrade.error
