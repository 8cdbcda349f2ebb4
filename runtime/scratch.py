"""Temporary files and directories that a killed process does not leave behind.

A file is written unnamed (O_TMPFILE) where the filesystem allows it and linked into
place only when complete, so `kill -9` leaves nothing.  Where it has to have a name, and
for directories, the name carries the owner's pid and the owner holds a flock on it for
its whole life: the kernel drops that lock however the owner dies, so `sweep` (which the
next writer into the same directory runs first) removes exactly the temporaries whose
owner is gone.  The pid covers the instant between creating a temporary and locking it;
a temporary older than REUSED_PID_SECONDS whose lock is free is stale even when its pid
has been reused by another process.
"""
import errno
import fcntl
import os
import re
import secrets
import shutil
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REUSED_PID_SECONDS = 60
_OWNER = re.compile(r"(?<![0-9])([0-9]+)-[0-9a-f]{8}$")      # <pid>-<random> at the end of a name
_UNNAMED = hasattr(os, "O_TMPFILE") and os.path.isdir("/proc/self/fd")   # linkat needs /proc to name the file
_NO_TMPFILE = (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL)   # the filesystem (or an old kernel) lacks O_TMPFILE


def _name(prefix: str, suffix: str) -> str:
    return f"{prefix}{os.getpid()}-{secrets.token_hex(4)}{suffix}"


def _lock(fd: int) -> None:
    """Marks the temporary as owned while this process lives.  A filesystem without locks is
    tolerated: sweep cannot take a lock there either, so it removes nothing."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    except OSError:
        pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:         # another user's process
        return True
    return True


def _create(dfd: int, prefix: str, flags: int = 0) -> tuple[int, str | None]:
    """A new locked file in the directory dfd (opened with the extra `flags`): its fd, and its name
    (None when it is unnamed)."""
    if _UNNAMED:
        try:
            fd = os.open(".", os.O_TMPFILE | os.O_RDWR | flags, 0o666, dir_fd=dfd)
        except OSError as e:
            if e.errno not in _NO_TMPFILE:
                raise
        else:
            _lock(fd)
            return fd, None
    while True:
        name = _name(prefix, ".tmp")
        try:
            fd = os.open(name, os.O_RDWR | os.O_CREAT | os.O_EXCL | flags, 0o666, dir_fd=dfd)
        except FileExistsError:
            continue
        except OSError:             # a flag the filesystem refuses (O_DIRECT on an old tmpfs): the
            try:                    # kernel may have created the file before it said no
                os.unlink(name, dir_fd=dfd)
            except OSError:
                pass
            raise
        _lock(fd)
        return fd, name


def _link(dfd: int, fd: int, prefix: str) -> str:
    """Gives the unnamed file fd a (locked, hence not sweepable) temporary name in dfd."""
    while True:
        name = _name(prefix, ".tmp")
        try:        # dst_dir_fd makes CPython call linkat, which follows the /proc link (link() would not)
            os.link(f"/proc/self/fd/{fd}", name, dst_dir_fd=dfd, follow_symlinks=True)
        except FileExistsError:
            continue
        return name


def unnamed_file(directory: str | os.PathLike, flags: int = 0) -> int:
    """An open file in `directory` that no name refers to (O_TMPFILE, else a name removed at once),
    so that its blocks are freed when its last descriptor and mapping go, however the process
    ends.  `flags` are added to the open (O_DIRECT, say)."""
    dfd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fd, name = _create(dfd, ".unnamed.", flags)
        if name is not None:
            os.unlink(name, dir_fd=dfd)
        return fd
    finally:
        os.close(dfd)


def publish(fd: int, path: str | os.PathLike) -> None:
    """Puts the unnamed file fd (O_TMPFILE, in path's directory) in place of `path` in one step."""
    path = Path(path)
    dfd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.replace(_link(dfd, fd, f".{path.name}."), path.name, src_dir_fd=dfd, dst_dir_fd=dfd)
    finally:
        os.close(dfd)


@contextmanager
def new_file(path: str | os.PathLike) -> Iterator[Path]:
    """Yields a path to write the new content of `path` to, which any process of this user on
    this machine can open; the content replaces `path` in one step when the block completes.
    When it raises, or the process is killed, `path` is left as it was."""
    path = Path(path)
    sweep(path.parent)
    dfd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fd, name = _create(dfd, f".{path.name}.")
        try:
            yield Path(f"/proc/{os.getpid()}/fd/{fd}") if name is None else path.parent / name
            if name is None:
                name = _link(dfd, fd, f".{path.name}.")
            os.replace(name, path.name, src_dir_fd=dfd, dst_dir_fd=dfd)
            name = None
        finally:
            if name is not None:
                try:
                    os.unlink(name, dir_fd=dfd)
                except FileNotFoundError:
                    pass
            os.close(fd)
    finally:
        os.close(dfd)


@contextmanager
def scratch_dir(parent: str | os.PathLike, prefix: str) -> Iterator[Path]:
    """A new directory parent/<prefix><pid>-<random> (mode 0700), removed with its content when
    the block ends.  Those of killed processes are removed by the next scratch_dir of the same
    parent and prefix, which sweeps first."""
    parent = Path(parent)
    sweep(parent, prefix, "")
    while True:
        path = parent / _name(prefix, "")
        try:
            path.mkdir(0o700)
        except FileExistsError:
            continue
        break
    fd = None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        _lock(fd)
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
        if fd is not None:
            os.close(fd)


def sweep(directory: str | os.PathLike, prefix: str = ".", suffix: str = ".tmp") -> None:
    """Removes the temporaries in `directory` (names <prefix>...<pid>-<random><suffix>; the
    defaults match new_file's) whose owner is gone."""
    try:
        entries = list(os.scandir(directory))
    except OSError:                 # a missing directory has nothing to sweep
        return
    for entry in entries:
        name = entry.name
        if name.startswith(prefix) and name.endswith(suffix):
            owner = _OWNER.search(name[len(prefix):len(name) - len(suffix)])
            if owner:
                _remove_if_orphaned(entry.path, int(owner[1]))


def _remove_if_orphaned(path: str, pid: int) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:                 # removed meanwhile, or not ours to open
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:             # held: the owner is alive
            return
        status = os.fstat(fd)
        if _alive(pid) and time.time() - status.st_ctime < REUSED_PID_SECONDS:
            return                  # its owner may not have locked it yet
        if stat.S_ISDIR(status.st_mode):
            shutil.rmtree(path, ignore_errors=True)
        else:
            try:
                os.unlink(path)
            except OSError:
                pass
    finally:
        os.close(fd)
