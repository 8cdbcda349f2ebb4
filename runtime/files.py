"""Reading a file whose size the user controls, without letting it fill memory."""
import errno
import os
import stat

_CHUNK = 1 << 20


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
