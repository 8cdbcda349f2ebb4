"""Which profile a guest binary is for (`--profile auto`), and loading it under that profile.

The ELF is read once without a memory map (every segment accepted), each profile says
whether and why the program is its own, and the ELF is then loaded again under the
chosen profile's map, which checks the segments against it.
"""
from __future__ import annotations

import os
from pathlib import Path
from dataclasses import dataclass
from typing import Sequence

from runtime.memory_map import MemoryMap
from runtime.profiles import PROFILES, VENDOR_TEXT, Profile
from translator.elf import ElfError, Program, load_elf

AUTO = "auto"
_ANYWHERE = MemoryMap(ram_base=0, ram_size=1 << 64, stack_size=None, input_base=None)


class NoProfile(ElfError):
    """No profile accepts the binary; str() says what was recognised and why it was refused."""


@dataclass(frozen=True)
class Guest:
    program: Program
    profile: Profile
    why: str            # the reason the profile was chosen ("--profile sp1" when named)


def load_guest(source: str | os.PathLike | bytes | Program, profile: str = AUTO, name: str | None = None) -> Guest:
    """Load a guest under the named profile, or under the one that recognises it (a Program
    is loaded again from the file it names)."""
    if isinstance(source, Program):
        source, name = Path(source.name), source.name
    loose = load_elf(source, _ANYWHERE, name)
    if profile != AUTO:
        chosen = PROFILES[profile]
        _check_width(loose, chosen)
        return Guest(load_elf(source, chosen.maps[loose.xlen], name), chosen, f"--profile {profile}")
    for candidate in PROFILES.values():
        why = candidate.recognise(loose)
        if why:
            _check_width(loose, candidate)
            return Guest(load_elf(source, candidate.maps[loose.xlen], name), candidate, why)
    raise NoProfile(f"{loose.name}: {_refusal(loose, source, name)}")


def _check_width(program: Program, profile: Profile) -> None:
    if program.xlen not in profile.xlens:
        raise ElfError(f"{program.name}: an rv{program.xlen} ELF, and the {profile.name} profile runs "
                       f"rv{' and rv'.join(map(str, profile.xlens))} guests")


def _refusal(program: Program, source, name: str | None) -> str:
    """What the binary looks like, and why no profile took it (for one that is not
    vendor-like: why the zkaot profile's loader refuses it)."""
    text = min((s.vaddr for s in program.segments if s.executable), default=0)
    if text == VENDOR_TEXT:
        return (f"rv{program.xlen} text at 0x{text:x}, where SP1, Pico, RISC Zero and OpenVM link their "
                f"guests, and no symbol names the vendor: choose one with --profile "
                f"({', '.join(PROFILES)})")
    try:
        load_elf(source, PROFILES["zkaot"].maps[program.xlen], name)
    except ElfError as e:
        return f"no profile recognises it (rv{program.xlen}, segments at {_spans(program.segments)}); " \
               f"as a zkaot guest: {str(e).removeprefix(program.name + ': ')}"
    raise AssertionError("a guest that loads under the zkaot profile is recognised by it")


def _spans(segments: Sequence) -> str:
    return ", ".join(f"[0x{s.vaddr:x}, 0x{s.end:x})" for s in segments[:3]) + (" ..." if len(segments) > 3 else "")


def frames_for(profile: Profile, frames: Sequence[bytes]) -> tuple[bytes, tuple[bytes, ...]]:
    """The input region's bytes and the frames the calls hand out: the zkaot profile reads one
    frame from its input region, the others read every frame through calls."""
    if profile.input_region:
        if len(frames) > 1:
            raise ValueError(f"the {profile.name} profile reads one input (its input region), "
                             f"not {len(frames)} frames")
        return (frames[0] if frames else b""), ()
    return b"", tuple(frames)
