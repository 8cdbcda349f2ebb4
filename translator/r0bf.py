"""RISC Zero's program container, R0BF (risc0/risc0 `risc0/binfmt/src/elf.rs`, ProgramBinary):
the user ELF and the kernel ELF that runs it, in one file.

Layout: b"R0BF", a u32 LE format version (1), a u32 LE header length and the header (a u32
count of key-value pairs, each a u32 length and a postcard value; the one zkaot reads is
AbiVersion(kind, semver string)), a u32 LE user ELF length and the user ELF, then the kernel
ELF to the end of the file.  zkaot runs the user ELF and does the kernel's work itself
(runtime/risc0.py); the kernel ELF is only checked to be an ELF.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

from translator.elf import ELF_MAGIC, ElfError

MAGIC = b"R0BF"
FORMAT_VERSION = 1
ABI_KINDS = {0: "V1Compat", 1: "Linux"}


@dataclass(frozen=True)
class Container:
    user_elf: bytes
    kernel_elf: bytes
    abi: str            # e.g. "V1Compat 1.0.0"


def is_container(data: bytes) -> bool:
    return data[:4] == MAGIC


class _Reader:
    def __init__(self, data: bytes, name: str):
        self.data, self.pos, self.name = data, 0, name

    def take(self, n: int, what: str) -> bytes:
        if n > len(self.data) - self.pos:
            raise ElfError(f"{self.name}: R0BF container ends inside its {what}")
        piece = self.data[self.pos:self.pos + n]
        self.pos += n
        return piece

    def u32(self, what: str) -> int:
        return struct.unpack("<I", self.take(4, what))[0]

    def varint(self, what: str) -> int:
        value = 0
        for shift in range(0, 35, 7):
            byte = self.take(1, what)[0]
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return value
        raise ElfError(f"{self.name}: R0BF container has a malformed {what}")


def _abi(header: bytes, name: str) -> str:
    """The AbiVersion attribute of the header (entries zkaot cannot decode are skipped, as
    the vendor skips them)."""
    reader = _Reader(header, name)
    found = []
    for _ in range(reader.u32("header")):
        entry = _Reader(reader.take(reader.u32("header entry"), "header entry"), name)
        try:
            if entry.varint("attribute") != 0:
                continue
            kind = entry.varint("ABI kind")
            version = entry.take(entry.varint("ABI version"), "ABI version").decode("utf-8")
        except (ElfError, UnicodeDecodeError):
            continue
        found.append(f"{ABI_KINDS.get(kind, f'kind {kind}')} {version}")
    if reader.pos != len(header):
        raise ElfError(f"{name}: R0BF container header has trailing bytes")
    if len(found) != 1:
        raise ElfError(f"{name}: R0BF container header has {len(found)} ABI versions, not one")
    return found[0]


def read_container(data: bytes, name: str) -> Container:
    """The container's parts; ElfError in one line when it is malformed or not a V1Compat program."""
    reader = _Reader(data, name)
    if reader.take(4, "magic") != MAGIC:
        raise ElfError(f"{name}: not an R0BF container")
    version = reader.u32("format version")
    if version != FORMAT_VERSION:
        raise ElfError(f"{name}: R0BF container format version {version}, zkaot reads version {FORMAT_VERSION}")
    abi = _abi(reader.take(reader.u32("header length"), "header"), name)
    user = reader.take(reader.u32("user ELF length"), "user ELF")
    kernel = data[reader.pos:]
    if not user or not kernel:
        raise ElfError(f"{name}: R0BF container without a {'user' if not user else 'kernel'} ELF")
    if not abi.startswith("V1Compat "):
        raise ElfError(f"{name}: R0BF container for the {abi} ABI: the risc0 profile runs V1Compat programs")
    for part, elf in (("user", user), ("kernel", kernel)):
        if elf[:4] != ELF_MAGIC:
            raise ElfError(f"{name}: the {part} part of the R0BF container is not an ELF")
    return Container(user, kernel, abi)


def encode_container(user_elf: bytes, kernel_elf: bytes, version: str = "1.0.0") -> bytes:
    """A container as risc0's ProgramBinary::encode writes it (for tests and test guests)."""
    attribute = bytes([0, 0, len(version)]) + version.encode()        # AbiVersion(V1Compat, version)
    header = struct.pack("<II", 1, len(attribute)) + attribute
    return MAGIC + struct.pack("<II", FORMAT_VERSION, len(header)) + header + \
        struct.pack("<I", len(user_elf)) + user_elf + kernel_elf
