"""Which profile a guest binary is for (`--profile auto`), and loading it under that profile.

The zkaot loader is asked first, so zkaot guests load as they always did and a binary no
profile takes is refused with the zkaot loader's own reason.  A binary it refuses is read
again without a memory map (every segment accepted), each vendor profile says whether and
why it is its own, and it is loaded once more under that profile's map, which checks the
segments against it.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from runtime.memory_map import MemoryMap
from runtime.profiles import PROFILES, VENDOR_TEXT, Profile
from translator.elf import ElfError, Program, Segment, load_elf, read_elf
from translator.fp_sites import uses_float, with_library
from translator.r0bf import is_container, read_container

AUTO = "auto"
ELF_MAGIC = b"\x7fELF"
_ANYWHERE = MemoryMap(ram_base=0, ram_size=1 << 64, stack_size=None, input_base=None)


class NoProfile(ElfError):
    """No profile accepts the binary; str() says what was recognised and why it was refused."""


@dataclass(frozen=True)
class Guest:
    program: Program
    profile: Profile
    why: str            # the reason the profile was chosen ("--profile sp1" when named)
    data: bytes         # the ELF file, read once (its DWARF is read for profiles)

    def __post_init__(self) -> None:
        """The program is cut in 2-byte slots when its profile takes the C extension."""
        if self.program.compressed != self.profile.compressed:
            object.__setattr__(self, "program", dataclasses.replace(self.program, compressed=self.profile.compressed))


def load_guest(source: str | os.PathLike | bytes | Program, profile: str = AUTO, name: str | None = None) -> Guest:
    """Load a guest under the named profile, or under the one that recognises it (a Program
    is loaded again from the file it names)."""
    if isinstance(source, Program):
        source, name = Path(source.name), source.name
    if not isinstance(source, (bytes, bytearray, memoryview)):
        name = name or os.fsdecode(source)
        source = read_elf(source, name)             # the loaders below parse it, the file is read once
    source = bytes(source)
    if is_container(source):
        return _container_guest(source, name or "<bytes>", profile)
    if profile != AUTO and PROFILES[profile].raw_base is not None:
        return _raw_guest(source, name or "<bytes>", PROFILES[profile])
    if profile != AUTO:
        chosen = PROFILES[profile]
        maps = set(chosen.maps.values())
        xlen = load_elf(source, _ANYWHERE, name, True).xlen if len(maps) > 1 else None   # the map depends on it
        program = load_elf(source, chosen.maps[xlen] if xlen else maps.pop(), name, chosen.compressed)
        _check_width(program, chosen)
        return _guest(program, chosen, f"--profile {profile}", source)
    zkaot = PROFILES["zkaot"]
    try:
        program = load_elf(source, zkaot.maps[64], name)        # the zkaot map is one for both widths
        return Guest(program, zkaot, zkaot.recognise(program), source)
    except ElfError as refused:
        return _vendor_guest(source, name, refused)


def _guest(program: Program, profile: Profile, why: str, source: bytes) -> Guest:
    """The guest, with the soft-float library in its image when the profile lowers F/D and the
    program uses it."""
    placements = profile.calls[program.xlen].float_lowering
    if placements and uses_float(program, profile.compressed):
        program = with_library(program, placements)
    return Guest(program, profile, why, source)


def _container_guest(source: bytes, name: str, profile: str) -> Guest:
    """RISC Zero's R0BF container: its user ELF, under the risc0 profile (which does the
    kernel's work itself)."""
    if profile not in (AUTO, "risc0"):
        raise ElfError(f"{name}: an R0BF container holds a RISC Zero program: run it with --profile risc0 (or auto)")
    container = read_container(source, name)
    risc0 = PROFILES["risc0"]
    program = load_elf(container.user_elf, risc0.maps[32], name)
    _check_width(program, risc0)
    why = "--profile risc0" if profile != AUTO else \
        f"an R0BF container ({container.abi}): its user ELF runs, the kernel ELF does not"
    return Guest(program, risc0, why, container.user_elf)


def _raw_guest(source: bytes, name: str, profile: Profile) -> Guest:
    """A raw binary: one read-only, executable segment at the profile's base, entered there,
    with every register zero (Airbender's app.bin)."""
    if source.startswith(ELF_MAGIC):
        raise ElfError(f"{name}: an ELF file, and the {profile.name} profile runs the raw binary (app.bin; "
                       f"the ELF beside it has no text)")
    if not source:
        raise ElfError(f"{name}: an empty file, not a {profile.name} program")
    (xlen,) = profile.xlens
    image = source.ljust(-(-len(source) // 4) * 4, b"\0")
    segment = Segment(profile.raw_base, image, True, False, True)
    halts = profile.calls[xlen].self_loop is not None
    program = Program(name, xlen, profile.raw_base, (segment,), {}, (), hashlib.sha256(source).hexdigest(), halts)
    return Guest(program, profile, f"--profile {profile.name}", source)


def _vendor_guest(source, name: str | None, refused: ElfError) -> Guest:
    """The guest of the vendor profile that recognises a binary the zkaot loader refused;
    else one line: vendor-like text without a vendor symbol, or the zkaot loader's reason."""
    try:
        loose = load_elf(source, _ANYWHERE, name, compressed=True)
    except ElfError:
        raise refused from None
    for candidate in list(PROFILES.values())[1:]:
        why = candidate.recognise(loose)
        if why:
            _check_width(loose, candidate)
            return _guest(load_elf(source, candidate.maps[loose.xlen], name, candidate.compressed), candidate, why,
                          source)
    text = min((s.vaddr for s in loose.segments if s.executable), default=0)
    if text == VENDOR_TEXT:
        raise NoProfile(f"{loose.name}: rv{loose.xlen} text at 0x{text:x}, where SP1, Pico, RISC Zero and "
                        f"OpenVM link their guests, and no symbol names the vendor: choose one with --profile "
                        f"({', '.join(PROFILES)})")
    raise refused


def _check_width(program: Program, profile: Profile) -> None:
    if program.xlen not in profile.xlens:
        raise ElfError(f"{program.name}: an rv{program.xlen} ELF, and the {profile.name} profile runs "
                       f"rv{' and rv'.join(map(str, profile.xlens))} guests")


def frames_for(profile: Profile, frames: Sequence[bytes]) -> tuple[bytes, tuple[bytes, ...]]:
    """The input region's bytes and the frames the calls hand out: the zkaot profile reads one
    frame from its input region, the others read every frame through calls."""
    if profile.pack_input:
        return profile.pack_input(frames), ()
    if profile.input_region:
        if len(frames) > 1:
            raise ValueError(f"the {profile.name} profile reads one input (its input region), "
                             f"not {len(frames)} frames")
        return (frames[0] if frames else b""), ()
    return b"", tuple(frames)
