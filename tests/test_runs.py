"""runtime/runs.py: runs laid end to end, as arrays."""
import numpy as np

from runtime.runs import run_positions


def test_each_element_names_its_run_and_its_place_in_it():
    run, position = run_positions([2, 0, 3])
    assert run.tolist() == [0, 0, 2, 2, 2]
    assert position.tolist() == [0, 1, 0, 1, 2]


def test_runs_match_a_loop_over_runs():
    counts = np.random.default_rng(7).integers(0, 5, 50)
    run, position = run_positions(counts)
    expected = [(r, p) for r, c in enumerate(counts) for p in range(c)]
    assert list(zip(run.tolist(), position.tolist())) == expected


def test_no_runs_give_empty_arrays():
    run, position = run_positions(np.zeros(0, np.int64))
    assert run.size == position.size == 0
