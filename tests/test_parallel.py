"""The executor interface (translator/parallel.py): local process pools, inline runs and a
real local Dask cluster keep item order, report progress, propagate a job's exception,
cancel the rest, and turn a dying worker into a clear error instead of a hang."""
import ctypes
import os
import pickle
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from translator.parallel import (
    DASK_MISSING, JobError, LocalExecutor, RemoteTraceback, WorkerCrashedError,
    dask_executor, local_executor, make_executor,
)

HANG_GUARD = 60.0  # seconds; a map that takes longer than this has hung


# ---- jobs: module-level so that worker processes can import them ---------------------------

def later_items_finish_first(x):
    time.sleep(0.02 * (5 - x % 6))
    return x * 10


def square(x):
    return x * x


def fails_on_three(x):
    if x == 3:
        raise ValueError(f"bad item {x}")
    return x


def record_then_fail_first(item):
    directory, i = item
    Path(directory, str(i)).touch()
    if i == 0:
        raise KeyError("first job fails")
    time.sleep(0.3)
    return i


def crash_on_one(item):
    how, x = item
    if x == 1:
        try:
            import resource
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core file
        except (ImportError, ValueError, OSError):
            pass
        if how == "segfault":
            ctypes.string_at(0)
        os._exit(3)
    time.sleep(0.05)
    return x


def arrays(n):
    return {
        "big": np.arange(n, dtype=np.uint64),  # > 1 MiB: received into an anonymous mmap
        "small": np.array([1.5, -2.0], dtype=np.float32),
        "fortran": np.asfortranarray(np.arange(12, dtype=np.int32).reshape(3, 4)),
        "strided": np.arange(20, dtype=np.int16)[::3],  # not contiguous: pickled in-band
        "records": np.zeros(3, dtype=[("pc", "<u8"), ("op", "u1")]),
        "text": "ok",
    }


class NeedsTwoArgs(Exception):
    def __init__(self, a, b):
        super().__init__(f"{a}/{b}")


def raises_unpicklable_exception(x):
    raise NeedsTwoArgs(x, "b")


def within_guard(call):
    """Run call() in a thread; fail the test (instead of hanging the run) if it takes
    longer than HANG_GUARD."""
    box = {}

    def target():
        try:
            box["result"] = call()
        except BaseException as e:  # noqa: BLE001 - handed to the test
            box["error"] = e

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(HANG_GUARD)
    assert not thread.is_alive(), f"map did not return within {HANG_GUARD} s"
    if "error" in box:
        raise box["error"]
    return box["result"]


@pytest.fixture(scope="module")
def pool():
    """One 2-worker local pool shared by the tests that do not break it on purpose."""
    with local_executor(2) as ex:
        yield ex


# ---- local ---------------------------------------------------------------------------------

@pytest.mark.parametrize("workers", [1, 2])
def test_local_results_keep_item_order(workers):
    items = list(range(12))
    with local_executor(workers) as ex:
        assert ex.workers == workers
        assert ex.map(later_items_finish_first, items) == [x * 10 for x in items]


def test_on_done_is_called_once_per_item_with_increasing_counts(pool):
    counts = []
    assert pool.map(square, range(7), on_done=counts.append) == [x * x for x in range(7)]
    assert counts == [1, 2, 3, 4, 5, 6, 7]


def test_on_done_is_called_once_per_item_inline():
    counts = []
    with local_executor(1) as ex:
        ex.map(square, [4, 5, 6], on_done=counts.append)
    assert counts == [1, 2, 3]


@pytest.mark.parametrize("workers", [1, 2])
def test_on_result_gets_each_items_position_and_result_once(workers):
    seen = []
    with local_executor(workers) as ex:
        ex.map(later_items_finish_first, range(6), on_result=lambda i, r: seen.append((i, r)))
    assert sorted(seen) == [(i, i * 10) for i in range(6)]


def test_empty_items_give_an_empty_list(pool):
    assert pool.map(square, []) == []


