"""The load log stays where native code wrote it (translator/load_log.py: a file and the last buffer, or
segments in memory) and reads as one array."""
import errno
import tempfile

import numpy as np
import pytest

from translator import load_log
from translator.load_log import BUFFERS, SPILL_AFTER, LoadLog, LogWriter

SEGMENTS = [np.arange(0, 5, dtype=np.uint64), np.arange(5, 8, dtype=np.uint64), np.arange(8, 20, dtype=np.uint64)]
WHOLE = np.arange(20, dtype=np.uint64)


@pytest.mark.parametrize("start, stop", [(0, 20), (0, 5), (5, 8), (2, 3), (4, 6), (3, 15), (7, 8), (19, 20),
                                         (6, 6), (0, 0), (20, 20), (10, 25)])
def test_a_slice_reads_what_the_joined_log_holds(start, stop):
    assert np.array_equal(LoadLog(SEGMENTS)[start:stop], WHOLE[start:stop])


def test_a_slice_inside_one_segment_is_a_view_not_a_copy():
    log = LoadLog(SEGMENTS)
    assert np.shares_memory(log[9:12], SEGMENTS[2])


def test_the_log_has_the_length_and_contents_of_its_segments_joined():
    log = LoadLog(SEGMENTS + [np.zeros(0, np.uint64)])
    assert len(log) == 20 and np.array_equal(np.asarray(log), WHOLE)


def test_an_empty_log_is_empty():
    log = LoadLog([np.zeros(0, np.uint64)])
    assert len(log) == 0 and len(log[0:0]) == 0 and np.asarray(log).dtype == np.uint64


def written(writer: LogWriter, requests: list[int]) -> tuple[LoadLog, np.ndarray]:
    """Append as native code does: room for each request, then that many entries; the log and what was appended."""
    pos, values = 0, np.arange(sum(requests), dtype=np.uint64) * 3 + 1
    done = 0
    for n in requests:
        pos = writer.room(pos, n)
        writer.current[pos: pos + n] = values[done: done + n]
        pos, done = pos + n, done + n
    return writer.finish(pos), values


def test_a_long_log_goes_to_a_file_and_reads_back_whole(tmp_path):
    log, values = written(LogWriter(1536, str(tmp_path)), [700, 900, 1000, 3, 1400] * 20)
    assert np.array_equal(np.asarray(log), values)
    assert not log.segments[0].flags.writeable and len(log.segments) == 2     # the file, mapped; the last buffer


def test_a_long_log_takes_a_few_reused_buffers(tmp_path, monkeypatch):
    made, real = [], load_log.aligned_buffer
    monkeypatch.setattr(load_log, "aligned_buffer", lambda entries: made.append(entries) or real(entries))
    written(LogWriter(1024, str(tmp_path)), [400] * 500)
    assert len(made) <= SPILL_AFTER + BUFFERS + 1


def test_a_short_log_stays_in_memory_and_makes_no_file(tmp_path):
    writer = LogWriter(1024, str(tmp_path))
    log, values = written(writer, [1000] * (SPILL_AFTER - 1))
    assert np.array_equal(np.asarray(log), values) and all(s.flags.writeable for s in log.segments)
    assert writer.fd is None and list(tmp_path.iterdir()) == []


def test_the_file_of_a_log_has_no_name(tmp_path):
    written(LogWriter(1024, str(tmp_path)), [1000] * 10)
    assert list(tmp_path.iterdir()) == []


def test_a_request_larger_than_a_buffer_gets_one_of_its_own(tmp_path):
    log, values = written(LogWriter(1024, str(tmp_path)), [100, 5000, 100, 3000])
    assert np.array_equal(np.asarray(log), values)


def test_without_a_file_the_log_stays_in_memory(tmp_path, monkeypatch):
    monkeypatch.setattr(load_log, "spill_file", lambda directory: None)
    log, values = written(LogWriter(1024, str(tmp_path)), [700, 900] * 10)
    assert np.array_equal(np.asarray(log), values) and all(s.flags.writeable for s in log.segments)


def test_a_failed_write_names_the_directory_and_the_fix(tmp_path, monkeypatch):
    def full(fd, data, offset):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(load_log, "_write_all", full)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(load_log.LogNotWritten) as failed:
        written(LogWriter(1024), [1000] * 10)
    assert str(failed.value) == (f"the load log could not be written to a file in {tmp_path}: No space left on device "
                                 "(set TMPDIR to a directory with room)")


def test_a_saved_log_is_an_npy_file_of_the_whole_log(tmp_path):
    writer = LogWriter(1024, str(tmp_path))
    log, values = written(writer, [1000] * 10 + [77])
    assert writer.save(tmp_path / "load_log.npy")
    assert np.array_equal(np.load(tmp_path / "load_log.npy"), values)
    assert np.array_equal(np.load(tmp_path / "load_log.npy", mmap_mode="r"), values)
    assert [p.name for p in tmp_path.iterdir()] == ["load_log.npy"]


def test_a_log_in_another_directory_is_not_saved_in_place(tmp_path):
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    writer = LogWriter(1024, str(tmp_path / "a"))
    written(writer, [1000] * 10)
    assert not writer.save(tmp_path / "b" / "load_log.npy") and not (tmp_path / "b" / "load_log.npy").exists()


def test_a_short_log_has_no_file_to_save(tmp_path):
    writer = LogWriter(1024, str(tmp_path))
    written(writer, [10, 20])
    assert not writer.save(tmp_path / "load_log.npy") and list(tmp_path.iterdir()) == []


def test_a_filesystem_without_o_direct_gets_a_plain_file(tmp_path, monkeypatch):
    made = []
    def unnamed(directory, flags=0):
        if flags:
            raise OSError(errno.EINVAL, "Invalid argument")
        made.append(directory)
        return real(directory, flags)
    real = load_log.unnamed_file
    monkeypatch.setattr(load_log, "unnamed_file", unnamed)
    log, values = written(LogWriter(1024, str(tmp_path)), [1000] * 10)
    assert made == [str(tmp_path)] and np.array_equal(np.asarray(log), values)


def test_a_directory_that_takes_no_file_keeps_the_log_in_memory(tmp_path):
    log, values = written(LogWriter(1024, str(tmp_path / "missing")), [1000] * 10)
    assert np.array_equal(np.asarray(log), values) and all(s.flags.writeable for s in log.segments)
