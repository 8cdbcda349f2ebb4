"""The Fiat-Shamir transcript: a BLAKE3 hash chain.

State. 32 bytes. Every operation replaces it with the BLAKE3 hash of the old state and
an unambiguous encoding of the operation:

    state' = BLAKE3(state || kind || u32 len(label) || label || u64 len(data) || data)

(kind: one byte per operation type; lengths little-endian). The encoding is injective,
so two transcripts are in the same state only if they saw the same operations with the
same labels and data, in the same order (up to a BLAKE3 collision). Labels separate the
uses of equal data (a trace root from a quotient root, say).

Challenges. A squeeze first ratchets the state with its label (so two squeezes never
return the same values, and everything later depends on what was squeezed), then reads
the BLAKE3 extended output (XOF) of the new state as a stream of bytes:
- BabyBear elements (p = 15*2^27 + 1 = 2013265921) by rejection sampling 32-bit
  little-endian words: a word w < 2p is kept as w mod p, larger words are skipped (6.25%
  of them). Every element has exactly two preimages among the kept words, so elements are
  exactly uniform: no bias.
- extension elements: 4 such base elements each (degree-4 extension, uniform);
- integers in [0, bound): rejection sampling of 64-bit words below the largest multiple
  of bound, again exactly uniform.
The stream is read as far as needed, so the values do not depend on batch sizes.

Proof of work. `grind(bits)` finds the least nonce (64-bit) such that
BLAKE3(pow_seed || nonce as 8 LE bytes) starts with `bits` zero bits (byte 0 first, most
significant bit first), where pow_seed = BLAKE3 of the state and `bits` (a separate
operation kind, and the state is not changed by deriving it). The nonce is then absorbed,
so that the challenges after the grinding depend on it. The search runs on the numba
BLAKE3 kernel; the verifier (`verify_pow`) recomputes one hash with the `blake3` package
and absorbs the nonce the same way.
"""

from __future__ import annotations

import blake3
import numpy as np

from .blake3_kernel import pow_words

__all__ = ["Transcript", "P", "EXT_DEGREE"]

P = 15 * (1 << 27) + 1          # BabyBear
EXT_DEGREE = 4

_DOMAIN = b"zkaot-transcript-v1"
_INIT, _BYTES, _FIELD, _ROOT, _INT, _SQUEEZE, _POW_SEED, _POW_NONCE = range(1, 9)
_FIELD_LIMIT = 2 * P            # 32-bit words below this are kept (mod p)


def _encode(kind: int, label, data: bytes) -> bytes:
    if isinstance(label, str):
        label = label.encode()
    label = bytes(label)
    return (bytes([kind]) + len(label).to_bytes(4, "little") + label
            + len(data).to_bytes(8, "little") + data)


