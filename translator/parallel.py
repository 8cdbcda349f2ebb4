"""One interface for running independent jobs in parallel: chunk expansion, table proving.

    with make_executor(scheduler=args.scheduler, workers=args.workers) as ex:
        tables = ex.map(expand_chunk, chunks, on_done=lambda k: bar.update(1))

* `local_executor(workers)`: a pool of worker processes on this machine (the default).
  `workers=1` runs every job inline in this process, with no pool: use it for
  debugging (breakpoints, profilers see the job) and for one-core measurements.
* `dask_executor(address)`: the workers of a running Dask distributed cluster.
* `make_executor(scheduler, workers)`: Dask when a scheduler address is named, else local.

The contract, the same on every executor:

* `fn` is a module-level function (it is sent to workers by reference, so lambdas and
  nested functions are refused with a clear `TypeError`, even inline, so that a program
  debugged with `workers=1` behaves the same with more); items and results are picklable.
* `map` returns the results in the order of `items`; `on_done(k)` is called in this
  process after each completion, k = number of jobs done so far (1, 2, ... len(items)),
  and before it `on_result(i, result)`, i = the finished item's position (for progress
  that weighs items differently, such as steps per segment).
* A job that raises makes `map` raise that exception, with its type and message, plus a
  note naming the item (and, locally, the worker's traceback as `__cause__`). The other
  jobs are cancelled: queued ones never start, running local ones are killed (their
  worker processes are replaced on the next `map`). A job that kills its worker process
  (segfault in native code, `os._exit`, the out-of-memory killer) raises
  `WorkerCrashedError` naming the item and the signal or exit code; `map` never hangs
  on a dead worker.
* `close()` is idempotent; executors are context managers.

Payloads. Items and results travel pickled (protocol 5). Locally, numpy arrays (and
anything else exposing out-of-band pickle buffers) go through the worker's pipe as raw
bytes, without the extra copies that `multiprocessing` queues make: the receiver reads
each buffer once, straight into the memory the array is then built on. A 256 MB float
array comes back in 0.15-0.2 s (1.0-1.2 s through `ProcessPoolExecutor`). Still,
results of hundreds of MB are better written to files by the job (`np.save` into a
directory both sides see, or a memory-mapped `.npy`) and only their paths returned: the
parent then holds one copy, in the page cache, instead of a second one in its heap. On
Dask that is the only sensible way, since the scheduler is not a data channel for large
arrays; likewise, give Dask jobs small items (a chunk's path and index, not the chunk).

Start method (local pool): **forkserver**. Measured on the development machine (2 cores,
Python 3.11, Linux, shared with other work, so ranges): a cold `local_executor(2)`
mapping 2 trivial jobs, then closing:

    start method   main imports numpy+llvmlite (as the CLI does)   main imports only this
    fork           0.005 s                                         0.005 s
    forkserver     0.15-0.25 s                                     0.03-0.08 s
    spawn          0.2-0.4 s                                       0.07-0.10 s

Once workers run, the per-job overhead is the same for all three (~0.05 ms), and so is
the transfer of a 256 MB result. So `fork` only wins at start-up, a one-off cost per
executor that is small next to chunk expansion or table proving, and it is unsafe here:
it copies a process that may by then run other threads (the Dask client's event loop,
numba's OpenMP/TBB/workqueue pools, tqdm's monitor thread), and a child forked while
one of them holds a lock (malloc, the OpenMP runtime, logging) can deadlock. CPython
warns about forking a multi-threaded process from 3.12 and makes forkserver the Linux
default from 3.14. The forkserver is started once per program from a fresh interpreter
that only imports the main module (libraries that start threads at import, like
OpenBLAS, install fork handlers), then forks each worker, so workers start with the main
module's imports done but none of the parent's threads; it was also faster than spawn.
Workers are given the parent's `os.environ` of the moment they start (the forkserver's
own is that of its start). Where forkserver does not exist, spawn is used. Both need
the usual `if __name__ == "__main__":` guard in a script that creates a local pool.
The pipe protocol uses `os.readv`, so the local pool is for POSIX systems (Linux, macOS).

The local pool is a small process pool of its own rather than
`concurrent.futures.ProcessPoolExecutor`: when one of the latter's workers dies, every
pending future fails with `BrokenProcessPool` and nothing says which item killed it,
while here each worker holds exactly one item at a time, so a crash is attributed
exactly; and the raw-buffer transfer above needs control of the pipe.
Worker processes are daemonic: a job cannot itself start a process pool (a job may use
threads, or an inline `local_executor(1)`).
"""
from __future__ import annotations

