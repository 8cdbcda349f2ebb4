"""A killed `zkaot trace` or `zkaot prove` leaves no temporaries behind: SIGTERM unwinds and
removes them, and what `kill -9` leaves (a prover's scratch directory, a named temporary on a
filesystem without unnamed files) is removed by the next writer into the same place."""
import errno
import os
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from runtime import scratch
from runtime.trace_files import write_summary, write_trace_array

ROOT = Path(__file__).resolve().parent.parent
FIB = ROOT / "examples" / "fibonacci" / "guest.rv64im.elf"
ZKAOT = (sys.executable, "-m", "zkaot")


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """A warm translation cache of its own; each test gives the processes its own TMPDIR."""
    cache = tmp_path_factory.mktemp("cache")
    environment = dict(os.environ, ZKAOT_CACHE=str(cache))
    warm = tmp_path_factory.mktemp("warm")
    subprocess.run([*ZKAOT, "trace", FIB, "--input", ROOT / "examples/fibonacci/input.bin", "--mode", "full",
                    "-o", warm / "t"], env=environment, check=True, capture_output=True)
    return environment


def _start(env, tmp_path, *args, n: int) -> subprocess.Popen:
    """zkaot on fibonacci(n) (5n steps), with tmp_path/tmp as its TMPDIR and its stderr in tmp_path/stderr."""
    (tmp_path / "tmp").mkdir(exist_ok=True)
    (tmp_path / "in.bin").write_bytes(struct.pack("<I", n))
    with open(tmp_path / "stderr", "wb") as stderr:
        return subprocess.Popen([*ZKAOT, *args, FIB, "--input", tmp_path / "in.bin"],
                                env=dict(env, TMPDIR=str(tmp_path / "tmp")), stdout=subprocess.DEVNULL, stderr=stderr)


def _wait_for(proc: subprocess.Popen, condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert proc.poll() is None, f"zkaot exited first, with status {proc.returncode} (see its stderr file)"
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def _stop(proc: subprocess.Popen, sig: int) -> None:
    proc.send_signal(sig)
    proc.wait(60)                   # reaped: a zombie's pid still looks alive


def _open_temporaries(pid: int, directory: Path) -> bool:
    """The process has a temporary of `directory` open: a hidden name there, or an unnamed file."""
    if any(name.startswith(".") for name in os.listdir(directory)):
        return True
    try:
        return any(os.readlink(fd).startswith(f"{directory}/#") for fd in Path(f"/proc/{pid}/fd").iterdir())
    except OSError:                 # an fd closed meanwhile, or the process exited
        return False


def _hidden(directory: Path) -> list[str]:
    return sorted(name for name in os.listdir(directory) if name.startswith("."))


def _unnamed_files(directory: Path) -> bool:
    try:
        os.close(os.open(directory, os.O_TMPFILE | os.O_RDWR, 0o600))
    except (AttributeError, OSError):
        return False
    return True


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=lambda sig: sig.name)
def test_a_killed_trace_leaves_no_temporary_in_its_directory(env, tmp_path, sig):
    out = tmp_path / "trace"
    proc = _start(env, tmp_path, "trace", "--mode", "full", "-o", out, n=400_000)   # 2 M steps
    # killed while it expands main.npy or writes the tables derived from it
    _wait_for(proc, lambda: (out / "pc_histogram.npy").exists() and _open_temporaries(proc.pid, out))
    _stop(proc, sig)
    assert not (out / "summary.json").exists()
    if _unnamed_files(out) or sig == signal.SIGTERM:
        assert _hidden(out) == []
    proc = _start(env, tmp_path, "trace", "--mode", "full", "-o", out, n=1000)
    assert proc.wait(60) == 0
    assert _hidden(out) == [] and (out / "summary.json").exists()


def test_the_next_prove_removes_the_scratch_directory_of_a_killed_one(env, tmp_path):
    tmp = tmp_path / "tmp"
    proc = _start(env, tmp_path, "prove", "-o", tmp_path / "p.proof", n=20_000)    # 100 k steps
    _wait_for(proc, lambda: list(tmp.glob("zkaot-prove-*/summary.json")))        # proving
    (killed,) = tmp.glob("zkaot-prove-*")
    _stop(proc, signal.SIGKILL)
    assert killed.exists()
    proc = _start(env, tmp_path, "prove", "-o", tmp_path / "p.proof", n=20_000)
    _wait_for(proc, lambda: set(tmp.glob("zkaot-prove-*")) - {killed})
    assert not killed.exists()
    _stop(proc, signal.SIGKILL)