class Transcript:
    """A Fiat-Shamir transcript; prover and verifier make the same calls in the same order.

    `protocol` names the proof system and its parameters (it is absorbed first), so that
    transcripts of different protocols never agree.
    """

    def __init__(self, protocol: bytes | str = b""):
        self._state = blake3.blake3(_DOMAIN + _encode(_INIT, b"protocol", _as_bytes(protocol))).digest()

    @property
    def state(self) -> bytes:
        """The current 32-byte state."""
        return self._state

    def copy(self) -> Transcript:
        """An independent transcript in the same state."""
        other = Transcript.__new__(Transcript)
        other._state = self._state
        return other

    def _absorb(self, kind: int, label, data: bytes) -> None:
        self._state = blake3.blake3(self._state + _encode(kind, label, data)).digest()

    # --- absorbing

    def absorb_bytes(self, label, data: bytes) -> None:
        """Absorb raw bytes."""
        self._absorb(_BYTES, label, bytes(data))

    def absorb_field(self, label, elements) -> None:
        """Absorb base or extension field elements (any shape of canonical values < p),
        serialized as little-endian u32 in row-major order."""
        values = np.asarray(elements)
        if values.size and (values.dtype.kind not in "iu" or values.min() < 0 or values.max() >= P):
            raise ValueError("field elements must be integers in [0, p)")
        self._absorb(_FIELD, label, values.astype("<u4").tobytes())

    def absorb_root(self, label, root) -> None:
        """Absorb a Merkle root (32 bytes, or its 8 uint32 words)."""
        if isinstance(root, np.ndarray):
            root = root.astype("<u4").tobytes()
        root = bytes(root)
        if len(root) != 32:
            raise ValueError(f"a Merkle root is 32 bytes, got {len(root)}")
        self._absorb(_ROOT, label, root)

    def absorb_int(self, label, value: int) -> None:
        """Absorb an unsigned 64-bit integer (sizes, parameters, public values)."""
        value = int(value)
        if not 0 <= value < 1 << 64:
            raise ValueError("absorb_int takes integers in [0, 2^64)")
        self._absorb(_INT, label, value.to_bytes(8, "little"))

    # --- squeezing

    def _stream(self, label) -> blake3.blake3:
        """Ratchet the state with `label` and return the XOF hasher of the new state."""
        self._absorb(_SQUEEZE, label, b"")
        return blake3.blake3(self._state)

    @staticmethod
    def _words(xof: blake3.blake3, dtype, offset: int, count: int) -> np.ndarray:
        size = np.dtype(dtype).itemsize
        return np.frombuffer(xof.digest(length=size * count, seek=size * offset), dtype=dtype)

    def squeeze_bytes(self, label, n: int) -> bytes:
        """n challenge bytes."""
        return self._stream(label).digest(length=n)

    def squeeze_field(self, label, count: int | None = None):
        """One base-field challenge (an int) or, with count, a uint32 array of them."""
        xof = self._stream(label)
        n = 1 if count is None else int(count)
        values = self._sample(xof, n, "<u4", _FIELD_LIMIT) % np.uint32(P)
        values = values.astype(np.uint32)
        return int(values[0]) if count is None else values

    def squeeze_ext(self, label, count: int | None = None) -> np.ndarray:
        """One extension-field challenge (4 base elements, shape (4,)) or, with count, an
        array of shape (count, 4)."""
        xof = self._stream(label)
        n = 1 if count is None else int(count)
        values = (self._sample(xof, EXT_DEGREE * n, "<u4", _FIELD_LIMIT) % np.uint32(P)).astype(np.uint32)
        return values.reshape(EXT_DEGREE) if count is None else values.reshape(n, EXT_DEGREE)

    def squeeze_indices(self, label, count: int, bound: int) -> np.ndarray:
        """count integers, uniform in [0, bound) and independent (repeats possible), as int64."""
        bound = int(bound)
        if not 1 <= bound <= 1 << 63:
            raise ValueError("bound must be in [1, 2^63]")
        limit = (1 << 64) // bound * bound
        xof = self._stream(label)
        return (self._sample(xof, int(count), "<u8", limit) % np.uint64(bound)).astype(np.int64)

    def _sample(self, xof, count: int, dtype, limit: int) -> np.ndarray:
        """The first `count` words of the XOF stream that are below `limit`."""
        kept: list[np.ndarray] = []
        have = 0
        offset = 0
        while have < count:
            batch = (count - have) + (count - have) // 8 + 8
            words = self._words(xof, dtype, offset, batch)
            offset += batch
            if limit < 1 << (8 * np.dtype(dtype).itemsize):
                words = words[words < np.asarray(limit, dtype=words.dtype)]
            kept.append(words[:count - have])
            have += kept[-1].size
        return np.concatenate(kept) if kept else np.empty(0, dtype=dtype)

    # --- proof of work

    def _pow_seed(self, bits: int) -> bytes:
        if not isinstance(bits, (int, np.integer)) or not 0 <= bits <= 64:
            raise ValueError("proof-of-work bits must be in [0, 64]")
        return blake3.blake3(self._state + _encode(_POW_SEED, b"pow", bits.to_bytes(4, "little"))).digest()

    def grind(self, bits: int) -> int:
        """Find the least nonce meeting the `bits` proof of work, absorb it, return it."""
        seed = np.frombuffer(self._pow_seed(bits), dtype="<u4")
        bits = int(bits)
        nonce = 0
        if bits:
            shift = np.uint64(64 - bits)
            batch = min(1 << 20, max(1 << 12, 1 << bits))
            start = 0
            while True:
                # pow_words reads the first 8 bytes little-endian; swap to read them
                # big-endian, so that leading zero bits are those of byte 0, then byte 1...
                head = pow_words(seed, start, batch).byteswap()
                hits = np.flatnonzero((head >> shift) == 0)
                if hits.size:
                    nonce = start + int(hits[0])
                    break
                start += batch
        self._absorb(_POW_NONCE, b"pow", bits.to_bytes(4, "little") + nonce.to_bytes(8, "little"))
        return nonce

    def verify_pow(self, bits: int, nonce: int) -> bool:
        """Whether `nonce` meets the `bits` proof of work; absorbs it (as `grind` does)."""
        seed = self._pow_seed(bits)
        bits = int(bits)
        if not isinstance(nonce, (int, np.integer)) or not 0 <= int(nonce) < 1 << 64:
            return False
        nonce = int(nonce)
        head = int.from_bytes(blake3.blake3(seed + nonce.to_bytes(8, "little")).digest()[:8], "big")
        self._absorb(_POW_NONCE, b"pow", bits.to_bytes(4, "little") + nonce.to_bytes(8, "little"))
        return head >> (64 - bits) == 0


def _as_bytes(data) -> bytes:
    return data.encode() if isinstance(data, str) else bytes(data)
