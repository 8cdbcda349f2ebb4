"""The numba BLAKE3 kernel against the `blake3` package, and Merkle commitments."""

import blake3
import numpy as np
import pytest

from prover import blake3_kernel as bk
from prover.merkle import commit, proof_size, verify_batch


def oracle(data: bytes) -> bytes:
    return blake3.blake3(data).digest()


def row_bytes(row) -> bytes:
    return np.asarray(row, dtype="<u4").tobytes()


def random_matrix(n_rows, n_cols, seed=0):
    return np.random.default_rng(seed).integers(0, 2**32, size=(n_rows, n_cols), dtype=np.uint32)


def flip(array, index, bit):
    out = array.copy()
    out[index] ^= out.dtype.type(1 << bit)
    return out


# --- the kernel


def test_compress_of_one_block_message_is_its_blake3_hash():
    """A message of at most 64 bytes is one compression with CHUNK_START|CHUNK_END|ROOT."""
    rng = np.random.default_rng(1)
    for n_bytes in (0, 1, 4, 40, 63, 64):
        msg = rng.integers(0, 256, size=n_bytes, dtype=np.uint8).tobytes()
        block = np.frombuffer(msg.ljust(64, b"\0"), dtype="<u4")
        out = bk.compress(bk.IV, block, 0, n_bytes, bk.CHUNK_START | bk.CHUNK_END | bk.ROOT)
        assert bk.digest_to_bytes(out) == oracle(msg)


@pytest.mark.parametrize("n_cols", [0, 1, 7, 8, 15, 16, 17, 60, 255, 256, 257, 512, 768,
                                    1024, 1280, 1536, 1792, 2048, 2305, 4352])
def test_hash_rows_equals_blake3_of_the_row_bytes(n_cols):
    """Every width: one block, several blocks, and 1 to 17 chunks (the chunk-tree merges)."""
    data = random_matrix(3, n_cols, seed=n_cols)
    digests = bk.hash_rows(data)
    assert [bk.digest_to_bytes(d) for d in digests] == [oracle(row_bytes(r)) for r in data]


def test_hash_rows_handles_partial_batches_and_strided_input():
    """Row counts that are not a multiple of the lane batch, and a non-contiguous view."""
    data = random_matrix(2 * bk._LANES + 37, 24, seed=5)[:, 3:19]
    digests = bk.hash_rows(data)
    for i in (0, 1, bk._LANES - 1, bk._LANES, 2 * bk._LANES, data.shape[0] - 1):
        assert bk.digest_to_bytes(digests[i]) == oracle(row_bytes(data[i]))


def test_hash_rows_gives_the_same_digests_on_one_thread_and_two():
    """Splitting a large batch over threads must not change any digest."""
    data = random_matrix(bk._PARALLEL_MIN_ROWS + 3 * bk._LANES + 5, 8, seed=6)
    assert np.array_equal(bk.hash_rows(data, threads=1), bk.hash_rows(data, threads=2))


def test_hash_pairs_is_blake3_of_the_two_children():
    """Merkle parents: BLAKE3 of the 64 bytes left || right."""
    children = random_matrix(10, 8, seed=7)
    parents = bk.hash_pairs(children)
    for i in range(5):
        assert bk.digest_to_bytes(parents[i]) == oracle(row_bytes(children[2 * i]) + row_bytes(children[2 * i + 1]))


def test_pow_words_are_the_first_8_bytes_of_blake3_of_seed_and_nonce():
    """Nonces straddling 2^32 check that both nonce words are encoded."""
    seed = random_matrix(1, 8, seed=8)[0]
    start = (1 << 32) - 3
    words = bk.pow_words(seed, start, 6)
    for k in range(6):
        digest = oracle(row_bytes(seed) + (start + k).to_bytes(8, "little"))
        assert int(words[k]) == int.from_bytes(digest[:8], "little")


# --- trees


def python_root(matrix) -> bytes:
    layer = [oracle(row_bytes(r)) for r in matrix]
    while len(layer) > 1:
        layer = [oracle(layer[i] + layer[i + 1]) for i in range(0, len(layer), 2)]
    return layer[0]


@pytest.mark.parametrize("n_rows,n_cols", [(1, 5), (2, 8), (64, 5), (256, 16)])
def test_root_equals_a_tree_hashed_node_by_node_with_the_blake3_package(n_rows, n_cols):
    """The root is fixed by the spec: leaves hash the rows, parents hash left || right."""
    matrix = random_matrix(n_rows, n_cols, seed=n_rows)
    assert commit(matrix).root == python_root(matrix)


def test_commit_rejects_a_row_count_that_is_not_a_power_of_two():
    """The tree shape assumes 2^k leaves."""
    with pytest.raises(ValueError):
        commit(random_matrix(12, 4))


def test_commit_rejects_matrices_that_are_not_uint32():
    """Rows are serialized as u32 words; other dtypes would hash something else."""
    with pytest.raises(TypeError):
        commit(np.zeros((8, 4), dtype=np.int64))


