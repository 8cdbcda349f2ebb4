"""Merkle trees over the rows of a matrix, hashed with BLAKE3.

Tree. The matrix is a uint32 array of shape (n_rows, n_cols), n_rows a power of two.
Leaf i is BLAKE3 of row i serialized as 4*n_cols little-endian bytes; a parent is
BLAKE3(left || right) of its two 32-byte children. Digests are held as 8 uint32 words
(`blake3_kernel` layout) and the root is handed out as 32 bytes.

Leaves and inner nodes use the same hash without a domain tag. This is sound because
the verifier fixes the depth (from n_rows) and the leaf width (from the rows it is
given): two different openings that both reach the root give a BLAKE3 collision at
the first level where they meet, so no row can be passed off as an inner node or the
other way round.

Openings are batched. For a set of indices the proof ("paths") is the list of sibling
digests the verifier cannot compute itself, level by level from the leaves up and, within
a level, by node position: siblings shared by several indices, and nodes that another
opened index already yields, are sent once. The proof is a (m, 8) uint32 array; m
follows from the indices and n_rows (`proof_size`), so a serialized proof needs no
length fields. Repeated indices are allowed (queries are sampled with replacement):
rows come back once per requested index, and the verifier requires equal rows for
equal indices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .blake3_kernel import bytes_to_digest, digest_to_bytes, hash_pairs, hash_rows

__all__ = ["MerkleTree", "commit", "verify_batch", "proof_size", "DIGEST_BYTES"]

DIGEST_BYTES = 32


@dataclass(frozen=True, eq=False)
class MerkleTree:
    """A committed matrix with every layer of its tree, kept for openings.

    `rows` is the committed matrix itself (not a copy: do not modify it afterwards);
    `layers[0]` holds the leaf digests, `layers[-1]` the root, each an (n, 8) uint32 array.
    """

    rows: np.ndarray
    layers: tuple[np.ndarray, ...]

    @property
    def root(self) -> bytes:
        return digest_to_bytes(self.layers[-1][0])

    @property
    def n_rows(self) -> int:
        return self.rows.shape[0]

    @property
    def depth(self) -> int:
        return len(self.layers) - 1

    def open(self, indices) -> tuple[np.ndarray, np.ndarray]:
        """The rows at `indices` (in the order given) and the batched proof for them."""
        idx = _as_indices(indices)
        if idx is None or idx.size == 0 or idx.min() < 0 or idx.max() >= self.n_rows:
            raise ValueError(f"indices must be a non-empty list of ints in [0, {self.n_rows})")
        known = np.unique(idx)
        siblings = []
        for layer in self.layers[:-1]:
            sib = known ^ 1
            siblings.append(layer[sib[~np.isin(sib, known)]])
            known = np.unique(known >> 1)
        proof = np.concatenate(siblings) if siblings else np.empty((0, 8), dtype=np.uint32)
        return self.rows[idx], proof


def commit(matrix) -> MerkleTree:
    """Build the tree over the rows of `matrix` (uint32, shape (2^k, n_cols))."""
    rows = np.asarray(matrix)
    if rows.dtype != np.uint32 or rows.ndim != 2:
        raise TypeError(f"commit wants a 2-D uint32 array, got {rows.dtype} {rows.shape}")
    n_rows = rows.shape[0]
    if n_rows < 1 or n_rows & (n_rows - 1):
        raise ValueError(f"the number of rows must be a power of two, got {n_rows}")
    rows = np.ascontiguousarray(rows)
    layers = [hash_rows(rows)]
    while layers[-1].shape[0] > 1:
        layers.append(hash_pairs(layers[-1]))
    return MerkleTree(rows, tuple(layers))


def proof_size(indices, n_rows: int) -> int:
    """The number of sibling digests in the batched proof for `indices`."""
    depth = _depth(n_rows)
    idx = _as_indices(indices)
    if idx is None or idx.size == 0 or idx.min() < 0 or idx.max() >= n_rows:
        raise ValueError(f"indices must be a non-empty list of ints in [0, {n_rows})")
    known = np.unique(idx)
    m = 0
    for _ in range(depth):
        sib = known ^ 1
        m += int(np.count_nonzero(~np.isin(sib, known)))
        known = np.unique(known >> 1)
    return m


def verify_batch(root, indices, rows, paths, n_rows: int) -> bool:
    """Whether `rows` are the rows at `indices` of the matrix of n_rows rows committed to
    by `root` (32 bytes), given the batched proof `paths` from `MerkleTree.open`.

    n_rows is the verifier's own knowledge (it fixes the depth). Anything malformed in
    the prover's part (root, indices, rows, paths) gives False, not an exception.
    """
    depth = _depth(n_rows)
    try:
        root_words = bytes_to_digest(bytes(root))
    except (TypeError, ValueError):
        return False
    idx = _as_indices(indices)
    rows = np.asarray(rows)
    paths = np.asarray(paths)
    if idx is None or idx.size == 0 or idx.min() < 0 or idx.max() >= n_rows:
        return False
    if rows.dtype != np.uint32 or rows.ndim != 2 or rows.shape[0] != idx.size:
        return False
    if paths.dtype != np.uint32 or paths.ndim != 2 or paths.shape[1] != 8:
        return False

    # one leaf per distinct index; a repeated index must come with the same row each time
    known, first, inverse = np.unique(idx, return_index=True, return_inverse=True)
    if not np.array_equal(rows, rows[first[inverse]]):
        return False
    digests = hash_rows(rows[first])

    used = 0
    for _ in range(depth):
        sib = known ^ 1
        missing = sib[~np.isin(sib, known)]
        if used + missing.size > paths.shape[0]:
            return False
        ids = np.concatenate([known, missing])
        nodes = np.concatenate([digests, paths[used:used + missing.size]])
        used += missing.size
        order = np.argsort(ids, kind="stable")
        # every parent now has both children, adjacent after sorting (left, right)
        digests = hash_pairs(nodes[order])
        known = ids[order][0::2] >> 1
    if used != paths.shape[0]:
        return False
    return known.size == 1 and bool(np.array_equal(digests[0], root_words))


def _depth(n_rows: int) -> int:
    n_rows = int(n_rows)
    if n_rows < 1 or n_rows & (n_rows - 1):
        raise ValueError(f"the number of rows must be a power of two, got {n_rows}")
    return n_rows.bit_length() - 1


def _as_indices(indices) -> np.ndarray | None:
    """indices as a 1-D int64 array, or None if they are not integers."""
    idx = np.asarray(indices)
    if idx.ndim == 0:
        idx = idx.reshape(1)
    if idx.ndim != 1 or (idx.size and idx.dtype.kind not in "iu"):
        return None
    if idx.dtype == np.uint64 and idx.size and idx.max() > np.iinfo(np.int64).max:
        return None
    return idx.astype(np.int64)
