"""The load log of a minimal-trace run: where native code writes it, and how it is read.

Native code appends every value memory returns to a buffer (translator/executor.py);
LogWriter gives it the next buffer when one is full and, past the first few, sends
the full ones to a file.  Joining the log into one array after the run took longer
than the run itself on a billion-step guest (gigabytes copied into fresh pages),
while every reader wants a slice (a chunk's part of the log) or writes the log out
once: so LoadLog keeps the pieces as they are (the file mapped read-only, buffers in
memory) and copies a slice only where it spans two of them.
"""
import collections
import errno
import fcntl
import mmap
import os
import struct
import tempfile
import weakref
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from runtime.scratch import publish, unnamed_file


class LoadLog:
    def __init__(self, segments: list[np.ndarray]):
        self.segments = [s for s in segments if len(s)] or [np.zeros(0, np.uint64)]
        lengths = [len(s) for s in self.segments]
        self.ends = np.cumsum(lengths)
        self.begins = self.ends - lengths
        self.dtype = self.segments[0].dtype

    def __len__(self) -> int:
        return int(self.ends[-1])

    def __getitem__(self, key: slice) -> np.ndarray:
        """A contiguous slice: a view when it lies in one segment."""
        start, stop, step = key.indices(len(self))
        if step != 1:
            raise IndexError("the load log is read in contiguous slices")
        if stop <= start:
            return self.segments[0][:0]
        first = int(np.searchsorted(self.ends, start, "right"))
        last = int(np.searchsorted(self.ends, stop - 1, "right"))
        parts = [self.segments[k][max(start - self.begins[k], 0): min(stop, self.ends[k]) - self.begins[k]]
                 for k in range(first, last + 1)]
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        whole = self.segments[0] if len(self.segments) == 1 else np.concatenate(self.segments)
        return whole if dtype is None else whole.astype(dtype)


ALIGN_ENTRIES = 512         # 4 KiB: what O_DIRECT asks of a write's address, file offset and length
HEADER_BYTES = 4096         # the file's first page: room for its .npy header (format 1.0), written last
SPILL_AFTER = 8             # buffers of a log kept in memory before it goes to a file
BUFFERS = 4                 # reused buffers native code writes into while earlier ones go to the file


class LogNotWritten(OSError):
    """The load log's file could not be written (a full disk); str() says where, and the fix."""


def aligned_buffer(entries: int) -> np.ndarray:
    """A u64 buffer on a 4 KiB boundary, as O_DIRECT writes need.  From numpy's allocator, not a
    mapping of its own: malloc hands a freed buffer to the next run of the process with its pages
    in place, where a new mapping is fresh pages each time (coremark_like's minimal run took 37 ms
    against 13 ms)."""
    raw = np.empty(entries + ALIGN_ENTRIES, np.uint64)
    skip = (-raw.ctypes.data % (ALIGN_ENTRIES * 8)) // 8
    return raw[skip: skip + entries]


def spill_file(directory: str) -> int | None:
    """An unnamed file for the log in `directory`, written around the page cache where the
    filesystem allows it (O_DIRECT: through the page cache, a gigabyte of log is a gigabyte of
    fresh pages again); None where no file can be made there (the log then stays in memory)."""
    for flags in (getattr(os, "O_DIRECT", 0), 0):
        try:
            return unnamed_file(directory, flags)
        except OSError as e:
            if e.errno != errno.EINVAL:         # EINVAL: this filesystem takes no O_DIRECT
                return None
    return None


