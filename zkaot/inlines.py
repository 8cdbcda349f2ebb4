"""Which inlined calls each code word came from, read from DWARF (`zkaot build --debug` keeps it).

At -O2 a guest's helpers are inlined into their callers, so a profile by function
symbol puts everything in `main`.  Each DW_TAG_inlined_subroutine entry says which
addresses came from an inlined call of which function, nested inside the entries
of the calls it was inlined into; this module turns them into a context per code
word: the chain of inlined functions, outermost first.
"""
import io
from dataclasses import dataclass

import numpy as np
from elftools.common.exceptions import ELFError
from elftools.dwarf.ranges import BaseAddressEntry
from elftools.elf.elffile import ELFFile


@dataclass
class InlineMap:
    """context[i]: the chain (chains[context[i]], outermost first) that code word i came from; 0: none."""
    base: int
    context: np.ndarray
    chains: list[tuple[str, ...]]


def inline_map(elf_bytes: bytes, base: int, words: int, shift: int = 2) -> InlineMap | None:
    """The inline contexts of the code span [base, base + (words << shift)) in slots of 1 << shift bytes
    (2: the C extension's), or None without DWARF."""
    try:
        elf = ELFFile(io.BytesIO(elf_bytes))
        if not elf.has_dwarf_info() or elf.get_section_by_name(".debug_info") is None:
            return None
        dwarf = elf.get_dwarf_info()
        spans = [span for cu in dwarf.iter_CUs() for span in _inlined_spans(dwarf, cu)]
    except (ELFError, KeyError, ValueError, AttributeError, IndexError):
        return None                          # DWARF we cannot read is treated as none
    context = np.zeros(words, np.int32)
    chains: list[tuple[str, ...]] = [()]
    known: dict[tuple[str, ...], int] = {(): 0}
    for depth, lo, hi, name in sorted(spans, key=lambda s: s[0]):      # outer calls first
        a, b = max((lo - base) >> shift, 0), min((hi - base + (1 << shift) - 1) >> shift, words)
        if a >= b:
            continue
        chain = chains[context[a]] + (name,)
        if chain not in known:
            known[chain] = len(chains)
            chains.append(chain)
        context[a:b] = known[chain]
    return InlineMap(base, context, chains)


def _inlined_spans(dwarf, cu) -> list[tuple[int, int, int, str]]:
    """(nesting depth, low pc, high pc, function name) of every inlined call's address ranges."""
    top = cu.get_top_DIE()
    cu_base = top.attributes["DW_AT_low_pc"].value if "DW_AT_low_pc" in top.attributes else 0
    spans, todo = [], [(child, 0) for child in top.iter_children()]
    while todo:
        die, depth = todo.pop()
        inner = depth
        if die.tag == "DW_TAG_inlined_subroutine":
            inner = depth + 1
            name = _name(die)
            spans += [(inner, lo, hi, name) for lo, hi in _ranges(dwarf, cu, die, cu_base) if lo]
        todo += [(child, inner) for child in die.iter_children()]
    return spans


def _name(die) -> str:
    """A DIE's function name, following abstract origins and specifications."""
    for _ in range(8):
        if "DW_AT_name" in die.attributes:
            return die.attributes["DW_AT_name"].value.decode(errors="replace")
        origin = next((a for a in ("DW_AT_abstract_origin", "DW_AT_specification") if a in die.attributes), None)
        if origin is None:
            break
        die = die.get_DIE_from_attribute(origin)
    return "<inlined>"


def _ranges(dwarf, cu, die, cu_base: int) -> list[tuple[int, int]]:
    attrs = die.attributes
    if "DW_AT_low_pc" in attrs and "DW_AT_high_pc" in attrs:
        lo, high = attrs["DW_AT_low_pc"].value, attrs["DW_AT_high_pc"]
        return [(lo, lo + high.value if high.form.startswith("DW_FORM_data") else high.value)]
    if "DW_AT_ranges" not in attrs:
        return []
    ranges, base = [], cu_base
    for entry in dwarf.range_lists().get_range_list_at_offset(attrs["DW_AT_ranges"].value, cu=cu):
        if isinstance(entry, BaseAddressEntry):
            base = entry.base_address
        elif getattr(entry, "is_absolute", False):
            ranges.append((entry.begin_offset, entry.end_offset))
        else:
            ranges.append((base + entry.begin_offset, base + entry.end_offset))
    return ranges
