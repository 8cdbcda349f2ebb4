"""A program's segment keys, verifying and proving, cached on disk by program ID.

Rebuilding a segment's verifying key from the program's commitment declares every
table's AIR, compiles its constraints and commits the fixed tables that do not depend
on the program: 2 s per key in a fresh process on a busy machine, most of a one-segment
verification.  Loading it back takes 30-60 ms (the key with the precompile tables, 11
MB, about 1 s).  So the first verification of a program writes its keys, and later
ones (and the verification `zkaot prove` runs on its own proof) read them.

Proving keys (`cached_proving_keys`) are cached the same way, for the same reason
multiplied by the workers: building the two default segment keys took 10 s in one
process, loading one (23 MB, its fixed columns' LDEs and Merkle trees) 20 ms, so the
process that hands segments to workers builds each key once and every worker, local or a
Dask worker that sees the same cache directory, loads it (`segment_jobs.py`).

Files: <cache root>/keys/<prover digest>/<program ID>-<kind>[-precompiles][-proving].pickle, the
cache root being the one the JIT uses (`runtime.files.default_cache_dir`: $ZKAOT_CACHE,
default ~/.cache/zkaot); each written whole or not at all (`runtime.files.write_atomic`),
so concurrent verifiers share them safely.  The prover digest hashes the prover's
sources: a key made by other code is never read.  Only keys at the default parameters
and memory map are cached (the only ones a proof file is verified with).  The files are
pickles: like the JIT's and numba's caches, the directory must be writable only by the
user who verifies.  A file that does not load, or holds another program's key, is
rebuilt and replaced; a cache that cannot be written is skipped.
"""
from __future__ import annotations

import hashlib
import pickle
from functools import cache
from pathlib import Path

from runtime.files import default_cache_dir, write_atomic
from runtime.program_image import ProgramImage

from ..stark import ProvingKey, StarkParameters, VerifyingKey
from .segments import SegmentKeys, segment_key, segment_verifying_key

_PROVER = Path(__file__).resolve().parent.parent


@cache
def prover_digest() -> str:
    """A hash of the prover's sources, which the keys' AIRs and constraints come from."""
    digest = hashlib.sha256()
    for path in sorted(_PROVER.rglob("*.py")):
        digest.update(path.relative_to(_PROVER).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def key_path(cache_dir: Path, program_id: str, kind: str, precompiles: bool, proving: bool = False) -> Path:
    """Where the verifying (or proving) key of a program's segments of `kind` is cached."""
    name = f"{program_id}-{kind}{'-precompiles' if precompiles else ''}{'-proving' if proving else ''}.pickle"
    return Path(cache_dir) / "keys" / prover_digest() / name


def cached_verifying_keys(commitment, cache_dir: Path | None = None) -> SegmentKeys:
    """`segments.segment_verifying_keys(commitment)` at the default parameters, each key
    read from the cache under `cache_dir` (default: the JIT's cache root) when it is
    there, and built and written there when it is not."""
    root = Path(cache_dir or default_cache_dir())

    def make(kind: str, precompiles: bool) -> VerifyingKey:
        path = key_path(root, commitment.id, kind, precompiles)
        vk = _load(path, commitment)
        if vk is None:
            vk = segment_verifying_key(commitment, kind, StarkParameters(), precompiles=precompiles)
            _store(path, vk)
        return vk

    return SegmentKeys(make)


def cached_proving_keys(program: ProgramImage, commitment, cache_dir: Path | None = None) -> SegmentKeys:
    """`segments.segment_keys(program)` at the default parameters, each key read from the
    cache under `cache_dir` when it is there, else built and written there.  `commitment`
    is the program's `rom.ProgramCommitment` (its ID names the files; its roots check a
    key read back)."""
    root = Path(cache_dir or default_cache_dir())

    def make(kind: str, precompiles: bool) -> ProvingKey:
        path = key_path(root, commitment.id, kind, precompiles, proving=True)
        key = _load(path, commitment, ProvingKey)
        if key is None:
            key = segment_key(program, kind, StarkParameters(), precompiles=precompiles)
            _store(path, key)
        return key

    return SegmentKeys(make)


def _load(path: Path, commitment, kind: type = VerifyingKey):
    """The key of type `kind` in `path` if it is one of this program's at the default parameters."""
    try:
        key = pickle.loads(path.read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None
    if not isinstance(key, kind):
        return None
    vk = getattr(key, "verifying_key", key)
    if vk.params != StarkParameters():
        return None
    tables = {t.air.name: t for t in vk.tables}
    for name, (log_rows, root) in commitment.fixed_roots().items():
        t = tables.get(name)
        if t is not None and (t.fixed_log_rows, t.fixed_root) != (log_rows, root):
            return None
    return key


def _store(path: Path, key) -> None:
    """Write the key; a cache that cannot be written only makes the next user rebuild it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, pickle.dumps(key, protocol=pickle.HIGHEST_PROTOCOL))
    except OSError:
        pass