import mmap
import multiprocessing
import multiprocessing.connection
import multiprocessing.util
import os
import pickle
import select
import signal
import socket
import tempfile
import threading
import time
import traceback
import weakref
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Protocol, Sequence, TypeVar, runtime_checkable

__all__ = [
    "Executor", "LocalExecutor", "DaskExecutor", "WorkerCrashedError", "JobError",
    "local_executor", "dask_executor", "make_executor", "default_workers",
]

T = TypeVar("T")
R = TypeVar("R")

DASK_MISSING = "the Dask executor needs dask.distributed: pip install 'zkaot[dask]'"


@runtime_checkable
class Executor(Protocol):
    workers: int

    def map(self, fn: Callable[[T], R], items: Sequence[T],
            on_done: Callable[[int], None] | None = None,
            on_result: Callable[[int, R], None] | None = None) -> list[R]:
        """Results in the order of items; on_result(i, result) then on_done(k) are called
        after each completion (i = the item's position, k = number done) for progress bars."""

    def close(self) -> None: ...

    def __enter__(self) -> "Executor": ...

    def __exit__(self, *exc: object) -> None: ...


class WorkerCrashedError(BrokenProcessPool):
    """A job's worker died (signal or exit) while running it. `index` is the item's
    position in `items`, `exitcode` the process's (negative: killed by that signal)."""

    def __init__(self, message: str, index: int | None = None, exitcode: int | None = None):
        super().__init__(message)
        self.index = index
        self.exitcode = exitcode

    def __reduce__(self):
        return type(self), (str(self), self.index, self.exitcode)


class JobError(RuntimeError):
    """Stands in for a job's exception that could not be pickled back to this process;
    its message is the original's type and message."""


class RemoteTraceback(Exception):
    """Attached as `__cause__` of a job's exception: the traceback in the worker."""

    def __init__(self, tb: str):
        super().__init__(tb)
        self.tb = tb

    def __str__(self) -> str:
        return self.tb


