"""Output locations, checked before any work (runtime/files.py writes them whole or not at all)."""
import errno
import os
import tempfile
from pathlib import Path


class CannotWrite(ValueError):
    """An output location that cannot be written; str() names the path and the problem on one line."""


def check_writable(path: str | os.PathLike, kind: str = "file") -> Path:
    """Make sure an output `kind` ("file" or "directory") can be created at `path` before
    any work is done, so that an hour of proving is not lost to a typo: create the missing
    directories (for a directory, itself too), then create and remove a file where the
    output goes.  Only trying tells: root ignores permission bits, /sys ignores root."""
    path = Path(path)
    folder = path if kind == "directory" else path.parent
    try:
        if kind == "file" and path.is_dir():
            raise IsADirectoryError(errno.EISDIR, "it is a directory")
        blocking = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None)
        if blocking is not None:
            raise NotADirectoryError(errno.ENOTDIR, f"{blocking} is not a directory")
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".zkaot-probe-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise CannotWrite(f"{path}: cannot write the output {kind}: {e.strerror}") from None
    return path
