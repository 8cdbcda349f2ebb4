"""Trace directories: one .npy file per array plus summary.json (docs/trace-format.md).

Every file is written whole or not at all: to a hidden temporary name in the same
directory, then renamed over the target, so a reader (or a crash) never sees half a
file and a failed write leaves the previous file in place.  summary.json is written
last by convention: a directory without it is an incomplete trace.
"""
import json
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

SUMMARY_FILE = "summary.json"
MEMMAP_BYTES = 64 << 20          # arrays at least this large are written through a memory map
_NAME = re.compile(r"[a-z0-9_]+")


def _umask() -> int:
    """The process umask, read without changing it where Linux allows (os.umask races with threads)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_umask()   # what open() would give; mkstemp's 0600 would hide traces from other users


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yields a temporary path beside `path`; renames it onto `path` when the block succeeds,
    deletes it when the block raises."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        os.chmod(tmp, _FILE_MODE)
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_atomic(path: str | os.PathLike, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def _array_path(directory: str | os.PathLike, name: str) -> Path:
    if not _NAME.fullmatch(name) or name == "summary":
        raise ValueError(f"trace array name {name!r}: use lower-case letters, digits and _ (not 'summary')")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    return directory / f"{name}.npy"


@contextmanager
def create_trace_array(directory: str | os.PathLike, name: str, dtype, shape) -> Iterator[np.memmap]:
    """Yields a zero-filled writable memory map of `name`.npy; the file appears under its
    name only when the block completes without raising."""
    with atomic_path(_array_path(directory, name)) as tmp:
        out = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.dtype(dtype), shape=shape)
        try:
            yield out
            out.flush()
        finally:
            del out


def write_trace_array(directory: str | os.PathLike, name: str, array: np.ndarray) -> Path:
    """Writes `array` to directory/`name`.npy (np.save format) atomically; returns the path."""
    array = np.asarray(array)
    if array.dtype.hasobject:
        raise TypeError(f"trace array {name!r} holds Python objects; traces are plain numpy data")
    if array.nbytes >= MEMMAP_BYTES:
        with create_trace_array(directory, name, array.dtype, array.shape) as out:
            out[...] = array
        return Path(directory) / f"{name}.npy"
    path = _array_path(directory, name)
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.save(f, array, allow_pickle=False)
    return path


def _json_value(value):
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise TypeError(f"summary value {value!r} of type {type(value).__name__} is not JSON")


def write_summary(directory: str | os.PathLike, summary: dict) -> Path:
    """Writes directory/summary.json atomically (keys sorted, numpy scalars as numbers)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    text = json.dumps(summary, indent=2, sort_keys=True, default=_json_value) + "\n"
    path = directory / SUMMARY_FILE
    write_atomic(path, text.encode())
    return path


def read_trace(directory: str | os.PathLike) -> dict:
    """Every array of a trace directory, memory-mapped read-only, by name (the file name
    without .npy), plus the parsed summary.json under "summary"."""
    directory = Path(directory)
    summary_path = directory / SUMMARY_FILE
    if not summary_path.is_file():
        raise FileNotFoundError(f"{directory}: no {SUMMARY_FILE}: not a trace directory, or an incomplete trace")
    trace: dict = {p.stem: np.load(p, mmap_mode="r", allow_pickle=False)
                   for p in sorted(directory.glob("*.npy")) if not p.name.startswith(".")}
    trace["summary"] = json.loads(summary_path.read_text())
    return trace