class LogWriter:
    """The writing side of a minimal run's load log.

    Native code appends to `current`.  When it needs more room than `current` has left, the
    part of `current` that is a whole number of 4 KiB pages is done with, and native code goes
    on in another buffer, which starts with the few entries left over.  The first SPILL_AFTER
    buffers stay in memory: a short log never waits for a disk.  A longer one goes to an
    unnamed file, those buffers first, written in a background thread, and from then on native
    code takes turns in BUFFERS reused buffers.  So a log of gigabytes costs a few buffers of
    memory, not gigabytes of fresh pages (which the kernel zeroes: on the VMs measured that took
    several times as long as the run that wrote the log, docs/translator.md).  Where no file can
    be made, the buffers all stay in memory, as segments.  The file keeps its first page for a
    .npy header, so that `save` can make it a trace directory's load_log.npy without copying it.
    """

    def __init__(self, capacity: int, directory: str | os.PathLike | None = None):
        self.capacity = capacity
        self.directory = os.fspath(directory or tempfile.gettempdir())
        self.fix = ("make room there, or write the trace elsewhere" if directory
                    else "set TMPDIR to a directory with room")
        self.current = aligned_buffer(capacity)
        self.logged = 0                 # entries before current[0]
        self.fd: int | None = None
        self.no_file = False
        self.kept: list[tuple[np.ndarray, int]] = []       # (buffer, entries) done with, not in a file
        self.free: list[np.ndarray] = []
        self.pending: collections.deque = collections.deque()      # (write, its buffer), oldest first
        self.writer: ThreadPoolExecutor | None = None
        self.log: LoadLog | None = None

    def room(self, pos: int, entries: int) -> int:
        """Room for `entries` more entries after the first `pos` of `current`; the new pos."""
        if pos + entries <= len(self.current):
            return pos
        done = pos - pos % ALIGN_ENTRIES
        left, full = self.current[done:pos], self.current
        self.kept.append((full, done))
        if self.fd is None and not self.no_file and len(self.kept) >= SPILL_AFTER:
            self.fd = spill_file(self.directory)
            self.no_file = self.fd is None
            if self.fd is not None:
                weakref.finalize(self, os.close, self.fd)
        if self.fd is not None:
            offset = self.logged + done - sum(n for _, n in self.kept)
            for buffer, n in self.kept:
                self._write(buffer, n, offset)
                offset += n
            self.kept = []
        self.current = self._buffer(len(left) + entries)
        self.current[:len(left)] = left
        self.logged += done
        return len(left)

    def finish(self, pos: int) -> LoadLog:
        """The whole log, once every write is done: the file mapped read-only, the buffers kept in
        memory, then `current`."""
        while self.pending:
            self._wait_oldest()
        if self.writer is not None:
            self.writer.shutdown()
        segments = [buffer[:n] for buffer, n in self.kept]
        if self.fd is not None and self.logged:
            mapped = mmap.mmap(self.fd, HEADER_BYTES + self.logged * 8, prot=mmap.PROT_READ)
            segments.append(np.frombuffer(mapped, np.uint64, self.logged, HEADER_BYTES))
        self.tail = self.current[:pos]
        self.log = LoadLog(segments + [self.tail])
        return self.log

    def save(self, path: str | os.PathLike) -> bool:
        """Make the finished log's file `path` (a .npy) in one step, if the file is in that directory:
        the rest of the log and the header go in, and the file gets the name.  False where it
        cannot (the log is not in a file, or not in that directory): the caller writes it out."""
        path = Path(path)
        if self.fd is None or self.log is None or not os.path.samefile(self.directory, path.parent):
            return False
        fcntl.fcntl(self.fd, fcntl.F_SETFL, fcntl.fcntl(self.fd, fcntl.F_GETFL) & ~getattr(os, "O_DIRECT", 0))
        _write_all(self.fd, memoryview(self.tail).cast("B"), HEADER_BYTES + self.logged * 8)
        _write_all(self.fd, memoryview(npy_header(len(self.log))), 0)
        try:
            publish(self.fd, path)
        except OSError:         # a file that had a name (no O_TMPFILE) cannot be linked again
            return False
        return True

    def _buffer(self, entries: int) -> np.ndarray:
        """A reused buffer once the log is in a file (the next one written, if none is free), else a new
        one; one of its own for a request larger than capacity (an ecall's reads)."""
        if entries > self.capacity:
            return aligned_buffer(-(-entries // ALIGN_ENTRIES) * ALIGN_ENTRIES)
        if self.fd is None:
            return aligned_buffer(self.capacity)
        while not self.free and len(self.pending) >= BUFFERS:
            self._wait_oldest()
        return self.free.pop() if self.free else aligned_buffer(self.capacity)

    def _write(self, buffer: np.ndarray, entries: int, offset: int) -> None:
        """Write buffer[:entries] at entry `offset` of the log, in the background; empty: just reuse it."""
        if not entries:
            self._recycle(buffer)
            return
        if self.writer is None:
            self.writer = ThreadPoolExecutor(1, thread_name_prefix="load-log")
        view = memoryview(buffer[:entries]).cast("B")
        self.pending.append((self.writer.submit(_write_all, self.fd, view, HEADER_BYTES + offset * 8), buffer))

    def _wait_oldest(self) -> None:
        write, buffer = self.pending.popleft()
        try:
            write.result()
        except OSError as e:
            raise LogNotWritten(f"the load log could not be written to a file in {self.directory}: {e.strerror} "
                                f"({self.fix})") from None
        self._recycle(buffer)

    def _recycle(self, buffer: np.ndarray) -> None:
        """Keep a written buffer for reuse, up to BUFFERS of them."""
        if len(buffer) == self.capacity and len(self.free) < BUFFERS:
            self.free.append(buffer)


def npy_header(entries: int) -> bytes:
    """The .npy (format 1.0) header of `entries` u64 values, padded to fill HEADER_BYTES."""
    text = repr({"descr": np.lib.format.dtype_to_descr(np.dtype(np.uint64)), "fortran_order": False,
                 "shape": (entries,)})
    room = HEADER_BYTES - len(np.lib.format.MAGIC_PREFIX) - 4
    return (np.lib.format.MAGIC_PREFIX + bytes([1, 0]) + struct.pack("<H", room)
            + text.ljust(room - 1).encode("latin1") + b"\n")


def _write_all(fd: int, data: memoryview, offset: int) -> None:
    while len(data):
        n = os.pwrite(fd, data, offset)
        data, offset = data[n:], offset + n
