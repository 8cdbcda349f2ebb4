"""Proofs to bytes and back: a small, strict binary codec for trees of dataclasses.

Why not pickle: a verifier decodes bytes an adversary chose, and unpickling runs code.
Why not a general format (msgpack, npz): the proof's shape is fixed by its dataclass
declarations, so the encoding need not describe it; the decoder walks the same
declarations and reads exactly what they say, and anything else (a short buffer, trailing
bytes, an unknown dtype, a size beyond the limit) is a `ProofFormatError` naming the field.

Encoding (little-endian throughout), by declared type:
- int: u64;  bytes: u32 length + bytes;
- numpy array: u8 dtype code, u8 ndim, u32 per dimension, then the raw elements;
- list[T]: u32 count, then each T;
- a dataclass: its fields in declaration order.
The whole is `MAGIC`, a u16 format version, then the root dataclass.
"""
from __future__ import annotations

import dataclasses
import struct
import typing

import numpy as np

MAGIC = b"ZKAOTPRF"
MAX_BYTES = 1 << 30             # no proof is near this: a bound that keeps a hostile size harmless
_DTYPES = {1: np.dtype("<u4"), 2: np.dtype("<u8"), 3: np.dtype("<i8"), 4: np.dtype("u1")}
_CODES = {dt: code for code, dt in _DTYPES.items()}


class ProofFormatError(ValueError):
    """The bytes are not a proof of the expected version and shape."""


def encode(root, version: int) -> bytes:
    out = [MAGIC, struct.pack("<H", version)]
    _encode(root, type(root), out)
    return b"".join(out)


def decode(data: bytes, cls, version: int):
    data = memoryview(bytes(data))
    if len(data) > MAX_BYTES:
        raise ProofFormatError(f"proof of {len(data):,} bytes is over the {MAX_BYTES:,}-byte limit")
    if bytes(data[:len(MAGIC)]) != MAGIC:
        raise ProofFormatError("not a zkaot proof (bad magic bytes)")
    reader = _Reader(data, len(MAGIC))
    found = reader.unpack("<H", "version")[0]
    if found != version:
        raise ProofFormatError(f"proof format version {found}, this verifier reads version {version}")
    value = _decode(cls, reader, cls.__name__)
    if reader.pos != len(data):
        raise ProofFormatError(f"{len(data) - reader.pos} trailing bytes after the proof")
    return value


def _encode(value, tp, out: list) -> None:
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        for f in dataclasses.fields(tp):
            _encode(getattr(value, f.name), hints[f.name], out)
    elif origin is list:
        (item,) = typing.get_args(tp)
        out.append(struct.pack("<I", len(value)))
        for v in value:
            _encode(v, item, out)
    elif tp is np.ndarray:
        array = np.asarray(value)
        dtype = array.dtype.newbyteorder("<") if array.dtype.byteorder == ">" else array.dtype
        code = _CODES.get(np.dtype(dtype))
        if code is None:
            raise TypeError(f"the codec stores uint8/uint32/uint64/int64 arrays, not {array.dtype}")
        out.append(struct.pack("<BB", code, array.ndim) + struct.pack(f"<{array.ndim}I", *array.shape))
        out.append(np.ascontiguousarray(array, dtype=_DTYPES[code]).tobytes())
    elif tp is int:
        out.append(struct.pack("<Q", int(value)))
    elif tp is bytes:
        out.append(struct.pack("<I", len(value)) + bytes(value))
    else:
        raise TypeError(f"the codec has no encoding for {tp}")


class _Reader:
    def __init__(self, data: memoryview, pos: int):
        self.data, self.pos = data, pos

    def take(self, n: int, what: str) -> memoryview:
        if n < 0 or self.pos + n > len(self.data):
            raise ProofFormatError(f"proof ends inside {what}")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def unpack(self, fmt: str, what: str) -> tuple:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt), what))


def _decode(tp, reader: _Reader, where: str):
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        return tp(**{f.name: _decode(hints[f.name], reader, f"{where}.{f.name}") for f in dataclasses.fields(tp)})
    if origin is list:
        (item,) = typing.get_args(tp)
        (count,) = reader.unpack("<I", where)
        if count > len(reader.data) - reader.pos:      # every item takes at least one byte
            raise ProofFormatError(f"{where}: {count:,} items cannot fit in the proof")
        return [_decode(item, reader, f"{where}[{i}]") for i in range(count)]
    if tp is np.ndarray:
        code, ndim = reader.unpack("<BB", where)
        if code not in _DTYPES or ndim > 4:
            raise ProofFormatError(f"{where}: bad array header (dtype code {code}, {ndim} dimensions)")
        shape = reader.unpack(f"<{ndim}I", where)
        dtype = _DTYPES[code]
        size = dtype.itemsize * int(np.prod(shape, dtype=np.int64))
        raw = reader.take(size, where)
        return np.frombuffer(raw, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))
    if tp is int:
        return reader.unpack("<Q", where)[0]
    if tp is bytes:
        (n,) = reader.unpack("<I", where)
        return bytes(reader.take(n, where))
    raise TypeError(f"the codec has no decoding for {tp}")
