"""The load log of a minimal-trace run, kept as the segments native code wrote it.

Native code appends every value memory returns to the last of a list of 8 MiB
segments (translator/executor.py).  Joining them into one array after the run
took longer than the run itself on a billion-step guest (gigabytes copied into
fresh pages), while every reader wants a slice (a chunk's part of the log) or
writes the log out once: so the segments stay as they are and a slice is
copied only where it spans two of them.
"""
import numpy as np


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