def default_workers() -> int:
    """The number of cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _check_fn(fn: Callable) -> None:
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {fn!r}")
    try:
        pickle.dumps(fn, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as e:
        name = getattr(fn, "__qualname__", repr(fn))
        raise TypeError(
            f"fn must be a module-level function (it is sent to worker processes by "
            f"reference); {name!r} cannot be pickled: {e}") from None


def _short(item: Any, limit: int = 80) -> str:
    try:
        text = repr(item)
    except Exception:
        text = f"<{type(item).__name__}>"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _fn_name(fn: Callable) -> str:
    mod = getattr(fn, "__module__", None)
    name = getattr(fn, "__qualname__", None) or repr(fn)
    return f"{mod}.{name}" if mod else name


def _note(exc: BaseException, text: str) -> None:
    if hasattr(exc, "add_note"):
        exc.add_note(text)


class _Base:
    workers: int
    _closed: bool = False

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError(f"{type(self).__name__} is closed")


# ---- pipe protocol: a small pickled header, then the out-of-band buffers as raw bytes ----

_MMAP_MIN = 1 << 20


def _send_obj(conn, tag: Any, obj: Any) -> None:
    """Send (tag, obj); obj's pickle-5 buffers (numpy array data) go as raw bytes.
    Pickling errors raise here, before anything is written."""
    buffers: list[pickle.PickleBuffer] = []
    header = pickle.dumps(obj, protocol=5, buffer_callback=buffers.append)
    raws = [b.raw() for b in buffers]
    conn.send((tag, header, [r.nbytes for r in raws]))
    fd = conn.fileno()
    for raw in raws:
        view = raw
        while view.nbytes:
            n = os.write(fd, view)
            view = view[n:]


def _recv_raw(conn) -> tuple[Any, bytes, list[bytearray]]:
    """Receive what _send_obj sent, without unpickling the object (so a failure to
    unpickle can still be reported against the tag). Raises EOFError/OSError if the
    other end is gone."""
    tag, header, sizes = conn.recv()
    fd = conn.fileno()
    buffers = []
    for size in sizes:
        # large buffers: an anonymous mmap, whose pages are not zero-filled before readv
        # fills them (and go back to the OS as soon as the array is freed)
        buf = (mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE) if size >= _MMAP_MIN
               else bytearray(size))
        view = memoryview(buf)
        pos = 0
        while pos < size:
            n = os.readv(fd, [view[pos:]])
            if n == 0:
                raise EOFError("pipe closed in the middle of a buffer")
            pos += n
        buffers.append(buf)
    return tag, header, buffers


# ---- worker process ------------------------------------------------------------------------

def _exit_when_parent_goes(fd: int) -> None:
    """Worker thread: end this process as soon as the parent's end of the pipe closes
    (the parent exited or was killed: SIGKILL, SIGTERM, the OOM killer), even in the
    middle of a job, so that no worker runs on for minutes after its program is gone.
    While a job runs the parent sends nothing, so the pipe turning readable means EOF;
    between jobs a waiting message is told apart by peeking at it."""
    try:
        sock = socket.socket(fileno=os.dup(fd))
    except OSError:
        return  # not a socket: no watch (the worker still exits on EOF between jobs)
    poller = select.poll()
    poller.register(sock, select.POLLIN | select.POLLHUP | select.POLLERR)
    while True:
        poller.poll()
        try:
            waiting = sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except BlockingIOError:
            continue
        except OSError:
            waiting = b""
        if not waiting:
            os._exit(1)
        time.sleep(0.2)  # a message for the main thread, which will read it


def _worker_main(conn, environ: dict[str, str]) -> None:
    # Ctrl-C reaches the whole process group: the parent handles it and stops us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_when_parent_goes, args=(conn.fileno(),), daemon=True,
                     name="zkaot-parent-watch").start()
    if environ != os.environ:  # forkserver: its environment is that of its own start
        os.environ.clear()
        os.environ.update(environ)
    while True:
        try:
            index, header, buffers = _recv_raw(conn)
        except (EOFError, OSError):
            return  # parent gone or closing
        if index is None:
            return
        try:
            fn, item = pickle.loads(header, buffers=buffers)
            del header, buffers
            result = fn(item)
            del item
            _send_obj(conn, ("ok", index), result)
            continue
        except Exception as exc:  # noqa: BLE001 - reported to the parent
            error = exc
            tb = traceback.format_exc()
        # the job (or pickling its result) failed: send the exception, or a stand-in
        try:
            pickle.loads(pickle.dumps(error, protocol=5))  # must survive the round trip
        except Exception:
            error = JobError(f"{type(error).__module__}.{type(error).__qualname__}: {error}")
        try:
            _send_obj(conn, ("err", index), (error, tb))
        except (EOFError, OSError):
            return


class _Worker:
    __slots__ = ("proc", "conn", "stopped", "__weakref__")

    def __init__(self, ctx, number: int):
        parent_conn, child_conn = ctx.Pipe(duplex=True)
        self.proc = ctx.Process(target=_worker_main, daemon=True, name=f"zkaot-worker-{number}",
                                args=(child_conn, dict(os.environ)))
        self.proc.start()
        child_conn.close()
        self.conn = parent_conn
        self.stopped = False

    def ask_to_exit(self) -> None:
        try:
            self.conn.send((None, b"", []))
        except (OSError, ValueError):
            pass

    def stop(self, *, kill: bool) -> None:
        """Ask an idle worker to exit (kill=False) or end a busy one (kill=True).
        Idempotent."""
        if self.stopped:
            return
        self.stopped = True
        if not kill:
            self.ask_to_exit()
            self.proc.join(2.0)
        if self.proc.is_alive():
            self.proc.terminate()
            self.proc.join(2.0)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
        try:
            self.conn.close()
        except OSError:
            pass
        try:
            self.proc.close()
        except ValueError:
            pass


def _stop_all(pool: list[_Worker]) -> None:
    for worker in pool:
        worker.ask_to_exit()  # all at once, then wait for each
    while pool:
        pool.pop().stop(kill=False)


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "closed its pipe and did not exit"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        hint = {"SIGSEGV": " (a segmentation fault, usually in native code)",
                "SIGBUS": " (a bus error, e.g. a truncated memory-mapped file)",
                "SIGKILL": " (often the out-of-memory killer)",
                "SIGABRT": " (an abort, e.g. a failed assertion in native code)"}.get(name, "")
        return f"was killed by {name}{hint}"
    return f"exited with code {code}"


def _preferred_start_method() -> str:
    methods = multiprocessing.get_all_start_methods()
    return "forkserver" if "forkserver" in methods else "spawn"


_SOCKET_PATH_MAX = 107          # bytes in an AF_UNIX path (Linux sun_path, less its NUL)
_SOCKET_IN_TEMP_DIR = len("/pymp-12345678/listener-12345678")


def _short_socket_directory() -> None:
    """The forkserver listens on a socket in multiprocessing's temporary directory, which it
    makes under TMPDIR on first use: under a TMPDIR longer than about 75 bytes the socket's
    path is too long for AF_UNIX and the first map fails ("AF_UNIX path too long").  Then
    that directory is made in /tmp instead (it holds only the socket)."""
    if len(tempfile.gettempdir()) + _SOCKET_IN_TEMP_DIR > _SOCKET_PATH_MAX:
        saved, tempfile.tempdir = tempfile.tempdir, "/tmp"
        try:
            multiprocessing.util.get_temp_dir()     # made once per process, and kept
        finally:
            tempfile.tempdir = saved


def _start_forkserver(preload: Sequence[str]) -> None:
    """Start the forkserver now, importing `preload` (module names) once, so that every
    worker forked from it has them imported: a job's modules (numpy, numba, the prover:
    0.5 s of CPU on a quiet machine, several seconds on a busy one) are then imported once
    per program instead of once per worker, while this process goes on with its own work.
    No effect on a forkserver already running (it is started once per program)."""
    from multiprocessing import forkserver
    forkserver.set_forkserver_preload(["__main__", *preload])
    forkserver.ensure_running()


class LocalExecutor(_Base):
    """Worker processes on this machine (see the module docstring). Workers start on the
    first `map` that needs them and are kept until `close()`; a worker killed by a crash
    or a cancellation is replaced on the next `map`. One `map` at a time: an executor is
    not shared between threads. Workers also exit by themselves if this process dies."""

    def __init__(self, workers: int | None = None, start_method: str | None = None, preload: Sequence[str] = ()):
        workers = default_workers() if workers is None else int(workers)
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.workers = workers
        self.start_method = None if workers == 1 else (start_method or _preferred_start_method())
        self._ctx = None if workers == 1 else multiprocessing.get_context(self.start_method)
        if self.start_method == "forkserver":
            _short_socket_directory()
            if preload:
                _start_forkserver(preload)
        self._pool: list[_Worker] = []
        self._started = 0
        self._finalizer = weakref.finalize(self, _stop_all, self._pool)

    def __repr__(self) -> str:
        mode = "inline" if self.workers == 1 else f"{self.start_method}, {len(self._pool)} running"
        return f"<LocalExecutor workers={self.workers} ({mode}){' closed' if self._closed else ''}>"

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._finalizer()

    def map(self, fn: Callable[[T], R], items: Sequence[T],
            on_done: Callable[[int], None] | None = None,
            on_result: Callable[[int, R], None] | None = None) -> list[R]:
        self._check_open()
        _check_fn(fn)
        n = len(items)
        if n == 0:
            return []
        if self.workers == 1:
            return self._map_inline(fn, items, on_done, on_result)
        return self._map_pool(fn, items, on_done, on_result)

    @staticmethod
    def _map_inline(fn, items, on_done, on_result):
        results = []
        n = len(items)
        for i in range(n):
            try:
                results.append(fn(items[i]))
            except Exception as exc:
                _note(exc, f"(in job {_fn_name(fn)} for item {i} of {n}: {_short(items[i])})")
                raise
            if on_result is not None:
                on_result(i, results[i])
            if on_done is not None:
                on_done(i + 1)
        return results

    def _new_worker(self) -> _Worker:
        self._started += 1
        worker = _Worker(self._ctx, self._started)
        self._pool.append(worker)
        return worker

    def _map_pool(self, fn, items, on_done, on_result):
        n = len(items)
        results: list[Any] = [None] * n
        # drop workers that died between maps (killed from outside)
        for w in [w for w in self._pool if not w.proc.is_alive()]:
            self._pool.remove(w)
            w.stop(kill=True)
        idle = list(self._pool)
        busy: dict[_Worker, int] = {}
        next_i = done = 0
        finished = False
        try:
            while done < n:
                while next_i < n:
                    if idle:
                        worker = idle.pop()
                    elif len(self._pool) < self.workers:
                        worker = self._new_worker()
                    else:
                        break
                    busy[worker] = next_i  # before sending: a failed send kills it below
                    try:
                        _send_obj(worker.conn, next_i, (fn, items[next_i]))
                    except (pickle.PicklingError, TypeError, AttributeError) as e:
                        del busy[worker]
                        idle.append(worker)  # nothing was written: still clean
                        raise pickle.PicklingError(
                            f"cannot send item {next_i} ({_short(items[next_i])}) to a worker "
                            f"process: {e}") from e
                    except OSError:  # the worker died while idle, e.g. killed from outside
                        self._crashed(worker, next_i, fn, items)
                    next_i += 1
                waitables: dict[Any, _Worker] = {}
                for worker in busy:
                    waitables[worker.conn] = worker
                    waitables[worker.proc.sentinel] = worker
                for ready in multiprocessing.connection.wait(list(waitables)):
                    worker = waitables[ready]
                    if worker not in busy:
                        continue  # handled through its other waitable
                    i = busy[worker]
                    status, value = self._receive(worker, i, fn, items)
                    del busy[worker]
                    if status == "err":
                        idle.append(worker)
                        raise value
                    results[i] = value
                    idle.append(worker)
                    done += 1
                    if on_result is not None:
                        on_result(i, value)
                    if on_done is not None:
                        on_done(done)
            finished = True
            return results
        finally:
            if not finished:
                # cancel: queued items never start; running ones are killed
                for worker in busy:
                    if worker in self._pool:
                        self._pool.remove(worker)
                    worker.stop(kill=True)

    def _crashed(self, worker: _Worker, i: int, fn, items):
        worker.proc.join(5.0)
        code = worker.proc.exitcode
        pid = worker.proc.pid
        # the caller's cleanup kills busy workers; this one is no longer in the pool
        if worker in self._pool:
            self._pool.remove(worker)
        worker.stop(kill=True)
        raise WorkerCrashedError(
            f"worker process {pid} {_describe_exit(code)} while running item {i} of "
            f"{len(items)} ({_short(items[i])}) in {_fn_name(fn)}",
            index=i, exitcode=code) from None

    def _receive(self, worker: _Worker, i: int, fn, items):
        """The result of item i from worker: ("ok", value) or ("err", exception).
        Raises WorkerCrashedError if the worker died."""
        try:
            if not worker.conn.poll(0):
                raise EOFError  # only the sentinel fired: the process is gone
            (status, index), header, buffers = _recv_raw(worker.conn)
        except (EOFError, OSError):
            self._crashed(worker, i, fn, items)
        assert index == i, (index, i)
        try:
            value = pickle.loads(header, buffers=buffers)
        except Exception as exc:
            _note(exc, f"(while unpickling what item {i} of {len(items)} returned)")
            return "err", exc
        if status == "ok":
            return "ok", value
        exc, tb = value
        exc.__cause__ = RemoteTraceback(tb)
        _note(exc, f"(in job {_fn_name(fn)} for item {i} of {len(items)}: "
                   f"{_short(items[i])}, worker process {worker.proc.pid})")
        return "err", exc


def local_executor(workers: int | None = None, *, start_method: str | None = None,
                   preload: Sequence[str] = ()) -> LocalExecutor:
    """Worker processes on this machine; workers defaults to the usable cores, and
    workers=1 runs jobs inline in this process (no pool). start_method overrides the
    forkserver choice explained in the module docstring (for measurements); preload names
    modules the forkserver imports once for all workers (`_start_forkserver`)."""
    return LocalExecutor(workers, start_method, preload)


# ---- Dask ----------------------------------------------------------------------------------

class DaskExecutor(_Base):
    """The workers of a Dask distributed cluster. `workers` is the number of worker
    threads the scheduler reported when we connected. Items and results pass through
    the cluster: keep them small (paths, indices), see the module docstring."""

    def __init__(self, address: str, timeout: float = 30.0):
        try:
            from distributed import Client
        except ImportError:
            raise ImportError(DASK_MISSING) from None
        try:
            self._client = Client(address, timeout=timeout, set_as_default=False)
        except OSError as e:
            raise OSError(f"cannot connect to the Dask scheduler at {address!r}: {e}") from e
        self.address = address
        info = self._client.scheduler_info()
        self.workers = max(1, sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()))

    def __repr__(self) -> str:
        closed = " closed" if self._closed else ""
        return f"<DaskExecutor {self.address} workers={self.workers}{closed}>"

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._client.close()

    def map(self, fn: Callable[[T], R], items: Sequence[T],
            on_done: Callable[[int], None] | None = None,
            on_result: Callable[[int, R], None] | None = None) -> list[R]:
        from distributed import KilledWorker, as_completed

        self._check_open()
        _check_fn(fn)
        n = len(items)
        if n == 0:
            return []
        # pure=False: equal items are still separate jobs, and each future's key is unique
        futures = self._client.map(fn, list(items), pure=False)
        position = {f.key: i for i, f in enumerate(futures)}
        results: list[Any] = [None] * n
        finished = False
        try:
            for done, future in enumerate(as_completed(futures, loop=self._client.loop), 1):
                i = position[future.key]
                try:
                    results[i] = future.result()
                except KilledWorker as e:
                    raise WorkerCrashedError(
                        f"Dask workers died while running item {i} of {n} ({_short(items[i])}) "
                        f"in {_fn_name(fn)}: {e}", index=i) from e
                except Exception as exc:
                    _note(exc, f"(in job {_fn_name(fn)} for item {i} of {n}: {_short(items[i])},"
                               f" on Dask at {self.address})")
                    raise
                if on_result is not None:
                    on_result(i, results[i])
                if on_done is not None:
                    on_done(done)
            finished = True
            return results
        finally:
            if not finished:
                self._client.cancel(futures)
            del futures


def dask_executor(address: str) -> DaskExecutor:
    """Run jobs on the Dask cluster whose scheduler is at address ('tcp://host:8786').
    Needs the optional dependency: pip install 'zkaot[dask]'."""
    return DaskExecutor(address)


def make_executor(scheduler: str | None = None, workers: int | None = None, preload: Sequence[str] = ()) -> Executor:
    """A Dask executor when a scheduler address is named (workers and preload are then the
    cluster's business and are ignored), else a local one with `workers` processes."""
    if scheduler:
        return dask_executor(scheduler)
    return local_executor(workers, preload=preload)