@pytest.mark.parametrize("workers", [1, 2])
def test_job_exception_propagates_with_type_and_message(workers):
    with local_executor(workers) as ex:
        with pytest.raises(ValueError) as info:
            within_guard(lambda: ex.map(fails_on_three, range(6)))
        assert str(info.value) == "bad item 3"
        assert any("item 3 of 6" in note for note in info.value.__notes__)
        if workers > 1:
            assert isinstance(info.value.__cause__, RemoteTraceback)
            assert "fails_on_three" in str(info.value.__cause__)
        assert ex.map(square, [2, 3]) == [4, 9]  # still usable afterwards


def test_unpicklable_job_exception_arrives_as_job_error_with_its_message(pool):
    with pytest.raises(JobError, match=r"NeedsTwoArgs: 1/b"):
        pool.map(raises_unpicklable_exception, [1])


def test_an_exception_cancels_the_remaining_jobs(tmp_path):
    items = [(str(tmp_path), i) for i in range(20)]
    with local_executor(2) as ex:
        start = time.monotonic()
        with pytest.raises(KeyError, match="first job fails"):
            within_guard(lambda: ex.map(record_then_fail_first, items))
        elapsed = time.monotonic() - start
    started = {int(p.name) for p in tmp_path.iterdir()}
    assert 0 in started
    assert len(started) <= 3, f"jobs kept starting after the failure: {sorted(started)}"
    assert elapsed < 0.3 * 19 / 2, "map waited for the cancelled jobs"


@pytest.mark.parametrize("how, expected", [
    ("segfault", r"worker process \d+ was killed by SIGSEGV.* while running item 1 of 4 "
                 r"\(\('segfault', 1\)\) in \S*crash_on_one"),
    ("exit", r"worker process \d+ exited with code 3 while running item 1 of 4"),
], ids=["segfault", "os._exit"])
def test_a_crashing_worker_gives_a_clear_error_and_does_not_hang(how, expected):
    with local_executor(2) as ex:
        with pytest.raises(WorkerCrashedError, match=expected) as info:
            within_guard(lambda: ex.map(crash_on_one, [(how, x) for x in range(4)]))
        assert info.value.index == 1
        assert info.value.exitcode == (-11 if how == "segfault" else 3)


def test_the_pool_replaces_a_crashed_worker():
    with local_executor(2) as ex:
        with pytest.raises(WorkerCrashedError):
            within_guard(lambda: ex.map(crash_on_one, [("exit", 1)]))
        assert within_guard(lambda: ex.map(square, range(5))) == [0, 1, 4, 9, 16]


def test_numpy_arrays_come_back_intact(pool):
    expected = arrays(300_000)
    (got,) = pool.map(arrays, [300_000])
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        if isinstance(value, np.ndarray):
            assert got[key].dtype == value.dtype
            np.testing.assert_array_equal(got[key], value)
        else:
            assert got[key] == value
    assert got["fortran"].flags.f_contiguous
    got["big"][0] = 7  # results are ordinary writable arrays


def test_numpy_items_are_sent_intact(pool):
    items = [np.arange(n, dtype=np.float64) for n in (0, 5, 200_000)]
    assert pool.map(np.sum, items) == [float(np.sum(a)) for a in items]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_lambda_is_refused_with_a_clear_error(workers):
    with local_executor(workers) as ex:
        with pytest.raises(TypeError, match="module-level function"):
            ex.map(lambda x: x, [1])


def test_close_is_idempotent_and_map_after_close_fails():
    ex = local_executor(2)
    assert ex.map(square, [1, 2, 3]) == [1, 4, 9]
    processes = [w.proc for w in ex._pool]
    ex.close()
    ex.close()
    assert not ex._pool
    assert all(p._closed for p in processes)  # joined and released, not left running
    with pytest.raises(RuntimeError, match="closed"):
        ex.map(square, [1])


def test_workers_must_be_positive():
    with pytest.raises(ValueError):
        local_executor(0)