@pytest.mark.parametrize("n_rows", [1, 2, 8, 1024])
def test_honest_openings_verify(n_rows):
    """Random query sets, repeats included, verify against the root."""
    tree = commit(random_matrix(n_rows, 6, seed=n_rows))
    rng = np.random.default_rng(n_rows)
    for count in (1, 3, 20):
        indices = rng.integers(0, n_rows, size=count)
        rows, paths = tree.open(indices)
        assert np.array_equal(rows, tree.rows[indices])
        assert paths.shape == (proof_size(indices, n_rows), 8)
        assert verify_batch(tree.root, indices, rows, paths, n_rows)


def test_batched_proof_sends_shared_siblings_once():
    """Siblings are deduplicated: a sibling pair needs nothing at the leaf level, all
    leaves need nothing at all, one leaf needs a full path."""
    tree = commit(random_matrix(16, 3))
    assert tree.open([5])[1].shape[0] == 4
    assert tree.open([4, 5])[1].shape[0] == 3
    assert tree.open([0, 1, 2, 3])[1].shape[0] == 2
    assert tree.open(list(range(16)))[1].shape[0] == 0
    assert tree.open([6, 6, 6])[1].shape[0] == 4


@pytest.fixture(scope="module")
def opening():
    tree = commit(random_matrix(256, 5, seed=9))
    indices = np.array([3, 200, 77, 3, 78])
    rows, paths = tree.open(indices)
    return tree.root, indices, rows, paths, 256


def test_verify_rejects_a_flipped_bit_in_any_row_value(opening):
    """Every opened value, low, middle and high bit."""
    root, indices, rows, paths, n = opening
    for r in range(rows.shape[0]):
        for c in range(rows.shape[1]):
            for bit in (0, 13, 31):
                assert not verify_batch(root, indices, flip(rows, (r, c), bit), paths, n)


def test_verify_rejects_a_flipped_bit_in_any_path_node(opening):
    """Every word of every sibling digest, and every bit of one of them."""
    root, indices, rows, paths, n = opening
    rng = np.random.default_rng(10)
    for node in range(paths.shape[0]):
        for word in range(8):
            bit = int(rng.integers(0, 32))
            assert not verify_batch(root, indices, rows, flip(paths, (node, word), bit), n)
    for word in range(8):
        for bit in range(32):
            assert not verify_batch(root, indices, rows, flip(paths, (0, word), bit), n)


def test_verify_rejects_a_wrong_index(opening):
    """Claiming a row sits at another position, or swapping two positions."""
    root, indices, rows, paths, n = opening
    for k in range(indices.size):
        for wrong in (indices[k] ^ 1, (indices[k] + 2) % n, n - 1 - indices[k]):
            moved = indices.copy()
            moved[k] = wrong
            assert not verify_batch(root, moved, rows, paths, n)
    swapped = indices[[1, 0, 2, 3, 4]]
    assert not verify_batch(root, swapped, rows, paths, n)


def test_verify_rejects_a_wrong_root(opening):
    """Any bit of the root, and the root of another matrix."""
    root, indices, rows, paths, n = opening
    for bit in range(256):
        bad = bytearray(root)
        bad[bit // 8] ^= 1 << (bit % 8)
        assert not verify_batch(bytes(bad), indices, rows, paths, n)
    assert not verify_batch(commit(random_matrix(256, 5, seed=99)).root, indices, rows, paths, n)


def test_verify_rejects_a_path_of_the_wrong_length(opening):
    """Too few or too many siblings, or a depth the verifier does not expect."""
    root, indices, rows, paths, n = opening
    for bad in (paths[:-1], paths[1:], np.concatenate([paths, paths[:1]]),
                np.concatenate([paths[:1], paths]), paths[:0]):
        assert not verify_batch(root, indices, rows, bad, n)
    assert not verify_batch(root, indices, rows, paths, n // 2)
    assert not verify_batch(root, indices, rows, paths, n * 2)


def test_verify_rejects_two_different_rows_for_a_repeated_index(opening):
    """A repeated query must get the same row each time, even if one copy is honest."""
    root, indices, rows, paths, n = opening
    assert indices[0] == indices[3]
    assert not verify_batch(root, indices, flip(rows, (3, 0), 0), paths, n)


def test_verify_returns_false_on_malformed_proof_data(opening):
    """The prover's data can be anything: a clean False, never an exception."""
    root, indices, rows, paths, n = opening
    assert not verify_batch(root[:31], indices, rows, paths, n)
    assert not verify_batch(root, indices[:4], rows, paths, n)
    assert not verify_batch(root, np.append(indices[:4], n), rows, paths, n)
    assert not verify_batch(root, np.append(indices[:4], -1), rows, paths, n)
    assert not verify_batch(root, indices.astype(float), rows, paths, n)
    assert not verify_batch(root, [], rows[:0], paths, n)
    assert not verify_batch(root, indices, rows.astype(np.int64), paths, n)
    assert not verify_batch(root, indices, rows[:, :4], paths, n)
    assert not verify_batch(root, indices, rows, paths[:, :7], n)
    assert not verify_batch(root, indices, rows, paths.reshape(-1), n)
