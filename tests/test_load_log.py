"""The load log stays in the segments native code wrote (translator/load_log.py) and reads as one array."""
import numpy as np
import pytest

from translator.load_log import LoadLog

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
