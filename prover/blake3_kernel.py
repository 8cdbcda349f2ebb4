"""BLAKE3 in numba: the compression function and batched hashing of fixed-size inputs.

Every function here computes plain BLAKE3 (the default hash mode, 32-byte output), so a
digest equals `blake3.blake3(data).digest()` from the `blake3` package; the tests check
this on every input shape the kernels accept.

Data layout. A digest is 8 uint32 words (the 32 output bytes read little-endian); a batch
of n digests is a C-contiguous uint32 array of shape (n, 8). A batch of inputs of one
fixed size is a uint32 array of shape (n, w): input i is the 4*w bytes of row i in
little-endian order (a row of field elements serialized LE).

Kernels:
- `compress(cv, block, counter, block_len, flags)`: the compression function itself;
- `hash_rows(data)`: the digest of every row (any width; rows over 1 KiB go through the
  BLAKE3 chunk tree);
- `hash_pairs(children)`: parent i = BLAKE3(children[2i] || children[2i+1]), a 64-byte
  input (one compression), for Merkle layers;
- `pow_words(seed, start, count)`: the first 64 bits of BLAKE3(seed || nonce_le64) for
  count consecutive nonces, for proof-of-work grinding.

Speed. The compression is straight-line scalar code (7 rounds, message schedule
unrolled) that LLVM vectorizes across inputs, one SIMD lane per input as in the `hash_many`
routines of the reference implementation; see `_lanes` for the layout that makes this
happen. On the 2-core AVX-512 development machine, a Merkle tree over 2^20 rows of 8
words (2^21 compressions) takes about 0.057 s on one thread and 0.033 s on two, against
1.57 s with the `blake3` package called node by node from Python (it has no batch API),
so the package serves only as the test oracle. Large batches are split over
`numba.get_num_threads()` Python threads (the kernel releases the GIL).

Compilation: the kernels are cached on disk by numba (`cache=True`); the first use in a
fresh checkout compiles for about 5 s.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
from numba import njit

__all__ = [
    "IV", "CHUNK_START", "CHUNK_END", "PARENT", "ROOT", "CHUNK_LEN", "BLOCK_LEN",
    "compress", "hash_rows", "hash_pairs", "pow_words", "digest_to_bytes", "bytes_to_digest",
]

IV = np.array([0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A,
               0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19], dtype=np.uint32)
CHUNK_START = 1
CHUNK_END = 2
PARENT = 4
ROOT = 8
BLOCK_LEN = 64            # bytes per compression
CHUNK_LEN = 1024          # bytes per chunk (16 blocks)
_BLOCK_WORDS = 16
_CHUNK_WORDS = 256

_U32 = np.uint32
_IV0, _IV1, _IV2, _IV3 = (_U32(v) for v in IV[:4])
_IV4, _IV5, _IV6, _IV7 = (_U32(v) for v in IV[4:])
_ONE_BLOCK_ROOT = _U32(CHUNK_START | CHUNK_END | ROOT)   # flags of a message of <= 64 bytes
_JIT = dict(cache=True, nogil=True)


@njit(**_JIT)
def _rotr(x, n):
    return _U32((x >> _U32(n)) | (x << _U32(32 - n)))


@njit(**_JIT)
def _g(a, b, c, d, mx, my):
    a = _U32(a + b + mx)
    d = _rotr(_U32(d ^ a), 16)
    c = _U32(c + d)
    b = _rotr(_U32(b ^ c), 12)
    a = _U32(a + b + my)
    d = _rotr(_U32(d ^ a), 8)
    c = _U32(c + d)
    b = _rotr(_U32(b ^ c), 7)
    return a, b, c, d


@njit(inline="always", **_JIT)
def _compress(c0, c1, c2, c3, c4, c5, c6, c7,
              m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15,
              t0, t1, block_len, flags):
    """The BLAKE3 compression function, truncated to the 8 words of a chaining value.

    c: input chaining value; m: the 16 message words; t0/t1: counter low/high words;
    block_len: bytes used in this block; flags: domain flags. Returns the output
    chaining value (also the first 32 bytes of a root output at counter 0).

    Inlined by numba into its callers and written out round by round: each round is the
    four column and four diagonal G mixes, with the message words of that round taken
    from the schedule (round r uses the message permuted r times by
    [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8]). Straight-line code is what
    lets LLVM vectorize the loop that calls it.
    """
    s0, s1, s2, s3, s4, s5, s6, s7 = c0, c1, c2, c3, c4, c5, c6, c7
    s8, s9, s10, s11 = _IV0, _IV1, _IV2, _IV3
    s12, s13, s14, s15 = _U32(t0), _U32(t1), _U32(block_len), _U32(flags)
    # round 0
    s0, s4, s8, s12 = _g(s0, s4, s8, s12, m0, m1)
    s1, s5, s9, s13 = _g(s1, s5, s9, s13, m2, m3)
    s2, s6, s10, s14 = _g(s2, s6, s10, s14, m4, m5)
    s3, s7, s11, s15 = _g(s3, s7, s11, s15, m6, m7)
    s0, s5, s10, s15 = _g(s0, s5, s10, s15, m8, m9)
    s1, s6, s11, s12 = _g(s1, s6, s11, s12, m10, m11)
    s2, s7, s8, s13 = _g(s2, s7, s8, s13, m12, m13)
    s3, s4, s9, s14 = _g(s3, s4, s9, s14, m14, m15)
    # round 1
    s0, s4, s8, s12 = _g(s0, s4, s8, s12, m2, m6)
    s1, s5, s9, s13 = _g(s1, s5, s9, s13, m3, m10)
    s2, s6, s10, s14 = _g(s2, s6, s10, s14, m7, m0)
    s3, s7, s11, s15 = _g(s3, s7, s11, s15, m4, m13)
    s0, s5, s10, s15 = _g(s0, s5, s10, s15, m1, m11)
    s1, s6, s11, s12 = _g(s1, s6, s11, s12, m12, m5)
    s2, s7, s8, s13 = _g(s2, s7, s8, s13, m9, m14)
    s3, s4, s9, s14 = _g(s3, s4, s9, s14, m15, m8)
    # round 2
    s0, s4, s8, s12 = _g(s0, s4, s8, s12, m3, m4)
    s1, s5, s9, s13 = _g(s1, s5, s9, s13, m10, m12)
    s2, s6, s10, s14 = _g(s2, s6, s10, s14, m13, m2)
    s3, s7, s11, s15 = _g(s3, s7, s11, s15, m7, m14)
    s0, s5, s10, s15 = _g(s0, s5, s10, s15, m6, m5)
    s1, s6, s11, s12 = _g(s1, s6, s11, s12, m9, m0)
    s2, s7, s8, s13 = _g(s2, s7, s8, s13, m11, m15)
    s3, s4, s9, s14 = _g(s3, s4, s9, s14, m8, m1)
    # round 3
    s0, s4, s8, s12 = _g(s0, s4, s8, s12, m10, m7)
    s1, s5, s9, s13 = _g(s1, s5, s9, s13, m12, m9)
    s2, s6, s10, s14 = _g(s2, s6, s10, s14, m14, m3)
    s3, s7, s11, s15 = _g(s3, s7, s11, s15, m13, m15)
    s0, s5, s10, s15 = _g(s0, s5, s10, s15, m4, m0)
    s1, s6, s11, s12 = _g(s1, s6, s11, s12, m11, m2)
    s2, s7, s8, s13 = _g(s2, s7, s8, s13, m5, m8)
    s3, s4, s9, s14 = _g(s3, s4, s9, s14, m1, m6)
    # round 4
    s0, s4, s8, s12 = _g(s0, s4, s8, s12, m12, m13)
    s1, s5, s9, s13 = _g(s1, s5, s9, s13, m9, m11)
    s2, s6, s10, s14 = _g(s2, s6, s10, s14, m15, m10)
    s3, s7, s11, s15 = _g(s3, s7, s11, s15, m14, m8)
    s0, s5, s10, s15 = _g(s0, s5, s10, s15, m7, m2)
    s1, s6, s11, s12 = _g(s1, s6, s11, s12, m5, m3)
    s2, s7, s8, s13 = _g(s2, s7, s8, s13, m0, m1)
    s3, s4, s9, s14 = _g(s3, s4, s9, s14, m6, m4)
    # round 5
    s0, s4, s8, s12 = _g(s0, s4, s8, s12, m9, m14)
    s1, s5, s9, s13 = _g(s1, s5, s9, s13, m11, m5)
    s2, s6, s10, s14 = _g(s2, s6, s10, s14, m8, m12)
    s3, s7, s11, s15 = _g(s3, s7, s11, s15, m15, m1)
    s0, s5, s10, s15 = _g(s0, s5, s10, s15, m13, m3)
    s1, s6, s11, s12 = _g(s1, s6, s11, s12, m0, m10)
    s2, s7, s8, s13 = _g(s2, s7, s8, s13, m2, m6)
    s3, s4, s9, s14 = _g(s3, s4, s9, s14, m4, m7)
    # round 6
    s0, s4, s8, s12 = _g(s0, s4, s8, s12, m11, m15)
    s1, s5, s9, s13 = _g(s1, s5, s9, s13, m5, m0)
    s2, s6, s10, s14 = _g(s2, s6, s10, s14, m1, m9)
    s3, s7, s11, s15 = _g(s3, s7, s11, s15, m8, m6)
    s0, s5, s10, s15 = _g(s0, s5, s10, s15, m14, m10)
    s1, s6, s11, s12 = _g(s1, s6, s11, s12, m2, m12)
    s2, s7, s8, s13 = _g(s2, s7, s8, s13, m3, m4)
    s3, s4, s9, s14 = _g(s3, s4, s9, s14, m7, m13)
    return (_U32(s0 ^ s8), _U32(s1 ^ s9), _U32(s2 ^ s10), _U32(s3 ^ s11),
            _U32(s4 ^ s12), _U32(s5 ^ s13), _U32(s6 ^ s14), _U32(s7 ^ s15))


@njit(**_JIT)
def compress(cv, block, counter, block_len, flags):
    """Compression of one block (cv: 8 words, block: 16 words) -> the 8-word output.

    The scalar entry point, for tests and one-off use; the batch kernels inline
    `_compress` directly.
    """
    h = _compress(_U32(cv[0]), _U32(cv[1]), _U32(cv[2]), _U32(cv[3]),
                  _U32(cv[4]), _U32(cv[5]), _U32(cv[6]), _U32(cv[7]),
                  _U32(block[0]), _U32(block[1]), _U32(block[2]), _U32(block[3]),
                  _U32(block[4]), _U32(block[5]), _U32(block[6]), _U32(block[7]),
                  _U32(block[8]), _U32(block[9]), _U32(block[10]), _U32(block[11]),
                  _U32(block[12]), _U32(block[13]), _U32(block[14]), _U32(block[15]),
                  _U32(counter & 0xFFFFFFFF), _U32(counter >> 32), _U32(block_len), _U32(flags))
    out = np.empty(8, dtype=np.uint32)
    for k in range(8):
        out[k] = h[k]
    return out


# --- batches: the workspace layout that lets LLVM vectorize across inputs
#
# A batch of up to _LANES inputs lives in a workspace `ws` of 24 planes of _LANES words:
# planes 0-7 hold the chaining values (word k of input i at ws[k*_LANES + i]) and planes
# 8-23 the message blocks. `_lanes` compresses every input in place. With loads and stores
# all in one array at compile-time-constant distances, LLVM proves the loop free of
# aliasing and vectorizes it (one SIMD lane per input: about 9 ns per compression with
# AVX-512 against 75-80 ns for the scalar code). With the inputs and outputs in separate
# arrays the loop needs more runtime alias checks than LLVM allows and stays scalar.
# Gathering inputs into the planes and scattering results out are plain copy loops; the
# gather fills one plane (message word j of every row) at a time, a strided read and a
# contiguous write that LLVM vectorizes whatever the row width.  Copying row by row (16
# words of a row, then the next row) was 1.2-1.6x slower on full blocks and 2.9x slower
# on rows that end in a partial block, such as Main's 138 columns (69 against 24 ns per
# compression, one thread, cached kernels).
# 64 lanes measured faster than 128 or 256 on 60-word rows (the workspace stays small).

_LANES = 64


@njit(**_JIT)
def _lanes(ws, n, t0, t1, block_len, flags):
    """cv[i] = compress(cv[i], msg[i]) for the first n inputs of the workspace."""
    L = _LANES
    for i in range(n):
        h = _compress(ws[i], ws[L + i], ws[2 * L + i], ws[3 * L + i],
                      ws[4 * L + i], ws[5 * L + i], ws[6 * L + i], ws[7 * L + i],
                      ws[8 * L + i], ws[9 * L + i], ws[10 * L + i], ws[11 * L + i],
                      ws[12 * L + i], ws[13 * L + i], ws[14 * L + i], ws[15 * L + i],
                      ws[16 * L + i], ws[17 * L + i], ws[18 * L + i], ws[19 * L + i],
                      ws[20 * L + i], ws[21 * L + i], ws[22 * L + i], ws[23 * L + i],
                      t0, t1, block_len, flags)
        ws[i] = h[0]
        ws[L + i] = h[1]
        ws[2 * L + i] = h[2]
        ws[3 * L + i] = h[3]
        ws[4 * L + i] = h[4]
        ws[5 * L + i] = h[5]
        ws[6 * L + i] = h[6]
        ws[7 * L + i] = h[7]


@njit(**_JIT)
def _set_iv(ws, n):
    for k in range(8):
        v = IV[k]
        for i in range(n):
            ws[k * _LANES + i] = v


@njit(**_JIT)
def _scatter_cvs(ws, out, lo, n):
    """out[8*(lo+i) + k] = cv word k of input i."""
    for i in range(n):
        for k in range(8):
            out[8 * (lo + i) + k] = ws[k * _LANES + i]


@njit(**_JIT)
def _merge_parent(ws, stack, level, n, flags):
    """cv[i] = BLAKE3 parent node of (stack[level] cv i, current cv i)."""
    L = _LANES
    for k in range(8):
        for i in range(n):
            ws[(16 + k) * L + i] = ws[k * L + i]          # right child: message words 8-15
            ws[(8 + k) * L + i] = stack[level, k * L + i]  # left child: message words 0-7
    _set_iv(ws, n)
    _lanes(ws, n, _U32(0), _U32(0), _U32(BLOCK_LEN), _U32(flags))


@njit(**_JIT)
def _rows_batch(flat, nwords, out, lo, n, ws, stack):
    """Digests of the n rows from row lo (row r = flat[r*nwords:(r+1)*nwords]) into out.

    All rows have the same width, so they go through the same compressions (chunks,
    blocks, lengths, flags and chunk-tree merges): the control flow is shared and only
    the data differs per lane.
    """
    L = _LANES
    nchunks = max(1, (nwords + _CHUNK_WORDS - 1) // _CHUNK_WORDS)
    sp = 0                                       # depth of the chunk-tree cv stack
    for chunk in range(nchunks):
        start = chunk * _CHUNK_WORDS
        nblocks = max(1, (min(_CHUNK_WORDS, nwords - start) + _BLOCK_WORDS - 1) // _BLOCK_WORDS)
        last_chunk = chunk == nchunks - 1
        _set_iv(ws, n)
        for b in range(nblocks):
            off = start + b * _BLOCK_WORDS
            used = min(_BLOCK_WORDS, nwords - off)
            for j in range(_BLOCK_WORDS):        # gather the block, zero-padded, one word
                if j < used:                     # of every row at a time (module comment)
                    for i in range(n):
                        ws[(8 + j) * L + i] = flat[(lo + i) * nwords + off + j]
                else:
                    for i in range(n):
                        ws[(8 + j) * L + i] = 0
            flags = 0
            if b == 0:
                flags |= CHUNK_START
            if b == nblocks - 1:
                flags |= CHUNK_END
                if nchunks == 1:
                    flags |= ROOT
            _lanes(ws, n, _U32(chunk & 0xFFFFFFFF), _U32(chunk >> 32), _U32(4 * used), _U32(flags))
        if not last_chunk:
            # push the chunk's cv, first merging completed subtrees (the reference
            # implementation's add_chunk_chaining_value)
            total = chunk + 1
            while total & 1 == 0:
                sp -= 1
                _merge_parent(ws, stack, sp, n, PARENT)
                total >>= 1
            for k in range(8 * L):
                stack[sp, k] = ws[k]
            sp += 1
    # fold the right edge of the tree into the last chunk's cv; the last parent is the root
    while sp > 0:
        sp -= 1
        _merge_parent(ws, stack, sp, n, PARENT | ROOT if sp == 0 else PARENT)
    _scatter_cvs(ws, out, lo, n)


@njit(**_JIT)
def _hash_rows_range(flat, nwords, out, lo, hi):
    """Digests of rows lo..hi-1, one batch of _LANES rows at a time."""
    nchunks = max(1, (nwords + _CHUNK_WORDS - 1) // _CHUNK_WORDS)
    depth = 1
    while (1 << depth) < nchunks:
        depth += 1
    ws = np.empty(24 * _LANES, dtype=np.uint32)
    stack = np.empty((depth + 1, 8 * _LANES), dtype=np.uint32)
    for start in range(lo, hi, _LANES):
        _rows_batch(flat, nwords, out, start, min(_LANES, hi - start), ws, stack)


_PARALLEL_MIN_ROWS = 1 << 14     # below this, one thread
_pool_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_size = 0


def _executor(threads: int) -> ThreadPoolExecutor:
    global _pool, _pool_size
    with _pool_lock:
        if _pool is None or _pool_size != threads:
            if _pool is not None:
                _pool.shutdown(wait=False)
            _pool = ThreadPoolExecutor(threads, thread_name_prefix="blake3")
            _pool_size = threads
        return _pool


def hash_rows(data, threads: int | None = None) -> np.ndarray:
    """BLAKE3 digest of each row of a uint32 matrix, the row read as 4*w LE bytes -> (n, 8).

    Large batches are split over `threads` threads (default `numba.get_num_threads()`,
    so NUMBA_NUM_THREADS and `numba.set_num_threads` apply); the kernel releases the GIL.
    """
    data = np.asarray(data)
    if data.dtype != np.uint32 or data.ndim != 2:
        raise TypeError(f"hash_rows wants a 2-D uint32 array, got {data.dtype} {data.shape}")
    nrows, nwords = data.shape
    flat = np.ascontiguousarray(data).reshape(-1)
    out = np.empty((nrows, 8), dtype=np.uint32)
    out_flat = out.reshape(-1)
    threads = numba.get_num_threads() if threads is None else max(1, int(threads))
    if threads == 1 or nrows < _PARALLEL_MIN_ROWS:
        if nrows:
            _hash_rows_range(flat, nwords, out_flat, 0, nrows)
        return out
    step = -(-nrows // threads)
    step = -(-step // _LANES) * _LANES
    jobs = [_executor(threads).submit(_hash_rows_range, flat, nwords, out_flat, lo,
                                      min(nrows, lo + step))
            for lo in range(0, nrows, step)]
    for job in jobs:
        job.result()
    return out


def hash_pairs(children) -> np.ndarray:
    """Parent digests for a Merkle layer: row i is BLAKE3(children[2i] || children[2i+1]).

    Two digests side by side are a 16-word row, so this is `hash_rows` of the layer
    viewed as (n/2, 16): one compression per parent.
    """
    children = np.asarray(children)
    if children.dtype != np.uint32 or children.ndim != 2 or children.shape[1] != 8 \
            or children.shape[0] % 2:
        raise TypeError(f"hash_pairs wants an (even n, 8) uint32 array, got "
                        f"{children.dtype} {children.shape}")
    return hash_rows(np.ascontiguousarray(children).reshape(-1, 16))


def pow_words(seed, start: int, count: int) -> np.ndarray:
    """The first 8 bytes, as a little-endian u64, of BLAKE3(seed || nonce as 8 LE bytes)
    for every nonce in [start, start + count); seed is 32 bytes given as 8 uint32 words.

    The messages are 10-word rows (seed, nonce low word, nonce high word), hashed by
    `hash_rows`: one compression per nonce.
    """
    seed = np.asarray(seed, dtype=np.uint32).reshape(8)
    if start < 0 or count < 0 or start + count > 1 << 64:
        raise ValueError("nonces are 64-bit unsigned")
    nonces = np.uint64(start) + np.arange(count, dtype=np.uint64)
    rows = np.empty((count, 10), dtype=np.uint32)
    rows[:, :8] = seed
    rows[:, 8] = (nonces & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    rows[:, 9] = (nonces >> np.uint64(32)).astype(np.uint32)
    h = hash_rows(rows)
    return h[:, 0].astype(np.uint64) | (h[:, 1].astype(np.uint64) << np.uint64(32))


def digest_to_bytes(digest) -> bytes:
    """An 8-word digest as its 32 bytes."""
    return np.asarray(digest, dtype="<u4").reshape(8).tobytes()


def bytes_to_digest(data: bytes) -> np.ndarray:
    """32 bytes as an 8-word digest."""
    if len(data) != 32:
        raise ValueError(f"a digest is 32 bytes, got {len(data)}")
    return np.frombuffer(data, dtype="<u4").astype(np.uint32)