def test_make_executor_without_a_scheduler_is_local():
    with make_executor(workers=2) as ex:
        assert isinstance(ex, LocalExecutor) and ex.workers == 2
    with make_executor() as ex:
        assert isinstance(ex, LocalExecutor) and ex.workers >= 1


def test_worker_crashed_error_pickles():
    e = pickle.loads(pickle.dumps(WorkerCrashedError("boom", index=4, exitcode=-9)))
    assert (str(e), e.index, e.exitcode) == ("boom", 4, -9)


# ---- Dask ----------------------------------------------------------------------------------

def test_missing_dask_names_the_install_command(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "distributed", None)  # makes the import fail
    with pytest.raises(ImportError, match=r"pip install 'zkaot\[dask\]'") as info:
        dask_executor("tcp://127.0.0.1:1")
    assert str(info.value) == DASK_MISSING


@pytest.fixture(scope="module")
def dask_cluster():
    from distributed import LocalCluster  # the test extra installs zkaot[dask]

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=None)
    try:
        yield cluster
    finally:
        cluster.close()


def test_dask_results_keep_item_order(dask_cluster):
    counts, seen = [], []
    with make_executor(scheduler=dask_cluster.scheduler_address) as ex:
        assert ex.workers == 2
        items = list(range(8))
        assert within_guard(lambda: ex.map(later_items_finish_first, items, on_done=counts.append,
                                           on_result=lambda i, r: seen.append((i, r)))) == [x * 10 for x in items]
        assert sorted(seen) == [(x, x * 10) for x in items]
        assert ex.map(square, [3, 3, 3]) == [9, 9, 9]  # equal items are separate jobs
    assert counts == list(range(1, 9))


def test_dask_job_exception_propagates_with_type_and_message(dask_cluster):
    with make_executor(scheduler=dask_cluster.scheduler_address) as ex:
        with pytest.raises(ValueError) as info:
            within_guard(lambda: ex.map(fails_on_three, range(6)))
        assert str(info.value) == "bad item 3"
        assert any("item 3 of 6" in note for note in info.value.__notes__)
        assert ex.map(square, [5]) == [25]  # the client is still usable
        ex.close()
        ex.close()


def test_dask_crashing_worker_gives_a_clear_error(dask_cluster):
    # Dask retries a task whose worker died (the nanny restarts the worker), then gives up
    with make_executor(scheduler=dask_cluster.scheduler_address) as ex:
        with pytest.raises(WorkerCrashedError, match=r"while running item 1 of 3") as info:
            within_guard(lambda: ex.map(crash_on_one, [("exit", x) for x in range(3)]))
        assert info.value.index == 1


def test_workers_start_under_a_temporary_directory_too_long_for_a_socket(tmp_path):
    """The forkserver's socket is made under TMPDIR; AF_UNIX allows 107 bytes of path."""
    import subprocess
    import sys
    long_tmp = tmp_path / ("d" * 100)
    long_tmp.mkdir()
    code = "from translator.parallel import local_executor\nwith local_executor(2) as pool:\n" \
           "    print(pool.map(abs, [-1, -2, -3]))"
    proc = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, TMPDIR=str(long_tmp)),
                          cwd=Path(__file__).parent.parent, capture_output=True, text=True, timeout=120)
    assert proc.stdout == "[1, 2, 3]\n", proc.stderr


def is_imported(name):
    import sys
    return name in sys.modules


def test_workers_fork_with_the_preloaded_modules_imported(tmp_path):
    """A fresh program: the forkserver is started once per program, with the first preload."""
    import subprocess
    import sys
    here = Path(__file__).parent
    code = ("from translator.parallel import local_executor\nfrom test_parallel import is_imported\n"
            "with local_executor(2, preload=['wave']) as pool:\n    print(pool.map(is_imported, ['wave', 'aifc']))")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(here.parent), str(here)]))
    proc = subprocess.run([sys.executable, "-c", code], env=env, cwd=here.parent, capture_output=True, text=True,
                          timeout=120)
    assert proc.stdout == "[True, False]\n", proc.stderr
