"""Files read without letting them fill memory, and written whole or not at all."""
import errno
import os
import stat
from pathlib import Path

from runtime.scratch import new_file

_CHUNK = 1 << 20


def default_cache_dir() -> Path:
    """The root of zkaot's caches (compiled guest code, verifying keys): $ZKAOT_CACHE,
    default ~/.cache/zkaot."""
    return Path(os.environ.get("ZKAOT_CACHE", Path.home() / ".cache" / "zkaot"))


def read_limited(path: str | os.PathLike, limit: int) -> bytes:
    """The bytes of a regular file or a pipe holding at most `limit` of them.

    Anything else raises OSError (strerror says why) before it can fill memory: a
    device such as /dev/zero, which never ends, before a byte is read; a regular file
    by its size; a pipe once limit + 1 bytes have arrived.
    """
    with open(path, "rb", buffering=0) as f:
        st = os.fstat(f.fileno())
        if not (stat.S_ISREG(st.st_mode) or stat.S_ISFIFO(st.st_mode)):
            raise OSError(errno.EINVAL, "not a regular file or a pipe", os.fspath(path))
        too_large = OSError(errno.EFBIG, f"larger than {limit:,} bytes", os.fspath(path))
        if st.st_size > limit:
            raise too_large
        chunks, size = [], 0
        while size <= limit and (chunk := f.read(min(_CHUNK, limit + 1 - size))):
            chunks.append(chunk)
            size += len(chunk)
    if size > limit:
        raise too_large
    return b"".join(chunks)


def write_atomic(path: str | os.PathLike, data: bytes, executable: bool = False) -> None:
    """Replace `path` with `data` in one step: a reader, a failure or a kill never leaves half a file
    or a temporary behind (runtime/scratch.py).  The mode is 0o666 less the umask (plus x where r
    is set for `executable`)."""
    with new_file(path) as tmp:
        tmp.write_bytes(data)
        if executable:
            mode = os.stat(tmp).st_mode & 0o777
            os.chmod(tmp, mode | (mode & 0o444) >> 2)