def test_a_prove_stopped_with_sigterm_leaves_no_scratch_directory(env, tmp_path):
    tmp = tmp_path / "tmp"
    proc = _start(env, tmp_path, "prove", "-o", tmp_path / "p.proof", n=20_000)
    _wait_for(proc, lambda: list(tmp.glob("zkaot-prove-*/summary.json")))
    _stop(proc, signal.SIGTERM)
    assert list(tmp.glob("zkaot-prove-*")) == []


# the sweep itself: owners in other processes, alive and killed

_HOLD_FILE = """
import sys, time
from runtime import scratch
scratch._UNNAMED = False                    # as on a filesystem without O_TMPFILE
with scratch.new_file(sys.argv[1]) as tmp:
    tmp.write_bytes(b"partial")
    print(tmp.name, flush=True)
    time.sleep(600)
"""

_HOLD_DIR = """
import sys, time
from runtime import scratch
with scratch.scratch_dir(sys.argv[1], "zkaot-prove-") as d:
    (d / "main.npy").write_bytes(b"rows")
    print(d.name, flush=True)
    time.sleep(600)
"""


def _holder(code: str, target: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-c", code, str(target)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    return proc, proc.stdout.readline().strip()


def test_a_named_temporary_is_removed_by_the_next_writer_once_its_owner_is_killed(tmp_path):
    killed, killed_name = _holder(_HOLD_FILE, tmp_path / "main.npy")
    alive, alive_name = _holder(_HOLD_FILE, tmp_path / "alu.npy")
    try:
        _stop(killed, signal.SIGKILL)
        assert _hidden(tmp_path) == sorted([killed_name, alive_name])
        write_trace_array(tmp_path, "load_log", np.arange(3, dtype="<u8"))
        write_summary(tmp_path, {})
        assert _hidden(tmp_path) == [alive_name]              # a live writer's is kept
    finally:
        _stop(alive, signal.SIGKILL)


def test_a_scratch_directory_is_removed_by_the_next_one_once_its_owner_is_killed(tmp_path):
    killed, killed_name = _holder(_HOLD_DIR, tmp_path)
    alive, alive_name = _holder(_HOLD_DIR, tmp_path)
    try:
        _stop(killed, signal.SIGKILL)
        with scratch.scratch_dir(tmp_path, "zkaot-prove-") as mine:
            assert sorted(os.listdir(tmp_path)) == sorted([alive_name, mine.name])
        assert os.listdir(tmp_path) == [alive_name]
    finally:
        _stop(alive, signal.SIGKILL)


def test_an_unlocked_temporary_of_a_live_pid_is_kept_until_it_is_old(tmp_path, monkeypatch):
    """Its owner may be between creating and locking it; an old one's pid was reused."""
    name = f".main.npy.{os.getpid()}-0123abcd.tmp"
    (tmp_path / name).write_bytes(b"")
    scratch.sweep(tmp_path)
    assert os.listdir(tmp_path) == [name]
    monkeypatch.setattr(scratch, "REUSED_PID_SECONDS", 0)
    scratch.sweep(tmp_path)
    assert os.listdir(tmp_path) == []


def test_an_unnamed_file_is_written_by_other_processes_through_its_proc_path(tmp_path):
    if not _unnamed_files(tmp_path):
        pytest.skip("the filesystem has no O_TMPFILE")
    with scratch.new_file(tmp_path / "x.bin") as tmp:
        subprocess.run([sys.executable, "-c", f"open({str(tmp)!r}, 'wb').write(b'from a worker')"], check=True)
        assert os.listdir(tmp_path) == []
    assert (tmp_path / "x.bin").read_bytes() == b"from a worker" and os.listdir(tmp_path) == ["x.bin"]


def test_a_file_the_filesystem_creates_then_refuses_is_not_left_behind(tmp_path, monkeypatch):
    """An old tmpfs has no O_TMPFILE, and creates the file of an O_DIRECT open before it fails it
    with EINVAL (O_SYNC stands in for O_DIRECT here)."""
    real_open = os.open

    def old_tmpfs(path, flags, *args, **kwargs):
        if flags & os.O_TMPFILE == os.O_TMPFILE:
            raise OSError(errno.EOPNOTSUPP, "Operation not supported")
        fd = real_open(path, flags, *args, **kwargs)
        if flags & os.O_SYNC:
            os.close(fd)
            raise OSError(errno.EINVAL, "Invalid argument")
        return fd
    monkeypatch.setattr(scratch.os, "open", old_tmpfs)
    with pytest.raises(OSError, match="Invalid argument"):
        scratch.unnamed_file(tmp_path, os.O_SYNC)
    assert os.listdir(tmp_path) == []
