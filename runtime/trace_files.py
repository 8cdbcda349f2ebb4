"""Trace directories: one .npy file per array plus summary.json (docs/trace-format.md).

Every file is written whole or not at all: to an unnamed file in the same directory (a
hidden temporary name where the filesystem needs one), then put in place of the target
in one step, so a reader (or a crash) never sees half a file, a failed write leaves the
previous file in place, and a killed writer leaves no temporary (runtime/scratch.py).
summary.json is written last by convention: a directory without it is an incomplete trace.
"""
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from runtime.files import write_atomic
from runtime.scratch import new_file

SUMMARY_FILE = "summary.json"
MEMMAP_BYTES = 64 << 20          # arrays at least this large are written through a memory map
_NAME = re.compile(r"[a-z0-9_]+")


def _array_path(directory: str | os.PathLike, name: str) -> Path:
    if not _NAME.fullmatch(name) or name == "summary":
        raise ValueError(f"trace array name {name!r}: use lower-case letters, digits and _ (not 'summary')")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    return directory / f"{name}.npy"


@contextmanager
def create_trace_array(directory: str | os.PathLike, name: str, dtype, shape) -> Iterator[np.memmap]:
    """Yields a zero-filled writable memory map of `name`.npy; the file appears under its
    name only when the block completes without raising.  Its `filename` opens the file
    from other processes of this user on this machine as well (parallel writers)."""
    with new_file(_array_path(directory, name)) as tmp:
        # a str: memmap resolves a Path's links, and the /proc name of an unnamed file must stay
        out = np.lib.format.open_memmap(str(tmp), mode="w+", dtype=np.dtype(dtype), shape=shape)
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
    with new_file(path) as tmp, open(tmp, "wb") as f:
        np.save(f, array, allow_pickle=False)
    return path


def write_trace_segments(directory: str | os.PathLike, name: str, segments: list[np.ndarray]) -> Path:
    """Writes the 1-D `segments` end to end as directory/`name`.npy (np.save format) atomically,
    without joining them in memory first: a minimal run's load log is gigabytes in the 8 MiB
    segments native code wrote (translator/load_log.py), and a joined copy is that much fresh
    memory, which on this kind of VM costs more CPU than the run wrote it in."""
    dtype = np.dtype(segments[0].dtype)
    if dtype.hasobject or any(s.dtype != dtype or s.ndim != 1 for s in segments):
        raise TypeError(f"trace array {name!r}: segments must be 1-D plain numpy data of one dtype")
    header = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False,
              "shape": (sum(len(s) for s in segments),)}
    path = _array_path(directory, name)
    with new_file(path) as tmp, open(tmp, "wb") as f:
        np.lib.format.write_array_header_1_0(f, header)
        for segment in segments:
            np.ascontiguousarray(segment).tofile(f)
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
